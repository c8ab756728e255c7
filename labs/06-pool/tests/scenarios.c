/* scenarios.c - the pool lab's concurrency scenarios, shared by the tests and the driver.
 *
 * DESIGN: tests decide when a task ends (a held struct pt_job returns only once released), never
 * sleeps, so that "which task finished first" or "a task still running" is a fact, not a hope.
 * The one handshake the detectors must not see (pool_future_done read while a worker finishes)
 * goes through tl_flags, which add no happens-before edge.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_test.h"
#include "scenarios.h"

/* ---- Harness ------------------------------------------------------------------------------ */

static pthread_mutex_t harness_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t harness_cond = PTHREAD_COND_INITIALIZER;

void *pt_job_task(void *arg)
{
    struct pt_job *j = arg;
    pthread_mutex_lock(&harness_lock);
    j->started = true;
    j->runs++;
    pthread_cond_broadcast(&harness_cond);
    while (j->hold && !j->released)
        pthread_cond_wait(&harness_cond, &harness_lock);
    j->finished = true;
    long value = j->value;
    pthread_mutex_unlock(&harness_lock);
    return (void *)(intptr_t)value;
}

struct pool_future *pt_submit_job(struct pool *p, struct pt_job *job, long value, bool hold)
{
    memset(job, 0, sizeof *job);
    job->value = value;
    job->hold = hold;
    struct pool_future *f = (struct pool_future *)(uintptr_t)0xdead;
    int err = pool_submit(p, pt_job_task, job, &f);
    TL_CHECK(err == 0,
             "pool_submit on a running pool returned %s; it must queue the task and "
             "return 0",
             tl_err_name(err));
    TL_CHECK(f && f != (struct pool_future *)(uintptr_t)0xdead,
             "pool_submit returned 0 but stored %s in *out; it must store the task's future",
             f ? "nothing" : "NULL");
    return f;
}

void pt_release(struct pt_job *job)
{
    pthread_mutex_lock(&harness_lock);
    job->released = true;
    pthread_cond_broadcast(&harness_cond);
    pthread_mutex_unlock(&harness_lock);
}

int pt_job_runs(struct pt_job *job)
{
    pthread_mutex_lock(&harness_lock);
    int runs = job->runs;
    pthread_mutex_unlock(&harness_lock);
    return runs;
}

bool pt_job_finished(struct pt_job *job)
{
    pthread_mutex_lock(&harness_lock);
    bool finished = job->finished;
    pthread_mutex_unlock(&harness_lock);
    return finished;
}

struct started_goal {
    struct pt_job *jobs;
    int count, n;
};

static bool started_enough(void *arg)
{
    struct started_goal *g = arg;
    int started = 0;
    pthread_mutex_lock(&harness_lock);
    for (int i = 0; i < g->count; i++)
        started += g->jobs[i].started;
    pthread_mutex_unlock(&harness_lock);
    return started >= g->n;
}

bool pt_await_started(struct pt_job *jobs, int count, int n)
{
    struct started_goal g = {jobs, count, n};
    return tl_await(started_enough, &g, tl_bound(3));
}

static bool future_done(void *f)
{
    return pool_future_done(f);
}

bool pt_await_done(struct pool_future *f, double timeout_s)
{
    return tl_await(future_done, f, tl_bound(timeout_s));
}

static void *noop_task(void *arg)
{
    return arg;
}

struct pool *pt_create(int nthreads)
{
    struct pool *p = pool_create(nthreads);
    TL_CHECK(p, "pool_create(%d) returned NULL; it must return a pool of %d workers", nthreads,
             nthreads);
    /* Whatever this thread locks to submit, wait and free is "the pool's lock" in feedback. */
    tl_label_begin("the pool's lock");
    struct pool_future *f = NULL;
    int err = pool_submit(p, noop_task, NULL, &f);
    if (err == 0 && f) {
        pool_future_get(f, NULL);
        pool_future_free(f);
    }
    tl_label_end();
    TL_CHECK(err == 0 && f, "pool_submit on a new pool returned %s; it must return 0 and a future",
             tl_err_name(err));
    return p;
}

/* ---- Call harness ------------------------------------------------------------------------- */

const char *pt_op_name(const struct pt_call *c)
{
    static const char *const names[] = {"pool_future_get", "pool_future_timedwait", "pool_wait_any",
                                        "pool_shutdown"};
    return names[c->op];
}

