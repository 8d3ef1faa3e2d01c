//! Ports of CPython's `lock_tests.BaseLockTests`, `LockTests` and `RLockTests`. The base tests run
//! for `Lock`, `RLock`, and a default `Condition` used as an RLock, as CPython runs them.

use std::fmt::Debug;
use std::time::Duration;

use weft_core::{Condition, Error, Guard, Lock, RLock, Release, Scheduler};

/// A lock type the base tests run on.
pub trait TestLock<S: Scheduler>: Release + Debug + Send + Sync + Sized + 'static {
    /// A new, unlocked instance.
    fn create() -> Self;
    /// `acquire()`.
    fn acquire(&self) -> bool;
    /// `acquire(blocking=False)`.
    fn try_acquire(&self) -> bool;
    /// `acquire(timeout=…)`.
    fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error>;
    /// `release()`.
    fn release(&self) -> Result<(), Error>;
    /// `locked()`.
    fn locked(&self) -> bool;
    /// `with lock:`.
    fn hold(&self) -> Guard<'_, Self>;
    /// The key a thread blocked in `acquire` is parked on.
    fn acquire_key(&self) -> usize;
}

/// The RLock-only surface `RLockTests` uses (also implemented by `Condition`).
pub trait TestRLock<S: Scheduler>: TestLock<S> {
    /// `_is_owned()`.
    fn is_owned(&self) -> bool;
    /// `_release_save()`, discarding the saved state.
    fn release_save(&self) -> Result<(), Error>;
}

macro_rules! test_lock_impl {
    ($ty:ty, $key:expr_2021) => {
        impl<S: Scheduler> TestLock<S> for $ty {
            fn create() -> Self {
                <$ty>::default()
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
            fn locked(&self) -> bool {
                <$ty>::locked(self)
            }
            fn hold(&self) -> Guard<'_, Self> {
                <$ty>::lock(self)
            }
            fn acquire_key(&self) -> usize {
                let key: fn(&Self) -> usize = $key;
                key(self)
            }
        }
    };
}

test_lock_impl!(Lock<S>, |l| l.wait_key());
test_lock_impl!(RLock<S>, |l| l.wait_key());
test_lock_impl!(Condition<S>, |c| c.inner_lock().wait_key());

impl<S: Scheduler> TestRLock<S> for RLock<S> {
    fn is_owned(&self) -> bool {
        RLock::is_owned(self)
    }
    fn release_save(&self) -> Result<(), Error> {
        RLock::release_save(self).map(drop)
    }
}

impl<S: Scheduler> TestRLock<S> for Condition<S> {
    fn is_owned(&self) -> bool {
        Condition::is_owned(self)
    }
    fn release_save(&self) -> Result<(), Error> {
        Condition::release_save(self).map(drop)
    }
}

/// `BaseLockTests`: run for `Lock`, `RLock` and `Condition`.
pub mod base {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::time::Duration;

    use weft_core::{ExceptionKind, Scheduler, TIMEOUT_MAX, active_count};

    use super::TestLock;
    use crate::support::{Bunch, assert_at_least, assert_error, elapsed, wait_until};

