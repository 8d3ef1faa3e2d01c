//! Ports of CPython's `lock_tests.ConditionTests`, and the `Condition` behaviour of SPEC.md that
//! CPython does not test directly: every RLock level released and restored by `wait`, zero-timeout
//! polls, timed-out waiters leaving the queue, FIFO and exact-count `notify`, `wait_for`'s result
//! and evaluations, woken threads running only after the notifier releases, the plain-`Lock`
//! ownership quirk, the exact error messages and the timeout limit.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{Condition, ConditionLock, ExceptionKind, Lock, Scheduler, TIMEOUT_MAX, current_status, sleep};

use crate::support::{Bunch, PATIENCE, assert_at_least, assert_error, elapsed, wait_blocked, wait_until};

const WAIT_UNACQUIRED: &str = "cannot wait on un-acquired lock";
const NOTIFY_UNACQUIRED: &str = "cannot notify on un-acquired lock";
const TOO_LARGE: &str = "timeout value is too large";

/// A timeout that never expires in a passing test, yet turns a lost wake-up into a failed
/// assertion before the harness's watchdog fires.
const LONG_TIMEOUT: Duration = Duration::from_secs(20);

/// A lock a shared `Condition` can be built on in these tests.
trait SharedLock<S: Scheduler>: ConditionLock<S> + Send + Sync + 'static {}
impl<S: Scheduler, L: ConditionLock<S> + Send + Sync + 'static> SharedLock<S> for L {}

/// `ConditionTests.test_acquire`, second half: a condition on a plain `lock` takes and frees
/// exactly that lock.
fn check_acquire_on_lock<S: Scheduler, L: ConditionLock<S>>(lock: &Lock<S>, cond: Condition<S, L>) {
    cond.acquire();
    assert!(!lock.try_acquire());
    cond.release().unwrap();
    assert!(lock.try_acquire());
    assert!(!cond.try_acquire());
    lock.release().unwrap();
    {
        let _held = cond.lock();
        assert!(!lock.try_acquire());
    }
    assert!(!lock.locked());
}

/// `ConditionTests._check_notify`: five workers wait twice each; `notify(3)`, then `notify(5)`
/// (across both generations of waiters), then `notify_all()`, checking exactly who returned and
/// that each saw the phase main set before releasing the lock.
fn check_notify<S: Scheduler, L: SharedLock<S>>(cond: &Arc<Condition<S, L>>) {
    let n = 5;
    let ready = Arc::new(AtomicUsize::new(0));
    let phase = Arc::new(AtomicUsize::new(0));
    let results1 = Arc::new(Mutex::new(Vec::new()));
    let results2 = Arc::new(Mutex::new(Vec::new()));
    let bunch = {
        let (cond, ready, phase) = (cond.clone(), ready.clone(), phase.clone());
        let (results1, results2) = (results1.clone(), results2.clone());
        Bunch::<S>::start(
            n,
            move |_| {
                cond.acquire();
                ready.fetch_add(1, SeqCst);
                let result = cond.wait().unwrap();
                cond.release().unwrap();
                results1.lock().unwrap().push((result, phase.load(SeqCst)));
                cond.acquire();
                ready.fetch_add(1, SeqCst);
                let result = cond.wait().unwrap();
                cond.release().unwrap();
                results2.lock().unwrap().push((result, phase.load(SeqCst)));
            },
            false,
        )
    };
    let results = |r: &Arc<Mutex<Vec<(bool, usize)>>>| r.lock().unwrap().clone();
    // Every worker announced itself while holding the lock and only `wait` releases it: once main
    // holds the lock, all those announced are queued on the condition.
    wait_until::<S>("all workers ready", || ready.load(SeqCst) >= n);
    ready.store(0, SeqCst);
    assert_eq!(results(&results1), vec![]);
    // Phase 1: notify 3 of the 5.
    let count1 = 3;
    cond.acquire();
    cond.notify(count1).unwrap();
    phase.store(1, SeqCst);
    cond.release().unwrap();
    wait_until::<S>("3 workers woken", || results1.lock().unwrap().len() >= count1);
    assert_eq!(results(&results1), vec![(true, 1); count1]);
    assert_eq!(results(&results2), vec![]);
    // Phase 2: the 3 woken are back in their second wait; notify 5 of the 5 waiting (2 in their
    // first wait, 3 in their second).
    wait_until::<S>("the woken workers back in wait", || ready.load(SeqCst) >= count1);
    cond.acquire();
    cond.notify(5).unwrap();
    phase.store(2, SeqCst);
    cond.release().unwrap();
    wait_until::<S>("5 more workers woken", || {
        results1.lock().unwrap().len() + results2.lock().unwrap().len() >= n + count1
    });
    let count2 = n - count1;
    let mut expected1 = vec![(true, 1); count1];
    expected1.extend(vec![(true, 2); count2]);
    assert_eq!(results(&results1), expected1);
    assert_eq!(results(&results2), vec![(true, 2); count1]);
    // Phase 3: everyone is in the second wait; notify_all.
    wait_until::<S>("all workers in their second wait", || ready.load(SeqCst) >= n);
    cond.acquire();
    cond.notify_all().unwrap();
    phase.store(3, SeqCst);
    cond.release().unwrap();
    wait_until::<S>("all workers done", || results2.lock().unwrap().len() >= n);
    assert_eq!(results(&results1), expected1);
    let mut expected2 = vec![(true, 2); count1];
    expected2.extend(vec![(true, 3); count2]);
    assert_eq!(results(&results2), expected2);
    bunch.wait_for_finished();
}

