/* selftest.c - the kit's self-test (make test): the grader must be right both ways.
 *
 * It runs the real grader, as users do, and reads its JSON:
 *   - the grader's unit tests pass;
 *   - every lab's README shows the grading table that its lab.conf declares;
 *   - the stubs score 0 and grade without a grader error;
 *   - the reference solutions score full marks, RUNS times in a row (flakiness is a bug);
 *   - every correct variant (grader/selftest/NN-name/variants/) scores full marks;
 *   - every mutant (grader/selftest/NN-name/mutants/) builds and fails each check its CAUGHT-BY
 *     line names;
 *   - every cheat (grader/selftest/NN-name/cheats/), a submission that tries to fool the grader
 *     rather than solve the lab, scores 0;
 *   - a solution carrying odd bytes (a Latin-1 comment and binary garbage on lines the compiler
 *     warns about, NUL bytes, a 20 MB comment) keeps its lab and its full marks in text and in
 *     JSON alike, with the bytes escaped and the output bounded.
 * Variants, mutants and cheats are NAME.patch files: a unified diff against the lab's reference
 * solution, its header (VARIANT:, MUTANT: and CAUGHT-BY:, CHEAT:) before the "---" line. A patch
 * that no longer applies is a FAILED line naming it and its hunk.
 * Two grader processes run at a time. It ends with "N passed, N failed".
 * --only=LAB[/KIND[/NAME-PREFIX]] runs one lab's part (e.g. --only=05-queue/mutants);
 * --soak grades only the solutions, RUNS times (CI runs it after make test, with more runs);
 * --apply-only=DIR writes every patched file to DIR/NN-name/KIND/NAME.c and grades nothing.
 */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../labconf.h"
#include "../util.h"
#include "patch.h"

enum job_kind { JOB_UNIT, JOB_STUBS, JOB_SOLUTIONS, JOB_VARIANT, JOB_MUTANT, JOB_CHEAT, JOB_BYTES };

#define BYTES_OUT_MAX (1 << 20) /* what a run's stdout may be, whatever the submission holds */

struct job {
    enum job_kind kind;
    char *title;
    struct strv argv;
    char *out; /* stdout of the run */
    const struct lab *lab;
    struct strv caught;    /* mutant: check ids that must fail */
    struct strv diagnoses; /* mutant: "check|verdict|text|text": how those must fail (EXPECT:) */
    bool text;             /* JOB_BYTES: graded with --format=text, not json */
    bool alone;            /* runs with no other job beside it, and before the later ones */
    bool quick;            /* JOB_BYTES: graded as make check (--quick) */
    const char *expect;    /* JOB_BYTES: what the output must show (the bytes escaped) */
    pid_t pid;
    double started;
};

static const char *kit;
static char *grader_bin, *work;
static int passed, failed;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void result(bool ok, const char *title, double secs, const char *why)
{
    printf("%s %s (%.1f s)\n", ok ? "ok    " : "FAILED", title, secs);
    if (!ok && why && *why)
        printf("%s", why);
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
}

static struct job *new_job(enum job_kind kind, const struct lab *lab, char *title)
{
    struct job *j = xcalloc(1, sizeof *j);
    j->kind = kind;
    j->lab = lab;
    j->title = title;
    return j;
}

/* The points of the checks that make check runs: tests, ThreadSanitizer and policy. */
static int quick_points(const struct lab *lab)
{
    int points = 0;
    for (int i = 0; i < lab->nchecks; i++)
        if (lab->checks[i].kind != CK_HELGRIND && lab->checks[i].kind != CK_MEMCHECK)
            points += lab->checks[i].points;
    return points;
}

/* The kit's compiled tests and support, built once by the stubs job, which runs alone first
 * (they depend on the kit's sources only): every later grader reuses them instead of compiling
 * them again, seconds per job. */
static char *shared_kit_objects;

