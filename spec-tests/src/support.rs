//! Helpers the spec tests share: CPython's `Bunch` of foreign threads, waiting until threads are
//! parked on an object (instead of CPython's "sleep 10 ms so they have blocked"), error and time
//! assertions.

use std::fmt::Debug;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use weft_core::{Condition, Error, ExceptionKind, Lock, Scheduler, SpawnOptions, ThreadStatus, current_status};

/// How long a helper waits for something that must happen before declaring the test failed.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Asserts that `result` is the error of Python class `kind` with exactly `message`.
#[track_caller]
pub fn assert_error<T: Debug>(result: Result<T, Error>, kind: ExceptionKind, message: &str) {
    match result {
        Ok(value) => panic!("expected {kind}({message:?}), got Ok({value:?})"),
        Err(error) => {
            assert_eq!(error.kind(), kind, "exception kind of {error:?}");
            assert_eq!(error.to_string(), message, "message of {error:?}");
        }
    }
}

/// Polls `condition` (sleeping 1 ms between tries on `S`'s clock) until it holds.
///
/// # Panics
/// If it still does not hold after [`PATIENCE`]: `what` says what was awaited.
#[track_caller]
pub fn wait_until<S: Scheduler>(what: &str, mut condition: impl FnMut() -> bool) {
    let start = S::now();
    while !condition() {
        if S::now().duration_since(start) > PATIENCE {
            panic!("gave up waiting for: {what}");
        }
        S::sleep(Duration::from_millis(1));
    }
}

/// Waits until at least `n` of `threads` are parked on `key` (a primitive's `wait_key()`).
#[track_caller]
pub fn wait_blocked<S: Scheduler>(threads: &[Arc<ThreadStatus<S>>], key: usize, n: usize) {
    wait_until::<S>(&format!("{n} threads blocked"), || threads.iter().filter(|t| t.blocked_on() == key).count() >= n);
}

/// The time elapsed since `start` on `S`'s clock.
pub fn elapsed<S: Scheduler>(start: Instant) -> Duration {
    S::now().saturating_duration_since(start)
}

/// Asserts that at least `expected` elapsed (never "at most": the machine may be loaded).
#[track_caller]
pub fn assert_at_least(elapsed: Duration, expected: Duration) {
    assert!(elapsed >= expected, "{elapsed:?} elapsed, expected at least {expected:?}");
}

struct BunchState<S: Scheduler> {
    started: usize,
    finished: usize,
    can_exit: bool,
    statuses: Vec<Arc<ThreadStatus<S>>>,
    errors: Vec<String>,
}

struct BunchShared<S: Scheduler> {
    cond: Condition<S, Lock<S>>,
    /// Only touched while `cond`'s lock is held, so it never blocks.
    state: StdMutex<BunchState<S>>,
}

impl<S: Scheduler> BunchShared<S> {
    fn with<R>(&self, f: impl FnOnce(&mut BunchState<S>) -> R) -> R {
        let _held = self.cond.lock();
        let result = f(&mut self.state.lock().unwrap());
        self.cond.notify_all().unwrap();
        result
    }

    fn wait_for(&self, mut predicate: impl FnMut(&BunchState<S>) -> bool) {
        let _held = self.cond.lock();
        self.cond.wait_for(|| predicate(&self.state.lock().unwrap())).unwrap();
    }
}

/// CPython's `Bunch`: `n` *foreign* threads (started through the scheduler directly, not as weft
/// `Thread`s) each running `f(i)`. `start` returns once all have started; dropping the bunch
/// lets them exit and waits for them, re-raising the first panic of any of them.
pub struct Bunch<S: Scheduler> {
    shared: Arc<BunchShared<S>>,
    n: usize,
}

impl<S: Scheduler> Bunch<S> {
    /// Starts `n` foreign threads running `f(index)`. With `wait_before_exit`, each stays alive
    /// after `f` until [`Bunch::do_finish`].
    pub fn start(n: usize, f: impl Fn(usize) + Send + Sync + 'static, wait_before_exit: bool) -> Self {
        let shared = Arc::new(BunchShared {
            cond: Condition::with_lock(Lock::new()),
            state: StdMutex::new(BunchState {
                started: 0,
                finished: 0,
                can_exit: !wait_before_exit,
                statuses: Vec::new(),
                errors: Vec::new(),
            }),
        });
        let f = Arc::new(f);
        for index in 0..n {
            let shared = shared.clone();
            let f = f.clone();
            let body = move || {
                let status = current_status::<S>();
                shared.with(|state| {
                    state.started += 1;
                    state.statuses.push(status);
                });
                let outcome = catch_unwind(AssertUnwindSafe(|| f(index)));
                shared.with(|state| {
                    state.finished += 1;
                    if let Err(payload) = outcome {
                        let message = payload
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| payload.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "non-string panic".into());
                        state.errors.push(message);
                    }
                });
                shared.wait_for(|state| state.can_exit);
            };
            S::spawn(
                SpawnOptions {
                    name: Some(weft_core::ThreadName::numbered("bunch-", index)),
                    daemon: false,
                    stack_size: 0,
                },
                Box::new(body),
            )
            .expect("spawn a foreign thread");
        }
        let bunch = Bunch { shared, n };
        bunch.shared.wait_for(|state| state.started == n);
        bunch
    }

    /// How many threads have returned from `f`.
    pub fn finished(&self) -> usize {
        self.shared.with(|state| state.finished)
    }

    /// The status of each thread (in start order), to see what they are parked on.
    pub fn statuses(&self) -> Vec<Arc<ThreadStatus<S>>> {
        self.shared.with(|state| state.statuses.clone())
    }

    /// Waits until at least `n` of the bunch's threads are parked on `key`.
    #[track_caller]
    pub fn wait_blocked(&self, key: usize, n: usize) {
        wait_blocked(&self.statuses(), key, n);
    }

    /// Waits until every thread returned from `f` (and, with `wait_before_exit`, is waiting to
    /// exit), without re-raising panics.
    pub fn wait_until_finished_running(&self) {
        let n = self.n;
        self.shared.wait_for(|state| state.finished == n);
    }

    /// Lets threads started with `wait_before_exit` exit.
    pub fn do_finish(&self) {
        self.shared.with(|state| state.can_exit = true);
    }

    /// Waits until every thread returned from `f`.
    ///
    /// # Panics
    /// With the message of the first thread that panicked.
    pub fn wait_for_finished(&self) {
        let n = self.n;
        self.shared.wait_for(|state| state.finished == n);
        if let Some(error) = self.shared.with(|state| state.errors.first().cloned()) {
            panic!("a thread of the bunch panicked: {error}");
        }
    }
}

impl<S: Scheduler> Drop for Bunch<S> {
    fn drop(&mut self) {
        // Unwinding (a failed assertion, or a simulated thread abandoned at an execution's
        // end), the bunch's threads are let go but not waited for: a destructor that blocks
        // while unwinding can never finish (the simulator then gives the thread up, and its
        // OS thread's panic count stays raised for the rest of the exploration).
        if std::thread::panicking() {
            self.shared.state.lock().unwrap_or_else(|e| e.into_inner()).can_exit = true;
            // Woken if the lock can be had at once (on real threads they then exit).
            if self.shared.cond.try_acquire() {
                let _ = self.shared.cond.notify_all();
                let _ = self.shared.cond.release();
            }
            return;
        }
        self.do_finish();
        let n = self.n;
        self.shared.wait_for(|state| state.finished == n);
        if let Some(error) = self.shared.with(|state| state.errors.first().cloned()) {
            panic!("a thread of the bunch panicked: {error}");
        }
    }
}
