/* symbolize.c - turn the support code's "module+0xoffset" frames into "func (file:line)". */
#include <stdlib.h>
#include <string.h>

#include "stage.h"

#define SYMBOLIZE_SECONDS 20

/* The binaries the grader built, whatever path the dynamic linker reported for them. */
static char *module_path(const char *module, const char *bd)
{
    const char *base = base_name(module);
    /* Criterion runs each test in a re-executed "boxfort-worker" of the test binary */
    if (!*module || strcmp(base, "boxfort-worker") == 0)
        return xasprintf("%s/labtests", bd);
    if (strcmp(base, "labtests") == 0 || strcmp(base, "driver") == 0 ||
        strcmp(base, "driver_tsan") == 0)
        return xasprintf("%s/%s", bd, base);
    return xstrdup(module);
}

/* addr2line's answer for one frame: pairs of lines "func" "file:line", innermost inline first.
 * Fills the pair in the stub if any, else the first with a known file; false if none. */
static bool lookup_place(const char *frame, const char *bd, const char *stub, struct place *out)
{
    memset(out, 0, sizeof *out);
    char *copy = xstrdup(frame);
    char *plus = strrchr(copy, '+');
    if (!plus) {
        free(copy);
        return false;
    }
    *plus = '\0';
    unsigned long off = strtoul(plus + 1, NULL, 16);
    char *module = module_path(copy, bd);
    char *addr = xasprintf("0x%lx", off ? off - 1 : 0); /* a return address: step into the call */
    struct strv argv = {0};
    strv_add(&argv, "addr2line");
    strv_add(&argv, "-f");
    strv_add(&argv, "-i");
    strv_add(&argv, "-e");
    strv_add(&argv, module);
    strv_add(&argv, addr);
    struct sb_result res;
    if (run_tool(&argv, bd, SYMBOLIZE_SECONDS, &res)) {
        char *save = NULL;
        char *func = strtok_r(res.out, "\n", &save);
        while (func) {
            char *loc = strtok_r(NULL, "\n", &save);
            if (!loc)
                break;
            char *colon = strrchr(loc, ':');
            int line = colon ? atoi(colon + 1) : 0;
            if (colon)
                *colon = '\0';
            bool mine = strcmp(base_name(loc), stub) == 0;
            if ((mine || !out->file) && strcmp(loc, "??") != 0 && line > 0) {
                place_free(out);
                out->func = xstrdup(func);
                out->file = xstrdup(base_name(loc));
                out->line = line;
                out->in_stub = mine;
                if (mine)
                    break;
            }
            func = strtok_r(NULL, "\n", &save);
        }
    }
    sb_result_free(&res);
    strv_free(&argv);
    free(addr);
    free(module);
    free(copy);
    return out->file != NULL;
}

void place_free(struct place *p)
{
    free(p->func);
    free(p->file);
    memset(p, 0, sizeof *p);
}

/* Each lookup runs addr2line, in the sandbox: tens of milliseconds. A hung run of a thousand
 * threads reports the same few frames a thousand times over, so the answers are kept. */
struct known {
    char *key; /* frame, build directory and stub */
    struct place place;
    bool found;
};
static struct known *known;
static size_t nknown, known_cap;

static void place_copy(struct place *to, const struct place *from)
{
    *to = *from;
    to->func = from->func ? xstrdup(from->func) : NULL;
    to->file = from->file ? xstrdup(from->file) : NULL;
}

bool symbolize_place(const char *frame, const char *bd, const char *stub, struct place *out)
{
    char *key = xasprintf("%s\n%s\n%s", frame, bd, stub);
    for (size_t i = 0; i < nknown; i++) {
        if (strcmp(known[i].key, key) == 0) {
            free(key);
            place_copy(out, &known[i].place);
            return known[i].found;
        }
    }
    bool found = lookup_place(frame, bd, stub, out);
    if (nknown == known_cap) {
        known_cap = known_cap ? 2 * known_cap : 64;
        known = xrealloc(known, known_cap * sizeof *known);
    }
    known[nknown].key = key;
    known[nknown].found = found;
    place_copy(&known[nknown].place, out);
    nknown++;
    return found;
}

static char *lookup(const char *frame, const char *bd, const char *stub, bool *in_stub)
{
    struct place p;
    char *result = NULL;
    *in_stub = false;
    if (symbolize_place(frame, bd, stub, &p)) {
        result = xasprintf("%s (%s:%d)", p.func, p.file, p.line);
        *in_stub = p.in_stub;
    }
    place_free(&p);
    return result;
}

char *symbolize_frame(const char *frame, const char *bd, const char *stub)
{
    bool mine;
    char *s = lookup(frame, bd, stub, &mine);
    return s ? s : xstrdup("an unknown place");
}

char *symbolize_first(const char *frames, const char *bd, const char *stub)
{
    char *copy = xstrdup(frames), *save = NULL, *first = NULL;
    for (char *f = strtok_r(copy, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
        /* the support code's own frames (signal handler, wrappers) come first: skip them */
        bool mine;
        char *s = lookup(f, bd, stub, &mine);
        if (s && (strstr(s, "(tl_") || strstr(s, "sigaction"))) {
            free(s);
            continue;
        }
        if (mine) {
            free(first);
            free(copy);
            return s;
        }
        if (s && !first)
            first = s;
        else
            free(s);
    }
    free(copy);
    return first ? first : xstrdup("an unknown place");
}
