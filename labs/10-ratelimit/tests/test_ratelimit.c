/* test_ratelimit.c - the rate-limit lab's tests: one TL_TEST per "test" check in lab.conf. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tl_test.h"
#include "scenarios.h"

/* ---- Task 1: create and destroy ------------------------------------------------------------ */

TL_TEST(ratelimit, create_and_errors)
{
    const struct {
        unsigned limit;
        double window;
        const char *why;
    } bad_sw[] = {{0, 1, "a limit of 0"},
                  {SW_MAX_LIMIT + 1, 1, "a limit above SW_MAX_LIMIT"},
                  {5, 0, "a window of 0 s"},
                  {5, -1, "a negative window"},
                  {5, NAN, "a window that is NaN"},
                  {5, INFINITY, "an infinite window"},
                  {5, SW_MAX_WINDOW_S * 2, "a window above SW_MAX_WINDOW_S"}};
    for (size_t i = 0; i < sizeof bad_sw / sizeof *bad_sw; i++) {
        struct sw_limiter *l = sw_create(bad_sw[i].limit, bad_sw[i].window);
        TL_CHECK(l == NULL, "sw_create(%u, %g) returned a limiter; %s must give NULL",
                 bad_sw[i].limit, bad_sw[i].window, bad_sw[i].why);
    }
    const struct {
        double rate;
        unsigned burst;
        const char *why;
    } bad_tb[] = {{0, 1, "a rate of 0"},
                  {-5, 1, "a negative rate"},
                  {NAN, 1, "a rate that is NaN"},
                  {INFINITY, 1, "an infinite rate"},
                  {TB_MIN_RATE / 2, 1, "a rate below TB_MIN_RATE"},
                  {TB_MAX_RATE * 2, 1, "a rate above TB_MAX_RATE"},
                  {10, 0, "a burst of 0"}};
    for (size_t i = 0; i < sizeof bad_tb / sizeof *bad_tb; i++) {
        struct tb_limiter *b = tb_create(bad_tb[i].rate, bad_tb[i].burst);
        TL_CHECK(b == NULL, "tb_create(%g, %u) returned a bucket; %s must give NULL",
                 bad_tb[i].rate, bad_tb[i].burst, bad_tb[i].why);
    }
    static struct rtt_lim l;
    rtt_sw(&l, 3, 1);
    rtt_destroy(&l);
    rtt_sw(&l, SW_MAX_LIMIT, SW_MAX_WINDOW_S);
    rtt_destroy(&l);
    rtt_tb(&l, 5, 2);
    rtt_destroy(&l);
    rtt_tb(&l, TB_MIN_RATE, 1);
    rtt_destroy(&l);
    rtt_tb(&l, TB_MAX_RATE, 1000);
    rtt_destroy(&l);
}

/* ---- Task 2: the sliding window ------------------------------------------------------------- */

/* One thread calls acquire `calls` times on l, one after the other, recording when each began
 * and returned: the times are exact. The first `free` calls of a new limiter must not wait. */
static void acquire_in_turn(struct rtt_lim *l, unsigned free, int calls, double *start, double *end)
{
    for (int k = 0; k < calls; k++) {
        start[k] = tl_now();
        int err = rtt_do(l, RTT_ACQUIRE, NULL);
        end[k] = tl_now();
        TL_CHECK(err == 0, "%s on %s returned %s; it must return 0", rtt_fn(l, RTT_ACQUIRE),
                 l->what, tl_err_name(err));
        if (k < (int)free)
            TL_CHECK(end[k] - start[k] < tl_bound(0.05),
                     "acquisition %d from a new %s took %.0f ms; the first %u must not wait", k + 1,
                     l->what, (end[k] - start[k]) * 1000, free);
    }
}

