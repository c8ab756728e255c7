/* test_locks.c - lab 03's tests: one TL_TEST per "test" check in lab.conf. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "locks.h"
#include "scenarios.h"
#include "tl_test.h"

/* ---- Calls that may hang ----------------------------------------------------------------
 * A call can hang on a lock that an earlier call left held. It runs on a helper thread, so that
 * the test fails with a message after BOUND_S seconds instead of hanging. */
#define BOUND_S 5.0

enum call_kind { CALL_TRANSFER, CALL_BALANCE, CALL_TOTAL };

struct call {
    enum call_kind kind;
    struct bank *b;
    int from, to;
    long amount;
    long result;
    atomic_int done;
};

static void *call_run(void *arg)
{
    struct call *c = arg;
    if (c->kind == CALL_TRANSFER)
        c->result = bank_transfer(c->b, c->from, c->to, c->amount);
    else if (c->kind == CALL_BALANCE)
        c->result = bank_balance(c->b, c->from);
    else
        c->result = bank_total(c->b);
    atomic_store(&c->done, 1);
    return NULL;
}

static bool call_done(void *c)
{
    return atomic_load(&((struct call *)c)->done);
}

static long call_bounded(struct call *c, const char *text)
{
    pthread_t thread;
    atomic_init(&c->done, 0);
    tl_spawn(&thread, call_run, c);
    /* On failure c stays allocated: the stuck thread still points at it. A call that can never
     * return ends the run sooner, through the hang watchdog, with where each lock was taken. */
    TL_CHECK(tl_await(call_done, c, BOUND_S),
             "%s did not return within %.0f s: it waits for a lock that is never released "
             "(a lock an earlier call left held, e.g. on its error path, or one account "
             "locked twice: README \"Task 4\")",
             text, BOUND_S);
    pthread_join(thread, NULL);
    long result = c->result;
    free(c);
    return result;
}

static struct call *call_new(enum call_kind kind, struct bank *b, int from, int to, long amount)
{
    struct call *c = malloc(sizeof *c);
    TL_CHECK(c != NULL, "the test ran out of memory");
    *c = (struct call){.kind = kind, .b = b, .from = from, .to = to, .amount = amount};
    return c;
}

static int transfer(struct bank *b, int from, int to, long amount)
{
    char text[96];
    snprintf(text, sizeof text, "bank_transfer(b, %d, %d, %ld)", from, to, amount);
    return (int)call_bounded(call_new(CALL_TRANSFER, b, from, to, amount), text);
}

static long balance(struct bank *b, int i)
{
    char text[64];
    snprintf(text, sizeof text, "bank_balance(b, %d)", i);
    return call_bounded(call_new(CALL_BALANCE, b, i, 0, 0), text);
}

static long total(struct bank *b)
{
    return call_bounded(call_new(CALL_TOTAL, b, 0, 0, 0), "bank_total(b)");
}

static const char *rc_name(int rc)
{
    switch (rc) {
    case 0:
        return "0";
    case EINVAL:
        return "EINVAL";
    case ERANGE:
        return "ERANGE";
    case ENOSYS:
        return "ENOSYS (not written yet)";
    default:
        return "an unexpected error code";
    }
}

static void expect_transfer(struct bank *b, int from, int to, long amount, int want,
                            const char *why)
{
    int rc = transfer(b, from, to, amount);
    TL_CHECK(rc == want, "bank_transfer(b, %d, %d, %ld) returned %s (%d), expected %s: %s", from,
             to, amount, rc_name(rc), rc, rc_name(want), why);
}

/* Every balance, then the total, must be as listed. */
static void expect_balances(struct bank *b, int n, const long *want, const char *after)
{
    long sum = 0;
    for (int i = 0; i < n; i++) {
        long got = balance(b, i);
        TL_CHECK(got == want[i], "after %s, bank_balance(b, %d) returned %ld, expected %ld", after,
                 i, got, want[i]);
        sum += want[i];
    }
    long got = total(b);
    TL_CHECK(got == sum, "after %s, bank_total(b) returned %ld, expected %ld", after, got, sum);
}

/* ---- The counter -------------------------------------------------------------------------- */

TL_TEST(locks, counter_basics)
{
    struct counter *c = counter_create();
    TL_CHECK(c != NULL, "counter_create returned NULL");
    TL_CHECK(counter_value(c) == 0, "counter_value of a new counter returned %ld, expected 0",
             counter_value(c));
    for (int i = 0; i < 3; i++)
        counter_increment(c);
    TL_CHECK(counter_value(c) == 3, "counter_value returned %ld after 3 counter_increment calls",
             counter_value(c));
    for (int i = 0; i < 6; i++)
        counter_decrement(c);
    TL_CHECK(counter_value(c) == -3,
             "counter_value returned %ld after 3 increments and 6 decrements, expected -3 (a "
             "counter may go below 0)",
             counter_value(c));

    struct counter *d = counter_create();
    TL_CHECK(d != NULL, "counter_create returned NULL for a second counter");
    counter_increment(d);
    counter_increment(d);
    TL_CHECK(counter_value(c) == -3 && counter_value(d) == 2,
             "two counters do not keep separate values (%ld and %ld, expected -3 and 2): every "
             "counter_create must make an independent counter, with its own value and lock",
             counter_value(c), counter_value(d));
    counter_destroy(c);
    counter_destroy(d);
}

