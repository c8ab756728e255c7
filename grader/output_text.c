/* output_text.c - the grade for people at a terminal (--format=text, the default): a line per
 * lab and per check, each failure's feedback indented under it (feedback.h), colour if asked. */
#include <stdlib.h>
#include <string.h>

#include "feedback.h"
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

static void check_line(FILE *out, const struct lab_result *r, const struct check_result *c,
                       const struct style *st)
{
    const char *mark = c->passed ? "PASS" : "FAIL";
    const char *colour = c->passed ? st->pass : st->fail;
    struct feedback f;
    feedback_of(r, c, &f);
    fprintf(out, "  %s%s%s  %-28s %3d/%-3d", colour, mark, st->off, c->check->id, c->points,
            c->max_points);
    if (c->check->hidden)
        fprintf(out, "  (hidden)");
    if (!c->passed && !c->skipped)
        fprintf(out, "  %s", f.verdict);
    fprintf(out, "\n");
    indented(out, f.message, "        ");
    indented(out, f.details, "        ");
    if (*f.advice)
        fprintf(out, "        %s%s%s\n", st->bold, f.advice, st->off);
    if (!c->passed && c->raw && *c->raw)
        fprintf(out, "        %sRaw report: %s%s\n", st->dim, c->raw, st->off);
    feedback_free(&f);
}

void output_text(FILE *out, const struct run_summary *s, bool color)
{
    static const struct style plain = {"", "", "", "", ""};
    static const struct style ansi = {"\033[32m", "\033[31m", "\033[1m", "\033[2m", "\033[0m"};
    const struct style *st = color ? &ansi : &plain;
    int score, max, hidden;
    struct sbuf failing = {0};
    run_totals(s, &score, &max, &hidden);
    fprintf(out, "threadlab: grading %s (seed %llu)\n", s->submission, (unsigned long long)s->seed);
    for (int i = 0; i < s->nlabs; i++) {
        const struct lab_result *r = &s->labs[i];
        if (r->graded && r->not_started && r->score == 0) { /* one line, not a page of ENOSYS */
            fprintf(out,
                    "\n%s%s: not started%s  %s  (%s/%s is the kit's stub; begin with "
                    "labs/%s/README.md)\n",
                    st->bold, r->lab->id, st->off, r->lab->title, r->lab->dirname, r->lab->stub,
                    r->lab->dirname);
            continue;
        }
        fprintf(out, "\n%s%s: %d/%d%s  %s  (%.1f s)\n", st->bold, r->lab->id, r->score,
                lab_max_score(r), st->off, r->lab->title, r->seconds);
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
            if (r->checks[k].ungradable) {
                fprintf(out, "  %s----  %-28s %s%s\n", st->dim, r->checks[k].check->id,
                        "not gradable here", st->off);
                indented(out, r->checks[k].message, "        ");
                continue;
            }
            if (r->checks[k].skipped) {
                skipped++;
                continue;
            }
            check_line(out, r, &r->checks[k], st);
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
                s->quick ? "check" : "grade", failing.s, (unsigned long long)s->seed);
    sbuf_free(&failing);
}