/* Call k cannot return before call k - limit began plus a window. */
static void one_thread_window(unsigned limit, double window, int calls)
{
    static struct rtt_lim l;
    rtt_sw(&l, limit, window);
    double start[32], end[32];
    acquire_in_turn(&l, limit, calls, start, end);
    for (int k = (int)limit; k < calls; k++)
        TL_CHECK(end[k] >= start[k - limit] + window - 0.0005,
                 "one thread called sw_acquire on %s again and again: acquisition %d returned "
                 "%.1f ms after acquisition %d began, so %u acquisitions fell within %.1f ms; "
                 "at most %u are allowed in any window of %.0f ms. Admit a new one only when "
                 "the oldest of the last %u is a whole window old (an off-by-one?)",
                 l.what, k + 1, (end[k] - start[k - limit]) * 1000, k + 1 - (int)limit, limit + 1,
                 (end[k] - start[k - limit]) * 1000, limit, window * 1000, limit);
    rtt_destroy(&l);
}

TL_TEST(ratelimit, sw_window_limit)
{
    one_thread_window(1, 0.03, 4);
    one_thread_window(5, 0.06, 13);
    static struct rtt_stream s;
    static struct rtt_lim l;
    rtt_sw(&l, 8, 0.1);
    s = (struct rtt_stream){.lim = &l, .threads = 6, .total = 32};
    rtt_stream_check(&s, 3, false, "6 threads calling sw_acquire");
    rtt_destroy(&l);
}

TL_TEST(ratelimit, sw_throughput)
{
    static struct rtt_stream s;
    static struct rtt_lim l;
    rtt_sw(&l, 20, 0.1);
    s = (struct rtt_stream){.lim = &l, .threads = 4, .total = 100};
    rtt_stream_check(&s, 3, true, "4 threads calling sw_acquire");
    rtt_destroy(&l);
}

/* ---- Task 3: the token bucket --------------------------------------------------------------- */

/* One thread: acquisitions i..j (call i began at start[i], call j returned at end[j]) never
 * exceed burst + rate * (end[j] - start[i]). */
static void one_thread_bucket(double rate, unsigned burst, int calls)
{
    static struct rtt_lim l;
    rtt_tb(&l, rate, burst);
    double start[32], end[32];
    acquire_in_turn(&l, burst, calls, start, end);
    for (int k = 0; k < calls; k++) {
        for (int i = 0; i <= k; i++) {
            double span = end[k] - start[i];
            TL_CHECK(k - i + 1 <= burst + rate * span + 1e-6,
                     "one thread called tb_acquire on %s again and again: acquisitions %d to %d "
                     "(%d of them) took %.1f ms, but a bucket of %u tokens that gains %g a "
                     "second allows at most %.1f in that time: a caller must wait until its token "
                     "has grown",
                     l.what, i + 1, k + 1, k - i + 1, span * 1000, burst, rate,
                     burst + rate * span);
        }
    }
    rtt_destroy(&l);
}

/* After a pause the bucket is full, and no fuller than burst. */
static void idle_then_burst(void)
{
    enum { BURST = 5, TRIES = 12 };
    static struct rtt_lim l;
    rtt_tb(&l, 200, BURST);
    for (int round = 0; round < 5; round++) {
        tl_sleep_ms(100); /* 20 tokens' worth of time: the bucket holds 5 */
        int got = 0;
        double start = tl_now();
        for (int i = 0; i < TRIES; i++) {
            int err = tb_try_acquire(l.tb);
            TL_CHECK(err == 0 || err == EAGAIN,
                     "tb_try_acquire on %s returned %s; it must return 0 or EAGAIN", l.what,
                     tl_err_name(err));
            got += err == 0;
        }
        double took = tl_now() - start;
        if (took > 0.004)
            continue; /* the thread was held up: tokens grew meanwhile; try again */
        TL_CHECK(got <= BURST,
                 "after 100 ms without acquisitions (long enough for 20 tokens), tb_try_acquire "
                 "on %s succeeded %d times in a row within %.1f ms; a bucket holds at most "
                 "burst = %d tokens: tokens that grow while it is full are lost (cap the count at "
                 "burst)",
                 l.what, got, took * 1000, BURST);
        TL_CHECK(got == BURST,
                 "after 100 ms without acquisitions (long enough for 20 tokens), tb_try_acquire "
                 "on %s succeeded only %d times in a row; the bucket had refilled to burst = %d "
                 "tokens",
                 l.what, got, BURST);
        rtt_destroy(&l);
        return;
    }
    TL_CHECK(false, "the test was held up in every round (the machine is overloaded): run it "
                    "again");
}

