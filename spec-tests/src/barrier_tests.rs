//! Ports of CPython's `lock_tests.BarrierTests`, plus the SPEC.md barrier behaviour CPython does
//! not test. The fixture is CPython's: a barrier of `N = 5` parties with a default timeout, and
//! `run_threads` running a function in 5 foreign threads.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{Barrier, Error, ExceptionKind, Scheduler, TIMEOUT_MAX};

use crate::support::{Bunch, PATIENCE, assert_at_least, assert_error, elapsed, wait_until};

/// The number of parties (and threads) of the fixture.
const N: usize = 5;

/// The fixture's default timeout; it never elapses in the tests that use it.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// CPython's `setUp`: `barriertype(N, timeout=defaultTimeout)`.
fn fixture<S: Scheduler>() -> Arc<Barrier<S>> {
    Arc::new(Barrier::new(N).unwrap().with_timeout(DEFAULT_TIMEOUT))
}

/// CPython's `run_threads`: runs `f` in `N` foreign threads and waits for them, re-raising the
/// first panic.
fn run_threads<S: Scheduler>(f: impl Fn(usize) + Send + Sync + 'static) {
    let bunch = Bunch::<S>::start(N, f, false);
    bunch.wait_for_finished();
}

/// Asserts `result` is `BrokenBarrierError` (whose message is empty).
#[track_caller]
fn expect_broken(result: Result<usize, Error>) {
    assert_error(result, ExceptionKind::BrokenBarrierError, "");
}

/// CPython's `multipass`: `n` rounds in lock-step, two waits per round; then nobody is waiting
/// and the barrier is not broken.
fn multipass<S: Scheduler>(barrier: &Barrier<S>, results: &[AtomicUsize; 2], n: usize) {
    let m = barrier.parties();
    assert_eq!(m, N);
    for i in 0..n {
        results[0].fetch_add(1, SeqCst);
        assert_eq!(results[1].load(SeqCst), i * m);
        barrier.wait().unwrap();
        results[1].fetch_add(1, SeqCst);
        assert_eq!(results[0].load(SeqCst), (i + 1) * m);
        barrier.wait().unwrap();
    }
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.broken());
}

