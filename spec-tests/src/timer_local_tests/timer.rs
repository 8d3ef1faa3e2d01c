//! `TimerTests` and SPEC.md's Timer section.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{
    Builder, Event, ExceptionKind, Scheduler, TIMEOUT_MAX, Thread, ThreadHook, ThreadStatus, Timer, current_status,
    enumerate, gettrace, settrace,
};

use crate::support::{PATIENCE, assert_at_least, assert_error, elapsed, wait_blocked, wait_until};

/// An interval the tests never wait out: a timer with it fires only if `cancel` failed.
const FOREVER: Duration = Duration::from_secs(3600);

/// Installs a trace hook that records the status of every thread started afterwards (so the
/// test can wait until a timer's thread is parked); restores the previous hook when dropped.
struct StatusRecorder<S: Scheduler> {
    previous: Option<ThreadHook<S>>,
    statuses: Arc<Mutex<Vec<Arc<ThreadStatus<S>>>>>,
}

impl<S: Scheduler> StatusRecorder<S> {
    fn install() -> Self {
        let previous = gettrace::<S>();
        let statuses = Arc::new(Mutex::new(Vec::new()));
        let recorded = statuses.clone();
        let chained = previous.clone();
        settrace::<S>(Some(Arc::new(move |thread: &Thread<S>| {
            recorded.lock().unwrap().push(current_status::<S>());
            if let Some(hook) = &chained {
                hook(thread);
            }
        })));
        StatusRecorder { previous, statuses }
    }

    /// The statuses recorded so far, once there are at least `n` (the hook runs in the new
    /// thread, possibly after `start()` returned).
    fn statuses(&self, n: usize) -> Vec<Arc<ThreadStatus<S>>> {
        wait_until::<S>(&format!("{n} threads to run the trace hook"), || self.statuses.lock().unwrap().len() >= n);
        self.statuses.lock().unwrap().clone()
    }
}

impl<S: Scheduler> Drop for StatusRecorder<S> {
    fn drop(&mut self) {
        settrace::<S>(self.previous.take());
    }
}

