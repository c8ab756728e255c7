/* markup.h - any bytes as XML or HTML text (JUnit and HTML reports).
 *
 * A result's strings are clean already (text.h), but the writers of markup do not count on it:
 * a byte sequence XML 1.0 or HTML would refuse makes the whole report unreadable, so the
 * escaping itself handles any bytes, of any length, the way text_clean shows them:
 *   - & < > " ' become entities; newline and tab are kept (in an attribute, &#10; and &#9;);
 *   - valid UTF-8 is kept, but a noncharacter (U+FFFE, U+FDD0...), which XML or HTML forbids,
 *     becomes U+FFFD;
 *   - any other byte (invalid or cut UTF-8, NUL, carriage return, other C0 and C1 controls,
 *     DEL) becomes the four characters \xNN, as text_clean writes it.
 */
#ifndef MARKUP_H
#define MARKUP_H

#include <stddef.h>
#include <stdio.h>

/* len bytes at s as element content (attr false) or an attribute's value (attr true). */
void markup_write(FILE *out, const char *s, size_t len, int attr);
/* A NUL-terminated string (NULL: nothing) as element content, or as an attribute's value. */
void markup_text(FILE *out, const char *s);
void markup_attr(FILE *out, const char *s);

#endif
