/* scenarios.c - lab 03's concurrency scenarios, run by the tests and by the detector driver.
 *
 * DESIGN: every scenario starts its threads on a barrier so that they really overlap; the bank
 * scenarios turn on yields after unlocks to vary the interleavings, and check invariants while
 * the threads run (an auditor, a holder count), not only at the end: an atomicity bug shows only
 * while a transfer is half done. Helper threads never fail the run themselves; they record the
 * first failure and the runner thread reports it after joining them. The bookkeeping uses relaxed
 * atomics, which add no happens-before edge, so that they hide no race from the detectors.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/helgrind.h>

#include "locks.h"
#include "scenarios.h"
#include "tl_test.h"

#define RELAXED memory_order_relaxed

void sc_quiet(void *addr, size_t len)
{
    VALGRIND_HG_DISABLE_CHECKING(addr, len);
}

void sc_failure_init(struct sc_failure *f)
{
    atomic_init(&f->taken, 0);
    f->msg[0] = '\0';
    sc_quiet(&f->taken, sizeof f->taken);
}

void sc_record(struct sc_failure *f, const char *fmt, ...)
{
    if (atomic_exchange_explicit(&f->taken, 1, RELAXED))
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
}

void sc_check(struct sc_failure *f)
{
    TL_CHECK(!atomic_load_explicit(&f->taken, RELAXED), "%s", f->msg);
}

void sc_progress_init(struct sc_progress *p)
{
    atomic_init(&p->calls, 0);
    atomic_init(&p->finished, 0);
    sc_quiet(p, sizeof *p);
}

struct await_workers {
    struct sc_progress *p;
    int nworkers;
    long last;
    double since, stall_s;
};

/* Done when every worker finished, or when none made a call for stall_s. */
static bool workers_done_or_stalled(void *arg)
{
    struct await_workers *w = arg;
    if (atomic_load_explicit(&w->p->finished, RELAXED) >= w->nworkers)
        return true;
    long calls = atomic_load_explicit(&w->p->calls, RELAXED);
    if (calls != w->last) {
        w->last = calls;
        w->since = tl_now();
    }
    return tl_now() - w->since >= w->stall_s;
}

void sc_await_workers(struct sc_progress *p, int nworkers, const char *what)
{
    /* Correct code completes thousands of calls a second even under Valgrind: a stall of
     * seconds means every worker is stuck. While the test waits here, the hang watchdog sees
     * it as blocked too, so a deadlock ends the run within a second, with a diagnosis; the
     * stall check is for workers that run but make no call (a livelock). */
    struct await_workers w = {p, nworkers, -1, tl_now(), tl_under_valgrind() ? 30 : 4};
    tl_await(workers_done_or_stalled, &w, 1e9);
    TL_CHECK(atomic_load_explicit(&p->finished, RELAXED) >= nworkers,
             "%s: no call returned for %.0f s while %d threads were still running: they are "
             "stuck (a deadlock or a livelock: README \"Deadlock from first principles\")",
             what, w.stall_s, nworkers - atomic_load_explicit(&p->finished, RELAXED));
}

