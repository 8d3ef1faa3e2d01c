//! Ports of CPython's `lock_tests.EventTests`, and the `Event` behaviour of SPEC.md that CPython
//! has no test for (an untimed `wait` racing `set(); clear()`, the timeout limit).

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{Event, ExceptionKind, Scheduler, TIMEOUT_MAX};

use crate::support::{Bunch, assert_at_least, assert_error, elapsed};

/// CPython's `support.LONG_TIMEOUT` (300 s): a timeout that never expires in a passing test.
const LONG_TIMEOUT: Duration = Duration::from_secs(300);

/// `EventTests._check_notify`: five threads each wait twice; none returns before `set()`, then
/// every wait returns true.
fn check_notify<S: Scheduler>(event: &Arc<Event<S>>) {
    let n = 5;
    let results1 = Arc::new(Mutex::new(Vec::new()));
    let results2 = Arc::new(Mutex::new(Vec::new()));
    {
        let bunch = {
            let (event, results1, results2) = (event.clone(), results1.clone(), results2.clone());
            Bunch::<S>::start(
                n,
                move |_| {
                    let first = event.wait();
                    results1.lock().unwrap().push(first);
                    let second = event.wait();
                    results2.lock().unwrap().push(second);
                },
                false,
            )
        };
        bunch.wait_blocked(event.wait_key(), n);
        assert_eq!(results1.lock().unwrap().len(), 0);
        event.set();
        bunch.wait_for_finished();
    }
    assert_eq!(*results1.lock().unwrap(), vec![true; n]);
    assert_eq!(*results2.lock().unwrap(), vec![true; n]);
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// A new event is not set; `set()` twice leaves it set, `clear()` twice leaves it clear.
    fn test_is_set() {
        let event = Event::<S>::new();
        assert!(!event.is_set());
        event.set();
        assert!(event.is_set());
        event.set();
        assert!(event.is_set());
        event.clear();
        assert!(!event.is_set());
        event.clear();
        assert!(!event.is_set());
    }

    /// Five threads blocked in `wait()` all return true on `set()` (and their second `wait()` at
    /// once); the same again after `set(); clear()`.
    fn test_notify() {
        let event = Arc::new(Event::<S>::new());
        check_notify(&event);
        event.set();
        event.clear();
        check_notify(&event);
    }

    /// Unset: `wait(0)` is false and `wait(timeout)` is false after at least the timeout. Set:
    /// both are true.
    fn test_timeout() {
        let event = Arc::new(Event::<S>::new());
        let timeout = Duration::from_millis(50);
        let n = 5;
        let run = |event: &Arc<Event<S>>| {
            let results1 = Arc::new(Mutex::new(Vec::new()));
            let results2 = Arc::new(Mutex::new(Vec::new()));
            {
                let (event, results1, results2) = (event.clone(), results1.clone(), results2.clone());
                let bunch = Bunch::<S>::start(
                    n,
                    move |_| {
                        let polled = event.wait_timeout(Duration::ZERO).unwrap();
                        results1.lock().unwrap().push(polled);
                        let start = S::now();
                        let waited = event.wait_timeout(timeout).unwrap();
                        results2.lock().unwrap().push((waited, elapsed::<S>(start)));
                    },
                    false,
                );
                bunch.wait_for_finished();
            }
            let results1 = results1.lock().unwrap().clone();
            let results2 = results2.lock().unwrap().clone();
            (results1, results2)
        };
        let (results1, results2) = run(&event);
        assert_eq!(results1, vec![false; n]);
        assert_eq!(results2.len(), n);
        for (waited, dt) in results2 {
            assert!(!waited);
            assert_at_least(dt, timeout);
        }
        event.set();
        let (results1, results2) = run(&event);
        assert_eq!(results1, vec![true; n]);
        assert_eq!(results2.len(), n);
        for (waited, _) in results2 {
            assert!(waited);
        }
    }

    /// gh-57711: five threads blocked in `wait(LONG_TIMEOUT)`; `set()` immediately followed by
    /// `clear()` still makes every `wait` return true.
    fn test_set_and_clear() {
        let event = Arc::new(Event::<S>::new());
        let results = Arc::new(Mutex::new(Vec::new()));
        let n = 5;
        {
            let bunch = {
                let (event, results) = (event.clone(), results.clone());
                Bunch::<S>::start(
                    n,
                    move |_| {
                        let woken = event.wait_timeout(LONG_TIMEOUT).unwrap();
                        results.lock().unwrap().push(woken);
                    },
                    false,
                )
            };
            bunch.wait_blocked(event.wait_key(), n);
            event.set();
            event.clear();
            bunch.wait_for_finished();
        }
        assert_eq!(*results.lock().unwrap(), vec![true; n]);
        assert!(!event.is_set());
    }

    /// `repr` shows the state (here `Debug`, without Python's module and address):
    /// `<Event: unset>`, then `<Event: set>`.
    fn test_repr() {
        let event = Event::<S>::new();
        assert_eq!(format!("{event:?}"), "<Event: unset>");
        event.set();
        assert_eq!(format!("{event:?}"), "<Event: set>");
        event.clear();
        assert_eq!(format!("{event:?}"), "<Event: unset>");
    }

    /// SPEC: an untimed `wait()` woken by `set()` returns true even if `clear()` ran before the
    /// waiter resumed (the untimed twin of `test_set_and_clear`); later waiters block again.
    fn test_untimed_wait_true_after_set_and_clear() {
        let event = Arc::new(Event::<S>::new());
        let results = Arc::new(Mutex::new(Vec::new()));
        let n = 3;
        {
            let bunch = {
                let (event, results) = (event.clone(), results.clone());
                Bunch::<S>::start(
                    n,
                    move |_| {
                        let woken = event.wait();
                        results.lock().unwrap().push(woken);
                    },
                    false,
                )
            };
            bunch.wait_blocked(event.wait_key(), n);
            event.set();
            event.clear();
            bunch.wait_for_finished();
        }
        assert_eq!(*results.lock().unwrap(), vec![true; n]);
        assert!(!event.is_set());
        assert!(!event.wait_timeout(Duration::from_millis(10)).unwrap());
    }

    /// SPEC: `wait_timeout` above `TIMEOUT_MAX` on an unset event is
    /// `OverflowError("timeout value is too large")`; `TIMEOUT_MAX` itself is accepted (a waiter
    /// with it returns true on `set()`).
    fn test_wait_timeout_too_large() {
        let event = Arc::new(Event::<S>::new());
        let too_large = "timeout value is too large";
        assert_error(event.wait_timeout(TIMEOUT_MAX + Duration::from_secs(1)), ExceptionKind::OverflowError, too_large);
        assert_error(event.wait_timeout(Duration::MAX), ExceptionKind::OverflowError, too_large);
        assert!(!event.is_set());
        let woken = Arc::new(AtomicUsize::new(0));
        {
            let bunch = {
                let (event, woken) = (event.clone(), woken.clone());
                Bunch::<S>::start(
                    1,
                    move |_| {
                        assert!(event.wait_timeout(TIMEOUT_MAX).unwrap());
                        woken.fetch_add(1, SeqCst);
                    },
                    false,
                )
            };
            bunch.wait_blocked(event.wait_key(), 1);
            assert_eq!(woken.load(SeqCst), 0);
            event.set();
            bunch.wait_for_finished();
        }
        assert_eq!(woken.load(SeqCst), 1);
    }
}
