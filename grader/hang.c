/* hang.c - a hung run's threads, locks and waits, explained (see hang.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hang.h"
#include "stage.h"

struct th {
    int number;
    char op[40];
    unsigned long obj, obj2;
    struct place at, start, api, by;
    char lock_name[64]; /* what the test named the lock it waits for (tl_label_begin), or "" */
};

struct hd {
    int number;
    unsigned long mutex;
    struct place site;
    char name[64];
};

struct facts {
    struct th *t;
    size_t nt;
    struct hd *h;
    size_t nh;
    const char *bd, *stub;
};

static unsigned long pointer(const char *s)
{
    return s ? strtoul(s, NULL, 16) : 0; /* "(nil)" reads as 0 */
}

/* A function's entry address, not a return address: addr2line must not step back a byte. */
static void entry_place(const char *frame, const char *bd, const char *stub, struct place *out)
{
    memset(out, 0, sizeof *out);
    const char *plus = frame ? strrchr(frame, '+') : NULL;
    if (!plus)
        return;
    char *next =
        xasprintf("%.*s+0x%lx", (int)(plus - frame), frame, strtoul(plus + 1, NULL, 16) + 1);
    symbolize_place(next, bd, stub, out);
    free(next);
}

static void call_place(const char *frame, const char *bd, const char *stub, struct place *out)
{
    memset(out, 0, sizeof *out);
    if (frame && strcmp(frame, "-") != 0)
        symbolize_place(frame, bd, stub, out);
}

static void read_facts(const struct strv *threads, const struct strv *held, const char *bd,
                       const char *stub, struct facts *f)
{
    memset(f, 0, sizeof *f);
    f->bd = bd, f->stub = stub;
    f->t = xcalloc(threads->len + 1, sizeof *f->t);
    f->h = xcalloc(held->len + 1, sizeof *f->h);
    for (size_t i = 0; i < threads->len; i++) {
        char *copy = xstrdup(threads->v[i]), *save = NULL, *tok[8] = {0};
        for (int k = 0; k < 8; k++)
            tok[k] = strtok_r(k ? NULL : copy, " ", &save);
        if (tok[7] && atoi(tok[0]) > 0) { /* threads numbered 0 are not the run's own */
            struct th *t = &f->t[f->nt++];
            t->number = atoi(tok[0]);
            snprintf(t->op, sizeof t->op, "%s", tok[1]);
            t->obj = pointer(tok[2]), t->obj2 = pointer(tok[3]);
            call_place(tok[4], bd, stub, &t->at);
            entry_place(tok[5], bd, stub, &t->start);
            entry_place(tok[6], bd, stub, &t->api);
            call_place(tok[7], bd, stub, &t->by);
            snprintf(t->lock_name, sizeof t->lock_name, "%s", save ? save : "");
        }
        free(copy);
    }
    for (size_t i = 0; i < held->len; i++) {
        char site[512];
        int number;
        char mutex[40];
        int rest = 0;
        if (sscanf(held->v[i], "%d %39s %511s %*d %n", &number, mutex, site, &rest) != 3)
            continue;
        struct hd *h = &f->h[f->nh++];
        h->number = number;
        h->mutex = pointer(mutex);
        snprintf(h->name, sizeof h->name, "%s", rest ? held->v[i] + rest : "");
        call_place(site, bd, stub, &h->site);
    }
}

static void free_facts(struct facts *f)
{
    for (size_t i = 0; i < f->nt; i++) {
        place_free(&f->t[i].at), place_free(&f->t[i].start);
        place_free(&f->t[i].api), place_free(&f->t[i].by);
    }
    for (size_t i = 0; i < f->nh; i++)
        place_free(&f->h[i].site);
    free(f->t), free(f->h);
}

static struct th *thread_no(struct facts *f, int number)
{
    for (size_t i = 0; i < f->nt; i++)
        if (f->t[i].number == number)
            return &f->t[i];
    return NULL;
}

static bool is_cond_wait(const struct th *t)
{
    return strcmp(t->op, "pthread_cond_wait") == 0 || strcmp(t->op, "pthread_cond_timedwait") == 0;
}

