/* tl_poll.c - threads that poll where a test waits for them to block.
 *
 * DESIGN: a test that expects threads to block (tl_await_waiters: four getters on an empty
 * queue) used to wait out its bound when they never did, and a busy-waiting design never does:
 * seconds per test, and minutes under Helgrind, whose one-thread-at-a-time scheduling lets the
 * spinners starve the very thread that would release them. Polling has a signature that the
 * wrappers can see: a thread stays inside one call of the code under test for a whole window,
 * is never seen waiting (condition, semaphore, join, barrier), and keeps making mutex calls
 * there all along (unlock, relock, look again). A thread that blocks is seen waiting within
 * microseconds, and a worker running a long task makes no mutex calls from the code under test,
 * so neither is taken for a poller. A poller that makes no call at all (spinning on a plain
 * flag) is not seen here; it is a data race, which the detectors report at once.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/helgrind.h>

#include "tl_test.h"
#include "tl_internal.h"

#define RELAXED    memory_order_relaxed
#define CANDIDATES 64
#define MIN_CALLS  10 /* mutex calls in one window: a loop, not one slow path */

struct candidate {
    struct tl_slot *slot;
    int tid;
    unsigned long api_calls, stub_calls, stub_sleeps;
    bool waited, left;
};

struct tl_poll {
    double start, window;
    bool known; /* a candidate is in the function that this run already saw polling */
    int n;
    struct candidate c[CANDIDATES];
};

static atomic_int reported;
/* The function of the code under test that was reported polling: a later wait of the same run
 * that finds a thread in it ends at once, not a window later. A test that waits for workers
 * 150 times (pool's spurious_wakeups) spent 0.25 s on each, and its whole time limit. */
static const void *_Atomic polled_api;

static bool waits(int op)
{
    return op == OP_COND_WAIT || op == OP_COND_TIMEDWAIT || op == OP_SEM_WAIT ||
           op == OP_SEM_TIMEDWAIT || op == OP_JOIN || op == OP_BARRIER || op == OP_AWAIT;
}

/* Start a window: every thread now inside the code under test is a candidate. */
static void snapshot(struct tl_poll *p)
{
    struct tl_slot *me = tl__me();
    p->start = tl_now();
    p->n = 0;
    for (int i = 0; i < TL_SLOTS && p->n < CANDIDATES; i++) {
        struct tl_slot *s = &tl__slots[i];
        if (s == me || !atomic_load_explicit(&s->used, RELAXED) ||
            atomic_load_explicit(&s->observer, RELAXED) ||
            atomic_load_explicit(&s->depth, RELAXED) == 0)
            continue;
        struct candidate *c = &p->c[p->n++];
        c->slot = s;
        c->tid = atomic_load_explicit(&s->tid, RELAXED);
        c->api_calls = atomic_load_explicit(&s->api_calls, RELAXED);
        c->stub_calls = atomic_load_explicit(&s->stub_calls, RELAXED);
        c->stub_sleeps = atomic_load_explicit(&s->stub_sleeps, RELAXED);
        c->waited = waits(atomic_load_explicit(&s->op, RELAXED));
        c->left = false;
    }
}

struct tl_poll *tl__poll_new(void)
{
    struct tl_poll *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    VALGRIND_HG_DISABLE_CHECKING(&reported, sizeof reported);
    VALGRIND_HG_DISABLE_CHECKING(&polled_api, sizeof polled_api);
    p->window = tl_under_valgrind() ? 1.5 : strcmp(tl_tool(), "tsan") == 0 ? 0.5 : 0.25;
    snapshot(p);
    const void *polled = atomic_load_explicit(&polled_api, RELAXED);
    for (int i = 0; i < p->n && polled; i++)
        p->known |= atomic_load_explicit(&p->c[i].slot->api, RELAXED) == polled && !p->c[i].waited;
    return p;
}

void tl__poll_free(struct tl_poll *p)
{
    free(p);
}

/* POLL NUMBER POLLERS SLEEPS CALLS WINDOW_MS API_FRAME SITE_FRAME (grader/hang.c). */
static void report(struct tl_poll *p, struct candidate *c, int pollers)
{
    struct tl_slot *s = c->slot;
    char api[256], site[256], text[700];
    tl__frame(atomic_load_explicit(&s->api, RELAXED), api, sizeof api);
    tl__frame(atomic_load_explicit(&s->stub_site, RELAXED), site, sizeof site);
    snprintf(text, sizeof text, "%d %d %lu %lu %d %s %s", atomic_load_explicit(&s->number, RELAXED),
             pollers, atomic_load_explicit(&s->stub_sleeps, RELAXED) - c->stub_sleeps,
             atomic_load_explicit(&s->stub_calls, RELAXED) - c->stub_calls,
             (int)((tl_now() - p->start) * 1000), api, site);
    tl__report("POLL", text);
}

bool tl__poll_sample(struct tl_poll *p)
{
    if (p->known)
        return true;
    for (int i = 0; i < p->n; i++) {
        struct candidate *c = &p->c[i];
        struct tl_slot *s = c->slot;
        if (c->left)
            continue;
        c->left = !atomic_load_explicit(&s->used, RELAXED) ||
                  atomic_load_explicit(&s->tid, RELAXED) != c->tid ||
                  atomic_load_explicit(&s->depth, RELAXED) == 0 ||
                  atomic_load_explicit(&s->api_calls, RELAXED) != c->api_calls;
        c->waited |= waits(atomic_load_explicit(&s->op, RELAXED));
    }
    if (tl_now() - p->start < p->window)
        return false;
    struct candidate *first = NULL;
    int pollers = 0;
    for (int i = 0; i < p->n; i++) {
        struct candidate *c = &p->c[i];
        if (c->left || c->waited ||
            atomic_load_explicit(&c->slot->stub_calls, RELAXED) - c->stub_calls < MIN_CALLS)
            continue;
        pollers++;
        if (!first || atomic_load_explicit(&c->slot->number, RELAXED) <
                          atomic_load_explicit(&first->slot->number, RELAXED))
            first = c;
    }
    if (!first) {
        snapshot(p); /* a new window */
        return false;
    }
    if (atomic_exchange_explicit(&reported, 1, RELAXED))
        return true; /* said once per run */
    atomic_store_explicit(&polled_api, atomic_load_explicit(&first->slot->api, RELAXED), RELAXED);
    report(p, first, pollers);
    if (strcmp(tl_tool(), "plain") != 0) {
        /* a detector would spend minutes on the rest of this scenario */
        tl__report_threads();
        _exit(TL_EXIT_POLL);
    }
    return true;
}
