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

static void on_crash(int sig)
{
    void *frames[24];
    char line[3000], frame[256];
    int n = backtrace(frames, 24);
    snprintf(line, sizeof line, "SIG%s", sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
    for (int i = 0; i < n; i++) {
        tl__frame(frames[i], frame, sizeof frame);
        strncat(line, " ", sizeof line - strlen(line) - 1);
        strncat(line, frame, sizeof line - strlen(line) - 1);
    }
    tl__report("CRASH", line);
    raise(sig); /* the handler was reset: die of the same signal */
}

static void on_timeout(int sig)
{
    (void)sig;
    char text[64];
    snprintf(text, sizeof text, "%.1f", timeout_s);
    tl__report("TIMEOUT", text);
    tl__report_blocked();
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
}

void tl_end(void)
{
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    tl__report("PASS", "");
}

bool tl__on_runner_thread(void)
{
    return pthread_equal(pthread_self(), runner);
}

const char *tl__format_failure(const char *file, int line, const char *fmt, va_list ap)
{
    static char msg[2048];
    int n = snprintf(msg, sizeof msg, "%s:%d: ", file, line);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    tl__report("FAIL", msg);
    return msg;
}
