/* test_queue_hidden.c - the queue lab's hidden tests (instructor-only: see grader/hidden.h).
 * One TL_TEST per check in hidden.conf; linked beside tests/ and sharing its harness. */
#include <errno.h>
#include <stdint.h>

#include "tl_test.h"
#include "scenarios.h"

#define ITEM(v)  ((void *)(uintptr_t)(v))
#define VALUE(p) ((unsigned long)(uintptr_t)(p))

/* Every public test uses one queue at a time: state kept in a static variable instead of in
 * struct bq (the pending count, the closed flag, the ring) passes them all. Two queues at once
 * must not see each other's items, pending counts or close. */
TL_TEST(queue, independent_queues)
{
    struct bq *a = bqt_create(2), *b = bqt_create(2);
    TL_CHECK(a && b, "bq_create(2) returned NULL; it must return a new empty queue");
    TL_CHECK(bq_try_put(a, ITEM(1)) == 0 && bq_try_put(b, ITEM(2)) == 0,
             "bq_try_put on a new queue with room did not return 0");
    void *item = BQT_UNTOUCHED;
    int err = bq_try_get(b, &item);
    TL_CHECK(err == 0 && VALUE(item) == 2,
             "with item 1 put into queue A and item 2 into queue B, bq_try_get on B returned %s "
             "and item %lu; it must return 0 and item 2: each queue holds its own items",
             tl_err_name(err), VALUE(item));
    TL_CHECK(bq_size(a) == 1 && bq_size(b) == 0,
             "after one put on each of two queues and one get from B, bq_size gave A %zu and B "
             "%zu; they must be 1 and 0",
             bq_size(a), bq_size(b));

    /* B's only item is done: joining B must not wait for A's pending item */
    err = bq_task_done(b);
    TL_CHECK(err == 0,
             "bq_task_done on queue B, whose item was taken, returned %s; it must "
             "return 0",
             tl_err_name(err));
    struct bqt_call join;
    bqt_call_start(&join, b, BQT_JOIN, NULL, 0);
    TL_CHECK(tl_call_finish(&join.call, 2),
             "bq_join on queue B did not return, although bq_task_done was called for B's only "
             "item: it waits for an item of another queue (A still has one pending). Each "
             "queue counts its own pending items, in struct bq");

    /* closing A leaves B open */
    TL_CHECK(bq_close(a) == 0, "bq_close returned an error");
    err = bq_try_put(b, ITEM(3));
    TL_CHECK(err == 0,
             "bq_try_put on queue B returned %s after queue A was closed; B is still open and "
             "has room, so it must return 0: closing one queue closes only that one",
             tl_err_name(err));
    item = BQT_UNTOUCHED;
    err = bq_try_get(a, &item);
    TL_CHECK(err == 0 && VALUE(item) == 1,
             "bq_try_get on closed queue A, which still held item 1, returned %s and item %lu; it "
             "must hand out item 1",
             tl_err_name(err), VALUE(item));
    err = bq_try_get(a, &item);
    TL_CHECK(err == EPIPE, "bq_try_get on closed, empty queue A returned %s; it must return EPIPE",
             tl_err_name(err));
    err = bq_try_get(b, &item);
    TL_CHECK(err == 0 && VALUE(item) == 3,
             "bq_try_get on queue B returned %s and item %lu; it must return 0 and item 3",
             tl_err_name(err), VALUE(item));
    bq_destroy(a);
    bq_destroy(b);
}