TL_TEST(locks, counter_exact)
{
    tl_scenario("counter_stress");
}

/* ---- The bank, one thread ------------------------------------------------------------------ */

TL_TEST(locks, bank_basics)
{
    struct bank *b = bank_create(4, 100);
    TL_CHECK(b != NULL, "bank_create(4, 100) returned NULL");
    expect_balances(b, 4, (long[]){100, 100, 100, 100}, "bank_create(4, 100)");
    expect_transfer(b, 0, 1, 30, 0, "account 0 held 100");
    expect_balances(b, 4, (long[]){70, 130, 100, 100}, "moving 30 from account 0 to 1");
    expect_transfer(b, 3, 2, 100, 0, "account 3 held exactly 100, and all of it may move");
    expect_balances(b, 4, (long[]){70, 130, 200, 0}, "moving 100 from account 3 to 2");
    expect_transfer(b, 1, 0, 130, 0, "account 1 held 130");
    expect_transfer(b, 2, 3, 1, 0, "account 2 held 200");
    expect_transfer(b, 0, 3, 50, 0, "account 0 held 200");
    expect_balances(b, 4, (long[]){150, 0, 199, 51}, "five transfers");
    bank_destroy(b);
}

TL_TEST(locks, bad_arguments)
{
    TL_CHECK(bank_create(0, 100) == NULL, "bank_create(0, 100) did not return NULL");
    TL_CHECK(bank_create(-2, 100) == NULL, "bank_create(-2, 100) did not return NULL");
    TL_CHECK(bank_create(3, -1) == NULL,
             "bank_create(3, -1) did not return NULL: balances start at 0 or more");
    struct bank *b = bank_create(3, 50);
    TL_CHECK(b != NULL, "bank_create(3, 50) returned NULL");
    static const int bad_accounts[][2] = {{-1, 0}, {0, -1}, {3, 0}, {0, 3}, {3, 3}, {-1, -1}};
    for (size_t i = 0; i < sizeof bad_accounts / sizeof *bad_accounts; i++)
        expect_transfer(b, bad_accounts[i][0], bad_accounts[i][1], 10, EINVAL,
                        "the bank has only accounts 0, 1 and 2");
    expect_transfer(b, 0, 1, 0, EINVAL, "an amount must be positive");
    expect_transfer(b, 0, 1, -20, EINVAL,
                    "an amount must be positive: a negative one would take money from the "
                    "destination account without checking its balance");
    expect_balances(b, 3, (long[]){50, 50, 50}, "transfers with bad arguments");
    TL_CHECK(balance(b, -1) == -1 && balance(b, 3) == -1,
             "bank_balance(b, -1) and bank_balance(b, 3) returned %ld and %ld, expected -1: "
             "they are not accounts",
             balance(b, -1), balance(b, 3));
    bank_destroy(b);
}

TL_TEST(locks, overdraft_refused)
{
    struct bank *b = sc_bank_create(2, 100);
    TL_CHECK(b != NULL, "bank_create(2, 100) returned NULL");
    expect_transfer(b, 0, 1, 101, ERANGE, "account 0 held only 100");
    expect_balances(b, 2, (long[]){100, 100}, "a refused transfer of 101 from account 0");
    expect_transfer(b, 0, 1, 100, 0, "account 0 held exactly 100");
    expect_transfer(b, 0, 1, 1, ERANGE, "account 0 held 0");
    expect_transfer(b, 1, 0, 250, ERANGE, "account 1 held only 200");
    expect_balances(b, 2, (long[]){0, 200}, "two refused transfers");
    expect_transfer(b, 1, 0, 200, 0, "account 1 held 200, and refused transfers change nothing");
    expect_balances(b, 2, (long[]){200, 0}, "moving 200 from account 1 to 0");
    bank_destroy(b);
}

TL_TEST(locks, self_transfer)
{
    struct bank *b = sc_bank_create(3, 100);
    TL_CHECK(b != NULL, "bank_create(3, 100) returned NULL");
    expect_transfer(b, 1, 1, 40, 0,
                    "a transfer from an account to itself moves nothing and succeeds when the "
                    "account holds the amount");
    expect_transfer(b, 1, 1, 100, 0, "account 1 held 100");
    expect_transfer(b, 1, 1, 101, ERANGE, "account 1 held only 100, even to pay itself");
    expect_balances(b, 3, (long[]){100, 100, 100}, "three transfers from account 1 to itself");
    expect_transfer(b, 1, 0, 10, 0, "account 1 held 100");
    expect_transfer(b, 2, 1, 10, 0, "account 2 held 100");
    expect_balances(b, 3, (long[]){110, 100, 90}, "self-transfers, then two normal ones");
    bank_destroy(b);
}

