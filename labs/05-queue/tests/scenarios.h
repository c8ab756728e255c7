/* scenarios.h - the queue lab's scenarios and the call harness that test_queue.c shares. */
#ifndef BQT_SCENARIOS_H
#define BQT_SCENARIOS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "queue.h"
#include "tl_test.h"

/* Test names use the prefix bqt_, so that they never clash with a student's bq_ helpers. */

enum bqt_op { BQT_PUT, BQT_GET, BQT_TRY_PUT, BQT_TIMED_PUT, BQT_TIMED_GET, BQT_JOIN };

/* One API call made on its own thread (tl_call_start), so that a test can watch it block and
 * unblock: tl_call_returned(&c->call), tl_call_finish(&c->call, seconds). */
struct bqt_call {
    struct tl_call call; /* first: when it returned, how long it took */
    struct bq *q;
    enum bqt_op op;
    void *item;      /* what a put puts */
    long timeout_ms; /* for the timed calls */
    int ret;         /* what the call returned */
    void *got;       /* what a get stored (BQT_UNTOUCHED if nothing) */
};

#define BQT_UNTOUCHED ((void *)(uintptr_t)0xdead)

/* The name of the API function op calls, for messages. */
const char *bqt_op_name(enum bqt_op op);
/* Why bq_size returned more than the capacity: a put let in too many, or (a huge, wrapped
 * count) a get took from an empty queue. */
const char *bqt_overfull_cause(size_t size);
/* bq_create, with the queue's lock named for feedback (tl_label_begin). */
struct bq *bqt_create(size_t capacity);
/* Start c on a new thread. */
void bqt_call_start(struct bqt_call *c, struct bq *q, enum bqt_op op, void *item, long timeout_ms);

/* Several producers and consumers, with an auditor of the capacity: nothing lost, nothing
 * duplicated, each producer's items in order, capacity never exceeded, join and close work. */
void bqt_scn_stress(void);
/* Getters blocked on an empty queue and putters blocked on a full one: close wakes them all. */
void bqt_scn_close(void);

#endif
