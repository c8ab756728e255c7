/* test_daemon.c - the daemon lab's tests: one TL_TEST per "test" check in lab.conf. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tl_test.h"
#include "scenarios.h"

/* A tick may begin this much before its due time by the test's clock reading and still count as
 * on time (the clocks agree; this only absorbs rounding). */
#define EARLY_S 0.0002

static void never_called(void *arg, bool final)
{
    (void)arg;
    (void) final;
}

static void ignore_line(void *arg, const char *line)
{
    (void)arg;
    (void)line;
}

/* ---- Task 1: start and stop ---------------------------------------------------------------- */

TL_TEST(daemon, start_and_stop)
{
    static struct dt_ticks r;
    int live = tl_live_threads();
    uint64_t created = tl_create_calls();
    struct ticker *t = (struct ticker *)&r;
    int err = ticker_start(&t, 10, NULL, NULL);
    TL_CHECK(err == EINVAL && t == NULL,
             "ticker_start with no function returned %s%s; it must return EINVAL and set *out "
             "to NULL",
             tl_err_name(err), t ? " and left *out set" : "");
    long bad[] = {0, -5};
    for (int i = 0; i < 2; i++) {
        t = (struct ticker *)&r;
        err = ticker_start(&t, bad[i], never_called, NULL);
        TL_CHECK(err == EINVAL && t == NULL,
                 "ticker_start with a period of %ld ms returned %s%s; it must return EINVAL and "
                 "set *out to NULL",
                 bad[i], tl_err_name(err), t ? " and left *out set" : "");
    }
    err = ticker_start(NULL, 10, never_called, NULL);
    TL_CHECK(err == EINVAL, "ticker_start with out == NULL returned %s; it must return EINVAL",
             tl_err_name(err));
    TL_CHECK(tl_create_calls() == created,
             "ticker_start started a thread although its arguments were bad; it must start none");

    dt_ticker_start(&r, 5, NULL, NULL);
    TL_CHECK(tl_create_calls() - created == 1 && tl_live_threads() == live + 1,
             "ticker_start started %llu threads, of which %d are running; it must start exactly "
             "one, which runs until ticker_stop",
             (unsigned long long)(tl_create_calls() - created), tl_live_threads() - live);
    TL_CHECK(dt_await_ticks(&r, 2, 2), "a ticker with a 5 ms period did not tick twice in 2 s");
    err = ticker_stop(r.t);
    TL_CHECK(err == 0, "ticker_stop returned %s; it must return 0", tl_err_name(err));
    TL_CHECK(tl_live_threads() == live,
             "ticker_stop returned while the ticker's thread was still running; it must return "
             "only after that thread made its final call, ended and was joined");
    ticker_free(r.t);

    /* Freed without a stop: ticker_free stops and joins. */
    dt_ticker_start(&r, 5, NULL, NULL);
    TL_CHECK(dt_await_ticks(&r, 1, 2), "a ticker with a 5 ms period did not tick in 2 s");
    ticker_free(r.t);
    struct dt_ticks got = dt_ticks_get(&r);
    TL_CHECK(tl_live_threads() == live && got.finals == 1,
             "ticker_free on a running ticker returned with %d threads still running and %ld "
             "final calls made; it must stop the ticker (one final call) and join its thread",
             tl_live_threads() - live, got.finals);

    /* The thread cannot start: an error, nothing left behind. */
    tl_fail_create(1);
    t = (struct ticker *)&r;
    err = ticker_start(&t, 5, never_called, NULL);
    TL_CHECK(err == EAGAIN && t == NULL,
             "ticker_start returned %s%s when pthread_create failed with EAGAIN; it must return "
             "EAGAIN and set *out to NULL",
             tl_err_name(err), t ? " and left *out set" : "");

    /* The logger's start, the same way. */
    struct logger *lg = (struct logger *)&r;
    err = logger_start(&lg, NULL, NULL);
    TL_CHECK(err == EINVAL && lg == NULL,
             "logger_start with no sink returned %s%s; it must return EINVAL and set *out to "
             "NULL",
             tl_err_name(err), lg ? " and left *out set" : "");
    err = logger_start(NULL, ignore_line, NULL);
    TL_CHECK(err == EINVAL, "logger_start with out == NULL returned %s; it must return EINVAL",
             tl_err_name(err));
    created = tl_create_calls();
    err = logger_start(&lg, ignore_line, NULL);
    TL_CHECK(err == 0 && lg, "logger_start returned %s; it must return 0 and a logger",
             tl_err_name(err));
    TL_CHECK(tl_create_calls() - created == 1 && tl_live_threads() == live + 1,
             "logger_start started %llu threads, of which %d are running; it must start exactly "
             "one",
             (unsigned long long)(tl_create_calls() - created), tl_live_threads() - live);
    err = logger_write(lg, NULL);
    TL_CHECK(err == EINVAL, "logger_write of a NULL line returned %s; it must return EINVAL",
             tl_err_name(err));
    err = logger_shutdown(lg);
    TL_CHECK(err == 0 && tl_live_threads() == live,
             "logger_shutdown returned %s with %d logger threads still running; it must return 0 "
             "after joining its thread",
             tl_err_name(err), tl_live_threads() - live);
    logger_free(lg);
    tl_fail_create(1);
    lg = (struct logger *)&r;
    err = logger_start(&lg, ignore_line, NULL);
    TL_CHECK(err == EAGAIN && lg == NULL,
             "logger_start returned %s%s when pthread_create failed with EAGAIN; it must return "
             "EAGAIN and set *out to NULL",
             tl_err_name(err), lg ? " and left *out set" : "");
}

