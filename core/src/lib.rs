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

mod atomic;
mod barrier;
mod condition;
mod error;
mod event;
mod local;
mod lock;
mod observe;
mod raw;
mod scheduler;
mod semaphore;
mod state;
mod thread;
mod thread_name;
mod timeout;
mod timer;

pub use atomic::{AtomicBool, AtomicUsize};
pub use barrier::Barrier;
pub use condition::Condition;
pub use error::{Error, ExceptionKind};
pub use event::Event;
pub use local::{Local, LocalKey};
pub use lock::{ConditionLock, Guard, Lock, RLock, RLockState, Release};
pub use observe::Observe;
pub use raw::RawLock;
pub use scheduler::{Atomic, FilterOp, ParkResult, RequeueOp, Scheduler, SpawnError, SpawnOptions, UnparkResult};
pub use semaphore::{BoundedSemaphore, Semaphore, SEMAPHORE_MAX};
pub use state::{current_status, LocalView, RunState, StaticLocals, ThreadState, ThreadStatus};
pub use thread::{
    active_count, current_thread, enumerate, excepthook, exit_thread, format_exception, get_excepthook, get_ident,
    get_native_id, get_stack_size, getprofile, gettrace, main_thread, set_excepthook, setprofile, settrace, sleep,
    stack_size, wait_for_non_daemon_threads, yield_now, Abandoned, Builder, ExceptHook, ExceptHookArgs, SystemExit,
    Thread, ThreadHook, MIN_STACK_SIZE,
};
pub use thread_name::ThreadName;
pub use timeout::{deadline, TIMEOUT_MAX};
pub use timer::Timer;

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
