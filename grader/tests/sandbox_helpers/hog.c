/* hog.c - a memory hog, for the sandbox tests.
 *
 * "touch" fills memory; "reserve" only maps it; "thread" fills it in a child process forked by
 * a second thread, which the grader finds only through that thread.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHUNK    (16L << 20)
#define BACKSTOP (1L << 30) /* never more than this, should the sandbox fail */

static int touch(void)
{
    for (long used = 0; used < BACKSTOP; used += CHUNK) {
        char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 2;
        memset(p, 1, CHUNK);
        usleep(2000); /* let a 25 ms poll see it well before the backstop */
    }
    pause();
    return 0;
}

static void *forker(void *arg)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0)
        _exit(touch());
    waitpid(pid, NULL, 0);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "touch";
    if (strcmp(mode, "reserve") == 0) {
        void *p = mmap(NULL, 512L << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("%s\n", p == MAP_FAILED ? "reserve failed" : "reserved");
        return p == MAP_FAILED ? 2 : 0;
    }
    if (strcmp(mode, "thread") == 0) {
        pthread_t t;
        if (pthread_create(&t, NULL, forker, NULL) != 0)
            return 3;
        pthread_join(t, NULL);
        return 0;
    }
    return touch();
}
