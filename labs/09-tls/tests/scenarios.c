/* scenarios.c - the TLS lab's scenarios: contexts kept apart, counters that lose nothing. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios.h"
#include "tl_test.h"

#define TLST_MSG 600

/* ---- Contexts -------------------------------------------------------------------------------- */

struct tlst_ctx_run {
    const char *name;
    tlst_ctx_fn fn;
    int nthreads;
    long rounds;
    pthread_barrier_t start, seen;
    struct tls_ctx **got; /* each thread's first context, written before `seen`, read after */
};

struct tlst_ctx_worker {
    struct tlst_ctx_run *run;
    int index;
    char msg[TLST_MSG]; /* this thread's first failure, empty if none */
};

static bool tlst_is_zero(const struct tls_ctx *ctx)
{
    static const struct tls_ctx zero;
    return ctx->id == 0 && ctx->depth == 0 && memcmp(ctx->note, zero.note, sizeof ctx->note) == 0;
}

/* This thread's value of id: never 0, different for every thread of the run. */
static long tlst_id(int index)
{
    return 1000003L * (index + 1) + 7;
}

/* After every thread made its first call: does this thread's context belong to it alone? */
static void tlst_check_first(struct tlst_ctx_worker *w, struct tls_ctx *ctx)
{
    struct tlst_ctx_run *r = w->run;
    if (!ctx) {
        snprintf(w->msg, sizeof w->msg, "%s() returned NULL on a thread's first call", r->name);
        return;
    }
    for (int i = 0; i < r->nthreads; i++)
        if (i != w->index && r->got[i] == ctx) {
            snprintf(w->msg, sizeof w->msg,
                     "%s() returned the same context (%p) to two threads that were both "
                     "running: each thread must get its own, which no other thread sees "
                     "(README \"What thread-local means\")",
                     r->name, (void *)ctx);
            return;
        }
}

/* The rounds: the same context every time, holding what this thread wrote and nothing else. */
static void tlst_use_ctx(struct tlst_ctx_worker *w, struct tls_ctx *ctx)
{
    struct tlst_ctx_run *r = w->run;
    char note[sizeof ctx->note] = {0}; /* compared whole: no byte left uninitialised */
    snprintf(note, sizeof note, "thread %d", w->index);
    ctx->id = tlst_id(w->index);
    ctx->depth = 0;
    memcpy(ctx->note, note, sizeof note);
    for (long round = 1; round <= r->rounds; round++) {
        struct tls_ctx *again = r->fn();
        if (again != ctx) {
            snprintf(w->msg, sizeof w->msg,
                     "%s() returned %p to a thread whose earlier calls returned %p: every call "
                     "by one thread must return that thread's one context, or what it stored "
                     "there is lost (README \"What thread-local means\")",
                     r->name, (void *)again, (void *)ctx);
            return;
        }
        if (ctx->id != tlst_id(w->index) || ctx->depth != round - 1 ||
            memcmp(ctx->note, note, sizeof note) != 0) {
            snprintf(w->msg, sizeof w->msg,
                     "a thread stored id %ld, depth %ld and note \"%s\" in the context %s() gave "
                     "it, and later found id %ld, depth %ld and note \"%.47s\" there: another "
                     "thread wrote into it. Each thread's context must be its own "
                     "(README \"What thread-local means\")",
                     tlst_id(w->index), round - 1, note, r->name, ctx->id, ctx->depth, ctx->note);
            return;
        }
        ctx->depth = round;
        if (round % 16 == 0)
            sched_yield(); /* let the other threads run and write their own contexts */
    }
}