/* ---- Task 2: ticks ------------------------------------------------------------------------- */

static int worst_early(const struct dt_ticks *r, long n, double start, long period_ms, double *by)
{
    int worst = 0;
    *by = 0;
    for (long k = 1; k <= n && k <= DT_MAX_TICKS; k++) {
        double early = start + (double)k * period_ms / 1000 - r->at[k];
        if (early > EARLY_S && early > *by) {
            *by = early;
            worst = (int)k;
        }
    }
    return worst;
}

TL_TEST(daemon, ticks)
{
    enum { PERIOD = 20, N = 5 };
    static struct dt_ticks r;
    double before, after;
    dt_ticker_start(&r, PERIOD, &before, &after);
    TL_CHECK(dt_await_ticks(&r, N, 3), "a ticker with a %d ms period did not tick %d times in 3 s",
             PERIOD, N);
    int err = ticker_stop(r.t);
    TL_CHECK(err == 0, "ticker_stop returned %s; it must return 0", tl_err_name(err));
    struct dt_ticks got = dt_ticks_get(&r);
    ticker_free(r.t);
    TL_CHECK(!got.on_starter && !got.other_thread,
             "the callback ran %s; every call must run on the ticker's own thread",
             got.on_starter ? "on the thread that called ticker_start" : "on several threads");
    double by;
    int k = worst_early(&got, got.ticks, before, PERIOD, &by);
    TL_CHECK(k == 0,
             "tick %d of a ticker with a %d ms period began %.1f ms before it was due (start + "
             "%d x %d ms); ticks are never early: wait until start + k * period, and after every "
             "wakeup look again whether that time has come",
             k, PERIOD, by * 1000, k, PERIOD);
    int clock = tl_deadline_clock();
    TL_CHECK(clock != CLOCK_REALTIME,
             "the ticker's pthread_cond_timedwait deadlines were read from CLOCK_REALTIME, the "
             "wall clock, which jumps when the time is set: set the condition variable's clock to "
             "CLOCK_MONOTONIC (pthread_condattr_setclock) and read deadlines from that clock");
}

TL_TEST(daemon, no_drift)
{
    enum { PERIOD = 10, N = 41, WORK = 7, LATE = 10 };
    static struct dt_ticks r;
    double before, after;
    r.work_ms = WORK;
    dt_ticker_start(&r, PERIOD, &before, &after);
    TL_CHECK(dt_await_ticks(&r, N, 5), "a ticker with a %d ms period did not tick %d times in 5 s",
             PERIOD, N);
    struct dt_ticks got = dt_ticks_get(&r);
    ticker_stop(r.t);
    ticker_free(r.t);
    /* after is the latest the ticker can have started: the lateness below is at most the true
     * one. A deadline taken from the previous tick's end adds a callback's 7 ms every period. */
    double late = got.at[N] - (after + (double)N * PERIOD / 1000);
    TL_CHECK(late <= LATE * PERIOD / 1000.0,
             "tick %d of a ticker with a %d ms period, whose callback takes %d ms, began %.0f ms "
             "after it was due (start + %d x %d ms): the ticks drift. Compute each deadline from "
             "the start (next = start + k * period), not from when the previous tick ended",
             N, PERIOD, WORK, late * 1000, N, PERIOD);
    double by;
    int k = worst_early(&got, N, before, PERIOD, &by);
    TL_CHECK(k == 0, "tick %d began %.1f ms before it was due; ticks are never early", k,
             by * 1000);
}

