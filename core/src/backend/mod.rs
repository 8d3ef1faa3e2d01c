//! The abstract scheduler: the services every primitive is written against.
//!
//! A primitive in this crate never touches the operating system. It reaches threads, parking,
//! atomics, time and per-run state only through a type `S: Scheduler`. The real backend passes
//! each service straight through to std and `parking_lot_core`; a simulator implements the same
//! services deterministically and so checks the primitives' own algorithms.

use std::time::{Duration, Instant};

pub(crate) mod atomic;
pub(crate) mod name;
pub(crate) mod observe;
pub(crate) mod storage;

use atomic::{Atomic, AtomicPrimitive};
use name::ThreadName;
use observe::Observe;
use storage::{LocalStores, RunStorage, ThreadStorage};

/// What a [`Scheduler::park`] call ended with.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ParkResult {
    /// Another thread unparked this one and passed it this token.
    Unparked(usize),
    /// The `validate` callback returned false: the thread did not sleep.
    Invalid,
    /// The deadline passed before anyone unparked the thread.
    TimedOut,
}

impl ParkResult {
    /// Whether another thread unparked this one.
    #[inline]
    pub fn is_unparked(self) -> bool {
        matches!(self, ParkResult::Unparked(_))
    }
}

/// What an unpark call did.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct UnparkResult {
    /// How many threads were unparked.
    pub unparked_threads: usize,
    /// How many threads were moved to another queue.
    pub requeued_threads: usize,
    /// Whether threads remain parked on the original key.
    pub have_more_threads: bool,
}

/// What [`Scheduler::unpark_requeue`] should do, as its `validate` callback decides.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RequeueOp {
    /// Do nothing.
    Abort,
    /// Unpark the first thread and move the rest to the target queue.
    UnparkOneRequeueRest,
    /// Move every thread to the target queue.
    RequeueAll,
    /// Unpark the first thread and leave the rest where they are.
    UnparkOne,
    /// Move the first thread to the target queue and leave the rest.
    RequeueOne,
    /// As [`RequeueOp::UnparkOneRequeueRest`], but which thread is unparked is the
    /// scheduler's choice (a primitive whose spec leaves the order open, as std's `Condvar`;
    /// a simulator explores every choice, the real backend takes the first).
    UnparkAnyRequeueRest,
    /// As [`RequeueOp::UnparkOne`], with the thread the scheduler's choice (see
    /// [`RequeueOp::UnparkAnyRequeueRest`]).
    UnparkAny,
    /// As [`RequeueOp::RequeueOne`], with the thread the scheduler's choice (see
    /// [`RequeueOp::UnparkAnyRequeueRest`]).
    RequeueAny,
}

/// What [`Scheduler::unpark_filter`] should do with one parked thread.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FilterOp {
    /// Unpark it and look at the next one.
    Unpark,
    /// Leave it and look at the next one.
    Skip,
    /// Leave it and stop.
    Stop,
}

/// How to start a thread.
#[derive(Clone, Debug, Default)]
pub struct SpawnOptions {
    /// The name the backend gives the thread (the OS name on real threads).
    pub name: Option<ThreadName>,
    /// Whether the program (or a simulated execution) may end while this thread still runs.
    pub daemon: bool,
    /// Stack size in bytes; 0 is the platform default.
    pub stack_size: usize,
}

/// The backend refused to start a thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpawnError(pub String);

