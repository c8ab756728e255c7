/* sandbox_proc.c - find a run's process tree in /proc and measure it.
 *
 * DESIGN: the tree is found afresh on every scan. Its roots are the grader's own children that
 * did not exist before the run (the command, and orphans that came back to the grader, which is
 * a child subreaper); members are the roots and their descendants. setsid and double forks change
 * the session and group but not this parentage, so nothing escapes. The tree is walked down
 * through /proc/PID/task/TID/children, which costs only what the tree holds; where the kernel
 * lacks that file, every process in /proc is read and the tree marked through the PPid chains.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"

/* Reads one /proc/PID file into buf, as much as fits; returns its length or -1. */
static ssize_t read_proc(pid_t pid, const char *what, char *buf, size_t len)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < len - 1) {
        ssize_t n = read(fd, buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}

/* Reads /proc/PID/stat; returns 0, or -1 if the process is gone. */
int sb__read_stat(pid_t pid, struct sb__proc *p)
{
    char buf[1024];
    if (read_proc(pid, "stat", buf, sizeof buf) < 0)
        return -1;
    /* The command name may hold spaces and parentheses: the fields start after the last ')'. */
    char *s = strrchr(buf, ')');
    if (!s)
        return -1;
    int ppid;
    long rss_pages;
    if (sscanf(s + 2,
               "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %ld %*d %llu "
               "%*u %ld",
               &p->state, &ppid, &p->threads, &p->start, &rss_pages) != 5)
        return -1;
    p->pid = pid;
    p->ppid = ppid;
    p->rss_kb = rss_pages * (sysconf(_SC_PAGESIZE) / 1024);
    if (p->threads < 1)
        p->threads = 1; /* a zombie still counts against RLIMIT_NPROC until reaped */
    p->member = false;
    return 0;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = ((const struct sb__proc *)a)->pid, y = ((const struct sb__proc *)b)->pid;
    return (x > y) - (x < y);
}

static struct sb__proc *find(const struct sb__tree *t, pid_t pid)
{
    struct sb__proc key = {.pid = pid};
    return bsearch(&key, t->ps, t->n, sizeof key, cmp_pid);
}

static bool is_old(const struct sb__tree *t, pid_t pid)
{
    for (size_t i = 0; i < t->n_old; i++)
        if (t->old[i] == pid)
            return true;
    return false;
}

static int grow(struct sb__tree *t)
{
    if (t->n < t->cap)
        return 0;
    size_t cap = t->cap ? t->cap * 2 : 64;
    struct sb__proc *ps = realloc(t->ps, cap * sizeof *ps);
    if (!ps)
        return ENOMEM;
    t->ps = ps;
    t->cap = cap;
    return 0;
}

/* Every process in /proc, sorted by pid. */
static int read_all(struct sb__tree *t)
{
    DIR *d = opendir("/proc");
    if (!d)
        return errno;
    t->n = 0;
    struct dirent *e;
    int err = 0;
    while (!err && (e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0)
            continue;
        err = grow(t);
        if (!err && sb__read_stat((pid_t)pid, &t->ps[t->n]) == 0)
            t->n++;
    }
    closedir(d);
    qsort(t->ps, t->n, sizeof *t->ps, cmp_pid);
    return err;
}

/* Marks the members among all processes by their PPid chains. */
static int mark_all(struct sb__tree *t)
{
    int err = read_all(t);
    if (err)
        return err;
    pid_t self = getpid();
    for (size_t i = 0; i < t->n; i++)
        t->ps[i].member = t->ps[i].ppid == self && !is_old(t, t->ps[i].pid);
    /* Each pass reaches one generation deeper; stop when a pass adds nobody. */
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < t->n; i++) {
            if (t->ps[i].member)
                continue;
            struct sb__proc *parent = find(t, t->ps[i].ppid);
            if (parent && parent->member) {
                t->ps[i].member = true;
                changed = true;
            }
        }
    }
    return 0;
}

static bool listed(const struct sb__tree *t, pid_t pid)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->ps[i].pid == pid)
            return true;
    return false;
}

/* Appends the children of every thread of pid (a child is listed under the thread that made
 * it); with skip_old, not the grader's children from before the run. */
static int add_children(struct sb__tree *t, pid_t pid, bool skip_old)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return 0; /* gone already */
    struct dirent *e;
    int err = 0;
    while (!err && (e = readdir(d)) != NULL) {
        char what[300], buf[65536];
        if (e->d_name[0] == '.')
            continue;
        snprintf(what, sizeof what, "task/%s/children", e->d_name);
        if (read_proc(pid, what, buf, sizeof buf) < 0)
            continue;
        char *s = buf, *end;
        for (long kid = strtol(s, &end, 10); end != s; kid = strtol(s, &end, 10)) {
            s = end;
            if ((skip_old && is_old(t, (pid_t)kid)) || listed(t, (pid_t)kid))
                continue;
            err = grow(t);
            if (err)
                break;
            if (sb__read_stat((pid_t)kid, &t->ps[t->n]) == 0)
                t->ps[t->n++].member = true;
        }
    }
    closedir(d);
    return err;
}

/* Finds the run's members (and, without the children files, every other process too). */
int sb__tree_scan(struct sb__tree *t)
{
    if (!t->walk)
        return mark_all(t);
    t->n = 0;
    int err = add_children(t, getpid(), true);
    /* Breadth first: t->n grows while the loop runs. */
    for (size_t i = 0; !err && i < t->n; i++)
        err = add_children(t, t->ps[i].pid, false);
    return err;
}

void sb__tree_sum(const struct sb__tree *t, long *tasks, long *rss_kb)
{
    *tasks = 0;
    *rss_kb = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!t->ps[i].member)
            continue;
        *tasks += t->ps[i].threads;
        *rss_kb += t->ps[i].rss_kb;
    }
}

int sb__tree_init(struct sb__tree *t)
{
    memset(t, 0, sizeof *t);
    t->root = -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    t->walk = access(path, R_OK) == 0;
    /* With no old children known yet, the first scan lists every child of the grader. */
    int err = t->walk ? sb__tree_scan(t) : read_all(t);
    if (err)
        return err;
    pid_t self = getpid();
    t->old = calloc(t->n + 1, sizeof *t->old);
    if (!t->old)
        return ENOMEM;
    for (size_t i = 0; i < t->n; i++)
        if (t->ps[i].ppid == self)
            t->old[t->n_old++] = t->ps[i].pid;
    return 0;
}

void sb__tree_destroy(struct sb__tree *t)
{
    free(t->old);
    free(t->ps);
    t->old = NULL;
    t->ps = NULL;
}

/* Tasks of real uid uid; *used tells whether any process has uid as any of its uids. */
long sb__uid_tasks(uid_t uid, bool *used)
{
    long tasks = 0;
    *used = false;
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end, buf[4096];
        long pid = strtol(e->d_name, &end, 10);
        if (*end != '\0' || pid <= 0 || read_proc((pid_t)pid, "status", buf, sizeof buf) < 0)
            continue;
        unsigned r, ef, sv, fs;
        long threads = 1;
        const char *u = strstr(buf, "\nUid:");
        const char *th = strstr(buf, "\nThreads:");
        if (!u || sscanf(u, "\nUid: %u %u %u %u", &r, &ef, &sv, &fs) != 4)
            continue;
        if (th)
            sscanf(th, "\nThreads: %ld", &threads);
        if (r == uid)
            tasks += threads;
        if (r == uid || ef == uid || sv == uid || fs == uid)
            *used = true;
    }
    closedir(d);
    return tasks;
}
