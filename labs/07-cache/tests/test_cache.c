/* test_cache.c - the cache lab's tests: one TL_TEST per "test" check in lab.conf. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "tl_test.h"
#include "scenarios.h"

#define RELAXED memory_order_relaxed

static void put_ok(struct cache *c, long key, long value)
{
    int err = cache_put(c, key, value);
    TL_CHECK(err == 0, "cache_put(key %ld, %ld) returned %s; it must return 0", key, value,
             tl_err_name(err));
}

/* cache_get(key) must return 0 and want (want < 0: ENOENT). */
static void get_expect(struct cache *c, long key, long want, const char *why)
{
    long v = -1;
    int err = cache_get(c, key, &v);
    if (want < 0)
        TL_CHECK(err == ENOENT && v == -1,
                 "cache_get(key %ld) returned %s and %ld, but %s: it must return ENOENT and "
                 "leave the value alone",
                 key, tl_err_name(err), v, why);
    else
        TL_CHECK(err == 0 && v == want,
                 "cache_get(key %ld) returned %s and %ld, but %s: it must "
                 "return 0 and %ld",
                 key, tl_err_name(err), v, why, want);
}

static int counting_fn(long key, void *arg, long *value)
{
    atomic_fetch_add_explicit((atomic_int *)arg, 1, RELAXED);
    *value = key * 2;
    return 0;
}

static int failing_fn(long key, void *arg, long *value)
{
    (void)key;
    (void)value;
    atomic_fetch_add_explicit((atomic_int *)arg, 1, RELAXED);
    return EIO;
}

/* ---- Task 1 ------------------------------------------------------------------------------- */

TL_TEST(cache, create_and_errors)
{
    TL_CHECK(cache_create(0) == NULL,
             "cache_create(0) returned a cache; a cache with no room is an error: NULL");
    struct cache *c = ct_create(1);
    struct cache_stats s = ct_stats(c);
    TL_CHECK(s.hits == 0 && s.misses == 0 && s.evictions == 0 && s.size == 0,
             "cache_stats on a new cache said %lu hits, %lu misses, %lu evictions, size %zu; "
             "all must be 0",
             s.hits, s.misses, s.evictions, s.size);
    get_expect(c, 1, -1, "the cache is new and empty");
    int err = cache_remove(c, 1);
    TL_CHECK(err == ENOENT, "cache_remove on an empty cache returned %s; it must return ENOENT",
             tl_err_name(err));
    cache_destroy(c);
}

