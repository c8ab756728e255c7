/* test_pool.c - the pool lab's tests: one TL_TEST per "test" check in lab.conf. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tl_test.h"
#include "scenarios.h"

#define VALUE(p) ((long)(intptr_t)(p))
#define PTR(v)   ((void *)(intptr_t)(v))

static void get_expect(struct pool_future *f, long want, const char *what)
{
    void *result = PTR(-1);
    int err = pool_future_get(f, &result);
    TL_CHECK(err == 0 && VALUE(result) == want,
             "pool_future_get on %s returned %s and result %ld; it must return 0 and what the "
             "task returned, %ld",
             what, tl_err_name(err), VALUE(result), want);
}

static void get_cancelled(struct pool_future *f, const char *what)
{
    void *result = PTR(-1);
    int err = pool_future_get(f, &result);
    TL_CHECK(err == ECANCELED && result == NULL,
             "pool_future_get on %s returned %s and result %ld; it must return ECANCELED (%d) and "
             "NULL",
             what, tl_err_name(err), VALUE(result), ECANCELED);
}

static void *plus_one(void *arg)
{
    return PTR(VALUE(arg) + 1);
}

/* ---- Task 1: create and destroy ----------------------------------------------------------- */

TL_TEST(pool, create_and_errors)
{
    int live = tl_live_threads();
    uint64_t created = tl_create_calls();
    TL_CHECK(pool_create(0) == NULL && pool_create(-1) == NULL &&
                 pool_create(POOL_MAX_THREADS + 1) == NULL,
             "pool_create returned a pool for 0, -1 or POOL_MAX_THREADS + 1 workers; it must "
             "return NULL");
    TL_CHECK(tl_create_calls() == created,
             "pool_create started threads for a bad number of workers; it must start none");

    struct pool *p = pool_create(3);
    TL_CHECK(p, "pool_create(3) returned NULL; it must return a pool of 3 workers");
    uint64_t started = tl_create_calls() - created;
    TL_CHECK(started == 3 && tl_live_threads() == live + 3,
             "pool_create(3) started %llu threads, of which %d are running; it must start "
             "exactly 3 workers, which wait for tasks",
             (unsigned long long)started, tl_live_threads() - live);
    struct pool_future *f = PTR(1);
    int err = pool_submit(p, NULL, NULL, &f);
    TL_CHECK(err == EINVAL && f == NULL,
             "pool_submit with no function returned %s%s; it must return EINVAL and set *out to "
             "NULL",
             tl_err_name(err), f ? " and left *out set" : "");
    err = pool_submit(p, plus_one, NULL, NULL);
    TL_CHECK(err == EINVAL, "pool_submit with out == NULL returned %s; it must return EINVAL",
             tl_err_name(err));
    struct pool_future *none[2] = {NULL, NULL};
    size_t index = 7;
    err = pool_wait_any(none, 2, &index);
    TL_CHECK(err == EINVAL,
             "pool_wait_any on an array of NULLs returned %s; it must return "
             "EINVAL (there is nothing to wait for)",
             tl_err_name(err));
    pool_destroy(p);
    TL_CHECK(tl_live_threads() == live,
             "after pool_destroy, %d of the pool's threads were still running; it must stop "
             "and join every worker",
             tl_live_threads() - live);

    /* A thread that cannot start: those started are stopped and joined. */
    tl_fail_create(3);
    p = pool_create(4);
    TL_CHECK(p == NULL, "pool_create(4) returned a pool although its 3rd pthread_create failed; "
                        "it must return NULL");
    TL_CHECK(tl_live_threads() == live,
             "pool_create(4) failed to start its 3rd worker and returned, but %d workers it "
             "started were still running; it must stop and join them first",
             tl_live_threads() - live);
}

/* ---- Task 2: submit and get ---------------------------------------------------------------- */

TL_TEST(pool, results)
{
    enum { N = 2000 };
    static struct pool_future *fs[N];
    struct pool *p = pt_create(4);
    for (long i = 0; i < N; i++) {
        int err = pool_submit(p, plus_one, PTR(i * 7), &fs[i]);
        TL_CHECK(err == 0 && fs[i], "pool_submit returned %s; it must return 0 and a future",
                 tl_err_name(err));
    }
    for (long i = 0; i < N; i++) {
        get_expect(fs[i], i * 7 + 1, "a finished task's future");
        TL_CHECK(pool_future_done(fs[i]),
                 "pool_future_done returned false after pool_future_get returned; it must say "
                 "true once the task has finished");
        get_expect(fs[i], i * 7 + 1, "a future already read once");
        pool_future_free(fs[i]);
    }
    pool_destroy(p);
}

static pthread_t worker_of[300];

static void *record_worker(void *arg)
{
    worker_of[VALUE(arg)] = pthread_self();
    return arg;
}