/* ---- The bank, many threads ---------------------------------------------------------------- */

TL_TEST(locks, money_conserved)
{
    tl_scenario("transfers");
}

TL_TEST(locks, overdraft_race)
{
    tl_scenario("pool");
}

TL_TEST(locks, opposite_no_deadlock)
{
    tl_scenario("opposite");
}

/* disjoint_parallel: thread A transfers between accounts 0 and 1, thread B between 2 and 3.
 * The test pauses A at random points, often in the middle of a transfer, holding whatever
 * locks A holds, and requires B to go on: only a lock shared by the two pairs stops it. */
enum { DP_ROUNDS = 40, DP_B_CALLS = 50 };
#define DP_STALL_S 2.0

struct dp_loop {
    struct bank *b;
    int a0, a1;
    atomic_long rounds;
    atomic_int stop;
    struct sc_failure *failure;
};

static atomic_int dp_paused, dp_resume;

static void dp_pause(int sig)
{
    (void)sig;
    atomic_store(&dp_paused, 1);
    while (!atomic_load(&dp_resume))
        tl_sleep_ms(0.1);
    atomic_store(&dp_paused, 0);
}

static void *dp_run(void *arg)
{
    struct dp_loop *l = arg;
    while (!atomic_load(&l->stop)) {
        int rc1 = bank_transfer(l->b, l->a0, l->a1, 1);
        int rc2 = bank_transfer(l->b, l->a1, l->a0, 1);
        if (rc1 != 0 || rc2 != 0)
            sc_record(l->failure,
                      "bank_transfer of 1 between accounts %d and %d (each holding about 1000) "
                      "returned %d and %d, expected 0",
                      l->a0, l->a1, rc1, rc2);
        atomic_fetch_add(&l->rounds, 1);
    }
    return NULL;
}

/* Wait until l has made `more` more rounds; false after timeout_s. */
static bool dp_await_rounds(struct dp_loop *l, long more, double timeout_s)
{
    long want = atomic_load(&l->rounds) + more;
    double deadline = tl_now() + timeout_s;
    while (atomic_load(&l->rounds) < want) {
        if (tl_now() > deadline)
            return false;
        tl_sleep_ms(0.1);
    }
    return true;
}

static void dp_await_flag(atomic_int *flag, int value)
{
    double deadline = tl_now() + BOUND_S;
    while (atomic_load(flag) != value) {
        TL_CHECK(tl_now() < deadline, "the test could not pause or resume its transfer thread "
                                      "(the machine may be overloaded)");
        tl_sleep_ms(0.1);
    }
}

TL_TEST(locks, disjoint_parallel)
{
    struct sc_failure failure;
    sc_failure_init(&failure);
    struct bank *b = sc_bank_create(4, 1000);
    TL_CHECK(b != NULL, "bank_create(4, 1000) returned NULL");
    struct dp_loop a = {.b = b, .a0 = 0, .a1 = 1, .failure = &failure};
    struct dp_loop bee = {.b = b, .a0 = 2, .a1 = 3, .failure = &failure};
    struct sigaction sa = {.sa_handler = dp_pause};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    pthread_t ta, tb;
    tl_spawn(&ta, dp_run, &a);
    tl_spawn(&tb, dp_run, &bee);
    bool stalled = false;
    for (int round = 0; round < DP_ROUNDS && !stalled; round++) {
        TL_CHECK(dp_await_rounds(&a, 1 + tl_rand_below(20), BOUND_S),
                 "bank_transfer between accounts 0 and 1 made no progress for %.0f s", BOUND_S);
        atomic_store(&dp_resume, 0);
        pthread_kill(ta, SIGUSR1);
        dp_await_flag(&dp_paused, 1);
        stalled = !dp_await_rounds(&bee, DP_B_CALLS, DP_STALL_S);
        atomic_store(&dp_resume, 1);
        dp_await_flag(&dp_paused, 0);
    }
    atomic_store(&a.stop, 1);
    atomic_store(&bee.stop, 1);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    sc_check(&failure);
    TL_CHECK(!stalled,
             "while one thread was paused in the middle of its transfers between accounts 0 and "
             "1, transfers between accounts 2 and 3 in another thread made no progress for "
             "%.0f s: they wait for a lock the paused thread holds. Transfers between disjoint "
             "accounts must run in parallel: one lock per account, not one for the whole bank "
             "(README \"Task 2\")",
             DP_STALL_S);
    bank_destroy(b);
}
