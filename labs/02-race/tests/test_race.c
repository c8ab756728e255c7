/* test_race.c - the race lab's Criterion tests: exact counts, speed, locks, withdraw. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "race.h"
#include "scenarios.h"
#include "tl_test.h"

/* The counter at several thread counts: 1 (no sharing at all), odd, and many more than cores. */
static void race_check_counts(const char *name, race_count_fn fn)
{
    /* A lost update needs two threads running at the same instant, which a busy machine may not
     * grant for a while: keep trying for half a second (a search budget, not a time limit). */
    double start = tl_now();
    for (int runs = 0; runs < 3 || (tl_now() - start < 0.5 && runs < 100); runs++)
        race_scn_check_count(name, fn, RACE_THREADS, race_scn_per_thread());
    race_scn_check_count(name, fn, 1, 1000);
    race_scn_check_count(name, fn, 3, 30000);
    race_scn_check_count(name, fn, 16, 20000);
    /* Schedule noise: yields right after unlocks, where a stale read does the most damage. */
    tl_noise(TL_NOISE_YIELD);
    race_scn_check_count(name, fn, RACE_THREADS, 5000);
}

TL_TEST(race, count_mutex_exact)
{
    race_check_counts("race_count_mutex", race_count_mutex);
}

TL_TEST(race, count_atomic_exact)
{
    race_check_counts("race_count_atomic", race_count_atomic);
}

TL_TEST(race, count_partial_exact)
{
    race_check_counts("race_count_partial", race_count_partial);
}

static void race_check_bad_args(const char *name, race_count_fn fn)
{
    long total = 12345;
    int err = fn(0, 10, &total);
    TL_CHECK(err == EINVAL, "%s(0, 10, &total) returned %d (%s) instead of EINVAL: no threads",
             name, err, strerror(err));
    err = fn(2, -1, &total);
    TL_CHECK(err == EINVAL, "%s(2, -1, &total) returned %d (%s) instead of EINVAL", name, err,
             strerror(err));
    err = fn(2, 10, NULL);
    TL_CHECK(err == EINVAL, "%s(2, 10, NULL) returned %d (%s) instead of EINVAL", name, err,
             strerror(err));
    TL_CHECK(total == 12345, "%s changed *total although it returned an error", name);
    err = fn(4, 0, &total);
    TL_CHECK(err == 0 && total == 0,
             "%s(4, 0, &total) returned %d (%s) with total %ld: expected 0 with total 0", name, err,
             strerror(err), total);
}

TL_TEST(race, count_bad_args)
{
    race_check_bad_args("race_count_mutex", race_count_mutex);
    race_check_bad_args("race_count_atomic", race_count_atomic);
    race_check_bad_args("race_count_partial", race_count_partial);
}

/* Seconds one call of fn takes; fails the test if fn fails. */
static double race_time_count(const char *name, race_count_fn fn, long per_thread)
{
    double t0 = tl_now();
    race_scn_check_count(name, fn, RACE_THREADS, per_thread);
    return tl_now() - t0;
}

/* Partial sums touch shared memory once per thread, the mutex once per increment. Measured side
 * by side in one run, best of several, so that load from other processes hits both alike. */
TL_TEST(race, partial_faster)
{
    const long per_thread = 200000;
    double best_mutex = 1e9, best_partial = 1e9;
    for (int i = 0; i < 3; i++) {
        double t = race_time_count("race_count_mutex", race_count_mutex, per_thread);
        best_mutex = t < best_mutex ? t : best_mutex;
        t = race_time_count("race_count_partial", race_count_partial, per_thread);
        best_partial = t < best_partial ? t : best_partial;
    }
    TL_CHECK(best_mutex >= 2 * best_partial,
             "race_count_partial took %.1f ms and race_count_mutex %.1f ms for the same %d x %ld "
             "increments: partial sums must be far faster (at least 2x). Does each thread still "
             "lock, or write shared memory, for every increment? "
             "See README \"Task 3: partial sums\"",
             best_partial * 1e3, best_mutex * 1e3, RACE_THREADS, per_thread);
}

