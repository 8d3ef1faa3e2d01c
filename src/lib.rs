//! # weft
//!
//! Python's `threading` module for Rust: [`Thread`], [`Timer`], [`Lock`], [`RLock`],
//! [`Condition`], [`Semaphore`], [`BoundedSemaphore`], [`Event`], [`Barrier`], [`Local`] and the
//! module functions, with Python's names, semantics and error messages; and Python's `queue`
//! module, as [`queue`].
//!
//! Beside Python's API, [`thread`] is std's (`spawn`, `JoinHandle`, `scope`, `park`, …) over
//! the same threads, for code written against `std::thread`.
//!
//! Every primitive is written once, in `weft-core`, against an abstract [`Scheduler`]. These
//! types run on [`Auto`], the façade's scheduler: inside a simulation ([`sim::check`], a
//! [`sim::Explorer`]) on the deterministic simulator, elsewhere on the real backend
//! ([`real::Real`]: OS threads, std atomics, `parking_lot_core`). So code written against
//! `weft::Lock` is checked in simulation and shipped on real threads without a rebuild or a change
//! of imports, and the real path pays nothing measurable for it (`benches/RESULTS.md`).
//!
//! ```
//! use std::sync::Arc;
//! use weft::{Lock, Thread};
//!
//! // Checked in simulation: every interleaving the portfolio explores, in virtual time.
//! weft::sim::check(|| {
//!     let lock = Arc::new(Lock::new());
//!     let l = lock.clone();
//!     let t = Thread::new(move || drop(l.lock()));
//!     t.start().unwrap();
//!     drop(lock.lock());
//!     t.join().unwrap();
//! });
//! ```
//!
//! # A guide
//!
//! ## Finding a bug in simulation
//!
//! Put the code under test in a closure, the *model*, and hand it to [`sim::check`] (in a test)
//! or to an [`sim::Explorer`]. The simulator runs the model many times, one *execution* each,
//! choosing at every operation of a weft primitive which thread goes next. Time is virtual: a
//! `sleep(1 hour)` costs nothing. The first failing execution (a panic, a deadlock, a livelock)
//! ends the exploration with a [`sim::Report`]: the failure, where the panic happened, the
//! trace of every operation in the order it took effect, and a replay token.
//!
//! ```
//! use std::sync::Arc;
//! use weft::sim::{Explorer, FailureKind};
//! use weft::{AtomicUsize, Thread};
//! use std::sync::atomic::Ordering::SeqCst;
//!
//! // Two threads increment a counter with a load and a store: an update can be lost.
//! let model = || {
//!     let counter = Arc::new(AtomicUsize::new(0));
//!     let threads: Vec<Thread> = (0..2)
//!         .map(|_| {
//!             let counter = counter.clone();
//!             Thread::new(move || {
//!                 let seen = counter.load(SeqCst);
//!                 counter.store(seen + 1, SeqCst);
//!             })
//!         })
//!         .collect();
//!     threads.iter().for_each(|t| t.start().unwrap());
//!     threads.iter().for_each(|t| t.join().unwrap());
//!     assert_eq!(counter.load(SeqCst), 2, "an update was lost");
//! };
//! let report = Explorer::exhaustive().run(model).unwrap_err();
//! assert_eq!(report.failure.kind, FailureKind::Panic);
//! assert!(report.failure.message.contains("an update was lost"));
//! // `WEFT_REPLAY=<token>` (or `Explorer::replay`) runs exactly this execution again.
//! let again = Explorer::replay(&report.token).run(model).unwrap_err();
//! assert_eq!(again.failure, report.failure);
//! ```
//!
//! **Strategies.** [`sim::check`] runs the default portfolio: an exhaustive search with
//! partial-order reduction (if it finishes, the model is proved: `Stats::exhausted`), weighted
//! partial-order sampling (most turns), partial-order sampling and PCT, taking turns one
//! execution at a time. An [`sim::Explorer`] picks one: `exhaustive()`,
//! `exhaustive().preemption_bound(b)`, `random_walk(seed)`, `urw(seed)`, `pos(seed)`,
//! `weighted_pos(seed)`, `pct(seed, depth)`, `portfolio(seed)`, with `iterations`, `time_limit`, `max_steps`, `stall_timeout`, `threads` (the OS threads an exhaustive search runs on) and `shard` (one part of an exploration split between processes).
//! `WEFT_SEED`, `WEFT_ITERATIONS`, `WEFT_STALL_SECS`, `WEFT_THREADS`, `WEFT_SHARD` and `WEFT_REPLAY` override them from the
//! environment; a value a variable does not take is an error that names it.
//!
//! **What `exhausted` means.** `Stats::exhausted` is true only when the search covered every
//! schedule (within its preemption bound, if it had one) up to equivalence, and a sample of its
//! schedules, replayed, took the same steps again. A model that is not deterministic (random
//! numbers, a `HashMap`'s order, real clocks) is reported as such instead.
//!
//! ## What the simulator sees
//!
//! It sees the operations of weft's types: Python's [`Lock`], [`RLock`], [`Condition`],
//! [`Semaphore`], [`Event`], [`Barrier`], [`Thread`], [`Timer`], [`Local`], [`sleep`],
//! [`yield_now`] and the [`queue`] module; std's shapes in [`sync`]: [`sync::Mutex`],
//! [`sync::Condvar`], [`sync::RwLock`], [`sync::Barrier`], [`sync::Once`], [`sync::mpsc`]
//! channels and [`sync::atomic`] (every width); std's thread API in [`thread`] (spawn, join,
//! scope, park, unpark); and [`sync::OnceLock`]/[`sync::LazyLock`], whose values are fresh in
//! every execution. It does not see `std::sync` types, std atomics, I/O or real clocks: a lost
//! update between two `std::sync::Mutex` critical sections passes, since the simulator cannot
//! interleave what it cannot see. Keep shared data that matters to the bug
//! in weft's types (`use weft::sync::{Mutex, atomic::AtomicU64}` where the code said
//! `std::sync`). A thread that blocks in something the
//! simulator cannot see, or loops without a weft operation, is reported as a *stall* after
//! `stall_timeout` (10 s by default), with its last operation and a token. An object kept from
//! one execution to the next (a `static`), made outside the simulation that uses it, or used by a
//! simulation and by real threads at once, is refused at its first use with a message that says
//! where it was made. Polling loops must yield (`while !flag { weft::yield_now() }`): a yield is
//! a fairness hint that every strategy follows.
//!
//! ## Running on real threads
//!
//! The same types, outside any simulation, are the real backend: OS threads, std atomics and
//! `parking_lot_core`, as fast as parking_lot's locks. Nothing changes in the code or its
//! imports:
//!
//! ```
//! use std::sync::Arc;
//! use weft::{Lock, Thread};
//!
//! let counter = Arc::new(Lock::new());
//! let total = Arc::new(std::sync::atomic::AtomicUsize::new(0));
//! let threads: Vec<Thread> = (0..4)
//!     .map(|_| {
//!         let (lock, total) = (counter.clone(), total.clone());
//!         Thread::new(move || {
//!             let _held = lock.lock();
//!             total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!         })
//!     })
//!     .collect();
//! for t in &threads {
//!     t.start().unwrap();
//! }
//! for t in &threads {
//!     t.join().unwrap();
//! }
//! assert_eq!(total.load(std::sync::atomic::Ordering::Relaxed), 4);
//! ```
//!
//! ## Code generic over the backend
//!
//! [`generic`] has every primitive as `X<S: Scheduler>`, for code that names its backend:
//! [`real::Real`] or [`sim::Sim`]. The simulator's fine-grained mode
//! (`Explorer::fine_grained`), where every atomic access inside a primitive is a scheduling
//! point, applies to those types; it is how weft checks its own primitives.
//!
//! ## Errors
//!
//! Errors are [`Error`]s: [`Error::kind`] names the Python exception, `Display` is CPython's
//! message.

