/* sandbox.c - run one command under limits: start it, watch it, end it, say how it ended.
 *
 * DESIGN: the grader forks the command (sandbox_child.c does the child's side) and then polls:
 * the output pipe with a short timeout, the wall clock, and every SB_POLL_MS a scan of the
 * process tree in /proc for its resident memory and task count (sandbox_tree.c). Whatever
 * happens, the run ends the same way: the whole tree is frozen, killed and reaped, the pipe is
 * drained, and the verdict is the first limit the grader enforced, else how the command's first
 * process ended. Limits the kernel enforces (CPU, RLIMIT_NPROC, file size) show up as that
 * process's end, or, for fork and thread bombs, as a tree larger than allowed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"

#define SB_POLL_MS       25
#define SB_UID_SPAN      65536u
#define SB_READ_CHUNK    65536
#define SB_READS_AT_ONCE 16
#define SB_NPROC_SLACK   8 /* tasks above the allowance before the kernel refuses a fork */

static int nostart(struct sb_result *res, int err)
{
    res->end = SB_NOSTART;
    res->status = err;
    return err;
}

/* Set once by sb_init, read-only afterwards. */
static struct {
    bool done;
    int err;
    bool drop; /* the grader is root: commands run as uid/gid */
    uid_t uid;
    gid_t gid;
} sb;

struct run {
    const struct sb_limits *lim;
    struct sb__tree tree;
    int out_fd; /* read end of the output pipe, -1 after end of file */
    char *buf;
    size_t len, cap;
    bool over;              /* more output came than out_bytes */
    size_t total;           /* bytes read from the pipe */
    char tail[SB_OUT_TAIL]; /* with out_drop: a ring of the last bytes past out_bytes */
    size_t tail_len;        /* bytes ever written to the ring */
    double start, deadline;
    rlim_t cpu_soft;
    bool stopped; /* the grader ended the run, for reason end */
    enum sb_end end;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A uid no user, group or process has, derived from our pid so that graders running side by
 * side get different ones. */
static int pick_uid(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uid_t uid = SB_UID_BASE + ((unsigned)getpid() + i) % SB_UID_SPAN;
        bool used;
        if (getpwuid(uid) || getgrgid((gid_t)uid))
            continue;
        sb__uid_tasks(uid, &used);
        if (used)
            continue;
        sb.uid = uid;
        sb.gid = (gid_t)uid;
        return 0;
    }
    return EAGAIN;
}

int sb_init(void)
{
    if (sb.done)
        return sb.err;
    sb.done = true;
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        sb.err = errno;
        return sb.err;
    }
    /* With SIGCHLD ignored the kernel would reap our children and we would lose their status. */
    struct sigaction sa;
    if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
        sa.sa_handler = SIG_DFL;
        sigaction(SIGCHLD, &sa, NULL);
    }
    sb.uid = getuid();
    sb.gid = getgid();
    if (geteuid() == 0) {
        sb.drop = true;
        sb.err = pick_uid();
    }
    return sb.err;
}

static int own_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return lchown(path, sb.uid, sb.gid) != 0 ? errno : 0;
}

static int disown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return lchown(path, getuid(), getgid()) != 0 ? errno : 0;
}

static int walk(const char *dir, int (*fn)(const char *, const struct stat *, int, struct FTW *))
{
    int err = sb_init();
    if (err)
        return err;
    if (!sb.drop)
        return 0;
    int r = nftw(dir, fn, 16, FTW_PHYS);
    return r < 0 ? errno : r;
}

int sb_own(const char *dir)
{
    return walk(dir, own_one);
}

int sb_disown(const char *dir)
{
    return walk(dir, disown_one);
}

/* Moves fd to 3 or above, so that it cannot be clobbered by the child's dup2 onto 0, 1, 2. */
static int lift(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int err = errno;
    close(fd);
    errno = err;
    return hi;
}