static void grader_job(struct job *j, const char *submission, const char *build)
{
    strv_add(&j->argv, grader_bin);
    strv_addf(&j->argv, "--kit=%s", kit);
    if (shared_kit_objects)
        strv_addf(&j->argv, "--kit-objects=%s", shared_kit_objects);
    strv_addf(&j->argv, "--submission=%s", submission);
    strv_addf(&j->argv, "--build-dir=%s", build);
    strv_addf(&j->argv, "--format=%s", j->text ? "text" : "json");
    /* the instructor's self-test: hidden checks' messages too (mutants' EXPECT lines read them) */
    strv_add(&j->argv, "--release");
    if (j->lab) /* one lab's checks one at a time: the self-test runs two graders at once */
        strv_addf(&j->argv, "--lab=%s", j->lab->id), strv_add(&j->argv, "--jobs=1");
}

static void start(struct job *j, int index)
{
    j->out = xasprintf("%s/job-%d.out", work, index);
    j->started = now();
    fflush(stdout);
    j->pid = fork();
    if (j->pid == 0) {
        FILE *f = freopen(j->out, "w", stdout);
        if (!f)
            _exit(127);
        if (j->kind == JOB_UNIT) {
            dup2(STDOUT_FILENO, STDERR_FILENO);
            char *tmp = xasprintf("%s/tmp-%d", work, index);
            mkdir_p(tmp);
            setenv("TMPDIR", tmp, 1);
        }
        execv(j->argv.v[0], j->argv.v);
        _exit(127);
    }
}

/* "why" lines for the failed checks of a lab's JSON result. */
static void explain_failures(struct sbuf *why, json_t *lab)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(lab, "checks"), i, c)
    {
        if (json_is_true(json_object_get(c, "passed")) ||
            json_is_true(json_object_get(c, "skipped")))
            continue;
        sbuf_addf(why, "       %s %s: %s %s\n", json_string_value(json_object_get(lab, "id")),
                  json_string_value(json_object_get(c, "id")),
                  json_string_value(json_object_get(c, "verdict")),
                  json_string_value(json_object_get(c, "message")));
    }
}

/* The lab is there, with its full max_score and the solution's full score, in either format;
 * the odd bytes show escaped; stdout stays small. */
static void finish_bytes(struct job *j, bool ok, double secs)
{
    struct sbuf why = {0};
    sbuf_add(&why, "");
    size_t len = 0;
    char *text = read_file(j->out, &len);
    long score = -1, max = -1;
    const char *shown = NULL;
    json_t *doc = NULL;
    if (!ok || !text) {
        sbuf_addf(&why, "       the grader failed; its output is in %s\n", j->out);
    } else if (len > BYTES_OUT_MAX) {
        sbuf_addf(&why, "       the grader printed %zu bytes (at most %d)\n", len, BYTES_OUT_MAX);
    } else if (j->text) {
        char *head = xasprintf("\n%s: ", j->lab->id);
        const char *at = strstr(text, head);
        if (!at || sscanf(at + strlen(head), "%ld/%ld", &score, &max) != 2)
            sbuf_addf(&why, "       no line \"%s: SCORE/MAX\" in %s\n", j->lab->id, j->out);
        shown = text;
        free(head);
    } else {
        json_error_t err;
        doc = json_loads(text, 0, &err);
        json_t *lab = json_array_get(json_object_get(doc, "labs"), 0);
        const char *id = json_string_value(json_object_get(lab, "id"));
        if (!id || strcmp(id, j->lab->id) != 0) {
            sbuf_addf(&why, "       the JSON has no lab %s: %s\n", j->lab->id, j->out);
        } else {
            score = (long)json_integer_value(json_object_get(lab, "score"));
            max = (long)json_integer_value(json_object_get(lab, "max_score"));
            shown = json_string_value(json_object_get(lab, "warnings"));
            explain_failures(&why, lab);
        }
    }
    int full = j->quick ? quick_points(j->lab) : j->lab->max_points;
    if (score != -1 && (max != full || score != max))
        sbuf_addf(&why, "       %s scored %ld/%ld (must be %d/%d)\n", j->lab->id, score, max, full,
                  full);
    if (score != -1 && (!shown || !strstr(shown, j->expect)))
        sbuf_addf(&why, "       the output does not show '%s': %s\n", j->expect, j->out);
    result(*why.s == '\0', j->title, secs, why.s);
    json_decref(doc);
    free(text);
    sbuf_free(&why);
}

