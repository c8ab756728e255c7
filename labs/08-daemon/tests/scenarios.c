/* scenarios.c - the daemon lab's concurrency scenarios, shared by the tests and the driver.
 *
 * DESIGN: the test decides when a callback or the sink returns (a held tick, a gated sink), so
 * that "stop waited for the running callback" or "lines were still queued at shutdown" is a
 * fact, not a hope. Everything the callbacks record is guarded by one harness mutex: the test
 * adds no race of its own for the detectors to find.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_test.h"
#include "scenarios.h"

static pthread_mutex_t harness_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t harness_cond = PTHREAD_COND_INITIALIZER;

/* ---- Ticks --------------------------------------------------------------------------------- */

void dt_tick_fn(void *arg, bool final)
{
    struct dt_ticks *r = arg;
    double now = tl_now();
    pthread_t self = pthread_self();
    pthread_mutex_lock(&harness_lock);
    if (r->ticks + r->finals == 0)
        r->thread = self;
    else if (!pthread_equal(r->thread, self))
        r->other_thread = true;
    r->on_starter |= pthread_equal(r->starter, self);
    long k = 0;
    if (final) {
        r->finals++;
        r->final_at = now;
    } else {
        k = ++r->ticks;
        if (k <= DT_MAX_TICKS)
            r->at[k] = now;
        if (r->finals)
            r->ticks_after_final++;
    }
    pthread_cond_broadcast(&harness_cond);
    pthread_mutex_unlock(&harness_lock);
    if (final)
        return;
    if (r->work_ms > 0)
        tl_sleep_ms(r->work_ms);
    if (k == r->stop_at) {
        pthread_mutex_lock(&harness_lock);
        while (!r->published) /* a tick may come before ticker_start's caller stored t */
            pthread_cond_wait(&harness_cond, &harness_lock);
        struct ticker *t = r->t;
        pthread_mutex_unlock(&harness_lock);
        int ret = ticker_stop(t);
        pthread_mutex_lock(&harness_lock);
        r->stop_ret = ret;
        r->stop_returned = true;
        pthread_cond_broadcast(&harness_cond);
        pthread_mutex_unlock(&harness_lock);
    }
    if (k == r->hold_at) {
        pthread_mutex_lock(&harness_lock);
        r->held = true;
        r->held_at = tl_now();
        pthread_cond_broadcast(&harness_cond);
        while (!r->released)
            pthread_cond_wait(&harness_cond, &harness_lock);
        pthread_mutex_unlock(&harness_lock);
    }
}

void dt_ticker_start(struct dt_ticks *r, long period_ms, double *before, double *after)
{
    pthread_mutex_lock(&harness_lock);
    long stop_at = r->stop_at, hold_at = r->hold_at;
    double work_ms = r->work_ms;
    memset(r, 0, sizeof *r);
    r->stop_at = stop_at;
    r->hold_at = hold_at;
    r->work_ms = work_ms;
    r->starter = pthread_self();
    pthread_mutex_unlock(&harness_lock);
    struct ticker *t = NULL;
    double t0 = tl_now();
    int err = ticker_start(&t, period_ms, dt_tick_fn, r);
    double t1 = tl_now();
    /* Published under the harness lock, not by holding it across ticker_start: the test must
     * add no lock order of its own to the ticker's. */
    pthread_mutex_lock(&harness_lock);
    r->t = t;
    r->published = true;
    pthread_cond_broadcast(&harness_cond);
    pthread_mutex_unlock(&harness_lock);
    TL_CHECK(err == 0 && t,
             "ticker_start with a period of %ld ms returned %s%s; it must return 0 and a ticker",
             period_ms, tl_err_name(err), err == 0 ? " but no ticker" : "");
    if (before)
        *before = t0;
    if (after)
        *after = t1;
}

