/* rlock.h - a reentrant lock built from a mutex and a condition variable (lab 04-rlock).
 *
 * An rlock is held by at most one thread at a time, its owner, and the owner may acquire it
 * again without waiting: each acquire adds one to the depth, each release takes one away, and
 * the rlock is free again when the depth is back to 0 (Python's threading.RLock, Java's
 * ReentrantLock). Threads that wait for it sleep; none waits forever while others keep taking
 * it. Every function is safe to call from any number of threads at once, except rl_init and
 * rl_destroy. Functions that can fail return 0 or an error number, as pthreads does (they do
 * not set errno):
 *   EBUSY      rl_try_acquire: another thread holds the rlock
 *   ETIMEDOUT  rl_timed_acquire: another thread held it until the deadline
 *   EPERM      rl_release: the calling thread does not hold the rlock (nothing changes)
 *   ENOMEM     rl_init: out of memory
 *
 * The ledger below is the reason reentrant locks exist: an object whose public functions call
 * each other, all under one lock.
 */
#ifndef RLOCK_H
#define RLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

/* The state lives in rlock.c (struct rl_state): rl_init allocates it, rl_destroy frees it. */
struct rl_state;
struct rlock {
    struct rl_state *state;
};

/* Make *rl a free rlock. 0, or ENOMEM (or what pthread_mutex_init and friends return). */
int rl_init(struct rlock *rl);

/* Free what rl_init allocated. No thread may hold rl, wait for it, or use it afterwards. */
void rl_destroy(struct rlock *rl);

/* Acquire rl: at once if it is free or the calling thread holds it already (depth + 1), else
 * sleep until a release hands it over. Waiting threads get it in the order they began to wait,
 * before any thread that comes later (the releasing thread included). Returns 0. */
int rl_acquire(struct rlock *rl);

/* As rl_acquire, but EBUSY instead of waiting when another thread holds rl. */
int rl_try_acquire(struct rlock *rl);

/* As rl_acquire, but ETIMEDOUT if another thread still holds rl at deadline, an absolute time
 * on CLOCK_MONOTONIC (tv_nsec in [0, 999999999]). A free or already owned rlock is acquired
 * even if the deadline has passed. */
int rl_timed_acquire(struct rlock *rl, const struct timespec *deadline);

/* Release rl once: depth - 1; at 0 the longest waiter becomes the owner, or the rlock is free.
 * EPERM, changing nothing, if the calling thread does not hold rl. */
int rl_release(struct rlock *rl);

/* Whether some thread holds rl; if so and owner is not NULL, *owner is that thread. */
bool rl_owner(struct rlock *rl, pthread_t *owner);

/* How many times the owner holds rl: 0 when it is free. */
unsigned long rl_depth(struct rlock *rl);

/* ---- A ledger: accounts whose operations call each other under one rlock ----------------- */

#define LEDGER_ACCOUNTS 4

struct ledger {
    struct rlock lock;             /* guards balance[]: every function holds it */
    long balance[LEDGER_ACCOUNTS]; /* never below 0 */
};

/* Every account starts with initial (>= 0) and the lock is initialized. 0, EINVAL for a
 * negative initial, or what rl_init returns. */
int ledger_init(struct ledger *l, long initial);
void ledger_destroy(struct ledger *l);

/* Add amount (> 0) to account i. 0, or EINVAL for a bad account or amount. */
int ledger_deposit(struct ledger *l, int i, long amount);

/* Take amount (> 0) from account i. 0, EINVAL, or ERANGE if the balance is too small (then
 * nothing changes). */
int ledger_withdraw(struct ledger *l, int i, long amount);

/* Move amount from account from to account to, as one step: it calls ledger_withdraw and then
 * ledger_deposit while it holds the lock, so no other thread sees the money in neither account.
 * 0, EINVAL (bad accounts, from == to, amount <= 0) or ERANGE (nothing changes). */
int ledger_transfer(struct ledger *l, int from, int to, long amount);

/* Account i's balance (-1 for a bad account), and the sum of all balances. */
long ledger_balance(struct ledger *l, int i);
long ledger_total(struct ledger *l);

#endif
