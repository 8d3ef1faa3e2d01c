//! One execution: simulated threads on coroutines, one running at a time, on the OS thread that
//! runs the exploration; parking queues; the virtual clock; failure detection.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use weft_core::{
    Abandoned, ParkResult, RunState, Scheduler, SpawnError, SpawnOptions, StaticLocals, ThreadName, ThreadState,
    UnparkResult,
};

use crate::report::{BlockedThread, Failure, FailureKind, TraceEvent};
use crate::schedule::{fnv1a, Choice, Schedule, FNV_OFFSET};
use crate::stack::{self, StackPool};
use crate::strategy::{Footprint, Point, StepInfo, Strategy};
use crate::Sim;

type Co = Coroutine<(), (), (), DefaultStack>;

/// A simulated thread's coroutine. Dropped unfinished (a panic of the simulator itself unwinds
/// the execution), it is leaked with its stack, never unwound: unwinding would run the thread's
/// code outside its execution, and its stack may hold frames that something still points into.
struct Fiber(ManuallyDrop<Co>);

impl Drop for Fiber {
    fn drop(&mut self) {
        if self.0.done() {
            // SAFETY: dropped once, here; a finished coroutine's drop only unmaps its stack.
            unsafe { ManuallyDrop::drop(&mut self.0) };
        }
    }
}

impl Fiber {
    /// The stack of the finished coroutine, for reuse.
    fn into_stack(mut self) -> DefaultStack {
        // SAFETY: taken once; `self` is forgotten at once so that it is not dropped again.
        let coroutine = unsafe { ManuallyDrop::take(&mut self.0) };
        std::mem::forget(self);
        coroutine.into_stack()
    }
}

/// How many times an abandoned thread may swallow the unwind that ends it (a `catch_unwind`
/// that goes on to wait again) before it is given up.
const ABANDON_RAISES: u32 = 8;

/// How many scheduling points an abandoned thread may pass while it is unwound (destructors,
/// its end) before it is taken for a runaway loop and given up.
const ABANDON_STEPS: u32 = 100_000;

/// Stacks whose abandoned threads could not be unwound, leaked (see `run_execution`).
pub(crate) static RETIRED_STACKS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

thread_local! {
    /// [`RETIRED_STACKS`] of the explorations run on this OS thread.
    pub(crate) static RETIRED_HERE: Cell<usize> = const { Cell::new(0) };
}

/// The fixed origin of virtual time, so that `Instant`s of all executions are comparable.
pub(crate) fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Runnable,
    Blocked { key: usize, deadline: Option<Duration> },
    Finished,
}

struct SimThread {
    name: ThreadName,
    daemon: bool,
    status: Status,
    /// How its last park ended, set by whoever woke it.
    wake: Option<ParkResult>,
    /// For a timed-out park: the key it was parked on then, and whether it was the last there.
    timed_out: Option<(usize, bool)>,
    /// Its park token, for `unpark_filter`.
    token: usize,
    state: Option<Box<ThreadState<Sim>>>,
    /// Values other schedulers keep per thread (see [`Execution::with_thread_local`]).
    locals: Vec<(TypeId, Box<dyn Any>)>,
    /// The thread's states of other schedulers among `locals` (see
    /// [`Execution::with_thread_state_of`]), with how to set what they say it waits on.
    other_states: Vec<OtherState>,
    yielder: Cell<*const Yielder<(), ()>>,
    coroutine: Option<Fiber>,
    /// The size its stack was made for (the pool keeps stacks by size).
    stack_size: usize,
    /// The lowest address of its stack (its guard page), for the overflow handler.
    guard: usize,
    /// Its name, for the overflow handler.
    overflow_name: stack::OverflowName,
    /// Lock-like objects it acquired and has not released (for deadlock reports).
    holds: Vec<usize>,
    /// Set while the thread waits, runnable but unable to make progress, in a blocking
    /// operation (see [`Execution::blocking_operation`]): the key it waits on, and the
    /// operation's readiness test, which lives on the thread's suspended stack.
    awaiting: Option<Awaiting>,
    /// Whether it was found not ready at a scheduling point since it began to wait.
    waited: Cell<bool>,
    /// Set when its blocking operation was found not ready and nothing released the object
    /// since: it stays not ready without testing again (see [`Execution::releases`]).
    unready: Cell<bool>,
    /// Set while it polls: its last step ended in a yield (or a spin), and it has not taken a
    /// step since (see [`Execution::pick_next`]).
    polling: bool,
    /// Set until the scheduling point that ends its first step. That step is a `Thread`'s
    /// announcement, which the thread that starts it waits for inside `start()`: going back to
    /// the starter then is part of `start()`, not a preemption.
    fresh: bool,
    /// The operation it runs now, for the trace (kept only while tracing).
    open: Option<OpenOp>,
    /// How deep it is in primitives' inner operations (`Observe::nested_operations`).
    nested: u32,
    /// Where its last panic happened (`file:line:column`), from the panic hook.
    panic_location: Option<String>,
}

/// The operation a thread runs now, for the trace: its event is recorded when it takes effect
/// (a lock granted, a wait woken), and a "blocks on" event marks the start of its waiting.
#[derive(Clone, Copy, Debug)]
struct OpenOp {
    object: usize,
    kind: &'static str,
    name: &'static str,
    /// Its event is in the trace (it took effect, and has not blocked since).
    recorded: bool,
    /// It blocked, and its "blocks on" event is in the trace.
    blocked: bool,
    /// How it ended, if the primitive said so before its event was recorded.
    outcome: Option<&'static str>,
}

/// A thread's `ThreadState<S>` for a scheduler `S` other than [`Sim`] (the façade's), kept among
/// its `locals`: its address, and `ThreadState::<S>::set_blocked_on` for it.
#[derive(Clone, Copy)]
struct OtherState {
    state: *const (),
    set_blocked_on: unsafe fn(*const (), usize),
}

/// Sets what the `ThreadState<S>` at `state` says its thread waits on.
///
/// # Safety
/// `state` points to a live `ThreadState<S>`.
unsafe fn set_blocked_on_of<S: Scheduler>(state: *const (), key: usize) {
    // SAFETY: the caller's contract.
    unsafe { &*(state as *const ThreadState<S>) }.set_blocked_on(key);
}

/// What a thread waits for in a blocking operation or a hand-shake (see [`SimThread::awaiting`]).
#[derive(Clone, Copy)]
struct Awaiting {
    key: usize,
    /// The readiness test, on the waiting thread's suspended stack.
    ready: *const (dyn Fn() -> bool + 'static),
    /// A blocking operation (an acquire, a join), whose test can turn true only when something
    /// releases `key`; not so a hand-shake's (`Observe::wait_ready`).
    until_release: bool,
}

/// The parking queues, by key: a small vector searched linearly (a model parks on few objects at
/// a time, and an emptied queue is removed), cheaper than hashing addresses at every park.
/// Emptied queues are kept for the next key, so that parking allocates nothing once warm.
#[derive(Default)]
struct Queues {
    queues: Vec<(usize, VecDeque<usize>)>,
    spare: Vec<VecDeque<usize>>,
}

impl Queues {
    fn get(&self, key: usize) -> Option<&VecDeque<usize>> {
        self.queues.iter().find(|(k, _)| *k == key).map(|(_, q)| q)
    }

    /// The queue of `key`, made empty if there is none.
    fn entry(&mut self, key: usize) -> &mut VecDeque<usize> {
        let at = match self.queues.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                self.queues.push((key, self.spare.pop().unwrap_or_default()));
                self.queues.len() - 1
            }
        };
        &mut self.queues[at].1
    }

    /// Drops the queue of `key` if it is empty.
    fn forget_if_empty(&mut self, key: usize) {
        if let Some(at) = self.queues.iter().position(|(k, q)| *k == key && q.is_empty()) {
            let (_, queue) = self.queues.swap_remove(at);
            self.spare.push(queue);
        }
    }

    /// Empties every queue (an execution's end).
    fn clear(&mut self) {
        for (_, mut queue) in self.queues.drain(..) {
            queue.clear();
            self.spare.push(queue);
        }
    }
}

/// How an execution is run.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub max_steps: usize,
    pub fine_grained: bool,
    pub record_trace: bool,
    /// Whether a panic the default excepthook handles only prints (Python's behaviour) instead
    /// of failing the execution.
    pub python_panics: bool,
    /// Whether to compute each step's footprint (for partial-order reduction).
    pub track_footprints: bool,
    /// Whether to hash the steps into [`Outcome::trail`] (for the determinism check of a
    /// search that claims it finished).
    pub track_trail: bool,
    /// The stack size of the model's main thread (0: the default).
    pub main_stack: usize,
    /// The exploration's stall watch (see `crate::watchdog`; the execution's publisher takes it).
    pub watch: Option<Arc<crate::watchdog::Watch>>,
}

struct Inner {
    threads: Vec<SimThread>,
    current: usize,
    clock: Duration,
    queues: Queues,
    labels: HashMap<usize, String>,
    label_counts: HashMap<&'static str, usize>,
    trace: Vec<TraceEvent>,
    schedule: Schedule,
    steps: usize,
    failure: Option<Failure>,
    /// The thread the controller resumes next; `None` ends the execution.
    next: Option<usize>,
    /// A reusable buffer of options (the step loop allocates nothing).
    options: Vec<usize>,
    /// Reusable buffers of the unpark operations: threads, and threads with their tokens.
    scratch: Vec<usize>,
    scratch_tokens: Vec<(usize, usize)>,
    /// Threads that began to wait in a blocking operation during the step under way, with the
    /// object (told to the strategy once the step is reported: [`Strategy::blocked`]).
    newly_blocked: Vec<(usize, usize)>,
    stack_pool: StackPool,
    /// Stacks of threads that finished in this execution: reused only by later executions, so
    /// that objects on different threads' stacks never share an address (footprints name
    /// objects by address).
    finished_stacks: StackPool,
    /// The states of threads that ended, kept (empty) until the execution ends, for the same
    /// reason; then reused by later executions when nothing else holds them.
    #[allow(clippy::vec_box)] // the boxes themselves are reused: one allocation less per thread
    ended_states: Vec<Box<ThreadState<Sim>>>,
    /// Ended threads' states from earlier executions, ready to serve new threads.
    #[allow(clippy::vec_box)]
    spare_states: Vec<Box<ThreadState<Sim>>>,
    /// Emptied hold lists of earlier executions' threads, ready to serve new threads.
    spare_holds: Vec<Vec<usize>>,
    /// Shared objects numbered by first touch in this execution (footprints use the numbers,
    /// which are stable across executions that share a prefix, unlike addresses).
    numbers: HashMap<usize, u32>,
    /// The next object number: how many objects were numbered so far in this execution (an
    /// object dropped leaves `numbers`, so that an address reused by another object gets a new
    /// number, but keeps its number's place in the count).
    next_number: u32,
    /// Set when the strategy abandoned the execution as redundant.
    pruned: bool,
    /// Non-daemon threads that have not finished: the execution ends when none is left.
    unfinished: usize,
    /// Threads blocked with a deadline (when none, time cannot move).
    timed: usize,
    /// The program's fingerprint so far (see [`Schedule::fingerprint`]), and how many operations
    /// it covers.
    fingerprint: u32,
    fingerprinted: u32,
    /// Where the panic that failed the execution happened (tracing only).
    failure_location: Option<String>,
}

