/* test_findings.c - the detector-report parsers and feedback, on reports captured from real runs.
 *
 * Fixtures are read from $FD_FIXTURES, else grader/tests/fixtures (run from the repo root).
 * fixtures/README.md says how each was captured.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "findings.h"

static const char *fixture(const char *name)
{
    static char path[4096];
    const char *dir = getenv("FD_FIXTURES");
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "grader/tests/fixtures", name);
    return path;
}

static char *slurp(const char *name, size_t *len)
{
    FILE *in = fopen(fixture(name), "rb");
    cr_assert(in, "cannot open fixture %s: run from the repo root or set FD_FIXTURES",
              fixture(name));
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    fseek(in, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert(buf && fread(buf, 1, (size_t)n, in) == (size_t)n);
    buf[n] = '\0';
    fclose(in);
    if (len)
        *len = (size_t)n;
    return buf;
}

static struct fd_list tsan(const char *name, const char *student, int expect)
{
    struct fd_list l = {0};
    char *text = slurp(name, NULL);
    int n = fd_parse_tsan(text, student, &l);
    free(text);
    cr_assert_eq(n, expect, "%s: %d findings, expected %d", name, n, expect);
    cr_assert_eq(l.len, (size_t)expect);
    return l;
}

static struct fd_list vg(const char *name, const char *student, int expect)
{
    struct fd_list l = {0};
    int n = fd_parse_valgrind_xml(fixture(name), student, &l);
    cr_assert_eq(n, expect, "%s: returned %d, expected %d", name, n, expect);
    return l;
}

static void site_is(const struct fd_site *s, const char *func, const char *file, int line)
{
    cr_assert_str_eq(s->func, func);
    cr_assert_str_eq(s->file, file);
    cr_assert_eq(s->line, line, "%s: line %d, expected %d", func, s->line, line);
}

static void explains(const struct finding *f, const char *needle)
{
    char buf[1024];
    fd_explain(f, buf, sizeof buf);
    cr_assert(strstr(buf, needle), "explanation lacks \"%s\":\n%s", needle, buf);
}

static size_t failures(const struct fd_list *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->len; i++)
        n += l->items[i].failure;
    return n;
}

/* ---- ThreadSanitizer -------------------------------------------------------------------- */

Test(findings, tsan_race_on_heap_field)
{
    struct fd_list l = tsan("tsan/race_heap.txt", "queue.c", 1);
    const struct finding *f = &l.items[0];
    cr_assert_eq(f->kind, FD_RACE);
    cr_assert(f->failure);
    cr_assert_str_eq(f->tool_kind, "data race");
    site_is(&f->at, "bq_put", "queue.c", 40);
    site_is(&f->other, "bq_get", "queue.c", 54);
    cr_assert_eq(f->at_access, FD_WRITE);
    cr_assert_eq(f->other_access, FD_READ);
    cr_assert_str_eq(f->object, "heap block of 160 bytes allocated in bq_create (queue.c:17)");
    explains(f, "Data race on the heap block of 160 bytes allocated in bq_create (queue.c:17): "
                "bq_put (queue.c:40) writes it while bq_get (queue.c:54) reads it");
    fd_list_free(&l);
}

Test(findings, tsan_race_on_global)
{
    struct fd_list l = tsan("tsan/race_global.txt", "queue.c", 1);
    const struct finding *f = &l.items[0];
    cr_assert_eq(f->kind, FD_RACE);
    cr_assert_str_eq(f->object, "global variable 'bq_total'");
    site_is(&f->at, "bq_get", "queue.c", 65);
    site_is(&f->other, "bq_put", "queue.c", 43);
    explains(f, "global variable 'bq_total'");
    fd_list_free(&l);
}

