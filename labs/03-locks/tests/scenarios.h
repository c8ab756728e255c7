/* scenarios.h - lab 03's concurrency scenarios and the bookkeeping the tests share with them. */
#ifndef SCENARIOS_H
#define SCENARIOS_H

#include <stdatomic.h>
#include <stddef.h>

/* The first failure a helper thread saw, kept for the runner thread to report: only the runner
 * may fail a Criterion test. */
struct sc_failure {
    atomic_int taken;
    char msg[512];
};
void sc_failure_init(struct sc_failure *f);
void sc_record(struct sc_failure *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Fail the run with the recorded message, if any (runner thread, after joining the helpers). */
void sc_check(struct sc_failure *f);

/* Workers count their completed calls; the runner waits for all of them to finish and fails the
 * run if no call completes for several seconds while some are still running (a deadlock). */
struct sc_progress {
    atomic_long calls;
    atomic_int finished;
};
void sc_progress_init(struct sc_progress *p);
void sc_await_workers(struct sc_progress *p, int nworkers, const char *what);

/* Keep Helgrind off the test's own bookkeeping (relaxed atomics it would call races). */
void sc_quiet(void *addr, size_t len);
/* bank_create, and each account's lock named for feedback (tl_label_begin). */
struct bank *sc_bank_create(int naccounts, long initial);

/* The scenarios: each checks its own results and fails the run with a message. */
void sc_counter_stress(void); /* increments and decrements on one counter: exact result */
void sc_transfers(void);      /* random transfers both ways, an auditor checks every total */
void sc_both_ways(void);      /* the same, the auditor checking balances only (for Helgrind) */
void sc_opposite(void);       /* transfers in opposite directions between two accounts */
void sc_pool(void);           /* threads race to take the one amount a pool account holds */
void sc_lifecycle(void);      /* create, use and destroy counters and banks */

#endif