/// The services every primitive of weft is written against.
///
/// All methods are associated functions (no `self`): a scheduler is a type, and the state it
/// needs is process-wide (real threads) or belongs to the running execution (a simulator).
///
/// # Parking
/// Parking follows `parking_lot_core`: a thread parks on a *key* (the address of the object it
/// waits on) if `validate` still holds, checked atomically with the enqueue; queues are FIFO.
///
/// # Safety
/// The primitives' `unsafe` code (their internal mutex, `Local`'s cached values, statically
/// declared locals) relies on what follows. An implementation must ensure:
/// - **Threads.** A thread of the scheduler runs on one OS thread at a time. Threads that
///   share an OS thread (a simulator's) never run at the same time: one runs until it enters
///   one of the scheduler's own methods (a scheduling point), where another may take over.
/// - **Atomics.** [`Scheduler::Atomic`] meets the contract of [`Atomic`].
/// - **Thread state.** [`Scheduler::with_thread_state`] gives the calling thread its own
///   state: one per thread, the same one for the thread's whole life, reached by no other
///   thread, and dropped only after the thread's last use of it (during its teardown, once
///   the state is being dropped, a fresh stand-in that lives for the one call).
///   [`Scheduler::with_locals`] gives that state's view (or none) and the calling thread's own
///   store of static locals, under the same rules.
/// - **OS threads.** [`Scheduler::with_locals`] gives [`LocalStores::Own`] only to a thread that
///   is, for its whole life, the only thread of any scheduler on its OS thread (Rust's
///   `thread_local!` values are then its own), and never changes its answer during a thread's
///   life.
/// - **Run state.** [`Scheduler::with_run_state`] gives every thread of one run (the process,
///   or one simulated execution) the same state, alive while any of them can use it.
/// - **Idents.** [`Scheduler::current_ident`] is non-zero and distinct among live threads.
/// - **Parking** (the contract of `parking_lot_core`). A parked thread returns only because
///   `validate` returned false, because an unpark of its key chose it (with the token the
///   unparker's callback returned), or because its deadline passed (after `timed_out` ran):
///   never spuriously. Checking `validate` and queueing the thread happen as one step with
///   respect to every park and unpark of the same key, and so do the unpark functions'
///   callbacks with respect to their queues.
///
/// Callers of the `unsafe` queue functions ([`Scheduler::park`], the unpark functions) must
/// ensure:
/// - The callbacks that run while the queue is locked (`park`'s `validate` and `timed_out`,
///   the unpark functions' `filter`, `validate` and `callback`) do not park, unpark or requeue
///   (any of the five queue functions: on real threads that deadlocks on the queue's lock),
///   and do not panic (that would leave the queue locked). Other services of the scheduler
///   (atomics, [`crate::Observe::touch`], [`crate::Observe::operation`]) are allowed: a simulator makes
///   no scheduling point there.
/// - `before_sleep` runs outside the queue lock: it may unpark, but must not park or panic.
/// - Keys are addresses the caller owns, so that unrelated objects never share a queue.
///
/// Most code names a scheduler only as a type parameter, to be written once for every backend:
///
/// ```
/// use std::sync::Arc;
/// use weft_core::{Lock, Scheduler, Thread};
///
/// fn handoff<S: Scheduler>() -> bool {
///     let lock = Arc::new(Lock::<S>::new());
///     let l = lock.clone();
///     let t = Thread::<S>::new(move || drop(l.lock()));
///     t.start().unwrap();
///     t.join().unwrap();
///     !lock.locked()
/// }
/// assert!(handoff::<weft_real::Real>()); // or `weft_sim::Sim` inside a simulation
/// ```
pub unsafe trait Scheduler: Observe + Sized + Send + Sync + 'static {
    /// The atomic cell for values of type `T` (`S::Atomic<usize>`, `S::Atomic<u8>`): on real
    /// threads the std atomic itself, under a simulator one whose accesses it can schedule
    /// around.
    type Atomic<T: AtomicPrimitive>: Atomic<T>;

    // ---- threads ----

    /// Starts a thread that runs `main`.
    ///
    /// # Errors
    /// [`SpawnError`] if the backend cannot start a thread (out of memory, a stack size the
    /// platform rejects, a thread limit).
    fn spawn(options: SpawnOptions, main: Box<dyn FnOnce() + Send + 'static>) -> Result<(), SpawnError>;

    /// A non-zero number that identifies the calling thread among the live threads of this
    /// backend (Python's `get_ident()`).
    fn current_ident() -> usize;

    /// The identifier the OS (or the simulator, deterministically) gives the calling thread.
    fn native_id() -> u64;

    // ---- parking ----

    /// Parks the calling thread on `key` if `validate` returns true, until unparked or until
    /// `deadline`.
    ///
    /// `timed_out(key, was_last)` runs under the queue lock if the deadline passed, with the key
    /// the thread was parked on then (it may have been requeued) and whether it was the last
    /// thread on that key. `token` is a value an unpark filter may inspect.
    ///
    /// # Safety
    /// See the trait's safety section.
    unsafe fn park(
        key: usize,
        validate: impl FnOnce() -> bool,
        before_sleep: impl FnOnce(),
        timed_out: impl FnOnce(usize, bool),
        token: usize,
        deadline: Option<Instant>,
    ) -> ParkResult;

    /// Unparks the oldest thread parked on `key`. `callback` runs under the queue lock with the
    /// result and returns the token handed to the woken thread.
    ///
    /// # Safety
    /// See the trait's safety section.
    unsafe fn unpark_one(key: usize, callback: impl FnOnce(UnparkResult) -> usize) -> UnparkResult;

    /// Walks the threads parked on `key`, oldest first, unparking those `filter` selects.
    /// `callback` runs under the queue lock before they wake and returns their token.
    ///
    /// # Safety
    /// See the trait's safety section.
    unsafe fn unpark_filter(
        key: usize,
        filter: impl FnMut(usize) -> FilterOp,
        callback: impl FnOnce(UnparkResult) -> usize,
    ) -> UnparkResult;

    /// Moves threads from the queue of `from` to the queue of `to` (and possibly unparks one), as
    /// `validate` decides, under both queue locks. A thread whose park declared that it reads
    /// only its wake-up ([`crate::Observe::next_park_reads_only_its_wake`]) may be woken
    /// instead of moved (with the token `callback` returns; the simulator does so when it moves
    /// 2 to 8 threads at once); the result counts it as moved.
    ///
    /// # Safety
    /// See the trait's safety section.
    unsafe fn unpark_requeue(
        from: usize,
        to: usize,
        validate: impl FnOnce() -> RequeueOp,
        callback: impl FnOnce(RequeueOp, UnparkResult) -> usize,
    ) -> UnparkResult;

    // ---- time ----

    /// The current instant of this backend's monotonic clock (virtual under a simulator).
    fn now() -> Instant;

    /// Suspends the calling thread for `duration`. A zero duration lets other threads run, as
    /// Python's `time.sleep(0)` does (`std::thread::yield_now` on real threads); a simulator
    /// takes it as a fairness hint (see [`crate::yield_now`]).
    fn sleep(duration: Duration);

    // ---- per-run and per-thread storage ----

    /// weft-core's state of a run: always `weft_core::RunState<Self>`, the one type that is
    /// [`RunStorage<Self>`]. (Named through an associated type so that this trait comes before
    /// the types it stores.)
    type RunState: RunStorage<Self>;

    /// weft-core's state of a thread: always `weft_core::ThreadState<Self>`, the one type that
    /// is [`ThreadStorage<Self>`].
    type ThreadState: ThreadStorage<Self>;

    /// Runs `f` with the state of the current run: process-wide on real threads, one execution's
    /// under a simulator.
    fn with_run_state<R>(f: impl FnOnce(&Self::RunState) -> R) -> R;

    /// Runs `f` with the calling thread's own state. The backend creates it on the thread's first
    /// call and drops it when the thread ends.
    fn with_thread_state<R>(f: impl FnOnce(&Self::ThreadState) -> R) -> R;

    /// Runs `f` with where the calling thread's thread-local values live (see [`LocalStores`]):
    /// [`LocalStores::Own`] on real threads, to get std's speed and std's behaviour during the
    /// thread's teardown for statically declared locals, with the view its state publishes to if
    /// the backend keeps one (the default state has none, and a backend gives none whenever it
    /// is [observing](crate::Observe::observing), since a `Local` access found in the view is
    /// not announced); [`LocalStores::Shared`] for a simulated thread (the threads of a
    /// simulation share the OS thread that runs it). Which of the two a thread gets must not
    /// change during its life.
    ///
    /// The default is a store kept in the thread's [state](Scheduler::with_thread_state). A
    /// backend whose threads more than one scheduler reaches (the simulator's, which the façade
    /// delegates to) keeps the store where all of those find it, so that a thread has one value
    /// of a key whichever scheduler the code that reaches it names.
    #[inline(always)]
    fn with_locals<R>(f: impl FnOnce(LocalStores<'_>) -> R) -> R {
        Self::with_thread_state(|state| f(LocalStores::Shared(state.static_locals())))
    }
}
