/* swarm.c - many processes in deep chains behind setsid and double forks, for the sandbox test
 * that a run leaves nothing behind, not even a zombie.
 *
 * Usage: swarm CHAINS DEPTH [wait]. Each chain starts with a double fork (the daemon comes back
 * to the grader, a subreaper), then the daemon is the head of a chain of DEPTH processes, each
 * the child of the one before, every other one in a session of its own, the second spinning
 * (load), the others asleep. Every process prints its pid, one a line; once all have, the first
 * process prints "ready" and exits 0 (or with "wait", waits to be killed). So when the run ends
 * the whole swarm dies at once, and chains of parents die under their children while the
 * grader scans the tree: the race in which a killed descendant used to be left unreaped.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ready_fd; /* each process writes one byte once its pid is printed */

static void announce(void)
{
    char line[32];
    int n = snprintf(line, sizeof line, "%d\n", (int)getpid());
    (void)!write(STDOUT_FILENO, line, (size_t)n); /* one short write: lines do not mix */
    (void)!write(ready_fd, "x", 1);
}

static _Noreturn void live(int link)
{
    alarm(60); /* a backstop should the sandbox fail */
    if (link == 1)
        for (volatile unsigned long n = 0;; n++)
            ;
    for (;;)
        pause();
}

static _Noreturn void chain(int link, int depth)
{
    if (link % 2 == 0)
        setsid();
    announce();
    if (link + 1 < depth && fork() == 0)
        chain(link + 1, depth);
    live(link);
}

int main(int argc, char **argv)
{
    int chains = argc > 2 ? atoi(argv[1]) : 4, depth = argc > 2 ? atoi(argv[2]) : 3;
    int wait = argc > 3 && strcmp(argv[3], "wait") == 0;
    int fds[2];
    if (chains < 1 || depth < 1 || pipe(fds) != 0)
        return 1;
    ready_fd = fds[1];
    for (int c = 0; c < chains; c++) {
        if (fork() != 0)
            continue;
        setsid();
        if (fork() == 0)
            chain(0, depth);
        _exit(0); /* the double fork: the chain's head comes back to the grader */
    }
    close(fds[1]);
    char c;
    for (int left = chains * depth; left > 0; left--)
        if (read(fds[0], &c, 1) != 1)
            return 1;
    printf("ready\n");
    fflush(stdout);
    if (wait)
        for (;;)
            pause();
    return 0;
}
