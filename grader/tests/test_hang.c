/* test_hang.c - a hung run's facts to a diagnosis: cycles, self-deadlock, lost wakeups.
 *
 * The lines are what the support code writes (THREAD number op object mutex caller start api
 * started-by; HELD number mutex site by-stub). Frames are "-" here, so places read "an unknown
 * place": the lab mutants in make test prove the places and quoted lines on real binaries. */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "hang.h"

static void diagnose(const char *const *threads, const char *const *held, struct diagnosis *d)
{
    struct strv t = {0}, h = {0};
    for (int i = 0; threads[i]; i++)
        strv_add(&t, threads[i]);
    for (int i = 0; held && held[i]; i++)
        strv_add(&h, held[i]);
    hang_explain(&t, &h, "/nonexistent", "locks.c", d);
    strv_free(&t), strv_free(&h);
}

Test(hang, two_threads_in_a_lock_cycle)
{
    const char *threads[] = {"1 tl_await (nil) (nil) - - - -",
                             "2 pthread_mutex_lock 0xa0 (nil) - - - -",
                             "3 pthread_mutex_lock 0xb0 (nil) - - - -", NULL};
    const char *held[] = {"2 0xb0 - 1", "3 0xa0 - 1", NULL};
    struct diagnosis d;
    diagnose(threads, held, &d);
    cr_assert_str_eq(d.verdict, "deadlock");
    cr_assert(strstr(d.message, "lock-order cycle"), "%s", d.message);
    cr_assert(strstr(d.message, "Thread 2 holds"), "%s", d.message);
    cr_assert(strstr(d.message, "thread 3 holds"), "%s", d.message);
    cr_assert(strstr(d.message, "Revisit: lock ordering"), "%s", d.message);
    diagnosis_free(&d);
}

Test(hang, three_threads_in_a_lock_cycle)
{
    const char *threads[] = {"2 pthread_mutex_lock 0xa0 (nil) - - - -",
                             "3 pthread_mutex_lock 0xb0 (nil) - - - -",
                             "4 pthread_mutex_lock 0xc0 (nil) - - - -", NULL};
    const char *held[] = {"3 0xa0 - 1", "4 0xb0 - 1", "2 0xc0 - 1", NULL};
    struct diagnosis d;
    diagnose(threads, held, &d);
    cr_assert(strstr(d.message, "lock-order cycle"), "%s", d.message);
    cr_assert(strstr(d.message, "thread 4 holds"), "%s", d.message);
    diagnosis_free(&d);
}

Test(hang, a_thread_relocks_its_own_mutex)
{
    const char *threads[] = {"1 tl_await (nil) (nil) - - - -",
                             "2 pthread_mutex_lock 0xa0 (nil) - - - -", NULL};
    const char *held[] = {"2 0xa0 - 1", NULL};
    struct diagnosis d;
    diagnose(threads, held, &d);
    cr_assert_str_eq(d.verdict, "deadlock");
    cr_assert(strstr(d.message, "while it already holds it"), "%s", d.message);
    diagnosis_free(&d);
}

Test(hang, condition_waiters_with_nobody_to_signal)
{
    const char *threads[] = {"1 pthread_join 0x1 (nil) - - - -",
                             "2 pthread_cond_wait 0xc0 0xa0 - - - -",
                             "3 pthread_cond_wait 0xc0 0xa0 - - - -", NULL};
    /* a waiter's own mutex is released while it waits: not a lock anyone holds */
    const char *held[] = {"2 0xa0 - 1", "3 0xa0 - 1", NULL};
    struct diagnosis d;
    diagnose(threads, held, &d);
    cr_assert_str_eq(d.verdict, "lost wakeup");
    cr_assert(strstr(d.message, "2 threads wait in pthread_cond_wait"), "%s", d.message);
    cr_assert(strstr(d.message, "Revisit: signal or broadcast"), "%s", d.message);
    diagnosis_free(&d);
}

Test(hang, a_lock_held_by_a_thread_blocked_elsewhere)
{
    const char *threads[] = {"2 pthread_mutex_lock 0xa0 (nil) - - - -",
                             "3 sem_wait 0xd0 (nil) - - - -", NULL};
    const char *held[] = {"3 0xa0 - 1", NULL};
    struct diagnosis d;
    diagnose(threads, held, &d);
    cr_assert_str_eq(d.verdict, "deadlock");
    cr_assert(strstr(d.message, "is itself blocked in sem_wait"), "%s", d.message);
    diagnosis_free(&d);
}

Test(hang, a_lock_nobody_holds)
{
    const char *threads[] = {"1 tl_await (nil) (nil) - - - -",
                             "2 pthread_mutex_lock 0xa0 (nil) - - - -", NULL};
    struct diagnosis d;
    diagnose(threads, NULL, &d);
    cr_assert_str_eq(d.verdict, "deadlock");
    cr_assert(strstr(d.message, "no running thread holds it"), "%s", d.message);
    diagnosis_free(&d);
}

Test(hang, garbage_lines_are_ignored)
{
    const char *threads[] = {"", "x", "0 pthread_mutex_lock 0xa0 (nil) - - - -",
                             "2 pthread_cond_wait", NULL};
    struct diagnosis d;
    diagnose(threads, NULL, &d);
    cr_assert_str_eq(d.verdict, "hang");
    diagnosis_free(&d);
}

Test(hang, stub_lines_are_read_safely)
{
    char dir[] = "/tmp/hang-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char *path = xasprintf("%s/locks.c", dir);
    cr_assert_eq(write_file(path, "int a;\n\t  pthread_mutex_lock(&x);  \n"), 0);
    char *line = stub_source_line(dir, "locks.c", 2);
    cr_assert_str_eq(line, "pthread_mutex_lock(&x);  ");
    free(line);
    cr_assert_null(stub_source_line(dir, "locks.c", 3));
    cr_assert_null(stub_source_line(dir, "locks.c", 0));
    unlink(path);
    rmdir(dir);
    free(path);
}
