/* tl_report.c - how a test run tells the grader what happened: passed, failed, crashed, hung.
 *
 * Each line of the report file is "KIND NONCE NAME TEXT". The nonce is a per-run secret from the
 * grader; it is copied and wiped from the environment before the code under test runs, so a
 * submission can neither forge a PASS nor learn what one would look like.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "tl_test.h"
#include "tl_internal.h"

static int report_fd = -1;
static char nonce[80] = "-";
static char run_name[128] = "?";
static double timeout_s;

static void put(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

void tl__report(const char *kind, const char *text)
{
    char line[4096];
    if (report_fd < 0) {
        snprintf(line, sizeof line, "[%s] %s: %s\n", kind, run_name, text);
        put(2, line);
        return;
    }
    snprintf(line, sizeof line, "%s %s %s %s\n", kind, nonce, run_name, text);
    for (char *p = line; p[0] && p[1]; p++)
        if (*p == '\n')
            *p = ' ';
    put(report_fd, line);
}

void tl__frame(const void *addr, char *buf, size_t len)
{
    Dl_info info;
    if (addr && dladdr(addr, &info) && info.dli_fname)
        snprintf(buf, len, "%s+0x%lx", info.dli_fname,
                 (unsigned long)((const char *)addr - (const char *)info.dli_fbase));
    else
        snprintf(buf, len, "?+0x%lx", (unsigned long)addr);
}

void tl__report_stack(const char *kind, const char *head)
{
    void *frames[24];
    char line[3000], frame[256];
    int n = backtrace(frames, 24);
    snprintf(line, sizeof line, "%s", head);
    for (int i = 0; i < n; i++) {
        tl__frame(frames[i], frame, sizeof frame);
        strncat(line, " ", sizeof line - strlen(line) - 1);
        strncat(line, frame, sizeof line - strlen(line) - 1);
    }
    tl__report(kind, line);
}

static void on_crash(int sig)
{
    char head[32];
    snprintf(head, sizeof head, "SIG%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
    tl__report_stack("CRASH", head);
    raise(sig); /* the handler was reset: die of the same signal */
}

static void on_timeout(int sig)
{
    (void)sig;
    char text[64];
    snprintf(text, sizeof text, "%.1f", timeout_s);
    tl__report("TIMEOUT", text);
    tl__report_threads();
    _exit(124);
}

static void catch_signal(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static pthread_t runner;

void tl_begin(const char *name)
{
    tl__env_init();
    tl__wrap_init();
    tl__noise_init();
    tl__clock_init();
    tl__register_runner();
    runner = pthread_self();
    snprintf(run_name, sizeof run_name, "%s", name);

    char *secret = getenv("TL_NONCE");
    if (secret && *secret) {
        snprintf(nonce, sizeof nonce, "%s", secret);
        memset(secret, 'x', strlen(secret));
    }
    const char *path = getenv("TL_REPORT");
    if (path && *path)
        report_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

    void *warm[1];
    backtrace(warm, 1); /* load libgcc now, not inside a signal handler */
    int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof crash_signals / sizeof *crash_signals; i++)
        catch_signal(crash_signals[i], on_crash, SA_RESETHAND | SA_NODEFER);

    const char *t = getenv("TL_TIMEOUT");
    timeout_s = t && *t ? strtod(t, NULL) : 0;
    if (timeout_s > 0) {
        catch_signal(SIGALRM, on_timeout, 0);
        struct itimerval it = {{0, 0},
                               {(time_t)timeout_s, (long)((timeout_s - (time_t)timeout_s) * 1e6)}};
        setitimer(ITIMER_REAL, &it, NULL);
    }
    char seed[32];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)tl_seed());
    tl__report("BEGIN", seed);
    tl__watch_start();
}

void tl_scenario(const char *name)
{
    const struct tl_scenario *s = tl_scenarios;
    while (s->name && strcmp(s->name, name) != 0)
        s++;
    if (!s->name)
        tl_fail(__FILE__, __LINE__, "kit error: no scenario named %s in tl_scenarios[]", name);
    tl__report("SCENARIO", name);
    s->run();
    tl__report("SCENARIO", "");
}

void tl_end(void)
{
    tl__watch_stop();
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    tl__report("PASS", "");
}

static void frame_or_dash(const void *addr, char *buf, size_t len)
{
    if (addr)
        tl__frame(addr, buf, len);
    else
        snprintf(buf, len, "-");
}

/* THREAD number op object mutex-released caller start api started-by [name of the lock waited for]
 * HELD number mutex site by-stub [name] */
void tl__report_threads(void)
{
    char line[2048], caller[256], start[256], api[256], by[256], site[256];
    for (int i = 0; i < TL_SLOTS; i++) {
        struct tl_slot *t = &tl__slots[i];
        if (!atomic_load_explicit(&t->used, memory_order_relaxed))
            continue;
        int number = atomic_load_explicit(&t->number, memory_order_relaxed);
        int op = atomic_load_explicit(&t->op, memory_order_relaxed);
        frame_or_dash(op ? atomic_load_explicit(&t->caller, memory_order_relaxed) : NULL, caller,
                      sizeof caller);
        frame_or_dash(atomic_load_explicit(&t->start, memory_order_relaxed), start, sizeof start);
        frame_or_dash(atomic_load_explicit(&t->api, memory_order_relaxed), api, sizeof api);
        frame_or_dash(atomic_load_explicit(&t->started_by, memory_order_relaxed), by, sizeof by);
        const void *obj = op ? atomic_load_explicit(&t->obj, memory_order_relaxed) : NULL;
        /* an observer (the test's auditor) only reads: it can wake no one (tl_watch.c) */
        const char *idle =
            atomic_load_explicit(&t->observer, memory_order_relaxed) ? "observing" : "running";
        snprintf(line, sizeof line, "%d %s %p %p %s %s %s %s %s", number,
                 op ? tl__op_name[op] : idle, obj,
                 op ? atomic_load_explicit(&t->obj2, memory_order_relaxed) : NULL, caller, start,
                 api, by, op == OP_LOCK ? tl__lock_name(obj) : "");
        tl__report("THREAD", line);
        int n = atomic_load_explicit(&t->nheld, memory_order_relaxed);
        for (int k = 0; k < n && k < TL_HELD_MAX; k++) {
            frame_or_dash(atomic_load_explicit(&t->held[k].site, memory_order_relaxed), site,
                          sizeof site);
            const void *mutex = atomic_load_explicit(&t->held[k].mutex, memory_order_relaxed);
            snprintf(line, sizeof line, "%d %p %s %d %s", number, mutex, site,
                     atomic_load_explicit(&t->held[k].by_stub, memory_order_relaxed),
                     tl__lock_name(mutex));
            tl__report("HELD", line);
        }
    }
}

bool tl__on_runner_thread(void)
{
    return pthread_equal(pthread_self(), runner);
}

const char *tl__format_failure(const char *file, int line, const char *fmt, va_list ap)
{
    static _Thread_local char msg[2048]; /* threads may fail at once */
    int n = snprintf(msg, sizeof msg, "%s:%d: ", file, line);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    tl__report("FAIL", msg);
    return msg;
}
