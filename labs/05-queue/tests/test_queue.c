/* test_queue.c - the queue lab's tests: one TL_TEST per "test" check in lab.conf. */
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "tl_test.h"
#include "scenarios.h"

#define ITEM(v)  ((void *)(uintptr_t)(v))
#define VALUE(p) ((unsigned long)(uintptr_t)(p))

static struct bq *create(size_t capacity)
{
    struct bq *q = bqt_create(capacity);
    TL_CHECK(q, "bq_create(%zu) returned NULL; it must return a new empty queue", capacity);
    return q;
}

static void put_ok(struct bq *q, unsigned long v)
{
    int err = bq_put(q, ITEM(v));
    TL_CHECK(err == 0, "bq_put(item %lu) returned %s on an open queue with room; it must return 0",
             v, tl_err_name(err));
}

/* bq_get must return 0 and the item want. */
static void get_expect(struct bq *q, unsigned long want, const char *why)
{
    void *item = BQT_UNTOUCHED;
    int err = bq_get(q, &item);
    TL_CHECK(err == 0, "bq_get returned %s on a queue holding items; it must return 0",
             tl_err_name(err));
    TL_CHECK(VALUE(item) == want, "bq_get returned item %lu, but %s was item %lu", VALUE(item), why,
             want);
}

/* Run a call on its own thread and require it to return within 2 s with want. */
static struct bqt_call *call_expect(struct bq *q, enum bqt_op op, void *item, long timeout_ms,
                                    int want, const char *state)
{
    static struct bqt_call c;
    bqt_call_start(&c, q, op, item, timeout_ms);
    TL_CHECK(tl_call_finish(&c.call, 2),
             "%s on %s did not return within 2 s, but it has nothing to wait for: is a mutex "
             "left locked on an earlier error path (a return before pthread_mutex_unlock), or "
             "does a wait loop ignore closed?",
             bqt_op_name(op), state);
    TL_CHECK(c.ret == want, "%s on %s returned %s; it must return %s", bqt_op_name(op), state,
             tl_err_name(c.ret), tl_err_name(want));
    return &c;
}

/* ---- Task 1: create ------------------------------------------------------------------------ */

TL_TEST(queue, create_and_errors)
{
    TL_CHECK(bq_create(0) == NULL, "bq_create(0) returned a queue; a queue with no room is an "
                                   "error and must give NULL");
    struct bq *q = bq_create(BQ_MAX_CAPACITY + 1);
    TL_CHECK(q == NULL,
             "bq_create(BQ_MAX_CAPACITY + 1) returned a queue; it must return NULL (a ring of "
             "that many void * slots has more bytes than size_t can count: "
             "capacity * sizeof(void *) overflows)");
    q = create(3);
    TL_CHECK(bq_size(q) == 0, "bq_size returned %zu on a new queue; it must be 0", bq_size(q));
    bq_destroy(q);
}

/* ---- Task 2: put and get ------------------------------------------------------------------- */

TL_TEST(queue, fifo_order)
{
    enum { CAP = 8 };
    struct bq *q = create(CAP);
    for (unsigned long v = 1; v <= CAP; v++)
        put_ok(q, v);
    TL_CHECK(bq_size(q) == CAP, "bq_size returned %zu after %d puts; it must be %d", bq_size(q),
             CAP, CAP);
    for (unsigned long v = 1; v <= CAP; v++)
        get_expect(q, v, "the oldest item in the queue");

    /* Wrap around the ring many times against a model queue: model[head..tail). */
    unsigned long model[4000], head = 0, tail = 0, next = 1;
    for (int op = 0; op < 4000 && tail < 4000; op++) {
        bool put = tail - head < CAP && (tail == head || tl_rand_below(2));
        if (put) {
            put_ok(q, next);
            model[tail++] = next++;
        } else {
            get_expect(q, model[head++], "the oldest item in the queue");
        }
    }
    TL_CHECK(bq_size(q) == tail - head, "bq_size returned %zu but the queue holds %lu items",
             bq_size(q), tail - head);
    bq_destroy(q);
}

