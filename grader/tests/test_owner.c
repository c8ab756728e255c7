/* test_owner.c - unit tests of owner.c: root hands a clone's build tree back to its owner, and a
 * user who meets a tree they cannot use is told which and what to run. Root only (it chowns). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "owner.h"
#include "sandbox.h"
#include "util.h"

#define OWNER 65534 /* nobody: the clone's owner in these tests */

static char top[64];

static void setup(void)
{
    if (geteuid() != 0)
        cr_skip_test("needs root");
    strcpy(top, "/tmp/owner_test.XXXXXX");
    cr_assert(mkdtemp(top));
    cr_assert_eq(chmod(top, 0755), 0);
}

static void teardown(void)
{
    if (*top)
        rm_rf(top);
}

static void touch(const char *path, uid_t uid, mode_t mode)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "%s", path);
    fclose(f);
    cr_assert_eq(lchown(path, uid, uid), 0);
    cr_assert_eq(chmod(path, mode), 0);
}

static uid_t owner_of(const char *path)
{
    struct stat st;
    cr_assert_eq(lstat(path, &st), 0, "%s", path);
    return st.st_uid;
}

TestSuite(owner, .init = setup, .fini = teardown);

Test(owner, root_gives_the_build_tree_back)
{
    char *kit = xasprintf("%s/kit", top), *build = xasprintf("%s/build/grade", kit);
    cr_assert_eq(mkdir_p(kit), 0);
    cr_assert_eq(chown(kit, OWNER, OWNER), 0);
    owner_init(kit, build);
    cr_assert_eq(mkdir_p(build), 0); /* root's, as the grader makes it */
    /* What a run as root leaves: root's files, a sandbox uid's, a directory it may not write. */
    char *lab = xasprintf("%s/queue", build), *sealed = xasprintf("%s/sealed", lab);
    cr_assert_eq(mkdir_p(sealed), 0);
    char *a = xasprintf("%s/root.o", lab), *b = xasprintf("%s/sandbox.txt", sealed);
    touch(a, 0, 0644);
    touch(b, SB_UID_BASE + 7, 0600);
    cr_assert_eq(lchown(sealed, SB_UID_BASE + 7, SB_UID_BASE + 7), 0);
    cr_assert_eq(chmod(sealed, 0500), 0);
    /* A hard link to a file outside: never handed over. */
    char *outside = xasprintf("%s/outside", top), *link_in = xasprintf("%s/link", lab);
    touch(outside, 0, 0644);
    cr_assert_eq(link(outside, link_in), 0);

    cr_assert_eq(owner_give_back(), 0);
    char *kit_build = xasprintf("%s/build", kit);
    const char *mine[] = {kit_build, build, lab, sealed, a, b};
    for (size_t i = 0; i < sizeof mine / sizeof *mine; i++)
        cr_assert_eq(owner_of(mine[i]), OWNER, "%s is not the owner's", mine[i]);
    struct stat st;
    cr_assert_eq(stat(sealed, &st), 0);
    cr_assert_eq(st.st_mode & S_IRWXU, S_IRWXU, "the owner cannot empty %s", sealed);
    cr_assert_eq(owner_of(outside), 0, "a hard link carried the hand-over outside the tree");
    free(kit), free(build), free(lab), free(sealed), free(a), free(b), free(outside);
    free(link_in), free(kit_build);
}

Test(owner, root_in_its_own_tree_changes_nothing)
{
    char *kit = xasprintf("%s/kit", top), *build = xasprintf("%s/build/grade", kit);
    cr_assert_eq(mkdir_p(build), 0);
    owner_init(kit, build);
    char *f = xasprintf("%s/x", build);
    touch(f, SB_UID_BASE + 3, 0644);
    cr_assert_eq(owner_give_back(), 0);
    cr_assert_eq(owner_of(f), SB_UID_BASE + 3);
    cr_assert_null(owner_check()); /* root can use anything */
    free(kit), free(build), free(f);
}

Test(owner, a_user_is_told_what_to_run)
{
    char *kit = xasprintf("%s/kit", top), *build = xasprintf("%s/build/grade", kit);
    cr_assert_eq(mkdir_p(build), 0);
    cr_assert_eq(chown(kit, OWNER, OWNER), 0);
    char *lab = xasprintf("%s/queue", build);
    cr_assert_eq(mkdir_p(lab), 0);
    char *kit_build = xasprintf("%s/build", kit);
    cr_assert_eq(chown(kit_build, OWNER, OWNER), 0);
    cr_assert_eq(chown(build, OWNER, OWNER), 0); /* lab/ stays root's, as an old kit left it */
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        if (setgid(OWNER) != 0 || setuid(OWNER) != 0)
            _exit(2);
        owner_init(kit, build);
        char *msg = owner_check();
        if (msg)
            (void)!write(p[1], msg, strlen(msg));
        _exit(0);
    }
    close(p[1]);
    char msg[2048] = "";
    size_t got = 0;
    ssize_t n;
    while ((n = read(p[0], msg + got, sizeof msg - 1 - got)) > 0)
        got += (size_t)n;
    msg[got] = '\0';
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char *names = xasprintf("%s belongs to root", lab),
         *run = xasprintf("sudo rm -rf %s", kit_build);
    cr_assert(strstr(msg, names), "the message does not name %s: %s", lab, msg);
    cr_assert(strstr(msg, run), "the message does not say what to run: %s", msg);
    free(kit), free(build), free(lab), free(kit_build), free(names), free(run);
}
