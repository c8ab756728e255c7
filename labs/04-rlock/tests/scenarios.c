/* scenarios.c - the rlock lab's concurrency scenarios, shared by the tests and the driver. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tl_test.h"
#include "scenarios.h"

/* ---- Call harness ------------------------------------------------------------------------ */

static pthread_mutex_t harness_lock = PTHREAD_MUTEX_INITIALIZER;
static int acquired_calls; /* under harness_lock: calls that acquired so far */

const char *rlt_op_name(enum rlt_op op)
{
    static const char *const names[] = {"rl_acquire", "rl_try_acquire", "rl_timed_acquire",
                                        "rl_release", "ledger_deposit"};
    return names[op];
}

/* After an acquire: the rlock must name this thread as its owner, once. */
static bool owns_once(struct rlock *rl)
{
    pthread_t owner;
    return rl_owner(rl, &owner) && pthread_equal(owner, pthread_self()) && rl_depth(rl) == 1;
}

static void run_call(struct tl_call *call)
{
    struct rlt_call *c = (struct rlt_call *)call;
    int ret = -1;
    switch (c->op) {
    case RLT_ACQUIRE:
        ret = rl_acquire(c->rl);
        break;
    case RLT_TRY:
        ret = rl_try_acquire(c->rl);
        break;
    case RLT_TIMED:
        ret = rl_timed_acquire(c->rl, &c->deadline);
        break;
    case RLT_RELEASE:
        ret = rl_release(c->rl);
        break;
    case RLT_DEPOSIT:
        ret = ledger_deposit(c->ledger, 0, 1);
        break;
    }
    c->call.end = tl_now(); /* the call returned: what follows is the test's */
    if (ret == 0 && c->op <= RLT_TIMED) {
        c->owned = owns_once(c->rl);
        pthread_mutex_lock(&harness_lock);
        c->order = ++acquired_calls; /* while it holds the rlock: the order they held it */
        pthread_mutex_unlock(&harness_lock);
        rl_release(c->rl);
    }
    c->ret = ret;
}

struct timespec rlt_deadline(double ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long ns = (long long)t.tv_nsec + (long long)(ms * 1e6);
    t.tv_sec += (time_t)(ns / 1000000000);
    t.tv_nsec = (long)(ns % 1000000000);
    return t;
}

void rlt_call_start(struct rlt_call *c, struct rlock *rl, enum rlt_op op, double deadline_ms)
{
    *c = (struct rlt_call){.rl = rl, .op = op, .deadline = rlt_deadline(deadline_ms), .ret = -1};
    tl_call_start(&c->call, run_call);
}

void rlt_deposit_start(struct rlt_call *c, struct ledger *l)
{
    *c = (struct rlt_call){.ledger = l, .op = RLT_DEPOSIT, .ret = -1};
    tl_call_start(&c->call, run_call);
}

int rlt_call_order(struct rlt_call *c)
{
    pthread_mutex_lock(&harness_lock);
    int order = c->order;
    pthread_mutex_unlock(&harness_lock);
    return order;
}

void rlt_init(struct rlock *rl)
{
    int err = rl_init(rl);
    TL_CHECK(err == 0, "rl_init returned %s; it must return 0 and a free rlock", tl_err_name(err));
}

/* ---- Stress: nested acquires, queries, ledger transfers ---------------------------------- */

#define STRESS_THREADS 3

static struct {
    struct rlock rl;
    long per_thread;
    long count; /* guarded by rl: plain, so that a broken rlock loses updates */
    int inside; /* guarded by rl: threads between their first acquire and last release */
    struct ledger ledger;
    long ledger_total;
    bool stop; /* under harness_lock */
} stress;

static bool stress_stopped(void)
{
    pthread_mutex_lock(&harness_lock);
    bool stop = stress.stop;
    pthread_mutex_unlock(&harness_lock);
    return stop;
}

/* Acquire once, by one of the three ways. A try that fails and a timed wait that times out
 * fall back to rl_acquire: a short deadline, so that a waiter nobody wakes ends up in an untimed
 * wait, where the hang watchdog sees it (a thread in a timed wait is never counted as stuck). */