/* Who holds mutex m: not a thread in a condition wait on m, which released it to wait. */
static struct hd *holder(struct facts *f, unsigned long m)
{
    for (size_t i = 0; i < f->nh; i++) {
        if (f->h[i].mutex != m)
            continue;
        struct th *t = thread_no(f, f->h[i].number);
        if (t && is_cond_wait(t) && t->obj2 == m)
            continue;
        return &f->h[i];
    }
    return NULL;
}

char *stub_source_line(const char *bd, const char *stub, int line)
{
    if (line <= 0)
        return NULL;
    char *path = xasprintf("%s/%s", bd, stub);
    FILE *in = fopen(path, "r");
    free(path);
    if (!in)
        return NULL;
    char buf[4096];
    char *result = NULL;
    for (int n = 1; fgets(buf, sizeof buf, in); n++) {
        size_t len = strlen(buf);
        bool whole = len > 0 && buf[len - 1] == '\n';
        if (n == line) {
            char *s = buf;
            while (*s == ' ' || *s == '\t')
                s++;
            len = strcspn(s, "\r\n");
            if (len > 160)
                len = 160;
            result = len ? strndup(s, len) : NULL;
            break;
        }
        while (!whole && fgets(buf, sizeof buf, in)) /* the rest of a very long line */
            whole = buf[strlen(buf) - 1] == '\n';
    }
    fclose(in);
    return result;
}

/* "bank_transfer (locks.c:98)"; a place in the kit's code reads "the test (test_locks.c:50)". */
static char *where(const struct place *p)
{
    if (!p->file)
        return xstrdup("an unknown place");
    if (!p->in_stub)
        return xasprintf("the test (%s:%d)", p->file, p->line);
    return xasprintf("%s (%s:%d)", p->func, p->file, p->line);
}

/* Where a thread waits, with the API function it is in when that is another one:
 * "wait_until (queue.c:112), in bq_put". */
static char *where_thread(const struct th *t)
{
    char *at = where(&t->at);
    if (!t->api.func || !t->api.in_stub || !t->at.func || strcmp(t->api.func, t->at.func) == 0)
        return at;
    char *both = xasprintf("%s, in %s", at, t->api.func);
    free(at);
    return both;
}

/* The student's line, quoted as compilers do: "\n      98 |     pthread_mutex_lock(...);". */
static char *quote(struct facts *f, const struct place *p)
{
    char *text = p->in_stub ? stub_source_line(f->bd, f->stub, p->line) : NULL;
    char *q = text ? xasprintf("\n    %5d | %s", p->line, text) : xstrdup("");
    free(text);
    return q;
}

/* The lock in the student's words: the argument of the call on that line ("to->lock"),
 * after the test's name for it when it has one ("account 2's lock `to->lock`"). */
static char *lock_words(struct facts *f, const struct place *p, const char *name)
{
    if (name && *name) {
        char *plain = lock_words(f, p, NULL);
        const char *var = strchr(plain, '`');
        char *named = var ? xasprintf("%s %s", name, var) : xstrdup(name);
        free(plain);
        return named;
    }
    static const char *const calls[] = {"pthread_mutex_lock(", "pthread_mutex_trylock(",
                                        "pthread_mutex_timedlock(", NULL};
    char *text = p->in_stub ? stub_source_line(f->bd, f->stub, p->line) : NULL;
    char *words = NULL;
    for (int i = 0; text && calls[i] && !words; i++) {
        const char *s = strstr(text, calls[i]);
        if (!s)
            continue;
        s += strlen(calls[i]);
        while (*s == ' ' || *s == '&')
            s++;
        int depth = 0;
        const char *e = s;
        for (; *e && !(depth == 0 && (*e == ')' || *e == ',')); e++)
            depth += *e == '(' || *e == '[' ? 1 : *e == ')' || *e == ']' ? -1 : 0;
        if (e > s)
            words = xasprintf("the lock `%.*s`", (int)(e - s), s);
    }
    free(text);
    return words ? words : xasprintf("the lock taken at %s:%d", p->file ? p->file : "?", p->line);
}

static char *thread_name(const struct th *t)
{
    if (t->number == 1)
        return xstrdup("the test's main thread");
    return xasprintf("thread %d", t->number);
}

/* The same, at the start of a sentence. */
static char *Thread_name(const struct th *t)
{
    char *s = thread_name(t);
    s[0] = (char)(s[0] == 't' ? 'T' : s[0]);
    return s;
}

