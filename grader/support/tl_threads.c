/* tl_threads.c - the threads of a run: who is blocked in what, and which mutexes each holds.
 *
 * DESIGN: one slot per live thread, written only by its owner, so that bookkeeping adds no
 * shared write to the code under test's hot paths (a shared counter would serialize the very
 * threads a test wants to run in parallel). Readers (the watchdog, the timeout handler) read
 * the slots when the run is quiet, which is exactly when they are stable. The held set records
 * where each mutex was taken, so that a hang can say "thread 2 holds the lock it took at
 * locks.c:97 and waits for the one at locks.c:98", and a function that returns with a lock still
 * held is caught at its return rather than at the next thread that waits for that lock.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/helgrind.h>

#include "tl_test.h"
#include "tl_internal.h"

#define RELAXED memory_order_relaxed

struct tl_slot tl__slots[TL_SLOTS];
atomic_int tl__live = 1; /* the runner */
_Atomic uint64_t tl__retired_locks;
static atomic_int next_number = 2;

const char *const tl__op_name[OP_COUNT] = {"",
                                           "pthread_mutex_lock",
                                           "pthread_cond_wait",
                                           "pthread_cond_timedwait",
                                           "pthread_join",
                                           "sem_wait",
                                           "pthread_barrier_wait",
                                           "tl_await",
                                           "sem_timedwait"};

bool tl__op_blocks(int op)
{
    return op == OP_LOCK || op == OP_COND_WAIT || op == OP_JOIN || op == OP_SEM_WAIT ||
           op == OP_BARRIER || op == OP_AWAIT;
}

static _Thread_local struct tl_slot *mine;
/* Set once the thread's start routine has returned. Its pthread key destructors run after that
 * (glibc calls them on the way out): their calls are not recorded, rather than claim a slot
 * that nobody would release (1,000 exiting threads would use up every slot). */
static _Thread_local bool ended;

static struct tl_slot *claim(int number)
{
    for (int i = 0; i < TL_SLOTS; i++) {
        int expected = 0;
        if (atomic_load_explicit(&tl__slots[i].used, RELAXED) == 0 &&
            atomic_compare_exchange_strong_explicit(&tl__slots[i].used, &expected, 1,
                                                    memory_order_relaxed, memory_order_relaxed)) {
            struct tl_slot *s = &tl__slots[i];
            atomic_store_explicit(&s->op, OP_NONE, RELAXED);
            atomic_store_explicit(&s->nheld, 0, RELAXED);
            atomic_store_explicit(&s->depth, 0, RELAXED);
            atomic_store_explicit(&s->api_calls, 0, RELAXED);
            atomic_store_explicit(&s->stub_calls, 0, RELAXED);
            atomic_store_explicit(&s->stub_sleeps, 0, RELAXED);
            atomic_store_explicit(&s->stub_site, NULL, RELAXED);
            atomic_store_explicit(&s->observer, 0, RELAXED);
            atomic_store_explicit(&s->awaiting, 0, RELAXED);
            atomic_store_explicit(&s->self, (unsigned long)pthread_self(), RELAXED);
            atomic_store_explicit(&s->locks, 0, RELAXED);
            atomic_store_explicit(&s->api, NULL, RELAXED);
            atomic_store_explicit(&s->start, NULL, RELAXED);
            atomic_store_explicit(&s->started_by, NULL, RELAXED);
            atomic_store_explicit(&s->tid, (int)gettid(), RELAXED);
            atomic_store_explicit(&s->number, number, memory_order_relaxed);
            return s;
        }
    }
    return NULL;
}

struct tl_slot *tl__me(void)
{
    if (!mine && !ended)
        mine = claim(0); /* a thread the support code did not start: numbered 0, not counted */
    return mine;
}

void tl__register_runner(void)
{
    if (!mine)
        mine = claim(1);
    else
        atomic_store_explicit(&mine->number, 1, memory_order_relaxed);
}

/* Called by the trampoline of a thread started through the wrapper (tl_wrap.c). */
struct tl_slot *tl__register_thread(void *start, void *started_by)
{
    mine = claim(atomic_fetch_add_explicit(&next_number, 1, memory_order_relaxed));
    if (mine) {
        atomic_store_explicit(&mine->start, start, RELAXED);
        atomic_store_explicit(&mine->started_by, started_by, RELAXED);
    }
    return mine;
}

void tl__unregister_thread(void)
{
    if (mine) {
        atomic_fetch_add_explicit(
            &tl__retired_locks, atomic_load_explicit(&mine->locks, memory_order_relaxed), RELAXED);
        atomic_store_explicit(&mine->locks, 0, memory_order_relaxed);
        atomic_store_explicit(&mine->used, 0, memory_order_relaxed);
        mine = NULL;
    }
    ended = true;
}