static void *tlst_ctx_worker(void *arg)
{
    struct tlst_ctx_worker *w = arg;
    struct tlst_ctx_run *r = w->run;
    pthread_barrier_wait(&r->start); /* every first call at once: a race on the key shows */
    struct tls_ctx *ctx = r->fn();
    r->got[w->index] = ctx;
    if (ctx && !tlst_is_zero(ctx))
        snprintf(w->msg, sizeof w->msg,
                 "%s() gave a thread's first call a context holding id %ld, depth %ld: a new "
                 "thread's context must start zeroed (calloc, or a _Thread_local object)",
                 r->name, ctx->id, ctx->depth);
    pthread_barrier_wait(&r->seen); /* every thread still running, its first context known */
    if (!w->msg[0])
        tlst_check_first(w, ctx);
    if (!w->msg[0])
        tlst_use_ctx(w, ctx);
    return NULL;
}

void tlst_scn_ctx_threads(const char *name, tlst_ctx_fn fn, int nthreads, long rounds)
{
    struct tlst_ctx_run r = {.name = name, .fn = fn, .nthreads = nthreads, .rounds = rounds};
    struct tlst_ctx_worker *w = calloc((size_t)nthreads, sizeof *w);
    pthread_t *tids = calloc((size_t)nthreads, sizeof *tids);
    r.got = calloc((size_t)nthreads, sizeof *r.got);
    TL_CHECK(w && tids && r.got, "the test ran out of memory");
    pthread_barrier_init(&r.start, NULL, (unsigned)nthreads);
    pthread_barrier_init(&r.seen, NULL, (unsigned)nthreads);
    for (int i = 0; i < nthreads; i++) {
        w[i].run = &r;
        w[i].index = i;
        tl_spawn(&tids[i], tlst_ctx_worker, &w[i]);
    }
    for (int i = 0; i < nthreads; i++)
        pthread_join(tids[i], NULL);
    char msg[TLST_MSG] = "";
    for (int i = 0; i < nthreads && !msg[0]; i++)
        memcpy(msg, w[i].msg, sizeof msg);
    pthread_barrier_destroy(&r.start);
    pthread_barrier_destroy(&r.seen);
    free(r.got);
    free(tids);
    free(w);
    TL_CHECK(!msg[0], "%s", msg);
}

/* ---- Counters -------------------------------------------------------------------------------- */

/* Thread number t adds amount t % 5 + 1 to counter t % TLS_NSTATS on each of its adds calls, and
 * on every fourth call also 1 to the next counter: threads share counters, in different
 * amounts. What thread t adds to counter stat in `adds` calls: */
static long tlst_expect(int t, int stat, long adds)
{
    long sum = 0;
    if (stat == t % TLS_NSTATS)
        sum += adds * (t % 5 + 1);
    if (stat == (t + 1) % TLS_NSTATS)
        sum += (adds + 3) / 4;
    return sum;
}

struct tlst_stats_run {
    long adds;
    int live;
    pthread_barrier_t added, more, again; /* the live threads and the runner */
};

struct tlst_stat_worker {
    struct tlst_stats_run *run;
    int number;
    bool live;
    int err;  /* the first error tls_stat_add returned, 0 if none */
    int stat; /* the counter it was adding to */
};

static void tlst_add(struct tlst_stat_worker *w)
{
    int s = w->number % TLS_NSTATS;
    for (long i = 0; i < w->run->adds && !w->err; i++) {
        int err = tls_stat_add(s, w->number % 5 + 1);
        if (!err && i % 4 == 0)
            err = tls_stat_add((s + 1) % TLS_NSTATS, 1);
        if (err) {
            w->err = err;
            w->stat = s;
        }
    }
}

static void *tlst_stat_worker(void *arg)
{
    struct tlst_stat_worker *w = arg;
    tlst_add(w);
    if (w->live) {
        pthread_barrier_wait(&w->run->added); /* the runner checks the total: we are alive */
        pthread_barrier_wait(&w->run->more);
        tlst_add(w); /* the runner sums while we add */
        pthread_barrier_wait(&w->run->again);
    }
    return NULL;
}

/* The runner's view: what the threads added so far, per counter. */
struct tlst_books {
    long base[TLS_NSTATS]; /* the totals before this scenario */
    long done[TLS_NSTATS]; /* added by threads whose adds are over */
};

