/* util.h - small helpers the grader's modules share: strings, files, directories. */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Allocation that cannot fail: the grader reports out-of-memory and exits (status 3). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable string. */
struct sbuf {
    char *s;
    size_t len, cap;
};
void sbuf_add(struct sbuf *b, const char *s);
void sbuf_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_free(struct sbuf *b);

/* A growable list of strings. */
struct strv {
    char **v;
    size_t len, cap;
};
void strv_add(struct strv *l, const char *s);
void strv_addf(struct strv *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool strv_has(const struct strv *l, const char *s);
void strv_free(struct strv *l);
/* A NULL-terminated view of l (valid until l changes). */
char **strv_argv(struct strv *l);

/* Whole file as a NUL-terminated string, or NULL with errno set. */
char *read_file(const char *path, size_t *len);
int write_file(const char *path, const char *data);
int copy_file(const char *from, const char *to);
/* Copy every regular file of dir `from` whose name ends in one of the suffixes (NULL-terminated
 * list) into `to`, leaving alone those that are already the same. */
int copy_files(const char *from, const char *to, const char *const suffixes[]);
bool is_file(const char *path);
bool is_dir(const char *path);
int mkdir_p(const char *path);
/* Remove a tree; used only on directories the grader made. */
int rm_rf(const char *path);
/* Absolute, normalized path; NULL if it does not exist. */
char *real_path(const char *path);
/* Can every user reach path (each directory on the way has o+x)? */
bool reachable(const char *path);
/* dir, if root's commands run as another uid can reach it (or we are not root); else a directory
 * of root's, mode 0755, in TMPDIR or /tmp, named prefix-HASH after dir so that the same dir
 * gives the same one next time (or a fresh prefix-XXXXXX, should that name be taken by someone
 * else). Newly allocated; NULL if none could be made. */
char *reachable_as_root(const char *dir, const char *prefix);
const char *base_name(const char *path);
bool starts_with(const char *s, const char *prefix);
bool ends_with(const char *s, const char *suffix);
/* Full path of a program found in PATH, or NULL. */
char *find_program(const char *name);

#endif
