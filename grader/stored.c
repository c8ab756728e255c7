/* stored.c - a grade read back from its JSON, to print again or to query (see stored.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "stored.h"

int stored_load(const char *file, struct grader *g, struct lab **labs, int nlabs,
                struct lab_result *results, char **err)
{
    json_error_t jerr;
    json_t *doc = json_load_file(file, 0, &jerr);
    if (!doc) {
        *err = xasprintf("cannot read the grade %s: %s (line %d)", file, jerr.text, jerr.line);
        return -1;
    }
    g->seed = (uint64_t)json_integer_value(json_object_get(doc, "seed"));
    const char *sub = json_string_value(json_object_get(doc, "submission"));
    free(g->submission);
    g->submission = xstrdup(sub ? sub : file);
    int done = 0;
    for (int i = 0; i < nlabs && !*err; i++) {
        size_t k;
        json_t *lab, *found = NULL;
        json_array_foreach(json_object_get(doc, "labs"), k, lab)
        {
            const char *id = json_string_value(json_object_get(lab, "id"));
            if (id && strcmp(id, labs[i]->id) == 0)
                found = lab;
        }
        if (!found)
            *err = xasprintf("the grade %s has no lab %s", file, labs[i]->id);
        else if (lab_result_from_json(found, labs[i], &results[i]) != 0)
            *err = xasprintf("the grade %s does not match lab %s's checks in this kit (graded "
                             "with another version of the kit?)",
                             file, labs[i]->id);
        else
            done++;
    }
    json_decref(doc);
    for (int i = 0; *err && i < done; i++)
        lab_result_free(&results[i]);
    return *err ? -1 : 0;
}

void stored_select(const struct grader *g, struct lab_result *r)
{
    if (g->only.len == 0)
        return;
    r->score = 0;
    for (int i = 0; i < r->nchecks; i++) {
        struct check_result *c = &r->checks[i];
        if (!strv_has(&g->only, c->check->id))
            c->skipped = true;
        if (!c->skipped)
            r->score += c->points;
    }
}
