/* test_emitters.c - every output format tells the same totals, and the markup ones stay valid
 * whatever bytes a message holds.
 *
 * A grade of the kit's own labs is made up here (so that no lab.conf change can stale it): a
 * lab that passed, one with failures, a pass with details and a check not run, one that did not
 * build, one not started, and a failed hidden check. It is written as --format=json writes it
 * and read back as --from reads it; then each format prints it, both in this process
 * (output_formats) and through `build/grader --from=FILE --format=X`, and each output is parsed
 * back (jansson for JSON and Gradescope, expat for JUnit and HTML, lines for text and Markdown):
 * every lab's score and max_score, the total, and JUnit's test, failure and skip counts must be
 * the ones this file adds up itself, check by check. One check's feedback must be the same words
 * in every format (feedback.h). Run from the kit's root (make test does).
 */
#include <criterion/criterion.h>
#include <expat.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feedback.h"
#include "hidden.h"
#include "markup.h"
#include "output.h"
#include "stored.h"
#include "util.h"

#define MAXLABS 16

/* What a format says: per lab (by id) its score and max, and the total. -1: not shown. */
struct said {
    int n;
    char id[MAXLABS][32];
    int score[MAXLABS], max[MAXLABS];
    int tests[MAXLABS], failures[MAXLABS], skipped[MAXLABS]; /* JUnit only */
    int total_score, total_max;
};

static int lab_index(struct said *s, const char *id)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->id[i], id) == 0)
            return i;
    cr_assert_lt(s->n, MAXLABS);
    snprintf(s->id[s->n], sizeof s->id[0], "%s", id);
    s->score[s->n] = s->max[s->n] = -1;
    s->tests[s->n] = s->failures[s->n] = s->skipped[s->n] = -1;
    return s->n++;
}

/* ---- The made-up grade ------------------------------------------------------------------- */

static const char hidden_words[] = "words only the hidden test says"; /* no markup to escape */

struct grade {
    struct lab **all;
    int nall;
    struct lab *labs[MAXLABS];
    int nlabs;
    struct lab_result results[MAXLABS];
    struct said want; /* added up here, check by check */
    char path[64];    /* the grade as JSON */
};

static void set(struct check_result *c, const struct check *check, bool passed, const char *verdict,
                const char *message)
{
    c->check = check;
    c->passed = passed;
    c->points = passed ? check->points : 0;
    c->max_points = check->points;
    c->verdict = xstrdup(verdict);
    c->message = xstrdup(message);
    c->details = xstrdup("");
    c->raw = xstrdup("");
    c->seconds = 0.25;
}

static void make_lab(struct lab_result *r, const struct lab *lab, int kind)
{
    memset(r, 0, sizeof *r);
    r->lab = lab;
    r->graded = kind != 2;
    r->not_started = kind == 3;
    r->problem = xstrdup(kind == 2 ? "x.c:3: error: expected ';' before '}' <&>" : "");
    r->warnings = xstrdup(kind == 1 ? "x.c:9: warning: unused variable 'y'" : "");
    r->build_dir = xstrdup("/tmp/build/x");
    r->seconds = 1.5;
    r->nchecks = lab->nchecks;
    r->checks = xcalloc((size_t)lab->nchecks, sizeof *r->checks);
    for (int k = 0; k < lab->nchecks; k++) {
        const struct check *c = &lab->checks[k];
        struct check_result *cr = &r->checks[k];
        if (kind == 2)
            set(cr, c, false, "not built", "the lab did not build: see the problem above.");
        else if (kind == 3)
            set(cr, c, false, "not started", "still the kit's stub: not run.");
        else if (kind == 1 && k == 0)
            set(cr, c, false, "wrong result", "got 3 <want 4> & \"more\"\nsecond line");
        else if (kind == 1 && k == 1) /* not run in this grade, as grade.c skips it */
            set(cr, c, false, "skipped", "");
        else if (kind == 1 && k == 2)
            set(cr, c, false, "data race", "Revisit: the critical section. Two threads wrote x.");
        else if (c->hidden)
            set(cr, c, false, "wrong result", hidden_words);
        else
            set(cr, c, true, "passed", "");
        if (kind <= 1 && k == 1) /* and a pass not asked for (--from with --check) */
            cr->skipped = true;
        if (kind == 0 && k == 0) {
            free(cr->details);
            cr->details = xstrdup("a note on a pass");
        }
        r->score += cr->skipped ? 0 : cr->points;
    }
}