TL_TEST(pool, workers_reused)
{
    enum { WORKERS = 3, TASKS = 300 };
    static struct pool_future *fs[TASKS];
    int live = tl_live_threads();
    tl_live_threads_max();
    uint64_t created = tl_create_calls();
    struct pool *p = pt_create(WORKERS);
    for (long i = 0; i < TASKS; i++) {
        int err = pool_submit(p, record_worker, PTR(i), &fs[i]);
        TL_CHECK(err == 0, "pool_submit returned %s; it must return 0", tl_err_name(err));
    }
    for (long i = 0; i < TASKS; i++) {
        get_expect(fs[i], i, "a finished task's future");
        pool_future_free(fs[i]);
    }
    uint64_t started = tl_create_calls() - created;
    int most = tl_live_threads_max() - live;
    TL_CHECK(started == WORKERS,
             "a pool of %d workers ran %d tasks and %llu threads were started; pool_create must "
             "start exactly %d workers and they must run every task (no thread per task)",
             WORKERS, TASKS, (unsigned long long)started, WORKERS);
    TL_CHECK(most <= WORKERS, "a pool of %d workers had %d threads running at once", WORKERS, most);
    int distinct = 0;
    pthread_t seen[WORKERS + 1];
    for (int i = 0; i < TASKS && distinct <= WORKERS; i++) {
        bool known = false;
        for (int k = 0; k < distinct; k++)
            known |= pthread_equal(seen[k], worker_of[i]);
        if (!known)
            seen[distinct++] = worker_of[i];
    }
    TL_CHECK(distinct <= WORKERS,
             "the %d tasks ran on more than %d different threads; the pool's %d workers must "
             "run them all",
             TASKS, WORKERS, WORKERS);
    for (int k = 0; k < distinct; k++)
        TL_CHECK(!pthread_equal(seen[k], pthread_self()),
                 "a task ran on the thread that called pool_submit; tasks run on the workers");
    pool_destroy(p);
}

static pthread_barrier_t together;

static void *meet_task(void *arg)
{
    pthread_barrier_wait(&together);
    return arg;
}

TL_TEST(pool, runs_in_parallel)
{
    enum { WORKERS = 4 };
    struct pool_future *fs[WORKERS];
    pthread_barrier_init(&together, NULL, WORKERS);
    struct pool *p = pt_create(WORKERS);
    /* Each task waits at a barrier until all 4 are there: only a pool whose 4 workers run tasks
     * at the same time gets past it; otherwise the run ends as a deadlock within a second. */
    for (long i = 0; i < WORKERS; i++) {
        int err = pool_submit(p, meet_task, PTR(i), &fs[i]);
        TL_CHECK(err == 0, "pool_submit returned %s; it must return 0", tl_err_name(err));
    }
    for (long i = 0; i < WORKERS; i++) {
        get_expect(fs[i], i, "a task that met the others at a barrier");
        pool_future_free(fs[i]);
    }
    pool_destroy(p);
    pthread_barrier_destroy(&together);
}

/* ---- Task 3: waiting for a future ---------------------------------------------------------- */

TL_TEST(pool, get_blocks)
{
    enum { GETTERS = 3 };
    static struct pt_job job, next;
    static struct pt_call calls[GETTERS];
    /* One worker: once the task ends it takes the next held task, so that while the test waits
     * for the getters, the only threads waiting in the pool are the getters themselves. */
    struct pool *p = pt_create(1);
    struct pool_future *f = pt_submit_job(p, &job, 42, true);
    struct pool_future *g = pt_submit_job(p, &next, 43, true);
    TL_CHECK(pt_await_started(&job, 1, 1), "a task submitted to an idle pool did not start");
    for (int i = 0; i < GETTERS; i++) {
        calls[i] = (struct pt_call){.op = PT_GET, .f = f};
        pt_call_start(&calls[i]);
    }
    tl_await_blocked(GETTERS + 1);
    for (int i = 0; i < GETTERS; i++)
        TL_CHECK(!tl_call_returned(&calls[i].call),
                 "pool_future_get returned %s while the task was still running; it must wait "
                 "until the task has returned",
                 tl_err_name(calls[i].ret));
    TL_CHECK(!pool_future_done(f),
             "pool_future_done returned true while the task was still running");
    pt_release(&job);
    int woken = 0;
    for (int i = 0; i < GETTERS; i++)
        woken += tl_call_finish(&calls[i].call, 2);
    TL_CHECK(woken == GETTERS,
             "%d threads waited in pool_future_get for one task; it finished, but only %d of "
             "them returned: finishing a task must wake every waiter (broadcast)",
             GETTERS, woken);
    for (int i = 0; i < GETTERS; i++)
        TL_CHECK(calls[i].ret == 0 && VALUE(calls[i].result) == 42,
                 "pool_future_get returned %s and %ld after the task finished; it must return 0 "
                 "and 42",
                 tl_err_name(calls[i].ret), VALUE(calls[i].result));
    TL_CHECK(pool_future_done(f), "pool_future_done returned false after the task finished");
    pt_release(&next);
    get_expect(g, 43, "a finished task's future");
    pool_future_free(g);
    pool_future_free(f);
    pool_destroy(p);
}