/* One line per thread: what it waits in, where, and what it holds. */
static char *describe_threads(struct facts *f);

char *hang_threads(const struct strv *threads, const struct strv *held, const char *bd,
                   const char *stub)
{
    struct facts f;
    read_facts(threads, held, bd, stub, &f);
    char *text = describe_threads(&f);
    free_facts(&f);
    return text;
}

/* What thread t does and holds, after its name: " (runs ...): waits in ..., called from ...". */
static char *thread_state(struct facts *f, struct th *t)
{
    struct sbuf b = {0};
    sbuf_add(&b, "");
    char *at = where_thread(t);
    if (t->by.in_stub && t->start.func)
        sbuf_addf(&b, " (runs %s, started in %s at %s:%d)", t->start.func, t->by.func, t->by.file,
                  t->by.line);
    else if (t->number > 1 && t->start.func)
        sbuf_addf(&b, " (runs %s, started by the test)", t->start.func);
    if (strcmp(t->op, "running") == 0)
        sbuf_add(&b, ": running");
    else if (strcmp(t->op, "observing") == 0)
        sbuf_add(&b, ": the test's, only reading (it can wake no one)");
    else
        sbuf_addf(&b, ": waits in %s, called from %s", t->op, at);
    for (size_t k = 0; k < f->nh; k++) {
        if (f->h[k].number != t->number || holder(f, f->h[k].mutex) != &f->h[k])
            continue;
        char *lock = lock_words(f, &f->h[k].site, f->h[k].name), *taken = where(&f->h[k].site);
        sbuf_addf(&b, "; holds %s, taken in %s", lock, taken);
        free(lock), free(taken);
    }
    free(at);
    return b.s;
}

/* One line per thread; a run of threads in the same state (a thousand started by one loop) is
 * one line. */
static char *describe_threads(struct facts *f)
{
    struct sbuf b = {0};
    sbuf_add(&b, "Where each thread was:\n");
    for (size_t i = 0; i < f->nt;) {
        char *state = thread_state(f, &f->t[i]);
        size_t j = i + 1;
        for (; j < f->nt && f->t[j].number == f->t[j - 1].number + 1 && f->t[i].number > 1; j++) {
            char *next = thread_state(f, &f->t[j]);
            bool same = strcmp(next, state) == 0;
            free(next);
            if (!same)
                break;
        }
        if (j - i > 2) {
            sbuf_addf(&b, "  - threads %d to %d (%zu threads, each the same)%s\n", f->t[i].number,
                      f->t[j - 1].number, j - i, state);
        } else {
            j = i + 1;
            char *name = thread_name(&f->t[i]);
            sbuf_addf(&b, "  - %s%s\n", name, state);
            free(name);
        }
        free(state);
        i = j;
    }
    return b.s;
}

static void set(struct diagnosis *d, const char *verdict, char *message, char *details)
{
    d->verdict = xstrdup(verdict);
    d->message = message;
    d->details = details ? details : xstrdup("");
}

/* Thread t waits for a lock that it holds itself. */
static void self_deadlock(struct facts *f, struct th *t, struct hd *h, struct diagnosis *d)
{
    char *name = thread_name(t), *lock = lock_words(f, &t->at, t->lock_name), *at = where_thread(t);
    char *taken = where(&h->site), *q1 = quote(f, &h->site), *q2 = quote(f, &t->at);
    /* Taken in one function and again in another: a locking function called with the lock
     * held (bq_put calling bq_size). In the same function: two locks that are one object. */
    bool nested = t->at.func && h->site.func && strcmp(t->at.func, h->site.func) != 0;
    char *advice =
        nested ? xasprintf("%s locks it itself, and is called with it held. Revisit: call, "
                           "with the lock held, a helper that expects its caller to hold it "
                           "(a static function that does not lock), never a function that "
                           "locks it again.",
                           t->at.func)
               : xstrdup("Are both locks the same one here (the same object passed twice, "
                         "e.g. from == to)? Revisit: a thread never locks a mutex it already "
                         "holds; handle the case where both locks are the same before taking "
                         "the second.");
    set(d, "deadlock",
        xasprintf("Deadlock: %s locks %s in %s while it already holds it: it locked it in %s.%s%s\n"
                  "A default mutex locked twice by the same thread waits for itself forever. %s",
                  name, lock, at, taken, q1, q2, advice),
        describe_threads(f));
    free(advice);
    free(name), free(lock), free(at), free(taken), free(q1), free(q2);
}