static void join_all(pthread_t *threads, int n)
{
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

/* bank_create, with each account's lock named for feedback ("thread 3 holds account 2's lock"):
 * whatever bank_balance(b, i) locks is account i's lock. */
struct bank *sc_bank_create(int naccounts, long initial)
{
    struct bank *b = bank_create(naccounts, initial);
    for (int i = 0; b && i < naccounts; i++) {
        tl_label_begin("account %d's lock", i);
        bank_balance(b, i);
        tl_label_end();
    }
    return b;
}

/* ---- counter_stress ------------------------------------------------------------------- */

/* An increment is one instruction, so updates are lost only while two workers run on two cores
 * at once, which a loaded machine allows only now and then. Every 64 calls a worker writes its
 * number to `last`; finding another worker's number there is a handover. Time slicing on one
 * core makes a few hundred handovers a second, workers running side by side make them all the
 * time: in the plain build the workers go on until CS_HANDOVERS handovers (or CS_MAX_S), and
 * each counts its own calls. */
enum { CS_INCREMENTERS = 2, CS_DECREMENTERS = 2, CS_WORKERS = CS_INCREMENTERS + CS_DECREMENTERS };
#define CS_HANDOVERS 20000
#define CS_MAX_S     3.0

struct counter_stress {
    struct counter *c;
    long n; /* calls per worker, at least */
    pthread_barrier_t start;
    struct sc_progress progress;
    atomic_int stop; /* workers may stop once they made n calls */
    atomic_int stop_reader;
    atomic_int last;
    atomic_long handovers;
    tl_flag read_round, write_round; /* the handshake's (see cs_handshake_read) */
};

struct cs_worker {
    struct counter_stress *s;
    int id;
    bool up;
    long calls;
};

/* Whether a read outside the lock meets a later update depends on the schedule: Helgrind runs
 * one thread at a time, and the workers may make all their updates before the reader's first
 * read, or between its reads. So first, a handshake the detectors cannot see: the reader calls
 * counter_value, then tells worker 0 through a tl_flag (no happens-before edge), which only
 * then calls counter_increment. If counter_value reads
 * outside its lock, that read and this update are unordered on every run; if it reads inside,
 * the worker's lock orders them. */
enum { CS_HANDSHAKES = 3 };

/* Waits until round r, or gives up after a while (counter_value or counter_increment may be
 * stuck in a way the watchdog does not end: the test's other checks say so). */
static bool cs_await_round(tl_flag *round, int r)
{
    return tl_flag_await(round, r, tl_under_valgrind() ? 20 : 5);
}

static void cs_handshake_read(struct counter_stress *s)
{
    for (int r = 1; r <= CS_HANDSHAKES; r++) {
        counter_value(s->c);
        tl_flag_raise(&s->read_round, r);
        if (!cs_await_round(&s->write_round, r))
            return;
    }
}

/* Worker 0's side: returns its calls to counter_increment. */
static long cs_handshake_write(struct counter_stress *s)
{
    long calls = 0;
    for (int r = 1; r <= CS_HANDSHAKES && cs_await_round(&s->read_round, r); r++) {
        counter_increment(s->c);
        calls++;
        tl_flag_raise(&s->write_round, r);
    }
    return calls;
}

static void *cs_worker(void *arg)
{
    struct cs_worker *w = arg;
    struct counter_stress *s = w->s;
    pthread_barrier_wait(&s->start);
    long k = w->id == 0 ? cs_handshake_write(s) : 0;
    for (; k < s->n || !atomic_load_explicit(&s->stop, RELAXED); k++) {
        if (w->up)
            counter_increment(s->c);
        else
            counter_decrement(s->c);
        if (k % 64 == 0) {
            atomic_fetch_add_explicit(&s->progress.calls, 1, RELAXED);
            if (atomic_exchange_explicit(&s->last, w->id, RELAXED) != w->id)
                atomic_fetch_add_explicit(&s->handovers, 1, RELAXED);
        }
    }
    w->calls = k;
    atomic_fetch_add_explicit(&s->progress.finished, 1, RELAXED);
    return NULL;
}

/* Reads race with the updates unless counter_value locks too: for ThreadSanitizer to see. They
 * pause so as not to take the workers' CPU time, nor hand a core over between them. An observer
 * only after the handshake, which worker 0 awaits. */
static void *cs_reader(void *arg)
{
    struct counter_stress *s = arg;
    pthread_barrier_wait(&s->start);
    cs_handshake_read(s);
    tl_observer();
    while (!atomic_load_explicit(&s->stop_reader, RELAXED)) {
        counter_value(s->c);
        tl_sleep_ms(1);
    }
    return NULL;
}

/* Plain build: wait until the workers have run side by side long enough (see above). */
static bool cs_enough_handovers(void *s)
{
    return atomic_load_explicit(&((struct counter_stress *)s)->handovers, RELAXED) >= CS_HANDOVERS;
}

static void cs_let_run(struct counter_stress *s)
{
    if (strcmp(tl_tool(), "plain") == 0)
        tl_await(cs_enough_handovers, s, CS_MAX_S);
}

void sc_counter_stress(void)
{
    static struct counter_stress s;
    struct cs_worker workers[CS_WORKERS];
    pthread_t threads[CS_WORKERS + 1];

    s.c = counter_create();
    TL_CHECK(s.c != NULL, "counter_create returned NULL");
    s.n = tl_scaled(100000, 1000);
    sc_progress_init(&s.progress);
    atomic_init(&s.stop, 0);
    atomic_init(&s.stop_reader, 0);
    sc_quiet(&s.stop, sizeof s.stop);
    atomic_init(&s.last, -1);
    atomic_init(&s.handovers, 0);
    sc_quiet(&s.stop_reader, sizeof s.stop_reader);
    sc_quiet(&s.last, sizeof s.last);
    sc_quiet(&s.handovers, sizeof s.handovers);
    tl_flag_init(&s.read_round);
    tl_flag_init(&s.write_round);
    pthread_barrier_init(&s.start, NULL, CS_WORKERS + 2);

    for (int i = 0; i < CS_WORKERS; i++) {
        workers[i] = (struct cs_worker){.s = &s, .id = i, .up = i < CS_INCREMENTERS};
        tl_spawn(&threads[i], cs_worker, &workers[i]);
    }
    tl_spawn(&threads[CS_WORKERS], cs_reader, &s);
    pthread_barrier_wait(&s.start);
    cs_let_run(&s);
    atomic_store_explicit(&s.stop, 1, RELAXED);
    sc_await_workers(&s.progress, CS_WORKERS, "counter_increment and counter_decrement");
    atomic_store_explicit(&s.stop_reader, 1, RELAXED);
    join_all(threads, CS_WORKERS + 1);

    long ups = 0, downs = 0;
    for (int i = 0; i < CS_WORKERS; i++)
        *(workers[i].up ? &ups : &downs) += workers[i].calls;
    long got = counter_value(s.c);
    TL_CHECK(got == ups - downs,
             "after %d threads made %ld counter_increment and %ld counter_decrement calls on one "
             "counter, counter_value returned %ld instead of %ld: %ld updates were lost (two "
             "threads read the same old value, and each wrote back its own update of it)",
             CS_WORKERS, ups, downs, got, ups - downs, labs(got - (ups - downs)));
    counter_destroy(s.c);
    pthread_barrier_destroy(&s.start);
}

/* ---- transfers ------------------------------------------------------------------------ */

enum { TR_ACCOUNTS = 8, TR_WORKERS = 4, TR_INITIAL = 1000, TR_MAX_AMOUNT = 1500 };

struct transfers {
    struct bank *bank;
    long ops;        /* transfers per worker, at least */
    long min_audits; /* workers go on (up to 4 * ops) until the auditor checked this many */
    bool totals;     /* the auditor calls bank_total, not only bank_balance */
    pthread_barrier_t start;
    struct sc_progress progress;
    struct sc_progress audits; /* the auditor's: its calls are audits */
    atomic_int stop;
    struct sc_failure failure;
};

static void check_rc(struct sc_failure *f, int rc, int from, int to, long amount)
{
    if (rc != 0 && rc != ERANGE)
        sc_record(f,
                  "bank_transfer(b, %d, %d, %ld) returned %d: both accounts exist and the "
                  "amount is positive, so the result must be 0 or ERANGE",
                  from, to, amount, rc);
}

/* Each worker makes ops transfers, and more (up to 4 * ops) until the auditor has checked
 * min_audits totals: the audits must overlap the transfers to see anything. */
static bool tr_more(struct transfers *t, long k)
{
    if (k < t->ops)
        return true;
    return k < 4 * t->ops && atomic_load_explicit(&t->audits.calls, RELAXED) < t->min_audits;
}

static void *tr_worker(void *arg)
{
    struct transfers *t = arg;
    pthread_barrier_wait(&t->start);
    for (long k = 0; tr_more(t, k); k++) {
        int from = (int)tl_rand_below(TR_ACCOUNTS);
        int to = (from + 1 + (int)tl_rand_below(TR_ACCOUNTS - 1)) % TR_ACCOUNTS;
        long amount = 1 + (long)tl_rand_below(TR_MAX_AMOUNT);
        check_rc(&t->failure, bank_transfer(t->bank, from, to, amount), from, to, amount);
        atomic_fetch_add_explicit(&t->progress.calls, 1, RELAXED);
    }
    atomic_fetch_add_explicit(&t->progress.finished, 1, RELAXED);
    return NULL;
}

static void *tr_auditor(void *arg)
{
    struct transfers *t = arg;
    long want = (long)TR_ACCOUNTS * TR_INITIAL;
    tl_observer();
    pthread_barrier_wait(&t->start);
    while (!atomic_load_explicit(&t->stop, RELAXED)) {
        long total = t->totals ? bank_total(t->bank) : want;
        if (total != want)
            sc_record(&t->failure,
                      "bank_total returned %ld while transfers ran, but the bank always holds "
                      "%ld: it saw a transfer half done (money counted twice or not at all), so "
                      "it is not a consistent snapshot: README \"Task 5\"",
                      total, want);
        int i = (int)tl_rand_below(TR_ACCOUNTS);
        long balance = bank_balance(t->bank, i);
        if (balance < 0)
            sc_record(&t->failure,
                      "bank_balance(b, %d) returned %ld while transfers ran: bank_transfer let "
                      "the account go below 0",
                      i, balance);
        atomic_fetch_add_explicit(&t->audits.calls, 1, RELAXED);
    }
    atomic_fetch_add_explicit(&t->audits.finished, 1, RELAXED);
    return NULL;
}

static void tr_run(bool totals)
{
    static struct transfers t;
    pthread_t threads[TR_WORKERS + 1];

    t.bank = sc_bank_create(TR_ACCOUNTS, TR_INITIAL);
    TL_CHECK(t.bank != NULL, "bank_create(%d, %d) returned NULL", TR_ACCOUNTS, TR_INITIAL);
    t.ops = tl_scaled(40000, 300);
    t.min_audits = tl_scaled(2000, 20);
    t.totals = totals;
    sc_progress_init(&t.progress);
    sc_failure_init(&t.failure);
    sc_progress_init(&t.audits);
    atomic_init(&t.stop, 0);
    sc_quiet(&t.stop, sizeof t.stop);
    pthread_barrier_init(&t.start, NULL, TR_WORKERS + 2);
    tl_noise(TL_NOISE_YIELD);

    for (int i = 0; i < TR_WORKERS; i++)
        tl_spawn(&threads[i], tr_worker, &t);
    tl_spawn(&threads[TR_WORKERS], tr_auditor, &t);
    pthread_barrier_wait(&t.start);
    sc_await_workers(&t.progress, TR_WORKERS, "bank_transfer in both directions");
    atomic_store_explicit(&t.stop, 1, RELAXED);
    join_all(threads, TR_WORKERS + 1); /* the auditor last */
    tl_noise(TL_NOISE_OFF);

    sc_check(&t.failure);
    long sum = 0;
    for (int i = 0; i < TR_ACCOUNTS; i++) {
        long balance = bank_balance(t.bank, i);
        TL_CHECK(balance >= 0,
                 "after the transfers, bank_balance(b, %d) returned %ld: "
                 "bank_transfer let the account go below 0",
                 i, balance);
        sum += balance;
    }
    long want = (long)TR_ACCOUNTS * TR_INITIAL;
    TL_CHECK(sum == want,
             "after random concurrent transfers the balances add up to %ld, not %ld: money was "
             "created or destroyed (a transfer's update was lost: README \"Task 3\")",
             sum, want);
    long total = bank_total(t.bank);
    TL_CHECK(total == want,
             "after the transfers, bank_total returned %ld, but the balances add "
             "up to %ld",
             total, want);
    bank_destroy(t.bank);
    pthread_barrier_destroy(&t.start);
}

void sc_transfers(void)
{
    tr_run(true);
}

/* Without bank_total while transfers run: Helgrind misreads a correct total that excludes the
 * transfers with a rwlock (it sees no happens-before from a write unlock to a read lock). */
void sc_both_ways(void)
{
    tr_run(false);
}

/* ---- opposite ------------------------------------------------------------------------- */

enum { OP_WORKERS = 4, OP_INITIAL = 1000 };

struct opposite {
    struct bank *bank;
    long ops;
    pthread_barrier_t start;
    struct sc_progress progress;
    struct sc_failure failure;
};

struct op_worker {
    struct opposite *o;
    int from, to;
};

static void *op_worker(void *arg)
{
    struct op_worker *w = arg;
    struct opposite *o = w->o;
    pthread_barrier_wait(&o->start);
    for (long k = 0; k < o->ops; k++) {
        check_rc(&o->failure, bank_transfer(o->bank, w->from, w->to, 1), w->from, w->to, 1);
        atomic_fetch_add_explicit(&o->progress.calls, 1, RELAXED);
    }
    atomic_fetch_add_explicit(&o->progress.finished, 1, RELAXED);
    return NULL;
}

void sc_opposite(void)
{
    static struct opposite o;
    struct op_worker workers[OP_WORKERS];
    pthread_t threads[OP_WORKERS];

    o.bank = sc_bank_create(2, OP_INITIAL);
    TL_CHECK(o.bank != NULL, "bank_create(2, %d) returned NULL", OP_INITIAL);
    o.ops = tl_scaled(30000, 300);
    sc_progress_init(&o.progress);
    sc_failure_init(&o.failure);
    pthread_barrier_init(&o.start, NULL, OP_WORKERS);
    tl_noise(TL_NOISE_YIELD);

    for (int i = 0; i < OP_WORKERS; i++) {
        workers[i] = (struct op_worker){&o, i % 2, 1 - i % 2};
        tl_spawn(&threads[i], op_worker, &workers[i]);
    }
    sc_await_workers(&o.progress, OP_WORKERS,
                     "bank_transfer(b, 0, 1, 1) and bank_transfer(b, 1, 0, 1) in parallel");
    join_all(threads, OP_WORKERS);
    tl_noise(TL_NOISE_OFF);

    sc_check(&o.failure);
    long b0 = bank_balance(o.bank, 0), b1 = bank_balance(o.bank, 1);
    TL_CHECK(b0 + b1 == 2 * OP_INITIAL && b0 >= 0 && b1 >= 0,
             "after transfers of 1 both ways between accounts 0 and 1, their balances are %ld and "
             "%ld: they must be non-negative and add up to %d",
             b0, b1, 2 * OP_INITIAL);
    bank_destroy(o.bank);
    pthread_barrier_destroy(&o.start);
}

/* ---- pool ----------------------------------------------------------------------------- */

/* Account 0, the pool, holds one amount. Round after round every worker starts at once (a
 * barrier) and tries to take it into its own account, then gives it back: one worker at a time
 * may hold it. A transfer that checks the balance before it holds the lock lets two workers that
 * started together both take it, more than once a round on average (2,500 double takes in 2,000
 * rounds, measured). Workers that took and gave back freely, with three amounts, let three of
 * them keep the money between them: a handful of overdrafts per run, and none at all in about
 * one run in thirty. Auditors keep the pool's lock busy. */
enum { PO_WORKERS = 8, PO_AUDITORS = 2, PO_UNITS = 1, PO_AMOUNT = 100 };
#define PO_INITIAL (PO_UNITS * PO_AMOUNT)

struct pool {
    struct bank *bank;
    long rounds;
    pthread_barrier_t start, round;
    struct sc_progress progress;
    atomic_int holders; /* workers between their take and their give-back */
    atomic_long taken;
    atomic_int stop;
    struct sc_failure failure;
};

struct po_worker {
    struct pool *p;
    int self;
};

static void po_check_pool(struct pool *p)
{
    long pool = bank_balance(p->bank, 0);
    if (pool < 0)
        sc_record(&p->failure,
                  "bank_balance(b, 0) returned %ld: concurrent bank_transfer calls overdrew the "
                  "account (check-then-act: README \"Task 3\")",
                  pool);
}

static void po_take_and_return(struct pool *p, int self)
{
    int rc = bank_transfer(p->bank, 0, self, PO_AMOUNT);
    check_rc(&p->failure, rc, 0, self, PO_AMOUNT);
    if (rc != 0)
        return;
    atomic_fetch_add_explicit(&p->taken, 1, RELAXED);
    int holders = atomic_fetch_add_explicit(&p->holders, 1, RELAXED) + 1;
    if (holders > PO_UNITS)
        sc_record(&p->failure,
                  "account 0 held %d, yet %d threads had taken %d out of it with bank_transfer: "
                  "a transfer checked the balance before it held the lock, then acted on a "
                  "stale balance (check-then-act: README \"Task 3\")",
                  PO_INITIAL, holders, PO_AMOUNT);
    po_check_pool(p);
    atomic_fetch_sub_explicit(&p->holders, 1, RELAXED);
    rc = bank_transfer(p->bank, self, 0, PO_AMOUNT);
    if (rc != 0)
        sc_record(&p->failure,
                  "bank_transfer(b, %d, 0, %d) returned %d, but account %d held at least %d and "
                  "no one else takes from it",
                  self, PO_AMOUNT, rc, self, PO_AMOUNT);
}

static void *po_worker(void *arg)
{
    struct po_worker *w = arg;
    pthread_barrier_wait(&w->p->start);
    for (long k = 0; k < w->p->rounds; k++) {
        pthread_barrier_wait(&w->p->round);
        po_take_and_return(w->p, w->self);
        atomic_fetch_add_explicit(&w->p->progress.calls, 1, RELAXED);
    }
    atomic_fetch_add_explicit(&w->p->progress.finished, 1, RELAXED);
    return NULL;
}

static void *po_auditor(void *arg)
{
    struct pool *p = arg;
    long want = (PO_WORKERS + 1) * PO_INITIAL;
    tl_observer();
    pthread_barrier_wait(&p->start);
    while (!atomic_load_explicit(&p->stop, RELAXED)) {
        long total = bank_total(p->bank);
        if (total != want)
            sc_record(&p->failure,
                      "bank_total returned %ld while transfers ran, but the bank always holds "
                      "%ld: it saw a transfer half done (README \"Task 5\")",
                      total, want);
        po_check_pool(p);
    }
    return NULL;
}

void sc_pool(void)
{
    static struct pool p;
    struct po_worker workers[PO_WORKERS];
    pthread_t threads[PO_WORKERS + PO_AUDITORS];

    p.bank = sc_bank_create(PO_WORKERS + 1, PO_INITIAL);
    TL_CHECK(p.bank != NULL, "bank_create(%d, %d) returned NULL", PO_WORKERS + 1, PO_INITIAL);
    p.rounds = tl_scaled(1000, 50);
    sc_progress_init(&p.progress);
    sc_failure_init(&p.failure);
    atomic_init(&p.holders, 0);
    atomic_init(&p.taken, 0);
    atomic_init(&p.stop, 0);
    sc_quiet(&p.holders, sizeof p.holders);
    sc_quiet(&p.taken, sizeof p.taken);
    sc_quiet(&p.stop, sizeof p.stop);
    pthread_barrier_init(&p.start, NULL, PO_WORKERS + PO_AUDITORS);
    pthread_barrier_init(&p.round, NULL, PO_WORKERS);
    tl_noise(TL_NOISE_YIELD);

    for (int i = 0; i < PO_WORKERS; i++) {
        workers[i] = (struct po_worker){&p, i + 1};
        tl_spawn(&threads[i], po_worker, &workers[i]);
    }
    for (int i = 0; i < PO_AUDITORS; i++)
        tl_spawn(&threads[PO_WORKERS + i], po_auditor, &p);
    sc_await_workers(&p.progress, PO_WORKERS, "bank_transfer out of and back into account 0");
    atomic_store_explicit(&p.stop, 1, RELAXED);
    join_all(threads, PO_WORKERS + PO_AUDITORS);
    tl_noise(TL_NOISE_OFF);

    sc_check(&p.failure);
    TL_CHECK(atomic_load(&p.taken) > 0,
             "bank_transfer(b, 0, i, %d) never succeeded although account 0 held %d", PO_AMOUNT,
             PO_INITIAL);
    for (int i = 0; i <= PO_WORKERS; i++) {
        long balance = bank_balance(p.bank, i);
        TL_CHECK(balance == PO_INITIAL,
                 "after every worker returned what it took, bank_balance(b, %d) is %ld, not %d", i,
                 balance, PO_INITIAL);
    }
    bank_destroy(p.bank);
    pthread_barrier_destroy(&p.start);
    pthread_barrier_destroy(&p.round);
}

/* ---- lifecycle ------------------------------------------------------------------------ */

/* One thread only: worker threads' cached stacks keep stale pointers into the objects, which
 * would turn a leak into "possibly lost" or "still reachable", kinds memcheck does not report. */
void sc_lifecycle(void)
{
    for (int round = 0; round < 3; round++) {
        struct counter *c = counter_create();
        TL_CHECK(c != NULL, "counter_create returned NULL");
        for (int k = 0; k < 10; k++)
            counter_increment(c);
        counter_decrement(c);
        TL_CHECK(counter_value(c) == 9,
                 "counter_value returned %ld after 10 increments and 1 decrement",
                 counter_value(c));
        counter_destroy(c);

        struct bank *b = bank_create(4, 100);
        TL_CHECK(b != NULL, "bank_create(4, 100) returned NULL");
        for (int k = 0; k < 20; k++)
            bank_transfer(b, k % 4, (k * 3 + 1) % 4, 30 + k);
        bank_transfer(b, 2, 2, 10);
        bank_transfer(b, 0, 9, 10);
        TL_CHECK(bank_total(b) == 400, "bank_total returned %ld after transfers, not 400",
                 bank_total(b));
        bank_destroy(b);
    }
    TL_CHECK(bank_create(0, 100) == NULL, "bank_create(0, 100) did not return NULL");
    TL_CHECK(bank_create(2, -1) == NULL, "bank_create(2, -1) did not return NULL");
    counter_destroy(NULL);
    bank_destroy(NULL);
}

const struct tl_scenario tl_scenarios[] = {
    {"counter_stress", sc_counter_stress},
    {"transfers", sc_transfers},
    {"both_ways", sc_both_ways},
    {"opposite", sc_opposite},
    {"pool", sc_pool},
    {"lifecycle", sc_lifecycle},
    {NULL, NULL},
};
