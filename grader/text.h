/* text.h - any bytes in, printable and valid UTF-8 out, of bounded size.
 *
 * What the grader reports comes partly from the student's file and programs: the compiler
 * quotes source lines, tests print what the code returned, a detector quotes names. Those bytes
 * may be anything: Latin-1 comments, NUL bytes, a 20 MB line. jansson refuses a string that is
 * not valid UTF-8 (json_pack failed, and the whole lab vanished from the JSON), and control bytes
 * would reach the student's terminal. So every string of a result goes through text_clean
 * before it is printed or encoded:
 *   - valid UTF-8 is kept as it is, and so are newline and tab;
 *   - any other byte (an invalid or cut sequence, NUL, other control bytes, DEL) becomes the
 *     four characters \xNN (NN its value in hex);
 *   - a line longer than TEXT_LINE_MAX bytes is cut, with " [... N more bytes]";
 *   - after TEXT_MAX bytes the text is cut, with "[... N more bytes not shown]".
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

#include "grade.h"

#define TEXT_LINE_MAX 1024
#define TEXT_MAX      (64 * 1024)

/* The clean copy of len bytes at s (s may be NULL: ""), at most max bytes plus the notes of
 * what was cut. The caller frees it. */
char *text_clean(const char *s, size_t len, size_t max);

/* Length of the valid UTF-8 sequence of a character at s (at most n bytes) that is not a C1
 * control, 2 to 4; 0 for an ASCII byte or no such sequence. */
size_t text_utf8_seq(const unsigned char *s, size_t n);

/* Replaces *s (NUL-terminated, or NULL) by its clean copy, at most TEXT_MAX bytes. */
void text_clean_field(char **s);

/* Every string of a result, in place. */
void check_result_clean(struct check_result *c);
void lab_result_clean(struct lab_result *r);

#endif
