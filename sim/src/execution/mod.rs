//! One execution: simulated threads on coroutines, one running at a time, on the OS thread that
//! runs the exploration; parking queues; the virtual clock; failure detection.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use weft_core::{
    Abandoned, ParkResult, RunState, RunStorage, Scheduler, SpawnError, SpawnOptions, StaticLocals, ThreadName,
    ThreadState, UnparkResult,
};

use crate::Sim;
use crate::report::{BlockedThread, Failure, FailureKind, TraceEvent};
use crate::schedule::{Choice, FNV_OFFSET, Schedule, fnv1a};
use crate::stack::{self, StackPool};
use crate::strategy::{Bits, Follow, Footprint, Point, StepInfo, Strategy};

mod abandon;
mod clock;
mod footprints;
mod lifecycle;
mod operations;
mod parking;
mod races;
pub(crate) use races::{cells_state, reset_cells_seen, set_cells_state, take_untracked_cells};
mod scheduling;
mod slots;
#[cfg(test)]
mod tests;
mod threads;
mod trace;

use abandon::abandon_threads;
use slots::{Renewable, Renewal, TypedSlots, take_spare};

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

/// What a new thread is made of besides its stack: its state, its hold list, its list of other
/// records and its slots (see [`Execution::thread_buffers`]).
struct ThreadBuffers {
    state: Box<ThreadState<Sim>>,
    holds: Vec<usize>,
    other_records: Vec<usize>,
    locals: TypedSlots,
}

