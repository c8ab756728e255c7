/* daemon.h - background threads and clean shutdown (lab 08-daemon).
 *
 * C has no daemon threads: when a program returns from main, exit ends every thread wherever it
 * is, so a background thread's unfinished work is simply lost. This lab's two background
 * threads therefore stop only when told to, and their stop finishes their work and joins them:
 *   - a ticker calls a function once per period on its own thread, until ticker_stop;
 *   - a logger takes lines from any thread without ever making it wait, and hands them to a
 *     sink on its own thread; logger_shutdown delivers every line written before it returns,
 *     so a program that calls it on its way out (atexit) loses nothing.
 * Functions that can fail return 0 or an error number, as pthreads does (they do not set errno):
 *   EINVAL  a bad argument (NULL where a pointer is needed, a period below 1 ms)
 *   EPIPE   logger_write after logger_shutdown
 *   EAGAIN  the thread could not be started
 *   ENOMEM  out of memory
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <stdbool.h>

/* ---- The ticker: a periodic background worker --------------------------------------------- */

struct ticker;

/* What a ticker calls, on its own thread: fn(arg, false) at every tick, and fn(arg, true) once
 * after ticker_stop, as its last call. */
typedef void (*ticker_fn)(void *arg, bool final);

/* Start a thread that calls fn(arg, false) every period_ms milliseconds. Tick k (k = 1, 2, ...)
 * is due at start + k * period_ms on CLOCK_MONOTONIC, where start is the time of this call:
 * a late tick does not delay the ones after it, and a tick is never early. Ticks that fell due
 * while a call of fn ran are made at once, one after the other. 0 and *out set; EINVAL if out
 * or fn is NULL or period_ms < 1 (*out is then set to NULL if out is not NULL); EAGAIN if the
 * thread cannot start; ENOMEM. Free the ticker with ticker_free. */
int ticker_start(struct ticker **out, long period_ms, ticker_fn fn, void *arg);

/* Stop the ticker: no tick begins after this call; the ticker's thread then calls fn(arg, true)
 * once and ends. Returns promptly however long the period: it never waits for the next tick.
 * Called from any thread but the ticker's own, it returns once that thread has made its final
 * call and ended, and has been joined. Called from fn (on the ticker's own thread, which cannot
 * join itself) it only asks: it returns at once, the final call follows when fn returns, and a
 * later ticker_stop or ticker_free from another thread joins. Any number of calls, from any
 * threads, also at the same time, are safe: every one returns 0, and fn(arg, true) runs once. */
int ticker_stop(struct ticker *t);

/* Stop t (as ticker_stop, if that was not done), join its thread if nobody did, and free it.
 * Never from fn. NULL is ignored. */
void ticker_free(struct ticker *t);

/* ---- The logger: fire-and-forget lines, written by a background thread -------------------- */

struct logger;

/* Where a logger's lines go: called on the logger's own thread, one line at a time, in order. */
typedef void (*logger_sink)(void *arg, const char *line);

/* Start a logger whose thread hands every line written to sink(arg, line). 0 and *out set;
 * EINVAL if out or sink is NULL (*out is then set to NULL if out is not NULL); EAGAIN if the
 * thread cannot start; ENOMEM. Free it with logger_free. */
int logger_start(struct logger **out, logger_sink sink, void *arg);

/* Queue a copy of line for the sink and return at once: never waits for the sink, however slow
 * it is (only, briefly, for the logger's lock). Lines reach the sink in the order their
 * logger_write calls took effect, so each thread's lines in the order it wrote them. Safe from
 * any number of threads at once, and from the sink itself. 0; EINVAL if line is NULL; EPIPE once
 * logger_shutdown was called (nothing is queued); ENOMEM. */
int logger_write(struct logger *lg, const char *line);

/* Refuse further lines (EPIPE), let the logger's thread hand every line already queued to the
 * sink, then join it: when this returns, every line written before the call has reached the
 * sink, so a program may exit. A second call, also from another thread at the same time,
 * returns 0 once the first has finished. Never from the sink. Returns 0. */
int logger_shutdown(struct logger *lg);

/* Shut lg down (as logger_shutdown, if that was not done) and free it. NULL is ignored. */
void logger_free(struct logger *lg);

#endif