struct dt_ticks dt_ticks_get(struct dt_ticks *r)
{
    pthread_mutex_lock(&harness_lock);
    struct dt_ticks copy = *r;
    pthread_mutex_unlock(&harness_lock);
    return copy;
}

struct ticks_goal {
    struct dt_ticks *r;
    long n;
    int what; /* 0: ticks >= n; 1: held; 2: stop returned */
};

static bool ticks_reached(void *arg)
{
    struct ticks_goal *g = arg;
    pthread_mutex_lock(&harness_lock);
    bool done = g->what == 0   ? g->r->ticks >= g->n
                : g->what == 1 ? g->r->held
                               : g->r->stop_returned;
    pthread_mutex_unlock(&harness_lock);
    return done;
}

bool dt_await_ticks(struct dt_ticks *r, long n, double timeout_s)
{
    struct ticks_goal g = {r, n, 0};
    return tl_await(ticks_reached, &g, tl_bound(timeout_s));
}

bool dt_await_held(struct dt_ticks *r, double timeout_s)
{
    struct ticks_goal g = {r, 0, 1};
    return tl_await(ticks_reached, &g, tl_bound(timeout_s));
}

bool dt_await_stop_returned(struct dt_ticks *r, double timeout_s)
{
    struct ticks_goal g = {r, 0, 2};
    return tl_await(ticks_reached, &g, tl_bound(timeout_s));
}

void dt_release(struct dt_ticks *r)
{
    pthread_mutex_lock(&harness_lock);
    r->released = true;
    pthread_cond_broadcast(&harness_cond);
    pthread_mutex_unlock(&harness_lock);
}

/* ---- Lines --------------------------------------------------------------------------------- */

void dt_sink(void *arg, const char *line)
{
    struct dt_lines *r = arg;
    pthread_t self = pthread_self();
    char *copy = strdup(line);
    TL_CHECK(copy, "the test ran out of memory");
    pthread_mutex_lock(&harness_lock);
    if (r->n == 0 && !r->entered)
        r->thread = self;
    else if (!pthread_equal(r->thread, self))
        r->other_thread = true;
    if (r->gate && !r->entered) {
        r->entered = true;
        pthread_cond_broadcast(&harness_cond);
        while (!r->opened)
            pthread_cond_wait(&harness_cond, &harness_lock);
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->line = realloc(r->line, (size_t)r->cap * sizeof *r->line);
        TL_CHECK(r->line, "the test ran out of memory");
    }
    r->line[r->n++] = copy;
    pthread_cond_broadcast(&harness_cond);
    pthread_mutex_unlock(&harness_lock);
    if (r->work_ms > 0)
        tl_sleep_ms(r->work_ms);
}

struct logger *dt_logger_start(struct dt_lines *r)
{
    struct logger *lg = NULL;
    /* Whatever this thread locks to start the logger and write is "the logger's lock". */
    tl_label_begin("the logger's lock");
    int err = logger_start(&lg, dt_sink, r);
    tl_label_end();
    TL_CHECK(err == 0 && lg, "logger_start returned %s%s; it must return 0 and a logger",
             tl_err_name(err), err == 0 ? " but no logger" : "");
    return lg;
}

long dt_lines_count(struct dt_lines *r)
{
    pthread_mutex_lock(&harness_lock);
    long n = r->n;
    pthread_mutex_unlock(&harness_lock);
    return n;
}

static bool gate_entered(void *arg)
{
    struct dt_lines *r = arg;
    pthread_mutex_lock(&harness_lock);
    bool entered = r->entered;
    pthread_mutex_unlock(&harness_lock);
    return entered;
}

bool dt_await_gate(struct dt_lines *r, double timeout_s)
{
    return tl_await(gate_entered, r, tl_bound(timeout_s));
}

void dt_open_gate(struct dt_lines *r)
{
    pthread_mutex_lock(&harness_lock);
    r->opened = true;
    pthread_cond_broadcast(&harness_cond);
    pthread_mutex_unlock(&harness_lock);
}

