/* pool.h - a fixed pool of worker threads that run submitted tasks, with futures (lab 06-pool).
 *
 * A task is a function and its argument; pool_submit queues it and hands back a future, the
 * place where its result will appear. pool_create starts the workers once; they take tasks in
 * the order they were submitted and are reused for every task until the pool shuts down.
 * Every function is safe to call from any number of threads at once, tasks included, except
 * pool_shutdown with wait and pool_destroy (one thread, never from a task). Functions that can
 * fail return 0 or an error number, as pthreads does (they do not set errno):
 *   EINVAL     a bad argument (no function, no future to fill, no future to wait for)
 *   EPIPE      pool_submit on a pool that has been shut down
 *   ECANCELED  the task was cancelled by pool_shutdown before it started
 *   ETIMEDOUT  pool_future_timedwait reached its deadline first
 *   ENOMEM     out of memory
 */
#ifndef POOL_H
#define POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct pool;
struct pool_future;

/* What a task runs: its result is whatever it returns. */
typedef void *(*pool_task)(void *arg);

/* The most workers a pool may have. */
#define POOL_MAX_THREADS 256

/* A new pool of exactly nthreads worker threads, all started here and waiting for tasks. NULL
 * if nthreads is below 1 or above POOL_MAX_THREADS, or if a thread cannot start (those already
 * started are stopped and joined, everything is freed). Free it with pool_destroy. */
struct pool *pool_create(int nthreads);

/* Queue fn(arg) to run on a worker and store its future in *out. 0; EINVAL if fn or out is
 * NULL; EPIPE once pool_shutdown was called (nothing is queued); ENOMEM. On error *out is set to
 * NULL when out is not NULL. The caller owns the future and frees it with pool_future_free. */
int pool_submit(struct pool *p, pool_task fn, void *arg, struct pool_future **out);

/* Wait until f's task has finished or was cancelled. 0 and *result set to what the task
 * returned, or ECANCELED and *result set to NULL. result may be NULL. Any number of threads may
 * wait for one future. */
int pool_future_get(struct pool_future *f, void **result);

/* As pool_future_get's wait, but only until *deadline, an absolute CLOCK_MONOTONIC time: 0 once
 * f is done (finished or cancelled), ETIMEDOUT if it is still not done at the deadline. */
int pool_future_timedwait(struct pool_future *f, const struct timespec *deadline);

/* Whether f is done (finished or cancelled) right now. Never waits. */
bool pool_future_done(struct pool_future *f);

/* Free f. Allowed at any time, also while its task is queued or running: the task still runs
 * (unless cancelled) and its result is dropped. No thread may use f afterwards. NULL is ignored. */
void pool_future_free(struct pool_future *f);

/* Wait until at least one of the n futures in fs is done, then store in *index the entry that
 * was done first, in the order the pool finished or cancelled them (Python's as_completed, one
 * at a time: set fs[*index] to NULL and call again for the next). NULL entries are skipped; the
 * others must all come from one pool. 0, or EINVAL if fs holds no future or index is NULL. */
int pool_wait_any(struct pool_future *const *fs, size_t n, size_t *index);

/* Run fn(args[i]) on the pool for every i < n, wait for all of them, and store fn(args[i]) in
 * results[i]: in input order, whatever order they finish in. 0 (also for n == 0), or the first
 * error: EPIPE if the pool is shut down, ECANCELED if a shutdown cancelled one of them, EINVAL,
 * ENOMEM. Every future it made is freed before it returns. */
int pool_map(struct pool *p, pool_task fn, void *const *args, void **results, size_t n);

/* Stop accepting tasks: every later pool_submit fails with EPIPE. With cancel_pending, tasks
 * still queued never run: their futures become done with ECANCELED at once, and everyone waiting
 * for them wakes up. Running tasks always finish. With wait, return only once every task that
 * will run has finished and every worker has exited and been joined; without it, return at
 * once. May be called again (e.g. without wait, then with). Returns 0. */
int pool_shutdown(struct pool *p, bool wait, bool cancel_pending);

/* Shut p down if that was not done (waiting for queued tasks to run), join its workers and free
 * it. Free every future of p before: none may be used afterwards. NULL is ignored. */
void pool_destroy(struct pool *p);

#endif
