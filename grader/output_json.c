/* output_json.c - the grade as one JSON document (--format=json), for programs: result.h's
 * run_summary_json, which --from reads back. */
#include <jansson.h>

#include "output.h"

void output_json(FILE *out, const struct run_summary *s)
{
    json_t *doc = run_summary_json(s);
    json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(doc);
}
