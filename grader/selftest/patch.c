/* patch.c - a small, strict reader of unified diffs (see patch.h).
 *
 * Strict on purpose: a mutant is one exact mistake in the solution; if the solution changes under
 * it, the self-test must say so and name the hunk, not guess where the mistake should go now.
 */
#include "patch.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"

/* One line of a text: its bytes, with its '\n' if it has one. */
struct line {
    const char *s;
    size_t len;
};

struct lines {
    struct line *v;
    size_t n;
};

static struct lines split(const char *text)
{
    struct lines l = {0};
    size_t cap = 0;
    for (const char *p = text; *p; p += l.v[l.n - 1].len) {
        const char *nl = strchr(p, '\n');
        if (l.n == cap) {
            cap = cap ? 2 * cap : 64;
            l.v = xrealloc(l.v, cap * sizeof *l.v);
        }
        l.v[l.n++] = (struct line){p, nl ? (size_t)(nl - p) + 1 : strlen(p)};
    }
    return l;
}

/* Index of the "--- " line that a "+++ " line follows, or l->n. */
static size_t file_header(const struct lines *l)
{
    for (size_t i = 0; i + 1 < l->n; i++)
        if (starts_with(l->v[i].s, "--- ") && starts_with(l->v[i + 1].s, "+++ "))
            return i;
    return l->n;
}

char *patch_preamble(const char *patch)
{
    struct lines l = split(patch);
    size_t h = file_header(&l);
    size_t len = h < l.n ? (size_t)(l.v[h].s - patch) : strlen(patch);
    free(l.v);
    char *s = xmalloc(len + 1);
    memcpy(s, patch, len);
    s[len] = '\0';
    return s;
}

/* A line for a message: quoted, without its newline, cut at 100 bytes. */
static char *show(const char *s, size_t len)
{
    if (len > 0 && s[len - 1] == '\n')
        len--;
    return xasprintf("\"%.*s%s\"", (int)(len > 100 ? 100 : len), s, len > 100 ? "..." : "");
}

/* "A" or "A,B" of a hunk header; the count is 1 when omitted. */
static bool parse_range(const char **p, long *start, long *count)
{
    char *end;
    if (!isdigit((unsigned char)**p))
        return false;
    *start = strtol(*p, &end, 10);
    *count = 1;
    if (*end == ',') {
        if (!isdigit((unsigned char)end[1]))
            return false;
        *count = strtol(end + 1, &end, 10);
    }
    *p = end;
    return true;
}

/* "@@ -A,B +C,D @@ anything" */
static bool parse_hunk_header(const char *p, long *a, long *b, long *c, long *d)
{
    if (!starts_with(p, "@@ -"))
        return false;
    p += 4;
    if (!parse_range(&p, a, b) || !starts_with(p, " +"))
        return false;
    p += 2;
    return parse_range(&p, c, d) && starts_with(p, " @@");
}

char *patch_apply(const char *base, const char *patch, char **err)
{
    struct lines old = split(base), p = split(patch);
    struct sbuf out = {0};
    char *msg = NULL, *hunk = NULL;
    size_t i = file_header(&p) + 2, cursor = 0; /* cursor: lines of base already copied */
    int hunks = 0;
    sbuf_add(&out, "");
    if (i > p.n) {
        msg = xstrdup("no \"--- \" line followed by a \"+++ \" line: not a unified diff");
        goto fail;
    }
    while (i < p.n) {
        const struct line *hl = &p.v[i];
        long a, b, c, d;
        if (!parse_hunk_header(hl->s, &a, &b, &c, &d)) {
            bool rest_blank = true;
            for (size_t k = i; k < p.n; k++)
                rest_blank = rest_blank && strspn(p.v[k].s, " \t\n") >= p.v[k].len;
            if (rest_blank)
                break;
            char *found = show(hl->s, hl->len);
            msg = xasprintf("line %zu of the patch should start a hunk (@@ -A,B +C,D @@) but is %s"
                            "%s",
                            i + 1, found,
                            starts_with(hl->s, "--- ") ? ": a patch changes one file only" : "");
            free(found);
            goto fail;
        }
        free(hunk);
        hunk = xasprintf("hunk %d (%.*s)", ++hunks, (int)strcspn(hl->s, "\n"), hl->s);
        i++;
        /* With no old lines, A is the line the new ones go after. */
        if (b > 0 && a == 0) {
            msg = xasprintf("%s: old lines start at line 0", hunk);
            goto fail;
        }
        size_t start = b == 0 ? (size_t)a : (size_t)a - 1;
        if (start < cursor) {
            msg = xasprintf("%s overlaps or comes before the previous hunk", hunk);
            goto fail;
        }
        if (start + (size_t)b > old.n) {
            msg = xasprintf("%s needs lines %zu to %zu, but the file has %zu lines", hunk,
                            start + 1, start + (size_t)b, old.n);
            goto fail;
        }
        for (; cursor < start; cursor++)
            sbuf_addf(&out, "%.*s", (int)old.v[cursor].len, old.v[cursor].s);
        long nold = 0, nnew = 0;
        while (nold < b || nnew < d) {
            if (i >= p.n) {
                msg = xasprintf("%s: the patch ends before the hunk does (%ld of %ld old lines, "
                                "%ld of %ld new)",
                                hunk, nold, b, nnew, d);
                goto fail;
            }
            const struct line *l = &p.v[i++];
            char kind = l->s[0];
            const char *text = l->s + 1;
            size_t len = l->len - 1;
            if (kind == '\n') { /* an empty context line whose space an editor trimmed */
                kind = ' ';
                text = "\n";
                len = 1;
            }
            if (kind != ' ' && kind != '-' && kind != '+') {
                char *found = show(l->s, l->len);
                msg = xasprintf("%s: line %zu of the patch starts with neither ' ', '-' nor '+': "
                                "%s",
                                hunk, i, found);
                free(found);
                goto fail;
            }
            if (i < p.n && p.v[i].s[0] == '\\') { /* "\ No newline at end of file" */
                i++;
                if (len > 0 && text[len - 1] == '\n')
                    len--;
            } else if (len == 0 || text[len - 1] != '\n') {
                msg = xasprintf("%s: the patch's last line has no newline", hunk);
                goto fail;
            }
            if (kind != '+') {
                if (nold == b) {
                    msg = xasprintf("%s has more old lines than the %ld its header says", hunk, b);
                    goto fail;
                }
                const struct line *o = &old.v[start + (size_t)nold];
                if (o->len != len || memcmp(o->s, text, len) != 0) {
                    char *is = show(o->s, o->len), *want = show(text, len);
                    msg = xasprintf("%s does not apply: line %zu of the file is %s, the patch "
                                    "expects %s",
                                    hunk, start + (size_t)nold + 1, is, want);
                    free(is), free(want);
                    goto fail;
                }
                nold++;
            }
            if (kind != '-') {
                if (nnew == d) {
                    msg = xasprintf("%s has more new lines than the %ld its header says", hunk, d);
                    goto fail;
                }
                sbuf_addf(&out, "%.*s", (int)len, text);
                nnew++;
            }
        }
        cursor = start + (size_t)b;
    }
    if (hunks == 0) {
        msg = xstrdup("the patch has no hunks: it changes nothing");
        goto fail;
    }
    for (; cursor < old.n; cursor++)
        sbuf_addf(&out, "%.*s", (int)old.v[cursor].len, old.v[cursor].s);
    free(old.v), free(p.v), free(hunk);
    *err = NULL;
    return out.s;
fail:
    free(old.v), free(p.v), free(hunk);
    sbuf_free(&out);
    *err = msg;
    return NULL;
}
