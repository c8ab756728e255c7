/* scenarios.c - the race lab's scenarios: exact counts under contention, withdraw rounds. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <valgrind/helgrind.h>

#include "race.h"
#include "scenarios.h"
#include "tl_test.h"

long race_scn_per_thread(void)
{
    return tl_scaled(100000, 500);
}

void race_scn_check_count(const char *name, race_count_fn fn, int nthreads, long per_thread)
{
    long total = -1;
    int err = fn(nthreads, per_thread, &total);
    TL_CHECK(err == 0, "%s(%d, %ld, &total) returned %d (%s) instead of 0", name, nthreads,
             per_thread, err, strerror(err));
    long want = nthreads * per_thread;
    TL_CHECK(total == want,
             "%s(%d, %ld, &total) counted %ld instead of %ld: %ld increments went missing or "
             "were counted twice. Two threads read the same old value and both wrote back "
             "old + 1; see README \"The lost update\"",
             name, nthreads, per_thread, total, want, labs(want - total));
}

void race_scn_count_mutex(void)
{
    race_scn_check_count("race_count_mutex", race_count_mutex, RACE_THREADS, race_scn_per_thread());
}

void race_scn_count_atomic(void)
{
    race_scn_check_count("race_count_atomic", race_count_atomic, RACE_THREADS,
                         race_scn_per_thread());
}

void race_scn_count_partial(void)
{
    race_scn_check_count("race_count_partial", race_count_partial, RACE_THREADS,
                         race_scn_per_thread());
}

/* ---- Withdraw rounds ------------------------------------------------------------------------ */

struct race_rounds {
    pthread_barrier_t start, end;
    /* Written by the main thread only between rounds; the barriers order them. */
    struct race_account *acct;
    long balance; /* every round's opening balance */
    int quit;
    /* Workers done with this round. Relaxed and hidden from Helgrind: it adds no happens-before
     * edge, so it hides no race between the reader and the withdrawals. */
    atomic_int finished;
    /* Raised once the runner's first race_balance call has returned; no worker withdraws
     * before. A tl_flag, invisible to the detectors: whether an unlocked read meets a later
     * withdrawal must not depend on the schedule (Helgrind runs one thread at a time, and the
     * workers could empty the account before the first read, or between two reads). */
    tl_flag read_once;
};

struct race_worker {
    struct race_rounds *r;
    long took;       /* money race_withdraw gave this thread in this round */
    long bad_amount; /* the amount of the call that returned bad_err */
    int bad_err;     /* a return value other than 0 or ERANGE, 0 if none */
};

/* Withdraw 1 to 3 until even 1 is refused: then the account is empty, if withdraw is right. */
static void race_empty_account(struct race_worker *w, struct race_account *acct)
{
    while (w->took <= w->r->balance) {
        long amount = 1 + (long)tl_rand_below(3);
        int err = race_withdraw(acct, amount);
        if (err == ERANGE && amount > 1) {
            amount = 1;
            err = race_withdraw(acct, amount);
        }
        if (err == 0) {
            w->took += amount;
            continue;
        }
        if (err != ERANGE) {
            w->bad_err = err;
            w->bad_amount = amount;
        }
        return;
    }
}

/* Until the runner has read the balance once (or, if race_balance is stuck in a way the
 * watchdog does not end, a while). */
static void race_await_first_read(struct race_rounds *r)
{
    tl_flag_await(&r->read_once, 1, tl_under_valgrind() ? 20 : 5);
}

static void *race_round_worker(void *arg)
{
    struct race_worker *w = arg;
    for (;;) {
        pthread_barrier_wait(&w->r->start);
        if (w->r->quit)
            return NULL;
        race_await_first_read(w->r);
        w->took = 0;
        race_empty_account(w, w->r->acct);
        atomic_fetch_add_explicit(&w->r->finished, 1, memory_order_relaxed);
        pthread_barrier_wait(&w->r->end);
    }
}

/* Release the workers one last time so that they exit, and join them. */
static void race_stop_workers(struct race_rounds *r, pthread_t *tids, int nthreads)
{
    r->quit = 1;
    pthread_barrier_wait(&r->start);
    for (int i = 0; i < nthreads; i++)
        pthread_join(tids[i], NULL);
}

