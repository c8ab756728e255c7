/* cache.h - a thread-safe cache of computed values with LRU eviction (lab 07-cache).
 *
 * Keys and values are longs. The cache holds at most `capacity` values; putting one more evicts
 * the least recently used (a get or get_or_compute that finds a value, and a put, are uses).
 * Every function is safe to call from any number of threads at once, except cache_destroy.
 * Functions that can fail return 0 or an error number, as pthreads does (they do not set errno):
 *   ENOENT  the key holds no value
 *   other   whatever error the compute function returned
 */
#ifndef CACHE_H
#define CACHE_H

#include <stddef.h>

struct cache;

/* Computes the value of key into *value and returns 0, or returns an error number (nonzero) and
 * leaves *value alone. It may take a while, and it may itself call cache_get_or_compute for
 * another key of the same cache (not for a key whose computation is waiting for it). */
typedef int cache_compute_fn(long key, void *arg, long *value);

/* One consistent snapshot: every field read at the same moment. */
struct cache_stats {
    unsigned long hits;      /* calls of cache_get and cache_get_or_compute that found a value */
    unsigned long misses;    /* calls of those two that found none (to compute, or wait for) */
    unsigned long evictions; /* values dropped to make room for another */
    size_t size;             /* values held now (at most the capacity) */
};

/* A new empty cache that holds at most capacity values; NULL if capacity is 0 or memory runs
 * out. Free it with cache_destroy. */
struct cache *cache_create(size_t capacity);

/* Free c and every value in it. No thread may be using c, or use it afterwards. */
void cache_destroy(struct cache *c);

/* The value of key into *value: 0 (a hit), or ENOENT (a miss; *value unchanged). Never waits for
 * a computation in progress: a key being computed holds no value yet. */
int cache_get(struct cache *c, long key, long *value);

/* Store value under key, replacing its old value if any; a new key in a full cache evicts the
 * least recently used value. 0, or ENOMEM. */
int cache_put(struct cache *c, long key, long value);

/* Drop key's value: 0, or ENOENT if it held none. A computation in progress is not affected. */
int cache_remove(struct cache *c, long key);

/* The value of key into *value, computed with fn(key, arg, value) if the cache holds none:
 *   - a value is computed at most once at a time per key: callers that ask while it is being
 *     computed wait (without using the CPU) and all get that result;
 *   - computations of different keys run at the same time: no lock is held while fn runs;
 *   - if fn fails, nothing is stored, and the caller and every waiter get fn's error; the next
 *     call computes again.
 * 0, fn's error, or ENOMEM. The computed value is stored (as a put would) when fn returns. */
int cache_get_or_compute(struct cache *c, long key, cache_compute_fn *fn, void *arg, long *value);

/* Copy the counters and size into *stats, all as of one moment. */
void cache_stats(struct cache *c, struct cache_stats *stats);

#endif
