/* tls.c - lab 09 reference solution: a per-thread context two ways, and per-thread counters. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "tls.h"

#define RELAXED memory_order_relaxed

/* ---- Task 1: a context in a pthread key ---------------------------------------------------- */

static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static int ctx_key_err; /* written once, inside pthread_once, before any thread reads it */

/* Runs on a thread's way out, for a thread whose value in the key is not NULL. */
static void tls_ctx_free(void *ctx)
{
    free(ctx);
}

static void tls_ctx_make_key(void)
{
    ctx_key_err = pthread_key_create(&ctx_key, tls_ctx_free);
}

struct tls_ctx *tls_ctx_key(void)
{
    /* Every caller waits here until the one that runs tls_ctx_make_key is done with it. */
    pthread_once(&ctx_once, tls_ctx_make_key);
    if (ctx_key_err)
        return NULL;
    struct tls_ctx *ctx = pthread_getspecific(ctx_key);
    if (ctx)
        return ctx;
    ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    if (pthread_setspecific(ctx_key, ctx) != 0) {
        free(ctx);
        return NULL;
    }
    return ctx;
}

/* ---- Task 2: a context in _Thread_local storage -------------------------------------------- */

/* One object per thread, zeroed for each new thread, gone when it exits: nothing to free. */
static _Thread_local struct tls_ctx local_ctx;

struct tls_ctx *tls_ctx_local(void)
{
    return &local_ctx;
}

/* ---- Task 3: per-thread counters ----------------------------------------------------------- */

/* A thread's counters. Only the owner writes count[], so an add needs no lock and no
 * read-modify-write; the counters are atomic because tls_stat_total reads them meanwhile. */
struct tls_block {
    atomic_long count[TLS_NSTATS];
    struct tls_block *prev, *next; /* the registry's links, under registry_lock */
};

/* registry_lock protects the list of live threads' blocks and retired[], the counts of the
 * threads that exited: a count is in a live block or in retired[], never in both. */
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_block *registry;
static long retired[TLS_NSTATS];

static pthread_once_t stat_once = PTHREAD_ONCE_INIT;
static pthread_key_t stat_key; /* holds each thread's block: its destructor is the exit hook */
static int stat_key_err;
static _Thread_local struct tls_block *mine; /* the fast way to the same block */

/* A thread exits: fold its counts into retired[] and drop its block, in one step under the lock,
 * so that tls_stat_total never sees the counts twice or not at all. */
static void tls_stat_retire(void *p)
{
    struct tls_block *b = p;
    pthread_mutex_lock(&registry_lock);
    for (int i = 0; i < TLS_NSTATS; i++)
        retired[i] += atomic_load_explicit(&b->count[i], RELAXED);
    if (b->prev)
        b->prev->next = b->next;
    else
        registry = b->next;
    if (b->next)
        b->next->prev = b->prev;
    pthread_mutex_unlock(&registry_lock);
    mine = NULL; /* a later add (from another destructor) starts a new block */
    free(b);
}

static void tls_stat_make_key(void)
{
    stat_key_err = pthread_key_create(&stat_key, tls_stat_retire);
}

/* The calling thread's first add: a zeroed block, in the key (for the exit hook) and the list. */
static struct tls_block *tls_stat_register(void)
{
    pthread_once(&stat_once, tls_stat_make_key);
    if (stat_key_err)
        return NULL;
    struct tls_block *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    if (pthread_setspecific(stat_key, b) != 0) {
        free(b);
        return NULL;
    }
    pthread_mutex_lock(&registry_lock);
    b->next = registry;
    if (registry)
        registry->prev = b;
    registry = b;
    pthread_mutex_unlock(&registry_lock);
    mine = b;
    return b;
}

int tls_stat_add(int stat, long n)
{
    if (stat < 0 || stat >= TLS_NSTATS)
        return EINVAL;
    struct tls_block *b = mine ? mine : tls_stat_register();
    if (!b)
        return ENOMEM;
    long old = atomic_load_explicit(&b->count[stat], RELAXED);
    atomic_store_explicit(&b->count[stat], old + n, RELAXED);
    return 0;
}

int tls_stat_total(int stat, long *total)
{
    if (stat < 0 || stat >= TLS_NSTATS || !total)
        return EINVAL;
    pthread_mutex_lock(&registry_lock);
    long sum = retired[stat];
    for (struct tls_block *b = registry; b; b = b->next)
        sum += atomic_load_explicit(&b->count[stat], RELAXED);
    pthread_mutex_unlock(&registry_lock);
    *total = sum;
    return 0;
}
