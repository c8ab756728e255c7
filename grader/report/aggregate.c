/* aggregate.c - what the class's grades add up to, lab by lab (see report.h).
 *
 * The histogram takes every student who has the lab, started or not: it is the class's scores.
 * Failure rates and findings take only the labs that built and were started: a check failed by
 * everyone who has not begun says nothing about what to re-teach, and those students are listed
 * apart (incidents), with the timeouts. A check skipped or not gradable on the grading host is
 * judged neither way.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

char *finding_normalise(const char *line)
{
    struct sbuf b = {0};
    sbuf_add(&b, "");
    const char *p = line;
    while (*p) {
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
            sbuf_add(&b, "0x\xe2\x80\xa6"); /* 0x… : an address differs from run to run */
            p += 2;
            while (isxdigit((unsigned char)*p))
                p++;
            continue;
        }
        bool after_word = p > line && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
        if (isdigit((unsigned char)*p) && !after_word) {
            /* a file's line keeps its number: two races on different lines are two findings */
            bool file_line = b.len >= 3 && b.s[b.len - 1] == ':' && b.s[b.len - 3] == '.' &&
                             (b.s[b.len - 2] == 'c' || b.s[b.len - 2] == 'h');
            const char *end = p;
            while (isdigit((unsigned char)*end))
                end++;
            if (file_line) {
                sbuf_addf(&b, "%.*s", (int)(end - p), p);
            } else {
                sbuf_add(&b, "N"); /* thread numbers, counts, times */
            }
            p = end;
            continue;
        }
        char c[2] = {*p, 0};
        sbuf_add(&b, c);
        p++;
    }
    /* how many more a detector found is no part of what it found */
    static const char more[] = " (and N more findings in the raw report)";
    if (b.len >= sizeof more - 1 && strcmp(b.s + b.len - (sizeof more - 1), more) == 0)
        b.s[b.len -= sizeof more - 1] = '\0';
    return b.s;
}

static struct check_stat *check_stat(struct lab_stat *l, const char *id)
{
    for (int i = 0; i < l->nchecks; i++)
        if (strcmp(l->checks[i].id, id) == 0)
            return &l->checks[i];
    l->checks = xrealloc(l->checks, (size_t)(l->nchecks + 1) * sizeof *l->checks);
    l->checks[l->nchecks] = (struct check_stat){.id = id};
    return &l->checks[l->nchecks++];
}

static void add_finding(struct lab_stat *l, const struct rcheck *c, int who)
{
    char *text = finding_normalise(c->line);
    struct finding *f = NULL;
    for (int i = 0; i < l->nfindings && !f; i++)
        if (strcmp(l->findings[i].verdict, c->verdict) == 0 &&
            strcmp(l->findings[i].text, text) == 0)
            f = &l->findings[i];
    if (!f) {
        l->findings = xrealloc(l->findings, (size_t)(l->nfindings + 1) * sizeof *l->findings);
        f = &l->findings[l->nfindings++];
        *f = (struct finding){.verdict = c->verdict, .text = text};
    } else {
        free(text);
    }
    /* a student failing two checks the same way counts once: the count is of students */
    if (f->count && f->who[f->count - 1] == who)
        return;
    f->who = xrealloc(f->who, (size_t)(f->count + 1) * sizeof *f->who);
    f->who[f->count++] = who;
}

static void add_incident(struct lab_stat *l, int who, const char *what, const char *check,
                         const char *detail)
{
    l->incidents = xrealloc(l->incidents, (size_t)(l->nincidents + 1) * sizeof *l->incidents);
    l->incidents[l->nincidents++] =
        (struct incident){.who = who, .what = what, .check = check, .detail = detail};
}

/* Stopped from outside: the time limit, or a memory, process or output limit. */
static bool stopped(const char *verdict)
{
    return strcmp(verdict, "timed out") == 0 || strcmp(verdict, "limit") == 0;
}

/* Failed only because another check did (requires=, or its scenario already hung): the cause
 * is that other check's finding, counted there. */
static bool derived(const char *verdict)
{
    return strcmp(verdict, "not yet") == 0 || strcmp(verdict, "not run") == 0;
}

static void add_student(struct lab_stat *l, const struct rlab *r, int who)
{
    if (r->max_score > 0) {
        int bin = r->score <= 0 ? 0 : (int)((long)r->score * HIST_BINS / r->max_score);
        l->hist[bin >= HIST_BINS ? HIST_BINS - 1 : bin]++;
        l->scored++;
    }
    bool judged = r->graded && !r->not_started;
    if (!r->graded) {
        l->not_built++;
        add_incident(l, who, "did not build", NULL, r->problem);
    } else if (r->not_started) {
        l->not_started++;
        add_incident(l, who, "not started", NULL, "");
    } else {
        l->graded++;
    }
    for (int i = 0; i < r->nchecks; i++) {
        const struct rcheck *c = &r->checks[i];
        struct check_stat *st = check_stat(l, c->id); /* listed even if nobody was judged */
        if (!judged || c->skipped)
            continue;
        st->judged++;
        if (c->passed)
            continue;
        st->failed++;
        if (!derived(c->verdict))
            add_finding(l, c, who);
        if (stopped(c->verdict))
            add_incident(l, who, c->verdict, c->id, c->line);
    }
}

static int by_count(const void *a, const void *b)
{
    const struct finding *x = a, *y = b;
    if (x->count != y->count)
        return y->count - x->count;
    if (x->who[0] != y->who[0])
        return x->who[0] - y->who[0];
    int v = strcmp(x->verdict, y->verdict);
    return v ? v : strcmp(x->text, y->text);
}

static struct lab_stat *lab_stat(struct lab_stat **labs, int *n, const char *id, const char *title)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*labs)[i].id, id) == 0)
            return &(*labs)[i];
    *labs = xrealloc(*labs, (size_t)(*n + 1) * sizeof **labs);
    (*labs)[*n] = (struct lab_stat){.id = id, .title = title};
    return &(*labs)[(*n)++];
}

int aggregate(const struct klass *k, struct lab **kit_labs, int nkit, struct lab_stat **labs)
{
    int n = 0;
    *labs = NULL;
    /* the kit's labs that anyone has, in the kit's order, then any the kit does not know */
    for (int i = 0; i < nkit; i++)
        for (int s = 0; s < k->n; s++)
            if (student_lab(&k->students[s], kit_labs[i]->id)) {
                lab_stat(labs, &n, kit_labs[i]->id, kit_labs[i]->title)->kit = kit_labs[i];
                break;
            }
    for (int s = 0; s < k->n; s++)
        for (int i = 0; i < k->students[s].nlabs; i++) {
            const struct rlab *r = &k->students[s].labs[i];
            add_student(lab_stat(labs, &n, r->id, r->title), r, s);
        }
    for (int i = 0; i < n; i++)
        if ((*labs)[i].nfindings)
            qsort((*labs)[i].findings, (size_t)(*labs)[i].nfindings, sizeof *(*labs)[i].findings,
                  by_count);
    return n;
}