TL_TEST(cache, put_get_remove)
{
    struct cache *c = ct_create(4);
    put_ok(c, 1, 10);
    put_ok(c, 2, 20);
    get_expect(c, 1, 10, "key 1 was put with 10");
    get_expect(c, 3, -1, "key 3 was never put");
    put_ok(c, 1, 11);
    get_expect(c, 1, 11, "key 1 was put again with 11 (a put replaces)");
    struct cache_stats s = ct_stats(c);
    TL_CHECK(s.size == 2 && s.hits == 2 && s.misses == 1 && s.evictions == 0,
             "cache_stats said %lu hits, %lu misses, %lu evictions, size %zu after keys 1 and 2 "
             "were put, key 1 again, and 3 gets (2 found, 1 not); it must say 2 hits, 1 miss, "
             "0 evictions, size 2",
             s.hits, s.misses, s.evictions, s.size);
    int err = cache_remove(c, 1);
    TL_CHECK(err == 0, "cache_remove of a key the cache holds returned %s; it must return 0",
             tl_err_name(err));
    get_expect(c, 1, -1, "key 1 was removed");
    err = cache_remove(c, 1);
    TL_CHECK(err == ENOENT,
             "cache_remove of a key already removed returned %s; it must return "
             "ENOENT",
             tl_err_name(err));

    atomic_int calls;
    atomic_init(&calls, 0);
    long v = -1;
    err = cache_get_or_compute(c, 2, counting_fn, &calls, &v);
    TL_CHECK(err == 0 && v == 20 && atomic_load(&calls) == 0,
             "cache_get_or_compute(key 2) returned %s and %ld and called fn %d times, while the "
             "cache held 20 for key 2; it must return 0 and 20 without calling fn",
             tl_err_name(err), v, atomic_load(&calls));
    err = cache_get_or_compute(c, 5, counting_fn, &calls, &v);
    TL_CHECK(err == 0 && v == 10 && atomic_load(&calls) == 1,
             "cache_get_or_compute(key 5) on a key the cache does not hold returned %s and %ld "
             "and called fn %d times; it must call fn once and return 0 and fn's value, 10",
             tl_err_name(err), v, atomic_load(&calls));
    get_expect(c, 5, 10, "cache_get_or_compute stored 10 for key 5");
    v = -1;
    err = cache_get_or_compute(c, 6, failing_fn, &calls, &v);
    TL_CHECK(err == EIO && v == -1,
             "cache_get_or_compute(key 6) whose fn failed with EIO returned %s and %ld; it must "
             "return fn's error, EIO, and leave the value alone",
             tl_err_name(err), v);
    get_expect(c, 6, -1, "the computation of key 6 failed");
    s = ct_stats(c);
    TL_CHECK(s.size == 2 && s.hits == 4 && s.misses == 5,
             "cache_stats said %lu hits, %lu misses, size %zu; after the calls of this test it "
             "must say 4 hits, 5 misses (cache_get_or_compute counts a hit when it finds a "
             "value, a miss when it does not), size 2",
             s.hits, s.misses, s.size);
    cache_destroy(c);
}

/* ---- Task 2 ------------------------------------------------------------------------------- */

TL_TEST(cache, lru_order)
{
    struct cache *c = ct_create(3);
    put_ok(c, 1, 10);
    put_ok(c, 2, 20);
    put_ok(c, 3, 30);
    get_expect(c, 1, 10, "key 1 was put with 10");
    put_ok(c, 4, 40); /* full: evicts 2, the least recently used (1 was used by the get) */
    get_expect(c, 2, -1,
               "a 4th key was put into a full cache of capacity 3 after keys 1, 2 and 3 were "
               "put and 1 was read: key 2 was the least recently used and must be evicted "
               "(evicting the oldest put instead is FIFO, not LRU)");
    get_expect(c, 1, 10, "key 1 was used more recently than key 2 and must stay");
    get_expect(c, 3, 30, "key 3 was used more recently than key 2 and must stay");
    get_expect(c, 4, 40, "key 4 was just put");
    /* Recency now: 4, 3, 1 (most recent first). A put that replaces and a hit of
     * cache_get_or_compute are uses too. */
    put_ok(c, 1, 11);
    atomic_int calls;
    atomic_init(&calls, 0);
    long v = -1;
    int err = cache_get_or_compute(c, 3, counting_fn, &calls, &v);
    TL_CHECK(err == 0 && v == 30 && atomic_load(&calls) == 0,
             "cache_get_or_compute(key 3) returned %s and %ld and called fn %d times while the "
             "cache held 30 for key 3; it must return 30 without calling fn",
             tl_err_name(err), v, atomic_load(&calls));
    put_ok(c, 5, 50); /* evicts 4 */
    get_expect(c, 4, -1,
               "after keys 4, 3, 1 were read, key 1 was put again and key 3 found by "
               "cache_get_or_compute, key 4 was the least recently used when key 5 was put: a "
               "put that replaces a value and a hit of cache_get_or_compute are uses too");
    get_expect(c, 1, 11, "key 1 was put again with 11 more recently than key 4");
    get_expect(c, 3, 30, "key 3 was found by cache_get_or_compute more recently than key 4");
    get_expect(c, 5, 50, "key 5 was just put");
    struct cache_stats s = ct_stats(c);
    TL_CHECK(s.evictions == 2 && s.size == 3,
             "cache_stats said %lu evictions and size %zu after two puts of a new key into a "
             "full cache of capacity 3; it must say 2 and 3",
             s.evictions, s.size);
    cache_destroy(c);
}