/* The SUMMARY line and the top frames point into tl_wrap.c: the student's frame must win. */
Test(findings, tsan_lock_order_skips_the_wrappers)
{
    const char *files[] = {"tsan/lock_order.txt", "tsan/lock_order_second_stack.txt"};
    for (size_t i = 0; i < 2; i++) {
        struct fd_list l = tsan(files[i], "locks.c", 1);
        const struct finding *f = &l.items[0];
        cr_assert_eq(f->kind, FD_LOCK_ORDER);
        cr_assert(f->failure);
        cr_assert_str_eq(f->tool_kind, "lock-order-inversion (potential deadlock)");
        site_is(&f->at, "bank_transfer", "locks.c", 42);
        site_is(&f->other, "bank_transfer", "locks.c", 42);
        explains(f, "Possible deadlock (lock-order inversion): bank_transfer (locks.c:42)");
        explains(f, "opposite order");
        fd_list_free(&l);
    }
}

Test(findings, tsan_unlock_of_unlocked_mutex)
{
    struct fd_list l = tsan("tsan/unlock_unlocked.txt", "locks.c", 1);
    const struct finding *f = &l.items[0];
    cr_assert_eq(f->kind, FD_MISUSE);
    cr_assert(f->failure);
    site_is(&f->at, "bank_deposit", "locks.c", 68);
    cr_assert_str_eq(f->object, "mutex created in bank_create (locks.c:31)");
    explains(f, "bank_deposit (locks.c:68) unlocks the mutex created in bank_create (locks.c:31)");
    fd_list_free(&l);
}

Test(findings, tsan_unlock_by_other_thread_and_destroy_locked)
{
    struct fd_list l = tsan("tsan/unlock_foreign.txt", "locks.c", 2);
    for (size_t i = 0; i < l.len; i++) {
        cr_assert_eq(l.items[i].kind, FD_MISUSE);
        site_is(&l.items[i].at, "bank_unlock_all", "locks.c", 81);
    }
    fd_list_free(&l);
    l = tsan("tsan/destroy_locked.txt", "locks.c", 4);
    cr_assert_eq(failures(&l), 4);
    site_is(&l.items[3].at, "bank_destroy", "locks.c", 100);
    explains(&l.items[0], "destroys the mutex created in bank_create (locks.c:31) while it is");
    fd_list_free(&l);
}

Test(findings, tsan_wait_without_mutex)
{
    struct fd_list l = tsan("tsan/cond_unheld.txt", "locks.c", 1);
    cr_assert_eq(l.items[0].kind, FD_MISUSE);
    site_is(&l.items[0].at, "bank_deposit", "locks.c", 56);
    explains(&l.items[0], "waits on a condition variable without holding its mutex");
    fd_list_free(&l);
}

Test(findings, tsan_thread_leak)
{
    struct fd_list l = tsan("tsan/thread_leak.txt", "pool.c", 1);
    const struct finding *f = &l.items[0];
    cr_assert_eq(f->kind, FD_THREAD);
    cr_assert(f->failure);
    site_is(&f->at, "pool_create", "pool.c", 31);
    explains(f, "2 threads created in pool_create (pool.c:31) were never joined");
    fd_list_free(&l);
}

Test(findings, tsan_use_after_free)
{
    struct fd_list l = tsan("tsan/use_after_free.txt", "queue.c", 1);
    const struct finding *f = &l.items[0];
    cr_assert_eq(f->kind, FD_MEMORY);
    site_is(&f->at, "bq_destroy", "queue.c", 80);
    site_is(&f->other, "bq_destroy", "queue.c", 79);
    explains(f, "Use after free: bq_destroy (queue.c:80) reads");
    fd_list_free(&l);
}

/* A thread joined twice: the runtime's own check fails inside pthread_join, with no WARNING
 * line and no SUMMARY; the finding still names the student's line and the call. */
Test(findings, tsan_check_failed_in_join)
{
    struct fd_list l = tsan("tsan/check_failed_join.txt", "daemon.c", 1);
    const struct finding *f = &l.items[0];
    cr_assert_eq(f->kind, FD_MISUSE);
    cr_assert(f->failure);
    site_is(&f->at, "ticker_stop", "daemon.c", 119);
    explains(f, "ticker_stop (daemon.c:119) joins a thread that was already joined");
    explains(f, "pthread_join");
    fd_list_free(&l);
}

