/* test_vglibc.c - the copy of libc that Valgrind's runs load (grader/vglibc.c): made, found by
 * Valgrind with its small symbol file, quicker to start than the system's libc, and refused
 * once it is not the running libc's any more. */
#include <criterion/criterion.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "stage.h"
#include "util.h"

static char *support_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *top = xasprintf("%s/tl-vglibc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert(mkdtemp(top), "mkdtemp");
    char *support = xasprintf("%s/kit-support", top);
    free(top);
    cr_assert_eq(mkdir_p(support), 0);
    return support;
}

static double children_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds of Helgrind running /bin/true, with libc from lib (NULL: the system's). */
static double helgrind_cpu(const char *lib)
{
    char *cmd = xasprintf("%s%s valgrind -q --tool=helgrind /bin/true",
                          lib ? "LD_LIBRARY_PATH=" : "", lib ? lib : "");
    double before = children_cpu();
    cr_assert_eq(system(cmd), 0, "failed: %s", cmd);
    free(cmd);
    return children_cpu() - before;
}

Test(vglibc, made_used_and_quicker, .timeout = 120)
{
    char *support = support_dir();
    vglibc_make(support);
    char *lib = vglibc_dir(support);
    cr_assert(lib, "no copy of libc in %s (are libc6-dbg and objcopy installed?)", support);
    /* Valgrind's default suppressions know libc by this pattern of its path only. */
    char *so = xasprintf("%s/libc.so.6", lib);
    cr_assert_eq(fnmatch("*/lib*/libc.so.6", so, 0), 0, "%s is not where Valgrind expects libc",
                 so);

    /* Valgrind reads the copy's symbol file, not libc6-dbg's. */
    char *log = xasprintf("%s/valgrind.log", support);
    char *cmd =
        xasprintf("LD_LIBRARY_PATH=%s valgrind -v --tool=none /bin/true > %s 2>&1", lib, log);
    cr_assert_eq(system(cmd), 0, "failed: %s", cmd);
    char *out = read_file(log, NULL);
    char *reading = xasprintf("Reading syms from %s/libc.so.6", lib);
    char *considering = xasprintf("Considering %s/libc.sym.debug", lib);
    cr_assert(out && strstr(out, reading), "Valgrind did not load the copy:\n%s", out);
    cr_assert(strstr(out, considering), "Valgrind did not read the copy's symbols:\n%s", out);

    /* Side by side, three runs each: the copy starts in about half the CPU time. */
    double system_libc = 0, copy = 0;
    for (int i = 0; i < 3; i++) {
        system_libc += helgrind_cpu(NULL);
        copy += helgrind_cpu(lib);
    }
    cr_assert(copy < 0.8 * system_libc,
              "Helgrind's start-up took %.2f CPU-s with the copy, %.2f with the system's libc",
              copy / 3, system_libc / 3);
    free(cmd), free(out), free(reading), free(considering), free(log), free(so);

    /* Another libc's copy (an upgrade since) is not used, and is made again. */
    char *stamp = xasprintf("%s/build-id", lib);
    cr_assert_eq(write_file(stamp, "0123456789abcdef0123456789abcdef01234567"), 0);
    cr_assert_null(vglibc_dir(support), "a copy of another libc was used");
    vglibc_make(support);
    char *again = vglibc_dir(support);
    cr_assert(again, "the copy was not made again for the running libc");
    free(again), free(stamp), free(lib);
    *strrchr(support, '/') = '\0'; /* the directory support_dir made */
    rm_rf(support);
    free(support);
}
