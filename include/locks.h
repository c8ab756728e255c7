/* locks.h - lab 03: a thread-safe counter, and bank accounts with one lock each. */
#ifndef LOCKS_H
#define LOCKS_H

/* ---- A counter -------------------------------------------------------------------------- */

/* Every counter function is thread-safe: any number of threads may call them on one counter at
 * once, and no increment or decrement is ever lost. Counters are independent of each other. */
struct counter;

/* A new counter whose value is 0, or NULL if memory runs out. The caller owns it and frees it
 * with counter_destroy once no thread uses it any more. */
struct counter *counter_create(void);

/* Free a (possibly NULL) counter. */
void counter_destroy(struct counter *c);

/* Add 1 to the value. */
void counter_increment(struct counter *c);

/* Subtract 1 from the value (the value may go below 0). */
void counter_decrement(struct counter *c);

/* The current value: every increment and decrement that returned before the call is counted. */
long counter_value(struct counter *c);

/* ---- A bank ----------------------------------------------------------------------------- */

/* A fixed set of accounts numbered 0 .. naccounts-1. Every bank function is thread-safe, and
 * transfers between disjoint pairs of accounts run at the same time: one lock per account, not
 * one lock for the bank. No sequence of concurrent calls may deadlock. */
struct bank;

/* A bank of naccounts accounts, each holding initial. Returns NULL if naccounts < 1,
 * initial < 0, or memory runs out. The caller keeps naccounts * initial within a long; it owns
 * the bank and frees it with bank_destroy once no thread uses it any more. */
struct bank *bank_create(int naccounts, long initial);

/* Free a (possibly NULL) bank. */
void bank_destroy(struct bank *b);

/* Move amount from account `from` to account `to`, all or nothing, atomically with respect to
 * both accounts: no other call ever sees the money gone from one and not yet in the other.
 * Returns 0 on success; EINVAL if from or to is not an account or amount <= 0; ERANGE if `from`
 * holds less than amount (then nothing changes). from == to is allowed: it moves nothing and
 * returns 0 or ERANGE as any other transfer would. No balance ever goes below 0. */
int bank_transfer(struct bank *b, int from, int to, long amount);

/* The balance of account i, or -1 if i is not an account. */
long bank_balance(struct bank *b, int i);

/* The sum of all balances as one consistent snapshot: the total at one instant, never counting
 * a transfer's amount twice or not at all. While transfers run it always equals the initial
 * total, since transfers only move money. */
long bank_total(struct bank *b);

#endif
