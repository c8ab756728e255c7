/* tl_test.h - shared test support for every lab's tests and scenarios.
 *
 * A lab's concurrency scenarios are plain functions written once (tests/scenarios.c). The same
 * function runs in two kinds of binary:
 *   - the Criterion test binary (assertions, stress, timing), through TL_TEST below;
 *   - a standalone driver (tl_driver.c) that ThreadSanitizer, Helgrind and memcheck run, because
 *     Criterion cannot be built with -fsanitize=thread and its runner threads upset Helgrind.
 *
 * A test or scenario passes only when it reaches its end: the support code then writes a line
 * with a per-run secret to the grader's report file. Student code cannot write that line (the
 * grader forbids file and process calls in the stub), so exiting early or printing a fake
 * summary earns nothing.
 *
 * Every binary is linked with -Wl,--wrap for the pthread calls listed in tl_wrap.c. The wrappers
 * add seeded schedule noise and spurious wakeups on request, and record where each thread is
 * blocked and which mutexes it holds. When every thread is blocked and nothing changes for a
 * second, a watchdog ends the run and reports why (a lock-order cycle, a lost wakeup...); when
 * the code under test returns holding a lock it took, the run ends at that return. So a test
 * waits for the code under test with tl_await or pthread_join, never in a polling loop of its
 * own, which the watchdog could not tell from a thread at work.
 */
#ifndef TL_TEST_H
#define TL_TEST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* Fail the current test or scenario unless cond holds. The message is for a student: say in
 * plain words what the code under test did wrong, naming the API function involved, e.g.
 * TL_CHECK(got == 5, "bq_get returned %d, but the oldest item in the queue was 5", got). */
#define TL_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            tl_fail(__FILE__, __LINE__, __VA_ARGS__);                                              \
    } while (0)

_Noreturn void tl_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Define a test whose suite is the lab id: TL_TEST(queue, fifo_order) { ... }. The grader runs
 * it as check "test:fifo_order", alone in a process of its own: "labtests queue/fifo_order"
 * (grader/support/tl_runner.c). A pointer to each test is an entry of the linker section
 * tl_tests (pointers: the compiler may pad a struct placed there, never a pointer). */
