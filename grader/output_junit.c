/* output_junit.c - the grade as JUnit XML (--format=junit), for CI test reports (GitLab's tests
 * tab, Jenkins, the GitHub actions that read JUnit): a <testsuite> per lab, a <testcase> per
 * check, classname the lab's id, name the check's id, time its seconds.
 *
 * A check that failed holds <failure message="VERDICT">, whose text is the feedback every format
 * shows (feedback_text); a check not run here (--check, make check) holds <skipped/>; a pass
 * with details keeps them in <system-out>. JUnit has no points: each suite's properties hold the
 * lab's score and max_score, and the run's seed to replay it. Hidden checks' feedback is withheld
 * before any format prints (hidden_withhold), so here as everywhere. Every text goes through
 * markup.h: whatever bytes a message holds, the document stays well-formed XML 1.0.
 */
#include <stdlib.h>

#include "feedback.h"
#include "markup.h"
#include "output.h"

struct counts {
    int tests, failures, skipped;
};

static struct counts count(const struct lab_result *r)
{
    struct counts n = {r->nchecks, 0, 0};
    for (int k = 0; k < r->nchecks; k++) {
        n.skipped += r->checks[k].skipped;
        n.failures += !r->checks[k].skipped && !r->checks[k].passed;
    }
    return n;
}

static void property(FILE *out, const char *name, const char *value)
{
    fprintf(out, "      <property name=\"%s\" value=\"", name);
    markup_attr(out, value);
    fputs("\"/>\n", out);
}

static void property_int(FILE *out, const char *name, long long value)
{
    fprintf(out, "      <property name=\"%s\" value=\"%lld\"/>\n", name, value);
}

static void testcase(FILE *out, const struct lab_result *r, const struct check_result *c)
{
    fputs("    <testcase classname=\"", out);
    markup_attr(out, r->lab->id);
    fputs("\" name=\"", out);
    markup_attr(out, c->check->id);
    fprintf(out, "\" time=\"%.3f\"", c->skipped ? 0.0 : c->seconds);
    char *feedback = c->skipped ? NULL : feedback_text(r, c);
    if (c->skipped) {
        fputs(">\n      <skipped message=\"", out);
        markup_attr(out, c->ungradable ? c->message : "not run in this grade");
        fputs("\"/>\n    </testcase>\n", out);
    } else if (!c->passed) {
        fputs(">\n      <failure message=\"", out);
        markup_attr(out, c->verdict);
        fputs("\" type=\"", out);
        markup_attr(out, c->verdict);
        fputs("\">", out);
        markup_text(out, feedback);
        fputs("</failure>\n    </testcase>\n", out);
    } else if (*c->details) {
        fputs(">\n      <system-out>", out);
        markup_text(out, feedback);
        fputs("</system-out>\n    </testcase>\n", out);
    } else {
        fputs("/>\n", out);
    }
    free(feedback);
}

static void testsuite(FILE *out, const struct run_summary *s, const struct lab_result *r)
{
    struct counts n = count(r);
    fputs("  <testsuite name=\"", out);
    markup_attr(out, r->lab->id);
    fprintf(out, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\" time=\"%.3f\">\n",
            n.tests, n.failures, n.skipped, r->seconds);
    fputs("    <properties>\n", out);
    property(out, "title", r->lab->title);
    property_int(out, "seed", (long long)s->seed);
    property(out, "submission", s->submission);
    property_int(out, "score", r->score);
    property_int(out, "max_score", lab_max_score(r));
    property_int(out, "hidden_points", lab_hidden_ungraded(r->lab));
    property(out, "status", r->not_started ? "not started" : !r->graded ? "not graded" : "graded");
    fputs("    </properties>\n", out);
    for (int k = 0; k < r->nchecks; k++)
        testcase(out, r, &r->checks[k]);
    if (*r->warnings) {
        fputs("    <system-out>Compiler warnings on your file (worth fixing):\n", out);
        markup_text(out, r->warnings);
        fputs("</system-out>\n", out);
    }
    fputs("  </testsuite>\n", out);
}

void output_junit(FILE *out, const struct run_summary *s)
{
    struct counts all = {0, 0, 0};
    double seconds = 0;
    for (int i = 0; i < s->nlabs; i++) {
        struct counts n = count(&s->labs[i]);
        all.tests += n.tests, all.failures += n.failures, all.skipped += n.skipped;
        seconds += s->labs[i].seconds;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out,
            "<testsuites name=\"threadlab\" tests=\"%d\" failures=\"%d\" errors=\"0\" "
            "skipped=\"%d\" time=\"%.3f\">\n",
            all.tests, all.failures, all.skipped, seconds);
    for (int i = 0; i < s->nlabs; i++)
        testsuite(out, s, &s->labs[i]);
    fputs("</testsuites>\n", out);
}
