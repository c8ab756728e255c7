/* scenarios.h - the cache lab's scenarios and the helpers that test_cache.c shares. */
#ifndef CT_SCENARIOS_H
#define CT_SCENARIOS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "cache.h"

/* Test names use the prefix ct_, so that they never clash with a student's cache_ helpers. */

/* cache_create, with the cache's lock named for feedback (tl_label_begin); fails the test on
 * NULL. */
struct cache *ct_create(size_t capacity);
/* Hide a test's own relaxed atomic from Helgrind, which would report it (it adds no order). */
void ct_quiet(void *addr, size_t len);
/* The stats, or the test fails naming what is inconsistent (used by several checks). */
struct cache_stats ct_stats(struct cache *c);

/* 8 threads ask for one key at once: fn runs once, the 7 others wait in a condition variable
 * and all get its value. */
void ct_scn_once(void);
/* A computation that 3 other callers wait for fails: all 4 get the error, nothing is stored,
 * and the next call computes again. */
void ct_scn_error(void);
/* Workers get, put, remove and compute (one key's computation fails) on a small cache while an
 * auditor checks each cache_stats snapshot against the calls made. */
void ct_scn_stress(void);

#endif