/* The calling thread's slot, unless it is in tl_await: what the test's polls lock to look
 * changes neither that thread's wait nor its progress. */
static struct tl_slot *recording(void)
{
    struct tl_slot *s = tl__me();
    return s && !atomic_load_explicit(&s->awaiting, RELAXED) ? s : NULL;
}

static void progress(struct tl_slot *s)
{
    atomic_store_explicit(&s->seq, atomic_load_explicit(&s->seq, RELAXED) + 1, RELAXED);
}

void tl__enter(enum tl_op op, const void *obj, const void *obj2, void *caller)
{
    tl__enter_until(op, obj, obj2, caller, 0);
}

void tl__enter_until(enum tl_op op, const void *obj, const void *obj2, void *caller, double at)
{
    struct tl_slot *s = recording();
    if (!s)
        return;
    /* before op: a timed op seen with no deadline yet counts as one that may end any moment */
    atomic_store_explicit(&s->wakes_us, at > 0 ? (long long)(at * 1e6) : 0, RELAXED);
    atomic_store_explicit(&s->obj, obj, RELAXED);
    atomic_store_explicit(&s->obj2, obj2, RELAXED);
    atomic_store_explicit(&s->caller, caller, RELAXED);
    progress(s);
    atomic_store_explicit(&s->op, op, RELAXED);
}

void tl__leave(void)
{
    struct tl_slot *s = recording();
    if (!s)
        return;
    atomic_store_explicit(&s->op, OP_NONE, RELAXED);
    progress(s);
}

void tl__await(bool on)
{
    struct tl_slot *s = tl__me();
    if (s)
        atomic_store_explicit(&s->awaiting, on, RELAXED);
}

/* ---- Names the tests give to locks (tl_label_begin) --------------------------------------
 * Written by a test thread while it labels (before its threads start), read when a hang or a
 * leak is reported: a name's text is published by a release store of its state. */
#define NAMES 128
enum { NAME_FREE, NAME_SET, NAME_AMBIGUOUS };
static struct {
    const void *_Atomic mutex;
    _Atomic int state;
    char text[64];
} names[NAMES];
static _Thread_local char label[64];
static _Thread_local bool labelling;

void tl_label_begin(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(label, sizeof label, fmt, ap);
    va_end(ap);
    labelling = true;
}

void tl_label_end(void)
{
    labelling = false;
}

/* A mutex locked while a label is on: it has that name, unless it already had another one
 * (one lock for the whole bank, locked for every account): then it has none. */
static void label_lock(const void *mutex)
{
    for (int i = 0; i < NAMES; i++) {
        int state = atomic_load_explicit(&names[i].state, memory_order_acquire);
        if (state == NAME_FREE) {
            snprintf(names[i].text, sizeof names[i].text, "%s", label);
            atomic_store_explicit(&names[i].mutex, mutex, RELAXED);
            atomic_store_explicit(&names[i].state, NAME_SET, memory_order_release);
            return;
        }
        if (atomic_load_explicit(&names[i].mutex, RELAXED) != mutex)
            continue;
        if (state == NAME_SET && strcmp(names[i].text, label) != 0)
            atomic_store_explicit(&names[i].state, NAME_AMBIGUOUS, memory_order_release);
        return;
    }
}

const char *tl__lock_name(const void *mutex)
{
    for (int i = 0; mutex && i < NAMES; i++) {
        int state = atomic_load_explicit(&names[i].state, memory_order_acquire);
        if (state == NAME_FREE)
            break;
        if (state == NAME_SET && atomic_load_explicit(&names[i].mutex, RELAXED) == mutex)
            return names[i].text;
    }
    return "";
}

void tl__held_add(const void *mutex, void *site)
{
    struct tl_slot *s = tl__me();
    if (labelling)
        label_lock(mutex);
    if (!s)
        return;
    atomic_store_explicit(&s->locks, atomic_load_explicit(&s->locks, RELAXED) + 1, RELAXED);
    int n = atomic_load_explicit(&s->nheld, RELAXED);
    if (n >= TL_HELD_MAX)
        return; /* deeper nesting than any lab needs: forget the innermost */
    atomic_store_explicit(&s->held[n].mutex, mutex, RELAXED);
    atomic_store_explicit(&s->held[n].site, site, RELAXED);
    atomic_store_explicit(&s->held[n].by_stub, atomic_load_explicit(&s->depth, RELAXED) > 0,
                          RELAXED);
    atomic_store_explicit(&s->nheld, n + 1, memory_order_relaxed);
}

