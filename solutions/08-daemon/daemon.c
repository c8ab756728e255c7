/* daemon.c - a periodic ticker and a fire-and-forget logger, stopped cleanly (reference).
 *
 * DESIGN: each object has one background thread, one mutex and condition variables for what
 * its threads wait for; a stop is a flag set under the lock and broadcast, never a sleep.
 * Ticker: its thread waits in pthread_cond_timedwait until the next tick's absolute deadline
 * (start + k * period on CLOCK_MONOTONIC, the condition variable's clock), so that ticks do not
 * drift and ticker_stop's broadcast ends the wait at once, however long the period. The thread
 * runs fn without the lock (fn may call ticker_stop), and fn(arg, true) after its loop.
 * Logger: a FIFO linked list of copied lines; its thread takes the oldest and calls the sink
 * without the lock, so that writers never wait for the sink, and leaves its loop only once
 * shutdown was asked and the list is empty: shutdown drains, then joins.
 * Joining, for both: exactly one stopping thread joins (`joining`); every other one waits on
 * `joined` until it is done; and the ticker's own thread, which cannot join itself
 * (pthread_join would fail with EDEADLK), only asks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

/* ---- Ticker -------------------------------------------------------------------------------- */

struct ticker {
    pthread_mutex_t lock;
    pthread_cond_t wake;   /* the ticker's thread waits here for its deadline or a stop */
    pthread_cond_t joined; /* stoppers wait here for the one that joins */
    pthread_t thread;      /* written under lock before the thread can read it */
    ticker_fn fn;
    void *arg;
    long period_ms;
    struct timespec start;
    /* Everything below is read and written only with lock held. */
    bool stopping;   /* no tick begins once set */
    bool joining;    /* a stopper has taken on the join */
    bool joined_now; /* ...and it is done */
};

static void timespec_add_ms(struct timespec *t, long ms)
{
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static void *ticker_main(void *arg)
{
    struct ticker *t = arg;
    struct timespec next = t->start;
    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        timespec_add_ms(&next, t->period_ms); /* from the start, not from now: no drift */
        int err = 0;
        while (!t->stopping && err != ETIMEDOUT) /* re-check: wakeups can be spurious */
            err = pthread_cond_timedwait(&t->wake, &t->lock, &next);
        if (t->stopping)
            break;
        pthread_mutex_unlock(&t->lock);
        t->fn(t->arg, false); /* without the lock: fn may call ticker_stop */
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    t->fn(t->arg, true);
    return NULL;
}

int ticker_start(struct ticker **out, long period_ms, ticker_fn fn, void *arg)
{
    if (out)
        *out = NULL;
    if (!out || !fn || period_ms < 1)
        return EINVAL;
    struct ticker *t = calloc(1, sizeof *t);
    if (!t)
        return ENOMEM;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC); /* the clock of the deadlines */
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, &attr);
    pthread_cond_init(&t->joined, NULL);
    pthread_condattr_destroy(&attr);
    t->fn = fn;
    t->arg = arg;
    t->period_ms = period_ms;
    clock_gettime(CLOCK_MONOTONIC, &t->start);
    pthread_mutex_lock(&t->lock); /* t->thread is set before the thread can call ticker_stop */
    int err = pthread_create(&t->thread, NULL, ticker_main, t);
    pthread_mutex_unlock(&t->lock);
    if (err != 0) {
        pthread_cond_destroy(&t->joined);
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return EAGAIN;
    }
    *out = t;
    return 0;
}

int ticker_stop(struct ticker *t)
{
    if (!t)
        return EINVAL;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_broadcast(&t->wake);
    if (pthread_equal(pthread_self(), t->thread)) {
        pthread_mutex_unlock(&t->lock); /* from fn: a thread cannot join itself */
        return 0;
    }
    if (!t->joining) {
        t->joining = true; /* this call joins; any other waits for it */
        pthread_mutex_unlock(&t->lock);
        pthread_join(t->thread, NULL);
        pthread_mutex_lock(&t->lock);
        t->joined_now = true;
        pthread_cond_broadcast(&t->joined);
    }
    while (!t->joined_now)
        pthread_cond_wait(&t->joined, &t->lock);
    pthread_mutex_unlock(&t->lock);
    return 0;
}