use std::time::{Duration, Instant};

pub use weft_core::{
    Error, ExceptionKind, Guard, MIN_STACK_SIZE, RLockState, SEMAPHORE_MAX, Scheduler, SystemExit, TIMEOUT_MAX,
    ThreadName,
};

mod auto;
pub use auto::Auto;

mod local;
pub use local::LocalKey;

pub mod cell;
pub mod queue;
pub mod spec;
pub mod sync;

pub mod thread;

/// The real backend, for code written generic over [`Scheduler`].
pub mod real {
    pub use weft_real::Real;
}

/// The deterministic simulator: [`sim::Explorer`], [`sim::check`], and [`sim::Sim`] for code
/// written generic over [`Scheduler`].
pub mod sim {
    pub use weft_sim::{
        BlockedThread, DEFAULT_ITERATIONS, DEFAULT_MAX_STEPS, DEFAULT_SEED, DEFAULT_STALL, Explorer, Failure,
        FailureKind, Report, STALL_EXIT_CODE, Shrunk, Sim, Stats, TraceEvent, check, in_simulation,
    };
}

/// The primitives generic over the scheduler, for code written once for every backend
/// (`fn worker<S: Scheduler>(lock: &generic::Lock<S>)`).
pub mod generic {
    pub use weft_core::*;
}

