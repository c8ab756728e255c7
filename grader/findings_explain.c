/* findings_explain.c - one finding as a paragraph a student can act on: what, where, revisit. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

struct text {
    char *buf;
    size_t len, used;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
    if (t->used + 1 >= t->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->used, t->len - t->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->used += (size_t)n < t->len - t->used ? (size_t)n : t->len - t->used - 1;
}

static bool has(const struct finding *f, const char *needle)
{
    return strstr(f->tool_kind, needle) || strstr(f->summary, needle);
}

static const char *verb(enum fd_access a)
{
    return a == FD_WRITE ? "writes" : a == FD_READ ? "reads" : "uses";
}

static bool same_site(const struct fd_site *a, const struct fd_site *b)
{
    return a->line == b->line && !strcmp(a->func, b->func) && !strcmp(a->file, b->file);
}

/* The tool's sentence without Helgrind's "Thread #3: " or "Thread #1's call to ". */
static const char *plain_summary(const struct finding *f)
{
    const char *s = f->summary;
    if (strncmp(s, "Thread #", 8) == 0) {
        const char *p = s + 8 + strspn(s + 8, "0123456789");
        if (strncmp(p, ": ", 2) == 0)
            return p + 2;
        if (strncmp(p, "'s call to ", 11) == 0)
            return p + 11;
    }
    return s;
}

static void race(const struct finding *f, const char *at, const char *other, struct text *t)
{
    if (f->object[0])
        add(t, "Data race on the %s: ", f->object);
    else
        add(t, "Data race on shared memory: ");
    add(t, "%s %s it while %s %s it, with no lock held in common. ", at[0] ? at : "one thread",
        verb(f->at_access), other[0] ? other : "another thread", verb(f->other_access));
    add(t, "Two threads touched the same memory at the same time and at least one wrote. "
           "Revisit: protect every shared field with the same mutex on every access, and read "
           "what a thread wrote only after joining it.");
}

static void lock_order(const struct finding *f, const char *at, const char *other, struct text *t)
{
    if (!f->failure) {
        add(t, "%s locks a second mutex while holding another, ", at[0] ? at : "One call");
        if (other[0] && !same_site(&f->at, &f->other))
            add(t, "and %s takes the same two in the opposite order, ", other);
        else
            add(t, "and another call takes the same two in the opposite order, ");
        add(t, "but one of them only tries its second mutex (pthread_mutex_trylock), which "
               "never waits: no deadlock can form. Helgrind reports the order anyway.");
        return;
    }
    add(t, "Possible deadlock (lock-order inversion): %s locks a second mutex while holding ",
        at[0] ? at : "one call");
    /* TSan names a mutex it saw no creation of only by its id ("mutex M7"): no help to a student */
    bool bare = !f->object[0] || strncmp(f->object, "mutex M", 7) == 0;
    add(t, "%s%s", bare ? "the first" : "the ", bare ? "" : f->object);
    if (f->at_held.line && !same_site(&f->at_held, &f->at))
        add(t, " (taken at %s:%d)", f->at_held.file, f->at_held.line);
    add(t, ", ");
    if (!other[0] || same_site(&f->at, &f->other))
        add(t, "while another call locked the same two mutexes in the opposite order. ");
    else
        add(t, "while %s locked the same two mutexes in the opposite order. ", other);
    add(t, "If both run at once, each waits forever for the other. Revisit: take locks in one "
           "global order (for example by index or by address).");
}

