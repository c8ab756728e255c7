/* test_report.c - build/class-report on a small class: the page says what the grades say.
 *
 * The class is grader/tests/fixtures/report/NAME.json (see the README there): six students
 * graded on two labs, with a pass, races on two lines, a timeout, a wrong result, lock-order
 * and lost-wakeup findings, a check skipped and one not gradable, a lab that did not build
 * (its messages hold <script>, & and NUL) and one not started. Here each grade's "submission"
 * is pointed at a directory made for the run: alice's and bob's threads.c are the solution (bob's
 * with names changed), carol's another lab's solution, dave has no threads.c, eve's and frank's
 * directories are missing. eve's file name holds <, &, a byte that is not UTF-8 and a control
 * byte; a file that is not a grade sits among them.
 *
 * The page is read back with expat (it must be well-formed XML) and every figure in it is
 * compared with what this file adds up from the same grades on its own: each lab's histogram,
 * each check's failed and judged counts. The findings, incidents and similar pairs the class was
 * made to hold are looked for by name. Run from the kit's root (make test does).
 */
#include <criterion/criterion.h>
#include <expat.h>
#include <fcntl.h>
#include <jansson.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

#define FIXTURES "grader/tests/fixtures/report"
#define EVE      "eve<i>&\xff\x01"
#define MAXROWS  256

static const char *const names[] = {"alice", "bob", "carol", "dave", "eve", "frank"};
#define NSTUDENTS 6

/* ---- The class, made for one run ------------------------------------------------------- */

struct run {
    char dir[512];
    char *results, *subs, *out;
};

static void write_sub(struct run *r, const char *who, const char *lab, const char *file,
                      const char *from, bool rename)
{
    char *dir = xasprintf("%s/%s/%s", r->subs, who, lab);
    cr_assert_eq(mkdir_p(dir), 0);
    char *path = xasprintf("%s/%s", dir, file);
    if (from) {
        size_t len;
        char *text = read_file(from, &len);
        cr_assert_not_null(text, "%s (run from the kit's root)", from);
        /* the same code with other names: sim_c must see through it */
        for (char *p = text; rename && (p = strstr(p, "results")); p += 7)
            memcpy(p, "outcome", 7);
        cr_assert_eq(write_file(path, text), 0);
        free(text);
    }
    free(dir), free(path);
}

static void make_class(struct run *r)
{
    const char *tmp = getenv("TMPDIR"); /* the self-test gives each unit its own */
    snprintf(r->dir, sizeof r->dir, "%s/test-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null(mkdtemp(r->dir));
    r->results = xasprintf("%s/results", r->dir);
    r->subs = xasprintf("%s/subs", r->dir);
    r->out = xasprintf("%s/out", r->dir);
    cr_assert_eq(mkdir_p(r->results), 0);
    write_sub(r, "alice", "01-threads", "threads.c", "solutions/01-threads/threads.c", false);
    write_sub(r, "bob", "01-threads", "threads.c", "solutions/01-threads/threads.c", true);
    write_sub(r, "carol", "01-threads", "threads.c", "solutions/05-queue/queue.c", false);
    write_sub(r, "dave", "01-threads", "threads.c", NULL, false); /* the lab's folder, no file */
    write_sub(r, "alice", "03-locks", "locks.c", "solutions/03-locks/locks.c", false);
    for (int i = 0; i < NSTUDENTS; i++) {
        char *from = xasprintf(FIXTURES "/%s.json", names[i]);
        json_error_t err;
        json_t *g = json_load_file(from, JSON_ALLOW_NUL, &err);
        cr_assert_not_null(g, "%s: %s", from, err.text);
        char *sub = xasprintf("%s/%s", r->subs, names[i]);
        json_object_set_new(g, "submission", json_string(sub));
        char *to = xasprintf("%s/%s.json", r->results, strcmp(names[i], "eve") ? names[i] : EVE);
        cr_assert_eq(json_dump_file(g, to, JSON_INDENT(2)), 0);
        json_decref(g);
        free(from), free(sub), free(to);
    }
    char *junk = xasprintf("%s/zed.json", r->results),
         *other = xasprintf("%s/notes.txt", r->results);
    write_file(junk, "{\"labs\": [ not json");
    write_file(other, "not a grade, and not named .json");
    free(junk), free(other);
}

static void remove_class(struct run *r)
{
    rm_rf(r->dir);
    free(r->results), free(r->subs), free(r->out);
}

/* build/class-report on the class; path_env: PATH for it, or NULL to keep ours */
static void run_report(struct run *r, const char *path_env)
{
    char *results = xasprintf("--results=%s", r->results), *out = xasprintf("--out=%s", r->out);
    char *argv[] = {"build/class-report", "--kit=.", results, out, NULL};
    struct strv env = {0};
    for (char **e = environ; *e; e++)
        if (!path_env || !starts_with(*e, "PATH="))
            strv_add(&env, *e);
    if (path_env)
        strv_addf(&env, "PATH=%s", path_env);
    posix_spawn_file_actions_t quiet; /* its one line of where the page is */
    posix_spawn_file_actions_init(&quiet);
    posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    cr_assert_eq(posix_spawn(&pid, argv[0], &quiet, NULL, argv, strv_argv(&env)), 0);
    posix_spawn_file_actions_destroy(&quiet);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "class-report failed: %d", status);
    strv_free(&env);
    free(results), free(out);
}

