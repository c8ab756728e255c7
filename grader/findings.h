/* findings.h - what the detectors found, sorted into failures and notes, in plain words.
 *
 * ThreadSanitizer writes text reports (log_path=...); Valgrind writes XML (--xml=yes). Both are
 * parsed into findings. A finding is a failure (it costs the check its points) when it is a real
 * concurrency or memory bug: a data race, a lock-order inversion, a misuse of the pthread API, a
 * leak, an invalid access. Known-legal patterns are notes that cost nothing, e.g. Helgrind's
 * "dubious" report for signalling a condition variable after unlocking its mutex.
 */
#ifndef FINDINGS_H
#define FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

enum fd_kind {
    FD_RACE,       /* data race */
    FD_LOCK_ORDER, /* lock-order inversion: possible deadlock */
    FD_MISUSE,     /* pthread API misuse: unlock of an unheld mutex, destroy of a locked one... */
    FD_LEAK,       /* memory definitely lost */
    FD_MEMORY,     /* invalid read/write/free, use of uninitialised memory */
    FD_THREAD,     /* thread leak: a thread never joined or detached */
    FD_OTHER,      /* anything else the tool reported */
};

struct fd_site {
    char func[128]; /* function name, "" if unknown */
    char file[256]; /* source file base name, "" if unknown */
    int line;       /* 0 if unknown */
};

struct finding {
    enum fd_kind kind;
    bool failure;         /* false: a note that costs nothing */
    char tool_kind[64];   /* the tool's own name for it: "data race", "LockOrder",
                             "Leak_DefinitelyLost" */
    struct fd_site at;    /* first frame in the student's file, else the first frame with a file
                             (frames of tl_*.c and of the tools' runtimes are never chosen, and
                             shared-library frames only when nothing else has a file) */
    struct fd_site other; /* the other access of a race, or where the other lock order was taken */
    struct fd_site at_held; /* lock order: where `at`'s thread took the mutex it held, if known */
    char object[256];       /* the variable or lock involved, from the tool's words, no article:
                               "global variable 'counter'", "heap block of 40 bytes allocated in
                               bq_create (queue.c:20)", "mutex created in bank_create (locks.c:30)",
                               "mutex M7" when TSan saw no creation; "" if the tool gave none */
    char summary[512];      /* the tool's one-line description */

    /* Added: what each side of a race (or an invalid access) did, and where the address lies in
     * the tool's words ("136 bytes inside a block of size 160 free'd"), so that feedback can say
     * "writes it while ... reads it" and tell a use after free from an overflow. For a use after
     * free or a double free, `other` is where the block was freed. */
    enum fd_access { FD_ACCESS_UNKNOWN, FD_READ, FD_WRITE } at_access, other_access;
    char detail[256];
};

struct fd_list {
    struct finding *items;
    size_t len, cap;
};

/* Parse every ThreadSanitizer report in text (the contents of log_path files, concatenated).
 * student_file is the base name of the student's file ("queue.c"): frames in it are preferred.
 * Appends to out. Returns the number of findings added, or -1 on an allocation failure. */
int fd_parse_tsan(const char *text, const char *student_file, struct fd_list *out);

/* Parse a Valgrind --xml=yes file (Helgrind or memcheck). Returns findings added, -1 if the file
 * cannot be read or is not Valgrind XML (e.g. Valgrind was killed before it finished writing).
 * On a cut-off file the <error> reports completed before the cut are still appended to out
 * (a killed run's last words, e.g. the lock-order report before a deadlock); -1 says the list
 * may be incomplete. Nothing is appended for a file that is not Valgrind XML at all. */
int fd_parse_valgrind_xml(const char *path, const char *student_file, struct fd_list *out);

/* One paragraph of feedback for a student: what went wrong in plain words, where (file:line and
 * function, both sides of a race), the variable or lock, and the concept to revisit. */
void fd_explain(const struct finding *f, char *buf, size_t len);

/* Every note (a finding that is no failure) of l, one line per kind: "Note (costs nothing): ..."
 * lines, each ending in a newline; "" when there is none. */
void fd_explain_notes(const struct fd_list *l, char *buf, size_t len);

void fd_list_free(struct fd_list *l);

/* ---- Shared by findings_*.c, not part of the API ---------------------------------------- */

struct fd__frame {
    struct fd_site site;
    bool lib; /* in a shared object (libc, libtsan, Valgrind's preload), not the test binary */
};

struct fd__stack {
    struct fd__frame *frames;
    size_t len, cap;
};

int fd__stack_push(struct fd__stack *s, const struct fd__frame *f);
void fd__stack_free(struct fd__stack *s);
/* A zeroed new finding at the end of l, or NULL when out of memory. */
struct finding *fd__append(struct fd_list *l);
/* Copy at most n bytes of src into dst (capacity cap), always NUL-terminated. */
void fd__copy(char *dst, size_t cap, const char *src, size_t n);
/* Function names without gcc's clone suffixes (".part.0", ".isra.0") or symbol versions. */
void fd__set_func(struct fd_site *site, const char *name, size_t n);
/* The frame of s to show for a finding (see `at` above); false if no frame has a file. */
bool fd__pick(const struct fd__stack *s, const char *student_file, struct fd_site *out);
/* "mutex created in bank_create (locks.c:30)" from a mutex's first-seen stack. */
void fd__describe_mutex(const struct fd__stack *s, const char *student_file, char *buf, size_t len);
/* "heap block of 40 bytes allocated in bq_create (queue.c:20)". */
void fd__describe_block(long size, const struct fd__stack *s, const char *student_file, char *buf,
                        size_t len);
/* "bq_put (queue.c:41)", "queue.c:41", "bq_put" or "" for an unknown site. */
void fd__format_site(const struct fd_site *site, char *buf, size_t len);

#endif
