/* labconf.c - parse a lab's lab.conf. The format is described in grader/LABS.md. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labconf.h"

static const char *const kind_names[] = {"test", "tsan", "helgrind", "memcheck", "policy"};
static const double default_timeout[] = {20, 60, 120, 120, 60};

const char *check_kind_name(enum check_kind k)
{
    return kind_names[k];
}

static int parse_kind(const char *s)
{
    for (int k = 0; k < (int)(sizeof kind_names / sizeof *kind_names); k++)
        if (strcmp(s, kind_names[k]) == 0)
            return k;
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static void split_list(struct strv *out, const char *list)
{
    char *copy = xstrdup(list), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        strv_add(out, t);
    free(copy);
}

/* "kind name points [opt=value...] | verifies | revisit" */
static char *parse_check(struct lab *lab, int kind, char *rest)
{
    char *verifies = strchr(rest, '|'), *revisit = NULL;
    if (!verifies)
        return xstrdup("a check needs '| what it verifies | what to revisit'");
    *verifies++ = '\0';
    revisit = strchr(verifies, '|');
    if (!revisit)
        return xstrdup("a check needs '| what it verifies | what to revisit'");
    *revisit++ = '\0';

    struct check c = {.kind = kind, .timeout_s = default_timeout[kind]};
    char *save = NULL;
    char *name = strtok_r(rest, " \t", &save);
    char *points = strtok_r(NULL, " \t", &save);
    char *end = NULL;
    if (!name || !points || (c.points = (int)strtol(points, &end, 10)) < 0 || *end)
        return xstrdup("a check needs a name and a number of points");
    for (char *opt = strtok_r(NULL, " \t", &save); opt; opt = strtok_r(NULL, " \t", &save)) {
        char *value = strchr(opt, '=');
        if (!value)
            return xasprintf("option '%s' needs a value (name=value)", opt);
        *value++ = '\0';
        if (strcmp(opt, "timeout") == 0)
            c.timeout_s = strtod(value, NULL);
        else if (strcmp(opt, "requires") == 0)
            split_list(&c.requires, value);
        else if (strcmp(opt, "forbid") == 0)
            split_list(&c.forbid, value);
        else if (strcmp(opt, "calls") == 0)
            split_list(&c.calls, value);
        else if (strcmp(opt, "cpus") == 0)
            c.cpus = atoi(value);
        else
            return xasprintf("unknown option '%s'", opt);
    }
    c.name = xstrdup(name);
    c.id = xasprintf("%s:%s", kind_names[kind], name);
    c.verifies = xstrdup(trim(verifies));
    c.revisit = xstrdup(trim(revisit));
    lab->checks = xrealloc(lab->checks, (size_t)(lab->nchecks + 1) * sizeof *lab->checks);
    lab->checks[lab->nchecks++] = c;
    lab->max_points += c.points;
    return NULL;
}

