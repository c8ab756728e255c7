/* test_watch.c - the hang watchdog ends hung runs, and only those; failures are race-free.
 *
 * A run in which every thread but one is blocked, and that one computes for 3 s without a
 * single wrapped call, or sits in a 3 s timed wait, is alive: it must pass, in the plain build,
 * under ThreadSanitizer and under Helgrind (where it runs one thread at a time). A run whose
 * only other thread waits forever must end within seconds with HANG, and one whose only other
 * thread spins for ever, after the spin period with SPIN. A test awaiting (tl_await) a thread
 * whose timed wait ends a minute later gives up within a second and reports STUCK; one whose
 * timed wait ends before the await would give up sees it end; likewise one awaiting four
 * waiters (tl_await_waiters) where three wait and nobody else runs, or where the fourth comes
 * after computing. The scenarios are in
 * fixtures/live/live.c, built here as a lab's stub is: the support code, --wrap, and
 * -finstrument-functions on the code under test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stage.h"

static char dir[] = "/tmp/tl-watch-XXXXXX";

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int status = system(cmd);
    cr_assert(status == 0, "failed (%d): %s", status, cmd);
}

/* Build the live driver once, plain and with ThreadSanitizer. */
static void build(void)
{
    cr_assert(mkdtemp(dir), "mkdtemp");
    const char *cf = "-std=c11 -D_POSIX_C_SOURCE=200809L -g -pthread -Iinclude -Igrader/support";
    char support[1024] = "";
    char objects[512];
    snprintf(objects, sizeof objects, "%s tl_driver.o tl_standalone.o", build_support_objects);
    for (char *save = NULL, *o = strtok_r(objects, " ", &save); o; o = strtok_r(NULL, " ", &save))
        snprintf(support + strlen(support), sizeof support - strlen(support),
                 " grader/support/%.*s", (int)(strlen(o) - 2), o),
            strcat(support, ".c");
    sh("cc %s -O2 -finstrument-functions -c grader/tests/fixtures/live/live.c -o %s/live.o", cf,
       dir);
    sh("cc %s -O2 %s %s/live.o %s -o %s/driver", cf, support, dir, build_wrap_flags, dir);
    sh("cc %s -O1 -fsanitize=thread -finstrument-functions -c grader/tests/fixtures/live/live.c "
       "-o %s/live_tsan.o",
       cf, dir);
    sh("cc %s -O1 -fsanitize=thread %s %s/live_tsan.o %s -o %s/driver_tsan", cf, support, dir,
       build_wrap_flags, dir);
}

static void clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static char extra_env[512] = "";

/* Run one scenario with the tool; its exit status, the report's text and the wall time. */
static int run(const char *tool, const char *scenario, char *report, size_t len, double *seconds)
{
    char cmd[2048], path[128];
    snprintf(path, sizeof path, "%s/report-%s-%s", dir, tool, scenario);
    unlink(path); /* the support code appends: this run's lines only */
    const char *prefix = strcmp(tool, "helgrind") == 0 ? "valgrind -q --tool=helgrind " : "";
    snprintf(cmd, sizeof cmd,
             "%s TL_TOOL=%s TL_SEED=1 TL_TIMEOUT=60 TL_NONCE=n TL_REPORT=%s "
             "TSAN_OPTIONS='halt_on_error=1 exitcode=66 log_path=%s/tsan' timeout 60 %s%s/%s %s "
             ">/dev/null 2>&1",
             extra_env, tool, path, dir, prefix, dir,
             strcmp(tool, "tsan") == 0 ? "driver_tsan" : "driver", scenario);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    int status = system(cmd);
    clock_gettime(CLOCK_MONOTONIC, &b);
    *seconds = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(report, 1, len - 1, f) : 0;
    report[n] = '\0';
    if (f)
        fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The frames on the report's SPIN line (after SPIN NONCE NAME NUMBER SECONDS SLEEPS CALLS
 * SPUN_BEFORE API). */
static int spin_frames(const char *report)
{
    const char *line = strstr(report, "SPIN n");
    if (!line)
        return -1;
    int words = 0;
    for (const char *p = line; *p && *p != '\n'; p++)
        words += p[0] != ' ' && (p == line || p[-1] == ' ');
    return words - 9;
}

/* The SPIN line's API frame, the function that spun, into out; returns its SPUN_BEFORE field. */
static int spin_api(const char *report, char *out, size_t len)
{
    const char *line = strstr(report, "SPIN n");
    char api[256] = "";
    int before = -1;
    if (line)
        sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %d %255s", &before, api);
    snprintf(out, len, "%s", api);
    return before;
}

