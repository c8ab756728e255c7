/* test_tls.c - the TLS lab's Criterion tests: contexts apart, exact totals, speed. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "scenarios.h"
#include "tl_test.h"
#include "tls.h"

/* Threads per wave: more than cores, so that threads are preempted between their calls. */
#define TLST_THREADS 16

struct tlst_one {
    tlst_ctx_fn fn;
    struct tls_ctx *first, *second;
    bool zero;
};

static void *tlst_one_thread(void *arg)
{
    struct tlst_one *o = arg;
    o->first = o->fn();
    o->zero = o->first && o->first->id == 0 && o->first->depth == 0 && !o->first->note[0];
    if (o->first)
        o->first->id = 42;
    o->second = o->fn();
    return NULL;
}

/* One thread on its own: a zeroed context, the same one on its second call. */
static void tlst_check_one(const char *name, tlst_ctx_fn fn)
{
    struct tlst_one o = {.fn = fn};
    pthread_t t;
    tl_spawn(&t, tlst_one_thread, &o);
    pthread_join(t, NULL);
    TL_CHECK(o.first, "%s() returned NULL: it must return the calling thread's context", name);
    TL_CHECK(o.zero, "%s() gave a thread's first call a context that was not zeroed", name);
    TL_CHECK(o.second == o.first,
             "%s() returned %p on a thread's first call and %p on its second: a thread must get "
             "the same context on every call",
             name, (void *)o.first, (void *)o.second);
}

TL_TEST(tls, ctx_key_basics)
{
    tlst_check_one("tls_ctx_key", tls_ctx_key);
}

/* Waves of threads: each new wave's contexts must be fresh (zeroed) although the previous
 * wave's were freed and their memory may be handed out again. */
TL_TEST(tls, ctx_key_isolation)
{
    for (int wave = 0; wave < 6; wave++)
        tlst_scn_ctx_threads("tls_ctx_key", tls_ctx_key, TLST_THREADS, 3000);
}

TL_TEST(tls, ctx_local_basics)
{
    tlst_check_one("tls_ctx_local", tls_ctx_local);
}

TL_TEST(tls, ctx_local_isolation)
{
    for (int wave = 0; wave < 6; wave++)
        tlst_scn_ctx_threads("tls_ctx_local", tls_ctx_local, TLST_THREADS, 3000);
}

TL_TEST(tls, stat_bad_args)
{
    long total = 12345;
    int err = tls_stat_add(-1, 1);
    TL_CHECK(err == EINVAL, "tls_stat_add(-1, 1) returned %d (%s) instead of EINVAL", err,
             strerror(err));
    err = tls_stat_add(TLS_NSTATS, 1);
    TL_CHECK(err == EINVAL, "tls_stat_add(TLS_NSTATS, 1) returned %d (%s) instead of EINVAL", err,
             strerror(err));
    err = tls_stat_total(TLS_NSTATS, &total);
    TL_CHECK(err == EINVAL, "tls_stat_total(TLS_NSTATS, &total) returned %d (%s) instead of EINVAL",
             err, strerror(err));
    err = tls_stat_total(-1, &total);
    TL_CHECK(err == EINVAL, "tls_stat_total(-1, &total) returned %d (%s) instead of EINVAL", err,
             strerror(err));
    err = tls_stat_total(0, NULL);
    TL_CHECK(err == EINVAL, "tls_stat_total(0, NULL) returned %d (%s) instead of EINVAL", err,
             strerror(err));
    TL_CHECK(total == 12345, "tls_stat_total changed *total although it returned an error");
    err = tls_stat_total(0, &total);
    TL_CHECK(err == 0 && total == 0,
             "tls_stat_total(0, &total) before any add returned %d (%s) with total %ld: expected "
             "0 with total 0",
             err, strerror(err), total);
}

/* Threads that are still running: their counters are summed where they are. */
TL_TEST(tls, stat_exact_live)
{
    tlst_scn_stats(0, 0, TLST_THREADS, 50000);
    tlst_scn_stats(0, 0, 3, 200000);
}

/* 1,000 threads that add and exit, in waves, the total checked while each wave runs and after
 * it exited; then threads that stay alive beside the exited ones. */