/// The state of the running execution, reached by every `Sim` service through [`current`].
pub(crate) struct Execution {
    inner: RefCell<Inner>,
    strategy: *mut dyn Strategy,
    run_state: RefCell<Option<Rc<RunState<Sim>>>>,
    /// Values other schedulers keep per execution (see [`Execution::with_execution_local`]).
    locals: RefCell<Vec<(TypeId, Box<dyn Any>)>>,
    config: Config,
    /// What the stall watchdog sees of this execution.
    watch: crate::watchdog::Publisher,
    /// This execution's number in the process (see [`execution_id`]).
    id: u64,
    /// What objects made in it keep of `id` (see `crate::origin_of`).
    origin: u32,
    /// Set while a scheduler callback runs "under the queue lock": no scheduling point there.
    in_critical: Cell<bool>,
    /// Atomic accesses since the last scheduling point (coarse mode): a thread past
    /// [`SPIN_LIMIT`] is spinning, and is preempted there.
    accesses: Cell<u32>,
    /// The footprint of the step under way (see [`Strategy::step_footprint`]).
    footprint: Cell<Footprint>,
    /// How deep the running thread is in internal critical sections (see
    /// [`Execution::internal_section`]), or in a readiness test: atomics there are neither
    /// tracked nor scheduling points.
    quiet: Cell<u32>,
    /// Set while a readiness test runs to learn what it reads (into `probe_reads`).
    recording: Cell<bool>,
    probe_reads: RefCell<Vec<usize>>,
    /// What the strategy is told about the step under way besides its footprint.
    step_info: Cell<StepInfo>,
    /// Set when the running thread yields or spins: switching away from it is not a
    /// preemption, and the other threads are tried first (fair to spin loops).
    yielding: Cell<bool>,
    /// Set while the execution's state is dropped after its end: destructors may still call
    /// the scheduler, which then neither schedules nor blocks.
    tearing_down: Cell<bool>,
    /// A hash of every step so far: the thread that took it, its options, and the operations it
    /// announced. A deterministic model gives the same trail whenever the same choices are
    /// replayed (see [`Outcome::trail`]).
    trail: Cell<u64>,
    /// Set while the threads still suspended at the end are unwound (see `run_execution`):
    /// failures are not recorded, and a thread that would block is given up.
    abandoning: Cell<bool>,
    /// Set while the abandoned thread being unwound has not left its code yet: a wait raises
    /// the unwind again (it swallowed it), at most [`ABANDON_RAISES`] times.
    unwind_pending: Cell<bool>,
    abandon_raises: Cell<u32>,
    /// Scheduling points the abandoned thread being unwound passed (see [`ABANDON_STEPS`]).
    abandon_steps: Cell<u32>,
    /// The strategy replays a schedule (which the model may fail to follow).
    replaying: bool,
    /// Whether to compute the program's fingerprint (replays and traced executions).
    fingerprinting: bool,
    /// Whether an operation's start records more than the watch's event: the trail, the
    /// fingerprint, the footprint or the trace (one test on the hot path when none is kept).
    announce_more: bool,
    /// Atomic accesses are neither scheduling points nor footprints (coarse mode, no
    /// reduction): the fast path of `atomic_access`.
    plain_atomics: bool,
    /// Whether the execution keeps what only a report or the reduction uses: the trace and its
    /// labels, footprints, and which locks each thread holds. A failure's report comes from a
    /// replay that keeps them.
    detailed: bool,
}

/// Folds `value` into the hash `trail` (see [`Execution::trail`]).
#[inline(always)]
fn mix(trail: u64, value: u64) -> u64 {
    (trail.rotate_left(5) ^ value).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// How many operations of an execution its fingerprint covers.
const FINGERPRINT_OPERATIONS: u32 = 64;

/// The footprint bit of the clock; the others are object numbers modulo 63.
const CLOCK_BIT: u64 = 1;

/// The footprint key that orders a thread's spawn before its first step (an address no object
/// has).
fn spawn_key(thread: usize) -> usize {
    usize::MAX - thread
}

/// More atomic accesses than this without a scheduling point is a spin loop, not a primitive's
/// operation (whose internal loops are far shorter): in coarse mode it becomes a scheduling point.
const SPIN_LIMIT: u32 = 64;

thread_local! {
    static CURRENT: Cell<*const Execution> = const { Cell::new(std::ptr::null()) };
}

/// The running execution.
///
/// # Panics
/// If called outside a simulation: a `weft_core` primitive on `Sim` was used outside
/// `Explorer::run`/`check`.
#[inline]
pub(crate) fn current() -> &'static Execution {
    let ptr = CURRENT.with(Cell::get);
    assert!(!ptr.is_null(), "a weft primitive on the simulator was used outside a simulation");
    // SAFETY: the pointer is set by `run_execution` for exactly as long as the execution (which
    // it owns on its stack) lives, and cleared before it is dropped; only this OS thread uses it.
    unsafe { &*ptr }
}

/// The object at `address` is dropped (see [`Execution::forget`]); nothing outside a simulation.
#[inline]
pub(crate) fn object_dropped(address: usize) {
    let ptr = CURRENT.with(Cell::get);
    if !ptr.is_null() {
        // SAFETY: as in `current`: a non-null pointer is the live execution of this OS thread.
        unsafe { &*ptr }.forget(address);
    }
}

/// A panic is under way at `location` on this OS thread (called by the panic hook): the running
/// simulated thread's, if a simulation runs here.
pub(crate) fn note_panic(location: &std::panic::Location<'_>) {
    let ptr = CURRENT.with(Cell::get);
    if !ptr.is_null() {
        // SAFETY: as in `current`: a non-null pointer is the live execution of this OS thread.
        unsafe { &*ptr }.panicked_at(location);
    }
}

/// How many explorations run in this process now. While none does (a program that is not being
/// checked), [`in_simulation`] is one load of this read-mostly word, and no thread-local access:
/// the façade's types pay nothing for being able to run in a simulation.
pub(crate) static ACTIVE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Executions begun in this process (numbers them from 1).
static EXECUTIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The number of the execution the calling OS thread runs (unique in the process, from 1), or 0
/// outside simulations.
#[inline]
pub(crate) fn execution_id() -> u64 {
    let ptr = CURRENT.with(Cell::get);
    if ptr.is_null() {
        0
    } else {
        // SAFETY: as in `current`: a non-null pointer is the live execution of this OS thread.
        unsafe { &*ptr }.id
    }
}

/// What objects made now keep of [`execution_id`]: `crate::origin_of(execution_id())`.
#[inline]
pub(crate) fn current_origin() -> u32 {
    let ptr = CURRENT.with(Cell::get);
    if ptr.is_null() {
        0
    } else {
        // SAFETY: as in `current`: a non-null pointer is the live execution of this OS thread.
        unsafe { &*ptr }.origin
    }
}

/// Whether the calling OS thread is running a simulation.
#[inline]
pub(crate) fn in_simulation() -> bool {
    ACTIVE.load(std::sync::atomic::Ordering::Relaxed) != 0 && !CURRENT.with(Cell::get).is_null()
}

/// What executions reuse from one to the next: coroutine stacks, and the buffers of the
/// schedule, the thread table and the step loop (an execution allocates as little as it can).
#[derive(Default)]
pub(crate) struct Buffers {
    stacks: StackPool,
    pub choices: Vec<Choice>,
    threads: Vec<SimThread>,
    options: Vec<usize>,
    scratch: Vec<usize>,
    scratch_tokens: Vec<(usize, usize)>,
    newly_blocked: Vec<(usize, usize)>,
    queues: Queues,
    finished_stacks: StackPool,
    #[allow(clippy::vec_box)] // see `Inner::ended_states`
    ended_states: Vec<Box<ThreadState<Sim>>>,
    /// Ended threads' states ready to serve new threads.
    #[allow(clippy::vec_box)]
    spare_states: Vec<Box<ThreadState<Sim>>>,
    spare_holds: Vec<Vec<usize>>,
}

impl Buffers {
    /// Hands a finished execution's schedule back for reuse.
    pub(crate) fn recycle(&mut self, mut schedule: Schedule) {
        schedule.choices.clear();
        self.choices = schedule.choices;
    }
}

/// What one execution produced.
pub(crate) struct Outcome {
    pub failure: Option<Failure>,
    /// The strategy abandoned the execution as equivalent to one already explored.
    pub pruned: bool,
    pub schedule: Schedule,
    pub trace: Vec<TraceEvent>,
    pub steps: usize,
    /// A hash of the steps taken (thread, options, operations): replaying the schedule of a
    /// deterministic model gives the same trail. Within one process only (it hashes the
    /// addresses of static operation names), unlike the token's fingerprint.
    pub trail: u64,
    /// Where the panic that failed it happened (`file:line:column`; traced executions only).
    pub panic_location: Option<String>,
}

impl Execution {
    fn with_strategy<R>(&self, f: impl FnOnce(&mut dyn Strategy) -> R) -> R {
        // SAFETY: the strategy outlives the execution (`run_execution` borrows it mutably for
        // the whole run) and is only used from this OS thread, one call at a time: strategies
        // never call back into the simulator, so this is the only reference while `f` runs.
        f(unsafe { &mut *self.strategy })
    }

