/* workers.h - run tasks in worker processes, a few at a time, each handing back JSON.
 *
 * The sandbox runs one command at a time per process (the orphans of a run come back to the
 * process that started it), so work done in parallel needs processes: labs two at a time in
 * `make grade`, the checks of one lab two at a time in `make check`. A worker makes itself a
 * subreaper (sb_init) and writes its task's result as JSON to a file; the parent reads it back.
 * An interrupt (sb_interrupt) is passed on to every worker.
 */
#ifndef WORKERS_H
#define WORKERS_H

#include <jansson.h>
#include <stdbool.h>

struct worker_tasks {
    int count;        /* tasks 0 .. count-1 */
    int jobs;         /* at most this many at a time; 1 runs them in this process */
    const int *order; /* the tasks in the order to start them; NULL: 0 .. count-1 */
    const char *dir;  /* where the result files go */
    void *ctx;
    bool (*wanted)(void *ctx, int i);             /* false: skip task i */
    json_t *(*run)(void *ctx, int i);             /* in the worker: do task i */
    void (*done)(void *ctx, int i, json_t *json); /* in the parent; json is NULL if it failed */
};

void workers_run(const struct worker_tasks *t);

#endif