TL_TEST(tls, stat_exact_exited)
{
    tlst_scn_stats(40, 25, 0, 2000);
    tlst_scn_stats(4, TLST_THREADS, TLST_THREADS, 20000);
}

/* ---- Speed: per-thread counters against one counter behind one mutex --------------------- */

/* The baseline: one shared counter, one lock per add. The grader instruments every call of the
 * student's file (see grader/LABS.md); the baseline makes the same two calls, so that the
 * comparison is between a lock and per-thread counters, not between an instrumented call and
 * a plain one. */
void __cyg_profile_func_enter(void *fn, void *call_site);
void __cyg_profile_func_exit(void *fn, void *call_site);

static pthread_mutex_t tlst_lock = PTHREAD_MUTEX_INITIALIZER;
static long tlst_locked_count;

static int tlst_locked_add(int stat, long n)
{
    (void)stat;
    __cyg_profile_func_enter((void *)tlst_locked_add, __builtin_return_address(0));
    pthread_mutex_lock(&tlst_lock);
    tlst_locked_count += n;
    pthread_mutex_unlock(&tlst_lock);
    __cyg_profile_func_exit((void *)tlst_locked_add, __builtin_return_address(0));
    return 0;
}

/* The cost of a call and nothing else: what both sides pay before they add anything. */
static int tlst_empty_add(int stat, long n)
{
    (void)stat;
    (void)n;
    __cyg_profile_func_enter((void *)tlst_empty_add, __builtin_return_address(0));
    __cyg_profile_func_exit((void *)tlst_empty_add, __builtin_return_address(0));
    return 0;
}

#define TLST_SPEED_THREADS 4
#define TLST_SPEED_ADDS    100000L
/* How many times less an add must cost than a lock, beyond the call: correct code is far below. */
#define TLST_FASTER 2

struct tlst_side {
    const char *name;
    int (*add)(int stat, long n);
    long (*total)(void);
    uint64_t locks; /* mutex locks of one run */
    int err;
    pthread_barrier_t start; /* the threads add at the same time, so a shared lock is contended */
    pthread_mutex_t cpu_lock;
    double cpu_s; /* CPU time the threads spent adding, in one run */
};

/* The calling thread's CPU time: unlike wall time, it leaves out waiting for a core, which on a
 * busy machine can be longer than the adds themselves. */
static double tlst_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *tlst_speed_worker(void *arg)
{
    struct tlst_side *side = arg;
    int err = 0;
    pthread_barrier_wait(&side->start);
    double t0 = tlst_thread_cpu();
    for (long i = 0; i < TLST_SPEED_ADDS && !err; i++)
        err = side->add(1, 1);
    double t = tlst_thread_cpu() - t0;
    pthread_mutex_lock(&side->cpu_lock);
    side->cpu_s += t;
    if (err)
        side->err = err;
    pthread_mutex_unlock(&side->cpu_lock);
    return NULL;
}

static long tlst_locked_total(void)
{
    pthread_mutex_lock(&tlst_lock);
    long total = tlst_locked_count;
    pthread_mutex_unlock(&tlst_lock);
    return total;
}

static long tlst_stat_total1(void)
{
    long total = -1;
    tls_stat_total(1, &total);
    return total;
}

/* One timed run of a side: TLST_SPEED_THREADS threads adding 1 TLST_SPEED_ADDS times each. It
 * must count exactly; its mutex locks are counted through the wrapper. */
static void tlst_time_side(struct tlst_side *side)
{
    pthread_t tids[TLST_SPEED_THREADS];
    pthread_barrier_init(&side->start, NULL, TLST_SPEED_THREADS);
    side->cpu_s = 0;
    long before = side->total ? side->total() : 0;
    uint64_t locks = tl_lock_calls();
    for (int i = 0; i < TLST_SPEED_THREADS; i++)
        tl_spawn(&tids[i], tlst_speed_worker, side);
    for (int i = 0; i < TLST_SPEED_THREADS; i++)
        pthread_join(tids[i], NULL);
    pthread_barrier_destroy(&side->start);
    /* each worker locks once to add up its CPU time: not the side's lock */
    side->locks = tl_lock_calls() - locks - TLST_SPEED_THREADS;
    long added = side->total ? side->total() - before : TLST_SPEED_THREADS * TLST_SPEED_ADDS;
    TL_CHECK(side->err == 0, "%s(1, 1) returned %d (%s) instead of 0", side->name, side->err,
             strerror(side->err));
    TL_CHECK(added == TLST_SPEED_THREADS * TLST_SPEED_ADDS,
             "%d threads called %s(1, 1) %ld times each, and the total grew by %ld instead of %ld",
             TLST_SPEED_THREADS, side->name, TLST_SPEED_ADDS, added,
             TLST_SPEED_THREADS * TLST_SPEED_ADDS);
}