enum { CAP_CAPACITY = 5, CAP_THREADS = 4, CAP_KEYS = 64 };

static struct cache *cap_cache;

static void *cap_putter(void *arg)
{
    (void)arg;
    for (long i = 0; i < 5000; i++) {
        long key = (long)tl_rand_below(CAP_KEYS);
        put_ok(cap_cache, key, key);
        if (i % 16 == 0) {
            struct cache_stats s = ct_stats(cap_cache);
            TL_CHECK(s.size <= CAP_CAPACITY,
                     "cache_stats said the cache held %zu values; its capacity is %d, and "
                     "threads were putting new keys",
                     s.size, CAP_CAPACITY);
        }
    }
    return NULL;
}

TL_TEST(cache, capacity)
{
    struct cache *c = cap_cache = ct_create(CAP_CAPACITY);
    for (long key = 0; key <= CAP_CAPACITY; key++)
        put_ok(c, key, key);
    struct cache_stats s = ct_stats(c);
    TL_CHECK(s.size == CAP_CAPACITY && s.evictions == 1,
             "cache_stats said size %zu and %lu evictions after %d different keys were put into "
             "a cache of capacity %d; it must say size %d and 1 eviction",
             s.size, s.evictions, CAP_CAPACITY + 1, CAP_CAPACITY, CAP_CAPACITY);
    get_expect(c, 0, -1, "key 0 was the least recently used when the cache overflowed");

    tl_noise(TL_NOISE_YIELD);
    pthread_t threads[CAP_THREADS];
    for (int i = 0; i < CAP_THREADS; i++)
        tl_spawn(&threads[i], cap_putter, NULL);
    for (int i = 0; i < CAP_THREADS; i++)
        pthread_join(threads[i], NULL);
    size_t held = 0;
    for (long key = 0; key < CAP_KEYS; key++) {
        long v;
        held += cache_get(c, key, &v) == 0;
    }
    TL_CHECK(held <= CAP_CAPACITY,
             "cache_get found %zu keys in a cache of capacity %d after threads put %d different "
             "keys: a full cache must evict one value for every new key",
             held, CAP_CAPACITY, CAP_KEYS);
    cache_destroy(c);
}

/* ---- Task 3 ------------------------------------------------------------------------------- */

TL_TEST(cache, exactly_once)
{
    tl_scenario("once");
}

/* Two computations of different keys, each waiting until the other has started. */
static struct {
    struct cache *c;
    atomic_int inside;
} par;

static bool both_inside(void *arg)
{
    (void)arg;
    return atomic_load_explicit(&par.inside, RELAXED) >= 2;
}

static int meeting_fn(long key, void *arg, long *value)
{
    (void)arg;
    atomic_fetch_add_explicit(&par.inside, 1, RELAXED);
    /* Under 1 s, so that this message comes before the hang watchdog's. */
    bool met = tl_await(both_inside, NULL, 0.8);
    TL_CHECK(met,
             "fn for key %ld waited 0.8 s for the computation of another key, started by another "
             "thread, but it never began: cache_get_or_compute runs one computation at a time "
             "(it must hold no lock while fn runs, and have no lock just for computing)",
             key);
    *value = key;
    return 0;
}

static void *par_caller(void *arg)
{
    long key = (long)(intptr_t)arg, v = -1;
    int err = cache_get_or_compute(par.c, key, meeting_fn, NULL, &v);
    TL_CHECK(err == 0 && v == key,
             "cache_get_or_compute(key %ld) returned %s and %ld; it must "
             "return 0 and %ld",
             key, tl_err_name(err), v, key);
    return NULL;
}