static void add_up(struct grade *g)
{
    struct said *w = &g->want;
    memset(w, 0, sizeof *w);
    for (int i = 0; i < g->nlabs; i++) {
        const struct lab_result *r = &g->results[i];
        int l = lab_index(w, r->lab->id);
        w->score[l] = w->max[l] = w->tests[l] = w->failures[l] = w->skipped[l] = 0;
        for (int k = 0; k < r->nchecks; k++) {
            const struct check_result *c = &r->checks[k];
            w->tests[l]++;
            w->skipped[l] += c->skipped;
            w->failures[l] += !c->skipped && !c->passed;
            w->score[l] += c->skipped || !c->passed ? 0 : c->check->points;
            w->max[l] += c->skipped ? 0 : c->check->points;
        }
        w->total_score += w->score[l];
        w->total_max += w->max[l];
    }
}

static void grade_setup(struct grade *g)
{
    memset(g, 0, sizeof *g);
    char *err = NULL;
    g->nall = labs_load_all(".", &g->all, &err);
    cr_assert_geq(g->nall, 4, "the kit's labs: %s (run from the kit's root)", err ? err : "");
    /* passed, failures, not built, not started; then a lab with a hidden check, if any */
    for (int i = 0; i < 4; i++)
        g->labs[g->nlabs++] = g->all[i];
    for (int i = 4; i < g->nall; i++)
        for (int k = 0; k < g->all[i]->nchecks && g->nlabs == 4; k++)
            if (g->all[i]->checks[k].hidden)
                g->labs[g->nlabs++] = g->all[i];
    for (int i = 0; i < g->nlabs; i++)
        make_lab(&g->results[i], g->labs[i], i < 4 ? i : 4);
    cr_assert_gt(g->labs[1]->nchecks, 2);

    /* as --format=json writes it, then as --from reads it */
    struct run_summary s = {1234, "/home/student/sub", false, g->results, g->nlabs};
    snprintf(g->path, sizeof g->path, "/tmp/test-emitters-XXXXXX");
    int fd = mkstemp(g->path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    output_json(f, &s);
    fclose(f);
    add_up(g);
    for (int i = 0; i < g->nlabs; i++)
        lab_result_free(&g->results[i]);
    struct grader gr = {0};
    cr_assert_eq(stored_load(g->path, &gr, g->labs, g->nlabs, g->results, &err), 0, "%s", err);
    cr_assert_eq(gr.seed, 1234);
    free(gr.submission);
    for (int i = 0; i < g->nlabs; i++)
        hidden_withhold(&g->results[i]); /* as the grader does before any format */
}

static void grade_teardown(struct grade *g)
{
    for (int i = 0; i < g->nlabs; i++)
        lab_result_free(&g->results[i]);
    for (int i = 0; i < g->nall; i++)
        lab_free(g->all[i]);
    free(g->all);
    unlink(g->path);
}

/* ---- Reading each format back ------------------------------------------------------------ */

static void read_json(const char *out, struct said *s)
{
    json_error_t err;
    json_t *doc = json_loads(out, 0, &err);
    cr_assert_not_null(doc, "not JSON: %s", err.text);
    size_t i;
    json_t *lab;
    json_array_foreach(json_object_get(doc, "labs"), i, lab)
    {
        int l = lab_index(s, json_string_value(json_object_get(lab, "id")));
        s->score[l] = (int)json_integer_value(json_object_get(lab, "score"));
        s->max[l] = (int)json_integer_value(json_object_get(lab, "max_score"));
    }
    s->total_score = (int)json_integer_value(json_object_get(doc, "score"));
    s->total_max = (int)json_integer_value(json_object_get(doc, "max_score"));
    json_decref(doc);
}

/* Gradescope: its tests, added up per lab, and its summary's "ID: S/M" lines must agree. */
static void read_gradescope(const char *out, struct said *s)
{
    json_error_t err;
    json_t *doc = json_loads(out, 0, &err);
    cr_assert_not_null(doc, "not JSON: %s", err.text);
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(doc, "tests"), i, t)
    {
        int l = lab_index(
            s, json_string_value(json_object_get(json_object_get(t, "extra_data"), "lab")));
        if (s->score[l] < 0)
            s->score[l] = s->max[l] = 0;
        s->score[l] += (int)json_integer_value(json_object_get(t, "score"));
        s->max[l] += (int)json_integer_value(json_object_get(t, "max_score"));
    }
    s->total_score = (int)json_integer_value(json_object_get(doc, "score"));
    s->total_max =
        (int)json_integer_value(json_object_get(json_object_get(doc, "extra_data"), "max_score"));
    char *summary = xstrdup(json_string_value(json_object_get(doc, "output")));
    for (char *line = strtok(summary, "\n"); line; line = strtok(NULL, "\n")) {
        char id[32];
        int sc, mx;
        if (sscanf(line, "%31[^: ]: %d/%d", id, &sc, &mx) != 3 || strcmp(id, "total") == 0)
            continue;
        int l = lab_index(s, id);
        cr_assert(sc == s->score[l] && mx == s->max[l],
                  "gradescope: the summary says %s %d/%d, its tests %d/%d", id, sc, mx, s->score[l],
                  s->max[l]);
    }
    free(summary);
    json_decref(doc);
}

