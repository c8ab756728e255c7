/* output_html.c - the grade as one self-contained HTML page for a student (--format=html): a
 * table of the labs' scores, then per lab what the terminal shows, each check's feedback
 * (feedback_text) under its line. No script, no file or address outside the page: it can be
 * mailed or uploaded as it is.
 *
 * The page is also well-formed XML (an HTML5 polyglot: every element closed, no named entity
 * but XML's), so that a plain XML parser can read it, as test_emitters.c does. Every text goes
 * through markup.h: whatever bytes a message holds, the page stays valid. The scores are marked
 * for programs: <td class="score" data-lab="ID">, and the run's <td class="total">.
 */
#include <stdlib.h>

#include "feedback.h"
#include "markup.h"
#include "output.h"

static const char style[] =
    "body{font-family:system-ui,sans-serif;max-width:60em;margin:1em auto;padding:0 1em;"
    "color:#222}\n"
    "table{border-collapse:collapse;margin:.5em 0}\n"
    "th,td{border:1px solid #ccc;padding:.2em .6em;text-align:left;vertical-align:top}\n"
    "td.score,td.total,td.points{text-align:right;white-space:nowrap}\n"
    "tr.pass td.mark{color:#1a7f37;font-weight:bold}\n"
    "tr.fail td.mark{color:#cf222e;font-weight:bold}\n"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:.5em;margin:0}\n"
    ".note{color:#666}\n";

static void row_cell(FILE *out, const char *attrs, const char *text)
{
    fprintf(out, "<td%s>", attrs);
    markup_text(out, text);
    fputs("</td>", out);
}

static void score_table(FILE *out, const struct run_summary *s)
{
    int score, max, hidden;
    run_totals(s, &score, &max, &hidden);
    fputs("<table class=\"scores\">\n<thead><tr><th>Lab</th><th>Title</th><th>Score</th>"
          "<th>Checks passed</th><th>Hidden tests</th></tr></thead>\n<tbody>\n",
          out);
    for (int i = 0; i < s->nlabs; i++) {
        const struct lab_result *r = &s->labs[i];
        int run = 0, passed = 0;
        for (int k = 0; k < r->nchecks; k++) {
            run += !r->checks[k].skipped;
            passed += !r->checks[k].skipped && r->checks[k].passed;
        }
        fputs("<tr><td><a href=\"#lab-", out);
        markup_attr(out, r->lab->id);
        fputs("\"><code>", out);
        markup_text(out, r->lab->id);
        fputs("</code></a></td>", out);
        row_cell(out, "", r->lab->title);
        fputs("<td class=\"score\" data-lab=\"", out);
        markup_attr(out, r->lab->id);
        fprintf(out, "\">%d/%d</td>", r->score, lab_max_score(r));
        if (r->not_started && r->score == 0)
            fputs("<td>not started</td>", out);
        else if (!r->graded)
            fputs("<td>not built</td>", out);
        else
            fprintf(out, "<td>%d of %d</td>", passed, run);
        if (lab_hidden_ungraded(r->lab))
            fprintf(out, "<td>%d points, graded by your instructor</td></tr>\n",
                    lab_hidden_ungraded(r->lab));
        else
            fputs("<td></td></tr>\n", out);
    }
    fprintf(out,
            "</tbody>\n<tfoot><tr><th>Total</th><td></td><td class=\"total\">%d/%d</td><td></td>"
            "<td>%d points</td></tr></tfoot>\n</table>\n",
            score, max, hidden);
}

static void check_rows(FILE *out, const struct lab_result *r, const struct check_result *c)
{
    fprintf(out, "<tr class=\"%s\"><td class=\"mark\">%s</td><td><code>",
            c->passed ? "pass" : "fail", c->passed ? "PASS" : "FAIL");
    markup_text(out, c->check->id);
    fprintf(out, "</code>%s</td><td class=\"points\">%d/%d</td>",
            c->check->hidden ? " (hidden)" : "", c->points, c->max_points);
    row_cell(out, "", c->passed ? "" : c->verdict);
    fputs("</tr>\n", out);
    if (c->passed && !*c->details)
        return;
    char *feedback = feedback_text(r, c);
    fputs("<tr class=\"feedback\"><td></td><td colspan=\"3\"><pre>", out);
    markup_text(out, feedback);
    fputs("</pre></td></tr>\n", out);
    free(feedback);
}

