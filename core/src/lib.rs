//! # weft-core
//!
//! Python's `threading` primitives — [`Thread`], [`Timer`], [`Lock`], [`RLock`], [`Condition`],
//! [`Semaphore`], [`BoundedSemaphore`], [`Event`], [`Barrier`], [`Local`] and the module functions —
//! written once, generic over a [`Scheduler`]. The scheduler supplies threads, keyed parking,
//! atomics, time and per-run state; this crate makes no OS call of its own. A backend
//! (`weft-real` on OS threads, a simulator) implements the trait; the `weft` crate picks one.
//!
//! Every error is an [`Error`] whose [`Error::kind`] names the Python exception and whose
//! `Display` is CPython's message.

// The crate's rooms: `backend` (the traits a backend implements), `sync` (the primitives),
// `thread` (threads, their registry and per-run and per-thread state, timers), `local`
// (thread-local values), `error` and `timeout`.
mod backend;
mod error;
mod local;
mod sync;
mod thread;
mod timeout;

pub use backend::atomic::{Atomic, AtomicPrimitive};
pub use backend::name::ThreadName;
pub use backend::observe::Observe;
pub use backend::{FilterOp, ParkResult, RequeueOp, Scheduler, SpawnError, SpawnOptions, UnparkResult};
pub use error::{Error, ExceptionKind};
pub use local::{Local, LocalKey};
pub use sync::atomic::{AtomicBool, AtomicUsize};
pub use sync::barrier::Barrier;
pub use sync::condition::Condition;
pub use sync::event::Event;
pub use sync::lock::{ConditionLock, Guard, Lock, RLock, RLockState, Release};
pub use sync::raw::RawLock;
pub use sync::semaphore::{BoundedSemaphore, SEMAPHORE_MAX, Semaphore};
pub use thread::state::{LocalView, RunState, StaticLocals, ThreadState, ThreadStatus, current_status};
pub use thread::timer::Timer;
pub use thread::{
    Abandoned, Builder, ExceptHook, ExceptHookArgs, MIN_STACK_SIZE, SystemExit, Thread, ThreadHook, active_count,
    current_thread, enumerate, excepthook, exit_thread, format_exception, get_excepthook, get_ident, get_native_id,
    get_stack_size, getprofile, gettrace, main_thread, set_excepthook, setprofile, settrace, sleep, stack_size,
    wait_for_non_daemon_threads, yield_now,
};
pub use timeout::{TIMEOUT_MAX, deadline};

/// Reports whether an operation on `object` succeeded (`yes`) or not (`no`) through
/// [`crate::Observe::outcome`], and returns `ok`.
#[inline(always)]
pub(crate) fn report<S: Scheduler>(object: usize, ok: bool, yes: &'static str, no: &'static str) -> bool {
    S::outcome(object, if ok { yes } else { no });
    ok
}

/// A monotonic clock reading (Python's `time.monotonic()`): the time since the run began, on
/// `S`'s clock (virtual under a simulator).
pub fn monotonic<S: Scheduler>() -> std::time::Duration {
    let origin = S::with_run_state(|run| run.origin);
    S::now().saturating_duration_since(origin)
}