/* Text: "ID: S/M  title" for each lab (not started: no numbers), then "Score: S/M". */
static void read_text(const char *out, struct said *s, const struct grade *g)
{
    char *copy = xstrdup(out);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        char id[32];
        int sc, mx;
        if (sscanf(line, "Score: %d/%d", &sc, &mx) == 2) {
            s->total_score = sc, s->total_max = mx;
            continue;
        }
        if (sscanf(line, "%31[^: ]: %d/%d", id, &sc, &mx) != 3)
            continue;
        for (int i = 0; i < g->nlabs; i++)
            if (strcmp(g->labs[i]->id, id) == 0) {
                int l = lab_index(s, id);
                s->score[l] = sc, s->max[l] = mx;
            }
    }
    free(copy);
}

/* Markdown: the table's rows "| `ID` title | S/M | ..." and "| **Total** | **S/M** |". */
static void read_markdown(const char *out, struct said *s)
{
    char *copy = xstrdup(out);
    for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
        char id[32];
        int sc, mx;
        if (sscanf(line, "| **Total** | **%d/%d** |", &sc, &mx) == 2) {
            s->total_score = sc, s->total_max = mx;
            continue;
        }
        if (sscanf(line, "| `%31[^`]` ", id) != 1)
            continue;
        /* the score is the next cell: after the first bar the title did not escape */
        char *p = line + 1;
        while ((p = strchr(p, '|')) && p[-1] == '\\')
            p++;
        cr_assert(p && sscanf(p, "| %d/%d |", &sc, &mx) == 2, "markdown: no score in: %s", line);
        int l = lab_index(s, id);
        s->score[l] = sc, s->max[l] = mx;
    }
    free(copy);
}

/* JUnit and HTML, through expat. */
struct xml {
    XML_Parser parser;
    struct said *s;
    int suite;      /* JUnit: the open <testsuite>, or -1 */
    int counted[3]; /* in it: testcases, failures, skipped */
    int cell;       /* HTML: 0, or the lab of an open <td class="score">, +1; -1 the total */
    struct sbuf text;
    size_t chars; /* character data seen, in bytes */
};

