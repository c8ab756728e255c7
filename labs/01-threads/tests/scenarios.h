/* scenarios.h - the threads lab's scenarios, shared by test_threads.c and the driver. */
#ifndef TH_SCENARIOS_H
#define TH_SCENARIOS_H

#include <stddef.h>

/* More threads than cores, so that some wait for a CPU while others run. */
#define TH_THREADS 8

/* The result every test task computes from arg (the tests' task is a pure function of it). */
long th_scn_expected(long arg);
/* The plain task: *result = th_scn_expected(arg), returns 0. */
int th_scn_task(long arg, long *result);

/* th_run(n, th_scn_task, args, results) must return 0 with results[i] from args[i]; fails the
 * test with a message that says where each wrong result came from. */
void th_scn_check_run(int n, const long *args);
/* n distinct arguments from the seed, in args[0..n). */
void th_scn_fill_args(long *args, int n);

/* th_sum(a, len, nthreads, &sum) must return 0 with the exact sum. */
void th_scn_check_sum(const long *a, size_t len, int nthreads);

/* th_run(n, ...) and th_sum(..., n, ...) while the k-th pthread_create fails, for every k in
 * 1..n: each must return EAGAIN and leave no thread running. */
void th_scn_create_fails_run(int n);
void th_scn_create_fails_sum(int n);

/* The driver's scenarios (tl_scenarios[]). */
void th_scn_run(void);
void th_scn_sum(void);
void th_scn_create_fails(void);

#endif