TL_TEST(queue, try_ops)
{
    struct bq *q = create(2);
    void *item = BQT_UNTOUCHED;
    int err = bq_try_get(q, &item);
    TL_CHECK(err == EAGAIN, "bq_try_get on an empty queue returned %s; it must return EAGAIN (%d)",
             tl_err_name(err), EAGAIN);
    TL_CHECK(item == BQT_UNTOUCHED, "bq_try_get failed but still changed *item");
    err = bq_try_put(q, ITEM(1));
    TL_CHECK(err == 0, "bq_try_put on an empty queue returned %s; it must return 0",
             tl_err_name(err));
    err = bq_try_put(q, ITEM(2));
    TL_CHECK(err == 0, "bq_try_put on a queue with one free slot returned %s; it must return 0",
             tl_err_name(err));
    err = bq_try_put(q, ITEM(3));
    TL_CHECK(err == EAGAIN, "bq_try_put on a full queue returned %s; it must return EAGAIN (%d)",
             tl_err_name(err), EAGAIN);
    TL_CHECK(bq_size(q) == 2,
             "bq_size returned %zu after a failed bq_try_put on a full queue of "
             "capacity 2; it must stay 2",
             bq_size(q));
    err = bq_try_get(q, &item);
    TL_CHECK(err == 0 && VALUE(item) == 1,
             "bq_try_get returned %s and item %lu; it must return 0 and the oldest item, 1",
             tl_err_name(err), VALUE(item));
    err = bq_try_put(q, ITEM(4));
    TL_CHECK(err == 0, "bq_try_put after a get freed a slot returned %s; it must return 0",
             tl_err_name(err));
    for (unsigned long want = 2; want <= 4; want += 2) {
        err = bq_try_get(q, &item);
        TL_CHECK(err == 0 && VALUE(item) == want,
                 "bq_try_get returned %s and item %lu; it must return 0 and the oldest item, %lu",
                 tl_err_name(err), VALUE(item), want);
    }
    err = bq_try_get(q, &item);
    TL_CHECK(err == EAGAIN, "bq_try_get on an emptied queue returned %s; it must return EAGAIN",
             tl_err_name(err));
    bq_destroy(q);
}

/* ---- Task 3: blocking ---------------------------------------------------------------------- */

TL_TEST(queue, get_blocks_when_empty)
{
    static struct bqt_call calls[2];
    struct bq *q = create(2);
    bqt_call_start(&calls[0], q, BQT_GET, NULL, 0);
    tl_await_blocked(1);
    TL_CHECK(!tl_call_returned(&calls[0].call),
             "bq_get on an empty queue returned %s at once; it must wait until an item arrives",
             tl_err_name(calls[0].ret));
    put_ok(q, 42);
    TL_CHECK(tl_call_finish(&calls[0].call, 2),
             "bq_get stayed blocked for 2 s after bq_put added an item to the empty queue: bq_put "
             "must wake a waiting getter (a lost wakeup)");
    TL_CHECK(calls[0].ret == 0 && VALUE(calls[0].got) == 42,
             "bq_get was woken by bq_put(42) and returned %s and item %lu; it must return 0 and 42",
             tl_err_name(calls[0].ret), VALUE(calls[0].got));

    /* Two waiting getters, two puts: each put must wake a getter. */
    for (int i = 0; i < 2; i++)
        bqt_call_start(&calls[i], q, BQT_GET, NULL, 0);
    tl_await_blocked(2);
    put_ok(q, 1);
    put_ok(q, 2);
    int woken = 0;
    for (int i = 0; i < 2; i++)
        woken += tl_call_finish(&calls[i].call, 2);
    TL_CHECK(woken == 2,
             "two threads waited in bq_get on an empty queue and two items were put, but only %d "
             "getter returned within 2 s: every put must wake a getter",
             woken);
    TL_CHECK(VALUE(calls[0].got) + VALUE(calls[1].got) == 3,
             "two blocked bq_get calls returned items %lu and %lu; they must get 1 and 2",
             VALUE(calls[0].got), VALUE(calls[1].got));
    bq_destroy(q);
}