static const char *attr(const XML_Char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static int attr_int(const XML_Char **atts, const char *name)
{
    const char *v = attr(atts, name);
    cr_assert_not_null(v, "junit: no %s attribute", name);
    return atoi(v);
}

static void XMLCALL on_start(void *data, const XML_Char *name, const XML_Char **atts)
{
    struct xml *x = data;
    const char *class = attr(atts, "class");
    if (strcmp(name, "testsuite") == 0) {
        x->suite = lab_index(x->s, attr(atts, "name"));
        x->s->tests[x->suite] = attr_int(atts, "tests");
        x->s->failures[x->suite] = attr_int(atts, "failures");
        x->s->skipped[x->suite] = attr_int(atts, "skipped");
        memset(x->counted, 0, sizeof x->counted);
    } else if (strcmp(name, "property") == 0 && x->suite >= 0) {
        const char *n = attr(atts, "name");
        if (strcmp(n, "score") == 0)
            x->s->score[x->suite] = attr_int(atts, "value");
        if (strcmp(n, "max_score") == 0)
            x->s->max[x->suite] = attr_int(atts, "value");
    } else if (strcmp(name, "testcase") == 0) {
        x->counted[0]++;
    } else if (strcmp(name, "failure") == 0) {
        x->counted[1]++;
    } else if (strcmp(name, "skipped") == 0) {
        x->counted[2]++;
    } else if (strcmp(name, "td") == 0 && class && strcmp(class, "score") == 0) {
        x->cell = lab_index(x->s, attr(atts, "data-lab")) + 1;
    } else if (strcmp(name, "td") == 0 && class && strcmp(class, "total") == 0) {
        x->cell = -1;
    }
    sbuf_free(&x->text);
}

static void XMLCALL on_end(void *data, const XML_Char *name)
{
    struct xml *x = data;
    if (strcmp(name, "testsuite") == 0) {
        /* the counts it declares are those of its elements */
        cr_assert_eq(x->counted[0], x->s->tests[x->suite], "junit %s: testcases",
                     x->s->id[x->suite]);
        cr_assert_eq(x->counted[1], x->s->failures[x->suite], "junit: failures");
        cr_assert_eq(x->counted[2], x->s->skipped[x->suite], "junit: skipped");
        x->s->total_score = (x->s->total_score < 0 ? 0 : x->s->total_score) + x->s->score[x->suite];
        x->s->total_max = (x->s->total_max < 0 ? 0 : x->s->total_max) + x->s->max[x->suite];
        x->suite = -1;
    } else if (strcmp(name, "td") == 0 && x->cell) {
        int sc = -1, mx = -1;
        cr_assert(x->text.s && sscanf(x->text.s, "%d/%d", &sc, &mx) == 2, "html: a score cell '%s'",
                  x->text.s ? x->text.s : "");
        if (x->cell > 0)
            x->s->score[x->cell - 1] = sc, x->s->max[x->cell - 1] = mx;
        else
            x->s->total_score = sc, x->s->total_max = mx;
        x->cell = 0;
    }
}

/* Every character a reader gets must be one HTML allows too: no C0 or C1 control but newline and
 * tab, no noncharacter (expat has checked that the text is UTF-8 and XML 1.0 Chars). */
static void XMLCALL on_text(void *data, const XML_Char *s, int len)
{
    struct xml *x = data;
    const unsigned char *p = (const unsigned char *)s;
    for (int i = 0; i < len; i++) {
        cr_assert(p[i] == '\n' || p[i] == '\t' || (p[i] >= 0x20 && p[i] != 0x7f),
                  "a control byte 0x%02x in the text", p[i]);
        if (p[i] == 0xc2 && i + 1 < len)
            cr_assert(p[i + 1] > 0x9f, "a C1 control in the text");
        if (p[i] == 0xef && i + 2 < len) {
            unsigned cp = (unsigned)(p[i] & 0x0f) << 12 | (unsigned)(p[i + 1] & 0x3f) << 6 |
                          (p[i + 2] & 0x3f);
            cr_assert(!(cp >= 0xfdd0 && cp <= 0xfdef) && cp < 0xfffe, "noncharacter U+%04X", cp);
        }
    }
    x->chars += (size_t)len;
    if (x->cell) {
        char *piece = xasprintf("%.*s", len, s);
        sbuf_add(&x->text, piece);
        free(piece);
    }
}

/* Parses out as XML; returns how many bytes of character data it holds. */
static size_t read_xml(const char *out, size_t len, struct said *s, const char *format)
{
    struct xml x = {.parser = XML_ParserCreate("UTF-8"), .s = s, .suite = -1};
    s->total_score = s->total_max = -1;
    XML_SetUserData(x.parser, &x);
    XML_SetElementHandler(x.parser, on_start, on_end);
    XML_SetCharacterDataHandler(x.parser, on_text);
    int ok = XML_Parse(x.parser, out, (int)len, 1);
    cr_assert(ok, "%s is not well-formed XML: %s at line %lu column %lu", format,
              XML_ErrorString(XML_GetErrorCode(x.parser)),
              (unsigned long)XML_GetCurrentLineNumber(x.parser),
              (unsigned long)XML_GetCurrentColumnNumber(x.parser));
    XML_ParserFree(x.parser);
    sbuf_free(&x.text);
    return x.chars;
}

static struct said read_format(const char *format, const char *out, size_t len,
                               const struct grade *g)
{
    struct said s = {0};
    s.total_score = s.total_max = -1;
    if (strcmp(format, "json") == 0)
        read_json(out, &s);
    else if (strcmp(format, "gradescope") == 0)
        read_gradescope(out, &s);
    else if (strcmp(format, "text") == 0)
        read_text(out, &s, g);
    else if (strcmp(format, "markdown") == 0)
        read_markdown(out, &s);
    else if (strcmp(format, "junit") == 0 || strcmp(format, "html") == 0)
        read_xml(out, len, &s, format);
    else
        cr_assert_fail("no reader for the format %s: add one here", format);
    return s;
}

static void same_totals(const char *how, const char *format, const struct said *got,
                        const struct grade *g)
{
    const struct said *w = &g->want;
    cr_assert_eq(got->total_score, w->total_score, "%s %s: total score", how, format);
    cr_assert_eq(got->total_max, w->total_max, "%s %s: total max_score", how, format);
    for (int i = 0; i < g->nlabs; i++) {
        const char *id = g->labs[i]->id;
        int l = -1;
        for (int k = 0; k < got->n; k++)
            if (strcmp(got->id[k], id) == 0)
                l = k;
        /* the terminal gives a lab not started one line, without numbers */
        bool quiet = strcmp(format, "text") == 0 && g->results[i].not_started;
        cr_assert(l >= 0 || quiet, "%s %s: no lab %s", how, format, id);
        if (l < 0)
            continue;
        cr_assert_eq(got->score[l], w->score[i], "%s %s: %s's score", how, format, id);
        cr_assert_eq(got->max[l], w->max[i], "%s %s: %s's max_score", how, format, id);
        if (strcmp(format, "junit") != 0)
            continue;
        cr_assert_eq(got->tests[l], w->tests[i], "%s junit: %s's tests", how, id);
        cr_assert_eq(got->failures[l], w->failures[i], "%s junit: %s's failures", how, id);
        cr_assert_eq(got->skipped[l], w->skipped[i], "%s junit: %s's skipped", how, id);
    }
}

Test(emitters, every_format_tells_the_same_totals)
{
    struct grade g;
    grade_setup(&g);
    struct run_summary s = {1234, "/home/student/sub", false, g.results, g.nlabs};
    int formats = 0;
    for (const struct output_format *f = output_formats; f->name; f++, formats++) {
        char *out = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&out, &len);
        f->print(mem, &s, false);
        fclose(mem);
        struct said got = read_format(f->name, out, len, &g);
        same_totals("printed", f->name, &got, &g);
        free(out);
    }
    cr_assert_geq(formats, 6);
    /* the made-up grade has what it should: a failure, a skip, a lab not built, not started */
    cr_assert(g.want.failures[1] >= 2 && g.want.skipped[1] == 1 && !g.results[2].graded &&
              g.results[3].not_started && g.want.total_score < g.want.total_max);
    grade_teardown(&g);
}