/// Three waiters are notified together; none returns from `wait` (it would record phase 0) while
/// the notifier still holds the lock.
fn check_return_after_release<S: Scheduler, L: SharedLock<S>>(cond: Arc<Condition<S, L>>) {
    let n = 3;
    let ready = Arc::new(AtomicUsize::new(0));
    let phase = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(Mutex::new(Vec::new()));
    let bunch = {
        let (cond, ready, phase, results) = (cond.clone(), ready.clone(), phase.clone(), results.clone());
        Bunch::<S>::start(
            n,
            move |_| {
                let _held = cond.lock();
                ready.fetch_add(1, SeqCst);
                let woken = cond.wait().unwrap();
                results.lock().unwrap().push((woken, phase.load(SeqCst)));
            },
            false,
        )
    };
    wait_until::<S>("all workers ready", || ready.load(SeqCst) == n);
    let held = cond.lock();
    cond.notify_all().unwrap();
    // An observation window for a waiter that wrongly returns while the lock is held (not
    // synchronisation: nothing waits for it).
    sleep::<S>(Duration::from_millis(20));
    assert_eq!(*results.lock().unwrap(), vec![]);
    phase.store(1, SeqCst);
    drop(held);
    bunch.wait_for_finished();
    assert_eq!(*results.lock().unwrap(), vec![(true, 1); n]);
}