/* Without the student's name the first frame outside the support code and libraries wins. */
Test(findings, tsan_without_student_file)
{
    struct fd_list l = tsan("tsan/lock_order.txt", NULL, 1);
    site_is(&l.items[0].at, "bank_transfer", "locks.c", 42);
    fd_list_free(&l);
    l = tsan("tsan/race_heap.txt", "", 1);
    site_is(&l.items[0].at, "bq_put", "queue.c", 40);
    fd_list_free(&l);
}

Test(findings, tsan_clean_and_concatenated)
{
    struct fd_list l = {0};
    cr_assert_eq(fd_parse_tsan("", "queue.c", &l), 0);
    cr_assert_eq(fd_parse_tsan("ThreadSanitizer: reported 0 warnings\n", "queue.c", &l), 0);
    char *a = slurp("tsan/race_heap.txt", NULL), *b = slurp("tsan/thread_leak.txt", NULL);
    size_t n = strlen(a) + strlen(b) + 1;
    char *both = malloc(n);
    snprintf(both, n, "%s%s", a, b);
    cr_assert_eq(fd_parse_tsan(both, "queue.c", &l), 2);
    cr_assert_eq(l.items[0].kind, FD_RACE);
    cr_assert_eq(l.items[1].kind, FD_THREAD);
    free(a);
    free(b);
    free(both);
    fd_list_free(&l);
}

/* ---- Helgrind --------------------------------------------------------------------------- */

Test(findings, helgrind_race_and_dubious_notes)
{
    struct fd_list l = vg("helgrind/race_heap.xml", "queue.c", 3);
    size_t races = 0, notes = 0;
    for (size_t i = 0; i < l.len; i++) {
        const struct finding *f = &l.items[i];
        if (f->kind == FD_RACE) {
            races++;
            cr_assert(f->failure);
            cr_assert_str_eq(f->object,
                             "heap block of 160 bytes allocated in bq_create (queue.c:17)");
            cr_assert(f->at_access != FD_ACCESS_UNKNOWN && f->other_access != FD_ACCESS_UNKNOWN);
        } else {
            notes++;
            cr_assert_not(f->failure, "the signal-after-unlock note must cost nothing");
            cr_assert_str_eq(f->tool_kind, "Misc");
        }
    }
    cr_assert_eq(races, 2);
    cr_assert_eq(notes, 1);
    const struct finding *r = &l.items[0];
    site_is(&r->at, "bq_put", "queue.c", 40);
    site_is(&r->other, "bq_get", "queue.c", 54);
    explains(r, "bq_put (queue.c:40) writes it while bq_get (queue.c:54) reads it");
    fd_list_free(&l);
}

Test(findings, helgrind_race_on_global)
{
    struct fd_list l = vg("helgrind/race_global.xml", "counter.c", 2);
    cr_assert_eq(failures(&l), 2);
    cr_assert_str_eq(l.items[0].object, "global variable 'counter'");
    site_is(&l.items[0].at, "counter_add", "counter.c", 8);
    fd_list_free(&l);
}

Test(findings, helgrind_signal_after_unlock_is_a_note)
{
    struct fd_list l = vg("helgrind/dubious.xml", "queue.c", 2);
    cr_assert_eq(failures(&l), 0);
    site_is(&l.items[0].at, "bq_put", "queue.c", 48);
    explains(&l.items[0], "signals a condition variable after unlocking its mutex. POSIX allows");
    fd_list_free(&l);
}

Test(findings, helgrind_lock_order)
{
    struct fd_list l = vg("helgrind/lock_order.xml", "locks.c", 1);
    const struct finding *f = &l.items[0];
    cr_assert_eq(f->kind, FD_LOCK_ORDER);
    cr_assert(f->failure);
    site_is(&f->at, "bank_transfer", "locks.c", 42);
    site_is(&f->other, "bank_transfer", "locks.c", 42);
    cr_assert_str_eq(f->object, "mutex created in bank_create (locks.c:31)");
    explains(f, "bank_transfer (locks.c:42) locks a second mutex while holding the mutex created "
                "in bank_create (locks.c:31)");
    fd_list_free(&l);
}