void tl__stub_call(void *site, bool sleep)
{
    struct tl_slot *s = tl__me();
    if (!s || atomic_load_explicit(&s->depth, RELAXED) == 0)
        return;
    atomic_store_explicit(&s->stub_calls, atomic_load_explicit(&s->stub_calls, RELAXED) + 1,
                          RELAXED);
    if (sleep)
        atomic_store_explicit(&s->stub_sleeps, atomic_load_explicit(&s->stub_sleeps, RELAXED) + 1,
                              RELAXED);
    atomic_store_explicit(&s->stub_site, site, RELAXED);
}

void tl__held_remove(const void *mutex)
{
    struct tl_slot *s = tl__me();
    if (!s)
        return;
    if (!atomic_load_explicit(&s->awaiting, RELAXED))
        progress(s);
    int n = atomic_load_explicit(&s->nheld, RELAXED);
    for (int i = n - 1; i >= 0; i--) { /* the latest: recursive mutexes unlock innermost first */
        if (atomic_load_explicit(&s->held[i].mutex, RELAXED) != mutex)
            continue;
        for (int j = i; j + 1 < n; j++) {
            atomic_store_explicit(&s->held[j].mutex,
                                  atomic_load_explicit(&s->held[j + 1].mutex, memory_order_relaxed),
                                  RELAXED);
            atomic_store_explicit(&s->held[j].site,
                                  atomic_load_explicit(&s->held[j + 1].site, memory_order_relaxed),
                                  RELAXED);
            atomic_store_explicit(
                &s->held[j].by_stub,
                atomic_load_explicit(&s->held[j + 1].by_stub, memory_order_relaxed), RELAXED);
        }
        atomic_store_explicit(&s->nheld, n - 1, memory_order_relaxed);
        return;
    }
}

void tl__check_nothing_held(void *fn, const char *what)
{
    struct tl_slot *s = tl__me();
    if (!s)
        return;
    int n = atomic_load_explicit(&s->nheld, RELAXED);
    for (int i = 0; i < n; i++) {
        if (!atomic_load_explicit(&s->held[i].by_stub, RELAXED))
            continue;
        char text[1024], f1[256], f2[256];
        tl__frame(fn, f1, sizeof f1);
        tl__frame(atomic_load_explicit(&s->held[i].site, memory_order_relaxed), f2, sizeof f2);
        const void *mutex = atomic_load_explicit(&s->held[i].mutex, memory_order_relaxed);
        snprintf(text, sizeof text, "%s %d %p %s %s %s", what,
                 atomic_load_explicit(&s->number, memory_order_relaxed), mutex, f1, f2,
                 tl__lock_name(mutex));
        tl__report("LEAKED", text);
        _exit(TL_EXIT_LEAK);
    }
}

void tl__wrap_init(void)
{
    VALGRIND_HG_DISABLE_CHECKING(tl__slots, sizeof tl__slots);
    VALGRIND_HG_DISABLE_CHECKING(&tl__live, sizeof tl__live);
    VALGRIND_HG_DISABLE_CHECKING(&tl__retired_locks, sizeof tl__retired_locks);
    VALGRIND_HG_DISABLE_CHECKING(&next_number, sizeof next_number);
    VALGRIND_HG_DISABLE_CHECKING(names, sizeof names);
}

void tl_observer(void)
{
    struct tl_slot *s = tl__me();
    if (s)
        atomic_store_explicit(&s->observer, 1, memory_order_relaxed);
}

void tl__unobserve(pthread_t t)
{
    for (int i = 0; i < TL_SLOTS; i++)
        if (atomic_load_explicit(&tl__slots[i].used, RELAXED) &&
            atomic_load_explicit(&tl__slots[i].self, RELAXED) == (unsigned long)t)
            atomic_store_explicit(&tl__slots[i].observer, 0, memory_order_relaxed);
}

uint64_t tl_lock_calls(void)
{
    uint64_t n = atomic_load_explicit(&tl__retired_locks, RELAXED);
    for (int i = 0; i < TL_SLOTS; i++)
        if (atomic_load_explicit(&tl__slots[i].used, RELAXED))
            n += atomic_load_explicit(&tl__slots[i].locks, RELAXED);
    return n;
}

int tl_blocked_threads(void)
{
    int n = 0;
    for (int i = 0; i < TL_SLOTS; i++)
        n += atomic_load_explicit(&tl__slots[i].used, RELAXED) &&
             atomic_load_explicit(&tl__slots[i].op, memory_order_relaxed) != OP_NONE;
    return n;
}