TL_TEST(queue, put_blocks_when_full)
{
    static struct bqt_call call;
    struct bq *q = create(2);
    put_ok(q, 1);
    put_ok(q, 2);
    bqt_call_start(&call, q, BQT_PUT, ITEM(3), 0);
    tl_await_blocked(1);
    TL_CHECK(!tl_call_returned(&call.call),
             "bq_put on a full queue of capacity 2 returned %s at once; it must wait until a "
             "get frees a slot",
             tl_err_name(call.ret));
    TL_CHECK(bq_size(q) == 2,
             "bq_size returned %zu while bq_put waited on a full queue of "
             "capacity 2",
             bq_size(q));
    get_expect(q, 1, "the oldest item in the queue");
    TL_CHECK(tl_call_finish(&call.call, 2),
             "bq_put stayed blocked for 2 s after bq_get freed a slot: bq_get must wake a "
             "waiting putter (a lost wakeup)");
    TL_CHECK(call.ret == 0, "bq_put was woken by bq_get and returned %s; it must return 0",
             tl_err_name(call.ret));
    get_expect(q, 2, "the oldest item in the queue");
    get_expect(q, 3, "the item the blocked bq_put added");
    bq_destroy(q);
}

enum { CAPACITY_CAP = 3, CAPACITY_PRODUCERS = 6, CAPACITY_PER = 400 };

static struct bq *capacity_q;

static void *capacity_producer(void *arg)
{
    long p = (long)(intptr_t)arg;
    for (long i = 0; i < CAPACITY_PER; i++) {
        int err = bq_put(capacity_q, ITEM(p * CAPACITY_PER + i + 1));
        TL_CHECK(err == 0,
                 "bq_put returned %s on an open queue; it must wait for room and "
                 "return 0",
                 tl_err_name(err));
    }
    return NULL;
}

TL_TEST(queue, capacity)
{
    enum { TOTAL = CAPACITY_PRODUCERS * CAPACITY_PER };
    static unsigned char seen[TOTAL + 1];
    pthread_t producers[CAPACITY_PRODUCERS];
    tl_noise(TL_NOISE_YIELD);
    struct bq *q = capacity_q = create(CAPACITY_CAP);
    for (long p = 0; p < CAPACITY_PRODUCERS; p++)
        tl_spawn(&producers[p], capacity_producer, (void *)(intptr_t)p);
    for (int n = 0; n < TOTAL; n++) {
        /* More producers than slots keep the queue full: the moment to catch an overfill. */
        size_t size = bq_size(q);
        TL_CHECK(size <= CAPACITY_CAP,
                 "bq_size returned %zu on a queue of capacity %d with %d producers putting: %s",
                 size, CAPACITY_CAP, CAPACITY_PRODUCERS, bqt_overfull_cause(size));
        void *item = NULL;
        int err = bq_get(q, &item);
        TL_CHECK(err == 0, "bq_get returned %s while producers were putting; it must return 0",
                 tl_err_name(err));
        unsigned long v = VALUE(item);
        TL_CHECK(v >= 1 && v <= TOTAL && !seen[v], "bq_get returned item %lu, which was %s", v,
                 v >= 1 && v <= TOTAL ? "already handed out (duplicated: was a slot overwritten?)"
                                      : "never put");
        seen[v] = 1;
    }
    for (int p = 0; p < CAPACITY_PRODUCERS; p++)
        pthread_join(producers[p], NULL);
    bq_destroy(q);
}

TL_TEST(queue, producers_consumers)
{
    tl_scenario("stress");
}

/* Block n calls of op on q, then measure the process's CPU time and wakeups while they wait. */
static void measure_waiting(struct bq *q, enum bqt_op op, const char *state)
{
    enum { N = 4 };
    static struct bqt_call calls[N];
    for (int i = 0; i < N; i++)
        bqt_call_start(&calls[i], q, op, ITEM(10 + i), 0);
    tl_await_blocked(N);
    char waiting[128];
    snprintf(waiting, sizeof waiting, "%d threads waited in %s on %s queue", N, bqt_op_name(op),
             state);
    const char *problem = tl_idle_problem(waiting, "signalled");
    TL_CHECK(!problem, "%s", problem);
    for (int i = 0; i < N; i++)
        TL_CHECK(!tl_call_returned(&calls[i].call), "%s on %s queue returned %s; it must wait",
                 bqt_op_name(op), state, tl_err_name(calls[i].ret));
    /* Release them: items for the getters, room for the putters. */
    for (int i = 0; i < N; i++) {
        if (op == BQT_GET) {
            put_ok(q, 20 + i);
        } else {
            void *item;
            int err = bq_get(q, &item);
            TL_CHECK(err == 0, "bq_get on a full queue returned %s; it must return 0",
                     tl_err_name(err));
        }
    }
    for (int i = 0; i < N; i++)
        TL_CHECK(tl_call_finish(&calls[i].call, 2) && calls[i].ret == 0,
                 "%s stayed blocked on %s queue after the queue changed, or returned %s",
                 bqt_op_name(op), state, tl_err_name(calls[i].ret));
}

