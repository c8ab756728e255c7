/* output_markdown.c - a grade as Markdown (--format=markdown), for a CI run's summary page
 * ($GITHUB_STEP_SUMMARY): a table of the labs' scores, then the same feedback as the terminal's,
 * word for word (output_text without colour), in a code block. Also a lab's grading table, as its
 * handout shows it (output_table: --table, make tables). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

/* The longest run of backticks in text: the fence around it must be longer. */
static size_t longest_backticks(const char *text)
{
    size_t longest = 0, run = 0;
    for (const char *p = text; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest)
            longest = run;
    }
    return longest;
}

/* A table cell's text: a bar would end the cell, a newline the row. */
static void cell(FILE *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '|')
            fputs("\\|", out);
        else if (*p == '\n')
            fputc(' ', out);
        else
            fputc(*p, out);
    }
}

void output_markdown(FILE *out, const struct run_summary *s)
{
    int score, max, hidden;
    run_totals(s, &score, &max, &hidden);
    fprintf(out, "| Lab | Score | Checks passed | Hidden tests |\n|---|---:|---:|---:|\n");
    for (int i = 0; i < s->nlabs; i++) {
        const struct lab_result *r = &s->labs[i];
        int lab_max = lab_max_score(r), run = 0, passed = 0;
        for (int k = 0; k < r->nchecks; k++) {
            if (r->checks[k].skipped)
                continue;
            run++;
            passed += r->checks[k].passed;
        }
        fprintf(out, "| `%s` ", r->lab->id);
        cell(out, r->lab->title);
        if (r->not_started && r->score == 0)
            fprintf(out, " | 0/%d | not started |", lab_max);
        else if (!r->graded)
            fprintf(out, " | %d/%d | not built |", r->score, lab_max);
        else
            fprintf(out, " | %d/%d | %d of %d |", r->score, lab_max, passed, run);
        if (lab_hidden_ungraded(r->lab))
            fprintf(out, " %d points, graded by your instructor |\n", lab_hidden_ungraded(r->lab));
        else
            fprintf(out, " |\n");
    }
    fprintf(out, "| **Total** | **%d/%d** | | %d points |\n\n", score, max, hidden);

    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return;
    output_text(mem, s, false);
    fclose(mem);
    size_t fence = longest_backticks(text) + 1;
    if (fence < 3)
        fence = 3;
    fprintf(out, "<details open><summary>Feedback, as <code>make grade</code> prints it</summary>"
                 "\n\n");
    for (size_t i = 0; i < fence; i++)
        fputc('`', out);
    fprintf(out, "text\n%s", text);
    if (len && text[len - 1] != '\n')
        fputc('\n', out);
    for (size_t i = 0; i < fence; i++)
        fputc('`', out);
    fprintf(out, "\n\n</details>\n");
    free(text);
}

void output_table(FILE *out, const struct lab *lab)
{
    /* the same table in the instructor's kit and in a student kit: hidden checks are one row */
    int total = lab->hidden_points;
    fprintf(out, "| Check | Points | What it verifies |\n|---|---:|---|\n");
    for (int i = 0; i < lab->nchecks; i++) {
        if (lab->checks[i].hidden)
            continue;
        fprintf(out, "| `%s` | %d | %s |\n", lab->checks[i].id, lab->checks[i].points,
                lab->checks[i].verifies);
        total += lab->checks[i].points;
    }
    if (lab->hidden_points)
        fprintf(out,
                "| hidden tests | %d | graded by your instructor, who tells you their names "
                "and points, and their feedback once the grades are released |\n",
                lab->hidden_points);
    fprintf(out, "| **Total** | **%d** | |\n", total);
}
