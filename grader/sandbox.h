/* sandbox.h - run one untrusted command under limits and always get a verdict back.
 *
 * Every process the grader starts (compiler, tests, drivers, Valgrind) goes through sb_run. The
 * limits hold for a student without root and for root in CI alike:
 *   - wall clock: the grader's own timer; at the end the whole process tree is killed, including
 *     processes that called setsid and double-forked (the grader is a child subreaper, so orphans
 *     come back to it, and every descendant is frozen with SIGSTOP, then killed);
 *   - CPU: RLIMIT_CPU;
 *   - memory: the resident size of the whole tree, polled (RLIMIT_AS would stop ThreadSanitizer
 *     and Valgrind from starting), plus RLIMIT_AS where the caller says it is safe;
 *   - processes and threads: RLIMIT_NPROC, which does not bind root, so root first drops to an
 *     unprivileged uid (sb_init picks it) in the child; also the tree is counted while polling;
 *   - output: stdout and stderr are captured through one pipe and cut at a size; files written
 *     by the command are capped by RLIMIT_FSIZE.
 */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SB_UID_BASE 1600000000u /* first uid that sb_init may pick for commands run by root */
#define SB_OUT_TAIL 16384       /* with out_drop, the end of the output kept after the gap */

/* wall_s and out_bytes must be above 0; mem_mb, nproc and file_mb at 0 mean "no limit". */
struct sb_limits {
    double wall_s;    /* wall-clock timeout in seconds */
    double cpu_s;     /* CPU seconds for the process (RLIMIT_CPU), 0 = wall_s * 2 */
    long mem_mb;      /* resident memory of the whole tree, in MiB */
    bool limit_as;    /* also set RLIMIT_AS to mem_mb * 4 (not for TSan or Valgrind) */
    int nproc;        /* processes plus threads the command may add */
    size_t out_bytes; /* stdout+stderr kept; more than this ends the run as SB_OUTPUT */
    bool out_drop;    /* instead: keep the first out_bytes and the last SB_OUT_TAIL bytes, drop
                         the middle (counted in out_total), and let the run go on */
    long file_mb;     /* largest file the command may write (RLIMIT_FSIZE) */
};

enum sb_end {
    SB_EXITED,   /* status = exit code */
    SB_SIGNALED, /* status = signal number */
    SB_TIMEOUT,  /* wall-clock limit reached */
    SB_CPU,      /* CPU limit reached (SIGXCPU or SIGKILL at the hard limit) */
    SB_MEMORY,   /* resident memory limit reached */
    SB_NPROC,    /* too many processes or threads */
    SB_OUTPUT,   /* output limit reached */
    SB_NOSTART,  /* could not be started: status = errno */
};

struct sb_result {
    enum sb_end end;
    int status;
    double wall_s;
    double cpu_s; /* user+system CPU of the reaped tree */
    char *out;    /* captured stdout+stderr, NUL-terminated, at most out_bytes (with out_drop:
                     plus a line that says what was dropped, and the last SB_OUT_TAIL bytes) */
    size_t out_len;
    size_t out_total; /* bytes the command printed in all, kept or not */
    pid_t pid;        /* the command's process id (0 if it never started) */
};

/* Call once at start-up, before any other thread exists: become a child subreaper, pick the uid
 * that commands run as when the grader is root. Returns 0 or an errno value.
 *
 * The uid (and gid of the same number) is a fresh one per grader process, in
 * [SB_UID_BASE, SB_UID_BASE + 65536): absent from the user and group databases and used by no
 * running process. So commands cannot signal or trace anything but their own tree, and the
 * RLIMIT_NPROC count of one grader is not shared with another grader running beside it. */
int sb_init(void);

/* When the grader runs as root, give dir (recursively) to the uid that commands run as, so that
 * they can write there. A no-op for other users. Returns 0 or an errno value. */
int sb_own(const char *dir);
/* Give dir (recursively) back to the grader's own uid: commands can still read it, but no longer
 * change it (what the kit compiled, which later graders use). A no-op for other users. */
