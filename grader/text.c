/* text.c - any bytes in, printable and valid UTF-8 out, of bounded size (see text.h). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

struct out {
    char *s;
    size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->s = xrealloc(o->s, o->cap);
    }
    memcpy(o->s + o->len, s, n);
    o->len += n;
    o->s[o->len] = '\0';
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if there is none. Overlong
 * forms, surrogates and code points above U+10FFFF are invalid (RFC 3629). */
size_t text_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char b = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (b >= 0xc2 && b <= 0xdf)
        len = 2;
    else if (b >= 0xe0 && b <= 0xef)
        len = 3, lo = b == 0xe0 ? 0xa0 : 0x80, hi = b == 0xed ? 0x9f : 0xbf;
    else if (b >= 0xf0 && b <= 0xf4)
        len = 4, lo = b == 0xf0 ? 0x90 : 0x80, hi = b == 0xf4 ? 0x8f : 0xbf;
    else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    /* C1 control characters (U+0080 to U+009F) can drive a terminal too. */
    if (b == 0xc2 && s[1] <= 0x9f)
        return 0;
    return len;
}

char *text_clean(const char *s, size_t len, size_t max)
{
    struct out o = {0};
    put(&o, "", 0);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    if (!s)
        len = 0;
    size_t i = 0, line = 0, kept = 0;
    while (i < len) {
        unsigned char b = p[i];
        char piece[8];
        size_t in = 1, outn = 1;
        if (b == '\n' || b == '\t' || (b >= 0x20 && b < 0x7f)) {
            piece[0] = (char)b;
        } else if ((in = text_utf8_seq(p + i, len - i)) > 0) {
            memcpy(piece, p + i, in);
            outn = in;
        } else {
            in = 1;
            outn = (size_t)snprintf(piece, sizeof piece, "\\x%02X", b);
        }
        if (kept + outn > max)
            break;
        if (b != '\n' && line + outn > TEXT_LINE_MAX) {
            /* Cut the line: skip to its end. */
            const unsigned char *nl = memchr(p + i, '\n', len - i);
            size_t skip = nl ? (size_t)(nl - (p + i)) : len - i;
            char note[48];
            int k = snprintf(note, sizeof note, " [... %zu more bytes]", skip);
            put(&o, note, (size_t)k);
            i += skip;
            continue;
        }
        put(&o, piece, outn);
        kept += outn;
        line = b == '\n' ? 0 : line + outn;
        i += in;
    }
    if (i < len) {
        char note[64];
        int k = snprintf(note, sizeof note, "%s[... %zu more bytes not shown]\n", line ? "\n" : "",
                         len - i);
        put(&o, note, (size_t)k);
    }
    return o.s;
}

void text_clean_field(char **s)
{
    char *clean = text_clean(*s, *s ? strlen(*s) : 0, TEXT_MAX);
    free(*s);
    *s = clean;
}

void check_result_clean(struct check_result *c)
{
    text_clean_field(&c->verdict);
    text_clean_field(&c->message);
    text_clean_field(&c->details);
    text_clean_field(&c->raw);
}

void lab_result_clean(struct lab_result *r)
{
    text_clean_field(&r->problem);
    text_clean_field(&r->warnings);
    text_clean_field(&r->build_dir);
    for (int i = 0; i < r->nchecks; i++)
        check_result_clean(&r->checks[i]);
}
