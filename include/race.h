/* race.h - lab 02: one counter made exact three ways, and a withdraw that never overdraws. */
#ifndef RACE_H
#define RACE_H

/* The three counters share one contract. Each starts nthreads threads; each thread adds 1 to
 * the count per_thread times, one increment at a time; the call joins every thread it started
 * and stores the final count, nthreads * per_thread, in *total.
 * Returns 0, EINVAL if nthreads < 1, per_thread < 0 or total is NULL, ENOMEM, or the error of
 * pthread_create (threads already started are joined first). *total is set only on success.
 * Nothing outlives the call: no thread, no memory. */

/* One shared counter, protected by one pthread mutex taken for every increment. */
int race_count_mutex(int nthreads, long per_thread, long *total);

/* One shared C11 atomic counter, incremented with an atomic read-modify-write; no lock. */
int race_count_atomic(int nthreads, long per_thread, long *total);

/* One private count per thread, combined once when the threads are done; no lock and no atomic
 * operation per increment. */
int race_count_partial(int nthreads, long per_thread, long *total);

/* A bank account that several threads use at once. Every function is thread-safe. */
struct race_account;

/* A new account holding balance (>= 0). Returns NULL if balance < 0 or memory runs out.
 * The caller owns it and frees it with race_account_free once no thread uses it. */
struct race_account *race_account_new(long balance);

/* Free a (possibly NULL) account. */
void race_account_free(struct race_account *acct);

/* Take amount out of the account, all or nothing. Returns 0 when the balance covered amount (it
 * dropped by amount), ERANGE when it did not (the balance is unchanged), EINVAL if amount <= 0.
 * Concurrent calls never take the balance below zero. */
int race_withdraw(struct race_account *acct, long amount);

/* The current balance (a consistent snapshot). */
long race_balance(struct race_account *acct);

#endif
