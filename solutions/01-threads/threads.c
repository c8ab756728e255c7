/* threads.c - lab 01 reference solution: start N threads, join them all, results in order. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "threads.h"

/* Start n threads, thread i running fn((char *)jobs + i * size), then join every thread that
 * started. If a start fails, no more are started, the ones running are still joined, and the
 * error is returned. Each thread gets its own job: never the address of a variable that the
 * caller changes while the thread may still read it (the loop counter). */
static int th_start_all(int n, void *(*fn)(void *), void *jobs, size_t size)
{
    pthread_t *tids = malloc((size_t)n * sizeof *tids);
    if (!tids)
        return ENOMEM;
    int started = 0, err = 0;
    /* All start before any is joined: joining inside this loop would run them one by one. */
    while (started < n && err == 0) {
        err = pthread_create(&tids[started], NULL, fn, (char *)jobs + (size_t)started * size);
        if (err == 0)
            started++;
    }
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    return err;
}

/* ---- Tasks 1 to 3: run n tasks at once, results in argument order -------------------------- */

/* One thread's job: written by the caller before the start, by the thread until it ends, read
 * by the caller after the join (pthread_join orders the thread's writes before the reads). */
struct th_job {
    th_task task;
    long arg;
    long result;
    int err;
};

static void *th_run_job(void *p)
{
    struct th_job *job = p;
    job->err = job->task(job->arg, &job->result);
    return NULL;
}

int th_run(int n, th_task task, const long *args, long *results)
{
    if (n < 1 || !task || !args || !results)
        return EINVAL;
    struct th_job *jobs = malloc((size_t)n * sizeof *jobs);
    if (!jobs)
        return ENOMEM;
    for (int i = 0; i < n; i++)
        jobs[i] = (struct th_job){.task = task, .arg = args[i]};
    int err = th_start_all(n, th_run_job, jobs, sizeof *jobs);
    for (int i = 0; i < n && err == 0; i++)
        err = jobs[i].err; /* the lowest index that failed */
    for (int i = 0; i < n && err == 0; i++)
        results[i] = jobs[i].result;
    free(jobs);
    return err;
}

/* ---- Task 4: a parallel sum ------------------------------------------------------------------ */

struct th_chunk {
    const long *a;
    size_t begin, end; /* this thread sums a[begin..end) */
    long sum;
};

static void *th_sum_chunk(void *p)
{
    struct th_chunk *c = p;
    long sum = 0;
    for (size_t i = c->begin; i < c->end; i++)
        sum += c->a[i];
    c->sum = sum;
    return NULL;
}

int th_sum(const long *a, size_t len, int nthreads, long *sum)
{
    if (nthreads < 1 || !sum || (!a && len > 0))
        return EINVAL;
    struct th_chunk *chunks = malloc((size_t)nthreads * sizeof *chunks);
    if (!chunks)
        return ENOMEM;
    /* len = nthreads * base + extra: the first extra chunks hold one element more. */
    size_t n = (size_t)nthreads, base = len / n, extra = len % n, begin = 0;
    for (size_t i = 0; i < n; i++) {
        size_t size = base + (i < extra);
        chunks[i] = (struct th_chunk){.a = a, .begin = begin, .end = begin + size};
        begin += size;
    }
    int err = th_start_all(nthreads, th_sum_chunk, chunks, sizeof *chunks);
    if (err == 0) {
        long total = 0;
        for (int i = 0; i < nthreads; i++)
            total += chunks[i].sum;
        *sum = total;
    }
    free(chunks);
    return err;
}