TL_TEST(pool, timed_wait)
{
    static struct pt_job job;
    static struct pt_call call;
    struct pool *p = pt_create(1);
    struct pool_future *f = pt_submit_job(p, &job, 5, true);
    call = (struct pt_call){.op = PT_TIMEDWAIT, .f = f, .timeout_s = 0.15};
    pt_call_start(&call);
    TL_CHECK(tl_call_finish(&call.call, 2),
             "pool_future_timedwait with a deadline 150 ms ahead did not return within 2 s, "
             "while the task stayed running");
    TL_CHECK(call.ret == ETIMEDOUT,
             "pool_future_timedwait with a deadline 150 ms ahead returned %s while the task "
             "stayed running; it must return ETIMEDOUT (%d)",
             tl_err_name(call.ret), ETIMEDOUT);
    TL_CHECK(call.call.seconds >= 0.14,
             "pool_future_timedwait with a deadline 150 ms ahead (on CLOCK_MONOTONIC) returned "
             "after %.0f ms; it must wait until the deadline. A condition variable measures "
             "time on CLOCK_REALTIME unless told otherwise, and there this deadline is decades "
             "past: pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) in pool_create",
             call.call.seconds * 1000);
    TL_CHECK(call.call.seconds < 1.0,
             "pool_future_timedwait with a deadline 150 ms ahead returned only after %.0f ms",
             call.call.seconds * 1000);

    call = (struct pt_call){.op = PT_TIMEDWAIT, .f = f, .timeout_s = 30};
    pt_call_start(&call);
    tl_await_blocked(2);
    TL_CHECK(!tl_call_returned(&call.call),
             "pool_future_timedwait with a deadline 30 s ahead returned %s at once while the "
             "task was running; it must wait",
             tl_err_name(call.ret));
    pt_release(&job);
    TL_CHECK(tl_call_finish(&call.call, 2),
             "pool_future_timedwait stayed blocked after the task finished: finishing a task "
             "must wake its waiters");
    TL_CHECK(call.ret == 0,
             "pool_future_timedwait returned %s when the task finished before its deadline; it "
             "must return 0",
             tl_err_name(call.ret));
    struct timespec past = {0, 0};
    int err = pool_future_timedwait(f, &past);
    TL_CHECK(err == 0,
             "pool_future_timedwait on a done future with a past deadline returned %s; "
             "a done future returns 0 at once",
             tl_err_name(err));
    get_expect(f, 5, "a finished task's future");
    pool_future_free(f);
    pool_destroy(p);
}

/* ---- Task 4: map and wait_any ---------------------------------------------------------------- */

enum { REV = 4 };
static pthread_mutex_t rev_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rev_cond = PTHREAD_COND_INITIALIZER;
static int rev_finished;

/* Task i of REV finishes only after every task after it: the last one first. */
static void *reverse_task(void *arg)
{
    long i = VALUE(arg);
    pthread_mutex_lock(&rev_lock);
    while (rev_finished != REV - 1 - i)
        pthread_cond_wait(&rev_cond, &rev_lock);
    rev_finished++;
    pthread_cond_broadcast(&rev_cond);
    pthread_mutex_unlock(&rev_lock);
    return PTR(i * 10 + 1);
}

TL_TEST(pool, map_order)
{
    enum { BIG = 1000 };
    static void *args[BIG], *results[BIG];
    struct pool *p = pt_create(REV);
    int err = pool_map(p, plus_one, args, results, 0);
    TL_CHECK(err == 0, "pool_map with n == 0 returned %s; it must return 0", tl_err_name(err));

    for (long i = 0; i < REV; i++) {
        args[i] = PTR(i);
        results[i] = PTR(-1);
    }
    err = pool_map(p, reverse_task, args, results, REV);
    TL_CHECK(err == 0, "pool_map returned %s; it must return 0", tl_err_name(err));
    for (long i = 0; i < REV; i++)
        TL_CHECK(VALUE(results[i]) == i * 10 + 1,
                 "pool_map's tasks finished last first; it stored %ld in results[%ld], but that "
                 "place is for fn(args[%ld]) = %ld: results go in input order, not in the order "
                 "tasks finish",
                 VALUE(results[i]), i, i, i * 10 + 1);

    for (long i = 0; i < BIG; i++)
        args[i] = PTR(3 * i);
    err = pool_map(p, plus_one, args, results, BIG);
    TL_CHECK(err == 0, "pool_map returned %s; it must return 0", tl_err_name(err));
    for (long i = 0; i < BIG; i++)
        TL_CHECK(VALUE(results[i]) == 3 * i + 1,
                 "pool_map stored %ld in results[%ld]; it must store fn(args[%ld]) = %ld",
                 VALUE(results[i]), i, i, 3 * i + 1);
    pool_destroy(p);
}

