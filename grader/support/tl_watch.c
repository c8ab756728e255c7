/* tl_watch.c - the hang watchdog: a deadlock or a lost wakeup ends the run in about a second,
 * with a diagnosis, instead of at the check's timeout.
 *
 * DESIGN: a run is hung when every live thread is blocked without a deadline (a mutex lock, an
 * untimed condition wait, a join, a semaphore or barrier wait, or the test waiting for the code
 * under test in tl_await), and nothing has changed for a quiet period: no thread can then
 * release a lock, signal a condition or end, so nothing ever will. The wrappers record what
 * each thread is in (tl_threads.c); this thread polls those records. It is exact, not a guess
 * from slowness: a thread computing, sleeping or in a timed wait is not blocked, so a slow but
 * live run (Valgrind, a long computation, a timed wait) is never ended. In the plain and
 * ThreadSanitizer builds the kernel's view of each thread must agree (not running); under
 * Valgrind, which runs one thread at a time, the quiet period is longer instead.
 * The watchdog is started with the real pthread_create, so it is not one of the run's threads.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/helgrind.h>

#include "tl_test.h"
#include "tl_internal.h"

static atomic_int watching;
static double quiet_s;
static pthread_t watchdog;

int __real_pthread_join(pthread_t t, void **ret);

/* True if the kernel says the thread is running or runnable. */
static bool running(int tid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false; /* gone */
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the name may contain spaces and parentheses */
    return p && p[1] == ' ' && p[2] == 'R';
}

/* Are all live threads blocked, observers aside? *sum gets their progress counters' sum. An
 * observer may still be reading: what it reads cannot wake anyone, and if it did wake a thread,
 * that thread's progress would show. */
static bool all_blocked(unsigned long *sum, bool ask_kernel)
{
    int live = atomic_load_explicit(&tl__live, memory_order_relaxed), blocked = 0, observers = 0;
    unsigned long s = 0;
    for (int i = 0; i < TL_SLOTS; i++) {
        struct tl_slot *t = &tl__slots[i];
        if (!atomic_load_explicit(&t->used, memory_order_relaxed) ||
            atomic_load_explicit(&t->number, memory_order_relaxed) == 0)
            continue;
        if (atomic_load_explicit(&t->observer, memory_order_relaxed)) {
            observers++;
            continue;
        }
        s += atomic_load_explicit(&t->seq, memory_order_relaxed);
        int op = atomic_load_explicit(&t->op, memory_order_relaxed);
        if (!tl__op_blocks(op))
            return false;
        /* a thread in tl_await polls: the kernel sees it run now and then */
        if (ask_kernel && op != OP_AWAIT &&
            running(atomic_load_explicit(&t->tid, memory_order_relaxed)))
            return false;
        blocked++;
    }
    *sum = s;
    return blocked > 0 && blocked + observers == live;
}

static void *watch(void *arg)
{
    (void)arg;
    bool valgrind = tl_under_valgrind();
    double period_ms = valgrind ? 100 : 50;
    unsigned long last = 0;
    bool was_stuck = false;
    double since = tl_now();
    while (atomic_load_explicit(&watching, memory_order_relaxed)) {
        tl_sleep_ms(period_ms);
        unsigned long sum = 0;
        bool stuck = all_blocked(&sum, !valgrind);
        if (!stuck || !was_stuck || sum != last) {
            was_stuck = stuck;
            last = sum;
            since = tl_now();
            continue;
        }
        if (tl_now() - since >= quiet_s && atomic_load_explicit(&watching, memory_order_relaxed)) {
            char text[32];
            snprintf(text, sizeof text, "%.1f", tl_now() - since);
            tl__report("HANG", text);
            tl__report_threads();
            _exit(TL_EXIT_HANG);
        }
    }
    return NULL;
}

void tl__watch_start(void)
{
    const char *q = getenv("TL_QUIET");
    quiet_s = q && *q ? strtod(q, NULL) : tl_under_valgrind() ? 3.0 : 1.0;
    VALGRIND_HG_DISABLE_CHECKING(&watching, sizeof watching);
    if (quiet_s <= 0)
        return;
    atomic_store_explicit(&watching, 1, memory_order_relaxed);
    if (__real_pthread_create(&watchdog, NULL, watch, NULL) != 0)
        atomic_store_explicit(&watching, 0, memory_order_relaxed);
}

/* Joined, not detached: memcheck would count a running thread's stack as possibly lost. */
void tl__watch_stop(void)
{
    if (atomic_exchange_explicit(&watching, 0, memory_order_relaxed))
        __real_pthread_join(watchdog, NULL);
}
