/* csource.c - find a name in C source code, never in its comments, strings or characters.
 *
 * The policy checks read what a stub calls off its compiled object, then point at the line that
 * uses it. A plain text search pointed at a comment that mentioned the word ("never call exit()
 * here"); this scanner knows just enough C to skip what is not code.
 */
#include <stdbool.h>
#include <string.h>

#include "csource.h"

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (unsigned char)c >= 0x80;
}

long csource_line_of(const char *text, size_t len, const char *word)
{
    enum { CODE, LINE_COMMENT, BLOCK_COMMENT, STRING, CHAR } state = CODE;
    size_t wlen = strlen(word);
    long line = 1;
    for (size_t i = 0; i < len; i++) {
        char c = text[i], next = i + 1 < len ? text[i + 1] : '\0';
        if (c == '\n') {
            line++;
            if (state == LINE_COMMENT || state == STRING || state == CHAR)
                state = CODE; /* an unterminated literal ends with its line, as for the compiler */
            continue;
        }
        switch (state) {
        case CODE:
            if (c == '/' && next == '/')
                state = LINE_COMMENT, i++;
            else if (c == '/' && next == '*')
                state = BLOCK_COMMENT, i++;
            else if (c == '"')
                state = STRING;
            else if (c == '\'')
                state = CHAR;
            else if (ident_char(c) && (i == 0 || !ident_char(text[i - 1]))) {
                size_t end = i;
                while (end < len && ident_char(text[end]))
                    end++;
                if (end - i == wlen && memcmp(text + i, word, wlen) == 0)
                    return line;
                i = end - 1;
            }
            break;
        case LINE_COMMENT:
        case STRING:
        case CHAR:
            /* A backslash escapes the next character, a newline too (a line splice). */
            if (c == '\\' && next != '\0') {
                if (next == '\n')
                    line++;
                i++;
            } else if ((state == STRING && c == '"') || (state == CHAR && c == '\'')) {
                state = CODE;
            }
            break;
        case BLOCK_COMMENT:
            if (c == '*' && next == '/')
                state = CODE, i++;
            break;
        }
    }
    return 0;
}
