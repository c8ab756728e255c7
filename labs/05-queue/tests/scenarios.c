/* scenarios.c - the queue lab's concurrency scenarios, shared by the tests and the driver. */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tl_test.h"
#include "scenarios.h"

/* ---- Call harness ------------------------------------------------------------------------ */

static pthread_mutex_t harness_lock = PTHREAD_MUTEX_INITIALIZER;

const char *bqt_op_name(enum bqt_op op)
{
    static const char *const names[] = {"bq_put",       "bq_get",       "bq_try_put",
                                        "bq_timed_put", "bq_timed_get", "bq_join"};
    return names[op];
}

static void run_call(struct tl_call *call)
{
    struct bqt_call *c = (struct bqt_call *)call;
    switch (c->op) {
    case BQT_PUT:
        c->ret = bq_put(c->q, c->item);
        break;
    case BQT_GET:
        c->ret = bq_get(c->q, &c->got);
        break;
    case BQT_TRY_PUT:
        c->ret = bq_try_put(c->q, c->item);
        break;
    case BQT_TIMED_PUT:
        c->ret = bq_timed_put(c->q, c->item, c->timeout_ms);
        break;
    case BQT_TIMED_GET:
        c->ret = bq_timed_get(c->q, &c->got, c->timeout_ms);
        break;
    case BQT_JOIN:
        c->ret = bq_join(c->q);
        break;
    }
}

void bqt_call_start(struct bqt_call *c, struct bq *q, enum bqt_op op, void *item, long timeout_ms)
{
    *c = (struct bqt_call){
        .q = q, .op = op, .item = item, .timeout_ms = timeout_ms, .ret = -1, .got = BQT_UNTOUCHED};
    tl_call_start(&c->call, run_call);
}

const char *bqt_overfull_cause(size_t size)
{
    if (size > PTRDIFF_MAX) /* a count that went below 0 */
        return "that is a count that went below 0 and wrapped around: a bq_get took an item "
               "from an empty queue (does bq_get wait in a while loop, and look again after "
               "every wakeup?)";
    return "bq_put let in more items than fit";
}

struct bq *bqt_create(size_t capacity)
{
    struct bq *q = bq_create(capacity);
    if (q) { /* whatever bq_size locks is "the queue's lock" in feedback */
        tl_label_begin("the queue's lock");
        bq_size(q);
        tl_label_end();
    }
    return q;
}

/* ---- Stress: several producers and consumers --------------------------------------------- */

#define STRESS_PRODUCERS 3
#define STRESS_CONSUMERS 3
#define STRESS_CAPACITY  4

static struct {
    struct bq *q;
    long per_producer;
    unsigned char *seen[STRESS_CONSUMERS]; /* seen[c][v - 1]: how often consumer c got item v */
    bool stop_auditor;                     /* under harness_lock */
} stress;

/* Item v = p * per_producer + i + 1: producer p's i-th item (never NULL). */
static void *stress_producer(void *arg)
{
    long p = (long)(intptr_t)arg;
    for (long i = 0; i < stress.per_producer; i++) {
        int err = bq_put(stress.q, (void *)(uintptr_t)(p * stress.per_producer + i + 1));
        TL_CHECK(err == 0,
                 "bq_put returned %s on an open queue; it must wait for room and return 0",
                 tl_err_name(err));
    }
    return NULL;
}

static void *stress_consumer(void *arg)
{
    long c = (long)(intptr_t)arg;
    long total = STRESS_PRODUCERS * stress.per_producer;
    long last[STRESS_PRODUCERS];
    for (int p = 0; p < STRESS_PRODUCERS; p++)
        last[p] = -1;
    for (;;) {
        void *item = BQT_UNTOUCHED;
        int err = bq_get(stress.q, &item);
        if (err == EPIPE)
            break;
        TL_CHECK(err == 0, "bq_get returned %s on an open queue; it must wait for an item",
                 tl_err_name(err));
        uintptr_t v = (uintptr_t)item;
        TL_CHECK(v >= 1 && v <= (uintptr_t)total,
                 "bq_get returned 0 and the item %p, which no producer put (taken from an empty "
                 "queue?)",
                 item);
        long p = (long)((v - 1) / (uintptr_t)stress.per_producer);
        long i = (long)((v - 1) % (uintptr_t)stress.per_producer);
        TL_CHECK(i > last[p],
                 "bq_get handed out producer %ld's item %ld after its item %ld: one consumer must "
                 "see each producer's items in the order they were put (FIFO), each once",
                 p, i, last[p]);
        last[p] = i;
        stress.seen[c][v - 1]++;
        err = bq_task_done(stress.q);
        TL_CHECK(err == 0, "bq_task_done returned %s for an item just taken with bq_get",
                 tl_err_name(err));
    }
    return NULL;
}

static void *stress_auditor(void *arg)
{
    (void)arg;
    tl_observer();
    for (;;) {
        pthread_mutex_lock(&harness_lock);
        bool stop = stress.stop_auditor;
        pthread_mutex_unlock(&harness_lock);
        if (stop)
            break;
        size_t n = bq_size(stress.q);
        TL_CHECK(n <= STRESS_CAPACITY,
                 "bq_size returned %zu on a queue created with capacity %d: %s", n, STRESS_CAPACITY,
                 bqt_overfull_cause(n));
        tl_sleep_ms(0.02);
    }
    return NULL;
}

