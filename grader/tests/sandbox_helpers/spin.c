/* spin.c - a CPU spinner, for the sandbox tests; "ignore" ignores SIGXCPU. */
#include <signal.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "ignore") == 0)
        signal(SIGXCPU, SIG_IGN);
    for (volatile unsigned long n = 0;; n++)
        ;
}
