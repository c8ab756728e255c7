/* plots.c - a lab's two charts, drawn by gnuplot as SVG (see report.h).
 *
 * For lab number i, OUT/plots/labNN-scores.dat and labNN-checks.dat hold the figures the page's
 * tables show, labNN.gp the script, and gnuplot writes labNN-scores.svg and labNN-checks.svg
 * there. File names are numbered, never the lab's id, and the labels gnuplot prints are cut
 * down to [A-Za-z0-9_:.-]: no byte of a result reaches gnuplot's parser as code. Text mode is
 * noenhanced, so that test_x is not typeset as a subscript. The tables stay the reference; a
 * plot that could not be drawn is noted, and the page goes on without it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

#define GNUPLOT_SECONDS 30

static void label(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++)
        fputc(strchr("_:.-", *s) || (*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') ||
                      (*s >= 'A' && *s <= 'Z')
                  ? *s
                  : '_',
              f);
    fputc('"', f);
}

static int write_data(const char *dir, int i, const struct lab_stat *l, int *hist_max)
{
    char *scores = xasprintf("%s/lab%02d-scores.dat", dir, i);
    char *checks = xasprintf("%s/lab%02d-checks.dat", dir, i);
    FILE *s = fopen(scores, "w"), *c = fopen(checks, "w");
    free(scores), free(checks);
    if (!s || !c) {
        if (s)
            fclose(s);
        if (c)
            fclose(c);
        return -1;
    }
    *hist_max = 0;
    fprintf(s, "# bin (%% of the lab's points) students\n");
    for (int b = 0; b < HIST_BINS; b++) {
        int lo = b * 100 / HIST_BINS, hi = (b + 1) * 100 / HIST_BINS - 1;
        fprintf(s, "\"%d-%d\" %d\n", lo, b == HIST_BINS - 1 ? 100 : hi, l->hist[b]);
        *hist_max = l->hist[b] > *hist_max ? l->hist[b] : *hist_max;
    }
    fprintf(c, "# check failed%% failed judged\n");
    for (int k = 0; k < l->nchecks; k++) {
        const struct check_stat *st = &l->checks[k];
        label(c, st->id);
        fprintf(c, " %.1f %d %d\n", st->judged ? 100.0 * st->failed / st->judged : 0.0, st->failed,
                st->judged);
    }
    int bad = ferror(s) | ferror(c);
    bad |= fclose(s) | fclose(c);
    return bad ? -1 : 0;
}

static int write_script(const char *dir, int i, const struct lab_stat *l, int hist_max)
{
    char *path = xasprintf("%s/lab%02d.gp", dir, i);
    FILE *f = fopen(path, "w");
    free(path);
    if (!f)
        return -1;
    fprintf(f, "set terminal svg size 720,380 noenhanced font 'sans,11' background '#ffffff'\n"
               "set style fill solid 0.85 border rgb '#333333'\n"
               "set boxwidth 0.8\nset grid ytics\nset key off\n"
               "set xtics nomirror\nset ytics nomirror\n");
    fprintf(f, "set output 'lab%02d-scores.svg'\nset title ", i);
    label(f, l->id);
    fprintf(f,
            ".': scores of %d students'\n"
            "set xlabel 'score, percent of the lab'\nset ylabel 'students'\n"
            "set yrange [0:%d]\nset ytics 1\n",
            l->scored, hist_max + 1);
    if (hist_max > 10)
        fprintf(f, "set ytics autofreq\n");
    fprintf(f, "plot 'lab%02d-scores.dat' using 0:2:xtic(1) with boxes lc rgb '#4a7bb7'\n", i);
    if (!l->nchecks) /* nothing to draw: gnuplot would fail on an empty file */
        return fclose(f) ? -1 : 0;
    fprintf(f, "set output 'lab%02d-checks.svg'\nset title ", i);
    label(f, l->id);
    fprintf(f,
            ".': failure rate per check, of %d submissions built and started'\n"
            "set xlabel ''\nset ylabel 'failed, percent'\nset yrange [0:100]\n"
            "set ytics autofreq\nset xtics rotate by 40 right\nset bmargin 10\nset lmargin 16\n",
            l->graded);
    fprintf(f, "plot 'lab%02d-checks.dat' using 0:2:xtic(1) with boxes lc rgb '#cf5c36'\n", i);
    return fclose(f) ? -1 : 0;
}

void plots(struct lab_stat *l, int i, const char *out, struct strv *notes)
{
    char *gnuplot = find_program("gnuplot");
    char *abs = gnuplot ? real_path(gnuplot) : NULL;
    free(gnuplot);
    if (!abs) {
        strv_addf(notes,
                  "lab %s: gnuplot is not installed, so no plots (the tables say the same). "
                  "Install the instructor's tools with grader/setup.sh --instructor.",
                  l->id);
        return;
    }
    char *dir = xasprintf("%s/plots", out);
    char *script = xasprintf("lab%02d.gp", i), *err = xasprintf("%s/lab%02d.err", dir, i);
    int hist_max;
    mkdir_p(dir);
    if (write_data(dir, i, l, &hist_max) != 0 || write_script(dir, i, l, hist_max) != 0) {
        strv_addf(notes, "lab %s: cannot write its plot data in %s.", l->id, dir);
    } else {
        char *argv[] = {abs, script, NULL};
        int rc = run_limited(argv, dir, NULL, err, GNUPLOT_SECONDS);
        char *hist = xasprintf("%s/lab%02d-scores.svg", dir, i);
        char *rate = xasprintf("%s/lab%02d-checks.svg", dir, i);
        if (rc == 0 && is_file(hist) && (is_file(rate) || !l->nchecks)) {
            l->hist_svg = xasprintf("plots/lab%02d-scores.svg", i);
            l->rate_svg = l->nchecks ? xasprintf("plots/lab%02d-checks.svg", i) : NULL;
            unlink(err);
        } else {
            strv_addf(notes, "lab %s: gnuplot %s: no plots (its messages are in %s).", l->id,
                      rc == -2 ? "ran out of time" : "failed", err);
        }
        free(hist), free(rate);
    }
    free(abs), free(dir), free(script), free(err);
}
