/* scenarios.c - the cache lab's concurrency scenarios, shared by the tests and the driver.
 *
 * DESIGN: a computation that others must wait for does not sleep for a while and hope they
 * came: fn itself waits (tl_await_waiters) until the other callers are asleep in a condition
 * variable, and a second call of fn, already the bug, sleeps until the first ends (struct hold).
 * So every check here is decided by what the code did, never by timing. The tests' own bookkeeping
 * uses relaxed atomics, hidden from Helgrind: they add no happens-before edge, so they hide no race
 * of the code under test from the detectors.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <valgrind/helgrind.h>

#include "scenarios.h"
#include "tl_test.h"

#define RELAXED memory_order_relaxed

struct cache *ct_create(size_t capacity)
{
    struct cache *c = cache_create(capacity);
    TL_CHECK(c, "cache_create(%zu) returned NULL; it must return a new empty cache", capacity);
    struct cache_stats s;
    tl_label_begin("the cache's lock"); /* whatever cache_stats locks, in feedback */
    cache_stats(c, &s);
    tl_label_end();
    return c;
}

void ct_quiet(void *addr, size_t len)
{
    VALGRIND_HG_DISABLE_CHECKING(addr, len);
}

struct cache_stats ct_stats(struct cache *c)
{
    struct cache_stats s;
    memset(&s, 0xa5, sizeof s); /* a field cache_stats forgets to fill shows as garbage */
    cache_stats(c, &s);
    return s;
}

/* ---- Holding a computation open ------------------------------------------------------------- */

/* fn's calls for one key. The first holds its computation open until the other callers sleep in
 * a condition wait (tl_await_waiters, which also ends at once, with a diagnosis, when they poll
 * instead). A second call is already the bug (two computations of one key): it sleeps in the
 * test's own condition wait until the first ends, so that it counts as waiting and every
 * duplicate is counted, whatever the schedule. */
struct hold {
    pthread_mutex_t lock;
    pthread_cond_t first_done;
    bool done; /* under lock */
    atomic_int calls;
};

static void hold_init(struct hold *h)
{
    pthread_mutex_init(&h->lock, NULL);
    pthread_cond_init(&h->first_done, NULL);
    h->done = false;
    atomic_init(&h->calls, 0);
    ct_quiet(&h->calls, sizeof h->calls);
}

static void hold_destroy(struct hold *h)
{
    pthread_cond_destroy(&h->first_done);
    pthread_mutex_destroy(&h->lock);
}

/* Whether the others wait, or are stuck: blocked (the runner in pthread_join and this thread
 * in tl_await count too) but not in a condition wait, with no lock call made by anyone for
 * STUCK_S. Threads that poll lock all the time; threads that wait for a lock this thread holds
 * make no call at all. */
#define STUCK_S 0.2
struct settle {
    int others;
    uint64_t lock_calls; /* at `since` */
    double since;        /* when the others were first seen stuck; 0: not stuck */
};

static bool settled(void *arg)
{
    struct settle *st = arg;
    int waiting = tl_waiters();
    if (waiting >= st->others)
        return true;
    uint64_t calls = tl_lock_calls();
    if (tl_blocked_threads() - waiting < st->others + 2 || calls != st->lock_calls) {
        st->since = 0;
        st->lock_calls = calls;
        return false;
    }
    if (st->since == 0)
        st->since = tl_now();
    return tl_now() - st->since >= STUCK_S;
}