    crate::spec_tests! {
        generics [S: Scheduler, L: TestLock<S>];

        /// `locktype()` constructs; dropping it is fine.
        fn test_constructor() {
            let lock = L::create();
            assert!(!lock.locked());
            drop(lock);
        }

        /// `repr` of a new lock says "unlocked … object" (here: `Debug`).
        fn test_repr() {
            let text = format!("{:?}", L::create());
            assert!(text.contains("<unlocked ") && text.contains(" object"), "{text}");
        }

        /// `repr` of a held lock says "locked … object".
        fn test_locked_repr() {
            let lock = L::create();
            lock.acquire();
            let text = format!("{:?}", lock);
            assert!(text.contains("<locked ") && text.contains(" object"), "{text}");
            lock.release().unwrap();
        }

        /// Dropping a still-held lock is fine.
        fn test_acquire_destroy() {
            let lock = L::create();
            lock.acquire();
            drop(lock);
        }

        /// `acquire()` then `release()`.
        fn test_acquire_release() {
            let lock = L::create();
            assert!(lock.acquire());
            lock.release().unwrap();
            assert!(!lock.locked());
        }

        /// `acquire(False)` on a free lock is true.
        fn test_try_acquire() {
            let lock = L::create();
            assert!(lock.try_acquire());
            lock.release().unwrap();
        }

        /// While main holds the lock, a try in another (foreign) thread fails.
        fn test_try_acquire_contended() {
            let lock = Arc::new(L::create());
            lock.acquire();
            let result = Arc::new(AtomicBool::new(true));
            {
                let (lock, result) = (lock.clone(), result.clone());
                let bunch = Bunch::<S>::start(1, move |_| result.store(lock.try_acquire(), SeqCst), false);
                bunch.wait_for_finished();
            }
            assert!(!result.load(SeqCst));
            lock.release().unwrap();
        }

        /// Five threads block on a held lock; none gets through until main releases, then all do.
        fn test_acquire_contended() {
            let lock = Arc::new(L::create());
            lock.acquire();
            let n = 5;
            let bunch = {
                let lock = lock.clone();
                Bunch::<S>::start(n, move |_| {
                    lock.acquire();
                    lock.release().unwrap();
                }, false)
            };
            bunch.wait_blocked(lock.acquire_key(), n);
            assert_eq!(bunch.finished(), 0);
            lock.release().unwrap();
            bunch.wait_for_finished();
            assert_eq!(bunch.finished(), n);
        }

        /// `with lock:` acquires and releases; a panic inside propagates and releases the lock.
        fn test_with() {
            let lock = Arc::new(L::create());
            let in_another_thread = |lock: &Arc<L>| {
                let lock = lock.clone();
                let bunch = Bunch::<S>::start(1, move |_| {
                    assert!(lock.acquire());
                    lock.release().unwrap();
                }, false);
                bunch.wait_for_finished();
            };
            {
                let _held = lock.hold();
                assert!(lock.locked());
            }
            in_another_thread(&lock);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _held = lock.hold();
                std::panic::resume_unwind(Box::new("TypeError"));
            }));
            assert_eq!(*outcome.unwrap_err().downcast::<&str>().unwrap(), "TypeError");
            assert!(!lock.locked());
            in_another_thread(&lock);
        }

        /// Fifteen foreign threads acquire and release; the thread count returns to its baseline.
        fn test_thread_leak() {
            let lock = Arc::new(L::create());
            let baseline = active_count::<S>();
            {
                let lock = lock.clone();
                let bunch = Bunch::<S>::start(15, move |_| {
                    lock.acquire();
                    lock.release().unwrap();
                }, false);
                bunch.wait_for_finished();
            }
            wait_until::<S>("the thread count back to its baseline", || active_count::<S>() == baseline);
        }

        /// Timeout validation (`TIMEOUT_MAX` accepted, above it `OverflowError`), a free lock is
        /// taken at once, and a held lock times out after at least the timeout.
        fn test_timeout() {
            let lock = Arc::new(L::create());
            let too_large = "timeout value is too large";
            assert_error(lock.acquire_timeout(Duration::MAX), ExceptionKind::OverflowError, too_large);
            assert_error(lock.acquire_timeout(TIMEOUT_MAX + Duration::from_secs(1)), ExceptionKind::OverflowError, too_large);
            assert!(!lock.locked());
            assert!(lock.acquire_timeout(TIMEOUT_MAX).unwrap());
            lock.release().unwrap();
            assert!(lock.acquire_timeout(Duration::from_secs(5)).unwrap());
            let timeout = Duration::from_millis(100);
            let results = Arc::new(AtomicUsize::new(0));
            {
                let (lock, results) = (lock.clone(), results.clone());
                let bunch = Bunch::<S>::start(1, move |_| {
                    let start = S::now();
                    let taken = lock.acquire_timeout(timeout).unwrap();
                    assert!(!taken);
                    assert_at_least(elapsed::<S>(start), timeout);
                    results.fetch_add(1, SeqCst);
                }, false);
                bunch.wait_for_finished();
            }
            assert_eq!(results.load(SeqCst), 1);
            lock.release().unwrap();
        }
    }
}

/// `LockTests`: the plain `Lock`'s own tests.
pub mod lock {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::time::Duration;

    use weft_core::{ExceptionKind, Lock, Scheduler};

    use crate::support::{Bunch, assert_error, wait_blocked, wait_until};

