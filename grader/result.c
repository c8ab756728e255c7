/* result.c - the result model: free, totals, and JSON both ways (see result.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "util.h"

void check_result_free(struct check_result *c)
{
    free(c->verdict), free(c->message), free(c->details), free(c->raw);
    c->verdict = c->message = c->details = c->raw = NULL;
}

void lab_result_free(struct lab_result *r)
{
    for (int i = 0; i < r->nchecks; i++)
        check_result_free(&r->checks[i]);
    free(r->checks), free(r->problem), free(r->warnings), free(r->release), free(r->build_dir);
    memset(r, 0, sizeof *r);
}

int lab_max_score(const struct lab_result *r)
{
    int max = 0;
    for (int k = 0; k < r->nchecks; k++)
        max += r->checks[k].skipped ? 0 : r->checks[k].max_points;
    return max;
}

void run_totals(const struct run_summary *s, int *score, int *max, int *hidden)
{
    *score = *max = *hidden = 0;
    for (int i = 0; i < s->nlabs; i++) {
        *score += s->labs[i].score;
        *max += lab_max_score(&s->labs[i]);
        *hidden += lab_hidden_ungraded(s->labs[i].lab);
    }
}

json_t *check_result_json(const struct check_result *c)
{
    return json_pack("{s:s, s:s, s:s, s:b, s:b, s:b, s:i, s:i, s:s, s:s, s:s, s:s, s:s, s:f, s:s, "
                     "s:b}",
                     "name", c->check->name, "id", c->check->id, "kind",
                     check_kind_name(c->check->kind), "passed", c->passed, "skipped", c->skipped,
                     "not_gradable", c->ungradable, "points", c->points, "max_points",
                     c->max_points, "verdict", c->verdict,
                     "message", c->message, "details", c->details, "revisit", c->check->revisit,
                     "raw", c->raw, "seconds", c->seconds, "stuck_scenario", c->stuck, "hidden",
                     c->check->hidden);
}

json_t *lab_result_json(const struct lab_result *r)
{
    json_t *checks = json_array();
    for (int k = 0; k < r->nchecks; k++)
        json_array_append_new(checks, check_result_json(&r->checks[k]));
    return json_pack("{s:s, s:s, s:i, s:i, s:i, s:b, s:b, s:s, s:s, s:s, s:f, s:o}", "id",
                     r->lab->id, "title", r->lab->title, "score", r->score, "max_score",
                     lab_max_score(r), "hidden_points", lab_hidden_ungraded(r->lab), "graded",
                     r->graded, "not_started", r->not_started, "problem", r->problem, "warnings",
                     r->warnings, "build_dir", r->build_dir, "seconds", r->seconds, "checks",
                     checks);
}

json_t *run_summary_json(const struct run_summary *s)
{
    json_t *labs = json_array();
    int score, max, hidden;
    run_totals(s, &score, &max, &hidden);
    for (int i = 0; i < s->nlabs; i++)
        json_array_append_new(labs, lab_result_json(&s->labs[i]));
    return json_pack("{s:i, s:i, s:i, s:I, s:s, s:o}", "score", score, "max_score", max,
                     "hidden_points", hidden, "seed", (json_int_t)s->seed, "submission",
                     s->submission, "labs", labs);
}

static char *get_string(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return xstrdup(v ? v : "");
}

void check_result_from_json(json_t *c, const struct check *check, struct check_result *cr)
{
    cr->check = check;
    cr->passed = json_is_true(json_object_get(c, "passed"));
    cr->skipped = json_is_true(json_object_get(c, "skipped"));
    cr->ungradable = json_is_true(json_object_get(c, "not_gradable"));
    cr->points = (int)json_integer_value(json_object_get(c, "points"));
    json_t *max = json_object_get(c, "max_points");
    cr->max_points = json_is_integer(max) ? (int)json_integer_value(max) : check->points;
    cr->verdict = get_string(c, "verdict");
    cr->message = get_string(c, "message");
    cr->details = get_string(c, "details");
    cr->raw = get_string(c, "raw");
    cr->seconds = json_real_value(json_object_get(c, "seconds"));
    const char *stuck = json_string_value(json_object_get(c, "stuck_scenario"));
    snprintf(cr->stuck, sizeof cr->stuck, "%s", stuck ? stuck : "");
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
