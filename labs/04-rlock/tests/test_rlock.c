/* test_rlock.c - the rlock lab's tests: one TL_TEST per "test" check in lab.conf. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tl_test.h"
#include "scenarios.h"

static void acquire_ok(struct rlock *rl, const char *state)
{
    int err = rl_acquire(rl);
    TL_CHECK(err == 0, "rl_acquire on %s returned %s; it must return 0", state, tl_err_name(err));
}

static void release_ok(struct rlock *rl, const char *state)
{
    int err = rl_release(rl);
    TL_CHECK(err == 0, "rl_release by the owner of %s returned %s; it must return 0", state,
             tl_err_name(err));
}

/* The rlock must be held by the calling thread, depth times. */
static void expect_mine(struct rlock *rl, unsigned long depth, const char *after)
{
    pthread_t owner;
    bool held = rl_owner(rl, &owner);
    TL_CHECK(held && pthread_equal(owner, pthread_self()),
             "after %s, rl_owner said %s; it must name the calling thread", after,
             held ? "another thread holds the rlock" : "nobody holds the rlock");
    unsigned long got = rl_depth(rl);
    TL_CHECK(got == depth, "after %s, rl_depth returned %lu; it must be %lu", after, got, depth);
}

static void expect_free(struct rlock *rl, const char *after)
{
    TL_CHECK(!rl_owner(rl, NULL), "after %s, rl_owner said the rlock is held; it must be free",
             after);
    unsigned long got = rl_depth(rl);
    TL_CHECK(got == 0, "after %s, rl_depth returned %lu; a free rlock has depth 0", after, got);
}

/* Another thread acquires and releases rl: it must get it at once, and own it once. */
static void other_thread_acquires(struct rlock *rl, const char *state)
{
    static struct rlt_call c;
    rlt_call_start(&c, rl, RLT_ACQUIRE, 0);
    TL_CHECK(tl_call_finish(&c.call, 2),
             "rl_acquire from another thread on %s did not return within 2 s; the rlock is free "
             "and must be taken at once",
             state);
    TL_CHECK(c.ret == 0 && c.owned,
             "rl_acquire from another thread on %s returned %s%s; it must return 0 and make that "
             "thread the owner at depth 1",
             state, tl_err_name(c.ret),
             c.ret == 0 && !c.owned ? ", but rl_owner/rl_depth did not show it as the owner" : "");
}

/* Another thread tries to acquire: it must get want at once. */
static void other_thread_tries(struct rlock *rl, int want, const char *state)
{
    static struct rlt_call c;
    rlt_call_start(&c, rl, RLT_TRY, 0);
    TL_CHECK(tl_call_finish(&c.call, 2),
             "rl_try_acquire from another thread on %s did not return "
             "within 2 s; it must never wait",
             state);
    TL_CHECK(c.ret == want,
             "rl_try_acquire from another thread on %s returned %s; it must return "
             "%s",
             state, tl_err_name(c.ret), tl_err_name(want));
}

/* ---- Task 1 and 2: init, acquire, release ------------------------------------------------- */

TL_TEST(rlock, basics)
{
    struct rlock rl;
    rlt_init(&rl);
    expect_free(&rl, "rl_init");
    acquire_ok(&rl, "a free rlock");
    expect_mine(&rl, 1, "rl_acquire on a free rlock");
    release_ok(&rl, "an rlock acquired once");
    expect_free(&rl, "one acquire and one release");
    int err = rl_try_acquire(&rl);
    TL_CHECK(err == 0, "rl_try_acquire on a free rlock returned %s; it must return 0",
             tl_err_name(err));
    expect_mine(&rl, 1, "rl_try_acquire on a free rlock");
    release_ok(&rl, "an rlock acquired once");
    other_thread_acquires(&rl, "an rlock the test acquired and released");
    expect_free(&rl, "another thread acquired and released it");
    rl_destroy(&rl);
}

