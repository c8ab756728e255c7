/* grade.c - grade one lab: stage, build, gate, run the selected checks, score. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "stage.h"
#include "stubsum.h"
#include "text.h"
#include "workers.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A check runs if nothing was singled out, if it was, or if a check that runs requires it. */
static bool selected(const struct grader *g, const struct lab *lab, const struct check *c)
{
    /* make check: what takes seconds; policy checks take milliseconds */
    if (g->quick && c->kind != CK_TEST && c->kind != CK_TSAN && c->kind != CK_POLICY)
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

/* What each check is worth in this grade: lab.conf's points, and the points of the checks this
 * host cannot judge shared out among the others in proportion to theirs (largest remainders
 * first, so that the lab's total stays what lab.conf says). */
static void share_out_ungradable(struct lab_result *r)
{
    int moved = 0, base = 0, given = 0;
    for (int i = 0; i < r->nchecks; i++) {
        const struct check_result *cr = &r->checks[i];
        moved += cr->ungradable ? cr->check->points : 0;
        base += cr->skipped ? 0 : cr->check->points;
    }
    long *rest = xcalloc((size_t)r->nchecks + 1, sizeof *rest); /* -1: gets no more */
    for (int i = 0; i < r->nchecks; i++) {
        struct check_result *cr = &r->checks[i];
        long part = cr->skipped || base == 0 ? 0 : (long)moved * cr->check->points;
        cr->max_points = cr->ungradable ? 0 : cr->check->points + (int)(part / (base ? base : 1));
        given += (int)(part / (base ? base : 1));
        rest[i] = cr->skipped || base == 0 ? -1 : part % base;
    }
    while (given < moved) {
        int best = -1;
        for (int i = 0; i < r->nchecks; i++)
            if (rest[i] >= 0 && (best < 0 || rest[i] > rest[best]))
                best = i;
        if (best < 0)
            break; /* nothing left to take them: every check of the lab is ungradable */
        r->checks[best].max_points++;
        rest[best] = -1;
        given++;
    }
    free(rest);
}

/* A check that requires others earns its points only if they passed as well (or cannot be
 * judged on this host). */
static void apply_requirements(const struct lab *lab, struct lab_result *r)
{
    share_out_ungradable(r);
    for (int i = 0; i < r->nchecks; i++) {
        struct check_result *cr = &r->checks[i];
        for (size_t k = 0; cr->passed && k < cr->check->requires.len; k++) {
            const char *need = cr->check->requires.v[k];
            for (int j = 0; j < lab->nchecks; j++) {
                if (strcmp(r->checks[j].check->id, need) != 0 || r->checks[j].passed ||
                    r->checks[j].ungradable)
                    continue;
                cr->passed = false;
                free(cr->verdict), free(cr->message);
                cr->verdict = xstrdup("not yet");
                cr->message = xasprintf("this check earns its points once %s passes.", need);
            }
        }
        cr->points = cr->passed ? cr->max_points : 0;
        r->score += cr->points;
    }
}

/* The order a lab's checks run in: tests and policy checks, then (a test having failed) the
 * ThreadSanitizer checks, then the detector checks left. */
enum phase { PHASE_TESTS, PHASE_TSAN, PHASE_DETECTORS };

struct check_tasks {
    const struct grader *g;
    const struct lab *lab;
    struct lab_result *r;
    enum phase phase;
};

static bool is_detector(const struct check *c)
{
    return c->kind == CK_TSAN || c->kind == CK_HELGRIND || c->kind == CK_MEMCHECK;
}

static bool check_wanted(void *ctx, int i)
{
    struct check_tasks *t = ctx;
    const struct check *c = &t->lab->checks[i];
    if (t->r->checks[i].check) /* skipped or decided already */
        return false;
    return t->phase == PHASE_TESTS ? !is_detector(c)
           : t->phase == PHASE_TSAN ? c->kind == CK_TSAN
                                    : is_detector(c);
}

/* A scenario that hung in a test or under ThreadSanitizer (a deadlock, a lost wakeup, a lock
 * left held, polling) would hang the same way under Valgrind, only many times slower: its
 * Valgrind checks are not run, and say where the diagnosis is. Its ThreadSanitizer check does
 * run, as it may name the race behind the hang (a count changed outside the lock, a wakeup
 * lost with it), and its hang ends in a second or two. */
static void skip_stuck_scenarios(const struct lab *lab, struct lab_result *r)
{
    for (int i = 0; i < lab->nchecks; i++) {
        const struct check_result *t = &r->checks[i];
        if (!t->check || (t->check->kind != CK_TEST && t->check->kind != CK_TSAN) ||
            !t->stuck[0])
            continue;
        for (int k = 0; k < lab->nchecks; k++) {
            const struct check *c = &lab->checks[k];
            if (r->checks[k].check || (c->kind != CK_HELGRIND && c->kind != CK_MEMCHECK) ||
                strcmp(c->name, t->stuck) != 0)
                continue;
            skip(&r->checks[k], c, "not run",
                 xasprintf("Not run: its scenario already failed in %s (%s, explained there). "
                           "Under Valgrind it would fail the same way, only slower; this check "
                           "runs once %s passes.",
                           t->check->id, t->verdict, t->check->id));
        }
    }
}

static json_t *check_run(void *ctx, int i)
{
    struct check_tasks *t = ctx;
    struct check_result cr = {0};
    const struct check *c = &t->lab->checks[i];
    if (c->kind == CK_TSAN && *t->r->release) {
        /* its build would run without the work: say why rather than how it goes wrong */
        cr = (struct check_result){.check = c,
                                   .verdict = xstrdup("release build"),
                                   .message = xstrdup(t->r->release),
                                   .details = xstrdup(""),
                                   .raw = xstrdup("")};
    } else {
        run_check(t->g, t->lab, t->r->build_dir, c, &cr);
    }
    check_result_clean(&cr); /* jansson takes valid UTF-8 only */
    json_t *json = check_result_json(&cr);
    check_result_free(&cr);
    return json;
}

static void check_done(void *ctx, int i, json_t *json)
{
    struct check_tasks *t = ctx;
    const struct check *c = &t->lab->checks[i];
    if (json)
        check_result_from_json(json, c, &t->r->checks[i]);
    else
        skip(&t->r->checks[i], c, "grader error",
             xstrdup("the grader's worker for this check failed; run the grade again."));
}

/* ---- Longest first ------------------------------------------------------------------------
 * Two checks at a time finish soonest when the long ones start first, not last beside an idle
 * core. How long each check took is kept in the lab's build directory (run/seconds, a line
 * "ID SECONDS" per check), so a student's second `make check` orders by the first. */

static double *past_seconds(const struct lab *lab, const char *path)
{
    double *secs = xcalloc((size_t)lab->nchecks + 1, sizeof *secs);
    char *text = read_file(path, NULL);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char *space = strrchr(line, ' ');
        if (!space)
            continue;
        *space = '\0';
        for (int i = 0; i < lab->nchecks; i++)
            if (strcmp(lab->checks[i].id, line) == 0)
                secs[i] = strtod(space + 1, NULL);
    }
    free(text);
    return secs;
}

