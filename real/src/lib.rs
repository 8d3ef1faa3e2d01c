//! # weft-real
//!
//! [`Real`], the [`Scheduler`] of weft on operating-system threads: std atomics,
//! `parking_lot_core` for parking, `std::thread` for spawning, `std::time::Instant` for time.
//! It holds scheduler services only; every primitive lives in `weft-core`. Each service passes
//! straight through, so a primitive monomorphised for `Real` is the code a hand-written
//! parking_lot-style primitive would be.
//!
//! ```
//! use weft_core::Lock;
//! use weft_real::Real;
//!
//! let lock = Lock::<Real>::new();
//! let _held = lock.lock();
//! assert!(lock.locked());
//! ```

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::LocalKey;
use std::time::{Duration, Instant};

use weft_core::{
    AtomicPrimitive, FilterOp, LocalStores, LocalView, Observe, ParkResult, RequeueOp, RunState, RunStorage, Scheduler,
    SpawnError, SpawnOptions, ThreadState, UnparkResult,
};

/// The real backend: OS threads, std atomics, `parking_lot_core`.
///
/// ```
/// use std::sync::Arc;
/// use weft_core::{Event, Thread};
/// use weft_real::Real;
///
/// let done = Arc::new(Event::<Real>::new());
/// let d = done.clone();
/// let t = Thread::<Real>::new(move || d.set()); // an OS thread
/// t.start().unwrap();
/// assert!(done.wait());
/// t.join().unwrap();
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Real;

// The std atomics implement `weft_core::Atomic` in weft-core itself (orphan rule).

/// The ident of the process's main thread; other threads count up from 2.
const MAIN_IDENT: usize = 1;
static NEXT_IDENT: AtomicUsize = AtomicUsize::new(MAIN_IDENT + 1);

thread_local! {
    /// The calling thread's ident, complemented: the initial 0 reads as `usize::MAX`, "not
    /// assigned yet", which never equals an ident (so fast paths can compare it unchecked).
    static NOT_IDENT: Cell<usize> = const { Cell::new(0) };
    static VIEW: LocalView = const { LocalView::new() };
    // SAFETY: `VIEW` is a const thread-local without destructor of the same thread: it outlives
    // the state, and only this thread reaches it; no other state is made with it.
    static STATE: ThreadState<Real> = unsafe { ThreadState::with_view(VIEW.with(|view| view as *const LocalView)) };
}

fn os_thread_id() -> u64 {
    // SAFETY: gettid has no preconditions and cannot fail.
    unsafe { libc::gettid() as u64 }
}

/// The `(ident, native id)` of the process's main thread on real threads, which Python's
/// `main_thread()` reports (for a scheduler that delegates to this one, such as the façade's).
#[doc(hidden)]
pub fn main_thread_ids() -> (usize, u64) {
    (MAIN_IDENT, process_id())
}

fn process_id() -> u64 {
    std::process::id() as u64
}

/// The calling thread's first `current_ident`: the main thread is `MAIN_IDENT`, others count up.
#[cold]
#[inline(never)]
fn assign_ident() -> usize {
    let ident = if os_thread_id() == process_id() { MAIN_IDENT } else { NEXT_IDENT.fetch_add(1, Ordering::Relaxed) };
    NOT_IDENT.with(|cell| cell.set(!ident));
    ident
}

/// Runs `f` with the calling thread's state kept in `key` (a `thread_local!` of a scheduler on OS
/// threads). While the thread-local is being destroyed (a destructor running at thread exit), `f`
/// gets a fresh, empty state instead. (For the façade, whose scheduler keeps its own state on OS
/// threads.)
#[doc(hidden)]
#[inline]
pub fn with_thread_state_in<S: Scheduler, R>(
    key: &'static LocalKey<ThreadState<S>>,
    f: impl FnOnce(&ThreadState<S>) -> R,
) -> R {
    let mut f = Some(f);
    match key.try_with(|state| (f.take().expect("called once"))(state)) {
        Ok(result) => result,
        Err(_) => (f.take().expect("not called yet"))(&ThreadState::new()),
    }
}

fn run_state() -> &'static RunState<Real> {
    static RUN: OnceLock<RunState<Real>> = OnceLock::new();
    RUN.get_or_init(|| {
        let (ident, native_id) = main_thread_ids();
        RunState::new(ident, native_id)
    })
}

#[inline]
fn to_core(result: parking_lot_core::UnparkResult) -> UnparkResult {
    UnparkResult {
        unparked_threads: result.unparked_threads,
        requeued_threads: result.requeued_threads,
        have_more_threads: result.have_more_threads,
    }
}

#[inline]
fn to_plc_requeue(op: RequeueOp) -> parking_lot_core::RequeueOp {
    match op {
        RequeueOp::Abort => parking_lot_core::RequeueOp::Abort,
        RequeueOp::UnparkOneRequeueRest => parking_lot_core::RequeueOp::UnparkOneRequeueRest,
        RequeueOp::RequeueAll => parking_lot_core::RequeueOp::RequeueAll,
        RequeueOp::UnparkOne => parking_lot_core::RequeueOp::UnparkOne,
        RequeueOp::RequeueOne => parking_lot_core::RequeueOp::RequeueOne,
        // Any thread will do: the first is one.
        RequeueOp::UnparkAnyRequeueRest => parking_lot_core::RequeueOp::UnparkOneRequeueRest,
        RequeueOp::UnparkAny => parking_lot_core::RequeueOp::UnparkOne,
        RequeueOp::RequeueAny => parking_lot_core::RequeueOp::RequeueOne,
    }
}

