/* scenarios.h - the queue lab's scenarios and the call harness that test_queue.c shares. */
#ifndef BQT_SCENARIOS_H
#define BQT_SCENARIOS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "queue.h"

/* Test names use the prefix bqt_, so that they never clash with a student's bq_ helpers. */

enum bqt_op { BQT_PUT, BQT_GET, BQT_TRY_PUT, BQT_TIMED_PUT, BQT_TIMED_GET, BQT_JOIN };

/* One API call made on its own thread, so that a test can watch it block and unblock. Results
 * are guarded by a harness mutex (not atomics, which Helgrind would report). */
struct bqt_call {
    struct bq *q;
    enum bqt_op op;
    void *item;      /* what a put puts */
    long timeout_ms; /* for the timed calls */
    int ret;         /* what the call returned */
    void *got;       /* what a get stored (BQT_UNTOUCHED if nothing) */
    double seconds;  /* how long the call took */
    bool done;
    pthread_t thread;
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
/* Whether c has returned yet. */
bool bqt_call_returned(struct bqt_call *c);
/* Wait up to timeout_s (scaled for slow tools) for c to return; then join it and say true. */
bool bqt_call_finish(struct bqt_call *c, double timeout_s);
/* Give n threads up to a few seconds to block in a condition wait, then a moment to settle. */
void bqt_await_blocked(int n);

/* Several producers and consumers, with an auditor of the capacity: nothing lost, nothing
 * duplicated, each producer's items in order, capacity never exceeded, join and close work. */
void bqt_scn_stress(void);
/* Getters blocked on an empty queue and putters blocked on a full one: close wakes them all. */
void bqt_scn_close(void);

#endif
