/* html.c - OUT/class.html: the class at a glance, one page (see report.h).
 *
 * Like the student's page (output_html.c) it is an HTML5 polyglot, well-formed XML, with no
 * script and nothing outside it: the plots are inside it as data: URIs (their SVG files stay
 * beside it in OUT/plots), so the page can be mailed or put on a course site as it is. Every
 * student name, message and id goes through markup.h, whatever bytes it holds. The figures are
 * marked for programs (class="bin" data-count, class="rate" data-failed data-judged,
 * class="finding" data-count, class="student"), as test_report.c reads them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "markup.h"
#include "report.h"

static const char style[] =
    "body{font-family:system-ui,sans-serif;max-width:70em;margin:1em auto;padding:0 1em;"
    "color:#222}\n"
    "table{border-collapse:collapse;margin:.5em 0}\n"
    "th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}\n"
    "td.n{text-align:right;white-space:nowrap}\n"
    "img{max-width:100%;display:block;margin:.5em 0}\n"
    ".note{color:#666}\n"
    ".caution{background:#fff8c5;border:1px solid #d4a72c;padding:.5em}\n"
    "section.lab{border-top:2px solid #ccc;margin-top:2em}\n";

static void img(FILE *out, const char *dir, const char *file, const char *alt)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (!file)
        return;
    char *path = xasprintf("%s/%s", dir, file);
    size_t len;
    unsigned char *data = (unsigned char *)read_file(path, &len);
    free(path);
    if (!data)
        return;
    fputs("<img alt=\"", out);
    markup_attr(out, alt);
    fputs("\" src=\"data:image/svg+xml;base64,", out);
    for (size_t i = 0; i < len; i += 3) {
        unsigned v =
            data[i] << 16 | (i + 1 < len ? data[i + 1] << 8 : 0) | (i + 2 < len ? data[i + 2] : 0);
        fputc(b64[v >> 18 & 63], out);
        fputc(b64[v >> 12 & 63], out);
        fputc(i + 1 < len ? b64[v >> 6 & 63] : '=', out);
        fputc(i + 2 < len ? b64[v & 63] : '=', out);
    }
    fputs("\"/>\n", out);
    free(data);
}

static void student(FILE *out, const struct klass *k, int who)
{
    fputs("<span class=\"student\">", out);
    markup_text(out, k->students[who].name);
    fputs("</span>", out);
}

static void histogram(FILE *out, const char *dir, const struct lab_stat *l)
{
    fprintf(out, "<h3>Scores</h3>\n<p>%d student%s with this lab.</p>\n", l->scored,
            l->scored == 1 ? "" : "s");
    img(out, dir, l->hist_svg, "score histogram (the table below)");
    fputs("<table class=\"histogram\">\n<thead><tr><th>Score, percent of the lab</th>"
          "<th>Students</th></tr></thead>\n<tbody>\n",
          out);
    for (int b = 0; b < HIST_BINS; b++) {
        int lo = b * 100 / HIST_BINS, hi = b == HIST_BINS - 1 ? 100 : (b + 1) * 100 / HIST_BINS - 1;
        fprintf(out,
                "<tr class=\"bin\" data-bin=\"%d\" data-count=\"%d\"><td>%d\xe2\x80\x93%d</td>"
                "<td class=\"n\">%d</td></tr>\n",
                b, l->hist[b], lo, hi, l->hist[b]);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void rates(FILE *out, const char *dir, const struct lab_stat *l)
{
    fprintf(
        out,
        "<h3>Failure rate per check</h3>\n<p>Of the %d submission%s that built and were "
        "started; a check skipped or not gradable on the grading host counts neither way.</p>\n",
        l->graded, l->graded == 1 ? "" : "s");
    img(out, dir, l->rate_svg, "failure rate per check (the table below)");
    fputs("<table class=\"rates\">\n<thead><tr><th>Check</th><th>Failed</th><th>Judged</th>"
          "<th>Failure rate</th></tr></thead>\n<tbody>\n",
          out);
    for (int i = 0; i < l->nchecks; i++) {
        const struct check_stat *c = &l->checks[i];
        fputs("<tr class=\"rate\" data-check=\"", out);
        markup_attr(out, c->id);
        fprintf(out, "\" data-failed=\"%d\" data-judged=\"%d\"><td><code>", c->failed, c->judged);
        markup_text(out, c->id);
        fprintf(out, "</code></td><td class=\"n\">%d</td><td class=\"n\">%d</td>", c->failed,
                c->judged);
        if (c->judged)
            fprintf(out, "<td class=\"n\">%.0f%%</td></tr>\n", 100.0 * c->failed / c->judged);
        else
            fputs("<td class=\"n\">none judged</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void findings(FILE *out, const struct klass *k, const struct lab_stat *l, int top)
{
    fputs("<h3>Most common findings</h3>\n", out);
    if (!l->nfindings) {
        fputs("<p>No check failed.</p>\n", out);
        return;
    }
    fputs("<p>Failed checks grouped by verdict and the first line of their message, with thread "
          "numbers, counts and addresses made alike (a file's line numbers are kept: two races "
          "on different lines are two findings). Counted in students. A check that failed only "
          "because another did (&quot;not yet&quot;, &quot;not run&quot;) is counted in its "
          "failure rate, "
          "not here.</p>\n"
          "<table class=\"findings\">\n<thead><tr><th>Students</th><th>Verdict</th>"
          "<th>Finding</th><th>Who</th></tr></thead>\n<tbody>\n",
          out);
    for (int i = 0; i < l->nfindings && i < top; i++) {
        const struct finding *f = &l->findings[i];
        fprintf(out, "<tr class=\"finding\" data-count=\"%d\"><td class=\"n\">%d</td><td>",
                f->count, f->count);
        markup_text(out, f->verdict);
        fputs("</td><td>", out);
        markup_text(out, f->text);
        fputs("</td><td>", out);
        for (int w = 0; w < f->count; w++) {
            if (w)
                fputs(", ", out);
            student(out, k, f->who[w]);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    if (l->nfindings > top)
        fprintf(out, "<p class=\"note\">%d more finding%s not shown (--top=%d).</p>\n",
                l->nfindings - top, l->nfindings - top == 1 ? "" : "s", top);
}

static void incidents(FILE *out, const struct klass *k, const struct lab_stat *l)
{
    fputs("<h3>Timed out, not built, not started</h3>\n", out);
    if (!l->nincidents) {
        fputs("<p>None.</p>\n", out);
        return;
    }
    fputs("<table class=\"incidents\">\n<thead><tr><th>Student</th><th>What</th><th>Check</th>"
          "<th>Detail</th></tr></thead>\n<tbody>\n",
          out);
    for (int i = 0; i < l->nincidents; i++) {
        const struct incident *n = &l->incidents[i];
        fputs("<tr class=\"incident\" data-what=\"", out);
        markup_attr(out, n->what);
        fputs("\"><td>", out);
        student(out, k, n->who);
        fputs("</td><td>", out);
        markup_text(out, n->what);
        fputs("</td><td><code>", out);
        markup_text(out, n->check);
        fputs("</code></td><td>", out);
        markup_text(out, n->detail);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static void percent(FILE *out, int p, int threshold)
{
    if (p < 0)
        fprintf(out, "<td class=\"n\">under %d%%</td>", threshold);
    else
        fprintf(out, "<td class=\"n\">%d%%</td>", p);
}

static void similar(FILE *out, const struct klass *k, const struct lab_stat *l, int threshold)
{
    fputs("<h3>Similar submissions</h3>\n", out);
    fprintf(out,
            "<p class=\"caution\">For the instructor to review, never a verdict. sim_c compares "
            "the files token by token, blind to layout, comments and names; a short lab leaves "
            "few ways to write it, and students may share what the course allows. Read both "
            "files before drawing any conclusion. Listed: pairs of which either file is at least "
            "%d%% found in the other.</p>\n",
            threshold);
    if (l->sim_note) {
        fputs("<p class=\"note\">", out);
        markup_text(out, l->sim_note);
        fputs("</p>\n", out);
    }
    if (!l->sim_done)
        return;
    if (!l->npairs) {
        fprintf(out, "<p>No pair among the %d files compared.</p>\n", l->sim_files);
        return;
    }
    fprintf(out,
            "<p>%d files compared; %d pairs at or above the threshold.</p>\n<table "
            "class=\"similar\">\n<thead><tr><th>Student A</th>"
            "<th>Student B</th><th>A found in B</th><th>B found in A</th></tr></thead>\n<tbody>\n",
            l->sim_files, l->npairs);
    for (int i = 0; i < l->npairs && i < PAIRS_SHOWN; i++) {
        const struct sim_pair *p = &l->pairs[i];
        fputs("<tr class=\"pair\"><td>", out);
        student(out, k, p->a);
        fputs("</td><td>", out);
        student(out, k, p->b);
        fputs("</td>", out);
        percent(out, p->a_of_b, threshold);
        percent(out, p->b_of_a, threshold);
        fputs("</tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
    if (l->npairs > PAIRS_SHOWN)
        fprintf(out,
                "<p class=\"note\">%d more pairs not shown: so many alike files say more about "
                "the lab than about students (a higher --threshold lists fewer).</p>\n",
                l->npairs - PAIRS_SHOWN);
}

int html_write(const char *path, const struct klass *k, struct lab_stat *labs, int nlabs, int top,
               int threshold)
{
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    FILE *out = fopen(path, "w");
    if (!out) {
        free(dir);
        return -1;
    }
    fprintf(out,
            "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>"
            "<meta charset=\"utf-8\"/>\n<title>threadlab: the class at a glance</title>\n"
            "<style>\n%s</style>\n</head>\n<body>\n<h1>The class at a glance</h1>\n"
            "<p class=\"summary\">%d student%s graded, %d lab%s.</p>\n",
            style, k->n, k->n == 1 ? "" : "s", nlabs, nlabs == 1 ? "" : "s");
    if (k->notes.len) {
        fputs("<h2>Notes</h2>\n<ul class=\"notes\">\n", out);
        for (size_t i = 0; i < k->notes.len; i++) {
            fputs("<li class=\"note\">", out);
            markup_text(out, k->notes.v[i]);
            fputs("</li>\n", out);
        }
        fputs("</ul>\n", out);
    }
    if (nlabs) {
        fputs("<ul class=\"labs\">\n", out);
        for (int i = 0; i < nlabs; i++) {
            fprintf(out, "<li><a href=\"#lab-%d\"><code>", i);
            markup_text(out, labs[i].id);
            fputs("</code></a> ", out);
            markup_text(out, labs[i].title);
            fputs("</li>\n", out);
        }
        fputs("</ul>\n", out);
    }
    for (int i = 0; i < nlabs; i++) {
        const struct lab_stat *l = &labs[i];
        fprintf(out, "<section class=\"lab\" id=\"lab-%d\" data-lab=\"", i);
        markup_attr(out, l->id);
        fputs("\">\n<h2><code>", out);
        markup_text(out, l->id);
        fputs("</code> ", out);
        markup_text(out, l->title);
        fprintf(out, "</h2>\n<p>%d built and started, %d not started, %d did not build.</p>\n",
                l->graded, l->not_started, l->not_built);
        histogram(out, dir, l);
        rates(out, dir, l);
        findings(out, k, l, top);
        incidents(out, k, l);
        similar(out, k, l, threshold);
        fputs("</section>\n", out);
    }
    fputs("</body>\n</html>\n", out);
    free(dir);
    int bad = ferror(out);
    return fclose(out) || bad ? -1 : 0;
}
