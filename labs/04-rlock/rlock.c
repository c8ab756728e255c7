/* rlock.c - a reentrant lock from a mutex and a condition variable: the file you write (lab
 * 04-rlock).
 *
 * The contract of every function is in include/rlock.h; README.md walks through the tasks in
 * order. Until a function is written it fails cleanly: it returns ENOSYS (or false, 0, -1).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "rlock.h"

struct rl_state {
    /* TODO(student): the mutex that guards everything below, the condition variable waiters
     * sleep on, the owner, the depth, and (task 6) the queue of waiting threads. */
    int placeholder;
};

int rl_init(struct rlock *rl)
{
    /* TODO(student): allocate and initialize rl->state: a free rlock. */
    rl->state = NULL;
    return ENOSYS;
}

void rl_destroy(struct rlock *rl)
{
    /* TODO(student): destroy the mutex and condition variable, free the state. */
    (void)rl;
}

int rl_acquire(struct rlock *rl)
{
    /* TODO(student): depth + 1 if this thread owns rl; take it if it is free; else wait (in a
     * while loop) until it is yours. Return with the mutex unlocked. */
    (void)rl;
    return ENOSYS;
}

int rl_try_acquire(struct rlock *rl)
{
    /* TODO(student): as rl_acquire, but EBUSY instead of waiting. */
    (void)rl;
    return ENOSYS;
}

int rl_timed_acquire(struct rlock *rl, const struct timespec *deadline)
{
    /* TODO(student): as rl_acquire, but ETIMEDOUT once the CLOCK_MONOTONIC deadline passed. */
    (void)rl;
    (void)deadline;
    return ENOSYS;
}

int rl_release(struct rlock *rl)
{
    /* TODO(student): EPERM unless this thread owns rl; else depth - 1, and at 0 wake a waiter. */
    (void)rl;
    return ENOSYS;
}

bool rl_owner(struct rlock *rl, pthread_t *owner)
{
    /* TODO(student): whether rl is held, and by whom, read under the mutex. */
    (void)rl;
    (void)owner;
    return false;
}

unsigned long rl_depth(struct rlock *rl)
{
    /* TODO(student): the owner's depth (0 if free), read under the mutex. */
    (void)rl;
    return 0;
}

int ledger_init(struct ledger *l, long initial)
{
    /* TODO(student): EINVAL for a negative initial; set every balance; initialize l->lock. */
    (void)l;
    (void)initial;
    return ENOSYS;
}

void ledger_destroy(struct ledger *l)
{
    /* TODO(student): destroy l->lock. */
    (void)l;
}

int ledger_deposit(struct ledger *l, int i, long amount)
{
    /* TODO(student): under l->lock, add amount to account i. */
    (void)l;
    (void)i;
    (void)amount;
    return ENOSYS;
}

int ledger_withdraw(struct ledger *l, int i, long amount)
{
    /* TODO(student): under l->lock, take amount from account i, or ERANGE. */
    (void)l;
    (void)i;
    (void)amount;
    return ENOSYS;
}

int ledger_transfer(struct ledger *l, int from, int to, long amount)
{
    /* TODO(student): hold l->lock while calling ledger_withdraw, then ledger_deposit. */
    (void)l;
    (void)from;
    (void)to;
    (void)amount;
    return ENOSYS;
}

long ledger_balance(struct ledger *l, int i)
{
    /* TODO(student): account i's balance under l->lock, or -1 for a bad account. */
    (void)l;
    (void)i;
    return -1;
}

long ledger_total(struct ledger *l)
{
    /* TODO(student): the sum of the balances, read under l->lock in one go. */
    (void)l;
    return -1;
}