static void stress_acquire(int how)
{
    int err;
    if (how == 1 && rl_try_acquire(&stress.rl) == 0)
        return;
    if (how == 2) {
        struct timespec soon = rlt_deadline(5);
        err = rl_timed_acquire(&stress.rl, &soon);
        TL_CHECK(err == 0 || err == ETIMEDOUT,
                 "rl_timed_acquire returned %s; it must return 0 or ETIMEDOUT", tl_err_name(err));
        if (err == 0)
            return;
    }
    err = rl_acquire(&stress.rl);
    TL_CHECK(err == 0, "rl_acquire returned %s; it must return 0", tl_err_name(err));
}

static void *stress_worker(void *arg)
{
    (void)arg;
    pthread_t self = pthread_self();
    for (long n = 0; n < stress.per_thread; n++) {
        unsigned depth = 1 + tl_rand_below(3);
        stress_acquire((int)tl_rand_below(3));
        stress.inside++;
        TL_CHECK(stress.inside == 1,
                 "%d threads were inside the rlock at once: rl_acquire returned while another "
                 "thread held it",
                 stress.inside);
        for (unsigned d = 2; d <= depth; d++)
            stress_acquire((int)tl_rand_below(3));
        pthread_t owner;
        TL_CHECK(rl_owner(&stress.rl, &owner) && pthread_equal(owner, self),
                 "rl_owner did not name the thread that holds the rlock");
        unsigned long got = rl_depth(&stress.rl);
        TL_CHECK(got == depth,
                 "rl_depth returned %lu to a thread that had acquired the rlock %u times", got,
                 depth);
        stress.count++;
        for (unsigned d = depth; d > 1; d--)
            rl_release(&stress.rl);
        stress.inside--;
        int err = rl_release(&stress.rl);
        TL_CHECK(err == 0, "rl_release by the owner returned %s; it must return 0",
                 tl_err_name(err));
    }
    return NULL;
}

/* Asks who holds the rlock while the workers run: rl_owner and rl_depth must read under the
 * rlock's mutex. */
static void *stress_observer(void *arg)
{
    (void)arg;
    tl_observer();
    while (!stress_stopped()) {
        pthread_t owner;
        bool held = rl_owner(&stress.rl, &owner);
        unsigned long depth = rl_depth(&stress.rl);
        TL_CHECK(depth <= 3, "rl_depth returned %lu, but no thread acquired more than 3 times",
                 depth);
        (void)held;
        tl_sleep_ms(0.02);
    }
    return NULL;
}

static void *stress_transferrer(void *arg)
{
    (void)arg;
    for (long n = 0; n < stress.per_thread; n++) {
        int from = (int)tl_rand_below(LEDGER_ACCOUNTS);
        int to = (from + 1 + (int)tl_rand_below(LEDGER_ACCOUNTS - 1)) % LEDGER_ACCOUNTS;
        int err = ledger_transfer(&stress.ledger, from, to, 1 + (long)tl_rand_below(150));
        TL_CHECK(err == 0 || err == ERANGE,
                 "ledger_transfer between two valid accounts returned %s; it must return 0 or "
                 "ERANGE",
                 tl_err_name(err));
    }
    return NULL;
}

/* Reads the total twice, as a caller of the ledger would for a consistent report: with
 * ledger_total, and account by account while it holds the ledger's lock itself. */
static void *stress_auditor(void *arg)
{
    (void)arg;
    tl_observer();
    while (!stress_stopped()) {
        long total = ledger_total(&stress.ledger);
        TL_CHECK(total == stress.ledger_total,
                 "ledger_total returned %ld while transfers ran, but the ledger always holds %ld: "
                 "ledger_transfer must hold the lock across its withdraw and its deposit",
                 total, stress.ledger_total);
        int err = rl_acquire(&stress.ledger.lock);
        TL_CHECK(err == 0, "rl_acquire on a ledger's lock returned %s", tl_err_name(err));
        long sum = 0;
        for (int i = 0; i < LEDGER_ACCOUNTS; i++)
            sum += ledger_balance(&stress.ledger, i);
        rl_release(&stress.ledger.lock);
        TL_CHECK(sum == stress.ledger_total,
                 "while the test held the ledger's lock, ledger_balance gave balances adding up "
                 "to %ld, but the ledger always holds %ld: a transfer was half done, or the "
                 "ledger's functions do not hold its lock",
                 sum, stress.ledger_total);
        tl_sleep_ms(0.02);
    }
    return NULL;
}