/// A thread of control (Python's `threading.Thread`). See [`weft_core::Thread`].
///
/// ```
/// use std::sync::mpsc;
/// use weft::Thread;
///
/// let (tx, rx) = mpsc::channel();
/// let t = Thread::new(move || tx.send(weft::current_thread().name()).unwrap());
/// t.start().unwrap();
/// t.join().unwrap();
/// assert!(rx.recv().unwrap().starts_with("Thread-"));
/// assert!(!t.is_alive());
/// // Python's `RuntimeError: threads can only be started once`.
/// assert_eq!(t.start().unwrap_err().kind(), weft::ExceptionKind::RuntimeError);
/// ```
pub type Thread = weft_core::Thread<Auto>;
/// Configures a [`Thread`]'s name and daemon flag before it is created (the `name=` and
/// `daemon=` arguments of Python's `threading.Thread`). See [`weft_core::Builder`].
///
/// ```
/// use weft::{Builder, Thread};
///
/// let t: Thread = Builder::new().name("worker").daemon(true).build(|| {
///     assert_eq!(weft::current_thread().name(), "worker");
/// });
/// assert!(t.daemon());
/// t.start().unwrap();
/// t.join().unwrap();
/// ```
pub type Builder = weft_core::Builder<Auto>;
/// A thread that calls a function after a delay, unless cancelled first (Python's
/// `threading.Timer`). See [`weft_core::Timer`].
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use weft::{Event, Timer};
///
/// let fired = Arc::new(Event::new());
/// let f = fired.clone();
/// let timer = Timer::new(Duration::from_millis(1), move || f.set());
/// timer.start().unwrap();
/// timer.join().unwrap();
/// assert!(fired.is_set());
///
/// let cancelled = Timer::new(Duration::from_secs(60), || unreachable!());
/// cancelled.start().unwrap();
/// cancelled.cancel(); // the function never runs, and the thread ends at once
/// cancelled.join().unwrap();
/// ```
pub type Timer = weft_core::Timer<Auto>;
/// A primitive, non-reentrant lock (Python's `threading.Lock`): any thread may release it.
/// See [`weft_core::Lock`].
///
/// ```
/// use weft::{ExceptionKind, Lock};
///
/// let lock = Lock::new();
/// {
///     let _held = lock.lock(); // Python's `with lock:`
///     assert!(lock.locked());
///     assert!(!lock.try_acquire()); // not reentrant
/// }
/// assert!(!lock.locked());
/// // Python's `RuntimeError: release unlocked lock`.
/// assert_eq!(lock.release().unwrap_err().kind(), ExceptionKind::RuntimeError);
/// ```
pub type Lock = weft_core::Lock<Auto>;
/// A reentrant lock (Python's `threading.RLock`): its owner may acquire it again, and only the
/// owner may release it. See [`weft_core::RLock`].
///
/// ```
/// use std::sync::Arc;
/// use weft::{ExceptionKind, RLock, Thread};
///
/// let lock = Arc::new(RLock::new());
/// let _outer = lock.lock();
/// let _inner = lock.lock(); // the owner again: no deadlock
/// assert_eq!(lock.recursion_count(), 2);
/// let other = lock.clone();
/// // Another thread: Python's `RuntimeError: cannot release un-acquired lock`.
/// let t = Thread::new(move || {
///     assert_eq!(other.release().unwrap_err().kind(), ExceptionKind::RuntimeError);
/// });
/// t.start().unwrap();
/// t.join().unwrap();
/// ```
pub type RLock = weft_core::RLock<Auto>;
/// A condition variable (Python's `threading.Condition`) on an [`RLock`] by default, or on any
/// [`ConditionLock`] ([`Condition::with_lock`]). See [`weft_core::Condition`].
///
/// Checked in simulation, where every interleaving of the two threads is explored:
///
/// ```
/// use std::sync::Arc;
/// use weft::{AtomicBool, Condition, Thread};
/// use std::sync::atomic::Ordering::SeqCst;
///
/// weft::sim::check(|| {
///     let (cond, ready) = (Arc::new(Condition::new()), Arc::new(AtomicBool::new(false)));
///     let (c, r) = (cond.clone(), ready.clone());
///     let producer = Thread::new(move || {
///         let _held = c.lock();
///         r.store(true, SeqCst);
///         c.notify_all().unwrap();
///     });
///     producer.start().unwrap();
///     let held = cond.lock();
///     cond.wait_for(|| ready.load(SeqCst)).unwrap(); // no lost wake-up
///     drop(held);
///     producer.join().unwrap();
/// });
/// ```
pub type Condition<L = RLock> = weft_core::Condition<Auto, L>;
/// A lock a [`Condition`] can be built on.
pub use weft_core::ConditionLock;
/// A counting semaphore (Python's `threading.Semaphore`). See [`weft_core::Semaphore`].
///
/// ```
/// use weft::{ExceptionKind, Semaphore};
///
/// let slots = Semaphore::new(2);
/// let _a = slots.guard(); // Python's `with slots:`
/// assert!(slots.try_acquire());
/// assert!(!slots.try_acquire()); // both slots taken
/// slots.release().unwrap();
/// assert_eq!(slots.value(), 1);
/// // Python's `ValueError: n must be one or more`.
/// assert_eq!(slots.release_n(0).unwrap_err().kind(), ExceptionKind::ValueError);
/// ```
pub type Semaphore = weft_core::Semaphore<Auto>;
/// A semaphore that cannot be released above its initial value (Python's
/// `threading.BoundedSemaphore`). See [`weft_core::BoundedSemaphore`].
///
/// ```
/// use weft::{BoundedSemaphore, ExceptionKind};
///
/// let pool = BoundedSemaphore::new(1);
/// assert!(pool.acquire());
/// pool.release().unwrap();
/// // One release too many: Python's `ValueError: Semaphore released too many times`.
/// let error = pool.release().unwrap_err();
/// assert_eq!(error.kind(), ExceptionKind::ValueError);
/// assert_eq!(error.to_string(), "Semaphore released too many times");
/// ```
pub type BoundedSemaphore = weft_core::BoundedSemaphore<Auto>;
/// A flag threads wait for (Python's `threading.Event`). See [`weft_core::Event`].
///
/// ```
/// use std::sync::Arc;
/// use weft::{Event, Thread};
///
/// let done = Arc::new(Event::new());
/// let d = done.clone();
/// let worker = Thread::new(move || d.set());
/// worker.start().unwrap();
/// assert!(done.wait()); // returns once the worker set the flag
/// worker.join().unwrap();
/// done.clear();
/// assert!(!done.is_set());
/// ```
pub type Event = weft_core::Event<Auto>;
/// A barrier for a fixed number of threads (Python's `threading.Barrier`). See
/// [`weft_core::Barrier`].
///
/// ```
/// use std::sync::Arc;
/// use weft::{Barrier, ExceptionKind, Thread};
///
/// let barrier = Arc::new(Barrier::new(2).unwrap());
/// let b = barrier.clone();
/// let t = Thread::new(move || {
///     b.wait().unwrap();
/// });
/// t.start().unwrap();
/// let index = barrier.wait().unwrap(); // 0 or 1: a different one for each party
/// assert!(index < 2);
/// t.join().unwrap();
/// barrier.abort();
/// assert_eq!(barrier.wait().unwrap_err().kind(), ExceptionKind::BrokenBarrierError);
/// ```
pub type Barrier = weft_core::Barrier<Auto>;
/// An atomic `usize` whose accesses the simulator sees (one step each), with std's API. See
/// [`weft_core::AtomicUsize`].
///
/// ```
/// use std::sync::atomic::Ordering::SeqCst;
/// use std::sync::Arc;
/// use weft::{AtomicUsize, Thread};
///
/// let hits = Arc::new(AtomicUsize::new(0));
/// let threads: Vec<Thread> = (0..3)
///     .map(|_| {
///         let hits = hits.clone();
///         Thread::new(move || {
///             hits.fetch_add(1, SeqCst);
///         })
///     })
///     .collect();
/// threads.iter().for_each(|t| t.start().unwrap());
/// threads.iter().for_each(|t| t.join().unwrap());
/// assert_eq!(hits.load(SeqCst), 3);
/// ```
pub type AtomicUsize = weft_core::AtomicUsize<Auto>;
/// An atomic `bool` whose accesses the simulator sees (one step each), with std's API. See
/// [`weft_core::AtomicBool`].
///
/// ```
/// use std::sync::atomic::Ordering::SeqCst;
/// use weft::AtomicBool;
///
/// let stop = AtomicBool::new(false);
/// assert!(!stop.swap(true, SeqCst));
/// assert!(stop.load(SeqCst));
/// stop.store(false, SeqCst);
/// assert!(!stop.load(SeqCst));
/// ```
pub type AtomicBool = weft_core::AtomicBool<Auto>;
/// A value per thread (Python's `threading.local`): each thread sees its own, made by the
/// initialiser on its first access. See [`weft_core::Local`]; for statics, [`thread_local!`].
///
/// ```
/// use std::sync::Arc;
/// use weft::{Local, Thread};
///
/// let name = Arc::new(Local::new(|| String::from("unset")));
/// name.set("main".to_owned());
/// let n = name.clone();
/// let t = Thread::new(move || assert_eq!(n.get(), "unset")); // a value of its own
/// t.start().unwrap();
/// t.join().unwrap();
/// assert_eq!(name.get(), "main");
/// ```
pub type Local<T> = weft_core::Local<Auto, T>;
/// What the excepthook is told about a panic that escaped a thread (Python's
/// `threading.ExceptHookArgs`): the thread and the panic message. See
/// [`weft_core::ExceptHookArgs`].
///
/// ```
/// use weft::{ExceptHookArgs, Thread};
///
/// let thread = Thread::new(|| ());
/// let args = ExceptHookArgs { thread: Some(thread), message: "boom".to_owned() };
/// assert_eq!(args.message, "boom");
/// weft::excepthook(&args); // prints `Exception in thread Thread-N:` and `boom`
/// ```
pub type ExceptHookArgs = weft_core::ExceptHookArgs<Auto>;
/// A handler for panics that escape a thread's target (Python's `threading.excepthook`), for
/// [`set_excepthook`].
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use weft::{ExceptHook, Thread};
///
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = seen.clone();
/// let hook: ExceptHook = Arc::new(move |args| s.lock().unwrap().push(args.message.clone()));
/// weft::set_excepthook(Some(hook));
/// let t = Thread::new(|| panic!("boom"));
/// t.start().unwrap();
/// t.join().unwrap(); // the hook ran before the thread ended
/// weft::set_excepthook(None);
/// assert_eq!(*seen.lock().unwrap(), ["boom"]);
/// ```
pub type ExceptHook = weft_core::ExceptHook<Auto>;
/// A hook called by each new thread, with that thread, before its target (Python's
/// `threading.settrace` and `threading.setprofile`; see [`settrace`]).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use weft::{Thread, ThreadHook};
///
/// let started = Arc::new(Mutex::new(Vec::new()));
/// let s = started.clone();
/// let hook: ThreadHook = Arc::new(move |thread| s.lock().unwrap().push(thread.name()));
/// weft::settrace(Some(hook));
/// let t = Thread::builder().name("traced").build(|| ());
/// t.start().unwrap();
/// t.join().unwrap();
/// weft::settrace(None);
/// assert_eq!(*started.lock().unwrap(), ["traced"]);
/// ```
pub type ThreadHook = weft_core::ThreadHook<Auto>;

