/* VARIANT: a C11 atomic counter; a bank-wide rwlock that transfers share and bank_total takes
 * alone, so the total reads every balance with no account lock. */
/* locks.c - a correct lab 03 solution: atomic counter, rwlock snapshot, one lock per account. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "locks.h"

struct counter {
    atomic_long value;
};

struct counter *counter_create(void)
{
    struct counter *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    atomic_init(&c->value, 0);
    return c;
}

void counter_destroy(struct counter *c)
{
    free(c);
}

void counter_increment(struct counter *c)
{
    atomic_fetch_add(&c->value, 1);
}

void counter_decrement(struct counter *c)
{
    atomic_fetch_sub(&c->value, 1);
}

long counter_value(struct counter *c)
{
    return atomic_load(&c->value);
}

/* DESIGN: a balance changes only under its account's mutex and a read hold of `snapshot`;
 * bank_total holds `snapshot` for writing, which excludes every transfer at once. Lock order:
 * snapshot, then accounts by increasing index. */
struct account {
    pthread_mutex_t lock;
    long balance;
};

struct bank {
    pthread_rwlock_t snapshot;
    int naccounts;
    struct account *accounts;
};

struct bank *bank_create(int naccounts, long initial)
{
    if (naccounts < 1 || initial < 0)
        return NULL;
    struct bank *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    b->accounts = calloc((size_t)naccounts, sizeof *b->accounts);
    if (!b->accounts)
        goto out_free_bank;
    if (pthread_rwlock_init(&b->snapshot, NULL) != 0)
        goto out_free_accounts;
    for (int i = 0; i < naccounts; i++) {
        pthread_mutex_init(&b->accounts[i].lock, NULL);
        b->accounts[i].balance = initial;
    }
    b->naccounts = naccounts;
    return b;

out_free_accounts:
    free(b->accounts);
out_free_bank:
    free(b);
    return NULL;
}

void bank_destroy(struct bank *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->naccounts; i++)
        pthread_mutex_destroy(&b->accounts[i].lock);
    pthread_rwlock_destroy(&b->snapshot);
    free(b->accounts);
    free(b);
}

int bank_transfer(struct bank *b, int from, int to, long amount)
{
    if (from < 0 || from >= b->naccounts || to < 0 || to >= b->naccounts || amount <= 0)
        return EINVAL;
    if (from == to) {
        long have = bank_balance(b, from);
        return have < amount ? ERANGE : 0;
    }
    struct account *src = &b->accounts[from], *dst = &b->accounts[to];
    struct account *lo = from < to ? src : dst, *hi = from < to ? dst : src;
    int err = 0;

    pthread_rwlock_rdlock(&b->snapshot);
    pthread_mutex_lock(&lo->lock);
    pthread_mutex_lock(&hi->lock);
    if (src->balance >= amount) {
        src->balance -= amount;
        dst->balance += amount;
    } else {
        err = ERANGE;
    }
    pthread_mutex_unlock(&lo->lock);
    pthread_mutex_unlock(&hi->lock);
    pthread_rwlock_unlock(&b->snapshot);
    return err;
}

long bank_balance(struct bank *b, int i)
{
    if (i < 0 || i >= b->naccounts)
        return -1;
    pthread_mutex_lock(&b->accounts[i].lock);
    long v = b->accounts[i].balance;
    pthread_mutex_unlock(&b->accounts[i].lock);
    return v;
}

long bank_total(struct bank *b)
{
    long sum = 0;
    pthread_rwlock_wrlock(&b->snapshot);
    for (int i = 0; i < b->naccounts; i++)
        sum += b->accounts[i].balance;
    pthread_rwlock_unlock(&b->snapshot);
    return sum;
}