    crate::spec_tests! {
        generics [S: Scheduler];

        /// A thread holding a `Lock` blocks on acquiring it again, until another thread releases it.
        fn test_reacquire() {
            let lock = Arc::new(Lock::<S>::new());
            let phase = Arc::new(AtomicUsize::new(0));
            let bunch = {
                let (lock, phase) = (lock.clone(), phase.clone());
                Bunch::<S>::start(1, move |_| {
                    lock.acquire();
                    phase.store(1, SeqCst);
                    lock.acquire();
                    phase.store(2, SeqCst);
                }, false)
            };
            wait_until::<S>("phase 1", || phase.load(SeqCst) == 1);
            wait_blocked(&bunch.statuses(), lock.wait_key(), 1);
            assert_eq!(phase.load(SeqCst), 1);
            lock.release().unwrap();
            bunch.wait_for_finished();
            assert_eq!(phase.load(SeqCst), 2);
        }

        /// A lock acquired by one thread may be released by another.
        fn test_different_thread() {
            let lock = Arc::new(Lock::<S>::new());
            lock.acquire();
            {
                let lock = lock.clone();
                let bunch = Bunch::<S>::start(1, move |_| lock.release().unwrap(), false);
                bunch.wait_for_finished();
            }
            lock.acquire();
            lock.release().unwrap();
        }

        /// A timed-out acquire leaves no trace (issue #11618).
        fn test_state_after_timeout() {
            let lock = Arc::new(Lock::<S>::new());
            lock.acquire();
            {
                let lock = lock.clone();
                let bunch = Bunch::<S>::start(1, move |_| {
                    assert!(!lock.acquire_timeout(Duration::from_millis(10)).unwrap());
                }, false);
                bunch.wait_for_finished();
            }
            lock.release().unwrap();
            assert!(!lock.locked());
            assert!(lock.try_acquire());
            lock.release().unwrap();
        }

        /// `release()` of an unlocked lock is `RuntimeError("release unlocked lock")`
        /// (`ThreadingExceptionTests.test_releasing_unacquired_lock`).
        fn test_releasing_unacquired_lock() {
            let lock = Lock::<S>::new();
            assert_error(lock.release(), ExceptionKind::RuntimeError, "release unlocked lock");
            lock.acquire();
            lock.release().unwrap();
            assert_error(lock.release(), ExceptionKind::RuntimeError, "release unlocked lock");
        }
    }
}

/// `RLockTests`: run for `RLock` and (except `test_recursion_count`) a default `Condition`.
pub mod rlock {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::{Arc, Mutex};

    use weft_core::{ExceptionKind, Scheduler};

    use super::TestRLock;
    use crate::support::{Bunch, assert_error};

    const UNACQUIRED: &str = "cannot release un-acquired lock";

    crate::spec_tests! {
        generics [S: Scheduler, L: TestRLock<S>];

        /// acquire, acquire, release, acquire, release, release.
        fn test_reacquire() {
            let lock = L::create();
            lock.acquire();
            lock.acquire();
            lock.release().unwrap();
            lock.acquire();
            lock.release().unwrap();
            lock.release().unwrap();
            assert!(!lock.locked());
        }

        /// `release()` by a non-owner is `RuntimeError("cannot release un-acquired lock")`.
        fn test_release_unacquired() {
            let lock = L::create();
            assert_error(lock.release(), ExceptionKind::RuntimeError, UNACQUIRED);
            lock.acquire();
            lock.acquire();
            lock.release().unwrap();
            lock.acquire();
            lock.release().unwrap();
            lock.release().unwrap();
            assert_error(lock.release(), ExceptionKind::RuntimeError, UNACQUIRED);
        }

        /// `locked()` through two levels.
        fn test_locked() {
            let lock = L::create();
            assert!(!lock.locked());
            lock.acquire();
            assert!(lock.locked());
            lock.acquire();
            assert!(lock.locked());
            lock.release().unwrap();
            assert!(lock.locked());
            lock.release().unwrap();
            assert!(!lock.locked());
        }

        /// `locked()` means held by anyone; a thread that ends holding the lock leaves it held.
        fn test_locked_with_2threads() {
            let lock = Arc::new(L::create());
            let seen = Arc::new(Mutex::new(Vec::new()));
            assert!(!lock.locked());
            {
                let (lock, seen) = (lock.clone(), seen.clone());
                let bunch = Bunch::<S>::start(1, move |_| {
                    seen.lock().unwrap().push(lock.locked());
                    lock.acquire();
                    seen.lock().unwrap().push(lock.locked());
                }, false);
                bunch.wait_for_finished();
            }
            assert_eq!(*seen.lock().unwrap(), vec![false, true]);
            assert!(lock.locked());
        }

        /// The Condition hand-off (`_release_save`) by a non-owner is an error.
        fn test_release_save_unacquired() {
            let lock = L::create();
            assert_error(lock.release_save(), ExceptionKind::RuntimeError, UNACQUIRED);
            lock.acquire();
            lock.acquire();
            lock.release().unwrap();
            lock.acquire();
            lock.release().unwrap();
            lock.release().unwrap();
            assert_error(lock.release_save(), ExceptionKind::RuntimeError, UNACQUIRED);
        }

        /// A lock held by a live thread cannot be released by main.
        fn test_different_thread() {
            let lock = Arc::new(L::create());
            let bunch = {
                let lock = lock.clone();
                Bunch::<S>::start(1, move |_| { lock.acquire(); }, true)
            };
            bunch.wait_until_finished_running();
            assert_error(lock.release(), ExceptionKind::RuntimeError, UNACQUIRED);
            bunch.do_finish();
        }

        /// `_is_owned()` is true only for the owner.
        #[allow(non_snake_case)]
        fn test__is_owned() {
            let lock = Arc::new(L::create());
            assert!(!lock.is_owned());
            lock.acquire();
            assert!(lock.is_owned());
            lock.acquire();
            assert!(lock.is_owned());
            let other = Arc::new(AtomicBool::new(true));
            {
                let (lock, other) = (lock.clone(), other.clone());
                let bunch = Bunch::<S>::start(1, move |_| other.store(lock.is_owned(), SeqCst), false);
                bunch.wait_for_finished();
            }
            assert!(!other.load(SeqCst));
            lock.release().unwrap();
            assert!(lock.is_owned());
            lock.release().unwrap();
            assert!(!lock.is_owned());
        }
    }
}