static void run_call(struct tl_call *call)
{
    struct pt_call *c = (struct pt_call *)call;
    switch (c->op) {
    case PT_GET:
        c->ret = pool_future_get(c->f, &c->result);
        break;
    case PT_TIMEDWAIT: {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long ns = (long)(c->timeout_s * 1e9);
        t.tv_sec += ns / 1000000000L;
        t.tv_nsec += ns % 1000000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        c->ret = pool_future_timedwait(c->f, &t);
        break;
    }
    case PT_WAIT_ANY:
        c->ret = pool_wait_any(c->fs, c->n, &c->index);
        break;
    case PT_SHUTDOWN:
        c->ret = pool_shutdown(c->p, c->wait, c->cancel);
        break;
    }
}

void pt_call_start(struct pt_call *c)
{
    c->ret = -1;
    c->result = (void *)(uintptr_t)0xdead;
    c->index = (size_t)-1;
    tl_call_start(&c->call, run_call);
}

/* ---- Stress -------------------------------------------------------------------------------- */

enum { ST_WORKERS = 3, ST_SUBMITTERS = 3, ST_ANY = 4, ST_MAP = 8 };

static struct {
    struct pool *p;
    long per;                  /* tasks per submitter */
    long *runs[ST_SUBMITTERS]; /* runs[s][i]: how often submitter s's task i ran */
    long map_runs[ST_MAP];
    long any_runs[ST_ANY];
    long spawned_runs;
    /* The handshake: the task started, pool_future_done was read, the worker moved on to the
     * next task. */
    tl_flag hs_started, hs_read, hs_next;
    struct pool_future *hs_future;
    bool hs_saw_done; /* written by the reader before it is joined */
} st;

/* A task that counts its runs in the slot it is given and returns the slot. Plain writes: a
 * task run twice at once is a data race, and run twice in turn a count of 2. */
static void *count_task(void *slot)
{
    (*(long *)slot)++;
    return slot;
}

static void *st_submitter(void *arg)
{
    long s = (long)(intptr_t)arg;
    struct pool_future **fs = calloc((size_t)st.per, sizeof *fs);
    TL_CHECK(fs, "the test ran out of memory");
    for (long i = 0; i < st.per; i++) {
        int err = pool_submit(st.p, count_task, &st.runs[s][i], &fs[i]);
        TL_CHECK(err == 0 && fs[i],
                 "pool_submit returned %s while other threads submitted too; it must return 0 "
                 "and a future",
                 tl_err_name(err));
        if (i % 3 == 2) { /* freed before it is done: the pool must keep it until then */
            pool_future_free(fs[i]);
            fs[i] = NULL;
        }
    }
    for (long i = 0; i < st.per; i++) {
        if (!fs[i])
            continue;
        void *result = NULL;
        int err = pool_future_get(fs[i], &result);
        TL_CHECK(err == 0 && result == &st.runs[s][i],
                 "pool_future_get returned %s and result %p; it must return 0 and what the task "
                 "returned, %p",
                 tl_err_name(err), result, (void *)&st.runs[s][i]);
        pool_future_free(fs[i]);
    }
    free(fs);
    return NULL;
}

/* Waits until the flag is raised, or gives up after a while (the code under test may be stuck
 * in a way the watchdog does not end: the scenario's other checks say so). */
static bool st_await_flag(tl_flag *flag)
{
    return tl_flag_await(flag, 1, tl_under_valgrind() ? 20 : 5);
}

/* The task runs until the reader has called pool_future_done, then returns. */
static void *hs_task(void *arg)
{
    tl_flag_raise(&st.hs_started, 1);
    st_await_flag(&st.hs_read);
    return arg;
}

/* Reads pool_future_done while hs_task runs; the worker marks the future done right after.
 * Whether done is read outside the lock or written outside it, this read and that write are
 * then unordered on every run; under the lock on both sides, the lock orders them. */
static void *hs_reader(void *arg)
{
    (void)arg;
    if (st_await_flag(&st.hs_started))
        st.hs_saw_done = pool_future_done(st.hs_future);
    tl_flag_raise(&st.hs_read, 1);
    return NULL;
}

/* Runs after hs_task on the same (only) worker: by then the worker has marked hs_task done. */
static void *hs_next_task(void *arg)
{
    tl_flag_raise(&st.hs_next, 1);
    return arg;
}

static void *spawner_task(void *arg)
{
    (void)arg;
    struct pool_future *f = NULL;
    int err = pool_submit(st.p, count_task, &st.spawned_runs, &f);
    return err == 0 ? f : NULL;
}