TL_TEST(pool, wait_any_first)
{
    enum { N = 3, M = 8 };
    static struct pt_job jobs[M];
    static struct pt_call call;
    struct pool_future *fs[M], *first[N];
    struct pool *p = pt_create(M);
    for (int i = 0; i < N; i++)
        first[i] = fs[i] = pt_submit_job(p, &jobs[i], 100 + i, true);
    TL_CHECK(pt_await_started(jobs, N, N),
             "%d tasks submitted to a pool of %d idle workers did "
             "not all start",
             N, M);

    /* Task 2 finishes, then task 0: wait_any must name 2, the first done, not the lowest index. */
    pt_release(&jobs[2]);
    TL_CHECK(pt_await_done(fs[2], 2), "a task finished but pool_future_done stayed false");
    pt_release(&jobs[0]);
    TL_CHECK(pt_await_done(fs[0], 2), "a task finished but pool_future_done stayed false");
    size_t index = 99;
    int err = pool_wait_any(fs, N, &index);
    TL_CHECK(err == 0 && index == 2,
             "tasks 2 and then 0 of 3 finished; pool_wait_any returned %s and index %zu; it must "
             "return 0 and 2, the future that finished first",
             tl_err_name(err), index);
    fs[2] = NULL;
    err = pool_wait_any(fs, N, &index);
    TL_CHECK(err == 0 && index == 0,
             "with fs[2] set to NULL, pool_wait_any returned %s and index %zu; it must return 0 "
             "and 0, the only done future left",
             tl_err_name(err), index);
    fs[0] = NULL;

    /* Nothing done yet: wait_any blocks until task 1 finishes. */
    call = (struct pt_call){.op = PT_WAIT_ANY, .fs = fs, .n = N};
    pt_call_start(&call);
    tl_await_blocked(2);
    TL_CHECK(!tl_call_returned(&call.call),
             "pool_wait_any returned %s and index %zu while no future in the array was done; it "
             "must wait",
             tl_err_name(call.ret), call.index);
    pt_release(&jobs[1]);
    TL_CHECK(tl_call_finish(&call.call, 2),
             "pool_wait_any stayed blocked after a task in its array finished: finishing a task "
             "must wake pool_wait_any too");
    TL_CHECK(call.ret == 0 && call.index == 1,
             "pool_wait_any returned %s and index %zu after task 1 finished; it must return 0 "
             "and 1",
             tl_err_name(call.ret), call.index);
    for (int i = 0; i < N; i++)
        pool_future_free(first[i]);

    /* as_completed: M tasks released in a seeded order; each wait names the one released. */
    struct pool_future *all[M];
    for (int i = 0; i < M; i++)
        all[i] = fs[i] = pt_submit_job(p, &jobs[i], 200 + i, true);
    int order[M];
    for (int i = 0; i < M; i++)
        order[i] = i;
    for (int i = M - 1; i > 0; i--) {
        int k = (int)tl_rand_below((uint32_t)i + 1), t = order[i];
        order[i] = order[k];
        order[k] = t;
    }
    TL_CHECK(pt_await_started(jobs, M, M),
             "%d tasks submitted to a pool of %d idle workers did "
             "not all start",
             M, M);
    for (int k = 0; k < M; k++) {
        pt_release(&jobs[order[k]]);
        err = pool_wait_any(fs, M, &index);
        TL_CHECK(err == 0 && index == (size_t)order[k],
                 "only task %d was released, and pool_wait_any returned %s and index %zu; it "
                 "must return 0 and %d",
                 order[k], tl_err_name(err), index, order[k]);
        get_expect(fs[index], 200 + order[k], "a future pool_wait_any returned");
        fs[index] = NULL;
    }
    for (int i = 0; i < M; i++)
        pool_future_free(all[i]);
    pool_destroy(p);
}

/* ---- Task 5: many submitters, tasks that submit ---------------------------------------------- */

enum { CS_SUBMITTERS = 4, CS_PER = 500 };
static struct pool *cs_pool;
static atomic_int cs_runs[CS_SUBMITTERS * CS_PER];

static void *cs_task(void *arg)
{
    atomic_fetch_add(&cs_runs[VALUE(arg)], 1);
    return PTR(VALUE(arg) * 2);
}

static void *cs_submitter(void *arg)
{
    long s = VALUE(arg);
    static struct pool_future *fs[CS_SUBMITTERS][CS_PER];
    for (long i = 0; i < CS_PER; i++) {
        int err = pool_submit(cs_pool, cs_task, PTR(s * CS_PER + i), &fs[s][i]);
        TL_CHECK(err == 0,
                 "pool_submit returned %s while other threads submitted; it must "
                 "return 0",
                 tl_err_name(err));
    }
    for (long i = 0; i < CS_PER; i++) {
        get_expect(fs[s][i], 2 * (s * CS_PER + i), "a finished task's future");
        pool_future_free(fs[s][i]);
    }
    return NULL;
}

