/* main.c - build/class-report: the class at a glance (see report.h and README.md, "For
 * instructors").
 *
 * build/class-report --kit=DIR --results=DIR --out=DIR [--top=N] [--threshold=P]
 * reads RESULTS/NAME.json (one grade per student, as build/grader --format=json prints it) and
 * writes OUT/class.html, with its plots in OUT/plots. Nothing in a student's result stops the
 * page: what cannot be read or drawn is said on it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

static int usage(void)
{
    fputs("usage: class-report --kit=DIR --results=DIR --out=DIR [--top=N] [--threshold=P]\n"
          "  --results  a directory of NAME.json, each a student's build/grader --format=json\n"
          "  --out      where class.html and its plots go\n"
          "  --top      findings shown per lab (10)\n"
          "  --threshold  percent of similarity from which a pair is listed (60)\n",
          stderr);
    return 2;
}

static bool number(const char *s, int lo, int hi, int *v)
{
    char *end;
    long n = strtol(s, &end, 10);
    if (!*s || *end || n < lo || n > hi)
        return false;
    *v = (int)n;
    return true;
}

int main(int argc, char **argv)
{
    const char *kit = ".", *results = NULL, *out = NULL;
    int top = 10, threshold = 60;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (starts_with(a, "--kit="))
            kit = a + 6;
        else if (starts_with(a, "--results="))
            results = a + 10;
        else if (starts_with(a, "--out="))
            out = a + 6;
        else if (starts_with(a, "--top=") && number(a + 6, 1, 1000000, &top))
            ;
        else if (starts_with(a, "--threshold=") && number(a + 12, 1, 100, &threshold))
            ;
        else
            return usage();
    }
    if (!results || !*results || !out || !*out)
        return usage();

    struct klass k = {0};
    if (results_read(results, &k) != 0) {
        fprintf(stderr, "class-report: cannot read the directory %s\n", results);
        return 2;
    }
    struct lab **kit_labs = NULL;
    char *err = NULL;
    int nkit = labs_load_all(kit, &kit_labs, &err);
    if (nkit < 0) {
        strv_addf(&k.notes, "The kit's labs could not be read (%s): no similarity report.", err);
        nkit = 0;
    }
    for (int s = 0; s < k.n; s++)
        if (!is_dir(k.students[s].submission))
            strv_addf(&k.notes,
                      "%s: the submission directory %s is missing: left out of the similarity "
                      "report.",
                      k.students[s].name,
                      *k.students[s].submission ? k.students[s].submission : "(none in the grade)");

    struct lab_stat *labs;
    int nlabs = aggregate(&k, kit_labs, nkit, &labs);
    if (mkdir_p(out) != 0) {
        fprintf(stderr, "class-report: cannot make the directory %s\n", out);
        return 2;
    }
    char *scratch = xasprintf("%s/.similarity", out);
    for (int i = 0; i < nlabs; i++) {
        plots(&labs[i], i + 1, out, &k.notes);
        similarity(&k, &labs[i], threshold, scratch);
    }
    char *page = xasprintf("%s/class.html", out);
    if (html_write(page, &k, labs, nlabs, top, threshold) != 0) {
        fprintf(stderr, "class-report: cannot write %s\n", page);
        return 2;
    }
    printf("class report of %d students, %d labs: %s\n", k.n, nlabs, page);
    free(page), free(scratch), free(err);
    return 0;
}