/* A cycle of k threads, each holding the lock the previous one waits for. */
static void lock_cycle(struct facts *f, struct th **cycle, struct hd **holds, int k,
                       struct diagnosis *d)
{
    struct sbuf b = {0};
    sbuf_add(&b, "Deadlock: a lock-order cycle. ");
    for (int i = 0; i < k; i++) {
        struct th *t = cycle[i];
        struct hd *h = holds[i]; /* what t holds: the lock cycle[i-1] waits for */
        char *name = i ? thread_name(t) : Thread_name(t), *held = lock_words(f, &h->site, h->name);
        char *taken = where(&h->site);
        char *wanted = lock_words(f, &t->at, t->lock_name), *at = where_thread(t);
        sbuf_addf(&b, "%s%s holds %s (taken in %s) and waits for %s in %s", i ? "; " : "", name,
                  held, taken, wanted, at);
        free(name), free(held), free(taken), free(wanted), free(at);
    }
    sbuf_add(&b, ". Each waits for a lock another holds, so none can go on.");
    if (k == 2 && holds[0]->site.line == holds[1]->site.line &&
        cycle[0]->at.line == cycle[1]->at.line)
        sbuf_add(&b, " Both run the same lines with the roles swapped: the lock one thread took "
                     "first is the one the other takes second.");
    /* the student's lines, each once, in file order */
    int lines[2 * 8] = {0}, n = 0;
    for (int i = 0; i < k && n < 2 * 8 - 1; i++) {
        const struct place *p[2] = {&holds[i]->site, &cycle[i]->at};
        for (int j = 0; j < 2; j++) {
            bool seen = !p[j]->in_stub;
            for (int m = 0; m < n && !seen; m++)
                seen = lines[m] == p[j]->line;
            if (!seen)
                lines[n++] = p[j]->line;
        }
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && lines[j - 1] > lines[j]; j--) {
            int t = lines[j];
            lines[j] = lines[j - 1], lines[j - 1] = t;
        }
    for (int i = 0; i < n; i++) {
        struct place p = {.in_stub = true, .line = lines[i]};
        char *q = quote(f, &p);
        sbuf_add(&b, q);
        free(q);
    }
    sbuf_add(&b, "\nRevisit: lock ordering: when a thread needs two locks, every thread must "
                 "take them in one global order (e.g. the lower account number first), "
                 "whatever the direction of the operation.");
    set(d, "deadlock", b.s, describe_threads(f));
}

/* t waits for a lock that h's thread holds while that thread is blocked on something else. */
static void held_while_blocked(struct facts *f, struct th *t, struct hd *h, struct diagnosis *d)
{
    struct th *owner = thread_no(f, h->number);
    char *name = thread_name(t), *lock = lock_words(f, &t->at, t->lock_name), *at = where_thread(t);
    char *oname = owner ? thread_name(owner) : xstrdup("another thread");
    char *taken = where(&h->site), *oat = owner ? where_thread(owner) : xstrdup("?");
    char *q = quote(f, &h->site);
    /* a thread in tl_await is running a task or callback that the test gave the code */
    bool in_test_fn = owner && strcmp(owner->op, "tl_await") == 0;
    char *doing = in_test_fn ? xasprintf("while it runs a function that the test gave it and "
                                         "that waits for the test to go on (%s)",
                                         oat)
                             : xasprintf("and is itself blocked in %s, called from %s",
                                         owner ? owner->op : "a wait", oat);
    const char *revisit =
        in_test_fn ? "never hold a lock while you call a function you were given (a task, a "
                     "callback): it may wait, run for long, or call your code, which then needs "
                     "that lock."
                   : "never block (wait for a condition, join, sem_wait) while holding a lock "
                     "another thread needs to make progress; a condition wait releases only its "
                     "own mutex.";
    set(d, "deadlock",
        xasprintf("Deadlock: %s waits for %s in %s; %s holds it (taken in %s) %s.%s\nRevisit: %s",
                  name, lock, at, oname, taken, doing, q, revisit),
        describe_threads(f));
    free(doing);
    free(name), free(lock), free(at), free(oname), free(taken), free(oat), free(q);
}

