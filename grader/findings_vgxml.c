/* findings_vgxml.c - Valgrind's --xml=yes output (Helgrind and memcheck) read with expat.
 *
 * DESIGN: an <error> is read into parts: the main description (<what> or <xwhat><text>) and
 * each <auxwhat> or <xauxwhat><text> that follows, each with the <stack> printed after it. The
 * classifier then looks parts up by the tool's wording ("This conflicts with a previous write",
 * "Block was alloc'd at"). Element text is kept up to a bound; everything else in the file
 * (thread announcements, counts, suppressions) is skipped.
 */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

#define TEXT_MAX 1024

struct part {
    char text[512];
    struct fd__stack stack;
};

struct error {
    char kind[64];
    struct part *part;
    size_t len, cap;
};

struct parser {
    XML_Parser xml;
    const char *student;
    struct fd_list *out;
    int added;
    bool oom, root_seen, not_valgrind, complete;
    int depth, error_depth; /* error_depth: depth of the open <error>, 0 outside one */
    bool in_frame;
    struct fd__frame frame;
    struct error err;
    char text[TEXT_MAX];
    size_t text_len;
};

static void error_clear(struct error *e)
{
    for (size_t i = 0; i < e->len; i++)
        fd__stack_free(&e->part[i].stack);
    free(e->part);
    memset(e, 0, sizeof *e);
}

