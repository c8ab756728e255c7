/* test_threads.c - the threads lab's Criterion tests: results in order, all at once, failures,
 * a thread that cannot start, and the parallel sum. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "threads.h"
#include "scenarios.h"
#include "tl_test.h"

/* How long a task waits at the barrier with no other task arriving before it concludes that
 * th_run runs its threads one after another. Creating the next thread takes microseconds. */
#define TH_ALONE_S 2.0

/* A thread's start is delayed this long in the loop-variable test. */
#define TH_START_DELAY_MS 20.0

TL_TEST(threads, run_results)
{
    long args[64];
    static const int sizes[] = {1, 2, 3, TH_THREADS, 16, 64};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        th_scn_fill_args(args, sizes[s]);
        th_scn_check_run(sizes[s], args);
    }
    for (int round = 0; round < 100; round++) {
        int n = 1 + (int)tl_rand_below(TH_THREADS);
        th_scn_fill_args(args, n);
        th_scn_check_run(n, args);
    }
}

/* ---- The loop variable ------------------------------------------------------------------- */

/* What the loop-variable test's tasks saw: how often each argument came. One extra slot: the
 * argument one past the end (args[n], which the test also fills, so that reading it is safe). */
static struct {
    int n;
    long base;
    atomic_int seen[TH_THREADS + 1];
} th_trap;

/* Fails at once, in the task, so that the message comes before anything the stray index does
 * next (such as writing one past the end of an array). */
static int th_trap_task(long arg, long *result)
{
    long n = th_trap.n, j = (arg - th_trap.base) / 7;
    bool known = arg >= th_trap.base && (arg - th_trap.base) % 7 == 0 && j <= n;
    TL_CHECK(known,
             "th_run(%ld, task, args, results) called the task with %ld, which is none of "
             "args[0..%ld]: a thread read its index after it had changed. With each thread's "
             "start delayed by %.0f ms, a thread that reads the loop variable i through a "
             "pointer sees it long after th_run's loop moved on; give each thread its own "
             "copy (README \"The loop-variable trap\")",
             n, arg, n - 1, TH_START_DELAY_MS);
    TL_CHECK(j < n,
             "th_run(%ld, task, args, results) called the task with args[%ld], one past the end: "
             "with each thread's start delayed by %.0f ms, a thread that reads the loop variable "
             "i through a pointer (&i) reads it after the loop ended, when i == n. Give each "
             "thread its own copy of its index: a struct per thread, filled before "
             "pthread_create (README \"The loop-variable trap\")",
             n, j, TH_START_DELAY_MS);
    int times = atomic_fetch_add(&th_trap.seen[j], 1) + 1;
    TL_CHECK(times == 1,
             "th_run(%ld, task, args, results) called the task with args[%ld] %d times: with "
             "each thread's start delayed by %.0f ms, the threads read their index after th_run's "
             "loop had moved on, so several read the same value. A thread given &i reads i when "
             "it runs, not when it was created: give each thread its own copy of its index, a "
             "struct per thread filled before pthread_create (README \"The loop-variable trap\")",
             n, j, times, TH_START_DELAY_MS);
    return th_scn_task(arg, result);
}

TL_TEST(threads, run_loop_variable)
{
    long args[TH_THREADS + 1], results[TH_THREADS + 1];
    tl_delay_starts(TH_START_DELAY_MS);
    static const int sizes[] = {2, 4, TH_THREADS};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int n = sizes[s];
        th_trap.n = n;
        th_trap.base = 1000 + 7 * (long)tl_rand_below(100000);
        for (int i = 0; i <= n; i++) {
            args[i] = th_trap.base + 7L * i;
            atomic_store(&th_trap.seen[i], 0);
        }
        int err = th_run(n, th_trap_task, args, results);
        TL_CHECK(err == 0, "th_run(%d, task, args, results) returned %s instead of 0", n,
                 tl_err_name(err));
        for (int i = 0; i < n; i++)
            TL_CHECK(results[i] == th_scn_expected(args[i]),
                     "th_run(%d, task, args, results) with each thread's start delayed by %.0f "
                     "ms: results[%d] is %ld instead of %ld, the result of args[%d] (README "
                     "\"The loop-variable trap\")",
                     n, TH_START_DELAY_MS, i, results[i], th_scn_expected(args[i]), i);
    }
    tl_delay_starts(0);
}

/* ---- All at once --------------------------------------------------------------------------- */

