/* findings.c - the finding list and what both parsers share: stacks, frame choice, phrasing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"

void fd_list_free(struct fd_list *l)
{
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

struct finding *fd__append(struct fd_list *l)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct finding *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return NULL;
        l->items = items;
        l->cap = cap;
    }
    struct finding *f = &l->items[l->len++];
    memset(f, 0, sizeof *f);
    return f;
}

int fd__stack_push(struct fd__stack *s, const struct fd__frame *f)
{
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct fd__frame *frames = realloc(s->frames, cap * sizeof *frames);
        if (!frames)
            return -1;
        s->frames = frames;
        s->cap = cap;
    }
    s->frames[s->len++] = *f;
    return 0;
}

void fd__stack_free(struct fd__stack *s)
{
    free(s->frames);
    s->frames = NULL;
    s->len = s->cap = 0;
}

void fd__copy(char *dst, size_t cap, const char *src, size_t n)
{
    if (cap == 0)
        return;
    size_t len = strnlen(src, n);
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

void fd__set_func(struct fd_site *site, const char *name, size_t n)
{
    n = strnlen(name, n);
    if (n == 6 && memcmp(name, "<null>", 6) == 0)
        n = 0;
    /* C names have no '.' or '@': what follows is gcc's clone suffix or a symbol version. */
    for (size_t i = 0; i < n; i++) {
        if (name[i] == '@' || (name[i] == '.' && i > 0)) {
            n = i;
            break;
        }
    }
    fd__copy(site->func, sizeof site->func, name, n);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The kit's support code (tl_*.c) is never where a student's bug is, and the first frames of a
 * report are usually its wrappers (__wrap_pthread_mutex_lock in tl_wrap.c). */
static bool is_support(const char *file)
{
    return strncmp(file, "tl_", 3) == 0;
}

static bool is_student(const struct fd_site *site, const char *student_file)
{
    return student_file && *student_file && site->file[0] &&
           strcmp(site->file, base_name(student_file)) == 0;
}

bool fd__pick(const struct fd__stack *s, const char *student_file, struct fd_site *out)
{
    const struct fd__frame *in_binary = NULL, *in_lib = NULL;
    for (size_t i = 0; i < s->len; i++) {
        const struct fd__frame *f = &s->frames[i];
        if (is_student(&f->site, student_file)) {
            *out = f->site;
            return true;
        }
        if (!f->site.file[0] || is_support(f->site.file))
            continue;
        if (!f->lib && !in_binary)
            in_binary = f;
        if (f->lib && !in_lib)
            in_lib = f;
    }
    const struct fd__frame *f = in_binary ? in_binary : in_lib;
    if (f)
        *out = f->site;
    return f != NULL;
}

void fd__format_site(const struct fd_site *site, char *buf, size_t len)
{
    if (site->func[0] && site->file[0] && site->line > 0)
        snprintf(buf, len, "%s (%s:%d)", site->func, site->file, site->line);
    else if (site->file[0] && site->line > 0)
        snprintf(buf, len, "%s:%d", site->file, site->line);
    else if (site->func[0])
        snprintf(buf, len, "%s", site->func);
    else if (len > 0)
        buf[0] = '\0';
}

static bool has_func(const struct fd__stack *s, const char *prefix)
{
    for (size_t i = 0; i < s->len; i++)
        if (strncmp(s->frames[i].site.func, prefix, strlen(prefix)) == 0)
            return true;
    return false;
}

void fd__describe_mutex(const struct fd__stack *s, const char *student_file, char *buf, size_t len)
{
    struct fd_site site;
    char where[512];
    if (!fd__pick(s, student_file, &site)) {
        snprintf(buf, len, "mutex");
        return;
    }
    fd__format_site(&site, where, sizeof where);
    /* A mutex set up with PTHREAD_MUTEX_INITIALIZER is first seen where it is first locked. */
    if (has_func(s, "pthread_mutex_init"))
        snprintf(buf, len, "mutex created in %s", where);
    else
        snprintf(buf, len, "mutex first used in %s", where);
}

void fd__describe_block(long size, const struct fd__stack *s, const char *student_file, char *buf,
                        size_t len)
{
    struct fd_site site;
    char where[512];
    if (s && fd__pick(s, student_file, &site)) {
        fd__format_site(&site, where, sizeof where);
        snprintf(buf, len, "heap block of %ld bytes allocated in %s", size, where);
    } else {
        snprintf(buf, len, "heap block of %ld bytes", size);
    }
}