static long tlst_total(int stat)
{
    long total = -1;
    int err = tls_stat_total(stat, &total);
    TL_CHECK(err == 0, "tls_stat_total(%d, &total) returned %d (%s) instead of 0", stat, err,
             strerror(err));
    return total;
}

/* Every counter's total exact: `when` says what the threads had done. */
static void tlst_check_exact(const struct tlst_books *b, const char *when, const char *hint)
{
    for (int s = 0; s < TLS_NSTATS; s++) {
        long want = b->base[s] + b->done[s], got = tlst_total(s);
        TL_CHECK(got == want,
                 "tls_stat_total(%d) gave %ld %s, but they had added %ld (%s by %ld): %s", s,
                 got - b->base[s], when, b->done[s], got < want ? "short" : "over",
                 labs(got - want), hint);
    }
}

/* While threads add `adding` more (per counter), every total lies between done and done+adding.
 * A fixed number of samples: the runner audits, it does not wait for anything. */
static void tlst_check_bounds(const struct tlst_books *b, const long *adding, const char *who)
{
    for (int i = 0; i < 24; i++) {
        int s = i % TLS_NSTATS;
        long lo = b->base[s] + b->done[s], hi = lo + adding[s], got = tlst_total(s);
        TL_CHECK(lo <= got && got <= hi,
                 "tls_stat_total(%d) gave %ld while %s: it must be at least the %ld already "
                 "added and at most %ld (README \"Task 3: counters that lose nothing\")",
                 s, got - b->base[s], who, lo - b->base[s], hi - b->base[s]);
        if (tl_under_valgrind())
            tl_sleep_ms(0.2); /* one thread runs at a time: let the adders run */
    }
}

static void tlst_check_errors(const struct tlst_stat_worker *w, int n)
{
    for (int i = 0; i < n; i++)
        TL_CHECK(w[i].err == 0, "tls_stat_add(%d, %d) returned %d (%s) instead of 0", w[i].stat,
                 w[i].number % 5 + 1, w[i].err, strerror(w[i].err));
}

static void tlst_book(struct tlst_books *b, const struct tlst_stat_worker *w, int n, long adds)
{
    for (int i = 0; i < n; i++)
        for (int s = 0; s < TLS_NSTATS; s++)
            b->done[s] += tlst_expect(w[i].number, s, adds);
}

/* Waves of threads that add and exit, the runner summing while they run. */
static void tlst_exiting_waves(struct tlst_stats_run *r, struct tlst_books *b, int waves,
                               int per_wave, int *number)
{
    struct tlst_stat_worker *w = calloc((size_t)per_wave, sizeof *w);
    pthread_t *tids = calloc((size_t)per_wave, sizeof *tids);
    TL_CHECK(w && tids, "the test ran out of memory");
    for (int wave = 0; wave < waves; wave++) {
        long adding[TLS_NSTATS] = {0};
        for (int i = 0; i < per_wave; i++) {
            w[i] = (struct tlst_stat_worker){.run = r, .number = (*number)++};
            for (int s = 0; s < TLS_NSTATS; s++)
                adding[s] += tlst_expect(w[i].number, s, r->adds);
            tl_spawn(&tids[i], tlst_stat_worker, &w[i]);
        }
        tlst_check_bounds(b, adding, "threads were adding to it and exiting");
        for (int i = 0; i < per_wave; i++)
            pthread_join(tids[i], NULL);
        tlst_check_errors(w, per_wave);
        tlst_book(b, w, per_wave, r->adds);
        tlst_check_exact(b, "for threads that had all exited",
                         "the counts of a thread that exits must be folded into the global total "
                         "by the key's destructor, under the lock tls_stat_total takes "
                         "(README \"Task 3: counters that lose nothing\")");
    }
    free(tids);
    free(w);
}