static void misuse(const struct finding *f, const char *at, struct text *t)
{
    const char *who = at[0] ? at : "The code";
    char obj[300];
    snprintf(obj, sizeof obj, "the %s", f->object[0] ? f->object : "mutex");
    if (has(f, "CHECK failed")) {
        bool join = strstr(f->detail, "pthread_join") || strstr(f->detail, "pthread_detach");
        if (join)
            add(t,
                "%s joins a thread that was already joined (or detached): ThreadSanitizer found "
                "no such thread in %s. Once joined, a pthread_t names no thread, or already "
                "another one. Revisit: join each thread exactly once, in one place (a second "
                "stop or destroy must not join again).",
                who, f->detail);
        else
            add(t,
                "%s made ThreadSanitizer's runtime fail its own sanity check%s%s: the program "
                "broke state the runtime keeps (a thread joined twice, an object used after it "
                "was destroyed). Revisit: the calls at that place.",
                who, f->detail[0] ? " in " : "", f->detail);
    } else if (has(f, "UnlockForeign") || has(f, "currently held by")) {
        add(t,
            "%s unlocks %s while another thread holds it. Revisit: a mutex is unlocked by the "
            "thread that locked it.",
            who, obj);
    } else if (has(f, "unlock of an unlocked") && has(f, "pthread_cond_")) {
        /* TSan sees the unlock inside pthread_cond_wait of a mutex the caller did not hold */
        add(t,
            "%s waits on a condition variable without holding its mutex. Revisit: lock the "
            "mutex, test the condition in a while loop, then call pthread_cond_wait.",
            who);
    } else if (has(f, "unlock of an unlocked") || has(f, "UnlockUnlocked")) {
        add(t,
            "%s unlocks %s, which this thread does not hold (it is not locked, or another "
            "thread locked it). Revisit: each thread unlocks exactly the mutexes it locked, "
            "once each.",
            who, obj);
    } else if (has(f, "UnlockBogus") || has(f, "invalid mutex")) {
        add(t,
            "%s uses something that is not a live mutex (never initialised, or already "
            "destroyed). Revisit: pthread_mutex_init before first use, destroy after last.",
            who);
    } else if (has(f, "destroy of a locked") || has(f, "destroy of a locked mutex") ||
               has(f, "pthread_mutex_destroy of a locked")) {
        add(t,
            "%s destroys %s while it is still locked. Revisit: unlock on every path, "
            "including early returns, before destroying a mutex.",
            who, obj);
    } else if (has(f, "un-held mutex") || has(f, "held by a different thread")) {
        add(t,
            "%s waits on a condition variable without holding its mutex. Revisit: lock the "
            "mutex, test the condition in a while loop, then call pthread_cond_wait.",
            who);
    } else if (has(f, "Exiting thread still holds")) {
        add(t, "A thread exited while still holding a locked mutex, so any thread that needs it "
               "waits forever. Revisit: unlock on every path out of a function, including early "
               "returns.");
    } else if (has(f, "re-lock") || has(f, "double lock")) {
        add(t,
            "%s locks a mutex that the same thread already holds: the thread deadlocks with "
            "itself. Revisit: lock each mutex once, and do not call a locking function while "
            "holding its lock.",
            who);
    } else {
        add(t,
            "Misuse of the pthread API in %s: %s. Revisit: the rules of that call in its "
            "man page, and check the value every pthread call returns.",
            who, plain_summary(f));
    }
}

static void leak(const struct finding *f, const char *at, struct text *t)
{
    long bytes = 0;
    char amount[64] = "Memory";
    if (sscanf(f->object, "%ld bytes", &bytes) == 1)
        snprintf(amount, sizeof amount, "%ld bytes", bytes);
    if (!f->failure) {
        add(t,
            "memcheck reports %s %s by the C library for %s (a "
            "thread's stack or thread-local storage), not by your code.",
            amount,
            strstr(f->tool_kind, "Reachable") ? "still in use at exit, allocated"
                                              : "possibly lost, allocated",
            at[0] ? at : "a thread");
        return;
    }
    add(t, "%s allocated in %s %s never freed", amount, at[0] ? at : "the code",
        bytes == 1 ? "is" : "are");
    if (strstr(f->tool_kind, "Indirect"))
        add(t, " (only a leaked block pointed to them)");
    add(t, ". Revisit: free every block you allocate, usually in the matching destroy "
           "function.");
}

static void memory(const struct finding *f, const char *at, const char *other, struct text *t)
{
    const char *who = at[0] ? at : "The code";
    char obj[300];
    snprintf(obj, sizeof obj, "the %s", f->object[0] ? f->object : "memory");
    if (has(f, "InvalidFree") || has(f, "double-free")) {
        add(t, "%s frees %s a second time", who, obj);
        if (other[0])
            add(t, "; %s already freed it", other);
        add(t, ". Revisit: free each block exactly once.");
    } else if (strstr(f->detail, "not stack'd")) { /* Valgrind: an address nothing owns */
        add(t,
            "%s %s memory that belongs to nothing any more: no live stack frame, no block "
            "allocated. Often a pointer into the stack of a thread that has ended, or of a "
            "function that has returned. Revisit: a thread's local variables end with it; hand "
            "results back through memory that outlives it (the caller's array, or malloc).",
            who, verb(f->at_access));
    } else if (strstr(f->detail, "free'd") || has(f, "use-after-free")) {
        add(t, "Use after free: %s %s %s after ", who, verb(f->at_access), obj);
        add(t,
            "%s freed it. Revisit: free a block only when no thread can still use it (join "
            "threads first, free last).",
            other[0] ? other : "the program");
    } else if (strstr(f->detail, " after a block") || strstr(f->detail, " before a block")) {
        add(t,
            "Out of bounds: %s %s outside %s. Revisit: allocate count * sizeof *p bytes and "
            "check every index.",
            who, verb(f->at_access), obj);
    } else if (has(f, "Uninit")) {
        add(t,
            "%s %s a value that was never initialised. Revisit: set every field in the "
            "create function (or allocate with calloc).",
            who, has(f, "Conditional jump") ? "makes a decision based on" : "uses");
    } else if (has(f, "SEGV")) {
        add(t,
            "%s %s memory through an invalid pointer. Revisit: initialise pointers and do "
            "not use memory after freeing it.",
            who, verb(f->at_access));
    } else {
        add(t, "Invalid memory use in %s: %s. Revisit: pointers, sizes and object lifetimes.", who,
            plain_summary(f));
    }
}