/// The number of alive threads, `enumerate().len()`.
pub fn active_count() -> usize {
    weft_core::active_count::<Auto>()
}

/// The alive threads: started and not finished, dummy threads, and the main thread.
pub fn enumerate() -> Vec<Thread> {
    weft_core::enumerate::<Auto>()
}

/// The calling thread's [`Thread`] (a dummy thread for threads weft did not start).
pub fn current_thread() -> Thread {
    weft_core::current_thread::<Auto>()
}

/// The main thread, named `MainThread`.
pub fn main_thread() -> Thread {
    weft_core::main_thread::<Auto>()
}

/// A non-zero number identifying the calling thread among live threads.
pub fn get_ident() -> usize {
    weft_core::get_ident::<Auto>()
}

/// The OS thread id of the calling thread.
pub fn get_native_id() -> u64 {
    weft_core::get_native_id::<Auto>()
}

/// Sets the stack size of threads started afterwards (0 = default); returns the previous one.
///
/// Simulated threads honour it too; their default is std's (2 MiB, or `RUST_MIN_STACK`), and
/// `weft_sim::Explorer::stack_size` sets the model's main thread. A simulated thread that
/// overflows its stack ends the process with a message naming it.
///
/// # Errors
/// [`Error::StackSizeNotValid`] (`ValueError`) if `0 < size < 32768`.
pub fn stack_size(size: usize) -> Result<usize, Error> {
    weft_core::stack_size::<Auto>(size)
}

