/* stage.c - a fresh build directory holding the one stub file and the kit's headers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage.h"

#define STUB_MAX_BYTES (64 * 1024 * 1024) /* a 20 MB comment is no reason to refuse a file */

static const char *const headers[] = {".h", NULL};

/* The stub beside a copy of the kit's headers: all that the stub's own compilation sees. The
 * kit's tests and support are compiled from their own copy, beside their objects (build.c). */
char *stage_lab(const struct grader *g, const struct lab *lab, const char *bd)
{
    rm_rf(bd);
    char *include = xasprintf("%s/include", bd);
    char *from_include = xasprintf("%s/include", g->kit);
    char *stub_from = xasprintf("%s/%s/%s", g->submission, lab->dirname, lab->stub);
    char *stub_to = xasprintf("%s/%s", bd, lab->stub);
    char *problem = NULL;
    struct stat st;
    int err = mkdir_p(include) ?: copy_files(from_include, include, headers);
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
        problem = xasprintf("cannot copy %s to %s: %s", stub_from, stub_to, strerror(err));
    else if ((err = sb_own(bd)) != 0)
        problem =
            xasprintf("the grader could not hand %s to the sandbox user: %s", bd, strerror(err));
    free(include), free(from_include), free(stub_from), free(stub_to);
    return problem;
}
