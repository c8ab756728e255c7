/* rlock.c - a reentrant lock from one mutex and one condition variable, handed over in FIFO
 * order (reference).
 *
 * DESIGN: the rlock's state (owner, depth, the queue of waiters) lives in struct rl_state and is
 * read and written only with its mutex held. The mutex is held only inside these functions,
 * never between an acquire and its release: "holding the rlock" is depth > 0 with owner == you.
 * A thread that must wait puts a node on its own stack at the tail of a FIFO queue and sleeps
 * until the releaser grants it the rlock: the final release makes the first waiter the owner
 * (depth 1) before it wakes anybody, so a newcomer can never take the rlock from under a waiter
 * (no waiter starves), and depth == 0 implies that nobody waits. Waits re-check their node in a
 * loop: wakeups can be spurious. The condition variable uses CLOCK_MONOTONIC, the clock of
 * rl_timed_acquire's deadline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "rlock.h"

struct rl_waiter {
    struct rl_waiter *next;
    pthread_t thread;
    bool granted; /* the releaser made this thread the owner */
};

struct rl_state {
    pthread_mutex_t lock;
    pthread_cond_t handed; /* waiters sleep here; broadcast at every hand-over */
    /* Everything below is read and written only with lock held. */
    pthread_t owner;     /* meaningful only while depth > 0 */
    unsigned long depth; /* 0: free, and then nobody waits */
    struct rl_waiter *first, *last;
};

int rl_init(struct rlock *rl)
{
    struct rl_state *s = calloc(1, sizeof *s);
    if (!s)
        return ENOMEM;
    pthread_condattr_t attr;
    int err = pthread_condattr_init(&attr);
    if (err)
        goto out_free;
    err = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (!err)
        err = pthread_cond_init(&s->handed, &attr);
    pthread_condattr_destroy(&attr);
    if (err)
        goto out_free;
    err = pthread_mutex_init(&s->lock, NULL);
    if (err)
        goto out_cond;
    rl->state = s;
    return 0;

out_cond:
    pthread_cond_destroy(&s->handed);
out_free:
    free(s);
    return err;
}

void rl_destroy(struct rlock *rl)
{
    struct rl_state *s = rl->state;
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->handed);
    free(s);
    rl->state = NULL;
}

static void unqueue(struct rl_state *s, struct rl_waiter *w)
{
    struct rl_waiter **p = &s->first, *prev = NULL;
    while (*p != w) {
        prev = *p;
        p = &(*p)->next;
    }
    *p = w->next;
    if (s->last == w)
        s->last = prev;
}

/* Acquire with s->lock held. wait: false = EBUSY instead of waiting; deadline NULL = forever. */
static int acquire_locked(struct rl_state *s, bool wait, const struct timespec *deadline)
{
    pthread_t self = pthread_self();
    if (s->depth > 0 && pthread_equal(s->owner, self)) {
        s->depth++;
        return 0;
    }
    if (s->depth == 0) {
        s->owner = self;
        s->depth = 1;
        return 0;
    }
    if (!wait)
        return EBUSY;

    struct rl_waiter me = {.thread = self};
    if (s->last)
        s->last->next = &me;
    else
        s->first = &me;
    s->last = &me;
    int err = 0;
    while (!me.granted && err == 0) { /* a wakeup may be spurious: check the node again */
        if (deadline)
            err = pthread_cond_timedwait(&s->handed, &s->lock, deadline);
        else
            err = pthread_cond_wait(&s->handed, &s->lock);
    }
    if (me.granted) /* granted as the time ran out: the rlock is ours all the same */
        return 0;
    unqueue(s, &me);
    return err;
}

static int acquire(struct rlock *rl, bool wait, const struct timespec *deadline)
{
    struct rl_state *s = rl->state;
    pthread_mutex_lock(&s->lock);
    int err = acquire_locked(s, wait, deadline);
    pthread_mutex_unlock(&s->lock);
    return err;
}

int rl_acquire(struct rlock *rl)
{
    return acquire(rl, true, NULL);
}

int rl_try_acquire(struct rlock *rl)
{
    return acquire(rl, false, NULL);
}

int rl_timed_acquire(struct rlock *rl, const struct timespec *deadline)
{
    return acquire(rl, true, deadline);
}

int rl_release(struct rlock *rl)
{
    struct rl_state *s = rl->state;
    int err = 0;
    pthread_mutex_lock(&s->lock);
    if (s->depth == 0 || !pthread_equal(s->owner, pthread_self())) {
        err = EPERM;
    } else if (--s->depth == 0 && s->first) {
        /* Hand over to the longest waiter before anyone else can take it. */
        struct rl_waiter *w = s->first;
        s->first = w->next;
        if (!s->first)
            s->last = NULL;
        w->granted = true;
        s->owner = w->thread;
        s->depth = 1;
        /* All waiters share one condition variable: wake them all, so that w is among them. */
        pthread_cond_broadcast(&s->handed);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

bool rl_owner(struct rlock *rl, pthread_t *owner)
{
    struct rl_state *s = rl->state;
    pthread_mutex_lock(&s->lock);
    bool held = s->depth > 0;
    if (held && owner)
        *owner = s->owner;
    pthread_mutex_unlock(&s->lock);
    return held;
}

unsigned long rl_depth(struct rlock *rl)
{
    struct rl_state *s = rl->state;
    pthread_mutex_lock(&s->lock);
    unsigned long depth = s->depth;
    pthread_mutex_unlock(&s->lock);
    return depth;
}

/* ---- The ledger: each public function takes the rlock, even when another one holds it ----- */

static bool valid(int i)
{
    return i >= 0 && i < LEDGER_ACCOUNTS;
}

int ledger_init(struct ledger *l, long initial)
{
    if (initial < 0)
        return EINVAL;
    for (int i = 0; i < LEDGER_ACCOUNTS; i++)
        l->balance[i] = initial;
    return rl_init(&l->lock);
}

void ledger_destroy(struct ledger *l)
{
    rl_destroy(&l->lock);
}

int ledger_deposit(struct ledger *l, int i, long amount)
{
    if (!valid(i) || amount <= 0)
        return EINVAL;
    rl_acquire(&l->lock);
    l->balance[i] += amount;
    rl_release(&l->lock);
    return 0;
}

int ledger_withdraw(struct ledger *l, int i, long amount)
{
    if (!valid(i) || amount <= 0)
        return EINVAL;
    int err = 0;
    rl_acquire(&l->lock);
    if (l->balance[i] < amount)
        err = ERANGE;
    else
        l->balance[i] -= amount;
    rl_release(&l->lock);
    return err;
}

int ledger_transfer(struct ledger *l, int from, int to, long amount)
{
    if (!valid(from) || !valid(to) || from == to || amount <= 0)
        return EINVAL;
    /* Held across both calls, which take it again: nobody sees the money in neither account. */
    rl_acquire(&l->lock);
    int err = ledger_withdraw(l, from, amount);
    if (!err)
        ledger_deposit(l, to, amount);
    rl_release(&l->lock);
    return err;
}

long ledger_balance(struct ledger *l, int i)
{
    if (!valid(i))
        return -1;
    rl_acquire(&l->lock);
    long b = l->balance[i];
    rl_release(&l->lock);
    return b;
}

long ledger_total(struct ledger *l)
{
    long sum = 0;
    rl_acquire(&l->lock);
    for (int i = 0; i < LEDGER_ACCOUNTS; i++)
        sum += l->balance[i];
    rl_release(&l->lock);
    return sum;
}
