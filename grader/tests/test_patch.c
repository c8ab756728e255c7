/* test_patch.c - the self-test's unified-diff reader: applies what diff -u writes, exactly, and
 * refuses, naming the hunk, whatever does not match. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "selftest/patch.h"

static const char *base = "one\ntwo\nthree\nfour\nfive\nsix\nseven\n";

/* Applies, requiring success, and returns the result. */
static char *apply(const char *patch)
{
    char *err = NULL;
    char *out = patch_apply(base, patch, &err);
    cr_assert(out, "the patch should apply, but: %s", err ? err : "(no message)");
    cr_assert_null(err);
    return out;
}

/* Applies, requiring failure, and returns the message. */
static char *refuse(const char *patch)
{
    char *err = NULL;
    char *out = patch_apply(base, patch, &err);
    cr_assert_null(out, "the patch should not apply, but gave:\n%s", out ? out : "");
    cr_assert(err && *err);
    return err;
}

Test(patch, replaces_a_line_with_its_preamble_ignored)
{
    char *out = apply("MUTANT: two is 2\nCAUGHT-BY: test:x\n\n--- a/f.c\n+++ b/f.c\n"
                      "@@ -1,3 +1,3 @@\n one\n-two\n+2\n three\n");
    cr_assert_str_eq(out, "one\n2\nthree\nfour\nfive\nsix\nseven\n");
    free(out);
}

Test(patch, several_hunks_insertions_and_deletions)
{
    char *out = apply("--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,3 @@\n+zero\n one\n two\n"
                      "@@ -4,3 +5,2 @@\n four\n-five\n six\n@@ -7 +7,2 @@\n seven\n+eight\n");
    cr_assert_str_eq(out, "zero\none\ntwo\nthree\nfour\nsix\nseven\neight\n");
    free(out);
}

Test(patch, pure_insertion_goes_after_the_named_line)
{
    char *out = apply("--- a/f.c\n+++ b/f.c\n@@ -2,0 +3 @@\n+2.5\n");
    cr_assert_str_eq(out, "one\ntwo\n2.5\nthree\nfour\nfive\nsix\nseven\n");
    free(out);
    out = apply("--- a/f.c\n+++ b/f.c\n@@ -0,0 +1 @@\n+first\n");
    cr_assert_str_eq(out, "first\none\ntwo\nthree\nfour\nfive\nsix\nseven\n");
    free(out);
}

Test(patch, no_newline_at_end_of_file)
{
    char *out = apply("--- a/f.c\n+++ b/f.c\n@@ -7 +7 @@\n-seven\n+seven\n\\ No newline at end "
                      "of file\n");
    cr_assert_str_eq(out, "one\ntwo\nthree\nfour\nfive\nsix\nseven");
    free(out);
}

Test(patch, an_empty_line_is_an_empty_context_line)
{
    char *err = NULL;
    char *out = patch_apply("a\n\nb\n", "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n a\n\n-b\n+c\n", &err);
    cr_assert(out, "%s", err);
    cr_assert_str_eq(out, "a\n\nc\n");
    free(out);
}

Test(patch, preamble_is_the_text_before_the_file_lines)
{
    char *pre = patch_preamble("VARIANT: x\n--- not a header\n\n--- a/f.c\n+++ b/f.c\n@@ -1 +1 "
                               "@@\n-one\n+1\n");
    cr_assert_str_eq(pre, "VARIANT: x\n--- not a header\n\n");
    free(pre);
}

Test(patch, a_context_line_that_differs_is_refused_with_hunk_and_line)
{
    char *err = refuse("--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n"
                       "@@ -5,2 +5,2 @@\n five\n-SIX\n+6\n");
    cr_assert(strstr(err, "hunk 2 (@@ -5,2 +5,2 @@)"), "%s", err);
    cr_assert(strstr(err, "line 6 of the file is \"six\", the patch expects \"SIX\""), "%s", err);
    free(err);
}

Test(patch, no_offset_and_no_whitespace_fuzz)
{
    /* the right lines, one line off */
    free(refuse("--- a/f.c\n+++ b/f.c\n@@ -2,2 +2,2 @@\n one\n-two\n+2\n"));
    /* a trailing space */
    free(refuse("--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n one \n-two\n+2\n"));
}

Test(patch, counts_must_match_the_header)
{
    char *err = refuse("--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n three\n");
    cr_assert(strstr(err, "line 7 of the patch should start a hunk"), "%s", err);
    free(err);
    err = refuse("--- a/f.c\n+++ b/f.c\n@@ -1,3 +1,3 @@\n one\n-two\n+2\n");
    cr_assert(strstr(err, "the patch ends before the hunk does"), "%s", err);
    free(err);
    err = refuse("--- a/f.c\n+++ b/f.c\n@@ -1,2 +1,1 @@\n one\n+2\n-two\n");
    cr_assert(strstr(err, "more new lines"), "%s", err);
    free(err);
}

Test(patch, hunks_in_order_and_inside_the_file)
{
    char *err = refuse("--- a/f.c\n+++ b/f.c\n@@ -5 +5 @@\n-five\n+5\n@@ -1 +1 @@\n-one\n+1\n");
    cr_assert(strstr(err, "hunk 2"), "%s", err);
    free(err);
    err = refuse("--- a/f.c\n+++ b/f.c\n@@ -7,2 +7,2 @@\n seven\n-eight\n+8\n");
    cr_assert(strstr(err, "the file has 7 lines"), "%s", err);
    free(err);
}

Test(patch, not_a_patch_an_empty_one_or_two_files)
{
    free(refuse("MUTANT: no diff at all\n"));
    free(refuse("--- a/f.c\n+++ b/f.c\n"));
    free(refuse("--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\nbad line\n"));
    free(refuse("--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-one\n+1\n--- a/g.c\n+++ b/g.c\n"));
    free(refuse("--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-one\n+1"));
    free(refuse("--- a/f.c\n+++ b/f.c\n@@ -x +1 @@\n-one\n+1\n"));
}
