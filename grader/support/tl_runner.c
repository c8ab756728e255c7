/* tl_runner.c - the tests' binary: "labtests SUITE/NAME" runs that one TL_TEST and exits 0 only
 * if it ran to its end; "labtests" alone lists them.
 *
 * DESIGN: the grader runs each test alone, in a process tree of its own under the sandbox, with
 * its own time limit, and reads the support code's report for the verdict (a failure, a crash,
 * a hang): what a test framework's runner would add, it already does. Criterion's runner cost
 * 80 ms a check before the test began (two processes, each reading the ELF sections of twenty
 * libraries), a tenth of a second of every quick check and of a student's wait for make check.
 * So the tests register in a linker section (TL_TEST) and this is their main. */
#include <stdio.h>
#include <string.h>

#include "tl_test.h"

extern const struct tl_test *const __start_tl_tests[], *const __stop_tl_tests[];

int main(int argc, char **argv)
{
    for (const struct tl_test *const *t = __start_tl_tests; argc == 2 && t < __stop_tl_tests; t++) {
        size_t n = strlen((*t)->suite);
        if (strncmp(argv[1], (*t)->suite, n) == 0 && argv[1][n] == '/' &&
            strcmp(argv[1] + n + 1, (*t)->name) == 0) {
            (*t)->run();
            return 0;
        }
    }
    fprintf(stderr, "usage: %s SUITE/TEST\ntests:", argv[0]);
    for (const struct tl_test *const *t = __start_tl_tests; t < __stop_tl_tests; t++)
        fprintf(stderr, " %s/%s", (*t)->suite, (*t)->name);
    fprintf(stderr, "\n");
    return 2;
}