struct tl_test {
    const char *suite, *name;
    void (*run)(void);
};
#define TL_TEST(suite, name)                                                                       \
    static void tl_body_##suite##_##name(void);                                                    \
    static void tl_run_##suite##_##name(void)                                                      \
    {                                                                                              \
        tl_begin(#suite "/" #name);                                                                \
        tl_body_##suite##_##name();                                                                \
        tl_end();                                                                                  \
    }                                                                                              \
    static const struct tl_test tl_test_##suite##_##name = {#suite, #name,                         \
                                                            tl_run_##suite##_##name};              \
    __attribute__((                                                                                \
        used, section("tl_tests"),                                                                 \
        aligned(sizeof(void *)))) static const struct tl_test *const tl_entry_##suite##_##name =   \
        &tl_test_##suite##_##name;                                                                 \
    static void tl_body_##suite##_##name(void)

/* Start and end of one test or scenario run (TL_TEST and the driver call these). */
void tl_begin(const char *name);
void tl_end(void);

/* A scenario for the standalone driver: "driver NAME" runs it. Each lab's scenarios.c defines
 * the table, ended by {NULL, NULL}. */
struct tl_scenario {
    const char *name;
    void (*run)(void);
};
extern const struct tl_scenario tl_scenarios[];
/* Run the table's scenario of that name. A test runs a scenario this way, not by calling its
 * function, so that the grader knows when a scenario hangs in the plain build (a deadlock, a
 * lost wakeup, a lock left held, polling) and does not run it again under a detector, where it
 * would hang the same way, only slower. */
void tl_scenario(const char *name);

/* ---- Run environment -------------------------------------------------------------------- */

/* Which build runs: "plain", "tsan", "helgrind" or "memcheck". */
const char *tl_tool(void);
/* True under Valgrind, which runs one thread at a time and 50-200 times slower. */
bool tl_under_valgrind(void);
/* n in plain builds, fewer under ThreadSanitizer (n/4) and Valgrind (n/100), never below min. */
long tl_scaled(long n, long min);
/* A time bound for the code under test: seconds in plain builds, 5 times that under
 * ThreadSanitizer, 20 times under Valgrind. */
double tl_bound(double seconds);
/* A return value in words for messages: "0", "ETIMEDOUT", "ENOSYS (not written yet)", or the
 * number when it is no errno value (four buffers per thread: up to four in one message). */
const char *tl_err_name(int err);

/* The run's seed (TL_SEED, printed by the grader on failure so that a run can be replayed). */
uint64_t tl_seed(void);
/* A per-thread pseudo-random stream derived from the seed. */
uint64_t tl_rand(void);
/* Uniform in [0, n). */
uint32_t tl_rand_below(uint32_t n);

/* ---- Schedule noise and fault injection --------------------------------------------------- */

enum {
    TL_NOISE_OFF = 0,
    TL_NOISE_YIELD = 1,    /* seeded sched_yield or short sleep after mutex unlocks */
    TL_NOISE_SPURIOUS = 2, /* seeded spurious wakeups from pthread_cond_(timed)wait, and some
                              pthread_cond_signal calls promoted to broadcasts (both legal) */
};
/* Set the noise for the rest of this run (a mask of the flags above). Default: off. */
void tl_noise(int flags);
/* How many spurious wakeups were injected so far (to prove a test really exercised them). */
uint64_t tl_spurious_wakeups(void);

/* ---- Observing blocked threads ----------------------------------------------------------- */

/* Threads currently blocked in pthread_cond_wait/timedwait (real waits, not injected returns). */
int tl_cond_waiters(void);
/* Threads currently blocked in any wrapped call (mutex lock, condition wait, join, sem_wait). */
int tl_blocked_threads(void);
/* Successful pthread_mutex_lock calls made through the wrapper so far, by every thread: lets a
 * test check that code takes the locks its task asks for (N increments, N locks). Locks taken
 * in pthread key destructors, which run after a thread's start routine returned, are not
 * counted (nor watched: such a thread no longer counts as live). */
uint64_t tl_lock_calls(void);
/* Wait until at least n threads are in real condition waits; false after timeout_s. */
bool tl_await_cond_waiters(int n, double timeout_s);
/* Wait until done(arg) is true (polled); false if it is still false after timeout_s. Use it
 * where the test waits for the code under test to get somewhere: while it waits, the hang
 * watchdog counts this thread as blocked, so that a deadlock of the code under test ends the
 * run within about a second, with a diagnosis, instead of waiting out timeout_s. */
bool tl_await(bool (*done)(void *), void *arg, double timeout_s);
/* A handshake the race detectors cannot see. A detector check catches a racy access only when
 * a conflicting access meets it, and whether one does can depend on the schedule (Helgrind runs
 * one thread at a time). A tl_flag makes the meeting structural: thread A calls the reading
 * function, then raises the flag; thread B awaits it, then calls the writing function. The flag
 * is a relaxed atomic that Helgrind is told not to check, so it orders the two calls in time
 * without ordering them for either detector (any pthread call between them would: a mutex, a
 * condition variable, a join). While B awaits, the hang watchdog counts it as blocked, as in
 * tl_await: if the code under test is stuck, the run ends within about a second with a
 * diagnosis. So the thread that raises the flag must not be an observer (tl_observer) yet. */
typedef struct {
    _Atomic int value;
} tl_flag;
void tl_flag_init(tl_flag *f);             /* to 0; before the threads that use it start */
void tl_flag_raise(tl_flag *f, int value); /* value only grows: rounds 1, 2, 3... */
/* Wait until the flag reaches value; false if it has not after timeout_s. */
bool tl_flag_await(tl_flag *f, int value, double timeout_s);
/* Mark the calling thread as an observer: it only reads (an auditor sampling bq_size or
 * bank_total while others work) and never wakes another thread, so the hang watchdog does not
 * wait for it to block before it ends a run whose other threads are all stuck. Joining the
 * thread ends this: from then on the joiner waits for it. Never tl_await an observer. */
void tl_observer(void);
/* Threads asleep waiting for an event: in a real condition wait or in sem_wait (a semaphore is
 * the other way the labs' gate allows to block), and the same wait for at least n of them. The
 * wait gives up before timeout_s once every other thread is blocked and nothing moves: no more
 * can come (a call that returned where it should have waited). */
int tl_waiters(void);
bool tl_await_waiters(int n, double timeout_s);

/* Name the locks of the code under test for feedback: every mutex that this thread locks
 * between these two calls is called by the label, e.g.
 *     tl_label_begin("account %d's lock", i); bank_balance(b, i); tl_label_end();
 * so that a deadlock reads "thread 3 holds account 2's lock `from->lock`". A mutex locked under
 * two labels (one lock for the whole bank) gets no name. Label before starting threads. */
void tl_label_begin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tl_label_end(void);

/* The clock that the deadline of the latest pthread_cond_timedwait (in any thread) was read
 * from: CLOCK_REALTIME or CLOCK_MONOTONIC, or -1 (near neither: not an absolute time, or no
 * timed wait yet). A deadline on one clock given to a condition variable on the other is long
 * past or decades away; this lets a test say which happened. */
int tl_deadline_clock(void);

/* The wall clock jumps by seconds (forward if > 0), as when an administrator or NTP sets it:
 * from now on every CLOCK_REALTIME (and CLOCK_REALTIME_COARSE) reading through clock_gettime,
 * time, gettimeofday and timespec_get in the test binary is off by the sum of the jumps so far.
 * The kernel's clock does not move: a condition variable on the default clock still measures
 * its deadlines on the real wall clock, so a deadline read from the jumped one is off by the
 * jump there (grader/support/tl_clock.c). CLOCK_MONOTONIC never jumps. */
void tl_wall_clock_jump(double seconds);
/* How many times the code under test read the wall clock (any of the calls above). */
uint64_t tl_wall_clock_reads(void);

/* ---- Time and resources ------------------------------------------------------------------ */

/* Monotonic seconds. */
double tl_now(void);
/* Sleep for ms milliseconds (the support code's own sleep, always allowed). */
void tl_sleep_ms(double ms);

/* CPU seconds used by the whole process and its voluntary context switches: busy-waiting
 * shows as CPU time while threads should be blocked, polling as many wakeups. */
struct tl_usage {
    double wall_s;
    double cpu_s;
    long wakeups;
};
struct tl_usage tl_usage_now(void);
/* The usage accumulated since start. */
struct tl_usage tl_usage_since(struct tl_usage start);
/* Watch the process for 300 ms while threads wait (`waiting`: "4 threads waited in rl_acquire")
 * for what only another thread can bring (`until`: "the rlock is released"): a design that spins
 * shows as CPU time, one that sleeps and looks again as wakeups. NULL if they slept, else what
 * was seen, in words (a thread-local buffer): TL_CHECK(!problem, "%s", problem). */
const char *tl_idle_problem(const char *waiting, const char *until);

/* ---- Thread starts ------------------------------------------------------------------------ */

/* Make the k-th pthread_create call from now on (k >= 1, counting every thread's calls) fail with
 * EAGAIN, as when the system is out of threads, without starting anything; 0 cancels. Once: the
 * calls after it succeed again. Tests an error path: threads started before the failure must
 * still be joined and everything freed. */
void tl_fail_create(int k);
/* Every thread started from now on sleeps ms before it runs its start routine (0: no delay).
 * A thread that reads what its creator changes meanwhile (the creator's loop variable, through
 * a pointer) then sees the change every time rather than now and then. */
void tl_delay_starts(double ms);
/* Successful pthread_create calls so far, by every thread. */
uint64_t tl_create_calls(void);
/* Threads alive now, the runner included: every thread started whose start routine has not yet
 * returned (joined or not). After a call that must leave no thread behind, it is back to what it
 * was before the call. */
int tl_live_threads(void);
/* The most threads alive at once (as tl_live_threads counts them, at each pthread_create) since
 * the previous call; the count then starts over from the threads alive now. Exact, unlike a
 * sampler's view: N threads started before any is joined reach (alive before) + N. */
int tl_live_threads_max(void);

/* Create a thread or fail the test with a clear message. */
void tl_spawn(pthread_t *thread, void *(*fn)(void *), void *arg);

/* ---- One call of the code under test on a thread of its own -------------------------------
 * For a call that may block (bq_get on an empty queue): the test starts it, sees whether it has
 * returned, and finishes it. A lab's record of the call has a struct tl_call as its first
 * member; its run function makes the call and stores what came back in the record, which the
 * test reads once tl_call_returned or tl_call_finish said true (a mutex orders the two, not
 * atomics, which Helgrind would report). */
struct tl_call {
    void (*run)(struct tl_call *c);
    double start, end; /* when run began and the call returned (tl_now); run sets end itself
                          if it does more after the call (an rlock test releases what it got) */
    double seconds;    /* end - start */
    bool done;         /* under the harness's mutex: read it with tl_call_returned */
    pthread_t thread;
};
/* Start run(c) on a new thread; the rest of the record is set up before. */
void tl_call_start(struct tl_call *c, void (*run)(struct tl_call *c));
bool tl_call_returned(struct tl_call *c);
/* tl_await for c to return, up to timeout_s as given (not stretched): true if it did. For a call
 * that must not return yet, the time it is given to show that it would. */
bool tl_call_await(struct tl_call *c, double timeout_s);
/* Wait up to timeout_s (tl_bound: stretched for slow tools) for c to return, then join it and
 * say true. The hang watchdog counts the test as blocked meanwhile: a call that can never return
 * (a deadlock, a lost wakeup) ends the run within a second, with a diagnosis. False: the thread
 * stays blocked, and the test is about to fail. */
bool tl_call_finish(struct tl_call *c, double timeout_s);
/* Give n threads a few seconds to block in a wait (tl_await_waiters), then a moment to settle;
 * false if they did not. Not stretched like tl_bound: threads reach their wait in milliseconds
 * even under Valgrind, and a design that polls instead would cost a minute there. Once a wait
 * was in vain, the run's later calls only give the moment to settle and say false: waiters
 * that spin or poll cost one such wait a test, not one per round. From the test's thread. */
bool tl_await_blocked(int n);
/* False once tl_await_blocked waited in vain in this run. */
bool tl_waiters_visible(void);

#endif