/* Called by fn: true if the first call saw the others waiting (later calls: true). */
static bool hold_open(struct hold *h, int others)
{
    bool waited = true;
    pthread_mutex_lock(&h->lock);
    if (atomic_fetch_add_explicit(&h->calls, 1, RELAXED) == 0) {
        pthread_mutex_unlock(&h->lock);
        struct settle st = {.others = others, .lock_calls = tl_lock_calls()};
        tl_await(settled, &st, tl_bound(1)); /* under the hang watchdog's 1 s when stuck */
        TL_CHECK(tl_waiters() >= others || st.since == 0 || tl_now() - st.since < STUCK_S,
                 "while fn computed a key, the %d other threads that asked "
                 "cache_get_or_compute for it stayed blocked on a lock for %.1f s, not in a "
                 "condition wait: cache_get_or_compute holds the cache's lock while it calls "
                 "fn. Unlock before calling fn, lock again after",
                 others, STUCK_S);
        /* Not all waiting yet: give them time, and name them at once if they poll. */
        waited = tl_await_waiters(others, tl_bound(5));
        pthread_mutex_lock(&h->lock);
        h->done = true;
        pthread_cond_broadcast(&h->first_done);
    } else {
        while (!h->done)
            pthread_cond_wait(&h->first_done, &h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    return waited;
}

/* ---- once: 8 callers, one computation ------------------------------------------------------ */

enum { ONCE_THREADS = 8, ONCE_KEY = 7 };
#define ONCE_VALUE (ONCE_KEY * 100 + 42)

static struct {
    struct cache *c;
    struct hold hold;
    pthread_barrier_t start;
    int ret[ONCE_THREADS];
    long got[ONCE_THREADS];
} once;

static int once_fn(long key, void *arg, long *value)
{
    (void)arg;
    bool waited = hold_open(&once.hold, ONCE_THREADS - 1);
    TL_CHECK(waited || atomic_load_explicit(&once.hold.calls, RELAXED) > 1,
             "while fn computed key %d, only %d of the %d other threads that asked "
             "cache_get_or_compute for the same key slept in a condition wait: a caller that "
             "finds the key being computed must wait for that result in pthread_cond_wait "
             "(not poll)",
             ONCE_KEY, tl_waiters(), ONCE_THREADS - 1);
    *value = key * 100 + 42;
    return 0;
}

static void *once_caller(void *arg)
{
    long i = (long)(intptr_t)arg;
    long v = -1;
    pthread_barrier_wait(&once.start);
    once.ret[i] = cache_get_or_compute(once.c, ONCE_KEY, once_fn, NULL, &v);
    once.got[i] = v;
    return NULL;
}

void ct_scn_once(void)
{
    pthread_t threads[ONCE_THREADS];
    once.c = ct_create(4);
    hold_init(&once.hold);
    pthread_barrier_init(&once.start, NULL, ONCE_THREADS);
    for (long i = 0; i < ONCE_THREADS; i++)
        tl_spawn(&threads[i], once_caller, (void *)(intptr_t)i);
    for (int i = 0; i < ONCE_THREADS; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&once.start);

    int calls = atomic_load_explicit(&once.hold.calls, RELAXED);
    TL_CHECK(calls == 1,
             "%d threads called cache_get_or_compute for key %d at once, and fn ran %d times; it "
             "must run once: the first caller marks the key as being computed (under the lock, "
             "in the same critical section as its lookup) and the others wait for its result",
             ONCE_THREADS, ONCE_KEY, calls);
    for (int i = 0; i < ONCE_THREADS; i++)
        TL_CHECK(once.ret[i] == 0 && once.got[i] == ONCE_VALUE,
                 "cache_get_or_compute(key %d) returned %s and value %ld to one of %d callers; "
                 "every caller must get 0 and the value computed, %d",
                 ONCE_KEY, tl_err_name(once.ret[i]), once.got[i], ONCE_THREADS, ONCE_VALUE);
    struct cache_stats s = ct_stats(once.c);
    TL_CHECK(s.misses == ONCE_THREADS && s.hits == 0,
             "cache_stats said %lu hits and %lu misses after %d calls of cache_get_or_compute "
             "that found no value (one computed it, the others waited for it): %d misses, no "
             "hit",
             s.hits, s.misses, ONCE_THREADS, ONCE_THREADS);
    long v = -1;
    int err = cache_get_or_compute(once.c, ONCE_KEY, once_fn, NULL, &v);
    TL_CHECK(err == 0 && v == ONCE_VALUE && atomic_load_explicit(&once.hold.calls, RELAXED) == 1,
             "cache_get_or_compute(key %d) after its value was computed returned %s and %ld "
             "and called fn %s; it must find the stored value (%d) without computing",
             ONCE_KEY, tl_err_name(err), v,
             atomic_load_explicit(&once.hold.calls, RELAXED) == 1 ? "no more" : "again",
             ONCE_VALUE);
    cache_destroy(once.c);
    hold_destroy(&once.hold);
}

/* ---- error: a failed computation and its waiters ------------------------------------------- */

enum { ERROR_THREADS = 4, ERROR_KEY = 5 };

static struct {
    struct cache *c;
    struct hold hold;
    int ret[ERROR_THREADS];
    long got[ERROR_THREADS];
} error;

static int failing_fn(long key, void *arg, long *value)
{
    (void)arg;
    (void)value;
    bool waited = hold_open(&error.hold, ERROR_THREADS - 1);
    TL_CHECK(waited || atomic_load_explicit(&error.hold.calls, RELAXED) > 1,
             "while fn computed key %ld, only %d of the %d other threads that asked "
             "cache_get_or_compute for the same key slept in a condition wait: a caller that "
             "finds the key being computed must wait for that result in pthread_cond_wait "
             "(not poll)",
             key, tl_waiters(), ERROR_THREADS - 1);
    return EIO;
}

static int succeeding_fn(long key, void *arg, long *value)
{
    atomic_fetch_add_explicit((atomic_int *)arg, 1, RELAXED);
    *value = key + 1000;
    return 0;
}

static void *error_caller(void *arg)
{
    long i = (long)(intptr_t)arg;
    long v = -1;
    error.ret[i] = cache_get_or_compute(error.c, ERROR_KEY, failing_fn, NULL, &v);
    error.got[i] = v;
    return NULL;
}

void ct_scn_error(void)
{
    pthread_t threads[ERROR_THREADS];
    error.c = ct_create(2);
    hold_init(&error.hold);
    for (long i = 0; i < ERROR_THREADS; i++)
        tl_spawn(&threads[i], error_caller, (void *)(intptr_t)i);
    for (int i = 0; i < ERROR_THREADS; i++)
        pthread_join(threads[i], NULL);

    int calls = atomic_load_explicit(&error.hold.calls, RELAXED);
    TL_CHECK(calls == 1,
             "%d threads called cache_get_or_compute for key %d at once, and fn ran %d times; it "
             "must run once, the others waiting for its result",
             ERROR_THREADS, ERROR_KEY, calls);
    for (int i = 0; i < ERROR_THREADS; i++)
        TL_CHECK(error.ret[i] == EIO && error.got[i] == -1,
                 "fn failed with EIO while %d callers of cache_get_or_compute(key %d) waited for "
                 "it, but one returned %s (value %ld); every caller must get fn's error, EIO, "
                 "and no value",
                 ERROR_THREADS - 1, ERROR_KEY, tl_err_name(error.ret[i]), error.got[i]);
    long v = -1;
    int err = cache_get(error.c, ERROR_KEY, &v);
    TL_CHECK(err == ENOENT,
             "cache_get(key %d) returned %s (value %ld) after the key's computation failed; a "
             "failed computation must store nothing (ENOENT)",
             ERROR_KEY, tl_err_name(err), v);
    atomic_int ok_calls;
    atomic_init(&ok_calls, 0);
    ct_quiet(&ok_calls, sizeof ok_calls);
    err = cache_get_or_compute(error.c, ERROR_KEY, succeeding_fn, &ok_calls, &v);
    TL_CHECK(err == 0 && v == ERROR_KEY + 1000 && atomic_load(&ok_calls) == 1,
             "cache_get_or_compute(key %d) after a failed computation returned %s and value %ld "
             "and %s fn; it must compute again (the error is not cached) and return 0 and %d",
             ERROR_KEY, tl_err_name(err), v,
             atomic_load(&ok_calls) == 1 ? "called" : "did not call", ERROR_KEY + 1000);
    err = cache_get(error.c, ERROR_KEY, &v);
    TL_CHECK(err == 0 && v == ERROR_KEY + 1000,
             "cache_get(key %d) returned %s and %ld after cache_get_or_compute computed it; it "
             "must return 0 and %d",
             ERROR_KEY, tl_err_name(err), v, ERROR_KEY + 1000);
    cache_destroy(error.c);
    hold_destroy(&error.hold);
}

/* ---- stress: every call at once, audited ---------------------------------------------------- */

enum { STRESS_WORKERS = 4, STRESS_CAPACITY = 4, STRESS_KEYS = 10, STRESS_HANDSHAKES = 3 };
enum { STRESS_FAILING_KEY = STRESS_KEYS - 1 }; /* its computation fails with EIO */
#define STRESS_VALUE(key) ((key)*10 + 1)

static struct {
    struct cache *c;
    long ops;
    pthread_barrier_t start;
    atomic_long started, finished; /* calls of cache_get and cache_get_or_compute */
    atomic_int stop;
    tl_flag read_round, write_round; /* the handshake's (see stress_handshake_read) */
} stress;

static int stress_fn(long key, void *arg, long *value)
{
    (void)arg;
    if (key == STRESS_FAILING_KEY)
        return EIO;
    *value = STRESS_VALUE(key);
    return 0;
}

/* Waits until round r, or gives up after a while (the other checks say why). */
static bool await_round(tl_flag *round, int r)
{
    return tl_flag_await(round, r, tl_bound(5));
}

/* Whether a cache_stats that reads outside the lock meets a later update depends on the
 * schedule (Helgrind runs one thread at a time). So first a handshake the detectors cannot see:
 * the auditor calls cache_stats, then tells worker 0 through a tl_flag, which only then
 * calls cache_get. An unlocked read and that update are then unordered on every run. */
static void stress_handshake_read(void)
{
    for (int r = 1; r <= STRESS_HANDSHAKES; r++) {
        ct_stats(stress.c);
        tl_flag_raise(&stress.read_round, r);
        if (!await_round(&stress.write_round, r))
            return;
    }
}

static void stress_handshake_write(void)
{
    long v;
    for (int r = 1; r <= STRESS_HANDSHAKES && await_round(&stress.read_round, r); r++) {
        atomic_fetch_add_explicit(&stress.started, 1, RELAXED);
        cache_get(stress.c, r, &v);
        atomic_fetch_add_explicit(&stress.finished, 1, RELAXED);
        tl_flag_raise(&stress.write_round, r);
    }
}

static void stress_lookup(long key, bool compute)
{
    long v = -1;
    atomic_fetch_add_explicit(&stress.started, 1, RELAXED);
    int err = compute ? cache_get_or_compute(stress.c, key, stress_fn, NULL, &v)
                      : cache_get(stress.c, key, &v);
    atomic_fetch_add_explicit(&stress.finished, 1, RELAXED);
    if (compute)
        TL_CHECK((err == 0 && v == STRESS_VALUE(key)) ||
                     (err == EIO && v == -1 && key == STRESS_FAILING_KEY),
                 "cache_get_or_compute(key %ld) returned %s and %ld; it must return 0 and %ld%s",
                 key, tl_err_name(err), v, STRESS_VALUE(key),
                 key == STRESS_FAILING_KEY ? ", or fn's error EIO and leave the value alone" : "");
    else
        TL_CHECK((err == 0 && v == STRESS_VALUE(key)) || (err == ENOENT && v == -1),
                 "cache_get(key %ld) returned %s and %ld; it must return 0 and %ld, or ENOENT "
                 "and leave the value alone",
                 key, tl_err_name(err), v, STRESS_VALUE(key));
}

static void *stress_worker(void *arg)
{
    pthread_barrier_wait(&stress.start);
    if ((intptr_t)arg == 0)
        stress_handshake_write();
    for (long i = 0; i < stress.ops; i++) {
        long key = (long)tl_rand_below(STRESS_KEYS);
        switch (tl_rand_below(4)) {
        case 0:
            stress_lookup(key, false);
            break;
        case 1: {
            int err = cache_put(stress.c, key, STRESS_VALUE(key));
            TL_CHECK(err == 0, "cache_put returned %s; it must return 0", tl_err_name(err));
            break;
        }
        case 2: {
            int err = cache_remove(stress.c, key);
            TL_CHECK(err == 0 || err == ENOENT,
                     "cache_remove returned %s; it must return 0 or "
                     "ENOENT",
                     tl_err_name(err));
            break;
        }
        default:
            stress_lookup(key, true);
        }
    }
    return NULL;
}

/* Check one snapshot against the calls: those finished before it was taken are in it, and it
 * holds no more than those started after. */
static void stress_audit(void)
{
    long before = atomic_load_explicit(&stress.finished, RELAXED);
    struct cache_stats s = ct_stats(stress.c);
    long after = atomic_load_explicit(&stress.started, RELAXED);
    unsigned long calls = s.hits + s.misses;
    TL_CHECK(calls >= (unsigned long)before && calls <= (unsigned long)after,
             "cache_stats said %lu hits and %lu misses (%lu calls) while between %ld and %ld "
             "calls of cache_get and cache_get_or_compute had been made: every call counts "
             "once, as a hit or a miss, and the snapshot must be read under the lock",
             s.hits, s.misses, calls, before, after);
    TL_CHECK(s.size <= STRESS_CAPACITY,
             "cache_stats said the cache held %zu values; its capacity is %d", s.size,
             STRESS_CAPACITY);
}

static void *stress_auditor(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&stress.start);
    stress_handshake_read();
    tl_observer(); /* only now: worker 0 awaits the handshake */
    while (!atomic_load_explicit(&stress.stop, RELAXED)) {
        stress_audit();
        tl_sleep_ms(0.02);
    }
    return NULL;
}

void ct_scn_stress(void)
{
    pthread_t threads[STRESS_WORKERS + 1];
    tl_noise(TL_NOISE_YIELD);
    stress.c = ct_create(STRESS_CAPACITY);
    stress.ops = tl_scaled(20000, 150);
    atomic_init(&stress.started, 0);
    atomic_init(&stress.finished, 0);
    atomic_init(&stress.stop, 0);
    tl_flag_init(&stress.read_round);
    tl_flag_init(&stress.write_round);
    ct_quiet(&stress.started, sizeof stress.started);
    ct_quiet(&stress.finished, sizeof stress.finished);
    ct_quiet(&stress.stop, sizeof stress.stop);
    pthread_barrier_init(&stress.start, NULL, STRESS_WORKERS + 1);
    for (long i = 0; i < STRESS_WORKERS; i++)
        tl_spawn(&threads[i], stress_worker, (void *)(intptr_t)i);
    tl_spawn(&threads[STRESS_WORKERS], stress_auditor, NULL);
    for (int i = 0; i < STRESS_WORKERS; i++)
        pthread_join(threads[i], NULL);
    atomic_store_explicit(&stress.stop, 1, RELAXED);
    pthread_join(threads[STRESS_WORKERS], NULL);
    pthread_barrier_destroy(&stress.start);

    stress_audit();
    long calls = atomic_load_explicit(&stress.finished, RELAXED);
    struct cache_stats s = ct_stats(stress.c);
    TL_CHECK(s.hits + s.misses == (unsigned long)calls,
             "after %ld calls of cache_get and cache_get_or_compute, cache_stats said %lu hits "
             "and %lu misses: every call must count once (under the lock: a count updated "
             "outside it loses updates)",
             calls, s.hits, s.misses);
    size_t held = 0;
    for (long key = 0; key < STRESS_KEYS; key++) {
        long v;
        held += cache_get(stress.c, key, &v) == 0;
    }
    TL_CHECK(held == s.size,
             "cache_stats said the cache held %zu values, but cache_get found %zu of the keys",
             s.size, held);
    cache_destroy(stress.c);
}

const struct tl_scenario tl_scenarios[] = {
    {"once", ct_scn_once},
    {"error", ct_scn_error},
    {"stress", ct_scn_stress},
    {NULL, NULL},
};
