/* policy.c - what a stub may do: the rules for every lab (the gate) and a lab's policy checks.
 *
 * DESIGN: a stub runs inside the tests' own processes, so it could forge a result if it could
 * reach a file, a process, a signal or a detector's switches. Rather than hunt for each trick,
 * the gate allows a stub only the calls a threading lab needs (pthreads, semaphores, memory,
 * strings, time, printf-style output, C11 atomics) and the global names of its own lab's API,
 * and inspects the compiled object for what needs no call: constructors, raw system calls and
 * Valgrind client requests. The headers it includes must be the kit's or the system's, never a
 * detector's. All of this is read off the object and the preprocessor, not guessed from text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>

#include "csource.h"
#include "stage.h"

static const char *const allowed_prefixes[] = {"pthread_", "sem_", "__atomic_", "atomic_", NULL};
static const char *const allowed_calls[] = {"__cyg_profile_func_enter", /* -finstrument-functions */
                                            "__cyg_profile_func_exit",
                                            "malloc",
                                            "calloc",
                                            "realloc",
                                            "reallocarray",
                                            "free",
                                            "aligned_alloc",
                                            "posix_memalign",
                                            "memset",
                                            "memcpy",
                                            "memmove",
                                            "memcmp",
                                            "strlen",
                                            "strcmp",
                                            "strncmp",
                                            "strcpy",
                                            "strncpy",
                                            "strdup",
                                            "strndup",
                                            "strerror",
                                            "strerror_r",
                                            "snprintf",
                                            "vsnprintf",
                                            "sprintf",
                                            "printf",
                                            "fprintf",
                                            "vprintf",
                                            "vfprintf",
                                            "puts",
                                            "fputs",
                                            "putchar",
                                            "fputc",
                                            "putc",
                                            "fwrite",
                                            "fflush",
                                            "perror",
                                            "stdout",
                                            "stderr",
                                            "__printf_chk",
                                            "__fprintf_chk",
                                            "__vfprintf_chk",
                                            "__sprintf_chk",
                                            "__snprintf_chk",
                                            "__vsnprintf_chk",
                                            "__memcpy_chk",
                                            "__memset_chk",
                                            "__memmove_chk",
                                            "__strcpy_chk",
                                            "__strncpy_chk",
                                            "__stack_chk_fail",
                                            "__errno_location",
                                            "__assert_fail",
                                            "abort",
                                            "clock_gettime",
                                            "clock_nanosleep",
                                            "nanosleep",
                                            "usleep",
                                            "sleep",
                                            "sched_yield",
                                            "time",
                                            "timespec_get",
                                            "gettimeofday",
                                            "qsort",
                                            "bsearch",
                                            "rand",
                                            "rand_r",
                                            "srand",
                                            "abs",
                                            "labs",
                                            "llabs",
                                            "sysconf",
                                            "get_nprocs",
                                            "__tls_get_addr",
                                            "_GLOBAL_OFFSET_TABLE_",
                                            "putchar_unlocked",
                                            NULL};
static const char *const forbidden_sections[] = {".init_array", ".fini_array",    ".ctors",
                                                 ".dtors",      ".preinit_array", NULL};
/* Instructions no threading lab needs: system calls, and the first instruction of Valgrind's
 * client-request preamble (rol $0x3,%rdi; rol $0xd,%rdi; rol $0x3d,%rdi; rol $0x33,%rdi). */
static const char *const forbidden_insns[] = {"\tsyscall", "\tsysenter", "\tint    $0x80",
                                              "rol    $0x3d,%rdi", NULL};
/* Preprocessed text that switches a detector off or pulls in a file. */
static const char *const forbidden_text[] = {"no_sanitize",    "__tsan", "__sanitizer",
                                             "incbin",         "__asan", "AnnotateHappens",
                                             "AnnotateRWLock", NULL};

static bool in_list(const char *s, const char *const list[])
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