#[inline]
fn to_core_requeue(op: parking_lot_core::RequeueOp) -> RequeueOp {
    match op {
        parking_lot_core::RequeueOp::Abort => RequeueOp::Abort,
        parking_lot_core::RequeueOp::UnparkOneRequeueRest => RequeueOp::UnparkOneRequeueRest,
        parking_lot_core::RequeueOp::RequeueAll => RequeueOp::RequeueAll,
        parking_lot_core::RequeueOp::UnparkOne => RequeueOp::UnparkOne,
        parking_lot_core::RequeueOp::RequeueOne => RequeueOp::RequeueOne,
    }
}

// SAFETY: every thread is an OS thread of its own (`spawn` is `std::thread::Builder::spawn`), so
// `with_locals` gives all of them `LocalStores::Own` (their `thread_local!`s), and its state lives in a `thread_local!`, which is
// the thread's own and dropped at its end, after its last use; the run state is one process-wide
// value that is never dropped; the atomics are std's (see their `Atomic` impls); `current_ident`
// is non-zero and distinct among live threads (see its implementation); parking is
// `parking_lot_core`'s, whose contract is the one this trait states.
unsafe impl Scheduler for Real {
    type Atomic<T: AtomicPrimitive> = T::Std;

    fn spawn(options: SpawnOptions, main: Box<dyn FnOnce() + Send + 'static>) -> Result<(), SpawnError> {
        let mut builder = std::thread::Builder::new();
        if let Some(name) = options.name {
            builder = builder.name(name.to_string());
        }
        if options.stack_size != 0 {
            builder = builder.stack_size(options.stack_size);
        }
        builder.spawn(main).map(drop).map_err(|e| SpawnError(e.to_string()))
    }

    #[inline]
    fn current_ident() -> usize {
        let ident = Self::unobserved_ident();
        if ident != usize::MAX {
            return ident;
        }
        assign_ident()
    }

    fn native_id() -> u64 {
        os_thread_id()
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
        // SAFETY: the caller upholds the contract of `Scheduler::park`, which is that of
        // `parking_lot_core::park`.
        let result = unsafe {
            parking_lot_core::park(key, validate, before_sleep, timed_out, parking_lot_core::ParkToken(token), deadline)
        };
        match result {
            parking_lot_core::ParkResult::Unparked(token) => ParkResult::Unparked(token.0),
            parking_lot_core::ParkResult::Invalid => ParkResult::Invalid,
            parking_lot_core::ParkResult::TimedOut => ParkResult::TimedOut,
        }
    }

    #[inline]
    unsafe fn unpark_one(key: usize, callback: impl FnOnce(UnparkResult) -> usize) -> UnparkResult {
        let callback = |result| parking_lot_core::UnparkToken(callback(to_core(result)));
        // SAFETY: the caller upholds the contract of `Scheduler::unpark_one`, which is that of
        // `parking_lot_core::unpark_one`; the wrapper only converts types.
        to_core(unsafe { parking_lot_core::unpark_one(key, callback) })
    }

    #[inline]
    unsafe fn unpark_filter(
        key: usize,
        mut filter: impl FnMut(usize) -> FilterOp,
        callback: impl FnOnce(UnparkResult) -> usize,
    ) -> UnparkResult {
        let filter = |token: parking_lot_core::ParkToken| match filter(token.0) {
            FilterOp::Unpark => parking_lot_core::FilterOp::Unpark,
            FilterOp::Skip => parking_lot_core::FilterOp::Skip,
            FilterOp::Stop => parking_lot_core::FilterOp::Stop,
        };
        let callback = |result| parking_lot_core::UnparkToken(callback(to_core(result)));
        // SAFETY: the caller upholds the contract of `Scheduler::unpark_filter`; the wrappers only
        // convert types.
        to_core(unsafe { parking_lot_core::unpark_filter(key, filter, callback) })
    }

    #[inline]
    unsafe fn unpark_requeue(
        from: usize,
        to: usize,
        validate: impl FnOnce() -> RequeueOp,
        callback: impl FnOnce(RequeueOp, UnparkResult) -> usize,
    ) -> UnparkResult {
        let validate = || to_plc_requeue(validate());
        let callback = |op, result| parking_lot_core::UnparkToken(callback(to_core_requeue(op), to_core(result)));
        // SAFETY: the caller upholds the contract of `Scheduler::unpark_requeue`; the wrappers
        // only convert types.
        to_core(unsafe { parking_lot_core::unpark_requeue(from, to, validate, callback) })
    }

    #[inline]
    fn now() -> Instant {
        Instant::now()
    }

    fn sleep(duration: Duration) {
        if duration.is_zero() {
            std::thread::yield_now();
        } else {
            std::thread::sleep(duration);
        }
    }

    type RunState = RunState<Real>;
    type ThreadState = ThreadState<Real>;

    #[inline]
    fn with_run_state<R>(f: impl FnOnce(&RunState<Self>) -> R) -> R {
        f(run_state())
    }

    #[inline]
    fn with_thread_state<R>(f: impl FnOnce(&ThreadState<Self>) -> R) -> R {
        with_thread_state_in(&STATE, f)
    }

    /// The OS thread's own: `thread_local!` values, and the view of its `Local` cache.
    #[inline(always)]
    fn with_locals<R>(f: impl FnOnce(LocalStores<'_>) -> R) -> R {
        VIEW.with(|view| f(LocalStores::Own(Some(view))))
    }
}

impl Observe for Real {
    #[inline(always)]
    fn observing() -> bool {
        false
    }

    const SEES_ATOMICS: bool = false;

    #[inline(always)]
    fn observed_word() -> usize {
        0
    }

    #[inline(always)]
    fn unobserved_ident() -> usize {
        !NOT_IDENT.with(Cell::get)
    }
}
