/* crash.c - dereferences a null pointer, for the sandbox tests. */
#include <stdio.h>

int main(void)
{
    printf("about to crash\n");
    fflush(stdout);
    volatile int *p = NULL;
    *p = 1;
    return 0;
}
