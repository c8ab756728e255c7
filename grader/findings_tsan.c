/* findings_tsan.c - ThreadSanitizer's text reports parsed into findings.
 *
 * DESIGN: a report runs from a "WARNING: ThreadSanitizer:" (or "ERROR: ThreadSanitizer:", or the
 * runtime's own "ThreadSanitizer: CHECK failed:") line to the next "==================" line.
 * Inside, a line indented by two spaces heads a section
 * ("Write of size 4 at ... by thread T2:", "Location is heap block of size 40 ...", "Mutex M1
 * (0x...) created at:") and the "#N func file:line (module+0x...)" lines below it are its
 * stack; unlock reports put a stack straight under the WARNING line, in a section with no
 * head. Everything is read line by line with bounded copies, so a report cut off anywhere
 * still yields what it had.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr, memmem */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

struct section {
    char head[256];
    struct fd__stack stack;
};

struct report {
    char title[256];   /* after "ThreadSanitizer: " on the WARNING line */
    char summary[512]; /* after "SUMMARY: ThreadSanitizer: " */
    struct section *sec;
    size_t len, cap;
};

static void report_clear(struct report *r)
{
    for (size_t i = 0; i < r->len; i++)
        fd__stack_free(&r->sec[i].stack);
    free(r->sec);
    memset(r, 0, sizeof *r);
}

static struct section *add_section(struct report *r, const char *head, size_t n)
{
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        struct section *sec = realloc(r->sec, cap * sizeof *sec);
        if (!sec)
            return NULL;
        r->sec = sec;
        r->cap = cap;
    }
    struct section *s = &r->sec[r->len++];
    memset(s, 0, sizeof *s);
    fd__copy(s->head, sizeof s->head, head, n);
    return s;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static long parse_num(const char *s, size_t n, bool *ok)
{
    long v = 0;
    *ok = n > 0 && n < 10;
    for (size_t i = 0; *ok && i < n; i++) {
        *ok = s[i] >= '0' && s[i] <= '9';
        v = v * 10 + (s[i] - '0');
    }
    return *ok ? v : 0;
}

/* "path/queue.c:41" or "path/queue.c:41:5" into file base name and line; false otherwise. */
static bool parse_location(const char *s, size_t n, struct fd_site *site)
{
    bool ok;
    const char *colon = memrchr(s, ':', n);
    if (!colon)
        return false;
    long line = parse_num(colon + 1, n - (size_t)(colon + 1 - s), &ok);
    if (!ok)
        return false;
    const char *colon2 = memrchr(s, ':', (size_t)(colon - s));
    if (colon2) {
        long first = parse_num(colon2 + 1, (size_t)(colon - colon2 - 1), &ok);
        if (ok) { /* clang's file:line:column */
            line = first;
            colon = colon2;
        }
    }
    const char *file = memrchr(s, '/', (size_t)(colon - s));
    file = file ? file + 1 : s;
    fd__copy(site->file, sizeof site->file, file, (size_t)(colon - file));
    site->line = (int)line;
    return true;
}

/* "#3 bq_put /src/queue.c:41 (driver_tsan+0x1234)"; line points after the '#'. */
static void parse_frame(const char *line, size_t n, struct fd__frame *f)
{
    memset(f, 0, sizeof *f);
    const char *p = memchr(line, ' ', n);
    if (!p)
        return;
    n -= (size_t)(p + 1 - line);
    line = p + 1;
    if (n > 0 && line[n - 1] == ')') {
        const char *open = NULL;
        for (const char *q = line; q + 1 < line + n; q++)
            if (q[0] == ' ' && q[1] == '(')
                open = q;
        if (open) {
            size_t mod = (size_t)(line + n - open);
            f->lib = memmem(open, mod, ".so", 3) != NULL;
            n = (size_t)(open - line);
        }
    }
    const char *space = memrchr(line, ' ', n);
    size_t loc = space ? (size_t)(line + n - space - 1) : 0;
    if (space && (parse_location(space + 1, loc, &f->site) ||
                  (loc == 6 && memcmp(space + 1, "<null>", 6) == 0)))
        n = (size_t)(space - line);
    fd__set_func(&f->site, line, n);
}

static const struct section *find(const struct report *r, const char *prefix, size_t from)
{
    for (size_t i = from; i < r->len; i++)
        if (starts(r->sec[i].head, prefix))
            return &r->sec[i];
    return NULL;
}

/* "Mutex M7 (0x...) created at:" for id "M7", described; else "mutex M7". */
static void describe_mutex_id(const struct report *r, const char *id, const char *student,
                              char *buf, size_t len)
{
    char head[64];
    snprintf(head, sizeof head, "Mutex %s (", id);
    const struct section *s = find(r, head, 0);
    if (s && s->stack.len > 0)
        fd__describe_mutex(&s->stack, student, buf, len);
    else
        snprintf(buf, len, "mutex %s", id);
}

