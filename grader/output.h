/* output.h - results for people (a table) and for programs (one JSON document). */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <jansson.h>
#include <stdio.h>

#include "grade.h"

struct run_summary {
    const struct grader *g;
    struct lab_result *labs;
    int nlabs;
};

/* The human table; colour when color is true. */
void output_text(FILE *out, const struct run_summary *s, bool color);
/* {"score", "max_score", "hidden_points", "seed", "submission", "labs": [{"id", "title", "score",
 *   "max_score", "hidden_points", "graded", "problem", "warnings", "build_dir", "seconds",
 *   "checks": [{"name", "kind", "passed", "skipped", "points", "max_points", "verdict",
 *               "message", "details", "revisit", "raw", "seconds", "hidden"}]}]}
 * hidden_points: the points of hidden checks not graded here (a student kit); a check's
 * "hidden" says it is one of the instructor's hidden checks (see hidden.h). */
void output_json(FILE *out, const struct run_summary *s);
/* Gradescope's autograder results.json: a test per check (output_gradescope.c). */
void output_gradescope(FILE *out, const struct run_summary *s);
/* A table of the labs' scores, then output_text's feedback in a code block (output_markdown.c),
 * for a CI run's summary page. */
void output_markdown(FILE *out, const struct run_summary *s);
/* One lab's result as JSON, and back (for results graded in a worker process). */
json_t *lab_result_json(const struct lab_result *r);
json_t *check_result_json(const struct check_result *c);
void check_result_from_json(json_t *j, const struct check *check, struct check_result *r);
int lab_result_from_json(json_t *j, const struct lab *lab, struct lab_result *r);

/* The lab's grading table in Markdown, as its README shows it. */
void output_table(FILE *out, const struct lab *lab);

#endif
