/* tl_internal.h - what the support files share and the labs do not see. */
#ifndef TL_INTERNAL_H
#define TL_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called through --wrap: the real pthread functions, free of noise and bookkeeping. */
int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_mutex_unlock(pthread_mutex_t *m);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);
struct timespec;
int __real_nanosleep(const struct timespec *want, struct timespec *left);

/* ---- Threads and what they wait for and hold (tl_threads.c) ------------------------------
 * Every thread of a run that the support code knows (the runner, and every thread started
 * through the wrapped pthread_create) owns one slot. Only its owner writes a slot; the watchdog
 * (tl_watch.c) and the timeout handler read them. Every field is atomic, so that reading a slot
 * is never a data race under any detector, and Helgrind is told to ignore them. */

/* What a thread is doing. The "blocked" ones wait without a deadline for another thread. */
enum tl_op {
    OP_NONE,
    OP_LOCK,           /* pthread_mutex_lock: blocked */
    OP_COND_WAIT,      /* pthread_cond_wait: blocked */
    OP_COND_TIMEDWAIT, /* pthread_cond_timedwait: will wake by itself */
    OP_JOIN,           /* pthread_join: blocked */
    OP_SEM_WAIT,       /* sem_wait: blocked */
    OP_BARRIER,        /* pthread_barrier_wait: blocked */
    OP_AWAIT,          /* the test waits for the code under test (tl_await): blocked */
    OP_SEM_TIMEDWAIT,  /* sem_timedwait: will wake by itself */
    OP_COUNT
};
extern const char *const tl__op_name[OP_COUNT];
bool tl__op_blocks(int op);

#define TL_HELD_MAX 16 /* mutexes one thread holds at once that are remembered */

struct tl_held {
    const void *_Atomic mutex;
    void *_Atomic site;  /* return address of the pthread_mutex_lock call */
    _Atomic int by_stub; /* taken inside the code under test (not by the test itself) */
};

struct tl_slot {
    _Atomic int used;         /* 0: free; 1: a live thread owns it */
    _Atomic int number;       /* 1 = the runner ("the test's main thread"), then 2, 3... by start */
    _Atomic int tid;          /* kernel thread id, to read its state in /proc */
    _Atomic int op;           /* enum tl_op */
    const void *_Atomic obj;  /* mutex, condition variable, semaphore, barrier or thread */
    const void *_Atomic obj2; /* the mutex a condition wait released */
    void *_Atomic caller;     /* return address of the blocking call */
    void *_Atomic start;      /* the thread's start routine (NULL for the runner) */
    void *_Atomic started_by; /* where pthread_create was called */
    void *_Atomic api;        /* outermost function of the code under test now running */
    _Atomic unsigned long seq;         /* bumped on every wrapped call: progress */
    _Atomic uint64_t locks;            /* successful locks */
    _Atomic int depth;                 /* calls of the code under test now active (tl_calls.c) */
    _Atomic unsigned long api_calls;   /* outermost calls of the code under test begun */
    _Atomic unsigned long stub_calls;  /* wrapped mutex and sleep calls made inside the code
                                          under test */
    _Atomic unsigned long stub_sleeps; /* the sleeps among them */
    void *_Atomic stub_site;           /* where the latest of them was made */
    _Atomic int awaiting;              /* in tl_await (see tl__await) */
    _Atomic long long wakes_us;        /* a timed wait's deadline, or when tl_await gives up, in
                                          tl_now() microseconds; 0: no deadline known */
    _Atomic int observer;              /* tl_observer: the watchdog does not wait for it... */
    _Atomic unsigned long self;        /* ...until a thread joins it (pthread_self) */
    _Atomic int nheld;
    struct tl_held held[TL_HELD_MAX];
};

#define TL_SLOTS 1100 /* above the sandbox's 1024 threads */
extern struct tl_slot tl__slots[TL_SLOTS];
/* Threads that are live or being started; a started one may not have its slot yet. */
extern atomic_int tl__live;
/* Locks taken by threads that have exited. */
extern _Atomic uint64_t tl__retired_locks;