/* ---- Task 3: stop ---------------------------------------------------------------------------- */

TL_TEST(daemon, stop_prompt)
{
    static struct dt_ticks r;
    static struct dt_call stop;
    int live = tl_live_threads();
    dt_ticker_start(&r, 10000, NULL, NULL);
    /* The ticker's thread waits out its 10 s period; stop must end that wait at once. */
    tl_await_waiters(1, 1);
    stop = (struct dt_call){.op = DT_TICKER_STOP, .t = r.t};
    dt_call_start(&stop);
    TL_CHECK(tl_call_finish(&stop.call, 1),
             "ticker_stop on a ticker with a 10 s period did not return within 1 s. Its thread "
             "must wait for the next tick in a timed condition wait (not sleep), and ticker_stop "
             "must wake it: set the flag and broadcast the condition variable, under the lock");
    struct dt_ticks got = dt_ticks_get(&r);
    TL_CHECK(stop.ret == 0, "ticker_stop returned %s; it must return 0", tl_err_name(stop.ret));
    TL_CHECK(got.ticks == 0,
             "a ticker with a 10 s period ticked %ld times when stopped at once; a tick is never "
             "early, and a stop is not a tick",
             got.ticks);
    TL_CHECK(got.finals == 1,
             "ticker_stop returned and the final call fn(arg, true) had run %ld times; it must "
             "run once, before ticker_stop returns",
             got.finals);
    TL_CHECK(tl_live_threads() == live,
             "ticker_stop returned while the ticker's thread was still running; it must join it");
    ticker_free(r.t);
}

TL_TEST(daemon, final_callback)
{
    enum { PERIOD = 5, HOLD = 4 };
    static struct dt_ticks r;
    static struct dt_call stop;
    r.hold_at = HOLD;
    dt_ticker_start(&r, PERIOD, NULL, NULL);
    TL_CHECK(dt_await_held(&r, 2), "a ticker with a %d ms period did not reach tick %d in 2 s",
             PERIOD, HOLD);
    /* Stopped while a callback runs: stop waits for it, then for the final call. */
    stop = (struct dt_call){.op = DT_TICKER_STOP, .t = r.t};
    dt_call_start(&stop);
    TL_CHECK(!tl_call_await(&stop.call, 0.1),
             "ticker_stop returned while the ticker's callback was still running; it must "
             "return only once the thread has made its final call and been joined");
    dt_release(&r);
    TL_CHECK(tl_call_finish(&stop.call, 2),
             "ticker_stop did not return after the running callback returned");
    double returned = tl_now();
    struct dt_ticks got = dt_ticks_get(&r);
    TL_CHECK(got.finals == 1,
             "ticker_stop returned and the final call fn(arg, true) had run %ld times; it must "
             "run once, on the ticker's thread, before ticker_stop returns",
             got.finals);
    TL_CHECK(got.ticks == HOLD && got.ticks_after_final == 0,
             "ticker_stop was called during tick %d, and %ld ticks were made in all (%ld after "
             "the final call); no tick may begin once ticker_stop was called",
             HOLD, got.ticks, got.ticks_after_final);
    TL_CHECK(!got.other_thread && !got.on_starter,
             "the final call ran on another thread than the ticks; the ticker's own thread makes "
             "it, after its last tick");
    TL_CHECK(got.final_at <= returned, "the final call ran after ticker_stop returned");
    /* Quiet afterwards: nothing more is called. */
    tl_sleep_ms(3 * PERIOD);
    struct dt_ticks later = dt_ticks_get(&r);
    TL_CHECK(later.ticks == got.ticks && later.finals == 1,
             "after ticker_stop returned, the callback was still called (%ld ticks, %ld final "
             "calls)",
             later.ticks - got.ticks, later.finals - 1);
    ticker_free(r.t);
}