/* Lock one, try the other, back off: Helgrind reports the two orders, but the later acquisition
 * of one is a trylock, which never waits, so no deadlock: notes only. */
Test(findings, helgrind_trylock_order_is_a_note)
{
    struct fd_list l = vg("helgrind/trylock_order.xml", "locks.c", 2);
    cr_assert_eq(failures(&l), 0);
    for (size_t i = 0; i < l.len; i++)
        cr_assert_eq(l.items[i].kind, FD_LOCK_ORDER);
    site_is(&l.items[0].at, "lock_pair", "locks.c", 124);
    explains(&l.items[0], "only tries its second mutex (pthread_mutex_trylock), which never waits");
    site_is(&l.items[1].at, "bank_total", "locks.c", 171);
    site_is(&l.items[1].other, "lock_pair", "locks.c", 124);
    fd_list_free(&l);
}

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The same legal pattern reported at several stacks is one note, with a count. */
Test(findings, notes_are_grouped)
{
    char notes[4096];
    struct fd_list l = vg("helgrind/trylock_order.xml", "locks.c", 2);
    fd_explain_notes(&l, notes, sizeof notes);
    cr_assert_eq(count_of(notes, "Note (costs nothing): "), 1, "%s", notes);
    cr_assert(strstr(notes, "Note (costs nothing): lock_pair (locks.c:124) locks a second mutex"),
              "%s", notes);
    cr_assert(strstr(notes, "(Helgrind reported the same pattern 1 more time.)\n"), "%s", notes);
    fd_list_free(&l);

    /* failures are never notes */
    l = vg("helgrind/lock_order.xml", "locks.c", 1);
    fd_explain_notes(&l, notes, sizeof notes);
    cr_assert_str_eq(notes, "");
    fd_list_free(&l);
}

Test(findings, helgrind_unlock_misuse)
{
    struct fd_list l = vg("helgrind/unlock_unlocked.xml", "locks.c", 2);
    cr_assert_str_eq(l.items[0].tool_kind, "UnlockUnlocked");
    cr_assert_eq(l.items[0].kind, FD_MISUSE);
    site_is(&l.items[0].at, "bank_deposit", "locks.c", 68);
    cr_assert_str_eq(l.items[1].tool_kind, "PthAPIerror");
    cr_assert(strstr(l.items[1].summary, "EBUSY"));
    fd_list_free(&l);
    l = vg("helgrind/unlock_foreign.xml", "locks.c", 3);
    cr_assert_str_eq(l.items[0].tool_kind, "UnlockForeign");
    cr_assert_eq(failures(&l), 3);
    explains(&l.items[0], "while another thread holds it");
    fd_list_free(&l);
}

Test(findings, helgrind_api_misuse_is_failure)
{
    const char *files[] = {"helgrind/destroy_locked.xml", "helgrind/exit_holding.xml",
                           "helgrind/cond_unheld.xml", "helgrind/relock.xml"};
    const char *says[] = {"destroys the mutex", "exited while still holding",
                          "without holding its mutex", "already holds"};
    for (size_t i = 0; i < 4; i++) {
        struct fd_list l = {0};
        cr_assert_gt(fd_parse_valgrind_xml(fixture(files[i]), "locks.c", &l), 0);
        cr_assert_eq(failures(&l), l.len, "%s: every report is a failure", files[i]);
        cr_assert_eq(l.items[0].kind, FD_MISUSE);
        explains(&l.items[0], says[i]);
        fd_list_free(&l);
    }
}

/* Valgrind killed mid-write: -1, but the reports completed before the cut are kept. */
Test(findings, helgrind_killed_run)
{
    struct fd_list l = vg("helgrind/killed.xml", "locks.c", -1);
    cr_assert_eq(l.len, 1);
    cr_assert(strstr(l.items[0].summary, "Exiting thread still holds 1 lock"));
    fd_list_free(&l);
}

/* ---- memcheck --------------------------------------------------------------------------- */

Test(findings, memcheck_clean_run)
{
    struct fd_list l = vg("memcheck/clean.xml", "queue.c", 0);
    cr_assert_eq(l.len, 0);
    fd_list_free(&l);
}