TL_TEST(pool, concurrent_submitters)
{
    tl_noise(TL_NOISE_YIELD);
    cs_pool = pt_create(3);
    pthread_t threads[CS_SUBMITTERS];
    for (long s = 0; s < CS_SUBMITTERS; s++)
        tl_spawn(&threads[s], cs_submitter, PTR(s));
    for (int s = 0; s < CS_SUBMITTERS; s++)
        pthread_join(threads[s], NULL);
    pool_destroy(cs_pool);
    for (int i = 0; i < CS_SUBMITTERS * CS_PER; i++) {
        int runs = atomic_load(&cs_runs[i]);
        TL_CHECK(runs == 1,
                 "%d threads submitted %d tasks each; task %d ran %d times, but every task must "
                 "run exactly once (%s)",
                 CS_SUBMITTERS, CS_PER, i, runs,
                 runs ? "twice: did two workers take the same task from the queue?"
                      : "never: was it lost from the queue?");
    }
    /* The detectors' scenario: submitters, map, wait_any, a task that submits, shutdown. */
    tl_scenario("stress");
}

static struct pool *ts_pool;

static void *submitting_task(void *arg)
{
    struct pool_future *f = NULL;
    int err = pool_submit(ts_pool, plus_one, arg, &f);
    return err == 0 ? f : NULL;
}

TL_TEST(pool, task_submits)
{
    /* One worker: the task's pool_submit must not wait for a worker, or for the pool's lock. */
    ts_pool = pt_create(1);
    struct pool_future *outer = NULL;
    int err = pool_submit(ts_pool, submitting_task, PTR(41), &outer);
    TL_CHECK(err == 0, "pool_submit returned %s; it must return 0", tl_err_name(err));
    void *inner = NULL;
    err = pool_future_get(outer, &inner);
    TL_CHECK(err == 0 && inner,
             "a task called pool_submit on its own pool and got no future (pool_future_get "
             "returned %s): tasks run without the pool's lock held, and may submit tasks",
             tl_err_name(err));
    get_expect(inner, 42, "the future of a task submitted by a task");
    pool_future_free(inner);
    pool_future_free(outer);
    pool_destroy(ts_pool);
}

TL_TEST(pool, free_while_running)
{
    /* Futures freed while their tasks run or wait, then a cancelling shutdown (the detectors'
     * scenario: memcheck sees a worker writing into a future already freed). */
    tl_scenario("free_running");
}

/* ---- Task 6: shutdown ---------------------------------------------------------------------- */

enum { SD_WORKERS = 2, SD_QUEUED = 3, SD_JOBS = SD_WORKERS + SD_QUEUED };

/* A pool of SD_WORKERS whose workers each run a held job, and SD_QUEUED jobs queued behind. */
static struct pool *sd_setup(struct pt_job *jobs, struct pool_future **fs)
{
    struct pool *p = pt_create(SD_WORKERS);
    for (int i = 0; i < SD_JOBS; i++)
        fs[i] = pt_submit_job(p, &jobs[i], 10 + i, i < SD_WORKERS);
    TL_CHECK(pt_await_started(jobs, SD_WORKERS, SD_WORKERS),
             "%d held tasks were submitted to a pool of %d idle workers, but they did not all "
             "start",
             SD_WORKERS, SD_WORKERS);
    return p;
}

static void submit_refused(struct pool *p, const char *when)
{
    static struct pt_job job;
    struct pool_future *f = PTR(1);
    int err = pool_submit(p, pt_job_task, &job, &f);
    TL_CHECK(err == EPIPE && f == NULL,
             "pool_submit %s returned %s%s; it must return EPIPE (%d) and set *out to NULL", when,
             tl_err_name(err), err == 0 ? " (the task was accepted)" : "", EPIPE);
}

TL_TEST(pool, shutdown_wait)
{
    static struct pt_job jobs[SD_JOBS];
    static struct pt_call call;
    struct pool_future *fs[SD_JOBS];
    int live = tl_live_threads();

    /* Idle workers, all asleep: shutdown must wake every one of them. */
    struct pool *p = pt_create(4);
    tl_await_blocked(4);
    call = (struct pt_call){.op = PT_SHUTDOWN, .p = p, .wait = true};
    pt_call_start(&call);
    TL_CHECK(tl_call_finish(&call.call, 2),
             "pool_shutdown(wait) on a pool of 4 idle workers did not return: it must wake every "
             "idle worker (broadcast) so that each sees the shutdown and exits");
    TL_CHECK(tl_live_threads() == live,
             "pool_shutdown(wait) returned but %d workers were still running; with wait it "
             "returns only after joining them",
             tl_live_threads() - live);
    pool_destroy(p);

    /* Busy workers and a queue: wait returns after every queued task ran. */
    p = sd_setup(jobs, fs);
    call = (struct pt_call){.op = PT_SHUTDOWN, .p = p, .wait = true};
    pt_call_start(&call);
    TL_CHECK(!tl_call_await(&call.call, 0.3),
             "pool_shutdown(wait) returned while %d tasks were still running and %d queued; "
             "with wait it must return only after they have all run and the workers were "
             "joined",
             SD_WORKERS, SD_QUEUED);
    submit_refused(p, "during pool_shutdown");
    for (int i = 0; i < SD_WORKERS; i++)
        pt_release(&jobs[i]);
    TL_CHECK(tl_call_finish(&call.call, 3),
             "pool_shutdown(wait) did not return after every task was released");
    for (int i = 0; i < SD_JOBS; i++)
        TL_CHECK(pt_job_finished(&jobs[i]),
                 "pool_shutdown(wait) returned before task %d (%s) had finished; without "
                 "cancel_pending, queued tasks still run, and wait waits for them",
                 i, i < SD_WORKERS ? "running" : "queued");
    TL_CHECK(tl_live_threads() == live,
             "pool_shutdown(wait) returned but %d workers were still running; with wait it "
             "returns only after joining them",
             tl_live_threads() - live);
    for (int i = 0; i < SD_JOBS; i++) {
        get_expect(fs[i], 10 + i, "a task that ran before shutdown returned");
        pool_future_free(fs[i]);
    }
    pool_destroy(p);
}