static bool has_prefix(const char *s, const char *const list[])
{
    for (size_t i = 0; list[i]; i++)
        if (starts_with(s, list[i]))
            return true;
    return false;
}

/* "queue.c:12" for the first line of the stub whose code (not a comment or a string) uses word,
 * or just "queue.c". */
static char *where(const struct lab *lab, const char *bd, const char *word)
{
    char *path = xasprintf("%s/%s", bd, lab->stub);
    size_t len = 0;
    char *text = read_file(path, &len);
    free(path);
    long line = text ? csource_line_of(text, len, word) : 0;
    free(text);
    return line > 0 ? xasprintf("%s/%s:%ld", lab->dirname, lab->stub, line)
                    : xasprintf("%s/%s", lab->dirname, lab->stub);
}

/* Symbols of stub.o: "name type" lines from nm -P. */
static char *check_symbols(const struct lab *lab, const char *bd)
{
    static const char *const nm[] = {"nm", "-P", "stub.o", NULL};
    char *out = tool_output(bd, nm);
    if (!out)
        return xstrdup("the grader could not list the symbols of your compiled file (nm failed)");
    char *problem = NULL, *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line && !problem;
         line = strtok_r(NULL, "\n", &save)) {
        char name[256], type;
        if (sscanf(line, "%255s %c", name, &type) != 2)
            continue;
        if (type == 'U' && !in_list(name, allowed_calls) && !has_prefix(name, allowed_prefixes)) {
            char *at = where(lab, bd, name);
            problem = xasprintf("%s: your file uses `%s`, which a lab's code may not call. Labs "
                                "may use pthreads, semaphores, memory, string, time and "
                                "printf-style calls only: remove `%s`.",
                                at, name, name);
            free(at);
        } else if (isupper((unsigned char)type) && type != 'U') {
            bool ok = false;
            for (size_t i = 0; i < lab->symbols.len; i++)
                ok |= starts_with(name, lab->symbols.v[i]);
            if (!ok && strcmp(name, "main") == 0) { /* a student trying their code */
                char *at = where(lab, bd, name);
                problem = xasprintf("%s: your file has a `main`, but the lab's tests bring "
                                    "their own: remove yours (or put it in a file of its own "
                                    "outside the lab's folder). make check runs the tests "
                                    "on your code in seconds.",
                                    at);
                free(at);
            } else if (!ok) {
                char *at = where(lab, bd, name);
                problem = xasprintf("%s: `%s` is a global name, but only the lab's API "
                                    "(names starting with %s) may be: make `%s` static.",
                                    at, name, lab->symbols.v[0], name);
                free(at);
            }
        }
    }
    free(out);
    return problem;
}

static char *check_object(const struct lab *lab, const char *bd)
{
    static const char *const sections[] = {"objdump", "-h", "stub.o", NULL};
    static const char *const disasm[] = {"objdump", "-d", "stub.o", NULL};
    char *problem = NULL;
    char *out = tool_output(bd, sections);
    for (size_t i = 0; out && forbidden_sections[i] && !problem; i++)
        if (strstr(out, forbidden_sections[i]))
            problem = xasprintf("%s/%s: your file runs code before or after the tests (a "
                                "constructor or destructor, section %s). Remove it: everything "
                                "your lab does happens inside its API functions.",
                                lab->dirname, lab->stub, forbidden_sections[i]);
    free(out);
    out = problem ? NULL : tool_output(bd, disasm);
    for (size_t i = 0; out && forbidden_insns[i] && !problem; i++)
        if (strstr(out, forbidden_insns[i]))
            problem = xasprintf("%s/%s: your file contains inline assembly that makes system "
                                "calls or talks to Valgrind. Remove it: use the pthread API.",
                                lab->dirname, lab->stub);
    free(out);
    return problem;
}

