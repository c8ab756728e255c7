/* VARIANT: error-checking mutexes with every return value checked; the atomic counter's threads
 * wait at a start gate (mutex + condition variable, broadcast after unlock) and increment an
 * _Atomic long with ++; partial sums combined by each thread once, under a lock; withdraw with
 * early returns.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "race.h"

static int race_mutex_init_checked(pthread_mutex_t *m)
{
    pthread_mutexattr_t attr;
    int err = pthread_mutexattr_init(&attr);
    if (err)
        return err;
    err = pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
    if (err == 0)
        err = pthread_mutex_init(m, &attr);
    pthread_mutexattr_destroy(&attr);
    return err;
}

static void race_lock(pthread_mutex_t *m)
{
    if (pthread_mutex_lock(m) != 0)
        abort();
}

static void race_unlock(pthread_mutex_t *m)
{
    if (pthread_mutex_unlock(m) != 0)
        abort();
}

/* Start nthreads threads on fn(arg), call started(arg) if given, and join them; 0 or the
 * pthread_create error. */
static int race_spawn_join(int nthreads, void *(*fn)(void *), void *arg, void (*started)(void *))
{
    pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
    if (!tids)
        return ENOMEM;
    int n = 0, err = 0;
    for (; n < nthreads; n++) {
        err = pthread_create(&tids[n], NULL, fn, arg);
        if (err)
            break;
    }
    if (started)
        started(arg);
    for (int i = 0; i < n; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    return err;
}

struct race_shared {
    pthread_mutex_t lock; /* protects count (mutex and partial) and open (gate) */
    pthread_cond_t opened;
    int open;
    long count;
    _Atomic long acount;
    long per_thread;
};

static int race_shared_init(struct race_shared *s, long per_thread)
{
    s->open = 0;
    s->count = 0;
    s->acount = 0;
    s->per_thread = per_thread;
    int err = race_mutex_init_checked(&s->lock);
    if (err)
        return err;
    err = pthread_cond_init(&s->opened, NULL);
    if (err)
        pthread_mutex_destroy(&s->lock);
    return err;
}

static void race_shared_destroy(struct race_shared *s)
{
    pthread_cond_destroy(&s->opened);
    pthread_mutex_destroy(&s->lock);
}

static int race_bad(int nthreads, long per_thread, long *total)
{
    return nthreads < 1 || per_thread < 0 || total == NULL;
}

static void *race_mutex_thread(void *arg)
{
    struct race_shared *s = arg;
    for (long i = 0; i < s->per_thread; i++) {
        race_lock(&s->lock);
        s->count++;
        race_unlock(&s->lock);
    }
    return NULL;
}

int race_count_mutex(int nthreads, long per_thread, long *total)
{
    if (race_bad(nthreads, per_thread, total))
        return EINVAL;
    struct race_shared s;
    int err = race_shared_init(&s, per_thread);
    if (err)
        return err;
    err = race_spawn_join(nthreads, race_mutex_thread, &s, NULL);
    if (!err)
        *total = s.count;
    race_shared_destroy(&s);
    return err;
}

static void *race_atomic_thread(void *arg)
{
    struct race_shared *s = arg;
    race_lock(&s->lock);
    while (!s->open)
        pthread_cond_wait(&s->opened, &s->lock);
    race_unlock(&s->lock);
    for (long i = 0; i < s->per_thread; i++)
        s->acount++; /* ++ on an _Atomic object is one atomic read-modify-write */
    return NULL;
}

static void race_atomic_open(void *arg)
{
    struct race_shared *s = arg;
    race_lock(&s->lock);
    s->open = 1;
    race_unlock(&s->lock);
    pthread_cond_broadcast(&s->opened);
}

int race_count_atomic(int nthreads, long per_thread, long *total)
{
    if (race_bad(nthreads, per_thread, total))
        return EINVAL;
    struct race_shared s;
    int err = race_shared_init(&s, per_thread);
    if (err)
        return err;
    err = race_spawn_join(nthreads, race_atomic_thread, &s, race_atomic_open);
    if (!err)
        *total = s.acount;
    race_shared_destroy(&s);
    return err;
}

static void *race_partial_thread(void *arg)
{
    struct race_shared *s = arg;
    long mine = 0;
    for (long i = 0; i < s->per_thread; i++)
        mine++;
    race_lock(&s->lock);
    s->count += mine;
    race_unlock(&s->lock);
    return NULL;
}

int race_count_partial(int nthreads, long per_thread, long *total)
{
    if (race_bad(nthreads, per_thread, total))
        return EINVAL;
    struct race_shared s;
    int err = race_shared_init(&s, per_thread);
    if (err)
        return err;
    err = race_spawn_join(nthreads, race_partial_thread, &s, NULL);
    if (!err)
        *total = s.count;
    race_shared_destroy(&s);
    return err;
}

struct race_account {
    pthread_mutex_t lock; /* protects balance */
    long balance;
};

struct race_account *race_account_new(long balance)
{
    if (balance < 0)
        return NULL;
    struct race_account *acct = calloc(1, sizeof *acct);
    if (acct == NULL)
        return NULL;
    if (race_mutex_init_checked(&acct->lock) != 0) {
        free(acct);
        return NULL;
    }
    acct->balance = balance;
    return acct;
}

void race_account_free(struct race_account *acct)
{
    if (acct) {
        pthread_mutex_destroy(&acct->lock);
        free(acct);
    }
}

int race_withdraw(struct race_account *acct, long amount)
{
    if (amount <= 0)
        return EINVAL;
    race_lock(&acct->lock);
    if (acct->balance < amount) {
        race_unlock(&acct->lock);
        return ERANGE;
    }
    acct->balance -= amount;
    race_unlock(&acct->lock);
    return 0;
}

long race_balance(struct race_account *acct)
{
    race_lock(&acct->lock);
    long b = acct->balance;
    race_unlock(&acct->lock);
    return b;
}