/* What `build/grader --from=FILE` prints for the made-up grade's labs in that format. */
static char *grader_from(const struct grade *g, const char *format, bool release)
{
    struct sbuf ids = {0}, out = {0};
    for (int i = 0; i < g->nlabs; i++)
        sbuf_addf(&ids, "%s%s", i ? "," : "", g->labs[i]->id);
    char *cmd = xasprintf("build/grader --kit=. --from=%s --lab=%s --format=%s --color=never%s",
                          g->path, ids.s, format, release ? " --release" : "");
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char buf[65536];
    size_t n;
    sbuf_add(&out, "");
    while ((n = fread(buf, 1, sizeof buf - 1, p)) > 0) {
        buf[n] = '\0';
        sbuf_add(&out, buf);
    }
    cr_assert_eq(pclose(p), 0, "%s failed", cmd);
    free(cmd);
    sbuf_free(&ids);
    return out.s;
}

/* The same through the grader itself: --from=FILE --format=X, as a CI step would run it; and
 * in every format a hidden check's own words are shown only with --release. */
Test(emitters, the_grader_from_a_stored_grade_tells_the_same_totals)
{
    struct grade g;
    grade_setup(&g);
    cr_assert(access("build/grader", X_OK) == 0, "build/grader is not built (make build/grader)");
    for (const struct output_format *f = output_formats; f->name; f++) {
        char *out = grader_from(&g, f->name, false);
        struct said got = read_format(f->name, out, strlen(out), &g);
        same_totals("grader --from", f->name, &got, &g);
        cr_assert_null(strstr(out, hidden_words), "%s shows a hidden check's feedback", f->name);
        free(out);
        if (g.nlabs < 5)
            continue; /* no hidden check in this kit */
        out = grader_from(&g, f->name, true);
        cr_assert_not_null(strstr(out, hidden_words), "%s --release: no hidden feedback", f->name);
        free(out);
    }
    grade_teardown(&g);
}