TL_TEST(rlock, reentrant_depth)
{
    enum { DEPTH = 1000 };
    struct rlock rl;
    char after[64];
    rlt_init(&rl);
    for (unsigned long d = 1; d <= DEPTH; d++) {
        int err = d % 2 ? rl_try_acquire(&rl) : rl_acquire(&rl);
        TL_CHECK(err == 0,
                 "%s by the thread that already holds the rlock (depth %lu) returned %s; the "
                 "owner acquires again at once, without waiting for itself",
                 d % 2 ? "rl_try_acquire" : "rl_acquire", d - 1, tl_err_name(err));
        snprintf(after, sizeof after, "%lu acquires", d);
        expect_mine(&rl, d, after);
    }
    other_thread_tries(&rl, EBUSY, "an rlock the test holds 1000 times");
    for (unsigned long d = DEPTH; d > 1; d--) {
        release_ok(&rl, "an rlock held more than once");
        snprintf(after, sizeof after, "%d acquires and %lu releases", DEPTH, DEPTH - d + 1);
        expect_mine(&rl, d - 1, after);
    }
    other_thread_tries(&rl, EBUSY,
                       "an rlock the test acquired 1000 times and released 999 times (still "
                       "held once)");
    release_ok(&rl, "an rlock held once");
    expect_free(&rl, "1000 acquires and 1000 releases");
    other_thread_acquires(&rl, "an rlock acquired and released 1000 times");
    rl_destroy(&rl);
}

TL_TEST(rlock, release_errors)
{
    struct rlock rl;
    rlt_init(&rl);
    int err = rl_release(&rl);
    TL_CHECK(err == EPERM, "rl_release on a free rlock returned %s; it must return EPERM (%d)",
             tl_err_name(err), EPERM);
    expect_free(&rl, "a failed rl_release on a free rlock");
    acquire_ok(&rl, "a free rlock");
    expect_mine(&rl, 1, "a failed rl_release on a free rlock, then rl_acquire");
    acquire_ok(&rl, "an rlock the caller holds");

    static struct rlt_call c;
    rlt_call_start(&c, &rl, RLT_RELEASE, 0);
    TL_CHECK(tl_call_finish(&c.call, 2),
             "rl_release from a thread that does not hold the rlock did not return within 2 s");
    TL_CHECK(c.ret == EPERM,
             "rl_release from a thread that does not hold the rlock returned %s; it must return "
             "EPERM (%d): only the owner may release",
             tl_err_name(c.ret), EPERM);
    expect_mine(&rl, 2, "another thread's failed rl_release (it must change nothing)");

    release_ok(&rl, "an rlock held twice");
    release_ok(&rl, "an rlock held once");
    err = rl_release(&rl);
    TL_CHECK(err == EPERM,
             "a third rl_release after two acquires returned %s; one release too many must "
             "return EPERM (%d)",
             tl_err_name(err), EPERM);
    expect_free(&rl, "two acquires, two releases and one failed release");
    other_thread_acquires(&rl, "an rlock after one release too many");
    rl_destroy(&rl);
}

TL_TEST(rlock, try_acquire)
{
    struct rlock rl;
    rlt_init(&rl);
    acquire_ok(&rl, "a free rlock");
    other_thread_tries(&rl, EBUSY, "an rlock the test holds");
    expect_mine(&rl, 1, "another thread's failed rl_try_acquire (it must change nothing)");
    int err = rl_try_acquire(&rl);
    TL_CHECK(err == 0, "rl_try_acquire by the owner returned %s; it must return 0 (depth 2)",
             tl_err_name(err));
    expect_mine(&rl, 2, "rl_acquire and rl_try_acquire");
    release_ok(&rl, "an rlock held twice");
    release_ok(&rl, "an rlock held once");
    other_thread_tries(&rl, 0, "a free rlock");
    expect_free(&rl, "another thread's rl_try_acquire and rl_release");
    rl_destroy(&rl);
}

/* ---- Task 3: waiting ---------------------------------------------------------------------- */

TL_TEST(rlock, mutual_exclusion)
{
    rlt_run_counting();
}

