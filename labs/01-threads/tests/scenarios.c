/* scenarios.c - the threads lab's scenarios: results in order, sums, a failed thread start. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "threads.h"
#include "scenarios.h"
#include "tl_test.h"

long th_scn_expected(long arg)
{
    return 3 * arg + 1;
}

int th_scn_task(long arg, long *result)
{
    *result = th_scn_expected(arg);
    return 0;
}

void th_scn_fill_args(long *args, int n)
{
    /* Distinct, so that a wrong result names the argument it came from. */
    long base = 1000 + (long)tl_rand_below(1000000);
    for (int i = 0; i < n; i++)
        args[i] = base + 7L * i;
}

/* Results outside [0, n) are guards: th_run must not write them. */
#define TH_GUARD   4
#define TH_UNSET   (-123456789L)
#define TH_MAX_RUN 64

/* Which args[j] has expected(args[j]) == value; -1 if none. */
static int th_source_of(long value, const long *args, int n)
{
    for (int j = 0; j < n; j++)
        if (th_scn_expected(args[j]) == value)
            return j;
    return -1;
}

void th_scn_check_run(int n, const long *args)
{
    /* On the stack: a failed check ends the run, and memcheck must not blame the test's own
     * memory for it. */
    long slots[TH_MAX_RUN + 2 * TH_GUARD];
    TL_CHECK(n <= TH_MAX_RUN, "the test asked for too many threads");
    for (int i = 0; i < n + 2 * TH_GUARD; i++)
        slots[i] = TH_UNSET;
    long *results = slots + TH_GUARD;
    int err = th_run(n, th_scn_task, args, results);
    TL_CHECK(err == 0,
             "th_run(%d, task, args, results) returned %s instead of 0: every task "
             "returned 0",
             n, tl_err_name(err));
    for (int g = 0; g < TH_GUARD; g++) {
        TL_CHECK(results[n + g] == TH_UNSET && results[-1 - g] == TH_UNSET,
                 "th_run(%d, task, args, results) wrote outside results[0..%d]: a thread's "
                 "index went past the end (or before the start) of the array",
                 n, n - 1);
    }
    for (int i = 0; i < n; i++) {
        long want = th_scn_expected(args[i]);
        if (results[i] == want)
            continue;
        int j = th_source_of(results[i], args, n);
        TL_CHECK(results[i] != TH_UNSET,
                 "th_run(%d, task, args, results) returned 0 but never wrote results[%d]: "
                 "results[i] must hold the result of args[i] for every i once th_run returns",
                 n, i);
        TL_CHECK(j < 0,
                 "th_run(%d, task, args, results): results[%d] holds the result of args[%d], "
                 "not of args[%d]: results must come back in argument order, each thread "
                 "working on its own index (README \"Task 1: start, join, collect\")",
                 n, i, j, i);
        TL_CHECK(false,
                 "th_run(%d, task, args, results): results[%d] is %ld, which is the result of "
                 "no argument (args[%d] = %ld gives %ld): was it read before its thread had "
                 "written it (read a thread's result only after pthread_join returns), or from "
                 "memory that no longer held it, such as a thread's local variable once the "
                 "thread has ended? (README \"Where a result lives\")",
                 n, i, results[i], i, args[i], want);
    }
}

void th_scn_check_sum(const long *a, size_t len, int nthreads)
{
    long want = 0;
    for (size_t i = 0; i < len; i++)
        want += a[i];
    long sum = TH_UNSET;
    int err = th_sum(a, len, nthreads, &sum);
    TL_CHECK(err == 0, "th_sum(a, %zu, %d, &sum) returned %s instead of 0", len, nthreads,
             tl_err_name(err));
    TL_CHECK(sum == want,
             "th_sum(a, %zu, %d, &sum) gave %ld, but the elements add up to %ld: some "
             "elements were skipped or added twice (README \"Task 4: a parallel sum\")",
             len, nthreads, sum, want);
}

