/* tl_wrap.c - the pthread calls every test binary is linked to through -Wl,--wrap.
 *
 * DESIGN: each wrapper records, in the calling thread's slot (tl_threads.c), which blocking call
 * it is in, who called it and which mutexes it holds, so that a hang can be explained and ended
 * early (tl_watch.c) and a timeout can say where every thread was stuck. Threads started through
 * pthread_create run a trampoline that registers them, so that the watchdog knows how many
 * threads are alive, and that checks, when each ends, that it left no lock held.
 * On request (tl_noise) the wrappers also perturb the schedule: a seeded yield or short sleep after
 * an unlock widens race windows; a seeded early return from a condition wait (a spurious wakeup,
 * which POSIX allows) catches `if` where `while` is needed; a seeded broadcast in place of a
 * signal (also allowed) catches code that assumes exactly one waiter wakes. Only the objects
 * linked with --wrap see these wrappers: libc and the tools' runtimes do not.
 *
 * Our own counters are shared between threads on purpose; Helgrind is told to ignore them so
 * that its findings are about the code under test.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>
#include <valgrind/helgrind.h>

#include "tl_test.h"
#include "tl_internal.h"

int __real_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t);
int __real_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);
int __real_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t);
int __real_pthread_cond_signal(pthread_cond_t *c);
int __real_pthread_join(pthread_t t, void **ret);
int __real_pthread_barrier_wait(pthread_barrier_t *b);
int __real_sem_wait(sem_t *s);
int __real_sem_timedwait(sem_t *s, const struct timespec *t);
int __real_clock_nanosleep(clockid_t clock, int flags, const struct timespec *want,
                           struct timespec *left);
int __real_usleep(useconds_t us);
unsigned __real_sleep(unsigned s);
int __real_pthread_mutex_trylock(pthread_mutex_t *m);

static atomic_int noise_flags;
static atomic_int cond_waiters;
static _Atomic uint64_t spurious;
/* Test-controlled thread starts (tl_fail_create, tl_delay_starts, tl_create_calls). */
static atomic_int create_fail_at;
static atomic_long start_delay_us;
static _Atomic uint64_t creates;
static atomic_int live_max; /* the most threads alive at once since tl_live_threads_max */

void tl__noise_init(void)
{
    VALGRIND_HG_DISABLE_CHECKING(&cond_waiters, sizeof cond_waiters);
    VALGRIND_HG_DISABLE_CHECKING(&spurious, sizeof spurious);
    VALGRIND_HG_DISABLE_CHECKING(&noise_flags, sizeof noise_flags);
    VALGRIND_HG_DISABLE_CHECKING(&create_fail_at, sizeof create_fail_at);
    VALGRIND_HG_DISABLE_CHECKING(&start_delay_us, sizeof start_delay_us);
    VALGRIND_HG_DISABLE_CHECKING(&creates, sizeof creates);
    VALGRIND_HG_DISABLE_CHECKING(&live_max, sizeof live_max);
}

static bool chance(int flag, uint32_t one_in)
{
    return (atomic_load_explicit(&noise_flags, memory_order_relaxed) & flag) &&
           tl_rand_below(one_in) == 0;
}

void tl_noise(int flags)
{
    atomic_store_explicit(&noise_flags, flags, memory_order_relaxed);
}

uint64_t tl_spurious_wakeups(void)
{
    return atomic_load_explicit(&spurious, memory_order_relaxed);
}

int tl_cond_waiters(void)
{
    return atomic_load_explicit(&cond_waiters, memory_order_relaxed);
}

int tl_waiters(void)
{
    int n = 0;
    for (int i = 0; i < TL_SLOTS; i++) {
        if (!atomic_load_explicit(&tl__slots[i].used, memory_order_relaxed))
            continue;
        int op = atomic_load_explicit(&tl__slots[i].op, memory_order_relaxed);
        n += op == OP_COND_WAIT || op == OP_COND_TIMEDWAIT || op == OP_SEM_WAIT ||
             op == OP_SEM_TIMEDWAIT;
    }
    return n;
}

/* Whether a wait that gives up at tl_now() time give_up waits in vain: no thread can change
 * anything before then (each is blocked, or in a timed wait that ends later) and none has for
 * quiet_s. A wait the hang watchdog counts as blocked (tl_await) also needs one of them in such
 * a timed wait: where none is, the watchdog ends the run with a diagnosis, and must not be
 * pre-empted. */
