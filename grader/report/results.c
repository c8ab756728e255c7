/* results.c - read a class's grades: RESULTS/NAME.json, one per student (see report.h).
 *
 * Each file is what build/grader --format=json prints (result.h). Only what the report shows is
 * kept, and of every message only its first line: that is the finding, the rest is detail. A
 * file that is not such a grade is told on the page and left out; it never stops the report.
 */
#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* The first line of a JSON string, which may hold NUL (\u0000): as the text \x00, which is how
 * the page would show the byte anyway (markup.h). */
static char *first_line(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    const char *s = json_string_value(v);
    size_t len = s ? json_string_length(v) : 0;
    struct sbuf b = {0};
    sbuf_add(&b, "");
    for (size_t i = 0; i < len && s[i] != '\n'; i++) {
        if (s[i] == '\0') {
            sbuf_add(&b, "\\x00");
        } else {
            char c[2] = {s[i], 0};
            sbuf_add(&b, c);
        }
    }
    return b.s;
}

static bool flag(json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static int read_lab(json_t *j, struct rlab *l)
{
    json_t *checks = json_object_get(j, "checks");
    if (!json_is_string(json_object_get(j, "id")) || !json_is_array(checks))
        return -1;
    l->id = first_line(j, "id");
    l->title = first_line(j, "title");
    l->score = (int)json_integer_value(json_object_get(j, "score"));
    l->max_score = (int)json_integer_value(json_object_get(j, "max_score"));
    l->graded = flag(j, "graded");
    l->not_started = flag(j, "not_started");
    l->problem = first_line(j, "problem");
    l->nchecks = (int)json_array_size(checks);
    l->checks = xcalloc((size_t)l->nchecks + 1, sizeof *l->checks);
    for (int i = 0; i < l->nchecks; i++) {
        json_t *c = json_array_get(checks, (size_t)i);
        struct rcheck *r = &l->checks[i];
        r->id = first_line(c, "id");
        r->passed = flag(c, "passed");
        /* not gradable on the grading host is skipped too; both count neither way */
        r->skipped = flag(c, "skipped") || flag(c, "not_gradable");
        r->verdict = first_line(c, "verdict");
        r->line = first_line(c, "message");
    }
    return 0;
}

static int read_one(const char *path, struct student *s, struct strv *notes)
{
    json_error_t err;
    json_t *j = json_load_file(path, JSON_ALLOW_NUL, &err);
    json_t *labs = json_object_get(j, "labs");
    if (!j || !json_is_array(labs)) {
        strv_addf(notes, "%s: not a grade (%s); left out.", base_name(path),
                  j ? "no \"labs\"" : err.text);
        json_decref(j);
        return -1;
    }
    s->submission = first_line(j, "submission");
    s->labs = xcalloc(json_array_size(labs) + 1, sizeof *s->labs);
    for (size_t i = 0; i < json_array_size(labs); i++) {
        if (read_lab(json_array_get(labs, i), &s->labs[s->nlabs]) == 0)
            s->nlabs++;
        else
            strv_addf(notes, "%s: lab %zu is not a lab's grade; left out.", base_name(path), i + 1);
    }
    json_decref(j);
    return 0;
}

/* Byte order, whatever the locale: the same class gives the same page. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int results_read(const char *dir, struct klass *k)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name);
    if (n < 0)
        return -1;
    k->students = xcalloc((size_t)n + 1, sizeof *k->students);
    for (int i = 0; i < n; i++) {
        const char *d = names[i]->d_name;
        char *path = xasprintf("%s/%s", dir, d);
        if (strcmp(d, ".json") == 0) {
            strv_add(&k->notes, ".json: a grade with no student's name (the file's): left out.");
        } else if (ends_with(d, ".json") && is_file(path)) {
            struct student *s = &k->students[k->n];
            memset(s, 0, sizeof *s);
            if (read_one(path, s, &k->notes) == 0) {
                s->name = xstrdup(d);
                s->name[strlen(d) - 5] = '\0';
                /* The lab files graded, kept beside the grade by grade-class (NAME.files, laid
                 * out like labs/): the copy the grade names was the grader's, and is gone. */
                char *kept = xasprintf("%s/%s.files", dir, s->name);
                if (is_dir(kept)) {
                    free(s->submission);
                    s->submission = kept;
                } else {
                    free(kept);
                }
                k->n++;
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return 0;
}

const struct rlab *student_lab(const struct student *s, const char *lab_id)
{
    for (int i = 0; i < s->nlabs; i++)
        if (strcmp(s->labs[i].id, lab_id) == 0)
            return &s->labs[i];
    return NULL;
}