TL_TEST(rlock, handoff)
{
    static struct rlt_call calls[2];
    struct rlock rl;
    rlt_init(&rl);
    acquire_ok(&rl, "a free rlock");
    acquire_ok(&rl, "an rlock the caller holds");
    rlt_call_start(&calls[0], &rl, RLT_ACQUIRE, 0);
    tl_await_blocked(1);
    TL_CHECK(!tl_call_returned(&calls[0].call),
             "rl_acquire returned %s at once while another thread held the rlock; it must wait",
             tl_err_name(calls[0].ret));
    release_ok(&rl, "an rlock held twice");
    tl_sleep_ms(tl_bound(50));
    TL_CHECK(!tl_call_returned(&calls[0].call),
             "rl_acquire returned while the test still held the rlock once (it had acquired it "
             "twice and released it once): the rlock is free only when the depth is back to 0");
    release_ok(&rl, "an rlock held once");
    TL_CHECK(tl_call_finish(&calls[0].call, 2),
             "rl_acquire stayed blocked for 2 s after the owner's last rl_release: the final "
             "release must wake a waiting thread (a lost wakeup)");
    TL_CHECK(calls[0].ret == 0 && calls[0].owned,
             "a waiting rl_acquire returned %s after the owner released%s; it must return 0 "
             "and own the rlock once",
             tl_err_name(calls[0].ret), calls[0].ret == 0 ? ", but did not own it" : "");

    /* Two waiters: the release wakes one, whose release wakes the other. */
    acquire_ok(&rl, "a free rlock");
    for (int i = 0; i < 2; i++)
        rlt_call_start(&calls[i], &rl, RLT_ACQUIRE, 0);
    tl_await_blocked(2);
    release_ok(&rl, "an rlock held once");
    int woken = 0;
    for (int i = 0; i < 2; i++)
        woken += tl_call_finish(&calls[i].call, 2) && calls[i].ret == 0 && calls[i].owned;
    TL_CHECK(woken == 2,
             "two threads waited in rl_acquire; after the owner released, only %d of them "
             "acquired (and released) the rlock within 2 s: each release must wake a waiter",
             woken);
    expect_free(&rl, "every thread released it");
    rl_destroy(&rl);
}

TL_TEST(rlock, no_busy_wait)
{
    enum { N = 4 };
    static struct rlt_call calls[N];
    struct rlock rl;
    rlt_init(&rl);
    acquire_ok(&rl, "a free rlock");
    for (int i = 0; i < N; i++)
        rlt_call_start(&calls[i], &rl, RLT_ACQUIRE, 0);
    tl_await_blocked(N);
    const char *problem =
        tl_idle_problem("4 threads waited in rl_acquire", "the rlock is released");
    TL_CHECK(!problem, "%s", problem);
    for (int i = 0; i < N; i++)
        TL_CHECK(!tl_call_returned(&calls[i].call),
                 "rl_acquire returned %s while another thread held the rlock; it must wait",
                 tl_err_name(calls[i].ret));
    release_ok(&rl, "an rlock held once");
    for (int i = 0; i < N; i++)
        TL_CHECK(tl_call_finish(&calls[i].call, 2) && calls[i].ret == 0,
                 "rl_acquire stayed blocked after the owner released, or returned %s",
                 tl_err_name(calls[i].ret));
    rl_destroy(&rl);
}

/* ---- Task 4: spurious wakeups ------------------------------------------------------------- */

TL_TEST(rlock, spurious_wakeups)
{
    enum { ROUNDS = 6, N = 3 };
    static struct rlt_call calls[N];
    struct rlock rl;
    rlt_init(&rl);
    tl_noise(TL_NOISE_SPURIOUS);
    for (int round = 0; round < ROUNDS; round++) {
        acquire_ok(&rl, "a free rlock");
        for (int i = 0; i < N; i++)
            rlt_call_start(&calls[i], &rl, RLT_ACQUIRE, 0);
        tl_await_blocked(N);
        for (int i = 0; i < N; i++)
            TL_CHECK(!tl_call_returned(&calls[i].call),
                     "rl_acquire returned %s while the test held the rlock: after a wakeup (a "
                     "spurious one here) a waiter must check again that the rlock is free and "
                     "go back to sleep if not (while, not if)",
                     tl_err_name(calls[i].ret));
        release_ok(&rl, "an rlock held once");
        for (int i = 0; i < N; i++) {
            TL_CHECK(tl_call_finish(&calls[i].call, 2),
                     "rl_acquire stayed blocked for 2 s after the rlock was released");
            TL_CHECK(calls[i].ret == 0 && calls[i].owned,
                     "rl_acquire returned %s but %s: after a wakeup (a spurious one, or one meant "
                     "for another waiter) a waiter must check again that the rlock is free and "
                     "go back to sleep if not (while, not if)",
                     tl_err_name(calls[i].ret),
                     calls[i].ret == 0 ? "rl_owner/rl_depth did not show it as the only owner"
                                       : "it must return 0");
        }
        expect_free(&rl, "every waiter acquired and released it");
    }
    tl_noise(TL_NOISE_OFF);
    TL_CHECK(tl_spurious_wakeups() > 0 || !tl_waiters_visible(),
             "threads waited in rl_acquire, but the test injected no spurious wakeup, so it "
             "proved nothing (a fault of the test: run it again)");
    rl_destroy(&rl);
}

