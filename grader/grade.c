/* grade.c - grade one lab: stage, build, gate, run the selected checks, score. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "stage.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A check runs if nothing was singled out, if it was, or if a check that runs requires it. */
static bool selected(const struct grader *g, const struct lab *lab, const struct check *c)
{
    if (g->quick && c->kind != CK_TEST && c->kind != CK_TSAN)
        return false;
    if (g->only.len == 0 || strv_has(&g->only, c->id))
        return true;
    for (int i = 0; i < lab->nchecks; i++)
        if (strv_has(&g->only, lab->checks[i].id) && strv_has(&lab->checks[i].requires, c->id))
            return true;
    return false;
}

static void skip(struct check_result *r, const struct check *c, const char *verdict, char *msg)
{
    r->check = c;
    r->verdict = xstrdup(verdict);
    r->message = msg ? msg : xstrdup("");
    r->details = xstrdup("");
    r->raw = xstrdup("");
}

/* A check that requires others earns its points only if they passed as well. */
static void apply_requirements(const struct lab *lab, struct lab_result *r)
{
    for (int i = 0; i < r->nchecks; i++) {
        struct check_result *cr = &r->checks[i];
        for (size_t k = 0; cr->passed && k < cr->check->requires.len; k++) {
            const char *need = cr->check->requires.v[k];
            for (int j = 0; j < lab->nchecks; j++) {
                if (strcmp(r->checks[j].check->id, need) != 0 || r->checks[j].passed)
                    continue;
                cr->passed = false;
                free(cr->verdict), free(cr->message);
                cr->verdict = xstrdup("not yet");
                cr->message = xasprintf("this check earns its points once %s passes.", need);
            }
        }
        cr->points = cr->passed ? cr->check->points : 0;
        r->score += cr->points;
    }
}

/* Run the checks not yet decided, check_jobs at a time. A worker process per check keeps the
 * sandbox's one-run-per-process rule; it hands its result back as JSON in a file. */
static void run_checks(const struct grader *g, const struct lab *lab, struct lab_result *r)
{
    int jobs = g->check_jobs > 1 ? g->check_jobs : 1;
    pid_t *pids = xcalloc((size_t)r->nchecks, sizeof *pids);
    int next = 0, running = 0;
    for (;;) {
        while (next < r->nchecks && r->checks[next].check)
            next++;
        if (next < r->nchecks && running < jobs) {
            const struct check *c = &lab->checks[next];
            if (jobs == 1) {
                run_check(g, lab, r->build_dir, c, &r->checks[next]);
                continue;
            }
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) {
                struct check_result cr = {0};
                sb_init();
                run_check(g, lab, r->build_dir, c, &cr);
                char *path =
                    xasprintf("%s/run/%s-%s.json", r->build_dir, check_kind_name(c->kind), c->name);
                _exit(json_dump_file(check_result_json(&cr), path, 0) == 0 ? 0 : 1);
            }
            if (pid < 0) {
                run_check(g, lab, r->build_dir, c, &r->checks[next]);
                continue;
            }
            pids[next] = pid;
            r->checks[next].check = c; /* taken */
            running++;
            continue;
        }
        if (running == 0)
            break;
        int status;
        pid_t pid = wait(&status);
        if (pid < 0 && errno == EINTR) {
            for (int i = 0; i < r->nchecks && sb_interrupted(); i++)
                if (pids[i] > 0)
                    kill(pids[i], SIGTERM);
            continue;
        }
        if (pid < 0)
            break;
        for (int i = 0; i < r->nchecks; i++) {
            if (pids[i] != pid || pid <= 0)
                continue;
            running--;
            const struct check *c = &lab->checks[i];
            char *path =
                xasprintf("%s/run/%s-%s.json", r->build_dir, check_kind_name(c->kind), c->name);
            json_error_t err;
            json_t *j = json_load_file(path, 0, &err);
            if (j)
                check_result_from_json(j, c, &r->checks[i]);
            else
                skip(&r->checks[i], c, "grader error",
                     xasprintf("the grader's worker for this check failed (status %d).", status));
            json_decref(j);
            free(path);
        }
    }
    free(pids);
}

void grade_lab(const struct grader *g, const struct lab *lab, struct lab_result *r)
{
    double start = now();
    memset(r, 0, sizeof *r);
    r->lab = lab;
    r->build_dir = xasprintf("%s/%s", g->build_root, lab->id);
    char *problem = stage_lab(g, lab, r->build_dir);
    r->warnings = NULL;
    if (!problem)
        problem = build_lab(g, lab, r->build_dir, &r->warnings);
    if (!r->warnings)
        r->warnings = xstrdup("");
    r->graded = !problem;
    r->problem = problem ? problem : xstrdup("");
    r->nchecks = lab->nchecks;
    r->checks = xcalloc((size_t)lab->nchecks, sizeof *r->checks);
    for (int i = 0; i < lab->nchecks; i++) {
        const struct check *c = &lab->checks[i];
        struct check_result *cr = &r->checks[i];
        if (!selected(g, lab, c)) {
            skip(cr, c, "skipped", NULL);
            cr->skipped = true;
        } else if (problem) {
            skip(cr, c, "not built", xstrdup("the lab did not build: see the problem above."));
        } else {
            cr->check = NULL; /* to run */
        }
    }
    if (!problem)
        run_checks(g, lab, r);
    apply_requirements(lab, r);
    r->seconds = now() - start;
}

void lab_result_free(struct lab_result *r)
{
    for (int i = 0; i < r->nchecks; i++) {
        struct check_result *c = &r->checks[i];
        free(c->verdict), free(c->message), free(c->details), free(c->raw);
    }
    free(r->checks), free(r->problem), free(r->warnings), free(r->build_dir);
    memset(r, 0, sizeof *r);
}
