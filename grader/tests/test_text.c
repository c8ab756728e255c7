/* test_text.c - unit tests of text_clean: any bytes in, printable valid UTF-8 of bounded size out.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

static void clean_is(const char *in, size_t len, const char *want)
{
    char *got = text_clean(in, len, TEXT_MAX);
    cr_assert_str_eq(got, want);
    free(got);
}

/* What every output of text_clean must be: jansson takes it, and it holds no control byte. */
static void assert_clean(const char *s)
{
    json_t *j = json_string(s);
    cr_assert_not_null(j, "not valid UTF-8: %s", s);
    json_decref(j);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        cr_assert(*p == '\n' || *p == '\t' || (*p >= 0x20 && *p != 0x7f), "control byte 0x%02x",
                  *p);
}

Test(text, valid_text_is_kept)
{
    clean_is("plain\ttext\nwith lines\n", 22, "plain\ttext\nwith lines\n");
    clean_is("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
             "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    clean_is(NULL, 0, "");
    clean_is("", 0, "");
}

Test(text, bad_bytes_are_escaped)
{
    clean_is("/* \xe9t\xe9 */", 9, "/* \\xE9t\\xE9 */");     /* Latin-1 */
    clean_is("a\0b", 3, "a\\x00b");                          /* NUL */
    clean_is("\x1b[2J\r\x7f", 6, "\\x1B[2J\\x0D\\x7F");      /* controls */
    clean_is("\xc0\xaf", 2, "\\xC0\\xAF");                   /* overlong '/' */
    clean_is("\xed\xa0\x80", 3, "\\xED\\xA0\\x80");          /* surrogate */
    clean_is("\xf4\x90\x80\x80", 4, "\\xF4\\x90\\x80\\x80"); /* above U+10FFFF */
    clean_is("x\xe2\x82", 3, "x\\xE2\\x82");                 /* cut at the end */
    clean_is("\xe2\x82x", 3, "\\xE2\\x82x");                 /* cut in the middle */
    clean_is("\xc2\x9b"
             "1m",
             4, "\\xC2\\x9B1m"); /* C1 control (CSI) */
    clean_is("\xff\xfe", 2, "\\xFF\\xFE");
}

Test(text, long_lines_are_cut)
{
    size_t n = 5000;
    char *in = xmalloc(n + 3);
    memset(in, 'a', n);
    memcpy(in + n, "\nb", 3);
    char *got = text_clean(in, n + 2, TEXT_MAX);
    char *want = xasprintf("%.*s [... %zu more bytes]\nb", TEXT_LINE_MAX, in, n - TEXT_LINE_MAX);
    cr_assert_str_eq(got, want);
    free(in), free(got), free(want);

    /* Escapes count for what they print: a line of bad bytes is cut as soon. */
    in = xmalloc(n);
    memset(in, 0xe9, n);
    got = text_clean(in, n, TEXT_MAX);
    cr_assert_leq(strlen(got), TEXT_LINE_MAX + 32, "%zu bytes", strlen(got));
    cr_assert(strstr(got, " more bytes]"));
    assert_clean(got);
    free(in), free(got);
}

Test(text, twenty_megabytes_come_out_bounded)
{
    size_t n = 20u << 20;
    char *in = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = i % 81 == 80 ? '\n' : (char)(0x80 + i % 0x80); /* all of it invalid but '\n' */
    char *got = text_clean(in, n, TEXT_MAX);
    size_t len = strlen(got);
    cr_assert_leq(len, TEXT_MAX + 64, "%zu bytes", len);
    cr_assert_geq(len, TEXT_MAX - TEXT_LINE_MAX);
    cr_assert(strstr(got, " more bytes not shown]\n"), "the cut is not said");
    assert_clean(got);
    free(in), free(got);

    /* One 20 MB line: one line's worth, then a note. */
    in = xmalloc(n);
    memset(in, 'c', n);
    got = text_clean(in, n, TEXT_MAX);
    cr_assert_leq(strlen(got), TEXT_LINE_MAX + 32);
    assert_clean(got);
    free(in), free(got);
}

Test(text, any_bytes_come_out_clean)
{
    srand(12345);
    for (int round = 0; round < 2000; round++) {
        char buf[256];
        size_t n = (size_t)(rand() % (int)sizeof buf);
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(rand() % 4 ? rand() : 0x80 + rand() % 0x60); /* many near-UTF-8 */
        char *got = text_clean(buf, n, 100);
        assert_clean(got);
        cr_assert_leq(strlen(got), 100 + 48);
        free(got);
    }
}

Test(text, every_field_of_a_result)
{
    struct check_result c = {0};
    c.verdict = xstrdup("fail\xe9");
    c.message = xstrdup("bad \x01");
    c.details = NULL;
    c.raw = xstrdup("/tmp/\xff/output.txt");
    struct lab_result r = {0};
    r.problem = xstrdup("\xe9");
    r.warnings = xstrdup("w\x1b");
    r.build_dir = xstrdup("/b/\xfe");
    r.checks = &c;
    r.nchecks = 1;
    lab_result_clean(&r);
    cr_assert_str_eq(c.verdict, "fail\\xE9");
    cr_assert_str_eq(c.message, "bad \\x01");
    cr_assert_str_eq(c.details, "");
    cr_assert_str_eq(c.raw, "/tmp/\\xFF/output.txt");
    cr_assert_str_eq(r.problem, "\\xE9");
    cr_assert_str_eq(r.warnings, "w\\x1B");
    cr_assert_str_eq(r.build_dir, "/b/\\xFE");
    free(c.verdict), free(c.message), free(c.details), free(c.raw);
    free(r.problem), free(r.warnings), free(r.build_dir);
}
