/* csource.h - find a name in C source code, never in its comments, strings or characters. */
#ifndef CSOURCE_H
#define CSOURCE_H

#include <stddef.h>

/* The line (from 1) of the first place where word is a whole identifier in the code of the C
 * source text[0..len), or 0 if there is none. Comments (with line splices), string and character
 * literals are skipped; text may hold any bytes, NUL included. */
long csource_line_of(const char *text, size_t len, const char *word);

#endif
