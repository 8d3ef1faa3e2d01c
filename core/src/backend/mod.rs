//! The abstract scheduler: the services every primitive is written against.
//!
//! A primitive in this crate never touches the operating system. It reaches threads, parking,
//! atomics, time and per-run state only through a type `S: Scheduler`. The real backend passes
//! each service straight through to std and `parking_lot_core`; a simulator implements the same
//! services deterministically and so checks the primitives' own algorithms.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

pub(crate) mod name;
pub(crate) mod observe;

use crate::thread::state::{LocalView, RunState, StaticLocals, ThreadState};
use name::ThreadName;
use observe::Observe;

/// An integer atomic cell provided by a [`Scheduler`].
///
/// On the real backend this is the std atomic of the same width; under a simulator every access
/// is an event the simulator can schedule around. The methods mirror `std::sync::atomic`.
///
/// # Safety
/// The primitives' `unsafe` code relies on these cells for mutual exclusion (the internal
/// mutex that guards the thread registry and the hooks gives out `&mut` to its data on the
/// strength of a `compare_exchange`). An implementation must behave as the std atomic of the
/// same width:
/// - every method is one indivisible access to one value, whichever threads (or simulated
///   threads) use the cell at the same time: no update is lost, no read sees a value that was
///   never stored;
/// - each access gives at least the memory ordering it is asked for (a simulator that runs one
///   thread at a time on one OS thread gives sequential consistency, which is stronger);
/// - `compare_exchange` stores `new` if and only if the value was `current`, and says which
///   happened (`compare_exchange_weak` may also fail spuriously, and only fail);
/// - the cell is safe to share and send between the scheduler's threads (`Send + Sync`).
///
/// ```
/// use std::sync::atomic::{AtomicU8, Ordering::SeqCst};
/// use weft_core::Atomic;
///
/// // A cell that counts its stores, and is otherwise std's.
/// struct Counted(AtomicU8, std::sync::atomic::AtomicUsize);
///
/// // SAFETY: every method is the std method of `AtomicU8`, on one std atomic.
/// unsafe impl Atomic<u8> for Counted {
///     fn new(value: u8) -> Self { Counted(AtomicU8::new(value), Default::default()) }
///     fn load(&self, o: std::sync::atomic::Ordering) -> u8 { self.0.load(o) }
///     fn store(&self, v: u8, o: std::sync::atomic::Ordering) { self.1.fetch_add(1, SeqCst); self.0.store(v, o) }
///     fn swap(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.swap(v, o) }
///     fn compare_exchange(&self, c: u8, n: u8, s: std::sync::atomic::Ordering, f: std::sync::atomic::Ordering) -> Result<u8, u8> {
///         self.0.compare_exchange(c, n, s, f)
///     }
///     fn compare_exchange_weak(&self, c: u8, n: u8, s: std::sync::atomic::Ordering, f: std::sync::atomic::Ordering) -> Result<u8, u8> {
///         self.0.compare_exchange_weak(c, n, s, f)
///     }
///     fn fetch_add(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.fetch_add(v, o) }
///     fn fetch_sub(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.fetch_sub(v, o) }
///     fn fetch_or(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.fetch_or(v, o) }
///     fn fetch_and(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.fetch_and(v, o) }
/// }
///
/// let cell = Counted::new(1);
/// cell.store(2, SeqCst);
/// assert_eq!(cell.load(SeqCst), 2);
/// ```
pub unsafe trait Atomic<T: Copy>: Send + Sync + Sized {
    /// Creates a cell holding `value`.
    fn new(value: T) -> Self;
    /// Loads the value.
    fn load(&self, order: Ordering) -> T;
    /// Stores `value`.
    fn store(&self, value: T, order: Ordering);
    /// Stores `value`, returning the previous value.
    fn swap(&self, value: T, order: Ordering) -> T;
    /// Stores `new` if the value is `current`; returns the previous value as `Ok` on success and
    /// `Err` on failure.
    ///
    /// # Errors
    /// `Err(actual)` when the value was not `current`.
    fn compare_exchange(&self, current: T, new: T, success: Ordering, failure: Ordering) -> Result<T, T>;
    /// Like [`Atomic::compare_exchange`], but may fail spuriously.
    ///
    /// # Errors
    /// `Err(actual)` when the value was not `current`, or spuriously.
    fn compare_exchange_weak(&self, current: T, new: T, success: Ordering, failure: Ordering) -> Result<T, T>;
    /// Adds `value` (wrapping), returning the previous value.
    fn fetch_add(&self, value: T, order: Ordering) -> T;
    /// Subtracts `value` (wrapping), returning the previous value.
    fn fetch_sub(&self, value: T, order: Ordering) -> T;
    /// Bitwise or with `value`, returning the previous value.
    fn fetch_or(&self, value: T, order: Ordering) -> T;
    /// Bitwise and with `value`, returning the previous value.
    fn fetch_and(&self, value: T, order: Ordering) -> T;