TL_TEST(queue, no_busy_wait)
{
    struct bq *q = create(1);
    measure_waiting(q, BQT_GET, "an empty");
    put_ok(q, 1);
    measure_waiting(q, BQT_PUT, "a full");
    bq_destroy(q);
}

/* ---- Task 4: spurious wakeups -------------------------------------------------------------- */

enum { SPURIOUS_THREADS = 3, SPURIOUS_ITEMS = 150 };
static struct bq *spurious_q;
static unsigned char spurious_seen[SPURIOUS_ITEMS + 1];

static void *spurious_consumer(void *arg)
{
    (void)arg;
    for (;;) {
        void *item = NULL;
        int err = bq_get(spurious_q, &item);
        if (err == EPIPE)
            return NULL;
        TL_CHECK(err == 0, "bq_get returned %s on an open queue; it must wait for an item",
                 tl_err_name(err));
        unsigned long v = VALUE(item);
        TL_CHECK(v >= 1 && v <= SPURIOUS_ITEMS && !spurious_seen[v],
                 "bq_get returned item %lu, which was %s: after a spurious wakeup a getter must "
                 "re-check that the queue is not empty (while, not if)",
                 v, v >= 1 && v <= SPURIOUS_ITEMS ? "already handed out" : "never put");
        spurious_seen[v] = 1; /* items are unique, so each slot has one writer */
    }
}

static void *spurious_producer(void *arg)
{
    long p = (long)(intptr_t)arg;
    for (long v = p + 1; v <= SPURIOUS_ITEMS; v += SPURIOUS_THREADS) {
        int err = bq_put(spurious_q, ITEM(v));
        TL_CHECK(err == 0,
                 "bq_put returned %s on an open queue; after a spurious wakeup a putter "
                 "must re-check that the queue has room and go on waiting",
                 tl_err_name(err));
    }
    return NULL;
}

/* Each put or get of the test comes once a thread really waits, so that it wakes a sleeper. A
 * queue built on semaphores waits in sem_wait, which has no spurious wakeups to inject, and
 * passes on its own merits. A queue that blocks where the test cannot see it costs one 2 s wait,
 * then the test goes on without waiting. */
static struct {
    bool visible;   /* waiters have shown up so far */
    bool cond_used; /* some of them were in condition waits */
} spurious_seen_wait;

static void spurious_await(void)
{
    if (!spurious_seen_wait.visible)
        return;
    spurious_seen_wait.visible = tl_await_waiters(1, 2);
    spurious_seen_wait.cond_used |= tl_cond_waiters() > 0;
}

TL_TEST(queue, spurious_wakeups)
{
    pthread_t threads[SPURIOUS_THREADS];
    tl_noise(TL_NOISE_SPURIOUS);
    spurious_seen_wait.visible = true;

    /* Getters wait on an empty queue; each put comes only once one of them really waits. */
    spurious_q = create(2);
    for (long i = 0; i < SPURIOUS_THREADS; i++)
        tl_spawn(&threads[i], spurious_consumer, NULL);
    for (unsigned long v = 1; v <= SPURIOUS_ITEMS; v++) {
        spurious_await();
        put_ok(spurious_q, v);
    }
    bq_close(spurious_q);
    for (int i = 0; i < SPURIOUS_THREADS; i++)
        pthread_join(threads[i], NULL);
    for (unsigned long v = 1; v <= SPURIOUS_ITEMS; v++)
        TL_CHECK(spurious_seen[v], "item %lu was put but no bq_get returned it (lost)", v);
    bq_destroy(spurious_q);

    /* Putters wait on a full queue; each get comes only once one of them really waits. */
    enum { CAP = 2 };
    spurious_q = create(CAP);
    memset(spurious_seen, 0, sizeof spurious_seen);
    for (long i = 0; i < SPURIOUS_THREADS; i++)
        tl_spawn(&threads[i], spurious_producer, (void *)(intptr_t)i);
    for (unsigned long n = 0; n < SPURIOUS_ITEMS; n++) {
        if (n + CAP < SPURIOUS_ITEMS)
            spurious_await(); /* some producer still has an item to put */
        size_t size = bq_size(spurious_q);
        TL_CHECK(size <= CAP,
                 "bq_size returned %zu on a queue of capacity %d: after a spurious wakeup a "
                 "putter must re-check that the queue has room (while, not if)",
                 size, CAP);
        void *item = NULL;
        int err = bq_get(spurious_q, &item);
        TL_CHECK(err == 0, "bq_get returned %s on a queue holding items; it must return 0",
                 tl_err_name(err));
        unsigned long v = VALUE(item);
        TL_CHECK(v >= 1 && v <= SPURIOUS_ITEMS && !spurious_seen[v],
                 "bq_get returned item %lu, which was %s: after a spurious wakeup a putter must "
                 "re-check that the queue has room (while, not if)",
                 v, v >= 1 && v <= SPURIOUS_ITEMS ? "already handed out" : "never put");
        spurious_seen[v] = 1;
    }
    for (int i = 0; i < SPURIOUS_THREADS; i++)
        pthread_join(threads[i], NULL);
    bq_destroy(spurious_q);
    TL_CHECK(tl_spurious_wakeups() > 0 || !spurious_seen_wait.cond_used,
             "threads waited in pthread_cond_wait, but the test injected no spurious wakeup, so "
             "it proved nothing (a fault of the test: run it again)");
}

