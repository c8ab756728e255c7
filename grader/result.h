/* result.h - the result model: what a grade found, check by check and lab by lab.
 *
 * DESIGN: the pipeline (grade.c) fills these, worker processes hand them back as JSON (workers.c:
 * check_result_json, lab_result_json and their _from_json twins), `--from` reads a stored grade
 * back with the same decoders (stored.c), and every output format reads them (output.h) and
 * nothing else. Totals are computed here once (lab_max_score, run_totals), so that no format
 * adds up points its own way.
 */
#ifndef RESULT_H
#define RESULT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "labconf.h"

struct check_result {
    const struct check *check;
    bool passed;
    bool skipped; /* not run (quick mode or not selected): counts neither way */
    bool ungradable; /* skipped because this host has fewer usable CPUs than it needs */
    int points;
    int max_points; /* what it is worth here: lab.conf's points, plus its share of those of its
                       lab's ungradable checks (grade.c); the earned points are all or none */
    char *verdict; /* one or two words: "passed", "wrong result", "timed out", "data race"... */
    char *message; /* the first useful failure message, plain words, "" when passed */
    char *details; /* more lines of feedback (where threads were blocked, notes), may be "" */
    char *raw;     /* path of the raw report kept in the build directory, may be "" */
    double seconds;
    char stuck[48]; /* a test: the scenario (tl_scenario) in which the run hung or timed out, or ""
                     */
};

struct lab_result {
    const struct lab *lab;
    int score;
    bool graded;      /* false: the stub was missing, did not build or broke the rules */
    bool not_started; /* the submitted file is the kit's stub, byte for byte */
    char *problem;    /* why not graded, with the compiler's first errors; "" otherwise */
    char *warnings;   /* compiler warnings on the stub, "" if none */
    char *release;    /* work the stub hides in assert() (policy_release_build), "" if none: the
                         ThreadSanitizer checks, which run the -DNDEBUG build, fail with it. Used
                         while grading only: not in the JSON */
    char *build_dir;
    struct check_result *checks;
    int nchecks;
    double seconds;
};

/* A whole grade, as every format prints it. */
struct run_summary {
    uint64_t seed;
    const char *submission; /* as shown: clean text (text.h) */
    bool quick;             /* graded by make check (what to rerun says so) */
    struct lab_result *labs;
    int nlabs;
};

void check_result_free(struct check_result *c);
void lab_result_free(struct lab_result *r);

/* The points the lab's checks that were run (or read) are worth: its max_score. */
int lab_max_score(const struct lab_result *r);
/* Score, max_score and hidden_points (the hidden checks' points not graded here) of a grade. */
void run_totals(const struct run_summary *s, int *score, int *max, int *hidden);

/* One check's or lab's result as JSON, and back (for results graded in a worker process, and
 * for --from). The _from_json functions take the check or lab the JSON is about; a lab whose
 * checks do not match gives -1. */
json_t *check_result_json(const struct check_result *c);
void check_result_from_json(json_t *j, const struct check *check, struct check_result *r);
json_t *lab_result_json(const struct lab_result *r);
int lab_result_from_json(json_t *j, const struct lab *lab, struct lab_result *r);
/* The whole grade, as --format=json prints it:
 * {"score", "max_score", "hidden_points", "seed", "submission", "labs": [{"id", "title", "score",
 *   "max_score", "hidden_points", "graded", "problem", "warnings", "build_dir", "seconds",
 *   "checks": [{"name", "kind", "passed", "skipped", "not_gradable", "points", "max_points",
 *               "verdict", "message", "details", "revisit", "raw", "seconds", "hidden"}]}]}
 * hidden_points: the points of hidden checks not graded here (a student kit); a check's
 * "hidden" says it is one of the instructor's hidden checks (see hidden.h); "not_gradable", that
 * this host has too few CPUs to judge it: it is skipped, and its points are shared out among the
 * lab's other checks ("max_points" is what a check is worth in this grade). */
json_t *run_summary_json(const struct run_summary *s);

#endif
