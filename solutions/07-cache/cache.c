/* cache.c - a thread-safe LRU cache that computes each missing value once (reference).
 *
 * DESIGN: values live in a doubly linked list in recency order, the most recently used first,
 * so the least recently used is the last: an eviction drops it. A key being computed has a
 * flight instead: the in-flight marker that later callers find and wait on, and where the
 * computing thread leaves the result for them. One mutex guards everything; it is never held
 * while fn runs, so computations of different keys overlap and fn may use the cache itself.
 * Waiters sleep on one condition variable, `landed`, broadcast whenever a flight ends (in
 * success or failure), since every waiter of that key must wake. A flight is freed by the last
 * of its computer and waiters to read it (`refs`).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "cache.h"

struct entry {
    long key;
    long value;
    struct entry *prev, *next; /* recency list: head.next is the most recently used */
};

struct flight {
    long key;
    bool done;
    int err; /* fn's result, once done */
    long value;
    int refs; /* the computer and the waiters still to read the result */
    struct flight *next;
};

struct cache {
    pthread_mutex_t lock;
    pthread_cond_t landed;
    /* Everything below is read and written only with lock held. */
    struct entry head; /* sentinel of the recency list */
    struct flight *flights;
    size_t capacity;
    struct cache_stats stats;
};

struct cache *cache_create(size_t capacity)
{
    if (capacity == 0)
        return NULL;
    struct cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->landed, NULL);
    c->head.next = c->head.prev = &c->head;
    c->capacity = capacity;
    return c;
}

void cache_destroy(struct cache *c)
{
    if (!c)
        return;
    struct entry *e = c->head.next;
    while (e != &c->head) {
        struct entry *next = e->next;
        free(e);
        e = next;
    }
    pthread_cond_destroy(&c->landed);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static void unlink_entry(struct entry *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void push_front(struct cache *c, struct entry *e)
{
    e->prev = &c->head;
    e->next = c->head.next;
    c->head.next->prev = e;
    c->head.next = e;
}

/* key's entry, made the most recently used; NULL if none. Lock held. */
static struct entry *lookup(struct cache *c, long key)
{
    for (struct entry *e = c->head.next; e != &c->head; e = e->next) {
        if (e->key == key) {
            unlink_entry(e);
            push_front(c, e);
            return e;
        }
    }
    return NULL;
}

/* Store value under key as the most recently used, evicting the least recently used value if
 * a new key finds the cache full. Lock held. */
static int store(struct cache *c, long key, long value)
{
    struct entry *e = lookup(c, key);
    if (!e) {
        e = malloc(sizeof *e);
        if (!e)
            return ENOMEM;
        if (c->stats.size == c->capacity) {
            struct entry *lru = c->head.prev;
            unlink_entry(lru);
            free(lru);
            c->stats.size--;
            c->stats.evictions++;
        }
        e->key = key;
        push_front(c, e);
        c->stats.size++;
    }
    e->value = value;
    return 0;
}

int cache_get(struct cache *c, long key, long *value)
{
    pthread_mutex_lock(&c->lock);
    struct entry *e = lookup(c, key);
    if (e) {
        *value = e->value;
        c->stats.hits++;
    } else {
        c->stats.misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return e ? 0 : ENOENT;
}

int cache_put(struct cache *c, long key, long value)
{
    pthread_mutex_lock(&c->lock);
    int err = store(c, key, value);
    pthread_mutex_unlock(&c->lock);
    return err;
}

int cache_remove(struct cache *c, long key)
{
    pthread_mutex_lock(&c->lock);
    struct entry *e = lookup(c, key);
    if (e) {
        unlink_entry(e);
        free(e);
        c->stats.size--;
    }
    pthread_mutex_unlock(&c->lock);
    return e ? 0 : ENOENT;
}

static struct flight *find_flight(struct cache *c, long key)
{
    struct flight *f = c->flights;
    while (f && f->key != key)
        f = f->next;
    return f;
}

static void unlink_flight(struct cache *c, struct flight *f)
{
    struct flight **p = &c->flights;
    while (*p != f)
        p = &(*p)->next;
    *p = f->next;
}

/* Read f's result and drop our reference: the last reader frees it. Lock held. */
static int take_result(struct flight *f, long *value)
{
    int err = f->err;
    if (!err)
        *value = f->value;
    if (--f->refs == 0)
        free(f);
    return err;
}

/* Compute key's value ourselves: publish a flight, run fn unlocked, then land the flight.
 * Called and returns with the lock held. */
static int compute(struct cache *c, long key, cache_compute_fn *fn, void *arg, long *value)
{
    struct flight *f = calloc(1, sizeof *f);
    if (!f)
        return ENOMEM;
    f->key = key;
    f->refs = 1;
    f->next = c->flights;
    c->flights = f;

    pthread_mutex_unlock(&c->lock);
    long v = 0;
    int err = fn(key, arg, &v);
    pthread_mutex_lock(&c->lock);

    if (!err)
        err = store(c, key, v); /* a failure is not stored: the next call computes again */
    unlink_flight(c, f);
    f->done = true;
    f->err = err;
    f->value = v;
    pthread_cond_broadcast(&c->landed); /* every waiter of f, error or not */
    return take_result(f, value);
}

int cache_get_or_compute(struct cache *c, long key, cache_compute_fn *fn, void *arg, long *value)
{
    int err = 0;
    pthread_mutex_lock(&c->lock);
    struct entry *e = lookup(c, key);
    if (e) {
        c->stats.hits++;
        *value = e->value;
        goto out;
    }
    c->stats.misses++;
    struct flight *f = find_flight(c, key);
    if (!f) {
        err = compute(c, key, fn, arg, value);
        goto out;
    }
    f->refs++;
    while (!f->done) /* in a loop: wakeups may be spurious, or for another key */
        pthread_cond_wait(&c->landed, &c->lock);
    err = take_result(f, value);
out:
    pthread_mutex_unlock(&c->lock);
    return err;
}

void cache_stats(struct cache *c, struct cache_stats *stats)
{
    pthread_mutex_lock(&c->lock);
    *stats = c->stats;
    pthread_mutex_unlock(&c->lock);
}