/* A barrier for the n tasks of one th_run: each waits until all n have arrived. It is timed, so
 * that a th_run running its threads one after another gets a message that says so: the one
 * waiting thread would otherwise be reported as a deadlock. */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond; /* on CLOCK_MONOTONIC */
    int n, arrived;
    long base;
    pthread_t runner;
} th_gate = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int th_gate_task(long arg, long *result)
{
    TL_CHECK(!pthread_equal(pthread_self(), th_gate.runner),
             "th_run called the task itself, on the thread that called th_run: each task must "
             "run in a thread of its own, all n at the same time (README \"Task 2: all at "
             "once\")");
    long index = arg - th_gate.base;
    pthread_mutex_lock(&th_gate.lock);
    th_gate.arrived++;
    pthread_cond_broadcast(&th_gate.cond);
    int seen = -1;
    struct timespec deadline;
    while (th_gate.arrived < th_gate.n) {
        if (th_gate.arrived != seen) { /* progress: wait TH_ALONE_S more */
            seen = th_gate.arrived;
            clock_gettime(CLOCK_MONOTONIC, &deadline);
            deadline.tv_sec += (time_t)TH_ALONE_S;
        }
        int err = pthread_cond_timedwait(&th_gate.cond, &th_gate.lock, &deadline);
        if (err == ETIMEDOUT && th_gate.arrived == seen)
            break;
    }
    int arrived = th_gate.arrived, n = th_gate.n;
    pthread_mutex_unlock(&th_gate.lock);
    TL_CHECK(arrived >= n,
             "th_run's threads ran one after another, not at the same time: the task for "
             "args[%ld] waited %.0f s for all %d tasks of th_run(%d, ...) to be running, and "
             "only %d had started. Start all n threads first, then join them: a pthread_join "
             "inside the loop that creates them waits for each thread to end before the next "
             "one starts (README \"Task 2: all at once\")",
             index, TH_ALONE_S, n, n, arrived);
    return th_scn_task(arg, result);
}

TL_TEST(threads, run_concurrent)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&th_gate.cond, &attr);
    pthread_condattr_destroy(&attr);
    th_gate.runner = pthread_self();
    long args[32], results[32];
    static const int sizes[] = {2, 3, TH_THREADS, 32};
    for (int round = 0; round < 20; round++) {
        int n = sizes[round % 4];
        th_gate.base = 1000 + (long)tl_rand_below(100000);
        for (int i = 0; i < n; i++)
            args[i] = th_gate.base + i;
        th_gate.n = n;
        th_gate.arrived = 0;
        int err = th_run(n, th_gate_task, args, results);
        TL_CHECK(err == 0, "th_run(%d, task, args, results) returned %s instead of 0", n,
                 tl_err_name(err));
        for (int i = 0; i < n; i++)
            TL_CHECK(results[i] == th_scn_expected(args[i]),
                     "th_run(%d, task, args, results): results[%d] is %ld instead of %ld, the "
                     "result of args[%d]",
                     n, i, results[i], th_scn_expected(args[i]), i);
    }
    pthread_cond_destroy(&th_gate.cond);
}

/* ---- A task that fails --------------------------------------------------------------------- */

/* A negative argument -e fails with error e; the ERANGE one fails late, after the others. */
static int th_failing_task(long arg, long *result)
{
    if (arg >= 0)
        return th_scn_task(arg, result);
    if (-arg == ERANGE)
        tl_sleep_ms(30);
    return (int)-arg;
}

static void th_check_failure(int n, const long *args, int want, int culprit)
{
    long results[8];
    int err = th_run(n, th_failing_task, args, results);
    TL_CHECK(err != 0,
             "th_run(%d, task, args, results) returned 0, but the task for args[%d] returned "
             "%s: a task's failure must reach the caller, as th_run's return value (README "
             "\"Task 3: a task that fails\")",
             n, culprit, tl_err_name(want));
    TL_CHECK(err == want,
             "th_run(%d, task, args, results) returned %s, but the first task to fail, in "
             "argument order, is args[%d]'s, which returned %s: return the error of the "
             "lowest-index task that failed, whichever thread ended first (README \"Task 3: a "
             "task that fails\")",
             n, tl_err_name(err), culprit, tl_err_name(want));
}

TL_TEST(threads, run_task_failure)
{
    const long one[] = {10, 20, -EDOM, 40, 50};
    th_check_failure(5, one, EDOM, 2);
    const long last[] = {10, 20, 30, -EDOM};
    th_check_failure(4, last, EDOM, 3);
    /* args[1] fails last in time: the order of the arguments decides, not the clock. */
    const long two[] = {10, -ERANGE, 30, -EDOM, 50, 60};
    th_check_failure(6, two, ERANGE, 1);
    /* And a th_run whose tasks all succeed still returns 0 with every result. */
    const long none[] = {10, 20, 30};
    th_scn_check_run(3, none);
}

TL_TEST(threads, run_create_fails)
{
    th_scn_create_fails_run(4);
    th_scn_create_fails_run(1);
}