/* ---- Task 5: try and timed acquire -------------------------------------------------------- */

/* Why a timed acquire came back too soon: a CLOCK_MONOTONIC deadline given to a condition
 * variable on the default CLOCK_REALTIME is decades past. */
static const char *early_why(void)
{
    if (tl_deadline_clock() == CLOCK_MONOTONIC)
        return "the deadline is on CLOCK_MONOTONIC, but the condition variable measures time on "
               "CLOCK_REALTIME (the default), where that moment is decades past: set its clock "
               "with pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) in rl_init";
    return "pass the caller's deadline to pthread_cond_timedwait as it is, and wait in a loop "
           "until it has passed";
}

/* Why a timed acquire did not come back at all. */
static const char *late_why(void)
{
    if (tl_deadline_clock() == -1)
        return " The deadline is already an absolute CLOCK_MONOTONIC time: give it to "
               "pthread_cond_timedwait as it is, do not add the current time to it.";
    if (tl_deadline_clock() == CLOCK_REALTIME)
        return " The deadline given to pthread_cond_timedwait was a CLOCK_REALTIME time: use "
               "the caller's CLOCK_MONOTONIC deadline, on a condition variable set to that clock.";
    return "";
}

TL_TEST(rlock, timed_acquire)
{
    struct rlock rl;
    rlt_init(&rl);
    struct timespec past = rlt_deadline(-1000);
    int err = rl_timed_acquire(&rl, &past);
    TL_CHECK(err == 0,
             "rl_timed_acquire on a free rlock with a deadline already past returned %s; a free "
             "rlock is acquired whatever the deadline",
             tl_err_name(err));
    err = rl_timed_acquire(&rl, &past);
    TL_CHECK(err == 0,
             "rl_timed_acquire by the owner with a deadline already past returned %s; the owner "
             "acquires again at once whatever the deadline",
             tl_err_name(err));
    expect_mine(&rl, 2, "two rl_timed_acquire calls");
    release_ok(&rl, "an rlock held twice");

    /* Timed waits for an rlock the test holds, started 40 ms apart. */
    enum { WAITS = 6 };
    static struct rlt_call calls[WAITS];
    for (int i = 0; i < WAITS; i++) {
        rlt_call_start(&calls[i], &rl, RLT_TIMED, 150);
        tl_sleep_ms(40);
    }
    for (int i = 0; i < WAITS; i++) {
        struct rlt_call *c = &calls[i];
        TL_CHECK(tl_call_finish(&c->call, 1.5),
                 "rl_timed_acquire with a deadline 150 ms away did not return within 1.5 s "
                 "while another thread held the rlock.%s",
                 late_why());
        TL_CHECK(c->ret == ETIMEDOUT,
                 "rl_timed_acquire with a deadline 150 ms away returned %s after %.0f ms while "
                 "another thread held the rlock; it must return ETIMEDOUT (%d)",
                 tl_err_name(c->ret), c->call.seconds * 1000, ETIMEDOUT);
        double deadline = (double)c->deadline.tv_sec + (double)c->deadline.tv_nsec / 1e9;
        TL_CHECK(c->call.end >= deadline - 0.002,
                 "rl_timed_acquire returned ETIMEDOUT %.0f ms before its deadline (%s)",
                 (deadline - c->call.end) * 1000, early_why());
    }
    expect_mine(&rl, 1, "timed acquires by other threads timed out");
    release_ok(&rl, "an rlock held once");
    TL_CHECK(!rl_owner(&rl, NULL),
             "rl_owner says the rlock is held after its owner released it; the only other "
             "threads that wanted it had timed out: a timed-out waiter gave up and must not be "
             "handed the rlock");
    other_thread_acquires(&rl, "an rlock released after every waiter timed out");

    /* A release in time ends the wait. */
    acquire_ok(&rl, "a free rlock");
    rlt_call_start(&calls[0], &rl, RLT_TIMED, 5000);
    tl_await_blocked(1);
    release_ok(&rl, "an rlock held once");
    TL_CHECK(tl_call_finish(&calls[0].call, 1),
             "rl_timed_acquire (deadline 5 s away) did not return within 1 s after the owner "
             "released the rlock: the release must wake it");
    TL_CHECK(calls[0].ret == 0 && calls[0].owned,
             "rl_timed_acquire returned %s after the owner released the rlock; it must return 0 "
             "and own it",
             tl_err_name(calls[0].ret));

    /* Spurious wakeups are neither timeouts nor the rlock. */
    acquire_ok(&rl, "a free rlock");
    tl_noise(TL_NOISE_SPURIOUS);
    for (int i = 0; i < 8; i++) {
        rlt_call_start(&calls[0], &rl, RLT_TIMED, 30);
        TL_CHECK(tl_call_finish(&calls[0].call, 1.5),
                 "rl_timed_acquire (deadline 30 ms away) did not return within 1.5 s under "
                 "spurious wakeups");
        TL_CHECK(calls[0].ret == ETIMEDOUT,
                 "rl_timed_acquire (deadline 30 ms away) returned %s under spurious wakeups "
                 "while another thread held the rlock; it must check again after every wakeup "
                 "and return ETIMEDOUT",
                 tl_err_name(calls[0].ret));
    }
    tl_noise(TL_NOISE_OFF);
    release_ok(&rl, "an rlock held once");
    rl_destroy(&rl);
}