struct vain {
    double since;
    unsigned long sum;
};
static bool in_vain(struct vain *v, double give_up, double quiet_s, bool need_timed)
{
    unsigned long sum;
    int n = tl__blocked_until(give_up, &sum);
    double now = tl_now();
    if (n < (need_timed ? 1 : 0) || (v->since > 0 && sum != v->sum)) {
        v->since = 0;
        if (n >= (need_timed ? 1 : 0))
            v->since = now;
        v->sum = sum;
        return false;
    }
    if (v->since == 0)
        v->since = now, v->sum = sum;
    return now - v->since >= quiet_s;
}

/* How long nothing must move before a wait is in vain: a quarter of a second, a second under
 * Valgrind, which runs one thread at a time. */
static double vain_quiet_s(void)
{
    return tl_under_valgrind() ? 1.0 : 0.25;
}

/* Wait until count() reaches n; false after timeout_s, or as soon as a thread that should be
 * waiting is seen polling instead (tl_poll.c): a busy-waiting or sleep-polling design never
 * blocks, and waiting out the timeout for it cost seconds per test and minutes per detector run.
 * Not tl_await: it may expire for a correct design (one that blocks some other way), so the
 * watchdog must not see it as blocked. It gives up early, too, once every other thread is
 * blocked and nothing has moved (a put let through that should have waited, three waiters of
 * four): the count cannot change before the timeout, and what the test does next is what it
 * would have done then, seconds later (and under each detector, skipped: see tl_await). */
static bool await_count(int (*count)(void), int n, double timeout_s)
{
    double deadline = tl_now() + timeout_s, next_look = 0;
    struct vain early = {0};
    struct tl_poll *poll = tl__poll_new();
    bool reached, stuck = false;
    while (!(reached = count() >= n) && tl_now() <= deadline && !(poll && tl__poll_sample(poll))) {
        if (tl_now() >= next_look) {
            next_look = tl_now() + 0.05;
            if ((stuck = in_vain(&early, deadline, vain_quiet_s(), false)))
                break;
        }
        tl_sleep_ms(1);
    }
    tl__poll_free(poll);
    reached = reached || count() >= n;
    if (!reached && stuck)
        tl__report("STUCK", "");
    return reached;
}

bool tl_await_waiters(int n, double timeout_s)
{
    return await_count(tl_waiters, n, timeout_s);
}

bool tl_await_cond_waiters(int n, double timeout_s)
{
    return await_count(tl_cond_waiters, n, timeout_s);
}

/* Polls done(arg) every poll_ms until it holds or timeout_s has passed, counted as blocked by
 * the hang watchdog meanwhile (OP_AWAIT, at the test's call site).
 * A wait for threads that sleep in timed waits ending long after it (a lost wakeup where the
 * waiter's deadline is a minute away) gives up as soon as nothing has moved for a quarter of a
 * second (a second under Valgrind): nothing can before it would have given up. Either way, a
 * wait that gave up on such a run reports STUCK: the test is about to fail on what never came,
 * and its scenario would fail the same way, only slower, under each detector (grader/grade.c
 * skips them). */
static bool await_polled(bool (*done)(void *), void *arg, double timeout_s, double poll_ms,
                         void *caller)
{
    double deadline = tl_now() + timeout_s, next_look = 0;
    double quiet_s = vain_quiet_s();
    struct vain early = {0};
    bool ok, stuck = false;
    tl__enter_until(OP_AWAIT, NULL, NULL, caller, deadline);
    tl__await(true);
    while (!(ok = done(arg)) && tl_now() < deadline) {
        if (tl_now() >= next_look) {
            next_look = tl_now() + 0.05;
            if ((stuck = in_vain(&early, deadline, quiet_s, true)))
                break;
        }
        tl_sleep_ms(poll_ms);
    }
    if (!ok && !stuck && !(ok = done(arg))) { /* gave up: was it in vain? a second look */
        unsigned long first, second;
        stuck = tl__blocked_until(deadline, &first) >= 0;
        tl_sleep_ms(tl_under_valgrind() ? 200 : 50);
        stuck = stuck && tl__blocked_until(deadline, &second) >= 0 && second == first;
    }
    tl__await(false);
    tl__leave();
    ok = ok || done(arg);
    if (!ok && stuck)
        tl__report("STUCK", "");
    return ok;
}