/// A function for a timer that counts its calls in `calls`.
fn counting(calls: &Arc<AtomicUsize>) -> impl FnOnce() + Send + 'static + use<> {
    let calls = calls.clone();
    move || {
        calls.fetch_add(1, SeqCst);
    }
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// (issue 17435) Two timers given the same spy each call their own copy once; state the
    /// first copy changes after its call (Python: `timer1.args.append(…)`) is not seen by
    /// the second: a timer's function state is per instance.
    fn test_init_immutable_default_args() {
        let calls = Arc::new(Mutex::new(Vec::<Vec<String>>::new()));
        let callback_event = Arc::new(Event::<S>::new());
        let spy = {
            let (calls, callback_event) = (calls.clone(), callback_event.clone());
            let mut args: Vec<String> = Vec::new();
            move || {
                calls.lock().unwrap().push(args.clone());
                args.push("blah".to_owned());
                callback_event.set();
            }
        };
        let timer1 = Timer::<S>::new(Duration::from_millis(10), spy.clone());
        timer1.start().unwrap();
        callback_event.wait();
        callback_event.clear();
        let timer2 = Timer::<S>::new(Duration::from_millis(10), spy);
        timer2.start().unwrap();
        callback_event.wait();
        timer1.join().unwrap();
        timer2.join().unwrap();
        assert_eq!(*calls.lock().unwrap(), vec![Vec::<String>::new(), Vec::new()]);
    }

    /// A timer calls its function once, after at least its interval.
    fn test_fires_after_interval() {
        let interval = Duration::from_millis(50);
        let fired_after = Arc::new(Mutex::new(Vec::new()));
        let start = S::now();
        let timer = {
            let fired_after = fired_after.clone();
            Timer::<S>::new(interval, move || fired_after.lock().unwrap().push(elapsed::<S>(start)))
        };
        assert_eq!(timer.interval(), interval);
        timer.start().unwrap();
        timer.join().unwrap();
        assert!(!timer.is_alive());
        let fired_after = fired_after.lock().unwrap().clone();
        assert_eq!(fired_after.len(), 1);
        assert_at_least(fired_after[0], interval);
    }

    /// `cancel()` before `start()` prevents the call: the thread starts and ends at once.
    fn test_cancel_before_start() {
        let calls = Arc::new(AtomicUsize::new(0));
        let timer = Timer::<S>::new(FOREVER, counting(&calls));
        timer.cancel();
        timer.start().unwrap();
        assert!(timer.thread().ident().is_some());
        timer.join_timeout(PATIENCE).unwrap();
        assert!(!timer.is_alive(), "a timer cancelled before start still waits");
        assert_eq!(calls.load(SeqCst), 0);
        assert!(timer.finished().is_set());
    }

    /// `cancel()` while the timer waits prevents the call and ends the thread; cancelling
    /// twice is fine.
    fn test_cancel_while_waiting() {
        let calls = Arc::new(AtomicUsize::new(0));
        let timer = Timer::<S>::new(FOREVER, counting(&calls));
        {
            let recorder = StatusRecorder::<S>::install();
            timer.start().unwrap();
            wait_blocked(&recorder.statuses(1), timer.finished().wait_key(), 1);
        }
        assert!(timer.is_alive());
        timer.cancel();
        timer.cancel();
        timer.join_timeout(PATIENCE).unwrap();
        assert!(!timer.is_alive(), "a cancelled timer still waits");
        assert_eq!(calls.load(SeqCst), 0);
    }

    /// `cancel()` after the timer fired has no effect, and cancelling twice is fine.
    fn test_cancel_after_fired() {
        let calls = Arc::new(AtomicUsize::new(0));
        let timer = Timer::<S>::new(Duration::from_millis(10), counting(&calls));
        timer.start().unwrap();
        timer.join().unwrap();
        assert_eq!(calls.load(SeqCst), 1);
        timer.cancel();
        timer.cancel();
        assert_eq!(calls.load(SeqCst), 1);
        assert!(timer.finished().is_set());
        assert!(!timer.is_alive());
    }

    /// `cancel()` once the function started has no effect: the function runs to its end.
    fn test_cancel_after_function_started() {
        let phase = Arc::new(AtomicUsize::new(0));
        let timer = {
            let phase = phase.clone();
            Timer::<S>::new(Duration::ZERO, move || {
                phase.store(1, SeqCst);
                wait_until::<S>("main to cancel", || phase.load(SeqCst) == 2);
                phase.store(3, SeqCst);
            })
        };
        timer.start().unwrap();
        wait_until::<S>("the function to start", || phase.load(SeqCst) == 1);
        timer.cancel();
        phase.store(2, SeqCst);
        timer.join().unwrap();
        assert_eq!(phase.load(SeqCst), 3);
        assert!(timer.finished().is_set());
    }

    /// A zero interval calls the function at once (it does not wait at all).
    fn test_zero_interval() {
        let calls = Arc::new(AtomicUsize::new(0));
        let timer = Timer::<S>::new(Duration::ZERO, counting(&calls));
        assert_eq!(timer.interval(), Duration::ZERO);
        timer.start().unwrap();
        timer.join().unwrap();
        assert_eq!(calls.load(SeqCst), 1);
    }

    /// A timer's default name is `Thread-N` from the counter shared with threads (advanced
    /// only by default names); a builder's name is kept; `Debug` is `<Timer(NAME, …)>`; the
    /// daemon flag is inherited from the creating (main) thread.
    fn test_default_name() {
        let timer1 = Timer::<S>::new(Duration::ZERO, || {});
        let name = timer1.thread().name();
        let n: usize = name
            .strip_prefix("Thread-")
            .and_then(|number| number.parse().ok())
            .unwrap_or_else(|| panic!("default timer name {name:?} is not Thread-N"));
        assert_eq!(format!("{timer1:?}"), format!("<Timer(Thread-{n}, initial)>"));
        assert!(!timer1.thread().daemon());
        let thread = Thread::<S>::new(|| {});
        assert_eq!(thread.name(), format!("Thread-{}", n + 1));
        let named = Timer::<S>::with_builder(Builder::new().name("ticker"), Duration::ZERO, || {});
        assert_eq!(named.thread().name(), "ticker");
        let timer2 = Timer::<S>::new(Duration::ZERO, || {});
        assert_eq!(timer2.thread().name(), format!("Thread-{}", n + 2));
        let daemon = Timer::<S>::with_builder(Builder::new().daemon(true), Duration::ZERO, || {});
        assert_eq!(daemon.thread().name(), format!("Thread-{}", n + 3));
        assert!(daemon.thread().daemon());
    }

    /// `start()` a second time — while waiting, or after the timer ended — is
    /// `RuntimeError("threads can only be started once")` (and `join()` before `start()`
    /// is `RuntimeError("cannot join thread before it is started")`, as for a thread).
    fn test_start_twice() {
        let calls = Arc::new(AtomicUsize::new(0));
        let timer = Timer::<S>::new(FOREVER, counting(&calls));
        assert_error(timer.join(), ExceptionKind::RuntimeError, "cannot join thread before it is started");
        timer.start().unwrap();
        let twice = "threads can only be started once";
        assert_error(timer.start(), ExceptionKind::RuntimeError, twice);
        timer.cancel();
        timer.join().unwrap();
        assert_error(timer.start(), ExceptionKind::RuntimeError, twice);
        let fired = Timer::<S>::new(Duration::ZERO, counting(&calls));
        fired.start().unwrap();
        fired.join().unwrap();
        assert_error(fired.start(), ExceptionKind::RuntimeError, twice);
        assert_eq!(calls.load(SeqCst), 1);
    }

    /// An interval above `TIMEOUT_MAX` makes `start()` fail with
    /// `OverflowError("timeout value is too large")` and starts nothing; `TIMEOUT_MAX` itself
    /// is accepted.
    fn test_interval_too_large() {
        let calls = Arc::new(AtomicUsize::new(0));
        let too_large = "timeout value is too large";
        for interval in [TIMEOUT_MAX + Duration::from_secs(1), Duration::MAX] {
            let timer = Timer::<S>::new(interval, counting(&calls));
            assert_error(timer.start(), ExceptionKind::OverflowError, too_large);
            assert!(!timer.is_alive());
            assert!(timer.thread().ident().is_none());
            assert!(!enumerate::<S>().contains(timer.thread()));
        }
        let timer = Timer::<S>::new(TIMEOUT_MAX, counting(&calls));
        timer.start().unwrap();
        assert!(timer.is_alive());
        timer.cancel();
        timer.join().unwrap();
        assert_eq!(calls.load(SeqCst), 0);
    }

    /// `finished()` is unset until the timer fires (set once the function has returned) or
    /// is cancelled (set at once, even before start).
    fn test_finished_event() {
        let calls = Arc::new(AtomicUsize::new(0));
        let timer = Timer::<S>::new(Duration::from_millis(10), counting(&calls));
        assert!(!timer.finished().is_set());
        timer.start().unwrap();
        assert!(timer.finished().wait());
        assert_eq!(calls.load(SeqCst), 1);
        timer.join().unwrap();
        assert!(timer.finished().is_set());
        let cancelled = Timer::<S>::new(FOREVER, counting(&calls));
        assert!(!cancelled.finished().is_set());
        cancelled.cancel();
        assert!(cancelled.finished().is_set());
        assert!(cancelled.finished().wait_timeout(Duration::ZERO).unwrap());
        assert_eq!(calls.load(SeqCst), 1);
    }
}
