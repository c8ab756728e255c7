/* grade.h - grading one lab: the pipeline that fills a lab_result (result.h).
 *
 * DESIGN: a lab is graded in a fresh build directory, build/grade/ID/, in stages:
 *   stage   copy only the stub file from the submission, beside the kit's headers;
 *   build   compile the kit's tests and support from their own copy (kept, -Werror), compile the
 *           stub (its errors are the student's), then link the Criterion tests, the driver and
 *           the ThreadSanitizer driver;
 *   gate    reject a stub that reaches outside its lab (process, file or signal calls, detector
 *           switches, constructors, foreign includes): such a submission earns nothing;
 *   checks  run every check of lab.conf under the sandbox's limits, one process tree each;
 *   score   a check earns its points if it passed and every check it requires passed.
 * Every process started here goes through sb_run: nothing a submission does can hang or kill the
 * grader, and a failure costs only its own check.
 */
#ifndef GRADE_H
#define GRADE_H

#include <stdbool.h>
#include <stdint.h>

#include "labconf.h"
#include "result.h"

struct grader {
    char *kit;        /* absolute path of the kit (has labs/, include/, grader/support/) */
    char *submission; /* absolute path of a directory laid out like labs/ */
    char *build_root; /* where build/grade/ID directories go */
    uint64_t seed;
    bool quick;        /* make check: tests, ThreadSanitizer and policy only */
    struct strv only;  /* grade only these check ids ("kind:name"); empty = all */
    int check_jobs;    /* checks of one lab run at a time, each in its own worker process */
    int cpus;          /* usable CPUs (host.h): a check needing more is not gradable here */
    bool grade_stubs;  /* grade a lab whose file is still the kit's stub (the self-test does) */
    char *kit_objects; /* where the kit's compiled tests and support go, if not build_root */
    bool release;      /* show the hidden checks' feedback too (hidden.h) */
};

/* Grade one lab. Never fails: every problem becomes part of the result. */
void grade_lab(const struct grader *g, const struct lab *lab, struct lab_result *r);

#endif
