//! Ports of CPython's `lock_tests.BaseSemaphoreTests`, `SemaphoreTests` and
//! `BoundedSemaphoreTests`, plus `ThreadTests.test_BoundedSemaphore_limit`. The base tests run
//! for `Semaphore` (under `prefix`) and `BoundedSemaphore` (under `bounded_{prefix}`), as CPython
//! runs them for both classes.

use std::fmt::Debug;
use std::time::Duration;

use weft_core::{BoundedSemaphore, Error, Guard, Release, Scheduler, Semaphore};

use crate::harness::Test;

/// A semaphore type the base tests run on.
pub trait TestSemaphore<S: Scheduler>: Release + Debug + Default + Send + Sync + Sized + 'static {
    /// `semtype(value)`.
    fn create(value: usize) -> Self;
    /// `acquire()`.
    fn acquire(&self) -> bool;
    /// `acquire(blocking=False)`.
    fn try_acquire(&self) -> bool;
    /// `acquire(timeout=…)`.
    fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error>;
    /// `release()`.
    fn release(&self) -> Result<(), Error>;
    /// `release(n)`.
    fn release_n(&self, n: usize) -> Result<(), Error>;
    /// `_value`.
    fn value(&self) -> usize;
    /// `with sem:`.
    fn hold(&self) -> Guard<'_, Self>;
    /// The key a thread blocked in `acquire` is parked on.
    fn acquire_key(&self) -> usize;
}

macro_rules! test_semaphore_impl {
    ($ty:ty) => {
        impl<S: Scheduler> TestSemaphore<S> for $ty {
            fn create(value: usize) -> Self {
                <$ty>::new(value)
            }
            fn acquire(&self) -> bool {
                <$ty>::acquire(self)
            }
            fn try_acquire(&self) -> bool {
                <$ty>::try_acquire(self)
            }
            fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error> {
                <$ty>::acquire_timeout(self, timeout)
            }
            fn release(&self) -> Result<(), Error> {
                <$ty>::release(self)
            }
            fn release_n(&self, n: usize) -> Result<(), Error> {
                <$ty>::release_n(self, n)
            }
            fn value(&self) -> usize {
                <$ty>::value(self)
            }
            fn hold(&self) -> Guard<'_, Self> {
                <$ty>::guard(self)
            }
            fn acquire_key(&self) -> usize {
                <$ty>::wait_key(self)
            }
        }
    };
}

test_semaphore_impl!(Semaphore<S>);
test_semaphore_impl!(BoundedSemaphore<S>);

/// Adds every semaphore test for `S`: the base tests and `SemaphoreTests` under `prefix`, the
/// base tests and `BoundedSemaphoreTests` under `bounded_{prefix}`.
pub fn register<S: Scheduler>(tests: &mut Vec<Test>, prefix: &str) {
    base::register::<S, Semaphore<S>>(tests, prefix);
    semaphore::register::<S>(tests, prefix);
    let bounded_prefix = format!("bounded_{prefix}");
    base::register::<S, BoundedSemaphore<S>>(tests, &bounded_prefix);
    bounded::register::<S>(tests, &bounded_prefix);
}

/// `BaseSemaphoreTests`: run for `Semaphore` and `BoundedSemaphore`.
pub mod base {
    use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use weft_core::{ExceptionKind, Scheduler, TIMEOUT_MAX};

    use super::TestSemaphore;
    use crate::support::{Bunch, assert_at_least, assert_error, elapsed, wait_until};

