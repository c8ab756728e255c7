/* ratelimit.c - a sliding-window limiter and a token bucket that put their waiters to sleep
 * until their turn (reference).
 *
 * DESIGN: each limiter has one mutex, which guards all of its state, and one condition variable
 * on CLOCK_MONOTONIC. A caller that may go ahead now takes its turn and returns. One that must
 * wait reserves the earliest turn still free, under the mutex, and sleeps in a timed wait until
 * that moment: every waiter owns a different moment, so each wakes alone, in its turn, and
 * nobody needs to signal it. Only close wakes waiters early, with a broadcast: each checks
 * closed and its moment again after every wakeup (wakeups can be spurious). Every moment is
 * read from CLOCK_MONOTONIC, in nanoseconds: the wall clock can jump, the monotonic clock
 * cannot.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ratelimit.h"

#define NS 1000000000LL

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * NS + t.tv_nsec;
}

static int64_t ts_ns(const struct timespec *t)
{
    return (int64_t)t->tv_sec * NS + t->tv_nsec;
}

/* x (>= 0) nanoseconds, rounded up: a turn is never early. */
static int64_t ceil_ns(double x)
{
    int64_t n = (int64_t)x;
    return n + ((double)n < x);
}

/* A mutex and a condition variable whose timed waits take CLOCK_MONOTONIC deadlines. */
static int init_sync(pthread_mutex_t *lock, pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    int err = pthread_condattr_init(&attr);
    if (err)
        return err;
    err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (!err)
        err = pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
    if (err)
        return err;
    err = pthread_mutex_init(lock, NULL);
    if (err)
        pthread_cond_destroy(cond);
    return err;
}

/* Sleep (lock held) until the moment at, or until closed. 0 at the moment, EPIPE if closed. */
static int wait_turn(pthread_cond_t *cond, pthread_mutex_t *lock, const bool *closed, int64_t at)
{
    struct timespec until = {.tv_sec = (time_t)(at / NS), .tv_nsec = (long)(at % NS)};
    while (!*closed && now_ns() < at) /* spurious wakeups: check both again */
        pthread_cond_timedwait(cond, lock, &until);
    return *closed ? EPIPE : 0;
}

/* ---- Sliding window ---------------------------------------------------------------------- */

struct sw_limiter {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* broadcast by close only */
    /* Everything below is guarded by lock. */
    bool closed;
    unsigned limit;
    int64_t window;
    int64_t *turn;   /* ring: the moments of the latest limit admissions, past or reserved */
    unsigned oldest; /* index of the earliest of them: the next to leave the window */
};

struct sw_limiter *sw_create(unsigned limit, double window_s)
{
    if (limit == 0 || limit > SW_MAX_LIMIT || !(window_s > 0 && window_s <= SW_MAX_WINDOW_S))
        return NULL;
    struct sw_limiter *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->turn = malloc(limit * sizeof *l->turn);
    if (!l->turn || init_sync(&l->lock, &l->wake)) {
        free(l->turn);
        free(l);
        return NULL;
    }
    l->limit = limit;
    l->window = ceil_ns(window_s * NS);
    /* No admission yet: as if the latest ones were a whole window ago. */
    int64_t long_ago = now_ns() - l->window;
    for (unsigned i = 0; i < limit; i++)
        l->turn[i] = long_ago;
    return l;
}

void sw_destroy(struct sw_limiter *l)
{
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->wake);
    free(l->turn);
    free(l);
}

/* Acquire with l->lock held. wait: false = EAGAIN instead of waiting; deadline NULL = none. */
static int sw_take(struct sw_limiter *l, bool wait, const struct timespec *deadline)
{
    if (l->closed)
        return EPIPE;
    /* The earliest moment at which the window holds fewer than limit admissions: a window after
     * the oldest of the latest limit. */
    int64_t now = now_ns(), at = l->turn[l->oldest] + l->window;
    if (at < now)
        at = now;
    if (at > now && !wait)
        return EAGAIN;
    if (at > now && deadline && at > ts_ns(deadline))
        return ETIMEDOUT;    /* no turn comes in time: say so at once */
    l->turn[l->oldest] = at; /* reserved: later callers queue behind it */
    l->oldest = (l->oldest + 1) % l->limit;
    return wait_turn(&l->wake, &l->lock, &l->closed, at);
}

