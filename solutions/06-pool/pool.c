/* pool.c - a fixed thread pool with futures: one mutex, two condition variables (reference).
 *
 * DESIGN: submitted tasks wait in a FIFO linked list of their futures (head..tail). The workers,
 * started once by pool_create, loop: take the oldest future, run its task without the lock,
 * then mark the future done. One mutex guards every field of the pool and of its futures. Each
 * condition variable stands for one condition a thread can wait for:
 *   work  a task is queued, or the pool is shut down     (idle workers wait on it)
 *   done  some future became done                        (getters and pool_wait_any wait on it)
 * `done` is broadcast: its waiters wait for different futures, and each re-checks its own. It
 * uses CLOCK_MONOTONIC, the clock of pool_future_timedwait's deadlines.
 * A future has two owners, the caller and (until the task is done) the pool: `refs` counts them
 * and whoever drops the last one frees it, so a future freed while its task runs stays valid
 * until the worker has written the result.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "pool.h"

struct pool_future {
    struct pool *pool;
    pool_task fn;
    void *arg;
    /* Everything below is read and written only with pool->lock held. */
    struct pool_future *next; /* in the queue */
    void *result;
    int status;        /* 0, or ECANCELED */
    bool done;         /* finished or cancelled */
    unsigned long seq; /* when it became done: 1 for the first future of the pool, ... */
    int refs;          /* owners: the caller, and the pool until done */
};

struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work;
    pthread_cond_t done;
    pthread_t *threads;
    int nthreads;
    /* Everything below is read and written only with lock held. */
    struct pool_future *head, *tail;
    unsigned long finished; /* futures done so far: the next one's seq is finished + 1 */
    bool shutdown;
    bool joined; /* set by the one thread that joins the workers */
};

/* Drop one owner of f; the last one frees it. Call with f->pool->lock held. */
static void future_release(struct pool_future *f)
{
    if (--f->refs == 0)
        free(f);
}

/* Mark f done with status and result, wake its waiters, and drop the pool's hold on it.
 * Call with p->lock held. */
static void future_finish(struct pool *p, struct pool_future *f, int status, void *result)
{
    f->status = status;
    f->result = result;
    f->done = true;
    f->seq = ++p->finished;
    pthread_cond_broadcast(&p->done);
    future_release(f);
}

static void *worker(void *arg)
{
    struct pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->shutdown)
            pthread_cond_wait(&p->work, &p->lock); /* re-check: wakeups can be spurious */
        if (!p->head)
            break; /* shut down, and nothing left to run */
        struct pool_future *f = p->head;
        p->head = f->next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->lock);
        void *result = f->fn(f->arg); /* without the lock: tasks run at the same time */
        pthread_mutex_lock(&p->lock);
        future_finish(p, f, 0, result);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

struct pool *pool_create(int nthreads)
{
    if (nthreads < 1 || nthreads > POOL_MAX_THREADS)
        return NULL;
    struct pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->threads = calloc((size_t)nthreads, sizeof *p->threads);
    if (!p->threads)
        goto out_free_pool;
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        goto out_free_threads;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    /* Initialising these never fails on Linux; a real failure would leak the earlier ones. */
    if (pthread_mutex_init(&p->lock, NULL) != 0 || pthread_cond_init(&p->work, NULL) != 0 ||
        pthread_cond_init(&p->done, &attr) != 0) {
        pthread_condattr_destroy(&attr);
        goto out_free_threads;
    }
    pthread_condattr_destroy(&attr);
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            pool_destroy(p); /* stops and joins the p->nthreads workers started so far */
            return NULL;
        }
        p->nthreads = i + 1;
    }
    return p;

out_free_threads:
    free(p->threads);
out_free_pool:
    free(p);
    return NULL;
}

int pool_submit(struct pool *p, pool_task fn, void *arg, struct pool_future **out)
{
    if (out)
        *out = NULL;
    if (!fn || !out)
        return EINVAL;
    struct pool_future *f = calloc(1, sizeof *f);
    if (!f)
        return ENOMEM;
    f->pool = p;
    f->fn = fn;
    f->arg = arg;
    f->refs = 2;
    pthread_mutex_lock(&p->lock);
    if (p->shutdown) {
        pthread_mutex_unlock(&p->lock);
        free(f);
        return EPIPE;
    }
    if (p->tail)
        p->tail->next = f;
    else
        p->head = f;
    p->tail = f;
    /* One task can keep one worker busy; a worker woken in vain re-checks and sleeps again. */
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    *out = f;
    return 0;
}

