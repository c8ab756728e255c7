/* main.c - threadlab's grader: grade a submission's labs and print a table or JSON.
 *
 * Exit status: 0 whenever it graded, whatever the score; 2 for bad arguments or input; 3 when a
 * tool the grader needs is missing or the grader itself failed.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hidden.h"
#include "host.h"
#include "output.h"
#include "owner.h"
#include "sandbox.h"
#include "stage.h"
#include "stored.h"
#include "stubsum.h"
#include "text.h"
#include "workers.h"

static _Noreturn void die(int status, const char *fmt, const char *arg)
{
    fprintf(stderr, "grader: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(status);
}

/* dir (what it is, for an error), made if need be, as an absolute path that root's sandbox uid
 * can reach. Root runs every command as an unprivileged uid, which must reach the build
 * directory and the kit's objects: a kit cloned in /root is out of its reach, and they then go
 * to a directory of root's under /tmp (reachable_as_root), named after the requested one so that
 * its cache lasts from one run to the next, and graders given the same --kit-objects still
 * share one. */
static char *usable_dir(char *dir, const char *what)
{
    int err = mkdir_p(dir);
    if (err != 0)
        die(3, "%s", xasprintf("cannot create %s '%s': %s", what, dir, strerror(err)));
    char *abs = real_path(dir);
    char *moved = reachable_as_root(abs, "threadlab-build");
    if (!moved)
        die(3, "%s",
            xasprintf("cannot create %s under %s", what,
                      getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp"));
    free(dir), free(abs);
    return moved;
}

static void on_interrupt(int sig)
{
    (void)sig;
    sb_interrupt();
}

static void catch_interrupts(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt; /* no SA_RESTART: wait() must return to pass it on */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static void usage(FILE *out)
{
    fputs("usage: grader [options]\n"
          "  -s, --submission DIR  directory laid out like labs/ (default: the kit's labs/)\n"
          "  -l, --lab ID[,ID...]  grade only these labs (race, 03-locks, ...)\n"
          "  -c, --check ID[,...]  run only these checks (kind:name, e.g. test:fifo_order)\n"
          "  -q, --quick           tests, ThreadSanitizer and policy only (make check)\n"
          "  -f, --format FORMAT   how to print the grade on stdout (below)\n"
          "      --seed N          replay the schedule noise of an earlier run\n"
          "  -k, --kit DIR         the kit (default: found from the grader's own path)\n"
          "  -b, --build-dir DIR   where build directories go (default: KIT/build/grade)\n"
          "      --color WHEN      auto (default), always or never\n"
          "      --table ID        print a lab's grading table (Markdown) and exit\n"
          "  -j, --jobs N          grade N labs at a time, or one lab's checks (default 2)\n"
          "      --list            list the labs and exit\n"
          "      --stub-sum ID     print the stub_sum of a lab's stub (make tables) and exit\n"
          "      --grade-stubs     run the checks of a lab whose file is the kit's stub too\n"
          "      --kit-objects DIR where the kit's compiled tests go (shared by graders that\n"
          "                        run one after another; default: the build directory)\n"
          "      --release         show the feedback of hidden checks too (make grade RELEASE=1)\n"
          "      --from FILE       print a grade that --format=json wrote, in --format, for\n"
          "                        the --lab and --check given, instead of grading\n"
          "      --fail-below-full exit 1 unless every check run (or read) passed\n"
          "  -h, --help            this help\n",
          out);
    fputs("formats:\n", out);
    for (const struct output_format *f = output_formats; f->name; f++)
        fprintf(out, "  %-20s  %s\n", f->name, f->what);
}

static char *default_kit(void)
{
    char *exe = real_path("/proc/self/exe");
    if (!exe)
        return xstrdup(".");
    /* KIT/build/grader */
    char *kit = xstrdup(dirname(dirname(exe)));
    free(exe);
    return kit;
}

static uint64_t fresh_seed(void)
{
    FILE *f = fopen("/dev/urandom", "rb");
    unsigned int v = (unsigned int)time(NULL);
    if (f) {
        if (fread(&v, sizeof v, 1, f) != 1)
            v = (unsigned int)time(NULL);
        fclose(f);
    }
    return v % 1000000;
}

static void need_tools(bool quick)
{
    static const char *const tools[][2] = {
        {"gcc", "gcc"},          {"make", "make"},          {"nm", "binutils"},
        {"objdump", "binutils"}, {"addr2line", "binutils"}, {"valgrind", "valgrind"}};
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++) {
        if (quick && strcmp(tools[i][0], "valgrind") == 0)
            continue;
        char *p = find_program(tools[i][0]);
        if (!p) {
            fprintf(stderr,
                    "grader: '%s' is not installed. Install it with:\n"
                    "    sudo apt-get install %s\n"
                    "or run 'make grade', which installs everything the kit needs.\n",
                    tools[i][0], tools[i][1]);
            exit(3);
        }
        free(p);
    }
}

/* Labs named by id ("queue") or directory ("05-queue"). */
static int pick_labs(struct lab **all, int n, const char *wanted, struct lab ***out)
{
    *out = xcalloc((size_t)n + 1, sizeof **out);
    if (!wanted) {
        memcpy(*out, all, (size_t)n * sizeof *all);
        return n;
    }
    int count = 0;
    char *copy = xstrdup(wanted), *save = NULL;
    for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        int found = -1;
        for (int i = 0; i < n; i++)
            if (strcmp(all[i]->id, w) == 0 || strcmp(all[i]->dirname, w) == 0)
                found = i;
        if (found < 0) {
            struct sbuf names = {0};
            for (int i = 0; i < n; i++)
                sbuf_addf(&names, "%s%s", i ? ", " : "", all[i]->id);
            fprintf(stderr, "grader: there is no lab named '%s'. The labs are: %s.\n", w,
                    names.s ? names.s : "(none)");
            exit(2);
        }
        if (count <= n)
            (*out)[count++] = all[found];
    }
    free(copy);
    return count;
}

struct lab_tasks {
    const struct grader *g;
    struct lab **labs;
    struct lab_result *results;
};

static bool lab_wanted(void *ctx, int i)
{
    (void)ctx, (void)i;
    return true;
}

static json_t *lab_run(void *ctx, int i)
{
    struct lab_tasks *t = ctx;
    grade_lab(t->g, t->labs[i], &t->results[i]);
    json_t *json = lab_result_json(&t->results[i]);
    lab_result_free(&t->results[i]);
    return json;
}

static void lab_done(void *ctx, int i, json_t *json)
{
    struct lab_tasks *t = ctx;
    if (!json || lab_result_from_json(json, t->labs[i], &t->results[i]) != 0)
        grade_lab(t->g, t->labs[i], &t->results[i]); /* never expected: do it here instead */
}

/* Labs two at a time: most of a lab's time is spent waiting (Valgrind's start-up, tests that
 * sleep while threads should be blocked). */
static void grade_all(const struct grader *g, struct lab **labs, int n, int jobs,
                      struct lab_result *results)
{
    struct lab_tasks ctx = {g, labs, results};
    struct worker_tasks t = {
        .count = n,
        .jobs = n > 1 ? jobs : 1,
        .dir = g->build_root,
        .ctx = &ctx,
        .wanted = lab_wanted,
        .run = lab_run,
        .done = lab_done,
    };
    workers_run(&t);
}

/* Print a grade in its format. Returns the exit status: 0, or with --fail-below-full 1 unless
 * some check was run and every one that was run passed (a CI step passes on exit 0). */
static int print_grade(const struct grader *g, struct lab_result *results, int nlabs,
                       const char *format, const char *color, bool fail_below_full)
{
    int checks_run = 0;
    bool full = true;
    for (int i = 0; i < nlabs; i++) {
        if (!g->release)
            hidden_withhold(&results[i]); /* before every format alike */
        for (int k = 0; k < results[i].nchecks; k++) {
            checks_run += !results[i].checks[k].skipped;
            full &= results[i].checks[k].skipped || results[i].checks[k].passed;
        }
    }
    /* The submission's path is shown: its name may hold any bytes too. */
    char *shown = text_clean(g->submission, strlen(g->submission), TEXT_MAX);
    struct run_summary s = {g->seed, shown, g->quick, results, nlabs};
    output_find(format)->print(
        stdout, &s,
        strcmp(color, "always") == 0 ||
            (strcmp(color, "auto") == 0 && isatty(STDOUT_FILENO) && !getenv("NO_COLOR")));
    free(shown);
    return fail_below_full && (checks_run == 0 || !full) ? 1 : 0;
}

/* --from: print a stored grade again, some of its labs and checks, without grading. */
static int print_stored(struct grader *g, const char *from, struct lab **labs, int nlabs,
                        const char *format, const char *color, bool fail_below_full)
{
    struct lab_result *results = xcalloc((size_t)nlabs, sizeof *results);
    char *err = NULL;
    if (stored_load(from, g, labs, nlabs, results, &err) != 0) {
        fprintf(stderr, "grader: %s\n", err);
        free(err), free(results);
        return 2;
    }
    for (int i = 0; i < nlabs; i++)
        stored_select(g, &results[i]);
    int status = print_grade(g, results, nlabs, format, color, fail_below_full);
    for (int i = 0; i < nlabs; i++)
        lab_result_free(&results[i]);
    free(results);
    return status;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {{"submission", required_argument, NULL, 's'},
                                            {"lab", required_argument, NULL, 'l'},
                                            {"check", required_argument, NULL, 'c'},
                                            {"quick", no_argument, NULL, 'q'},
                                            {"format", required_argument, NULL, 'f'},
                                            {"seed", required_argument, NULL, 'S'},
                                            {"kit", required_argument, NULL, 'k'},
                                            {"build-dir", required_argument, NULL, 'b'},
                                            {"color", required_argument, NULL, 'C'},
                                            {"table", required_argument, NULL, 'T'},
                                            {"list", no_argument, NULL, 'L'},
                                            {"help", no_argument, NULL, 'h'},
                                            {"jobs", required_argument, NULL, 'j'},
                                            {"grade-stubs", no_argument, NULL, 'G'},
                                            {"kit-objects", required_argument, NULL, 'K'},
                                            {"release", no_argument, NULL, 'R'},
                                            {"from", required_argument, NULL, 'F'},
                                            {"stub-sum", required_argument, NULL, 'U'},
                                            {"fail-below-full", no_argument, NULL, 'X'},
                                            {NULL, 0, NULL, 0}};
    struct grader g = {0};
    const char *labs_wanted = NULL, *format = "text", *color = "auto", *table = NULL;
    const char *submission = NULL, *build_dir = NULL, *from = NULL, *sum_of = NULL;
    bool list = false, seeded = false, fail_below_full = false;
    int opt, jobs = 2, err_no;
    while ((opt = getopt_long(argc, argv, "s:l:c:qf:k:b:j:h", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            submission = optarg;
            break;
        case 'l':
            labs_wanted = *optarg ? optarg : NULL;
            break;
        case 'c': {
            char *copy = xstrdup(optarg), *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                strv_add(&g.only, t);
            free(copy);
            break;
        }
        case 'q':
            g.quick = true;
            break;
        case 'G':
            g.grade_stubs = true;
            break;
        case 'K':
            g.kit_objects = xstrdup(optarg);
            break;
        case 'R':
            g.release = true;
            break;
        case 'F':
            from = optarg;
            break;
        case 'U':
            sum_of = optarg;
            break;
        case 'X':
            fail_below_full = true;
            break;
        case 'f':
            format = optarg;
            break;
        case 'S': {
            char *end;
            g.seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end)
                die(2, "--seed wants a number, not '%s'", optarg);
            seeded = true;
            break;
        }
        case 'k':
            g.kit = real_path(optarg);
            if (!g.kit)
                die(2, "no kit at '%s'", optarg);
            break;
        case 'b':
            build_dir = optarg;
            break;
        case 'C':
            color = optarg;
            break;
        case 'T':
            table = optarg;
            break;
        case 'L':
            list = true;
            break;
        case 'j':
            jobs = atoi(optarg);
            if (jobs < 1)
                die(2, "--jobs wants a number above 0, not '%s'", optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc)
        die(2, "unexpected argument '%s' (see grader --help)", argv[optind]);
    if (!output_find(format)) {
        struct sbuf names = {0};
        for (const struct output_format *f = output_formats; f->name; f++)
            sbuf_addf(&names, "%s%s",
                      f == output_formats ? ""
                      : f[1].name         ? ", "
                                          : " or ",
                      f->name);
        fprintf(stderr, "grader: --format is %s, not '%s'\n", names.s, format);
        sbuf_free(&names);
        return 2;
    }
    if (!g.kit)
        g.kit = default_kit();

    char *err = NULL;
    struct lab **all;
    int n = labs_load_all(g.kit, &all, &err);
    if (n < 0)
        die(3, "%s", err);
    if (n == 0)
        die(3, "no labs found under %s/labs", g.kit);
    struct lab **labs;
    if (table) {
        int k = pick_labs(all, n, table, &labs);
        for (int i = 0; i < k; i++)
            output_table(stdout, labs[i]);
        return 0;
    }
    if (sum_of) { /* the stub_sum line lab.conf must hold (make tables) */
        int k = pick_labs(all, n, sum_of, &labs);
        for (int i = 0; i < k; i++) {
            char *path = xasprintf("%s/%s", labs[i]->dir, labs[i]->stub);
            size_t len = 0;
            char *data = read_file(path, &len);
            if (!data)
                die(3, "cannot read %s", path);
            printf("%s\n", stub_sum(data, len));
            free(data), free(path);
        }
        return 0;
    }
    if (list) {
        for (int i = 0; i < n; i++)
            printf("%-10s %-12s %3d points %3d hidden  %s\n", all[i]->id, all[i]->dirname,
                   all[i]->max_points, all[i]->hidden_points, all[i]->title);
        return 0;
    }
    int nlabs = pick_labs(all, n, labs_wanted, &labs);
    if (from) {
        int status = print_stored(&g, from, labs, nlabs, format, color, fail_below_full);
        for (int i = 0; i < n; i++)
            lab_free(all[i]);
        free(all), free(labs);
        return status;
    }

    char *sub = submission ? xstrdup(submission) : xasprintf("%s/labs", g.kit);
    g.submission = real_path(sub);
    if (!g.submission || !is_dir(g.submission))
        die(2, "the submission directory '%s' does not exist (it should be laid out like labs/)",
            sub);
    free(sub);
    g.build_root = build_dir ? xstrdup(build_dir) : xasprintf("%s/build/grade", g.kit);
    owner_init(g.kit, g.build_root);
    char *unusable = owner_check();
    if (unusable)
        die(3, "%s", unusable);
    g.build_root = usable_dir(g.build_root, "the build directory");
    if (g.kit_objects)
        g.kit_objects = usable_dir(g.kit_objects, "the kit's objects directory");
    if (!seeded)
        g.seed = fresh_seed();
    need_tools(g.quick);
    catch_interrupts();
    err_no = sb_init();
    if (err_no != 0)
        die(3, "cannot set up the sandbox: %s", strerror(err_no));

    struct lab_result *results = xcalloc((size_t)nlabs, sizeof *results);
    if (strcmp(format, "text") == 0 && isatty(STDERR_FILENO))
        fprintf(stderr, "grading %d lab%s...\n", nlabs, nlabs == 1 ? "" : "s");
    /* one lab: run its checks that many at a time instead (the same load as two labs at once,
     * which every timed test already shares its machine with) */
    g.check_jobs = nlabs == 1 ? jobs : 1;
    g.cpus = host_usable_cpus();
    grade_all(&g, labs, nlabs, jobs, results);
    if ((err_no = owner_give_back()) != 0)
        fprintf(stderr, "grader: could not give %s back to its owner: %s\n", g.build_root,
                strerror(err_no));
    if (sb_interrupted()) {
        fprintf(stderr, "grader: interrupted; every process it had started was stopped.\n");
        return 130;
    }
    int status = print_grade(&g, results, nlabs, format, color, fail_below_full);
    for (int i = 0; i < nlabs; i++)
        lab_result_free(&results[i]);
    free(results);
    for (int i = 0; i < n; i++)
        lab_free(all[i]);
    free(all), free(labs);
    return status;
}