/// Installs the hook each thread started afterwards calls before its target (`None` removes it).
pub fn settrace(hook: Option<ThreadHook>) {
    weft_core::settrace::<Auto>(hook)
}

/// The hook installed by [`settrace`].
pub fn gettrace() -> Option<ThreadHook> {
    weft_core::gettrace::<Auto>()
}

/// Installs the profile hook (called like the trace hook).
pub fn setprofile(hook: Option<ThreadHook>) {
    weft_core::setprofile::<Auto>(hook)
}

/// The hook installed by [`setprofile`].
pub fn getprofile() -> Option<ThreadHook> {
    weft_core::getprofile::<Auto>()
}

/// The default excepthook: prints `Exception in thread NAME:` and the panic message to stderr.
pub fn excepthook(args: &ExceptHookArgs) {
    weft_core::excepthook::<Auto>(args)
}

/// Replaces the handler of panics escaping a thread's target (`None` restores [`excepthook`]);
/// returns the previous custom handler.
pub fn set_excepthook(hook: Option<ExceptHook>) -> Option<ExceptHook> {
    weft_core::set_excepthook::<Auto>(hook)
}

/// Ends the calling weft thread silently (Python's `sys.exit()` in a thread).
pub fn exit_thread() -> ! {
    weft_core::exit_thread()
}

