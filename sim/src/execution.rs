//! One execution: simulated threads on coroutines, one running at a time, on the OS thread that
//! runs the exploration; parking queues; the virtual clock; failure detection.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use weft_core::{ParkResult, RunState, SpawnError, SpawnOptions, StaticLocals, ThreadState, UnparkResult};

use crate::report::{BlockedThread, Failure, FailureKind, TraceEvent};
use crate::schedule::{Choice, Schedule};
use crate::strategy::{Footprint, Point, StepInfo, Strategy};
use crate::Sim;

type Co = Coroutine<(), (), (), DefaultStack>;

/// The stack size of a simulated thread unless it asks for another.
const DEFAULT_STACK: usize = 1 << 20;

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
    name: String,
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
    yielder: Cell<*const Yielder<(), ()>>,
    coroutine: Option<Co>,
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
}

/// What a thread waits for in a blocking operation or a hand-shake (see [`SimThread::awaiting`]).
#[derive(Clone, Copy)]
struct Awaiting {
    key: usize,
    /// The readiness test, on the waiting thread's suspended stack.
    ready: *const (dyn Fn() -> bool + 'static),
    /// A blocking operation (an acquire, a join), whose test can turn true only when something
    /// releases `key`; not so a hand-shake's (`Scheduler::wait_ready`).
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

    /// Moves the whole queue of `key` to the end of `into`.
    fn take_all(&mut self, key: usize, into: &mut Vec<usize>) {
        if let Some(at) = self.queues.iter().position(|(k, _)| *k == key) {
            let (_, mut queue) = self.queues.swap_remove(at);
            into.extend(queue.drain(..));
            self.spare.push(queue);
        }
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
    /// The exploration's stall watch (see `crate::watchdog`).
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
    stack_pool: Vec<DefaultStack>,
    /// Stacks of threads that finished in this execution: reused only by later executions, so
    /// that objects on different threads' stacks never share an address (footprints name
    /// objects by address).
    finished_stacks: Vec<DefaultStack>,
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
    /// The strategy replays a schedule (which the model may fail to follow).
    replaying: bool,
    /// Atomic accesses are neither scheduling points nor footprints (coarse mode, no
    /// reduction): the fast path of `atomic_access`.
    plain_atomics: bool,
    /// Whether the execution keeps what only a report or the reduction uses: the trace and its
    /// labels, footprints, and which locks each thread holds. A failure's report comes from a
    /// replay that keeps them.
    detailed: bool,
}

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
    pub stacks: Vec<DefaultStack>,
    pub choices: Vec<Choice>,
    threads: Vec<SimThread>,
    options: Vec<usize>,
    scratch: Vec<usize>,
    scratch_tokens: Vec<(usize, usize)>,
    newly_blocked: Vec<(usize, usize)>,
    queues: Queues,
    finished_stacks: Vec<DefaultStack>,
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
                        find(&inner).expect("just inserted")
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
    pub(crate) fn with_run_state<R>(&self, f: impl FnOnce(&RunState<Sim>) -> R) -> R {
        let existing = self.run_state.borrow().clone();
        let state = match existing {
            Some(state) => state,
            None => {
                // Made outside the borrow: making it uses the scheduler.
                let fresh = Rc::new(RunState::new());
                self.run_state.borrow_mut().get_or_insert(fresh).clone()
            }
        };
        f(&state)
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

    /// Adds `address` to the current step's footprint (`Scheduler::touch` and
    /// `Scheduler::observe`).
    pub(crate) fn touch_now(&self, address: usize, write: bool) {
        if self.config.track_footprints {
            self.touch(&mut self.inner.borrow_mut(), address, write);
        }
    }

    /// The object at `address` is dropped: a later object at the same address is another object,
    /// with a number and a label of its own. Without this, an address freed and reused inside an
    /// execution would name two objects with one number, and which objects share numbers would
    /// depend on the interleaving (the allocator's reuse follows it), so that footprints of
    /// different executions would not compare.
    pub(crate) fn forget(&self, address: usize) {
        if self.detailed && !self.tearing_down.get() {
            let mut inner = self.inner.borrow_mut();
            inner.numbers.remove(&address);
            inner.labels.remove(&address);
            // A lock dropped while held is held by nobody (a new one may take its address).
            for thread in &mut inner.threads {
                thread.holds.retain(|&h| h != address);
            }
        }
    }

    /// Enters or leaves an internal critical section: see `Scheduler::internal_section`.
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

    #[cold]
    fn record_event(&self, inner: &mut Inner, object: Option<(usize, &'static str)>, operation: &str) {
        let object = match object {
            Some((key, kind)) => Self::label(inner, key, kind),
            None => "-".to_owned(),
        };
        let event = TraceEvent {
            thread: inner.threads[inner.current].name.clone(),
            object,
            operation: operation.to_owned(),
            outcome: String::new(),
            time: inner.clock,
        };
        inner.trace.push(event);
    }

    /// A primitive operation starts: a scheduling point. It writes its object, or only reads it
    /// (`write` false: `Scheduler::read_operation`).
    pub(crate) fn operation(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        if self.tearing_down.get() {
            return;
        }
        self.announce(object, kind, name, write);
        if !self.in_critical.get() {
            self.schedule_point();
            // The operation itself runs in the step that starts now: its object belongs to that
            // step's footprint (objects whose atomics the simulator does not see, such as the
            // façade's, are known only through this).
            self.touch_now(object, write);
        }
    }

    /// The running thread took lock `object` (see `Scheduler::acquires`): it holds it until
    /// some thread releases it (for deadlock reports and the strategy).
    pub(crate) fn acquires(&self, object: usize) {
        if !self.detailed || self.tearing_down.get() {
            return;
        }
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        let holds = &mut inner.threads[current].holds;
        if !holds.contains(&object) {
            holds.push(object);
        }
    }

    /// The running step released `object` for the blocking operations waiting on it (see
    /// `Scheduler::releases`). A lock is no longer held by whoever held it (any thread may
    /// release a `Lock`).
    pub(crate) fn releases(&self, object: usize) {
        // Blocking operations on `object` may be ready now.
        for thread in &self.inner.borrow().threads {
            if thread.awaiting.is_some_and(|a| a.key == object) {
                thread.unready.set(false);
            }
        }
        if !self.detailed {
            return;
        }
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
    /// until `ready()` holds (see `Scheduler::blocking_operation`). In fine-grained mode the
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
        self.announce(object, kind, name, true);
        self.wait_until_ready(object, ready, true);
        self.schedule_point();
        self.touch_now(object, true);
        self.end_wait(object, ready, true);
    }

    /// Keeps the running thread off the run queue until `ready()` holds: marks it waiting on
    /// `key` (and, for `blocked_on`, its status); the caller's next scheduling point switches
    /// away from it until then. Without `announced`, the wait is its own scheduling point.
    pub(crate) fn wait_until_ready(&self, key: usize, ready: &dyn Fn() -> bool, announced: bool) {
        if self.config.fine_grained || self.in_critical.get() || self.tearing_down.get() {
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
        }
        if !ready_now {
            self.with_thread_state(|state| state.set_blocked_on(key));
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
            self.with_thread_state(|state| state.set_blocked_on(0));
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

    /// Records the start of an operation: the footprint, the trace.
    fn announce(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        self.watch.event(kind, name);
        if self.detailed {
            let mut inner = self.inner.borrow_mut();
            if self.in_critical.get() {
                // No scheduling point: the operation runs in the step under way.
                self.touch(&mut inner, object, write);
            }
            if self.config.record_trace {
                Self::label(&mut inner, object, kind);
            }
            self.record(&mut inner, Some((object, kind)), name);
        }
    }

    /// The operation the current thread last started on `object` ended with `result`: it goes
    /// into that operation's trace event.
    pub(crate) fn outcome(&self, object: usize, result: &'static str) {
        if !self.config.record_trace || self.tearing_down.get() {
            return;
        }
        let mut inner = self.inner.borrow_mut();
        let Some(label) = inner.labels.get(&object).cloned() else { return };
        let thread = inner.threads[inner.current].name.clone();
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
                let thread = inner.threads[inner.current].name.clone();
                inner.failure = Some(Failure {
                    kind: FailureKind::StepLimit(limit),
                    message: format!("more than {limit} steps: a livelock or a runaway loop"),
                    thread,
                });
            }
            inner.steps += 1;
            self.watch.step(inner.steps);
            let next = if inner.failure.is_some() {
                None
            } else if self.watch.time_is_up() {
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
    }

    /// Chooses what runs next. Options: the current thread if it can go on (option 0, so any
    /// other choice is a preemption), the other runnable threads, then threads whose deadline has
    /// come (a timeout firing). With no option, the clock jumps to the earliest deadline; with
    /// none pending, the execution ends — or deadlocks, if a non-daemon thread is blocked.
    fn pick_next(&self, inner: &mut Inner) -> Option<usize> {
        let clock_before = inner.clock;
        let yielding = self.yielding.replace(false);
        let mut step_reported = false;
        loop {
            let mut options = std::mem::take(&mut inner.options);
            options.clear();
            let current = inner.current;
            let runnable_now = self.can_run(inner, current);
            // Option 0 is "the running thread goes on", unless it yields: then it comes last.
            let current_runnable = runnable_now && !yielding;
            if current_runnable {
                options.push(current);
            }
            for id in 0..inner.threads.len() {
                if id != current && self.can_run(inner, id) {
                    options.push(id);
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
                    inner.options = options;
                    return None;
                }
            }
            let mut due = 0;
            if inner.timed > 0 {
                if runnable_now && yielding && options.is_empty() {
                    // Only the yielding (spinning) thread could run: spinning lets time pass, so
                    // the next deadline comes before it.
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
            if runnable_now && yielding {
                options.push(current);
            }
            // Options before `first_timer` run threads; from it, `due` timeouts fire; the
            // yielding thread, if any, comes last.
            let first_timer = options.len() - due - usize::from(runnable_now && yielding);
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
            let objects = inner.next_number;
            let point = Point { threads: &options, current_runnable, scheduling: true, yielding: yielder, objects };
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

    /// Thread `id`, found not ready in its blocking operation on `key` for the first time since
    /// it began to wait, is marked as waiting on it (see [`Execution::can_run`]).
    #[cold]
    fn begin_waiting(&self, inner: &mut Inner, id: usize, key: usize, blocking: bool) {
        let track = self.config.track_footprints;
        if blocking && track {
            inner.newly_blocked.push((id, key));
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

    fn check_divergence(&self, inner: &mut Inner) {
        if !self.replaying {
            return;
        }
        if let Some(reason) = self.with_strategy(|s| s.divergence().map(str::to_owned)) {
            if inner.failure.is_none() {
                inner.failure = Some(Failure {
                    kind: FailureKind::Nondeterminism,
                    message: format!(
                        "the replay diverged ({reason}): the model is not deterministic (does it \
                         depend on real time, randomness, addresses or a HashMap's order?)"
                    ),
                    thread: inner.threads[inner.current].name.clone(),
                });
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
                blocked.push(BlockedThread { thread: thread.name.clone(), waits_on, holds });
            }
        }
        let names: Vec<&str> = blocked.iter().map(|b| b.thread.as_str()).collect();
        inner.failure.get_or_insert(Failure {
            message: format!("no thread can run and none has a deadline; blocked: {}", names.join(", ")),
            kind: FailureKind::Deadlock(blocked),
            thread: inner.threads[inner.current].name.clone(),
        });
    }

    /// Records a failure (the first one wins) and stops the execution at the next point.
    pub(crate) fn fail(&self, kind: FailureKind, message: String) {
        let mut inner = self.inner.borrow_mut();
        let thread = inner.threads[inner.current].name.clone();
        inner.failure.get_or_insert(Failure { kind, message, thread });
    }

    /// A panic reached the default excepthook.
    pub(crate) fn unhandled_panic(&self, thread: &str, message: &str) {
        if !self.config.python_panics {
            self.fail(FailureKind::Panic, format!("panic in thread {thread}: {message}"));
        }
    }

    pub(crate) fn thread_name(&self) -> String {
        let inner = self.inner.borrow();
        inner.threads[inner.current].name.clone()
    }

    // ---- threads ----

    pub(crate) fn spawn(&self, options: SpawnOptions, main: Box<dyn FnOnce() + Send>) -> Result<(), SpawnError> {
        let id = {
            let mut inner = self.inner.borrow_mut();
            let size = if options.stack_size == 0 { DEFAULT_STACK } else { options.stack_size.max(64 << 10) };
            let stack = match inner.stack_pool.pop() {
                Some(stack) if size == DEFAULT_STACK => stack,
                Some(stack) => {
                    inner.stack_pool.push(stack);
                    DefaultStack::new(size).map_err(|e| SpawnError(e.to_string()))?
                }
                None => DefaultStack::new(size).map_err(|e| SpawnError(e.to_string()))?,
            };
            let id = inner.threads.len();
            let name = options.name.unwrap_or_else(|| format!("sim-{id}"));
            self.watch.thread(id, &name);
            let state = inner.spare_states.pop().unwrap_or_default();
            let holds = inner.spare_holds.pop().unwrap_or_default();
            inner.threads.push(Self::new_thread(id, name, options.daemon, stack, state, holds, main));
            inner.unfinished += usize::from(!options.daemon);
            if self.config.record_trace {
                self.record(&mut inner, None, &format!("spawn thread {id}"));
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
        name: String,
        daemon: bool,
        stack: DefaultStack,
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
            if let Err(payload) = catch_unwind(AssertUnwindSafe(main)) {
                execution.fail(FailureKind::Panic, crate::panic_message(&*payload));
            }
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
            let locals = std::mem::take(&mut execution.inner.borrow_mut().threads[id].locals);
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
            name,
            daemon,
            status: Status::Runnable,
            wake: None,
            timed_out: None,
            token: 0,
            state: Some(state),
            locals: Vec::new(),
            yielder: Cell::new(std::ptr::null()),
            coroutine: Some(Coroutine::with_stack(stack, body)),
            holds,
            awaiting: None,
            waited: Cell::new(false),
            unready: Cell::new(false),
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
                let what = match inner.labels.get(&key) {
                    Some(label) => format!("park on {label}"),
                    None => "park".to_owned(),
                };
                self.record(&mut inner, None, &what);
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
                self.record(&mut inner, None, "timed out");
                ParkResult::TimedOut
            }
            Some(result) => result,
            None => unreachable!("a blocked thread resumes only once woken"),
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
            let point =
                Point { threads: &threads, current_runnable: false, scheduling: false, yielding: None, objects };
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

    pub(crate) fn unpark_all(&self, key: usize, token: usize) -> usize {
        let mut inner = self.inner.borrow_mut();
        self.touch(&mut inner, key, true);
        let mut woken = std::mem::take(&mut inner.scratch);
        inner.queues.take_all(key, &mut woken);
        for &thread in &woken {
            Self::wake(&mut inner, thread, token);
        }
        let count = woken.len();
        woken.clear();
        inner.scratch = woken;
        count
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

/// Runs one execution of `model` under `strategy`. Threads still suspended at the end (daemon
/// threads, every thread after a failure or a pruned execution) are abandoned: their stacks are
/// reset and reused without unwinding (unwinding would run user code that can no longer be
/// scheduled), leaking what was on them.
pub(crate) fn run_execution(
    model: &Arc<dyn Fn() + Send + Sync>,
    strategy: &mut dyn Strategy,
    config: Config,
    buffers: &mut Buffers,
) -> Outcome {
    let strategy_follows = strategy.follows_a_schedule();
    let id = EXECUTIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    let plain_atomics = !config.fine_grained && !config.track_footprints;
    let detailed = config.record_trace || config.track_footprints;
    let choices = std::mem::take(&mut buffers.choices);
    let strategy: *mut (dyn Strategy + '_) = strategy;
    // SAFETY: only the lifetime is erased; the pointer is used only during this call, while
    // `strategy` is mutably borrowed by it.
    let strategy: *mut (dyn Strategy + 'static) = unsafe { std::mem::transmute(strategy) };
    let execution = Execution {
        inner: RefCell::new(Inner {
            threads: std::mem::take(&mut buffers.threads),
            current: 0,
            clock: Duration::ZERO,
            queues: std::mem::take(&mut buffers.queues),
            labels: HashMap::new(),
            label_counts: HashMap::new(),
            trace: Vec::new(),
            schedule: Schedule { choices },
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
        }),
        strategy,
        run_state: RefCell::new(None),
        locals: RefCell::new(Vec::new()),
        watch: crate::watchdog::Publisher::begin(config.watch.clone(), !config.record_trace),
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
        replaying: strategy_follows,
        plain_atomics,
        detailed,
    };
    // Checked before the pointer changes: a nested run must leave the running execution's
    // pointer as it is (its panic unwinds into that execution).
    assert!(CURRENT.with(Cell::get).is_null(), "simulations do not nest");
    CURRENT.with(|c| c.set(&execution as *const Execution));
    // Whatever happens below, even a panic, the pointer to this execution does not outlive it.
    struct ClearCurrent;
    impl Drop for ClearCurrent {
        fn drop(&mut self) {
            CURRENT.with(|c| c.set(std::ptr::null()));
        }
    }
    let _clear = ClearCurrent;

    {
        let stack = execution.inner.borrow_mut().stack_pool.pop();
        let stack = match stack {
            Some(stack) => stack,
            None => DefaultStack::new(DEFAULT_STACK).expect("allocate a coroutine stack"),
        };
        let model = model.clone();
        let main = Box::new(move || {
            model();
        });
        let mut inner = execution.inner.borrow_mut();
        let state = inner.spare_states.pop().unwrap_or_default();
        let holds = inner.spare_holds.pop().unwrap_or_default();
        let main_thread = Execution::new_thread(0, "MainThread".into(), false, stack, state, holds, main);
        inner.threads.push(main_thread);
        inner.unfinished += 1;
        drop(inner);
        execution.with_strategy(|s| s.thread_created(0));
    }

    loop {
        let next = execution.inner.borrow_mut().next.take();
        let Some(thread) = next else { break };
        let mut coroutine = {
            let mut inner = execution.inner.borrow_mut();
            inner.current = thread;
            execution.watch.switch(thread);
            inner.threads[thread].coroutine.take().expect("a runnable thread has its coroutine")
        };
        match coroutine.resume(()) {
            CoroutineResult::Yield(()) => {
                execution.inner.borrow_mut().threads[thread].coroutine = Some(coroutine);
            }
            CoroutineResult::Return(()) => {
                let mut inner = execution.inner.borrow_mut();
                inner.finished_stacks.push(coroutine.into_stack());
                inner.next = if inner.failure.is_some() { None } else { execution.pick_next(&mut inner) };
            }
        }
        if execution.inner.borrow().failure.is_some() {
            break;
        }
    }

    // Drop the execution's own state (the registry, hooks, other schedulers' state) while it is
    // still current, in teardown mode: destructors that call the scheduler neither schedule nor
    // block. Suspended (abandoned) coroutines are leaked below and never run again.
    execution.tearing_down.set(true);
    let locals = execution.locals.take();
    let run_state = execution.run_state.take();
    let mut ended_states = std::mem::take(&mut execution.inner.borrow_mut().ended_states);
    let mut spare_states = std::mem::take(&mut execution.inner.borrow_mut().spare_states);
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
        execution.fail(
            FailureKind::Panic,
            format!("panic while dropping the execution's state: {}", crate::panic_message(&*payload)),
        );
    }
    execution.tearing_down.set(false);

    let mut inner = execution.inner.into_inner();
    for thread in &mut inner.threads {
        if let Some(mut coroutine) = thread.coroutine.take() {
            // SAFETY: `force_reset` abandons the suspended coroutine without running the
            // destructors of the objects on its stack: they are leaked, as `mem::forget` would.
            // Nothing of this execution runs again, and nothing outside the stack points into it:
            // the scheduler's queues hold thread numbers, and the execution's state dropped above
            // holds no pointer into a coroutine stack. The stack is then reused.
            unsafe { coroutine.force_reset() };
            inner.stack_pool.push(coroutine.into_stack());
        }
        if let Some(state) = thread.state.take() {
            std::mem::forget(state);
        }
        std::mem::forget(std::mem::take(&mut thread.locals));
        let mut holds = std::mem::take(&mut thread.holds);
        holds.clear();
        inner.spare_holds.push(holds);
    }
    inner.stack_pool.append(&mut inner.finished_stacks);
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
    buffers.ended_states = ended_states;
    buffers.spare_states = spare_states;
    buffers.spare_holds = std::mem::take(&mut inner.spare_holds);
    Outcome {
        failure: inner.failure,
        pruned: inner.pruned,
        schedule: inner.schedule,
        trace: inner.trace,
        steps: inner.steps,
    }
}