/* ---- What the grades add up to, counted here ------------------------------------------- */

struct want {
    char lab[8][32];
    int nlabs;
    int hist[8][10];
    char check[8][32][64];
    int failed[8][32], judged[8][32], nchecks[8];
};

static int want_lab(struct want *w, const char *id)
{
    for (int i = 0; i < w->nlabs; i++)
        if (strcmp(w->lab[i], id) == 0)
            return i;
    cr_assert_lt(w->nlabs, 8);
    snprintf(w->lab[w->nlabs], sizeof w->lab[0], "%s", id);
    return w->nlabs++;
}

static int want_check(struct want *w, int l, const char *id)
{
    for (int i = 0; i < w->nchecks[l]; i++)
        if (strcmp(w->check[l][i], id) == 0)
            return i;
    cr_assert_lt(w->nchecks[l], 32);
    snprintf(w->check[l][w->nchecks[l]], sizeof w->check[0][0], "%s", id);
    return w->nchecks[l]++;
}

static void add_up(struct want *w)
{
    memset(w, 0, sizeof *w);
    for (int i = 0; i < NSTUDENTS; i++) {
        char *from = xasprintf(FIXTURES "/%s.json", names[i]);
        json_t *g = json_load_file(from, JSON_ALLOW_NUL, NULL);
        cr_assert_not_null(g);
        json_t *lab;
        size_t n;
        json_array_foreach(json_object_get(g, "labs"), n, lab)
        {
            int l = want_lab(w, json_string_value(json_object_get(lab, "id")));
            int score = (int)json_integer_value(json_object_get(lab, "score"));
            int max = (int)json_integer_value(json_object_get(lab, "max_score"));
            /* a tenth of the points per bin, full marks in the last */
            int bin = score * 10 / max;
            w->hist[l][bin > 9 ? 9 : bin]++;
            bool judged = json_is_true(json_object_get(lab, "graded")) &&
                          !json_is_true(json_object_get(lab, "not_started"));
            json_t *c;
            size_t k;
            json_array_foreach(json_object_get(lab, "checks"), k, c)
            {
                int at = want_check(w, l, json_string_value(json_object_get(c, "id")));
                if (!judged || json_is_true(json_object_get(c, "skipped")) ||
                    json_is_true(json_object_get(c, "not_gradable")))
                    continue;
                w->judged[l][at]++;
                w->failed[l][at] += !json_is_true(json_object_get(c, "passed"));
            }
        }
        json_decref(g);
        free(from);
    }
}

/* ---- What the page says ---------------------------------------------------------------- */

struct row {
    char kind[16]; /* bin, rate, finding, incident, pair */
    char lab[32];
    int count, failed, judged, bin;
    char check[64], what[32];
    struct sbuf text;
    struct strv students;
};