/* ---- Any bytes --------------------------------------------------------------------------- */

static char *markup_of(const char *s, size_t len, int attr_mode)
{
    char *out = NULL;
    size_t n = 0;
    FILE *mem = open_memstream(&out, &n);
    markup_write(mem, s, len, attr_mode);
    fclose(mem);
    return out;
}

Test(emitters, markup_shows_any_byte_as_text_clean_does)
{
#define IN(s) s, sizeof s - 1
    struct {
        const char *in;
        size_t len;
        const char *text, *attr;
    } cases[] = {
        {IN("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;", "a&lt;b&gt;&amp;&quot;c&#39;"},
        {IN("l1\n\tl2"), "l1\n\tl2", "l1&#10;&#9;l2"},
        {IN("a\0b"), "a\\x00b", "a\\x00b"},                              /* NUL */
        {IN("\x01\x1b[0m\r\x7f"), "\\x01\\x1B[0m\\x0D\\x7F", NULL},      /* C0, DEL */
        {IN("\xc2\x85\xc2\xa0"), "\\xC2\\x85\xc2\xa0", NULL},            /* C1; NBSP kept */
        {IN("\xe9t\xe9"), "\\xE9t\\xE9", NULL},                          /* Latin-1 */
        {IN("\xc0\xaf\xed\xa0\x80"), "\\xC0\\xAF\\xED\\xA0\\x80", NULL}, /* overlong, surrogate */
        {IN("x\xe2\x82"), "x\\xE2\\x82", NULL},                          /* cut at the end */
        {IN("\xef\xbf\xbe\xef\xb7\x90"), "\xef\xbf\xbd\xef\xbf\xbd", NULL}, /* noncharacters */
        {IN("\xe2\x82\xac \xf0\x9f\x98\x80"), "\xe2\x82\xac \xf0\x9f\x98\x80", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = markup_of(cases[i].in, cases[i].len, 0);
        cr_assert_str_eq(got, cases[i].text, "case %zu", i);
        free(got);
        got = markup_of(cases[i].in, cases[i].len, 1);
        cr_assert_str_eq(got, cases[i].attr ? cases[i].attr : cases[i].text, "attr case %zu", i);
        free(got);
    }
}

static void hostile(char **field, const char *tail)
{
    free(*field);
    *field = xasprintf("<&>\"' ]]> \x01\x02\x1b[31m\x7f\r \xff\xfe \xc3 \xc0\xaf \xed\xa0\x80 "
                       "\xc2\x85 \xef\xbf\xbe \xef\xb7\x90 \xe9t\xe9 %s end",
                       tail);
}

Test(emitters, hostile_bytes_make_well_formed_junit_and_html)
{
    struct grade g;
    grade_setup(&g);
    /* a 20 MB line, uncut: the formats must not count on text_clean's limits either */
    size_t big = 20u << 20;
    char *line = xmalloc(big + 1);
    memset(line, 'a', big);
    line[big] = '\0';
    for (size_t i = 0; i < big; i += 4096)
        line[i] = (char)(i / 4096 % 2 ? 0x01 : 0xff);
    for (int i = 0; i < g.nlabs; i++) {
        struct lab_result *r = &g.results[i];
        hostile(&r->problem, "");
        hostile(&r->warnings, "");
        for (int k = 0; k < r->nchecks; k++) {
            hostile(&r->checks[k].verdict, "");
            hostile(&r->checks[k].message, k == 0 ? line : "");
            hostile(&r->checks[k].details, "");
            hostile(&r->checks[k].raw, "");
        }
    }
    char *sub = NULL;
    hostile(&sub, "");
    struct run_summary s = {1234, sub, false, g.results, g.nlabs};
    const char *markup[] = {"junit", "html"};
    for (int f = 0; f < 2; f++) {
        char *out = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&out, &len);
        output_find(markup[f])->print(mem, &s, false);
        fclose(mem);
        struct said got = {0};
        size_t chars = read_xml(out, len, &got, markup[f]);
        /* the long line came through whole: every 'a' and a \xNN per odd byte */
        cr_assert_gt(chars, big, "%s: %zu bytes of text", markup[f], chars);
        cr_assert_not_null(strstr(out, "\\x01\\x02\\x1B[31m\\x7F\\x0D \\xFF\\xFE \\xC3"), "%s",
                           markup[f]);
        same_totals("hostile", markup[f], &got, &g);
        free(out);
    }
    free(sub), free(line);
    grade_teardown(&g);
}

/* ---- The same words ---------------------------------------------------------------------- */

static char *printed(const char *format, const struct run_summary *s)
{
    char *out = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&out, &len);
    output_find(format)->print(mem, s, false);
    fclose(mem);
    return out;
}

