/* bomb.c - a fork bomb, for the sandbox tests: every process forks forever. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    /* Only RLIMIT_NPROC and the grader hold this back, and the limit does not bind root. */
    if (geteuid() == 0) {
        fprintf(stderr, "bomb: refusing to run as root\n");
        return 99;
    }
    alarm(20); /* a backstop should the sandbox fail: SIGALRM ends each process */
    for (;;)
        if (fork() == 0)
            alarm(20);
}