bool tl_await(bool (*done)(void *), void *arg, double timeout_s)
{
    return await_polled(done, arg, timeout_s, 0.5, __builtin_return_address(0));
}

void tl_flag_init(tl_flag *f)
{
    atomic_init(&f->value, 0);
    VALGRIND_HG_DISABLE_CHECKING(&f->value, sizeof f->value);
}

void tl_flag_raise(tl_flag *f, int value)
{
    atomic_store_explicit(&f->value, value, memory_order_relaxed);
}

struct flag_wait {
    tl_flag *flag;
    int value;
};

static bool flag_reached(void *arg)
{
    struct flag_wait *w = arg;
    return atomic_load_explicit(&w->flag->value, memory_order_relaxed) >= w->value;
}

/* Polled more often than tl_await: a handshake may take a few rounds per scenario. */
bool tl_flag_await(tl_flag *f, int value, double timeout_s)
{
    struct flag_wait w = {f, value};
    return await_polled(flag_reached, &w, timeout_s, 0.05, __builtin_return_address(0));
}

int __wrap_pthread_mutex_lock(pthread_mutex_t *m)
{
    void *site = __builtin_return_address(0);
    tl__stub_call(site, false);
    tl__enter(OP_LOCK, m, NULL, site);
    int err = __real_pthread_mutex_lock(m);
    tl__leave();
    if (err == 0)
        tl__held_add(m, site);
    return err;
}

int __wrap_pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *t)
{
    int err = __real_pthread_mutex_timedlock(m, t);
    if (err == 0)
        tl__held_add(m, __builtin_return_address(0));
    return err;
}

/* Also so that Helgrind's stacks name the call (its own frame for it has no name): an
 * acquisition by trylock never waits, so a lock order whose later acquisition is a trylock
 * cannot deadlock (findings_vgxml.c). The work after the call keeps this frame from becoming a
 * tail call. */
int __wrap_pthread_mutex_trylock(pthread_mutex_t *m)
{
    int err = __real_pthread_mutex_trylock(m);
    __asm__ volatile("" ::: "memory");
    tl__stub_call(__builtin_return_address(0), false);
    if (err == 0)
        tl__held_add(m, __builtin_return_address(0));
    return err;
}

int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    tl__stub_call(__builtin_return_address(0), false);
    tl__held_remove(m);
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
    atomic_fetch_add_explicit(&spurious, 1, memory_order_relaxed);
    __real_pthread_mutex_unlock(m);
    sched_yield();
    return __real_pthread_mutex_lock(m);
}

int __wrap_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (chance(TL_NOISE_SPURIOUS, 3))
        return spurious_wakeup(m);
    tl__enter(OP_COND_WAIT, c, m, __builtin_return_address(0));
    atomic_fetch_add_explicit(&cond_waiters, 1, memory_order_relaxed);
    int err = __real_pthread_cond_wait(c, m);
    atomic_fetch_sub_explicit(&cond_waiters, 1, memory_order_relaxed);
    tl__leave();
    return err;
}

int __wrap_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
    if (t)
        tl__note_deadline(t);
    if (chance(TL_NOISE_SPURIOUS, 3))
        return spurious_wakeup(m);
    tl__enter_until(OP_COND_TIMEDWAIT, c, m, __builtin_return_address(0),
                    t ? tl__deadline_at(t) : 0);
    atomic_fetch_add_explicit(&cond_waiters, 1, memory_order_relaxed);
    int err = __real_pthread_cond_timedwait(c, m, t);
    atomic_fetch_sub_explicit(&cond_waiters, 1, memory_order_relaxed);
    tl__leave();
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
    tl__unobserve(t); /* the joiner now waits for it: it counts again */
    tl__enter(OP_JOIN, (const void *)t, NULL, __builtin_return_address(0));
    int err = __real_pthread_join(t, ret);
    tl__leave();
    return err;
}

int __wrap_pthread_barrier_wait(pthread_barrier_t *b)
{
    tl__enter(OP_BARRIER, b, NULL, __builtin_return_address(0));
    int err = __real_pthread_barrier_wait(b);
    tl__leave();
    return err;
}

