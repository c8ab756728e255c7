/* hidden.c - a lab's hidden tests: built beside the public ones, their feedback withheld. */
#include <stdlib.h>
#include <string.h>

#include "hidden.h"

const char hidden_withheld_message[] =
    "Hidden check: its feedback is withheld until your instructor releases the grades.";

int hidden_sync(const struct lab *lab, const char *kitobj)
{
    static const char *const sources[] = {".c", ".h", NULL};
    char *to = xasprintf("%s/src/hidden", kitobj);
    int err = 0;
    if (lab->has_hidden) {
        char *from = xasprintf("%s/hidden", lab->dir);
        err = mkdir_p(to) ?: copy_files(from, to, sources);
        free(from);
    } else {
        /* a kit whose hidden tests were taken away must not keep linking their objects */
        char *objects = xasprintf("%s/plain/hidden", kitobj);
        rm_rf(to);
        rm_rf(objects);
        free(objects);
    }
    free(to);
    return err;
}

/* Verdicts that tell nothing about the hidden test itself (it did not run): shown as they are. */
static bool says_nothing(const char *verdict)
{
    static const char *const open[] = {"skipped", "not started", "not built", "not yet", NULL};
    for (int i = 0; open[i]; i++)
        if (strcmp(verdict, open[i]) == 0)
            return true;
    return false;
}

void hidden_withhold(struct lab_result *r)
{
    for (int i = 0; i < r->nchecks; i++) {
        struct check_result *c = &r->checks[i];
        if (!c->check->hidden || c->skipped || says_nothing(c->verdict))
            continue;
        if (!c->passed) {
            free(c->verdict);
            c->verdict = xstrdup("failed");
        }
        free(c->message), free(c->details), free(c->raw);
        c->message = xstrdup(c->passed ? "" : hidden_withheld_message);
        c->details = xstrdup("");
        c->raw = xstrdup("");
        c->stuck[0] = '\0';
    }
}