    /// Called on the cell that names an object of kind `kind` (its key) as an operation on the
    /// object starts (by [`crate::Observe::operation_on`] and its kin). A scheduler whose objects
    /// belong to one run (a simulator's execution) checks here that the calling thread may use
    /// the object, and panics otherwise, saying where the object was made and what to do. The
    /// default does nothing (std atomics, real threads).
    ///
    /// # Panics
    /// If the object was made in another run than the caller's (for example in an earlier
    /// execution of a simulation, or outside any), as the scheduler decides.
    #[inline(always)]
    fn check_use(&self, kind: &'static str) {
        let _ = kind;
    }
}

// The std atomics are the cells of the real backend: each method is the std method itself.
macro_rules! std_atomic {
    ($atomic:ty, $int:ty) => {
        // SAFETY: each method is the std atomic's own method of the same name, on `self`, with
        // the ordering given: the contract is std's.
        unsafe impl Atomic<$int> for $atomic {
            #[inline(always)]
            fn new(value: $int) -> Self {
                <$atomic>::new(value)
            }
            #[inline(always)]
            fn load(&self, order: Ordering) -> $int {
                <$atomic>::load(self, order)
            }
            #[inline(always)]
            fn store(&self, value: $int, order: Ordering) {
                <$atomic>::store(self, value, order)
            }
            #[inline(always)]
            fn swap(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::swap(self, value, order)
            }
            #[inline(always)]
            fn compare_exchange(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                <$atomic>::compare_exchange(self, current, new, success, failure)
            }
            #[inline(always)]
            fn compare_exchange_weak(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                <$atomic>::compare_exchange_weak(self, current, new, success, failure)
            }
            #[inline(always)]
            fn fetch_add(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_add(self, value, order)
            }
            #[inline(always)]
            fn fetch_sub(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_sub(self, value, order)
            }
            #[inline(always)]
            fn fetch_or(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_or(self, value, order)
            }
            #[inline(always)]
            fn fetch_and(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_and(self, value, order)
            }
        }
    };
}

std_atomic!(AtomicU8, u8);
std_atomic!(AtomicUsize, usize);

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
/// - **Atomics.** [`Scheduler::AtomicU8`] and [`Scheduler::AtomicUsize`] meet the contract
///   of [`Atomic`].
/// - **Thread state.** [`Scheduler::with_thread_state`] gives the calling thread its own
///   state: one per thread, the same one for the thread's whole life, reached by no other
///   thread, and dropped only after the thread's last use of it (during its teardown, once
///   the state is being dropped, a fresh stand-in that lives for the one call). [`Scheduler::with_local_view`]
///   gives that state's view or `None`; [`Scheduler::with_static_locals`] the calling
///   thread's own store, under the same rules.
/// - **OS threads.** [`Scheduler::with_static_locals`] gives `None` only to a thread that is,
///   for its whole life, the only thread of any scheduler on its OS thread (Rust's
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
    /// An atomic byte.
    type AtomicU8: Atomic<u8>;
    /// An atomic machine word.
    type AtomicUsize: Atomic<usize>;

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
    /// `validate` decides, under both queue locks.
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

    // ---- per-run state ----

    /// Runs `f` with the state of the current run: process-wide on real threads, one execution's
    /// under a simulator.
    fn with_run_state<R>(f: impl FnOnce(&RunState<Self>) -> R) -> R;

    /// Runs `f` with the calling thread's own state. The backend creates it on the thread's first
    /// call and drops it when the thread ends.
    fn with_thread_state<R>(f: impl FnOnce(&ThreadState<Self>) -> R) -> R;

    /// Runs `f` with the calling thread's store of statically declared locals
    /// ([`crate::LocalKey`]), or with `None` if the thread has its OS thread to itself, so that
    /// Rust's `thread_local!` values are its own (their store then): `None` on real threads, to
    /// get std's speed and std's behaviour during the thread's teardown; a store for a simulated
    /// thread (the threads of a simulation share the OS thread that runs it). Which of the two a
    /// thread gets must not change during its life.
    ///
    /// The default is a store kept in the thread's [state](Scheduler::with_thread_state). A
    /// backend whose threads more than one scheduler reaches (the simulator's, which the façade
    /// delegates to) keeps it where all of those find it, so that a thread has one value of a
    /// key whichever scheduler the code that reaches it names; and drops the values, with
    /// [`StaticLocals::drop_all`], when the thread ends while it can still use its locals.
    #[inline(always)]
    fn with_static_locals<R>(f: impl FnOnce(Option<&StaticLocals>) -> R) -> R {
        Self::with_thread_state(|state| f(Some(state.static_locals())))
    }

    /// Runs `f` with the [`LocalView`] the calling thread's state (that of
    /// [`Scheduler::with_thread_state`]) publishes its `Local` cache to, or with `None`: when
    /// the backend keeps no view, and whenever it is [observing](crate::Observe::observing) (a
    /// `Local` access found in the view is not announced). The default is `None`.
    #[inline(always)]
    fn with_local_view<R>(f: impl FnOnce(Option<&LocalView>) -> R) -> R {
        f(None)
    }
}