/* ---- Task 5: timed waits ------------------------------------------------------------------- */

/* Why a timed call came back too soon, from the clock its deadline was read from: a deadline on
 * CLOCK_MONOTONIC given to a condition variable on the default CLOCK_REALTIME is long past. */
static const char *early_why(void)
{
    if (tl_deadline_clock() == CLOCK_MONOTONIC)
        return "its deadline was read from CLOCK_MONOTONIC, but the condition variable measures "
               "time on CLOCK_REALTIME (the default), where that moment is decades past: set the "
               "condition variable's clock with pthread_condattr_setclock(&attr, "
               "CLOCK_MONOTONIC) in bq_create, or read the deadline from CLOCK_REALTIME";
    return "pthread_cond_timedwait wants an absolute deadline: now + timeout";
}

/* Why a timed call did not return at all: a deadline on CLOCK_REALTIME given to a condition
 * variable set to CLOCK_MONOTONIC is decades away. */
static const char *late_why(void)
{
    if (tl_deadline_clock() == CLOCK_REALTIME)
        return " If the condition variable is set to CLOCK_MONOTONIC (pthread_condattr_setclock), "
               "the deadline must be read from CLOCK_MONOTONIC too: on that clock a "
               "CLOCK_REALTIME time is decades away.";
    return "";
}

TL_TEST(queue, timed_get)
{
    struct bq *q = create(2);
    /* Waits of 150 ms started every 50 ms for 1.1 s start at every phase of a second: some
     * of them must carry tv_nsec past 999999999 when they compute their deadline. */
    enum { WAITS = 22 };
    static struct bqt_call calls[WAITS];
    for (int i = 0; i < WAITS; i++) {
        bqt_call_start(&calls[i], q, BQT_TIMED_GET, NULL, 150);
        tl_sleep_ms(50);
    }
    for (int i = 0; i < WAITS; i++) {
        struct bqt_call *c = &calls[i];
        TL_CHECK(tl_call_finish(&c->call, 1.5),
                 "bq_timed_get(150 ms) on an empty queue did not return within 1.5 s (is its "
                 "deadline right? a tv_nsec of 1000000000 or more makes every "
                 "pthread_cond_timedwait fail at once with EINVAL).%s",
                 late_why());
        TL_CHECK(c->ret == ETIMEDOUT,
                 "bq_timed_get(150 ms) on an empty queue returned %s after %.0f ms; it must "
                 "return ETIMEDOUT (%d) (EINVAL (%d) means a bad deadline: is tv_nsec kept below "
                 "1000000000?)",
                 tl_err_name(c->ret), c->call.seconds * 1000, ETIMEDOUT, EINVAL);
        TL_CHECK(c->call.seconds >= 0.140,
                 "bq_timed_get(150 ms) on an empty queue returned after %.0f ms; it must wait "
                 "about 150 ms (%s)",
                 c->call.seconds * 1000, early_why());
        TL_CHECK(c->got == BQT_UNTOUCHED, "bq_timed_get timed out but still changed *item");
    }

    static struct bqt_call call;
    /* An item that arrives during the wait ends it. */
    bqt_call_start(&call, q, BQT_TIMED_GET, NULL, 5000);
    tl_await_blocked(1);
    put_ok(q, 9);
    TL_CHECK(tl_call_finish(&call.call, 1),
             "bq_timed_get(5000 ms) did not return within 1 s after bq_put added an item");
    TL_CHECK(call.ret == 0 && VALUE(call.got) == 9,
             "bq_timed_get returned %s and item %lu after bq_put(9); it must return 0 and 9",
             tl_err_name(call.ret), VALUE(call.got));

    /* Spurious wakeups are not timeouts and not items. */
    tl_noise(TL_NOISE_SPURIOUS);
    for (int i = 0; i < 30; i++) {
        void *item = BQT_UNTOUCHED;
        int err = bq_timed_get(q, &item, 10);
        TL_CHECK(err == ETIMEDOUT,
                 "bq_timed_get(10 ms) on an empty queue returned %s under spurious wakeups; it "
                 "must re-check the queue after every wakeup and return ETIMEDOUT",
                 tl_err_name(err));
    }
    tl_noise(TL_NOISE_OFF);
    bq_destroy(q);
}