/* The calling thread's slot, allocated on first use (NULL if every slot is taken). */
struct tl_slot *tl__me(void);
/* Register the calling thread as the runner (tl_begin). */
void tl__register_runner(void);
/* A thread started through the wrapper: register at its start, unregister at its end. */
struct tl_slot *tl__register_thread(void *start, void *started_by);
void tl__unregister_thread(void);
/* A thread is about to be joined: it is no longer an observer (tl_observer). */
void tl__unobserve(pthread_t t);
void tl__enter(enum tl_op op, const void *obj, const void *obj2, void *caller);
/* The same for a call that ends by itself at tl_now() time `at` (a timed wait, tl_await). */
void tl__enter_until(enum tl_op op, const void *obj, const void *obj2, void *caller, double at);
/* When a wait with absolute deadline t ends by itself, in tl_now() time: t is read on the real
 * wall clock if it is a date, else on CLOCK_MONOTONIC (where a condition variable set to the
 * other clock waits longer, never shorter: callers may only conclude that nothing happens
 * before it). */
double tl__deadline_at(const struct timespec *t);
/* Whether no thread can change anything before tl_now() time give_up: every live thread other
 * than observers is blocked without a deadline, or in a timed wait that ends at or after it
 * (tl_watch.c). Returns -1 if not, else how many are in such timed waits (the hang watchdog
 * does not count them as blocked). *sum gets their progress counters' sum, to compare looks. */
int tl__blocked_until(double give_up, unsigned long *sum);
void tl__leave(void);
/* Entering (true) or leaving tl_await: the wrapped calls of its polls are not recorded. */
void tl__await(bool on);
void tl__held_add(const void *mutex, void *site);
/* A wrapped mutex call (or a sleep) made at site: counted if the code under test made it
 * (tl_poll.c). */
void tl__stub_call(void *site, bool sleep);
void tl__held_remove(const void *mutex);
/* The name a test gave the mutex (tl_label_begin), or "". */
const char *tl__lock_name(const void *mutex);
/* If the calling thread still holds a mutex that the code under test locked, report LEAKED and
 * end the run: `what` is "returned" or "exited". fn is the function that returned. */
void tl__check_nothing_held(void *fn, const char *what);

/* ---- Reports (tl_report.c) --------------------------------------------------------------- */

/* Tell Helgrind to ignore the support code's own shared counters; call before any thread. */
void tl__wrap_init(void);
void tl__noise_init(void);
void tl__env_init(void);

/* Append one line to the grader's report (or stderr when run by hand). Async-signal-safe. */
void tl__report(const char *kind, const char *text);
/* The same, with the calling thread's stack after head, frame by frame (tl__frame): from a
 * signal handler, where the thread crashed or spins. */
void tl__report_stack(const char *kind, const char *head);
/* Write "module+0xoffset" for addr into buf (for addr2line in the grader). */
void tl__frame(const void *addr, char *buf, size_t len);
/* Write a THREAD line for every live thread and a HELD line for every mutex it holds: what the
 * grader needs to explain a hang (see grader/hang.c). */
void tl__report_threads(void);
/* Format a failure line and report it; returns the formatted message (thread-local buffer). */
const char *tl__format_failure(const char *file, int line, const char *fmt, va_list ap);

/* Note which clock a pthread_cond_timedwait deadline was read from (tl_deadline_clock). */
void tl__note_deadline(const struct timespec *t);

/* The wall clock as the code under test reads it: CLOCK_REALTIME plus every tl_wall_clock_jump
 * so far, not counted as the code under test's reading (tl_clock.c). */
void tl__wall_clock(struct timespec *t);
void tl__clock_init(void);

/* True on the thread that called tl_begin. */
bool tl__on_runner_thread(void);

/* ---- The hang watchdog (tl_watch.c) ------------------------------------------------------ */

/* Exit status of a run the watchdog, a lock check or the polling check ended. */
#define TL_EXIT_POLL 124
#define TL_EXIT_HANG 125
#define TL_EXIT_LEAK 126

void tl__watch_start(void);
void tl__watch_stop(void);

/* ---- Polling where a wait was expected (tl_poll.c) ---------------------------------------- */

/* One look at whether threads that should block keep running inside the code under test. */
struct tl_poll;
struct tl_poll *tl__poll_new(void);
void tl__poll_free(struct tl_poll *p);
/* Sample the threads; true once some thread has spent a whole window (about 0.25 s, longer under
 * the detectors) inside one call of the code under test without ever waiting, making mutex calls
 * all along: it polls. That is reported (POLL); under a detector, where polling costs minutes,
 * the run then ends (TL_EXIT_POLL). */
bool tl__poll_sample(struct tl_poll *p);

#endif
