/* test_labconf.c - lab.conf parsing: the one place a lab's checks and points are declared. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labconf.h"

/* A lab directory holding lab.conf with text; returns its path. */
static char *lab_dir(const char *text)
{
    char *dir = xstrdup("/tmp/labconf-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
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
    free(dir);
}

static void expect_error(const char *text, const char *words)
{
    char *err = NULL, *dir = lab_dir(text);
    struct lab *lab = lab_load(dir, &err);
    cr_assert_null(lab, "accepted:\n%s", text);
    cr_assert(err && strstr(err, words), "error '%s' does not say '%s'", err, words);
    free(err);
    free(dir);
}

Test(labconf, rejects_what_it_cannot_grade)
{
    expect_error("id x\ntitle t\nstub x.c\ntest a 2\n", "what it verifies");
    expect_error("id x\ntitle t\nstub x.c\ntest a 2 | only one text\n", "what to revisit");
    expect_error("id x\ntitle t\nstub x.c\ntest a lots | v | r\n", "number of points");
    expect_error("id x\ntitle t\nstub x.c\ntest a 2 speed=fast | v | r\n", "unknown option");
    expect_error("id x\ntitle t\nstub x.c\ntest a 2 fast | v | r\n", "needs a value");
    expect_error("id x\ntitle t\nstub x.c\ncolour red\n", "unknown key");
    expect_error("id x\ntitle t\nstub x.c\noptimize 0 -fno-sanitize=all\ntest a 2 | v | r\n",
                 "optimize must be one of");
    expect_error("id x\ntitle t\ntest a 2 | v | r\n", "needs id, title, stub");
    expect_error("id x\ntitle t\nstub x.c\n", "at least one check");
}

Test(labconf, the_kits_labs_load)
{
    char *err = NULL;
    struct lab **labs;
    int n = labs_load_all(".", &labs, &err);
    cr_assert_gt(n, 0, "%s (run from the kit's root)", err ? err : "no labs");
    for (int i = 0; i < n; i++) {
        cr_assert_eq(labs[i]->max_points, 100, "%s totals %d points", labs[i]->id,
                     labs[i]->max_points);
        /* only the race lab builds the stub unoptimized: see its lab.conf */
        const char *want = strcmp(labs[i]->id, "race") == 0 ? "0" : "2";
        cr_assert_str_eq(labs[i]->optimize, want, "%s", labs[i]->id);
        lab_free(labs[i]);
    }
    free(labs);
}