/* hidden: a line of hidden/hidden.conf, which holds checks only (see grader/LABS.md) */
static char *parse_line(struct lab *lab, char *line, bool hidden)
{
    /* '#' starts a comment, except inside a check's texts (after its first '|') */
    char *hash = strchr(line, '#'), *bar = strchr(line, '|');
    if (hash && (!bar || hash < bar))
        *hash = '\0';
    line = trim(line);
    if (!*line)
        return NULL;
    char *rest = line + strcspn(line, " \t");
    if (*rest)
        *rest++ = '\0';
    rest = trim(rest);
    int kind = parse_kind(line);
    if (hidden && kind != CK_TEST && kind != CK_POLICY)
        return kind < 0 ? xasprintf("hidden.conf holds checks only, not '%s'", line)
                        : xasprintf("a hidden check is a test or a policy check: a %s check "
                                    "runs a scenario of the public tests/scenarios.c",
                                    line);
    if (kind >= 0) {
        char *err = parse_check(lab, kind, rest);
        if (!err)
            lab->checks[lab->nchecks - 1].hidden = hidden;
        return err;
    }
    if (strcmp(line, "id") == 0)
        lab->id = xstrdup(rest);
    else if (strcmp(line, "title") == 0)
        lab->title = xstrdup(rest);
    else if (strcmp(line, "stub") == 0)
        lab->stub = xstrdup(rest);
    else if (strcmp(line, "stub_sum") == 0) {
        if (strlen(rest) != 16 || strspn(rest, "0123456789abcdef") != 16)
            return xasprintf("stub_sum is 16 hex digits (make tables writes it), not '%s'", rest);
        free(lab->stub_sum);
        lab->stub_sum = xstrdup(rest);
    } else if (strcmp(line, "symbols") == 0) {
        char *save = NULL;
        for (char *t = strtok_r(rest, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
            strv_add(&lab->symbols, t);
    } else if (strcmp(line, "optimize") == 0) {
        /* one level, not free-form flags: lab.conf must not be able to switch a check off */
        if (strlen(rest) != 1 || !strchr("0123gs", rest[0]))
            return xasprintf("optimize must be one of 0 1 2 3 g s, not '%s'", rest);
        free(lab->optimize);
        lab->optimize = xstrdup(rest);
    } else if (strcmp(line, "hidden") == 0) {
        char *end = NULL;
        lab->hidden_points = (int)strtol(rest, &end, 10);
        if (!*rest || *end || lab->hidden_points < 0)
            return xasprintf("hidden wants a number of points, not '%s'", rest);
    } else
        return xasprintf("unknown key '%s'", line);
    return NULL;
}

/* Parse one conf file into lab; on error sets *err to "path:line: message". */
static void parse_file(struct lab *lab, const char *path, const char *text, bool hidden, char **err)
{
    char *copy = xstrdup(text);
    int lineno = 0;
    /* not strtok_r, which skips empty lines and so would miscount them */
    for (char *line = copy, *next; line && !*err; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *msg = parse_line(lab, line, hidden);
        if (msg) {
            *err = xasprintf("%s:%d: %s", path, lineno, msg);
            free(msg);
        }
    }
    free(copy);
}

/* The lab's instructor-only checks, hidden/hidden.conf, when the kit has them: their points
 * must be the `hidden` that lab.conf declares, which a student kit shows without them. */
static void load_hidden(struct lab *lab, char **err)
{
    char *path = xasprintf("%s/hidden/hidden.conf", lab->dir);
    char *text = is_file(path) ? read_file(path, NULL) : NULL;
    if (text) {
        int visible = lab->max_points;
        parse_file(lab, path, text, true, err);
        lab->has_hidden = true;
        int points = lab->max_points - visible;
        if (!*err && points != lab->hidden_points)
            *err = xasprintf("%s: its checks hold %d points, but lab.conf says `hidden %d`", path,
                             points, lab->hidden_points);
    }
    for (int i = 0; !*err && i < lab->nchecks; i++)
        for (int k = 0; k < i; k++)
            if (strcmp(lab->checks[i].id, lab->checks[k].id) == 0 && !*err)
                *err = xasprintf("%s/lab.conf: check %s is declared twice", lab->dir,
                                 lab->checks[i].id);
    free(text);
    free(path);
}

int lab_hidden_ungraded(const struct lab *lab)
{
    return lab->has_hidden ? 0 : lab->hidden_points;
}

struct lab *lab_load(const char *lab_dir, char **err)
{
    char *path = xasprintf("%s/lab.conf", lab_dir);
    char *text = read_file(path, NULL);
    if (!text) {
        *err = xasprintf("cannot read %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    struct lab *lab = xcalloc(1, sizeof *lab);
    lab->dir = xstrdup(lab_dir);
    lab->dirname = xstrdup(base_name(lab_dir));
    *err = NULL;
    parse_file(lab, path, text, false, err);
    if (!*err && (!lab->id || !lab->stub || !lab->title || lab->nchecks == 0))
        *err = xasprintf("%s: needs id, title, stub and at least one check", path);
    if (!*err)
        load_hidden(lab, err);
    if (!lab->optimize)
        lab->optimize = xstrdup("2");
    free(text);
    free(path);
    if (*err) {
        lab_free(lab);
        return NULL;
    }
    return lab;
}

void lab_free(struct lab *lab)
{
    if (!lab)
        return;
    for (int i = 0; i < lab->nchecks; i++) {
        struct check *c = &lab->checks[i];
        free(c->name), free(c->id), free(c->verifies), free(c->revisit);
        strv_free(&c->requires), strv_free(&c->forbid), strv_free(&c->calls);
    }
    free(lab->checks);
    free(lab->dir), free(lab->dirname), free(lab->id), free(lab->title), free(lab->stub);
    free(lab->optimize), free(lab->stub_sum);
    strv_free(&lab->symbols);
    free(lab);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int labs_load_all(const char *kit, struct lab ***labs, char **err)
{
    char *root = xasprintf("%s/labs", kit);
    struct dirent **names;
    int n = scandir(root, &names, NULL, by_name);
    if (n < 0) {
        *err = xasprintf("cannot list %s: %s", root, strerror(errno));
        free(root);
        return -1;
    }
    int count = 0;
    *labs = xcalloc((size_t)n + 1, sizeof **labs);
    *err = NULL;
    for (int i = 0; i < n; i++) {
        char *dir = xasprintf("%s/%s", root, names[i]->d_name);
        char *conf = xasprintf("%s/lab.conf", dir);
        if (!*err && names[i]->d_name[0] != '.' && is_file(conf)) {
            struct lab *lab = lab_load(dir, err);
            if (lab)
                (*labs)[count++] = lab;
        }
        free(conf);
        free(dir);
        free(names[i]);
    }
    free(names);
    free(root);
    return *err ? -1 : count;
}

const struct check *lab_find_check(const struct lab *lab, const char *id)
{
    for (int i = 0; i < lab->nchecks; i++)
        if (strcmp(lab->checks[i].id, id) == 0)
            return &lab->checks[i];
    return NULL;
}
