/* test_host.c - a check that needs more CPUs than the host gives is not gradable there: it is
 * not run, says so, and its points count on the lab's other checks, so that the lab's total and
 * the solution's full marks stay; with the CPUs it needs, it is judged as always. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "util.h"

Test(host, usable_cpus)
{
    unsetenv("THREADLAB_CPUS");
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int cpus = host_usable_cpus();
    cr_assert(cpus >= 1 && cpus <= online, "%d usable CPUs of %ld online", cpus, online);
    setenv("THREADLAB_CPUS", "3", 1);
    cr_assert_eq(host_usable_cpus(), 3, "THREADLAB_CPUS=3 says 3");
    unsetenv("THREADLAB_CPUS");
}

/* The race solution graded on two checks that need one CPU and the speedup check, which needs
 * two, as a host with `cpus` CPUs would. */
static json_t *grade_race(int cpus, char *dir)
{
    char *cmd =
        xasprintf("THREADLAB_CPUS=%d build/grader --kit=. --submission=solutions --lab=race "
                  "--check=test:partial_faster,test:count_bad_args,test:withdraw_basics "
                  "--build-dir=%s --format=json > %s/out.json",
                  cpus, dir, dir);
    cr_assert(system(cmd) == 0, "failed: %s", cmd);
    char *out = xasprintf("%s/out.json", dir);
    json_error_t err;
    json_t *doc = json_load_file(out, 0, &err);
    cr_assert(doc, "no JSON in %s: %s", out, err.text);
    free(cmd), free(out);
    return doc;
}

static json_t *check(json_t *doc, const char *id)
{
    json_t *lab = json_array_get(json_object_get(doc, "labs"), 0), *c;
    size_t i;
    json_array_foreach(json_object_get(lab, "checks"), i,
                       c) if (strcmp(json_string_value(json_object_get(c, "id")), id) ==
                              0) return c;
    cr_assert_fail("no check %s", id);
    return NULL;
}

static long num(json_t *j, const char *key)
{
    return (long)json_integer_value(json_object_get(j, key));
}

Test(host, speedup_check_not_gradable_on_one_cpu, .timeout = 240)
{
    cr_assert(access("build/grader", X_OK) == 0, "build/grader is not built (make build/grader)");
    char dir[] = "/tmp/tl-host-XXXXXX";
    cr_assert(mkdtemp(dir));

    json_t *one = grade_race(1, dir);
    json_t *fast = check(one, "test:partial_faster");
    cr_assert(json_is_true(json_object_get(fast, "not_gradable")) &&
                  json_is_true(json_object_get(fast, "skipped")) && num(fast, "points") == 0 &&
                  num(fast, "max_points") == 0 &&
                  strstr(json_string_value(json_object_get(fast, "message")), "this host gives 1"),
              "on one CPU, partial_faster must be skipped as not gradable, saying why");
    /* lab.conf: count_bad_args 4, withdraw_basics 6, partial_faster 8: its 8 points go to the
     * other two in proportion (3.2 and 4.8, the larger remainder rounded up) */
    json_t *args = check(one, "test:count_bad_args"), *basics = check(one, "test:withdraw_basics");
    cr_assert(num(args, "max_points") == 7 && num(basics, "max_points") == 11,
              "the moved points: count_bad_args %ld/7, withdraw_basics %ld/11",
              num(args, "max_points"), num(basics, "max_points"));
    cr_assert(num(one, "score") == 18 && num(one, "max_score") == 18,
              "the solution on one CPU: %ld/%ld, not 18/18", num(one, "score"),
              num(one, "max_score"));

    json_t *two = grade_race(2, dir);
    fast = check(two, "test:partial_faster");
    cr_assert(!json_is_true(json_object_get(fast, "not_gradable")) &&
                  json_is_true(json_object_get(fast, "passed")) && num(fast, "points") == 8,
              "on two CPUs partial_faster is judged, and the solution passes it");
    cr_assert(num(two, "score") == 18 && num(two, "max_score") == 18);
    json_decref(one), json_decref(two);
    char *rm = xasprintf("rm -rf %s", dir);
    cr_assert(system(rm) == 0);
    free(rm);
}