struct page {
    XML_Parser parser;
    char lab[32];
    struct row rows[MAXROWS];
    int nrows;
    struct row *in_row;
    int in_student; /* depth inside <span class="student"> */
    struct sbuf student;
    int in_note;
    struct strv notes;
    struct sbuf note;
    struct sbuf text; /* all character data */
    int scripts, images, sections;
};

static const char *attr(const XML_Char **a, const char *name)
{
    for (; a[0]; a += 2)
        if (strcmp(a[0], name) == 0)
            return a[1];
    return NULL;
}

static int int_attr(const XML_Char **a, const char *name)
{
    const char *v = attr(a, name);
    cr_assert_not_null(v, "no %s", name);
    return atoi(v);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    struct page *p = ud;
    const char *class = attr(a, "class");
    if (strcmp(name, "script") == 0)
        p->scripts++;
    if (strcmp(name, "img") == 0 && attr(a, "src") &&
        starts_with(attr(a, "src"), "data:image/svg+xml;base64,"))
        p->images++;
    if (strcmp(name, "section") == 0) {
        snprintf(p->lab, sizeof p->lab, "%s", attr(a, "data-lab"));
        p->sections++;
    }
    if (strcmp(name, "span") == 0 && class && strcmp(class, "student") == 0) {
        p->in_student = 1;
        sbuf_free(&p->student);
        sbuf_add(&p->student, "");
    }
    if (strcmp(name, "li") == 0 && class && strcmp(class, "note") == 0) {
        p->in_note = 1;
        sbuf_free(&p->note);
        sbuf_add(&p->note, "");
    }
    if (strcmp(name, "p") == 0 && class && strcmp(class, "note") == 0) {
        p->in_note = 1;
        sbuf_free(&p->note);
        sbuf_add(&p->note, "");
    }
    if (strcmp(name, "tr") != 0 || !class)
        return;
    cr_assert_lt(p->nrows, MAXROWS);
    struct row *r = &p->rows[p->nrows++];
    memset(r, 0, sizeof *r);
    snprintf(r->kind, sizeof r->kind, "%s", class);
    snprintf(r->lab, sizeof r->lab, "%s", p->lab);
    sbuf_add(&r->text, "");
    if (strcmp(class, "bin") == 0) {
        r->bin = int_attr(a, "data-bin");
        r->count = int_attr(a, "data-count");
    } else if (strcmp(class, "rate") == 0) {
        snprintf(r->check, sizeof r->check, "%s", attr(a, "data-check"));
        r->failed = int_attr(a, "data-failed");
        r->judged = int_attr(a, "data-judged");
    } else if (strcmp(class, "finding") == 0) {
        r->count = int_attr(a, "data-count");
    } else if (strcmp(class, "incident") == 0) {
        snprintf(r->what, sizeof r->what, "%s", attr(a, "data-what"));
    }
    p->in_row = r;
}

static void on_end(void *ud, const XML_Char *name)
{
    struct page *p = ud;
    if (strcmp(name, "span") == 0 && p->in_student) {
        p->in_student = 0;
        if (p->in_row)
            strv_add(&p->in_row->students, p->student.s);
    }
    if ((strcmp(name, "li") == 0 || strcmp(name, "p") == 0) && p->in_note) {
        p->in_note = 0;
        strv_add(&p->notes, p->note.s);
    }
    if (strcmp(name, "tr") == 0)
        p->in_row = NULL;
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    struct page *p = ud;
    char *t = xasprintf("%.*s", len, s);
    sbuf_add(&p->text, t);
    if (p->in_row)
        sbuf_add(&p->in_row->text, t);
    if (p->in_student)
        sbuf_add(&p->student, t);
    if (p->in_note)
        sbuf_add(&p->note, t);
    free(t);
}

static void parse_xml(const char *path, struct page *p)
{
    size_t len;
    char *doc = read_file(path, &len);
    cr_assert_not_null(doc, "no %s", path);
    memset(p, 0, sizeof *p);
    sbuf_add(&p->text, "");
    p->parser = XML_ParserCreate("UTF-8");
    XML_SetUserData(p->parser, p);
    XML_SetElementHandler(p->parser, on_start, on_end);
    XML_SetCharacterDataHandler(p->parser, on_text);
    int ok = XML_Parse(p->parser, doc, (int)len, 1);
    cr_assert(ok, "%s is not well-formed: %s at line %lu", path,
              XML_ErrorString(XML_GetErrorCode(p->parser)),
              (unsigned long)XML_GetCurrentLineNumber(p->parser));
    XML_ParserFree(p->parser);
    free(doc);
}

