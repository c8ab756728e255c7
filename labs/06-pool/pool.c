/* pool.c - a fixed thread pool with futures: the file you write (lab 06-pool).
 *
 * The contract of every function is in include/pool.h; README.md walks through the tasks in
 * order. Until a function is written it fails cleanly: it returns NULL or ENOSYS.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "pool.h"

struct pool_future {
    /* TODO(student): the task (function and argument), its result and status, whether it is
     * done, the pool it belongs to, and whatever lets the caller free it while a worker still
     * writes to it. */
    int placeholder;
};

struct pool {
    /* TODO(student): the worker threads, the queue of tasks waiting for a worker, the mutex that
     * guards all of it, one condition variable per condition a thread waits for, and whether the
     * pool is shut down. */
    int placeholder;
};

struct pool *pool_create(int nthreads)
{
    /* TODO(student): start exactly nthreads workers that wait for tasks; NULL for a bad
     * nthreads, and if a thread cannot start (stop and join those already started first). */
    (void)nthreads;
    return NULL;
}

int pool_submit(struct pool *p, pool_task fn, void *arg, struct pool_future **out)
{
    /* TODO(student): EINVAL or EPIPE as pool.h says; else queue a new future for fn(arg), wake
     * a worker, store the future in *out and return 0. */
    (void)p;
    (void)fn;
    (void)arg;
    if (out)
        *out = NULL;
    return ENOSYS;
}

int pool_future_get(struct pool_future *f, void **result)
{
    /* TODO(student): wait while f is not done; then its status, and its result in *result. */
    (void)f;
    (void)result;
    return ENOSYS;
}

int pool_future_timedwait(struct pool_future *f, const struct timespec *deadline)
{
    /* TODO(student): as pool_future_get's wait, but give up with ETIMEDOUT at *deadline
     * (CLOCK_MONOTONIC). */
    (void)f;
    (void)deadline;
    return ENOSYS;
}

bool pool_future_done(struct pool_future *f)
{
    /* TODO(student): whether f is done, read under the lock that guards it. */
    (void)f;
    return false;
}

void pool_future_free(struct pool_future *f)
{
    /* TODO(student): free f, or leave that to the worker if its task is still queued or
     * running. */
    (void)f;
}

int pool_wait_any(struct pool_future *const *fs, size_t n, size_t *index)
{
    /* TODO(student): wait until some non-NULL fs[i] is done; *index = the one done first. */
    (void)fs;
    (void)n;
    (void)index;
    return ENOSYS;
}

int pool_map(struct pool *p, pool_task fn, void *const *args, void **results, size_t n)
{
    /* TODO(student): submit fn(args[i]) for every i, then store each result in results[i]. */
    (void)p;
    (void)fn;
    (void)args;
    (void)results;
    (void)n;
    return ENOSYS;
}

int pool_shutdown(struct pool *p, bool wait, bool cancel_pending)
{
    /* TODO(student): refuse new tasks; cancel the queued ones if asked (waking their waiters);
     * wake every idle worker; with wait, join the workers. */
    (void)p;
    (void)wait;
    (void)cancel_pending;
    return ENOSYS;
}

void pool_destroy(struct pool *p)
{
    /* TODO(student): shut down (waiting) unless done, then free everything pool_create made. */
    (void)p;
}