TL_TEST(pool, shutdown_nowait)
{
    static struct pt_job jobs[SD_JOBS];
    struct pool_future *fs[SD_JOBS];
    int live = tl_live_threads();
    struct pool *p = sd_setup(jobs, fs);
    /* Without wait it returns at once; if it waited, this test would never release the tasks
     * and the run would end as a deadlock. */
    int err = pool_shutdown(p, false, false);
    TL_CHECK(err == 0, "pool_shutdown returned %s; it must return 0", tl_err_name(err));
    submit_refused(p, "after pool_shutdown");
    for (int i = 0; i < SD_JOBS; i++)
        TL_CHECK(!pool_future_done(fs[i]),
                 "pool_shutdown without cancel_pending made task %d's future done before it ran",
                 i);
    for (int i = 0; i < SD_WORKERS; i++)
        pt_release(&jobs[i]);
    for (int i = 0; i < SD_JOBS; i++) {
        get_expect(fs[i], 10 + i, "a task queued before pool_shutdown(no wait, no cancel)");
        pool_future_free(fs[i]);
    }
    pool_destroy(p);
    TL_CHECK(tl_live_threads() == live,
             "after pool_destroy, %d of the pool's workers were still running",
             tl_live_threads() - live);
}

TL_TEST(pool, shutdown_cancel)
{
    static struct pt_job jobs[SD_JOBS];
    static struct pt_call calls[SD_QUEUED];
    struct pool_future *fs[SD_JOBS];
    struct pool *p = sd_setup(jobs, fs);
    for (int i = 0; i < SD_QUEUED; i++) {
        calls[i] = (struct pt_call){.op = PT_GET, .f = fs[SD_WORKERS + i]};
        pt_call_start(&calls[i]);
    }
    tl_await_blocked(SD_WORKERS + SD_QUEUED);
    int err = pool_shutdown(p, false, true);
    TL_CHECK(err == 0, "pool_shutdown returned %s; it must return 0", tl_err_name(err));
    int woken = 0;
    for (int i = 0; i < SD_QUEUED; i++)
        woken += tl_call_finish(&calls[i].call, 2);
    TL_CHECK(woken == SD_QUEUED,
             "%d threads waited in pool_future_get for queued tasks; pool_shutdown(cancel_pending) "
             "cancelled those tasks but only %d of the threads returned: cancelling must mark "
             "each future done and wake its waiters",
             SD_QUEUED, woken);
    for (int i = 0; i < SD_QUEUED; i++) {
        TL_CHECK(calls[i].ret == ECANCELED && calls[i].result == NULL,
                 "pool_future_get on a task cancelled by pool_shutdown returned %s and %p; it "
                 "must return ECANCELED (%d) and NULL",
                 tl_err_name(calls[i].ret), calls[i].result, ECANCELED);
        get_cancelled(fs[SD_WORKERS + i], "a cancelled task's future");
    }
    for (int i = 0; i < SD_WORKERS; i++)
        TL_CHECK(!pool_future_done(fs[i]),
                 "pool_shutdown(cancel_pending) made running task %d's future done; running "
                 "tasks are not cancelled: they finish",
                 i);
    for (int i = 0; i < SD_WORKERS; i++) {
        pt_release(&jobs[i]);
        get_expect(fs[i], 10 + i, "a task running during pool_shutdown(cancel_pending)");
    }
    pool_destroy(p);
    for (int i = 0; i < SD_QUEUED; i++)
        TL_CHECK(pt_job_runs(&jobs[SD_WORKERS + i]) == 0,
                 "a task queued at pool_shutdown(cancel_pending) ran; cancelled tasks never run");
    for (int i = 0; i < SD_JOBS; i++)
        pool_future_free(fs[i]);
}