/// `RLockTests.test_recursion_count` and `test_repr_count` (RLock only: CPython skips them for
/// `Condition`).
pub mod rlock_only {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::{Arc, Mutex};

    use weft_core::{RLock, Scheduler};

    use crate::support::{Bunch, wait_until};

    crate::spec_tests! {
        generics [S: Scheduler];

        /// `_recursion_count()` is 0, 1, 3, 2, 0; another thread's holding counts 0 for main.
        fn test_recursion_count() {
            let lock = Arc::new(RLock::<S>::new());
            assert_eq!(lock.recursion_count(), 0);
            lock.acquire();
            assert_eq!(lock.recursion_count(), 1);
            lock.acquire();
            lock.acquire();
            assert_eq!(lock.recursion_count(), 3);
            lock.release().unwrap();
            assert_eq!(lock.recursion_count(), 2);
            lock.release().unwrap();
            lock.release().unwrap();
            assert_eq!(lock.recursion_count(), 0);
            let phase = Arc::new(AtomicUsize::new(0));
            let bunch = {
                let (lock, phase) = (lock.clone(), phase.clone());
                Bunch::<S>::start(1, move |_| {
                    lock.acquire();
                    phase.store(1, SeqCst);
                    wait_until::<S>("main to look", || phase.load(SeqCst) == 2);
                    lock.release().unwrap();
                }, false)
            };
            wait_until::<S>("the thread to hold the lock", || phase.load(SeqCst) == 1);
            assert_eq!(lock.recursion_count(), 0);
            phase.store(2, SeqCst);
            bunch.wait_for_finished();
        }

        /// `repr` shows `count=0` unlocked and the real level when locked, from any thread.
        fn test_repr_count() {
            let lock = Arc::new(RLock::<S>::new());
            let text = format!("{lock:?}");
            assert!(text.contains("count=0") && text.contains("<unlocked"), "{text}");
            lock.acquire();
            lock.acquire();
            let text = format!("{lock:?}");
            assert!(text.contains("count=2") && text.contains("<locked"), "{text}");
            let seen = Arc::new(Mutex::new(String::new()));
            {
                let (lock, seen) = (lock.clone(), seen.clone());
                let bunch = Bunch::<S>::start(1, move |_| *seen.lock().unwrap() = format!("{lock:?}"), false);
                bunch.wait_for_finished();
            }
            let text = seen.lock().unwrap().clone();
            assert!(text.contains("count=2") && text.contains("<locked"), "{text}");
            lock.release().unwrap();
            lock.release().unwrap();
        }
    }
}
