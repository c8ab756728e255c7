/* scenarios.c - the rate-limit lab's harness and concurrency scenarios, shared by the tests and
 * the driver. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_test.h"
#include "scenarios.h"

static pthread_mutex_t harness_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---- Either limiter ----------------------------------------------------------------------- */

void rtt_sw(struct rtt_lim *l, unsigned limit, double window_s)
{
    memset(l, 0, sizeof *l);
    l->limit = limit;
    l->window = window_s;
    snprintf(l->what, sizeof l->what, "sw_create(%u, %.3f)", limit, window_s);
    l->sw = sw_create(limit, window_s);
    TL_CHECK(l->sw, "%s returned NULL; it must return a new limiter", l->what);
}

void rtt_tb(struct rtt_lim *l, double rate, unsigned burst)
{
    memset(l, 0, sizeof *l);
    l->rate = rate;
    l->burst = burst;
    snprintf(l->what, sizeof l->what, "tb_create(%g, %u)", rate, burst);
    l->tb = tb_create(rate, burst);
    TL_CHECK(l->tb, "%s returned NULL; it must return a new, full bucket", l->what);
}

void rtt_destroy(struct rtt_lim *l)
{
    if (l->sw)
        sw_destroy(l->sw);
    else
        tb_destroy(l->tb);
}

int rtt_do(struct rtt_lim *l, enum rtt_op op, const struct timespec *deadline)
{
    switch (op) {
    case RTT_TRY:
        return l->sw ? sw_try_acquire(l->sw) : tb_try_acquire(l->tb);
    case RTT_TIMED:
        return l->sw ? sw_timed_acquire(l->sw, deadline) : tb_timed_acquire(l->tb, deadline);
    default:
        return l->sw ? sw_acquire(l->sw) : tb_acquire(l->tb);
    }
}

const char *rtt_fn(const struct rtt_lim *l, enum rtt_op op)
{
    static const char *const sw[] = {"sw_acquire", "sw_try_acquire", "sw_timed_acquire"};
    static const char *const tb[] = {"tb_acquire", "tb_try_acquire", "tb_timed_acquire"};
    return l->sw ? sw[op] : tb[op];
}

int rtt_close(struct rtt_lim *l)
{
    return l->sw ? sw_close(l->sw) : tb_close(l->tb);
}

struct timespec rtt_deadline(double ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long ns = (long long)t.tv_nsec + (long long)(ms * 1e6);
    long long sec = ns / 1000000000, rem = ns % 1000000000;
    if (rem < 0)
        rem += 1000000000, sec--;
    t.tv_sec += (time_t)sec;
    t.tv_nsec = (long)rem;
    return t;
}

/* ---- One call on its own thread ----------------------------------------------------------- */

static void run_call(struct tl_call *call)
{
    struct rtt_call *c = (struct rtt_call *)call;
    c->ret = rtt_do(c->lim, c->op, &c->deadline);
}

void rtt_call_start(struct rtt_call *c, struct rtt_lim *l, enum rtt_op op, double deadline_ms)
{
    *c = (struct rtt_call){.lim = l, .op = op, .deadline = rtt_deadline(deadline_ms)};
    tl_call_start(&c->call, run_call);
}

/* ---- Streams ------------------------------------------------------------------------------ */

struct stream_run {
    struct rtt_stream *s;
    int issued, returned; /* under harness_lock */
};

