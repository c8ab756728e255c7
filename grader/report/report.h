/* report.h - the class at a glance (build/class-report): what the class's grades say, lab by lab.
 *
 * DESIGN: one file per job, each reading what the one before it made:
 *   results.c     every RESULTS/NAME.json (as build/grader --format=json prints it) into a class;
 *   aggregate.c   per lab: a score histogram, each check's failure rate, the common findings, the
 *                 submissions that timed out, did not build or were not started;
 *   similarity.c  per lab, sim_c over the students' files: pairs for the instructor to review;
 *   plots.c       gnuplot draws the histogram and the failure rates as SVG (run.c: time-limited);
 *   html.c        OUT/class.html, one page, the plots inside it, every text escaped (markup.h).
 * Student names are file names and messages come from student code: any bytes, kept as bytes
 * here and escaped only when written.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <sys/types.h>

#include "labconf.h"
#include "util.h"

#define HIST_BINS   10  /* of a tenth of the lab's points each; the last takes full marks too */
#define PAIRS_SHOWN 100 /* similar pairs listed per lab, the most similar first */

struct rcheck {
    char *id;      /* "kind:name" */
    bool passed;   /* earned its points */
    bool skipped;  /* not run, or not gradable on the grading host: neither pass nor fail */
    char *verdict; /* "passed", "timed out", "data race"... */
    char *line;    /* the first line of its message (a NUL in it as the text \x00) */
};

struct rlab {
    char *id, *title;
    int score, max_score;
    bool graded;      /* false: did not build, or its file was missing */
    bool not_started; /* the kit's stub, byte for byte */
    char *problem;    /* first line of why not graded */
    struct rcheck *checks;
    int nchecks;
};

struct student {
    char *name;       /* the file name without .json: any bytes */
    char *submission; /* the "submission" directory the grade was made of */
    struct rlab *labs;
    int nlabs;
};

struct klass {
    struct student *students; /* in byte order of their names */
    int n;
    struct strv notes; /* what could not be read or done, to show on the page (raw bytes) */
};

/* results.c: every *.json of dir. Files that are not a grade become notes. */
int results_read(const char *dir, struct klass *k);

/* One student's entry for a lab, or NULL. */
const struct rlab *student_lab(const struct student *s, const char *lab_id);

struct check_stat {
    const char *id;
    int failed, judged; /* judged: run and not skipped, in labs that built and were started */
};

struct finding {
    const char *verdict;
    char *text; /* the first line of the message, numbers and addresses normalised */
    int *who;   /* students (indices into the class), in order */
    int count;
};

struct incident {
    int who;
    const char *what;   /* "did not build", "not started", or a check's verdict */
    const char *check;  /* the check's id, or NULL for the whole lab */
    const char *detail; /* the first line of the problem or message */
};

struct sim_pair {
    int a, b;           /* students, a < b */
    int a_of_b, b_of_a; /* percent of a's file found in b's, and the other way; -1: not said */
};

struct lab_stat {
    const char *id, *title;
    const struct lab *kit; /* the kit's lab of that id, or NULL */
    int hist[HIST_BINS];
    int scored; /* students in the histogram (a lab worth 0 points is not) */
    int graded, not_started, not_built;
    struct check_stat *checks;
    int nchecks;
    struct finding *findings; /* most common first */
    int nfindings;
    struct incident *incidents;
    int nincidents;
    /* similarity.c */
    bool sim_done;
    char *sim_note; /* why not done, or what was left out; NULL if nothing to say */
    int sim_files;
    struct sim_pair *pairs; /* at or above the threshold, most similar first */
    int npairs;
    /* plots.c: file names in OUT (NULL: not drawn) */
    char *hist_svg, *rate_svg;
};

/* aggregate.c: the statistics of every lab any student has, in the kit's order first. */
int aggregate(const struct klass *k, struct lab **kit_labs, int nkit, struct lab_stat **labs);
/* The finding text of a message's first line: addresses as 0x…, other numbers as N, but a
 * file's line number (queue.c:42) kept. */
char *finding_normalise(const char *line);

/* run.c: argv in dir, stdout to out_path (NULL: /dev/null), stderr to err_path (NULL:
 * /dev/null), killed after seconds. Returns its exit status, -1 if it could not run, -2 if it
 * ran out of time. */
int run_limited(char *const argv[], const char *dir, const char *out_path, const char *err_path,
                int seconds);

/* similarity.c: the pairs of students whose file of the lab is at least threshold percent alike.
 * Uses scratch, a directory it may fill and empty. */
void similarity(const struct klass *k, struct lab_stat *l, int threshold, const char *scratch);

/* plots.c: draw lab number i's plots into out (notes what failed). */
void plots(struct lab_stat *l, int i, const char *out, struct strv *notes);

/* html.c: OUT/class.html. */
int html_write(const char *path, const struct klass *k, struct lab_stat *labs, int nlabs, int top,
               int threshold);

#endif