    /// `test_acquire_contended` and `test_multirelease`: `sem_value = 7`, main takes one unit,
    /// ten threads each acquire twice recording the phase; main releases 7 then 6 units (one
    /// `release()` each, or one `release_n` each with `multi`), then one more.
    fn acquire_contended<S: Scheduler, T: TestSemaphore<S>>(multi: bool) {
        let sem_value = 7;
        let n = 10;
        let sem = Arc::new(T::create(sem_value));
        sem.acquire();
        let phase = Arc::new(AtomicUsize::new(0));
        let sem_results = Arc::new(Mutex::new(Vec::new()));
        let phases = Arc::new(Mutex::new(Vec::new()));
        let bunch = {
            let (sem, phase, sem_results, phases) = (sem.clone(), phase.clone(), sem_results.clone(), phases.clone());
            Bunch::<S>::start(
                n,
                move |_| {
                    for _ in 0..2 {
                        let taken = sem.acquire();
                        sem_results.lock().unwrap().push(taken);
                        phases.lock().unwrap().push(phase.load(SeqCst));
                    }
                },
                false,
            )
        };
        // Waits until `count` acquisitions are recorded and every other thread is parked on the
        // semaphore (or done), so that no further acquisition is under way.
        let settle = |count: usize| {
            wait_until::<S>(&format!("{count} acquisitions"), || phases.lock().unwrap().len() >= count);
            let statuses = bunch.statuses();
            wait_until::<S>("every thread parked on the semaphore or done", || {
                let blocked = statuses.iter().filter(|t| t.blocked_on() == sem.acquire_key()).count();
                blocked + bunch.finished() == n
            });
            assert_eq!(sem.value(), 0);
            let mut sorted = phases.lock().unwrap().clone();
            sorted.sort_unstable();
            sorted
        };
        let release = |units: usize| {
            if multi {
                sem.release_n(units).unwrap();
            } else {
                for _ in 0..units {
                    sem.release().unwrap();
                }
            }
        };
        // Phase 0: the six free units go.
        let count1 = sem_value - 1;
        assert_eq!(settle(count1), vec![0; count1]);
        // Phase 1.
        phase.store(1, SeqCst);
        let count2 = sem_value;
        release(count2);
        let expected: Vec<usize> = [vec![0; count1], vec![1; count2]].concat();
        assert_eq!(settle(count1 + count2), expected);
        // Phase 2.
        phase.store(2, SeqCst);
        let count3 = sem_value - 1;
        release(count3);
        let expected: Vec<usize> = [vec![0; count1], vec![1; count2], vec![2; count3]].concat();
        assert_eq!(settle(count1 + count2 + count3), expected);
        // The semaphore is still exhausted.
        assert!(!sem.try_acquire());
        // The final release lets the last thread finish.
        let count4 = 1;
        sem.release().unwrap();
        bunch.wait_for_finished();
        drop(bunch);
        assert_eq!(*sem_results.lock().unwrap(), vec![true; count1 + count2 + count3 + count4]);
        assert_eq!(sem.value(), 0);
    }