static int make_pipe(int p[2])
{
    if (pipe2(p, O_CLOEXEC) != 0)
        return errno;
    p[0] = lift(p[0]);
    p[1] = lift(p[1]);
    return p[0] < 0 || p[1] < 0 ? errno : 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* A limit the child can set: not above our hard limit unless we are root. */
static struct rlimit limit(int resource, rlim_t soft, rlim_t hard)
{
    struct rlimit cur;
    if (!sb.drop && getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY) {
        if (hard > cur.rlim_max)
            hard = cur.rlim_max;
        if (soft > hard)
            soft = hard;
    }
    return (struct rlimit){soft, hard};
}

/* RLIMIT_CPU in whole seconds: cpu_s (or twice wall_s) rounded up, at least 1. */
rlim_t sb__cpu_limit(const struct sb_limits *lim)
{
    double cpu = lim->cpu_s > 0 ? lim->cpu_s : lim->wall_s * 2;
    rlim_t s = (rlim_t)cpu;
    if ((double)s < cpu)
        s++;
    return s < 1 ? 1 : s;
}

static void plan_limits(struct run *r, struct sb__spawn *sp)
{
    const struct sb_limits *lim = r->lim;
    rlim_t soft = sb__cpu_limit(lim);
    /* SIGXCPU at the soft limit, SIGKILL one second later if it is caught or ignored. */
    sp->cpu = limit(RLIMIT_CPU, soft, soft + 1);
    r->cpu_soft = sp->cpu.rlim_cur;
    if (lim->limit_as && lim->mem_mb > 0) {
        rlim_t as = (rlim_t)lim->mem_mb * 4 << 20;
        sp->as = limit(RLIMIT_AS, as, as);
        sp->set_as = true;
    }
    if (lim->file_mb > 0) {
        rlim_t fs = (rlim_t)lim->file_mb << 20;
        sp->fsize = limit(RLIMIT_FSIZE, fs, fs);
        sp->set_fsize = true;
    }
    if (lim->nproc > 0) {
        /* RLIMIT_NPROC counts every task of the uid, also those that other programs of the
         * same user start during the run. So the kernel's limit is a backstop a little above
         * the allowance, and the scan, which counts the tree alone, calls SB_NPROC. */
        bool used;
        rlim_t n = (rlim_t)sb__uid_tasks(sb.uid, &used) + 1 + (rlim_t)lim->nproc + SB_NPROC_SLACK;
        sp->nproc = limit(RLIMIT_NPROC, n, n);
        sp->set_nproc = true;
    }
    struct rlimit files;
    sp->max_fd = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < 65536
                     ? (int)files.rlim_cur
                     : 65536;
}

/* Waits for the child's exec: 0 if it ran, else the errno it sent (-1: no word in time). */
static int exec_status(int fd, double deadline)
{
    for (;;) {
        int ms = (int)((deadline - now_s()) * 1000) + 1;
        if (ms <= 0)
            return -1;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, ms) < 0 && errno != EINTR)
            return -1;
        int err;
        ssize_t n = read(fd, &err, sizeof err);
        if (n == (ssize_t)sizeof err)
            return err;
        if (n == 0)
            return 0;
        if (n < 0 && errno != EINTR && errno != EAGAIN)
            return -1;
    }
}

