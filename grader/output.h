/* output.h - results for people (a table) and for programs (one JSON document). */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdio.h>

#include "grade.h"

struct run_summary {
    const struct grader *g;
    struct lab_result *labs;
    int nlabs;
};

/* The human table; colour when color is true. */
void output_text(FILE *out, const struct run_summary *s, bool color);
/* {"score", "max_score", "seed", "submission", "labs": [{"id", "title", "score", "max_score",
 *   "graded", "problem", "warnings", "build_dir", "seconds",
 *   "checks": [{"name", "kind", "passed", "skipped", "points", "max_points", "verdict",
 *               "message", "details", "revisit", "raw", "seconds"}]}]} */
void output_json(FILE *out, const struct run_summary *s);
/* The lab's grading table in Markdown, as its README shows it. */
void output_table(FILE *out, const struct lab *lab);

#endif