    crate::spec_tests! {
        generics [S: Scheduler, T: TestSemaphore<S>];

        /// `semtype(0)` holds no unit; the default value is 1. (CPython's negative initial
        /// values, `ValueError`, cannot be expressed: the value is a `usize`.)
        fn test_constructor() {
            let sem = T::create(0);
            assert_eq!(sem.value(), 0);
            assert!(!sem.try_acquire());
            let sem = T::default();
            assert_eq!(sem.value(), 1);
            assert!(sem.try_acquire());
            assert!(!sem.try_acquire());
            sem.release().unwrap();
        }

        /// `semtype(1)`: acquire, release; `semtype(2)`: acquire twice, release twice.
        fn test_acquire() {
            let sem = T::create(1);
            assert!(sem.acquire());
            sem.release().unwrap();
            let sem = T::create(2);
            assert!(sem.acquire());
            assert!(sem.acquire());
            assert_eq!(sem.value(), 0);
            sem.release().unwrap();
            sem.release().unwrap();
            assert_eq!(sem.value(), 2);
        }

        /// Dropping a default semaphore with its unit taken is fine.
        fn test_acquire_destroy() {
            let sem = T::default();
            sem.acquire();
            drop(sem);
        }

        /// Ten threads × two `acquire()` on a value of 7 (one held by main): exactly 6, then 7,
        /// then 6 acquisitions per phase as main releases one unit at a time; all return true.
        fn test_acquire_contended() {
            acquire_contended::<S, T>(false);
        }

        /// As `test_acquire_contended`, releasing with one `release_n(7)` and one `release_n(6)`.
        fn test_multirelease() {
            acquire_contended::<S, T>(true);
        }

        /// `semtype(2)`: `try_acquire` true, true, false; after a release, true again.
        fn test_try_acquire() {
            let sem = T::create(2);
            assert!(sem.try_acquire());
            assert!(sem.try_acquire());
            assert!(!sem.try_acquire());
            sem.release().unwrap();
            assert!(sem.try_acquire());
        }

        /// `semtype(4)` with one unit held by main: five threads × two `try_acquire` get exactly
        /// three units.
        fn test_try_acquire_contended() {
            let sem = Arc::new(T::create(4));
            sem.acquire();
            let results = Arc::new(Mutex::new(Vec::new()));
            {
                let (sem, results) = (sem.clone(), results.clone());
                let bunch = Bunch::<S>::start(5, move |_| {
                    let first = sem.try_acquire();
                    results.lock().unwrap().push(first);
                    let second = sem.try_acquire();
                    results.lock().unwrap().push(second);
                }, false);
                bunch.wait_for_finished();
            }
            let mut sorted = results.lock().unwrap().clone();
            sorted.sort_unstable();
            assert_eq!(sorted, [vec![false; 7], vec![true; 3]].concat());
        }

        /// `semtype(2)`: timed acquires succeed twice, then time out; after a release one succeeds;
        /// an exhausted semaphore times out after at least the timeout. (CPython's
        /// `acquire(False, timeout=…)` `ValueError` cannot be expressed: `try_acquire` takes no
        /// timeout.)
        fn test_acquire_timeout() {
            let sem = T::create(2);
            let short = Duration::from_millis(5);
            assert!(sem.acquire_timeout(short).unwrap());
            assert!(sem.acquire_timeout(short).unwrap());
            assert!(!sem.acquire_timeout(short).unwrap());
            sem.release().unwrap();
            assert!(sem.acquire_timeout(short).unwrap());
            let timeout = Duration::from_millis(100);
            let start = S::now();
            assert!(!sem.acquire_timeout(timeout).unwrap());
            assert_at_least(elapsed::<S>(start), timeout);
            assert_eq!(sem.value(), 0);
        }

        /// The default value is 1: with main holding it, another thread's `acquire()` blocks
        /// until main releases.
        fn test_default_value() {
            let sem = Arc::new(T::default());
            sem.acquire();
            let bunch = {
                let sem = sem.clone();
                Bunch::<S>::start(1, move |_| {
                    sem.acquire();
                    sem.release().unwrap();
                }, false)
            };
            bunch.wait_blocked(sem.acquire_key(), 1);
            assert_eq!(bunch.finished(), 0);
            sem.release().unwrap();
            bunch.wait_for_finished();
            assert_eq!(sem.value(), 1);
        }

        /// `with sem:` (a guard) takes a unit and gives it back; nested guards exhaust
        /// `semtype(2)`; a panic inside propagates and both levels release.
        fn test_with() {
            let sem = T::create(2);
            let with = |panic: bool| {
                let _outer = sem.hold();
                assert!(sem.try_acquire());
                sem.release().unwrap();
                let _inner = sem.hold();
                assert!(!sem.try_acquire());
                if panic {
                    resume_unwind(Box::new("TypeError"));
                }
            };
            with(false);
            assert!(sem.try_acquire());
            sem.release().unwrap();
            let outcome = catch_unwind(AssertUnwindSafe(|| with(true)));
            assert_eq!(*outcome.unwrap_err().downcast::<&str>().unwrap(), "TypeError");
            assert_eq!(sem.value(), 2);
            assert!(sem.try_acquire());
            sem.release().unwrap();
        }

        /// SPEC: `release_n(0)` is `ValueError("n must be one or more")` and changes nothing.
        fn test_release_n_zero() {
            let sem = T::create(1);
            assert!(sem.try_acquire());
            assert_error(sem.release_n(0), ExceptionKind::ValueError, "n must be one or more");
            assert_eq!(sem.value(), 0);
            sem.release().unwrap();
            assert_error(sem.release_n(0), ExceptionKind::ValueError, "n must be one or more");
            assert_eq!(sem.value(), 1);
        }

        /// SPEC: `release_n(n)` wakes up to `n` blocked waiters: with five threads blocked,
        /// `release_n(3)` lets exactly three through; `release_n(5)` lets the last two through and
        /// keeps the three spare units.
        fn test_release_n_wakes_n_waiters() {
            let n = 5;
            let sem = Arc::new(T::create(n));
            for _ in 0..n {
                assert!(sem.try_acquire());
            }
            let passed = Arc::new(AtomicUsize::new(0));
            let bunch = {
                let (sem, passed) = (sem.clone(), passed.clone());
                Bunch::<S>::start(n, move |_| {
                    assert!(sem.acquire());
                    passed.fetch_add(1, SeqCst);
                }, false)
            };
            bunch.wait_blocked(sem.acquire_key(), n);
            assert_eq!(passed.load(SeqCst), 0);
            sem.release_n(3).unwrap();
            wait_until::<S>("three threads through", || passed.load(SeqCst) >= 3);
            bunch.wait_blocked(sem.acquire_key(), 2);
            assert_eq!(passed.load(SeqCst), 3);
            assert_eq!(sem.value(), 0);
            sem.release_n(5).unwrap();
            bunch.wait_for_finished();
            assert_eq!(passed.load(SeqCst), n);
            assert_eq!(sem.value(), 3);
        }

        /// SPEC: a timeout above `TIMEOUT_MAX` is `OverflowError("timeout value is too large")`
        /// and takes nothing; `TIMEOUT_MAX` itself is accepted.
        fn test_acquire_timeout_too_large() {
            let too_large = "timeout value is too large";
            let sem = T::create(0);
            assert_error(sem.acquire_timeout(TIMEOUT_MAX + Duration::from_secs(1)), ExceptionKind::OverflowError, too_large);
            assert_error(sem.acquire_timeout(Duration::MAX), ExceptionKind::OverflowError, too_large);
            let sem = T::create(1);
            assert_error(sem.acquire_timeout(TIMEOUT_MAX + Duration::from_secs(1)), ExceptionKind::OverflowError, too_large);
            assert_eq!(sem.value(), 1);
            assert!(sem.acquire_timeout(TIMEOUT_MAX).unwrap());
            assert_eq!(sem.value(), 0);
        }
    }
}