int sb_disown(const char *dir);

/* Run argv (argv[0] looked up in PATH) in directory cwd with exactly the environment envp
 * (NULL-terminated "K=V" strings), stdin from /dev/null. Fills res; returns 0, or an errno value
 * when the grader itself failed (then res->end is SB_NOSTART). Never leaves a process behind.
 *
 * cwd NULL: the grader's. sb_init is called first if it was not. res->out is always set (maybe
 * to ""), except when EINVAL, ENOMEM or sb_init's error is returned (then it is NULL).
 * PATH is taken from envp, else from the grader's environment. A command that cannot be executed
 * (not found, no permission, cwd missing) returns 0 with SB_NOSTART and its errno in status.
 * Run one command at a time per grader process: processes orphaned during a run are recognised
 * as the run's because they come back to the grader, so two runs at once cannot be told apart. */
int sb_run(char *const argv[], char *const envp[], const char *cwd, const struct sb_limits *lim,
           struct sb_result *res);

/* Words for a verdict: "timed out after 10.0 s (wall clock)", "crashed with SIGSEGV (invalid
 * memory access)", "stopped: printed more than 1 MiB", "exited with status 3". */
const char *sb_describe(const struct sb_result *res, const struct sb_limits *lim, char *buf,
                        size_t len);

void sb_result_free(struct sb_result *res);

/* Async-signal-safe, for the grader's SIGINT/SIGTERM handler: end the current run (its whole
 * tree is killed as usual) and make later runs return SB_NOSTART with EINTR at once. */
void sb_interrupt(void);
bool sb_interrupted(void);

/* Internal: shared by the sandbox*.c files only. */

#include <sys/resource.h>

struct sb__proc {
    pid_t pid, ppid;
    char state;   /* 'R', 'S', 'Z'... from /proc/PID/stat */
    long threads; /* tasks, which RLIMIT_NPROC counts */
    long rss_kb;
    unsigned long long start; /* with pid, names one process even after the pid is reused */
    bool member;              /* part of the run's tree */
};

/* The run's process tree: the command, its descendants, and orphans that came back to the
 * grader (a child subreaper) during the run. */
struct sb__tree {
    pid_t root;
    bool root_reaped;
    int root_status;
    struct rusage root_ru;
    double cpu_s; /* user+system of everything reaped so far */
    pid_t *old;   /* the grader's children from before the run: not part of it */
    size_t n_old;
    struct sb__proc *ps; /* the last scan of /proc */
    size_t n, cap;
    bool walk; /* the kernel has /proc/PID/task/TID/children */
};

int sb__read_stat(pid_t pid, struct sb__proc *p);
int sb__tree_init(struct sb__tree *t);
void sb__tree_destroy(struct sb__tree *t);
int sb__tree_scan(struct sb__tree *t);
void sb__tree_sum(const struct sb__tree *t, long *tasks, long *rss_kb);
void sb__tree_reap_orphans(struct sb__tree *t);
int sb__tree_reap_root(struct sb__tree *t);
int sb__tree_kill(struct sb__tree *t);

/* Tasks whose real uid is uid, and whether any process uses uid at all. */
long sb__uid_tasks(uid_t uid, bool *used);

/* What the child needs, all prepared before fork: it may only make async-signal-safe calls. */
struct sb__spawn {
    char *const *argv;
    char *const *envp;
    char **paths; /* where to look for argv[0], in order */
    const char *cwd;
    int out_fd, null_fd, status_fd;
    pid_t parent;
    bool drop;
    uid_t uid;
    gid_t gid;
    struct rlimit cpu, as, nproc, fsize;
    bool set_as, set_nproc, set_fsize;
    int max_fd; /* for closing fds where close_range is missing */
};

rlim_t sb__cpu_limit(const struct sb_limits *lim);
char **sb__paths(const char *file, char *const envp[]);
void sb__paths_free(char **paths);
_Noreturn void sb__child(const struct sb__spawn *sp);

#endif