TL_TEST(ratelimit, tb_rate_limit)
{
    one_thread_bucket(100, 1, 4);
    one_thread_bucket(100, 4, 12);
    idle_then_burst();
    static struct rtt_stream s;
    static struct rtt_lim l;
    rtt_tb(&l, 250, 8);
    s = (struct rtt_stream){.lim = &l, .threads = 6, .total = 80};
    rtt_stream_check(&s, 3, false, "6 threads calling tb_acquire");
    rtt_destroy(&l);
}

TL_TEST(ratelimit, tb_throughput)
{
    static struct rtt_stream s;
    static struct rtt_lim l;
    rtt_tb(&l, 200, 10);
    s = (struct rtt_stream){.lim = &l, .threads = 6, .total = 100};
    rtt_stream_check(&s, 3, true, "6 threads calling tb_acquire");
    rtt_destroy(&l);
}

/* ---- Task 4: try never waits ---------------------------------------------------------------- */

/* A call of op on its own thread, which must return within a second (at once for a try). */
static struct rtt_call *call_returned(struct rtt_lim *l, enum rtt_op op, double deadline_ms,
                                      const char *state)
{
    static struct rtt_call c;
    rtt_call_start(&c, l, op, deadline_ms);
    TL_CHECK(tl_call_finish(&c.call, 1), "%s on %s did not return within 1 s; %s", rtt_fn(l, op),
             state, op == RTT_TRY ? "it must never wait" : "it must return at once");
    TL_CHECK(op != RTT_TRY || c.call.end - c.call.start < tl_bound(0.05),
             "%s on %s took %.0f ms to return %s; it must never wait: return EAGAIN at once "
             "when no acquisition is allowed now",
             rtt_fn(l, op), state, (c.call.end - c.call.start) * 1000, tl_err_name(c.ret));
    return &c;
}

static void expect_ret(struct rtt_lim *l, const struct rtt_call *c, int want, const char *state)
{
    TL_CHECK(c->ret == want, "%s on %s returned %s; it must return %s", rtt_fn(l, c->op), state,
             tl_err_name(c->ret), tl_err_name(want));
}

/* l allows `allowed` acquisitions at once, then the next `window_s` after the first. Whether a
 * try made after those is refused can be told only if it returned within window_s of the first
 * try's start: false if the machine was too slow for that (then the caller tries again). */
static bool try_on(struct rtt_lim *l, unsigned allowed, double window_s)
{
    char state[128];
    double first = 0;
    for (unsigned i = 0; i < allowed; i++) {
        snprintf(state, sizeof state, "a new %s after %u acquisitions", l->what, i);
        const struct rtt_call *c = call_returned(l, RTT_TRY, 0, state);
        first = i == 0 ? c->call.start : first;
        expect_ret(l, c, 0, state);
    }
    snprintf(state, sizeof state, "%s after %u acquisitions (no more allowed now)", l->what,
             allowed);
    for (int k = 0; k < 2; k++) {
        const struct rtt_call *c = call_returned(l, RTT_TRY, 0, state);
        if (c->call.end >= first + window_s)
            return false;
        expect_ret(l, c, EAGAIN, state);
    }
    tl_sleep_ms(window_s * 1000 * 1.25);
    snprintf(state, sizeof state, "%s %.0f ms after its last acquisition (allowed again)", l->what,
             window_s * 1000 * 1.25);
    expect_ret(l, call_returned(l, RTT_TRY, 0, state), 0, state);
    return true;
}