/* On a pool of its own, of one worker, so that nothing else touches its lock: the runner joins
 * the reader (an edge from the read) only once the worker has moved on to the next task, after
 * marking hs_task done; joining earlier, then waiting in pool_future_get, would order the read
 * before the worker's write through the pool's lock. */
static void st_handshake(void)
{
    tl_flag_init(&st.hs_started);
    tl_flag_init(&st.hs_read);
    tl_flag_init(&st.hs_next);
    struct pool *p = pt_create(1);
    struct pool_future *next = NULL;
    int err = pool_submit(p, hs_task, &st, &st.hs_future);
    if (err == 0)
        err = pool_submit(p, hs_next_task, NULL, &next);
    TL_CHECK(err == 0 && st.hs_future && next,
             "pool_submit returned %s; it must return 0 and a future", tl_err_name(err));
    pthread_t reader;
    tl_spawn(&reader, hs_reader, NULL);
    st_await_flag(&st.hs_next);
    pthread_join(reader, NULL);
    TL_CHECK(!st.hs_saw_done,
             "pool_future_done returned true while the task was still running; it must say "
             "false until the task has returned");
    void *result = NULL;
    err = pool_future_get(st.hs_future, &result);
    TL_CHECK(err == 0 && result == &st,
             "pool_future_get returned %s and %p; it must return 0 and the task's result %p",
             tl_err_name(err), result, (void *)&st);
    pool_future_get(next, NULL);
    pool_future_free(next);
    pool_future_free(st.hs_future);
    pool_destroy(p);
}

static void st_wait_any(void)
{
    struct pool_future *fs[ST_ANY];
    for (int i = 0; i < ST_ANY; i++) {
        int err = pool_submit(st.p, count_task, &st.any_runs[i], &fs[i]);
        TL_CHECK(err == 0 && fs[i], "pool_submit returned %s; it must return 0 and a future",
                 tl_err_name(err));
    }
    struct pool_future *left[ST_ANY];
    memcpy(left, fs, sizeof fs);
    for (int k = 0; k < ST_ANY; k++) {
        size_t i = ST_ANY;
        int err = pool_wait_any(left, ST_ANY, &i);
        TL_CHECK(err == 0 && i < ST_ANY && left[i],
                 "pool_wait_any returned %s and index %zu; it must return 0 and the index of a "
                 "future still in the array (non-NULL)",
                 tl_err_name(err), i);
        TL_CHECK(pool_future_done(left[i]),
                 "pool_wait_any returned index %zu, but that future was not done", i);
        left[i] = NULL;
    }
    for (int i = 0; i < ST_ANY; i++)
        pool_future_free(fs[i]);
}

static void st_map_and_spawn(void)
{
    void *args[ST_MAP], *results[ST_MAP];
    for (int i = 0; i < ST_MAP; i++)
        args[i] = &st.map_runs[i];
    int err = pool_map(st.p, count_task, args, results, ST_MAP);
    TL_CHECK(err == 0, "pool_map returned %s; it must return 0", tl_err_name(err));
    for (int i = 0; i < ST_MAP; i++)
        TL_CHECK(results[i] == args[i],
                 "pool_map stored %p in results[%d]; it must store fn(args[%d]) = %p there",
                 results[i], i, i, args[i]);

    struct pool_future *outer = NULL;
    err = pool_submit(st.p, spawner_task, NULL, &outer);
    TL_CHECK(err == 0 && outer, "pool_submit returned %s; it must return 0 and a future",
             tl_err_name(err));
    void *inner = NULL;
    err = pool_future_get(outer, &inner);
    TL_CHECK(err == 0 && inner,
             "a task called pool_submit and got no future (pool_future_get returned %s): a task "
             "must be able to submit another task",
             tl_err_name(err));
    void *result = NULL;
    err = pool_future_get(inner, &result);
    TL_CHECK(err == 0 && result == &st.spawned_runs,
             "the future of a task submitted by a task gave %s and %p; it must give 0 and %p",
             tl_err_name(err), result, (void *)&st.spawned_runs);
    pool_future_free(inner);
    pool_future_free(outer);
}

