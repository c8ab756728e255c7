/* VARIANT: each function starts and joins its own threads inline; the shared state lives on the
 * heap; seq_cst atomic_fetch_add read back relaxed after the join; partial sums in cache-line
 * padded slots (aligned_alloc) incremented in place; withdraw computes the verdict under the lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "race.h"

#define RACE_LINE 64

struct race_counter {
    pthread_mutex_t mutex;
    long value;
    atomic_long atomic_value;
    long iterations;
};

static void *race_by_mutex(void *p)
{
    struct race_counter *c = p;
    for (long k = c->iterations; k > 0; k--) {
        pthread_mutex_lock(&c->mutex);
        c->value += 1;
        pthread_mutex_unlock(&c->mutex);
    }
    return NULL;
}

static void *race_by_atomic(void *p)
{
    struct race_counter *c = p;
    for (long k = c->iterations; k > 0; k--)
        atomic_fetch_add(&c->atomic_value, 1);
    return NULL;
}

/* Run fn on c in nthreads threads; the counter is on the heap so that it outlives nothing. */
static int race_counter_run(int nthreads, long per_thread, long *total, void *(*fn)(void *),
                            int use_atomic)
{
    if (nthreads < 1 || per_thread < 0 || total == NULL)
        return EINVAL;
    struct race_counter *c = malloc(sizeof *c);
    pthread_t *t = malloc(sizeof(pthread_t) * (size_t)nthreads);
    int err = c && t ? 0 : ENOMEM;
    if (err == 0)
        err = pthread_mutex_init(&c->mutex, NULL);
    if (err) {
        free(t);
        free(c);
        return err;
    }
    c->value = 0;
    atomic_init(&c->atomic_value, 0);
    c->iterations = per_thread;
    int made;
    for (made = 0; made < nthreads; made++) {
        err = pthread_create(&t[made], NULL, fn, c);
        if (err)
            break;
    }
    while (made > 0)
        pthread_join(t[--made], NULL);
    if (err == 0)
        *total =
            use_atomic ? atomic_load_explicit(&c->atomic_value, memory_order_relaxed) : c->value;
    pthread_mutex_destroy(&c->mutex);
    free(t);
    free(c);
    return err;
}

int race_count_mutex(int nthreads, long per_thread, long *total)
{
    return race_counter_run(nthreads, per_thread, total, race_by_mutex, 0);
}

int race_count_atomic(int nthreads, long per_thread, long *total)
{
    return race_counter_run(nthreads, per_thread, total, race_by_atomic, 1);
}

/* A slot fills a whole cache line: threads incrementing their own slots never share a line. */
struct race_padded {
    long count;
    long iterations;
    char pad[RACE_LINE - 2 * sizeof(long)];
};

static void *race_by_slot(void *p)
{
    struct race_padded *slot = p;
    for (long k = 0; k < slot->iterations; k++)
        slot->count++;
    return NULL;
}

int race_count_partial(int nthreads, long per_thread, long *total)
{
    if (nthreads < 1 || per_thread < 0 || total == NULL)
        return EINVAL;
    struct race_padded *slots = aligned_alloc(RACE_LINE, sizeof *slots * (size_t)nthreads);
    pthread_t *t = malloc(sizeof(pthread_t) * (size_t)nthreads);
    if (!slots || !t) {
        free(slots);
        free(t);
        return ENOMEM;
    }
    memset(slots, 0, sizeof *slots * (size_t)nthreads);
    int made, err = 0;
    for (made = 0; made < nthreads; made++) {
        slots[made].iterations = per_thread;
        err = pthread_create(&t[made], NULL, race_by_slot, &slots[made]);
        if (err)
            break;
    }
    long sum = 0;
    for (int i = 0; i < made; i++) {
        pthread_join(t[i], NULL);
        sum += slots[i].count; /* thread i is joined: its slot is final */
    }
    if (err == 0)
        *total = sum;
    free(slots);
    free(t);
    return err;
}

struct race_account {
    long balance;
    pthread_mutex_t guard; /* guards balance */
};

struct race_account *race_account_new(long balance)
{
    struct race_account *a = balance < 0 ? NULL : malloc(sizeof *a);
    if (a == NULL)
        return NULL;
    a->balance = balance;
    if (pthread_mutex_init(&a->guard, NULL)) {
        free(a);
        return NULL;
    }
    return a;
}

void race_account_free(struct race_account *a)
{
    if (a == NULL)
        return;
    pthread_mutex_destroy(&a->guard);
    free(a);
}

int race_withdraw(struct race_account *a, long amount)
{
    if (amount < 1)
        return EINVAL;
    pthread_mutex_lock(&a->guard);
    int ok = a->balance >= amount;
    if (ok)
        a->balance -= amount;
    pthread_mutex_unlock(&a->guard);
    return ok ? 0 : ERANGE;
}

long race_balance(struct race_account *a)
{
    pthread_mutex_lock(&a->guard);
    long b = a->balance;
    pthread_mutex_unlock(&a->guard);
    return b;
}
