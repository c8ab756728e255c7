/* build.c - compile the stub (the student's errors) and link the kit's binaries around it. */
#include <stdlib.h>
#include <string.h>

#include "stage.h"

#define CFLAGS "-std=c11 -D_POSIX_C_SOURCE=200809L -g -pthread -Iinclude"
#define WRAP                                                                                       \
    "-Wl,--wrap=pthread_mutex_lock,--wrap=pthread_mutex_unlock,--wrap=pthread_cond_wait,"          \
    "--wrap=pthread_cond_timedwait,--wrap=pthread_cond_signal,--wrap=pthread_join,"                \
    "--wrap=sem_wait"
#define BUILD_SECONDS 120
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

static char *compile_stub(const struct lab *lab, const char *bd, char **warnings)
{
    struct strv argv = {0};
    struct sb_result res;
    strv_add(&argv, "gcc");
    char *flags = xstrdup(CFLAGS " -O2 -Wall -Wextra -c");
    char *save = NULL;
    for (char *f = strtok_r(flags, " ", &save); f; f = strtok_r(NULL, " ", &save))
        strv_add(&argv, f);
    free(flags);
    strv_add(&argv, lab->stub);
    strv_add(&argv, "-o");
    strv_add(&argv, "stub.o");
    bool ok = run_tool(&argv, bd, BUILD_SECONDS, &res);
    char *problem = NULL;
    char *shown = first_lines(res.out ? res.out : "", SHOWN_LINES);
    if (!ok)
        problem = xasprintf("%s/%s does not compile. The compiler's first errors (file:line:column):\n%s",
                            lab->dirname, lab->stub, *shown ? shown : "    (no output)\n");
    *warnings = ok && res.out_len ? xstrdup(shown) : xstrdup("");
    free(shown);
    sb_result_free(&res);
    strv_free(&argv);
    return problem;
}

/* The kit's part, as one Makefile so that make links the three binaries in parallel. */
static char *makefile(const struct lab *lab)
{
    return xasprintf(
        "CFLAGS = " CFLAGS " -Wall -Wextra -Werror -Itests -Isupport\n"
        "WRAP = " WRAP "\n"
        "SUPPORT = support/tl_env.c support/tl_wrap.c support/tl_report.c\n"
        "SCENARIOS = $(filter-out tests/test_%%,$(wildcard tests/*.c))\n"
        "all: tests driver driver_tsan\n"
        "tests: stub.o $(wildcard tests/*.c) $(SUPPORT) support/tl_criterion.c\n"
        "\t$(CC) $(CFLAGS) -O2 $^ -lcriterion $(WRAP) -o $@\n"
        "driver: stub.o $(SCENARIOS) $(SUPPORT) support/tl_driver.c\n"
        "\t$(CC) $(CFLAGS) -O2 $^ $(WRAP) -o $@\n"
        "stub_tsan.o: %s\n"
        "\t$(CC) " CFLAGS " -O1 -fsanitize=thread -c $< -o $@\n"
        "driver_tsan: stub_tsan.o $(SCENARIOS) $(SUPPORT) support/tl_driver.c\n"
        "\t$(CC) $(CFLAGS) -O1 -fsanitize=thread $^ $(WRAP) -o $@\n",
        lab->stub);
}

static char *link_binaries(const struct lab *lab, const char *bd)
{
    char *mk = makefile(lab);
    char *path = xasprintf("%s/Makefile", bd);
    write_file(path, mk);
    free(mk);
    free(path);
    struct strv argv = {0};
    strv_add(&argv, "make");
    strv_add(&argv, "-s");
    strv_add(&argv, "-j2");
    struct sb_result res;
    char *problem = NULL;
    if (!run_tool(&argv, bd, BUILD_SECONDS, &res)) {
        char *shown = first_lines(res.out ? res.out : "", SHOWN_LINES);
        const char *hint = strstr(shown, "undefined reference")
                               ? "Every function declared in the lab's header must stay defined "
                                 "in your file, with the same name.\n"
                               : "";
        problem = xasprintf("the lab's tests do not build with %s/%s:\n%s%s", lab->dirname,
                            lab->stub, shown, hint);
        free(shown);
    }
    sb_result_free(&res);
    strv_free(&argv);
    return problem;
}

char *build_lab(const struct lab *lab, const char *bd, char **warnings)
{
    char *problem = compile_stub(lab, bd, warnings);
    if (!problem)
        problem = policy_gate(lab, bd);
    if (!problem)
        problem = link_binaries(lab, bd);
    return problem;
}