void rlt_run_counting(void)
{
    tl_noise(TL_NOISE_YIELD);
    memset(&stress, 0, sizeof stress);
    stress.per_thread = tl_scaled(2000, 30);
    rlt_init(&stress.rl);
    pthread_t workers[STRESS_THREADS], observer;
    tl_spawn(&observer, stress_observer, NULL);
    for (int i = 0; i < STRESS_THREADS; i++)
        tl_spawn(&workers[i], stress_worker, NULL);
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_join(workers[i], NULL);
    pthread_mutex_lock(&harness_lock);
    stress.stop = true;
    pthread_mutex_unlock(&harness_lock);
    pthread_join(observer, NULL);

    long want = STRESS_THREADS * stress.per_thread;
    TL_CHECK(stress.count == want,
             "%d threads each counted %ld times while holding the rlock, but the count is %ld: "
             "updates were lost, so two threads held the rlock at once",
             STRESS_THREADS, stress.per_thread, stress.count);
    TL_CHECK(!rl_owner(&stress.rl, NULL) && rl_depth(&stress.rl) == 0,
             "every thread released the rlock as often as it acquired it, but rl_owner or "
             "rl_depth say it is still held (depth %lu)",
             rl_depth(&stress.rl));
    rl_destroy(&stress.rl);
}

void rlt_run_ledger(void)
{
    tl_noise(TL_NOISE_YIELD);
    memset(&stress, 0, sizeof stress);
    stress.per_thread = tl_scaled(2000, 30);
    int err = ledger_init(&stress.ledger, 100);
    TL_CHECK(err == 0, "ledger_init(100) returned %s; it must return 0", tl_err_name(err));
    stress.ledger_total = 100 * LEDGER_ACCOUNTS;
    pthread_t transferrers[STRESS_THREADS], auditor;
    tl_spawn(&auditor, stress_auditor, NULL);
    for (int i = 0; i < STRESS_THREADS; i++)
        tl_spawn(&transferrers[i], stress_transferrer, NULL);
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_join(transferrers[i], NULL);
    pthread_mutex_lock(&harness_lock);
    stress.stop = true;
    pthread_mutex_unlock(&harness_lock);
    pthread_join(auditor, NULL);

    long total = 0;
    for (int i = 0; i < LEDGER_ACCOUNTS; i++) {
        long b = ledger_balance(&stress.ledger, i);
        TL_CHECK(b >= 0,
                 "after the transfers, ledger_balance(%d) returned %ld: an account was "
                 "overdrawn",
                 i, b);
        total += b;
    }
    TL_CHECK(total == stress.ledger_total,
             "after every transfer the balances add up to %ld; money must be conserved (%ld)",
             total, stress.ledger_total);
    ledger_destroy(&stress.ledger);
}

/* Short-lived rlocks, each used and destroyed: what rl_init allocates, rl_destroy must free
 * (several, so that a leak shows even if a stale register still points at one block). */
static void lifecycles(void)
{
    for (int i = 0; i < 8; i++) {
        struct rlock rl;
        rlt_init(&rl);
        for (int d = 0; d < 2; d++) {
            int err = rl_acquire(&rl);
            TL_CHECK(err == 0, "rl_acquire returned %s; it must return 0", tl_err_name(err));
        }
        for (int d = 0; d < 2; d++)
            rl_release(&rl);
        rl_destroy(&rl);
    }
}

void rlt_scn_stress(void)
{
    lifecycles();
    rlt_run_counting();
    rlt_run_ledger();
}

const struct tl_scenario tl_scenarios[] = {
    {"stress", rlt_scn_stress},
    {NULL, NULL},
};