static void nobody_holds(struct facts *f, struct th *t, struct diagnosis *d)
{
    char *name = thread_name(t), *lock = lock_words(f, &t->at, t->lock_name), *at = where_thread(t);
    char *q = quote(f, &t->at);
    set(d, "deadlock",
        xasprintf("Deadlock: %s waits for %s in %s, but no running thread holds it: it was "
                  "locked and never unlocked, by a thread that has ended or on a path that "
                  "returned early, or it was never initialized.%s\nRevisit: every lock is "
                  "unlocked on every path out of the function that took it.",
                  name, lock, at, q),
        describe_threads(f));
    free(name), free(lock), free(at), free(q);
}

/* Nobody waits for a lock: threads wait for a condition, a post or a join that never comes. */
static void lost_wakeup(struct facts *f, struct diagnosis *d)
{
    struct sbuf b = {0};
    struct th *first = NULL;
    int conds = 0;
    for (size_t i = 0; i < f->nt; i++)
        if (is_cond_wait(&f->t[i]) || strcmp(f->t[i].op, "sem_wait") == 0) {
            conds++;
            if (!first || (!first->at.in_stub && f->t[i].at.in_stub))
                first = &f->t[i];
        }
    if (!first) {
        sbuf_add(&b, "Every thread is blocked (in a join or a barrier, or the test waits for "
                     "your code) and none can wake another: the run would never end.");
        sbuf_add(&b, "\nRevisit: every thread your code starts must end, and be joined.");
        set(d, "hang", b.s, describe_threads(f));
        return;
    }
    int same = 0;
    for (size_t i = 0; i < f->nt; i++) {
        const struct place *a = &f->t[i].at, *b = &first->at;
        same += strcmp(f->t[i].op, first->op) == 0 && a->line == b->line &&
                (a->file && b->file ? strcmp(a->file, b->file) == 0 : a->file == b->file);
    }
    char *at = where_thread(first), *q = quote(f, &first->at);
    bool sem = strcmp(first->op, "sem_wait") == 0;
    sbuf_addf(&b,
              "Lost wakeup: %d thread%s wait%s in %s in %s%s, and no thread is left that could "
              "wake %s: every other thread is blocked too, and no mutex is held.%s\n",
              same, same == 1 ? "" : "s", same == 1 ? "s" : "", first->op, at,
              conds > same ? " (and more elsewhere)" : "", same == 1 ? "it" : "them", q);
    if (sem)
        sbuf_add(&b, "A sem_post that was needed never came. Revisit: each sem_wait needs a "
                     "matching sem_post on every path, including close and shutdown.");
    else
        sbuf_add(&b, "A signal was never sent, or reached one waiter when several needed to "
                     "wake; or what they wait for can never happen: a lock built from a "
                     "condition variable (an owner and a depth, as in an rlock) that is still "
                     "held by a thread that returned or ended without releasing it, or by the "
                     "waiting thread itself. Revisit: signal or broadcast after every change a "
                     "waiter waits for (broadcast when several may need to wake, as on close), "
                     "always under the mutex's protection, and re-check the condition in a "
                     "while loop.");
    free(at), free(q);
    set(d, "lost wakeup", b.s, describe_threads(f));
}

