/* test_labconf.c - lab.conf parsing: the one place a lab's checks and points are declared. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labconf.h"
#include "stubsum.h"

/* A new directory named name-XXXXXX in TMPDIR (the self-test gives each unit test its own). */
static char *temp_dir(const char *name)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = xasprintf("%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

/* A directory of temp_dir's, and its path, gone. */
static void gone(char *dir)
{
    rm_rf(dir);
    free(dir);
}

/* A lab directory holding lab.conf with text; returns its path. */
static char *lab_dir(const char *text)
{
    char *dir = temp_dir("labconf");
    char *conf = xasprintf("%s/lab.conf", dir);
    cr_assert_eq(write_file(conf, text), 0);
    free(conf);
    return dir;
}

static const char good[] =
    "# lab.conf - a comment line, with a | bar in it\n"
    "id      queue   # an inline comment\n"
    "title   A bounded blocking queue\n"
    "stub    queue.c\n"
    "symbols bq_ bqx_\n"
    "optimize 0\n"
    "\n"
    "test     fifo_order   5            | items leave in order #1 | README \"Task 2\"\n"
    "tsan     stress       4 timeout=30 | no race | README \"Locks\"\n"
    "policy   no_polling   2 forbid=sleep,usleep requires=test:fifo_order,tsan:stress "
    "calls=bq_get:pthread_cond_wait | no polling | README \"Waiting\"\n";

Test(labconf, parses_every_field)
{
    char *err = NULL, *dir = lab_dir(good);
    struct lab *lab = lab_load(dir, &err);
    cr_assert_not_null(lab, "%s", err);
    cr_assert_str_eq(lab->id, "queue");
    cr_assert_str_eq(lab->title, "A bounded blocking queue");
    cr_assert_str_eq(lab->stub, "queue.c");
    cr_assert_eq(lab->symbols.len, 2);
    cr_assert_str_eq(lab->optimize, "0");
    cr_assert_eq(lab->nchecks, 3);
    cr_assert_eq(lab->max_points, 11);
    const struct check *t = lab_find_check(lab, "test:fifo_order");
    cr_assert_not_null(t);
    cr_assert_eq(t->points, 5);
    cr_assert_float_eq(t->timeout_s, 20, 1e-9, "tests default to 20 s");
    cr_assert_str_eq(t->verifies, "items leave in order #1", "a # inside the texts is text");
    cr_assert_str_eq(t->revisit, "README \"Task 2\"");
    cr_assert_float_eq(lab_find_check(lab, "tsan:stress")->timeout_s, 30, 1e-9);
    const struct check *p = lab_find_check(lab, "policy:no_polling");
    cr_assert_eq(p->forbid.len, 2);
    cr_assert_str_eq(p->forbid.v[1], "usleep");
    cr_assert_eq(p->requires.len, 2);
    cr_assert_str_eq(p->requires.v[1], "tsan:stress");
    cr_assert_str_eq(p->calls.v[0], "bq_get:pthread_cond_wait");
    cr_assert_null(lab_find_check(lab, "test:nope"));
    lab_free(lab);
    gone(dir);
}

static void expect_error(const char *text, const char *words)
{
    char *err = NULL, *dir = lab_dir(text);
    struct lab *lab = lab_load(dir, &err);
    cr_assert_null(lab, "accepted:\n%s", text);
    cr_assert(err && strstr(err, words), "error '%s' does not say '%s'", err, words);
    free(err);
    gone(dir);
}

Test(labconf, rejects_what_it_cannot_grade)
{
    expect_error("id x\ntitle t\nstub x.c\ntest a 2\n", "what it verifies");
    expect_error("id x\ntitle t\nstub x.c\ntest a 2 | only one text\n", "what to revisit");
    expect_error("id x\ntitle t\nstub x.c\ntest a lots | v | r\n", "number of points");
    expect_error("id x\ntitle t\nstub x.c\ntest a 2 speed=fast | v | r\n", "unknown option");
    expect_error("id x\ntitle t\nstub x.c\ntest a 2 fast | v | r\n", "needs a value");
    expect_error("id x\ntitle t\nstub x.c\ncolour red\n", "unknown key");
    expect_error("id x\ntitle t\nstub x.c\nstub_sum 12ab\ntest a 2 | v | r\n", "16 hex digits");
    expect_error("id x\ntitle t\nstub x.c\noptimize 0 -fno-sanitize=all\ntest a 2 | v | r\n",
                 "optimize must be one of");
    expect_error("id x\ntitle t\ntest a 2 | v | r\n", "needs id, title, stub");
    expect_error("id x\ntitle t\nstub x.c\n", "at least one check");
}

/* Write dir/hidden/hidden.conf. */
static void hidden_conf(const char *dir, const char *text)
{
    char *hidden = xasprintf("%s/hidden", dir), *conf = xasprintf("%s/hidden.conf", hidden);
    cr_assert_eq(mkdir_p(hidden), 0);
    cr_assert_eq(write_file(conf, text), 0);
    free(hidden), free(conf);
}

static const char with_hidden[] = "id x\ntitle t\nstub x.c\nhidden 5\n"
                                  "test a 95 | v | r\n";

Test(labconf, hidden_checks)
{
    char *err = NULL, *dir = lab_dir(with_hidden);
    /* a student kit: no hidden/, its points are declared but not graded here */
    struct lab *lab = lab_load(dir, &err);
    cr_assert_not_null(lab, "%s", err);
    cr_assert_eq(lab->max_points, 95);
    cr_assert_eq(lab->hidden_points, 5);
    cr_assert_eq(lab_hidden_ungraded(lab), 5);
    lab_free(lab);
    /* the instructor's kit: hidden.conf's checks are loaded, flagged, and hold those points */
    hidden_conf(dir, "# a comment\n\ntest h 3 | hv | hr\npolicy p 2 forbid=sleep | pv | pr\n");
    lab = lab_load(dir, &err);
    cr_assert_not_null(lab, "%s", err);
    cr_assert_eq(lab->nchecks, 3);
    cr_assert_eq(lab->max_points, 100);
    cr_assert_eq(lab_hidden_ungraded(lab), 0);
    cr_assert(!lab_find_check(lab, "test:a")->hidden);
    cr_assert(lab_find_check(lab, "test:h")->hidden);
    cr_assert(lab_find_check(lab, "policy:p")->hidden);
    lab_free(lab);
    gone(dir);
}

static void expect_hidden_error(const char *conf, const char *hidden, const char *words)
{
    char *err = NULL, *dir = lab_dir(conf);
    hidden_conf(dir, hidden);
    struct lab *lab = lab_load(dir, &err);
    cr_assert_null(lab, "accepted hidden.conf:\n%s", hidden);
    cr_assert(err && strstr(err, words), "error '%s' does not say '%s'", err, words);
    free(err);
    gone(dir);
}

Test(labconf, hidden_rejects_what_it_cannot_grade)
{
    expect_hidden_error(with_hidden, "test h 4 | v | r\n", "hold 4 points, but lab.conf says");
    expect_hidden_error("id x\ntitle t\nstub x.c\ntest a 95 | v | r\n", "test h 5 | v | r\n",
                        "says `hidden 0`");
    expect_hidden_error(with_hidden, "tsan h 5 | v | r\n", "a test or a policy check");
    expect_hidden_error(with_hidden, "hidden 5\n", "checks only");
    expect_hidden_error(with_hidden, "test a 5 | v | r\n", "declared twice");
    expect_hidden_error(with_hidden, "\n\ntest h five | v | r\n", "hidden.conf:3:");
    expect_error("id x\ntitle t\nstub x.c\nhidden lots\ntest a 2 | v | r\n",
                 "hidden wants a number");
}

/* A lab whose stub is "int x;\n", with or without its stub_sum; returns the loaded lab. */
static struct lab *stub_lab(bool with_sum, char **dir)
{
    static const char stub[] = "int x;\n";
    char *conf =
        xasprintf("id x\ntitle t\nstub x.c\n%s%s\ntest a 100 | v | r\n",
                  with_sum ? "stub_sum " : "", with_sum ? stub_sum(stub, sizeof stub - 1) : "");
    *dir = lab_dir(conf);
    char *path = xasprintf("%s/x.c", *dir), *err = NULL;
    cr_assert_eq(write_file(path, stub), 0);
    struct lab *lab = lab_load(*dir, &err);
    cr_assert_not_null(lab, "%s", err);
    free(conf), free(path);
    return lab;
}

Test(labconf, stub_untouched_in_place)
{
    char *dir, *staged = temp_dir("labconf-staged");
    char *copy = xasprintf("%s/x.c", staged), *other = xasprintf("%s/other.c", staged);
    for (int with_sum = 0; with_sum < 2; with_sum++) {
        struct lab *lab = stub_lab(with_sum, &dir);
        char *kit_stub = xasprintf("%s/x.c", dir);
        cr_assert_eq(write_file(copy, "int x;\n"), 0);
        cr_assert_eq(write_file(other, "int x;\n"), 0);
        /* a submission of its own holding the stub, byte for byte */
        cr_assert(stub_untouched(lab, other, copy));
        /* the kit's own labs/ graded in place, untouched: only the sum can tell */
        cr_assert_eq(stub_untouched(lab, kit_stub, copy), with_sum == 1);
        /* edited in place: the kit's file is the student's work, never "the stub" */
        cr_assert_eq(write_file(kit_stub, "int x = 1;\n"), 0);
        cr_assert_eq(write_file(copy, "int x = 1;\n"), 0);
        cr_assert(!stub_untouched(lab, kit_stub, copy));
        free(kit_stub);
        lab_free(lab);
        gone(dir);
    }
    free(copy), free(other);
    gone(staged);
}

Test(labconf, the_kits_labs_load)
{
    char *err = NULL;
    struct lab **labs;
    int n = labs_load_all(".", &labs, &err);
    cr_assert_gt(n, 0, "%s (run from the kit's root)", err ? err : "no labs");
    for (int i = 0; i < n; i++) {
        /* hidden checks count in the 100, whether this kit has them or not (a student kit) */
        int total = labs[i]->max_points + lab_hidden_ungraded(labs[i]);
        cr_assert_eq(total, 100, "%s totals %d points", labs[i]->id, total);
        /* the stub as shipped, else a lab edited in place is taken for it (stubsum.h) */
        char *stub = xasprintf("%s/%s", labs[i]->dir, labs[i]->stub);
        size_t len = 0;
        char *data = read_file(stub, &len);
        cr_assert_not_null(data, "cannot read %s", stub);
        const char *sum = stub_sum(data, len);
        cr_assert(labs[i]->stub_sum && strcmp(labs[i]->stub_sum, sum) == 0,
                  "%s/lab.conf needs 'stub_sum %s' for its stub: run make tables", labs[i]->dir,
                  sum);
        free(data), free(stub);
        /* only the race lab builds the stub unoptimized: see its lab.conf */
        const char *want = strcmp(labs[i]->id, "race") == 0 ? "0" : "2";
        cr_assert_str_eq(labs[i]->optimize, want, "%s", labs[i]->id);
        lab_free(labs[i]);
    }
    free(labs);
}
