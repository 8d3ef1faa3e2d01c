//! [`Auto`]: the façade's scheduler, which picks the backend an object runs on.

use std::time::{Duration, Instant};

use weft_core::{
    FilterOp, ParkResult, RequeueOp, RunState, Scheduler, SpawnError, SpawnOptions, ThreadState, UnparkResult,
};
use weft_real::Real;

/// The scheduler behind the façade's types (`weft::Lock` is `weft_core::Lock<Auto>`).
///
/// An object runs on the backend chosen when it is created. Outside a simulation that is
/// [`Real`]: every service here forwards to it and is inlined, so the façade's types are the
/// real backend's types at no cost. (The simulator joins behind this type, without changing the
/// façade's types.)
#[derive(Debug, Clone, Copy, Default)]
pub struct Auto;

thread_local! {
    static STATE: ThreadState<Auto> = ThreadState::new();
}

fn run_state() -> &'static RunState<Auto> {
    static RUN: std::sync::OnceLock<RunState<Auto>> = std::sync::OnceLock::new();
    RUN.get_or_init(RunState::new)
}

impl Scheduler for Auto {
    type AtomicU8 = <Real as Scheduler>::AtomicU8;
    type AtomicUsize = <Real as Scheduler>::AtomicUsize;
    type AtomicU64 = <Real as Scheduler>::AtomicU64;

    #[inline]
    fn spawn(options: SpawnOptions, main: Box<dyn FnOnce() + Send + 'static>) -> Result<(), SpawnError> {
        Real::spawn(options, main)
    }

    #[inline]
    fn current_ident() -> usize {
        Real::current_ident()
    }

    #[inline]
    fn native_id() -> u64 {
        Real::native_id()
    }

    #[inline]
    fn main_thread_ids() -> (usize, u64) {
        Real::main_thread_ids()
    }

    #[inline]
    fn yield_now() {
        Real::yield_now()
    }

    #[inline]
    fn spin(iteration: u32) -> bool {
        Real::spin(iteration)
    }

    #[inline]
    unsafe fn park(
        key: usize,
        validate: impl FnOnce() -> bool,
        before_sleep: impl FnOnce(),
        timed_out: impl FnOnce(usize, bool),
        token: usize,
        deadline: Option<Instant>,
    ) -> ParkResult {
        // SAFETY: the caller upholds the same contract for `Auto` as `Real` requires.
        unsafe { Real::park(key, validate, before_sleep, timed_out, token, deadline) }
    }

    #[inline]
    unsafe fn unpark_one(key: usize, callback: impl FnOnce(UnparkResult) -> usize) -> UnparkResult {
        // SAFETY: the caller upholds the same contract for `Auto` as `Real` requires.
        unsafe { Real::unpark_one(key, callback) }
    }

    #[inline]
    unsafe fn unpark_all(key: usize, token: usize) -> usize {
        // SAFETY: the caller upholds the same contract for `Auto` as `Real` requires.
        unsafe { Real::unpark_all(key, token) }
    }

    #[inline]
    unsafe fn unpark_filter(
        key: usize,
        filter: impl FnMut(usize) -> FilterOp,
        callback: impl FnOnce(UnparkResult) -> usize,
    ) -> UnparkResult {
        // SAFETY: the caller upholds the same contract for `Auto` as `Real` requires.
        unsafe { Real::unpark_filter(key, filter, callback) }
    }

    #[inline]
    unsafe fn unpark_requeue(
        from: usize,
        to: usize,
        validate: impl FnOnce() -> RequeueOp,
        callback: impl FnOnce(RequeueOp, UnparkResult) -> usize,
    ) -> UnparkResult {
        // SAFETY: the caller upholds the same contract for `Auto` as `Real` requires.
        unsafe { Real::unpark_requeue(from, to, validate, callback) }
    }

    #[inline]
    fn now() -> Instant {
        Real::now()
    }

    #[inline]
    fn sleep(duration: Duration) {
        Real::sleep(duration)
    }

    #[inline]
    fn with_run_state<R>(f: impl FnOnce(&RunState<Self>) -> R) -> R {
        f(run_state())
    }

    #[inline]
    fn with_thread_state<R>(f: impl FnOnce(&ThreadState<Self>) -> R) -> R {
        weft_real::with_thread_state_in(&STATE, f)
    }
}