/* ---- Task 6: fairness --------------------------------------------------------------------- */

enum { FAIR_HOGS = 2, FAIR_VICTIM_ROUNDS = 20 };

static struct {
    struct rlock rl;
    pthread_mutex_t lock; /* guards the fields below */
    bool stop;
    int victim_rounds;
    long hog_rounds;
} fair = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Holds the rlock for a moment, then takes it again the moment it released it: a steady
 * stream of acquirers. A waiter woken by the release needs some microseconds to run; the hog
 * needs less than one to come back, so unless the release hands the rlock over to a waiter,
 * the hog wins nearly every time. */
static void *fair_hog(void *arg)
{
    (void)arg;
    for (bool stop = false; !stop;) {
        rl_acquire(&fair.rl);
        tl_sleep_ms(0.1);
        pthread_mutex_lock(&fair.lock);
        fair.hog_rounds++;
        stop = fair.stop;
        pthread_mutex_unlock(&fair.lock);
        rl_release(&fair.rl);
    }
    return NULL;
}

static void *fair_victim(void *arg)
{
    (void)arg;
    for (int i = 0; i < FAIR_VICTIM_ROUNDS; i++) {
        int err = rl_acquire(&fair.rl);
        TL_CHECK(err == 0, "rl_acquire returned %s; it must return 0", tl_err_name(err));
        rl_release(&fair.rl);
        pthread_mutex_lock(&fair.lock);
        fair.victim_rounds++;
        pthread_mutex_unlock(&fair.lock);
    }
    return NULL;
}

static bool victim_done(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&fair.lock);
    bool done = fair.victim_rounds == FAIR_VICTIM_ROUNDS;
    pthread_mutex_unlock(&fair.lock);
    return done;
}

/* The final release hands the rlock to a waiter: the releasing thread, coming straight back,
 * waits its turn. A textbook rlock frees it instead, and the releaser, already running, takes
 * it again before the waiter it signalled has woken up: barging, the way waiters starve. The
 * waiter wins that race now and then, so the test runs it ten times. */
