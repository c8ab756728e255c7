/* build.c - compile the stub (the student's errors) and link the kit's binaries around it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "hidden.h"
#include "stage.h"

/* -finstrument-functions: the support code learns when each of the stub's functions returns
 * (tl_calls.c), to catch a lock still held at that moment. */
#define CFLAGS     "-std=c11 -D_POSIX_C_SOURCE=200809L -g -pthread -Iinclude -finstrument-functions"
#define CFLAGS_KIT "-std=c11 -D_POSIX_C_SOURCE=200809L -g -pthread -Wall -Wextra -Werror"
#define WRAP                                                                                       \
    "-Wl,--wrap=pthread_mutex_lock,--wrap=pthread_mutex_trylock,--wrap=pthread_mutex_timedlock,"   \
    "--wrap=pthread_mutex_unlock,--wrap=pthread_cond_wait,--wrap=pthread_cond_timedwait,"          \
    "--wrap=pthread_cond_signal,--wrap=pthread_create,--wrap=pthread_join,"                        \
    "--wrap=pthread_barrier_wait,--wrap=sem_wait,--wrap=sem_timedwait,--wrap=nanosleep,"           \
    "--wrap=clock_nanosleep,--wrap=usleep,--wrap=sleep,--wrap=clock_gettime,--wrap=time,"          \
    "--wrap=gettimeofday,--wrap=timespec_get"
/* The support code (grader/support), linked into every binary of every lab. */
#define SUPPORT_OBJS                                                                               \
    "tl_env.o tl_wrap.o tl_threads.o tl_watch.o tl_poll.o tl_calls.o tl_report.o tl_clock.o "      \
    "tl_harness.o"
#define BUILD_SECONDS 120

const char build_wrap_flags[] = WRAP;
const char build_support_objects[] = SUPPORT_OBJS;
#define SHOWN_LINES 15

/* The compiler's first lines, which carry the first errors with their file and line. */
static char *first_lines(const char *out, int max)
{
    struct sbuf b = {0};
    sbuf_add(&b, "");
    const char *p = out;
    for (int n = 0; *p && n < max; n++) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        char *line = strndup(p, len);
        sbuf_addf(&b, "    %s", line);
        free(line);
        p += len;
    }
    if (*p)
        sbuf_add(&b, "    ...\n");
    return b.s;
}

/* The compiler names the file as it was given ("queue.c:28:1: error"); say where it is in the
 * student's submission ("05-queue/queue.c:28:1: error"). */
static char *name_the_file(const char *text, const char *stub, const char *path)
{
    struct sbuf b = {0};
    sbuf_add(&b, "");
    char *pattern = xasprintf("%s:", stub);
    for (const char *p = text; *p;) {
        const char *start = p;
        while (*p == ' ')
            p++;
        if (starts_with(p, pattern)) {
            char *indent = strndup(start, (size_t)(p - start));
            sbuf_addf(&b, "%s%s", indent, path);
            free(indent);
            start = p + strlen(stub);
        }
        const char *e = strchr(start, '\n');
        size_t len = e ? (size_t)(e - start) + 1 : strlen(start);
        char *line = strndup(start, len);
        sbuf_add(&b, line);
        free(line);
        p = start + len;
    }
    free(pattern);
    return b.s;
}

/* make's own lines ("make: *** [Makefile:3: stub.o] Error 1"): not the compiler's words. */
static char *without_make_lines(const char *out)
{
    struct sbuf b = {0};
    sbuf_add(&b, "");
    for (const char *p = out; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) + 1 : strlen(p);
        if (!starts_with(p, "make: ") && !starts_with(p, "make["))
            sbuf_addf(&b, "%.*s", (int)len, p);
        p += len;
    }
    return b.s;
}

/* The stub's three objects at once (make -j3 in the sandbox): stub.o for the tests, Helgrind,
 * memcheck and the policy; stub_ndebug.o, a release build (asserts compiled out) that the policy
 * compares with it (policy_release_build); stub_tsan.o, the release build for ThreadSanitizer.
 * Only stub.o's diagnostics are shown (the others say the same again): quiet here, the release
 * rules are loud in the link's Makefile, which builds them again only if they failed here. */
