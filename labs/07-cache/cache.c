/* cache.c - a thread-safe LRU cache that computes each missing value once: the file you write
 * (lab 07-cache).
 *
 * The contract of every function is in include/cache.h; README.md walks through the tasks in
 * order. Until a function is written it fails cleanly: it returns NULL or ENOSYS.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cache.h"

struct cache {
    /* TODO(student): the values in recency order, the computations in progress (the in-flight
     * markers), the capacity, the statistics, the mutex that guards all of it and the
     * condition variable that waiters for a computation sleep on. */
    int placeholder;
};

struct cache *cache_create(size_t capacity)
{
    /* TODO(student): an empty cache for at most capacity values; NULL if capacity is 0. */
    (void)capacity;
    return NULL;
}

void cache_destroy(struct cache *c)
{
    /* TODO(student): free every value, then the cache. */
    (void)c;
}

int cache_get(struct cache *c, long key, long *value)
{
    /* TODO(student): a hit makes key the most recently used; count the hit or the miss. */
    (void)c;
    (void)key;
    (void)value;
    return ENOSYS;
}

int cache_put(struct cache *c, long key, long value)
{
    /* TODO(student): insert or replace; a new key in a full cache evicts the least recently
     * used value. */
    (void)c;
    (void)key;
    (void)value;
    return ENOSYS;
}

int cache_remove(struct cache *c, long key)
{
    /* TODO(student): drop key's value, freeing it; ENOENT if there is none. */
    (void)c;
    (void)key;
    return ENOSYS;
}

int cache_get_or_compute(struct cache *c, long key, cache_compute_fn *fn, void *arg, long *value)
{
    /* TODO(student): a hit returns the value; a key being computed means wait for that result;
     * otherwise mark key in flight, unlock, call fn, lock, store the value on success, wake
     * every waiter (success or error) and return the result. */
    (void)c;
    (void)key;
    (void)fn;
    (void)arg;
    (void)value;
    return ENOSYS;
}

void cache_stats(struct cache *c, struct cache_stats *stats)
{
    /* TODO(student): copy hits, misses, evictions and size, all under the mutex. */
    (void)c;
    *stats = (struct cache_stats){0};
}