TL_TEST(daemon, stop_twice)
{
    static struct dt_ticks a, b, c;
    static struct dt_call stops[2], again;
    int live = tl_live_threads();

    /* Stopped, another ticker started, stopped again: the second stop must not join anything. */
    dt_ticker_start(&a, 5, NULL, NULL);
    TL_CHECK(dt_await_ticks(&a, 2, 2), "a ticker with a 5 ms period did not tick twice in 2 s");
    int err = ticker_stop(a.t);
    TL_CHECK(err == 0, "ticker_stop returned %s; it must return 0", tl_err_name(err));
    dt_ticker_start(&b, 5, NULL, NULL);
    again = (struct dt_call){.op = DT_TICKER_STOP, .t = a.t};
    dt_call_start(&again);
    TL_CHECK(tl_call_finish(&again.call, 1),
             "a second ticker_stop on a stopped ticker did not return within 1 s (another "
             "ticker was running meanwhile): only the first stop may join the thread. A thread "
             "joined once is gone, and its pthread_t may already name another thread");
    TL_CHECK(again.ret == 0, "a second ticker_stop returned %s; it must return 0",
             tl_err_name(again.ret));
    struct dt_ticks got = dt_ticks_get(&a);
    TL_CHECK(got.finals == 1,
             "ticker_stop was called twice and the final call ran %ld times; it "
             "must run once",
             got.finals);
    ticker_free(a.t);
    ticker_free(b.t);

    /* Two threads stop at once while a callback runs: both wait for the end. */
    c.hold_at = 2;
    dt_ticker_start(&c, 5, NULL, NULL);
    TL_CHECK(dt_await_held(&c, 2), "a ticker with a 5 ms period did not reach tick 2 in 2 s");
    for (int i = 0; i < 2; i++) {
        stops[i] = (struct dt_call){.op = DT_TICKER_STOP, .t = c.t};
        dt_call_start(&stops[i]);
    }
    tl_await_waiters(2, 1); /* the held callback, and a stop waiting for the one that joins */
    tl_sleep_ms(tl_bound(20));
    for (int i = 0; i < 2; i++)
        TL_CHECK(!tl_call_returned(&stops[i].call),
                 "two threads called ticker_stop at once while a callback ran, and one returned "
                 "%s before the callback had returned: each must wait until the thread has "
                 "made its final call and was joined (only one of them may join it: the other "
                 "waits for that)",
                 tl_err_name(stops[i].ret));
    dt_release(&c);
    for (int i = 0; i < 2; i++) {
        TL_CHECK(tl_call_finish(&stops[i].call, 2),
                 "two threads called ticker_stop at once; one did not return after the "
                 "callback returned (one joins, and must then wake the other)");
        TL_CHECK(stops[i].ret == 0, "ticker_stop returned %s; it must return 0",
                 tl_err_name(stops[i].ret));
    }
    got = dt_ticks_get(&c);
    TL_CHECK(got.finals == 1,
             "two threads called ticker_stop at once and the final call ran %ld times; it must "
             "run once",
             got.finals);
    ticker_free(c.t);
    TL_CHECK(tl_live_threads() == live,
             "%d tickers' threads were still running after "
             "ticker_free",
             tl_live_threads() - live);
    /* The detectors' scenario: tickers stopped by two threads at once, by their callback, and
     * while waiting out a long period. */
    tl_scenario("ticker");
}

TL_TEST(daemon, stop_from_callback)
{
    enum { AT = 3 };
    static struct dt_ticks r, r2;
    static struct dt_call stop;
    int live = tl_live_threads();
    r.stop_at = AT;
    r.hold_at = AT;
    dt_ticker_start(&r, 5, NULL, NULL);
    TL_CHECK(dt_await_stop_returned(&r, 2),
             "the callback called ticker_stop on its own ticker at tick %d, and it did not "
             "return: called on the ticker's own thread, it must only ask (a thread cannot join "
             "itself or wait for its own end)",
             AT);
    struct dt_ticks got = dt_ticks_get(&r);
    TL_CHECK(got.stop_ret == 0,
             "ticker_stop called by the callback on its own ticker returned %s; it must return 0 "
             "(compare pthread_self() with the ticker's thread, pthread_equal, and do not join)",
             tl_err_name(got.stop_ret));
    TL_CHECK(dt_await_held(&r, 2), "the callback did not reach its wait after ticker_stop");
    /* The owner stops it too, while that callback still runs: this call joins. */
    stop = (struct dt_call){.op = DT_TICKER_STOP, .t = r.t};
    dt_call_start(&stop);
    TL_CHECK(!tl_call_await(&stop.call, 0.1),
             "the callback stopped its own ticker; then ticker_stop from the test returned while "
             "that callback was still running. Only a stop on another thread joins, and it "
             "must wait for the final call and the thread's end; a stop from the callback must "
             "not count as having joined");
    dt_release(&r);
    TL_CHECK(tl_call_finish(&stop.call, 2),
             "ticker_stop from the test did not return after the callback that stopped its own "
             "ticker returned");
    got = dt_ticks_get(&r);
    TL_CHECK(stop.ret == 0, "ticker_stop returned %s; it must return 0", tl_err_name(stop.ret));
    TL_CHECK(got.finals == 1 && got.ticks == AT,
             "the callback stopped its own ticker at tick %d; then %ld ticks were made in all "
             "and the final call ran %ld times: it must run once, after that callback returns, "
             "and no tick may follow",
             AT, got.ticks, got.finals);
    TL_CHECK(tl_live_threads() == live, "ticker_stop returned but the ticker's thread was still "
                                        "running");
    ticker_free(r.t);

    /* Stopped by its callback, then only freed: ticker_free joins. */
    r2.stop_at = 2;
    dt_ticker_start(&r2, 5, NULL, NULL);
    TL_CHECK(dt_await_stop_returned(&r2, 2),
             "the callback called ticker_stop on its own ticker, and it did not return");
    ticker_free(r2.t);
    got = dt_ticks_get(&r2);
    TL_CHECK(got.finals == 1 && tl_live_threads() == live,
             "a ticker stopped by its callback was freed: the final call had run %ld times and "
             "%d threads were still running; ticker_free must join the thread",
             got.finals, tl_live_threads() - live);
}