/* Headers from the kit's include/ or the system, but never a detector's own. */
static char *check_sources(const struct lab *lab, const char *bd)
{
    const char *deps[] = {"gcc",      "-std=c11",  "-D_POSIX_C_SOURCE=200809L",
                          "-pthread", "-Iinclude", "-M",
                          lab->stub,  NULL};
    const char *pre[] = {"gcc",      "-std=c11",  "-D_POSIX_C_SOURCE=200809L",
                         "-pthread", "-Iinclude", "-E",
                         "-P",       lab->stub,   NULL};
    char *problem = NULL;
    char *out = tool_output(bd, deps);
    char *save = NULL;
    for (char *dep = out ? strtok_r(out, " \\\n", &save) : NULL; dep && !problem;
         dep = strtok_r(NULL, " \\\n", &save)) {
        if (ends_with(dep, ":") || strcmp(dep, lab->stub) == 0)
            continue;
        bool kit = starts_with(dep, "include/") && !strstr(dep, "..");
        bool system = (starts_with(dep, "/usr/include/") || starts_with(dep, "/usr/lib/gcc/")) &&
                      !strstr(dep, "/valgrind/") && !strstr(dep, "/sanitizer/");
        if (!kit && !system)
            problem = xasprintf("%s/%s includes %s: a lab's file may include the lab's header "
                                "and standard C and POSIX headers only.",
                                lab->dirname, lab->stub, dep);
    }
    free(out);
    out = problem ? NULL : tool_output(bd, pre);
    for (size_t i = 0; out && forbidden_text[i] && !problem; i++)
        if (strstr(out, forbidden_text[i]))
            problem = xasprintf("%s/%s uses `%s`, which switches off or fools the tools that "
                                "check your code. Remove it.",
                                lab->dirname, lab->stub, forbidden_text[i]);
    free(out);
    return problem;
}

char *policy_gate(const struct lab *lab, const char *bd)
{
    char *problem = check_symbols(lab, bd);
    if (!problem)
        problem = check_object(lab, bd);
    if (!problem)
        problem = check_sources(lab, bd);
    return problem;
}

/* ---- A lab's policy checks: who calls what, read off the disassembly. ---------------------- */

struct func {
    char name[128];
    struct strv calls; /* symbols it calls or whose address it takes: external and local */
    bool atomic;       /* has a lock-prefixed or xchg instruction */
    bool tls;          /* reads the thread pointer (%fs): a _Thread_local object */
};

static int parse_functions(const char *bd, const char *object, struct func **out)
{
    const char *const disasm[] = {"objdump", "-dr", "--no-show-raw-insn", object, NULL};
    char *text = tool_output(bd, disasm);
    int n = 0;
    *out = NULL;
    regex_t header, reloc, call;
    regcomp(&header, "^[0-9a-f]+ <([A-Za-z_][A-Za-z0-9_.]*)>:", REG_EXTENDED);
    regcomp(&reloc, "R_X86_64_[A-Z0-9_]+[ \t]+([A-Za-z_][A-Za-z0-9_.]*)", REG_EXTENDED);
    /* direct calls and jumps, and addresses taken (a thread's start function): "# 20 <worker>" */
    regcomp(&call, "(call|jmp|#)[a-z]*[ \t]+[0-9a-f]+ <([A-Za-z_][A-Za-z0-9_]*)", REG_EXTENDED);
    char *save = NULL;
    for (char *line = text ? strtok_r(text, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        regmatch_t m[3];
        if (regexec(&header, line, 2, m, 0) == 0) {
            *out = xrealloc(*out, (size_t)(n + 1) * sizeof **out);
            struct func *f = &(*out)[n++];
            memset(f, 0, sizeof *f);
            snprintf(f->name, sizeof f->name, "%.*s", (int)(m[1].rm_eo - m[1].rm_so),
                     line + m[1].rm_so);
            continue;
        }
        if (n == 0)
            continue;
        struct func *f = &(*out)[n - 1];
        char sym[256];
        int g = regexec(&reloc, line, 2, m, 0) == 0  ? 1
                : regexec(&call, line, 3, m, 0) == 0 ? 2
                                                     : 0;
        if (g) {
            snprintf(sym, sizeof sym, "%.*s", (int)(m[g].rm_eo - m[g].rm_so), line + m[g].rm_so);
            if (!strv_has(&f->calls, sym))
                strv_add(&f->calls, sym);
        }
        /* xchg with a memory operand is atomic; "xchg %ax,%ax" is only alignment padding */
        if (strstr(line, "\tlock ") || (strstr(line, "\txchg") && strchr(line, '(')) ||
            strstr(line, "__atomic_"))
            f->atomic = true;
        /* thread-local storage: %fs-relative (but %fs:0x28 is the stack protector's canary),
         * or through __tls_get_addr in position-independent code */
        if ((strstr(line, "%fs:") && !strstr(line, "%fs:0x28")) || strstr(line, "__tls_get_addr"))
            f->tls = true;
    }
    regfree(&header), regfree(&reloc), regfree(&call);
    free(text);
    return n;
}

static struct func *find_func(struct func *fs, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(fs[i].name, name) == 0)
            return &fs[i];
    return NULL;
}