Test(findings, memcheck_definite_leak)
{
    struct fd_list l = vg("memcheck/leak.xml", "queue.c", 1);
    const struct finding *f = &l.items[0];
    cr_assert_eq(f->kind, FD_LEAK);
    cr_assert(f->failure);
    cr_assert_str_eq(f->tool_kind, "Leak_DefinitelyLost");
    site_is(&f->at, "bq_create", "queue.c", 21);
    explains(f, "16 bytes allocated in bq_create (queue.c:21) are never freed");
    fd_list_free(&l);
}

Test(findings, memcheck_leaks_by_libc_are_notes)
{
    struct fd_list l = vg("memcheck/possibly_lost.xml", "pool.c", 1);
    cr_assert_eq(l.items[0].kind, FD_LEAK);
    cr_assert_not(l.items[0].failure, "thread stacks allocated in pthread_create are not leaks");
    fd_list_free(&l);
    /* still reachable, but allocated by the student's own malloc: that one counts */
    l = vg("memcheck/reachable.xml", "queue.c", 2);
    cr_assert_eq(failures(&l), 2);
    fd_list_free(&l);
}

Test(findings, memcheck_use_after_free)
{
    struct fd_list l = vg("memcheck/uaf.xml", "queue.c", 1);
    const struct finding *f = &l.items[0];
    cr_assert_eq(f->kind, FD_MEMORY);
    cr_assert(f->failure);
    site_is(&f->at, "bq_destroy", "queue.c", 80);
    site_is(&f->other, "bq_destroy", "queue.c", 79);
    cr_assert_str_eq(f->object, "heap block of 160 bytes allocated in bq_create (queue.c:17)");
    explains(f, "Use after free: bq_destroy (queue.c:80) reads the heap block of 160 bytes "
                "allocated in bq_create (queue.c:17) after bq_destroy (queue.c:79) freed it");
    fd_list_free(&l);
}

Test(findings, memcheck_invalid_access_double_free_uninit)
{
    struct fd_list l = vg("memcheck/invalid_write.xml", "queue.c", 2);
    cr_assert_str_eq(l.items[0].tool_kind, "InvalidWrite");
    cr_assert_eq(l.items[0].at_access, FD_WRITE);
    site_is(&l.items[0].at, "bq_put", "queue.c", 39);
    explains(&l.items[0], "bq_put (queue.c:39) writes outside the heap block of 4 bytes");
    fd_list_free(&l);
    l = vg("memcheck/double_free.xml", "queue.c", 1);
    cr_assert_eq(l.items[0].kind, FD_MEMORY);
    site_is(&l.items[0].at, "bq_destroy", "queue.c", 85);
    site_is(&l.items[0].other, "bq_destroy", "queue.c", 84);
    explains(&l.items[0], "a second time");
    fd_list_free(&l);
    l = vg("memcheck/uninit.xml", "queue.c", 5);
    cr_assert_eq(failures(&l), 5);
    cr_assert_str_eq(l.items[0].tool_kind, "UninitCondition");
    site_is(&l.items[0].at, "bq_get", "queue.c", 58);
    explains(&l.items[0], "never initialised");
    fd_list_free(&l);
}

Test(findings, valgrind_not_xml)
{
    struct fd_list l = {0};
    cr_assert_eq(fd_parse_valgrind_xml(fixture("no/such/file.xml"), "queue.c", &l), -1);
    cr_assert_eq(fd_parse_valgrind_xml(fixture("tsan/race_heap.txt"), "queue.c", &l), -1);
    cr_assert_eq(l.len, 0);
    char path[] = "/tmp/fd_test_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, "<html><error><kind>Race</kind></error></html>", 45), 45);
    close(fd);
    cr_assert_eq(fd_parse_valgrind_xml(path, "queue.c", &l), -1);
    cr_assert_eq(l.len, 0, "nothing may be taken from a file that is not Valgrind's");
    unlink(path);
    fd_list_free(&l);
}

/* ---- Feedback --------------------------------------------------------------------------- */