static void read_page(struct run *r, struct page *p)
{
    char *path = xasprintf("%s/class.html", r->out);
    parse_xml(path, p);
    free(path);
}

static const struct row *find_row(const struct page *p, const char *kind, const char *lab,
                                  const char *has)
{
    for (int i = 0; i < p->nrows; i++)
        if (strcmp(p->rows[i].kind, kind) == 0 && strcmp(p->rows[i].lab, lab) == 0 &&
            (!has || strstr(p->rows[i].text.s, has)))
            return &p->rows[i];
    return NULL;
}

static bool has_note(const struct page *p, const char *a, const char *b)
{
    for (size_t i = 0; i < p->notes.len; i++)
        if (strstr(p->notes.v[i], a) && (!b || strstr(p->notes.v[i], b)))
            return true;
    return false;
}

/* Every lab's histogram and every check's failure rate, as counted here. */
static void assert_figures(const struct page *p)
{
    struct want w;
    add_up(&w);
    cr_assert_eq(p->sections, w.nlabs, "labs on the page: %d, in the grades: %d", p->sections,
                 w.nlabs);
    for (int l = 0; l < w.nlabs; l++) {
        int bins = 0;
        for (int i = 0; i < p->nrows; i++) {
            const struct row *r = &p->rows[i];
            if (strcmp(r->kind, "bin") != 0 || strcmp(r->lab, w.lab[l]) != 0)
                continue;
            cr_assert(r->bin >= 0 && r->bin < 10);
            cr_assert_eq(r->count, w.hist[l][r->bin],
                         "lab %s, bin %d: the page says %d, the "
                         "grades %d",
                         w.lab[l], r->bin, r->count, w.hist[l][r->bin]);
            bins++;
        }
        cr_assert_eq(bins, 10, "lab %s: %d bins", w.lab[l], bins);
        for (int k = 0; k < w.nchecks[l]; k++) {
            const struct row *r = NULL;
            for (int i = 0; i < p->nrows && !r; i++)
                if (strcmp(p->rows[i].kind, "rate") == 0 && strcmp(p->rows[i].lab, w.lab[l]) == 0 &&
                    strcmp(p->rows[i].check, w.check[l][k]) == 0)
                    r = &p->rows[i];
            cr_assert_not_null(r, "lab %s: no failure rate for %s", w.lab[l], w.check[l][k]);
            cr_assert(r->failed == w.failed[l][k] && r->judged == w.judged[l][k],
                      "lab %s, %s: the page says %d failed of %d, the grades %d of %d", w.lab[l],
                      w.check[l][k], r->failed, r->judged, w.failed[l][k], w.judged[l][k]);
        }
    }
    /* what the class was made to hold, so that the counting above cannot pass on nothing */
    const struct row *tsan = NULL;
    for (int i = 0; i < p->nrows; i++)
        if (strcmp(p->rows[i].kind, "rate") == 0 && strcmp(p->rows[i].check, "tsan:run") == 0)
            tsan = &p->rows[i];
    cr_assert(tsan && tsan->failed == 3 && tsan->judged == 4);
    const struct row *top = NULL;
    for (int i = 0; i < p->nrows; i++)
        if (strcmp(p->rows[i].kind, "bin") == 0 && strcmp(p->rows[i].lab, "threads") == 0 &&
            p->rows[i].bin == 9)
            top = &p->rows[i];
    cr_assert(top && top->count == 2, "threads: alice and bob have 90 or more");
}

static bool lists(const struct row *r, const char *a, const char *b)
{
    return r && r->students.len == (b ? 2 : 1) && strcmp(r->students.v[0], a) == 0 &&
           (!b || strcmp(r->students.v[1], b) == 0);
}

