/* VARIANT: every function written out in full; waiters are woken after the mutex is released,
 * always with broadcast; timed waits use CLOCK_REALTIME (the condition variable's default) and
 * loop on one fixed deadline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "queue.h"

struct bq {
    pthread_mutex_t lock;
    pthread_cond_t can_get;
    pthread_cond_t can_put;
    pthread_cond_t idle;
    void **ring;
    size_t cap, head, tail, len, pending;
    bool closed;
};

struct bq *bq_create(size_t capacity)
{
    if (capacity == 0 || capacity > BQ_MAX_CAPACITY)
        return NULL;
    struct bq *q = malloc(sizeof *q);
    if (!q)
        return NULL;
    q->ring = calloc(capacity, sizeof *q->ring);
    if (!q->ring) {
        free(q);
        return NULL;
    }
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->can_get, NULL);
    pthread_cond_init(&q->can_put, NULL);
    pthread_cond_init(&q->idle, NULL);
    q->cap = capacity;
    q->head = q->tail = q->len = q->pending = 0;
    q->closed = false;
    return q;
}

void bq_destroy(struct bq *q)
{
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->can_get);
    pthread_cond_destroy(&q->can_put);
    pthread_cond_destroy(&q->idle);
    free(q->ring);
    free(q);
}

static struct timespec deadline(long ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    long long ns = (long long)t.tv_nsec + (long long)(ms % 1000) * 1000000;
    t.tv_sec += ms / 1000 + (time_t)(ns / 1000000000);
    t.tv_nsec = (long)(ns % 1000000000);
    return t;
}

/* mode: 0 wait forever, 1 do not wait, 2 wait until *until. */
static int do_put(struct bq *q, void *item, int mode, const struct timespec *until)
{
    int err = 0;
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->len == q->cap) {
        if (mode == 1) {
            err = EAGAIN;
            break;
        }
        if (mode == 2) {
            if (pthread_cond_timedwait(&q->can_put, &q->lock, until) == ETIMEDOUT && !q->closed &&
                q->len == q->cap) {
                err = ETIMEDOUT;
                break;
            }
        } else {
            pthread_cond_wait(&q->can_put, &q->lock);
        }
    }
    if (q->closed) {
        err = EPIPE;
    } else if (!err) {
        q->ring[q->tail] = item;
        q->tail = (q->tail + 1) % q->cap;
        q->len++;
        q->pending++;
    }
    pthread_mutex_unlock(&q->lock);
    if (!err)
        pthread_cond_broadcast(&q->can_get);
    return err;
}

static int do_get(struct bq *q, void **item, int mode, const struct timespec *until)
{
    int err = 0;
    pthread_mutex_lock(&q->lock);
    while (!q->closed && q->len == 0) {
        if (mode == 1) {
            err = EAGAIN;
            break;
        }
        if (mode == 2) {
            if (pthread_cond_timedwait(&q->can_get, &q->lock, until) == ETIMEDOUT && !q->closed &&
                q->len == 0) {
                err = ETIMEDOUT;
                break;
            }
        } else {
            pthread_cond_wait(&q->can_get, &q->lock);
        }
    }
    if (!err && q->len == 0) {
        err = EPIPE;
    } else if (!err) {
        *item = q->ring[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    pthread_mutex_unlock(&q->lock);
    if (!err)
        pthread_cond_broadcast(&q->can_put);
    return err;
}

int bq_put(struct bq *q, void *item)
{
    return do_put(q, item, 0, NULL);
}

int bq_get(struct bq *q, void **item)
{
    return do_get(q, item, 0, NULL);
}

int bq_try_put(struct bq *q, void *item)
{
    return do_put(q, item, 1, NULL);
}

int bq_try_get(struct bq *q, void **item)
{
    return do_get(q, item, 1, NULL);
}

int bq_timed_put(struct bq *q, void *item, long timeout_ms)
{
    struct timespec until = deadline(timeout_ms);
    return do_put(q, item, 2, &until);
}

int bq_timed_get(struct bq *q, void **item, long timeout_ms)
{
    struct timespec until = deadline(timeout_ms);
    return do_get(q, item, 2, &until);
}

int bq_close(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_mutex_unlock(&q->lock);
    pthread_cond_broadcast(&q->can_get);
    pthread_cond_broadcast(&q->can_put);
    return 0;
}

int bq_task_done(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    if (q->pending == 0) {
        pthread_mutex_unlock(&q->lock);
        return EINVAL;
    }
    bool last = --q->pending == 0;
    pthread_mutex_unlock(&q->lock);
    if (last)
        pthread_cond_broadcast(&q->idle);
    return 0;
}

int bq_join(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->pending > 0)
        pthread_cond_wait(&q->idle, &q->lock);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

size_t bq_size(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->len;
    pthread_mutex_unlock(&q->lock);
    return n;
}