    /// Runs `f` with this execution's `T`, made by `T::default()` on first use.
    pub(crate) fn with_execution_local<T: Any + Default, R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let find = |locals: &Vec<(TypeId, Box<dyn Any>)>| {
            locals
                .iter()
                .find(|(id, _)| *id == TypeId::of::<T>())
                .map(|(_, v)| v.downcast_ref::<T>().expect("typed slot") as *const T)
        };
        let existing = find(&self.locals.borrow());
        let value = match existing {
            Some(value) => value,
            None => {
                // Made outside the borrow: making it may use the simulator.
                let fresh: Box<dyn Any> = Box::new(T::default());
                let mut locals = self.locals.borrow_mut();
                match find(&locals) {
                    Some(value) => value,
                    None => {
                        locals.push((TypeId::of::<T>(), fresh));
                        find(&locals).expect("just inserted")
                    }
                }
            }
        };
        // SAFETY: the value is boxed (it never moves) and owned by this execution, which drops
        // none of them before it ends; `f` runs within the execution.
        f(unsafe { &*value })
    }

    /// Runs `f` with the current simulated thread's `T`, made by `T::default()` on first use and
    /// dropped when the thread ends.
    pub(crate) fn with_thread_local<T: Any + Default, R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.with_thread_local_made(|_, _| {}, f)
    }

    /// [`Execution::with_thread_local`] for the thread's `ThreadState<S>` of a scheduler `S` that
    /// runs on the simulator inside simulations (the façade's): the simulator keeps it telling
    /// what the thread waits on ([`weft_core::ThreadStatus::blocked_on`]) as it does the thread's
    /// own state, also while it keeps the thread off the run queue without parking it.
    /// Only for a scheduler whose atomics are plain (`!S::SEES_ATOMICS`): setting them never
    /// calls the simulator, which sets them while it schedules.
    pub(crate) fn with_thread_state_of<S: Scheduler, R>(&self, f: impl FnOnce(&ThreadState<S>) -> R) -> R {
        self.with_thread_local_made(
            |thread, state: *const ThreadState<S>| {
                if !S::SEES_ATOMICS {
                    thread
                        .other_states
                        .push(OtherState { state: state as *const (), set_blocked_on: set_blocked_on_of::<S> })
                }
            },
            f,
        )
    }

    /// [`Execution::with_thread_local`], calling `made` with the thread's entry and the value
    /// when it is made.
    fn with_thread_local_made<T: Any + Default, R>(
        &self,
        made: impl FnOnce(&mut SimThread, *const T),
        f: impl FnOnce(&T) -> R,
    ) -> R {
        let find = |inner: &Inner| {
            inner.threads[inner.current]
                .locals
                .iter()
                .find(|(id, _)| *id == TypeId::of::<T>())
                .map(|(_, v)| v.downcast_ref::<T>().expect("typed slot") as *const T)
        };
        let existing = find(&self.inner.borrow());
        let value = match existing {
            Some(value) => value,
            None => {
                let fresh: Box<dyn Any> = Box::new(T::default());
                let mut inner = self.inner.borrow_mut();
                match find(&inner) {
                    Some(value) => value,
                    None => {
                        let current = inner.current;
                        inner.threads[current].locals.push((TypeId::of::<T>(), fresh));
                        let value = find(&inner).expect("just inserted");
                        made(&mut inner.threads[current], value);
                        value
                    }
                }
            }
        };
        // SAFETY: the value is boxed (it never moves) and owned by the current thread's entry,
        // which drops it only at the thread's end, after its last use; `f` runs before that.
        f(unsafe { &*value })
    }

    /// Drops the current simulated thread's values of static locals, if it has any (see
    /// [`weft_core::StaticLocals::drop_all`]).
    pub(crate) fn drop_static_locals(&self) {
        let values = {
            let inner = self.inner.borrow();
            inner.threads[inner.current]
                .locals
                .iter()
                .find(|(id, _)| *id == TypeId::of::<StaticLocals>())
                .map(|(_, v)| v.downcast_ref::<StaticLocals>().expect("typed slot") as *const StaticLocals)
        };
        if let Some(values) = values {
            // SAFETY: as in `with_thread_local`: the store is boxed and owned by the current
            // thread's entry, which drops it only after this, at the thread's end.
            unsafe { &*values }.drop_all();
        }
    }

    /// Runs `f` with this execution's run state (made on first use).
    #[inline]
    pub(crate) fn with_run_state<R>(&self, f: impl FnOnce(&RunState<Sim>) -> R) -> R {
        let existing = self.run_state.borrow().as_ref().map(Rc::as_ptr);
        let state = match existing {
            Some(state) => state,
            None => self.make_run_state(),
        };
        // SAFETY: the state is in an `Rc` kept by `self.run_state`, which is emptied only by
        // `run_execution` once the execution's threads are over (finished, unwound, or given up
        // for good): after every call of this function that can still return. Until then the
        // state lives, unmoved, and `f` only reads it through `&` (its mutable parts are
        // behind locks).
        f(unsafe { &*state })
    }

    /// Makes the run state on first use (outside the borrow: making it uses the scheduler).
    #[cold]
    fn make_run_state(&self) -> *const RunState<Sim> {
        let fresh = Rc::new(RunState::new(crate::MAIN_THREAD_IDS.0, crate::MAIN_THREAD_IDS.1));
        Rc::as_ptr(self.run_state.borrow_mut().get_or_insert(fresh))
    }

    pub(crate) fn now(&self) -> Instant {
        self.add_footprint(CLOCK_BIT, false);
        epoch() + self.inner.borrow().clock
    }

    pub(crate) fn current_thread(&self) -> usize {
        self.inner.borrow().current
    }

    /// Runs `f` with the current simulated thread's state.
    pub(crate) fn with_thread_state<R>(&self, f: impl FnOnce(&ThreadState<Sim>) -> R) -> R {
        let state = {
            let inner = self.inner.borrow();
            inner.threads[inner.current].state.as_deref().map(|s| s as *const ThreadState<Sim>)
        };
        match state {
            // SAFETY: the box is owned by the thread's entry, which is never removed during the
            // execution; it is only taken out (and dropped) by the thread itself at its end,
            // after its last use of this function.
            Some(state) => f(unsafe { &*state }),
            None => f(&ThreadState::new()),
        }
    }

    /// Runs `f` with no scheduling point inside (a callback "under the queue lock").
    pub(crate) fn critical<R>(&self, f: impl FnOnce() -> R) -> R {
        let was = self.in_critical.replace(true);
        let result = f();
        self.in_critical.set(was);
        result
    }

    fn add_footprint(&self, bits: u64, write: bool) {
        let mut footprint = self.footprint.get();
        if write {
            footprint.writes |= bits;
        } else {
            footprint.reads |= bits;
        }
        self.footprint.set(footprint);
    }

    /// Adds shared object `address` to the current step's footprint, as written (`write`) or
    /// only read.
    fn touch(&self, inner: &mut Inner, address: usize, write: bool) {
        if self.config.track_footprints {
            let next = inner.next_number;
            let number = *inner.numbers.entry(address).or_insert(next);
            inner.next_number += u32::from(number == next);
            let mut footprint = self.footprint.get();
            footprint.add_object(number, write);
            self.footprint.set(footprint);
        }
    }

    /// Adds `address` to the current step's footprint (`Observe::touch` and
    /// `Observe::observe`).
    #[inline(always)]
    pub(crate) fn touch_now(&self, address: usize, write: bool) {
        if self.config.track_footprints {
            self.touch_tracked(address, write);
        }
    }

    /// [`Execution::touch_now`] while footprints are tracked.
    #[inline(never)]
    fn touch_tracked(&self, address: usize, write: bool) {
        self.touch(&mut self.inner.borrow_mut(), address, write);
    }

    /// The object at `address` is dropped: a later object at the same address is another object,
    /// with a number and a label of its own. Without this, an address freed and reused inside an
    /// execution would name two objects with one number, and which objects share numbers would
    /// depend on the interleaving (the allocator's reuse follows it), so that footprints of
    /// different executions would not compare.
    #[inline(always)]
    pub(crate) fn forget(&self, address: usize) {
        if self.detailed && !self.tearing_down.get() {
            self.forget_detailed(address);
        }
    }

    /// [`Execution::forget`] while the execution keeps numbers, labels and holds.
    #[inline(never)]
    fn forget_detailed(&self, address: usize) {
        let mut inner = self.inner.borrow_mut();
        inner.numbers.remove(&address);
        inner.labels.remove(&address);
        // A lock dropped while held is held by nobody (a new one may take its address).
        for thread in &mut inner.threads {
            thread.holds.retain(|&h| h != address);
        }
    }

    /// Enters or leaves an internal critical section: see `Observe::internal_section`.
    pub(crate) fn internal_section(&self, enter: bool) {
        if enter {
            self.quiet.set(self.quiet.get() + 1);
        } else {
            self.quiet.set(self.quiet.get() - 1);
        }
    }

    /// Evaluates a readiness test quietly (its loads are not the running step's).
    #[inline]
    fn probe(&self, ready: *const (dyn Fn() -> bool + 'static)) -> bool {
        self.quiet.set(self.quiet.get() + 1);
        // SAFETY: `ready` was stored by `wait_until_ready` from a reference to a closure on the
        // stack of a thread suspended inside that call; the thread clears it before the call
        // returns, so while it is stored the closure is alive and unmoved. Only this OS thread
        // runs the simulation, and the closure only loads atomics.
        let result = unsafe { (*ready)() };
        self.quiet.set(self.quiet.get() - 1);
        result
    }

    fn label(inner: &mut Inner, object: usize, kind: &'static str) -> String {
        if let Some(label) = inner.labels.get(&object) {
            return label.clone();
        }
        let count = inner.label_counts.entry(kind).or_insert(0);
        *count += 1;
        let label = format!("{kind}#{count}");
        inner.labels.insert(object, label.clone());
        label
    }

    #[inline]
    fn record(&self, inner: &mut Inner, object: Option<(usize, &'static str)>, operation: &str) {
        if self.config.record_trace {
            self.record_event(inner, object, operation);
        }
    }

    /// Records an event of the simulator's own machinery (a park, its timeout): only in
    /// fine-grained mode, whose traces show the primitives' inner workings.
    #[inline]
    fn record_inner(&self, inner: &mut Inner, object: Option<(usize, &'static str)>, operation: &str) {
        if self.config.record_trace && self.config.fine_grained {
            self.record_event(inner, object, operation);
        }
    }

    #[cold]
    fn record_event(&self, inner: &mut Inner, object: Option<(usize, &'static str)>, operation: &str) {
        let thread = inner.current;
        Self::record_for(inner, thread, object, operation);
    }

    /// Records an event of `thread`.
    #[cold]
    fn record_for(inner: &mut Inner, thread: usize, object: Option<(usize, &'static str)>, operation: &str) {
        let object = match object {
            Some((key, kind)) => Self::label(inner, key, kind),
            None => "-".to_owned(),
        };
        let event = TraceEvent {
            thread: inner.threads[thread].name.to_string(),
            object,
            operation: operation.to_owned(),
            outcome: String::new(),
            time: inner.clock,
        };
        inner.trace.push(event);
    }

    /// The running thread starts operation `name` on `object` (tracing): it is its open
    /// operation, unless it runs inside another primitive's operation.
    #[cold]
    fn open_operation(&self, object: usize, kind: &'static str, name: &'static str) {
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        let thread = &mut inner.threads[current];
        if thread.nested == 0 {
            thread.open = Some(OpenOp { object, kind, name, recorded: false, blocked: false, outcome: None });
        }
    }

    /// The running thread's operation `name` on `object` takes effect now (after its scheduling
    /// point): its event. An inner operation of another primitive's (a `Condition`'s probe of
    /// its lock) shows only in fine-grained mode.
    #[cold]
    fn took_effect(&self, object: usize, kind: &'static str, name: &'static str) {
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        if inner.threads[current].nested > 0 {
            if self.config.fine_grained {
                self.record_event(&mut inner, Some((object, kind)), name);
            }
            return;
        }
        Self::record_open(&mut inner, current);
    }

    /// Records `thread`'s open operation's event, if it is not in the trace.
    fn record_open(inner: &mut Inner, thread: usize) {
        let Some(mut op) = inner.threads[thread].open else { return };
        if op.recorded {
            return;
        }
        Self::record_for(inner, thread, Some((op.object, op.kind)), op.name);
        if let Some(outcome) = op.outcome.take() {
            if let Some(event) = inner.trace.last_mut() {
                event.outcome = outcome.to_owned();
            }
        }
        op.recorded = true;
        op.blocked = false;
        inner.threads[thread].open = Some(op);
    }

    /// `thread` begins to wait in its open operation: a "blocks on" event (once per wait); the
    /// operation's event, if recorded, is taken back (it is recorded when the wait ends).
    #[cold]
    fn record_blocks(inner: &mut Inner, thread: usize) {
        let Some(mut op) = inner.threads[thread].open else { return };
        if op.recorded {
            let name = &inner.threads[thread].name;
            let label = inner.labels.get(&op.object);
            if let Some(at) = inner.trace.iter().rposition(|e| *name == *e.thread && Some(&e.object) == label) {
                if inner.trace[at].operation == op.name {
                    inner.trace.remove(at);
                }
            }
            op.recorded = false;
        }
        if !op.blocked {
            op.blocked = true;
            inner.threads[thread].open = Some(op);
            Self::record_for(inner, thread, Some((op.object, op.kind)), &format!("blocks on ({})", op.name));
        } else {
            inner.threads[thread].open = Some(op);
        }
    }

    /// The running thread enters (`true`) or leaves an inner operation of a primitive (see
    /// `Observe::nested_operations`); leaving the outermost, its open operation has taken
    /// effect.
    pub(crate) fn nested_operations(&self, enter: bool) {
        if !self.config.record_trace || self.tearing_down.get() {
            return;
        }
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        let thread = &mut inner.threads[current];
        if enter {
            thread.nested += 1;
        } else {
            thread.nested = thread.nested.saturating_sub(1);
            if thread.nested == 0 {
                Self::record_open(&mut inner, current);
            }
        }
    }

    /// A primitive operation starts: a scheduling point. It writes its object, or only reads it
    /// (`write` false: `Observe::read_operation`).
    pub(crate) fn operation(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        if self.tearing_down.get() {
            if !self.in_critical.get() {
                self.while_torn();
            }
            return;
        }
        if self.config.record_trace {
            return self.traced_operation(object, kind, name, write);
        }
        // Without the trace, nothing of the operation is needed after its scheduling point
        // but the object.
        self.announce(object, kind, name, write);
        if !self.in_critical.get() {
            self.schedule_point();
            self.touch_now(object, write);
        }
    }

    /// [`Execution::operation`] while the trace is recorded (not torn down).
    #[inline(never)]
    fn traced_operation(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        self.announce(object, kind, name, write);
        if !self.in_critical.get() {
            self.schedule_point();
            // The operation itself runs in the step that starts now: its object belongs to that
            // step's footprint (objects whose atomics the simulator does not see, such as the
            // façade's, are known only through this).
            self.touch_now(object, write);
        }
        // Its event comes now that it runs, after the other threads' steps before it.
        self.took_effect(object, kind, name);
    }

    /// The running thread took lock `object` (see `Observe::acquires`): it holds it until
    /// some thread releases it (for deadlock reports and the strategy).
    #[inline(always)]
    pub(crate) fn acquires(&self, object: usize) {
        if self.detailed && !self.tearing_down.get() {
            self.acquires_detailed(object);
        }
    }

    /// [`Execution::acquires`] while the execution keeps holds.
    #[inline(never)]
    fn acquires_detailed(&self, object: usize) {
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        let holds = &mut inner.threads[current].holds;
        if !holds.contains(&object) {
            holds.push(object);
        }
    }

    /// The running step released `object` for the blocking operations waiting on it (see
    /// `Observe::releases`). A lock is no longer held by whoever held it (any thread may
    /// release a `Lock`).
    #[inline(always)]
    pub(crate) fn releases(&self, object: usize) {
        // Blocking operations on `object` may be ready now.
        for thread in &self.inner.borrow().threads {
            if thread.awaiting.is_some_and(|a| a.key == object) {
                thread.unready.set(false);
            }
        }
        if self.detailed {
            self.releases_detailed(object);
        }
    }

    /// [`Execution::releases`] while the execution keeps holds (and footprints).
    #[inline(never)]
    fn releases_detailed(&self, object: usize) {
        if !self.tearing_down.get() {
            let mut inner = self.inner.borrow_mut();
            for thread in &mut inner.threads {
                thread.holds.retain(|&h| h != object);
            }
        }
        if self.config.track_footprints && !self.tearing_down.get() {
            if let Some(number) = self.number(object) {
                let mut info = self.step_info.get();
                info.add_release(number);
                self.step_info.set(info);
            }
        }
    }

    /// The number of shared object `address` in this execution, if it was touched.
    fn number(&self, address: usize) -> Option<u32> {
        self.inner.borrow().numbers.get(&address).copied()
    }

    /// A blocking operation starts: a scheduling point at which the thread is not runnable
    /// until `ready()` holds (see `Observe::blocking_operation`). In fine-grained mode the
    /// primitive's own waiting (its failed attempts, parking and wake-ups) is explored instead.
    pub(crate) fn blocking_operation(
        &self,
        object: usize,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
    ) {
        if self.config.fine_grained || self.in_critical.get() || self.tearing_down.get() {
            return self.operation(object, kind, name, true);
        }
        if self.config.record_trace {
            return self.traced_blocking_operation(object, kind, name, ready);
        }
        self.announce(object, kind, name, true);
        self.wait_until_ready(object, ready, true);
        self.schedule_point();
        self.touch_now(object, true);
        self.end_wait(object, ready, true);
    }

    /// [`Execution::blocking_operation`] while the trace is recorded (in coarse mode, outside
    /// critical sections and teardown).
    #[inline(never)]
    fn traced_blocking_operation(
        &self,
        object: usize,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
    ) {
        self.announce(object, kind, name, true);
        self.wait_until_ready(object, ready, true);
        self.schedule_point();
        self.touch_now(object, true);
        self.end_wait(object, ready, true);
        // Granted now: its event comes after the step that let it go.
        self.took_effect(object, kind, name);
    }

    /// Keeps the running thread off the run queue until `ready()` holds: marks it waiting on
    /// `key` (and, for `blocked_on`, its status); the caller's next scheduling point switches
    /// away from it until then. Without `announced`, the wait is its own scheduling point.
    pub(crate) fn wait_until_ready(&self, key: usize, ready: &dyn Fn() -> bool, announced: bool) {
        if self.config.fine_grained || self.in_critical.get() || self.tearing_down.get() {
            if self.tearing_down.get() && !self.in_critical.get() {
                self.while_torn();
            }
            return;
        }
        let test = ready;
        let ready: *const (dyn Fn() -> bool + '_) = ready;
        // SAFETY: only the lifetime is erased. The pointer is stored until this thread is
        // scheduled again, which happens before this call returns (below, or at the caller's
        // scheduling point that follows at once), and the stored pointer is then cleared.
        let ready: *const (dyn Fn() -> bool + 'static) = unsafe { std::mem::transmute(ready) };
        let ready_now = self.probe(ready);
        if ready_now && !announced {
            return;
        }
        // Kept even when ready now: other threads may run at the scheduling point that
        // follows, and the operation must not start unless it can go through without blocking.
        {
            let mut inner = self.inner.borrow_mut();
            let current = inner.current;
            let thread = &mut inner.threads[current];
            thread.awaiting = Some(Awaiting { key, ready, until_release: announced });
            thread.waited.set(!ready_now);
            // Only a blocking operation's test stays false until a release (see `releases`).
            thread.unready.set(announced && !ready_now);
            if announced && !ready_now && self.config.track_footprints {
                inner.newly_blocked.push((current, key));
            }
            if announced && !ready_now && self.config.record_trace && inner.threads[current].nested == 0 {
                Self::record_blocks(&mut inner, current);
            }
        }
        if !ready_now {
            self.set_blocked_on(key);
        }
        if !announced {
            self.schedule_point();
            self.touch_now(key, true);
            self.end_wait(key, test, false);
        }
    }

    /// The running thread, scheduled again at the start of its blocking operation on `key`
    /// (whose readiness test is `ready`), no longer waits. The strategy learns what the test
    /// reads: a step that held or released the object was never enabled together with this one.
    /// An operation that `acquires` the object is ordered after the release that let it go; a
    /// mere wait inside another operation (`Thread.start`'s hand-shake, which the new thread's
    /// first step lets go, not its end) is not.
    fn end_wait(&self, key: usize, ready: &dyn Fn() -> bool, acquires: bool) {
        let waited = {
            let mut inner = self.inner.borrow_mut();
            let current = inner.current;
            let thread = &mut inner.threads[current];
            thread.awaiting = None;
            thread.unready.set(false);
            thread.waited.replace(false)
        };
        if waited {
            self.set_blocked_on(0);
        }
        if self.config.track_footprints {
            self.recording.set(true);
            self.quiet.set(self.quiet.get() + 1);
            ready();
            self.quiet.set(self.quiet.get() - 1);
            self.recording.set(false);
            let mut addresses = self.probe_reads.borrow_mut();
            let inner = self.inner.borrow();
            // The object itself too: the simulator may not see its atomics (the façade's).
            let readiness = addresses
                .drain(..)
                .chain(std::iter::once(key))
                .filter_map(|a| inner.numbers.get(&a))
                .fold(0, |bits, &number| bits | 1 << (1 + number % 63));
            let mut info = self.step_info.get();
            info.readiness = readiness;
            info.acquires = inner.numbers.get(&key).copied();
            info.synchronizes = acquires;
            self.step_info.set(info);
        }
    }

    /// Records the start of an operation: the stall watch's last event, and (see
    /// [`Execution::announce_rest`]) the trail, the fingerprint, the footprint, the trace.
    #[inline(always)]
    fn announce(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        self.watch.event(kind, name);
        if self.announce_more {
            self.announce_rest(object, kind, name, write);
        }
    }

    /// What [`Execution::announce`] records besides the watch's event, when
    /// [`Execution::announce_more`] says there is something.
    #[inline(never)]
    fn announce_rest(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        if self.config.track_trail {
            self.trail.set(mix(mix(self.trail.get(), kind.as_ptr() as u64), name.as_ptr() as u64 ^ u64::from(write)));
        }
        if self.fingerprinting {
            self.add_to_fingerprint(kind, name);
        }
        if self.detailed {
            let mut inner = self.inner.borrow_mut();
            if self.in_critical.get() {
                // No scheduling point: the operation runs in the step under way.
                self.touch(&mut inner, object, write);
            }
            if self.config.record_trace {
                Self::label(&mut inner, object, kind);
            }
        }
        if self.config.record_trace {
            self.open_operation(object, kind, name);
        }
    }

    /// Adds the running thread's operation `name` on a `kind` to the program's fingerprint, if it
    /// is one of the first [`FINGERPRINT_OPERATIONS`].
    #[cold]
    fn add_to_fingerprint(&self, kind: &str, name: &str) {
        let mut inner = self.inner.borrow_mut();
        if inner.fingerprinted < FINGERPRINT_OPERATIONS {
            inner.fingerprinted += 1;
            let mut hash = fnv1a(inner.fingerprint, &(inner.current as u32).to_le_bytes());
            hash = fnv1a(hash, kind.as_bytes());
            hash = fnv1a(hash, &[0]);
            hash = fnv1a(hash, name.as_bytes());
            inner.fingerprint = fnv1a(hash, &[0]);
        }
    }

    /// The operation the current thread last started on `object` ended with `result`: it goes
    /// into that operation's trace event.
    pub(crate) fn outcome(&self, object: usize, result: &'static str) {
        if !self.config.record_trace || self.tearing_down.get() {
            return;
        }
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        if let Some(op) = &mut inner.threads[current].open {
            if op.object == object && !op.recorded {
                // Its event comes when it takes effect.
                op.outcome = Some(result);
                return;
            }
        }
        if inner.threads[current].nested > 0 && !self.config.fine_grained {
            // An inner operation, not in the trace.
            return;
        }
        let Some(label) = inner.labels.get(&object).cloned() else { return };
        let thread = inner.threads[inner.current].name.to_string();
        if let Some(event) = inner.trace.iter_mut().rev().find(|e| e.thread == thread && e.object == label) {
            event.outcome = result.to_owned();
        }
    }

    /// An atomic access (`write`: one that may change the value): a scheduling point in
    /// fine-grained mode, or in a spin loop.
    #[inline]
    pub(crate) fn atomic_access(&self, address: usize, write: bool) {
        if self.plain_atomics {
            // Coarse mode without footprints: an access only counts towards a spin.
            if self.quiet.get() != 0 && !self.recording.get() {
                return;
            }
            let count = self.accesses.get();
            if count < SPIN_LIMIT && self.quiet.get() == 0 && !self.in_critical.get() {
                self.accesses.set(count + 1);
                return;
            }
        }
        self.atomic_access_slow(address, write);
    }

    #[cold]
    fn atomic_access_slow(&self, address: usize, write: bool) {
        if self.quiet.get() != 0 {
            if self.recording.get() {
                self.probe_reads.borrow_mut().push(address);
            }
            return;
        }
        if self.in_critical.get() {
            self.touch_now(address, write);
            return;
        }
        let spinning = self.accesses.get() >= SPIN_LIMIT;
        self.accesses.set(self.accesses.get() + 1);
        if self.config.fine_grained || spinning {
            self.yielding.set(spinning);
            if spinning {
                // A spin waits for some other step: dependent on everything, it wakes every
                // sleeping thread (sleep sets must not starve the thread it waits for).
                self.footprint.set(Footprint::ALL);
            }
            {
                let mut inner = self.inner.borrow_mut();
                self.record(&mut inner, None, if spinning { "atomic (spinning)" } else { "atomic" });
            }
            // A fine-grained point inside a loop does not end the spin count; a spin yields.
            let count = if spinning { 0 } else { self.accesses.get() };
            self.schedule_point();
            self.accesses.set(count);
        }
        // The access runs in the step under way (after the scheduling point, if there was one).
        self.touch_now(address, write);
    }

    /// Lets the strategy pick the next thread; switches to it if it is not the current one.
    pub(crate) fn schedule_point(&self) {
        if self.tearing_down.get() {
            self.while_torn();
            return;
        }
        self.accesses.set(0);
        self.run_next();
    }

    /// Ends the current step: the strategy picks the next thread, and the current one is
    /// suspended unless it is the one picked.
    fn run_next(&self) {
        let (next, current) = {
            let mut inner = self.inner.borrow_mut();
            if inner.steps >= self.config.max_steps && inner.failure.is_none() {
                let limit = self.config.max_steps;
                let thread = inner.threads[inner.current].name.to_string();
                inner.failure = Some(Failure {
                    kind: FailureKind::StepLimit(limit),
                    message: format!(
                        "more than {limit} steps: a livelock or a runaway loop (a loop that polls \
                         for another thread's progress must call weft::yield_now() or weft::sleep \
                         in each round, and some thread must be able to make that progress; a \
                         loop that never ends needs a fix, or a larger Explorer::max_steps)"
                    ),
                    thread,
                });
            }
            inner.steps += 1;
            let time_is_up = self.watch.step(inner.steps);
            let next = if inner.failure.is_some() {
                None
            } else if time_is_up {
                // The exploration's time limit passed: the execution ends here, unfinished.
                inner.pruned = true;
                None
            } else {
                self.pick_next(&mut inner)
            };
            inner.next = next;
            (next, inner.current)
        };
        if next != Some(current) {
            self.suspend();
        }
    }

    /// Suspends the current thread's coroutine; returns when the controller resumes it.
    fn suspend(&self) {
        let yielder = {
            let inner = self.inner.borrow();
            inner.threads[inner.current].yielder.get()
        };
        // SAFETY: the yielder was set by this thread's coroutine body from the `&Yielder` it was
        // given, which lives as long as the coroutine runs; we are on that coroutine now.
        unsafe { (*yielder).suspend(()) };
        if self.unwind_pending.get() {
            // Resumed only to be unwound: the execution is over.
            self.abandon_unwind();
        }
    }

    /// A scheduling point while the execution is torn down: nothing is scheduled. Destructors
    /// and a thread's end (which a weft thread's wrapper runs after it caught the unwind) go
    /// through; an abandoned thread that passes too many is in a runaway loop, and given up.
    #[inline]
    fn while_torn(&self) {
        if self.abandoning.get() {
            let steps = self.abandon_steps.get() + 1;
            self.abandon_steps.set(steps);
            if steps > ABANDON_STEPS {
                self.give_up();
            }
        }
    }

    /// Unwinds the running thread, abandoned at the execution's end, from the scheduling point
    /// where it is, with `resume_unwind` (no panic hook runs) of weft_core's [`Abandoned`]
    /// payload, which a weft thread's wrapper lets pass silently and the thread's body here
    /// recognises. If it is already unwinding (it was suspended in a destructor), or swallowed
    /// the unwind too often, it is given up instead.
    #[cold]
    fn abandon_unwind(&self) {
        let raised = self.abandon_raises.get();
        if std::thread::panicking() || raised >= ABANDON_RAISES {
            self.give_up();
        }
        self.abandon_raises.set(raised + 1);
        std::panic::resume_unwind(Box::new(Abandoned));
    }

    /// Gives up the running thread, abandoned at the execution's end, that cannot be unwound
    /// (it would block, or it will not stop): it suspends for good, and `run_execution` retires
    /// its stack.
    #[cold]
    fn give_up(&self) -> ! {
        let yielder = {
            let inner = self.inner.borrow();
            inner.threads[inner.current].yielder.get()
        };
        loop {
            // SAFETY: as in `suspend`; the controller never resumes a given-up thread.
            unsafe { (*yielder).suspend(()) };
        }
    }

    /// Chooses what runs next. Options: the current thread if it can go on (option 0, so any
    /// other choice is a preemption), the other runnable threads, then threads whose deadline has
    /// come (a timeout firing). With no option, the clock jumps to the earliest deadline; with
    /// none pending, the execution ends — or deadlocks, if a non-daemon thread is blocked.
    fn pick_next(&self, inner: &mut Inner) -> Option<usize> {
        let yielding = self.yielding.replace(false);
        if yielding || inner.timed > 0 || self.config.track_footprints || self.config.track_trail {
            return self.pick_next_general(inner, yielding);
        }
        // The common step: the running thread did not yield, no timeout is pending, and the
        // strategy wants no footprint or trail. What follows is `pick_next_general` for that
        // case; where some thread could run, but none that does not poll, it goes there.
        let mut options = std::mem::take(&mut inner.options);
        options.clear();
        let current = inner.current;
        let current_runnable = self.can_run(inner, current);
        inner.threads[current].polling = false;
        if current_runnable {
            options.push(current);
        }
        // A switch away from a thread that ends its first step is no preemption.
        let preemptible = current_runnable && !std::mem::take(&mut inner.threads[current].fresh);
        for id in 0..inner.threads.len() {
            if id != current && self.can_run(inner, id) && !inner.threads[id].polling {
                options.push(id);
            }
        }
        if inner.unfinished == 0 || options.is_empty() {
            inner.options = options;
            return if inner.unfinished == 0 { None } else { self.pick_next_general(inner, false) };
        }
        let point = Point {
            threads: &options,
            current_runnable: preemptible,
            scheduling: true,
            yielding: None,
            objects: inner.next_number,
            trail: self.trail.get(),
        };
        let Some(index) = self.with_strategy(|s| s.choose(&point)) else {
            inner.options = options;
            inner.pruned = true;
            return None;
        };
        let chosen = options[index];
        if options.len() > 1 {
            let choice = Choice { chosen: index as u32, of: options.len() as u32, preemptible };
            self.watch.choice(inner.schedule.choices.len(), choice);
            inner.schedule.choices.push(choice);
            self.check_divergence(inner);
        }
        inner.options = options;
        Some(chosen)
    }

    /// [`Execution::pick_next`] in every case: threads that yield or poll, timeouts, footprints
    /// and trails.
    #[inline(never)]
    fn pick_next_general(&self, inner: &mut Inner, yielding: bool) -> Option<usize> {
        let clock_before = inner.clock;
        let mut step_reported = false;
        // A switch away from a thread that ends its first step is no preemption.
        let fresh = std::mem::take(&mut inner.threads[inner.current].fresh);
        loop {
            let mut options = std::mem::take(&mut inner.options);
            options.clear();
            let current = inner.current;
            let runnable_now = self.can_run(inner, current);
            // A thread that yields polls until its next step that is not a yield (see below).
            inner.threads[current].polling = runnable_now && yielding;
            // Option 0 is "the running thread goes on", unless it yields: then it comes last.
            let current_runnable = runnable_now && !yielding;
            if current_runnable {
                options.push(current);
            }
            // Threads that poll are left out while another thread can run.
            let mut pollers = usize::from(runnable_now && yielding);
            for id in 0..inner.threads.len() {
                if id != current && self.can_run(inner, id) {
                    if inner.threads[id].polling {
                        pollers += 1;
                    } else {
                        options.push(id);
                    }
                }
            }
            if !step_reported {
                // The step that just ended is complete now (`can_run` may have added to it).
                step_reported = true;
                if self.config.track_footprints {
                    let footprint = self.footprint.replace(Footprint::default());
                    let info = self.step_info.replace(StepInfo::default());
                    self.with_strategy(|s| s.step_footprint(footprint, info));
                    // Waits that began in that step: their acquires race with the takers'.
                    let mut blocked = std::mem::take(&mut inner.newly_blocked);
                    for (thread, key) in blocked.drain(..) {
                        if let Some(&object) = inner.numbers.get(&key) {
                            self.with_strategy(|s| s.blocked(thread, object));
                        }
                    }
                    inner.newly_blocked = blocked;
                }
                if inner.unfinished == 0 {
                    if self.config.track_footprints && options.len() + pollers > 0 {
                        // Daemon threads that could still run never will: the end races with
                        // their next steps.
                        let polling = |t: &SimThread| t.polling && matches!(t.status, Status::Runnable);
                        options.extend((0..inner.threads.len()).filter(|&id| polling(&inner.threads[id])));
                        self.with_strategy(|s| s.ended_before(&options));
                    }
                    inner.options = options;
                    return None;
                }
            }
            let mut due = 0;
            if inner.timed > 0 {
                if pollers > 0 && options.is_empty() {
                    // Only threads that poll (yield or spin) could run: polling lets time pass,
                    // so the next deadline comes before them.
                    if let Some(deadline) = Self::earliest_deadline(inner) {
                        inner.clock = inner.clock.max(deadline);
                    }
                }
                let clock = inner.clock;
                for (id, thread) in inner.threads.iter().enumerate() {
                    if let Status::Blocked { deadline: Some(d), .. } = thread.status {
                        if d <= clock {
                            options.push(id);
                            due += 1;
                        }
                    }
                }
            }
            // A thread that yields (or spins) polls until it takes a step that is not a yield:
            // it is not scheduled while a thread that does not poll can run or a timeout can
            // fire. A yield is a fairness hint, as in loom and shuttle, which every strategy
            // follows, so polling loops let the threads they wait for progress, and time pass
            // (and an exhaustive search of them ends).
            let first_timer = options.len() - due;
            let yielder_runs = pollers > 0 && options.is_empty();
            if yielder_runs {
                for id in 0..inner.threads.len() {
                    if id != current && inner.threads[id].polling && self.can_run(inner, id) {
                        options.push(id);
                    }
                }
                // The thread that yields just now goes on only if no other thread polls (its
                // next poll would find what its last one found).
                if options.is_empty() && runnable_now && yielding {
                    options.push(current);
                }
            }
            if options.is_empty() {
                inner.options = options;
                match Self::earliest_deadline(inner) {
                    Some(deadline) => {
                        inner.clock = inner.clock.max(deadline);
                        continue;
                    }
                    None => {
                        self.deadlock(inner);
                        return None;
                    }
                }
            }
            let yielder = (runnable_now && yielding).then_some(current);
            // Only the yielder could run: it is not a preemption to let it go on.
            let current_runnable = (current_runnable || (yielder_runs && options == [current])) && !fresh;
            let objects = inner.next_number;
            let trail = self.trail.get();
            let point =
                Point { threads: &options, current_runnable, scheduling: true, yielding: yielder, objects, trail };
            let Some(index) = self.with_strategy(|s| s.choose(&point)) else {
                inner.options = options;
                inner.pruned = true;
                return None;
            };
            if options.len() > 1 {
                let choice = Choice { chosen: index as u32, of: options.len() as u32, preemptible: current_runnable };
                self.watch.choice(inner.schedule.choices.len(), choice);
                inner.schedule.choices.push(choice);
                self.check_divergence(inner);
            }
            let chosen = options[index];
            if self.config.track_trail {
                self.trail.set(mix(self.trail.get(), (chosen as u64) << 32 | options.len() as u64));
            }
            inner.options = options;
            if self.config.track_footprints {
                // The locks the chosen thread holds as its step begins (for the strategy).
                let mut info = StepInfo::default();
                for address in inner.threads[chosen].holds.iter().rev() {
                    if let Some(&number) = inner.numbers.get(address) {
                        info.add_held(number);
                    }
                }
                self.step_info.set(info);
            }
            let fires = index >= first_timer && index < first_timer + due;
            if fires {
                self.fire_timeout(inner, chosen);
            }
            if fires || inner.clock != clock_before {
                // Time moved: treat the step as dependent on everything.
                self.footprint.set(Footprint::ALL);
            }
            return Some(chosen);
        }
    }

    /// Whether thread `id` can make progress: runnable, and not waiting in a blocking operation
    /// that is not ready. A thread that the step just ended made wait (it was ready when it
    /// reached the operation) is marked: its status says now what it waits on, as a parked
    /// thread's does, a change that belongs to the step that caused it.
    #[inline(always)]
    fn can_run(&self, inner: &mut Inner, id: usize) -> bool {
        let thread = &inner.threads[id];
        if !matches!(thread.status, Status::Runnable) {
            return false;
        }
        let Some(Awaiting { key, ready, until_release }) = thread.awaiting else { return true };
        if thread.unready.get() {
            debug_assert!(!self.probe(ready), "a blocking operation became ready without a release");
            return false;
        }
        if self.probe(ready) {
            return true;
        }
        thread.unready.set(until_release);
        if !thread.waited.replace(true) {
            self.begin_waiting(inner, id, key, until_release);
        }
        false
    }

    /// Records that the running thread waits on `key` (0: no longer) in its states, without
    /// parking it.
    #[inline]
    fn set_blocked_on(&self, key: usize) {
        let (state, others) = {
            let inner = self.inner.borrow();
            let thread = &inner.threads[inner.current];
            (thread.state.as_deref().map(|s| s as *const ThreadState<Sim>), !thread.other_states.is_empty())
        };
        match state {
            // SAFETY: as in `with_thread_state`: the box is owned by the thread's entry and
            // dropped only by the thread itself at its end, after its last wait.
            Some(state) => unsafe { &*state }.set_blocked_on(key),
            None => ThreadState::<Sim>::new().set_blocked_on(key),
        }
        if others {
            self.set_others_blocked_on(key);
        }
    }

    /// [`Execution::set_blocked_on`] for the running thread's states of other schedulers.
    #[cold]
    fn set_others_blocked_on(&self, key: usize) {
        let inner = self.inner.borrow();
        Self::set_other_states_blocked_on(&inner.threads[inner.current], key);
    }

    /// Records that `thread` waits on `key` (0: no longer) in its states of other schedulers.
    fn set_other_states_blocked_on(thread: &SimThread, key: usize) {
        for other in &thread.other_states {
            // SAFETY: the state is boxed among the thread's `locals`, which are dropped only at
            // the thread's end, after `other_states` is cleared; its `S::AtomicUsize` is plain
            // (`with_thread_state_of` keeps only such states here): nothing re-enters.
            unsafe { (other.set_blocked_on)(other.state, key) };
        }
    }

    /// Thread `id`, found not ready in its blocking operation on `key` for the first time since
    /// it began to wait, is marked as waiting on it (see [`Execution::can_run`]).
    #[cold]
    fn begin_waiting(&self, inner: &mut Inner, id: usize, key: usize, blocking: bool) {
        let track = self.config.track_footprints;
        if blocking && track {
            inner.newly_blocked.push((id, key));
        }
        Self::set_other_states_blocked_on(&inner.threads[id], key);
        if blocking && self.config.record_trace && inner.threads[id].nested == 0 {
            Self::record_blocks(inner, id);
        }
        let Some(state) = &inner.threads[id].state else { return };
        self.quiet.set(self.quiet.get() + 1);
        self.recording.set(track);
        state.set_blocked_on(key);
        self.recording.set(false);
        self.quiet.set(self.quiet.get() - 1);
        if track {
            let mut written = std::mem::take(&mut *self.probe_reads.borrow_mut());
            for address in written.drain(..) {
                self.touch(inner, address, true);
            }
            *self.probe_reads.borrow_mut() = written;
        }
    }

    fn earliest_deadline(inner: &Inner) -> Option<Duration> {
        inner
            .threads
            .iter()
            .filter_map(|t| match t.status {
                Status::Blocked { deadline: Some(d), .. } => Some(d),
                _ => None,
            })
            .min()
    }

    #[inline(always)]
    fn check_divergence(&self, inner: &mut Inner) {
        if self.replaying {
            self.check_replay(inner);
        }
    }

    /// [`Execution::check_divergence`] while a schedule is replayed.
    #[inline(never)]
    fn check_replay(&self, inner: &mut Inner) {
        if let Some(reason) = self.with_strategy(|s| s.divergence().map(str::to_owned)) {
            if inner.failure.is_none() {
                let strict = self.with_strategy(|s| s.strict());
                let (kind, message) = if strict {
                    (FailureKind::ReplayMismatch, format!("the replay cannot follow its token: {reason}"))
                } else {
                    (
                        FailureKind::Nondeterminism,
                        format!(
                            "the replay diverged ({reason}): the model is not deterministic (does it \
                             depend on real time, randomness, addresses or a HashMap's order?)"
                        ),
                    )
                };
                inner.failure = Some(Failure { kind, message, thread: inner.threads[inner.current].name.to_string() });
            }
        }
    }

    /// The deadline of blocked `thread` has come: take it off its queue; its park returns
    /// `TimedOut`.
    fn fire_timeout(&self, inner: &mut Inner, thread: usize) {
        if let Status::Blocked { key, deadline } = inner.threads[thread].status {
            inner.timed -= usize::from(deadline.is_some());
            let queue = inner.queues.entry(key);
            queue.retain(|&t| t != thread);
            let was_last = queue.is_empty();
            inner.queues.forget_if_empty(key);
            let entry = &mut inner.threads[thread];
            entry.status = Status::Runnable;
            entry.wake = Some(ParkResult::TimedOut);
            entry.timed_out = Some((key, was_last));
        }
    }

    fn deadlock(&self, inner: &mut Inner) {
        let mut blocked = Vec::new();
        for thread in &inner.threads {
            let waiting = match (thread.status, thread.awaiting) {
                (Status::Blocked { key, .. }, _) => Some(key),
                (Status::Runnable, Some(Awaiting { key, .. })) => Some(key),
                _ => None,
            };
            if let Some(key) = waiting {
                let waits_on = inner.labels.get(&key).cloned().unwrap_or_else(|| format!("object at {key:#x}"));
                let holds = thread
                    .holds
                    .iter()
                    .filter(|&&h| h != key)
                    .map(|h| inner.labels.get(h).cloned().unwrap_or_else(|| format!("object at {h:#x}")))
                    .collect();
                blocked.push(BlockedThread { thread: thread.name.to_string(), waits_on, holds });
            }
        }
        let names: Vec<&str> = blocked.iter().map(|b| b.thread.as_str()).collect();
        inner.failure.get_or_insert(Failure {
            message: format!("no thread can run and none has a deadline; blocked: {}", names.join(", ")),
            kind: FailureKind::Deadlock(blocked),
            thread: inner.threads[inner.current].name.to_string(),
        });
    }

    /// Records a failure (the first one wins) and stops the execution at the next point.
    pub(crate) fn fail(&self, kind: FailureKind, message: String) {
        if self.abandoning.get() {
            // The execution is over; unwinding its abandoned threads is no part of it.
            return;
        }
        let mut inner = self.inner.borrow_mut();
        if inner.failure.is_some() {
            return;
        }
        let current = inner.current;
        if kind == FailureKind::Panic {
            inner.failure_location = inner.threads[current].panic_location.clone();
        }
        let thread = inner.threads[current].name.to_string();
        inner.failure = Some(Failure { kind, message, thread });
    }

    /// The running thread panicked at `location` (from the panic hook; tracing only).
    fn panicked_at(&self, location: &std::panic::Location<'_>) {
        if !self.config.record_trace {
            return;
        }
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            let current = inner.current;
            if let Some(thread) = inner.threads.get_mut(current) {
                thread.panic_location = Some(format!("{}:{}:{}", location.file(), location.line(), location.column()));
            }
        }
    }

    /// A panic reached the default excepthook. Returns whether the hook prints it: only with
    /// Python's behaviour (`python_panics`); otherwise the report shows it, once.
    pub(crate) fn unhandled_panic(&self, thread: &str, message: &str) -> bool {
        if !self.config.python_panics {
            self.fail(FailureKind::Panic, format!("panic in thread {thread}: {message}"));
        }
        // Python's excepthook prints it, once: not again in the replays of a report, its
        // shrinking or the determinism check.
        self.config.python_panics && !self.replaying
    }

    /// Names the object at `object` `label` in traces and deadlock reports (see
    /// `Observe::label_object`).
    pub(crate) fn label_object(&self, object: usize, label: &str) {
        if !self.config.record_trace || self.tearing_down.get() {
            return;
        }
        let mut inner = self.inner.borrow_mut();
        if let Some(old) = inner.labels.insert(object, label.to_owned()) {
            // Events recorded before under the automatic label take the new one.
            for event in inner.trace.iter_mut().filter(|e| e.object == old) {
                event.object = label.to_owned();
            }
        }
    }

    pub(crate) fn thread_name(&self) -> String {
        let inner = self.inner.borrow();
        inner.threads[inner.current].name.to_string()
    }

    // ---- threads ----

    pub(crate) fn spawn(&self, options: SpawnOptions, main: Box<dyn FnOnce() + Send>) -> Result<(), SpawnError> {
        let id = {
            let mut inner = self.inner.borrow_mut();
            // A size of 0 is std's default; `weft::stack_size` accepts no size below 32 KiB.
            let size = if options.stack_size == 0 { stack::default_stack_size() } else { options.stack_size };
            let stack = inner.stack_pool.take(size).map_err(|e| SpawnError(e.to_string()))?;
            let id = inner.threads.len();
            let name = options.name.unwrap_or(ThreadName::numbered("sim-", id));
            self.watch.thread(id, &name);
            let state = inner.spare_states.pop().unwrap_or_default();
            let holds = inner.spare_holds.pop().unwrap_or_default();
            inner.threads.push(Self::new_thread(id, name, options.daemon, (size, stack), state, holds, main));
            inner.unfinished += usize::from(!options.daemon);
            if self.config.record_trace {
                let what = format!("spawn {}", inner.threads[id].name);
                self.record(&mut inner, None, &what);
                // The `Thread` object being started is this thread: it shows under its name.
                let current = inner.current;
                if let Some(op) = inner.threads[current].open.filter(|op| op.kind == "Thread") {
                    let label = Self::label(&mut inner, op.object, op.kind);
                    if label.starts_with("Thread#") {
                        let named = format!("{} ({label})", inner.threads[id].name);
                        for event in inner.trace.iter_mut().filter(|e| e.object == label) {
                            event.object = named.clone();
                        }
                        inner.labels.insert(op.object, named);
                    }
                }
            }
            self.touch(&mut inner, spawn_key(id), true);
            id
        };
        self.with_strategy(|s| s.thread_created(id));
        // No scheduling point here: the spawner's next one comes at once (`Thread::start` waits
        // for the new thread to announce itself), and the new thread can run from there.
        Ok(())
    }

    fn new_thread(
        id: usize,
        name: ThreadName,
        daemon: bool,
        (stack_size, stack): (usize, DefaultStack),
        state: Box<ThreadState<Sim>>,
        holds: Vec<usize>,
        main: Box<dyn FnOnce() + Send>,
    ) -> SimThread {
        let body = move |yielder: &Yielder<(), ()>, ()| {
            let execution = current();
            {
                let inner = execution.inner.borrow();
                inner.threads[id].yielder.set(yielder as *const Yielder<(), ()>);
            }
            // Ordered after its spawn.
            execution.touch_now(spawn_key(id), true);
            if execution.abandoning.get() {
                // Started only to be abandoned (the execution ended before it ran): its code
                // never runs, its closure is dropped.
                let _ = catch_unwind(AssertUnwindSafe(move || drop(main)));
            } else if let Err(payload) = catch_unwind(AssertUnwindSafe(main)) {
                // An abandoned thread's unwind ends here, and is no failure.
                if !payload.is::<Abandoned>() {
                    execution.fail(FailureKind::Panic, crate::panic_message(&*payload));
                }
            }
            // Its code is left: its end below runs in teardown mode, if abandoned.
            execution.unwind_pending.set(false);
            // The thread's end: its state (Local values, a dummy's registration) goes first,
            // while it can still use the scheduler.
            // Dropping them runs user destructors (`Local` values): a panic there fails the
            // execution like any other, and must not unwind out of the coroutine.
            // The state's memory is kept until the execution ends, so that no later thread's
            // objects take its addresses (footprints name objects by address).
            // Values of static locals go first, while the thread still reaches its locals: a
            // destructor that uses a key gets a value that is dropped too.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| execution.drop_static_locals())) {
                execution.fail(FailureKind::Panic, crate::panic_message(&*payload));
            }
            let mut state = execution.inner.borrow_mut().threads[id].state.take();
            let locals = {
                let mut inner = execution.inner.borrow_mut();
                inner.threads[id].other_states.clear();
                std::mem::take(&mut inner.threads[id].locals)
            };
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| {
                if let Some(state) = &mut state {
                    state.end();
                }
                drop(locals);
            })) {
                execution.fail(FailureKind::Panic, crate::panic_message(&*payload));
            }
            let mut inner = execution.inner.borrow_mut();
            inner.ended_states.extend(state);
            inner.threads[id].status = Status::Finished;
            if !inner.threads[id].daemon {
                inner.unfinished -= 1;
            }
        };
        SimThread {
            overflow_name: stack::OverflowName::of(&name),
            name,
            daemon,
            status: Status::Runnable,
            wake: None,
            timed_out: None,
            token: 0,
            state: Some(state),
            locals: Vec::new(),
            other_states: Vec::new(),
            yielder: Cell::new(std::ptr::null()),
            guard: stack::guard_page(&stack),
            stack_size,
            coroutine: Some(Fiber(ManuallyDrop::new(Coroutine::with_stack(stack, body)))),
            holds,
            awaiting: None,
            waited: Cell::new(false),
            unready: Cell::new(false),
            polling: false,
            fresh: true,
            open: None,
            nested: 0,
            panic_location: None,
        }
    }

    // ---- parking ----

    pub(crate) fn park(
        &self,
        key: usize,
        validate: impl FnOnce() -> bool,
        before_sleep: impl FnOnce(),
        timed_out: impl FnOnce(usize, bool),
        token: usize,
        deadline: Option<Instant>,
    ) -> ParkResult {
        self.touch_now(key, true);
        if !self.critical(validate) {
            return ParkResult::Invalid;
        }
        if self.abandoning.get() {
            // An abandoned thread being unwound waits: if it swallowed the unwind and still
            // runs its code, it gets it again; otherwise (it waits in a destructor, or at its
            // end) it is given up.
            if self.unwind_pending.get() {
                self.abandon_unwind();
            }
            self.give_up();
        }
        if self.tearing_down.get() {
            // After the end nothing runs again: a wait there ends at once.
            self.critical(before_sleep);
            self.critical(|| timed_out(key, true));
            return ParkResult::TimedOut;
        }
        {
            let mut inner = self.inner.borrow_mut();
            let current = inner.current;
            let deadline = deadline.map(|d| d.saturating_duration_since(epoch()));
            inner.timed += usize::from(deadline.is_some());
            let thread = &mut inner.threads[current];
            thread.status = Status::Blocked { key, deadline };
            thread.token = token;
            thread.wake = None;
            inner.queues.entry(key).push_back(current);
            if self.config.record_trace {
                if self.config.fine_grained {
                    let what = match inner.labels.get(&key) {
                        Some(label) => format!("park on {label}"),
                        None => "park".to_owned(),
                    };
                    self.record(&mut inner, None, &what);
                }
                Self::record_blocks(&mut inner, current);
            }
        }
        self.critical(before_sleep);
        // Blocked: others run until someone wakes this thread.
        self.run_next();
        let resumed_on = match self.inner.borrow().threads[self.current_thread()].timed_out {
            Some((key, _)) => key,
            None => key,
        };
        self.touch_now(resumed_on, true);
        let (wake, info) = {
            let mut inner = self.inner.borrow_mut();
            let current = inner.current;
            let thread = &mut inner.threads[current];
            (thread.wake.take(), thread.timed_out.take())
        };
        match wake {
            Some(ParkResult::TimedOut) => {
                let (key, was_last) = info.unwrap_or((key, true));
                self.critical(|| timed_out(key, was_last));
                let mut inner = self.inner.borrow_mut();
                self.record_inner(&mut inner, None, "timed out");
                self.woke(&mut inner);
                ParkResult::TimedOut
            }
            Some(result) => {
                self.woke(&mut self.inner.borrow_mut());
                result
            }
            None => unreachable!("a blocked thread resumes only once woken"),
        }
    }

    /// The running thread woke from a park (tracing): its open operation takes effect now,
    /// unless it is still inside another primitive's operation (a `Condition.wait`, which
    /// takes effect once it holds the lock again).
    fn woke(&self, inner: &mut Inner) {
        if self.config.record_trace && inner.threads[inner.current].nested == 0 {
            let current = inner.current;
            Self::record_open(inner, current);
        }
    }

    fn wake(inner: &mut Inner, thread: usize, token: usize) {
        if let Status::Blocked { deadline: Some(_), .. } = inner.threads[thread].status {
            inner.timed -= 1;
        }
        let entry = &mut inner.threads[thread];
        entry.status = Status::Runnable;
        entry.wake = Some(ParkResult::Unparked(token));
    }

    pub(crate) fn unpark_one(&self, key: usize, callback: impl FnOnce(UnparkResult) -> usize) -> UnparkResult {
        self.touch_now(key, true);
        let waiters = self.inner.borrow().queues.get(key).map_or(0, VecDeque::len);
        let chosen = if waiters > 1 {
            // Which waiter a release lets in is the strategy's choice (the spec leaves it open).
            let mut inner = self.inner.borrow_mut();
            let mut threads = std::mem::take(&mut inner.scratch);
            threads.extend(inner.queues.get(key).into_iter().flatten());
            let objects = inner.next_number;
            let point = Point {
                threads: &threads,
                current_runnable: false,
                scheduling: false,
                yielding: None,
                objects,
                trail: self.trail.get(),
            };
            let index = self.with_strategy(|s| s.choose(&point)).unwrap_or(0);
            let choice = Choice { chosen: index as u32, of: threads.len() as u32, preemptible: false };
            self.watch.choice(inner.schedule.choices.len(), choice);
            inner.schedule.choices.push(choice);
            threads.clear();
            inner.scratch = threads;
            self.check_divergence(&mut inner);
            Some(index)
        } else if waiters == 1 {
            Some(0)
        } else {
            None
        };
        let (thread, result) = {
            let mut inner = self.inner.borrow_mut();
            let queue = inner.queues.entry(key);
            let thread = chosen.and_then(|i| queue.remove(i));
            let result = UnparkResult {
                unparked_threads: usize::from(thread.is_some()),
                requeued_threads: 0,
                have_more_threads: !queue.is_empty(),
            };
            inner.queues.forget_if_empty(key);
            (thread, result)
        };
        let token = self.critical(|| callback(result));
        if let Some(thread) = thread {
            Self::wake(&mut self.inner.borrow_mut(), thread, token);
        }
        result
    }

    pub(crate) fn unpark_filter(
        &self,
        key: usize,
        mut filter: impl FnMut(usize) -> weft_core::FilterOp,
        callback: impl FnOnce(UnparkResult) -> usize,
    ) -> UnparkResult {
        self.touch_now(key, true);
        // The filter runs outside the borrow (its atomics may reach the execution): copies of the
        // queue and of the choice, in the execution's reusable buffers.
        let (mut queued, mut chosen) = {
            let mut inner = self.inner.borrow_mut();
            let mut queued = std::mem::take(&mut inner.scratch_tokens);
            let inner = &mut *inner;
            queued.extend(inner.queues.get(key).into_iter().flatten().map(|&t| (t, inner.threads[t].token)));
            (queued, std::mem::take(&mut inner.scratch))
        };
        self.critical(|| {
            for &(thread, token) in &queued {
                match filter(token) {
                    weft_core::FilterOp::Unpark => chosen.push(thread),
                    weft_core::FilterOp::Skip => {}
                    weft_core::FilterOp::Stop => break,
                }
            }
        });
        let result = {
            let mut inner = self.inner.borrow_mut();
            let queue = inner.queues.entry(key);
            queue.retain(|t| !chosen.contains(t));
            let result = UnparkResult {
                unparked_threads: chosen.len(),
                requeued_threads: 0,
                have_more_threads: !queue.is_empty(),
            };
            inner.queues.forget_if_empty(key);
            result
        };
        let token = self.critical(|| callback(result));
        let mut inner = self.inner.borrow_mut();
        for &thread in &chosen {
            Self::wake(&mut inner, thread, token);
        }
        queued.clear();
        chosen.clear();
        inner.scratch_tokens = queued;
        inner.scratch = chosen;
        result
    }

    pub(crate) fn unpark_requeue(
        &self,
        from: usize,
        to: usize,
        validate: impl FnOnce() -> weft_core::RequeueOp,
        callback: impl FnOnce(weft_core::RequeueOp, UnparkResult) -> usize,
    ) -> UnparkResult {
        use weft_core::RequeueOp::*;
        self.touch_now(from, true);
        self.touch_now(to, true);
        let op = self.critical(validate);
        let mut result = UnparkResult::default();
        let mut woken = None;
        if op != Abort {
            let mut inner = self.inner.borrow_mut();
            let inner = &mut *inner;
            let queue = inner.queues.entry(from);
            if matches!(op, UnparkOne | UnparkOneRequeueRest) {
                woken = queue.pop_front();
            }
            let mut moved = std::mem::take(&mut inner.scratch);
            match op {
                RequeueOne => moved.extend(queue.pop_front()),
                RequeueAll | UnparkOneRequeueRest => moved.extend(queue.drain(..)),
                _ => {}
            }
            result.unparked_threads = usize::from(woken.is_some());
            result.requeued_threads = moved.len();
            result.have_more_threads = !queue.is_empty();
            inner.queues.forget_if_empty(from);
            for &thread in &moved {
                if let Status::Blocked { deadline, .. } = inner.threads[thread].status {
                    inner.threads[thread].status = Status::Blocked { key: to, deadline };
                }
            }
            if !moved.is_empty() {
                inner.queues.entry(to).extend(moved.drain(..));
            }
            inner.scratch = moved;
        }
        let token = self.critical(|| callback(op, result));
        if let Some(thread) = woken {
            Self::wake(&mut self.inner.borrow_mut(), thread, token);
        }
        result
    }

    // ---- time ----

    pub(crate) fn sleep(&self, duration: Duration) {
        self.watch.event("", "sleep");
        if self.config.record_trace {
            let mut inner = self.inner.borrow_mut();
            self.record(&mut inner, None, &format!("sleep {duration:?}"));
            // A sleep is no primitive's operation: its park does not block one.
            let current = inner.current;
            inner.threads[current].open = None;
        }
        if duration.is_zero() {
            // Python's `time.sleep(0)`: a yield.
            return self.yield_now();
        }
        let key = &duration as *const Duration as usize;
        let deadline = self.now().checked_add(duration);
        if deadline.is_none() {
            self.fail(FailureKind::Deadlock(Vec::new()), "a thread sleeps forever".into());
        }
        self.park(key, || true, || {}, |_, _| {}, 0, deadline);
    }

    pub(crate) fn yield_now(&self) {
        self.watch.event("", "yield");
        self.yielding.set(true);
        self.footprint.set(Footprint::ALL);
        self.schedule_point();
    }
}

/// Unwinds the threads still suspended at the execution's end (daemon threads, every thread
/// after a failure or a pruned execution), one at a time, in teardown mode: each is resumed at
/// its pending scheduling point, which unwinds with the [`Abandoned`] payload; its destructors
/// run (a `std::thread::scope` waits there for its OS threads), then its usual end, and its
/// coroutine returns: nothing can point into its stack any more, which is reused. Meanwhile
/// scheduling points schedule nothing and no failure is recorded. A thread never started only
/// drops its closure. A thread that would block while unwinding (park), that swallows the
/// unwind and waits again too often, or that runs away, is given up: its coroutine and stack
/// are leaked (retired), never reused nor unmapped, so that whatever still points into them
/// stays valid.
fn abandon_threads(execution: &Execution) {
    execution.abandoning.set(true);
    let count = execution.inner.borrow().threads.len();
    for id in 0..count {
        let coroutine = {
            let mut inner = execution.inner.borrow_mut();
            inner.current = id;
            inner.threads[id].awaiting = None;
            let entry = &inner.threads[id];
            stack::set_running(entry.guard, entry.overflow_name, &inner.schedule.choices);
            inner.threads[id].coroutine.take()
        };
        let Some(mut coroutine) = coroutine else { continue };
        execution.unwind_pending.set(coroutine.0.started());
        execution.abandon_raises.set(0);
        execution.abandon_steps.set(0);
        // A panic out of the coroutine is the simulator's own (the thread's body catches the
        // thread's): it still finished the coroutine, whose stack is reusable.
        let result = catch_unwind(AssertUnwindSafe(|| coroutine.0.resume(())));
        execution.unwind_pending.set(false);
        match result {
            Ok(CoroutineResult::Yield(())) => {
                // Given up: leaked with its stack (see `Fiber`).
                RETIRED_STACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                RETIRED_HERE.with(|r| r.set(r.get() + 1));
                std::mem::forget(coroutine);
            }
            Ok(CoroutineResult::Return(())) | Err(_) => {
                let mut inner = execution.inner.borrow_mut();
                let size = inner.threads[id].stack_size;
                inner.finished_stacks.give(size, coroutine.into_stack());
            }
        }
    }
    execution.abandoning.set(false);
}

/// Runs one execution of `model` under `strategy`. Threads still suspended at the end are
/// unwound (see [`abandon_threads`]).
pub(crate) fn run_execution(
    model: &Arc<dyn Fn() + Send + Sync>,
    strategy: &mut dyn Strategy,
    config: Config,
    buffers: &mut Buffers,
) -> Outcome {
    let strategy: *mut (dyn Strategy + '_) = strategy;
    // SAFETY: only the lifetime is erased; the pointer is used only during this call, while
    // `strategy` is mutably borrowed by it.
    let strategy: *mut (dyn Strategy + 'static) = unsafe { std::mem::transmute(strategy) };
    // Leaked if the simulator itself panics below: dropping it then would run the threads' and
    // the model's destructors outside the simulation (a panic in a destructor during that unwind
    // would abort the process). The panic reaches the caller of `Explorer::run` as it is.
    let execution = ManuallyDrop::new(Execution::new(strategy, config, buffers));
    // Checked before the pointer changes: a nested run must leave the running execution's
    // pointer as it is (its panic unwinds into that execution).
    assert!(CURRENT.with(Cell::get).is_null(), "simulations do not nest");
    CURRENT.with(|c| c.set(&*execution as *const Execution));
    // Whatever happens below, even a panic, the pointer to this execution does not outlive it.
    struct ClearCurrent;
    impl Drop for ClearCurrent {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(std::ptr::null()));
        }
    }
    let _clear = ClearCurrent;

    stack::install_overflow_handler();
    execution.start_main_thread(model);
    execution.run_steps();
    let spare_states = execution.tear_down();

    stack::clear_running();
    // Nothing below uses the simulator: the execution stops being current before it moves.
    CURRENT.with(|c| c.set(std::ptr::null()));
    ManuallyDrop::into_inner(execution).into_outcome(buffers, spare_states)
}

impl Execution {
    /// A fresh execution of `config`, on the buffers of earlier ones, explored by `strategy`.
    fn new(strategy: *mut (dyn Strategy + 'static), mut config: Config, buffers: &mut Buffers) -> Execution {
        // SAFETY: the strategy outlives the execution (see `run_execution`).
        let strategy_follows = unsafe { &*strategy }.follows_a_schedule();
        let id = EXECUTIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let plain_atomics = !config.fine_grained && !config.track_footprints;
        let detailed = config.record_trace || config.track_footprints;
        let fingerprinting = strategy_follows || config.record_trace;
        let config_announces_more = config.track_trail || fingerprinting || detailed || config.record_trace;
        let choices = std::mem::take(&mut buffers.choices);
        Execution {
            inner: RefCell::new(Inner {
                threads: std::mem::take(&mut buffers.threads),
                current: 0,
                clock: Duration::ZERO,
                queues: std::mem::take(&mut buffers.queues),
                labels: HashMap::new(),
                label_counts: HashMap::new(),
                trace: Vec::new(),
                schedule: Schedule { choices, fingerprint: 0 },
                steps: 0,
                failure: None,
                next: Some(0),
                options: std::mem::take(&mut buffers.options),
                scratch: std::mem::take(&mut buffers.scratch),
                scratch_tokens: std::mem::take(&mut buffers.scratch_tokens),
                newly_blocked: std::mem::take(&mut buffers.newly_blocked),
                stack_pool: std::mem::take(&mut buffers.stacks),
                finished_stacks: std::mem::take(&mut buffers.finished_stacks),
                ended_states: std::mem::take(&mut buffers.ended_states),
                spare_states: std::mem::take(&mut buffers.spare_states),
                spare_holds: std::mem::take(&mut buffers.spare_holds),
                numbers: HashMap::new(),
                next_number: 0,
                pruned: false,
                unfinished: 0,
                timed: 0,
                fingerprint: FNV_OFFSET,
                fingerprinted: 0,
                failure_location: None,
            }),
            strategy,
            run_state: RefCell::new(None),
            locals: RefCell::new(Vec::new()),
            // The publisher keeps the config's watch (no second reference to count).
            watch: crate::watchdog::Publisher::begin(config.watch.take(), !config.record_trace),
            id,
            origin: crate::origin_of(id),
            config,
            in_critical: Cell::new(false),
            accesses: Cell::new(0),
            footprint: Cell::new(Footprint::default()),
            quiet: Cell::new(0),
            recording: Cell::new(false),
            probe_reads: RefCell::new(Vec::new()),
            step_info: Cell::new(StepInfo::default()),
            yielding: Cell::new(false),
            tearing_down: Cell::new(false),
            trail: Cell::new(0),
            abandoning: Cell::new(false),
            unwind_pending: Cell::new(false),
            abandon_raises: Cell::new(0),
            abandon_steps: Cell::new(0),
            replaying: strategy_follows,
            fingerprinting,
            announce_more: config_announces_more,
            plain_atomics,
            detailed,
        }
    }

    /// Makes the model's main thread, on a stack of the configured size, and runs it first.
    fn start_main_thread(&self, model: &Arc<dyn Fn() + Send + Sync>) {
        let size = if self.config.main_stack == 0 { stack::default_stack_size() } else { self.config.main_stack };
        let stack = self.inner.borrow_mut().stack_pool.take(size);
        let stack = stack.unwrap_or_else(|e| panic!("cannot map a stack of {size} bytes for the model: {e}"));
        let model = model.clone();
        let main = Box::new(move || {
            model();
        });
        let mut inner = self.inner.borrow_mut();
        let state = inner.spare_states.pop().unwrap_or_default();
        let holds = inner.spare_holds.pop().unwrap_or_default();
        let main_thread =
            Execution::new_thread(0, ThreadName::fixed("MainThread"), false, (size, stack), state, holds, main);
        inner.threads.push(main_thread);
        inner.unfinished += 1;
        drop(inner);
        self.with_strategy(|s| s.thread_created(0));
    }

    /// The step loop: resumes the thread chosen to run next until it comes back (at a
    /// scheduling point, which chose the next one) or ends (then the next is chosen here), until
    /// nothing is chosen or a failure is recorded.
    fn run_steps(&self) {
        loop {
            let next = self.inner.borrow_mut().next.take();
            let Some(thread) = next else { break };
            let mut coroutine = {
                let mut inner = self.inner.borrow_mut();
                inner.current = thread;
                let entry = &inner.threads[thread];
                stack::set_running(entry.guard, entry.overflow_name, &inner.schedule.choices);
                self.watch.switch(thread);
                inner.threads[thread].coroutine.take().expect("a runnable thread has its coroutine")
            };
            match coroutine.0.resume(()) {
                CoroutineResult::Yield(()) => {
                    self.inner.borrow_mut().threads[thread].coroutine = Some(coroutine);
                }
                CoroutineResult::Return(()) => {
                    let mut inner = self.inner.borrow_mut();
                    let size = inner.threads[thread].stack_size;
                    inner.finished_stacks.give(size, coroutine.into_stack());
                    inner.next = if inner.failure.is_some() { None } else { self.pick_next(&mut inner) };
                }
            }
            if self.inner.borrow().failure.is_some() {
                break;
            }
        }
    }

    /// Unwinds the threads still suspended (abandoned), in teardown mode, before anything of the
    /// execution is dropped (their destructors may use it); then drops the execution's own
    /// state (the registry, hooks, other schedulers' state) while it is still current, so that
    /// destructors that call the scheduler neither schedule nor block. Returns the threads'
    /// states that the next execution can reuse.
    fn tear_down(&self) -> Vec<Box<ThreadState<Sim>>> {
        self.tearing_down.set(true);
        abandon_threads(self);
        let locals = self.locals.take();
        let run_state = self.run_state.take();
        let mut ended_states = std::mem::take(&mut self.inner.borrow_mut().ended_states);
        let mut spare_states = std::mem::take(&mut self.inner.borrow_mut().spare_states);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| {
            // Ended states nothing else holds serve the next execution's threads.
            for mut state in ended_states.drain(..) {
                if state.renew() {
                    spare_states.push(state);
                }
            }
            drop(locals);
            drop(run_state);
        })) {
            self.fail(
                FailureKind::Panic,
                format!("panic while dropping the execution's state: {}", crate::panic_message(&*payload)),
            );
        }
        self.tearing_down.set(false);
        self.inner.borrow_mut().ended_states = ended_states;
        spare_states
    }

    /// What the ended execution found, its buffers given back for the next one.
    fn into_outcome(self, buffers: &mut Buffers, spare_states: Vec<Box<ThreadState<Sim>>>) -> Outcome {
        let trail = self.trail.get();
        let strategy = self.strategy;
        let mut inner = self.inner.into_inner();
        if self.fingerprinting {
            inner.schedule.fingerprint = inner.fingerprint;
        }
        if self.replaying && !inner.pruned {
            // SAFETY: as in `Execution::with_strategy`: the strategy is borrowed by the caller
            // of `run_execution`, and the execution that shared it has ended.
            if let Some(message) = unsafe { &*strategy }.finish(inner.schedule.fingerprint) {
                // A token for another program: whatever happened is not what it recorded.
                let thread =
                    inner.threads.get(inner.current).map_or_else(|| "MainThread".to_owned(), |t| t.name.to_string());
                inner.failure = Some(Failure { kind: FailureKind::ReplayMismatch, message, thread });
            }
        }
        for thread in &mut inner.threads {
            // Only a given-up thread still has its coroutine: leaked with its stack (`Fiber`).
            drop(thread.coroutine.take());
            if let Some(state) = thread.state.take() {
                std::mem::forget(state);
            }
            thread.other_states.clear();
            std::mem::forget(std::mem::take(&mut thread.locals));
            let mut holds = std::mem::take(&mut thread.holds);
            holds.clear();
            inner.spare_holds.push(holds);
        }
        let Inner { stack_pool, finished_stacks, .. } = &mut inner;
        stack_pool.append(finished_stacks);
        buffers.stacks = std::mem::take(&mut inner.stack_pool);
        buffers.finished_stacks = std::mem::take(&mut inner.finished_stacks);
        inner.threads.clear();
        buffers.threads = std::mem::take(&mut inner.threads);
        buffers.options = std::mem::take(&mut inner.options);
        buffers.scratch = std::mem::take(&mut inner.scratch);
        buffers.scratch_tokens = std::mem::take(&mut inner.scratch_tokens);
        inner.newly_blocked.clear();
        buffers.newly_blocked = std::mem::take(&mut inner.newly_blocked);
        inner.queues.clear();
        buffers.queues = std::mem::take(&mut inner.queues);
        buffers.ended_states = std::mem::take(&mut inner.ended_states);
        buffers.spare_states = spare_states;
        buffers.spare_holds = std::mem::take(&mut inner.spare_holds);
        Outcome {
            failure: inner.failure,
            pruned: inner.pruned,
            schedule: inner.schedule,
            trace: inner.trace,
            steps: inner.steps,
            trail,
            panic_location: inner.failure_location,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::Point;
    use weft_core::{Event, Thread};

    /// Picks the first option, and panics at its `at`-th pick: a panic of the simulator itself,
    /// on a simulated thread's stack or on the controller's, with other threads suspended.
    struct PanicAt {
        at: usize,
        picks: usize,
    }

    impl Strategy for PanicAt {
        fn next_execution(&mut self) -> bool {
            true
        }
        fn choose(&mut self, _point: &Point<'_>) -> Option<usize> {
            self.picks += 1;
            assert!(self.picks != self.at, "the strategy's own bug");
            Some(0)
        }
    }

    fn config() -> Config {
        Config {
            max_steps: 10_000,
            fine_grained: false,
            record_trace: false,
            python_panics: false,
            track_footprints: false,
            track_trail: false,
            main_stack: 0,
            watch: None,
        }
    }

    /// A thread that finishes (so that the controller picks the next thread) while a daemon
    /// thread waits forever and the main thread waits for the first.
    fn model() -> Arc<dyn Fn() + Send + Sync> {
        Arc::new(|| {
            let never = Arc::new(Event::<Sim>::new());
            let n = never.clone();
            let daemon = Thread::<Sim>::builder().daemon(true).build(move || {
                n.wait();
            });
            daemon.start().unwrap();
            let quick = Thread::<Sim>::new(|| {});
            quick.start().unwrap();
            quick.join().unwrap();
            never.set();
        })
    }

    const CHILD: &str = "WEFT_EXECUTION_TESTS_CHILD";

    /// A panic of the simulator itself, wherever it happens, is a failure of the execution or a
    /// panic out of `run_execution` (and so of `Explorer::run`), never an abort: the threads it
    /// leaves suspended are not unwound outside the simulation. In a child process: the old
    /// behaviour aborted the test binary.
    #[test]
    fn a_panic_of_the_simulator_does_not_abort() {
        const NAME: &str = "execution::tests::a_panic_of_the_simulator_does_not_abort";
        if std::env::var(CHILD).is_ok() {
            let mut buffers = Buffers::default();
            let (mut failed, mut panicked) = (0, 0);
            for at in 1..40 {
                let mut strategy = PanicAt { at, picks: 0 };
                match catch_unwind(AssertUnwindSafe(|| run_execution(&model(), &mut strategy, config(), &mut buffers)))
                {
                    Ok(outcome) => failed += usize::from(outcome.failure.is_some()),
                    Err(_) => {
                        panicked += 1;
                        // The pool is left as the panic left it: a fresh one.
                        buffers = Buffers::default();
                    }
                }
            }
            // Both kinds happened: on a simulated thread (a failure) and in the controller.
            assert!(failed > 0 && panicked > 0, "failed {failed}, panicked {panicked}");
            // And executions still run.
            let mut strategy = PanicAt { at: usize::MAX, picks: 0 };
            assert!(run_execution(&model(), &mut strategy, config(), &mut buffers).failure.is_none());
            println!("child done");
            return;
        }
        let out = std::env::temp_dir().join(format!("weft-execution-tests-{}.txt", std::process::id()));
        let file = std::fs::File::create(&out).expect("a file for the child's output");
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .stdout(file.try_clone().expect("the file again"))
            .stderr(file)
            .spawn()
            .expect("run the child");
        let began = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the child") {
                break Some(status);
            }
            if began.elapsed() > Duration::from_secs(120) {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        let _ = std::fs::remove_file(&out);
        assert!(status.is_some_and(|s| s.success()) && text.contains("child done"), "{status:?}\n{text}");
    }
}
