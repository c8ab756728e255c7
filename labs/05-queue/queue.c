/* queue.c - a bounded blocking FIFO queue: the file you write (lab 05-queue).
 *
 * The contract of every function is in include/queue.h; README.md walks through the tasks in
 * order. Until a function is written it fails cleanly: it returns NULL or ENOSYS.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "queue.h"

struct bq {
    /* TODO(student): the ring of items (capacity, where the oldest is, how many), the mutex
     * that guards all of it, one condition variable per condition a thread waits for, whether
     * the queue is closed, and how many items are still waiting for bq_task_done. */
    int placeholder;
};

struct bq *bq_create(size_t capacity)
{
    /* TODO(student): return an empty, open queue with room for capacity items, or NULL if
     * capacity is 0 or above BQ_MAX_CAPACITY, or memory runs out. */
    (void)capacity;
    return NULL;
}

void bq_destroy(struct bq *q)
{
    /* TODO(student): free everything bq_create allocated and destroy its mutex and condition
     * variables. Leave the items alone: the caller owns them. */
    (void)q;
}

int bq_put(struct bq *q, void *item)
{
    /* TODO(student): wait while the queue is full and open; then EPIPE if it is closed, else
     * append item, wake a getter and return 0. */
    (void)q;
    (void)item;
    return ENOSYS;
}

int bq_get(struct bq *q, void **item)
{
    /* TODO(student): wait while the queue is empty and open; then take the oldest item into
     * *item, wake a putter and return 0, or return EPIPE if the queue is closed and empty. */
    (void)q;
    (void)item;
    return ENOSYS;
}

int bq_try_put(struct bq *q, void *item)
{
    /* TODO(student): as bq_put, but return EAGAIN instead of waiting. */
    (void)q;
    (void)item;
    return ENOSYS;
}

int bq_try_get(struct bq *q, void **item)
{
    /* TODO(student): as bq_get, but return EAGAIN instead of waiting. */
    (void)q;
    (void)item;
    return ENOSYS;
}

int bq_timed_put(struct bq *q, void *item, long timeout_ms)
{
    /* TODO(student): as bq_put, but return ETIMEDOUT once timeout_ms milliseconds have passed
     * with the queue still full. */
    (void)q;
    (void)item;
    (void)timeout_ms;
    return ENOSYS;
}

int bq_timed_get(struct bq *q, void **item, long timeout_ms)
{
    /* TODO(student): as bq_get, but return ETIMEDOUT once timeout_ms milliseconds have passed
     * with the queue still empty. */
    (void)q;
    (void)item;
    (void)timeout_ms;
    return ENOSYS;
}

int bq_close(struct bq *q)
{
    /* TODO(student): mark the queue closed and wake every blocked getter and putter; return 0.
     */
    (void)q;
    return ENOSYS;
}

int bq_task_done(struct bq *q)
{
    /* TODO(student): count one pending item as processed (EINVAL if none is pending); when none
     * is left, wake every thread in bq_join. */
    (void)q;
    return ENOSYS;
}

int bq_join(struct bq *q)
{
    /* TODO(student): wait until no item is pending (every item put has had bq_task_done);
     * return 0. */
    (void)q;
    return ENOSYS;
}

size_t bq_size(struct bq *q)
{
    /* TODO(student): return how many items the queue holds, read under the mutex. */
    (void)q;
    return 0;
}