/* Check one finished round; returns a failure message in msg, or 0 if the round was right. */
static int race_audit_round(const struct race_worker *w, int nthreads, long opening, long balance,
                            char *msg, size_t len)
{
    long took = 0;
    for (int i = 0; i < nthreads; i++) {
        if (w[i].bad_err) {
            snprintf(msg, len,
                     "race_withdraw(acct, %ld) returned %d (%s): it must return 0 when the "
                     "balance covers the amount and ERANGE when it does not",
                     w[i].bad_amount, w[i].bad_err, strerror(w[i].bad_err));
            return 1;
        }
        took += w[i].took;
    }
    if (balance < 0 || took > opening) {
        snprintf(msg, len,
                 "race_withdraw overdrew the account: %d threads withdrawing at once from an "
                 "account holding %ld were given %ld in total, and the balance is now %ld. Two "
                 "withdrawals both saw enough money before either took it: the check and the "
                 "update must be one step under the account's lock "
                 "(README \"Task 4: check-then-act\")",
                 nthreads, opening, took, balance);
        return 1;
    }
    if (took != opening - balance) {
        snprintf(msg, len,
                 "the withdrawals race_withdraw reported as successful took %ld, but the "
                 "balance dropped by %ld (from %ld to %ld): updates of the balance were lost",
                 took, opening - balance, opening, balance);
        return 1;
    }
    if (balance != 0) {
        snprintf(msg, len,
                 "race_withdraw(acct, 1) returned ERANGE while the balance was %ld: a "
                 "withdrawal must succeed whenever the balance covers the amount",
                 balance);
        return 1;
    }
    return 0;
}

/* The runner reads the balance while the workers withdraw, until they are done: race_balance
 * must read under the account's lock, or the read is a data race with the withdrawals that
 * ThreadSanitizer and Helgrind report (the tests only see a balance out of range). */
static int race_read_while_withdrawing(struct race_rounds *r, int nthreads, char *msg, size_t len)
{
    do {
        long balance = race_balance(r->acct);
        tl_flag_raise(&r->read_once, 1);
        if (balance < 0 || balance > r->balance) {
            snprintf(msg, len,
                     "race_balance returned %ld while threads withdrew from an account opened "
                     "with %ld: a balance is never below 0 nor above what was there "
                     "(README \"Task 4: check-then-act\")",
                     balance, r->balance);
            return 1;
        }
        /* Valgrind runs one thread at a time: a reader that never blocks (an unlocked read)
         * would keep the withdrawing threads waiting for the CPU for a minute. */
        if (tl_under_valgrind())
            tl_sleep_ms(0.1);
    } while (atomic_load_explicit(&r->finished, memory_order_relaxed) < nthreads);
    return 0;
}

void race_scn_withdraw_rounds(int nthreads, long rounds, long opening)
{
    /* Yields after unlocks: a withdraw that unlocks between check and act loses the CPU there. */
    tl_noise(TL_NOISE_YIELD);
    struct race_rounds r = {.balance = opening, .quit = 0};
    atomic_init(&r.finished, 0);
    tl_flag_init(&r.read_once);
    VALGRIND_HG_DISABLE_CHECKING(&r.finished, sizeof r.finished);
    r.acct = race_account_new(opening);
    TL_CHECK(r.acct, "race_account_new(%ld) returned NULL", opening);
    struct race_worker *w = calloc((size_t)nthreads, sizeof *w);
    pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
    TL_CHECK(w && tids, "the test ran out of memory");
    pthread_barrier_init(&r.start, NULL, (unsigned)nthreads + 1);
    pthread_barrier_init(&r.end, NULL, (unsigned)nthreads + 1);
    for (int i = 0; i < nthreads; i++) {
        w[i].r = &r;
        tl_spawn(&tids[i], race_round_worker, &w[i]);
    }

    char msg[1024] = "";
    int failed = 0;
    for (long round = 0; round < rounds && !failed; round++) {
        if (round > 0) {
            r.acct = race_account_new(opening);
            if (!r.acct) {
                snprintf(msg, sizeof msg, "race_account_new(%ld) returned NULL", opening);
                failed = 1;
                break;
            }
        }
        atomic_store_explicit(&r.finished, 0, memory_order_relaxed);
        pthread_barrier_wait(&r.start);
        failed = race_read_while_withdrawing(&r, nthreads, msg, sizeof msg);
        pthread_barrier_wait(&r.end);
        if (!failed)
            failed = race_audit_round(w, nthreads, opening, race_balance(r.acct), msg, sizeof msg);
        race_account_free(r.acct);
        r.acct = NULL;
    }
    race_stop_workers(&r, tids, nthreads);
    pthread_barrier_destroy(&r.start);
    pthread_barrier_destroy(&r.end);
    free(tids);
    free(w);
    TL_CHECK(!failed, "%s", msg);
}

void race_scn_withdraw(void)
{
    /* A small opening balance: every round soon reaches the end of the money, where two
     * withdrawals can both pass the check. */
    race_scn_withdraw_rounds(RACE_THREADS, tl_scaled(3000, 20), 48);
}

const struct tl_scenario tl_scenarios[] = {
    {"count_mutex", race_scn_count_mutex},
    {"count_atomic", race_scn_count_atomic},
    {"count_partial", race_scn_count_partial},
    {"withdraw", race_scn_withdraw},
    {NULL, NULL},
};