TL_TEST(cache, parallel_compute)
{
    pthread_t threads[2];
    par.c = ct_create(4);
    atomic_init(&par.inside, 0);
    for (long i = 0; i < 2; i++)
        tl_spawn(&threads[i], par_caller, (void *)(intptr_t)(i + 1));
    for (int i = 0; i < 2; i++)
        pthread_join(threads[i], NULL);
    cache_destroy(par.c);
}

/* While fn computes, another thread must be able to use the cache. */
static struct {
    struct cache *c;
    atomic_int done;
} probe;

static void *probe_thread(void *arg)
{
    (void)arg;
    long v = -1;
    int err = cache_get(probe.c, 9, &v);
    TL_CHECK(err == 0 && v == 90, "cache_get(key 9) returned %s and %ld; it must return 0 and 90",
             tl_err_name(err), v);
    put_ok(probe.c, 10, 100);
    ct_stats(probe.c);
    atomic_store_explicit(&probe.done, 1, RELAXED);
    return NULL;
}

static bool probe_done(void *arg)
{
    (void)arg;
    return atomic_load_explicit(&probe.done, RELAXED);
}

static int probing_fn(long key, void *arg, long *value)
{
    (void)arg;
    pthread_t t;
    tl_spawn(&t, probe_thread, NULL);
    bool done = tl_await(probe_done, NULL, 0.8); /* before the hang watchdog's message */
    TL_CHECK(done,
             "while fn computed key %ld, another thread's cache_get, cache_put and cache_stats "
             "did not return within 0.8 s: cache_get_or_compute holds the cache's lock while it "
             "calls fn, so every other call waits for the computation. Unlock before calling "
             "fn, lock again after",
             key);
    pthread_join(t, NULL);
    *value = key;
    return 0;
}

TL_TEST(cache, no_lock_while_computing)
{
    probe.c = ct_create(4);
    atomic_init(&probe.done, 0);
    put_ok(probe.c, 9, 90);
    long v = -1;
    int err = cache_get_or_compute(probe.c, 1, probing_fn, NULL, &v);
    TL_CHECK(err == 0 && v == 1,
             "cache_get_or_compute(key 1) returned %s and %ld; it must "
             "return 0 and 1",
             tl_err_name(err), v);
    get_expect(probe.c, 10, 100, "another thread put 100 for key 10 while key 1 was computed");
    cache_destroy(probe.c);
}

/* ---- Task 4 ------------------------------------------------------------------------------- */

TL_TEST(cache, error_to_all_waiters)
{
    tl_scenario("error");
}

static struct cache *re_cache;

static int inner_fn(long key, void *arg, long *value)
{
    (void)arg;
    *value = key * 10;
    return 0;
}

/* Computes key 1 from key 2's value, through the cache. */
static int outer_fn(long key, void *arg, long *value)
{
    (void)arg;
    long inner = -1;
    int err = cache_get_or_compute(re_cache, key + 1, inner_fn, NULL, &inner);
    if (err)
        return err;
    *value = inner + 1;
    return 0;
}

TL_TEST(cache, reentrant)
{
    re_cache = ct_create(4);
    long v = -1;
    int err = cache_get_or_compute(re_cache, 1, outer_fn, NULL, &v);
    TL_CHECK(err == 0 && v == 21,
             "cache_get_or_compute(key 1), whose fn calls cache_get_or_compute(key 2), returned "
             "%s and %ld; it must return 0 and 21",
             tl_err_name(err), v);
    get_expect(re_cache, 2, 20, "fn's own cache_get_or_compute computed 20 for key 2");
    get_expect(re_cache, 1, 21, "cache_get_or_compute computed 21 for key 1");
    cache_destroy(re_cache);
}

/* ---- Task 5 ------------------------------------------------------------------------------- */

TL_TEST(cache, consistent_stats)
{
    tl_scenario("stress");
}