static void lab_section(FILE *out, const struct lab_result *r)
{
    fputs("<div class=\"lab\" id=\"lab-", out);
    markup_attr(out, r->lab->id);
    fputs("\">\n<h2><code>", out);
    markup_text(out, r->lab->id);
    fputs("</code>: ", out);
    if (r->graded && r->not_started && r->score == 0) {
        fputs("not started</h2>\n<p>", out);
        markup_text(out, r->lab->title);
        fputs(": <code>", out);
        markup_text(out, r->lab->dirname);
        fputs("/", out);
        markup_text(out, r->lab->stub);
        fputs("</code> is the kit's stub; begin with <code>labs/", out);
        markup_text(out, r->lab->dirname);
        fputs("/README.md</code>.</p>\n</div>\n", out);
        return;
    }
    fprintf(out, "%d/%d \xe2\x80\x94 ", r->score, lab_max_score(r));
    markup_text(out, r->lab->title);
    fprintf(out, " <span class=\"note\">(%.1f s)</span></h2>\n", r->seconds);
    if (!r->graded) {
        fputs("<pre class=\"problem\">", out);
        markup_text(out, r->problem);
        fputs("</pre>\n</div>\n", out);
        return;
    }
    if (*r->warnings) {
        fputs("<p>Compiler warnings on your file (worth fixing):</p>\n<pre class=\"warnings\">",
              out);
        markup_text(out, r->warnings);
        fputs("</pre>\n", out);
    }
    int skipped = 0;
    fputs("<table class=\"checks\">\n<thead><tr><th></th><th>Check</th><th>Points</th>"
          "<th>Verdict</th></tr></thead>\n<tbody>\n",
          out);
    for (int k = 0; k < r->nchecks; k++) {
        if (r->checks[k].skipped)
            skipped += !r->checks[k].ungradable;
        else
            check_rows(out, r, &r->checks[k]);
    }
    fputs("</tbody>\n</table>\n", out);
    for (int k = 0; k < r->nchecks; k++) {
        if (!r->checks[k].ungradable)
            continue;
        fputs("<p class=\"note\"><code>", out);
        markup_text(out, r->checks[k].check->id);
        fputs("</code>: ", out);
        markup_text(out, r->checks[k].message);
        fputs("</p>\n", out);
    }
    if (skipped) {
        fprintf(out,
                "<p class=\"note\">%d more checks not run here: <code>make grade LAB=", skipped);
        markup_text(out, r->lab->id);
        fputs("</code> runs them all.</p>\n", out);
    }
    if (lab_hidden_ungraded(r->lab))
        fprintf(out, "<p>Hidden tests: %d points, graded by your instructor.</p>\n",
                lab_hidden_ungraded(r->lab));
    fputs("</div>\n", out);
}

void output_html(FILE *out, const struct run_summary *s)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<title>threadlab grade: ",
          out);
    markup_text(out, s->submission);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>threadlab grade</h1>\n",
            style);
    fputs("<p>Submission <code>", out);
    markup_text(out, s->submission);
    fprintf(out, "</code>, seed <code>%llu</code>.</p>\n", (unsigned long long)s->seed);
    score_table(out, s);
    struct sbuf failing = {0};
    for (int i = 0; i < s->nlabs; i++) {
        const struct lab_result *r = &s->labs[i];
        lab_section(out, r);
        if (!r->graded || (r->not_started && r->score == 0))
            continue; /* as the terminal: the labs whose checks failed when run */
        for (int k = 0; k < s->labs[i].nchecks; k++)
            if (!s->labs[i].checks[k].skipped && !s->labs[i].checks[k].passed) {
                sbuf_addf(&failing, "%s%s", failing.s ? "," : "", s->labs[i].lab->id);
                break;
            }
    }
    if (failing.s) {
        fprintf(out, "<p>Replay this run's schedule noise: <code>make %s LAB=",
                s->quick ? "check" : "grade");
        markup_text(out, failing.s);
        fprintf(out, " SEED=%llu</code></p>\n", (unsigned long long)s->seed);
    }
    sbuf_free(&failing);
    fputs("</body>\n</html>\n", out);
}
