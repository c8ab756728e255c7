/* threads.h - lab 01: start threads, join them all, collect their results in order.
 * (Not C11's <threads.h>: the labs never use that one, and this one is found first.) */
#ifndef THREADS_LAB_H
#define THREADS_LAB_H

#include <stddef.h>

/* A task: computes from arg, stores its answer in *result and returns 0, or returns an error
 * code (an errno value such as EDOM), and then *result means nothing. */
typedef int (*th_task)(long arg, long *result);

/* Run task(args[i], &r) for every i in [0, n), each call in a thread of its own, all n threads
 * running at once: every thread is started before any is joined. results[i] is the result of
 * args[i]. Returns 0 when every task returned 0. Otherwise, after joining every thread:
 *   - the error of the failing task with the lowest index;
 *   - EINVAL if n < 1 or task, args or results is NULL; ENOMEM if memory runs out;
 *   - the error of pthread_create when starting a thread fails: the threads already started
 *     are joined first, no more are started, and everything is freed.
 * On an error, results may be partly written. Nothing outlives the call: no thread, no memory. */
int th_run(int n, th_task task, const long *args, long *results);

/* Store in *sum the sum of a[0], ..., a[len - 1], computed by nthreads threads at once, each
 * summing its own share of the array (contiguous chunks of nearly equal size, or every
 * nthreads-th element): every element is added exactly once. a may be NULL when len is 0.
 * Returns 0, EINVAL if nthreads < 1, sum is NULL or a is NULL with len > 0, ENOMEM, or
 * pthread_create's error as th_run does (the threads already started are joined first).
 * *sum is written only when 0 is returned. */
int th_sum(const long *a, size_t len, int nthreads, long *sum);

#endif
