/* scenarios.h - the daemon lab's scenarios and the harness that test_daemon.c shares. */
#ifndef DT_SCENARIOS_H
#define DT_SCENARIOS_H

#include <pthread.h>
#include <stdbool.h>

#include "daemon.h"
#include "tl_test.h"

/* Test names use the prefix dt_, so that they never clash with a student's helpers. */

#define DT_MAX_TICKS 256

/* What a ticker's calls did: dt_tick_fn is the ticker_fn, a struct dt_ticks its argument. The
 * settings are fixed before ticker_start; everything else is guarded by the harness lock: read
 * it with dt_ticks_get or after the ticker's thread was joined. */
struct dt_ticks {
    long stop_at;   /* at this tick the callback calls ticker_stop on its own ticker (0: never) */
    long hold_at;   /* at this tick the callback waits until dt_release (0: never) */
    double work_ms; /* each tick's callback takes this long */
    struct ticker *t;
    bool published; /* t is set */
    long ticks, finals, ticks_after_final;
    double at[DT_MAX_TICKS + 1]; /* at[k]: when tick k began (tl_now) */
    double final_at, held_at;
    pthread_t thread;  /* the thread of the first call */
    bool other_thread; /* a later call ran on another thread */
    bool on_starter;   /* a call ran on the thread that called ticker_start */
    pthread_t starter;
    bool held, released; /* hold_at's tick is waiting / was let go */
    bool stop_returned;  /* stop_at's ticker_stop returned... */
    int stop_ret;        /* ...this */
};

void dt_tick_fn(void *arg, bool final);
/* ticker_start(&r->t, period_ms, dt_tick_fn, r) after clearing r's results; the test fails
 * unless it returns 0 and a ticker. Records the time just before and after the call. */
void dt_ticker_start(struct dt_ticks *r, long period_ms, double *before, double *after);
/* A copy of r's results, taken under the harness lock. */
struct dt_ticks dt_ticks_get(struct dt_ticks *r);
/* Wait (tl_await) until r has n ticks; false after timeout_s (stretched for slow tools). */
bool dt_await_ticks(struct dt_ticks *r, long n, double timeout_s);
/* Wait (tl_await) until hold_at's tick is held, or stop_at's ticker_stop returned. */
bool dt_await_held(struct dt_ticks *r, double timeout_s);
bool dt_await_stop_returned(struct dt_ticks *r, double timeout_s);
/* Let hold_at's tick return. */
void dt_release(struct dt_ticks *r);

/* What a logger's sink received: dt_sink is the logger_sink, a struct dt_lines its argument.
 * With gate set, the sink holds its first line until dt_open_gate. Guarded by the harness
 * lock. */
struct dt_lines {
    bool gate;
    double work_ms; /* each line takes the sink this long */
    char **line;
    long n, cap;
    bool entered, opened;
    pthread_t thread;
    bool other_thread;
};

void dt_sink(void *arg, const char *line);
/* logger_start(&lg, dt_sink, r), with the logger's lock named for feedback; the test fails
 * unless it returns 0 and a logger. */
struct logger *dt_logger_start(struct dt_lines *r);
long dt_lines_count(struct dt_lines *r);
/* Wait (tl_await) until the sink holds its first line at the gate. */
bool dt_await_gate(struct dt_lines *r, double timeout_s);
void dt_open_gate(struct dt_lines *r);
void dt_lines_free(struct dt_lines *r);

enum dt_op { DT_TICKER_STOP, DT_LOGGER_SHUTDOWN, DT_WRITE_LINES };

/* One API call made on its own thread (tl_call_start), so that a test can watch it block and
 * unblock: tl_call_returned(&c->call), tl_call_finish(&c->call, seconds). */
struct dt_call {
    struct tl_call call; /* first: when it returned, how long it took */
    enum dt_op op;
    struct ticker *t;  /* DT_TICKER_STOP */
    struct logger *lg; /* DT_LOGGER_SHUTDOWN, DT_WRITE_LINES */
    long lines;        /* DT_WRITE_LINES: writes "<tag> 0", "<tag> 1", ... */
    const char *tag;
    int ret; /* the first non-zero return, or 0 */
};

/* Start the call that c describes. */
void dt_call_start(struct dt_call *c);

/* Tickers stopped every way: by two threads at once and again, by their own callback (then
 * only freed), and while waiting out a long period. */
void dt_scn_ticker(void);
/* Writers on several threads, shutdown by two threads at once, writes refused after it, and a
 * logger freed without a shutdown. */
void dt_scn_logger(void);

#endif
