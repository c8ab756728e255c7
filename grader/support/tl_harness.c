/* tl_harness.c - one call of the code under test on a thread of its own (tl_call_start).
 *
 * A test that watches a call block and unblock (a get on an empty queue, a second acquire of a
 * held rlock) runs it on a thread and looks at it from outside. The record is the lab's; this
 * file starts the thread, times the call, and publishes "returned" under a mutex, so that the
 * results the lab's run function stored are ordered before the test reads them, for every
 * detector.
 */
#include <string.h>

#include "tl_test.h"

static pthread_mutex_t harness_lock = PTHREAD_MUTEX_INITIALIZER;

static void *call_thread(void *arg)
{
    struct tl_call *c = arg;
    c->start = tl_now();
    c->run(c);
    double end = c->end > 0 ? c->end : tl_now();
    pthread_mutex_lock(&harness_lock);
    c->seconds = end - c->start;
    c->end = end;
    c->done = true;
    pthread_mutex_unlock(&harness_lock);
    return NULL;
}

void tl_call_start(struct tl_call *c, void (*run)(struct tl_call *c))
{
    memset(c, 0, sizeof *c);
    c->run = run;
    tl_spawn(&c->thread, call_thread, c);
}

bool tl_call_returned(struct tl_call *c)
{
    pthread_mutex_lock(&harness_lock);
    bool done = c->done;
    pthread_mutex_unlock(&harness_lock);
    return done;
}

static bool returned(void *c)
{
    return tl_call_returned(c);
}

bool tl_call_await(struct tl_call *c, double timeout_s)
{
    return tl_await(returned, c, timeout_s);
}

bool tl_call_finish(struct tl_call *c, double timeout_s)
{
    if (!tl_call_await(c, tl_bound(timeout_s)))
        return false;
    pthread_join(c->thread, NULL);
    return true;
}

/* Whether the run's waiters have shown up blocked so far (each test is a process); only the
 * test's own thread reads and writes it. */
static bool waiters_visible = true;

bool tl_await_blocked(int n)
{
    if (waiters_visible)
        waiters_visible = tl_await_waiters(n, tl_under_valgrind()              ? 6
                                              : strcmp(tl_tool(), "tsan") == 0 ? 4
                                                                               : 2);
    tl_sleep_ms(tl_bound(20));
    return waiters_visible;
}

bool tl_waiters_visible(void)
{
    return waiters_visible;
}