static void describe_location(const struct report *r, const char *student, struct finding *f)
{
    const struct section *s = find(r, "Location is ", 0);
    if (!s)
        return;
    const char *what = s->head + strlen("Location is ");
    char name[128];
    long size;
    if (sscanf(what, "global '%127[^']'", name) == 1) {
        snprintf(f->object, sizeof f->object, "global variable '%s'", name);
    } else if (sscanf(what, "heap block of size %ld", &size) == 1) {
        fd__describe_block(size, &s->stack, student, f->object, sizeof f->object);
    } else if (strncmp(what, "stack of ", 9) == 0) {
        snprintf(f->object, sizeof f->object, "local variable on the %.*s",
                 (int)strcspn(what, ".:"), what);
    } else {
        fd__copy(f->object, sizeof f->object, what, strcspn(what, ":"));
    }
    fd__copy(f->detail, sizeof f->detail, what, strlen(what));
}

static enum fd_access access_of(const char *head)
{
    const char *by = strstr(head, " of size ");
    size_t n = by ? (size_t)(by - head) : strlen(head);
    if (memmem(head, n, "rite", 4))
        return FD_WRITE;
    if (memmem(head, n, "ead", 3))
        return FD_READ;
    return FD_ACCESS_UNKNOWN;
}

static bool is_access(const char *head)
{
    return starts(head, "Read of size") || starts(head, "Write of size") ||
           starts(head, "Atomic read") || starts(head, "Atomic write");
}

/* The current access, then the previous one ("Previous write of size 4 ..."). */
static void classify_race(const struct report *r, const char *student, struct finding *f)
{
    bool have_at = false, have_other = false;
    for (size_t i = 0; i < r->len; i++) {
        const struct section *s = &r->sec[i];
        if (!have_other && starts(s->head, "Previous ")) {
            fd__pick(&s->stack, student, &f->other);
            f->other_access = access_of(s->head + strlen("Previous "));
            have_other = true;
        } else if (!have_at && is_access(s->head)) {
            fd__pick(&s->stack, student, &f->at);
            f->at_access = access_of(s->head);
            have_at = true;
        }
    }
    describe_location(r, student, f);
}

/* "Mutex M8 acquired here while holding mutex M7 in thread T1:", once per side of the cycle. */
static void classify_lock_order(const struct report *r, const char *student, struct finding *f)
{
    const char *key = "acquired here while holding mutex ";
    const struct section *first = NULL, *second = NULL;
    for (size_t i = 0; i < r->len && !second; i++) {
        if (!strstr(r->sec[i].head, key))
            continue;
        if (first)
            second = &r->sec[i];
        else
            first = &r->sec[i];
    }
    if (!first)
        return;
    fd__pick(&first->stack, student, &f->at);
    if (second)
        fd__pick(&second->stack, student, &f->other);
    /* second_deadlock_stack=1: "Mutex M11 previously acquired by the same thread here:" */
    for (const struct section *s = first + 1; s < r->sec + r->len && s != second; s++)
        if (strstr(s->head, "previously acquired by the same thread")) {
            fd__pick(&s->stack, student, &f->at_held);
            break;
        }
    char held[32], taken[32];
    const char *h = strstr(first->head, key) + strlen(key);
    fd__copy(held, sizeof held, h, strcspn(h, " "));
    if (sscanf(first->head, "Mutex %31s", taken) != 1)
        snprintf(taken, sizeof taken, "?");
    describe_mutex_id(r, held, student, f->object, sizeof f->object);
    snprintf(f->detail, sizeof f->detail, "%s is locked while holding %s", taken, held);
}

/* Unlock, destroy, double lock: the stack of the call comes first, then the mutex. */
static void classify_misuse(const struct report *r, const char *student, struct finding *f)
{
    if (r->len > 0)
        fd__pick(&r->sec[0].stack, student, &f->at);
    const struct section *m = find(r, "Mutex M", 0);
    if (m && strstr(m->head, "created at")) {
        char id[32];
        if (sscanf(m->head, "Mutex %31s", id) == 1)
            describe_mutex_id(r, id, student, f->object, sizeof f->object);
    }
}

static void classify_thread_leak(const struct report *r, const char *student, struct finding *f)
{
    const struct section *t = find(r, "Thread T", 0);
    if (!t)
        return;
    fd__pick(&t->stack, student, &f->at);
    char id[32];
    int more = 0;
    if (sscanf(t->head, "Thread %31s", id) != 1)
        snprintf(id, sizeof id, "?");
    const struct section *and = find(r, "And ", 0);
    if (and&&sscanf(and->head, "And %d more", &more) == 1 && more > 0)
        snprintf(f->object, sizeof f->object, "%d threads (%s and %d more)", more + 1, id, more);
    else
        snprintf(f->object, sizeof f->object, "thread %s", id);
}

/* The runtime's own sanity check failed inside a pthread call (a thread joined twice makes
 * ThreadJoin find no thread): the stack names the call and the student's line that made it. */
