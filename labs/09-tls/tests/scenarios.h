/* scenarios.h - the TLS lab's scenarios, shared by test_tls.c and the driver. */
#ifndef TLST_SCENARIOS_H
#define TLST_SCENARIOS_H

#include "tls.h"

/* Test names use the prefix tlst_, so that they never clash with a student's tls_ names. */

/* One of the two context getters of tls.h. */
typedef struct tls_ctx *(*tlst_ctx_fn)(void);

/* nthreads threads released together call fn for the first time, each checks that it got a
 * zeroed context of its own (no other live thread has the same pointer), writes its number in
 * it, and then, for rounds rounds, calls fn again and checks it gets the same context with its
 * own values, yielding in between so that other threads run and write theirs. Fails the run
 * with a message naming name (the function) if any thread saw something else. */
void tlst_scn_ctx_threads(const char *name, tlst_ctx_fn fn, int nthreads, long rounds);

/* Thread groups adding to the counters of tls.h, the runner checking tls_stat_total:
 * - waves of `waves` x `per_wave` threads that add and exit, while the runner sums (every total
 *   between what the exited threads added and that plus what the running wave may add), then
 *   the exact total after the join: a thread that exited must have folded its counts;
 * - `live` threads that add and stay: the exact total while they are alive, then while they
 *   keep adding (within bounds), then again after they exit.
 * The runner never adds: its own counters would outlive the run (memcheck would report them). */
void tlst_scn_stats(int waves, int per_wave, int live, long adds);

/* The driver's scenarios (tl_scenarios[]). */
void tlst_scn_ctx_key(void);
void tlst_scn_ctx_local(void);
void tlst_scn_stats_small(void);
void tlst_scn_threads_exit(void);

#endif