/// `SemaphoreTests`: the unbounded `Semaphore`'s own tests.
pub mod semaphore {
    use weft_core::{ExceptionKind, SEMAPHORE_MAX, Scheduler, Semaphore};

    use crate::support::assert_error;

    crate::spec_tests! {
        generics [S: Scheduler];

        /// Releasing more than was acquired raises the value: `Semaphore(1).release()` makes two
        /// acquisitions succeed without blocking.
        fn test_release_unacquired() {
            let sem = Semaphore::<S>::new(1);
            sem.release().unwrap();
            assert_eq!(sem.value(), 2);
            assert!(sem.try_acquire());
            assert!(sem.try_acquire());
            assert!(!sem.try_acquire());
            sem.release().unwrap();
        }

        /// `repr` (here `Debug`) shows the value: 3, 2 after an acquire, 4 after two releases.
        fn test_repr() {
            let sem = Semaphore::<S>::new(3);
            assert_eq!(format!("{sem:?}"), "<Semaphore: value=3>");
            sem.acquire();
            assert_eq!(format!("{sem:?}"), "<Semaphore: value=2>");
            sem.release().unwrap();
            sem.release().unwrap();
            assert_eq!(format!("{sem:?}"), "<Semaphore: value=4>");
        }

        /// weft: a release that would push the value past `SEMAPHORE_MAX` is
        /// `OverflowError("semaphore value is too large")` and changes nothing (Python's integers
        /// are unbounded, so CPython has no such case).
        fn test_release_value_too_large() {
            let sem = Semaphore::<S>::new(SEMAPHORE_MAX);
            assert_error(sem.release(), ExceptionKind::OverflowError, "semaphore value is too large");
            assert_eq!(sem.value(), SEMAPHORE_MAX);
            assert!(sem.try_acquire());
            assert_error(sem.release_n(2), ExceptionKind::OverflowError, "semaphore value is too large");
            assert_eq!(sem.value(), SEMAPHORE_MAX - 1);
            sem.release().unwrap();
            assert_eq!(sem.value(), SEMAPHORE_MAX);
        }
    }
}

