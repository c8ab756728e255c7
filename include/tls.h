/* tls.h - lab 09: thread-local storage: a per-thread context two ways, per-thread counters. */
#ifndef TLS_H
#define TLS_H

/* A thread's context: scratch state that belongs to one thread, like a Python threading.local.
 * Its fields are the caller's to use; a thread's first call finds them all zero. */
struct tls_ctx {
    long id;       /* e.g. the request the thread is serving */
    long depth;    /* e.g. how deeply it is nested */
    char note[48]; /* e.g. a name for log lines */
};

/* The calling thread's context, kept in a pthread key. The key is created once for the whole
 * process, on the first call from any thread (pthread_once), with a destructor that frees a
 * thread's context when that thread exits. A thread's first call allocates its context
 * (zeroed); every later call by the same thread returns the same pointer, and no other thread
 * ever gets it. Returns NULL if memory (or a key) runs out. */
struct tls_ctx *tls_ctx_key(void);

/* The same contract, with a _Thread_local object instead of a key: nothing to allocate or free,
 * and the pointer is valid until the thread exits. */
struct tls_ctx *tls_ctx_local(void);

/* Per-thread statistics counters: TLS_NSTATS counters, numbered 0 to TLS_NSTATS - 1. */
#define TLS_NSTATS 4

/* Add n to the calling thread's own copy of counter stat: no lock and no shared write per call
 * (the thread's first call may register its counters, once). Returns 0, EINVAL if stat is out
 * of range, ENOMEM if the thread's counters cannot be allocated. */
int tls_stat_add(int stat, long n);

/* Store in *total the sum of counter stat over every thread that ever added to it: the threads
 * still running and the ones that exited (a thread folds its counts into a global total when it
 * exits, so nothing is lost). Exact for every add that happened before the call. Returns 0, or
 * EINVAL if stat is out of range or total is NULL (*total unchanged). Thread-safe. */
int tls_stat_total(int stat, long *total);

#endif
