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
 *
 * It also ends a run that can only spin: a thread has stayed inside one call of the code under
 * test for a spin period (5 s plain, 8 s under ThreadSanitizer, 20 s under Valgrind) without
 * once being seen blocked or waiting, and no thread is running the test's own code. No call of a
 * lab's API computes for that long (the longest take milliseconds; a computation of 3 s is left
 * alone, grader/tests/test_watch.c), so it is an endless loop, or a busy-wait for what no thread
 * is left to do, and the test would wait out its time limit, each test in turn. The spinning
 * thread is then asked, by a signal, where it is (SPIN). A thread running the test's own code,
 * sleeping in it or in a timed wait keeps the run going.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <valgrind/helgrind.h>

#include "tl_test.h"
#include "tl_internal.h"

static atomic_int watching;
static double quiet_s, spin_s;
/* TL_SPUN: the functions of the code under test ("module+0xoffset" of their entry) that an
 * earlier test of this grade ended as spinning. Such a function has shown what no call of a lab
 * does, so another test's spin in it is ended after a fifth of the spin period: an endless loop
 * in bq_create costs the whole spin period once, not once per test. */
static char spun[2048];
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

/* How long past its deadline a thread may stay in a timed condition wait (the kernel's timeout
 * came, the mutex is taken back) before it counts as waiting for the mutex alone. */
#define EXPIRED_WAIT_S 0.5

/* Are all live threads blocked, observers aside? *sum gets their progress counters' sum. An
 * observer may still be reading: what it reads cannot wake anyone, and if it did wake a thread,
 * that thread's progress would show. A thread in a timed wait counts as blocked only if it ends
 * at or after give_up (0: never); *timed_waits gets how many did. The thread asking, self
 * (NULL: the watchdog, which has no slot), counts as blocked: it waits, whatever its op. */
static bool all_blocked(unsigned long *sum, bool ask_kernel, double give_up, int *timed_waits,
                        const struct tl_slot *self)
{
    int live = atomic_load_explicit(&tl__live, memory_order_relaxed), blocked = 0, observers = 0;
    int timed_blocked = 0;
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
        if (t == self) {
            blocked++;
            continue;
        }
        int op = atomic_load_explicit(&t->op, memory_order_relaxed);
        long long wakes = atomic_load_explicit(&t->wakes_us, memory_order_relaxed);
        bool timed = op == OP_COND_TIMEDWAIT || op == OP_SEM_TIMEDWAIT;
        /* Still in a condition's timed wait well after its deadline: it waits only to take the
         * mutex back (the kernel's own timeout has fired), which a lock does without end if no
         * thread can release it (a queue's getter whose putter deadlocked holding its lock). */
        bool expired = op == OP_COND_TIMEDWAIT && wakes > 0 &&
                       tl_now() * 1e6 > (double)wakes + EXPIRED_WAIT_S * 1e6;
        if (!tl__op_blocks(op) && !expired &&
            !(timed && give_up > 0 && wakes > 0 && wakes >= give_up * 1e6))
            return false;
        timed_blocked += timed;
        /* a thread in tl_await polls: the kernel sees it run now and then */
        if (ask_kernel && op != OP_AWAIT &&
            running(atomic_load_explicit(&t->tid, memory_order_relaxed)))
            return false;
        blocked++;
    }
    *sum = s;
    *timed_waits = timed_blocked;
    return blocked > 0 && blocked + observers == live;
}

int tl__blocked_until(double give_up, unsigned long *sum)
{
    int timed;
    return all_blocked(sum, !tl_under_valgrind(), give_up, &timed, tl__me()) ? timed : -1;
}

/* ---- A run that can only spin ----------------------------------------------------------- */

/* The watchdog's view of one slot's current call of the code under test. */
struct spin_track {
    int tid;
    unsigned long api_calls, stub_calls, stub_sleeps; /* the latter two when `since` was set */
    double since; /* last seen blocked or waiting, or the call's start */
};
static struct spin_track track[TL_SLOTS];

/* Blocked, or in the test's own wait (a task of the test awaiting a handshake): either way, not
 * the code under test spinning. */
static bool waits(int op)
{
    return op != OP_NONE;
}

/* Whether the function of the code under test that t is in spun in an earlier test. */
static bool spun_before(struct tl_slot *t)
{
    char api[256], word[260];
    if (!spun[0])
        return false;
    tl__frame(atomic_load_explicit(&t->api, memory_order_relaxed), api, sizeof api);
    snprintf(word, sizeof word, " %s ", api);
    return strstr(spun, word) != NULL;
}

/* The lowest-numbered thread that has been spinning inside one call of the code under test for
 * spin_s, unless a thread is running the test's own code (it may yet end the spin); else NULL. */
