/* threads.c - lab 01: start N threads, join them all, collect their results in order. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "threads.h"

/* Read README.md first. Both functions return ENOSYS ("not implemented") until you write them.
 * Keep the names of threads.h; helpers of your own must be static. */

int th_run(int n, th_task task, const long *args, long *results)
{
    /* TODO(student): start n threads, thread i calling task(args[i], &its_result); only when
     * all n are started, join them all; then copy each result to results[i].
     * Postcondition: 0 and results[i] from args[i] for every i, all n tasks having run at the
     * same time; the lowest-index task error if a task failed; EINVAL for bad arguments;
     * pthread_create's error, with every thread already started joined and nothing leaked,
     * if starting one fails (README "Task 1" to "Task 3"). */
    (void)n;
    (void)task;
    (void)args;
    (void)results;
    return ENOSYS;
}

int th_sum(const long *a, size_t len, int nthreads, long *sum)
{
    /* TODO(student): split a[0..len) into nthreads shares, sum each in a thread of its own,
     * join them all, and add the partial sums.
     * Postcondition: 0 and *sum == a[0] + ... + a[len - 1], every element counted once;
     * EINVAL, ENOMEM or pthread_create's error as th_run (README "Task 4: a parallel sum"). */
    (void)a;
    (void)len;
    (void)nthreads;
    (void)sum;
    return ENOSYS;
}