struct lines_goal {
    struct dt_lines *r;
    long n;
};

static bool lines_reached(void *arg)
{
    struct lines_goal *g = arg;
    return dt_lines_count(g->r) >= g->n;
}

TL_TEST(daemon, spurious_wakeups)
{
    enum { PERIOD = 5, N = 30, LINES = 25 };
    static struct dt_ticks r;
    static struct dt_lines lines;
    double before, after;
    int live = tl_live_threads();
    tl_noise(TL_NOISE_SPURIOUS);
    dt_ticker_start(&r, PERIOD, &before, &after);
    TL_CHECK(dt_await_ticks(&r, N, 5), "a ticker with a %d ms period did not tick %d times in 5 s",
             PERIOD, N);
    int err = ticker_stop(r.t);
    TL_CHECK(err == 0, "ticker_stop returned %s; it must return 0", tl_err_name(err));
    struct dt_ticks got = dt_ticks_get(&r);
    ticker_free(r.t);
    double by;
    int k = worst_early(&got, got.ticks, before, PERIOD, &by);
    TL_CHECK(k == 0,
             "with spurious wakeups, tick %d began %.1f ms before it was due: "
             "pthread_cond_timedwait may return 0 before the deadline although nobody "
             "signalled; wait in a loop until it returns ETIMEDOUT (or the deadline has passed) "
             "or a stop was asked",
             k, by * 1000);

    /* The logger's thread, woken for nothing, must stay until shutdown. */
    struct logger *lg = dt_logger_start(&lines);
    for (int i = 0; i < LINES; i++) {
        /* Each line wakes a waiting logger: once the previous line reached the sink, the thread
         * is past its wait, and the next real wait is a new one. */
        tl_await(lines_reached, &(struct lines_goal){&lines, i}, tl_bound(1));
        tl_await_waiters(1, 1);
        char line[32];
        snprintf(line, sizeof line, "line %d", i);
        err = logger_write(lg, line);
        TL_CHECK(err == 0, "logger_write returned %s; it must return 0", tl_err_name(err));
        TL_CHECK(tl_live_threads() == live + 1,
                 "the logger's thread ended although the logger was open: after a spurious "
                 "wakeup it must look again (while, not if) and leave only at shutdown with "
                 "nothing queued");
    }
    logger_shutdown(lg);
    long n = dt_lines_count(&lines);
    TL_CHECK(n == LINES, "%d lines were written with spurious wakeups; the sink received %ld",
             LINES, n);
    logger_free(lg);
    dt_lines_free(&lines);
    TL_CHECK(tl_spurious_wakeups() > 0,
             "threads waited, but the test injected no spurious wakeup, so it proved nothing "
             "(a fault of the test: run it again)");
}

/* ---- Task 4: the logger -------------------------------------------------------------------- */

/* Each writer's lines arrived once, in order: "w 0", "w 1", ... */
static void check_order(struct dt_lines *r, const char *const *tags, int writers, long per)
{
    long next[8] = {0};
    for (long i = 0; i < r->n; i++) {
        const char *line = r->line[i];
        int w = 0;
        while (w < writers &&
               !(strncmp(line, tags[w], strlen(tags[w])) == 0 && line[strlen(tags[w])] == ' '))
            w++;
        TL_CHECK(w < writers, "the sink received \"%s\", which no thread wrote", line);
        long got = strtol(line + strlen(tags[w]) + 1, NULL, 10);
        TL_CHECK(got == next[w], "the sink received \"%s\" where \"%s %ld\" was next: %s", line,
                 tags[w], next[w],
                 got < next[w] ? "a line arrived twice, or the queue kept a pointer to the "
                                 "writer's buffer (which it reuses) instead of a copy"
                               : "lines were lost or reordered: the queue must be FIFO");
        next[w]++;
    }
    for (int w = 0; w < writers; w++)
        TL_CHECK(next[w] == per, "writer \"%s\" wrote %ld lines; the sink received %ld", tags[w],
                 per, next[w]);
}

