/* MUTANT: bq_size takes and releases the mutex, then reads count: the lock protects nothing, and
 * the read is a data race with any put or get that takes the lock after it.
 * CAUGHT-BY: tsan:stress, helgrind:stress
 */
/* queue.c - a bounded blocking FIFO queue: one mutex, three condition variables (reference).
 *
 * DESIGN: the items live in a ring of `capacity` slots; the oldest is at `head` and the next
 * free slot at (head + count) % capacity. One mutex guards every field. Each condition variable
 * stands for one condition a thread can wait for:
 *   not_empty  count > 0 or closed      (getters wait on it)
 *   not_full   count < capacity or closed (putters wait on it)
 *   all_done   unfinished == 0          (joiners wait on it)
 * A waiter always re-checks its condition in a loop after waking: wakeups can be spurious, and
 * another thread may have taken the item or slot first. Timed waits use CLOCK_MONOTONIC, so
 * that setting the wall clock neither shortens nor stretches a timeout.
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
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    pthread_cond_t all_done;
    /* Everything below is read and written only with lock held. */
    void **items;
    size_t capacity;
    size_t head;
    size_t count;
    size_t unfinished; /* put but not yet marked done by bq_task_done */
    bool closed;
};

static int init_sync(struct bq *q)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return -1;
    int err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (!err)
        err = pthread_mutex_init(&q->lock, NULL);
    if (!err)
        err = pthread_cond_init(&q->not_empty, &attr);
    if (!err)
        err = pthread_cond_init(&q->not_full, &attr);
    if (!err)
        err = pthread_cond_init(&q->all_done, &attr);
    pthread_condattr_destroy(&attr);
    /* Initialising these never fails on Linux; a real failure would leak the earlier ones. */
    return err ? -1 : 0;
}

struct bq *bq_create(size_t capacity)
{
    if (capacity == 0 || capacity > BQ_MAX_CAPACITY)
        return NULL;
    struct bq *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->items = calloc(capacity, sizeof *q->items);
    if (!q->items)
        goto out_free_q;
    if (init_sync(q) != 0)
        goto out_free_items;
    q->capacity = capacity;
    return q;

out_free_items:
    free(q->items);
out_free_q:
    free(q);
    return NULL;
}

void bq_destroy(struct bq *q)
{
    if (!q)
        return;
    pthread_cond_destroy(&q->all_done);
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    pthread_mutex_destroy(&q->lock);
    free(q->items);
    free(q);
}

/* The absolute CLOCK_MONOTONIC time timeout_ms from now, as pthread_cond_timedwait wants it. */
static struct timespec deadline_after(long timeout_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += timeout_ms / 1000;
    t.tv_nsec += timeout_ms % 1000 * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Wait on c until done(q) holds; deadline NULL means no limit. Call with q->lock held. */
static void wait_until(struct bq *q, pthread_cond_t *c, bool (*done)(const struct bq *),
                       const struct timespec *deadline)
{
    int err = 0;
    while (!done(q) && err != ETIMEDOUT) {
        if (deadline)
            err = pthread_cond_timedwait(c, &q->lock, deadline);
        else
            pthread_cond_wait(c, &q->lock);
    }
}

static bool has_room_or_closed(const struct bq *q)
{
    return q->count < q->capacity || q->closed;
}

static bool has_item_or_closed(const struct bq *q)
{
    return q->count > 0 || q->closed;
}

/* Put with q->lock held. wait: 0 = do not wait, else wait until deadline (NULL: forever). */
static int put_locked(struct bq *q, void *item, bool wait, const struct timespec *deadline)
{
    if (wait)
        wait_until(q, &q->not_full, has_room_or_closed, deadline);
    if (q->closed)
        return EPIPE;
    if (q->count == q->capacity)
        return wait ? ETIMEDOUT : EAGAIN;
    q->items[(q->head + q->count) % q->capacity] = item;
    q->count++;
    q->unfinished++;
    /* One new item can satisfy one getter; a getter woken in vain re-checks and sleeps again. */
    pthread_cond_signal(&q->not_empty);
    return 0;
}

static int get_locked(struct bq *q, void **item, bool wait, const struct timespec *deadline)
{
    if (wait)
        wait_until(q, &q->not_empty, has_item_or_closed, deadline);
    /* Items still queued are handed out even after close: close stops puts, not gets. */
    if (q->count == 0) {
        if (q->closed)
            return EPIPE;
        return wait ? ETIMEDOUT : EAGAIN;
    }
    *item = q->items[q->head];
    q->head = (q->head + 1) % q->capacity;
    q->count--;
    pthread_cond_signal(&q->not_full);
    return 0;
}

static int put(struct bq *q, void *item, bool wait, long timeout_ms)
{
    struct timespec deadline;
    if (timeout_ms >= 0)
        deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&q->lock);
    int err = put_locked(q, item, wait, timeout_ms >= 0 ? &deadline : NULL);
    pthread_mutex_unlock(&q->lock);
    return err;
}

static int get(struct bq *q, void **item, bool wait, long timeout_ms)
{
    struct timespec deadline;
    if (timeout_ms >= 0)
        deadline = deadline_after(timeout_ms);
    pthread_mutex_lock(&q->lock);
    int err = get_locked(q, item, wait, timeout_ms >= 0 ? &deadline : NULL);
    pthread_mutex_unlock(&q->lock);
    return err;
}

int bq_put(struct bq *q, void *item)
{
    return put(q, item, true, -1);
}

int bq_get(struct bq *q, void **item)
{
    return get(q, item, true, -1);
}

int bq_try_put(struct bq *q, void *item)
{
    return put(q, item, false, -1);
}

int bq_try_get(struct bq *q, void **item)
{
    return get(q, item, false, -1);
}

int bq_timed_put(struct bq *q, void *item, long timeout_ms)
{
    return put(q, item, true, timeout_ms < 0 ? 0 : timeout_ms);
}

int bq_timed_get(struct bq *q, void **item, long timeout_ms)
{
    return get(q, item, true, timeout_ms < 0 ? 0 : timeout_ms);
}

int bq_close(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = true;
    /* Every waiter must see the change, not just one: broadcast. */
    pthread_cond_broadcast(&q->not_empty);
    pthread_cond_broadcast(&q->not_full);
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
        pthread_cond_broadcast(&q->all_done);
    pthread_mutex_unlock(&q->lock);
    return err;
}

static bool all_done(const struct bq *q)
{
    return q->unfinished == 0;
}

int bq_join(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    wait_until(q, &q->all_done, all_done, NULL);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

size_t bq_size(struct bq *q)
{
    pthread_mutex_lock(&q->lock);
    pthread_mutex_unlock(&q->lock);
    return q->count;
}
