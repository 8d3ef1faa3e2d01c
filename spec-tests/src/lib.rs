//! # weft-spec-tests
//!
//! The behaviour of SPEC.md as tests, written once and generic over the [`Scheduler`]: each
//! module ports a group of CPython's `threading` tests (`Lib/test/lock_tests.py`,
//! `test_threading.py`, `test_threading_local.py`) or of its `queue` tests (`test_queue.py`) under
//! the same names. A backend runs the suite with [`register_all`] and [`harness::run`] (see
//! `tests/real.rs`). CPython tests that do not apply to Rust are listed in this crate's README
//! with the reason.

pub mod atomic_tests;
pub mod barrier_tests;
pub mod condition_tests;
pub mod event_tests;
pub mod harness;
pub mod lock_tests;
pub mod queue_tests;
pub mod semaphore_tests;
pub mod std_channel_tests;
pub mod std_sync_tests;
pub mod std_thread_tests;
pub mod support;
pub mod thread_tests;
pub mod timer_local_tests;

use weft_core::{Condition, Lock, RLock, Scheduler};

pub use harness::Test;

/// Every spec test, instantiated for `S`, named `module::test_name`.
pub fn register_all<S: Scheduler>(tests: &mut Vec<Test>) {
    lock_tests::base::register::<S, Lock<S>>(tests, "lock");
    lock_tests::lock::register::<S>(tests, "lock");
    lock_tests::base::register::<S, RLock<S>>(tests, "rlock");
    lock_tests::rlock::register::<S, RLock<S>>(tests, "rlock");
    lock_tests::rlock_only::register::<S>(tests, "rlock");
    lock_tests::base::register::<S, Condition<S>>(tests, "condition_as_rlock");
    lock_tests::rlock::register::<S, Condition<S>>(tests, "condition_as_rlock");
    event_tests::register::<S>(tests, "event");
    condition_tests::register::<S>(tests, "condition");
    semaphore_tests::register::<S>(tests, "semaphore");
    barrier_tests::register::<S>(tests, "barrier");
    thread_tests::register::<S>(tests, "thread");
    timer_local_tests::register::<S>(tests, "timer_local");
    atomic_tests::register::<S>(tests, "atomic");
    std_sync_tests::register::<S>(tests, "std_sync");
    std_channel_tests::register::<S>(tests, "std_channel");
    queue_tests::register::<S>(tests, "queue");
    std_thread_tests::register::<S>(tests, "std_thread");
}
