/* check_results.c - the Gradescope test's judge: results.json has Gradescope's shape, and its
 * totals equal those of the grader's JSON for the same submission (built and run by test.sh).
 * Usage: check_results RESULTS.json GRADE.json  -> exit 0, or 1 with the first difference. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what)
{
    fprintf(stderr, "check_results: %s\n", what);
    return 1;
}

int main(int argc, char **argv)
{
    json_error_t err;
    json_t *gs = argc == 3 ? json_load_file(argv[1], 0, &err) : NULL;
    json_t *grade = argc == 3 ? json_load_file(argv[2], 0, &err) : NULL;
    if (!gs || !grade)
        return fail("usage: check_results RESULTS.json GRADE.json (both valid JSON)");
    json_t *tests = json_object_get(gs, "tests");
    if (!json_is_array(tests) || json_array_size(tests) == 0)
        return fail("no tests array");
    json_int_t score = 0, max = 0, want_checks = 0;
    size_t i;
    json_t *t;
    json_array_foreach(tests, i, t)
    {
        const char *keys[] = {"name", "output", "visibility", "status"};
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
            if (!json_is_string(json_object_get(t, keys[k])))
                return fail("a test without a string name, output, visibility or status");
        if (!json_is_integer(json_object_get(t, "score")) ||
            !json_is_integer(json_object_get(t, "max_score")))
            return fail("a test without an integer score and max_score");
        score += json_integer_value(json_object_get(t, "score"));
        max += json_integer_value(json_object_get(t, "max_score"));
        if (!json_equal(json_object_get(json_object_get(t, "extra_data"), "seed"),
                        json_object_get(json_object_get(gs, "extra_data"), "seed")))
            return fail("a test's extra_data.seed is not the run's seed");
    }
    json_t *lab;
    json_array_foreach(json_object_get(grade, "labs"), i, lab)
    {
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(lab, "checks"), k, c) want_checks +=
            !json_is_true(json_object_get(c, "skipped"));
    }
    if ((json_int_t)json_array_size(tests) != want_checks)
        return fail("not one test per check");
    if (score != json_integer_value(json_object_get(gs, "score")))
        return fail("the tests' scores do not add up to the score");
    if (score != json_integer_value(json_object_get(grade, "score")) ||
        max != json_integer_value(json_object_get(grade, "max_score")))
        return fail("the score or the maximum differs from the grader's JSON");
    printf("check_results: %lld/%lld in %zu tests, as in the grader's JSON\n", (long long)score,
           (long long)max, json_array_size(tests));
    return 0;
}
