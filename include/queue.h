/* queue.h - a bounded blocking FIFO queue for producers and consumers (lab 05-queue).
 *
 * Items are opaque pointers: the queue stores them and never dereferences or frees them; who
 * owns what an item points to is the caller's business. Every function is safe to call from any
 * number of threads at once, except bq_destroy. Functions that can fail return 0 or an error
 * number, as pthreads does (they do not set errno):
 *   EAGAIN     a try_ call would have had to wait
 *   ETIMEDOUT  a timed_ call waited its whole timeout
 *   EPIPE      the queue is closed (for a get: closed and empty)
 *   EINVAL     bq_task_done called more often than items were put
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct bq;

/* The largest capacity: a ring of that many void * slots is as large as size_t can count. */
#define BQ_MAX_CAPACITY (SIZE_MAX / sizeof(void *))

/* A new empty, open queue that holds at most capacity items. NULL if capacity is 0 or above
 * BQ_MAX_CAPACITY, or if memory runs out. Free it with bq_destroy. */
struct bq *bq_create(size_t capacity);

/* Free q. No thread may be using q, or use it afterwards. Items still inside are not freed. */
void bq_destroy(struct bq *q);

/* Append item, waiting while the queue is full. 0, or EPIPE if the queue is closed before or
 * while waiting (then item was not added). */
int bq_put(struct bq *q, void *item);

/* Remove the oldest item into *item, waiting while the queue is empty. 0, or EPIPE once the queue
 * is closed and empty. Items put before bq_close are still handed out: close does not drop them.
 * On error *item is left unchanged. */
int bq_get(struct bq *q, void **item);

/* As bq_put and bq_get, but EAGAIN instead of waiting. */
int bq_try_put(struct bq *q, void *item);
int bq_try_get(struct bq *q, void **item);

/* As bq_put and bq_get, but wait at most timeout_ms milliseconds (>= 0): ETIMEDOUT if the queue
 * stayed full (put) or empty (get) that long. */
int bq_timed_put(struct bq *q, void *item, long timeout_ms);
int bq_timed_get(struct bq *q, void **item, long timeout_ms);

/* Close q: every later put fails with EPIPE, every thread blocked in a put or get wakes up (puts
 * fail with EPIPE, gets take what is left, then fail with EPIPE). Closing twice is harmless.
 * Returns 0. */
int bq_close(struct bq *q);

/* Say that one item taken from q has been fully processed. 0, or EINVAL if every item ever put
 * has already been marked done. */
int bq_task_done(struct bq *q);

/* Wait until bq_task_done has been called once for every item ever put into q (at once if none
 * is pending). Any number of threads may wait. Returns 0. */
int bq_join(struct bq *q);

/* How many items q holds right now (a snapshot: other threads may change it at once). */
size_t bq_size(struct bq *q);

#endif
