/* hang.h - explain a hung run, or a lock left held, from what the support code reported.
 *
 * When every thread of a run is blocked, the support code's watchdog (grader/support/tl_watch.c)
 * ends it and reports, for each thread, what it waits in and where, and which mutexes it holds
 * and where it took them (THREAD and HELD lines). A function of the student's that returns, or a
 * thread that ends, still holding a mutex it locked is reported at that moment (LEAKED). This
 * module turns those facts into a diagnosis in the student's words: a lock-order cycle, a lock
 * locked twice by one thread, a lost wakeup; each place as function (file:line) with the
 * student's source line quoted, and the concept to revisit for that finding.
 */
#ifndef HANG_H
#define HANG_H

#include "util.h"

struct diagnosis {
    char *verdict; /* "deadlock", "lost wakeup", "lock left held", "hang" */
    char *message; /* one paragraph, ending with "Revisit: ..." */
    char *details; /* where every thread was, one line each (may be "") */
};

/* threads and held: the text after "THREAD NONCE NAME " and "HELD NONCE NAME ". */
void hang_explain(const struct strv *threads, const struct strv *held, const char *build_dir,
                  const char *stub, struct diagnosis *out);
/* leaked: the text after "LEAKED NONCE NAME ". */
void leak_explain(const char *leaked, const char *build_dir, const char *stub,
                  struct diagnosis *out);
/* poll: the text after "POLL NONCE NAME ": a thread that should have blocked kept running
 * inside the code under test (grader/support/tl_poll.c). */
void poll_explain(const char *poll, const char *build_dir, const char *stub, struct diagnosis *out);
/* spin: the text after "SPIN NONCE NAME ": a thread stayed inside one call of the code under
 * test, never waiting, while no other thread could do anything (grader/support/tl_watch.c). */
/* The function a SPIN report names ("module+0xoffset" of its entry), or NULL: later tests of the
 * same grade are told of it (TL_SPUN, grader/support/tl_watch.c). */
char *spin_function(const char *spin);
void spin_explain(const char *spin, const struct strv *threads, const struct strv *held,
                  const char *build_dir, const char *stub, struct diagnosis *out);
void diagnosis_free(struct diagnosis *d);
/* "Where each thread was:" and a line per thread (for a run that timed out). */
char *hang_threads(const struct strv *threads, const struct strv *held, const char *build_dir,
                   const char *stub);

/* Line `line` of the student's file in the build directory, trimmed, or NULL. */
char *stub_source_line(const char *build_dir, const char *stub, int line);

#endif