static void alive(const char *tool, const char *scenario)
{
    char report[8192];
    double seconds;
    int code = run(tool, scenario, report, sizeof report, &seconds);
    cr_assert(code == 0 && strstr(report, "PASS n"),
              "%s %s: exit %d after %.1f s; the watchdog must not end a live run:\n%s", tool,
              scenario, code, seconds, report);
    cr_assert(seconds >= 2.9, "%s %s ended after %.1f s, before its 3 s of work", tool, scenario,
              seconds);
}

/* One test, so that the drivers are built once (Criterion runs each test in its own process). */
Test(watch, live_runs_pass_and_a_hung_run_ends_in_seconds, .init = build, .fini = clean,
     .timeout = 240)
{
    alive("plain", "compute");
    alive("tsan", "compute");
    alive("helgrind", "compute");
    alive("plain", "timed_wait");
    alive("helgrind", "timed_wait");

    char report[8192];
    double seconds;
    int code = run("plain", "hung", report, sizeof report, &seconds);
    cr_assert(code == 125 && strstr(report, "HANG n"), "exit %d:\n%s", code, report);
    cr_assert(seconds < 5, "the hung run took %.1f s to end; the quiet period is 1 s", seconds);
    code = run("helgrind", "hung", report, sizeof report, &seconds);
    cr_assert(code == 125 && strstr(report, "HANG n"), "helgrind: exit %d:\n%s", code, report);
    cr_assert(seconds < 15, "under Helgrind the hung run took %.1f s to end", seconds);

    /* An endless loop in the code under test, every other thread blocked: ended after the spin
     * period (5 s plain, 8 s under ThreadSanitizer), with where it spun when the thread could
     * be asked (not under ThreadSanitizer, which holds the signal back). */
    code = run("plain", "spin", report, sizeof report, &seconds);
    cr_assert(code == 125 && spin_frames(report) > 0 && seconds < 8,
              "plain spin: exit %d after %.1f s, no frames of where it spun:\n%s", code, seconds,
              report);
    /* Told that this function spun in an earlier test (TL_SPUN), the watchdog ends the spin
     * after a fifth of the period. */
    char api[256];
    cr_assert(spin_api(report, api, sizeof api) == 0, "a first spin was told of no earlier one");
    snprintf(extra_env, sizeof extra_env, "TL_SPUN='%s'", api);
    code = run("plain", "spin", report, sizeof report, &seconds);
    extra_env[0] = '\0';
    char again[256];
    cr_assert(code == 125 && api[0] && seconds < 3 && spin_api(report, again, sizeof again) == 1,
              "plain spin, TL_SPUN=%s: exit %d after %.1f s:\n%s", api, code, seconds, report);
    code = run("tsan", "spin", report, sizeof report, &seconds);
    cr_assert(code == 125 && strstr(report, "SPIN n") && seconds < 12,
              "tsan spin: exit %d after %.1f s:\n%s", code, seconds, report);

    /* Waits that cannot succeed give up within a second (STUCK); waits that will, do not. */
    static const struct {
        const char *scenario, *what;
        bool in_vain;
        double min_s; /* an alive wait lasts until its thread comes */
    } waits[] = {
        {"await_in_vain", "a tl_await for a thread in a timed wait of a minute", true, 0},
        {"await_alive", "a tl_await for a thread in a timed wait of 2 s", false, 1.9},
        {"waiters_in_vain", "a tl_await_waiters for 4 where 3 wait and nothing runs", true, 0},
        {"waiters_alive", "a tl_await_waiters whose 4th comes after computing 1.5 s", false, 1.4},
    };
    for (int helgrind = 0; helgrind <= 1; helgrind++) {
        const char *tool = helgrind ? "helgrind" : "plain";
        for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
            code = run(tool, waits[i].scenario, report, sizeof report, &seconds);
            bool stuck = strstr(report, "STUCK n") != NULL;
            bool ok = waits[i].in_vain ? stuck && seconds < (helgrind ? 6 : 2)
                                       : !stuck && seconds >= waits[i].min_s;
            cr_assert(code == 0 && ok, "%s: %s: exit %d after %.1f s, %s (it must %s):\n%s", tool,
                      waits[i].what, code, seconds, stuck ? "STUCK" : "not STUCK",
                      waits[i].in_vain ? "give up within a second, with STUCK"
                                       : "wait until the thread comes",
                      report);
        }
    }

    code = run("tsan", "many_fail", report, sizeof report, &seconds);
    cr_assert(code == 1 && strstr(report, "FAIL n") && strstr(report, "as every thread"),
              "eight threads failing at once under ThreadSanitizer: exit %d (66 is a data race "
              "report, in the kit's failure path), report:\n%s",
              code, report);
}
