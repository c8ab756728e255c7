/* feedback.c - the feedback on one check, the same in every format (see feedback.h). */
#include <stdlib.h>
#include <string.h>

#include "feedback.h"
#include "util.h"

void feedback_of(const struct lab_result *r, const struct check_result *c, struct feedback *f)
{
    f->verdict = c->verdict;
    f->message = c->passed ? "" : r->graded ? c->message : r->problem;
    f->details = !c->passed && !r->graded ? "" : c->details ? c->details : "";
    /* Where to read on, after a failure of work the student did: a detector's explanation names
     * its own concept ("Revisit: ..." in the message), and then the handout is where to see. */
    if (c->passed || !r->graded || r->not_started)
        f->advice = xstrdup("");
    else
        f->advice = xasprintf(
            "%s %s", strstr(c->message, "Revisit:") ? "See:" : "Revisit:", c->check->revisit);
}

void feedback_free(struct feedback *f)
{
    free(f->advice);
    f->advice = NULL;
}

char *feedback_text(const struct lab_result *r, const struct check_result *c)
{
    struct feedback f;
    struct sbuf b = {0};
    feedback_of(r, c, &f);
    if (c->passed)
        sbuf_add(&b, "passed");
    else
        sbuf_addf(&b, "%s%s%s", f.verdict, r->graded ? ": " : "\n", f.message);
    if (*f.details)
        sbuf_addf(&b, "\n%s", f.details);
    if (*f.advice)
        sbuf_addf(&b, "\n%s", f.advice);
    feedback_free(&f);
    return b.s;
}