static void classify_check_failed(const struct report *r, const char *student, struct finding *f)
{
    snprintf(f->tool_kind, sizeof f->tool_kind, "CHECK failed");
    if (r->len == 0)
        return;
    const struct fd__stack *s = &r->sec[0].stack;
    fd__pick(s, student, &f->at);
    for (size_t i = 0; i < s->len; i++) {
        const char *fn = s->frames[i].site.func;
        if (starts(fn, "pthread_") || starts(fn, "sem_")) {
            snprintf(f->detail, sizeof f->detail, "%s", fn);
            break;
        }
    }
}

static bool is_misuse(const char *title)
{
    static const char *const names[] = {
        "unlock of an unlocked mutex", "destroy of a locked mutex",   "double lock of a mutex",
        "use of an invalid mutex",     "read lock of a write locked", "read unlock of a write",
        "mutex held in the wrong",
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (starts(title, names[i]))
            return true;
    return false;
}

static void classify(const struct report *r, const char *student, struct finding *f)
{
    const char *t = r->title;
    /* The tool's name for it: the title without " (pid=N)" or " (pc 0x...)". */
    const char *paren = strstr(t, " (pid=");
    if (!paren)
        paren = strstr(t, " on unknown address");
    fd__copy(f->tool_kind, sizeof f->tool_kind, t, paren ? (size_t)(paren - t) : strlen(t));
    fd__copy(f->summary, sizeof f->summary, r->summary[0] ? r->summary : t, 511);
    f->failure = true;
    if (starts(t, "data race")) {
        f->kind = FD_RACE;
        classify_race(r, student, f);
    } else if (starts(t, "lock-order-inversion")) {
        f->kind = FD_LOCK_ORDER;
        classify_lock_order(r, student, f);
    } else if (is_misuse(t)) {
        f->kind = FD_MISUSE;
        classify_misuse(r, student, f);
    } else if (starts(t, "thread leak")) {
        f->kind = FD_THREAD;
        classify_thread_leak(r, student, f);
    } else if (starts(t, "CHECK failed")) {
        f->kind = FD_MISUSE;
        classify_check_failed(r, student, f);
    } else if (starts(t, "heap-use-after-free") || strstr(t, "SEGV") || strstr(t, "BUS")) {
        f->kind = FD_MEMORY;
        classify_race(r, student, f); /* the same shape: the access, then the free */
    } else {
        /* signal-unsafe calls, errno spoiled in a handler...: still the tool's complaint */
        f->kind = FD_OTHER;
    }
    if (!f->at.file[0]) {
        for (size_t i = 0; i < r->len && !fd__pick(&r->sec[i].stack, student, &f->at); i++)
            ;
    }
}

static int finish(struct report *r, const char *student, struct fd_list *out, int *added)
{
    if (!r->title[0])
        return 0;
    struct finding *f = fd__append(out);
    if (!f)
        return -1;
    classify(r, student, f);
    report_clear(r);
    (*added)++;
    return 0;
}

/* One line of a report (without its newline). Returns -1 when out of memory. */
static int take_line(struct report *r, const char *line, size_t n)
{
    size_t indent = 0;
    while (indent < n && line[indent] == ' ')
        indent++;
    const char *p = line + indent;
    size_t rest = n - indent;
    if (rest > 0 && *p == '#') {
        if (r->len == 0 && !add_section(r, "", 0))
            return -1;
        struct fd__frame f;
        parse_frame(p, rest, &f);
        return fd__stack_push(&r->sec[r->len - 1].stack, &f);
    }
    if (indent == 2 && rest > 0) {
        size_t len = rest;
        if (p[len - 1] == ':') /* the head, not the colon that introduces its stack */
            len--;
        return add_section(r, p, len) ? 0 : -1;
    }
    return 0;
}

int fd_parse_tsan(const char *text, const char *student_file, struct fd_list *out)
{
    static const char tool[] = "ThreadSanitizer: ";
    struct report r;
    int added = 0;
    memset(&r, 0, sizeof r);
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *warn = memmem(line, n, tool, sizeof tool - 1);
        bool start = warn && (memmem(line, n, "WARNING: ", 9) || memmem(line, n, "ERROR: ", 7) ||
                              starts(warn + sizeof tool - 1, "CHECK failed"));
        int err = 0;
        if (start) {
            err = finish(&r, student_file, out, &added);
            const char *t = warn + sizeof tool - 1;
            fd__copy(r.title, sizeof r.title, t, n - (size_t)(t - line));
        } else if (starts(line, "SUMMARY: ") && warn) {
            const char *t = warn + sizeof tool - 1;
            fd__copy(r.summary, sizeof r.summary, t, n - (size_t)(t - line));
        } else if (n >= 10 && strspn(line, "=") == n) {
            err = finish(&r, student_file, out, &added);
        } else if (r.title[0]) {
            err = take_line(&r, line, n);
        }
        if (err < 0) {
            report_clear(&r);
            return -1;
        }
        line = nl ? nl + 1 : NULL;
    }
    int err = finish(&r, student_file, out, &added);
    report_clear(&r);
    return err < 0 ? -1 : added;
}