/// `BoundedSemaphoreTests` and `ThreadTests.test_BoundedSemaphore_limit`.
pub mod bounded {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

    use weft_core::{BoundedSemaphore, ExceptionKind, Scheduler, Thread};

    use crate::support::assert_error;

    const TOO_MANY: &str = "Semaphore released too many times";

    crate::spec_tests! {
        generics [S: Scheduler];

        /// Releasing above the initial value is `ValueError("Semaphore released too many
        /// times")`, before and after an acquire/release pair.
        fn test_release_unacquired() {
            let sem = BoundedSemaphore::<S>::default();
            assert_error(sem.release(), ExceptionKind::ValueError, TOO_MANY);
            sem.acquire();
            sem.release().unwrap();
            assert_error(sem.release(), ExceptionKind::ValueError, TOO_MANY);
            assert_eq!(sem.value(), 1);
        }

        /// `repr` (here `Debug`) shows value and initial value: 3/3, then 2/3 after an acquire.
        fn test_repr() {
            let sem = BoundedSemaphore::<S>::new(3);
            assert_eq!(format!("{sem:?}"), "<BoundedSemaphore: value=3/3>");
            sem.acquire();
            assert_eq!(format!("{sem:?}"), "<BoundedSemaphore: value=2/3>");
            sem.release().unwrap();
        }

        /// `ThreadTests.test_BoundedSemaphore_limit`: for limits 1..10, `limit` weft threads
        /// acquire, `limit` other threads release (releasing without having acquired is legal),
        /// and one more release is `ValueError`.
        #[allow(non_snake_case)]
        fn test_BoundedSemaphore_limit() {
            for limit in 1..10 {
                let bs = Arc::new(BoundedSemaphore::<S>::new(limit));
                let threads: Vec<Thread<S>> = (0..limit)
                    .map(|_| {
                        let bs = bs.clone();
                        Thread::<S>::new(move || {
                            bs.acquire();
                        })
                    })
                    .collect();
                for t in &threads {
                    t.start().unwrap();
                }
                for t in &threads {
                    t.join().unwrap();
                }
                assert_eq!(bs.value(), 0);
                let released = Arc::new(AtomicUsize::new(0));
                let threads: Vec<Thread<S>> = (0..limit)
                    .map(|_| {
                        let (bs, released) = (bs.clone(), released.clone());
                        Thread::<S>::new(move || {
                            if bs.release().is_ok() {
                                released.fetch_add(1, SeqCst);
                            }
                        })
                    })
                    .collect();
                for t in &threads {
                    t.start().unwrap();
                }
                for t in &threads {
                    t.join().unwrap();
                }
                assert_eq!(released.load(SeqCst), limit);
                assert_eq!(bs.value(), limit);
                assert_error(bs.release(), ExceptionKind::ValueError, TOO_MANY);
            }
        }

        /// SPEC: a `release_n` that would go above the initial value is `ValueError` and leaves
        /// the value unchanged (no partial release).
        fn test_release_n_too_many_leaves_value() {
            let sem = BoundedSemaphore::<S>::new(3);
            assert_eq!(sem.initial_value(), 3);
            assert!(sem.try_acquire());
            assert!(sem.try_acquire());
            assert_error(sem.release_n(3), ExceptionKind::ValueError, TOO_MANY);
            assert_eq!(sem.value(), 1);
            assert_error(sem.release_n(usize::MAX), ExceptionKind::ValueError, TOO_MANY);
            assert_eq!(sem.value(), 1);
            sem.release_n(2).unwrap();
            assert_eq!(sem.value(), 3);
            assert_error(sem.release_n(1), ExceptionKind::ValueError, TOO_MANY);
            assert_eq!(sem.value(), 3);
        }
    }
}