TL_TEST(daemon, logger_order)
{
    enum { WRITERS = 4, PER = 500 };
    static const char *const tags[WRITERS] = {"red", "green", "blue", "grey"};
    static struct dt_lines lines, held;
    static struct dt_call writers[WRITERS];

    /* A line is copied when written: the writer's buffer changes while the sink is busy. */
    held.gate = true;
    struct logger *lg = dt_logger_start(&held);
    tl_await_waiters(1, 1); /* the line must wake the thread, not find it not yet waiting */
    int err = logger_write(lg, "first");
    TL_CHECK(err == 0, "logger_write returned %s; it must return 0", tl_err_name(err));
    TL_CHECK(dt_await_gate(&held, 2), "a line was written, and the sink was not called within "
                                      "2 s: the logger's thread must hand it to the sink");
    char buf[32] = "copy me";
    err = logger_write(lg, buf);
    TL_CHECK(err == 0, "logger_write returned %s; it must return 0", tl_err_name(err));
    strcpy(buf, "changed");
    dt_open_gate(&held);
    logger_free(lg);
    TL_CHECK(held.n == 2 && strcmp(held.line[1], "copy me") == 0,
             "logger_write(\"copy me\") returned, then the caller changed its buffer to "
             "\"changed\", and the sink received %s%s%s: logger_write must queue a copy of the "
             "line (the caller may reuse its buffer as soon as logger_write returns), not the "
             "caller's pointer",
             held.n < 2 ? "no second line" : "\"", held.n < 2 ? "" : held.line[1],
             held.n < 2 ? "" : "\"");
    dt_lines_free(&held);

    tl_noise(TL_NOISE_YIELD);
    lg = dt_logger_start(&lines);
    for (int i = 0; i < WRITERS; i++) {
        writers[i] = (struct dt_call){.op = DT_WRITE_LINES, .lg = lg, .lines = PER, .tag = tags[i]};
        dt_call_start(&writers[i]);
    }
    for (int i = 0; i < WRITERS; i++) {
        TL_CHECK(tl_call_finish(&writers[i].call, 5),
                 "%d threads wrote %d lines each; one did not "
                 "finish in 5 s",
                 WRITERS, PER);
        TL_CHECK(writers[i].ret == 0, "logger_write returned %s; it must return 0",
                 tl_err_name(writers[i].ret));
    }
    err = logger_shutdown(lg);
    TL_CHECK(err == 0, "logger_shutdown returned %s; it must return 0", tl_err_name(err));
    TL_CHECK(!lines.other_thread,
             "the sink was called on several threads; only the logger's thread calls it");
    check_order(&lines, tags, WRITERS, PER);
    logger_free(lg);
    dt_lines_free(&lines);
    /* The detectors' scenario: writers, two shutdowns at once, a logger freed while open. */
    tl_scenario("logger");
}

TL_TEST(daemon, fire_and_forget)
{
    enum { MORE = 1000 };
    static const char *const tags[1] = {"later"};
    static struct dt_lines lines;
    static struct dt_call writer;
    lines.gate = true;
    struct logger *lg = dt_logger_start(&lines);
    tl_await_waiters(1, 1); /* the line must wake the thread, not find it not yet waiting */
    tl_label_begin("the logger's lock");
    int err = logger_write(lg, "first 0");
    tl_label_end();
    TL_CHECK(err == 0, "logger_write returned %s; it must return 0", tl_err_name(err));
    TL_CHECK(dt_await_gate(&lines, 2), "a line was written, and the sink was not called within "
                                       "2 s: the logger's thread must hand it to the sink");
    TL_CHECK(!pthread_equal(lines.thread, pthread_self()),
             "logger_write called the sink itself; the logger's thread calls it, so that "
             "logger_write returns at once");
    /* The sink now holds its first line: writes must not wait for it. */
    writer = (struct dt_call){.op = DT_WRITE_LINES, .lg = lg, .lines = MORE, .tag = "later"};
    dt_call_start(&writer);
    TL_CHECK(tl_call_finish(&writer.call, 2),
             "while the sink was busy with a line, %d calls of logger_write did not return "
             "within 2 s; logger_write must only queue the line and return: the logger's thread "
             "calls the sink without holding the lock",
             MORE);
    dt_open_gate(&lines);
    err = logger_shutdown(lg);
    TL_CHECK(err == 0, "logger_shutdown returned %s; it must return 0", tl_err_name(err));
    long n = dt_lines_count(&lines);
    TL_CHECK(n == MORE + 1, "%d lines were written; the sink received %ld", MORE + 1, n);
    TL_CHECK(strcmp(lines.line[0], "first 0") == 0,
             "the sink's first line was \"%s\", not the "
             "first written",
             lines.line[0]);
    struct dt_lines rest = lines;
    rest.line++;
    rest.n--;
    check_order(&rest, tags, 1, MORE);
    logger_free(lg);
    dt_lines_free(&lines);
}

