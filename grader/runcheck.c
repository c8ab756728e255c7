/* runcheck.c - run one check in its own directory and turn what happened into feedback.
 *
 * What counts is what the support code wrote to the report file under this run's nonce (BEGIN,
 * PASS, FAIL, CRASH, TIMEOUT, BLOCKED lines), what the sandbox saw (limits, signals), and for
 * detector checks the detector's own report. Output on stdout and stderr is kept for the student
 * but never trusted.
 */
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "findings.h"
#include "hang.h"
#include "stage.h"

#define SLACK_SECONDS 10 /* beyond TL_TIMEOUT, for the report and Valgrind's XML to be written */

struct events {
    bool begun, passed;
    char *fail, *crash, *timeout, *hang, *leaked, *poll, *spin;
    bool gave_up; /* a STUCK line: the test gave up waiting while no thread could move */
    struct strv threads, held; /* THREAD and HELD lines: see grader/hang.h */
    char scenario[48];         /* the scenario running (SCENARIO lines), or "" */
    char stuck[48];            /* the scenario running when the run was ended (hang, lock left
                                  held, time limit), found polling, or gave up on its threads */
};

static char *make_nonce(void)
{
    unsigned char raw[16] = {0};
    FILE *f = fopen("/dev/urandom", "rb");
    if (f) {
        if (fread(raw, 1, sizeof raw, f) != sizeof raw)
            memset(raw, 0, sizeof raw);
        fclose(f);
    }
    char hex[33];
    for (int i = 0; i < 16; i++)
        sprintf(hex + 2 * i, "%02x", raw[i]);
    return xstrdup(hex);
}

static void read_events(const char *path, const char *nonce, struct events *ev)
{
    char *text = read_file(path, NULL);
    char *save = NULL;
    for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        char kind[16], who[80];
        int skip = 0;
        if (sscanf(line, "%15s %79s %*s %n", kind, who, &skip) < 2 || strcmp(who, nonce) != 0)
            continue;
        const char *text_part = skip ? line + skip : "";
        if (strcmp(kind, "BEGIN") == 0)
            ev->begun = true;
        else if (strcmp(kind, "PASS") == 0)
            ev->passed = true;
        else if (strcmp(kind, "FAIL") == 0 && !ev->fail)
            ev->fail = xstrdup(text_part);
        else if (strcmp(kind, "CRASH") == 0 && !ev->crash)
            ev->crash = xstrdup(text_part);
        else if (strcmp(kind, "TIMEOUT") == 0 && !ev->timeout)
            ev->timeout = xstrdup(text_part);
        else if (strcmp(kind, "SCENARIO") == 0)
            snprintf(ev->scenario, sizeof ev->scenario, "%s", text_part);
        else if (strcmp(kind, "HANG") == 0 && !ev->hang)
            ev->hang = xstrdup(text_part);
        else if (strcmp(kind, "LEAKED") == 0 && !ev->leaked)
            ev->leaked = xstrdup(text_part);
        else if (strcmp(kind, "POLL") == 0 && !ev->poll)
            ev->poll = xstrdup(text_part);
        else if (strcmp(kind, "SPIN") == 0 && !ev->spin)
            ev->spin = xstrdup(text_part);
        else if (strcmp(kind, "STUCK") == 0)
            ev->gave_up = true;
        else if (strcmp(kind, "THREAD") == 0)
            strv_add(&ev->threads, text_part);
        else if (strcmp(kind, "HELD") == 0)
            strv_add(&ev->held, text_part);
        if ((ev->hang || ev->leaked || ev->poll || ev->spin || ev->timeout || ev->gave_up) &&
            !ev->stuck[0])
            snprintf(ev->stuck, sizeof ev->stuck, "%s", ev->scenario);
    }
    free(text);
}

static void free_events(struct events *ev)
{
    free(ev->fail), free(ev->crash), free(ev->timeout), free(ev->hang), free(ev->leaked);
    free(ev->poll), free(ev->spin);
    strv_free(&ev->threads), strv_free(&ev->held);
}