/// Suspends the calling thread (Python's `time.sleep`). `sleep(Duration::ZERO)` is a yield, as
/// `time.sleep(0)` is: see [`yield_now`].
pub fn sleep(duration: Duration) {
    weft_core::sleep::<Auto>(duration)
}

/// Lets other threads run before the caller goes on (`std::thread::yield_now`). Inside a
/// simulation it is a fairness hint that every strategy follows: the caller is not scheduled
/// again while another thread can run, so a polling loop lets the thread it waits for progress.
///
/// ```
/// use std::sync::Arc;
/// use weft::{AtomicBool, Thread};
///
/// weft::sim::check(|| {
///     let flag = Arc::new(AtomicBool::new(false));
///     let f = flag.clone();
///     let setter = Thread::new(move || f.store(true, std::sync::atomic::Ordering::SeqCst));
///     setter.start().unwrap();
///     while !flag.load(std::sync::atomic::Ordering::SeqCst) {
///         weft::yield_now();
///     }
///     setter.join().unwrap();
/// });
/// ```
pub fn yield_now() {
    weft_core::yield_now::<Auto>()
}

/// Time since the run began (Python's `time.monotonic()`).
pub fn monotonic() -> Duration {
    weft_core::monotonic::<Auto>()
}

/// The current instant of the backend's clock.
pub fn now() -> Instant {
    <Auto as Scheduler>::now()
}

/// Waits until every non-daemon thread has ended, as Python does before the program exits.
pub fn wait_for_non_daemon_threads() {
    weft_core::wait_for_non_daemon_threads::<Auto>()
}

/// The README's examples, compiled and run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
