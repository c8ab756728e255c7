/* output.c - results for people (a table) and for programs (one JSON document, via jansson). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

struct style {
    const char *pass, *fail, *bold, *dim, *off;
};

static void indented(FILE *out, const char *text, const char *prefix)
{
    const char *p = text;
    while (p && *p) {
        const char *e = strchr(p, '\n');
        int len = e ? (int)(e - p) : (int)strlen(p);
        fprintf(out, "%s%.*s\n", prefix, len, p);
        p = e ? e + 1 : p + len;
    }
}

static void check_line(FILE *out, const struct check_result *c, const struct style *st)
{
    const char *mark = c->passed ? "PASS" : "FAIL";
    const char *colour = c->passed ? st->pass : st->fail;
    fprintf(out, "  %s%s%s  %-28s %3d/%-3d", colour, mark, st->off, c->check->id, c->points,
            c->check->points);
    if (c->check->hidden)
        fprintf(out, "  (hidden)");
    if (!c->passed && !c->skipped)
        fprintf(out, "  %s", c->verdict);
    fprintf(out, "\n");
    if (c->passed) {
        if (c->details && *c->details)
            indented(out, c->details, "        ");
        return;
    }
    indented(out, c->message, "        ");
    if (c->details && *c->details)
        indented(out, c->details, "        ");
    /* a detector's explanation names its own concept; then the handout is where to read on */
    fprintf(out, "        %s%s %s%s\n", st->bold,
            strstr(c->message, "Revisit:") ? "See:" : "Revisit:", c->check->revisit, st->off);
    if (c->raw && *c->raw)
        fprintf(out, "        %sRaw report: %s%s\n", st->dim, c->raw, st->off);
}

void output_text(FILE *out, const struct run_summary *s, bool color)
{
    static const struct style plain = {"", "", "", "", ""};
    static const struct style ansi = {"\033[32m", "\033[31m", "\033[1m", "\033[2m", "\033[0m"};
    const struct style *st = color ? &ansi : &plain;
    int score = 0, max = 0, hidden = 0;
    struct sbuf failing = {0};
    fprintf(out, "threadlab: grading %s (seed %llu)\n", s->g->submission,
            (unsigned long long)s->g->seed);
    for (int i = 0; i < s->nlabs; i++) {
        const struct lab_result *r = &s->labs[i];
        int lab_max = 0;
        for (int k = 0; k < r->nchecks; k++)
            lab_max += r->checks[k].skipped ? 0 : r->checks[k].check->points;
        score += r->score;
        max += lab_max;
        hidden += lab_hidden_ungraded(r->lab);
        if (r->graded && r->not_started && r->score == 0) { /* one line, not a page of ENOSYS */
            fprintf(out,
                    "\n%s%s: not started%s  %s  (%s/%s is the kit's stub; begin with "
                    "labs/%s/README.md)\n",
                    st->bold, r->lab->id, st->off, r->lab->title, r->lab->dirname, r->lab->stub,
                    r->lab->dirname);
            continue;
        }
        fprintf(out, "\n%s%s: %d/%d%s  %s  (%.1f s)\n", st->bold, r->lab->id, r->score, lab_max,
                st->off, r->lab->title, r->seconds);
        if (!r->graded) {
            indented(out, r->problem, "  ");
            continue;
        }
        if (*r->warnings) {
            fprintf(out, "  Compiler warnings on your file (worth fixing):\n");
            indented(out, r->warnings, "  ");
        }
        int skipped = 0;
        for (int k = 0; k < r->nchecks; k++) {
            if (r->checks[k].skipped) {
                skipped++;
                continue;
            }
            check_line(out, &r->checks[k], st);
            if (!r->checks[k].passed && (!failing.s || !strstr(failing.s, r->lab->id)))
                sbuf_addf(&failing, "%s%s", failing.s ? "," : "", r->lab->id);
        }
        if (skipped)
            fprintf(out, "  %s(%d more checks not run here: make grade LAB=%s runs them all)%s\n",
                    st->dim, skipped, r->lab->id, st->off);
        if (lab_hidden_ungraded(r->lab))
            fprintf(out, "  hidden tests: %d points, graded by your instructor\n",
                    lab_hidden_ungraded(r->lab));
    }
    fprintf(out, "\n%sScore: %d/%d%s", st->bold, score, max, st->off);
    if (hidden)
        fprintf(out, "  (and %d points in hidden tests, graded by your instructor)", hidden);
    fprintf(out, "\n");
    if (failing.s)
        fprintf(out, "Replay this run's schedule noise: make %s LAB=%s SEED=%llu\n",
                s->g->quick ? "check" : "grade", failing.s, (unsigned long long)s->g->seed);
    sbuf_free(&failing);
}