Test(report, class)
{
    struct run r;
    make_class(&r);
    run_report(&r, NULL);
    struct page p;
    read_page(&r, &p);
    assert_figures(&p);

    /* the common findings: alike but for an address, or a count of threads */
    const struct row *race57 = find_row(&p, "finding", "threads", "(threads.c:57)");
    cr_assert(race57 && race57->count == 2 && lists(race57, "bob", "carol"),
              "the race on line 57: bob and carol");
    const struct row *race61 = find_row(&p, "finding", "threads", "(threads.c:61)");
    cr_assert(race61 && race61->count == 1 && lists(race61, "dave", NULL),
              "the race on line 61 is another finding");
    cr_assert_lt(race57, race61, "most common first");
    const struct row *order = find_row(&p, "finding", "locks", "lock-order inversion");
    cr_assert(order && order->count == 2 && lists(order, "bob", "carol"));
    const struct row *lost = find_row(&p, "finding", "locks", "Lost wakeup: N threads");
    cr_assert(lost && lost->count == 2 && lists(lost, "carol", "dave"));
    cr_assert_null(strstr(p.text.s, "0x7b04"), "an address is shown as 0x…");
    cr_assert_null(find_row(&p, "finding", "threads", "earns its points once"),
                   "a check failed for another's sake is no finding of its own");

    /* timed out, not built, not started */
    const struct row *t = find_row(&p, "incident", "threads", "test:run_concurrent");
    cr_assert(t && strcmp(t->what, "timed out") == 0 && lists(t, "carol", NULL));
    const struct row *nb = find_row(&p, "incident", "threads", "expected");
    cr_assert(nb && strcmp(nb->what, "did not build") == 0);
    const struct row *ns = find_row(&p, "incident", "threads", "frank");
    cr_assert(ns && strcmp(ns->what, "not started") == 0);

    /* any bytes, as text: a name that is not UTF-8, markup and NUL in messages */
    cr_assert(lists(nb, "eve<i>&\\xFF\\x01", NULL), "eve's name as text: %s",
              nb->students.len ? nb->students.v[0] : "none");
    cr_assert_not_null(strstr(nb->text.s, "<script>alert(1)</script> & \\x00 NUL"));
    cr_assert_eq(p.scripts, 0);

    /* the grade that is not one, and the submissions that are gone */
    cr_assert(has_note(&p, "zed.json", "not a grade"));
    cr_assert(has_note(&p, "frank", "missing"));
    cr_assert(has_note(&p, "eve<i>&\\xFF\\x01", "missing"));
    cr_assert(has_note(&p, "no 01-threads/threads.c", NULL), "dave's folder has no file");

    /* similar: the solution and its renamed copy, and nothing else */
    const struct row *pair = find_row(&p, "pair", "threads", NULL);
    cr_assert(lists(pair, "alice", "bob"), "alice and bob are alike");
    int pairs = 0;
    for (int i = 0; i < p.nrows; i++)
        pairs += strcmp(p.rows[i].kind, "pair") == 0;
    cr_assert_eq(pairs, 1);
    cr_assert_not_null(strstr(p.text.s, "never a verdict"));

    /* the plots: inside the page, and well-formed SVG beside it */
    cr_assert_eq(p.images, 4, "two plots per lab: %d", p.images);
    const char *svgs[] = {"lab01-scores", "lab01-checks", "lab02-scores", "lab02-checks"};
    for (int i = 0; i < 4; i++) {
        char *svg = xasprintf("%s/plots/%s.svg", r.out, svgs[i]);
        struct page s;
        parse_xml(svg, &s);
        free(svg);
    }
    remove_class(&r);
}

/* Without gnuplot and sim_c (not installed): the same figures, and notes saying why no more. */
Test(report, without_tools)
{
    struct run r;
    make_class(&r);
    char *empty = xasprintf("%s/empty", r.dir);
    cr_assert_eq(mkdir_p(empty), 0);
    run_report(&r, empty);
    free(empty);
    struct page p;
    read_page(&r, &p);
    assert_figures(&p);
    cr_assert_eq(p.images, 0);
    cr_assert(has_note(&p, "gnuplot is not installed", NULL));
    cr_assert(has_note(&p, "sim_c is not installed", NULL));
    remove_class(&r);
}
