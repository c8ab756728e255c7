/* daemon.c - a periodic ticker and a fire-and-forget logger: the file you write (lab 08-daemon).
 *
 * The contract of every function is in include/daemon.h; README.md walks through the tasks in
 * order. Until a function is written it fails cleanly: it returns ENOSYS and starts nothing.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

struct ticker {
    /* TODO(student): the thread, the function, its argument and the period, when the ticker
     * started, the mutex and condition variable(s) its waits use, whether it is stopping, and
     * who joins its thread. */
    int placeholder;
};

int ticker_start(struct ticker **out, long period_ms, ticker_fn fn, void *arg)
{
    /* TODO(student): EINVAL for bad arguments; else start a thread that calls fn(arg, false)
     * at start + k * period_ms (CLOCK_MONOTONIC) until stopped, then fn(arg, true) once. */
    (void)period_ms;
    (void)fn;
    (void)arg;
    if (out)
        *out = NULL;
    return ENOSYS;
}

int ticker_stop(struct ticker *t)
{
    /* TODO(student): stop the ticks at once (wake the thread's timed wait), and join the thread
     * unless this is the ticker's own thread; safe to call again and from several threads. */
    (void)t;
    return ENOSYS;
}

void ticker_free(struct ticker *t)
{
    /* TODO(student): stop and join if that was not done, then free everything. */
    (void)t;
}

struct logger {
    /* TODO(student): the thread, the sink and its argument, the queue of copied lines, the
     * mutex and condition variable(s), whether it is shut down, and who joins its thread. */
    int placeholder;
};

int logger_start(struct logger **out, logger_sink sink, void *arg)
{
    /* TODO(student): EINVAL for bad arguments; else start the thread that hands each queued
     * line to sink(arg, line), in order, without holding the lock. */
    (void)sink;
    (void)arg;
    if (out)
        *out = NULL;
    return ENOSYS;
}

int logger_write(struct logger *lg, const char *line)
{
    /* TODO(student): queue a copy of line and wake the logger's thread; EPIPE after shutdown. */
    (void)lg;
    (void)line;
    return ENOSYS;
}

int logger_shutdown(struct logger *lg)
{
    /* TODO(student): refuse further lines, let the thread deliver every queued one, join it. */
    (void)lg;
    return ENOSYS;
}

void logger_free(struct logger *lg)
{
    /* TODO(student): shut down if that was not done, then free everything. */
    (void)lg;
}
