/* owner.h - a clone graded by root stays usable by the user who owns it.
 *
 * Root runs every command as a fresh sandbox uid (sandbox.h), so after `sudo make grade` the
 * build directories would belong to root and to sandbox uids, which the clone's owner can
 * neither write nor remove: their next `make grade` failed on every lab. So when root grades
 * in a tree that another user owns, it hands the build tree back to that user at the end; and a
 * user who meets a build tree they cannot use (left by an older kit) is told which and what to
 * run, instead of a failure on every lab.
 */
#ifndef OWNER_H
#define OWNER_H

/* Call before the build root is created: remembers, when the grader is root, who owns the tree
 * it builds in (the kit's owner when build_root is inside the kit, else the owner of build_root's
 * nearest existing ancestor) and the directory to hand back (KIT/build, or build_root itself). */
void owner_init(const char *kit, const char *build_root);

/* For a grader that is not root: NULL if it owns everything under the build directory, else a
 * message that names what it cannot use and says what to run (the caller frees it). */
char *owner_check(void);

/* For root: give the build directory, recursively, back to the owner found by owner_init (and
 * make its directories writable by them). A no-op otherwise. Returns 0 or an errno value. */
int owner_give_back(void);

#endif