static const double *sort_secs;
static int by_past_seconds(const void *a, const void *b)
{
    int i = *(const int *)a, k = *(const int *)b;
    if (sort_secs[i] != sort_secs[k])
        return sort_secs[i] < sort_secs[k] ? 1 : -1;
    return i - k; /* never timed: in lab.conf's order */
}

static int *longest_first(const struct lab *lab, const double *secs)
{
    int *order = xcalloc((size_t)lab->nchecks + 1, sizeof *order);
    for (int i = 0; i < lab->nchecks; i++)
        order[i] = i;
    sort_secs = secs;
    qsort(order, (size_t)lab->nchecks, sizeof *order, by_past_seconds);
    return order;
}

/* This grade's times, and the past ones of the checks it did not run. */
static void keep_seconds(const struct lab *lab, const struct lab_result *r, double *secs,
                         const char *path)
{
    struct sbuf b = {0};
    sbuf_add(&b, "");
    for (int i = 0; i < lab->nchecks; i++) {
        const struct check_result *c = &r->checks[i];
        if (c->check && !c->skipped && c->seconds > 0)
            secs[i] = c->seconds;
        if (secs[i] > 0)
            sbuf_addf(&b, "%s %.3f\n", lab->checks[i].id, secs[i]);
    }
    write_file(path, b.s);
    free(b.s);
}

/* The checks not skipped, check_jobs at a time, longest first: first the tests and policy
 * checks, then the detector checks, which need not run a scenario that a test saw hang. */
