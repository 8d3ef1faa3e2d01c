//! # weft-core
//!
//! Python's `threading` primitives — [`Thread`], [`Timer`], [`Lock`], [`RLock`], [`Condition`],
//! [`Semaphore`], [`BoundedSemaphore`], [`Event`], [`Barrier`], [`Local`] and the module functions —
//! written once, generic over a [`Scheduler`]. The scheduler supplies threads, keyed parking,
//! atomics, time and per-run state; this crate makes no OS call of its own. A backend
//! (`weft-real` on OS threads, a simulator) implements the trait; the `weft` crate picks one.
//!
//! Beside Python's API, [`std_thread`] is std's thread API (`spawn`, `scope`, `park`, …) over
//! the same threads.
//!
//! Every error is an [`Error`] whose [`Error::kind`] names the Python exception and whose
//! `Display` is CPython's message.

// The crate's rooms, in layers: each module uses only modules of the layers above it (the test
// `tests/module_layers.rs` keeps it so).
// 1. `backend`: the traits a backend implements (`atomic`, `name`, `observe`, `storage`, and the
//    `Scheduler` itself), `error`, and `timeout`;
// 2. `sync`: the primitives, on the raw lock (`sync::raw`); `cell`: the race-checked `UnsafeCell`;
// 3. `thread`: `record` (the `Thread` handle), `hooks`, `state` (per-run and per-thread state),
//    `lifecycle` (start, run, join, the module functions), `timer`, `std_api` (std's thread API
//    on `lifecycle`: `park`, `handle`, `packet`, `spawn`, `scope`, each using only those before
//    it);
// 4. `local`: thread-local values, kept in the thread's state.
// 5. `queue`: Python's `queue` module, on a `sync` lock and conditions.
mod backend;
mod cell;
mod error;
mod local;
mod queue;
mod sync;
mod thread;
mod timeout;

pub use backend::atomic::{Atomic, AtomicPrimitive};
pub use backend::name::ThreadName;
pub use backend::observe::{Observe, release_on_unwind};
pub use backend::storage::{LocalStores, LocalView, RunStorage, StaticLocals, ThreadStorage};
pub use backend::{FilterOp, ParkResult, RequeueOp, Scheduler, SpawnError, SpawnOptions, UnparkResult};
pub use cell::UnsafeCell;
pub use error::{Error, ExceptionKind};
pub use local::{Local, LocalKey};
pub use queue::simple::SimpleQueue;
pub use queue::{Discipline, Fifo, Lifo, LifoQueue, Priority, PriorityQueue, PutError, Queue};
pub use sync::atomic::{
    AtomicBool, AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU8, AtomicU16, AtomicU32,
    AtomicU64, AtomicUsize,
};
pub use sync::barrier::Barrier;
pub use sync::condition::Condition;
pub use sync::condvar::{Condvar, WaitTimeoutResult};
pub use sync::event::Event;
pub use sync::lock::{ConditionLock, Guard, Lock, RLock, RLockState, Release};
pub use sync::mpsc;
pub use sync::mutex::{Mutex, MutexGuard};
pub use sync::once::{BarrierWaitResult, Once, OnceState, StdBarrier};
pub use sync::raw::RawLock;
pub use sync::rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use sync::semaphore::{BoundedSemaphore, SEMAPHORE_MAX, Semaphore};
pub use thread::hooks::{
    Abandoned, ExceptHook, ExceptHookArgs, SystemExit, ThreadHook, excepthook, exit_thread, format_exception,
};
pub use thread::lifecycle::{
    Builder, MIN_STACK_SIZE, active_count, current_thread, enumerate, get_excepthook, get_ident, get_native_id,
    get_stack_size, getprofile, gettrace, main_thread, monotonic, set_excepthook, setprofile, settrace, sleep,
    stack_size, wait_for_non_daemon_threads, yield_now,
};
pub use thread::record::Thread;
pub use thread::state::{RunState, ThreadState, ThreadStatus, current_status};
pub use thread::std_api as std_thread;
pub use thread::timer::Timer;
pub use timeout::{TIMEOUT_MAX, deadline};