TL_TEST(ratelimit, try_never_waits)
{
    static struct rtt_lim l;
    bool judged = false;
    for (int i = 0; i < 5 && !judged; i++) {
        rtt_sw(&l, 3, 0.08);
        judged = try_on(&l, 3, 0.08);
        rtt_destroy(&l);
    }
    TL_CHECK(judged, "five times, sw_try_acquire's calls took longer than the window of 80 ms: "
                     "the machine is too busy to judge them; grade again");
    judged = false;
    for (int i = 0; i < 5 && !judged; i++) {
        rtt_tb(&l, 12.5, 3); /* a token every 80 ms */
        judged = try_on(&l, 3, 0.08);
        rtt_destroy(&l);
    }
    TL_CHECK(judged, "five times, tb_try_acquire's calls took longer than a token's 80 ms: the "
                     "machine is too busy to judge them; grade again");
}

/* ---- Task 5: timed acquire ------------------------------------------------------------------ */

/* Why a timed acquire came back too soon. */
static const char *early_why(void)
{
    if (tl_deadline_clock() == CLOCK_MONOTONIC)
        return " The deadline is on CLOCK_MONOTONIC, but the condition variable measures time on "
               "CLOCK_REALTIME (the default), where that moment is decades past: set its clock "
               "with pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)";
    return "";
}

/* Why one did not come back in time. */
static const char *late_why(void)
{
    if (tl_deadline_clock() == -1)
        return " The deadline is already an absolute CLOCK_MONOTONIC time: do not add the "
               "current time to it.";
    if (tl_deadline_clock() == CLOCK_REALTIME)
        return " The deadline given to pthread_cond_timedwait was a CLOCK_REALTIME time: use "
               "CLOCK_MONOTONIC, on a condition variable set to that clock.";
    return " Wait until the caller's turn or the deadline, whichever comes first.";
}

/* l allows one acquisition now, and the next one 200 ms later. */
static void timed_on(struct rtt_lim *l)
{
    struct timespec past = rtt_deadline(-1000);
    double before = tl_now();
    int err = rtt_do(l, RTT_TIMED, &past);
    TL_CHECK(err == 0,
             "%s on a new %s with a deadline already past returned %s; an acquisition allowed "
             "now is made whatever the deadline",
             rtt_fn(l, RTT_TIMED), l->what, tl_err_name(err));
    double first = tl_now();
    static struct rtt_call c;
    for (int i = 0; i < 2; i++) {
        rtt_call_start(&c, l, RTT_TIMED, 50);
        TL_CHECK(tl_call_finish(&c.call, 1),
                 "%s with a deadline 50 ms away did not return within 1 s; the next acquisition "
                 "is allowed 200 ms after the previous one.%s",
                 rtt_fn(l, RTT_TIMED), late_why());
        double deadline = (double)c.deadline.tv_sec + (double)c.deadline.tv_nsec / 1e9;
        TL_CHECK(c.ret == ETIMEDOUT,
                 "%s with a deadline 50 ms away returned %s after %.0f ms, when the next "
                 "acquisition was allowed %.0f ms later; it must return ETIMEDOUT.%s",
                 rtt_fn(l, RTT_TIMED), tl_err_name(c.ret), (c.call.end - c.call.start) * 1000,
                 (first + 0.2 - c.call.end) * 1000, c.ret == 0 ? "" : late_why());
        /* Returning at the deadline, if late, or at the next turn (200 ms after the first
         * acquisition, 50 to 150 ms after this deadline) are told apart half-way between: a
         * loaded machine wakes a thread tens of milliseconds late, never that late. */
        double half_way = (first + 0.2 - deadline) / 2;
        TL_CHECK(c.call.end <= deadline + half_way,
                 "%s returned ETIMEDOUT %.0f ms after its deadline; it must return by the "
                 "deadline.%s",
                 rtt_fn(l, RTT_TIMED), (c.call.end - deadline) * 1000, late_why());
    }
    rtt_call_start(&c, l, RTT_TIMED, 1000);
    /* The machine's own lateness, measured beside the caller: this thread sleeps until the next
     * acquisition is allowed, and wakes as late as a loaded machine makes it (87 ms was seen,
     * four checks at once on two CPUs). The caller must get its turn not much later than that. */
    double turn = first + 0.2, wait_ms = (turn - tl_now()) * 1000;
    if (wait_ms > 0)
        tl_sleep_ms(wait_ms);
    double woke = tl_now();
    TL_CHECK(tl_call_finish(&c.call, 1.5),
             "%s with a deadline 1 s away did not return within 1.5 s; the next acquisition was "
             "allowed 200 ms after the previous one.%s",
             rtt_fn(l, RTT_TIMED), late_why());
    TL_CHECK(c.ret == 0,
             "%s with a deadline 1 s away returned %s after %.0f ms; the next acquisition was "
             "allowed %.0f ms after the call began, before its deadline: it must wait for it and "
             "return 0.%s",
             rtt_fn(l, RTT_TIMED), tl_err_name(c.ret), (c.call.end - c.call.start) * 1000,
             (first + 0.2 - c.call.start) * 1000, early_why());
    TL_CHECK(c.call.end >= before + 0.2 - 0.0005,
             "%s returned 0 only %.0f ms after the previous acquisition; %s allows the next one "
             "200 ms later.%s",
             rtt_fn(l, RTT_TIMED), (c.call.end - before) * 1000, l->what, early_why());
    TL_CHECK(c.call.end <= (woke > turn ? woke : turn) + tl_bound(0.05),
             "%s returned 0 %.0f ms after the previous acquisition; %s allows the next one 200 ms "
             "later, and the caller must get it then, not much later (a thread sleeping until "
             "then woke %.0f ms after it)",
             rtt_fn(l, RTT_TIMED), (c.call.end - first) * 1000, l->what, (woke - turn) * 1000);
}

