/* VARIANT: a linked list of nodes instead of a ring, one condition variable for every change
 * (always broadcast), an error-checking mutex, CLOCK_MONOTONIC deadlines.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "queue.h"

struct node {
    struct node *next;
    void *item;
};

struct bq {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* any change of count, closed or unfinished */
    struct node *first, *last;
    size_t capacity, count, unfinished;
    bool closed;
};

struct bq *bq_create(size_t capacity)
{
    if (capacity == 0 || capacity > BQ_MAX_CAPACITY)
        return NULL;
    struct bq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&q->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->changed, &ca);
    pthread_condattr_destroy(&ca);
    q->capacity = capacity;
    return q;
}

void bq_destroy(struct bq *q)
{
    while (q->first) {
        struct node *n = q->first;
        q->first = n->next;
        free(n);
    }
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

/* Wait while blocked(q): forever (timeout_ms < 0), not at all (0 with try) or until a deadline.
 * Returns 0 when the condition cleared, else ETIMEDOUT. Lock held. */
static int wait_while(struct bq *q, bool (*blocked)(const struct bq *), long timeout_ms)
{
    struct timespec until;
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += timeout_ms % 1000 * 1000000;
        until.tv_sec += until.tv_nsec / 1000000000;
        until.tv_nsec %= 1000000000;
    }
    while (blocked(q)) {
        if (timeout_ms < 0)
            pthread_cond_wait(&q->changed, &q->lock);
        else if (pthread_cond_timedwait(&q->changed, &q->lock, &until) == ETIMEDOUT)
            return blocked(q) ? ETIMEDOUT : 0;
    }
    return 0;
}

static bool full_and_open(const struct bq *q)
{
    return q->count == q->capacity && !q->closed;
}

static bool empty_and_open(const struct bq *q)
{
    return q->count == 0 && !q->closed;
}

static bool busy(const struct bq *q)
{
    return q->unfinished > 0;
}

static int put(struct bq *q, void *item, bool try, long timeout_ms)
{
    struct node *n = malloc(sizeof *n);
    if (!n)
        return ENOMEM;
    n->item = item;
    n->next = NULL;
    pthread_mutex_lock(&q->lock);
    int err = 0;
    if (try)
        err = full_and_open(q) ? EAGAIN : 0;
    else
        err = wait_while(q, full_and_open, timeout_ms);
    if (q->closed)
        err = EPIPE;
    if (!err) {
        if (q->last)
            q->last->next = n;
        else
            q->first = n;
        q->last = n;
        q->count++;
        q->unfinished++;
        pthread_cond_broadcast(&q->changed);
        n = NULL;
    }
    pthread_mutex_unlock(&q->lock);
    free(n);
    return err;
}

static int get(struct bq *q, void **item, bool try, long timeout_ms)
{
    struct node *n = NULL;
    pthread_mutex_lock(&q->lock);
    int err = 0;
    if (try)
        err = empty_and_open(q) ? EAGAIN : 0;
    else
        err = wait_while(q, empty_and_open, timeout_ms);
    if (!err && q->count == 0)
        err = EPIPE;
    if (!err) {
        n = q->first;
        q->first = n->next;
        if (!q->first)
            q->last = NULL;
        q->count--;
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    if (n) {
        *item = n->item;
        free(n);
    }
    return err;
}

int bq_put(struct bq *q, void *item)
{
    return put(q, item, false, -1);
}

int bq_get(struct bq *q, void **item)
{
    return get(q, item, false, -1);
}

int bq_try_put(struct bq *q, void *item)
{
    return put(q, item, true, 0);
}

int bq_try_get(struct bq *q, void **item)
{
    return get(q, item, true, 0);
}

int bq_timed_put(struct bq *q, void *item, long timeout_ms)
{
    return put(q, item, false, timeout_ms < 0 ? 0 : timeout_ms);
}

int bq_timed_get(struct bq *q, void **item, long timeout_ms)
{
    return get(q, item, false, timeout_ms < 0 ? 0 : timeout_ms);
}

int bq_close(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

int bq_task_done(struct bq *q)
{
    int err = 0;
    pthread_mutex_lock(&q->lock);
    if (q->unfinished == 0)
        err = EINVAL;
    else if (--q->unfinished == 0)
        pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    return err;
}

int bq_join(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    wait_while(q, busy, -1);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

size_t bq_size(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->count;
    pthread_mutex_unlock(&q->lock);
    return n;
}
