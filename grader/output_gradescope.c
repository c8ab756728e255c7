/* output_gradescope.c - the grade as Gradescope's autograder results.json (--format=gradescope).
 *
 * One Gradescope test per check, worth its points, with the same feedback as the terminal: the
 * message, the details and what to revisit (feedback_text). A lab that did not build, broke the
 * rules or was not started gives each of its checks that one reason. The seed goes in extra_data,
 * so that an instructor can replay the schedule noise of any submission (make grade SEED=...).
 */
#include <jansson.h>
#include <string.h>

#include "feedback.h"
#include "output.h"
#include "util.h"

static json_t *check_test(const struct lab_result *r, const struct check_result *c, int lab_no,
                          int check_no, uint64_t seed)
{
    char *name = xasprintf("%s: %s", r->lab->id, c->check->id);
    char *number = xasprintf("%d.%d", lab_no, check_no);
    char *output = feedback_text(r, c);
    json_t *extra =
        json_pack("{s:s, s:s, s:s, s:I, s:f}", "lab", r->lab->id, "check", c->check->id, "verdict",
                  c->verdict, "seed", (json_int_t)seed, "seconds", c->seconds);
    json_t *test =
        json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "score", c->points, "max_score",
                  c->max_points, "status", c->passed ? "passed" : "failed", "name", name, "number",
                  number, "output", output, "output_format", "text", "visibility",
                  c->check->hidden ? "after_published" : "visible", "extra_data", extra);
    free(name), free(number), free(output);
    return test;
}

void output_gradescope(FILE *out, const struct run_summary *s)
{
    json_t *tests = json_array();
    int score, max, hidden;
    double seconds = 0;
    struct sbuf summary = {0};
    run_totals(s, &score, &max, &hidden);
    sbuf_addf(&summary, "threadlab (seed %llu)\n", (unsigned long long)s->seed);
    for (int i = 0; i < s->nlabs; i++) {
        const struct lab_result *r = &s->labs[i];
        int lab_max = lab_max_score(r);
        for (int k = 0; k < r->nchecks; k++) {
            const struct check_result *c = &r->checks[k];
            if (c->skipped)
                continue;
            json_array_append_new(tests, check_test(r, c, i + 1, k + 1, s->seed));
        }
        seconds += r->seconds;
        sbuf_addf(&summary, "%s: %d/%d%s\n", r->lab->id, r->score, lab_max,
                  r->not_started ? " (not started)"
                  : !r->graded   ? " (not graded: see below)"
                                 : "");
        if (!r->graded && *r->problem)
            sbuf_addf(&summary, "%s\n", r->problem);
        for (int k = 0; k < r->nchecks; k++)
            if (r->checks[k].ungradable)
                sbuf_addf(&summary, "%s: %s\n", r->checks[k].check->id, r->checks[k].message);
    }
    sbuf_addf(&summary, "total: %d/%d\n", score, max);
    json_t *doc = json_pack("{s:i, s:i, s:s, s:s, s:s, s:{s:I, s:i}, s:o}", "score", score,
                            "execution_time", (int)(seconds + 0.5), "output", summary.s,
                            "output_format", "text", "stdout_visibility", "hidden", "extra_data",
                            "seed", (json_int_t)s->seed, "max_score", max, "tests", tests);
    json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(doc);
    sbuf_free(&summary);
}