static void run_checks(const struct grader *g, const struct lab *lab, struct lab_result *r)
{
    struct check_tasks ctx = {g, lab, r, PHASE_TESTS};
    char *dir = xasprintf("%s/run", r->build_dir);
    mkdir_p(dir);
    char *seconds_path = xasprintf("%s/seconds", dir);
    double *secs = past_seconds(lab, seconds_path);
    int *order = longest_first(lab, secs);
    /* what this grade's tests find spinning, for its later tests (runcheck.c): never an earlier
     * grade's, whose functions sat at other addresses */
    char *spun = xasprintf("%s/spun", dir);
    unlink(spun);
    free(spun);
    struct worker_tasks t = {
        .count = r->nchecks,
        .jobs = g->check_jobs,
        .order = order,
        .dir = dir,
        .ctx = &ctx,
        .wanted = check_wanted,
        .run = check_run,
        .done = check_done,
    };
    workers_run(&t);
    /* A test failed: the submission is buggy, and its scenarios may hang under the detectors
     * too. ThreadSanitizer's runs go first, since its hangs end within a second or two; a
     * scenario that hung there or in a test is not run under Valgrind, whose hangs take several
     * times longer. Correct code gains nothing by the wait between the two, and does not get
     * it. */
    bool buggy = false;
    for (int i = 0; i < r->nchecks; i++)
        buggy |= r->checks[i].check && r->checks[i].check->kind == CK_TEST &&
                 !r->checks[i].passed && !r->checks[i].skipped;
    if (buggy) {
        ctx.phase = PHASE_TSAN;
        workers_run(&t);
        skip_stuck_scenarios(lab, r);
    }
    ctx.phase = PHASE_DETECTORS;
    workers_run(&t);
    keep_seconds(lab, r, secs, seconds_path);
    free(order), free(secs), free(seconds_path), free(dir);
}

/* Is the staged file the kit's stub, unchanged? Then the student has not started the lab. */
static bool untouched(const struct grader *g, const struct lab *lab, const char *bd)
{
    char *submitted = xasprintf("%s/%s/%s", g->submission, lab->dirname, lab->stub);
    char *staged = xasprintf("%s/%s", bd, lab->stub);
    bool same = stub_untouched(lab, submitted, staged);
    free(submitted), free(staged);
    return same;
}

void grade_lab(const struct grader *g, const struct lab *lab, struct lab_result *r)
{
    double start = now();
    memset(r, 0, sizeof *r);
    r->lab = lab;
    r->build_dir = xasprintf("%s/%s", g->build_root, lab->id);
    char *problem = stage_lab(g, lab, r->build_dir);
    r->not_started = !problem && untouched(g, lab, r->build_dir);
    r->warnings = NULL;
    /* A lab nobody has started scores 0 on every check (the self-test proves it, grading the
     * stubs with grade_stubs): a student in week one waits for nothing but the lab at hand. */
    bool skip_all = r->not_started && !g->grade_stubs;
    if (!problem && !skip_all)
        problem = build_lab(g, lab, r->build_dir, &r->warnings);
    if (!r->warnings)
        r->warnings = xstrdup("");
    r->release = problem || skip_all ? NULL : policy_release_build(lab, r->build_dir);
    if (!r->release)
        r->release = xstrdup("");
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
        } else if (c->cpus > g->cpus) {
            skip(cr, c, "not gradable here",
                 xasprintf("Not gradable on this host: it needs %d CPUs that can run at the same "
                           "time, and this host gives %d. Its %d points count on the lab's other "
                           "checks instead; grade on a host with %d or more CPUs to have it "
                           "judged.",
                           c->cpus, g->cpus, c->points, c->cpus));
            cr->skipped = cr->ungradable = true;
        } else if (problem) {
            skip(cr, c, "not built", xstrdup("the lab did not build: see the problem above."));
        } else if (skip_all) {
            skip(cr, c, "not started",
                 xasprintf("%s/%s is still the kit's stub: not run.", lab->dirname, lab->stub));
        } else {
            cr->check = NULL; /* to run */
        }
    }
    if (!problem && !skip_all)
        run_checks(g, lab, r);
    apply_requirements(lab, r);
    lab_result_clean(r); /* whatever bytes the stub and its programs produced */
    r->seconds = now() - start;
}
