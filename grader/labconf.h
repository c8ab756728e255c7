/* labconf.h - a lab as its lab.conf declares it: files, checks and points. */
#ifndef LABCONF_H
#define LABCONF_H

#include <stdbool.h>

#include "util.h"

enum check_kind { CK_TEST, CK_TSAN, CK_HELGRIND, CK_MEMCHECK, CK_POLICY };

struct check {
    enum check_kind kind;
    char *name; /* test or scenario name; free-form for policy */
    char *id;   /* "kind:name", as in CAUGHT-BY and requires= */
    int points;
    double timeout_s;
    struct strv requires; /* check ids that must pass too */
    struct strv forbid;   /* policy: symbols no function may call */
    struct strv calls;    /* policy: "FUNC:sym" pairs */
    char *verifies;       /* what it verifies, for the grading table */
    char *revisit;        /* the concept to revisit when it fails */
    bool hidden;          /* declared in hidden/hidden.conf: instructor-only (see hidden.h) */
    int cpus; /* usable CPUs it needs to judge anything (cpus=N; a speedup needs two), or 0 */
};

struct lab {
    char *dir;     /* the lab's directory in the kit: KIT/labs/NN-name */
    char *dirname; /* NN-name */
    char *id;
    char *title;
    char *stub;          /* file name of the stub, e.g. queue.c */
    char *stub_sum;      /* the stub as shipped (stubsum.h), or NULL if lab.conf has none */
    struct strv symbols; /* prefixes of the global names the stub may define */
    char *optimize;      /* the stub's -O level in the plain build ("2" unless lab.conf says) */
    struct check *checks;
    int nchecks;
    int max_points;    /* of the checks loaded here: with the hidden ones if the kit has them */
    int hidden_points; /* lab.conf's `hidden`: the points of the lab's instructor-only checks */
    bool has_hidden;   /* hidden/hidden.conf was loaded; else those points are not graded here */
};

/* Read KIT/labs/NN-name/lab.conf. On error returns NULL and sets *err to a message. */
struct lab *lab_load(const char *lab_dir, char **err);
void lab_free(struct lab *lab);

/* All labs of the kit, in directory order. Returns the count, or -1 with *err set. */
int labs_load_all(const char *kit, struct lab ***labs, char **err);

const char *check_kind_name(enum check_kind k);
/* The points of the hidden checks that this kit cannot grade (a student kit): 0 or lab.conf's
 * `hidden`. The lab's total is max_points plus these. */
int lab_hidden_ungraded(const struct lab *lab);
const struct check *lab_find_check(const struct lab *lab, const char *id);

#endif
