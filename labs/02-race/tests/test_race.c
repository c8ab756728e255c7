/* test_race.c - the race lab's Criterion tests: exact counts, speed, locks, withdraw. */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "race.h"
#include "scenarios.h"
#include "tl_test.h"

/* Seconds of real parallelism the exact-count tests wait for (see race_check_counts). */
#define RACE_PARALLEL_S 0.03

/* The counter at several thread counts: 1 (no sharing at all), odd, and many more than cores. */
static void race_check_counts(const char *name, race_count_fn fn)
{
    /* A lost update needs two threads running at the same instant, which a busy machine grants
     * only now and then. So count until the runs have had, in all, RACE_PARALLEL_S of CPU time
     * beyond their wall time (time in which two threads really ran at once; it also counts the
     * runner creating threads beside a worker, so it is generous): an increment that is a separate
     * load and store loses updates within a few milliseconds of that, measured at load 10 to 50
     * on 2 cores. The wall-time cap is a search budget for a machine that never runs two threads
     * at once, not a time limit. */
    double start = tl_now(), parallel = 0;
    for (int runs = 0; runs < 3 || (parallel < RACE_PARALLEL_S && tl_now() - start < 5); runs++) {
        struct tl_usage before = tl_usage_now();
        race_scn_check_count(name, fn, RACE_THREADS, race_scn_per_thread());
        struct tl_usage used = tl_usage_since(before);
        if (used.cpu_s > used.wall_s)
            parallel += used.cpu_s - used.wall_s;
    }
    race_scn_check_count(name, fn, 1, 1000);
    race_scn_check_count(name, fn, 3, 30000);
    race_scn_check_count(name, fn, 16, 20000);
    /* Schedule noise: yields right after unlocks, where a stale read does the most damage. */
    tl_noise(TL_NOISE_YIELD);
    race_scn_check_count(name, fn, RACE_THREADS, 5000);
}

/* Mutex locks fn took, through the wrapper, in one call of fn(nthreads, per_thread): fails the
 * test if fn fails or miscounts. */
static uint64_t race_count_locks(const char *name, race_count_fn fn, int nthreads, long per_thread)
{
    uint64_t before = tl_lock_calls();
    race_scn_check_count(name, fn, nthreads, per_thread);
    return tl_lock_calls() - before;
}

/* Task 1 is one lock per increment. One lock around a thread's whole loop also counts exactly,
 * but then the threads take turns and never share the counter, which is what the task is about
 * (and what partial_faster compares partial sums against). */
static void race_check_lock_per_increment(void)
{
    const int nthreads = 4;
    const long per_thread = 5000;
    uint64_t locks = race_count_locks("race_count_mutex", race_count_mutex, nthreads, per_thread);
    TL_CHECK(locks >= (uint64_t)(nthreads * per_thread),
             "race_count_mutex(%d, %ld, &total) counted exactly but took only %llu mutex locks "
             "for %ld increments: Task 1 asks for one lock per increment (lock, count++, "
             "unlock). One lock around a thread's whole loop makes the threads take turns: they "
             "never share the counter, which is the point of the task. "
             "See README \"Task 1: one lock\"",
             nthreads, per_thread, (unsigned long long)locks, nthreads * per_thread);
}

