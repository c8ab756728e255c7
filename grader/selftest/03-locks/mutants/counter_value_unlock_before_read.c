/* MUTANT: counter_value takes and releases the lock, then reads the value: the lock protects
 * nothing, and the read is a data race with any update that takes the lock after it.
 * CAUGHT-BY: tsan:counter_stress, helgrind:counter_stress
 */
/* locks.c - lab 03 reference solution: a locked counter, and a bank with one lock per account. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "locks.h"

struct counter {
    pthread_mutex_t lock; /* guards value */
    long value;
};

struct counter *counter_create(void)
{
    struct counter *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    c->value = 0;
    return c;
}

void counter_destroy(struct counter *c)
{
    if (!c)
        return;
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void counter_increment(struct counter *c)
{
    pthread_mutex_lock(&c->lock);
    c->value++;
    pthread_mutex_unlock(&c->lock);
}

void counter_decrement(struct counter *c)
{
    pthread_mutex_lock(&c->lock);
    c->value--;
    pthread_mutex_unlock(&c->lock);
}

long counter_value(struct counter *c)
{
    pthread_mutex_lock(&c->lock);
    pthread_mutex_unlock(&c->lock);
    return c->value;
}

/* DESIGN: each account's mutex guards its balance, so transfers between disjoint pairs run in
 * parallel. A call that needs several accounts locks them in increasing index order: no thread
 * ever waits for a lower-numbered lock while holding a higher one, so no cycle of waiting
 * threads, hence no deadlock, can form. */
struct account {
    pthread_mutex_t lock; /* guards balance */
    long balance;
};

struct bank {
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
    for (int i = 0; i < naccounts; i++) {
        if (pthread_mutex_init(&b->accounts[i].lock, NULL) != 0) {
            while (i-- > 0)
                pthread_mutex_destroy(&b->accounts[i].lock);
            goto out_free_accounts;
        }
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
    free(b->accounts);
    free(b);
}

static int bank_valid(const struct bank *b, int i)
{
    return i >= 0 && i < b->naccounts;
}

int bank_transfer(struct bank *b, int from, int to, long amount)
{
    if (!bank_valid(b, from) || !bank_valid(b, to) || amount <= 0)
        return EINVAL;
    struct account *src = &b->accounts[from], *dst = &b->accounts[to];
    struct account *first = from < to ? src : dst, *second = from < to ? dst : src;

    pthread_mutex_lock(&first->lock);
    /* A self-transfer takes its one lock once: locking a default mutex twice hangs. */
    if (second != first)
        pthread_mutex_lock(&second->lock);
    int err = 0;
    if (src->balance < amount) {
        err = ERANGE;
    } else {
        src->balance -= amount;
        dst->balance += amount;
    }
    if (second != first)
        pthread_mutex_unlock(&second->lock);
    pthread_mutex_unlock(&first->lock);
    return err;
}

long bank_balance(struct bank *b, int i)
{
    if (!bank_valid(b, i))
        return -1;
    pthread_mutex_lock(&b->accounts[i].lock);
    long v = b->accounts[i].balance;
    pthread_mutex_unlock(&b->accounts[i].lock);
    return v;
}

long bank_total(struct bank *b)
{
    /* Hold every lock at once, taken in the transfers' order: no transfer is half done. */
    for (int i = 0; i < b->naccounts; i++)
        pthread_mutex_lock(&b->accounts[i].lock);
    long sum = 0;
    for (int i = 0; i < b->naccounts; i++)
        sum += b->accounts[i].balance;
    for (int i = b->naccounts - 1; i >= 0; i--)
        pthread_mutex_unlock(&b->accounts[i].lock);
    return sum;
}