/* Forks the command. Returns 0 with *exec_err set (0: it runs), or the grader's own errno. */
static int spawn(struct run *r, char *const argv[], char *const envp[], const char *cwd,
                 int *exec_err)
{
    static char *const no_env[] = {NULL};
    struct sb__spawn sp;
    memset(&sp, 0, sizeof sp);
    sp.argv = argv;
    sp.envp = envp ? envp : no_env;
    sp.cwd = cwd;
    sp.parent = getpid();
    sp.drop = sb.drop;
    sp.uid = sb.uid;
    sp.gid = sb.gid;
    plan_limits(r, &sp);
    int out[2] = {-1, -1}, st[2] = {-1, -1};
    sp.null_fd = -1;
    sp.paths = sb__paths(argv[0], sp.envp);
    if (!sp.paths)
        return ENOMEM;
    int err = make_pipe(out);
    if (!err)
        err = make_pipe(st);
    if (!err) {
        sp.null_fd = lift(open("/dev/null", O_RDONLY | O_CLOEXEC));
        if (sp.null_fd < 0)
            err = errno;
    }
    if (err)
        goto out_close;
    sp.out_fd = out[1];
    sp.status_fd = st[1];
    /* No handler of the grader may run in the child before it resets them. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0)
        sb__child(&sp);
    err = pid < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err)
        goto out_close;
    r->tree.root = pid;
    close_fd(&out[1]);
    close_fd(&st[1]);
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    r->out_fd = out[0];
    out[0] = -1;
    *exec_err = exec_status(st[0], r->deadline);
out_close:
    close_fd(&out[0]);
    close_fd(&out[1]);
    close_fd(&st[0]);
    close_fd(&st[1]);
    close_fd(&sp.null_fd);
    sb__paths_free(sp.paths);
    return err;
}

/* Append to the ring of the output's last bytes. */
static void tail_add(struct run *r, const char *p, size_t n)
{
    if (n > SB_OUT_TAIL) {
        r->tail_len += n - SB_OUT_TAIL;
        p += n - SB_OUT_TAIL;
        n = SB_OUT_TAIL;
    }
    while (n > 0) {
        size_t at = r->tail_len % SB_OUT_TAIL;
        size_t k = n < SB_OUT_TAIL - at ? n : SB_OUT_TAIL - at;
        memcpy(r->tail + at, p, k);
        r->tail_len += k;
        p += k;
        n -= k;
    }
}

/* Keeps the first out_bytes of what is waiting in the pipe; notes when more came (with out_drop,
 * keeps the last bytes too and reads on, so that a chatty program is never blocked on a full
 * pipe). */
static void out_read(struct run *r)
{
    char chunk[SB_READ_CHUNK];
    for (int i = 0; i < SB_READS_AT_ONCE && r->out_fd >= 0; i++) {
        ssize_t n = read(r->out_fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return; /* EAGAIN: nothing more for now */
        if (n == 0) {
            close_fd(&r->out_fd);
            return;
        }
        r->total += (size_t)n;
        size_t room = r->lim->out_bytes - r->len;
        size_t keep = (size_t)n < room ? (size_t)n : room;
        if (r->lim->out_drop)
            tail_add(r, chunk + keep, (size_t)n - keep);
        if (r->len + keep + 1 > r->cap) {
            size_t cap = r->cap * 2 > r->len + keep + 1 ? r->cap * 2 : r->len + keep + 1;
            if (cap > r->lim->out_bytes + 1)
                cap = r->lim->out_bytes + 1;
            char *b = realloc(r->buf, cap);
            if (!b)
                return; /* keep what we have; the next read tries again */
            r->buf = b;
            r->cap = cap;
        }
        memcpy(r->buf + r->len, chunk, keep);
        r->len += keep;
        r->buf[r->len] = '\0';
        if ((size_t)n > keep && !r->lim->out_drop) {
            r->over = true;
            return;
        }
    }
}

/* With out_drop: the kept head, a line saying how much was dropped, and the kept tail. */
static void out_join(struct run *r)
{
    if (r->tail_len == 0)
        return;
    size_t tail = r->tail_len < SB_OUT_TAIL ? r->tail_len : SB_OUT_TAIL;
    char gap[128];
    int g = snprintf(gap, sizeof gap, "\n[... the grader dropped %zu bytes of output here ...]\n",
                     r->total - r->len - tail);
    char *b = realloc(r->buf, r->len + (size_t)g + tail + 1);
    if (!b)
        return; /* the head alone, then */
    memcpy(b + r->len, gap, (size_t)g);
    size_t at = r->len + (size_t)g, start = r->tail_len - tail;
    for (size_t k = 0; k < tail; k++)
        b[at + k] = r->tail[(start + k) % SB_OUT_TAIL];
    r->buf = b;
    r->len = at + tail;
    r->buf[r->len] = '\0';
}

static void stop(struct run *r, enum sb_end end)
{
    r->stopped = true;
    r->end = end;
}

/* Returns true when the tree went over its memory or task limit. */
static bool tree_over(struct run *r)
{
    if (sb__tree_scan(&r->tree) != 0)
        return false;
    sb__tree_reap_orphans(&r->tree);
    long tasks, rss_kb;
    sb__tree_sum(&r->tree, &tasks, &rss_kb);
    if (r->lim->nproc > 0 && tasks > (long)r->lim->nproc + 1) {
        stop(r, SB_NPROC);
        return true;
    }
    if (r->lim->mem_mb > 0 && rss_kb > r->lim->mem_mb * 1024) {
        stop(r, SB_MEMORY);
        return true;
    }
    return false;
}

static volatile sig_atomic_t interrupted;

void sb_interrupt(void)
{
    interrupted = 1;
}

bool sb_interrupted(void)
{
    return interrupted;
}

/* Returns when the command's first process has ended or the grader stopped the run. */
static void watch(struct run *r)
{
    double next_scan = 0;
    for (;;) {
        double now = now_s();
        if (now >= r->deadline || interrupted) {
            stop(r, SB_TIMEOUT);
            return;
        }
        int ms = (int)((r->deadline - now) * 1000) + 1;
        struct pollfd p = {r->out_fd, POLLIN, 0};
        int n = poll(&p, 1, ms < SB_POLL_MS ? ms : SB_POLL_MS);
        if (n > 0)
            out_read(r);
        if (r->over) {
            stop(r, SB_OUTPUT);
            return;
        }
        if (sb__tree_reap_root(&r->tree))
            return;
        if (now_s() >= next_scan) {
            next_scan = now_s() + SB_POLL_MS / 1000.0;
            if (tree_over(r))
                return;
        }
    }
}

static void verdict(struct run *r, struct sb_result *res)
{
    int st = r->tree.root_status;
    const struct rusage *ru = &r->tree.root_ru;
    double cpu = ru->ru_utime.tv_sec + ru->ru_utime.tv_usec / 1e6 + ru->ru_stime.tv_sec +
                 ru->ru_stime.tv_usec / 1e6;
    if (r->stopped) {
        res->end = r->end;
    } else if (!r->tree.root_reaped) {
        res->end = SB_SIGNALED; /* cannot happen: the tree was killed and reaped */
        res->status = SIGKILL;
    } else if (WIFEXITED(st)) {
        res->end = SB_EXITED;
        res->status = WEXITSTATUS(st);
    } else {
        int sig = WTERMSIG(st);
        /* A SIGKILL we did not send, with the CPU used up, is the kernel's hard RLIMIT_CPU. The
         * limit counts timer ticks while rusage counts the scheduler's exact time; on a busy
         * virtual machine rusage showed a quarter less, hence the wide margin. */
        bool cpu_out = sig == SIGXCPU || (sig == SIGKILL && cpu >= (double)r->cpu_soft * 0.5);
        res->end = cpu_out ? SB_CPU : SB_SIGNALED;
        res->status = sig;
    }
    if (r->over && (res->end == SB_EXITED || res->end == SB_SIGNALED)) {
        res->end = SB_OUTPUT;
        res->status = 0;
    }
}

int sb_run(char *const argv[], char *const envp[], const char *cwd, const struct sb_limits *lim,
           struct sb_result *res)
{
    memset(res, 0, sizeof *res);
    res->end = SB_NOSTART;
    if (!argv || !argv[0] || !lim || !(lim->wall_s > 0) || lim->out_bytes == 0)
        return nostart(res, EINVAL);
    if (interrupted)
        return nostart(res, EINTR);
    int err = sb_init();
    if (err)
        return nostart(res, err);
    struct run r = {.lim = lim, .out_fd = -1};
    r.cap = lim->out_bytes < 4096 ? lim->out_bytes + 1 : 4096;
    r.buf = calloc(r.cap, 1);
    if (!r.buf)
        return nostart(res, ENOMEM);
    r.start = now_s();
    r.deadline = r.start + lim->wall_s;
    int exec_err = 0;
    err = sb__tree_init(&r.tree);
    if (!err)
        err = spawn(&r, argv, envp, cwd, &exec_err);
    if (!err && exec_err == 0)
        watch(&r);
    else if (!err && exec_err < 0)
        stop(&r, SB_TIMEOUT); /* it never got as far as exec */
    int kill_err = r.tree.root > 0 ? sb__tree_kill(&r.tree) : 0;
    out_read(&r);
    out_join(&r);
    if (err || exec_err > 0)
        nostart(res, err ? err : exec_err);
    else if (kill_err)
        err = nostart(res, kill_err); /* the contract: an error return means SB_NOSTART */
    else
        verdict(&r, res);
    close_fd(&r.out_fd);
    res->wall_s = now_s() - r.start;
    res->cpu_s = r.tree.cpu_s;
    res->out = r.buf;
    res->out_len = r.len;
    res->out_total = r.total;
    res->pid = r.tree.root;
    sb__tree_destroy(&r.tree);
    return err;
}

void sb_result_free(struct sb_result *res)
{
    free(res->out);
    res->out = NULL;
    res->out_len = 0;
}
