/* tl_standalone.c - tl_fail for the kit's own binaries, the test runner (tl_runner.c) and the
 * scenario driver (tl_driver.c): the failure is reported, and the run ends there. */
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
    fprintf(stderr, "%s\n", msg);
    _exit(1);
}