struct SimThread {
    name: ThreadName,
    daemon: bool,
    status: Status,
    /// How its last park ended, set by whoever woke it.
    wake: Option<ParkResult>,
    /// For a timed-out park: the key it was parked on then, and whether it was the last there.
    timed_out: Option<(usize, bool)>,
    /// Its next (or current) park reads nothing on resuming but its wake-up (see
    /// `Observe::next_park_reads_only_its_wake`).
    reads_only_its_wake: bool,
    /// Its park token, for `unpark_filter`.
    token: usize,
    state: Option<Box<ThreadState<Sim>>>,
    /// The address of its blocked-on record in `state` ([`ThreadState::blocked_on_address`]),
    /// kept after the state goes: the key its own steps write as it begins and ends a wait, and
    /// readers of its status read (see [`Execution::read_blocked_on`]).
    record: usize,
    /// Values other schedulers keep per thread (see [`Execution::with_thread_local`]).
    locals: TypedSlots,
    /// The blocked-on records of the thread's states of other schedulers among `locals` (see
    /// [`Execution::with_thread_state_of`]).
    other_records: Vec<usize>,
    yielder: Cell<*const Yielder<(), ()>>,
    /// Whether it is suspended at an atomic access inside a primitive (a fine-grained
    /// scheduling point): abandoned there, it finishes the primitive before it unwinds.
    at_atomic_point: Cell<bool>,
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
    /// Whether, after that, it was found ready again (what it waits for was released): found
    /// not ready once more, another step took the object, which its operation races with too.
    ready_again: Cell<bool>,
    /// Whether it is unwinding from a panic, as far as the simulator knows (see
    /// [`Execution::panicking`]).
    unwinding: Cell<bool>,
    /// Set when its blocking operation was found not ready and nothing released the object
    /// since: it stays not ready without testing again (see [`Execution::releases`]).
    unready: Cell<bool>,
    /// Set while it polls: its last step ended in a yield (or a spin), and it has not taken a
    /// step since (see [`Execution::pick_next`]).
    polling: bool,
    /// The virtual time of its last yield (or spin): from then until time passes, its steps
    /// are a poller's, and do not count in [`Inner::progress`].
    yielded_at: Option<Duration>,
    /// When it last went on from a poll before time could pass: the virtual time, and
    /// [`Inner::progress`] then (see [`Execution::may_go_on_before_time_passes`]).
    went_on_at: Option<(Duration, u64)>,
    /// Its last yield came right after the one before, with nothing looked at in between: it
    /// counts (or backs off) rather than polls, and may go on once more before time passes,
    /// whatever [`SimThread::went_on_at`] says (see [`Execution::pick_next_general`]).
    counting: bool,
    /// Its last go before a yield read the clock: with no deadline ahead, it waits for time to
    /// pass (see [`Execution::pick_next_general`]).
    polls_the_clock: bool,
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
    /// Whether one of its waits was allowed to wake spuriously (once per thread and execution,
    /// see [`Execution::spurious_wakeup`]).
    spurious_used: bool,
    /// The object of the operation it announced last (kept only for a strategy that asks:
    /// [`Config::track_pending`]; 0 before its first).
    pending: usize,
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

/// What a thread waits for in a blocking operation or a hand-shake (see [`SimThread::awaiting`]).
#[derive(Clone, Copy)]
struct Awaiting {
    key: usize,
    /// The readiness test, on the waiting thread's suspended stack.
    ready: *const (dyn Fn() -> bool + 'static),
    /// A blocking operation (an acquire, a join), whose test can turn true only when something
    /// releases `key`; not so a hand-shake's (`Observe::wait_ready`).
    until_release: bool,
    /// When a timed wait gives up (on the virtual clock; see `Observe::wait_read_until`).
    deadline: Option<Duration>,
}

/// Hashes object addresses for the maps the step loop consults (the objects' numbers): an
/// address is already unique, so one multiplication spreads it over the bits the table uses
/// (SipHash, the default, took a fifth of the exhaustive search's time).
#[derive(Default)]
pub(crate) struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used for addresses (`write_usize` is); any other key still hashes correctly.
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, address: usize) {
        self.0 = (address as u64 ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
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
    /// Whether a `Condvar` wait may wake without a notify (a choice at each wait).
    pub spurious_wakeups: bool,
    pub record_trace: bool,
    /// Whether a panic the default excepthook handles only prints (Python's behaviour) instead
    /// of failing the execution.
    pub python_panics: bool,
    /// Whether to compute each step's footprint (for partial-order reduction).
    pub track_footprints: bool,
    /// Whether to hash the steps into [`Outcome::trail`] (for the determinism check of a
    /// search that claims it finished).
    pub track_trail: bool,
    /// Whether each thread's announced operation is kept, and a scheduling point tells the
    /// strategy the object each option's thread operates on next ([`Point::pending`]).
    pub track_pending: bool,
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
    labels: HashMap<usize, String, BuildHasherDefault<AddressHasher>>,
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
    /// Emptied lists of earlier executions' threads (their holds and their other records),
    /// ready to serve new threads.
    spare_lists: Vec<Vec<usize>>,
    /// Emptied per-thread slots of earlier executions' threads, ready to serve new threads.
    spare_slots: Vec<TypedSlots>,
    /// Other schedulers' thread states (`TypedSlots` values with a `Renewal`) of threads that
    /// ended, kept until the execution ends as `ended_states` are; then, renewed, they serve
    /// later executions' threads (`spare_locals`).
    ended_locals: Vec<Renewable>,
    spare_locals: Vec<Renewable>,
    /// Shared objects numbered by first touch in this execution (footprints use the numbers,
    /// which are stable across executions that share a prefix, unlike addresses).
    numbers: HashMap<usize, u32, BuildHasherDefault<AddressHasher>>,
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
    /// Steps that ended in no yield, of threads that had not yielded at the time they took
    /// them: what a thread that polls may find changed (see [`SimThread::went_on_at`]).
    progress: u64,
    /// Where time began to pass for threads that poll the clock with no deadline ahead: the
    /// virtual time, and [`Inner::progress`] then (see [`Execution::pick_next_general`]).
    clock_polled_since: Option<(Duration, u64)>,
    /// The program's fingerprint so far (see [`Schedule::fingerprint`]), and how many operations
    /// it covers.
    fingerprint: u32,
    fingerprinted: u32,
    /// Where the panic that failed the execution happened (tracing only).
    failure_location: Option<String>,
    /// A thread just spawned, and its spawner, until `Thread.start`'s hand-shake has run it to
    /// its first scheduling point (see [`Execution::run_starting_thread`]).
    starting: Option<Starting>,
    /// A reusable buffer of the options' pending objects ([`Point::pending`]).
    pending: Vec<usize>,
}

/// A thread being started: `child`, spawned by `parent`.
#[derive(Clone, Copy)]
struct Starting {
    child: usize,
    parent: usize,
}

/// The state of the running execution, reached by every `Sim` service through [`current`].
pub(crate) struct Execution {
    inner: RefCell<Inner>,
    /// The race detector's state, once tracking is on (see `races.rs`).
    races: RefCell<Option<Box<races::Races>>>,
    /// Whether `races` tracks: one flag test per synchronising operation otherwise.
    races_on: Cell<bool>,
    /// `inner.current`, readable while `inner` is borrowed (by the race detector, whose hooks
    /// run inside the simulator's own calls).
    running: Cell<usize>,
    strategy: *mut dyn Strategy,
    run_state: RefCell<Option<Rc<RunState<Sim>>>>,
    /// Values other schedulers keep per execution (see [`Execution::with_execution_local`]).
    locals: RefCell<TypedSlots>,
    /// The type and place of the value of `locals` used last: the façade asks for its run
    /// state many times in each step, and this spares the search of the slots. Cleared by
    /// [`Execution::take_execution_locals`], the one way `locals` lose values.
    last_local: Cell<Option<(TypeId, *const ())>>,
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
    /// What the running thread looked at between scheduling points (an atomic, the clock) since
    /// it was last resumed or reached one: [`LOOKED_AT_AN_ATOMIC`], [`LOOKED_AT_THE_CLOCK`] (see
    /// [`Execution::yield_now`]).
    looked: Cell<u8>,
    /// What the yield that ends the step under way looked at since the thread's last
    /// scheduling point (see [`Execution::pick_next_general`]).
    yield_looked: Cell<u8>,
    /// The footprint of the step under way (see [`Strategy::step_footprint`]).
    footprint: Cell<Footprint>,
    /// The object of the operation the step under way began with (its scheduling point was the
    /// operation's), while footprints are tracked; `usize::MAX` if it began otherwise (see
    /// [`Execution::commutes`]).
    step_begun_on: Cell<usize>,
    /// Set when the step under way takes a lock (`Observe::acquires`); cleared where a step
    /// ends. An acquire is a right mover: the step may run on into the thread's next operation
    /// without a choice first, if that operation cannot block (see `Point::mover`).
    step_acquired: Cell<bool>,
    /// Set at the scheduling point before a mover (see `Point::mover`), cleared once it is
    /// taken.
    mover_next: Cell<bool>,
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
    /// The abandoned thread being unwound was resumed at an atomic access: it unwinds at its
    /// next operation (or wait).
    unwind_deferred: Cell<bool>,
    abandon_raises: Cell<u32>,
    /// Scheduling points the abandoned thread being unwound passed (see [`ABANDON_STEPS`]).
    abandon_steps: Cell<u32>,
    /// The abandoned thread being unwound suspended to wait for another (see
    /// [`Execution::wait_for_abandoned`]).
    waits_for_abandoned: Cell<bool>,
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

/// The footprint bit of the clock (see [`Footprint::bit_of`] for the others).
const CLOCK_BIT: Bits = Footprint::CLOCK;

/// The footprint key that orders a thread's spawn before its first step (an address no object
/// has).
fn spawn_key(thread: usize) -> usize {
    usize::MAX - thread
}

/// The footprint key of a parked thread's wake-up: written by the step that wakes it and by
/// its own step that resumes (an address no object has).
fn wake_key(thread: usize) -> usize {
    usize::MAX - (1 << 24) - thread
}

/// The footprint key that stands for a thread's record in a foreign scheduler's thread state
/// (the façade's, made when the thread first needs it, see
/// [`Execution::with_thread_state_of`]) until that state is made: numbered when the thread is
/// made, so that the record has one number in every execution that shares the spawn, whichever
/// thread first parks (an address no object has).
fn foreign_record_key(thread: usize) -> usize {
    usize::MAX - (2 << 24) - thread
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

/// [`Execution::looked`]: an atomic access (not a readiness probe's, nor a primitive's internal
/// section's).
pub(super) const LOOKED_AT_AN_ATOMIC: u8 = 1;
/// [`Execution::looked`]: a reading of the clock.
pub(super) const LOOKED_AT_THE_CLOCK: u8 = 2;

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
    /// More buffers for schedules' choices: those of a helper thread's executions, handed back
    /// by the exploring thread (see [`Buffers::recycle`]), so that each thread reuses the memory
    /// it allocated.
    spare_choices: Vec<Vec<Choice>>,
    threads: Vec<SimThread>,
    options: Vec<usize>,
    pending: Vec<usize>,
    /// The objects' numbers (emptied; kept for its capacity).
    numbers: HashMap<usize, u32, BuildHasherDefault<AddressHasher>>,
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
    spare_lists: Vec<Vec<usize>>,
    spare_slots: Vec<TypedSlots>,
    ended_locals: Vec<Renewable>,
    spare_locals: Vec<Renewable>,
}

impl Buffers {
    /// Hands a finished execution's schedule back for reuse.
    pub(crate) fn recycle(&mut self, mut schedule: Schedule) {
        schedule.choices.clear();
        if self.choices.capacity() == 0 {
            self.choices = schedule.choices;
        } else if self.spare_choices.len() < SPARE_CHOICES {
            self.spare_choices.push(schedule.choices);
        }
    }

    /// A buffer for the next execution's choices.
    fn take_choices(&mut self) -> Vec<Choice> {
        match self.choices.capacity() {
            0 => self.spare_choices.pop().unwrap_or_default(),
            _ => std::mem::take(&mut self.choices),
        }
    }
}

/// The most spare choice buffers [`Buffers`] keep (a helper's executions of one job, handed
/// back at once).
const SPARE_CHOICES: usize = 4096;

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
    /// The execution belongs to another shard of a split exploration (set by the explorer from
    /// the strategy's `not_mine`): it is not counted.
    pub not_mine: bool,
}

impl Execution {
    fn with_strategy<R>(&self, f: impl FnOnce(&mut dyn Strategy) -> R) -> R {
        // SAFETY: the strategy outlives the execution (`run_execution` borrows it mutably for
        // the whole run) and is only used from this OS thread, one call at a time: strategies
        // never call back into the simulator, so this is the only reference while `f` runs.
        f(unsafe { &mut *self.strategy })
    }
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
    execution.tear_down();

    stack::clear_running();
    // Nothing below uses the simulator: the execution stops being current before it moves.
    CURRENT.with(|c| c.set(std::ptr::null()));
    ManuallyDrop::into_inner(execution).into_outcome(buffers)
}

impl Execution {
    /// Makes thread `id` the running one (its coroutine is resumed next): the current thread,
    /// the race detector's, and the stack overflow handler's.
    fn make_running(&self, inner: &mut Inner, id: usize) {
        inner.current = id;
        self.looked.set(0);
        self.running.set(id);
        let entry = &inner.threads[id];
        stack::set_running(entry.guard, entry.overflow_name, &inner.schedule.choices);
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
                self.make_running(&mut inner, thread);
                self.watch.switch(thread);
                inner.threads[thread].coroutine.take().expect("a runnable thread has its coroutine")
            };
            let ended = coroutine.0.resume(());
            // The step ended (or the thread did): a lock it took moves no later step.
            self.step_acquired.set(false);
            self.mover_next.set(false);
            match ended {
                CoroutineResult::Yield(()) => {
                    self.inner.borrow_mut().threads[thread].coroutine = Some(coroutine);
                }
                CoroutineResult::Return(()) => {
                    let mut inner = self.inner.borrow_mut();
                    let size = inner.threads[thread].stack_size;
                    inner.finished_stacks.give(size, coroutine.into_stack());
                    // A thread that ended in `Thread.start`'s hand-shake hands back to its spawner.
                    let spawner = match inner.starting.take() {
                        Some(starting) if starting.child == thread => Some(starting.parent),
                        _ => None,
                    };
                    inner.next =
                        if inner.failure.is_some() { None } else { spawner.or_else(|| self.pick_next(&mut inner)) };
                }
            }
            if self.inner.borrow().failure.is_some() {
                break;
            }
        }
    }
}