static const char *const all_tsan[] = {
    "tsan/race_heap.txt",       "tsan/race_global.txt",
    "tsan/lock_order.txt",      "tsan/unlock_foreign.txt",
    "tsan/unlock_unlocked.txt", "tsan/destroy_locked.txt",
    "tsan/cond_unheld.txt",     "tsan/thread_leak.txt",
    "tsan/use_after_free.txt",  "tsan/lock_order_second_stack.txt",
};
static const char *const all_xml[] = {
    "helgrind/race_heap.xml",      "helgrind/race_global.xml",    "helgrind/dubious.xml",
    "helgrind/lock_order.xml",     "helgrind/unlock_foreign.xml", "helgrind/unlock_unlocked.xml",
    "helgrind/destroy_locked.xml", "helgrind/cond_unheld.xml",    "helgrind/exit_holding.xml",
    "helgrind/relock.xml",         "helgrind/killed.xml",         "helgrind/trylock_order.xml",
    "memcheck/clean.xml",          "memcheck/leak.xml",           "memcheck/uaf.xml",
    "memcheck/invalid_write.xml",  "memcheck/uninit.xml",         "memcheck/double_free.xml",
    "memcheck/possibly_lost.xml",  "memcheck/reachable.xml",
};
#define COUNT(a) (sizeof(a) / sizeof *(a))

/* Plain words: no addresses, no tool thread ids, not too long, and a concept to revisit. */
static void check_feedback(const struct fd_list *l, const char *name)
{
    char buf[1024];
    for (size_t i = 0; i < l->len; i++) {
        fd_explain(&l->items[i], buf, sizeof buf);
        cr_assert(strlen(buf) > 40 && strlen(buf) < 400, "%s: %zu characters:\n%s", name,
                  strlen(buf), buf);
        cr_assert_null(strstr(buf, "0x"), "%s: raw address in:\n%s", name, buf);
        cr_assert_null(strstr(buf, "Thread #"), "%s: tool thread id in:\n%s", name, buf);
        cr_assert_null(strstr(buf, "tl_"), "%s: support code named in:\n%s", name, buf);
        if (l->items[i].failure)
            cr_assert(strstr(buf, "Revisit:"), "%s: no concept to revisit in:\n%s", name, buf);
    }
}

Test(findings, feedback_is_plain_and_short)
{
    for (size_t i = 0; i < COUNT(all_tsan); i++) {
        struct fd_list l = {0};
        char *text = slurp(all_tsan[i], NULL);
        cr_assert_gt(fd_parse_tsan(text, "queue.c", &l), 0);
        check_feedback(&l, all_tsan[i]);
        free(text);
        fd_list_free(&l);
    }
    for (size_t i = 0; i < COUNT(all_xml); i++) {
        struct fd_list l = {0};
        fd_parse_valgrind_xml(fixture(all_xml[i]), "locks.c", &l);
        check_feedback(&l, all_xml[i]);
        fd_list_free(&l);
    }
}

/* Every explanation fits any buffer: NUL-terminated, never past len. */
static void explain_into_small_buffers(const struct fd_list *l)
{
    char buf[40];
    for (size_t i = 0; i < l->len; i++) {
        for (size_t len = 0; len <= 33; len += 11) {
            memset(buf, 'X', sizeof buf);
            fd_explain(&l->items[i], buf, len);
            if (len > 0)
                cr_assert_lt(strlen(buf), len);
            for (size_t j = len; j < sizeof buf; j++)
                cr_assert_eq(buf[j], 'X', "fd_explain wrote past len %zu", len);
        }
    }
}

/* ---- Robustness: cut-off and damaged input ---------------------------------------------- */

