/* tl_driver.c - the standalone driver that ThreadSanitizer, Helgrind and memcheck run:
 * "driver NAME" runs one scenario of the lab's table and exits 0 only if it ran to its end
 * (tl_fail: tl_standalone.c). */
#include <stdio.h>
#include <string.h>

#include "tl_test.h"

int main(int argc, char **argv)
{
    const struct tl_scenario *s = tl_scenarios;
    while (argc == 2 && s->name && strcmp(s->name, argv[1]) != 0)
        s++;
    if (argc != 2 || !s->name) {
        fprintf(stderr, "usage: %s SCENARIO\nscenarios:", argv[0]);
        for (s = tl_scenarios; s->name; s++)
            fprintf(stderr, " %s", s->name);
        fprintf(stderr, "\n");
        return 2;
    }
    tl_begin(s->name);
    tl_scenario(s->name); /* as the tests run one: a hang's report names it (grade.c) */
    tl_end();
    return 0;
}