#define RELEASE_RULES(quiet)                                                                       \
    "stub_ndebug.o: %s\n\t$(CC) " CFLAGS " -O2 -DNDEBUG -c $< -o $@" quiet "\n"                    \
    "stub_tsan.o: %s\n\t$(CC) " CFLAGS " -O1 -DNDEBUG -fsanitize=thread "                          \
    "-fno-diagnostics-show-caret -c $< -o $@" quiet "\n"

static char *stub_makefile(const struct lab *lab, const char *caret)
{
    return xasprintf("stub.o: %s\n\t$(CC) " CFLAGS
                     " -O%s -Wall -Wextra %s -c $< -o $@\n" RELEASE_RULES(" 2>/dev/null"),
                     lab->stub, lab->optimize, caret, lab->stub, lab->stub);
}

static bool make_stub(const struct lab *lab, const char *bd, const char *caret,
                      struct sb_result *res)
{
    char *path = xasprintf("%s/Makefile.stub", bd), *text = stub_makefile(lab, caret);
    char *obj = xasprintf("%s/stub.o", bd);
    write_file(path, text);
    unlink(obj);
    free(path), free(text);
    struct strv argv = {0};
    strv_add(&argv, "make");
    strv_add(&argv, "-s");
    strv_add(&argv, "-j3");
    strv_add(&argv, "-f");
    strv_add(&argv, "Makefile.stub");
    strv_add(&argv, "stub.o");
    strv_add(&argv, "stub_ndebug.o");
    strv_add(&argv, "stub_tsan.o");
    run_tool(&argv, bd, BUILD_SECONDS, res);
    strv_free(&argv);
    /* stub.o is what the student must get right; should a release build fail where it did not,
     * the link below builds it again and says why */
    bool ok = (res->end == SB_EXITED || res->end == SB_OUTPUT) && access(obj, F_OK) == 0;
    free(obj);
    return ok;
}

static char *compile_stub(const struct lab *lab, const char *bd, char **warnings)
{
    struct sb_result res;
    bool ok = make_stub(lab, bd, "", &res);
    if (res.end == SB_OUTPUT) {
        /* gcc quotes every line it warns about, whole: a warning on a line of megabytes (a huge
         * comment) floods the output. Then compile again without the quotes. */
        sb_result_free(&res);
        ok = make_stub(lab, bd, "-fno-diagnostics-show-caret", &res);
    }
    char *problem = NULL;
    char *compiler = without_make_lines(res.out ? res.out : "");
    char *shown = first_lines(compiler, SHOWN_LINES);
    char *in_submission = xasprintf("%s/%s", lab->dirname, lab->stub);
    char *named = name_the_file(shown, lab->stub, in_submission);
    free(in_submission);
    free(shown);
    shown = named;
    if (!ok)
        problem =
            xasprintf("%s/%s does not compile. The compiler's first errors (file:line:column):\n%s",
                      lab->dirname, lab->stub, *shown ? shown : "    (no output)\n");
    *warnings = ok && *compiler ? xstrdup(shown) : xstrdup("");
    free(shown), free(compiler);
    sb_result_free(&res);
    return problem;
}

/* The rules that compile a kit directory's sources, plain (-O2) and for ThreadSanitizer. */
#define KIT_RULES                                                                                  \
    "plain/%%.o: %%.c\n\t@mkdir -p plain\n\t$(CC) $(CFLAGS) -O2 -c $< -o $@\n"                     \
    "tsan/%%.o: %%.c\n\t@mkdir -p tsan\n\t$(CC) $(CFLAGS) -O1 -fsanitize=thread -c $< -o $@\n"     \
    "-include $(wildcard plain/*.d plain/hidden/*.d tsan/*.d)\n"

/* The kit's objects, compiled once per build root and kept: they come from the kit's own
 * sources only, so a submission never changes them, and `make check` after editing the stub
 * recompiles only the stub. The support code is the same for every lab: compiled once, in
 * kit-support, for all of them (twenty compiles a lab, most of a first grade's time). */
static char *support_makefile(const char *dir)
{
    return xasprintf("SRC = %s/src\n"
                     "CFLAGS = " CFLAGS_KIT " -I$(SRC)/include -I$(SRC)/support -MMD -MP\n"
                     "SUPPORT = " SUPPORT_OBJS "\n"
                     "vpath %%.c $(SRC)/support\n"
                     "all: $(addprefix plain/,$(SUPPORT) tl_runner.o tl_driver.o tl_standalone.o) "
                     "$(addprefix tsan/,$(SUPPORT) tl_driver.o tl_standalone.o)\n" KIT_RULES,
                     dir);
}