int pool_future_get(struct pool_future *f, void **result)
{
    struct pool *p = f->pool;
    pthread_mutex_lock(&p->lock);
    while (!f->done)
        pthread_cond_wait(&p->done, &p->lock);
    int status = f->status;
    if (result)
        *result = f->result;
    pthread_mutex_unlock(&p->lock);
    return status;
}

int pool_future_timedwait(struct pool_future *f, const struct timespec *deadline)
{
    struct pool *p = f->pool;
    int err = 0;
    pthread_mutex_lock(&p->lock);
    while (!f->done && err != ETIMEDOUT)
        err = pthread_cond_timedwait(&p->done, &p->lock, deadline);
    /* Done just as the time ran out still counts as done. */
    int ret = f->done ? 0 : ETIMEDOUT;
    pthread_mutex_unlock(&p->lock);
    return ret;
}

bool pool_future_done(struct pool_future *f)
{
    pthread_mutex_lock(&f->pool->lock);
    bool done = f->done;
    pthread_mutex_unlock(&f->pool->lock);
    return done;
}

void pool_future_free(struct pool_future *f)
{
    if (!f)
        return;
    struct pool *p = f->pool;
    pthread_mutex_lock(&p->lock);
    future_release(f); /* a running task's worker still holds the other reference */
    pthread_mutex_unlock(&p->lock);
}

/* The done entry of fs that finished first, or n if none is done. Call with the lock held. */
static size_t first_done(struct pool_future *const *fs, size_t n)
{
    size_t best = n;
    for (size_t i = 0; i < n; i++)
        if (fs[i] && fs[i]->done && (best == n || fs[i]->seq < fs[best]->seq))
            best = i;
    return best;
}

int pool_wait_any(struct pool_future *const *fs, size_t n, size_t *index)
{
    struct pool *p = NULL;
    for (size_t i = 0; i < n && !p; i++)
        if (fs[i])
            p = fs[i]->pool;
    if (!p || !index)
        return EINVAL;
    pthread_mutex_lock(&p->lock);
    size_t i;
    while ((i = first_done(fs, n)) == n)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
    *index = i;
    return 0;
}

int pool_map(struct pool *p, pool_task fn, void *const *args, void **results, size_t n)
{
    if (n == 0)
        return 0;
    if (!args || !results)
        return EINVAL;
    struct pool_future **fs = calloc(n, sizeof *fs);
    if (!fs)
        return ENOMEM;
    int err = 0;
    for (size_t i = 0; i < n && !err; i++)
        err = pool_submit(p, fn, args[i], &fs[i]);
    /* Wait for every task that was submitted, even after an error: none may outlive its future
     * unnoticed. */
    for (size_t i = 0; i < n && fs[i]; i++) {
        int status = pool_future_get(fs[i], &results[i]);
        if (!err)
            err = status;
        pool_future_free(fs[i]);
    }
    free(fs);
    return err;
}

int pool_shutdown(struct pool *p, bool wait, bool cancel_pending)
{
    pthread_mutex_lock(&p->lock);
    p->shutdown = true;
    if (cancel_pending) {
        while (p->head) {
            struct pool_future *f = p->head;
            p->head = f->next;
            future_finish(p, f, ECANCELED, NULL);
        }
        p->tail = NULL;
    }
    /* Every idle worker must see the change, not just one: broadcast. */
    pthread_cond_broadcast(&p->work);
    bool join = wait && !p->joined;
    if (join)
        p->joined = true;
    pthread_mutex_unlock(&p->lock);
    if (join)
        for (int i = 0; i < p->nthreads; i++)
            pthread_join(p->threads[i], NULL);
    return 0;
}

void pool_destroy(struct pool *p)
{
    if (!p)
        return;
    pool_shutdown(p, true, false);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p);
}