TL_TEST(race, count_mutex_exact)
{
    race_check_counts("race_count_mutex", race_count_mutex);
    race_check_lock_per_increment();
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

/* One side of a comparison: its best time over several calls, and the mutex locks of one call. */
struct race_side {
    double best_s;
    uint64_t locks;
};

static void race_time_count(struct race_side *side, const char *name, race_count_fn fn,
                            long per_thread)
{
    double t0 = tl_now();
    side->locks = race_count_locks(name, fn, RACE_THREADS, per_thread);
    double t = tl_now() - t0;
    side->best_s = t < side->best_s ? t : side->best_s;
}

/* Partial sums touch shared memory once per thread, the mutex once per increment. Measured side
 * by side in one run, best of several, so that load from other processes hits both alike. Each
 * side must first be what its task says, or the comparison blames the wrong function: the mutex
 * counter takes a lock per increment (counted through the wrapper), and if partial sums are not
 * faster, the lock count of race_count_partial says whether it locks or shares memory. */
TL_TEST(race, partial_faster)
{
    const long per_thread = 200000, increments = RACE_THREADS * per_thread;
    struct race_side mutex = {.best_s = 1e9}, partial = {.best_s = 1e9};
    for (int i = 0; i < 3; i++) {
        race_time_count(&mutex, "race_count_mutex", race_count_mutex, per_thread);
        race_time_count(&partial, "race_count_partial", race_count_partial, per_thread);
    }
    TL_CHECK(mutex.locks >= (uint64_t)increments,
             "race_count_partial is compared with race_count_mutex taking one lock per increment, "
             "but race_count_mutex took only %llu mutex locks for %ld increments (%.1f ms, "
             "race_count_partial %.1f ms): fix race_count_mutex first, lock, count++, unlock for "
             "every increment. race_count_partial is not at fault here. "
             "See README \"Task 1: one lock\"",
             (unsigned long long)mutex.locks, increments, mutex.best_s * 1e3, partial.best_s * 1e3);
    if (mutex.best_s >= 2 * partial.best_s)
        return;
    TL_CHECK(partial.locks < (uint64_t)per_thread,
             "race_count_partial took %.1f ms and race_count_mutex %.1f ms for the same %d x %ld "
             "increments: partial sums must be far faster (at least 2x), and race_count_partial "
             "took %llu mutex locks for those %ld increments. Count in a local variable, with no "
             "lock, and combine once per thread. See README \"Task 3: partial sums\"",
             partial.best_s * 1e3, mutex.best_s * 1e3, RACE_THREADS, per_thread,
             (unsigned long long)partial.locks, increments);
    TL_CHECK(false,
             "race_count_partial took %.1f ms and race_count_mutex %.1f ms for the same %d x %ld "
             "increments: partial sums must be far faster (at least 2x). race_count_mutex takes "
             "its lock per increment as it should, and race_count_partial few locks (%llu): does "
             "each of its threads still write shared memory (a shared slot, total or atomic) for "
             "every increment? See README \"Task 3: partial sums\" and \"What sharing costs\"",
             partial.best_s * 1e3, mutex.best_s * 1e3, RACE_THREADS, per_thread,
             (unsigned long long)partial.locks);
}

struct race_probe {
    atomic_int done;
    int err;
    long total;
};

#define RACE_ATOMIC_PER_THREAD 400000

static void *race_probe_atomic(void *arg)
{
    struct race_probe *p = arg;
    p->err = race_count_atomic(RACE_THREADS, RACE_ATOMIC_PER_THREAD, &p->total);
    atomic_store(&p->done, 1);
    return NULL;
}

/* Does race_count_atomic wait for a lock per increment? Two measures over several calls:
 * - mutex locks through the wrapper: a lock per increment takes at least per_thread of them, a
 *   start gate a handful;
 * - samples of threads in a wrapped blocking call other than condition waits (a semaphore, a
 *   join): the caller waits in pthread_join, so a second one is a worker waiting. A lock per
 *   increment keeps a worker waiting in most samples; a start gate only at each call's start.
 *   Calls repeat until there are enough samples that one caught at a gate is a small fraction,
 *   even on a loaded machine where a call lasts only a few samples. */
TL_TEST(race, atomic_lock_free)
{
    long samples = 0, waiting = 0;
    uint64_t locks = 0;
    int calls = 0;
    double start = tl_now();
    while (calls == 0 || (samples < 400 && tl_now() - start < 3)) {
        struct race_probe p = {.err = -1};
        uint64_t locks_before = tl_lock_calls();
        pthread_t runner;
        tl_spawn(&runner, race_probe_atomic, &p);
        while (!atomic_load(&p.done)) {
            waiting += tl_blocked_threads() - tl_cond_waiters() >= 2;
            samples++;
            tl_sleep_ms(0.2);
        }
        pthread_join(runner, NULL);
        locks += tl_lock_calls() - locks_before;
        calls++;
        TL_CHECK(p.err == 0, "race_count_atomic(%d, %d, &total) returned %d (%s) instead of 0",
                 RACE_THREADS, RACE_ATOMIC_PER_THREAD, p.err, strerror(p.err));
    }
    TL_CHECK(locks < (uint64_t)calls * RACE_ATOMIC_PER_THREAD,
             "race_count_atomic(%d, %d, &total) took %llu mutex locks per call: the atomic "
             "counter must use an atomic read-modify-write (atomic_fetch_add), not a lock. "
             "See README \"Task 2: one atomic read-modify-write\"",
             RACE_THREADS, RACE_ATOMIC_PER_THREAD, (unsigned long long)(locks / (uint64_t)calls));
    TL_CHECK(waiting * 2 <= samples,
             "while race_count_atomic ran, its threads were seen waiting (for a lock, a "
             "semaphore or a join) in %ld of %ld samples: the atomic counter must use an atomic "
             "read-modify-write (atomic_fetch_add), not a lock. "
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
    tl_scenario("withdraw");
    /* Three threads: about one per core, so that they really run at the same time. */
    race_scn_withdraw_rounds(3, 1000, 48);
    /* Long rounds: every thread is surely running when the money runs out. */
    race_scn_withdraw_rounds(RACE_THREADS, 100, 5000);
}
