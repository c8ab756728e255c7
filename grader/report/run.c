/* run.c - run a tool (gnuplot, sim_c) under a time limit (see report.h).
 *
 * Their input comes from the class (names, check ids, student files): a tool that loops or
 * stalls on some input must cost the report one plot or one lab's similarity, never the page.
 * The tool runs in its own process group, killed whole when its time is up.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static void redirect(const char *path, int fd)
{
    int f = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f < 0 || dup2(f, fd) < 0)
        _exit(127);
}

int run_limited(char *const argv[], const char *dir, const char *out_path, const char *err_path,
                int seconds)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || (dir && chdir(dir) != 0))
            _exit(127);
        redirect(out_path, 1);
        redirect(err_path, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid); /* both sides, so that the kill below never misses the group */
    struct timespec start, now, tick = {0, 10 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0 && errno != EINTR)
            return -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= seconds) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -2;
        }
        nanosleep(&tick, NULL);
    }
}