static void no_barging(struct rlock *rl)
{
    static struct rlt_call c;
    for (int round = 0; round < 10; round++) {
        acquire_ok(rl, "a free rlock");
        rlt_call_start(&c, rl, RLT_ACQUIRE, 0);
        tl_await_blocked(1);
        release_ok(rl, "an rlock held once");
        acquire_ok(rl, "an rlock a thread waits for");
        bool waiter_first = rlt_call_order(&c) != 0;
        release_ok(rl, "an rlock held once");
        TL_CHECK(waiter_first,
                 "a thread waited in rl_acquire; the owner released the rlock and at once called "
                 "rl_acquire again, and got the rlock back ahead of the waiter. A thread that "
                 "releases and acquires in a loop can starve every waiter that way. On the final "
                 "release, hand the rlock to the longest waiter (make it the owner) instead of "
                 "freeing it");
        TL_CHECK(tl_call_finish(&c.call, 2) && c.ret == 0 && c.owned,
                 "rl_acquire did not acquire within 2 s after the owner released, or returned %s",
                 tl_err_name(c.ret));
    }
}

/* Waiters get the rlock in the order they began to wait. */
static void first_come_first_served(struct rlock *rl)
{
    enum { N = 3 };
    static struct rlt_call calls[N];
    acquire_ok(rl, "a free rlock");
    for (int i = 0; i < N; i++) {
        rlt_call_start(&calls[i], rl, RLT_ACQUIRE, 0);
        tl_await_blocked(i + 1);
    }
    release_ok(rl, "an rlock held once");
    for (int i = 0; i < N; i++)
        TL_CHECK(tl_call_finish(&calls[i].call, 2) && calls[i].ret == 0,
                 "rl_acquire did not acquire within 2 s after the owner released, or returned %s",
                 tl_err_name(calls[i].ret));
    for (int i = 1; i < N; i++)
        TL_CHECK(calls[i].order > calls[i - 1].order,
                 "three threads began to wait in rl_acquire one after the other; the one that "
                 "came %s got the rlock before the one that came %s: waiters must get it in the "
                 "order they came (a FIFO queue of waiters), or one of them can wait forever",
                 i == 1 ? "second" : "third", i == 1 ? "first" : "second");
}

TL_TEST(rlock, fairness)
{
    struct rlock rl;
    rlt_init(&rl);
    no_barging(&rl);
    first_come_first_served(&rl);
    rl_destroy(&rl);

    pthread_t hogs[FAIR_HOGS], victim;
    rlt_init(&fair.rl);
    for (int i = 0; i < FAIR_HOGS; i++)
        tl_spawn(&hogs[i], fair_hog, NULL);
    tl_sleep_ms(20); /* the hogs are taking turns */
    tl_spawn(&victim, fair_victim, NULL);
    bool done = tl_await(victim_done, NULL, 2);
    pthread_mutex_lock(&fair.lock);
    fair.stop = true;
    int rounds = fair.victim_rounds;
    long hog_rounds = fair.hog_rounds;
    pthread_mutex_unlock(&fair.lock);
    TL_CHECK(done,
             "%d threads acquired and released the rlock in a loop; a third thread that wanted "
             "it %d times got it only %d times in 2 s, while the others took it %ld times: a "
             "waiter starves when a newcomer (here the thread that just released) can take the "
             "rlock before the waiters. Hand the rlock over to a waiter on release",
             FAIR_HOGS, FAIR_VICTIM_ROUNDS, rounds, hog_rounds);
    pthread_join(victim, NULL);
    for (int i = 0; i < FAIR_HOGS; i++)
        pthread_join(hogs[i], NULL);
    rl_destroy(&fair.rl);
}

/* ---- Task 7: the ledger ------------------------------------------------------------------- */

static void expect_balance(struct ledger *l, int i, long want, const char *after)
{
    long got = ledger_balance(l, i);
    TL_CHECK(got == want, "after %s, ledger_balance(%d) returned %ld; it must be %ld", after, i,
             got, want);
}

