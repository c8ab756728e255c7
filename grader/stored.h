/* stored.h - a grade read back from its JSON (--from): print it again in any format, or ask
 * whether some of its checks passed, without grading again (the GitHub Classroom workflow grades
 * once, then each of its steps reads that one grade). */
#ifndef STORED_H
#define STORED_H

#include "grade.h"

/* Read FILE, written by `grader --format=json`, into results for those of `labs` (nlabs) that
 * it holds; a lab it lacks is an error. Sets g->seed and g->submission from it. Returns 0, or -1
 * with *err set. */
int stored_load(const char *file, struct grader *g, struct lab **labs, int nlabs,
                struct lab_result *results, char **err);

/* Keep only the checks g->only names (none named: all), as a grade with --check would have run
 * them: the others become skipped and the score counts the rest. */
void stored_select(const struct grader *g, struct lab_result *r);

#endif