void hang_explain(const struct strv *threads, const struct strv *held, const char *bd,
                  const char *stub, struct diagnosis *d)
{
    struct facts f;
    read_facts(threads, held, bd, stub, &f);
    memset(d, 0, sizeof *d);
    struct th **cycle = xcalloc(f.nt + 1, sizeof *cycle);
    struct hd **holds = xcalloc(f.nt + 1, sizeof *holds);
    /* A lock waiter first: follow "waits for a lock held by" until it comes back or stops. */
    for (size_t i = 0; i < f.nt && !d->verdict; i++) {
        struct th *t = &f.t[i];
        if (strcmp(t->op, "pthread_mutex_lock") != 0)
            continue;
        struct hd *h = holder(&f, t->obj);
        if (!h) {
            nobody_holds(&f, t, d);
            break;
        }
        if (h->number == t->number) {
            self_deadlock(&f, t, h, d);
            break;
        }
        int k = 0;
        struct th *cur = t;
        while (cur && k < (int)f.nt) {
            struct hd *ch = holder(&f, cur->obj);
            if (!ch || strcmp(cur->op, "pthread_mutex_lock") != 0)
                break;
            cycle[k] = cur;
            holds[k + 1] = ch; /* held by the next thread of the chain */
            k++;
            cur = thread_no(&f, ch->number);
            if (cur == t) {
                holds[0] = ch;
                lock_cycle(&f, cycle, holds, k, d);
                break;
            }
        }
    }
    /* A lock waiter not in a cycle: its lock is held by a thread blocked on something else. */
    for (size_t i = 0; i < f.nt && !d->verdict; i++) {
        struct th *t = &f.t[i];
        struct hd *h = strcmp(t->op, "pthread_mutex_lock") == 0 ? holder(&f, t->obj) : NULL;
        struct th *owner = h ? thread_no(&f, h->number) : NULL;
        if (owner && strcmp(owner->op, "pthread_mutex_lock") != 0)
            held_while_blocked(&f, t, h, d);
    }
    if (!d->verdict)
        lost_wakeup(&f, d);
    free(cycle), free(holds);
    free_facts(&f);
}

void leak_explain(const char *leaked, const char *bd, const char *stub, struct diagnosis *d)
{
    char what[16], fn[512], site[512], mutex[40];
    int number = 0, rest = 0;
    memset(d, 0, sizeof *d);
    if (sscanf(leaked, "%15s %d %39s %511s %511s %n", what, &number, mutex, fn, site, &rest) != 5) {
        set(d, "lock left held", xstrdup("a function returned still holding a lock."), NULL);
        return;
    }
    struct facts f = {.bd = bd, .stub = stub};
    struct place func, at;
    entry_place(fn, bd, stub, &func);
    call_place(site, bd, stub, &at);
    char *lock = lock_words(&f, &at, rest ? leaked + rest : NULL), *taken = where(&at),
         *q = quote(&f, &at);
    const char *name = func.func ? func.func : "a function";
    if (strcmp(what, "exited") == 0)
        d->message = xasprintf(
            "A thread running %s ended while still holding %s, taken in %s.%s\nNo other thread "
            "can ever take that lock again. Revisit: unlock on every path before the thread "
            "function returns (or calls pthread_exit).",
            name, lock, taken, q);
    else
        d->message = xasprintf(
            "%s returned while still holding %s, taken in %s.%s\nThe next call that needs it "
            "will wait forever. Revisit: every path out of a function unlocks what it locked: "
            "look for a return (an error path?) between the lock and its unlock.",
            name, lock, taken, q);
    d->verdict = xstrdup("lock left held");
    d->details = xstrdup("");
    free(lock), free(taken), free(q);
    place_free(&func), place_free(&at);
}

void poll_explain(const char *poll, const char *bd, const char *stub, struct diagnosis *d)
{
    char api[512], site[512];
    int number = 0, pollers = 0, ms = 0;
    unsigned long sleeps = 0, calls = 0;
    memset(d, 0, sizeof *d);
    if (sscanf(poll, "%d %d %lu %lu %d %511s %511s", &number, &pollers, &sleeps, &calls, &ms, api,
               site) != 7) {
        set(d, "polling", xstrdup("threads that should wait kept running instead."), NULL);
        return;
    }
    struct facts f = {.bd = bd, .stub = stub};
    struct place func, at;
    entry_place(api, bd, stub, &func);
    call_place(site, bd, stub, &at);
    bool busy = sleeps == 0;
    const char *name = func.func ? func.func : "the code under test";
    char *who = pollers > 1 ? xasprintf("%d threads", pollers) : xasprintf("thread %d", number);
    char *last = where(&at), *q = quote(&f, &at);
    d->message = xasprintf(
        "%s does not wait: for %.2f s %s stayed inside it without ever blocking, making %lu "
        "calls to lock, unlock or sleep%s. The loop's latest call was in %s:%s\n"
        "A thread that must wait sleeps in pthread_cond_wait, in a while loop that rechecks "
        "its condition, until another thread signals the change it waits for. Revisit: "
        "condition variables: waiting without polling.",
        name, ms / 1000.0, who, calls,
        busy ? " and never sleeping: a busy-wait" : ", sleeping between looks: polling", last, q);
    d->verdict = xstrdup(busy ? "busy-wait" : "polling");
    d->details = xstrdup("");
    free(who), free(last), free(q);
    place_free(&func), place_free(&at);
}

