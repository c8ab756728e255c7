/* tl_env.c - the run's environment: tool, seed, random streams, time and resource use. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <valgrind/helgrind.h>

#include "tl_test.h"
#include "tl_internal.h"

const char *tl_tool(void)
{
    const char *t = getenv("TL_TOOL");
    return t && *t ? t : "plain";
}

bool tl_under_valgrind(void)
{
    const char *t = tl_tool();
    return strcmp(t, "helgrind") == 0 || strcmp(t, "memcheck") == 0;
}

long tl_scaled(long n, long min)
{
    long v = n;
    if (tl_under_valgrind())
        v = n / 100;
    else if (strcmp(tl_tool(), "tsan") == 0)
        v = n / 4;
    return v < min ? min : v;
}

double tl_bound(double seconds)
{
    if (tl_under_valgrind())
        return seconds * 20;
    if (strcmp(tl_tool(), "tsan") == 0)
        return seconds * 5;
    return seconds;
}

const char *tl_err_name(int err)
{
    static _Thread_local char other[4][48];
    static _Thread_local int next;
    if (err == 0)
        return "0";
    if (err == ENOSYS)
        return "ENOSYS (not written yet)";
    const char *name = strerrorname_np(err);
    if (name)
        return name;
    char *buf = other[next++ % 4];
    snprintf(buf, sizeof other[0], "%d (not an errno value)", err);
    return buf;
}

static uint64_t seed = 1;
static atomic_uint_fast64_t next_stream;
static atomic_int deadline_clock = -1; /* see tl_deadline_clock */

/* Before any thread starts: read the seed once, and keep Helgrind off our stream counter. */
void tl__env_init(void)
{
    const char *s = getenv("TL_SEED");
    if (s && *s)
        seed = strtoull(s, NULL, 10);
    VALGRIND_HG_DISABLE_CHECKING(&next_stream, sizeof next_stream);
    VALGRIND_HG_DISABLE_CHECKING(&deadline_clock, sizeof deadline_clock);
}

uint64_t tl_seed(void)
{
    return seed;
}

/* splitmix64: a good stream from any seed, even 0. */
static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t tl_rand(void)
{
    static _Thread_local uint64_t state;
    static _Thread_local int seeded;
    if (!seeded) {
        state = tl_seed() * 0x100000001b3ULL +
                atomic_fetch_add_explicit(&next_stream, 1, memory_order_relaxed);
        seeded = 1;
    }
    return splitmix(&state);
}

uint32_t tl_rand_below(uint32_t n)
{
    return n ? (uint32_t)(tl_rand() % n) : 0;
}

double tl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tl_sleep_ms(double ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)((ms - (time_t)(ms / 1000) * 1000) * 1e6)};
    while (__real_nanosleep(&ts, &ts) != 0 && errno == EINTR) /* not counted as the stub's */
        ;
}

struct tl_usage tl_usage_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    struct tl_usage u = {
        .wall_s = tl_now(),
        .cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
        .wakeups = ru.ru_nvcsw,
    };
    return u;
}

struct tl_usage tl_usage_since(struct tl_usage start)
{
    struct tl_usage now = tl_usage_now();
    now.wall_s -= start.wall_s;
    now.cpu_s -= start.cpu_s;
    now.wakeups -= start.wakeups;
    return now;
}

const char *tl_idle_problem(const char *waiting, const char *until)
{
    static _Thread_local char problem[1024];
    struct tl_usage start = tl_usage_now();
    tl_sleep_ms(300);
    struct tl_usage u = tl_usage_since(start);
    if (u.cpu_s >= 0.15 * u.wall_s)
        snprintf(problem, sizeof problem,
                 "while %s for %.2f s, the process used %.2f s of CPU (%.0f%% of one core): "
                 "waiting threads must sleep in a condition wait until %s, not spin",
                 waiting, u.wall_s, u.cpu_s, 100 * u.cpu_s / u.wall_s, until);
    else if (u.wakeups >= 50)
        snprintf(problem, sizeof problem,
                 "while %s for %.2f s, they woke up %ld times: waiting threads must block until "
                 "%s, not poll (sleep and re-check)",
                 waiting, u.wall_s, u.wakeups, until);
    else
        return NULL;
    return problem;
}

void tl_spawn(pthread_t *thread, void *(*fn)(void *), void *arg)
{
    int err = pthread_create(thread, NULL, fn, arg);
    TL_CHECK(err == 0, "the test could not start a thread (%s): the machine may be overloaded",
             strerror(err));
}

/* A deadline within a minute of a clock's now was read from that clock: the tests' timeouts are
 * seconds, and the two clocks are years apart. A relative timeout ({0, 150 ms}) is near neither
 * (unless the machine booted less than a minute ago). */
void tl__note_deadline(const struct timespec *t)
{
    struct timespec rt, mono;
    tl__wall_clock(&rt); /* as the code under test reads it, jumps included */
    clock_gettime(CLOCK_MONOTONIC, &mono);
    double at = (double)t->tv_sec + t->tv_nsec / 1e9;
    double to_rt = at - ((double)rt.tv_sec + rt.tv_nsec / 1e9);
    double to_mono = at - ((double)mono.tv_sec + mono.tv_nsec / 1e9);
    int clock = to_rt > -60 && to_rt < 60       ? CLOCK_REALTIME
                : to_mono > -60 && to_mono < 60 ? CLOCK_MONOTONIC
                                                : -1;
    atomic_store_explicit(&deadline_clock, clock, memory_order_relaxed);
}

int __real_clock_gettime(clockid_t clock, struct timespec *t);

double tl__deadline_at(const struct timespec *t)
{
    struct timespec now;
    double at = (double)t->tv_sec + t->tv_nsec / 1e9;
    /* A date is on the wall clock, measured by the kernel's own (no test's jump); a monotonic
     * reading is decades smaller. */
    __real_clock_gettime(at > 1e9 ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
    return tl_now() + at - ((double)now.tv_sec + now.tv_nsec / 1e9);
}

int tl_deadline_clock(void)
{
    return atomic_load_explicit(&deadline_clock, memory_order_relaxed);
}