int __wrap_sem_wait(sem_t *s)
{
    tl__enter(OP_SEM_WAIT, s, NULL, __builtin_return_address(0));
    int err = __real_sem_wait(s);
    tl__leave();
    return err;
}

int __wrap_sem_timedwait(sem_t *s, const struct timespec *t)
{
    tl__enter_until(OP_SEM_TIMEDWAIT, s, NULL, __builtin_return_address(0),
                    t ? tl__deadline_at(t) : 0);
    int err = __real_sem_timedwait(s, t);
    tl__leave();
    return err;
}

/* Sleeps are wrapped only to be counted: a loop that sleeps between looks polls (tl_poll.c). */
int __wrap_nanosleep(const struct timespec *want, struct timespec *left)
{
    tl__stub_call(__builtin_return_address(0), true);
    return __real_nanosleep(want, left);
}

int __wrap_clock_nanosleep(clockid_t clock, int flags, const struct timespec *want,
                           struct timespec *left)
{
    tl__stub_call(__builtin_return_address(0), true);
    return __real_clock_nanosleep(clock, flags, want, left);
}

int __wrap_usleep(useconds_t us)
{
    tl__stub_call(__builtin_return_address(0), true);
    return __real_usleep(us);
}

unsigned __wrap_sleep(unsigned s)
{
    tl__stub_call(__builtin_return_address(0), true);
    return __real_sleep(s);
}

/* ---- Threads: every start registered, every end checked -------------------------------- */

/* Test-controlled starts (tl_fail_create, tl_delay_starts): a seeded failure of the k-th create
 * exercises the code's error path, a delayed start shows what a thread reads after its creator
 * moved on. */
void tl_fail_create(int k)
{
    atomic_store(&create_fail_at, k > 0 ? k : 0);
}

void tl_delay_starts(double ms)
{
    atomic_store(&start_delay_us, ms > 0 ? (long)(ms * 1000) : 0);
}

uint64_t tl_create_calls(void)
{
    return atomic_load(&creates);
}

int tl_live_threads(void)
{
    return atomic_load_explicit(&tl__live, memory_order_relaxed);
}

int tl_live_threads_max(void)
{
    return atomic_exchange(&live_max, tl_live_threads());
}

/* A thread is about to start: live is the count with it. */
static void note_live(int live)
{
    int max = atomic_load(&live_max);
    while (live > max && !atomic_compare_exchange_weak(&live_max, &max, live))
        ;
}

/* Count this call towards tl_fail_create; true if it is the one that must fail. */
static bool create_must_fail(void)
{
    int k = atomic_load(&create_fail_at);
    while (k > 0 && !atomic_compare_exchange_weak(&create_fail_at, &k, k - 1))
        ;
    return k == 1;
}

struct start {
    void *(*fn)(void *);
    void *arg;
    void *site;
};

static void thread_end(void *fn)
{
    tl__check_nothing_held(fn, "exited");
    tl__unregister_thread();
    atomic_fetch_sub_explicit(&tl__live, 1, memory_order_relaxed);
}

static void *trampoline(void *p)
{
    struct start st = *(struct start *)p;
    free(p);
    tl__register_thread((void *)st.fn, st.site);
    long delay_us = atomic_load(&start_delay_us);
    if (delay_us > 0)
        tl_sleep_ms(delay_us / 1000.0);
    void *ret;
    pthread_cleanup_push(thread_end, (void *)st.fn);
    ret = st.fn(st.arg);
    pthread_cleanup_pop(1);
    return ret;
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    if (create_must_fail())
        return EAGAIN; /* as when the system is out of threads: nothing started */
    struct start *st = malloc(sizeof *st);
    if (!st)
        return EAGAIN;
    *st = (struct start){fn, arg, __builtin_return_address(0)};
    note_live(atomic_fetch_add_explicit(&tl__live, 1, memory_order_relaxed) + 1);
    int err = __real_pthread_create(t, attr, trampoline, st);
    if (err) {
        atomic_fetch_sub_explicit(&tl__live, 1, memory_order_relaxed);
        free(st);
    } else {
        atomic_fetch_add(&creates, 1);
    }
    return err;
}
