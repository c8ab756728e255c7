/* locks.c - lab 03 stub: a thread-safe counter, and a bank with one lock per account.
 *
 * Read README.md first. Every function below compiles and fails cleanly; replace each
 * TODO(student) with code that reaches the postcondition it states. The contracts are in
 * include/locks.h. Keep the lock rules written next to the structs they protect.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "locks.h"

struct counter {
    /* TODO(student): add what makes the counter thread-safe, and say what guards what. */
    long value;
};

struct counter *counter_create(void)
{
    /* TODO(student): return a new counter whose value is 0 (NULL if memory runs out). */
    return NULL;
}

void counter_destroy(struct counter *c)
{
    /* TODO(student): free everything counter_create allocated; c may be NULL. */
    (void)c;
}

void counter_increment(struct counter *c)
{
    /* TODO(student): add 1 so that no concurrent increment or decrement is lost. */
    (void)c;
}

void counter_decrement(struct counter *c)
{
    /* TODO(student): subtract 1 so that no concurrent increment or decrement is lost. */
    (void)c;
}

long counter_value(struct counter *c)
{
    /* TODO(student): return the value, read without a data race. */
    (void)c;
    return 0;
}

struct bank {
    /* TODO(student): the accounts, each with its own lock (README "Task 2"). */
    int naccounts;
};

struct bank *bank_create(int naccounts, long initial)
{
    /* TODO(student): naccounts accounts holding initial each; NULL for bad arguments or when
     * memory runs out (free what you allocated first). */
    (void)naccounts;
    (void)initial;
    return NULL;
}

void bank_destroy(struct bank *b)
{
    /* TODO(student): free everything bank_create allocated; b may be NULL. */
    (void)b;
}

int bank_transfer(struct bank *b, int from, int to, long amount)
{
    /* TODO(student): return EINVAL for bad arguments; otherwise, holding the locks of both
     * accounts (taken in one global order, README "Task 3"; once if from == to, "Task 4"),
     * move amount and return 0, or change nothing and return ERANGE if `from` holds less. */
    (void)b;
    (void)from;
    (void)to;
    (void)amount;
    return ENOSYS;
}

long bank_balance(struct bank *b, int i)
{
    /* TODO(student): account i's balance read under its lock; -1 if i is not an account. */
    (void)b;
    (void)i;
    return -1;
}

long bank_total(struct bank *b)
{
    /* TODO(student): the sum of all balances at one instant: hold every account's lock at once
     * while summing (README "Task 5"). */
    (void)b;
    return -1;
}
