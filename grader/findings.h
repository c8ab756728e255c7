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
    bool failure;       /* false: a note that costs nothing */
    char tool_kind[64]; /* the tool's own name for it: "data race", "LockOrder", "Leak_DefinitelyLost" */
    struct fd_site at;    /* first frame in the student's file, else the first frame with a file */
    struct fd_site other; /* the other access of a race, or where the other lock order was taken */
    char object[256];   /* the variable or lock involved, in the tool's words: "global 'counter'",
                           "heap block of size 40 allocated at queue.c:12", "mutex 0x..." */
    char summary[512];  /* the tool's one-line description */
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
 * cannot be read or is not Valgrind XML (e.g. Valgrind was killed before it finished writing). */
int fd_parse_valgrind_xml(const char *path, const char *student_file, struct fd_list *out);

/* One paragraph of feedback for a student: what went wrong in plain words, where (file:line and
 * function, both sides of a race), the variable or lock, and the concept to revisit. */
void fd_explain(const struct finding *f, char *buf, size_t len);

void fd_list_free(struct fd_list *l);

#endif