TL_TEST(rlock, ledger_basics)
{
    static struct ledger l;
    int err = ledger_init(&l, -1);
    TL_CHECK(err == EINVAL, "ledger_init(-1) returned %s; a negative balance must give EINVAL",
             tl_err_name(err));
    err = ledger_init(&l, 100);
    TL_CHECK(err == 0, "ledger_init(100) returned %s; it must return 0", tl_err_name(err));
    for (int i = 0; i < LEDGER_ACCOUNTS; i++)
        expect_balance(&l, i, 100, "ledger_init(100)");
    err = ledger_deposit(&l, 0, 50);
    TL_CHECK(err == 0, "ledger_deposit(0, 50) returned %s", tl_err_name(err));
    err = ledger_withdraw(&l, 1, 30);
    TL_CHECK(err == 0, "ledger_withdraw(1, 30) from 100 returned %s", tl_err_name(err));
    err = ledger_withdraw(&l, 2, 101);
    TL_CHECK(err == ERANGE, "ledger_withdraw(2, 101) from 100 returned %s; it must return ERANGE",
             tl_err_name(err));
    err = ledger_transfer(&l, 0, 3, 150);
    TL_CHECK(err == 0, "ledger_transfer(0, 3, 150) from 150 returned %s; it must return 0",
             tl_err_name(err));
    err = ledger_transfer(&l, 1, 2, 71);
    TL_CHECK(err == ERANGE, "ledger_transfer(1, 2, 71) from 70 returned %s; it must return ERANGE",
             tl_err_name(err));
    const char *after = "deposit(0, 50), withdraw(1, 30), transfer(0, 3, 150) and a refused "
                        "withdraw(2, 101) and transfer(1, 2, 71)";
    long want[LEDGER_ACCOUNTS] = {0, 70, 100, 250};
    for (int i = 0; i < LEDGER_ACCOUNTS; i++)
        expect_balance(&l, i, want[i], after);
    TL_CHECK(ledger_total(&l) == 420, "after %s, ledger_total returned %ld; it must be 420", after,
             ledger_total(&l));

    const struct {
        int from, to;
        long amount;
    } bad[] = {{-1, 1, 5}, {0, LEDGER_ACCOUNTS, 5}, {2, 2, 5}, {2, 3, 0}, {2, 3, -5}};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        err = ledger_transfer(&l, bad[k].from, bad[k].to, bad[k].amount);
        TL_CHECK(err == EINVAL, "ledger_transfer(%d, %d, %ld) returned %s; it must return EINVAL",
                 bad[k].from, bad[k].to, bad[k].amount, tl_err_name(err));
    }
    err = ledger_deposit(&l, LEDGER_ACCOUNTS, 5);
    TL_CHECK(err == EINVAL,
             "ledger_deposit(%d, 5) (no such account) returned %s; it must return "
             "EINVAL",
             LEDGER_ACCOUNTS, tl_err_name(err));
    err = ledger_withdraw(&l, 0, 0);
    TL_CHECK(err == EINVAL, "ledger_withdraw(0, 0) returned %s; it must return EINVAL",
             tl_err_name(err));

    /* The caller may hold the ledger's lock across several calls: they take it again. */
    acquire_ok(&l.lock, "a ledger's lock");
    err = ledger_transfer(&l, 3, 1, 50);
    TL_CHECK(err == 0, "ledger_transfer called by a thread holding the ledger's lock returned %s",
             tl_err_name(err));
    expect_mine(&l.lock, 1, "ledger_transfer, called by the thread holding the ledger's lock");
    static struct rlt_call c;
    rlt_deposit_start(&c, &l);
    tl_await_blocked(1);
    TL_CHECK(!tl_call_returned(&c.call),
             "ledger_deposit from another thread returned while the test held the ledger's "
             "lock (l->lock): every ledger function must hold that rlock");
    release_ok(&l.lock, "a ledger's lock");
    TL_CHECK(tl_call_finish(&c.call, 2) && c.ret == 0,
             "ledger_deposit did not finish within 2 s after the ledger's lock was released, or "
             "returned %s",
             tl_err_name(c.ret));
    expect_balance(&l, 0, 1, "a deposit of 1 into an empty account");
    expect_balance(&l, 1, 120, "a transfer of 50 into an account holding 70");
    ledger_destroy(&l);
}

TL_TEST(rlock, ledger_atomic)
{
    rlt_run_ledger();
}
