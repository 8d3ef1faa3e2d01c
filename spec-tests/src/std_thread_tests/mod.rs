//! std's thread API over weft's threads (`weft_core::std_thread`, the façade's `weft::thread`):
//! `spawn` and `JoinHandle`, `Builder`, `scope`, `current`, `park`/`unpark`, and how those
//! threads meet weft's own (`current_thread()`, `enumerate()`, the excepthook). The semantics
//! are std's, with the differences `weft_core::std_thread` lists (a panic nobody joins is
//! reported; every thread has a name; no spurious wake-ups).
//!
//! Timed tests assert only lower bounds on real threads; under a simulator
//! ([`weft_core::Observe::observing`]) time is virtual, and they assert the exact time.

use std::any::Any;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use weft_core::std_thread::{self, Builder, current, park, park_timeout, scope, spawn};
use weft_core::{
    Error, Event, ExceptHook, Scheduler, active_count, current_status, current_thread, enumerate, set_excepthook,
};

use crate::support::{assert_at_least, elapsed, wait_until};

mod park_tests;
mod scope_tests;
mod spawn_tests;

/// Unwinds like a panic with `message` as payload, without std's panic hook printing it: for
/// closures that fail on purpose.
fn raise(message: &'static str) -> ! {
    std::panic::resume_unwind(Box::new(message))
}

/// The text of a panic payload (`&str` or `String`).
fn text(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "<not a string>".to_owned())
}

/// What an excepthook installed by [`record_excepthook`] saw: (thread name, message) pairs.
type Seen = Arc<StdMutex<Vec<(String, String)>>>;

/// Restores the default excepthook when dropped, also when the test fails.
struct RestoreHook<S: Scheduler>(PhantomData<fn() -> S>);

impl<S: Scheduler> Drop for RestoreHook<S> {
    fn drop(&mut self) {
        set_excepthook::<S>(None);
    }
}

/// Installs an excepthook that records what it is told (and prints nothing); the default comes
/// back when the guard is dropped.
fn record_excepthook<S: Scheduler>() -> (RestoreHook<S>, Seen) {
    let seen: Seen = Arc::new(StdMutex::new(Vec::new()));
    let s = seen.clone();
    let hook: ExceptHook<S> = Arc::new(move |args| {
        let name = args.thread.as_ref().map(|t| t.name()).unwrap_or_default();
        s.lock().unwrap().push((name, args.message.clone()));
    });
    set_excepthook::<S>(Some(hook));
    (RestoreHook(PhantomData), seen)
}

/// Asserts that `elapsed` is `expected`: exactly under a simulator (virtual time), at least on
/// real threads (the machine may be loaded: never an upper bound).
#[track_caller]
fn assert_elapsed<S: Scheduler>(elapsed: Duration, expected: Duration) {
    if S::observing() {
        assert_eq!(elapsed, expected, "virtual time");
    } else {
        assert_at_least(elapsed, expected);
    }
}

/// Adds every test of this module, instantiated for `S`, under `prefix`.
pub fn register<S: Scheduler>(tests: &mut Vec<crate::harness::Test>, prefix: &str) {
    spawn_tests::register::<S>(tests, prefix);
    scope_tests::register::<S>(tests, prefix);
    park_tests::register::<S>(tests, prefix);
}