void dt_lines_free(struct dt_lines *r)
{
    pthread_mutex_lock(&harness_lock);
    for (long i = 0; i < r->n; i++)
        free(r->line[i]);
    free(r->line);
    r->line = NULL;
    r->n = r->cap = 0;
    pthread_mutex_unlock(&harness_lock);
}

/* ---- Call harness ------------------------------------------------------------------------- */

static void run_call(struct tl_call *call)
{
    struct dt_call *c = (struct dt_call *)call;
    int ret = 0;
    switch (c->op) {
    case DT_TICKER_STOP:
        ret = ticker_stop(c->t);
        break;
    case DT_LOGGER_SHUTDOWN:
        ret = logger_shutdown(c->lg);
        break;
    case DT_WRITE_LINES:
        for (long i = 0; i < c->lines && ret == 0; i++) {
            char line[64];
            snprintf(line, sizeof line, "%s %ld", c->tag, i); /* the same buffer every time */
            ret = logger_write(c->lg, line);
        }
        break;
    }
    c->ret = ret;
}

void dt_call_start(struct dt_call *c)
{
    tl_call_start(&c->call, run_call);
}

/* ---- Scenarios ------------------------------------------------------------------------------- */

static bool three_blocked(void *arg)
{
    (void)arg;
    return tl_blocked_threads() >= 3;
}

void dt_scn_ticker(void)
{
    static struct dt_ticks a, b, c, d;
    static struct dt_call stops[2];

    /* Two threads stop a ticking ticker at once, then it is stopped again. */
    dt_ticker_start(&a, 2, NULL, NULL);
    TL_CHECK(dt_await_ticks(&a, 3, 3), "a ticker with a 2 ms period did not tick 3 times in 3 s");
    for (int i = 0; i < 2; i++) {
        stops[i] = (struct dt_call){.op = DT_TICKER_STOP, .t = a.t};
        dt_call_start(&stops[i]);
    }
    for (int i = 0; i < 2; i++)
        TL_CHECK(tl_call_finish(&stops[i].call, 3) && stops[i].ret == 0,
                 "two threads called ticker_stop at once; one of them did not return 0");
    int err = ticker_stop(a.t);
    TL_CHECK(err == 0, "a third ticker_stop returned %s; it must return 0", tl_err_name(err));
    struct dt_ticks got = dt_ticks_get(&a);
    TL_CHECK(got.finals == 1,
             "ticker_stop was called three times and the final call ran %ld "
             "times; it must run once",
             got.finals);
    ticker_free(a.t);

    /* Stopped by another thread while a callback runs: the stop's write of whatever says
     * "stopping" and the thread's next look at it, after the callback, are ordered only by the
     * ticker's lock. */
    d.hold_at = 2;
    dt_ticker_start(&d, 2, NULL, NULL);
    TL_CHECK(dt_await_held(&d, 3), "a ticker with a 2 ms period did not reach tick 2 in 3 s");
    stops[0] = (struct dt_call){.op = DT_TICKER_STOP, .t = d.t};
    dt_call_start(&stops[0]);
    tl_await(three_blocked, NULL, 2); /* the held callback, the stop (in its join), and this */
    dt_release(&d);
    TL_CHECK(tl_call_finish(&stops[0].call, 3) && stops[0].ret == 0,
             "ticker_stop called while a callback ran did not return 0 once it returned");
    got = dt_ticks_get(&d);
    TL_CHECK(got.ticks == 2 && got.finals == 1,
             "a ticker stopped during tick 2 made %ld ticks and %ld final calls; it must make 2 "
             "and one",
             got.ticks, got.finals);
    ticker_free(d.t);

    /* A callback stops its own ticker, which its owner then only frees. */
    b.stop_at = 2;
    dt_ticker_start(&b, 2, NULL, NULL);
    TL_CHECK(dt_await_stop_returned(&b, 3),
             "the callback called ticker_stop on its own ticker at its 2nd tick, and it did not "
             "return");
    ticker_free(b.t);
    got = dt_ticks_get(&b);
    TL_CHECK(got.stop_ret == 0 && got.finals == 1 && got.ticks == 2,
             "a callback stopped its own ticker at tick 2: ticker_stop returned %s, the final "
             "call ran %ld times and there were %ld ticks; it must return 0, run the final call "
             "once and begin no tick after the stop",
             tl_err_name(got.stop_ret), got.finals, got.ticks);

    /* A ticker waiting out a long period is stopped before its first tick. Long enough for the
     * stop to come first even under Valgrind; short, so that a ticker that sleeps it out (the
     * tests say so) does not keep a detector waiting. */
    double before;
    dt_ticker_start(&c, 1000, &before, NULL);
    tl_await_waiters(1, 2);
    err = ticker_stop(c.t);
    long due = (long)(tl_now() - before); /* ticks that may have begun before the stop */
    TL_CHECK(err == 0, "ticker_stop returned %s; it must return 0", tl_err_name(err));
    ticker_free(c.t);
    got = dt_ticks_get(&c);
    TL_CHECK(got.ticks <= due && got.finals == 1,
             "a ticker with a 1 s period stopped after %ld whole periods made %ld ticks and %ld "
             "final calls; it must make at most %ld and one",
             due, got.ticks, got.finals, due);
}