/* Does fn, or a function of the file it calls (transitively), use sym? "@atomic" stands for any
 * atomic read-modify-write instruction, "@tls" for an access to a _Thread_local object. */
static bool uses(struct func *fs, int n, struct func *fn, const char *sym, struct strv *seen)
{
    if (!fn || strv_has(seen, fn->name))
        return false;
    strv_add(seen, fn->name);
    if (strcmp(sym, "@atomic") == 0 ? fn->atomic
        : strcmp(sym, "@tls") == 0  ? fn->tls
                                    : strv_has(&fn->calls, sym))
        return true;
    for (size_t i = 0; i < fn->calls.len; i++)
        if (uses(fs, n, find_func(fs, n, fn->calls.v[i]), sym, seen))
            return true;
    return false;
}

char *policy_check(const struct lab *lab, const struct check *c, const char *bd)
{
    struct func *fs;
    int n = parse_functions(bd, "stub.o", &fs);
    char *problem = NULL;
    for (size_t i = 0; i < c->forbid.len && !problem; i++)
        for (int f = 0; f < n && !problem; f++) {
            struct strv seen = {0};
            if (uses(fs, n, &fs[f], c->forbid.v[i], &seen)) {
                char *at = where(lab, bd, c->forbid.v[i][0] == '@' ? fs[f].name : c->forbid.v[i]);
                problem = strcmp(c->forbid.v[i], "@atomic") == 0
                              ? xasprintf("%s: %s uses an atomic instruction, which this part of "
                                          "the lab must do without.",
                                          at, fs[f].name)
                              : xasprintf("%s: %s calls `%s`, which this lab does not allow.", at,
                                          fs[f].name, c->forbid.v[i]);
                free(at);
            }
            strv_free(&seen);
        }
    for (size_t i = 0; i < c->calls.len && !problem; i++) {
        char *pair = xstrdup(c->calls.v[i]);
        char *colon = strchr(pair, ':');
        if (colon) {
            *colon = '\0';
            struct strv seen = {0};
            if (!uses(fs, n, find_func(fs, n, pair), colon + 1, &seen)) {
                char *at = where(lab, bd, pair);
                problem =
                    strcmp(colon + 1, "@atomic") == 0
                        ? xasprintf("%s: %s must use C11 atomics (atomic_fetch_add and "
                                    "friends), and it does not.",
                                    at, pair)
                    : strcmp(colon + 1, "@tls") == 0
                        ? xasprintf("%s: %s must use a _Thread_local object, and it does not.", at,
                                    pair)
                        : xasprintf("%s: %s must call `%s`, and it does not.", at, pair, colon + 1);
                free(at);
            }
            strv_free(&seen);
        }
        free(pair);
    }
    for (int f = 0; f < n; f++)
        strv_free(&fs[f].calls);
    free(fs);
    return problem;
}

