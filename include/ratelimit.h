/* ratelimit.h - blocking rate limiters: a sliding window and a token bucket (lab 10-ratelimit).
 *
 * A rate limiter admits callers no faster than a rate. Two classic rules:
 *   - a sliding window admits at most `limit` acquisitions in any window of `window_s` seconds:
 *     whatever moment you pick, the `window_s` seconds before it hold at most `limit` of them;
 *   - a token bucket holds at most `burst` tokens, gains `rate` tokens a second (never more than
 *     `burst` in all), and each acquisition takes one: in any span of T seconds it admits at
 *     most burst + rate * T acquisitions. A new bucket is full.
 * Time is measured on CLOCK_MONOTONIC, which never jumps: setting the wall clock changes
 * nothing. A caller that must wait sleeps until its turn (no polling), and close wakes every
 * waiter. Every function is safe to call from any number of threads at once, except create and
 * destroy. Functions that can fail return 0 or an error number, as pthreads does (they do not
 * set errno):
 *   EAGAIN     try_acquire: no acquisition is allowed right now
 *   ETIMEDOUT  timed_acquire: none was allowed before the deadline
 *   EPIPE      the limiter is closed (before or while the caller waited)
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <time.h>

/* The largest limit of a sliding window (the limiter may keep one time per admission), the
 * longest window, and the slowest and fastest bucket (tokens a second). */
#define SW_MAX_LIMIT    1000000u
#define SW_MAX_WINDOW_S 1e6
#define TB_MIN_RATE     1e-6
#define TB_MAX_RATE     1e9

/* ---- Sliding window ---------------------------------------------------------------------- */

struct sw_limiter;

/* A new open limiter admitting at most limit acquisitions in any window of window_s seconds.
 * NULL if limit is 0 or above SW_MAX_LIMIT, if window_s is not above 0 and at most
 * SW_MAX_WINDOW_S (NaN included), or if memory runs out. Free it with sw_destroy. */
struct sw_limiter *sw_create(unsigned limit, double window_s);

/* Free l. No thread may be using l, or use it afterwards. */
void sw_destroy(struct sw_limiter *l);

/* Acquire once, sleeping until the window allows it. 0, or EPIPE if l is closed before or while
 * the caller waits. */
int sw_acquire(struct sw_limiter *l);

/* Acquire once if the window allows it right now: 0, else EAGAIN at once (never waits), or
 * EPIPE if l is closed. */
int sw_try_acquire(struct sw_limiter *l);

/* As sw_acquire, but ETIMEDOUT if the window allows no acquisition by deadline, an absolute
 * time on CLOCK_MONOTONIC (tv_nsec in [0, 999999999]). It returns ETIMEDOUT no later than the
 * deadline, and may return it sooner once it knows that no acquisition can come in time. */
int sw_timed_acquire(struct sw_limiter *l, const struct timespec *deadline);

/* Close l: every thread waiting in an acquire wakes up and returns EPIPE, and every later
 * acquire returns EPIPE at once. Closing twice is harmless. Returns 0. */
int sw_close(struct sw_limiter *l);

/* ---- Token bucket ------------------------------------------------------------------------ */

struct tb_limiter;

/* A new open, full bucket of burst tokens that gains rate tokens a second. NULL if rate is not
 * between TB_MIN_RATE and TB_MAX_RATE (NaN included), burst is 0, or memory runs out. Free it with
 * tb_destroy. */
struct tb_limiter *tb_create(double rate, unsigned burst);

void tb_destroy(struct tb_limiter *b);

/* As the sw_ functions, for a bucket: each acquisition takes one token. */
int tb_acquire(struct tb_limiter *b);
int tb_try_acquire(struct tb_limiter *b);
int tb_timed_acquire(struct tb_limiter *b, const struct timespec *deadline);
int tb_close(struct tb_limiter *b);

#endif