TL_TEST(daemon, shutdown_drains)
{
    enum { N = 100 };
    static struct dt_lines lines;
    static struct dt_call shutdowns[2];
    int live = tl_live_threads();
    lines.gate = true;
    struct logger *lg = dt_logger_start(&lines);
    for (int i = 0; i < N; i++) {
        char line[32];
        snprintf(line, sizeof line, "queued %d", i);
        int err = logger_write(lg, line);
        TL_CHECK(err == 0, "logger_write returned %s; it must return 0", tl_err_name(err));
    }
    TL_CHECK(dt_await_gate(&lines, 2),
             "%d lines were written, and the sink was not called "
             "within 2 s",
             N);
    for (int i = 0; i < 2; i++) {
        shutdowns[i] = (struct dt_call){.op = DT_LOGGER_SHUTDOWN, .lg = lg};
        dt_call_start(&shutdowns[i]);
    }
    tl_call_await(&shutdowns[0].call, 0.1);
    for (int i = 0; i < 2; i++)
        TL_CHECK(!tl_call_returned(&shutdowns[i].call),
                 "logger_shutdown returned while %ld of %d lines had reached the sink; it must "
                 "let the logger's thread deliver every queued line, then join it, and only then "
                 "return (a second call waits for the first)",
                 dt_lines_count(&lines), N);
    dt_open_gate(&lines);
    for (int i = 0; i < 2; i++)
        TL_CHECK(tl_call_finish(&shutdowns[i].call, 2) && shutdowns[i].ret == 0,
                 "logger_shutdown, called by two threads at once, did not return 0 in 2 s once "
                 "the sink went on");
    long n = dt_lines_count(&lines);
    TL_CHECK(n == N,
             "logger_shutdown returned when %ld of the %d lines written before it had reached "
             "the sink: the logger's thread must leave its loop only once shutdown was asked "
             "AND the queue is empty, and logger_shutdown must join it",
             n, N);
    TL_CHECK(tl_live_threads() == live,
             "logger_shutdown returned but the logger's thread was still running; it must join "
             "it");
    int err = logger_write(lg, "too late");
    TL_CHECK(err == EPIPE, "logger_write after logger_shutdown returned %s; it must return EPIPE",
             tl_err_name(err));
    err = logger_shutdown(lg);
    TL_CHECK(err == 0, "a second logger_shutdown returned %s; it must return 0", tl_err_name(err));
    TL_CHECK(dt_lines_count(&lines) == N, "a line written after logger_shutdown reached the sink");
    for (int i = 0; i < N; i++)
        TL_CHECK(atoi(lines.line[i] + 7) == i,
                 "the sink's line %d was \"%s\"; lines must arrive "
                 "in the order they were written",
                 i, lines.line[i]);
    logger_free(lg);
    dt_lines_free(&lines);
}

/* ---- Task 5: nothing lost at exit ---------------------------------------------------------- */

enum { EXIT_LINES = 300 };
static int child_fd = -1;
static struct logger *child_logger;

/* The child's sink: one line to the pipe, a little slowly, so that lines are still queued when
 * the child calls exit. */
static void pipe_sink(void *arg, const char *line)
{
    (void)arg;
    char buf[128];
    int n = snprintf(buf, sizeof buf, "%s\n", line);
    if (write(child_fd, buf, (size_t)n) != n)
        _exit(4);
    tl_sleep_ms(0.1);
}

/* What a program does to lose nothing at exit: exit calls this (atexit), which drains the
 * logger. Then _exit, so that the exit handlers the child inherited from the test framework,
 * which belong to the parent, do not run. */
