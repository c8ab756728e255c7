/* feedback.h - the feedback on one check: the same words in every format.
 *
 * DESIGN: what a student reads about a check (its verdict, the message, the details, and where
 * to read on: "Revisit:" the handout's concept, or "See:" when the message already names a
 * concept of its own) is decided here once. The formats only lay the parts out: the terminal
 * indents them under the check's line (output_text.c, which Markdown quotes whole); Gradescope,
 * JUnit and HTML show feedback_text. So no format can drift from the others.
 */
#ifndef FEEDBACK_H
#define FEEDBACK_H

#include "result.h"

struct feedback {
    const char *verdict; /* the check's verdict ("passed" when it passed) */
    const char *message; /* why it failed; a lab that was not graded: why not; "" if it passed */
    const char *details; /* more lines (where threads were blocked, notes), may be "" */
    char *advice;        /* "Revisit: CONCEPT" or "See: CONCEPT" after a failure it explains,
                            else "" (a pass; a lab not graded or not started) */
};

/* The parts of check c of lab r; the strings live as long as r, except advice. */
void feedback_of(const struct lab_result *r, const struct check_result *c, struct feedback *f);
void feedback_free(struct feedback *f);

/* The feedback as one text, as a Gradescope test's output shows it:
 *   passed                     a pass, then its details if any;
 *   VERDICT\nPROBLEM           a check of a lab that was not graded;
 *   VERDICT: MESSAGE           a failure, then its details and its advice, a line each.
 * The caller frees it. */
char *feedback_text(const struct lab_result *r, const struct check_result *c);

#endif