static char *kit_makefile(const char *kitobj)
{
    return xasprintf(
        "SRC = %s/src\n"
        "CFLAGS = " CFLAGS_KIT " -I$(SRC)/include -I$(SRC)/tests -I$(SRC)/support -MMD -MP\n"
        "TESTS = $(notdir $(wildcard $(SRC)/tests/*.c))\n"
        "SCENARIOS = $(filter-out test_%%,$(TESTS))\n"
        /* the instructor's hidden Criterion tests, when the kit has them (hidden.h) */
        "HIDDEN = $(notdir $(wildcard $(SRC)/hidden/*.c))\n"
        "vpath %%.c $(SRC)/tests\n"
        "all: $(addprefix plain/,$(TESTS:.c=.o)) $(addprefix tsan/,$(SCENARIOS:.c=.o)) "
        "$(addprefix plain/hidden/,$(HIDDEN:.c=.o))\n"
        "plain/hidden/%%.o: $(SRC)/hidden/%%.c\n\t@mkdir -p plain/hidden\n"
        "\t$(CC) $(CFLAGS) -O2 -c $< -o $@\n" KIT_RULES,
        kitobj);
}

/* A copy of the kit's sources beside its objects: the sandbox user that compiles them may not
 * be able to read the kit where it is (a clone in /root, say). Unchanged files keep their time
 * stamps, so make recompiles only what changed. A lab's directory gets its tests (lab set) and
 * the support's headers; kit-support, the support's sources (lab NULL). */
static char *sync_kit_sources(const struct grader *g, const struct lab *lab, const char *kitobj)
{
    static const char *const headers[] = {".h", NULL}, *const sources[] = {".c", ".h", NULL};
    char *to[3] = {xasprintf("%s/src/include", kitobj), xasprintf("%s/src/support", kitobj),
                   lab ? xasprintf("%s/src/tests", kitobj) : NULL};
    char *from[3] = {xasprintf("%s/include", g->kit), xasprintf("%s/grader/support", g->kit),
                     lab ? xasprintf("%s/tests", lab->dir) : NULL};
    int err = 0;
    for (int i = 0; i < 3 && to[i] && !err; i++)
        err = mkdir_p(to[i]) ?: copy_files(from[i], to[i], i == 1 && lab ? headers : sources);
    if (!err && lab)
        err = hidden_sync(lab, kitobj);
    if (!err)
        err = sb_own(kitobj);
    for (int i = 0; i < 3; i++)
        free(to[i]), free(from[i]);
    return err ? xasprintf("the grader could not copy the kit's sources to %s: %s", kitobj,
                           strerror(err))
               : NULL;
}

/* The binaries: the stub's objects linked with the kit's. make -j2 builds them in the order
 * listed, so the ThreadSanitizer object (a compile, then a link) starts at once beside the
 * tests' link; the Valgrind checks' driver comes last, and make check (quick) needs none. */
static char *link_makefile(const struct grader *g, const struct lab *lab, const char *kitobj,
                           const char *support)
{
    return xasprintf(
        "K = %s\n"
        "S = %s\n"
        "SUPPORT = $(addprefix $(S)/plain/," SUPPORT_OBJS ")\n"
        /* tl_*.o: the support's objects where an older grader compiled them for each lab */
        "TESTS = $(filter-out $(K)/plain/tl_%%,$(wildcard $(K)/plain/*.o))\n"
        "HIDDEN = $(wildcard $(K)/plain/hidden/*.o)\n"
        "SCENARIOS = $(filter-out $(K)/plain/test_%%,$(TESTS))\n"
        "TSAN = $(filter-out $(K)/tsan/tl_%%,$(wildcard $(K)/tsan/*.o)) "
        "$(addprefix $(S)/tsan/," SUPPORT_OBJS " tl_driver.o tl_standalone.o)\n"
        "WRAP = " WRAP "\n"
        "all: driver_tsan labtests stub_ndebug.o%s\n"
        "labtests: stub.o\n\t$(CC) -pthread $< $(TESTS) $(HIDDEN) $(SUPPORT) "
        "$(S)/plain/tl_runner.o $(S)/plain/tl_standalone.o $(WRAP) -o $@\n"
        "driver: stub.o\n\t$(CC) -pthread $< $(SCENARIOS) $(SUPPORT) $(S)/plain/tl_driver.o "
        "$(S)/plain/tl_standalone.o $(WRAP) -o $@\n"
        /* the release builds again, should make_stub's have failed: now with their errors */
        RELEASE_RULES("") "driver_tsan: stub_tsan.o\n\t$(CC) -pthread -fsanitize=thread $< $(TSAN) "
                          "$(WRAP) -o $@\n",
        kitobj, support, g->quick ? "" : " driver", lab->stub, lab->stub);
}