static void child_at_exit(void)
{
    int err = logger_shutdown(child_logger);
    if (err != 0) {
        dprintf(child_fd, "!logger_shutdown returned %s\n", tl_err_name(err));
        _exit(3);
    }
    _exit(0);
}

static void child_main(void)
{
    int err = logger_start(&child_logger, pipe_sink, NULL);
    if (err != 0) {
        dprintf(child_fd, "!logger_start returned %s\n", tl_err_name(err));
        _exit(3);
    }
    atexit(child_at_exit);
    for (int i = 0; i < EXIT_LINES; i++) {
        char line[32];
        snprintf(line, sizeof line, "line %d", i);
        err = logger_write(child_logger, line);
        if (err != 0) {
            dprintf(child_fd, "!logger_write returned %s\n", tl_err_name(err));
            _exit(3);
        }
    }
    exit(0);
}

/* Read the child's output until it closes the pipe (it exited) or timeout_s passes. */
static char *read_child(int fd, double timeout_s, bool *eof)
{
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    TL_CHECK(out, "the test ran out of memory");
    double deadline = tl_now() + timeout_s;
    *eof = false;
    for (;;) {
        double left = deadline - tl_now();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) == 0)
            break;
        if (len + 1 >= cap) {
            cap *= 2;
            out = realloc(out, cap);
            TL_CHECK(out, "the test ran out of memory");
        }
        ssize_t n = read(fd, out + len, cap - len - 1);
        if (n <= 0) {
            *eof = n == 0;
            break;
        }
        len += (size_t)n;
    }
    out[len] = '\0';
    return out;
}

TL_TEST(daemon, exit_drains)
{
    int fds[2];
    TL_CHECK(pipe(fds) == 0, "the test could not make a pipe");
    fflush(NULL);
    pid_t pid = fork();
    TL_CHECK(pid >= 0, "the test could not start a child process");
    if (pid == 0) {
        close(fds[0]);
        child_fd = fds[1];
        child_main();
    }
    close(fds[1]);
    bool eof;
    char *out = read_child(fds[0], tl_bound(3), &eof);
    close(fds[0]);
    if (!eof)
        kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    TL_CHECK(eof,
             "a child process wrote %d lines through the logger and called exit, whose "
             "handler calls logger_shutdown; the child had not ended after 3 s: "
             "logger_shutdown did not return",
             EXIT_LINES);
    TL_CHECK(out[0] != '!', "in a child process, %.*s", (int)strcspn(out + 1, "\n"), out + 1);
    TL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
             "the child process that logged and exited ended %s %d",
             WIFSIGNALED(status) ? "by signal" : "with status",
             WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    int n = 0;
    char *p = out;
    while (*p) {
        char want[32];
        int len = snprintf(want, sizeof want, "line %d\n", n);
        TL_CHECK(strncmp(p, want, (size_t)len) == 0,
                 "a child process wrote %d lines through the logger and exited; the sink's line "
                 "%d was \"%.*s\", not \"line %d\": lines must arrive once each, in order",
                 EXIT_LINES, n, (int)strcspn(p, "\n"), p, n);
        p += len;
        n++;
    }
    free(out);
    TL_CHECK(n == EXIT_LINES,
             "a child process wrote %d lines through the logger and called exit, whose handler "
             "calls logger_shutdown; only %d lines reached the sink. At exit every thread is "
             "killed wherever it is: logger_shutdown must return only after the logger's thread "
             "has delivered every queued line and ended (join it; it must not stop early)",
             EXIT_LINES, n);
}

/* ---- Idle means asleep ----------------------------------------------------------------------- */

TL_TEST(daemon, no_busy_wait)
{
    static struct dt_ticks r;
    static struct dt_lines lines;
    static struct dt_call stop;
    dt_ticker_start(&r, 10000, NULL, NULL);
    struct logger *lg = dt_logger_start(&lines);
    tl_await_waiters(2, 2);
    tl_sleep_ms(20);
    const char *problem =
        tl_idle_problem("a ticker waited out its 10 s period and a logger had nothing to write",
                        "their deadline or a signal");
    TL_CHECK(!problem, "%s", problem);
    /* Bounded: a ticker that sleeps its 10 s would keep this test waiting (test:stop_prompt
     * says why). */
    stop = (struct dt_call){.op = DT_TICKER_STOP, .t = r.t};
    dt_call_start(&stop);
    TL_CHECK(tl_call_finish(&stop.call, 1),
             "ticker_stop on a ticker with a 10 s period did not return within 1 s (see "
             "test:stop_prompt)");
    ticker_free(r.t);
    logger_free(lg);
    dt_lines_free(&lines);
}
