/* output.c - the list of output formats (see output.h). */
#include <string.h>

#include "output.h"

static void text(FILE *out, const struct run_summary *s, bool color)
{
    output_text(out, s, color);
}

#define PLAIN(fn)                                                                                  \
    static void fn##_plain(FILE *out, const struct run_summary *s, bool color)                     \
    {                                                                                              \
        (void)color;                                                                               \
        fn(out, s);                                                                                \
    }
PLAIN(output_json)
PLAIN(output_markdown)
PLAIN(output_gradescope)
PLAIN(output_junit)
PLAIN(output_html)

const struct output_format output_formats[] = {
    {"text", "the scores and feedback, for a terminal (the default)", text},
    {"json", "one JSON document, for programs (--from reads it back)", output_json_plain},
    {"markdown", "a score table and the text, for a CI run's summary page", output_markdown_plain},
    {"gradescope", "Gradescope's autograder results.json", output_gradescope_plain},
    {"junit", "JUnit XML, a testcase per check, for CI test reports", output_junit_plain},
    {"html", "a self-contained HTML report with the feedback", output_html_plain},
    {NULL, NULL, NULL},
};

const struct output_format *output_find(const char *name)
{
    for (const struct output_format *f = output_formats; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}
