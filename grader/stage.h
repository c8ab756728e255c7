/* stage.h - the stages of grading a lab (see grade.h), one file each. */
#ifndef STAGE_H
#define STAGE_H

#include "grade.h"
#include "sandbox.h"

/* Run a command of the grader's own (compiler, binutils) under the sandbox with a plain
 * environment. Returns true if it exited 0; res holds its output either way. */
bool run_tool(struct strv *argv, const char *cwd, double wall_s, struct sb_result *res);
/* The output of a command of the grader's own (args NULL-terminated, the program first) run in
 * cwd for at most a minute; NULL if it failed. */
char *tool_output(const char *cwd, const char *const args[]);

/* stage.c: make build_dir and fill it. Returns NULL or a problem for the student. */
char *stage_lab(const struct grader *g, const struct lab *lab, const char *build_dir);

/* build.c: compile the stub and link the binaries. Returns NULL or a problem for the student;
 * *warnings gets the stub's compiler warnings (or ""). */
char *build_lab(const struct grader *g, const struct lab *lab, const char *build_dir,
                char **warnings);
/* The linker option that routes the pthread calls through the support code's wrappers, and the
 * support code's objects: what every test binary is linked with (test_watch.c builds its own). */
extern const char build_wrap_flags[];
extern const char build_support_objects[];
/* Where the support code shared by every lab is compiled (kit-support). */
char *build_support_dir(const struct grader *g);

/* vglibc.c: the copy of libc that Valgrind's runs load (it starts in half the time). Make it in
 * kit-support, or make it again for a new libc; NULL, or the directory to put first in their
 * LD_LIBRARY_PATH (none without libc6-dbg or objcopy). */
void vglibc_make(const char *support);
char *vglibc_dir(const char *support);

/* policy.c: the rules every stub obeys (gate) and a lab's policy checks. NULL when they hold,
 * else a message that names the student's file and line. */
char *policy_gate(const struct lab *lab, const char *build_dir);
char *policy_check(const struct lab *lab, const struct check *c, const char *build_dir);
/* NULL, or what the stub stops doing when built with -DNDEBUG (work hidden in assert()). */
char *policy_release_build(const struct lab *lab, const char *build_dir);

/* runcheck.c: run one check and fill r. */
void run_check(const struct grader *g, const struct lab *lab, const char *build_dir,
               const struct check *c, struct check_result *r);

/* symbolize.c: "module+0xoff" frames to "func (file:line)", preferring the stub's frames. */
struct place {
    char *func, *file; /* NULL when unknown */
    int line;
    bool in_stub; /* in the student's file */
};
bool symbolize_place(const char *frame, const char *build_dir, const char *stub, struct place *out);
void place_free(struct place *p);
char *symbolize_frame(const char *frame, const char *build_dir, const char *stub);
/* The first frame in the stub's file among space-separated frames, or the first known one. */
char *symbolize_first(const char *frames, const char *build_dir, const char *stub);

#endif