/* ---- A thread that cannot be started ------------------------------------------------------- */

/* A task that takes a while, so that a thread not joined is still running when the call that
 * started it returns. */
static int th_slow_task(long arg, long *result)
{
    tl_sleep_ms(10);
    return th_scn_task(arg, result);
}

/* After the call, every thread it started must have ended. */
static void th_check_none_left(const char *call, int k, int n, int live_before)
{
    int left = tl_live_threads() - live_before;
    TL_CHECK(left <= 0,
             "%s returned while %d of its threads %s still running: when starting thread %d "
             "of %d fails, the thread%s already started (%d) must be joined before the error is "
             "returned (README \"Task 5: when a thread cannot start\")",
             call, left, left == 1 ? "was" : "were", k, n, k - 1 == 1 ? "" : "s", k - 1);
}

static void th_check_create_error(const char *call, int err, int k, int n, long created)
{
    tl_fail_create(0); /* in case the call never reached its k-th create */
    TL_CHECK(err == EAGAIN,
             "%s returned %s when starting its thread %d of %d failed with EAGAIN: it must "
             "return pthread_create's error (README \"Task 5: when a thread cannot start\")",
             call, tl_err_name(err), k, n);
    TL_CHECK(created == k - 1,
             "%s started %ld threads when its thread %d of %d could not start: after a failed "
             "pthread_create, join the %d already started and start no more (README "
             "\"Task 5: when a thread cannot start\")",
             call, created, k, n, k - 1);
}

void th_scn_create_fails_run(int n)
{
    long args[TH_THREADS], results[TH_THREADS];
    TL_CHECK(n <= TH_THREADS, "the test asked for too many threads");
    th_scn_fill_args(args, n);
    char call[64];
    snprintf(call, sizeof call, "th_run(%d, task, args, results)", n);
    for (int k = 1; k <= n; k++) {
        int live = tl_live_threads();
        uint64_t created = tl_create_calls();
        tl_fail_create(k);
        int err = th_run(n, th_slow_task, args, results);
        created = tl_create_calls() - created;
        th_check_none_left(call, k, n, live);
        th_check_create_error(call, err, k, n, (long)created);
    }
}

void th_scn_create_fails_sum(int n)
{
    long a[64];
    for (int i = 0; i < 64; i++)
        a[i] = i;
    char call[64];
    snprintf(call, sizeof call, "th_sum(a, 64, %d, &sum)", n);
    /* Each thread starts late, so that one not joined is still running when th_sum returns. */
    tl_delay_starts(10);
    for (int k = 1; k <= n; k++) {
        int live = tl_live_threads();
        uint64_t created = tl_create_calls();
        long sum = TH_UNSET;
        tl_fail_create(k);
        int err = th_sum(a, 64, n, &sum);
        created = tl_create_calls() - created;
        th_check_none_left(call, k, n, live);
        th_check_create_error(call, err, k, n, (long)created);
    }
    tl_delay_starts(0);
}

/* ---- The driver's scenarios ------------------------------------------------------------------ */

void th_scn_run(void)
{
    long args[TH_THREADS];
    for (long round = 0, rounds = tl_scaled(40, 2); round < rounds; round++) {
        th_scn_fill_args(args, TH_THREADS);
        th_scn_check_run(TH_THREADS, args);
    }
}

void th_scn_sum(void)
{
    static long a[1000];
    for (int i = 0; i < 1000; i++)
        a[i] = (long)tl_rand_below(2001) - 1000;
    th_scn_check_sum(a, 1000, TH_THREADS);
    th_scn_check_sum(a, 7, 3);
    th_scn_check_sum(a, 2, 4);
}

void th_scn_create_fails(void)
{
    th_scn_create_fails_run(4);
    th_scn_create_fails_sum(4);
}

const struct tl_scenario tl_scenarios[] = {
    {"run", th_scn_run},
    {"sum", th_scn_sum},
    {"create_fails", th_scn_create_fails},
    {NULL, NULL},
};
