/* owner.c - a clone graded by root stays usable by the user who owns it (see owner.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <ftw.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "owner.h"
#include "sandbox.h"
#include "util.h"

static struct {
    char *base; /* the tree to hand back or to check */
    bool give;  /* the grader is root and base belongs to another user */
    uid_t uid;
    gid_t gid;
    char *foreign; /* owner_check: the first entry found that is not ours */
    uid_t foreign_uid;
    bool unread; /* owner_give_back: a directory was made readable after the walk passed it */
} own;

/* Owner of path or of its nearest existing ancestor. */
static int nearest_owner(const char *path, struct stat *st)
{
    char *p = xstrdup(path);
    int r;
    while ((r = stat(p, st)) != 0 && strcmp(p, "/") != 0) {
        char *slash = strrchr(p, '/');
        if (slash == p)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
    free(p);
    return r;
}

void owner_init(const char *kit, const char *build_root)
{
    free(own.base), free(own.foreign);
    memset(&own, 0, sizeof own);
    char *cwd = getcwd(NULL, 0);
    char *abs =
        build_root[0] == '/' || !cwd ? xstrdup(build_root) : xasprintf("%s/%s", cwd, build_root);
    free(cwd);
    size_t k = strlen(kit);
    struct stat st;
    int found;
    if (strncmp(abs, kit, k) == 0 && abs[k] == '/' && abs[k + 1] != '\0') {
        /* Inside the kit: its owner's, and everything from KIT/build down goes back. */
        char *end = strchr(abs + k + 1, '/');
        own.base = end ? xasprintf("%.*s", (int)(end - abs), abs) : xstrdup(abs);
        found = stat(kit, &st);
    } else {
        own.base = xstrdup(abs);
        char *parent = xstrdup(abs);
        char *slash = strrchr(parent, '/');
        if (slash && slash != parent)
            *slash = '\0';
        found = nearest_owner(parent, &st);
        free(parent);
    }
    free(abs);
    own.give = geteuid() == 0 && found == 0 && st.st_uid != 0;
    own.uid = st.st_uid;
    own.gid = st.st_gid;
}

static int first_foreign(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)flag, (void)ftw;
    if (st->st_uid == geteuid())
        return 0;
    own.foreign = xstrdup(path);
    own.foreign_uid = st->st_uid;
    return 1; /* stop the walk */
}

char *owner_check(void)
{
    if (geteuid() == 0 || !own.base)
        return NULL;
    struct stat st;
    if (lstat(own.base, &st) != 0)
        return NULL; /* not there yet: it will be ours */
    nftw(own.base, first_foreign, 16, FTW_PHYS);
    if (!own.foreign)
        return NULL;
    struct passwd *pw = getpwuid(own.foreign_uid);
    char *who = pw ? xasprintf("%s", pw->pw_name) : xasprintf("uid %u", (unsigned)own.foreign_uid);
    char *msg = xasprintf("the build directory %s holds files you cannot rebuild or remove: %s "
                          "belongs to %s (left by a run as root with an older kit). Remove it, "
                          "then grade again:\n    sudo rm -rf %s",
                          own.base, own.foreign, who, own.base);
    free(who);
    return msg;
}

static int give_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)ftw;
    /* Only what root or a sandbox uid made; a file with a second hard link may be anywhere, and a
     * sandboxed command could have made the link: never hand such a file over. */
    bool ours = st->st_uid == 0 || st->st_uid >= SB_UID_BASE;
    if (!ours || (flag == FTW_F && st->st_nlink > 1))
        return 0;
    if (lchown(path, own.uid, own.gid) != 0)
        return errno;
    /* A command may leave a directory without write permission: its owner could not empty it. */
    if ((flag == FTW_D || flag == FTW_DNR) && (st->st_mode & S_IRWXU) != S_IRWXU) {
        if (chmod(path, (st->st_mode & 07777) | S_IRWXU) != 0)
            return errno;
        own.unread |= flag == FTW_DNR; /* its entries were not visited: walk again */
    }
    return 0;
}

int owner_give_back(void)
{
    if (!own.give)
        return 0;
    struct stat st;
    if (lstat(own.base, &st) != 0)
        return 0;
    int r = 0;
    for (int pass = 0; pass < 8 && r == 0; pass++) {
        own.unread = false;
        r = nftw(own.base, give_one, 16, FTW_PHYS);
        if (r < 0)
            r = errno;
        if (!own.unread)
            break;
    }
    return r;
}
