/* similarity.c - which students' files of a lab are alike, by sim_c (similarity-tester).
 *
 * sim_c compares C token by token, blind to layout, comments and names. Its -p mode says, for
 * each file, what percent of it is found in another; a pair is listed when either way reaches
 * the threshold. A list for the instructor to read the two files side by side, never a verdict:
 * a small lab leaves few ways to write it, and the page says so.
 *
 * Each student's file is linked into a scratch directory as sNNNNN.c, so that sim_c's output
 * names a student by number whatever bytes their name or path holds. A lab not started (the
 * kit's stub, the same for everyone) is left out; a submission whose directory is gone was
 * noted once for the whole page (main.c) and is left out here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

#define SIM_SECONDS 120 /* sim_c -e on 200 files of a lab takes a few seconds */

/* slot[lo * nfiles + hi]: the pair of files lo < hi, as its index in l->pairs plus one: sim_c
 * says each pair twice (A in B, B in A), and a class of 200 has 19900 pairs. */
static void add_pair(struct lab_stat *l, int *slot, int nfiles, const int *who, int a, int b,
                     int pct)
{
    bool swap = a > b;
    int lo = swap ? b : a, hi = swap ? a : b;
    int *at = &slot[(size_t)lo * (size_t)nfiles + (size_t)hi];
    if (!*at) {
        if ((l->npairs & (l->npairs - 1)) == 0) /* 0, 1, 2, 4...: double the room */
            l->pairs =
                xrealloc(l->pairs, (size_t)(l->npairs ? 2 * l->npairs : 1) * sizeof *l->pairs);
        l->pairs[l->npairs] =
            (struct sim_pair){.a = who[lo], .b = who[hi], .a_of_b = -1, .b_of_a = -1};
        *at = ++l->npairs;
    }
    struct sim_pair *p = &l->pairs[*at - 1];
    if (swap)
        p->b_of_a = pct;
    else
        p->a_of_b = pct;
}

static int most(const struct sim_pair *p)
{
    return p->a_of_b > p->b_of_a ? p->a_of_b : p->b_of_a;
}

static int by_similarity(const void *x, const void *y)
{
    const struct sim_pair *a = x, *b = y;
    if (most(a) != most(b))
        return most(b) - most(a);
    return a->a != b->a ? a->a - b->a : a->b - b->b;
}

/* sim_c's "sA.c consists for P % of sB.c material" lines. */
static void read_pairs(struct lab_stat *l, const char *path, const int *who, int nfiles)
{
    FILE *f = fopen(path, "r");
    int *slot = xcalloc((size_t)nfiles * (size_t)nfiles, sizeof *slot);
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        int a, b, pct;
        if (sscanf(line, "s%d.c consists for %d %% of s%d.c material", &a, &pct, &b) == 3 &&
            a >= 0 && a < nfiles && b >= 0 && b < nfiles && a != b)
            add_pair(l, slot, nfiles, who, a, b, pct);
    }
    free(slot);
    if (f)
        fclose(f);
    if (l->npairs)
        qsort(l->pairs, (size_t)l->npairs, sizeof *l->pairs, by_similarity);
}

void similarity(const struct klass *k, struct lab_stat *l, int threshold, const char *scratch)
{
    if (!l->kit) {
        l->sim_note =
            xstrdup("this kit has no lab of this id, so its file is unknown: not compared.");
        return;
    }
    char *found = find_program("sim_c"), *sim = found ? real_path(found) : NULL;
    free(found);
    if (!sim) {
        l->sim_note = xstrdup("sim_c is not installed: not compared. Install the instructor's "
                              "tools with grader/setup.sh --instructor.");
        return;
    }
    rm_rf(scratch);
    mkdir_p(scratch);
    int *who = xcalloc((size_t)k->n + 1, sizeof *who);
    int nfiles = 0, nofile = 0;
    struct strv argv = {0};
    strv_add(&argv, sim);
    strv_add(&argv, "-p"); /* percentages; implies -s, no file against itself */
    strv_add(&argv, "-e"); /* each pair on its own, whatever the other files hold */
    strv_add(&argv, "-a"); /* both ways: A in B and B in A */
    strv_add(&argv, "-T"); /* no "Total input" line */
    strv_addf(&argv, "-t%d", threshold);
    for (int s = 0; s < k->n; s++) {
        const struct rlab *r = student_lab(&k->students[s], l->id);
        if (!r || r->not_started || !is_dir(k->students[s].submission))
            continue;
        char *file =
            xasprintf("%s/%s/%s", k->students[s].submission, l->kit->dirname, l->kit->stub);
        char *real = real_path(file);
        char *name = xasprintf("s%05d.c", nfiles);
        char *link = xasprintf("%s/%s", scratch, name);
        if (real && is_file(real) && symlink(real, link) == 0) {
            strv_add(&argv, name);
            who[nfiles++] = s;
        } else {
            nofile++;
        }
        free(file), free(real), free(name), free(link);
    }
    l->sim_files = nfiles;
    if (nofile)
        l->sim_note = xasprintf("%d submission%s had no %s/%s: left out.", nofile,
                                nofile == 1 ? "" : "s", l->kit->dirname, l->kit->stub);
    if (nfiles >= 2) {
        char *out = xasprintf("%s/sim.txt", scratch);
        int rc = run_limited(strv_argv(&argv), scratch, out, NULL, SIM_SECONDS);
        if (rc == 0) {
            read_pairs(l, out, who, nfiles);
            l->sim_done = true;
        } else {
            free(l->sim_note);
            l->sim_note =
                rc == -2 ? xasprintf("sim_c took more than %d s: stopped, no pairs.", SIM_SECONDS)
                         : xasprintf("sim_c failed (status %d): no pairs.", rc);
        }
        free(out);
    } else if (!l->sim_note) {
        l->sim_note = xstrdup("fewer than two started submissions: nothing to compare.");
    }
    rm_rf(scratch);
    strv_free(&argv);
    free(who), free(sim);
}