/* "EXPECT: test:close_wakes_all lost wakeup | queue.c:116 | broadcast" in a mutant's header:
 * that check's verdict is "lost wakeup" and its message holds each text after a bar, so that a
 * mutant proves the feedback names its bug and its line, not only that some check failed. */
static void expectations(const char *header, struct strv *out)
{
    for (const char *p = strstr(header, "EXPECT:"); p; p = strstr(p + 1, "EXPECT:")) {
        char *line = strndup(p + strlen("EXPECT:"), strcspn(p, "\n") - strlen("EXPECT:"));
        struct sbuf b = {0};
        char *save = NULL;
        for (char *part = strtok_r(line, "|", &save); part; part = strtok_r(NULL, "|", &save)) {
            while (*part == ' ')
                part++;
            size_t len = strlen(part);
            while (len && part[len - 1] == ' ')
                part[--len] = '\0';
            if (!b.s) { /* "test:name verdict words": the id, then the verdict */
                size_t id = strcspn(part, " ");
                sbuf_addf(&b, "%.*s|%s", (int)id, part, part[id] ? part + id + 1 : "");
            } else {
                sbuf_addf(&b, "|%s", part);
            }
        }
        if (b.s)
            strv_add(out, b.s);
        sbuf_free(&b);
        free(line);
    }
}

static bool expected_diagnoses(const struct job *j, json_t *lab, struct sbuf *why)
{
    bool ok = true;
    for (size_t n = 0; n < j->diagnoses.len; n++) {
        char *want = xstrdup(j->diagnoses.v[n]), *save = NULL;
        char *id = strtok_r(want, "|", &save), *verdict = strtok_r(NULL, "|", &save);
        size_t k;
        json_t *c, *check = NULL;
        json_array_foreach(json_object_get(lab, "checks"), k,
                           c) if (id && strcmp(json_string_value(json_object_get(c, "id")), id) ==
                                            0) check = c;
        const char *got = check ? json_string_value(json_object_get(check, "verdict")) : "";
        const char *message = check ? json_string_value(json_object_get(check, "message")) : "";
        if (!check || !verdict || strcmp(got, verdict) != 0) {
            ok = false;
            sbuf_addf(why, "       %s: verdict \"%s\", expected \"%s\"\n", id ? id : "?", got,
                      verdict ? verdict : "?");
        }
        for (char *text = strtok_r(NULL, "|", &save); check && text;
             text = strtok_r(NULL, "|", &save))
            if (!strstr(message, text)) {
                ok = false;
                sbuf_addf(why, "       %s: the message does not say \"%s\": %.300s\n", id, text,
                          message);
            }
        free(want);
    }
    return ok;
}