TL_TEST(ratelimit, timed_acquire)
{
    static struct rtt_lim l;
    rtt_sw(&l, 1, 0.2);
    timed_on(&l);
    rtt_destroy(&l);
    rtt_tb(&l, 5, 1);
    timed_on(&l);
    rtt_destroy(&l);
    /* Spurious wakeups are neither turns nor timeouts. */
    tl_noise(TL_NOISE_SPURIOUS);
    rtt_sw(&l, 1, 0.2);
    timed_on(&l);
    rtt_destroy(&l);
    rtt_tb(&l, 5, 1);
    timed_on(&l);
    rtt_destroy(&l);
    tl_noise(TL_NOISE_OFF);
}

/* ---- Task 6: sleep, do not poll ------------------------------------------------------------- */

TL_TEST(ratelimit, no_busy_wait)
{
    enum { N = 3 };
    static struct rtt_call calls[2 * N];
    static struct rtt_lim sw, tb;
    /* Turns 10 to 40 s away: far enough to sleep through, near enough that the support code
     * tells which clock a deadline was read from (tl_deadline_clock). */
    rtt_sw(&sw, N, 40);
    rtt_tb(&tb, 0.1, 1);
    for (int i = 0; i < N; i++)
        TL_CHECK(sw_try_acquire(sw.sw) == 0 && (i > 0 || tb_try_acquire(tb.tb) == 0),
                 "sw_try_acquire or tb_try_acquire on a new limiter did not return 0");
    for (int i = 0; i < N; i++) {
        rtt_call_start(&calls[i], &sw, i == 0 ? RTT_TIMED : RTT_ACQUIRE, 1000000);
        rtt_call_start(&calls[N + i], &tb, i == 0 ? RTT_TIMED : RTT_ACQUIRE, 1000000);
    }
    bool blocked = tl_await_blocked(2 * N);
    struct tl_usage start = tl_usage_now();
    tl_sleep_ms(300);
    struct tl_usage u = tl_usage_since(start);
    for (int i = 0; i < 2 * N; i++)
        TL_CHECK(!tl_call_returned(&calls[i].call),
                 "%s returned %s while no acquisition was allowed for many seconds; it must wait",
                 rtt_fn(calls[i].lim, calls[i].op), tl_err_name(calls[i].ret));
    TL_CHECK(u.cpu_s < 0.15 * u.wall_s,
             "while %d threads waited in sw_acquire, tb_acquire and the timed acquires for "
             "%.2f s (their turns many seconds away), the process used %.2f s of CPU (%.0f%% of "
             "one core): a waiter must sleep in pthread_cond_timedwait until its turn, not "
             "spin.%s",
             2 * N, u.wall_s, u.cpu_s, 100 * u.cpu_s / u.wall_s, early_why());
    TL_CHECK(u.wakeups < 50 && blocked,
             "while %d threads waited in sw_acquire, tb_acquire and the timed acquires for "
             "%.2f s (their turns many seconds away), they woke up %ld times%s: a waiter must "
             "sleep until its turn comes (a timed wait on a condition variable), not poll "
             "(sleep a little and look again)",
             2 * N, u.wall_s, u.wakeups, blocked ? "" : " and never blocked in a wait");
    rtt_close(&sw);
    rtt_close(&tb);
    for (int i = 0; i < 2 * N; i++)
        TL_CHECK(tl_call_finish(&calls[i].call, 1) && calls[i].ret == EPIPE,
                 "%s did not return EPIPE within 1 s after its limiter was closed",
                 rtt_fn(calls[i].lim, calls[i].op));
    rtt_destroy(&sw);
    rtt_destroy(&tb);
}

