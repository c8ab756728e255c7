/* tl_clock.c - the wall clock as the code under test reads it, which a test can make jump.
 *
 * DESIGN: code that measures intervals or deadlines on the wall clock (CLOCK_REALTIME) breaks
 * when an administrator or NTP sets it; CLOCK_MONOTONIC never jumps. A test cannot set the
 * machine's clock, so every binary is linked with --wrap for the calls that read the wall clock
 * (clock_gettime on CLOCK_REALTIME and CLOCK_REALTIME_COARSE, time, gettimeofday, timespec_get):
 * they add the offset that tl_wall_clock_jump accumulated (0 unless a test jumps), and count the
 * reads made inside the code under test. What they cannot move is the wall clock inside libc and
 * the kernel: the clock a condition variable without pthread_condattr_setclock measures its
 * deadlines on. A deadline read from the jumped clock and given to such a condition variable is
 * then off by the jump, which is how a test sees that combination too.
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <sys/time.h>
#include <time.h>
#include <valgrind/helgrind.h>

#include "tl_test.h"
#include "tl_internal.h"

int __real_clock_gettime(clockid_t clock, struct timespec *t);
time_t __real_time(time_t *t);
int __real_gettimeofday(struct timeval *tv, void *tz);
int __real_timespec_get(struct timespec *t, int base);

static _Atomic long long jump_ns;   /* added to every wall-clock reading */
static _Atomic uint64_t stub_reads; /* wall-clock readings by the code under test */

void tl__clock_init(void)
{
    VALGRIND_HG_DISABLE_CHECKING(&jump_ns, sizeof jump_ns);
    VALGRIND_HG_DISABLE_CHECKING(&stub_reads, sizeof stub_reads);
}

void tl_wall_clock_jump(double seconds)
{
    atomic_fetch_add_explicit(&jump_ns, (long long)(seconds * 1e9), memory_order_relaxed);
}

uint64_t tl_wall_clock_reads(void)
{
    return atomic_load_explicit(&stub_reads, memory_order_relaxed);
}

/* Add the jump to a wall-clock reading t. */
static void jumped(struct timespec *t)
{
    long long ns = (long long)t->tv_nsec + atomic_load_explicit(&jump_ns, memory_order_relaxed);
    long long sec = ns / 1000000000, rem = ns % 1000000000;
    if (rem < 0)
        rem += 1000000000, sec--;
    t->tv_sec += (time_t)sec;
    t->tv_nsec = (long)rem;
}

/* One wall-clock reading: counted if the code under test made it. */
static void counted(void)
{
    struct tl_slot *s = tl__me();
    if (s && atomic_load_explicit(&s->depth, memory_order_relaxed) > 0)
        atomic_fetch_add_explicit(&stub_reads, 1, memory_order_relaxed);
}

void tl__wall_clock(struct timespec *t)
{
    __real_clock_gettime(CLOCK_REALTIME, t);
    jumped(t);
}

int __wrap_clock_gettime(clockid_t clock, struct timespec *t)
{
    int err = __real_clock_gettime(clock, t);
    if (err == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
        counted();
        jumped(t);
    }
    return err;
}

time_t __wrap_time(time_t *t)
{
    struct timespec now;
    counted();
    tl__wall_clock(&now);
    if (t)
        *t = now.tv_sec;
    return now.tv_sec;
}

int __wrap_gettimeofday(struct timeval *tv, void *tz)
{
    int err = __real_gettimeofday(tv, tz);
    if (err == 0 && tv) {
        counted();
        struct timespec now = {.tv_sec = tv->tv_sec, .tv_nsec = tv->tv_usec * 1000};
        jumped(&now);
        tv->tv_sec = now.tv_sec;
        tv->tv_usec = now.tv_nsec / 1000;
    }
    return err;
}

int __wrap_timespec_get(struct timespec *t, int base)
{
    int ret = __real_timespec_get(t, base);
    if (ret == TIME_UTC) {
        counted();
        jumped(t);
    }
    return ret;
}
