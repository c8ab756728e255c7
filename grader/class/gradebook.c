/* gradebook.c - a class's grades from the grader's JSON documents (make grade-class's helper).
 *
 * Usage:
 *   class-gradebook csv LAB,LAB,...  < list > gradebook.csv
 *   class-gradebook problems        < list > problems (one line per student with one)
 *   class-gradebook check FILE       exit 0 if FILE is a grade the grader wrote (--format=json)
 * A list holds one line per student, "NAME<TAB>JSON", JSON empty for a student with no grade.
 * Only the shape that output.h documents is read: the top level's "labs", and each lab's "id",
 * "score", "graded", "not_started" and "problem".
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
    char *name;
    const char *path; /* the grade's file, "" when not graded */
    json_t *grade;    /* NULL: not graded */
};

/* The next "NAME<TAB>JSON" line of stdin; false at its end. Exits on a line without a tab. */
static bool next_row(struct row *r)
{
    static char *line;
    static size_t cap;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0)
        return false;
    if (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    char *tab = strchr(line, '\t');
    if (!tab) {
        fprintf(stderr, "class-gradebook: a list line without a tab: '%s'\n", line);
        exit(2);
    }
    *tab = '\0';
    r->name = line;
    r->path = tab + 1;
    r->grade = NULL;
    if (tab[1]) {
        json_error_t err;
        r->grade = json_load_file(tab + 1, 0, &err);
        if (!r->grade)
            fprintf(stderr, "class-gradebook: %s: %s (line %d)\n", tab + 1, err.text, err.line);
    }
    return true;
}

/* A grade's lab by id, or NULL. */
static json_t *find_lab(json_t *grade, const char *id)
{
    size_t i;
    json_t *lab;
    json_array_foreach(json_object_get(grade, "labs"), i, lab)
    {
        const char *lid = json_string_value(json_object_get(lab, "id"));
        if (lid && strcmp(lid, id) == 0)
            return lab;
    }
    return NULL;
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
static void csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"')
            putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* One column per lab, in the order given, then the total: a spreadsheet or an LMS (Canvas,
 * Moodle) imports each lab as a column. A student with no grade gets empty cells, so that an
 * import leaves their marks alone instead of writing zeros. */
static int csv(char *labs)
{
    char *ids[256];
    int n = 0;
    for (char *t = strtok(labs, ","); t && n < 256; t = strtok(NULL, ","))
        ids[n++] = t;
    fputs("student", stdout);
    for (int i = 0; i < n; i++)
        printf(",%s", ids[i]);
    fputs(",total\n", stdout);
    struct row r;
    while (next_row(&r)) {
        csv_field(r.name);
        long total = 0;
        bool any = false;
        for (int i = 0; i < n; i++) {
            json_t *lab = r.grade ? find_lab(r.grade, ids[i]) : NULL;
            json_t *score = json_object_get(lab, "score");
            if (json_is_integer(score)) {
                printf(",%lld", (long long)json_integer_value(score));
                total += (long)json_integer_value(score);
                any = true;
            } else {
                putchar(',');
            }
        }
        if (any)
            printf(",%ld\n", total);
        else
            fputs(",\n", stdout);
        json_decref(r.grade);
    }
    return 0;
}

/* Appends to out (of len bytes) at most max bytes of s's first line, its leading spaces left out.
 */
static void add_line(char *out, size_t len, const char *s, size_t max)
{
    s += strspn(s, " ");
    size_t used = strlen(out), n = strcspn(s, "\n");
    if (n > max)
        n = max;
    if (n > len - 1 - used)
        n = len - 1 - used;
    memcpy(out + used, s, n);
    out[used + n] = '\0';
}

/* A lab's problem in one line: its first line, and the compiler's first error if it names one. */
static void summary(const char *problem, char *out, size_t len)
{
    out[0] = '\0';
    add_line(out, len, problem, 160);
    const char *error = strstr(problem, " error: ");
    if (error) {
        while (error > problem && error[-1] != '\n')
            error--;
        if (strlen(out) + 1 < len)
            strcat(out, " ");
        add_line(out, len, error, 200);
    }
}

/* What the grader found that the instructor should hear of without reading every grade: a lab
 * that was not graded (its file is missing or does not build), and a student who handed in
 * only the kit's stubs. One line per student, "NAME<TAB>what; what", saying what to do. */
static int problems(void)
{
    struct row r;
    while (next_row(&r)) {
        if (!r.grade)
            continue;
        size_t i, nlabs = 0, untouched = 0;
        json_t *lab;
        char line[4096] = "", what[400];
        json_array_foreach(json_object_get(r.grade, "labs"), i, lab)
        {
            const char *id = json_string_value(json_object_get(lab, "id"));
            const char *problem = json_string_value(json_object_get(lab, "problem"));
            nlabs++;
            untouched += json_is_true(json_object_get(lab, "not_started"));
            if (json_is_true(json_object_get(lab, "graded")) || !id)
                continue;
            size_t used = strlen(line);
            if (problem && strncmp(problem, "there is no file ", 17) == 0) {
                /* stage.c's message names the path the grader read, not the student's */
                snprintf(line + used, sizeof line - used, "%s%s not handed in (0 points)",
                         used ? "; " : "", id);
                continue;
            }
            summary(problem ? problem : "", what, sizeof what);
            snprintf(line + used, sizeof line - used,
                     "%s%s not graded (0 points): %s -- see it with build/grader "
                     "--from=%s --lab=%s",
                     used ? "; " : "", id, what, r.path, id);
        }
        if (nlabs > 0 && untouched == nlabs) {
            size_t used = strlen(line);
            snprintf(line + used, sizeof line - used,
                     "%severy lab is still the kit's stub (0 points): an empty hand-in, or the "
                     "wrong folder or commit? Ask the student",
                     used ? "; " : "");
        }
        if (line[0])
            printf("%s\t%s\n", r.name, line);
        json_decref(r.grade);
    }
    return 0;
}

/* Is FILE a grade: a JSON object with an integer "score" and an array of "labs", each with an
 * "id" and an integer "score"? Anything else the grader printed is not used. */
static int check(const char *file)
{
    json_error_t err;
    json_t *g = json_load_file(file, 0, &err);
    if (!g) {
        fprintf(stderr, "not JSON: %s (line %d)\n", err.text, err.line);
        return 1;
    }
    bool ok =
        json_is_integer(json_object_get(g, "score")) && json_is_array(json_object_get(g, "labs"));
    size_t i;
    json_t *lab;
    json_array_foreach(json_object_get(g, "labs"), i, lab)
    {
        ok = ok && json_is_string(json_object_get(lab, "id")) &&
             json_is_integer(json_object_get(lab, "score"));
    }
    if (!ok)
        fprintf(stderr, "JSON, but not the grader's grade document\n");
    json_decref(g);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "csv") == 0)
        return csv(argv[2]);
    if (argc == 2 && strcmp(argv[1], "problems") == 0)
        return problems();
    if (argc == 3 && strcmp(argv[1], "check") == 0)
        return check(argv[2]);
    fprintf(stderr, "usage: class-gradebook csv LAB,LAB,... | problems | check FILE\n");
    return 2;
}