TL_TEST(threads, bad_args)
{
    long args[2] = {1, 2}, results[2] = {7, 7}, sum = 7;
    int err = th_run(0, th_scn_task, args, results);
    TL_CHECK(err == EINVAL, "th_run(0, ...) returned %s instead of EINVAL: no threads to run",
             tl_err_name(err));
    err = th_run(-1, th_scn_task, args, results);
    TL_CHECK(err == EINVAL, "th_run(-1, ...) returned %s instead of EINVAL", tl_err_name(err));
    err = th_run(2, NULL, args, results);
    TL_CHECK(err == EINVAL, "th_run(2, NULL, args, results) returned %s instead of EINVAL",
             tl_err_name(err));
    err = th_run(2, th_scn_task, NULL, results);
    TL_CHECK(err == EINVAL, "th_run(2, task, NULL, results) returned %s instead of EINVAL",
             tl_err_name(err));
    err = th_run(2, th_scn_task, args, NULL);
    TL_CHECK(err == EINVAL, "th_run(2, task, args, NULL) returned %s instead of EINVAL",
             tl_err_name(err));
    TL_CHECK(results[0] == 7 && results[1] == 7, "th_run wrote results although it returned "
                                                 "EINVAL");
    err = th_sum(args, 2, 0, &sum);
    TL_CHECK(err == EINVAL, "th_sum(a, 2, 0, &sum) returned %s instead of EINVAL",
             tl_err_name(err));
    err = th_sum(args, 2, 2, NULL);
    TL_CHECK(err == EINVAL, "th_sum(a, 2, 2, NULL) returned %s instead of EINVAL",
             tl_err_name(err));
    err = th_sum(NULL, 2, 2, &sum);
    TL_CHECK(err == EINVAL, "th_sum(NULL, 2, 2, &sum) returned %s instead of EINVAL",
             tl_err_name(err));
    TL_CHECK(sum == 7, "th_sum wrote *sum although it returned EINVAL");
    err = th_sum(NULL, 0, 3, &sum);
    TL_CHECK(err == 0 && sum == 0,
             "th_sum(NULL, 0, 3, &sum) returned %s with sum %ld: an empty array sums to 0",
             tl_err_name(err), sum);
}

/* ---- The parallel sum ---------------------------------------------------------------------- */

TL_TEST(threads, sum_exact)
{
    static long a[1001];
    static const size_t lens[] = {0, 1, 2, 3, 5, 7, 10, 64, 100, 1001};
    static const int counts[] = {1, 2, 3, 4, 5, 7, TH_THREADS, 16};
    /* Ones first: a wrong sum is then the number of elements counted. */
    for (size_t i = 0; i < 1001; i++)
        a[i] = 1;
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++) {
        for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
            long sum = -1;
            int err = th_sum(a, lens[l], counts[c], &sum);
            TL_CHECK(err == 0, "th_sum(a, %zu, %d, &sum) returned %s instead of 0", lens[l],
                     counts[c], tl_err_name(err));
            TL_CHECK(sum == (long)lens[l],
                     "th_sum(a, %zu, %d, &sum) on an array of ones gave %ld: it counted %ld "
                     "elements of %zu. The shares must cover a[0..%zu) exactly, each element "
                     "once: check the first and last index of each thread's chunk, and that "
                     "the last chunk takes the remainder when %zu is not a multiple of %d "
                     "(README \"Task 4: a parallel sum\")",
                     lens[l], counts[c], sum, sum, lens[l], lens[l], lens[l], counts[c]);
        }
    }
    for (size_t i = 0; i < 1001; i++)
        a[i] = (long)tl_rand_below(2000001) - 1000000;
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
        for (size_t c = 0; c < sizeof counts / sizeof *counts; c++)
            th_scn_check_sum(a, lens[l], counts[c]);
}

/* How long each of th_sum's threads is held before it runs, in sum_parallel: started one after
 * another, each would be alive alone; started all before any is joined, they are all alive at
 * once, with a wide margin for a creating loop slowed down by a busy machine. */
#define TH_HOLD_MS 100.0

TL_TEST(threads, sum_parallel)
{
    static long a[4000];
    for (int i = 0; i < 4000; i++)
        a[i] = i % 13;
    static const int counts[] = {1, 2, 4, TH_THREADS};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        int n = counts[c];
        uint64_t created = tl_create_calls();
        th_scn_check_sum(a, 4000, n);
        created = tl_create_calls() - created;
        TL_CHECK(created == (uint64_t)n,
                 "th_sum(a, 4000, %d, &sum) started %llu threads: each of the %d shares must "
                 "be summed by a thread of its own (README \"Task 4: a parallel sum\")",
                 n, (unsigned long long)created, n);
    }
    /* A creating loop stalled for the whole hold by a very busy machine would miss the
     * overlap once; a th_sum that joins before it starts the next thread never has it. */
    int n = TH_THREADS, peak = 0;
    for (int attempt = 0; attempt < 3 && peak < n; attempt++) {
        int before = tl_live_threads();
        tl_live_threads_max(); /* start counting */
        tl_delay_starts(TH_HOLD_MS);
        th_scn_check_sum(a, 4000, n);
        tl_delay_starts(0);
        int most = tl_live_threads_max() - before;
        peak = most > peak ? most : peak;
    }
    TL_CHECK(peak >= n,
             "th_sum(a, 4000, %d, &sum) never had its %d threads running at the same time "
             "(at most %d at once, with each thread's start delayed by %.0f ms): start all the "
             "threads first, then join them; a pthread_join inside the loop that creates them "
             "waits for each thread to end before starting the next (README \"Task 2: all at "
             "once\")",
             n, n, peak, TH_HOLD_MS);
}

TL_TEST(threads, sum_create_fails)
{
    th_scn_create_fails_sum(4);
    th_scn_create_fails_sum(1);
}
