/* scenarios.h - the rate-limit lab's scenarios and the harness that test_ratelimit.c shares. */
#ifndef RTT_SCENARIOS_H
#define RTT_SCENARIOS_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "ratelimit.h"
#include "tl_test.h"

/* Test names use the prefix rtt_, so that they never clash with a student's sw_ and tb_ helpers. */

/* Either limiter, so that one test checks both: a sliding window (sw != NULL) or a bucket.
 * Threads that the test starts keep a pointer to it, and a failed check ends the test while they
 * may still run: declare it static, never on the test's stack. */
struct rtt_lim {
    struct sw_limiter *sw;
    struct tb_limiter *tb;
    unsigned limit; /* sliding window: at most limit in any window */
    double window;  /* seconds */
    double rate;    /* bucket: tokens a second, at most burst held */
    unsigned burst;
    char what[64]; /* "sw_create(5, 0.100)", for messages */
};

enum rtt_op { RTT_ACQUIRE, RTT_TRY, RTT_TIMED };

/* Create a limiter, or fail the test (its lock named for feedback). */
void rtt_sw(struct rtt_lim *l, unsigned limit, double window_s);
void rtt_tb(struct rtt_lim *l, double rate, unsigned burst);
void rtt_destroy(struct rtt_lim *l);
/* One call of op on l (deadline for RTT_TIMED), and the name of the function it calls. */
int rtt_do(struct rtt_lim *l, enum rtt_op op, const struct timespec *deadline);
const char *rtt_fn(const struct rtt_lim *l, enum rtt_op op);
int rtt_close(struct rtt_lim *l);
/* The absolute CLOCK_MONOTONIC time ms milliseconds from now. */
struct timespec rtt_deadline(double ms);

/* One API call made on its own thread (tl_call_start), so that a test can watch it block and
 * unblock: tl_call_returned(&c->call), tl_call_finish(&c->call, seconds); c->call.start and
 * c->call.end say when it began and returned. */
struct rtt_call {
    struct tl_call call; /* first */
    struct rtt_lim *lim;
    enum rtt_op op;
    struct timespec deadline;
    int ret;
};

/* Start c on a new thread; deadline_ms is from now, for RTT_TIMED. */
void rtt_call_start(struct rtt_call *c, struct rtt_lim *l, enum rtt_op op, double deadline_ms);

/* Threads acquire from one limiter until total acquisitions returned; the time each returned
 * is recorded (CLOCK_MONOTONIC, by the test, never by the code under test). */
#define RTT_MAX_STAMPS 1000
struct rtt_stream {
    struct rtt_lim *lim;
    int threads, total;
    bool jump;  /* set the wall clock an hour forward after a third, two hours back after two */
    bool mixed; /* also try and timed acquires (which may fail), not only blocking ones */
    /* Results */
    double begin;                 /* tl_now() before the first thread started */
    double first_call;            /* tl_now() before the first acquisition began */
    double stamp[RTT_MAX_STAMPS]; /* sorted once the run is over */
    int n;                        /* successful acquisitions */
    bool finished;                /* every acquisition returned in time */
    int bad_ret;                  /* an unexpected return value, or 0 */
    enum rtt_op bad_op;
};
/* Run the stream; fails the test on a wrong return value or when the acquisitions do not end
 * in time (bound seconds, scaled for slow tools). */
void rtt_stream_run(struct rtt_stream *s, double bound);
/* The slack: a thread can return from its call tens of milliseconds after the moment the limiter
 * gave it (a loaded machine wakes it late, or stops the whole process for a while), and a limiter
 * that reserves turns cannot help that. The bugs these checks catch admit a whole window's
 * limit, or several tokens, at once: far beyond it. A fraction of the window (whose checks use
 * windows of 100 ms), and seconds. */
#define RTT_SW_SLACK 0.8
#define RTT_TB_SLACK 0.02
/* Run the stream and check the limiter's promise on the times the calls returned: never more
 * than limit in a window (less RTT_SW_SLACK of it), never more than burst + rate * T in a span
 * of T (plus RTT_TB_SLACK); with throughput, also at least 95% of what the limit allows. A
 * thread woken very late can spoil one run on a loaded machine, but a wrong limiter breaks
 * every run: a broken run is repeated once, on a new limiter, and the test fails if that one
 * breaks too. */
void rtt_stream_check(struct rtt_stream *s, double bound, bool throughput, const char *context);

/* Threads acquire from both limiters in every way at once, with a closer at the end. */
void rtt_scn_stress(void);
/* Threads blocked in every acquire of both limiters: close wakes them all with EPIPE. */
void rtt_scn_close(void);

#endif