/* Side by side in one run, best of five, so that load from other processes hits all alike, and
 * in CPU time, which leaves out waiting for a core (on a busy machine, longer than the adds).
 * Each side is first checked to be what it says: the mutex counter takes a lock per add, and
 * tls_stat_add takes none per add (a few to register a thread are fine): that check alone
 * catches one shared counter behind a lock. Then the cost of an add beyond the cost of a call
 * (an empty call, instrumented like the student's: about 8 ns here, most of a per-thread add)
 * is compared: about 15 ns for an uncontended lock and unlock, 1 to 4 ns for a per-thread
 * counter, a few times that for one atomic counter shared by threads that run at once. */
TL_TEST(tls, stat_faster)
{
    const long adds = TLST_SPEED_THREADS * TLST_SPEED_ADDS;
    struct tlst_side mutex = {.name = "a counter behind one mutex",
                              .add = tlst_locked_add,
                              .total = tlst_locked_total,
                              .cpu_lock = PTHREAD_MUTEX_INITIALIZER};
    struct tlst_side mine = {.name = "tls_stat_add",
                             .add = tls_stat_add,
                             .total = tlst_stat_total1,
                             .cpu_lock = PTHREAD_MUTEX_INITIALIZER};
    struct tlst_side empty = {
        .name = "an empty call", .add = tlst_empty_add, .cpu_lock = PTHREAD_MUTEX_INITIALIZER};
    double mutex_best = 1e9, mine_best = 1e9, empty_best = 1e9;
    for (int run = 0; run < 5; run++) {
        tlst_time_side(&empty);
        empty_best = empty.cpu_s < empty_best ? empty.cpu_s : empty_best;
        tlst_time_side(&mutex);
        mutex_best = mutex.cpu_s < mutex_best ? mutex.cpu_s : mutex_best;
        tlst_time_side(&mine);
        mine_best = mine.cpu_s < mine_best ? mine.cpu_s : mine_best;
        TL_CHECK(mutex.locks >= (uint64_t)adds,
                 "the test's own mutex counter took %llu locks for %ld adds: the test is "
                 "broken, not your code",
                 (unsigned long long)mutex.locks, adds);
        TL_CHECK(mine.locks < (uint64_t)adds / 100,
                 "%d threads called tls_stat_add %ld times in all, and it took %llu mutex locks: "
                 "a lock per add is a shared counter, not a per-thread one. Add to the calling "
                 "thread's own counters with no lock; lock only to register a thread, to fold "
                 "it at exit and to sum (README \"Task 3: counters that lose nothing\")",
                 TLST_SPEED_THREADS, adds, (unsigned long long)mine.locks);
    }
    double mutex_add = mutex_best - empty_best, mine_add = mine_best - empty_best;
    TL_CHECK(mutex_add >= TLST_FASTER * mine_add,
             "beyond the cost of a call (%.2f ms of CPU for %d x %ld calls), tls_stat_add used "
             "%.2f ms and a counter behind one mutex %.2f ms for the same adds: per-thread "
             "counters must cost far less (at most 1/%d). tls_stat_add takes no lock per add, "
             "as it should (%llu locks): does each add still write memory that other threads "
             "write too (a shared total or one atomic counter)? See README \"What sharing costs\"",
             empty_best * 1e3, TLST_SPEED_THREADS, TLST_SPEED_ADDS, mine_add * 1e3, mutex_add * 1e3,
             TLST_FASTER, (unsigned long long)mine.locks);
}