/* ---- The release build: what assert() hides. ---------------------------------------------- */

/* Calls that do work: a release build (-DNDEBUG) that drops them behaves differently. Queries
 * (pthread_self, pthread_equal, the try-calls an assert uses to check a lock is held,
 * sem_getvalue) may sit in an assert: dropping them changes nothing. */
static bool does_work(const char *sym)
{
    static const char *const queries[] = {"pthread_self",
                                          "pthread_equal",
                                          "pthread_mutex_trylock",
                                          "pthread_rwlock_tryrdlock",
                                          "pthread_rwlock_trywrlock",
                                          "pthread_spin_trylock",
                                          "pthread_getspecific",
                                          "sem_getvalue",
                                          "sem_trywait",
                                          NULL};
    static const char *const work[] = {"malloc", "calloc", "realloc", "free", "@atomic", NULL};
    if (in_list(sym, queries))
        return false;
    return starts_with(sym, "pthread_") || starts_with(sym, "sem_") || in_list(sym, work);
}

static void free_functions(struct func *fs, int n)
{
    for (int f = 0; f < n; f++)
        strv_free(&fs[f].calls);
    free(fs);
}

/* "queue.c:57" for the first line of the stub with both assert and sym, else where(fn). */
static char *assert_line(const struct lab *lab, const char *bd, const char *sym, const char *fn)
{
    char *path = xasprintf("%s/%s", bd, lab->stub);
    char *text = read_file(path, NULL);
    free(path);
    char *found = NULL;
    int lineno = 0;
    /* strtok_r skips empty lines: count the newlines instead */
    for (char *line = text, *next; line && *line && !found; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (strstr(line, "assert") && strstr(line, sym))
            found = xasprintf("%s/%s:%d", lab->dirname, lab->stub, lineno);
    }
    free(text);
    return found ? found : where(lab, bd, fn);
}

char *policy_release_build(const struct lab *lab, const char *bd)
{
    struct func *dbg, *rel;
    int ndbg = parse_functions(bd, "stub.o", &dbg);
    int nrel = parse_functions(bd, "stub_ndebug.o", &rel);
    char *problem = NULL;
    /* Transitively, so that a helper inlined in one build and not the other changes nothing. */
    for (int f = 0; f < ndbg && !problem; f++) {
        struct func *in_rel = find_func(rel, nrel, dbg[f].name);
        struct strv syms = {0};
        for (size_t i = 0; i < dbg[f].calls.len; i++)
            strv_add(&syms, dbg[f].calls.v[i]);
        if (dbg[f].atomic)
            strv_add(&syms, "@atomic");
        for (size_t i = 0; in_rel && i < syms.len && !problem; i++) {
            const char *sym = syms.v[i];
            if (!does_work(sym))
                continue;
            struct strv seen = {0};
            bool kept = uses(rel, nrel, in_rel, sym, &seen);
            strv_free(&seen);
            if (kept)
                continue;
            bool atomic = strcmp(sym, "@atomic") == 0;
            char *at = assert_line(lab, bd, atomic ? "atomic_" : sym, dbg[f].name);
            problem = xasprintf(
                "%s: built with -DNDEBUG, as a release build is (every assert() compiled out), "
                "%s no longer %s%s%s: that work is inside an assert(), and a release build "
                "drops it. The ThreadSanitizer checks build your file that way. Make the call on "
                "its own line and assert on its result: `int err = %s(...); assert(err == 0);`.",
                at, dbg[f].name, atomic ? "does its atomic operation" : "calls `",
                atomic ? "" : sym, atomic ? "" : "`", atomic ? "atomic_..." : sym);
            free(at);
        }
        strv_free(&syms);
    }
    free_functions(dbg, ndbg);
    free_functions(rel, nrel);
    return problem;
}
