/* test_csource.c - unit tests of csource_line_of: names in code, never in comments or strings. */
#include <criterion/criterion.h>
#include <string.h>

#include "csource.h"

static long line_of(const char *text, const char *word)
{
    return csource_line_of(text, strlen(text), word);
}

Test(csource, code_is_found)
{
    cr_assert_eq(line_of("int a;\nvoid f(void) { exit(1); }\n", "exit"), 2);
    cr_assert_eq(line_of("exit(0);", "exit"), 1);
    cr_assert_eq(line_of("x = sleep(1) + usleep(2);\n", "usleep"), 1);
}

Test(csource, comments_strings_and_characters_are_not_code)
{
    const char *text = "/* never call exit() here */\n"        /* 1 */
                       "// nor exit\n"                         /* 2 */
                       "// a spliced comment \\\n"             /* 3 */
                       "exit is still comment\n"               /* 4 */
                       "const char *s = \"exit \\\" exit\";\n" /* 5 */
                       "char c = '\\''; /* exit\n"             /* 6 */
                       " exit */ int exit_code;\n"             /* 7 */
                       "int my_exit, exit2;\n"                 /* 8 */
                       "void g(void) { exit(2); }\n";          /* 9 */
    cr_assert_eq(line_of(text, "exit"), 9);
    cr_assert_eq(line_of("/* exit */", "exit"), 0);
    cr_assert_eq(line_of("\"exit\"", "exit"), 0);
}

Test(csource, any_bytes)
{
    const char text[] = "/* \xe9t\xe9 \0 exit */\n\0int x;\nstatic void h(void) { abort(); }\n";
    cr_assert_eq(csource_line_of(text, sizeof text - 1, "abort"), 3);
    cr_assert_eq(csource_line_of(text, sizeof text - 1, "exit"), 0);
}