TL_TEST(queue, timed_put)
{
    struct bq *q = create(1);
    put_ok(q, 1);
    for (int i = 0; i < 2; i++) {
        double start = tl_now();
        int err = bq_timed_put(q, ITEM(2), 120);
        double took = tl_now() - start;
        TL_CHECK(err == ETIMEDOUT,
                 "bq_timed_put(120 ms) on a full queue returned %s after %.0f ms; it must return "
                 "ETIMEDOUT (%d)",
                 tl_err_name(err), took * 1000, ETIMEDOUT);
        TL_CHECK(took >= 0.110 && took < 1.5,
                 "bq_timed_put(120 ms) on a full queue returned after %.0f ms; it must wait "
                 "about 120 ms (%s)",
                 took * 1000, took < 0.110 ? early_why() : "is its deadline now + timeout?");
    }
    TL_CHECK(bq_size(q) == 1,
             "bq_size returned %zu after timed-out puts on a full queue of "
             "capacity 1",
             bq_size(q));

    static struct bqt_call call;
    bqt_call_start(&call, q, BQT_TIMED_PUT, ITEM(3), 5000);
    tl_await_blocked(1);
    get_expect(q, 1, "the only item in the queue");
    TL_CHECK(tl_call_finish(&call.call, 1),
             "bq_timed_put(5000 ms) did not return within 1 s after bq_get freed a slot");
    TL_CHECK(call.ret == 0, "bq_timed_put returned %s after bq_get freed a slot; it must return 0",
             tl_err_name(call.ret));
    get_expect(q, 3, "the item bq_timed_put added");
    bq_destroy(q);
}

/* ---- Task 6: close ------------------------------------------------------------------------- */

TL_TEST(queue, close_wakes_all)
{
    tl_scenario("close");
}

TL_TEST(queue, put_after_close)
{
    struct bq *q = create(2);
    put_ok(q, 1);
    int err = bq_close(q);
    TL_CHECK(err == 0, "bq_close returned %s; it must return 0", tl_err_name(err));
    const char *state = "a closed queue with room";
    call_expect(q, BQT_PUT, ITEM(2), 0, EPIPE, state);
    call_expect(q, BQT_TRY_PUT, ITEM(3), 0, EPIPE, state);
    call_expect(q, BQT_TIMED_PUT, ITEM(4), 100, EPIPE, state);
    struct bqt_call *c = call_expect(q, BQT_GET, NULL, 0, 0, state);
    TL_CHECK(VALUE(c->got) == 1,
             "bq_get on a closed queue returned item %lu; the only item put before close was 1 "
             "(puts after close must not add anything)",
             VALUE(c->got));
    c = call_expect(q, BQT_GET, NULL, 0, EPIPE, "a closed, empty queue");
    bq_destroy(q);
}