static void thread_leak(const struct finding *f, const char *at, struct text *t)
{
    int n = atoi(f->object);
    if (n > 1)
        add(t, "Thread leak: %d threads created in %s were never joined.", n, at);
    else
        add(t, "Thread leak: a thread created in %s was never joined.", at);
    add(t, " Revisit: join (or detach) every thread you create, usually in the destroy or "
           "shutdown function.");
}

static void other(const struct finding *f, const char *at, struct text *t)
{
    if (has(f, "associated lock is not held")) {
        add(t,
            "%s signals a condition variable after unlocking its "
            "mutex. POSIX allows this when the state change was made under the mutex; "
            "Helgrind only flags it as dubious.",
            at[0] ? at : "the code");
        return;
    }
    add(t, "%sThe detector reported \"%s\"%s%s: %s.", f->failure ? "" : "(no points lost) ",
        f->tool_kind, at[0] ? " in " : "", at, plain_summary(f));
    if (f->failure)
        add(t, " Revisit: the code at that place; the detector's full report has the details.");
}

void fd_explain(const struct finding *f, char *buf, size_t len)
{
    struct text t = {buf, len, 0};
    char at[512], oth[512];
    if (len == 0)
        return;
    buf[0] = '\0';
    fd__format_site(&f->at, at, sizeof at);
    fd__format_site(&f->other, oth, sizeof oth);
    switch (f->kind) {
    case FD_RACE:
        race(f, at, oth, &t);
        break;
    case FD_LOCK_ORDER:
        lock_order(f, at, oth, &t);
        break;
    case FD_MISUSE:
        misuse(f, at, &t);
        break;
    case FD_LEAK:
        leak(f, at, &t);
        break;
    case FD_MEMORY:
        memory(f, at, oth, &t);
        break;
    case FD_THREAD:
        thread_leak(f, at[0] ? at : "the code", &t);
        break;
    default:
        other(f, at, &t);
        break;
    }
}

/* Notes: one line per kind of legal pattern, the first place named, the count of the others
 * (Helgrind reports a pattern once per distinct stack: the same few lines of a correct file
 * came back as a dozen identical notes). */
void fd_explain_notes(const struct fd_list *l, char *buf, size_t len)
{
    struct text t = {buf, len, 0};
    if (len == 0)
        return;
    buf[0] = '\0';
    char text[1024], key[1024], other_key[1024];
    for (size_t i = 0; i < l->len; i++) {
        const struct finding *f = &l->items[i];
        if (f->failure)
            continue;
        struct finding anon = *f;
        memset(&anon.at, 0, sizeof anon.at);
        memset(&anon.other, 0, sizeof anon.other);
        fd_explain(&anon, key, sizeof key);
        bool seen = false;
        size_t more = 0;
        for (size_t j = 0; j < l->len && !seen; j++) {
            if (l->items[j].failure || j == i)
                continue;
            anon = l->items[j];
            memset(&anon.at, 0, sizeof anon.at);
            memset(&anon.other, 0, sizeof anon.other);
            fd_explain(&anon, other_key, sizeof other_key);
            if (strcmp(key, other_key) != 0)
                continue;
            if (j < i)
                seen = true; /* told already, with the first one */
            else
                more++;
        }
        if (seen)
            continue;
        fd_explain(f, text, sizeof text);
        add(&t, "Note (costs nothing): %s", text);
        if (more > 0)
            add(&t, " (Helgrind reported the same pattern %zu more time%s.)", more,
                more == 1 ? "" : "s");
        add(&t, "\n");
    }
}