static bool all_queued_done(void *arg)
{
    struct pool_future **fs = arg;
    for (int i = SD_WORKERS; i < SD_JOBS; i++)
        if (!pool_future_done(fs[i]))
            return false;
    return true;
}

TL_TEST(pool, shutdown_wait_cancel)
{
    static struct pt_job jobs[SD_JOBS];
    static struct pt_call call;
    static struct pool_future *fs[SD_JOBS];
    int live = tl_live_threads();
    struct pool *p = sd_setup(jobs, fs);
    call = (struct pt_call){.op = PT_SHUTDOWN, .p = p, .wait = true, .cancel = true};
    pt_call_start(&call);
    TL_CHECK(tl_await(all_queued_done, fs, tl_bound(2)),
             "pool_shutdown(wait, cancel_pending) was called, but the futures of the queued "
             "tasks did not become done while it waited for the running ones: cancel them "
             "before waiting");
    TL_CHECK(!tl_call_returned(&call.call),
             "pool_shutdown(wait, cancel_pending) returned while %d tasks were still running; "
             "with wait it returns only after they finish and the workers were joined",
             SD_WORKERS);
    for (int i = 0; i < SD_WORKERS; i++)
        pt_release(&jobs[i]);
    TL_CHECK(tl_call_finish(&call.call, 3),
             "pool_shutdown(wait, cancel_pending) did not return after the running tasks were "
             "released");
    TL_CHECK(tl_live_threads() == live,
             "pool_shutdown(wait) returned but %d workers were still running",
             tl_live_threads() - live);
    for (int i = 0; i < SD_JOBS; i++) {
        if (i < SD_WORKERS)
            get_expect(fs[i], 10 + i, "a task running during pool_shutdown(wait, cancel)");
        else
            get_cancelled(fs[i], "a task queued at pool_shutdown(wait, cancel_pending)");
        TL_CHECK(pt_job_runs(&jobs[i]) == (i < SD_WORKERS),
                 "task %d ran %d times; running tasks finish once, cancelled ones never run", i,
                 pt_job_runs(&jobs[i]));
        pool_future_free(fs[i]);
    }
    pool_destroy(p);
}

TL_TEST(pool, submit_after_shutdown)
{
    void *args[2] = {PTR(1), PTR(2)}, *results[2];
    struct pool *p = pt_create(2);
    int err = pool_shutdown(p, false, false);
    TL_CHECK(err == 0, "pool_shutdown returned %s; it must return 0", tl_err_name(err));
    submit_refused(p, "after pool_shutdown(no wait)");
    err = pool_map(p, plus_one, args, results, 2);
    TL_CHECK(err == EPIPE, "pool_map after pool_shutdown returned %s; it must return EPIPE",
             tl_err_name(err));
    err = pool_shutdown(p, true, false);
    TL_CHECK(err == 0, "a second pool_shutdown returned %s; it must return 0", tl_err_name(err));
    submit_refused(p, "after pool_shutdown(wait)");
    pool_destroy(p);
}

/* ---- Task 7: idle means asleep --------------------------------------------------------------- */

static void measure_idle(const char *who, int waiters)
{
    tl_await_blocked(waiters);
    const char *problem = tl_idle_problem(who, "signalled");
    TL_CHECK(!problem, "%s", problem);
}

TL_TEST(pool, no_busy_wait)
{
    static struct pt_job job;
    static struct pt_call call;
    struct pool *p = pt_create(4);
    measure_idle("4 workers of an idle pool waited for tasks", 4);
    struct pool_future *f = pt_submit_job(p, &job, 9, true);
    call = (struct pt_call){.op = PT_GET, .f = f};
    pt_call_start(&call);
    measure_idle("a thread waited in pool_future_get for a running task", 5);
    pt_release(&job);
    TL_CHECK(tl_call_finish(&call.call, 2) && call.ret == 0 && VALUE(call.result) == 9,
             "pool_future_get did not return 0 and 9 after its task finished");
    pool_future_free(f);
    pool_destroy(p);
}