TL_TEST(queue, close_drains)
{
    struct bq *q = create(4);
    for (unsigned long v = 1; v <= 3; v++)
        put_ok(q, v);
    int err = bq_close(q);
    TL_CHECK(err == 0, "bq_close returned %s; it must return 0", tl_err_name(err));
    err = bq_close(q);
    TL_CHECK(err == 0,
             "bq_close on a closed queue returned %s; closing twice is harmless and "
             "must return 0",
             tl_err_name(err));
    TL_CHECK(bq_size(q) == 3,
             "bq_size returned %zu after closing a queue holding 3 items; close "
             "must not drop them",
             bq_size(q));
    const char *state = "a closed queue still holding items";
    void *item = BQT_UNTOUCHED;
    err = bq_try_get(q, &item);
    TL_CHECK(err == 0 && VALUE(item) == 1,
             "bq_try_get on %s returned %s and item %lu; it must return 0 and 1: close stops "
             "puts, not gets",
             state, tl_err_name(err), VALUE(item));
    struct bqt_call *c = call_expect(q, BQT_GET, NULL, 0, 0, state);
    TL_CHECK(VALUE(c->got) == 2, "bq_get on %s returned item %lu; it must return 2", state,
             VALUE(c->got));
    c = call_expect(q, BQT_TIMED_GET, NULL, 1000, 0, state);
    TL_CHECK(VALUE(c->got) == 3, "bq_timed_get on %s returned item %lu; it must return 3", state,
             VALUE(c->got));
    state = "a closed queue emptied by gets";
    c = call_expect(q, BQT_GET, NULL, 0, EPIPE, state);
    TL_CHECK(c->got == BQT_UNTOUCHED, "bq_get on %s failed but still changed *item", state);
    c = call_expect(q, BQT_TIMED_GET, NULL, 1000, EPIPE, state);
    TL_CHECK(c->call.seconds < 0.5,
             "bq_timed_get(1000 ms) on %s waited %.0f ms; it must return EPIPE "
             "at once",
             state, c->call.seconds * 1000);
    err = bq_try_get(q, &item);
    TL_CHECK(err == EPIPE, "bq_try_get on %s returned %s; it must return EPIPE (%d)", state,
             tl_err_name(err), EPIPE);
    bq_destroy(q);
}

/* ---- Task 7: task_done and join ------------------------------------------------------------ */

TL_TEST(queue, join_waits)
{
    static struct bqt_call joins[2];
    struct bq *q = create(4);
    call_expect(q, BQT_JOIN, NULL, 0, 0, "a new queue (nothing was ever put)");
    int err = bq_task_done(q);
    TL_CHECK(err == EINVAL,
             "bq_task_done on a queue with no item pending returned %s; it must "
             "return EINVAL (%d)",
             tl_err_name(err), EINVAL);

    for (unsigned long v = 1; v <= 3; v++)
        put_ok(q, v);
    for (int i = 0; i < 2; i++)
        bqt_call_start(&joins[i], q, BQT_JOIN, NULL, 0);
    tl_await_blocked(2);
    for (int i = 0; i < 2; i++)
        TL_CHECK(!tl_call_returned(&joins[i].call),
                 "bq_join returned %s while 3 items put were still in the queue; it must wait "
                 "until bq_task_done was called for each",
                 tl_err_name(joins[i].ret));
    for (unsigned long v = 1; v <= 3; v++)
        get_expect(q, v, "the oldest item in the queue");
    for (int i = 0; i < 2; i++) {
        err = bq_task_done(q);
        TL_CHECK(err == 0, "bq_task_done returned %s with items pending; it must return 0",
                 tl_err_name(err));
    }
    tl_await_blocked(2);
    for (int i = 0; i < 2; i++)
        TL_CHECK(!tl_call_returned(&joins[i].call),
                 "bq_join returned %s after bq_task_done was called for only 2 of 3 items "
                 "(all 3 were taken with bq_get): join waits for task_done, not for get",
                 tl_err_name(joins[i].ret));
    err = bq_task_done(q);
    TL_CHECK(err == 0, "bq_task_done returned %s for the last pending item; it must return 0",
             tl_err_name(err));
    int woken = 0;
    for (int i = 0; i < 2; i++)
        woken += tl_call_finish(&joins[i].call, 2);
    TL_CHECK(woken == 2,
             "2 threads waited in bq_join; after the last bq_task_done only %d returned within "
             "2 s: every joiner must be woken (broadcast, not signal)",
             woken);
    TL_CHECK(joins[0].ret == 0 && joins[1].ret == 0, "bq_join returned %s and %d; it must return 0",
             tl_err_name(joins[0].ret), joins[1].ret);
    err = bq_task_done(q);
    TL_CHECK(err == EINVAL,
             "bq_task_done called a 4th time for 3 items put returned %s; it must "
             "return EINVAL (%d)",
             tl_err_name(err), EINVAL);
    bq_destroy(q);
}
