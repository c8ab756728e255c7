/* workers.c - run tasks in worker processes, a few at a time (see workers.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "util.h"
#include "workers.h"

static char *result_path(const struct worker_tasks *t, int i)
{
    return xasprintf("%s/.worker-%d.json", t->dir, i);
}

/* In the worker: never returns. */
static _Noreturn void work(const struct worker_tasks *t, int i)
{
    sb_init();
    json_t *json = t->run(t->ctx, i);
    char *path = result_path(t, i);
    _exit(json && json_dump_file(json, path, 0) == 0 ? 0 : 1);
}

static void collect(const struct worker_tasks *t, int i)
{
    char *path = result_path(t, i);
    json_error_t err;
    json_t *json = json_load_file(path, 0, &err);
    remove(path);
    free(path);
    t->done(t->ctx, i, json);
    json_decref(json);
}

void workers_run(const struct worker_tasks *t)
{
    pid_t *pids = xcalloc((size_t)t->count + 1, sizeof *pids);
    int next = 0, running = 0;
    for (;;) {
        while (next < t->count && !t->wanted(t->ctx, t->order ? t->order[next] : next))
            next++;
        if (next < t->count && (running < t->jobs || t->jobs <= 1)) {
            int i = t->order ? t->order[next] : next;
            next++;
            pid_t pid = -1;
            if (t->jobs > 1) {
                fflush(NULL);
                pid = fork();
                if (pid == 0)
                    work(t, i);
            }
            if (pid > 0) {
                pids[i] = pid;
                running++;
            } else {
                /* one at a time, or no process to be had: do it here */
                json_t *json = t->run(t->ctx, i);
                t->done(t->ctx, i, json);
                json_decref(json);
            }
            continue;
        }
        if (running == 0)
            break;
        int status;
        pid_t pid = wait(&status);
        if (pid < 0 && errno == EINTR) {
            for (int i = 0; i < t->count && sb_interrupted(); i++)
                if (pids[i] > 0)
                    kill(pids[i], SIGTERM);
            continue;
        }
        if (pid < 0)
            break;
        for (int i = 0; i < t->count; i++) {
            if (pids[i] == pid) {
                pids[i] = 0;
                running--;
                collect(t, i);
            }
        }
    }
    free(pids);
}