static void *stream_worker(void *arg)
{
    struct stream_run *r = arg;
    struct rtt_stream *s = r->s;
    for (;;) {
        pthread_mutex_lock(&harness_lock);
        int k = r->issued < s->total ? r->issued++ : -1;
        if (k == 0)
            s->first_call = tl_now(); /* the limiter's schedule starts here */
        pthread_mutex_unlock(&harness_lock);
        if (k < 0)
            break;
        /* Mixed: a try or a short timed acquire first; when it fails, a blocking acquire (a
         * short deadline, so that the test never spins itself). */
        enum rtt_op op = s->mixed ? (enum rtt_op)(k % 3) : RTT_ACQUIRE;
        struct timespec deadline = rtt_deadline(tl_rand_below(10));
        int ret = rtt_do(s->lim, op, &deadline);
        if ((op == RTT_TRY && ret == EAGAIN) || (op == RTT_TIMED && ret == ETIMEDOUT)) {
            op = RTT_ACQUIRE;
            ret = rtt_do(s->lim, op, NULL);
        }
        double end = tl_now();
        pthread_mutex_lock(&harness_lock);
        if (ret == 0 && s->n < RTT_MAX_STAMPS)
            s->stamp[s->n++] = end;
        else if (ret != 0 && s->bad_ret == 0)
            s->bad_ret = ret, s->bad_op = op;
        r->returned++;
        pthread_mutex_unlock(&harness_lock);
    }
    return NULL;
}

struct reached {
    struct stream_run *r;
    int n;
};

static bool stream_reached(void *arg)
{
    struct reached *w = arg;
    pthread_mutex_lock(&harness_lock);
    bool done = w->r->returned >= w->n;
    pthread_mutex_unlock(&harness_lock);
    return done;
}