static void finish(struct job *j, int status)
{
    double secs = now() - j->started;
    struct sbuf why = {0};
    sbuf_add(&why, "");
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (j->kind == JOB_UNIT) {
        char *text = read_file(j->out, NULL);
        const char *synth = text ? strstr(text, "Synthesis") : NULL;
        if (!ok)
            sbuf_addf(&why, "%s", text ? text : "");
        else if (synth)
            sbuf_addf(&why, "       %.*s\n", (int)strcspn(synth, "\n"), synth);
        result(ok, j->title, secs, why.s);
        if (ok && synth)
            printf("%s", why.s);
        free(text);
        sbuf_free(&why);
        return;
    }
    if (j->kind == JOB_BYTES) {
        finish_bytes(j, ok, secs);
        return;
    }
    json_error_t err;
    json_t *doc = ok ? json_load_file(j->out, 0, &err) : NULL;
    if (!doc) {
        sbuf_addf(&why, "       the grader %s (status %d); its output is in %s\n",
                  ok ? "printed no valid JSON" : "failed", WEXITSTATUS(status), j->out);
        result(false, j->title, secs, why.s);
        sbuf_free(&why);
        return;
    }
    long long seed = json_integer_value(json_object_get(doc, "seed"));
    size_t i;
    json_t *lab;
    json_array_foreach(json_object_get(doc, "labs"), i, lab)
    {
        long score = (long)json_integer_value(json_object_get(lab, "score"));
        long max = (long)json_integer_value(json_object_get(lab, "max_score"));
        bool graded = json_is_true(json_object_get(lab, "graded"));
        const char *id = json_string_value(json_object_get(lab, "id"));
        switch (j->kind) {
        case JOB_CHEAT:
            if (score != 0) {
                ok = false;
                sbuf_addf(&why, "       the cheat scored %ld/%ld (seed %lld)\n", score, max, seed);
            }
            /* a cheat that does not compile proves nothing */
            if (strstr(json_string_value(json_object_get(lab, "problem")), "does not compile")) {
                ok = false;
                sbuf_addf(&why, "       the cheat does not compile: %s\n",
                          json_string_value(json_object_get(lab, "problem")));
            }
            break;
        case JOB_STUBS:
            if (!graded || score != 0) {
                ok = false;
                sbuf_addf(&why, "       the %s stub scored %ld (must be 0)%s%s\n", id, score,
                          graded ? "" : ": ",
                          graded ? "" : json_string_value(json_object_get(lab, "problem")));
            }
            break;
        case JOB_SOLUTIONS:
        case JOB_VARIANT:
            if (!graded || score != max) {
                ok = false;
                sbuf_addf(&why, "       %s scored %ld/%ld (seed %lld)\n", id, score, max, seed);
                if (!graded)
                    sbuf_addf(&why, "       %s\n",
                              json_string_value(json_object_get(lab, "problem")));
                explain_failures(&why, lab);
            }
            break;
        case JOB_MUTANT: {
            if (!graded) {
                ok = false;
                sbuf_addf(&why, "       the mutant did not build: %s\n",
                          json_string_value(json_object_get(lab, "problem")));
                break;
            }
            size_t k;
            json_t *c;
            for (size_t n = 0; n < j->caught.len; n++) {
                bool found = false;
                json_array_foreach(json_object_get(lab, "checks"), k, c)
                {
                    if (strcmp(json_string_value(json_object_get(c, "id")), j->caught.v[n]) != 0)
                        continue;
                    found = true;
                    if (json_is_true(json_object_get(c, "passed")) ||
                        json_is_true(json_object_get(c, "skipped"))) {
                        ok = false;
                        sbuf_addf(&why, "       %s was not caught (seed %lld)\n", j->caught.v[n],
                                  seed);
                    }
                }
                if (!found) {
                    ok = false;
                    sbuf_addf(&why, "       CAUGHT-BY names %s, which lab.conf does not have\n",
                              j->caught.v[n]);
                }
            }
            ok &= expected_diagnoses(j, lab, &why);
            break;
        }
        case JOB_UNIT:
        case JOB_BYTES:
            break;
        }
    }
    json_decref(doc);
    result(ok, j->title, secs, why.s);
    sbuf_free(&why);
}

/* The ids after "CAUGHT-BY:" in a mutant's header. */
static bool caught_by(const char *header, struct strv *ids)
{
    const char *p = strstr(header, "CAUGHT-BY:");
    if (p) {
        p += strlen("CAUGHT-BY:");
        char *line = strndup(p, strcspn(p, "\n"));
        char *save = NULL;
        for (char *t = strtok_r(line, " ,\t", &save); t; t = strtok_r(NULL, " ,\t", &save))
            if (strchr(t, ':'))
                strv_add(ids, t);
        free(line);
    }
    return ids->len > 0;
}

/* A submission holding `text` as the lab's stub. */
static char *submission_of(const struct lab *lab, const char *text, const char *name)
{
    char *dir = xasprintf("%s/sub/%s-%s", work, lab->id, name);
    char *labdir = xasprintf("%s/%s", dir, lab->dirname);
    char *stub = xasprintf("%s/%s", labdir, lab->stub);
    rm_rf(dir);
    mkdir_p(labdir);
    write_file(stub, text);
    free(labdir);
    free(stub);
    return dir;
}

