/* tl_internal.h - what the support files share and the labs do not see. */
#ifndef TL_INTERNAL_H
#define TL_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Called through --wrap: the real pthread functions, free of noise and bookkeeping. */
int __real_pthread_mutex_lock(pthread_mutex_t *m);
int __real_pthread_mutex_unlock(pthread_mutex_t *m);

/* Tell Helgrind to ignore the support code's own shared counters; call before any thread. */
void tl__wrap_init(void);
void tl__env_init(void);

/* Append one line to the grader's report (or stderr when run by hand). Async-signal-safe. */
void tl__report(const char *kind, const char *text);
/* Write "module+0xoffset" for addr into buf (for addr2line in the grader). */
void tl__frame(const void *addr, char *buf, size_t len);
/* Write a BLOCKED line for every thread that is inside a wrapped blocking call. */
void tl__report_blocked(void);
/* Format a failure line and report it; returns the formatted message. */
const char *tl__format_failure(const char *file, int line, const char *fmt, va_list ap);

/* Note which clock a pthread_cond_timedwait deadline was read from (tl_deadline_clock). */
struct timespec;
void tl__note_deadline(const struct timespec *t);

/* True on the thread that called tl_begin. */
bool tl__on_runner_thread(void);

#endif
