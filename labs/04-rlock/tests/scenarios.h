/* scenarios.h - the rlock lab's scenarios and the call harness that test_rlock.c shares. */
#ifndef RLT_SCENARIOS_H
#define RLT_SCENARIOS_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "rlock.h"
#include "tl_test.h"

/* Test names use the prefix rlt_, so that they never clash with a student's rl_ helpers. */

enum rlt_op {
    RLT_ACQUIRE, /* rl_acquire, check that it owns the rlock once, rl_release */
    RLT_TRY,     /* rl_try_acquire, and rl_release if it succeeded */
    RLT_TIMED,   /* rl_timed_acquire(deadline), and rl_release if it succeeded */
    RLT_RELEASE, /* rl_release from a thread that never acquired */
    RLT_DEPOSIT, /* ledger_deposit(ledger, 0, 1) */
};

/* One API call made on its own thread (tl_call_start), so that a test can watch it block and
 * unblock: tl_call_returned(&c->call), tl_call_finish(&c->call, seconds). An acquire that
 * succeeded is released on that thread, after c->call.end. */
struct rlt_call {
    struct tl_call call; /* first: when it returned, how long it took */
    struct rlock *rl;
    struct ledger *ledger;
    enum rlt_op op;
    struct timespec deadline;
    int ret;    /* what the call returned */
    bool owned; /* after it acquired: rl_owner named this thread, at depth 1 */
    int order;  /* after it acquired: 1 for the first call of the run to hold the rlock... */
};

/* The name of the API function op calls, for messages. */
const char *rlt_op_name(enum rlt_op op);
/* Start c on a new thread; deadline_ms is from now, for RLT_TIMED. */
void rlt_call_start(struct rlt_call *c, struct rlock *rl, enum rlt_op op, double deadline_ms);
/* Start ledger_deposit(l, 0, 1) on a new thread. */
void rlt_deposit_start(struct rlt_call *c, struct ledger *l);
/* Its order (see struct rlt_call) once c has acquired, else 0. */
int rlt_call_order(struct rlt_call *c);
/* The absolute CLOCK_MONOTONIC time ms milliseconds from now. */
struct timespec rlt_deadline(double ms);
/* An initialized rlock, or the test fails. */
void rlt_init(struct rlock *rl);

/* Threads acquire the rlock at random depths (by all three ways) and count under it while an
 * observer asks for its owner and depth: the count must be exact. */
void rlt_run_counting(void);
/* Threads transfer money in a ledger while an auditor checks that the total never moves. */
void rlt_run_ledger(void);
/* Both, for the detectors. */
void rlt_scn_stress(void);

#endif
