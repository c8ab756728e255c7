/* tl_calls.c - when the code under test returns: the stub is compiled with
 * -finstrument-functions, so gcc calls these two hooks at the entry and exit of each of its
 * functions (and of no kit function).
 *
 * DESIGN: each thread counts how deep it is in the code under test. When the outermost call
 * returns (an API function back to the test, or a thread's start routine ending), every mutex
 * that code locked must have been unlocked: one still held is reported at once, naming the
 * function that returned and where it took the lock, instead of being found seconds later as
 * a deadlock at some other thread's lock call.
 */
#include "tl_test.h"
#include "tl_internal.h"

#define RELAXED memory_order_relaxed

void __cyg_profile_func_enter(void *fn, void *call_site);
void __cyg_profile_func_exit(void *fn, void *call_site);

void __cyg_profile_func_enter(void *fn, void *call_site)
{
    (void)call_site;
    struct tl_slot *s = tl__me();
    if (!s)
        return;
    int depth = atomic_load_explicit(&s->depth, RELAXED);
    if (depth == 0) {
        atomic_store_explicit(&s->api, fn, RELAXED);
        atomic_store_explicit(&s->api_calls, atomic_load_explicit(&s->api_calls, RELAXED) + 1,
                              RELAXED);
    }
    atomic_store_explicit(&s->depth, depth + 1, RELAXED);
}

void __cyg_profile_func_exit(void *fn, void *call_site)
{
    (void)call_site;
    struct tl_slot *s = tl__me();
    if (!s)
        return;
    int depth = atomic_load_explicit(&s->depth, RELAXED) - 1;
    if (depth < 0)
        depth = 0;
    atomic_store_explicit(&s->depth, depth, RELAXED);
    if (depth == 0) {
        tl__check_nothing_held(fn, "returned");
        atomic_store_explicit(&s->api, NULL, RELAXED);
    }
}
