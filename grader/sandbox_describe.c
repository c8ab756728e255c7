/* sandbox_describe.c - a run's verdict in plain words, for a student's report. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "sandbox.h"

struct sig_words {
    int sig;
    const char *name;
    const char *why; /* NULL: not a crash, the process was killed */
};

static const struct sig_words sigs[] = {
    {SIGSEGV, "SIGSEGV", "invalid memory access"},
    {SIGBUS, "SIGBUS", "invalid memory access (bus error)"},
    {SIGFPE, "SIGFPE", "arithmetic error, such as division by zero"},
    {SIGILL, "SIGILL", "illegal instruction"},
    {SIGABRT, "SIGABRT", "aborted, e.g. by a failed assert or by abort()"},
    {SIGTRAP, "SIGTRAP", "trap, e.g. __builtin_trap()"},
    {SIGSYS, "SIGSYS", "bad system call"},
    {SIGKILL, "SIGKILL", NULL},
    {SIGTERM, "SIGTERM", NULL},
    {SIGINT, "SIGINT", NULL},
    {SIGQUIT, "SIGQUIT", NULL},
    {SIGHUP, "SIGHUP", NULL},
    {SIGPIPE, "SIGPIPE", NULL},
    {SIGALRM, "SIGALRM", NULL},
    {SIGUSR1, "SIGUSR1", NULL},
    {SIGUSR2, "SIGUSR2", NULL},
    {SIGXCPU, "SIGXCPU", NULL},
};

/* 1048576 -> "1 MiB", 4096 -> "4 KiB", 1000 -> "1000 bytes". */
static void size_words(size_t n, char *buf, size_t len)
{
    if (n >= 1 << 20 && n % (1 << 20) == 0)
        snprintf(buf, len, "%zu MiB", n >> 20);
    else if (n >= 1 << 10 && n % (1 << 10) == 0)
        snprintf(buf, len, "%zu KiB", n >> 10);
    else
        snprintf(buf, len, "%zu bytes", n);
}

static void signal_words(int sig, const struct sb_limits *lim, char *buf, size_t len)
{
    if (sig == SIGXFSZ) {
        if (lim && lim->file_mb > 0)
            snprintf(buf, len, "stopped: wrote a file larger than %ld MiB", lim->file_mb);
        else
            snprintf(buf, len, "stopped: wrote a file larger than allowed");
        return;
    }
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        if (sigs[i].sig != sig)
            continue;
        if (sigs[i].why)
            snprintf(buf, len, "crashed with %s (%s)", sigs[i].name, sigs[i].why);
        else
            snprintf(buf, len, "killed by %s", sigs[i].name);
        return;
    }
    snprintf(buf, len, "killed by signal %d", sig);
}

const char *sb_describe(const struct sb_result *res, const struct sb_limits *lim, char *buf,
                        size_t len)
{
    char size[32];
    switch (res->end) {
    case SB_EXITED:
        snprintf(buf, len, "exited with status %d", res->status);
        break;
    case SB_SIGNALED:
        signal_words(res->status, lim, buf, len);
        break;
    case SB_TIMEOUT:
        snprintf(buf, len, "timed out after %.1f s (wall clock)", lim ? lim->wall_s : res->wall_s);
        if (lim && lim->out_drop && res->out_total > lim->out_bytes) {
            size_t n = strlen(buf);
            snprintf(buf + n, len - n, " while printing: it printed %.0f MiB",
                     res->out_total / 1048576.0);
        }
        break;
    case SB_CPU:
        snprintf(buf, len, "stopped: used more than %lu s of CPU time",
                 lim ? (unsigned long)sb__cpu_limit(lim) : 0UL);
        break;
    case SB_MEMORY:
        snprintf(buf, len, "stopped: used more than %ld MiB of memory", lim ? lim->mem_mb : 0L);
        break;
    case SB_NPROC:
        snprintf(buf, len, "stopped: tried to start more than %d processes or threads",
                 lim ? lim->nproc : 0);
        break;
    case SB_OUTPUT:
        size_words(lim ? lim->out_bytes : res->out_len, size, sizeof size);
        snprintf(buf, len, "stopped: printed more than %s", size);
        break;
    case SB_NOSTART:
        snprintf(buf, len, "could not be started: %s",
                 res->status == ENOENT ? "command or directory not found" : strerror(res->status));
        break;
    default:
        snprintf(buf, len, "ended in an unknown way (%d)", (int)res->end);
        break;
    }
    return buf;
}
