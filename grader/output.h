/* output.h - the output formats: one file each, every one printing a run_summary (result.h).
 *
 *   text        output_text.c        the terminal's scores and feedback (colour when asked)
 *   json        output_json.c        one JSON document (result.h's run_summary_json)
 *   markdown    output_markdown.c    a score table, then the text in a code block (a CI summary)
 *   gradescope  output_gradescope.c  Gradescope's autograder results.json, a test per check
 *   junit       output_junit.c       JUnit XML for CI test tabs, a testcase per check
 *   html        output_html.c        a self-contained HTML report for one student
 *
 * Every format adds up points with result.h's lab_max_score and run_totals, and shows a check's
 * feedback with feedback.h's helpers, so that their totals and words agree (test_emitters.c).
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "result.h"

struct output_format {
    const char *name;
    const char *what; /* for --help */
    void (*print)(FILE *out, const struct run_summary *s, bool color);
};

/* Every format, in --help's order; the last entry's name is NULL. */
extern const struct output_format output_formats[];
/* The format of that name, or NULL. */
const struct output_format *output_find(const char *name);

void output_text(FILE *out, const struct run_summary *s, bool color);
void output_json(FILE *out, const struct run_summary *s);
void output_markdown(FILE *out, const struct run_summary *s);
void output_gradescope(FILE *out, const struct run_summary *s);
void output_junit(FILE *out, const struct run_summary *s);
void output_html(FILE *out, const struct run_summary *s);

/* The lab's grading table in Markdown, as its README shows it (output_markdown.c). */
void output_table(FILE *out, const struct lab *lab);

#endif