Test(findings, tsan_every_prefix_and_damage, .timeout = 120)
{
    for (size_t i = 0; i < COUNT(all_tsan); i++) {
        size_t n;
        char *text = slurp(all_tsan[i], &n);
        for (size_t cut = 0; cut <= n; cut++) {
            char save = text[cut];
            text[cut] = '\0';
            struct fd_list l = {0};
            int got = fd_parse_tsan(text, "queue.c", &l);
            cr_assert(got >= 0 && (size_t)got == l.len, "%s cut at %zu", all_tsan[i], cut);
            explain_into_small_buffers(&l);
            check_feedback(&l, all_tsan[i]);
            fd_list_free(&l);
            text[cut] = save;
        }
        srand(7);
        for (int round = 0; round < 200; round++) {
            char *copy = strdup(text);
            for (int k = 0; k < 20; k++)
                copy[(size_t)rand() % n] = (char)(1 + rand() % 255);
            struct fd_list l = {0};
            cr_assert_geq(fd_parse_tsan(copy, "queue.c", &l), 0);
            explain_into_small_buffers(&l);
            fd_list_free(&l);
            free(copy);
        }
        free(text);
    }
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *out = fopen(path, "wb");
    cr_assert(out);
    cr_assert_eq(fwrite(data, 1, n, out), n);
    fclose(out);
}

/* A cut file is never complete, and holds at most the reports of the whole file. */
static void check_cut(const char *path, const char *xml, size_t cut, const struct fd_list *whole,
                      const char *name)
{
    write_file(path, xml, cut);
    struct fd_list l = {0};
    int got = fd_parse_valgrind_xml(path, "queue.c", &l);
    cr_assert_eq(got, -1, "%s cut at %zu returned %d", name, cut, got);
    cr_assert_leq(l.len, whole->len);
    explain_into_small_buffers(&l);
    fd_list_free(&l);
}

Test(findings, valgrind_xml_prefixes_and_damage, .timeout = 120)
{
    char path[] = "/tmp/fd_cut_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    for (size_t i = 0; i < COUNT(all_xml); i++) {
        size_t n;
        char *xml = slurp(all_xml[i], &n);
        struct fd_list whole = {0};
        int total = fd_parse_valgrind_xml(fixture(all_xml[i]), "queue.c", &whole);
        cr_assert(total == -1 ? strstr(all_xml[i], "killed") != NULL : (size_t)total == whole.len);
        size_t end = (size_t)(strrchr(xml, '>') - xml) + 1; /* only white space follows */
        for (size_t cut = 0; cut < end; cut += n / 600 + 1)
            check_cut(path, xml, cut, &whole, all_xml[i]);
        check_cut(path, xml, end - 1, &whole, all_xml[i]);
        srand(11);
        for (int round = 0; round < 100; round++) {
            char *copy = malloc(n);
            memcpy(copy, xml, n);
            for (int k = 0; k < 8; k++)
                copy[(size_t)rand() % n] = (char)rand();
            write_file(path, copy, n);
            struct fd_list l = {0};
            int got = fd_parse_valgrind_xml(path, "queue.c", &l);
            cr_assert(got == -1 || (size_t)got == l.len);
            explain_into_small_buffers(&l);
            fd_list_free(&l);
            free(copy);
        }
        fd_list_free(&whole);
        free(xml);
    }
    unlink(path);
}

/* Huge names and lines must be cut, not overflow the fixed fields. */
Test(findings, oversized_fields_are_cut)
{
    size_t big = 20000;
    char *name = malloc(big + 1);
    memset(name, 'a', big);
    name[big] = '\0';
    size_t n = 3 * big + 1000;
    char *text = malloc(n);
    snprintf(text, n,
             "==================\nWARNING: ThreadSanitizer: data race %s (pid=1)\n"
             "  Write of size 4 at 0x1 by thread T1:\n    #0 %s /x/%s.c:12 (a.out+0x1)\n"
             "  Location is global '%s' of size 4 at 0x1 (a.out+0x1)\n\nSUMMARY: "
             "ThreadSanitizer: data race %s\n==================\n",
             name, name, name, name, name);
    struct fd_list l = {0};
    cr_assert_eq(fd_parse_tsan(text, "queue.c", &l), 1);
    cr_assert_lt(strlen(l.items[0].at.func), sizeof l.items[0].at.func);
    cr_assert_eq(l.items[0].at.line, 12);
    char buf[512];
    fd_explain(&l.items[0], buf, sizeof buf);
    cr_assert_lt(strlen(buf), sizeof buf);
    fd_list_free(&l);
    free(text);
    free(name);
}
