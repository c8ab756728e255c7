/* scenarios.h - the pool lab's scenarios and the harness that test_pool.c shares. */
#ifndef PT_SCENARIOS_H
#define PT_SCENARIOS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool.h"
#include "tl_test.h"

/* Test names use the prefix pt_, so that they never clash with a student's pool_ helpers. */

/* A task the test controls: it records that it started and how often it ran, waits until the
 * test releases it if `hold` is set, and returns `value`. Fields after `hold` are guarded by the
 * harness lock; read them with the pt_job_ functions. */
struct pt_job {
    long value;
    bool hold;
    bool started, released, finished;
    int runs;
};

/* The task function for a struct pt_job (its argument). */
void *pt_job_task(void *job);
/* Submit job to p and return its future; the test fails if pool_submit does not return 0. */
struct pool_future *pt_submit_job(struct pool *p, struct pt_job *job, long value, bool hold);
/* Let a held job return. */
void pt_release(struct pt_job *job);
/* Wait (tl_await) until n jobs of jobs[] have started; false after a few seconds. */
bool pt_await_started(struct pt_job *jobs, int count, int n);
/* How often the job ran, and whether it returned. */
int pt_job_runs(struct pt_job *job);
bool pt_job_finished(struct pt_job *job);

enum pt_op { PT_GET, PT_TIMEDWAIT, PT_WAIT_ANY, PT_SHUTDOWN };

/* One API call made on its own thread (tl_call_start), so that a test can watch it block and
 * unblock: tl_call_returned(&c->call), tl_call_finish(&c->call, seconds). */
struct pt_call {
    struct tl_call call; /* first: when it returned, how long it took */
    enum pt_op op;
    struct pool_future *f;         /* PT_GET, PT_TIMEDWAIT */
    struct pool_future *const *fs; /* PT_WAIT_ANY */
    size_t n;                      /* PT_WAIT_ANY */
    struct pool *p;                /* PT_SHUTDOWN */
    bool wait, cancel;             /* PT_SHUTDOWN */
    double timeout_s;              /* PT_TIMEDWAIT: deadline = start + timeout_s */
    int ret;
    void *result; /* PT_GET */
    size_t index; /* PT_WAIT_ANY */
};

/* Start the call that c describes. */
void pt_call_start(struct pt_call *c);
/* The name of the API function c calls, for messages. */
const char *pt_op_name(const struct pt_call *c);

/* pool_create, with the pool's lock named for feedback; the test fails on NULL. */
struct pool *pt_create(int nthreads);
/* Wait (tl_await) until f is done; false after timeout_s. */
bool pt_await_done(struct pool_future *f, double timeout_s);

/* Submitters, a map, a task that submits, pool_wait_any, pool_future_done read while a worker
 * finishes the task (a handshake the detectors cannot see), then shutdown. */
void pt_scn_stress(void);
/* Futures freed while their tasks run or wait in the queue, then a cancelling shutdown. */
void pt_scn_free_running(void);

#endif