/// Every way to wait or notify without holding the lock fails with the exact message; a
/// predicate that already holds needs no wait, so `wait_for` succeeds (as in Python).
#[track_caller]
fn check_unacquired<S: Scheduler, L: ConditionLock<S>>(cond: &Condition<S, L>) {
    let locked = cond.locked();
    let runtime = ExceptionKind::RuntimeError;
    assert_error(cond.wait(), runtime, WAIT_UNACQUIRED);
    assert_error(cond.wait_timeout(Duration::from_millis(10)), runtime, WAIT_UNACQUIRED);
    assert_error(cond.wait_timeout(Duration::ZERO), runtime, WAIT_UNACQUIRED);
    assert_error(cond.wait_for(|| false), runtime, WAIT_UNACQUIRED);
    assert_error(cond.wait_for_timeout(|| false, Duration::from_millis(10)), runtime, WAIT_UNACQUIRED);
    assert_error(cond.notify(1), runtime, NOTIFY_UNACQUIRED);
    assert_error(cond.notify(0), runtime, NOTIFY_UNACQUIRED);
    assert_error(cond.notify_all(), runtime, NOTIFY_UNACQUIRED);
    assert_eq!(cond.wait_for(|| true), Ok(true));
    assert_eq!(cond.wait_for_timeout(|| true, Duration::from_millis(10)), Ok(true));
    assert_eq!(cond.locked(), locked);
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// A default condition is reentrant; a condition on a plain `Lock` (borrowed or in an `Arc`)
    /// acquires and releases exactly that lock, also as a guard (`with cond:`).
    fn test_acquire() {
        let cond = Condition::<S>::new();
        cond.acquire();
        cond.acquire();
        cond.release().unwrap();
        cond.release().unwrap();
        assert!(!cond.locked());
        let lock = Lock::<S>::new();
        check_acquire_on_lock(&lock, Condition::with_lock(&lock));
        let lock = Arc::new(Lock::<S>::new());
        check_acquire_on_lock(&lock, Condition::with_lock(lock.clone()));
    }

    /// `wait()` without holding the lock is `RuntimeError("cannot wait on un-acquired lock")`.
    fn test_unacquired_wait() {
        let cond = Condition::<S>::new();
        assert_error(cond.wait(), ExceptionKind::RuntimeError, WAIT_UNACQUIRED);
    }

    /// `notify()` without holding the lock is `RuntimeError("cannot notify on un-acquired lock")`.
    fn test_unacquired_notify() {
        let cond = Condition::<S>::new();
        assert_error(cond.notify(1), ExceptionKind::RuntimeError, NOTIFY_UNACQUIRED);
    }

    /// Five workers, two waits each: `notify(3)`, `notify(5)`, `notify_all()` wake exactly those
    /// expected, each returning true after main released; the whole check twice on one condition.
    fn test_notify() {
        let cond = Arc::new(Condition::<S>::new());
        check_notify(&cond);
        check_notify(&cond);
    }

    /// Five un-notified `wait(timeout)` calls return false after at least the timeout.
    fn test_timeout() {
        let cond = Arc::new(Condition::<S>::new());
        let timeout = Duration::from_millis(50);
        let n = 5;
        let results = Arc::new(Mutex::new(Vec::new()));
        {
            let bunch = {
                let (cond, results) = (cond.clone(), results.clone());
                Bunch::<S>::start(
                    n,
                    move |_| {
                        cond.acquire();
                        let start = S::now();
                        let result = cond.wait_timeout(timeout).unwrap();
                        let dt = elapsed::<S>(start);
                        cond.release().unwrap();
                        results.lock().unwrap().push((dt, result));
                    },
                    false,
                )
            };
            bunch.wait_for_finished();
        }
        let results = results.lock().unwrap().clone();
        assert_eq!(results.len(), n);
        for (dt, result) in results {
            assert_at_least(dt, timeout);
            assert!(!result);
        }
    }

    /// `wait_for(state == 4)` returns true once main has incremented `state` four times (notifying
    /// each time). Main increments only once the waiter evaluated the predicate and waits again,
    /// so the predicate runs exactly five times (no spurious wake-ups).
    fn test_waitfor() {
        let cond = Arc::new(Condition::<S>::new());
        let state = Arc::new(AtomicUsize::new(0));
        let evaluations = Arc::new(AtomicUsize::new(0));
        let bunch = {
            let (cond, state, evaluations) = (cond.clone(), state.clone(), evaluations.clone());
            Bunch::<S>::start(
                1,
                move |_| {
                    let _held = cond.lock();
                    let result = cond
                        .wait_for(|| {
                            evaluations.fetch_add(1, SeqCst);
                            state.load(SeqCst) == 4
                        })
                        .unwrap();
                    assert!(result);
                    assert_eq!(state.load(SeqCst), 4);
                },
                false,
            )
        };
        for i in 0..4 {
            wait_until::<S>("the predicate evaluated", || evaluations.load(SeqCst) > i);
            let _held = cond.lock();
            state.fetch_add(1, SeqCst);
            cond.notify(1).unwrap();
        }
        bunch.wait_for_finished();
        assert_eq!(state.load(SeqCst), 4);
        assert_eq!(evaluations.load(SeqCst), 5);
    }

    /// `wait_for(state == 4, timeout)` while main increments only three times (notifying each
    /// time) returns false after at least the timeout.
    fn test_waitfor_timeout() {
        let cond = Arc::new(Condition::<S>::new());
        let state = Arc::new(AtomicUsize::new(0));
        let evaluations = Arc::new(AtomicUsize::new(0));
        let success = Arc::new(AtomicUsize::new(0));
        let timeout = Duration::from_millis(100);
        let bunch = {
            let (cond, state, evaluations, success) =
                (cond.clone(), state.clone(), evaluations.clone(), success.clone());
            Bunch::<S>::start(
                1,
                move |_| {
                    let _held = cond.lock();
                    let start = S::now();
                    let result = cond
                        .wait_for_timeout(
                            || {
                                evaluations.fetch_add(1, SeqCst);
                                state.load(SeqCst) == 4
                            },
                            timeout,
                        )
                        .unwrap();
                    let dt = elapsed::<S>(start);
                    assert!(!result);
                    assert_at_least(dt, timeout);
                    success.fetch_add(1, SeqCst);
                },
                false,
            )
        };
        for i in 0..3 {
            wait_until::<S>("the predicate evaluated, or the waiter gone", || {
                evaluations.load(SeqCst) > i || bunch.finished() == 1
            });
            let _held = cond.lock();
            state.fetch_add(1, SeqCst);
            cond.notify(1).unwrap();
        }
        bunch.wait_for_finished();
        assert_eq!(success.load(SeqCst), 1);
    }

    /// SPEC: the plain-`Lock` `Condition::notify` test, run on a condition over a `Lock`.
    fn test_notify_with_lock() {
        let cond = Arc::new(Condition::<S, Lock<S>>::with_lock(Lock::new()));
        check_notify(&cond);
        check_notify(&cond);
    }

    /// SPEC: `wait()` on a default condition held three levels deep frees the RLock completely
    /// (another thread takes it meanwhile) and restores exactly three levels and the owner; so
    /// does a `wait_timeout` that times out.
    fn test_wait_releases_all_rlock_levels() {
        let cond = Arc::new(Condition::<S>::new());
        let main_status = current_status::<S>();
        let taken = Arc::new(AtomicBool::new(false));
        cond.acquire();
        cond.acquire();
        cond.acquire();
        assert_eq!(cond.inner_lock().recursion_count(), 3);
        let bunch = {
            let (cond, taken) = (cond.clone(), taken.clone());
            Bunch::<S>::start(
                1,
                move |_| {
                    wait_blocked(std::slice::from_ref(&main_status), cond.wait_key(), 1);
                    assert!(cond.acquire_timeout(PATIENCE).unwrap(), "the waiter kept some RLock level");
                    assert_eq!(cond.inner_lock().recursion_count(), 1);
                    taken.store(true, SeqCst);
                    cond.notify(1).unwrap();
                    cond.release().unwrap();
                },
                false,
            )
        };
        assert_eq!(cond.wait(), Ok(true));
        assert!(taken.load(SeqCst));
        assert!(cond.is_owned());
        assert_eq!(cond.inner_lock().recursion_count(), 3);
        bunch.wait_for_finished();
        cond.release().unwrap();
        cond.release().unwrap();
        assert!(cond.locked());
        cond.release().unwrap();
        assert!(!cond.locked());
        assert_error(cond.release(), ExceptionKind::RuntimeError, "cannot release un-acquired lock");
        cond.acquire();
        cond.acquire();
        assert_eq!(cond.wait_timeout(Duration::from_millis(20)), Ok(false));
        assert!(cond.is_owned());
        assert_eq!(cond.inner_lock().recursion_count(), 2);
        cond.release().unwrap();
        cond.release().unwrap();
        assert!(!cond.locked());
    }

    /// SPEC: `wait_timeout(0)` only polls: it returns false with the lock held again (the RLock's
    /// level restored; a plain `Lock` locked).
    fn test_wait_zero_timeout_polls() {
        let cond = Condition::<S>::new();
        cond.acquire();
        cond.acquire();
        assert_eq!(cond.wait_timeout(Duration::ZERO), Ok(false));
        assert!(cond.is_owned());
        assert_eq!(cond.inner_lock().recursion_count(), 2);
        cond.release().unwrap();
        cond.release().unwrap();
        assert!(!cond.locked());
        let lock = Lock::<S>::new();
        let cond = Condition::with_lock(&lock);
        {
            let _held = cond.lock();
            assert_eq!(cond.wait_timeout(Duration::ZERO), Ok(false));
            assert!(lock.locked());
        }
        assert!(!lock.locked());
    }

    /// SPEC: a waiter that timed out (and a zero-timeout poll) leaves the queue: a later
    /// `notify(1)` wakes the waiter queued after it instead of being spent on it.
    fn test_timed_out_waiter_leaves_queue() {
        let cond = Arc::new(Condition::<S>::new());
        {
            let _held = cond.lock();
            assert_eq!(cond.wait_timeout(Duration::ZERO), Ok(false));
        }
        let first_result = Arc::new(Mutex::new(None));
        let first = {
            let (cond, first_result) = (cond.clone(), first_result.clone());
            Bunch::<S>::start(
                1,
                move |_| {
                    let _held = cond.lock();
                    *first_result.lock().unwrap() = Some(cond.wait_timeout(Duration::from_millis(100)).unwrap());
                },
                false,
            )
        };
        first.wait_blocked(cond.wait_key(), 1);
        let second_result = Arc::new(Mutex::new(None));
        let second = {
            let (cond, second_result) = (cond.clone(), second_result.clone());
            Bunch::<S>::start(
                1,
                move |_| {
                    let _held = cond.lock();
                    *second_result.lock().unwrap() = Some(cond.wait_timeout(LONG_TIMEOUT).unwrap());
                },
                false,
            )
        };
        second.wait_blocked(cond.wait_key(), 1);
        first.wait_for_finished();
        assert_eq!(*first_result.lock().unwrap(), Some(false));
        {
            let _held = cond.lock();
            cond.notify(1).unwrap();
        }
        second.wait_for_finished();
        assert_eq!(*second_result.lock().unwrap(), Some(true));
    }

    /// SPEC: `notify(1)` wakes the oldest waiter first: three waiters queued in turn return in
    /// that order, one per notification.
    fn test_notify_wakes_oldest_first() {
        let cond = Arc::new(Condition::<S>::new());
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut bunches = Vec::new();
        for index in 0..3 {
            let bunch = {
                let (cond, order) = (cond.clone(), order.clone());
                Bunch::<S>::start(
                    1,
                    move |_| {
                        let _held = cond.lock();
                        assert_eq!(cond.wait(), Ok(true));
                        order.lock().unwrap().push(index);
                    },
                    false,
                )
            };
            bunch.wait_blocked(cond.wait_key(), 1);
            bunches.push(bunch);
        }
        for round in 1..=3 {
            {
                let _held = cond.lock();
                cond.notify(1).unwrap();
            }
            wait_until::<S>("the next waiter to return", || order.lock().unwrap().len() == round);
            assert_eq!(*order.lock().unwrap(), (0..round).collect::<Vec<_>>());
        }
        for bunch in bunches {
            bunch.wait_for_finished();
        }
    }

    /// SPEC: `notify(n)` wakes `min(n, waiting)` waiters and leaves no credit: with three waiting,
    /// `notify(0)` wakes none, `notify(2)` two, `notify(5)` the last one, and a later waiter
    /// times out. The waiter count of `Debug` (Python's `repr`) follows.
    fn test_notify_wakes_min_n_waiting() {
        let cond = Arc::new(Condition::<S>::new());
        let n = 3;
        let ready = Arc::new(AtomicUsize::new(0));
        let phase = Arc::new(AtomicUsize::new(0));
        let results = Arc::new(Mutex::new(Vec::new()));
        let bunch = {
            let (cond, ready, phase, results) = (cond.clone(), ready.clone(), phase.clone(), results.clone());
            Bunch::<S>::start(
                n,
                move |_| {
                    let _held = cond.lock();
                    ready.fetch_add(1, SeqCst);
                    let woken = cond.wait().unwrap();
                    results.lock().unwrap().push((woken, phase.load(SeqCst)));
                },
                false,
            )
        };
        let waiters = |cond: &Condition<S>| {
            let text = format!("{cond:?}");
            let count = text.rsplit(", ").next().and_then(|t| t.strip_suffix(")>")).map(str::to_owned);
            count.unwrap_or(text)
        };
        wait_until::<S>("all workers ready", || ready.load(SeqCst) == n);
        {
            let _held = cond.lock();
            assert_eq!(waiters(&cond), "3");
            cond.notify(0).unwrap();
            assert_eq!(waiters(&cond), "3");
            cond.notify(2).unwrap();
            assert_eq!(waiters(&cond), "1");
            phase.store(1, SeqCst);
        }
        wait_until::<S>("two workers woken", || results.lock().unwrap().len() >= 2);
        {
            let _held = cond.lock();
            assert_eq!(waiters(&cond), "1");
            cond.notify(5).unwrap();
            assert_eq!(waiters(&cond), "0");
            phase.store(2, SeqCst);
        }
        bunch.wait_for_finished();
        assert_eq!(*results.lock().unwrap(), vec![(true, 1), (true, 1), (true, 2)]);
        let _held = cond.lock();
        assert_eq!(cond.wait_timeout(Duration::from_millis(20)), Ok(false));
        assert_eq!(waiters(&cond), "0");
    }

    /// SPEC: `wait_for` returns the predicate's last value: an already-true predicate is
    /// evaluated once without waiting; a zero timeout evaluates, polls and evaluates again
    /// (returning the second value); a timeout nobody notifies evaluates twice and returns false
    /// after at least the timeout. The lock is held throughout and afterwards.
    fn test_wait_for_result_and_evaluations() {
        let cond = Condition::<S>::new();
        let _held = cond.lock();
        let evaluations = Cell::new(0);
        let count = |value: bool| {
            evaluations.set(evaluations.get() + 1);
            value
        };
        assert_eq!(cond.wait_for(|| count(true)), Ok(true));
        assert_eq!(evaluations.replace(0), 1);
        assert_eq!(cond.wait_for_timeout(|| count(true), Duration::from_millis(10)), Ok(true));
        assert_eq!(evaluations.replace(0), 1);
        assert_eq!(cond.wait_for_timeout(|| count(false), Duration::ZERO), Ok(false));
        assert_eq!(evaluations.replace(0), 2);
        assert_eq!(cond.wait_for_timeout(|| count(evaluations.get() == 1), Duration::ZERO), Ok(true));
        assert_eq!(evaluations.replace(0), 2);
        let timeout = Duration::from_millis(30);
        let start = S::now();
        assert_eq!(cond.wait_for_timeout(|| count(false), timeout), Ok(false));
        assert_at_least(elapsed::<S>(start), timeout);
        assert_eq!(evaluations.replace(0), 2);
        assert!(cond.is_owned());
        assert_eq!(cond.inner_lock().recursion_count(), 1);
    }

    /// SPEC: threads woken by `notify_all()` return from `wait` only after the notifier releases
    /// the lock, on a default condition and on one over a plain `Lock`.
    fn test_woken_threads_return_after_notifier_releases() {
        check_return_after_release(Arc::new(Condition::<S>::new()));
        check_return_after_release(Arc::new(Condition::<S, Lock<S>>::with_lock(Lock::new())));
    }

    /// SPEC (Python quirk): on a condition over a plain `Lock` held by another thread, "owned"
    /// means "someone holds it": `notify`/`notify_all` from a non-holder succeed, and `wait`
    /// releases the other thread's hold, waits, and returns with the caller holding the lock.
    fn test_plain_lock_held_by_other_thread_allows_wait_and_notify() {
        let lock = Arc::new(Lock::<S>::new());
        let cond = Arc::new(Condition::with_lock(lock.clone()));
        {
            let lock = lock.clone();
            let bunch = Bunch::<S>::start(1, move |_| { lock.acquire(); }, false);
            bunch.wait_for_finished();
        }
        assert!(lock.locked());
        assert!(cond.is_owned());
        assert_eq!(cond.notify(1), Ok(()));
        assert_eq!(cond.notify_all(), Ok(()));
        assert_eq!(cond.wait_timeout(Duration::from_millis(10)), Ok(false));
        assert!(lock.locked());
        lock.release().unwrap();
        let main_status = current_status::<S>();
        let held = Arc::new(AtomicBool::new(false));
        let bunch = {
            let (lock, cond, held) = (lock.clone(), cond.clone(), held.clone());
            Bunch::<S>::start(
                1,
                move |_| {
                    lock.acquire();
                    held.store(true, SeqCst);
                    wait_blocked(std::slice::from_ref(&main_status), cond.wait_key(), 1);
                    // Main's wait released this thread's hold: take the lock again to notify.
                    assert!(lock.acquire_timeout(PATIENCE).unwrap());
                    cond.notify(1).unwrap();
                    lock.release().unwrap();
                },
                false,
            )
        };
        wait_until::<S>("the other thread to hold the lock", || held.load(SeqCst));
        assert_eq!(cond.wait(), Ok(true));
        assert!(lock.locked());
        bunch.wait_for_finished();
        lock.release().unwrap();
        assert!(!lock.locked());
    }

    /// SPEC: `wait`, `wait_timeout` (zero too), `wait_for`, `wait_for_timeout` without the lock
    /// are `RuntimeError("cannot wait on un-acquired lock")`; `notify(n)` (0 too) and `notify_all`
    /// are `RuntimeError("cannot notify on un-acquired lock")`: on a new condition, after a
    /// balanced acquire/release, while another thread owns the RLock, and on a free plain `Lock`.
    fn test_unacquired_errors() {
        let cond = Arc::new(Condition::<S>::new());
        check_unacquired(&*cond);
        cond.acquire();
        cond.acquire();
        cond.release().unwrap();
        cond.release().unwrap();
        check_unacquired(&*cond);
        let bunch = {
            let cond = cond.clone();
            Bunch::<S>::start(1, move |_| { cond.acquire(); }, true)
        };
        bunch.wait_until_finished_running();
        assert!(cond.locked());
        check_unacquired(&*cond);
        bunch.do_finish();
        let lock = Lock::<S>::new();
        check_unacquired(&Condition::with_lock(&lock));
        assert!(!lock.locked());
    }

    /// SPEC: `wait_timeout` / `wait_for_timeout` above `TIMEOUT_MAX` are
    /// `OverflowError("timeout value is too large")` and leave the lock held as it was;
    /// `TIMEOUT_MAX` itself is accepted (a waiter with it returns true when notified).
    fn test_wait_timeout_too_large() {
        let cond = Arc::new(Condition::<S>::new());
        cond.acquire();
        cond.acquire();
        let overflow = ExceptionKind::OverflowError;
        assert_error(cond.wait_timeout(TIMEOUT_MAX + Duration::from_secs(1)), overflow, TOO_LARGE);
        assert_error(cond.wait_timeout(Duration::MAX), overflow, TOO_LARGE);
        assert_error(cond.wait_for_timeout(|| false, TIMEOUT_MAX + Duration::from_secs(1)), overflow, TOO_LARGE);
        assert!(cond.is_owned());
        assert_eq!(cond.inner_lock().recursion_count(), 2);
        cond.release().unwrap();
        cond.release().unwrap();
        let woken = Arc::new(AtomicUsize::new(0));
        let bunch = {
            let (cond, woken) = (cond.clone(), woken.clone());
            Bunch::<S>::start(
                1,
                move |_| {
                    let _held = cond.lock();
                    assert_eq!(cond.wait_timeout(TIMEOUT_MAX), Ok(true));
                    woken.fetch_add(1, SeqCst);
                },
                false,
            )
        };
        bunch.wait_blocked(cond.wait_key(), 1);
        {
            let _held = cond.lock();
            cond.notify(1).unwrap();
        }
        bunch.wait_for_finished();
        assert_eq!(woken.load(SeqCst), 1);
    }
}