void ticker_free(struct ticker *t)
{
    if (!t)
        return;
    ticker_stop(t);
    pthread_cond_destroy(&t->joined);
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* ---- Logger -------------------------------------------------------------------------------- */

struct line {
    struct line *next;
    char text[]; /* a copy: the writer's buffer may change as soon as logger_write returns */
};

struct logger {
    pthread_mutex_t lock;
    pthread_cond_t more;   /* the logger's thread waits here for a line or the shutdown */
    pthread_cond_t joined; /* shutdowns wait here for the one that joins */
    pthread_t thread;
    logger_sink sink;
    void *arg;
    /* Everything below is read and written only with lock held. */
    struct line *head, *tail;
    bool closed;
    bool joining, joined_now;
};

static void *logger_main(void *arg)
{
    struct logger *lg = arg;
    pthread_mutex_lock(&lg->lock);
    for (;;) {
        while (!lg->head && !lg->closed)
            pthread_cond_wait(&lg->more, &lg->lock); /* re-check: wakeups can be spurious */
        if (!lg->head)
            break; /* closed, and every line delivered */
        struct line *l = lg->head;
        lg->head = l->next;
        if (!lg->head)
            lg->tail = NULL;
        pthread_mutex_unlock(&lg->lock);
        lg->sink(lg->arg, l->text); /* without the lock: writers never wait for the sink */
        free(l);
        pthread_mutex_lock(&lg->lock);
    }
    pthread_mutex_unlock(&lg->lock);
    return NULL;
}

int logger_start(struct logger **out, logger_sink sink, void *arg)
{
    if (out)
        *out = NULL;
    if (!out || !sink)
        return EINVAL;
    struct logger *lg = calloc(1, sizeof *lg);
    if (!lg)
        return ENOMEM;
    pthread_mutex_init(&lg->lock, NULL);
    pthread_cond_init(&lg->more, NULL);
    pthread_cond_init(&lg->joined, NULL);
    lg->sink = sink;
    lg->arg = arg;
    if (pthread_create(&lg->thread, NULL, logger_main, lg) != 0) {
        pthread_cond_destroy(&lg->joined);
        pthread_cond_destroy(&lg->more);
        pthread_mutex_destroy(&lg->lock);
        free(lg);
        return EAGAIN;
    }
    *out = lg;
    return 0;
}

int logger_write(struct logger *lg, const char *line)
{
    if (!lg || !line)
        return EINVAL;
    size_t len = strlen(line) + 1;
    struct line *l = malloc(sizeof *l + len); /* before the lock: the lock is held briefly */
    if (!l)
        return ENOMEM;
    memcpy(l->text, line, len);
    l->next = NULL;
    pthread_mutex_lock(&lg->lock);
    if (lg->closed) {
        pthread_mutex_unlock(&lg->lock);
        free(l);
        return EPIPE;
    }
    if (lg->tail)
        lg->tail->next = l;
    else
        lg->head = l;
    lg->tail = l;
    pthread_cond_signal(&lg->more); /* one waiter: the logger's thread */
    pthread_mutex_unlock(&lg->lock);
    return 0;
}

int logger_shutdown(struct logger *lg)
{
    if (!lg)
        return EINVAL;
    pthread_mutex_lock(&lg->lock);
    lg->closed = true;
    pthread_cond_signal(&lg->more);
    if (!lg->joining) {
        lg->joining = true; /* this call joins; any other waits for it */
        pthread_mutex_unlock(&lg->lock);
        pthread_join(lg->thread, NULL); /* it ends only once the list is empty */
        pthread_mutex_lock(&lg->lock);
        lg->joined_now = true;
        pthread_cond_broadcast(&lg->joined);
    }
    while (!lg->joined_now)
        pthread_cond_wait(&lg->joined, &lg->lock);
    pthread_mutex_unlock(&lg->lock);
    return 0;
}

void logger_free(struct logger *lg)
{
    if (!lg)
        return;
    logger_shutdown(lg);
    pthread_cond_destroy(&lg->joined);
    pthread_cond_destroy(&lg->more);
    pthread_mutex_destroy(&lg->lock);
    free(lg);
}
