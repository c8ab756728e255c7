/* test_sandbox.c - unit tests of the grader's sandbox: verdicts, limits, and that nothing survives.
 *
 * The hostile programs (fork bomb, thread bomb, escaper, hog, spinner, crasher) are in
 * sandbox_helpers/ and are built once per run of this binary, before the tests. The bombs refuse
 * to run as root, so a sandbox that failed to drop root fails the test instead of the machine.
 * As root every test process gets its own sandbox uid, so tests can run in parallel; as another
 * user they share one RLIMIT_NPROC count, so they take turns (a lock file).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "sandbox.h"

#define HELPERS_ENV "SB_TEST_BIN" /* where the runner built the helpers, for the test processes */

static const char *const helper_names[] = {"bomb", "threads", "escape", "hog",
                                           "spin", "crash",   "swarm"};

static char *env_path[] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL};
static char workdir[64];
static int turn_fd = -1;

/* Small limits: a test that goes wrong must not hurt the machine or the other helpers on it. */
static struct sb_limits small(void)
{
    return (struct sb_limits){
        .wall_s = 20, .mem_mb = 256, .nproc = 32, .out_bytes = 1 << 20, .file_mb = 16};
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Runs in the runner before any test: build the helpers with the system compiler. */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
    (void)set;
    static char bin[] = "/tmp/sb_helpers.XXXXXX";
    char src[4096], file[] = __FILE__, cmd[8192];
    const char *env_src = getenv("SB_HELPERS_SRC");
    snprintf(src, sizeof src, "%s", env_src ? env_src : dirname(file));
    if (!env_src)
        strncat(src, "/sandbox_helpers", sizeof src - strlen(src) - 1);
    if (!mkdtemp(bin) || chmod(bin, 0755) != 0)
        return;
    for (size_t i = 0; i < sizeof helper_names / sizeof helper_names[0]; i++) {
        snprintf(cmd, sizeof cmd, "gcc -std=c11 -O1 -pthread -o '%s/sbt_%s' '%s/%s.c'", bin,
                 helper_names[i], src, helper_names[i]);
        if (system(cmd) != 0)
            fprintf(stderr,
                    "test_sandbox: could not build helper %s from %s; run from the "
                    "repository root or set SB_HELPERS_SRC\n",
                    helper_names[i], src);
    }
    setenv(HELPERS_ENV, bin, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    const char *bin = getenv(HELPERS_ENV);
    if (bin)
        rm_tree(bin);
}

static const char *helper(const char *name)
{
    static char path[4096];
    const char *bin = getenv(HELPERS_ENV);
    cr_assert(bin, "the test helpers were not built (see the runner's first lines)");
    snprintf(path, sizeof path, "%s/sbt_%s", bin, name);
    cr_assert(access(path, X_OK) == 0, "test helper %s is missing", path);
    return path;
}

static void setup(void)
{
    if (geteuid() != 0) {
        char lock[64];
        snprintf(lock, sizeof lock, "/tmp/sb_test.%u.lock", (unsigned)getuid());
        turn_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        cr_assert(turn_fd >= 0 && flock(turn_fd, LOCK_EX) == 0, "cannot lock %s", lock);
    }
    cr_assert_eq(sb_init(), 0, "sb_init failed");
    strcpy(workdir, "/tmp/sb_test.XXXXXX");
    cr_assert(mkdtemp(workdir), "mkdtemp failed");
    cr_assert_eq(sb_own(workdir), 0, "sb_own(%s) failed", workdir);
}

static void teardown(void)
{
    rm_tree(workdir);
    if (turn_fd >= 0)
        close(turn_fd);
}

/* The test process is the subreaper: after a run, nothing may be left that it would inherit. */
static void assert_no_children(void)
{
    DIR *d = opendir("/proc");
    cr_assert(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        char *s = strrchr(buf, ')');
        int ppid = 0;
        if (s)
            sscanf(s + 2, "%*c %d", &ppid);
        cr_assert_neq(ppid, getpid(), "process %s is still a child of the grader", e->d_name);
    }
    closedir(d);
}

static void assert_dead(pid_t pid)
{
    cr_assert_gt(pid, 0, "no pid was printed");
    cr_assert(kill(pid, 0) == -1 && errno == ESRCH, "process %d survived the run", (int)pid);
}

static int run(char *const argv[], const struct sb_limits *lim, struct sb_result *res)
{
    int err = sb_run(argv, env_path, workdir, lim, res);
    cr_assert(res->out, "res->out is NULL");
    cr_assert_eq(strlen(res->out), res->out_len, "out_len does not match the text");
    assert_no_children();
    return err;
}

static const char *words(const struct sb_result *res, const struct sb_limits *lim)
{
    static char buf[256];
    return sb_describe(res, lim, buf, sizeof buf);
}

TestSuite(sandbox, .init = setup, .fini = teardown, .timeout = 60);

Test(sandbox, output_and_exit_status)
{
    struct sb_limits lim = small();
    struct sb_result res;
    char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_EXITED);
    cr_assert_eq(res.status, 3);
    cr_assert_str_eq(res.out, "out\nerr\n");
    cr_assert_str_eq(words(&res, &lim), "exited with status 3");
    sb_result_free(&res);
}

