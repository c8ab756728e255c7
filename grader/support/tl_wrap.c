/* tl_wrap.c - the pthread calls every test binary is linked to through -Wl,--wrap.
 *
 * DESIGN: each wrapper records, in the calling thread's own slot, which blocking call it is in and
 * who called it, so that a timeout can say where every thread was stuck (tl__report_blocked).
 * On request (tl_noise) the wrappers also perturb the schedule: a seeded yield or short sleep after
 * an unlock widens race windows; a seeded early return from a condition wait (a spurious wakeup,
 * which POSIX allows) catches `if` where `while` is needed; a seeded broadcast in place of a
 * signal (also allowed) catches code that assumes exactly one waiter wakes. Only the objects
 * linked with --wrap see these wrappers: libc, libcriterion and the tools' runtimes do not.
 *
 * Our own counters are shared between threads on purpose; Helgrind is told to ignore them so
 * that its findings are about the code under test.
 */
#define _GNU_SOURCE
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <sched.h>
#include <valgrind/helgrind.h>

#include "tl_test.h"
#include "tl_internal.h"

int __real_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int __real_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t);
int __real_pthread_cond_signal(pthread_cond_t *c);
int __real_pthread_join(pthread_t t, void **ret);
int __real_sem_wait(sem_t *s);
int __real_pthread_mutex_trylock(pthread_mutex_t *m);

enum tl_op { OP_NONE, OP_LOCK, OP_COND_WAIT, OP_COND_TIMEDWAIT, OP_JOIN, OP_SEM_WAIT };
static const char *const op_name[] = {
    "",        "pthread_mutex_lock", "pthread_cond_wait", "pthread_cond_timedwait", "pthread_join",
    "sem_wait"};

#define TL_SLOTS 256
/* One slot per thread (modulo TL_SLOTS), padded so that threads do not share cache lines. */
struct tl_slot {
    _Atomic int op;
    const void *_Atomic obj;
    void *_Atomic caller;
    char pad[64 - sizeof(int) - 2 * sizeof(void *)];
};
static struct tl_slot slots[TL_SLOTS];
static atomic_int next_slot;
static atomic_int noise_flags;
static atomic_int cond_waiters;
static _Atomic uint64_t spurious;
static _Atomic uint64_t lock_calls;

static struct tl_slot *my_slot(void)
{
    static _Thread_local int slot = -1;
    if (slot < 0)
        slot = atomic_fetch_add(&next_slot, 1) % TL_SLOTS;
    return &slots[slot];
}

void tl__wrap_init(void)
{
    VALGRIND_HG_DISABLE_CHECKING(slots, sizeof slots);
    VALGRIND_HG_DISABLE_CHECKING(&cond_waiters, sizeof cond_waiters);
    VALGRIND_HG_DISABLE_CHECKING(&spurious, sizeof spurious);
    VALGRIND_HG_DISABLE_CHECKING(&lock_calls, sizeof lock_calls);
    VALGRIND_HG_DISABLE_CHECKING(&noise_flags, sizeof noise_flags);
    VALGRIND_HG_DISABLE_CHECKING(&next_slot, sizeof next_slot);
}

static void enter(enum tl_op op, const void *obj, void *caller)
{
    struct tl_slot *s = my_slot();
    atomic_store_explicit(&s->obj, obj, memory_order_relaxed);
    atomic_store_explicit(&s->caller, caller, memory_order_relaxed);
    atomic_store_explicit(&s->op, op, memory_order_release);
}

static void leave(void)
{
    atomic_store_explicit(&my_slot()->op, OP_NONE, memory_order_release);
}

static bool chance(int flag, uint32_t one_in)
{
    return (atomic_load_explicit(&noise_flags, memory_order_relaxed) & flag) &&
           tl_rand_below(one_in) == 0;
}

void tl_noise(int flags)
{
    atomic_store(&noise_flags, flags);
}

uint64_t tl_spurious_wakeups(void)
{
    return atomic_load(&spurious);
}

uint64_t tl_lock_calls(void)
{
    return atomic_load_explicit(&lock_calls, memory_order_relaxed);
}

int tl_cond_waiters(void)
{
    return atomic_load(&cond_waiters);
}