void pt_scn_stress(void)
{
    tl_noise(TL_NOISE_YIELD);
    memset(&st, 0, sizeof st);
    st.per = tl_scaled(2000, 12);
    for (int s = 0; s < ST_SUBMITTERS; s++) {
        st.runs[s] = calloc((size_t)st.per, sizeof *st.runs[s]);
        TL_CHECK(st.runs[s], "the test ran out of memory");
    }
    st.p = pt_create(ST_WORKERS);
    st_handshake();

    pthread_t submitters[ST_SUBMITTERS];
    for (long s = 0; s < ST_SUBMITTERS; s++)
        tl_spawn(&submitters[s], st_submitter, (void *)(intptr_t)s);
    st_wait_any();
    st_map_and_spawn();
    for (int s = 0; s < ST_SUBMITTERS; s++)
        pthread_join(submitters[s], NULL);

    int err = pool_shutdown(st.p, true, false);
    TL_CHECK(err == 0, "pool_shutdown returned %s; it must return 0", tl_err_name(err));
    for (int s = 0; s < ST_SUBMITTERS; s++)
        for (long i = 0; i < st.per; i++)
            TL_CHECK(st.runs[s][i] == 1,
                     "submitter %d's task %ld ran %ld times; every submitted task must run "
                     "exactly once (%s)",
                     s, i, st.runs[s][i],
                     st.runs[s][i] ? "run twice: taken from the queue by two workers?"
                                   : "lost: is every queued task taken by some worker?");
    for (int i = 0; i < ST_MAP; i++)
        TL_CHECK(st.map_runs[i] == 1, "pool_map ran fn(args[%d]) %ld times; it must run once", i,
                 st.map_runs[i]);
    for (int i = 0; i < ST_ANY; i++)
        TL_CHECK(st.any_runs[i] == 1, "a task ran %ld times; it must run once", st.any_runs[i]);
    pool_destroy(st.p);
    for (int s = 0; s < ST_SUBMITTERS; s++)
        free(st.runs[s]);
}

/* ---- Futures freed while their task runs --------------------------------------------------- */

void pt_scn_free_running(void)
{
    static struct pt_job jobs[6];
    struct pool *p = pt_create(2);
    struct pool_future *running = pt_submit_job(p, &jobs[0], 1, true);
    struct pool_future *kept = pt_submit_job(p, &jobs[1], 2, true);
    struct pool_future *queued = pt_submit_job(p, &jobs[2], 3, false);
    TL_CHECK(pt_await_started(jobs, 3, 2),
             "two held tasks were submitted to a pool of 2 workers, but after a few seconds "
             "%s of them had started",
             pt_job_runs(&jobs[0]) + pt_job_runs(&jobs[1]) == 1 ? "only one" : "none");
    /* Freed while running and while queued: the worker writes the result later. */
    pool_future_free(running);
    pool_future_free(queued);
    pt_release(&jobs[0]);
    pt_release(&jobs[1]);
    void *result = NULL;
    int err = pool_future_get(kept, &result);
    TL_CHECK(err == 0 && (intptr_t)result == 2,
             "pool_future_get returned %s and %ld; it must return 0 and the task's result 2",
             tl_err_name(err), (long)(intptr_t)result);
    pool_future_free(kept);

    /* Freed while queued, then cancelled by shutdown. */
    struct pool_future *held = pt_submit_job(p, &jobs[3], 4, true);
    struct pool_future *held2 = pt_submit_job(p, &jobs[4], 5, true);
    TL_CHECK(pt_await_started(jobs + 3, 2, 2),
             "two held tasks were submitted to a pool of 2 idle workers, but they did not both "
             "start");
    struct pool_future *cancelled = pt_submit_job(p, &jobs[5], 6, false);
    pool_future_free(cancelled);
    pool_future_free(held);
    err = pool_shutdown(p, false, true);
    TL_CHECK(err == 0, "pool_shutdown returned %s; it must return 0", tl_err_name(err));
    pt_release(&jobs[3]);
    pt_release(&jobs[4]);
    err = pool_future_get(held2, &result);
    TL_CHECK(err == 0 && (intptr_t)result == 5,
             "pool_future_get on a task running during pool_shutdown(cancel_pending) returned %s "
             "and %ld; running tasks finish: it must return 0 and 5",
             tl_err_name(err), (long)(intptr_t)result);
    pool_future_free(held2);
    pool_destroy(p);
    TL_CHECK(pt_job_runs(&jobs[5]) == 0,
             "a task still queued at pool_shutdown(cancel_pending) ran anyway; it must be "
             "cancelled");
    for (int i = 0; i < 5; i++)
        TL_CHECK(pt_job_runs(&jobs[i]) == 1, "a submitted task ran %d times; it must run once",
                 pt_job_runs(&jobs[i]));
}

const struct tl_scenario tl_scenarios[] = {
    {"stress", pt_scn_stress},
    {"free_running", pt_scn_free_running},
    {NULL, NULL},
};