Test(sandbox, exact_environment_and_null_stdin)
{
    struct sb_limits lim = small();
    struct sb_result res;
    char *envp[] = {"A=1", "B=two words", NULL};
    char *argv[] = {"sh", "-c", "env; cat", NULL};
    cr_assert_eq(sb_run(argv, envp, workdir, &lim, &res), 0);
    cr_assert_eq(res.end, SB_EXITED);
    cr_assert_eq(res.status, 0);
    /* sh adds PWD; nothing of the grader's environment may appear. */
    cr_assert(strstr(res.out, "A=1\n") && strstr(res.out, "B=two words\n"), "got: %s", res.out);
    cr_assert_null(strstr(res.out, "HOME="), "the grader's environment leaked: %s", res.out);
    sb_result_free(&res);
}

Test(sandbox, inherited_state_is_reset)
{
    struct sb_limits lim = small();
    struct sb_result res;
    cr_assert_eq(dup2(0, 57), 57); /* an fd without close-on-exec */
    signal(SIGTERM, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    /* Builtins only: dash blocks every signal while it forks, so a forked grep would see that. */
    char *argv[] = {"sh", "-c",
                    "[ -e /proc/$$/fd/57 ] && echo leaked fd;"
                    "while read -r l; do case $l in Sig[BI]*) echo \"$l\";; esac; done"
                    " </proc/$$/status;"
                    "read -r pid comm state ppid pgrp sid rest </proc/$$/stat;"
                    "echo pgrp=$pgrp sid=$sid pid=$$",
                    NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_null(strstr(res.out, "leaked"), "%s", res.out);
    cr_assert(strstr(res.out, "SigBlk:\t0000000000000000\n"), "mask kept: %s", res.out);
    cr_assert(strstr(res.out, "SigIgn:\t0000000000000000\n"), "ignored kept: %s", res.out);
    int pgrp = 0, sid = 0, pid = -1;
    const char *ids = strstr(res.out, "pgrp=");
    cr_assert(ids && sscanf(ids, "pgrp=%d sid=%d pid=%d", &pgrp, &sid, &pid) == 3);
    cr_assert(pgrp == pid && sid == pid, "not in its own session and group: %s", ids);
    sb_result_free(&res);
}

Test(sandbox, root_is_dropped)
{
    struct sb_limits lim = small();
    struct sb_result res;
    char *argv[] = {"sh", "-c", "id -u; id -G", NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    unsigned uid = 0;
    cr_assert_eq(sscanf(res.out, "%u", &uid), 1, "%s", res.out);
    if (geteuid() == 0) {
        cr_assert_geq(uid, SB_UID_BASE, "ran as uid %u", uid);
        cr_assert_null(strstr(res.out, "\n0 "), "kept group 0: %s", res.out);
        cr_assert_null(strstr(res.out, " 0\n"), "kept group 0: %s", res.out);
    } else {
        cr_assert_eq(uid, getuid());
    }
    sb_result_free(&res);
}

Test(sandbox, not_started)
{
    struct sb_limits lim = small();
    struct sb_result res;
    char *missing[] = {"sb-no-such-command", NULL};
    cr_assert_eq(run(missing, &lim, &res), 0);
    cr_assert_eq(res.end, SB_NOSTART);
    cr_assert_eq(res.status, ENOENT);
    cr_assert(strstr(words(&res, &lim), "not found"), "%s", words(&res, &lim));
    sb_result_free(&res);

    char script[128];
    snprintf(script, sizeof script, "%s/not-executable", workdir);
    FILE *f = fopen(script, "w");
    cr_assert(f);
    fputs("#!/bin/sh\n", f);
    fclose(f);
    char *denied[] = {script, NULL};
    cr_assert_eq(run(denied, &lim, &res), 0);
    cr_assert_eq(res.end, SB_NOSTART);
    cr_assert_eq(res.status, EACCES);
    sb_result_free(&res);

    char *ok[] = {"true", NULL};
    cr_assert_eq(sb_run(ok, env_path, "/sb-no-such-dir", &lim, &res), 0);
    cr_assert_eq(res.end, SB_NOSTART);
    cr_assert_eq(res.status, ENOENT);
    sb_result_free(&res);

    lim.wall_s = 0;
    cr_assert_eq(sb_run(ok, env_path, workdir, &lim, &res), EINVAL);
    cr_assert_eq(res.end, SB_NOSTART);
    sb_result_free(&res);
}

/* A fork that fails must come back as an error, not kill or hang the grader. */
Test(sandbox_alone, fork_failure, .timeout = 60)
{
    if (geteuid() == 0) {
        /* Only a process without root is bound by RLIMIT_NPROC: become one first. */
        cr_assert(setgroups(0, NULL) == 0 && setgid(65534) == 0 && setuid(65534) == 0);
    }
    cr_assert_eq(sb_init(), 0);
    struct rlimit one = {1, 1}; /* this process alone uses it up */
    cr_assert_eq(setrlimit(RLIMIT_NPROC, &one), 0);
    struct sb_limits lim = small();
    struct sb_result res;
    char *argv[] = {"true", NULL};
    cr_assert_eq(sb_run(argv, env_path, "/", &lim, &res), EAGAIN);
    cr_assert_eq(res.end, SB_NOSTART);
    cr_assert_eq(res.status, EAGAIN);
    sb_result_free(&res);
}

static pid_t nth_pid(const char *out, int n)
{
    int pid = -1;
    for (int i = 0; i <= n && out; i++) {
        if (sscanf(out, "%d", &pid) != 1)
            return -1;
        out = strchr(out, '\n');
        if (out)
            out++;
    }
    return pid;
}

Test(sandbox, timeout_kills_the_tree)
{
    struct sb_limits lim = small();
    lim.wall_s = 0.5;
    struct sb_result res;
    char *argv[] = {"sh", "-c", "sleep 30 & echo $!; sleep 30 & echo $!; wait", NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_TIMEOUT, "%s", words(&res, &lim));
    /* Not before the limit; and far from the 30 s the sleepers would have taken. */
    cr_assert_geq(res.wall_s, 0.5);
    cr_assert_lt(res.wall_s, 10);
    assert_dead(nth_pid(res.out, 0));
    assert_dead(nth_pid(res.out, 1));
    cr_assert_str_eq(words(&res, &lim), "timed out after 0.5 s (wall clock)");
    sb_result_free(&res);

    /* Closing the output does not help a program that keeps running. */
    char *closed[] = {"sh", "-c", "exec >&- 2>&-; sleep 30", NULL};
    cr_assert_eq(run(closed, &lim, &res), 0);
    cr_assert_eq(res.end, SB_TIMEOUT, "%s", words(&res, &lim));
    sb_result_free(&res);
}

Test(sandbox, setsid_double_fork_is_killed)
{
    struct sb_limits lim = small();
    struct sb_result res;
    /* Keeping the output open or closing it, the daemon dies when its starter exits. */
    char *modes[] = {"loud", "quiet"};
    for (int i = 0; i < 2; i++) {
        char *argv[] = {(char *)helper("escape"), modes[i], NULL};
        cr_assert_eq(run(argv, &lim, &res), 0);
        cr_assert_eq(res.end, SB_EXITED, "%s", words(&res, &lim));
        cr_assert_eq(res.status, 0);
        cr_assert_lt(res.wall_s, 10, "waited for the daemon instead of killing it");
        assert_dead(nth_pid(res.out, 0));
        sb_result_free(&res);
    }
}

/* Every pid a swarm printed is gone: not running, not a zombie (kill(pid, 0) finds zombies). */
static int assert_swarm_gone(const char *out)
{
    int count = 0;
    for (const char *s = out; s && *s >= '0' && *s <= '9'; s = strchr(s, '\n'), s = s ? s + 1 : s) {
        assert_dead((pid_t)atoi(s));
        count++;
    }
    return count;
}

/* Under load, and many times over: a whole swarm dying at once, parents under their children,
 * while the run ends. Every run must return with every descendant reaped (run() checks that the
 * test process, the subreaper, has no child left, zombies included). */
Test(sandbox, every_descendant_is_reaped, .timeout = 120)
{
    struct sb_limits lim = small();
    lim.nproc = 160;
    enum { CHAINS = 10, DEPTH = 5, ROUNDS = 40 };
    char chains[16], depth[16];
    snprintf(chains, sizeof chains, "%d", CHAINS);
    snprintf(depth, sizeof depth, "%d", DEPTH);
    for (int round = 0; round < ROUNDS; round++) {
        /* Most rounds: the first process exits at once; one in eight: the wall clock ends it. */
        bool timed = round % 8 == 7;
        lim.wall_s = timed ? 1 : 20;
        char *argv[] = {(char *)helper("swarm"), chains, depth, timed ? "wait" : NULL, NULL};
        struct sb_result res;
        cr_assert_eq(run(argv, &lim, &res), 0);
        cr_assert_eq(res.end, timed ? SB_TIMEOUT : SB_EXITED, "round %d: %s; output: %s", round,
                     words(&res, &lim), res.out);
        cr_assert(strstr(res.out, "ready\n"), "round %d: the swarm did not start: %s", round,
                  res.out);
        cr_assert_eq(assert_swarm_gone(res.out), CHAINS * DEPTH, "round %d: %s", round, res.out);
        sb_result_free(&res);
    }
}

/* After a bomb, the machine still runs commands for us. */
static void assert_healthy(void)
{
    struct sb_limits lim = small();
    struct sb_result res;
    char *argv[] = {"sh", "-c", "sleep 0 & wait; echo fine", NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_EXITED, "%s", words(&res, &lim));
    cr_assert_str_eq(res.out, "fine\n");
    sb_result_free(&res);
}

Test(sandbox, fork_bomb_is_stopped)
{
    struct sb_limits lim = small();
    struct sb_result res;
    char *argv[] = {(char *)helper("bomb"), NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_NPROC, "%s; output: %s", words(&res, &lim), res.out);
    cr_assert_str_eq(words(&res, &lim),
                     "stopped: tried to start more than 32 processes or threads");
    sb_result_free(&res);
    assert_healthy();
}

Test(sandbox, thread_bomb_is_stopped)
{
    struct sb_limits lim = small();
    struct sb_result res;
    char *argv[] = {(char *)helper("threads"), NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_NPROC, "%s; output: %s", words(&res, &lim), res.out);
    sb_result_free(&res);
    assert_healthy();
}

/* A command may use exactly nproc more tasks: the limit is not off by one. */
Test(sandbox, nproc_allows_exactly_the_limit)
{
    struct sb_limits lim = small();
    lim.nproc = 4;
    struct sb_result res;
    char *four[] = {"sh", "-c", "sleep 1 & sleep 1 & sleep 1 & sleep 1 & wait; echo done", NULL};
    cr_assert_eq(run(four, &lim, &res), 0);
    cr_assert_eq(res.end, SB_EXITED, "%s: %s", words(&res, &lim), res.out);
    cr_assert_str_eq(res.out, "done\n");
    sb_result_free(&res);

    /* One over: the kernel still allows it, so the tree stays there for the scan to see. */
    char *five[] = {"sh", "-c", "for i in 1 2 3 4 5; do sleep 1 & done; wait", NULL};
    cr_assert_eq(run(five, &lim, &res), 0);
    cr_assert_eq(res.end, SB_NPROC, "%s: %s", words(&res, &lim), res.out);
    sb_result_free(&res);
}

Test(sandbox, output_is_cut)
{
    struct sb_limits lim = small();
    struct sb_result res;
    char *flood[] = {"yes", NULL};
    cr_assert_eq(run(flood, &lim, &res), 0);
    cr_assert_eq(res.end, SB_OUTPUT, "%s", words(&res, &lim));
    cr_assert_eq(res.out_len, lim.out_bytes);
    for (size_t i = 0; i < res.out_len; i++)
        cr_assert_eq(res.out[i], i % 2 ? '\n' : 'y', "byte %zu is not the first output", i);
    cr_assert_str_eq(words(&res, &lim), "stopped: printed more than 1 MiB");
    sb_result_free(&res);

    /* Over the limit, even though it then exits on its own; the first bytes are kept. */
    lim.out_bytes = 1000;
    char *over[] = {"seq", "2000", NULL};
    cr_assert_eq(run(over, &lim, &res), 0);
    cr_assert_eq(res.end, SB_OUTPUT, "%s", words(&res, &lim));
    char want[1100] = "";
    for (int i = 1; strlen(want) < 1000; i++)
        snprintf(want + strlen(want), sizeof want - strlen(want), "%d\n", i);
    want[1000] = '\0';
    cr_assert_str_eq(res.out, want);
    sb_result_free(&res);

    /* Exactly at the limit is fine. */
    char *exact[] = {"sh", "-c", "head -c 1000 /dev/zero | tr '\\0' x", NULL};
    cr_assert_eq(run(exact, &lim, &res), 0);
    cr_assert_eq(res.end, SB_EXITED, "%s", words(&res, &lim));
    cr_assert_eq(res.out_len, 1000);
    sb_result_free(&res);
}

Test(sandbox, memory_hog_is_stopped)
{
    struct sb_limits lim = small();
    lim.mem_mb = 64;
    struct sb_result res;
    char *argv[] = {(char *)helper("hog"), "touch", NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_MEMORY, "%s", words(&res, &lim));
    cr_assert_str_eq(words(&res, &lim), "stopped: used more than 64 MiB of memory");
    sb_result_free(&res);

    /* The same from a process that a second thread forked: the tree holds it too. */
    char *thread[] = {(char *)helper("hog"), "thread", NULL};
    cr_assert_eq(run(thread, &lim, &res), 0);
    cr_assert_eq(res.end, SB_MEMORY, "%s", words(&res, &lim));
    sb_result_free(&res);
}

/* RLIMIT_AS only when asked for: TSan and Valgrind reserve far more than they use. */
Test(sandbox, address_space_limit_only_on_request)
{
    struct sb_limits lim = small();
    lim.mem_mb = 64; /* RLIMIT_AS 256 MiB; the helper maps 512 MiB without touching it */
    struct sb_result res;
    char *argv[] = {(char *)helper("hog"), "reserve", NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_str_eq(res.out, "reserved\n");
    sb_result_free(&res);
    lim.limit_as = true;
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_EXITED);
    cr_assert_eq(res.status, 2);
    cr_assert_str_eq(res.out, "reserve failed\n");
    sb_result_free(&res);
}

Test(sandbox, cpu_spinner_is_stopped)
{
    struct sb_limits lim = small();
    lim.cpu_s = 1;
    lim.wall_s = 40; /* a loaded machine gives the spinner only part of a core */
    struct sb_result res;
    char *argv[] = {(char *)helper("spin"), NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_CPU, "%s", words(&res, &lim));
    cr_assert_eq(res.status, SIGXCPU);
    /* RLIMIT_CPU counts timer ticks, rusage the scheduler's exact time: on a busy virtual
     * machine the second was seen a quarter lower. Half the limit still shows it was counted. */
    cr_assert_geq(res.cpu_s, 0.5, "cpu_s is %.2f", res.cpu_s);
    cr_assert_leq(res.cpu_s, res.wall_s * 2 + 0.1, "cpu_s %.2f, wall_s %.2f", res.cpu_s,
                  res.wall_s);
    cr_assert_str_eq(words(&res, &lim), "stopped: used more than 1 s of CPU time");
    sb_result_free(&res);

    /* Ignoring SIGXCPU only earns the kernel's SIGKILL at the hard limit. */
    char *deaf[] = {(char *)helper("spin"), "ignore", NULL};
    cr_assert_eq(run(deaf, &lim, &res), 0);
    cr_assert_eq(res.end, SB_CPU, "%s", words(&res, &lim));
    cr_assert_eq(res.status, SIGKILL);
    sb_result_free(&res);
}

Test(sandbox, crash_reports_the_signal)
{
    struct sb_limits lim = small();
    struct sb_result res;
    char *argv[] = {(char *)helper("crash"), NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_SIGNALED, "%s", words(&res, &lim));
    cr_assert_eq(res.status, SIGSEGV);
    cr_assert_str_eq(res.out, "about to crash\n");
    cr_assert_str_eq(words(&res, &lim), "crashed with SIGSEGV (invalid memory access)");
    char core[128];
    snprintf(core, sizeof core, "%s/core", workdir);
    cr_assert_neq(access(core, F_OK), 0, "a core file was written");
    sb_result_free(&res);
}

Test(sandbox, file_size_is_capped)
{
    struct sb_limits lim = small();
    lim.file_mb = 1;
    struct sb_result res;
    char *argv[] = {"sh", "-c", "head -c 2000000 /dev/zero > big", NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    char big[128];
    struct stat st;
    snprintf(big, sizeof big, "%s/big", workdir);
    cr_assert_eq(stat(big, &st), 0);
    cr_assert_eq(st.st_size, 1 << 20);
    sb_result_free(&res);
}

Test(sandbox, own_lets_the_command_write)
{
    char sub[128];
    snprintf(sub, sizeof sub, "%s/sub", workdir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    cr_assert_eq(sb_own(workdir), 0);
    struct sb_limits lim = small();
    struct sb_result res;
    char *argv[] = {"sh", "-c", "echo x > sub/file && cat sub/file", NULL};
    cr_assert_eq(run(argv, &lim, &res), 0);
    cr_assert_eq(res.end, SB_EXITED, "%s", words(&res, &lim));
    cr_assert_str_eq(res.out, "x\n");
    sb_result_free(&res);
}

/* What the kit compiled is handed back (sb_disown): commands still read it, and a submission
 * graded next cannot rewrite it for the ones after. */
Test(sandbox, disown_leaves_it_read_only)
{
    if (geteuid() != 0)
        cr_skip_test("commands run as the grader's own user, who owns what it compiled");
    char sub[128];
    snprintf(sub, sizeof sub, "%s/kit", workdir);
    cr_assert_eq(mkdir(sub, 0755), 0);
    struct sb_limits lim = small();
    struct sb_result res;
    char *make[] = {"sh", "-c", "echo built > kit/obj && chmod 644 kit/obj", NULL};
    cr_assert_eq(sb_own(workdir), 0);
    cr_assert_eq(run(make, &lim, &res), 0);
    cr_assert_eq(res.end, SB_EXITED, "%s", words(&res, &lim));
    cr_assert_eq(res.status, 0, "%s", res.out);
    sb_result_free(&res);
    cr_assert_eq(sb_disown(sub), 0);
    char *tamper[] = {"sh", "-c", "cat kit/obj; echo evil > kit/obj; echo x > kit/new; cat kit/obj",
                      NULL};
    cr_assert_eq(run(tamper, &lim, &res), 0);
    cr_assert(strncmp(res.out, "built\n", 6) == 0, "could not read it: %s", res.out);
    cr_assert(strstr(res.out + 6, "built\n"), "rewrote it: %s", res.out);
    char path[160];
    snprintf(path, sizeof path, "%s/new", sub);
    cr_assert(access(path, F_OK) != 0, "added a file to it");
    sb_result_free(&res);
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* A grader with a timer firing every millisecond still gets a complete, correct run. */
Test(sandbox, interrupted_grader)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: every blocking call sees EINTR */
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval every_ms = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &every_ms, NULL);
    struct sb_limits lim = small();
    struct sb_result res;
    char *argv[] = {"sh", "-c", "sleep 0.3; echo done", NULL};
    int err = run(argv, &lim, &res);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    cr_assert_eq(err, 0);
    cr_assert_eq(res.end, SB_EXITED, "%s", words(&res, &lim));
    cr_assert_str_eq(res.out, "done\n");
    cr_assert_geq(res.wall_s, 0.3);
    sb_result_free(&res);
}

/* out_drop: the run goes on past the limit; the head and the tail are kept, the middle counted. */
Test(sandbox, output_dropped_not_stopped)
{
    struct sb_limits lim = small();
    lim.out_bytes = 1000;
    lim.out_drop = true;
    struct sb_result res;
    char *chatty[] = {"seq", "200000", NULL}; /* 1288895 bytes, then exit 0 */
    cr_assert_eq(run(chatty, &lim, &res), 0);
    cr_assert_eq(res.end, SB_EXITED, "%s", words(&res, &lim));
    cr_assert_eq(res.status, 0);
    cr_assert_eq(res.out_total, 1288895);
    cr_assert(strncmp(res.out, "1\n2\n3\n", 6) == 0);
    char gap[128];
    snprintf(gap, sizeof gap, "\n[... the grader dropped %d bytes of output here ...]\n",
             1288895 - 1000 - SB_OUT_TAIL);
    cr_assert(strstr(res.out, gap), "%s", res.out + 1000);
    cr_assert(strcmp(res.out + res.out_len - 14, "199999\n200000\n") == 0);
    cr_assert_eq(res.out_len, 1000 + strlen(gap) + SB_OUT_TAIL);
    sb_result_free(&res);

    /* A flood runs into the time limit, and the verdict says how much it printed. */
    lim.wall_s = 1;
    char *flood[] = {"yes", NULL};
    cr_assert_eq(run(flood, &lim, &res), 0);
    cr_assert_eq(res.end, SB_TIMEOUT, "%s", words(&res, &lim));
    cr_assert_gt(res.out_total, 1 << 20);
    cr_assert(strstr(words(&res, &lim), "timed out after 1.0 s (wall clock) while printing: it "
                                        "printed "),
              "%s", words(&res, &lim));
    sb_result_free(&res);
}

Test(sandbox, describe_words)
{
    struct sb_limits lim = {.wall_s = 10, .mem_mb = 512, .nproc = 64, .out_bytes = 1 << 20};
    struct sb_result res = {.end = SB_TIMEOUT};
    cr_assert_str_eq(words(&res, &lim), "timed out after 10.0 s (wall clock)");
    res = (struct sb_result){.end = SB_MEMORY};
    cr_assert_str_eq(words(&res, &lim), "stopped: used more than 512 MiB of memory");
    res = (struct sb_result){.end = SB_NPROC};
    cr_assert_str_eq(words(&res, &lim),
                     "stopped: tried to start more than 64 processes or threads");
    res = (struct sb_result){.end = SB_OUTPUT};
    cr_assert_str_eq(words(&res, &lim), "stopped: printed more than 1 MiB");
    res = (struct sb_result){.end = SB_CPU};
    cr_assert_str_eq(words(&res, &lim), "stopped: used more than 20 s of CPU time");
    res = (struct sb_result){.end = SB_SIGNALED, .status = SIGABRT};
    cr_assert(strstr(words(&res, &lim), "crashed with SIGABRT"), "%s", words(&res, &lim));
    res = (struct sb_result){.end = SB_EXITED, .status = 0};
    cr_assert_str_eq(words(&res, &lim), "exited with status 0");
}
