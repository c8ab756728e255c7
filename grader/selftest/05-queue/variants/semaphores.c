/* VARIANT: counting semaphores for items and free slots (the textbook bounded buffer), a mutex
 * for the ring, and tokens passed on after close; no condition variable at all.
 */
/* queue.c - a bounded blocking FIFO queue built on semaphores (a variant).
 *
 * DESIGN: `items` counts the items a getter may take and `slots` the free slots a putter may
 * fill, so sem_wait is the blocking; the mutex guards only the ring and the counters. A put
 * counts its item in before it posts `items`, so a unit of `items` always stands for an item in
 * the ring. bq_close posts one extra unit on each semaphore, a token: whoever takes it and finds
 * the queue closed (and, for a getter, empty) posts it again before returning EPIPE, so every
 * waiter wakes in turn. Joiners register under the mutex and sleep on `joined`; the
 * bq_task_done that ends the work posts it once per registered joiner.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "queue.h"

struct bq {
    sem_t items;  /* items in the ring, plus the close token */
    sem_t slots;  /* free slots, plus the close token */
    sem_t joined; /* one post per joiner once nothing is pending */
    pthread_mutex_t lock;
    /* Everything below is read and written only with lock held. */
    void **ring;
    size_t capacity;
    size_t head;
    size_t count;
    size_t unfinished; /* put but not yet marked done by bq_task_done */
    unsigned joiners;  /* threads sleeping in bq_join */
    bool closed;
};

struct bq *bq_create(size_t capacity)
{
    if (capacity == 0 || capacity > BQ_MAX_CAPACITY)
        return NULL;
    struct bq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->ring = calloc(capacity, sizeof *q->ring);
    if (!q->ring)
        goto out_free_q;
    /* sem_init refuses a count above SEM_VALUE_MAX: such a capacity fails here. */
    if (capacity > UINT_MAX || sem_init(&q->slots, 0, (unsigned)capacity) != 0)
        goto out_free_ring;
    sem_init(&q->items, 0, 0);
    sem_init(&q->joined, 0, 0);
    pthread_mutex_init(&q->lock, NULL);
    q->capacity = capacity;
    return q;

out_free_ring:
    free(q->ring);
out_free_q:
    free(q);
    return NULL;
}

void bq_destroy(struct bq *q)
{
    if (!q)
        return;
    pthread_mutex_destroy(&q->lock);
    sem_destroy(&q->joined);
    sem_destroy(&q->items);
    sem_destroy(&q->slots);
    free(q->ring);
    free(q);
}

/* Take a unit of s: 0, or EAGAIN (try), or ETIMEDOUT (deadline passed). */
static int take(sem_t *s, bool wait, const struct timespec *deadline)
{
    for (;;) {
        int r = !wait ? sem_trywait(s) : deadline ? sem_timedwait(s, deadline) : sem_wait(s);
        if (r == 0)
            return 0;
        if (errno != EINTR)
            return errno == ETIMEDOUT ? ETIMEDOUT : EAGAIN;
    }
}

static int put(struct bq *q, void *item, bool wait, const struct timespec *deadline)
{
    int err = take(&q->slots, wait, deadline);
    pthread_mutex_lock(&q->lock);
    if (q->closed) {
        if (err == 0)
            sem_post(&q->slots); /* a slot or the token: pass it on */
        err = EPIPE;
    } else if (err == 0) {
        q->ring[(q->head + q->count) % q->capacity] = item;
        q->count++;
        q->unfinished++;
    }
    pthread_mutex_unlock(&q->lock);
    if (err == 0)
        sem_post(&q->items);
    return err;
}

static int get(struct bq *q, void **item, bool wait, const struct timespec *deadline)
{
    int err = take(&q->items, wait, deadline);
    pthread_mutex_lock(&q->lock);
    if (err == 0 && q->count > 0) {
        /* Items still queued are handed out even after close: close stops puts, not gets. */
        *item = q->ring[q->head];
        q->head = (q->head + 1) % q->capacity;
        q->count--;
    } else if (q->closed) {
        if (err == 0)
            sem_post(&q->items); /* the token: pass it on to the next getter */
        err = EPIPE;
    }
    pthread_mutex_unlock(&q->lock);
    if (err == 0)
        sem_post(&q->slots);
    return err;
}

/* sem_timedwait takes an absolute CLOCK_REALTIME deadline. */
static struct timespec deadline_after(long timeout_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    if (timeout_ms < 0)
        timeout_ms = 0;
    t.tv_sec += timeout_ms / 1000;
    t.tv_nsec += timeout_ms % 1000 * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

int bq_put(struct bq *q, void *item)
{
    return put(q, item, true, NULL);
}

int bq_get(struct bq *q, void **item)
{
    return get(q, item, true, NULL);
}

int bq_try_put(struct bq *q, void *item)
{
    return put(q, item, false, NULL);
}

int bq_try_get(struct bq *q, void **item)
{
    return get(q, item, false, NULL);
}

int bq_timed_put(struct bq *q, void *item, long timeout_ms)
{
    struct timespec deadline = deadline_after(timeout_ms);
    return put(q, item, true, &deadline);
}

int bq_timed_get(struct bq *q, void **item, long timeout_ms)
{
    struct timespec deadline = deadline_after(timeout_ms);
    return get(q, item, true, &deadline);
}

int bq_close(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    bool first = !q->closed;
    q->closed = true;
    pthread_mutex_unlock(&q->lock);
    if (first) {
        sem_post(&q->items);
        sem_post(&q->slots);
    }
    return 0;
}

int bq_task_done(struct bq *q)
{
    int err = 0;
    unsigned wake = 0;
    pthread_mutex_lock(&q->lock);
    if (q->unfinished == 0) {
        err = EINVAL;
    } else if (--q->unfinished == 0) {
        wake = q->joiners;
        q->joiners = 0;
    }
    pthread_mutex_unlock(&q->lock);
    while (wake-- > 0)
        sem_post(&q->joined);
    return err;
}

int bq_join(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    bool done = q->unfinished == 0;
    if (!done)
        q->joiners++;
    pthread_mutex_unlock(&q->lock);
    if (!done)
        take(&q->joined, true, NULL);
    return 0;
}

size_t bq_size(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}