static char *run_make(const char *dir, char *makefile_text, const char *what)
{
    char *path = xasprintf("%s/Makefile", dir);
    write_file(path, makefile_text);
    free(makefile_text);
    free(path);
    struct strv argv = {0};
    strv_add(&argv, "make");
    strv_add(&argv, "-s");
    strv_add(&argv, "-j2");
    struct sb_result res;
    char *problem = NULL;
    if (!run_tool(&argv, dir, BUILD_SECONDS, &res)) {
        char *shown = first_lines(res.out ? res.out : "", SHOWN_LINES);
        const char *hint = strstr(shown, "undefined reference")
                               ? "Every function declared in the lab's header must stay defined "
                                 "in your file, with the same name.\n"
                               : "";
        problem = xasprintf("%s:\n%s%s", what, shown, hint);
        free(shown);
    }
    sb_result_free(&res);
    strv_free(&argv);
    return problem;
}

/* Compile the kit's objects in dir (a lab's, or kit-support when lab is NULL), unless they are
 * built already. One grader at a time: the labs graded at once share kit-support, and the
 * self-test's graders (--kit-objects) share everything. Objects shared that way are used as
 * their first grader left them: a second one rewriting the Makefile or the sources while a
 * third ran make there made that make fail ("No targets"). */
static char *build_kit_objects(const struct grader *g, const struct lab *lab, const char *dir)
{
    char *problem = NULL, *built = xasprintf("%s/.built", dir), *lock = xasprintf("%s.lock", dir);
    /* The directory first: the lock beside it cannot be made where none is, and two labs whose
     * first grade was at the same time then ran make in kit-support together. */
    int err = mkdir_p(dir);
    int fd = err ? -1 : open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) { /* released by close, or by the grader's end */
        problem = xasprintf("the grader cannot lock %s: %s\n", lock, strerror(err ? err : errno));
        if (fd >= 0)
            close(fd);
        free(built), free(lock);
        return problem;
    }
    if (!g->kit_objects || access(built, F_OK) != 0) {
        unlink(built);
        problem = sync_kit_sources(g, lab, dir);
        if (!problem)
            problem = run_make(dir, lab ? kit_makefile(dir) : support_makefile(dir),
                               lab ? "the kit's tests do not build"
                                   : "the kit's support code does not build");
        /* A submission graded by this grader must not change what the next ones link with. */
        if (!problem && sb_disown(dir) == 0)
            write_file(built, "");
    }
    if (!problem && !lab && !g->quick)
        vglibc_make(dir);
    close(fd);
    free(built), free(lock);
    return problem;
}

char *build_support_dir(const struct grader *g)
{
    return xasprintf("%s/kit-support", g->kit_objects ? g->kit_objects : g->build_root);
}

char *build_lab(const struct grader *g, const struct lab *lab, const char *bd, char **warnings)
{
    const char *root = g->kit_objects ? g->kit_objects : g->build_root;
    char *kitobj = xasprintf("%s/kit-%s", root, lab->id);
    char *support = build_support_dir(g);
    char *problem = NULL;
    char *kit_problem = build_kit_objects(g, NULL, support);
    if (!kit_problem)
        kit_problem = build_kit_objects(g, lab, kitobj);
    if (kit_problem) {
        /* not the student's fault: say so plainly */
        problem = xasprintf("%s(this is a problem with the kit, not with your file)", kit_problem);
        free(kit_problem);
        *warnings = xstrdup("");
    }
    if (!problem)
        problem = compile_stub(lab, bd, warnings);
    if (!problem)
        problem = policy_gate(lab, bd);
    if (!problem) {
        char *what = xasprintf("the lab's tests do not link with %s/%s", lab->dirname, lab->stub);
        problem = run_make(bd, link_makefile(g, lab, kitobj, support), what);
        free(what);
    }
    free(kitobj), free(support);
    return problem;
}