static int by_time(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define RTT_MAX_THREADS 16

void rtt_stream_run(struct rtt_stream *s, double bound)
{
    static struct stream_run r; /* the workers keep a pointer: never on the stack */
    r = (struct stream_run){.s = s};
    pthread_t threads[RTT_MAX_THREADS];
    s->n = 0;
    s->bad_ret = 0;
    s->begin = tl_now();
    for (int i = 0; i < s->threads && i < RTT_MAX_THREADS; i++)
        tl_spawn(&threads[i], stream_worker, &r);
    double deadline = s->begin + tl_bound(bound);
    const char *moment = "";
    if (s->jump) {
        struct reached third = {&r, s->total / 3}, two_thirds = {&r, 2 * s->total / 3};
        if (tl_await(stream_reached, &third, deadline - tl_now())) {
            tl_wall_clock_jump(3600);
            moment = " after the wall clock (CLOCK_REALTIME) was set an hour forward";
            if (tl_await(stream_reached, &two_thirds, deadline - tl_now())) {
                tl_wall_clock_jump(-7200);
                moment = " after the wall clock (CLOCK_REALTIME) was set two hours back";
            }
        }
    }
    struct reached all = {&r, s->total};
    s->finished = tl_await(stream_reached, &all, deadline - tl_now());
    if (s->jump)
        tl_wall_clock_jump(3600); /* back to the true time */
    pthread_mutex_lock(&harness_lock);
    int returned = r.returned;
    pthread_mutex_unlock(&harness_lock);
    uint64_t reads = tl_wall_clock_reads();
    TL_CHECK(s->finished,
             "%d threads made %d acquisitions from %s; only %d returned within %.1f s%s, where "
             "the limit allows them all in %.2f s.%s",
             s->threads, s->total, s->lim->what, returned, tl_bound(bound), moment,
             s->lim->sw
                 ? ((s->total + (int)s->lim->limit - 1) / (int)s->lim->limit - 1) * s->lim->window
                 : (s->total - (int)s->lim->burst) / s->lim->rate,
             reads ? " Your code read the wall clock (clock_gettime(CLOCK_REALTIME), time or "
                     "gettimeofday), which jumps when it is set: measure time and deadlines on "
                     "CLOCK_MONOTONIC, with the condition variable's clock set to it "
                     "(pthread_condattr_setclock)."
                   : " Does a waiter sleep until its turn and then take it?");
    for (int i = 0; i < s->threads && i < RTT_MAX_THREADS; i++)
        pthread_join(threads[i], NULL);
    TL_CHECK(s->bad_ret == 0, "%s on %s (open) returned %s; it must return %s",
             rtt_fn(s->lim, s->bad_op), s->lim->what, tl_err_name(s->bad_ret),
             s->bad_op == RTT_ACQUIRE ? "0: it waits until it may go"
             : s->bad_op == RTT_TRY   ? "0 or EAGAIN"
                                      : "0 or ETIMEDOUT");
    qsort(s->stamp, (size_t)s->n, sizeof *s->stamp, by_time);
}

/* Why a limit was broken, when the test knows more. */
static const char *limit_hint(const struct rtt_stream *s)
{
    if (s->jump && tl_wall_clock_reads())
        return " The wall clock was set an hour forward during the run, and your code read it "
               "(clock_gettime(CLOCK_REALTIME), time or gettimeofday): measure time on "
               "CLOCK_MONOTONIC, which never jumps.";
    if (tl_spurious_wakeups())
        return " Condition waits returned spuriously in this run: after every wakeup, check "
               "again that the caller's turn has come (a while loop, not an if).";
    return "";
}

/* Whether the returns kept the limit; if not, says how in why. */
static bool limit_ok(const struct rtt_stream *s, const char *context, char *why, size_t len)
{
    const struct rtt_lim *l = s->lim;
    if (l->sw) {
        /* Any limit + 1 consecutive returns must span a window. */
        int worst = -1;
        for (int i = 0; i + (int)l->limit < s->n; i++)
            if (worst < 0 ||
                s->stamp[i + l->limit] - s->stamp[i] < s->stamp[worst + l->limit] - s->stamp[worst])
                worst = i;
        if (worst < 0)
            return true;
        double span = s->stamp[worst + l->limit] - s->stamp[worst];
        if (span >= l->window * (1 - RTT_SW_SLACK))
            return true;
        snprintf(why, len,
                 "%s: %u acquisitions from %s returned within %.1f ms (%.0f ms into the run); it "
                 "admits at most %u in any window of %.0f ms: wait until the oldest of the last "
                 "%u is a whole window old.%s",
                 context, l->limit + 1, l->what, span * 1000, (s->stamp[worst] - s->begin) * 1000,
                 l->limit, l->window * 1000, l->limit, limit_hint(s));
        return false;
    }
    /* Any k consecutive returns within T seconds: k <= burst + rate * T. The span of the first
     * ones starts at the first call, not at the first return: every acquisition came after it,
     * and a stall of the whole process at the start would make all the first returns late. */
    int wi = 0, wj = -1;
    double worst = 0;
    for (int i = 0; i < s->n; i++)
        for (int j = i + (int)l->burst; j < s->n; j++) {
            double from = i == 0 ? s->first_call : s->stamp[i];
            double excess =
                (j - i + 1) - (l->burst + l->rate * (s->stamp[j] - from + RTT_TB_SLACK));
            if (excess > worst)
                worst = excess, wi = i, wj = j;
        }
    if (wj < 0)
        return true;
    double span = s->stamp[wj] - s->stamp[wi];
    snprintf(why, len,
             "%s: %d acquisitions from %s returned within %.1f ms (%.0f ms into the run); a "
             "bucket of %u tokens that gains %g a second allows at most %.1f in that time "
             "(burst + rate * time): a caller must wait until its token has grown.%s",
             context, wj - wi + 1, l->what, span * 1000, (s->stamp[wi] - s->begin) * 1000, l->burst,
             l->rate, l->burst + l->rate * span, limit_hint(s));
    return false;
}

/* Whether the threads got at least 95% of what the limit allows; if not, says so in why. */
static bool throughput_ok(const struct rtt_stream *s, const char *context, char *why, size_t len)
{
    const struct rtt_lim *l = s->lim;
    /* The rate up to the return of the n-th acquisition, from the first call: not the last
     * return, which one thread woken late on a loaded machine could hold up alone. */
    int n = s->n - (l->sw ? (int)l->limit : s->threads);
    if (n <= 0)
        return true;
    double t = s->stamp[n - 1] - s->first_call;
    double allowed = l->sw ? l->limit + l->limit * t / l->window : l->burst + l->rate * t;
    if (n >= 0.95 * allowed)
        return true;
    double ideal = l->sw ? ((n + (int)l->limit - 1) / (int)l->limit - 1) * l->window
                         : (n - (double)l->burst) / l->rate;
    snprintf(why, len,
             "%s: %d threads made %d acquisitions from %s; the first %d of them took %.0f ms, "
             "where the limit allows them in %.0f ms: %.0f%% of the allowed rate; it must reach "
             "95%%. A waiter must wake at the moment its turn comes (a timed wait on "
             "CLOCK_MONOTONIC until then), not later, and a turn nobody took must not be lost.",
             context, s->threads, s->n, l->what, n, t * 1000, ideal * 1000, 100 * n / allowed);
    return false;
}

void rtt_stream_check(struct rtt_stream *s, double bound, bool throughput, const char *context)
{
    static char why[1024];
    for (int run = 1;; run++) {
        rtt_stream_run(s, bound);
        if (limit_ok(s, context, why, sizeof why) &&
            (!throughput || throughput_ok(s, context, why, sizeof why)))
            return;
        TL_CHECK(run < 2, "%s (A second run, on a new limiter, broke it too.)", why);
        struct rtt_lim *l = s->lim;
        rtt_destroy(l);
        if (l->sw)
            rtt_sw(l, l->limit, l->window);
        else
            rtt_tb(l, l->rate, l->burst);
    }
}

/* ---- Detector scenarios ------------------------------------------------------------------- */

/* Short-lived limiters: what create allocates, destroy must free (several, so that a leak shows
 * even if a stale register still points at one block). */
static void lifecycles(void)
{
    for (int i = 0; i < 4; i++) {
        struct rtt_lim sw, tb;
        rtt_sw(&sw, 1 + i, 0.01);
        rtt_tb(&tb, 100, 1 + i);
        for (int k = 0; k < 2; k++) {
            rtt_do(&sw, RTT_TRY, NULL);
            rtt_do(&tb, RTT_TRY, NULL);
        }
        rtt_destroy(&sw);
        rtt_destroy(&tb);
    }
}

/* Whether a read outside the limiter's mutex meets another thread's update depends on the
 * schedule (Helgrind runs one thread at a time). So first, a handshake the detectors cannot see
 * (a tl_flag): a writer thread calls try_acquire (which updates the state under the mutex), then
 * raises a flag, which the scenario's thread awaits before it calls try_acquire itself, without
 * having locked that mutex since. If that call reads the state before it locks the mutex, the
 * read and the writer's update are unordered on every run; if it locks first, the mutex orders
 * them. */
enum { HS_ROUNDS = 3 };
static tl_flag hs_written, hs_read;

/* Waits until round r, or gives up after a while (the call may be stuck: the tests say so). */
static bool await_round(tl_flag *round, int r)
{
    return tl_flag_await(round, r, tl_bound(5));
}

static void *hs_writer(void *arg)
{
    for (int r = 1; r <= HS_ROUNDS; r++) {
        rtt_do(arg, RTT_TRY, NULL);
        tl_flag_raise(&hs_written, r);
        if (!await_round(&hs_read, r))
            break;
    }
    return NULL;
}

static void handshake(struct rtt_lim *l)
{
    tl_flag_init(&hs_written);
    tl_flag_init(&hs_read);
    pthread_t writer;
    tl_spawn(&writer, hs_writer, l);
    for (int r = 1; r <= HS_ROUNDS && await_round(&hs_written, r); r++) {
        rtt_do(l, RTT_TRY, NULL);
        tl_flag_raise(&hs_read, r);
    }
    pthread_join(writer, NULL);
}

void rtt_scn_stress(void)
{
    bool detector = strcmp(tl_tool(), "plain") != 0;
    lifecycles();
    static struct rtt_stream s;
    static struct rtt_lim sw, tb;
    rtt_sw(&sw, 4, 0.02);
    handshake(&sw);
    s = (struct rtt_stream){.lim = &sw, .threads = 3, .total = (int)tl_scaled(96, 12), .mixed = 1};
    /* Under a detector, slowness would show as late returns, not as a broken limit. */
    if (detector)
        rtt_stream_run(&s, 5);
    else
        rtt_stream_check(&s, 5, false,
                         "threads calling sw_acquire, sw_try_acquire and sw_timed_acquire");
    rtt_close(&sw);
    rtt_destroy(&sw);
    rtt_tb(&tb, 400, 4);
    handshake(&tb);
    s = (struct rtt_stream){.lim = &tb, .threads = 3, .total = (int)tl_scaled(96, 12), .mixed = 1};
    if (detector)
        rtt_stream_run(&s, 5);
    else
        rtt_stream_check(&s, 5, false,
                         "threads calling tb_acquire, tb_try_acquire and tb_timed_acquire");
    rtt_close(&tb);
    rtt_destroy(&tb);
}

/* Every kind of waiter on l, which admits no one for a long time: close must wake each. */
static void close_wakes(struct rtt_lim *l)
{
    enum { WAITERS = 3 };
    static struct rtt_call calls[WAITERS];
    int err = rtt_do(l, RTT_TRY, NULL);
    TL_CHECK(err == 0, "%s on a new %s returned %s; it must return 0", rtt_fn(l, RTT_TRY), l->what,
             tl_err_name(err));
    for (int i = 0; i < WAITERS; i++)
        rtt_call_start(&calls[i], l, i == 2 ? RTT_TIMED : RTT_ACQUIRE, 1000000);
    tl_await_blocked(WAITERS);
    for (int i = 0; i < WAITERS; i++)
        TL_CHECK(!tl_call_returned(&calls[i].call),
                 "%s on %s returned %s at once after the only acquisition allowed for many "
                 "seconds was taken; it must wait",
                 rtt_fn(l, calls[i].op), l->what, tl_err_name(calls[i].ret));
    err = rtt_close(l);
    TL_CHECK(err == 0, "closing %s returned %s; it must return 0", l->what, tl_err_name(err));
    int woken = 0;
    for (int i = 0; i < WAITERS; i++)
        woken += tl_call_finish(&calls[i].call, 1);
    TL_CHECK(woken == WAITERS,
             "%d threads waited in %s and %s on %s; after close only %d of them returned within "
             "1 s: close must wake every waiter (pthread_cond_broadcast, not signal), and a "
             "waiter must check closed after every wakeup",
             WAITERS, rtt_fn(l, RTT_ACQUIRE), rtt_fn(l, RTT_TIMED), l->what, woken);
    for (int i = 0; i < WAITERS; i++)
        TL_CHECK(calls[i].ret == EPIPE,
                 "%s, waiting on %s when it was closed, returned %s; it must return EPIPE",
                 rtt_fn(l, calls[i].op), l->what, tl_err_name(calls[i].ret));
    /* Closed: every acquire fails at once, and closing again is harmless. */
    for (int op = RTT_ACQUIRE; op <= RTT_TIMED; op++) {
        rtt_call_start(&calls[0], l, (enum rtt_op)op, 20000);
        TL_CHECK(tl_call_finish(&calls[0].call, 1) && calls[0].ret == EPIPE,
                 "%s on a closed %s %s; it must return EPIPE at once", rtt_fn(l, op), l->what,
                 tl_call_returned(&calls[0].call) ? tl_err_name(calls[0].ret)
                                                  : "did not return within 1 s");
    }
    err = rtt_close(l);
    TL_CHECK(err == 0, "closing %s a second time returned %s; it must return 0", l->what,
             tl_err_name(err));
}

void rtt_scn_close(void)
{
    static struct rtt_lim sw, tb;
    rtt_sw(&sw, 1, 60);
    close_wakes(&sw);
    rtt_destroy(&sw);
    rtt_tb(&tb, 0.01, 1);
    close_wakes(&tb);
    rtt_destroy(&tb);
}

const struct tl_scenario tl_scenarios[] = {
    {"stress", rtt_scn_stress},
    {"close", rtt_scn_close},
    {NULL, NULL},
};
