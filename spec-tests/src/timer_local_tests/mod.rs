//! Ports of CPython's `test_threading.TimerTests` and `test_threading_local.BaseLocalTest` (with
//! the `_threading_local` doctests), plus SPEC.md's Timer and Local behaviour that CPython has no
//! test for. Registered as `timer::…` and `local::…`.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use weft_core::{Scheduler, Thread};

use crate::harness::Test;

/// Adds the timer tests as `timer::…` and the local tests as `local::…` (`prefix` is not used:
/// the two groups name themselves).
pub fn register<S: Scheduler>(tests: &mut Vec<Test>, _prefix: &str) {
    timer::register::<S>(tests, "timer");
    local::register::<S>(tests, "local");
}

/// The message of a panic payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".into())
}

/// Runs `f(i)` for `i` in `0..n` in `n` weft `Thread`s (CPython's `start_threads`), started
/// together and joined; re-raises the first panic of any of them (a panic in a weft thread
/// otherwise only reaches the excepthook).
fn run_threads<S: Scheduler>(n: usize, f: impl Fn(usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let errors = Arc::new(Mutex::new(Vec::new()));
    let threads: Vec<Thread<S>> = (0..n)
        .map(|i| {
            let (f, errors) = (f.clone(), errors.clone());
            Thread::<S>::new(move || {
                if let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(i))) {
                    errors.lock().unwrap().push(panic_message(&*payload));
                }
            })
        })
        .collect();
    for thread in &threads {
        thread.start().unwrap();
    }
    for thread in &threads {
        thread.join().unwrap();
    }
    let first = errors.lock().unwrap().first().cloned();
    if let Some(error) = first {
        panic!("a thread panicked: {error}");
    }
}

pub mod timer;

pub mod local;