static const char *signal_words(const char *sig)
{
    static const struct {
        const char *sig, *words;
    } table[] = {
        {"SIGSEGV", "invalid memory access: a NULL or dangling pointer, or memory already freed"},
        {"SIGABRT", "aborted: abort(), a failed assert, or the allocator found corrupted memory "
                    "(a double free?)"},
        {"SIGFPE", "arithmetic error: division by zero"},
        {"SIGBUS", "bus error: a misaligned or unmapped access"},
        {"SIGILL", "illegal instruction: undefined behaviour reached __builtin_unreachable?"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(sig, table[i].sig) == 0)
            return table[i].words;
    return "a fatal signal";
}

static void set_result(struct check_result *r, bool passed, const char *verdict, char *message,
                       char *details)
{
    r->passed = passed;
    free(r->verdict);
    free(r->message);
    free(r->details);
    r->verdict = xstrdup(verdict);
    r->message = message ? message : xstrdup("");
    r->details = details ? details : xstrdup("");
}

static const char *finding_verdict(enum fd_kind k)
{
    static const char *const words[] = {"data race",   "lock order",   "pthread misuse",
                                        "memory leak", "memory error", "thread leak",
                                        "tool error"};
    return words[k];
}

/* The student's lines a finding names, quoted as compilers do, each once. */
static char *quote_sites(const struct finding *f, const char *bd, const char *stub)
{
    struct sbuf b = {0};
    sbuf_add(&b, "");
    const struct fd_site *sites[] = {&f->at_held, &f->at, &f->other};
    for (int i = 0; i < 3; i++) {
        const struct fd_site *s = sites[i];
        bool seen = false;
        for (int k = 0; k < i; k++)
            seen |= sites[k]->line == s->line && strcmp(sites[k]->file, s->file) == 0;
        if (seen || strcmp(s->file, stub) != 0)
            continue;
        char *text = stub_source_line(bd, stub, s->line);
        if (text)
            sbuf_addf(&b, "\n    %5d | %s", s->line, text);
        free(text);
    }
    return b.s;
}

#define KIT_DEFECT "Kit defect, not your code (it costs nothing; please report it): "

/* A race or lock-order finding in which neither side touches the student's file is the kit's
 * own bug (its tests or support code), never the student's. */
static bool kit_defect(const struct finding *f, const char *stub)
{
    return (f->kind == FD_RACE || f->kind == FD_LOCK_ORDER) && strcmp(f->at.file, stub) != 0 &&
           strcmp(f->other.file, stub) != 0;
}

/* Detector findings: the first failure explained, the count of the rest, notes as details. */
static bool judge_findings(struct check_result *r, struct fd_list *l, const char *bd,
                           const char *stub)
{
    struct finding *first = NULL;
    size_t failures = 0;
    struct sbuf notes = {0};
    sbuf_add(&notes, "");
    size_t kept = 0; /* kit defects are told here, and taken out of the list */
    for (size_t i = 0; i < l->len; i++) {
        if (l->items[i].failure && kit_defect(&l->items[i], stub)) {
            char text[1024];
            fd_explain(&l->items[i], text, sizeof text);
            sbuf_addf(&notes, KIT_DEFECT "%s\n", text);
        } else {
            l->items[kept++] = l->items[i];
        }
    }
    l->len = kept;
    for (size_t i = 0; i < l->len; i++) {
        if (l->items[i].failure) {
            failures++;
            if (!first)
                first = &l->items[i];
        }
    }
    char legal[4096];
    fd_explain_notes(l, legal, sizeof legal);
    sbuf_add(&notes, legal);
    if (!first) {
        if (notes.len)
            set_result(r, true, "passed", NULL, notes.s);
        else
            sbuf_free(&notes);
        return false;
    }
    char text[2048];
    fd_explain(first, text, sizeof text);
    char *quoted = quote_sites(first, bd, stub);
    char *message = failures > 1 ? xasprintf("%s (and %zu more findings in the raw report)%s", text,
                                             failures - 1, quoted)
                                 : xasprintf("%s%s", text, quoted);
    free(quoted);
    set_result(r, false, finding_verdict(first->kind), message, notes.s);
    return true;
}

static bool detector_findings(const struct check *c, const struct lab *lab, const char *bd,
                              const char *rundir, bool cut_short, struct check_result *r)
{
    struct fd_list l = {0};
    bool failed;
    if (c->kind == CK_TSAN) {
        char *pattern = xasprintf("%s/tsan.*", rundir);
        glob_t gl;
        struct sbuf all = {0};
        sbuf_add(&all, "");
        if (glob(pattern, 0, NULL, &gl) == 0) {
            for (size_t i = 0; i < gl.gl_pathc; i++) {
                char *t = read_file(gl.gl_pathv[i], NULL);
                if (t)
                    sbuf_add(&all, t);
                free(t);
            }
            free(r->raw);
            r->raw = xstrdup(gl.gl_pathv[0]);
            globfree(&gl);
        }
        free(pattern);
        fd_parse_tsan(all.s, lab->stub, &l);
        sbuf_free(&all);
    } else {
        char *xml = xasprintf("%s/valgrind.xml", rundir);
        free(r->raw);
        r->raw = xml;
        /* A run killed mid-way leaves cut-off XML; the reports before the cut still explain. */
        if (fd_parse_valgrind_xml(xml, lab->stub, &l) < 0 && l.len == 0) {
            fd_list_free(&l);
            set_result(r, false, "no report",
                       xasprintf("Valgrind did not write a complete report (%s).", xml), NULL);
            return true;
        }
    }
    /* Threads not joined, memory not freed, a thread ending with a lock held: the run was ended
     * by the support code, whose own diagnosis says why. */
    if (cut_short) {
        size_t kept = 0;
        for (size_t i = 0; i < l.len; i++)
            if (l.items[i].kind != FD_THREAD && l.items[i].kind != FD_LEAK &&
                !strstr(l.items[i].summary, "Exiting thread still holds"))
                l.items[kept++] = l.items[i];
        l.len = kept;
    }
    failed = judge_findings(r, &l, bd, lab->stub);
    fd_list_free(&l);
    return failed;
}

static void build_command(const struct grader *g, const struct lab *lab, const char *bd,
                          const char *rundir, const struct check *c, struct strv *argv,
                          struct strv *env)
{
    char *support = NULL, *libc = NULL;
    switch (c->kind) {
    case CK_TEST:
        strv_addf(argv, "%s/labtests", bd);
        strv_addf(argv, "%s/%s", lab->id, c->name);
        break;
    case CK_TSAN:
        strv_addf(argv, "%s/driver_tsan", bd);
        strv_add(argv, c->name);
        /* Every ThreadSanitizer finding fails the check: the first one is the verdict, so the
         * run stops there (a buggy submission's wait is the student's). */
        strv_addf(env,
                  "TSAN_OPTIONS=log_path=%s/tsan halt_on_error=1 exitcode=66 "
                  "second_deadlock_stack=1 report_signal_unsafe=0",
                  rundir);
        break;
    case CK_HELGRIND:
    case CK_MEMCHECK:
        strv_add(argv, "valgrind");
        support = build_support_dir(g);
        if ((libc = vglibc_dir(support)) != NULL)
            strv_addf(env, "LD_LIBRARY_PATH=%s", libc); /* vglibc.c: half the start-up */
        if (c->kind == CK_HELGRIND) {
            /* Not --fair-sched=yes, although a spinning thread can then starve for a minute the
             * one that would release it: its strict turns let Helgrind miss a read outside the
             * lock in half the runs of locks' counter_stress, against one in ten without. */
            strv_add(argv, "--tool=helgrind");
        } else {
            /* Valgrind runs one thread at a time, unfairly by default: a thread spinning on a
             * lock could starve for a minute the thread that would release it. */
            strv_add(argv, "--fair-sched=yes");
            /* Every memcheck error during the run fails the check, so the first one ends it.
             * Not so for Helgrind, whose first report may be a note that costs nothing (a
             * signal after unlock): its hangs are ended by the support code's watchdog. */
            strv_add(argv, "--tool=memcheck");
            strv_add(argv, "--exit-on-first-error=yes");
            strv_add(argv, "--error-exitcode=67");
            strv_add(argv, "--leak-check=full");
            strv_add(argv, "--show-leak-kinds=definite,indirect,possible");
            strv_add(argv, "--errors-for-leak-kinds=definite,indirect,possible");
        }
        strv_add(argv, "--xml=yes");
        strv_addf(argv, "--xml-file=%s/valgrind.xml", rundir);
        strv_addf(argv, "--log-file=%s/valgrind.log", rundir);
        strv_addf(argv, "%s/driver", bd);
        strv_add(argv, c->name);
        break;
    case CK_POLICY:
        break;
    }
    free(support), free(libc);
}

/* "/kit/labs/05-queue/tests/test_queue.c:88: bq_get returned..." is about the student's
 * bq_get: the message says what it did, and the kit's line where that was checked is a detail
 * ("Checked at 05-queue/tests/test_queue.c:88."). */
static void test_message(const char *fail, const struct lab *lab, char **message, char **details)
{
    const char *sep = strstr(fail, ": ");
    const char *tests = strstr(fail, "/tests/");
    if (!sep || !tests || tests > sep) {
        *message = xstrdup(fail);
        *details = NULL;
        return;
    }
    *message = xstrdup(sep + 2);
    *details = xasprintf("Checked at %s%.*s.", lab->dirname, (int)(sep - tests), tests);
}

static const char *check_tool_words(enum check_kind k)
{
    return k == CK_TSAN ? "ThreadSanitizer" : k == CK_HELGRIND ? "Helgrind" : "memcheck";
}

static void judge_run(const struct lab *lab, const char *bd, const struct check *c,
                      const struct sb_result *res, const struct sb_limits *lim, struct events *ev,
                      struct check_result *r)
{
    char words[256];
    if (res->end == SB_NOSTART) {
        set_result(r, false, "not run",
                   xasprintf("the grader could not start this check: %s",
                             sb_describe(res, lim, words, sizeof words)),
                   NULL);
    } else if (ev->leaked || ev->hang || ev->spin) {
        struct diagnosis d;
        if (ev->leaked)
            leak_explain(ev->leaked, bd, lab->stub, &d);
        else if (ev->spin)
            spin_explain(ev->spin, &ev->threads, &ev->held, bd, lab->stub, &d);
        else
            hang_explain(&ev->threads, &ev->held, bd, lab->stub, &d);
        set_result(r, false, d.verdict, d.message, d.details);
        d.message = d.details = NULL;
        diagnosis_free(&d);
    } else if (ev->poll && c->kind != CK_TEST && !ev->passed) {
        /* the support code ended the run: a detector would spend minutes polling along */
        struct diagnosis d;
        poll_explain(ev->poll, bd, lab->stub, &d);
        set_result(r, false, "not run",
                   xasprintf("Not run to its end under %s, which would take minutes: %s",
                             check_tool_words(c->kind), d.message),
                   hang_threads(&ev->threads, &ev->held, bd, lab->stub));
        diagnosis_free(&d);
    } else if (ev->timeout) {
        set_result(r, false, "timed out",
                   xasprintf("did not finish within %s s, and not every thread was blocked: a "
                             "thread that never stops (a busy-wait or an endless loop), or one "
                             "waiting with a deadline again and again.",
                             ev->timeout),
                   hang_threads(&ev->threads, &ev->held, bd, lab->stub));
    } else if (res->end != SB_EXITED && res->end != SB_SIGNALED) {
        const char *verdict = res->end == SB_TIMEOUT ? "timed out" : "limit";
        set_result(r, false, verdict, xasprintf("%s.", sb_describe(res, lim, words, sizeof words)),
                   NULL);
    } else if (ev->crash) {
        char sig[32] = "?";
        sscanf(ev->crash, "%31s", sig);
        const char *frames = ev->crash + strlen(sig);
        char *at = symbolize_first(frames, bd, lab->stub);
        set_result(r, false, "crashed",
                   xasprintf("crashed with %s (%s) in %s.", sig, signal_words(sig), at), NULL);
        free(at);
    } else if (ev->fail) {
        char *message, *details;
        test_message(ev->fail, lab, &message, &details);
        set_result(r, false, "failed", message, details);
    } else if (!ev->passed) {
        set_result(r, false, "ended early",
                   ev->begun ? xasprintf("the run ended before the check finished (%s).",
                                         sb_describe(res, lim, words, sizeof words))
                             : xasprintf("the check never started (%s).",
                                         sb_describe(res, lim, words, sizeof words)),
                   NULL);
    } else if (c->kind == CK_TEST && !(res->end == SB_EXITED && res->status == 0)) {
        set_result(r, false, "failed",
                   xasprintf("the test reached its end, but then the process failed (%s).",
                             sb_describe(res, lim, words, sizeof words)),
                   NULL);
    } else {
        set_result(r, true, "passed", NULL, NULL);
    }
}

/* A test that failed while threads it waited for kept polling: that is likely why. */
static void add_poll_cause(struct check_result *r, const struct events *ev, const char *bd,
                           const char *stub)
{
    struct diagnosis d;
    poll_explain(ev->poll, bd, stub, &d);
    char *message =
        xasprintf("%s\nWhile the test waited for threads to block: %s", r->message, d.message);
    free(r->message);
    r->message = message;
    diagnosis_free(&d);
}

/* Output past the limit was dropped, not judged: say how much there was. */
static void output_note(struct check_result *r, const struct sb_result *res,
                        const struct sb_limits *lim)
{
    if (res->out_total <= lim->out_bytes)
        return;
    char *words =
        xasprintf("printed %.1f MiB of output; the first %zu KiB and the last %d KiB "
                  "of it are kept in %s",
                  res->out_total / 1048576.0, lim->out_bytes >> 10, SB_OUT_TAIL >> 10, r->raw);
    char *old = r->passed ? r->details : r->message;
    char *text = r->passed ? xasprintf("%sNote (costs nothing): the run %s.\n", old, words)
                           : xasprintf("%s It %s.", old, words);
    free(old);
    if (r->passed)
        r->details = text;
    else
        r->message = text;
    free(words);
}

void run_check(const struct grader *g, const struct lab *lab, const char *bd, const struct check *c,
               struct check_result *r)
{
    r->check = c;
    r->raw = xstrdup("");
    if (c->kind == CK_POLICY) {
        char *problem = policy_check(lab, c, bd);
        set_result(r, !problem, problem ? "not allowed" : "passed", problem, NULL);
        return;
    }
    char *rundir = xasprintf("%s/run/%s-%s", bd, check_kind_name(c->kind), c->name);
    char *report = xasprintf("%s/report", rundir);
    char *nonce = make_nonce();
    rm_rf(rundir);
    mkdir_p(rundir);
    write_file(report, "");
    chmod(report, 0600);
    sb_own(rundir);

    struct strv argv = {0}, env = {0};
    strv_add(&env, "PATH=/usr/local/bin:/usr/bin:/bin");
    strv_add(&env, "LC_ALL=C");
    strv_addf(&env, "HOME=%s", rundir);
    strv_addf(&env, "TMPDIR=%s", rundir);
    strv_addf(&env, "TL_TOOL=%s", c->kind == CK_TEST ? "plain" : check_kind_name(c->kind));
    strv_addf(&env, "TL_SEED=%llu", (unsigned long long)g->seed);
    strv_addf(&env, "TL_TIMEOUT=%g", c->timeout_s);
    strv_addf(&env, "TL_REPORT=%s", report);
    strv_addf(&env, "TL_NONCE=%s", nonce);
    char *spun_path = xasprintf("%s/run/spun", bd), *spun = read_file(spun_path, NULL);
    if (spun && *spun) {
        for (char *p = spun; *p; p++)
            *p = *p == '\n' ? ' ' : *p;
        strv_addf(&env, "TL_SPUN=%s", spun);
    }
    free(spun);
    build_command(g, lab, bd, rundir, c, &argv, &env);

    struct sb_limits lim = {
        .wall_s = c->timeout_s + SLACK_SECONDS,
        .cpu_s = 2 * (c->timeout_s + SLACK_SECONDS),
        .mem_mb = 2048, /* resident: ThreadSanitizer and Valgrind need far less here */
        .limit_as = false,
        .nproc = 1024,
        .out_bytes = 1 << 20,
        .out_drop = true, /* debug printing is no failure: only the time limit applies */
        .file_mb = 256,
    };
    struct sb_result res = {0};
    if (sb_run(strv_argv(&argv), strv_argv(&env), rundir, &lim, &res) != 0)
        res.end = SB_NOSTART;
    r->seconds = res.wall_s;
    char *output = xasprintf("%s/output.txt", rundir);
    write_file(output, res.out ? res.out : "");
    free(r->raw);
    r->raw = output;

    struct events ev = {0};
    read_events(report, nonce, &ev);
    judge_run(lab, bd, c, &res, &lim, &ev, r);
    if ((c->kind == CK_TEST || c->kind == CK_TSAN) && !r->passed)
        snprintf(r->stuck, sizeof r->stuck, "%s", ev.stuck);
    if (c->kind == CK_TEST && !r->passed) {
        char *fn = ev.spin ? spin_function(ev.spin) : NULL;
        if (fn) { /* later tests end a spin in it sooner (TL_SPUN in grader/support/tl_watch.c) */
            FILE *f = fopen(spun_path, "a");
            if (f)
                fprintf(f, "%s\n", fn), fclose(f);
        }
        free(fn);
        if (ev.poll)
            add_poll_cause(r, &ev, bd, lab->stub);
    }
    /* A detector's findings explain a failure better than its symptom, and fail a run that
     * otherwise passed. A run that never started has no findings to read. */
    if (c->kind != CK_TEST && ev.begun) {
        struct check_result fr = {.check = c, .raw = xstrdup(r->raw)};
        if (detector_findings(c, lab, bd, rundir, ev.hang || ev.leaked || ev.poll || ev.spin,
                              &fr)) {
            free(r->verdict), free(r->message), free(r->details), free(r->raw);
            r->verdict = fr.verdict, r->message = fr.message, r->details = fr.details;
            r->raw = fr.raw;
            r->passed = false;
        } else {
            if (r->passed && fr.details && *fr.details) {
                free(r->details);
                r->details = xstrdup(fr.details);
            } else if (!r->passed && fr.details && strstr(fr.details, KIT_DEFECT)) {
                /* the detector stopped the run at the kit's own bug */
                set_result(r, false, "kit error",
                           xstrdup("the kit's own code has a bug that stopped this check before "
                                   "it could judge yours; your code is not to blame."),
                           xstrdup(fr.details));
            }
            free(fr.verdict), free(fr.message), free(fr.details), free(fr.raw);
        }
    }
    output_note(r, &res, &lim);
    free_events(&ev);
    sb_result_free(&res);
    strv_free(&argv), strv_free(&env);
    free(rundir), free(report), free(nonce), free(spun_path);
}
