/* ratelimit.c - a sliding-window limiter and a token bucket: the file you write (lab
 * 10-ratelimit).
 *
 * The contract of every function is in include/ratelimit.h; README.md walks through the tasks
 * in order. Until a function is written it fails cleanly: it returns ENOSYS (or NULL).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ratelimit.h"

struct sw_limiter {
    /* TODO(student): a mutex that guards everything below, a condition variable on
     * CLOCK_MONOTONIC for waiters, closed, the limit and window, and the times of the latest
     * admissions. */
    int placeholder;
};

struct sw_limiter *sw_create(unsigned limit, double window_s)
{
    /* TODO(student): check the arguments, allocate, initialize (task 1). */
    (void)limit;
    (void)window_s;
    return NULL;
}

void sw_destroy(struct sw_limiter *l)
{
    /* TODO(student): destroy the mutex and condition variable, free everything. */
    (void)l;
}

int sw_acquire(struct sw_limiter *l)
{
    /* TODO(student): admit now if the window allows it; else sleep in a timed wait (in a while
     * loop) until it does, or until the limiter is closed (task 2). */
    (void)l;
    return ENOSYS;
}

int sw_try_acquire(struct sw_limiter *l)
{
    /* TODO(student): as sw_acquire, but EAGAIN instead of waiting (task 4). */
    (void)l;
    return ENOSYS;
}

int sw_timed_acquire(struct sw_limiter *l, const struct timespec *deadline)
{
    /* TODO(student): as sw_acquire, but ETIMEDOUT by the CLOCK_MONOTONIC deadline (task 5). */
    (void)l;
    (void)deadline;
    return ENOSYS;
}

int sw_close(struct sw_limiter *l)
{
    /* TODO(student): set closed and wake every waiter (task 6). */
    (void)l;
    return ENOSYS;
}

struct tb_limiter {
    /* TODO(student): the same kind of state for a bucket: its rate and burst, the tokens it
     * holds and when they were counted. */
    int placeholder;
};

struct tb_limiter *tb_create(double rate, unsigned burst)
{
    /* TODO(student): check the arguments; a new bucket is full (task 3). */
    (void)rate;
    (void)burst;
    return NULL;
}

void tb_destroy(struct tb_limiter *b)
{
    (void)b;
}

int tb_acquire(struct tb_limiter *b)
{
    /* TODO(student): add the tokens grown since you last counted (never above burst), take one
     * if there is one, else sleep until yours has grown (task 3). */
    (void)b;
    return ENOSYS;
}

int tb_try_acquire(struct tb_limiter *b)
{
    (void)b;
    return ENOSYS;
}

int tb_timed_acquire(struct tb_limiter *b, const struct timespec *deadline)
{
    (void)b;
    (void)deadline;
    return ENOSYS;
}

int tb_close(struct tb_limiter *b)
{
    (void)b;
    return ENOSYS;
}
