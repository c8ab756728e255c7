/* hidden.h - a lab's hidden tests: instructor-only checks, graded but not explained.
 *
 * DESIGN: lab.conf declares `hidden N`, the points of the lab's instructor-only checks; the
 * instructor's kit holds them in labs/NN-name/hidden/: hidden.conf (check lines as in lab.conf,
 * test and policy kinds, N points in all) and Criterion tests (*.c, TL_TEST(ID, name)), linked
 * into the lab's test binary beside its public tests. A student kit has no hidden/ directory: it
 * grades the public checks and says that N more points are graded by the instructor. Graded
 * where hidden/ is, hidden checks are reported with their names and points, their messages
 * withheld unless the grade is released (--release, make grade RELEASE=1), as Gradescope's
 * "after published" visibility does.
 */
#ifndef HIDDEN_H
#define HIDDEN_H

#include "grade.h"

/* Copy the lab's hidden sources to KITOBJ/src/hidden, or remove them (and their objects) from
 * there when this kit has none. Returns 0 or an errno value. */
int hidden_sync(const struct lab *lab, const char *kitobj);

/* Before any output of an unreleased grade: each hidden check keeps its name, points and
 * whether it passed; its verdict becomes "failed" and its message says the feedback is
 * withheld; its details and raw report path are dropped. */
void hidden_withhold(struct lab_result *r);

/* The message a withheld hidden check shows. */
extern const char hidden_withheld_message[];

#endif
