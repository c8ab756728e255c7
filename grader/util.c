/* util.c - small helpers the grader's modules share. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static void out_of_memory(void)
{
    fputs("grader: out of memory\n", stderr);
    exit(3);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        out_of_memory();
    return d;
}

static char *xvasprintf(const char *fmt, va_list ap)
{
    char *s;
    if (vasprintf(&s, fmt, ap) < 0)
        out_of_memory();
    return s;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}

void sbuf_add(struct sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void sbuf_addf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    sbuf_add(b, s);
    free(s);
}

void sbuf_free(struct sbuf *b)
{
    free(b->s);
    *b = (struct sbuf){0};
}

void strv_add(struct strv *l, const char *s)
{
    if (l->len + 2 > l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->len++] = xstrdup(s);
    l->v[l->len] = NULL;
}

void strv_addf(struct strv *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = xvasprintf(fmt, ap);
    va_end(ap);
    strv_add(l, s);
    free(s);
}

bool strv_has(const struct strv *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->v[i], s) == 0)
            return true;
    return false;
}

void strv_free(struct strv *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->v[i]);
    free(l->v);
    *l = (struct strv){0};
}

char **strv_argv(struct strv *l)
{
    if (!l->v) {
        l->cap = 16;
        l->v = xcalloc(l->cap, sizeof *l->v);
    }
    return l->v;
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct sbuf b = {0};
    char chunk[65536];
    size_t n;
    sbuf_add(&b, "");
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n + 1 > b.cap) {
            b.cap = (b.len + n + 1) * 2;
            b.s = xrealloc(b.s, b.cap);
        }
        memcpy(b.s + b.len, chunk, n);
        b.len += n;
        b.s[b.len] = '\0';
    }
    fclose(f);
    if (len)
        *len = b.len;
    return b.s;
}

int write_file(const char *path, const char *data)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return errno;
    fputs(data, f);
    return fclose(f) == 0 ? 0 : errno;
}

int copy_file(const char *from, const char *to)
{
    size_t len;
    char *data = read_file(from, &len);
    if (!data)
        return errno;
    FILE *f = fopen(to, "wb");
    if (!f) {
        int err = errno;
        free(data);
        return err;
    }
    fwrite(data, 1, len, f);
    free(data);
    return fclose(f) == 0 ? 0 : errno;
}

/* Leaving an identical file alone keeps its time stamp, so that make does not rebuild it. */
static bool same_content(const char *a, const char *b)
{
    size_t na, nb;
    char *da = read_file(a, &na), *db = read_file(b, &nb);
    bool same = da && db && na == nb && memcmp(da, db, na) == 0;
    free(da);
    free(db);
    return same;
}

int copy_files(const char *from, const char *to, const char *const suffixes[])
{
    DIR *d = opendir(from);
    if (!d)
        return errno;
    int err = 0;
    struct dirent *e;
    while (!err && (e = readdir(d)) != NULL) {
        bool wanted = false;
        for (size_t i = 0; suffixes[i]; i++)
            wanted |= ends_with(e->d_name, suffixes[i]);
        if (!wanted || e->d_name[0] == '.')
            continue;
        char *src = xasprintf("%s/%s", from, e->d_name);
        char *dst = xasprintf("%s/%s", to, e->d_name);
        if (is_file(src) && !same_content(src, dst))
            err = copy_file(src, dst);
        free(src);
        free(dst);
    }
    closedir(d);
    return err;
}

bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mkdir_p(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int err = errno;
            free(p);
            return err;
        }
        *s = '/';
    }
    int err = mkdir(p, 0755) != 0 && errno != EEXIST ? errno : 0;
    free(p);
    return err;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

int rm_rf(const char *path)
{
    if (!is_dir(path) && !is_file(path))
        return 0;
    return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : errno;
}

char *real_path(const char *path)
{
    char *r = realpath(path, NULL);
    return r;
}

const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

char *find_program(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char *dirs = xstrdup(path), *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *full = xasprintf("%s/%s", d, name);
        if (access(full, X_OK) == 0) {
            free(dirs);
            return full;
        }
        free(full);
    }
    free(dirs);
    return NULL;
}

bool reachable(const char *path)
{
    char *p = xstrdup(path);
    bool ok = true;
    for (char *s = p + 1; ok; s++) {
        bool end = *s == '\0';
        if (*s == '/' || end) {
            *s = '\0';
            struct stat st;
            ok = stat(p, &st) == 0 && (st.st_mode & S_IXOTH);
            if (end)
                break;
            *s = '/';
        }
    }
    free(p);
    return ok;
}

char *reachable_as_root(const char *dir, const char *prefix)
{
    if (geteuid() != 0 || reachable(dir))
        return xstrdup(dir);
    unsigned long h = 5381;
    for (const char *c = dir; *c; c++)
        h = h * 33 + (unsigned char)*c;
    const char *tmp = getenv("TMPDIR") && reachable(getenv("TMPDIR")) ? getenv("TMPDIR") : "/tmp";
    char *moved = xasprintf("%s/%s-%08lx", tmp, prefix, h & 0xffffffffUL);
    struct stat st;
    mkdir(moved, 0755);
    if (lstat(moved, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 0022)) {
        /* someone else's, or writable by others: take a fresh one instead */
        free(moved);
        moved = xasprintf("%s/%s-XXXXXX", tmp, prefix);
        if (!mkdtemp(moved)) {
            free(moved);
            return NULL;
        }
        chmod(moved, 0755);
    }
    return moved;
}