/* --only=LAB[/REST]: only that lab (NN-name or id), and with REST only its corpus entries whose
 * "KIND/NAME" starts with REST (e.g. mutants/close_). */
static const struct lab *only_lab;
static const char *only_rest;
/* --apply-only=DIR: write each patched file to DIR/NN-name/KIND/NAME.c, and grade nothing. */
static const char *apply_dir;

/* The file a corpus patch makes of the lab's reference solution; NULL, after a FAILED line that
 * names the patch and the hunk, when it does not apply or its header lacks its KIND: line. */
static char *apply_corpus_patch(const struct lab *lab, const char *what, const char *name,
                                char **header)
{
    double t = now();
    const char *tag = strcmp(what, "mutants") == 0  ? "MUTANT:"
                      : strcmp(what, "cheats") == 0 ? "CHEAT:"
                                                    : "VARIANT:";
    char *rel = xasprintf("grader/selftest/%s/%s/%s.patch", lab->dirname, what, name);
    char *path = xasprintf("%s/%s", kit, rel);
    char *solution = xasprintf("%s/solutions/%s/%s", kit, lab->dirname, lab->stub);
    char *patch = read_file(path, NULL), *base = read_file(solution, NULL);
    char *err = NULL, *out = NULL;
    *header = NULL;
    if (!patch || !base)
        err = xasprintf("cannot read %s", patch ? solution : path);
    else
        out = patch_apply(base, patch, &err);
    if (out) {
        *header = patch_preamble(patch);
        if (!starts_with(*header, tag)) {
            err = xasprintf("its header (the lines before \"---\") must start with \"%s\"", tag);
            free(out), free(*header);
            out = *header = NULL;
        }
    }
    if (!out) {
        char *title = xasprintf("%s applies to solutions/%s/%s", rel, lab->dirname, lab->stub);
        char *why = xasprintf("       %s\n", err);
        result(false, title, now() - t, why);
        free(title), free(why), free(err);
    }
    free(rel), free(path), free(solution), free(patch), free(base);
    return out;
}

static int add_corpus(struct job ***jobs, int n, const struct lab *lab, const char *what)
{
    char *dir = xasprintf("%s/grader/selftest/%s/%s", kit, lab->dirname, what);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (!ends_with(e->d_name, ".patch")) {
            printf("FAILED grader/selftest/%s/%s/%s: %s are stored as NAME.patch files (see "
                   "grader/LABS.md)\n",
                   lab->dirname, what, e->d_name, what);
            failed++;
            continue;
        }
        char *name = strndup(e->d_name, strlen(e->d_name) - strlen(".patch"));
        char *entry = xasprintf("%s/%s", what, name);
        bool wanted = !only_rest || starts_with(entry, only_rest);
        free(entry);
        char *header = NULL, *text = wanted ? apply_corpus_patch(lab, what, name, &header) : NULL;
        if (!text) {
            free(name);
            continue;
        }
        if (apply_dir) {
            char *out_dir = xasprintf("%s/%s/%s", apply_dir, lab->dirname, what);
            char *out = xasprintf("%s/%s.c", out_dir, name);
            mkdir_p(out_dir);
            if (write_file(out, text) != 0) {
                printf("FAILED cannot write %s\n", out);
                failed++;
            } else
                passed++;
            free(out_dir), free(out), free(text), free(header), free(name);
            continue;
        }
        bool mutant = strcmp(what, "mutants") == 0, cheat = strcmp(what, "cheats") == 0;
        struct job *j = new_job(mutant  ? JOB_MUTANT
                                : cheat ? JOB_CHEAT
                                        : JOB_VARIANT,
                                lab,
                                xasprintf("%s %s %s %s", lab->id,
                                          mutant  ? "mutant"
                                          : cheat ? "cheat"
                                                  : "variant",
                                          name,
                                          mutant  ? "is caught"
                                          : cheat ? "scores 0"
                                                  : "scores full marks"));
        char *sub = submission_of(lab, text, name);
        char *build = xasprintf("%s/build/%s-%s", work, lab->id, name);
        grader_job(j, sub, build);
        if (mutant) {
            if (!caught_by(header, &j->caught)) {
                printf("FAILED grader/selftest/%s/mutants/%s.patch: no CAUGHT-BY line\n",
                       lab->dirname, name);
                failed++;
            }
            for (size_t k = 0; k < j->caught.len; k++)
                strv_addf(&j->argv, "--check=%s", j->caught.v[k]);
            expectations(header, &j->diagnoses);
        }
        *jobs = xrealloc(*jobs, (size_t)(n + 1) * sizeof **jobs);
        (*jobs)[n++] = j;
        free(name), free(sub), free(build), free(text), free(header);
    }
    if (d)
        closedir(d);
    free(dir);
    return n;
}