Test(emitters, one_checks_feedback_is_the_same_in_every_format)
{
    struct grade g;
    grade_setup(&g);
    const struct lab_result *pass = &g.results[0], *fail = &g.results[1];
    const struct lab_result *unbuilt = &g.results[2], *unstarted = &g.results[3];
    struct {
        const struct lab_result *r;
        int k;
        char *want;
    } cases[] = {
        {pass, 0, xstrdup("passed\na note on a pass")},
        {fail, 0,
         xasprintf("wrong result: got 3 <want 4> & \"more\"\nsecond line\nRevisit: %s",
                   fail->checks[0].check->revisit)},
        /* the message names its own concept: the handout is where to see more */
        {fail, 2,
         xasprintf("data race: Revisit: the critical section. Two threads wrote x.\nSee: %s",
                   fail->checks[2].check->revisit)},
        {unbuilt, 0, xasprintf("not built\n%s", unbuilt->problem)},
        {unstarted, 0, xstrdup("not started: still the kit's stub: not run.")},
    };
    struct run_summary s = {1234, "/home/student/sub", false, g.results, g.nlabs};
    char *gs = printed("gradescope", &s), *junit = printed("junit", &s);
    char *html = printed("html", &s), *text = printed("text", &s);
    json_t *doc = json_loads(gs, 0, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const struct check_result *c = &cases[i].r->checks[cases[i].k];
        char *got = feedback_text(cases[i].r, c);
        cr_assert_str_eq(got, cases[i].want, "case %zu", i);
        /* Gradescope's test output is it, word for word */
        char *name = xasprintf("%s: %s", cases[i].r->lab->id, c->check->id);
        const char *output = NULL;
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(doc, "tests"), k, t)
        {
            if (strcmp(json_string_value(json_object_get(t, "name")), name) == 0)
                output = json_string_value(json_object_get(t, "output"));
        }
        cr_assert_str_eq(output ? output : "(none)", got, "gradescope %s", name);
        /* JUnit and HTML hold it escaped: in a failure or system-out, in a <pre> */
        char *escaped = NULL;
        size_t n = 0;
        FILE *mem = open_memstream(&escaped, &n);
        markup_text(mem, got);
        fclose(mem);
        char *in_junit = xasprintf(">%s</", escaped),
             *in_html = xasprintf("<pre>%s</pre>", escaped);
        cr_assert_not_null(strstr(junit, in_junit), "junit %s", name);
        if (cases[i].r->graded && !cases[i].r->not_started)
            cr_assert_not_null(strstr(html, in_html), "html %s", name);
        /* the terminal: each line of the message, details and advice, under the check's line */
        struct feedback f;
        feedback_of(cases[i].r, c, &f);
        const char *parts[] = {f.message, f.details, f.advice};
        for (int p = 0; p < 3 && cases[i].r->graded && !cases[i].r->not_started; p++) {
            char *copy = xstrdup(parts[p]);
            for (char *line = strtok(copy, "\n"); line; line = strtok(NULL, "\n")) {
                char *indented = xasprintf("\n        %s\n", line);
                cr_assert_not_null(strstr(text, indented), "text %s: %s", name, line);
                free(indented);
            }
            free(copy);
        }
        feedback_free(&f);
        free(in_junit), free(in_html), free(escaped), free(name), free(got), free(cases[i].want);
    }
    json_decref(doc);
    free(gs), free(junit), free(html), free(text);
    grade_teardown(&g);
}