TL_TEST(pool, spurious_wakeups)
{
    enum { TASKS = 150, GETTERS = 3 };
    static struct pt_job job;
    static struct pt_call calls[GETTERS];
    int live = tl_live_threads();
    tl_noise(TL_NOISE_SPURIOUS);
    struct pool *p = pt_create(3);
    /* Each task is submitted once a worker really waits, so that it wakes a sleeper. The
     * workers are counted after that wait, not before: a worker that leaves its loop on a
     * spurious wakeup does so while the test waits, and if all had left, the task would hang
     * with no worker to run it, and the run would read as a lost wakeup instead of this. */
    for (long i = 0; i < TASKS; i++) {
        tl_await_waiters(1, 2);
        TL_CHECK(tl_live_threads() == live + 3,
                 "only %d of the pool's 3 workers were still running, although the pool was "
                 "open: a worker must leave its loop only at shutdown, so after a spurious "
                 "wakeup it must look at the queue again (while, not if)",
                 tl_live_threads() - live);
        struct pool_future *f = NULL;
        int err = pool_submit(p, plus_one, PTR(i), &f);
        TL_CHECK(err == 0, "pool_submit returned %s; it must return 0", tl_err_name(err));
        get_expect(f, i + 1, "a task submitted to waiting workers woken spuriously");
        pool_future_free(f);
    }
    /* Getters of a running task, while other tasks finish: every wakeup they get, spurious
     * or meant for another future, must send them back to waiting. */
    struct pool_future *f = pt_submit_job(p, &job, 77, true);
    for (int i = 0; i < GETTERS; i++) {
        calls[i] = (struct pt_call){.op = PT_GET, .f = f};
        pt_call_start(&calls[i]);
    }
    tl_await_blocked(GETTERS + 3);
    for (long i = 0; i < 20; i++) {
        struct pool_future *other = NULL;
        int err = pool_submit(p, plus_one, PTR(i), &other);
        TL_CHECK(err == 0, "pool_submit returned %s; it must return 0", tl_err_name(err));
        get_expect(other, i + 1, "a task submitted while another ran");
        pool_future_free(other);
    }
    for (int i = 0; i < GETTERS; i++)
        TL_CHECK(!tl_call_returned(&calls[i].call),
                 "pool_future_get returned %s and %ld while its task was still running: after "
                 "a wakeup (spurious, or for another future) it must re-check that its future "
                 "is done (while, not if)",
                 tl_err_name(calls[i].ret), VALUE(calls[i].result));
    pt_release(&job);
    for (int i = 0; i < GETTERS; i++)
        TL_CHECK(tl_call_finish(&calls[i].call, 2) && calls[i].ret == 0 &&
                     VALUE(calls[i].result) == 77,
                 "pool_future_get did not return 0 and 77 after its task finished");
    pool_future_free(f);
    pool_destroy(p);
    TL_CHECK(tl_spurious_wakeups() > 0,
             "threads waited, but the test injected no spurious wakeup, so it proved nothing "
             "(a fault of the test: run it again)");
}

/* ---- Task 8: why a pool ---------------------------------------------------------------------- */

enum { TINY = 10000, BATCH = 50 };
static void *tiny_results[TINY];

static void *tiny_thread(void *arg)
{
    tiny_results[VALUE(arg)] = plus_one(arg);
    return NULL;
}

TL_TEST(pool, beats_thread_per_task)
{
    static struct pool_future *fs[TINY];
    /* The pool: 2 workers, 10,000 tiny tasks. */
    uint64_t created = tl_create_calls();
    double start = tl_now();
    struct pool *p = pool_create(2);
    TL_CHECK(p, "pool_create(2) returned NULL");
    for (long i = 0; i < TINY; i++) {
        int err = pool_submit(p, plus_one, PTR(i), &fs[i]);
        TL_CHECK(err == 0, "pool_submit returned %s; it must return 0", tl_err_name(err));
    }
    for (long i = 0; i < TINY; i++) {
        void *result = NULL;
        int err = pool_future_get(fs[i], &result);
        TL_CHECK(err == 0 && VALUE(result) == i + 1,
                 "pool_future_get returned %s and %ld; it "
                 "must return 0 and %ld",
                 tl_err_name(err), VALUE(result), i + 1);
        pool_future_free(fs[i]);
    }
    pool_destroy(p);
    double pool_s = tl_now() - start;
    uint64_t pool_threads = tl_create_calls() - created;
    TL_CHECK(pool_threads == 2,
             "a pool of 2 workers ran %d tasks and %llu threads were started; the workers "
             "must be started once and reused",
             TINY, (unsigned long long)pool_threads);

    /* A thread per task, BATCH at a time, in the same run. */
    created = tl_create_calls();
    start = tl_now();
    for (long b = 0; b < TINY; b += BATCH) {
        pthread_t t[BATCH];
        for (long i = 0; i < BATCH; i++)
            tl_spawn(&t[i], tiny_thread, PTR(b + i));
        for (long i = 0; i < BATCH; i++)
            pthread_join(t[i], NULL);
    }
    double thread_s = tl_now() - start;
    uint64_t per_task = tl_create_calls() - created;
    TL_CHECK(per_task == TINY,
             "the thread-per-task side started %llu threads for %d tasks (a "
             "fault of the test)",
             (unsigned long long)per_task, TINY);
    for (long i = 0; i < TINY; i++)
        TL_CHECK(VALUE(tiny_results[i]) == i + 1, "the thread-per-task side computed a wrong "
                                                  "result (a fault of the test)");
    TL_CHECK(pool_s * 2 < thread_s,
             "%d tiny tasks took %.0f ms on a pool of 2 workers and %.0f ms with a thread per "
             "task; the pool must be at least twice as fast: is a worker sleeping or polling "
             "between tasks, or does submit or get do slow work under the lock?",
             TINY, pool_s * 1000, thread_s * 1000);
}