/* The lab's solution with bytes appended, in a submission of its own. */
static char *odd_submission(const struct lab *lab, const char *name, const char *tail, size_t len)
{
    char *solution = xasprintf("%s/solutions/%s/%s", kit, lab->dirname, lab->stub);
    char *dir = xasprintf("%s/sub/%s-%s", work, lab->id, name);
    char *labdir = xasprintf("%s/%s", dir, lab->dirname);
    char *stub = xasprintf("%s/%s", labdir, lab->stub);
    size_t n = 0;
    char *code = read_file(solution, &n);
    rm_rf(dir);
    mkdir_p(labdir);
    FILE *f = fopen(stub, "wb");
    if (f) {
        fwrite(code ? code : "", 1, n, f);
        fwrite(tail, 1, len, f);
        fclose(f);
    }
    free(code), free(solution), free(labdir), free(stub);
    return dir;
}

/* Each odd submission, graded in text and in JSON. */
static int add_odd_bytes(struct job ***jobs, int n, const struct lab *lab)
{
    struct sbuf garbage = {0};
    sbuf_add(&garbage, "\nstatic int tl_selftest_latin1; /* \xe9t\xe9 */\n"
                       "static int tl_selftest_garbage; /* ");
    for (int c = 1; c < 256; c++)
        if (c != '*' && c != '/' && c != '\n')
            sbuf_addf(&garbage, "%c", c);
    sbuf_add(&garbage, " */\n");
    static const char nul[] = "\n/* a NUL \0 in a comment */\n"
                              "static int tl_selftest_nul; \0 /* and one in the code */\n";
    size_t big_len = 20u << 20;
    char *big = xmalloc(big_len);
    static const char open[] = "\nstatic int tl_selftest_big; /* ", close[] = " */\n";
    memcpy(big, open, sizeof open - 1);
    for (size_t i = sizeof open - 1; i < big_len - (sizeof close - 1); i++)
        big[i] = "xyz\xe9\xff\x01 "[i % 7]; /* one line: the compiler quotes it whole */
    memcpy(big + big_len - (sizeof close - 1), close, sizeof close - 1);
    const struct {
        const char *name, *what, *tail, *expect;
        size_t len;
    } odd[] = {
        {"latin1", "a Latin-1 comment and binary garbage on warning lines", garbage.s,
         "\\xE9t\\xE9", garbage.len},
        {"nul", "NUL bytes", nul, "null character", sizeof nul - 1},
        {"big", "a 20 MB comment on a warning line", big, "tl_selftest_big", big_len},
    };
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        char *sub = odd_submission(lab, odd[i].name, odd[i].tail, odd[i].len);
        for (int text = 0; text < 2; text++) {
            struct job *j =
                new_job(JOB_BYTES, lab,
                        xasprintf("%s solution with %s keeps full marks (make check, %s)", lab->id,
                                  odd[i].what, text ? "text" : "json"));
            j->text = text;
            j->expect = odd[i].expect;
            char *build =
                xasprintf("%s/build/%s-%s-%s", work, lab->id, odd[i].name, text ? "text" : "json");
            grader_job(j, sub, build);
            strv_add(&j->argv, "--quick"); /* the bytes are the point, not the detectors */
            j->quick = true;
            *jobs = xrealloc(*jobs, (size_t)(n + 1) * sizeof **jobs);
            (*jobs)[n++] = j;
            free(build);
        }
        free(sub);
    }
    free(big);
    sbuf_free(&garbage);
    return n;
}

