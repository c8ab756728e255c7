/* threads.c - a thread bomb, for the sandbox tests: starts sleeping threads until stopped. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define BACKSTOP 2000 /* never more than this, should the sandbox fail */

static void *idle(void *arg)
{
    (void)arg;
    pause();
    return NULL;
}

int main(void)
{
    if (geteuid() == 0) {
        fprintf(stderr, "threads: refusing to run as root\n");
        return 99;
    }
    alarm(20);
    for (int n = 0; n < BACKSTOP;) {
        pthread_t t;
        if (pthread_create(&t, NULL, idle, NULL) == 0)
            n++;
        else
            usleep(1000); /* keep trying, as a careless retry loop would */
    }
    pause();
}
