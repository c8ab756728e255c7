/* tls.c - lab 09: a per-thread context two ways, and per-thread counters that lose nothing. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "tls.h"

/* Read README.md first. Every function below returns NULL or ENOSYS ("not implemented") until
 * you write it. Keep the names of tls.h; helpers and variables of your own must be static. */

struct tls_ctx *tls_ctx_key(void)
{
    /* TODO(student): create one pthread key for the whole process, the first time any thread
     * calls (pthread_once), with a destructor that frees a thread's context. Then return the
     * calling thread's context: pthread_getspecific, or on its first call a zeroed context that
     * you allocate and store with pthread_setspecific.
     * Postcondition: the same pointer for every call by one thread, a different one for every
     * thread, freed when its thread exits (README "Task 1: a key"). */
    return NULL;
}

struct tls_ctx *tls_ctx_local(void)
{
    /* TODO(student): the same contract with a _Thread_local object: no key, no allocation.
     * (README "Task 2: _Thread_local"). */
    return NULL;
}

int tls_stat_add(int stat, long n)
{
    /* TODO(student): add n to the calling thread's own counter stat, with no lock and no shared
     * write. A thread's first call registers its counters where tls_stat_total can find them,
     * and arranges for them to be folded into a global total when the thread exits.
     * Postcondition: 0, or EINVAL for a stat outside 0..TLS_NSTATS-1 (README "Task 3"). */
    (void)stat;
    (void)n;
    return ENOSYS;
}

int tls_stat_total(int stat, long *total)
{
    /* TODO(student): the sum of counter stat over the live threads' counters and the total of
     * the threads that exited, read under the lock that guards them.
     * Postcondition: 0 and *total exact; EINVAL for a bad stat or a NULL total (README "Task 3").
     */
    (void)stat;
    (void)total;
    return ENOSYS;
}