/* Threads that add and stay alive, then add more while the runner sums, then exit. */
static void tlst_live_threads(struct tlst_stats_run *r, struct tlst_books *b, int *number)
{
    int n = r->live;
    struct tlst_stat_worker *w = calloc((size_t)n, sizeof *w);
    pthread_t *tids = calloc((size_t)n, sizeof *tids);
    TL_CHECK(w && tids, "the test ran out of memory");
    pthread_barrier_init(&r->added, NULL, (unsigned)n + 1);
    pthread_barrier_init(&r->more, NULL, (unsigned)n + 1);
    pthread_barrier_init(&r->again, NULL, (unsigned)n + 1);
    long adding[TLS_NSTATS] = {0};
    for (int i = 0; i < n; i++) {
        w[i] = (struct tlst_stat_worker){.run = r, .number = (*number)++, .live = true};
        for (int s = 0; s < TLS_NSTATS; s++)
            adding[s] += tlst_expect(w[i].number, s, r->adds);
        tl_spawn(&tids[i], tlst_stat_worker, &w[i]);
    }
    pthread_barrier_wait(&r->added);
    tlst_check_errors(w, n);
    tlst_book(b, w, n, r->adds);
    const char *live_hint = "tls_stat_total must add up the counters of the threads still "
                            "running too (README \"Task 3: counters that lose nothing\")";
    tlst_check_exact(b, "for threads that were still running", live_hint);
    pthread_barrier_wait(&r->more);
    tlst_check_bounds(b, adding, "running threads were adding to it");
    pthread_barrier_wait(&r->again);
    tlst_book(b, w, n, r->adds);
    tlst_check_exact(b, "for threads that were still running", live_hint);
    for (int i = 0; i < n; i++)
        pthread_join(tids[i], NULL);
    tlst_check_errors(w, n);
    tlst_check_exact(b, "once the threads that had added it exited",
                     "a thread's counts must be folded into the global total when it exits, "
                     "exactly once (README \"Task 3: counters that lose nothing\")");
    pthread_barrier_destroy(&r->added);
    pthread_barrier_destroy(&r->more);
    pthread_barrier_destroy(&r->again);
    free(tids);
    free(w);
}

void tlst_scn_stats(int waves, int per_wave, int live, long adds)
{
    struct tlst_stats_run r = {.adds = adds, .live = live};
    struct tlst_books b = {{0}, {0}};
    for (int s = 0; s < TLS_NSTATS; s++)
        b.base[s] = tlst_total(s);
    int number = 0;
    tlst_exiting_waves(&r, &b, waves, per_wave, &number);
    if (live > 0)
        tlst_live_threads(&r, &b, &number);
}

/* ---- The driver's scenarios ------------------------------------------------------------------ */

void tlst_scn_ctx_key(void)
{
    tlst_scn_ctx_threads("tls_ctx_key", tls_ctx_key, 8, tl_scaled(2000, 40));
}

void tlst_scn_ctx_local(void)
{
    tlst_scn_ctx_threads("tls_ctx_local", tls_ctx_local, 8, tl_scaled(2000, 40));
}

void tlst_scn_stats_small(void)
{
    tlst_scn_stats(4, 6, 6, tl_scaled(20000, 200));
}

/* 1,000 threads in the plain build, 20 under Valgrind: each takes a context from the key and
 * adds to the counters, then exits. Every context and every block must be freed by then. */
void tlst_scn_threads_exit(void)
{
    long threads = tl_scaled(1000, 20);
    int per_wave = 10;
    for (long done = 0; done < threads / 2; done += per_wave)
        tlst_scn_ctx_threads("tls_ctx_key", tls_ctx_key, per_wave, 4);
    tlst_scn_stats((int)(threads / 2 / per_wave), per_wave, 0, 20);
}

const struct tl_scenario tl_scenarios[] = {
    {"ctx_key", tlst_scn_ctx_key},
    {"ctx_local", tlst_scn_ctx_local},
    {"stats", tlst_scn_stats_small},
    {"threads_exit", tlst_scn_threads_exit},
    {NULL, NULL},
};