/* The first frame in the student's file among space-separated frames (a signal handler's
 * backtrace: the support code's frames first, then where the thread was). */
static void first_stub_place(const char *frames, const char *bd, const char *stub,
                             struct place *out)
{
    memset(out, 0, sizeof *out);
    char *copy = xstrdup(frames), *save = NULL;
    for (char *fr = strtok_r(copy, " ", &save); fr; fr = strtok_r(NULL, " ", &save)) {
        call_place(fr, bd, stub, out);
        if (out->in_stub)
            break;
        place_free(out);
        memset(out, 0, sizeof *out);
    }
    free(copy);
}

/* SPIN NUMBER SECONDS SLEEPS CALLS SPUN_BEFORE API_FRAME FRAMES... (tl_watch.c) */
struct spin_head {
    int number, before, frames; /* frames: the offset of FRAMES in the line */
    double secs;
    unsigned long sleeps, calls;
    char api[512];
};

static bool spin_parse(const char *spin, struct spin_head *h)
{
    memset(h, 0, sizeof *h);
    return sscanf(spin, "%d %lf %lu %lu %d %511s %n", &h->number, &h->secs, &h->sleeps, &h->calls,
                  &h->before, h->api, &h->frames) >= 6;
}

char *spin_function(const char *spin)
{
    struct spin_head h;
    return spin_parse(spin, &h) ? xstrdup(h.api) : NULL;
}

void spin_explain(const char *spin, const struct strv *threads, const struct strv *held,
                  const char *bd, const char *stub, struct diagnosis *d)
{
    struct spin_head h;
    memset(d, 0, sizeof *d);
    if (!spin_parse(spin, &h)) {
        set(d, "endless loop",
            xstrdup("a thread kept running in the code under test while "
                    "every other thread was blocked."),
            NULL);
        return;
    }
    struct facts f;
    read_facts(threads, held, bd, stub, &f);
    struct place func, at;
    entry_place(h.api, bd, stub, &func);
    first_stub_place(h.frames ? spin + h.frames : "", bd, stub, &at);
    const char *name = func.func ? func.func : "the code under test";
    struct th self = {.number = h.number};
    char *who = thread_name(&self), *q = quote(&f, &at), *place = where(&at);
    int running = 0;
    for (size_t i = 0; i < f.nt; i++)
        running += f.t[i].number != h.number && strcmp(f.t[i].op, "running") == 0;
    char *others = f.nt <= 1      ? xstrdup(", and no other thread was running")
                   : running == 0 ? xstrdup(", while every other thread was blocked")
                                  : xasprintf(", while %d other thread%s ran in the code under "
                                              "test too",
                                              running, running == 1 ? "" : "s");
    unsigned long locks = h.calls - h.sleeps;
    const char *verdict = h.sleeps ? "polling" : locks ? "busy-wait" : "endless loop";
    const char *how = h.sleeps ? ", sleeping between looks: it polls for"
                      : locks  ? ", locking and unlocking all along: it busy-waits for"
                               : ": an endless loop, or a busy-wait for";
    char *when = at.in_stub ? xasprintf("It was in %s when stopped:%s\n", place, q) : xstrdup("");
    d->message = xasprintf(
        "%s never returns: %s stayed inside it for %.1f s without waiting once%s%s%s something "
        "no thread is left to do. %sEvery loop must end: its condition must become false, by "
        "this thread's work or by another thread's; a thread that must wait for another sleeps "
        "in pthread_cond_wait until it is signalled. Revisit: loop conditions%s.",
        name, who, h.secs, h.before ? " (as in an earlier test)" : "", others, how, when,
        h.sleeps || locks ? "; condition variables: waiting without polling" : "");
    d->verdict = xstrdup(verdict);
    d->details = describe_threads(&f);
    free(who), free(q), free(place), free(when), free(others);
    place_free(&func), place_free(&at);
    free_facts(&f);
}

void diagnosis_free(struct diagnosis *d)
{
    free(d->verdict), free(d->message), free(d->details);
    memset(d, 0, sizeof *d);
}