static void check_tables(struct lab **labs, int n)
{
    for (int i = 0; i < n; i++) {
        if (only_lab && (labs[i] != only_lab || only_rest))
            continue;
        double t = now();
        char *readme = xasprintf("%s/README.md", labs[i]->dir);
        char *text = read_file(readme, NULL);
        char *title = xasprintf("%s README's grading table matches lab.conf", labs[i]->id);
        const char *b = text ? strstr(text, "<!-- grading:begin -->\n") : NULL;
        const char *e = b ? strstr(b, "<!-- grading:end -->") : NULL;
        char *cmd = xasprintf("'%s' --kit='%s' --table=%s", grader_bin, kit, labs[i]->id);
        FILE *p = popen(cmd, "r");
        struct sbuf want = {0};
        char buf[4096];
        size_t got;
        sbuf_add(&want, "");
        while (p && (got = fread(buf, 1, sizeof buf - 1, p)) > 0) {
            buf[got] = '\0';
            sbuf_add(&want, buf);
        }
        if (p)
            pclose(p);
        bool ok = e && strncmp(b + strlen("<!-- grading:begin -->\n"), want.s, want.len) == 0 &&
                  b + strlen("<!-- grading:begin -->\n") + want.len == e;
        char *why = ok ? xstrdup("")
                       : xasprintf("       put this between the grading:begin/end lines of "
                                   "%s:\n%s",
                                   readme, want.s);
        result(ok, title, now() - t, why);
        free(why), free(cmd), free(title), free(readme), free(text);
        sbuf_free(&want);
    }
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"kit", required_argument, NULL, 'k'},  {"unit", required_argument, NULL, 'u'},
        {"runs", required_argument, NULL, 'r'}, {"jobs", required_argument, NULL, 'j'},
        {"only", required_argument, NULL, 'o'}, {"apply-only", required_argument, NULL, 'a'},
        {"soak", no_argument, NULL, 's'},       {NULL, 0, NULL, 0}};
    struct strv units = {0};
    int runs = 10, parallel = 2, opt;
    bool soak = false;
    const char *only = NULL;
    kit = ".";
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'k')
            kit = optarg;
        else if (opt == 'u')
            strv_add(&units, optarg);
        else if (opt == 'r')
            runs = atoi(optarg);
        else if (opt == 'o')
            only = optarg;
        else if (opt == 'j')
            parallel = atoi(optarg) > 0 ? atoi(optarg) : 1;
        else if (opt == 'a')
            apply_dir = optarg;
        else if (opt == 's')
            soak = true;
        else
            return 2;
    }
    kit = real_path(kit);
    grader_bin = xasprintf("%s/build/grader", kit);
    work = xasprintf("%s/build/selftest-runs", kit);
    double t0 = now();

    char *err = NULL;
    struct lab **labs;
    int nlabs = labs_load_all(kit, &labs, &err);
    if (nlabs <= 0) {
        printf("FAILED loading the labs: %s\n0 passed, 1 failed\n", err ? err : "no labs");
        return 1;
    }
    if (only) {
        size_t len = strcspn(only, "/");
        for (int i = 0; i < nlabs; i++)
            if ((strlen(labs[i]->dirname) == len && strncmp(only, labs[i]->dirname, len) == 0) ||
                (strlen(labs[i]->id) == len && strncmp(only, labs[i]->id, len) == 0))
                only_lab = labs[i];
        if (!only_lab) {
            printf("FAILED --only=%s names no lab\n0 passed, 1 failed\n", only);
            return 1;
        }
        only_rest = only[len] == '/' && only[len + 1] ? only + len + 1 : NULL;
    }
    if (apply_dir) {
        for (int i = 0; i < nlabs; i++) {
            if (only_lab && labs[i] != only_lab)
                continue;
            add_corpus(NULL, 0, labs[i], "variants");
            add_corpus(NULL, 0, labs[i], "mutants");
            add_corpus(NULL, 0, labs[i], "cheats");
        }
        printf("%d patched files written to %s, %d failed\n", passed, apply_dir, failed);
        return failed ? 1 : 0;
    }
    /* Only now: --apply-only leaves a running self-test's directory alone. */
    rm_rf(work);
    mkdir_p(work);
    /* Root's graders run student code as another uid, which must reach each job's build
     * directory: under a kit in /root, every grader would move its own under /tmp, there to
     * stay (half a gigabyte a run). One work directory under /tmp instead, emptied each run. */
    char *reachable_work = reachable_as_root(work, "threadlab-selftest");
    if (reachable_work && strcmp(reachable_work, work) != 0) {
        rm_rf(reachable_work); /* the last run's, made again empty (and checked again) */
        free(reachable_work);
        reachable_work = reachable_as_root(work, "threadlab-selftest");
    }
    if (!reachable_work) {
        printf("FAILED: no work directory the sandbox's uid can reach\n0 passed, 1 failed\n");
        return 1;
    }
    free(work);
    work = reachable_work;
    if (!soak)
        check_tables(labs, nlabs);

    struct job **jobs = NULL;
    int n = 0;
    char *labs_dir = xasprintf("%s/labs", kit), *solutions = xasprintf("%s/solutions", kit);
    /* --only=LAB grades only that lab's stub and solution; --only=LAB/REST neither. */
    bool whole = !only_rest;
    char *b;
    if (whole && !soak) {
        struct job *stubs = new_job(JOB_STUBS, only_lab, xstrdup("the stubs score 0"));
        b = xasprintf("%s/build/stubs", work);
        grader_job(stubs, labs_dir, b);
        strv_add(&stubs->argv, "--grade-stubs"); /* the grader skips a stub unless told */
        stubs->alone = true;
        shared_kit_objects = b;
        jobs = xrealloc(jobs, (size_t)(n + 1) * sizeof *jobs);
        jobs[n++] = stubs;
    }
    for (size_t i = 0; i < units.len; i++) {
        struct job *j = new_job(JOB_UNIT, NULL, xasprintf("unit tests %s", base_name(units.v[i])));
        strv_add(&j->argv, units.v[i]);
        strv_add(&j->argv, "-j1");
        jobs = xrealloc(jobs, (size_t)(n + 1) * sizeof *jobs);
        jobs[n++] = j;
    }
    for (int r = 0; whole && r < runs; r++) {
        struct job *j =
            new_job(JOB_SOLUTIONS, only_lab,
                    xasprintf("the solutions score full marks (run %d of %d)", r + 1, runs));
        b = xasprintf("%s/build/solutions-%d", work, r);
        grader_job(j, solutions, b);
        free(b);
        jobs = xrealloc(jobs, (size_t)(n + 1) * sizeof *jobs);
        jobs[n++] = j;
    }
    for (int i = 0; whole && !soak && i < nlabs; i++) /* the queue: where the bug was; one lab */
        if (strcmp(labs[i]->id, "queue") == 0 && (!only_lab || labs[i] == only_lab))
            n = add_odd_bytes(&jobs, n, labs[i]);
    for (int i = 0; i < nlabs && !soak; i++) {
        if (only_lab && labs[i] != only_lab)
            continue;
        n = add_corpus(&jobs, n, labs[i], "variants");
        n = add_corpus(&jobs, n, labs[i], "mutants");
        n = add_corpus(&jobs, n, labs[i], "cheats");
    }

    int next = 0, running = 0;
    bool barrier = false; /* an `alone` job is running */
    while (next < n || running > 0) {
        while (!barrier && running < parallel && next < n && (!jobs[next]->alone || running == 0)) {
            barrier = jobs[next]->alone;
            start(jobs[next], next);
            next++;
            running++;
        }
        int status;
        pid_t pid = wait(&status);
        if (pid < 0)
            break;
        for (int i = 0; i < next; i++)
            if (jobs[i]->pid == pid) {
                finish(jobs[i], status);
                running--;
                barrier &= !jobs[i]->alone;
            }
    }
    printf("\nself-test took %.0f s\n%d passed, %d failed\n", now() - t0, passed, failed);
    return failed ? 1 : 0;
}