/// `test_barrier` and `test_barrier_10`: `passes` rounds of `multipass` in `N` threads.
fn barrier_passes<S: Scheduler>(passes: usize) {
    let barrier = fixture::<S>();
    let results = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);
    {
        let (barrier, results) = (barrier.clone(), results.clone());
        run_threads::<S>(move |_| multipass(&barrier, &results, passes));
    }
    assert_eq!(results[0].load(SeqCst), passes * N);
    assert_eq!(results[1].load(SeqCst), passes * N);
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// `Barrier::new(0)` is `ValueError("parties must be >= 1")`. (CPython's `parties=-1`
    /// cannot be expressed: `parties` is a `usize`.)
    fn test_constructor() {
        assert_error(Barrier::<S>::new(0), ExceptionKind::ValueError, "parties must be >= 1");
        let barrier = Barrier::<S>::new(1).unwrap();
        assert_eq!(barrier.parties(), 1);
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.broken());
    }

    /// One `multipass`: five threads move in lock-step through two waits.
    fn test_barrier() {
        barrier_passes::<S>(1);
    }

    /// Ten `multipass` rounds: the barrier is cyclic.
    fn test_barrier_10() {
        barrier_passes::<S>(10);
    }

    /// The five `wait()` results are the arrival indices 0..5, each handed out once.
    fn test_wait_return() {
        let barrier = fixture::<S>();
        let results = Arc::new(Mutex::new(Vec::new()));
        {
            let (barrier, results) = (barrier.clone(), results.clone());
            run_threads::<S>(move |_| {
                let index = barrier.wait().unwrap();
                results.lock().unwrap().push(index);
            });
        }
        let mut indices = results.lock().unwrap().clone();
        assert_eq!(indices.iter().sum::<usize>(), (0..N).sum::<usize>());
        indices.sort_unstable();
        assert_eq!(indices, (0..N).collect::<Vec<_>>());
    }

    /// The action runs exactly once, before anyone is released: every thread sees it done.
    fn test_action() {
        let runs = Arc::new(AtomicUsize::new(0));
        let barrier = {
            let runs = runs.clone();
            Arc::new(Barrier::<S>::new(N).unwrap().with_timeout(DEFAULT_TIMEOUT).with_action(move || {
                runs.fetch_add(1, SeqCst);
            }))
        };
        {
            let (barrier, runs) = (barrier.clone(), runs.clone());
            run_threads::<S>(move |_| {
                barrier.wait().unwrap();
                assert_eq!(runs.load(SeqCst), 1);
            });
        }
        assert_eq!(runs.load(SeqCst), 1);
    }

    /// The thread with index `N / 2` aborts instead of waiting again: the other four get
    /// `BrokenBarrierError` from their second wait, nobody passes it, and the barrier is broken.
    fn test_abort() {
        let barrier = fixture::<S>();
        let results1 = Arc::new(AtomicUsize::new(0));
        let results2 = Arc::new(AtomicUsize::new(0));
        {
            let (barrier, results1, results2) = (barrier.clone(), results1.clone(), results2.clone());
            run_threads::<S>(move |_| abort_at_half(&barrier, &results1, &results2));
        }
        assert_eq!(results1.load(SeqCst), 0);
        assert_eq!(results2.load(SeqCst), N - 1);
        assert!(barrier.broken());
        expect_broken(barrier.wait());
    }

    /// The thread with index `N / 2` resets the barrier once the four others wait on it: they get
    /// `BrokenBarrierError`, and then all five pass it again.
    fn test_reset() {
        let barrier = fixture::<S>();
        let results1 = Arc::new(AtomicUsize::new(0));
        let results2 = Arc::new(AtomicUsize::new(0));
        let results3 = Arc::new(AtomicUsize::new(0));
        {
            let (barrier, results1, results2, results3) =
                (barrier.clone(), results1.clone(), results2.clone(), results3.clone());
            run_threads::<S>(move |_| {
                let index = barrier.wait().unwrap();
                if index == N / 2 {
                    wait_until::<S>("the other threads waiting", || barrier.n_waiting() >= N - 1);
                    barrier.reset();
                } else {
                    match barrier.wait() {
                        Ok(_) => {
                            results1.fetch_add(1, SeqCst);
                        }
                        result @ Err(_) => {
                            expect_broken(result);
                            results2.fetch_add(1, SeqCst);
                        }
                    }
                }
                // Now pass the barrier again.
                barrier.wait().unwrap();
                results3.fetch_add(1, SeqCst);
            });
        }
        assert_eq!(results1.load(SeqCst), 0);
        assert_eq!(results2.load(SeqCst), N - 1);
        assert_eq!(results3.load(SeqCst), N);
        assert!(!barrier.broken());
    }

    /// As `test_abort`; then everyone meets on a second barrier, one of them resets the broken
    /// barrier, they meet again, and all five pass the reset barrier.
    fn test_abort_and_reset() {
        let barrier = fixture::<S>();
        let barrier2 = Arc::new(Barrier::<S>::new(N).unwrap().with_timeout(DEFAULT_TIMEOUT));
        let results1 = Arc::new(AtomicUsize::new(0));
        let results2 = Arc::new(AtomicUsize::new(0));
        let results3 = Arc::new(AtomicUsize::new(0));
        {
            let (barrier, barrier2) = (barrier.clone(), barrier2.clone());
            let (results1, results2, results3) = (results1.clone(), results2.clone(), results3.clone());
            run_threads::<S>(move |_| {
                abort_at_half(&barrier, &results1, &results2);
                // Synchronise first so that everyone has left the barrier when it is reset, and
                // after so that nobody enters it before the reset.
                if barrier2.wait().unwrap() == N / 2 {
                    barrier.reset();
                }
                barrier2.wait().unwrap();
                barrier.wait().unwrap();
                results3.fetch_add(1, SeqCst);
            });
        }
        assert_eq!(results1.load(SeqCst), 0);
        assert_eq!(results2.load(SeqCst), N - 1);
        assert_eq!(results3.load(SeqCst), N);
        assert!(!barrier.broken());
    }

    /// After a full pass, one thread is late: the others' `wait_timeout` times out and breaks the
    /// barrier for everyone, and the late thread (arriving once it is broken) gets
    /// `BrokenBarrierError` too.
    fn test_timeout() {
        let barrier = fixture::<S>();
        {
            let barrier = barrier.clone();
            run_threads::<S>(move |_| {
                let index = barrier.wait().unwrap();
                if index == N / 2 {
                    // One thread is late (CPython sleeps; here it waits for the break itself).
                    wait_until::<S>("the barrier to break", || barrier.broken());
                }
                expect_broken(barrier.wait_timeout(Duration::from_millis(50)));
            });
        }
        assert!(barrier.broken());
    }

    /// The default timeout applies to `wait()`: a lone thread on a 2-party barrier with a 100 ms
    /// default gets `BrokenBarrierError` after at least 100 ms.
    fn test_default_timeout() {
        let timeout = Duration::from_millis(100);
        let barrier = Arc::new(Barrier::<S>::new(2).unwrap().with_timeout(timeout));
        let start = S::now();
        {
            let barrier = barrier.clone();
            let bunch = Bunch::<S>::start(1, move |_| {
                let start = S::now();
                expect_broken(barrier.wait());
                assert_at_least(elapsed::<S>(start), timeout);
            }, false);
            bunch.wait_for_finished();
        }
        assert_at_least(elapsed::<S>(start), timeout);
        assert!(barrier.broken());
    }

    /// A 1-party barrier: `wait()` returns 0 at once, every time.
    fn test_single_thread() {
        let barrier = Barrier::<S>::new(1).unwrap();
        assert_eq!(barrier.wait().unwrap(), 0);
        assert_eq!(barrier.wait().unwrap(), 0);
    }

    /// `repr` (here `Debug`): `waiters=0/3`, `waiters=2/3` with two threads waiting, `0/3` again
    /// after main's `wait()` released them, and `broken` after `abort()`.
    fn test_repr() {
        let barrier = Arc::new(Barrier::<S>::new(3).unwrap());
        assert_eq!(format!("{barrier:?}"), "<Barrier: waiters=0/3>");
        {
            let bunch = {
                let barrier = barrier.clone();
                Bunch::<S>::start(2, move |_| {
                    barrier.wait_timeout(PATIENCE).unwrap();
                }, false)
            };
            bunch.wait_blocked(barrier.wait_key(), 2);
            assert_eq!(format!("{barrier:?}"), "<Barrier: waiters=2/3>");
            // Main's wait releases the threads.
            barrier.wait_timeout(PATIENCE).unwrap();
            bunch.wait_for_finished();
        }
        assert_eq!(format!("{barrier:?}"), "<Barrier: waiters=0/3>");
        barrier.abort();
        assert_eq!(format!("{barrier:?}"), "<Barrier: broken>");
    }

    /// SPEC: an action that panics breaks the barrier: the thread that ran it gets the panic, the
    /// four others `BrokenBarrierError`. After `reset()` the barrier works again (the action,
    /// now succeeding, runs once more).
    fn test_action_panic_breaks_barrier() {
        let runs = Arc::new(AtomicUsize::new(0));
        let fail = Arc::new(AtomicBool::new(true));
        let barrier = {
            let (runs, fail) = (runs.clone(), fail.clone());
            Arc::new(Barrier::<S>::new(N).unwrap().with_timeout(DEFAULT_TIMEOUT).with_action(move || {
                runs.fetch_add(1, SeqCst);
                if fail.load(SeqCst) {
                    resume_unwind(Box::new("action failed"));
                }
            }))
        };
        let panicked = Arc::new(AtomicUsize::new(0));
        let broken = Arc::new(AtomicUsize::new(0));
        {
            let (barrier, panicked, broken) = (barrier.clone(), panicked.clone(), broken.clone());
            run_threads::<S>(move |_| match catch_unwind(AssertUnwindSafe(|| barrier.wait())) {
                Err(payload) => {
                    assert_eq!(*payload.downcast::<&str>().unwrap(), "action failed");
                    panicked.fetch_add(1, SeqCst);
                }
                Ok(result) => {
                    expect_broken(result);
                    broken.fetch_add(1, SeqCst);
                }
            });
        }
        assert_eq!(runs.load(SeqCst), 1);
        assert_eq!(panicked.load(SeqCst), 1);
        assert_eq!(broken.load(SeqCst), N - 1);
        assert!(barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
        expect_broken(barrier.wait());
        fail.store(false, SeqCst);
        barrier.reset();
        assert!(!barrier.broken());
        {
            let barrier = barrier.clone();
            run_threads::<S>(move |_| {
                barrier.wait().unwrap();
            });
        }
        assert_eq!(runs.load(SeqCst), 2);
    }

    /// SPEC: `n_waiting()` is 0 while the barrier drains: a thread that has just passed reads 0
    /// even while the others of its round have not yet left `wait()` (20 rounds, kept apart by a
    /// second barrier so that nobody enters the next round early).
    fn test_n_waiting_zero_while_draining() {
        let barrier = fixture::<S>();
        let barrier2 = Arc::new(Barrier::<S>::new(N).unwrap().with_timeout(DEFAULT_TIMEOUT));
        let seen = Arc::new(Mutex::new(Vec::new()));
        {
            let (barrier, barrier2, seen) = (barrier.clone(), barrier2.clone(), seen.clone());
            run_threads::<S>(move |_| {
                for _ in 0..20 {
                    barrier.wait().unwrap();
                    let waiting = barrier.n_waiting();
                    seen.lock().unwrap().push(waiting);
                    barrier2.wait().unwrap();
                }
            });
        }
        assert_eq!(*seen.lock().unwrap(), vec![0; 20 * N]);
        assert_eq!(barrier.n_waiting(), 0);
    }

    /// SPEC: `reset()` with nobody waiting leaves the barrier usable at once, also after
    /// `abort()` (which stays in force until the reset).
    fn test_reset_without_waiters() {
        let barrier = fixture::<S>();
        let passed = Arc::new(AtomicUsize::new(0));
        let pass_all = |barrier: &Arc<Barrier<S>>| {
            let (barrier, passed) = (barrier.clone(), passed.clone());
            run_threads::<S>(move |_| {
                barrier.wait().unwrap();
                passed.fetch_add(1, SeqCst);
            });
        };
        barrier.reset();
        assert!(!barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
        pass_all(&barrier);
        assert_eq!(passed.load(SeqCst), N);
        barrier.abort();
        assert!(barrier.broken());
        expect_broken(barrier.wait());
        expect_broken(barrier.wait());
        barrier.reset();
        assert!(!barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
        pass_all(&barrier);
        assert_eq!(passed.load(SeqCst), 2 * N);
    }

    /// SPEC (measured in CPython): `wait_timeout(0)` on a 2-party barrier is
    /// `BrokenBarrierError` and breaks the barrier.
    fn test_wait_zero_timeout_breaks() {
        let barrier = Barrier::<S>::new(2).unwrap();
        expect_broken(barrier.wait_timeout(Duration::ZERO));
        assert!(barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
    }

    /// SPEC: a timeout above `TIMEOUT_MAX` is `OverflowError("timeout value is too large")`; the
    /// barrier is left as it was (not broken, nobody counted as waiting).
    fn test_wait_timeout_too_large() {
        let barrier = Barrier::<S>::new(2).unwrap();
        let too_large = "timeout value is too large";
        assert_error(barrier.wait_timeout(TIMEOUT_MAX + Duration::from_secs(1)), ExceptionKind::OverflowError, too_large);
        assert!(!barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
        let barrier = Barrier::<S>::new(2).unwrap().with_timeout(Duration::MAX);
        assert_error(barrier.wait(), ExceptionKind::OverflowError, too_large);
        assert!(!barrier.broken());
        assert_eq!(barrier.n_waiting(), 0);
    }
}

/// CPython's `test_abort` body: the thread with index `N / 2` aborts; the others count their
/// second `wait()` as passed (`results1`) or broken (`results2`).
fn abort_at_half<S: Scheduler>(barrier: &Barrier<S>, results1: &AtomicUsize, results2: &AtomicUsize) {
    match barrier.wait() {
        // CPython raises RuntimeError in this thread and aborts in the handler.
        Ok(index) if index == N / 2 => barrier.abort(),
        Ok(_) => match barrier.wait() {
            Ok(_) => {
                results1.fetch_add(1, SeqCst);
            }
            result @ Err(_) => {
                expect_broken(result);
                results2.fetch_add(1, SeqCst);
            }
        },
        result @ Err(_) => {
            expect_broken(result);
            results2.fetch_add(1, SeqCst);
        }
    }
}
