/* escape.c - escapes a process-group kill with setsid and a double fork, for the sandbox tests.
 *
 * Prints the daemon's pid, then the first process exits 0 at once. With "quiet" the daemon
 * closes its output, so the grader gets end of file while the daemon lives on.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    if (fork() == 0) {
        setsid();
        if (fork() == 0) {
            printf("%d\n", (int)getpid());
            fflush(stdout);
            if (argc > 1 && strcmp(argv[1], "quiet") == 0) {
                fclose(stdout);
                fclose(stderr);
            }
            close(fds[1]);
            alarm(60); /* a backstop should the sandbox fail */
            for (;;)
                pause();
        }
        _exit(0);
    }
    /* Wait until the daemon has printed its pid, so that the test can look for it. */
    close(fds[1]);
    char c;
    (void)read(fds[0], &c, 1);
    return 0;
}