int tl_blocked_threads(void)
{
    int n = 0;
    for (int i = 0; i < TL_SLOTS; i++)
        n += atomic_load_explicit(&slots[i].op, memory_order_acquire) != OP_NONE;
    return n;
}

int tl_waiters(void)
{
    int n = 0;
    for (int i = 0; i < TL_SLOTS; i++) {
        int op = atomic_load_explicit(&slots[i].op, memory_order_acquire);
        n += op == OP_COND_WAIT || op == OP_COND_TIMEDWAIT || op == OP_SEM_WAIT;
    }
    return n;
}

bool tl_await_waiters(int n, double timeout_s)
{
    double deadline = tl_now() + timeout_s;
    while (tl_waiters() < n) {
        if (tl_now() > deadline)
            return false;
        tl_sleep_ms(1);
    }
    return true;
}

bool tl_await_cond_waiters(int n, double timeout_s)
{
    double deadline = tl_now() + timeout_s;
    while (tl_cond_waiters() < n) {
        if (tl_now() > deadline)
            return false;
        tl_sleep_ms(1);
    }
    return true;
}

void tl__report_blocked(void)
{
    char line[512], frame[256];
    for (int i = 0; i < TL_SLOTS; i++) {
        int op = atomic_load(&slots[i].op);
        if (op == OP_NONE)
            continue;
        tl__frame(atomic_load(&slots[i].caller), frame, sizeof frame);
        snprintf(line, sizeof line, "%s %p %s", op_name[op], atomic_load(&slots[i].obj), frame);
        tl__report("BLOCKED", line);
    }
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    enter(OP_LOCK, m, __builtin_return_address(0));
    int err = __real_pthread_mutex_lock(m);
    leave();
    if (err == 0)
        atomic_fetch_add_explicit(&lock_calls, 1, memory_order_relaxed);
    return err;
}

/* Wrapped only so that Helgrind's stacks name the call (its own frame for it has no name): an
 * acquisition by trylock never waits, so a lock order whose later acquisition is a trylock
 * cannot deadlock (findings_vgxml.c). The barrier keeps this frame from becoming a tail call. */
int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
    int err = __real_pthread_mutex_trylock(m);
    __asm__ volatile("" ::: "memory");
    return err;
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    int err = __real_pthread_mutex_unlock(m);
    if (chance(TL_NOISE_YIELD, 8)) {
        if (tl_rand_below(4) == 0)
            tl_sleep_ms(0.001 * (1 + tl_rand_below(50)));
        else
            sched_yield();
    }
    return err;
}

/* A spurious wakeup: release and retake the mutex, as a real wakeup would, and return 0. */
static int spurious_wakeup(pthread_mutex_t *m)
{
    atomic_fetch_add(&spurious, 1);
    __real_pthread_mutex_unlock(m);
    sched_yield();
    return __real_pthread_mutex_lock(m);
}

int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (chance(TL_NOISE_SPURIOUS, 3))
        return spurious_wakeup(m);
    enter(OP_COND_WAIT, c, __builtin_return_address(0));
    atomic_fetch_add(&cond_waiters, 1);
    int err = __real_pthread_cond_wait(c, m);
    atomic_fetch_sub(&cond_waiters, 1);
    leave();
    return err;
}

int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
    if (t)
        tl__note_deadline(t);
    if (chance(TL_NOISE_SPURIOUS, 3))
        return spurious_wakeup(m);
    enter(OP_COND_TIMEDWAIT, c, __builtin_return_address(0));
    atomic_fetch_add(&cond_waiters, 1);
    int err = __real_pthread_cond_timedwait(c, m, t);
    atomic_fetch_sub(&cond_waiters, 1);
    leave();
    return err;
}

int __wrap_pthread_cond_signal(pthread_cond_t *c)
{
    if (chance(TL_NOISE_SPURIOUS, 4))
        return pthread_cond_broadcast(c); /* not wrapped: the real one */
    return __real_pthread_cond_signal(c);
}

int __wrap_pthread_join(pthread_t t, void **ret)
{
    enter(OP_JOIN, NULL, __builtin_return_address(0));
    int err = __real_pthread_join(t, ret);
    leave();
    return err;
}

int __wrap_sem_wait(sem_t *s)
{
    enter(OP_SEM_WAIT, s, __builtin_return_address(0));
    int err = __real_sem_wait(s);
    leave();
    return err;
}
