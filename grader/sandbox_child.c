/* sandbox_child.c - the forked child: set limits, drop root, reset what it inherited, exec.
 *
 * Between fork and exec only async-signal-safe calls are made: everything that allocates (the
 * PATH search list, the limits) was prepared by the parent. Any failure before exec is sent to
 * the parent as an errno value through a close-on-exec pipe; a successful exec closes it empty.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

/* Where execvp would look for file: itself if it holds a '/', else each PATH entry (from envp,
 * else the grader's environment). NULL-terminated; NULL if out of memory. */
char **sb__paths(const char *file, char *const envp[])
{
    const char *path = NULL;
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], "PATH=", 5) == 0)
            path = envp[i] + 5;
    if (!path)
        path = getenv("PATH");
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    size_t n = 2;
    for (const char *c = path; *c; c++)
        n += *c == ':';
    char **v = calloc(n, sizeof *v);
    if (!v)
        return NULL;
    if (strchr(file, '/') || *file == '\0') {
        v[0] = strdup(file);
        if (!v[0])
            goto out_free;
        return v;
    }
    size_t k = 0;
    for (const char *dir = path;; dir++) {
        size_t len = strcspn(dir, ":");
        /* An empty entry means the current directory, as in execvp. */
        v[k] = malloc(len + strlen(file) + 3);
        if (!v[k])
            goto out_free;
        memcpy(v[k], len ? dir : ".", len ? len : 1);
        v[k][len ? len : 1] = '\0';
        strcat(strcat(v[k], "/"), file);
        k++;
        dir += len;
        if (*dir == '\0')
            break;
    }
    return v;
out_free:
    sb__paths_free(v);
    return NULL;
}

void sb__paths_free(char **paths)
{
    for (size_t i = 0; paths && paths[i]; i++)
        free(paths[i]);
    free(paths);
}

static _Noreturn void fail(const struct sb__spawn *sp, int err)
{
    ssize_t n;
    do {
        n = write(sp->status_fd, &err, sizeof err);
    } while (n < 0 && errno == EINTR);
    _exit(127);
}

static int set_limits(const struct sb__spawn *sp)
{
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0 || setrlimit(RLIMIT_CPU, &sp->cpu) != 0)
        return errno;
    if (sp->set_as && setrlimit(RLIMIT_AS, &sp->as) != 0)
        return errno;
    if (sp->set_fsize && setrlimit(RLIMIT_FSIZE, &sp->fsize) != 0)
        return errno;
    if (sp->set_nproc && setrlimit(RLIMIT_NPROC, &sp->nproc) != 0)
        return errno;
    return 0;
}

static int drop_root(const struct sb__spawn *sp)
{
    if (!sp->drop)
        return 0;
    if (setgroups(0, NULL) != 0 || setgid(sp->gid) != 0 || setuid(sp->uid) != 0)
        return errno;
    /* Belt and braces: make sure root cannot be regained. */
    if (setuid(0) == 0)
        return EPERM;
    return 0;
}

static void close_inherited(const struct sb__spawn *sp)
{
    /* Close-on-exec rather than close: the status pipe must stay open until exec. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    for (int fd = 3; fd < sp->max_fd; fd++)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static void reset_signals(void)
{
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL); /* fails harmlessly for SIGKILL, SIGSTOP and glibc's own */
    /* glibc refuses to touch its own two real-time signals (32 and 33), yet a parent may have
     * left them ignored, and ignored signals survive exec: reset them with the system call. */
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        unsigned long mask;
    } kernel_dfl = {SIG_DFL, 0, NULL, 0};
    for (int sig = 32; sig <= 33; sig++)
        syscall(SYS_rt_sigaction, sig, &kernel_dfl, NULL, sizeof kernel_dfl.mask);
}

_Noreturn void sb__child(const struct sb__spawn *sp)
{
    reset_signals();
    /* A new session: its own process group, and no controlling terminal to read or signal. */
    if (setsid() < 0)
        fail(sp, errno);
    if (dup2(sp->null_fd, 0) < 0 || dup2(sp->out_fd, 1) < 0 || dup2(sp->out_fd, 2) < 0)
        fail(sp, errno);
    if (sp->cwd && chdir(sp->cwd) != 0)
        fail(sp, errno);
    int err = set_limits(sp);
    if (!err)
        err = drop_root(sp);
    if (err)
        fail(sp, err);
    /* After the uid change, which clears it: die with the grader. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != sp->parent)
        fail(sp, ESRCH);
    close_inherited(sp);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* As execvp: keep looking after "not found" or "denied", report denied if nothing ran. */
    bool denied = false;
    err = ENOENT;
    for (size_t i = 0; sp->paths[i]; i++) {
        execve(sp->paths[i], sp->argv, sp->envp);
        err = errno;
        if (err == EACCES) {
            denied = true;
        } else if (err != ENOENT && err != ENOTDIR && err != ESTALE) {
            denied = false;
            break;
        }
    }
    fail(sp, denied ? EACCES : err);
}