static struct part *add_part(struct parser *p, const char *text)
{
    struct error *e = &p->err;
    if (e->len == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        struct part *part = realloc(e->part, cap * sizeof *part);
        if (!part) {
            p->oom = true;
            return NULL;
        }
        e->part = part;
        e->cap = cap;
    }
    struct part *pt = &e->part[e->len++];
    memset(pt, 0, sizeof *pt);
    fd__copy(pt->text, sizeof pt->text, text, strlen(text));
    return pt;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The first auxiliary part after `after` (NULL: from the start) whose text starts with prefix. */
static const struct part *find_after(const struct error *e, const struct part *after,
                                     const char *prefix)
{
    for (size_t i = after ? (size_t)(after - e->part) + 1 : 1; i < e->len; i++)
        if (starts(e->part[i].text, prefix))
            return &e->part[i];
    return NULL;
}

static const struct part *find(const struct error *e, const char *prefix)
{
    return find_after(e, NULL, prefix);
}

static const struct part *find_last(const struct error *e, const char *needle)
{
    for (size_t i = e->len; i-- > 1;)
        if (strstr(e->part[i].text, needle))
            return &e->part[i];
    return NULL;
}

static enum fd_access access_of(const char *text)
{
    if (strstr(text, "write"))
        return FD_WRITE;
    if (strstr(text, "read"))
        return FD_READ;
    return FD_ACCESS_UNKNOWN;
}

/* "Address 0x... is 152 bytes inside a block of size 160 alloc'd", 'inside data symbol "x"'... */
static void describe_address(const struct error *e, const char *student, struct finding *f)
{
    const struct part *a = find(e, "Address ");
    if (!a)
        a = find(e, "Location ");
    if (!a)
        return;
    const char *is = strstr(a->text, " is ");
    const char *what = is ? is + 4 : a->text;
    fd__copy(f->detail, sizeof f->detail, what, strlen(what));
    const char *block = strstr(what, "a block of size ");
    const char *sym = strstr(what, "data symbol \"");
    const char *var = strstr(what, "global var \"");
    char name[128];
    if (block) {
        long size = atol(block + strlen("a block of size "));
        /* for a freed block the stack after the address is the free; the allocation follows */
        const struct part *alloc = strstr(what, "free'd") ? find(e, "Block was alloc'd") : a;
        fd__describe_block(size, alloc ? &alloc->stack : NULL, student, f->object,
                           sizeof f->object);
        if (alloc != a)
            fd__pick(&a->stack, student, &f->other);
    } else if (sym || var) {
        const char *q = strchr(sym ? sym : var, '"') + 1;
        fd__copy(name, sizeof name, q, strcspn(q, "\""));
        const struct part *decl = find(e, "declared at ");
        if (decl)
            snprintf(f->object, sizeof f->object, "global variable '%s' (%s)", name,
                     decl->text + strlen("declared at "));
        else
            snprintf(f->object, sizeof f->object, "global variable '%s'", name);
    } else if (starts(what, "on thread")) {
        snprintf(f->object, sizeof f->object, "local variable %.200s", what);
    } else {
        fd__copy(f->object, sizeof f->object, what, strlen(what));
    }
}

static void describe_lock(const struct error *e, const char *student, struct finding *f)
{
    /* Helgrind lists the lock that should come first, then the other; the one held at the
     * violating acquisition is the later one, hence the last "first observed". */
    const struct part *seen = find_last(e, "was first observed");
    if (seen && seen->stack.len > 0)
        fd__describe_mutex(&seen->stack, student, f->object, sizeof f->object);
}

/* Does the stack start in pthread_mutex_trylock (the kit's wrapper names it; Helgrind's own frame
 * for it has no name)? Only the top frames count: the acquisition itself, not its callers. */
static bool acquired_by_trylock(const struct fd__stack *s)
{
    for (size_t i = 0; i < s->len && i < 3; i++)
        if (strstr(s->frames[i].site.func, "pthread_mutex_trylock"))
            return true;
    return false;
}

static bool is_legal_misc(const char *text)
{
    /* Signalling after the unlock is legal POSIX; Helgrind calls it dubious, and says "not held
     * by calling thread" when another thread took the mutex between the unlock and the signal. */
    return strstr(text, "pthread_cond_{signal,broadcast}: dubious: associated lock is not held") ||
           strstr(text, "pthread_cond_{signal,broadcast}: associated lock is not held by calling");
}

/* Possibly lost or still reachable memory counts only when the student's code allocated it
 * directly: thread stacks and TLS that libc allocates in pthread_create are not theirs. */
static bool is_allocator(const char *fn)
{
    size_t n = strlen(fn);
    return (n >= 5 && !strcmp(fn + n - 5, "alloc")) || strstr(fn, "memalign") ||
           strstr(fn, "strdup") || strstr(fn, "strndup") || strstr(fn, "operator new") ||
           !strcmp(fn, "reallocarray");
}

static bool allocated_by_student(const struct fd__stack *s, const char *student)
{
    for (size_t i = 0; i < s->len; i++) {
        const struct fd__frame *f = &s->frames[i];
        const char *fn = f->site.func;
        if (is_allocator(fn) || (!fn[0] && f->lib))
            continue;
        if (f->lib || !f->site.file[0])
            return false;
        return student && *student ? strcmp(f->site.file, student) == 0
                                   : strncmp(f->site.file, "tl_", 3) != 0;
    }
    return false;
}

static void classify_leak(const struct error *e, const char *student, struct finding *f)
{
    const struct part *m = &e->part[0];
    long bytes = 0, blocks = 0;
    f->kind = FD_LEAK;
    if (sscanf(m->text, "%ld bytes in %ld blocks", &bytes, &blocks) == 2 ||
        sscanf(m->text, "%ld (", &bytes) == 1)
        snprintf(f->object, sizeof f->object, "%ld bytes in %ld block%s", bytes, blocks,
                 blocks == 1 ? "" : "s");
    bool serious =
        !strcmp(e->kind, "Leak_DefinitelyLost") || !strcmp(e->kind, "Leak_IndirectlyLost");
    f->failure = serious || allocated_by_student(&m->stack, student);
}

static void classify(const struct error *e, const char *student, struct finding *f)
{
    const struct part *m = &e->part[0];
    fd__copy(f->tool_kind, sizeof f->tool_kind, e->kind, strlen(e->kind));
    fd__copy(f->summary, sizeof f->summary, m->text, strlen(m->text));
    fd__pick(&m->stack, student, &f->at);
    f->failure = true;
    f->kind = FD_OTHER;
    const char *k = e->kind;
    if (!strcmp(k, "Race")) {
        f->kind = FD_RACE;
        f->at_access = access_of(m->text);
        const struct part *o = find(e, "This conflicts with a previous");
        if (o) {
            fd__pick(&o->stack, student, &f->other);
            f->other_access = access_of(o->text);
        }
        describe_address(e, student, f);
    } else if (!strcmp(k, "LockOrder")) {
        f->kind = FD_LOCK_ORDER;
        /* the other thread's order, not the "Observed (incorrect) order" some versions print */
        const struct part *req = find(e, "Required order was established");
        const struct part *o = find_after(e, req, "followed by a later acquisition");
        if (o)
            fd__pick(&o->stack, student, &f->other);
        describe_lock(e, student, f);
        /* Helgrind records a successful trylock as an ordered acquisition, but a trylock never
         * waits: if either order's second lock was only tried, no cycle of waits can form
         * (lock one, try the other, back off on failure is deadlock-free). A note, then. */
        f->failure = !acquired_by_trylock(&m->stack) && !(o && acquired_by_trylock(&o->stack));
    } else if (starts(k, "Unlock") || !strcmp(k, "PthAPIerror")) {
        f->kind = FD_MISUSE;
        describe_lock(e, student, f);
    } else if (!strcmp(k, "Misc")) {
        f->kind = FD_MISUSE;
        if (is_legal_misc(m->text)) {
            f->kind = FD_OTHER;
            f->failure = false;
        }
        describe_lock(e, student, f);
    } else if (starts(k, "Leak_")) {
        classify_leak(e, student, f);
    } else if (starts(k, "Invalid") || starts(k, "Uninit") || !strcmp(k, "MismatchedFree") ||
               !strcmp(k, "Overlap") || !strcmp(k, "SyscallParam")) {
        f->kind = FD_MEMORY;
        f->at_access = access_of(m->text);
        describe_address(e, student, f);
    }
}

static void finish_error(struct parser *p)
{
    struct error *e = &p->err;
    if (e->len == 0 && !add_part(p, ""))
        return;
    struct finding *f = fd__append(p->out);
    if (!f) {
        p->oom = true;
        return;
    }
    classify(e, p->student, f);
    p->added++;
}

static void stop(struct parser *p)
{
    XML_StopParser(p->xml, XML_FALSE);
}

static void on_start(void *data, const XML_Char *name, const XML_Char **attrs)
{
    struct parser *p = data;
    (void)attrs;
    p->depth++;
    p->text_len = 0;
    if (!p->root_seen) {
        p->root_seen = true;
        if (strcmp(name, "valgrindoutput") != 0) {
            p->not_valgrind = true;
            stop(p);
        }
        return;
    }
    if (p->depth == 2 && !strcmp(name, "error")) {
        error_clear(&p->err);
        p->error_depth = p->depth;
    } else if (p->error_depth && !strcmp(name, "stack")) {
        /* a stack belongs to the text before it; a second stack in a row gets its own part */
        if (p->err.len == 0 || p->err.part[p->err.len - 1].stack.len > 0)
            add_part(p, "");
    } else if (p->error_depth && !strcmp(name, "frame")) {
        p->in_frame = true;
        memset(&p->frame, 0, sizeof p->frame);
    }
    if (p->oom)
        stop(p);
}

static void set_text(struct parser *p, const char *text)
{
    struct error *e = &p->err;
    if (e->len == 0) {
        add_part(p, text);
    } else if (e->part[0].stack.len == 0 && e->len == 1) {
        /* PthAPIerror: <xwhat> "call to pthread_mutex_lock failed", <what> "with error 35" */
        struct part *m = &e->part[0];
        size_t n = strlen(m->text);
        snprintf(m->text + n, sizeof m->text - n, "%s%s", n ? " " : "", text);
    } else {
        add_part(p, text);
    }
}

static void on_end(void *data, const XML_Char *name)
{
    struct parser *p = data;
    p->text[p->text_len] = '\0';
    const char *t = p->text;
    int depth = p->depth--;
    if (depth == 1) {
        p->complete = true;
        return;
    }
    if (!p->error_depth)
        return;
    if (depth == p->error_depth) {
        finish_error(p);
        error_clear(&p->err);
        p->error_depth = 0;
    } else if (p->in_frame && !strcmp(name, "frame")) {
        p->in_frame = false;
        if (p->err.len > 0 && fd__stack_push(&p->err.part[p->err.len - 1].stack, &p->frame) < 0)
            p->oom = true;
    } else if (p->in_frame) {
        struct fd_site *s = &p->frame.site;
        if (!strcmp(name, "fn"))
            fd__set_func(s, t, p->text_len);
        else if (!strcmp(name, "file"))
            fd__copy(s->file, sizeof s->file, t, p->text_len);
        else if (!strcmp(name, "line"))
            s->line = atoi(t);
        else if (!strcmp(name, "obj"))
            p->frame.lib = strstr(t, ".so") != NULL;
    } else if (depth == p->error_depth + 1 && !strcmp(name, "kind")) {
        fd__copy(p->err.kind, sizeof p->err.kind, t, p->text_len);
    } else if (depth == p->error_depth + 1 && (!strcmp(name, "what") || !strcmp(name, "auxwhat"))) {
        if (!strcmp(name, "what"))
            set_text(p, t);
        else
            add_part(p, t);
    } else if (depth == p->error_depth + 2 && !strcmp(name, "text")) {
        /* <xwhat><text> is the main description, <xauxwhat><text> an auxiliary one */
        if (p->err.len == 0)
            set_text(p, t);
        else
            add_part(p, t);
    }
    p->text_len = 0;
    if (p->oom)
        stop(p);
}

static void on_text(void *data, const XML_Char *s, int len)
{
    struct parser *p = data;
    if (!p->error_depth || len <= 0)
        return;
    size_t room = TEXT_MAX - 1 - p->text_len;
    size_t n = (size_t)len < room ? (size_t)len : room;
    memcpy(p->text + p->text_len, s, n);
    p->text_len += n;
}

int fd_parse_valgrind_xml(const char *path, const char *student_file, struct fd_list *out)
{
    FILE *in = fopen(path, "r");
    if (!in)
        return -1;
    struct parser p;
    memset(&p, 0, sizeof p);
    p.student = student_file;
    p.out = out;
    p.xml = XML_ParserCreate(NULL);
    if (!p.xml) {
        fclose(in);
        return -1;
    }
    XML_SetUserData(p.xml, &p);
    XML_SetElementHandler(p.xml, on_start, on_end);
    XML_SetCharacterDataHandler(p.xml, on_text);
    size_t before = out->len;
    char buf[65536];
    bool ok = true;
    for (bool last = false; ok && !last;) {
        size_t n = fread(buf, 1, sizeof buf, in);
        last = n < sizeof buf;
        ok = XML_Parse(p.xml, buf, (int)n, last) == XML_STATUS_OK;
    }
    XML_ParserFree(p.xml);
    error_clear(&p.err);
    fclose(in);
    if (p.not_valgrind || !p.root_seen) {
        out->len = before;
        return -1;
    }
    return ok && p.complete && !p.oom ? p.added : -1;
}
