/* MUTANT: race_balance takes and releases the lock, then reads the balance: the lock protects
 * nothing, and the read is a data race with any withdrawal that takes the lock after it.
 * CAUGHT-BY: tsan:withdraw helgrind:withdraw
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "race.h"

/* Run fn in nthreads threads and join them all. Thread i gets (char *)arg + i * stride: stride 0
 * hands every thread the same object. Returns 0 or the first pthread_create error. */
static int race_run(int nthreads, void *(*fn)(void *), void *arg, size_t stride)
{
    pthread_t *tids = malloc((size_t)nthreads * sizeof *tids);
    if (!tids)
        return ENOMEM;
    int started = 0, err = 0;
    while (started < nthreads && err == 0) {
        err = pthread_create(&tids[started], NULL, fn, (char *)arg + (size_t)started * stride);
        if (err == 0)
            started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    return err;
}

static int race_check_args(int nthreads, long per_thread, const long *total)
{
    return nthreads < 1 || per_thread < 0 || !total ? EINVAL : 0;
}

/* ---- Task 1: one counter, one mutex ---------------------------------------------------------- */

struct race_locked {
    pthread_mutex_t lock; /* protects count */
    long count;
    long per_thread;
};

static void *race_mutex_worker(void *arg)
{
    struct race_locked *c = arg;
    for (long i = 0; i < c->per_thread; i++) {
        pthread_mutex_lock(&c->lock);
        c->count++;
        pthread_mutex_unlock(&c->lock);
    }
    return NULL;
}

int race_count_mutex(int nthreads, long per_thread, long *total)
{
    int err = race_check_args(nthreads, per_thread, total);
    if (err)
        return err;
    struct race_locked c = {.count = 0, .per_thread = per_thread};
    err = pthread_mutex_init(&c.lock, NULL);
    if (err)
        return err;
    err = race_run(nthreads, race_mutex_worker, &c, 0);
    if (err == 0)
        *total = c.count; /* every thread is joined: their writes are visible, no lock needed */
    pthread_mutex_destroy(&c.lock);
    return err;
}

/* ---- Task 2: one atomic counter -------------------------------------------------------------- */

struct race_atomic {
    atomic_long count;
    long per_thread;
};

static void *race_atomic_worker(void *arg)
{
    struct race_atomic *c = arg;
    /* Relaxed is enough: nothing else is published through count, and join orders the result. */
    for (long i = 0; i < c->per_thread; i++)
        atomic_fetch_add_explicit(&c->count, 1, memory_order_relaxed);
    return NULL;
}

int race_count_atomic(int nthreads, long per_thread, long *total)
{
    int err = race_check_args(nthreads, per_thread, total);
    if (err)
        return err;
    struct race_atomic c = {.per_thread = per_thread};
    atomic_init(&c.count, 0);
    err = race_run(nthreads, race_atomic_worker, &c, 0);
    if (err == 0)
        *total = atomic_load(&c.count);
    return err;
}

/* ---- Task 3: per-thread partial sums --------------------------------------------------------- */

/* One slot per thread, written by its thread only and read by the caller after the join. The
 * thread counts in a local variable and writes its slot once, so neighbouring slots sharing a
 * cache line cost nothing (no false sharing in the loop). */
struct race_slot {
    long per_thread;
    long sum;
};

static void *race_partial_worker(void *arg)
{
    struct race_slot *s = arg;
    long sum = 0;
    for (long i = 0; i < s->per_thread; i++)
        sum++;
    s->sum = sum;
    return NULL;
}

int race_count_partial(int nthreads, long per_thread, long *total)
{
    int err = race_check_args(nthreads, per_thread, total);
    if (err)
        return err;
    struct race_slot *slots = calloc((size_t)nthreads, sizeof *slots);
    if (!slots)
        return ENOMEM;
    for (int i = 0; i < nthreads; i++)
        slots[i].per_thread = per_thread;
    err = race_run(nthreads, race_partial_worker, slots, sizeof *slots);
    if (err == 0) {
        long sum = 0;
        for (int i = 0; i < nthreads; i++)
            sum += slots[i].sum;
        *total = sum;
    }
    free(slots);
    return err;
}

/* ---- Task 4: check-then-act ------------------------------------------------------------------ */

struct race_account {
    pthread_mutex_t lock; /* protects balance */
    long balance;
};

struct race_account *race_account_new(long balance)
{
    if (balance < 0)
        return NULL;
    struct race_account *acct = malloc(sizeof *acct);
    if (!acct)
        return NULL;
    if (pthread_mutex_init(&acct->lock, NULL) != 0) {
        free(acct);
        return NULL;
    }
    acct->balance = balance;
    return acct;
}

void race_account_free(struct race_account *acct)
{
    if (!acct)
        return;
    pthread_mutex_destroy(&acct->lock);
    free(acct);
}

int race_withdraw(struct race_account *acct, long amount)
{
    if (amount <= 0)
        return EINVAL;
    int err = 0;
    /* The check and the update form one atomic step: no other withdraw may run in between. */
    pthread_mutex_lock(&acct->lock);
    if (acct->balance >= amount)
        acct->balance -= amount;
    else
        err = ERANGE;
    pthread_mutex_unlock(&acct->lock);
    return err;
}

long race_balance(struct race_account *acct)
{
    pthread_mutex_lock(&acct->lock);
    pthread_mutex_unlock(&acct->lock);
    return acct->balance;
}
