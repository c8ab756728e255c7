/* tl_criterion.c - tl_fail for the Criterion test binaries. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "tl_test.h"
#include "tl_internal.h"

void tl_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *msg = tl__format_failure(file, line, fmt, ap);
    va_end(ap);
    /* Criterion can only abort a test from the thread that runs it. */
    if (tl__on_runner_thread())
        cr_assert_fail("%s", msg);
    fprintf(stderr, "%s\n", msg);
    _exit(1);
}
