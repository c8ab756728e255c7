/* scenarios.h - the race lab's concurrency scenarios, shared by test_race.c and the driver. */
#ifndef RACE_SCENARIOS_H
#define RACE_SCENARIOS_H

/* More threads than cores, so that threads are preempted in the middle of an update too. */
#define RACE_THREADS 8

/* One of the three counters of race.h. */
typedef int (*race_count_fn)(int nthreads, long per_thread, long *total);

/* Increments per thread of the counter scenarios (fewer under the detectors). */
long race_scn_per_thread(void);

/* Run fn (named name in messages) and fail unless it returns 0 with the exact total. */
void race_scn_check_count(const char *name, race_count_fn fn, int nthreads, long per_thread);

/* Withdraw rounds: a fresh account per round, nthreads threads released together by a barrier
 * empty it with random withdrawals; every round must end at exactly 0 with the money taken equal
 * to the money there was, and never below 0. */
void race_scn_withdraw_rounds(int nthreads, long rounds, long opening);

/* The driver's scenarios (tl_scenarios[]): the counters at RACE_THREADS, and the rounds. */
void race_scn_count_mutex(void);
void race_scn_count_atomic(void);
void race_scn_count_partial(void);
void race_scn_withdraw(void);

#endif