/* ---- Task 7: spurious wakeups and the wall clock -------------------------------------------- */

TL_TEST(ratelimit, spurious_wakeups)
{
    static struct rtt_stream s;
    static struct rtt_lim l;
    tl_noise(TL_NOISE_SPURIOUS);
    rtt_sw(&l, 5, 0.1);
    s = (struct rtt_stream){.lim = &l, .threads = 6, .total = 20};
    rtt_stream_check(&s, 3, false, "6 threads calling sw_acquire under spurious wakeups");
    rtt_destroy(&l);
    /* Many waiters, so that turns are reserved up to 80 ms ahead: a waiter that goes ahead
     * after a spurious wakeup takes a token many tokens early. */
    rtt_tb(&l, 200, 4);
    s = (struct rtt_stream){.lim = &l, .threads = 16, .total = 60};
    rtt_stream_check(&s, 3, false, "16 threads calling tb_acquire under spurious wakeups");
    rtt_destroy(&l);
    tl_noise(TL_NOISE_OFF);
    /* A limiter that never waits on a condition variable (it polls: other checks say so) has
     * no wakeup to get wrong. */
    TL_CHECK(tl_spurious_wakeups() > 0 || tl_deadline_clock() == -1,
             "threads waited in sw_acquire and tb_acquire, but the test injected no spurious "
             "wakeup, so it proved nothing (a fault of the test: run it again)");
}

TL_TEST(ratelimit, wall_clock_jumps)
{
    static struct rtt_stream s;
    static struct rtt_lim l;
    const char *what = "4 threads calling sw_acquire while the wall clock was set an hour "
                       "forward, then two hours back";
    rtt_sw(&l, 10, 0.1);
    s = (struct rtt_stream){.lim = &l, .threads = 4, .total = 40, .jump = true};
    rtt_stream_check(&s, 2, true, what);
    rtt_destroy(&l);
    what = "4 threads calling tb_acquire while the wall clock was set an hour forward, then two "
           "hours back";
    rtt_tb(&l, 500, 20);
    s = (struct rtt_stream){.lim = &l, .threads = 4, .total = 150, .jump = true};
    rtt_stream_check(&s, 2, true, what);
    rtt_destroy(&l);
}

/* ---- Task 8: close -------------------------------------------------------------------------- */

TL_TEST(ratelimit, close_wakes_all)
{
    tl_scenario("close");
}