static struct tl_slot *only_spinning(bool ask_kernel)
{
    double now = tl_now();
    struct tl_slot *found = NULL;
    bool others_run = false;
    for (int i = 0; i < TL_SLOTS; i++) {
        struct tl_slot *t = &tl__slots[i];
        struct spin_track *k = &track[i];
        if (!atomic_load_explicit(&t->used, memory_order_relaxed) ||
            atomic_load_explicit(&t->number, memory_order_relaxed) == 0 ||
            atomic_load_explicit(&t->observer, memory_order_relaxed)) {
            k->tid = 0;
            continue;
        }
        int tid = atomic_load_explicit(&t->tid, memory_order_relaxed);
        int op = atomic_load_explicit(&t->op, memory_order_relaxed);
        unsigned long calls = atomic_load_explicit(&t->api_calls, memory_order_relaxed);
        bool blocked = tl__op_blocks(op) && (!ask_kernel || op == OP_AWAIT || !running(tid));
        if (atomic_load_explicit(&t->depth, memory_order_relaxed) == 0) {
            k->tid = 0;
            others_run |= !blocked; /* the test's own code: it may yet release them */
            continue;
        }
        if (k->tid != tid || k->api_calls != calls || waits(op))
            *k = (struct spin_track){
                tid, calls, atomic_load_explicit(&t->stub_calls, memory_order_relaxed),
                atomic_load_explicit(&t->stub_sleeps, memory_order_relaxed), now};
        /* Another thread inside the code under test, spinning for less time or not, does not
         * keep the run going: the spinner has shown what no call of a lab does. */
        if (blocked || now - k->since < spin_s / 5 || (now - k->since < spin_s && !spun_before(t)))
            continue;
        if (!found || atomic_load_explicit(&t->number, memory_order_relaxed) <
                          atomic_load_explicit(&found->number, memory_order_relaxed))
            found = t;
    }
    return others_run ? NULL : found;
}

/* SPIN NUMBER SECONDS SLEEPS CALLS SPUN_BEFORE API_FRAME FRAMES... (grader/hang.c): written by the
 * spinning thread itself, from a signal handler, so that the frames are where it spins. */
static char spin_head[400];
static atomic_int spin_told;

static void tell_where(int sig)
{
    (void)sig;
    tl__report_stack("SPIN", spin_head);
    atomic_store_explicit(&spin_told, 1, memory_order_relaxed);
    for (;;) /* the watchdog ends the run */
        pause();
}

static void report_spin(struct tl_slot *t, struct spin_track *k)
{
    char api[256];
    tl__frame(atomic_load_explicit(&t->api, memory_order_relaxed), api, sizeof api);
    snprintf(spin_head, sizeof spin_head, "%d %.1f %lu %lu %d %s",
             atomic_load_explicit(&t->number, memory_order_relaxed), tl_now() - k->since,
             atomic_load_explicit(&t->stub_sleeps, memory_order_relaxed) - k->stub_sleeps,
             atomic_load_explicit(&t->stub_calls, memory_order_relaxed) - k->stub_calls,
             spun_before(t), api);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = tell_where;
    sigfillset(&sa.sa_mask);
    int sig = SIGRTMIN + 3;
    /* ThreadSanitizer holds a signal back until the thread calls out, which a spinning loop may
     * never do: then the report goes without the place. */
    if (sigaction(sig, &sa, NULL) == 0 && syscall(SYS_tgkill, getpid(), k->tid, sig) == 0)
        for (int i = 0; i < 40 && !atomic_load_explicit(&spin_told, memory_order_relaxed); i++)
            tl_sleep_ms(25);
    if (!atomic_load_explicit(&spin_told, memory_order_relaxed))
        tl__report("SPIN", spin_head);
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
        struct tl_slot *spinner = only_spinning(!valgrind);
        if (spinner && atomic_load_explicit(&watching, memory_order_relaxed)) {
            report_spin(spinner, &track[spinner - tl__slots]);
            tl__report_threads();
            _exit(TL_EXIT_HANG);
        }
        unsigned long sum = 0;
        int timed;
        bool stuck = all_blocked(&sum, !valgrind, 0, &timed, NULL);
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
    spin_s = tl_under_valgrind() ? 20 : strcmp(tl_tool(), "tsan") == 0 ? 8 : 5;
    const char *before = getenv("TL_SPUN");
    snprintf(spun, sizeof spun, " %s ", before ? before : "");
    if (!before || !*before)
        spun[0] = '\0';
    VALGRIND_HG_DISABLE_CHECKING(&watching, sizeof watching);
    VALGRIND_HG_DISABLE_CHECKING(&spin_told, sizeof spin_told);
    VALGRIND_HG_DISABLE_CHECKING(spin_head, sizeof spin_head);
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
