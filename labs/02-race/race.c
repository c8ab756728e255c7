/* race.c - lab 02: make a shared counter exact three ways, and fix a check-then-act withdraw. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "race.h"

/* Read README.md first. Every function below returns ENOSYS ("not implemented") or NULL until you
 * write it. Keep the names of race.h; helpers of your own must be static. */

int race_count_mutex(int nthreads, long per_thread, long *total)
{
    /* TODO(student): start nthreads threads; each adds 1 to ONE shared counter per_thread times,
     * taking one pthread mutex around every increment. Join them all, then store the count.
     * Postcondition: returns 0 with *total == nthreads * per_thread, on every run; EINVAL for
     * bad arguments (README "Task 1: one lock"). */
    (void)nthreads;
    (void)per_thread;
    (void)total;
    return ENOSYS;
}

int race_count_atomic(int nthreads, long per_thread, long *total)
{
    /* TODO(student): the same count, but the shared counter is an atomic_long incremented with
     * one atomic read-modify-write (atomic_fetch_add), and no lock at all.
     * Postcondition: as race_count_mutex (README "Task 2: one atomic read-modify-write"). */
    (void)nthreads;
    (void)per_thread;
    (void)total;
    return ENOSYS;
}

int race_count_partial(int nthreads, long per_thread, long *total)
{
    /* TODO(student): the same count, but each thread counts in its own private variable and
     * publishes it once; the caller adds the partial counts after joining every thread.
     * Postcondition: as race_count_mutex, with no lock or atomic per increment, and far faster
     * (README "Task 3: partial sums"). */
    (void)nthreads;
    (void)per_thread;
    (void)total;
    return ENOSYS;
}

struct race_account {
    long balance;
    /* TODO(student): the lock that protects balance. */
};

struct race_account *race_account_new(long balance)
{
    /* TODO(student): allocate and initialise an account holding balance.
     * Postcondition: a new account, or NULL if balance < 0 or memory runs out. */
    (void)balance;
    return NULL;
}

void race_account_free(struct race_account *acct)
{
    /* TODO(student): release everything race_account_new set up (NULL is allowed). */
    (void)acct;
}

int race_withdraw(struct race_account *acct, long amount)
{
    /* TODO(student): take amount if the balance covers it, all or nothing.
     * Postcondition: 0 and the balance dropped by amount; ERANGE and the balance unchanged;
     * EINVAL if amount <= 0. Two threads can never both pass the check for the same money
     * (README "Task 4: check-then-act"). */
    (void)acct;
    (void)amount;
    return ENOSYS;
}

long race_balance(struct race_account *acct)
{
    /* TODO(student): the balance, read under the account's lock. */
    (void)acct;
    return 0;
}