struct race_probe {
    atomic_int done;
    int err;
    long total;
};

static void *race_probe_atomic(void *arg)
{
    struct race_probe *p = arg;
    p->err = race_count_atomic(RACE_THREADS, 400000, &p->total);
    atomic_store(&p->done, 1);
    return NULL;
}

/* Sample, while race_count_atomic runs, how many threads wait for a mutex: threads in a wrapped
 * blocking call other than condition waits. The thread that called it waits in pthread_join; a
 * second one can only be a worker waiting for a lock (or a join or semaphore), which the atomic
 * counter must not need. A tenth of the samples are allowed, for a start gate. */
TL_TEST(race, atomic_lock_free)
{
    struct race_probe p = {.err = -1};
    pthread_t runner;
    tl_spawn(&runner, race_probe_atomic, &p);
    long samples = 0, waiting = 0;
    while (!atomic_load(&p.done)) {
        waiting += tl_blocked_threads() - tl_cond_waiters() >= 2;
        samples++;
        tl_sleep_ms(0.2);
    }
    pthread_join(runner, NULL);
    TL_CHECK(p.err == 0, "race_count_atomic(%d, 400000, &total) returned %d (%s) instead of 0",
             RACE_THREADS, p.err, strerror(p.err));
    TL_CHECK(waiting * 10 <= samples,
             "while race_count_atomic ran, its threads were seen waiting for a mutex in %ld of "
             "%ld samples: the atomic counter must use an atomic read-modify-write "
             "(atomic_fetch_add), not a lock. "
             "See README \"Task 2: one atomic read-modify-write\"",
             waiting, samples);
}

TL_TEST(race, withdraw_basics)
{
    TL_CHECK(race_account_new(-1) == NULL,
             "race_account_new(-1) returned an account: a negative opening balance is invalid");
    struct race_account *a = race_account_new(100);
    TL_CHECK(a, "race_account_new(100) returned NULL");
    TL_CHECK(race_balance(a) == 100, "race_balance gave %ld for a new account opened with 100",
             race_balance(a));
    int err = race_withdraw(a, 30);
    TL_CHECK(err == 0 && race_balance(a) == 70,
             "race_withdraw(acct, 30) from 100 returned %d (%s) and left %ld: expected 0 and 70",
             err, strerror(err), race_balance(a));
    err = race_withdraw(a, 71);
    TL_CHECK(err == ERANGE && race_balance(a) == 70,
             "race_withdraw(acct, 71) from 70 returned %d (%s) and left %ld: expected ERANGE and "
             "the balance unchanged at 70",
             err, strerror(err), race_balance(a));
    err = race_withdraw(a, 0);
    TL_CHECK(err == EINVAL, "race_withdraw(acct, 0) returned %d (%s) instead of EINVAL", err,
             strerror(err));
    err = race_withdraw(a, -5);
    TL_CHECK(err == EINVAL && race_balance(a) == 70,
             "race_withdraw(acct, -5) returned %d (%s) and left %ld: expected EINVAL and 70 (a "
             "negative withdrawal would be a deposit)",
             err, strerror(err), race_balance(a));
    err = race_withdraw(a, 70);
    TL_CHECK(err == 0 && race_balance(a) == 0,
             "race_withdraw(acct, 70) from 70 returned %d (%s) and left %ld: expected 0 and 0 "
             "(taking the whole balance is allowed)",
             err, strerror(err), race_balance(a));
    err = race_withdraw(a, 1);
    TL_CHECK(err == ERANGE, "race_withdraw(acct, 1) from an empty account returned %d (%s)", err,
             strerror(err));
    race_account_free(a);
    race_account_free(NULL);
}

TL_TEST(race, withdraw_never_overdraws)
{
    race_scn_withdraw();
    /* Three threads: about one per core, so that they really run at the same time. */
    race_scn_withdraw_rounds(3, 1000, 48);
    /* Long rounds: every thread is surely running when the money runs out. */
    race_scn_withdraw_rounds(RACE_THREADS, 100, 5000);
}
