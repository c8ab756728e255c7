/* markup.c - any bytes as XML or HTML text (see markup.h). */
#include <string.h>

#include "markup.h"
#include "text.h"

/* The code point of the valid sequence of len bytes at s. */
static unsigned long code_point(const unsigned char *s, size_t len)
{
    static const unsigned char lead_bits[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    unsigned long cp = s[0] & lead_bits[len];
    for (size_t i = 1; i < len; i++)
        cp = cp << 6 | (s[i] & 0x3f);
    return cp;
}

static int noncharacter(unsigned long cp)
{
    return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe;
}

void markup_write(FILE *out, const char *s, size_t len, int attr)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char b = p[i];
        size_t n;
        /* a run of plain characters at once: a 20 MB line costs one pass */
        size_t plain = 0;
        while (i + plain < len && p[i + plain] >= 0x20 && p[i + plain] < 0x7f &&
               !strchr("&<>\"'", p[i + plain]))
            plain++;
        if (plain) {
            fwrite(p + i, 1, plain, out);
            i += plain;
            continue;
        }
        switch (b) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        case '\n':
            fputs(attr ? "&#10;" : "\n", out);
            break;
        case '\t':
            fputs(attr ? "&#9;" : "\t", out);
            break;
        default:
            if (b >= 0x80 && (n = text_utf8_seq(p + i, len - i)) > 0) {
                if (noncharacter(code_point(p + i, n)))
                    fputs("\xef\xbf\xbd", out);
                else
                    fwrite(p + i, 1, n, out);
                i += n;
                continue;
            }
            fprintf(out, "\\x%02X", b);
        }
        i++;
    }
}

void markup_text(FILE *out, const char *s)
{
    if (s)
        markup_write(out, s, strlen(s), 0);
}

void markup_attr(FILE *out, const char *s)
{
    if (s)
        markup_write(out, s, strlen(s), 1);
}
