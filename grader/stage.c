/* stage.c - a fresh build directory holding the kit's pristine files and the one stub file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage.h"

#define STUB_MAX_BYTES (512 * 1024)

static const char *const headers[] = {".h", NULL};
static const char *const sources[] = {".c", ".h", NULL};

char *stage_lab(const struct grader *g, const struct lab *lab, const char *bd)
{
    rm_rf(bd);
    char *include = xasprintf("%s/include", bd), *tests = xasprintf("%s/tests", bd),
         *support = xasprintf("%s/support", bd);
    char *from_include = xasprintf("%s/include", g->kit),
         *from_tests = xasprintf("%s/tests", lab->dir),
         *from_support = xasprintf("%s/grader/support", g->kit);
    char *stub_from = xasprintf("%s/%s/%s", g->submission, lab->dirname, lab->stub);
    char *stub_to = xasprintf("%s/%s", bd, lab->stub);
    char *problem = NULL;
    struct stat st;
    /* the tests and support are copied for the student to read beside the raw reports; the
     * binaries are built from the kit's own copies (build.c) */
    int err = mkdir_p(include) ?: mkdir_p(tests) ?: mkdir_p(support);
    if (!err)
        err = copy_files(from_include, include, headers) ?: copy_files(from_tests, tests, sources)
                  ?: copy_files(from_support, support, sources);
    if (err)
        problem = xasprintf("the grader could not prepare %s: %s", bd, strerror(err));
    else if (stat(stub_from, &st) != 0 || !S_ISREG(st.st_mode))
        problem = xasprintf("there is no file %s: a submission is a directory laid out like "
                            "labs/, with your %s in %s/",
                            stub_from, lab->stub, lab->dirname);
    else if (st.st_size > STUB_MAX_BYTES)
        problem = xasprintf("%s is %lld bytes; a lab's file is at most %d bytes", stub_from,
                            (long long)st.st_size, STUB_MAX_BYTES);
    else if ((err = copy_file(stub_from, stub_to)) != 0)
        problem = xasprintf("cannot read %s: %s", stub_from, strerror(err));
    else if ((err = sb_own(bd)) != 0)
        problem =
            xasprintf("the grader could not hand %s to the sandbox user: %s", bd, strerror(err));
    free(include), free(tests), free(support), free(from_include), free(from_tests);
    free(from_support), free(stub_from), free(stub_to);
    return problem;
}