void dt_scn_logger(void)
{
    enum { WRITERS = 3 };
    static struct dt_lines lines, lines2;
    static struct dt_call writers[WRITERS], shutdowns[2];
    static const char *const tags[WRITERS] = {"a", "b", "c"};
    long per = tl_scaled(400, 20);

    struct logger *lg = dt_logger_start(&lines);
    for (int i = 0; i < WRITERS; i++) {
        writers[i] = (struct dt_call){.op = DT_WRITE_LINES, .lg = lg, .lines = per, .tag = tags[i]};
        dt_call_start(&writers[i]);
    }
    for (int i = 0; i < WRITERS; i++)
        TL_CHECK(tl_call_finish(&writers[i].call, 5) && writers[i].ret == 0,
                 "logger_write from several threads at once did not return 0 every time");
    for (int i = 0; i < 2; i++) {
        shutdowns[i] = (struct dt_call){.op = DT_LOGGER_SHUTDOWN, .lg = lg};
        dt_call_start(&shutdowns[i]);
    }
    for (int i = 0; i < 2; i++)
        TL_CHECK(tl_call_finish(&shutdowns[i].call, 5) && shutdowns[i].ret == 0,
                 "two threads called logger_shutdown at once; one of them did not return 0");
    int err = logger_write(lg, "too late");
    TL_CHECK(err == EPIPE, "logger_write after logger_shutdown returned %s; it must return EPIPE",
             tl_err_name(err));
    long n = dt_lines_count(&lines);
    TL_CHECK(n == WRITERS * per,
             "%d threads wrote %ld lines each, then logger_shutdown returned, and the sink had "
             "received %ld lines; it must have received all %ld",
             WRITERS, per, n, WRITERS * per);
    logger_free(lg);
    dt_lines_free(&lines);

    /* Freed without a shutdown: logger_free delivers and joins. */
    lg = dt_logger_start(&lines2);
    for (int i = 0; i < 5; i++) {
        err = logger_write(lg, "freed");
        TL_CHECK(err == 0, "logger_write returned %s; it must return 0", tl_err_name(err));
    }
    logger_free(lg);
    n = dt_lines_count(&lines2);
    TL_CHECK(n == 5,
             "5 lines were written, then logger_free returned, and the sink had received "
             "%ld; logger_free shuts down first, delivering every line",
             n);
    dt_lines_free(&lines2);
}

const struct tl_scenario tl_scenarios[] = {
    {"ticker", dt_scn_ticker},
    {"logger", dt_scn_logger},
    {NULL, NULL},
};