json_t *check_result_json(const struct check_result *c)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:b}",
                     "name", c->check->name, "id", c->check->id, "kind",
                     check_kind_name(c->check->kind), "passed", c->passed, "skipped", c->skipped,
                     "points", c->points, "max_points", c->check->points, "verdict", c->verdict,
                     "message", c->message, "details", c->details, "revisit", c->check->revisit,
                     "raw", c->raw, "seconds", c->seconds, "stuck_scenario", c->stuck, "hidden",
                     c->check->hidden);
}

json_t *lab_result_json(const struct lab_result *r)
{
    json_t *checks = json_array();
    int lab_max = 0;
    for (int k = 0; k < r->nchecks; k++) {
        json_array_append_new(checks, check_result_json(&r->checks[k]));
        lab_max += r->checks[k].skipped ? 0 : r->checks[k].check->points;
    }
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:b, s:s, s:s, s:s, s:f, s:o}", "id",
                     r->lab->id, "title", r->lab->title, "score", r->score, "max_score", lab_max,
                     "hidden_points", lab_hidden_ungraded(r->lab), "graded", r->graded,
                     "not_started", r->not_started, "problem", r->problem, "warnings", r->warnings,
                     "build_dir", r->build_dir, "seconds", r->seconds, "checks", checks);
}

static char *get_string(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return xstrdup(v ? v : "");
}

int lab_result_from_json(json_t *j, const struct lab *lab, struct lab_result *r)
{
    json_t *checks = json_object_get(j, "checks");
    if (!json_is_array(checks) || (int)json_array_size(checks) != lab->nchecks)
        return -1;
    memset(r, 0, sizeof *r);
    r->lab = lab;
    r->score = (int)json_integer_value(json_object_get(j, "score"));
    r->graded = json_is_true(json_object_get(j, "graded"));
    r->not_started = json_is_true(json_object_get(j, "not_started"));
    r->problem = get_string(j, "problem");
    r->warnings = get_string(j, "warnings");
    r->build_dir = get_string(j, "build_dir");
    r->seconds = json_real_value(json_object_get(j, "seconds"));
    r->nchecks = lab->nchecks;
    r->checks = xcalloc((size_t)lab->nchecks, sizeof *r->checks);
    for (int k = 0; k < lab->nchecks; k++)
        check_result_from_json(json_array_get(checks, (size_t)k), &lab->checks[k], &r->checks[k]);
    return 0;
}

void check_result_from_json(json_t *c, const struct check *check, struct check_result *cr)
{
    cr->check = check;
    cr->passed = json_is_true(json_object_get(c, "passed"));
    cr->skipped = json_is_true(json_object_get(c, "skipped"));
    cr->points = (int)json_integer_value(json_object_get(c, "points"));
    cr->verdict = get_string(c, "verdict");
    cr->message = get_string(c, "message");
    cr->details = get_string(c, "details");
    cr->raw = get_string(c, "raw");
    cr->seconds = json_real_value(json_object_get(c, "seconds"));
    const char *stuck = json_string_value(json_object_get(c, "stuck_scenario"));
    snprintf(cr->stuck, sizeof cr->stuck, "%s", stuck ? stuck : "");
}

void output_json(FILE *out, const struct run_summary *s)
{
    json_t *labs = json_array();
    int score = 0, max = 0, hidden = 0;
    for (int i = 0; i < s->nlabs; i++) {
        json_t *lab = lab_result_json(&s->labs[i]);
        score += s->labs[i].score;
        hidden += lab_hidden_ungraded(s->labs[i].lab);
        max += (int)json_integer_value(json_object_get(lab, "max_score"));
        json_array_append_new(labs, lab);
    }
    json_t *doc = json_pack("{s:i, s:i, s:i, s:I, s:s, s:o}", "score", score, "max_score", max,
                            "hidden_points", hidden, "seed", (json_int_t)s->g->seed, "submission",
                            s->g->submission, "labs", labs);
    json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(doc);
}

void output_table(FILE *out, const struct lab *lab)
{
    /* the same table in the instructor's kit and in a student kit: hidden checks are one row */
    int total = lab->hidden_points;
    fprintf(out, "| Check | Points | What it verifies |\n|---|---:|---|\n");
    for (int i = 0; i < lab->nchecks; i++) {
        if (lab->checks[i].hidden)
            continue;
        fprintf(out, "| `%s` | %d | %s |\n", lab->checks[i].id, lab->checks[i].points,
                lab->checks[i].verifies);
        total += lab->checks[i].points;
    }
    if (lab->hidden_points)
        fprintf(out,
                "| hidden tests | %d | graded by your instructor, who tells you their names "
                "and points, and their feedback once the grades are released |\n",
                lab->hidden_points);
    fprintf(out, "| **Total** | **%d** | |\n", total);
}
