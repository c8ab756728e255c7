/* sandbox_tree.c - end a run's process tree: freeze it, kill it, reap it.
 *
 * DESIGN: every member (sandbox_proc.c finds them) is stopped first, until a scan finds no
 * running member we have not stopped: a stopped process cannot fork, and a fork that races with
 * SIGSTOP is undone by the kernel, so the set is then closed. Then everything is killed and the
 * grader, a child subreaper, reaps what comes back to it. Signals go through a pidfd after
 * checking the start time, so a pid reused by an unrelated process is never signalled.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

#define SB_FREEZE_ROUNDS 10000
#define SB_REAP_LIMIT_S  10.0

static void add_cpu(struct sb__tree *t, const struct rusage *ru)
{
    t->cpu_s += ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6;
    t->cpu_s += ru->ru_stime.tv_sec + ru->ru_stime.tv_usec / 1e6;
}

/* Reaps pid if it has ended; returns true when it was reaped (or is gone). */
static bool reap(struct sb__tree *t, pid_t pid)
{
    int st;
    struct rusage ru;
    pid_t r;
    do {
        r = wait4(pid, &st, WNOHANG, &ru);
    } while (r < 0 && errno == EINTR);
    if (r == 0)
        return false;
    if (r < 0)
        return true; /* ECHILD: someone else reaped it */
    add_cpu(t, &ru);
    if (pid == t->root) {
        t->root_reaped = true;
        t->root_status = st;
        t->root_ru = ru;
    }
    return true;
}

/* Returns 1 when the command's first process was reaped now or before. */
int sb__tree_reap_root(struct sb__tree *t)
{
    if (!t->root_reaped && t->root > 0)
        reap(t, t->root);
    return t->root_reaped;
}

/* Zombies that came back to the grader would count against RLIMIT_NPROC until reaped. */
void sb__tree_reap_orphans(struct sb__tree *t)
{
    pid_t self = getpid();
    for (size_t i = 0; i < t->n; i++) {
        const struct sb__proc *p = &t->ps[i];
        if (p->member && p->ppid == self && p->state == 'Z' && p->pid != t->root)
            reap(t, p->pid);
    }
}

/* Signals p only if its pid still names the process the scan saw. */
static void signal_proc(const struct sb__proc *p, int sig)
{
    struct sb__proc now;
    int fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    if (fd < 0 && errno != ENOSYS)
        return; /* gone */
    /* With the pidfd held, a check of the start time that passes names the same process. */
    if (sb__read_stat(p->pid, &now) == 0 && now.start == p->start) {
        if (fd >= 0)
            syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
        else
            kill(p->pid, sig);
    }
    if (fd >= 0)
        close(fd);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void nap_ms(long ms)
{
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

struct stopped {
    pid_t pid;
    unsigned long long start;
};

static bool was_stopped(const struct stopped *s, size_t n, const struct sb__proc *p)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].pid == p->pid && s[i].start == p->start)
            return true;
    return false;
}

/* Stops every member; returns 0 once a full scan finds none running that we did not stop. */
static int freeze(struct sb__tree *t)
{
    struct stopped *s = NULL;
    size_t n = 0, cap = 0;
    int err = 0;
    for (int round = 0; round < SB_FREEZE_ROUNDS; round++) {
        err = sb__tree_scan(t);
        if (err)
            break;
        size_t fresh = 0;
        for (size_t i = 0; i < t->n; i++) {
            const struct sb__proc *p = &t->ps[i];
            if (!p->member || p->state == 'Z' || p->state == 'T')
                continue;
            /* Stop it again even if we did before: a member may have sent it SIGCONT. */
            signal_proc(p, SIGSTOP);
            if (was_stopped(s, n, p))
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                struct stopped *g = realloc(s, cap * sizeof *g);
                if (!g) {
                    free(s);
                    return ENOMEM;
                }
                s = g;
            }
            s[n++] = (struct stopped){p->pid, p->start};
            fresh++;
        }
        if (fresh == 0)
            break;
    }
    free(s);
    return err;
}

/* Freezes, kills and reaps the whole tree, the command's first process included. Returns 0, or
 * an errno value if something could not be killed (ETIMEDOUT: still there after 10 s). */
int sb__tree_kill(struct sb__tree *t)
{
    int err = freeze(t);
    pid_t self = getpid();
    double give_up = now_s() + SB_REAP_LIMIT_S;
    for (;;) {
        int scan_err = sb__tree_scan(t);
        if (scan_err)
            return scan_err;
        size_t members = 0, left = 0;
        for (size_t i = 0; i < t->n; i++) {
            const struct sb__proc *p = &t->ps[i];
            if (!p->member)
                continue;
            members++;
            if (p->state != 'Z')
                signal_proc(p, SIGKILL);
            /* Members whose parent died come back to us; count them until reaped. */
            if (p->ppid != self || !reap(t, p->pid))
                left++;
        }
        /* Done only when a scan finds no member at all. A scan is not atomic: a member whose
         * parent dies while the scan reads the tree moves to us after our list was read and
         * before its parent's was, and is missed; but the parent cannot be reaped before it
         * has moved, so the next scan finds it. Stopping when every member seen was reaped
         * left such processes behind as zombies. */
        if (members == 0)
            break;
        if (now_s() > give_up)
            return ETIMEDOUT;
        if (left > 0)
            nap_ms(1);
    }
    sb__tree_reap_root(t);
    return err;
}