static int sw_acquire_how(struct sw_limiter *l, bool wait, const struct timespec *deadline)
{
    pthread_mutex_lock(&l->lock);
    int err = sw_take(l, wait, deadline);
    pthread_mutex_unlock(&l->lock);
    return err;
}

int sw_acquire(struct sw_limiter *l)
{
    return sw_acquire_how(l, true, NULL);
}

int sw_try_acquire(struct sw_limiter *l)
{
    return sw_acquire_how(l, false, NULL);
}

int sw_timed_acquire(struct sw_limiter *l, const struct timespec *deadline)
{
    return sw_acquire_how(l, true, deadline);
}

int sw_close(struct sw_limiter *l)
{
    pthread_mutex_lock(&l->lock);
    l->closed = true;
    pthread_cond_broadcast(&l->wake); /* every waiter, not one */
    pthread_mutex_unlock(&l->lock);
    return 0;
}

/* ---- Token bucket ------------------------------------------------------------------------ */

struct tb_limiter {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* broadcast by close only */
    /* Everything below is guarded by lock. */
    bool closed;
    double rate;   /* tokens per nanosecond */
    double burst;  /* the most tokens the bucket holds */
    double tokens; /* at moment last; below 0: tokens promised to waiters, not yet grown */
    int64_t last;
};

struct tb_limiter *tb_create(double rate, unsigned burst)
{
    if (!(rate >= TB_MIN_RATE && rate <= TB_MAX_RATE) || burst == 0)
        return NULL;
    struct tb_limiter *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    if (init_sync(&b->lock, &b->wake)) {
        free(b);
        return NULL;
    }
    b->rate = rate / NS;
    b->burst = burst;
    b->tokens = burst;
    b->last = now_ns();
    return b;
}

void tb_destroy(struct tb_limiter *b)
{
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->wake);
    free(b);
}

static int tb_take(struct tb_limiter *b, bool wait, const struct timespec *deadline)
{
    if (b->closed)
        return EPIPE;
    int64_t now = now_ns();
    /* Tokens grow since last, but a full bucket overflows: never more than burst. */
    b->tokens += (double)(now - b->last) * b->rate;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    b->last = now;
    int64_t at = now;
    if (b->tokens < 1) /* the moment our token will have grown, behind those promised */
        at += ceil_ns((1 - b->tokens) / b->rate);
    if (at > now && !wait)
        return EAGAIN;
    if (at > now && deadline && at > ts_ns(deadline))
        return ETIMEDOUT;
    b->tokens -= 1; /* ours, now or at `at` */
    return wait_turn(&b->wake, &b->lock, &b->closed, at);
}

static int tb_acquire_how(struct tb_limiter *b, bool wait, const struct timespec *deadline)
{
    pthread_mutex_lock(&b->lock);
    int err = tb_take(b, wait, deadline);
    pthread_mutex_unlock(&b->lock);
    return err;
}

int tb_acquire(struct tb_limiter *b)
{
    return tb_acquire_how(b, true, NULL);
}

int tb_try_acquire(struct tb_limiter *b)
{
    return tb_acquire_how(b, false, NULL);
}

int tb_timed_acquire(struct tb_limiter *b, const struct timespec *deadline)
{
    return tb_acquire_how(b, true, deadline);
}

int tb_close(struct tb_limiter *b)
{
    pthread_mutex_lock(&b->lock);
    b->closed = true;
    pthread_cond_broadcast(&b->wake);
    pthread_mutex_unlock(&b->lock);
    return 0;
}