void bqt_scn_stress(void)
{
    tl_noise(TL_NOISE_YIELD);
    stress.per_producer = tl_scaled(20000, 2 * STRESS_CAPACITY + 5);
    long total = STRESS_PRODUCERS * stress.per_producer;
    stress.q = bqt_create(STRESS_CAPACITY);
    TL_CHECK(stress.q, "bq_create(%d) returned NULL; it must return a new empty queue",
             STRESS_CAPACITY);
    stress.stop_auditor = false;
    for (int c = 0; c < STRESS_CONSUMERS; c++) {
        stress.seen[c] = calloc((size_t)total, 1);
        TL_CHECK(stress.seen[c], "the test ran out of memory");
    }

    pthread_t producers[STRESS_PRODUCERS], consumers[STRESS_CONSUMERS], auditor;
    for (long c = 0; c < STRESS_CONSUMERS; c++)
        tl_spawn(&consumers[c], stress_consumer, (void *)(intptr_t)c);
    tl_spawn(&auditor, stress_auditor, NULL);
    for (long p = 0; p < STRESS_PRODUCERS; p++)
        tl_spawn(&producers[p], stress_producer, (void *)(intptr_t)p);
    for (int p = 0; p < STRESS_PRODUCERS; p++)
        pthread_join(producers[p], NULL);

    int err = bq_join(stress.q);
    TL_CHECK(err == 0, "bq_join returned %s; it must return 0", tl_err_name(err));
    size_t left = bq_size(stress.q);
    TL_CHECK(left == 0,
             "bq_join returned while bq_size said %zu items were still queued: join must wait "
             "until bq_task_done was called for every item put",
             left);
    err = bq_close(stress.q);
    TL_CHECK(err == 0, "bq_close returned %s; it must return 0", tl_err_name(err));
    for (int c = 0; c < STRESS_CONSUMERS; c++)
        pthread_join(consumers[c], NULL);
    pthread_mutex_lock(&harness_lock);
    stress.stop_auditor = true;
    pthread_mutex_unlock(&harness_lock);
    pthread_join(auditor, NULL);

    for (long v = 0; v < total; v++) {
        int times = 0;
        for (int c = 0; c < STRESS_CONSUMERS; c++)
            times += stress.seen[c][v];
        TL_CHECK(times == 1,
                 "producer %ld put its item %ld once, but bq_get handed it out %d times (%s)",
                 v / stress.per_producer, v % stress.per_producer, times,
                 times == 0 ? "lost" : "duplicated");
    }
    for (int c = 0; c < STRESS_CONSUMERS; c++)
        free(stress.seen[c]);
    bq_destroy(stress.q);
}

/* ---- Close wakes every blocked caller ---------------------------------------------------- */

#define CLOSE_WAITERS 4

/* Start CLOSE_WAITERS calls of op on q, wait until they block, close q, and require every one
 * to return EPIPE promptly. */
static void close_blocked(struct bq *q, enum bqt_op op, const char *state)
{
    static struct bqt_call calls[CLOSE_WAITERS];
    for (int i = 0; i < CLOSE_WAITERS; i++)
        bqt_call_start(&calls[i], q, op, (void *)(uintptr_t)(100 + i), 0);
    tl_await_blocked(CLOSE_WAITERS);
    for (int i = 0; i < CLOSE_WAITERS; i++)
        TL_CHECK(!tl_call_returned(&calls[i].call),
                 "%s on %s queue returned %s at once; it must block until the queue changes",
                 bqt_op_name(op), state, tl_err_name(calls[i].ret));
    int err = bq_close(q);
    TL_CHECK(err == 0, "bq_close returned %s; it must return 0", tl_err_name(err));
    int woken = 0;
    for (int i = 0; i < CLOSE_WAITERS; i++)
        woken += tl_call_finish(&calls[i].call, 2);
    TL_CHECK(woken == CLOSE_WAITERS,
             "%d threads were blocked in %s on %s queue, but after bq_close only %d of them "
             "returned within 2 s: close must wake every waiter (broadcast, not signal)",
             CLOSE_WAITERS, bqt_op_name(op), state, woken);
    for (int i = 0; i < CLOSE_WAITERS; i++)
        TL_CHECK(calls[i].ret == EPIPE,
                 "%s was blocked on %s queue and returned %s after bq_close; it must return "
                 "EPIPE (%d)",
                 bqt_op_name(op), state, tl_err_name(calls[i].ret), EPIPE);
}

void bqt_scn_close(void)
{
    struct bq *q = bqt_create(2);
    TL_CHECK(q, "bq_create(2) returned NULL; it must return a new empty queue");
    close_blocked(q, BQT_GET, "an empty");
    TL_CHECK(bq_size(q) == 0,
             "bq_size returned %zu after getters were woken by bq_close on an "
             "empty queue; it must stay 0",
             bq_size(q));
    bq_destroy(q);

    q = bqt_create(1);
    TL_CHECK(q, "bq_create(1) returned NULL; it must return a new empty queue");
    int err = bq_put(q, (void *)(uintptr_t)7);
    TL_CHECK(err == 0, "bq_put on an empty queue returned %s", tl_err_name(err));
    close_blocked(q, BQT_PUT, "a full");
    void *item = NULL;
    err = bq_get(q, &item);
    TL_CHECK(err == 0 && (uintptr_t)item == 7,
             "bq_get on a closed queue that still held an item returned %s and %p; it must "
             "return 0 and that item (7), since putters woken by close add nothing",
             tl_err_name(err), item);
    err = bq_get(q, &item);
    TL_CHECK(err == EPIPE, "bq_get on a closed, empty queue returned %s; it must return EPIPE",
             tl_err_name(err));
    bq_destroy(q);
}

const struct tl_scenario tl_scenarios[] = {
    {"stress", bqt_scn_stress},
    {"close", bqt_scn_close},
    {NULL, NULL},
};
