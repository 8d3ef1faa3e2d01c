//! [`Auto`]: the façade's scheduler, which picks the backend an object runs on when the object is
//! created.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use weft_core::{
    Atomic, AtomicPrimitive, FilterOp, LocalStores, LocalView, Observe, ParkResult, RequeueOp, RunState, RunStorage,
    Scheduler, SpawnError, SpawnOptions, ThreadState, UnparkResult,
};
use weft_real::Real;
use weft_sim::{Sim, explorations_running, in_simulation, keep_outside_ident, outside_ident, outside_ident_unkept};

/// The scheduler behind the façade's types (`weft::Lock` is `weft_core::Lock<Auto>`).
///
/// Inside a simulation (`weft::sim::check`, an `Explorer`) everything runs on the simulator;
/// elsewhere on real threads. Every service follows the calling thread (a simulation runs on the
/// OS thread that started it). While no exploration runs in the process, a simulator hook costs
/// one load of a read-mostly word; the calling thread's ident, and the test that its operations
/// are not being simulated, cost one thread-local load once the thread's ident is kept
/// ([`weft_sim::outside_ident`]); the atomics are std atomics. So the façade's types run at the
/// speed of `weft_core::X<Real>` (see `benches/RESULTS.md`).
///
/// Objects belong to the world that uses them: create a simulation's objects inside it. An object
/// shared at the same time by a simulation and by real threads (a `static` lock used by two tests,
/// one of them in `weft::sim::check`) would park its waiters in two different schedulers, and a
/// real waiter could then wait forever.
///
/// Code written generic over [`Scheduler`](weft_core::Scheduler) runs on `Auto` in both worlds:
///
/// ```
/// use weft::generic::{Lock, Scheduler};
/// use weft::Auto;
///
/// fn try_twice<S: Scheduler>(lock: &Lock<S>) -> (bool, bool) {
///     (lock.try_acquire(), lock.try_acquire())
/// }
///
/// let lock: weft::Lock = Lock::<Auto>::new(); // the same type
/// assert_eq!(try_twice(&lock), (true, false)); // on this real thread
/// weft::sim::check(|| {
///     assert!(weft::sim::in_simulation()); // here on the simulator
///     assert_eq!(try_twice(&weft::Lock::new()), (true, false));
/// });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Auto;

/// An atomic cell of the façade: a std atomic. The simulator sees the façade's objects through
/// their operations (`Observe::operation`, one per primitive operation) rather than through
/// each atomic access, so fine-grained mode applies to `weft_core::X<Sim>` types only.
///
/// Each cell keeps the number of the simulation's execution that made it (0: made outside any):
/// in a byte cell (the key of a `Lock`, an `RLock`, an `Event`, an `AtomicBool`) it fills what
/// would otherwise be padding; a word cell (the key of a `Semaphore`, a `Barrier`, a `Thread`, an
/// `AtomicUsize`) grows by a word, which no operation reads on real threads. It is checked as an
/// operation on its object starts, only while an exploration runs in the process: an object of
/// another execution, one made outside the simulation that uses it, or one made by a simulation
/// and used by a real thread meanwhile, is refused with a panic that says so (see
/// [`weft_core::Atomic::check_use`]).
#[derive(Debug)]
#[repr(C)]
pub struct AutoAtomic<T: AtomicPrimitive> {
    value: T::Std,
    /// The execution that made the cell (0: none).
    origin: u32,
}

/// The execution number a cell made now keeps (0 outside simulations): one load of a
/// read-mostly word while no exploration runs.
#[inline(always)]
fn origin_now() -> u32 {
    if explorations_running() { simulated_origin() } else { 0 }
}

/// [`origin_now`] while an exploration runs in the process.
#[cold]
#[inline(never)]
fn simulated_origin() -> u32 {
    if in_simulation() { weft_sim::origin_of(weft_sim::execution_id()) } else { 0 }
}

/// Refuses an object made in execution `origin` if the calling thread may not use it.
#[cold]
#[inline(never)]
fn check_origin(origin: u32, kind: &'static str) {
    let here = if in_simulation() { weft_sim::execution_id() } else { 0 };
    weft_sim::check_origin(origin, here, kind);
}

/// Runs `f` out of line: the simulator's side of a branch, kept off the real path's hot code.
#[cold]
#[inline(never)]
fn cold<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Whether the calling thread runs a simulation: one load of a read-mostly word while no
/// exploration runs in the process, the thread-local test out of line otherwise.
#[inline(always)]
fn simulating() -> bool {
    explorations_running() && cold(in_simulation)
}

/// The cold out-of-line half of a simulator hook: `sim_x(args)` calls `Sim::x(args)` if the
/// calling thread runs a simulation (the façade's hooks test `explorations_running()` inline
/// first, so that real threads pay one load).
macro_rules! sim_hooks {
    ($($hook:ident => $name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        #[cold]
        #[inline(never)]
        fn $name($($arg: $ty),*) {
            if in_simulation() {
                Sim::$hook($($arg),*)
            }
        }
    )*};
}

/// The simulator hooks the façade forwards: each gets a cold `sim_x` wrapper (`sim_hooks!`) and
/// an inline trait method that tests `explorations_running()` first (`forward_hooks!`).
macro_rules! with_hooks {
    ($apply:ident) => {
        $apply! {
            operation => sim_operation(object: usize, kind: &'static str, name: &'static str);
            read_operation => sim_read_operation(object: usize, kind: &'static str, name: &'static str);
            release_operation => sim_release_operation(object: usize, kind: &'static str, name: &'static str);
            outcome => sim_outcome(object: usize, result: &'static str);
            touch => sim_touch(address: usize);
            blocking_operation => sim_blocking_operation(object: usize, kind: &'static str, name: &'static str, ready: &dyn Fn() -> bool);
            blocking_read_operation => sim_blocking_read_operation(object: usize, kind: &'static str, name: &'static str, ready: &dyn Fn() -> bool);
            wait_ready => sim_wait_ready(key: usize, ready: &dyn Fn() -> bool);
            next_park_reads_only_its_wake => sim_next_park_reads_only_its_wake();
            acquires => sim_acquires(object: usize);
            releases => sim_releases(object: usize);
            withdraws => sim_withdraws(object: usize);
            commutes => sim_commutes(object: usize, increment: usize, room: usize);
            observe => sim_observe(address: usize);
            readiness_read => sim_readiness_read(address: usize);
            lets_none_go => sim_lets_none_go(object: usize);
            internal_section => sim_internal_section(enter: bool);
            nested_operations => sim_nested_operations(enter: bool);
            label_object => sim_label_object(object: usize, label: &str);
            cell_access => sim_cell_access(cell: usize, write: bool, at: &'static std::panic::Location<'static>);
            cell_dropped => sim_cell_dropped(cell: usize);
        }
    };
}

/// The inline half of a hook: real threads pay one load.
macro_rules! forward_hooks {
    ($($hook:ident => $name:ident($($arg:ident: $ty:ty),*);)*) => {$(
        #[inline(always)]
        fn $hook($($arg: $ty),*) {
            if explorations_running() {
                $name($($arg),*)
            }
        }
    )*};
}

with_hooks!(sim_hooks);

/// The calling thread's ident when it has no outside ident kept: the simulated thread's inside a
/// simulation, the OS thread's (kept from now on) elsewhere.
#[cold]
#[inline(never)]
fn unkept_ident() -> usize {
    if in_simulation() {
        Sim::current_ident()
    } else {
        let ident = Real::current_ident();
        keep_outside_ident(ident);
        ident
    }
}

// SAFETY: each method is one call of the inner std atomic's method of the same name, with
// the ordering given (the simulator, if it watches, is told before, not in the middle).
unsafe impl<T: AtomicPrimitive> Atomic<T> for AutoAtomic<T> {
    #[inline(always)]
    fn new(value: T) -> Self {
        AutoAtomic { value: T::Std::new(value), origin: origin_now() }
    }
    /// The check, while an exploration runs in the process (`Auto::operation_on` calls
    /// it only then).
    #[inline(always)]
    fn check_use(&self, kind: &'static str) {
        if explorations_running() {
            check_origin(self.origin, kind);
        }
    }
    #[inline(always)]
    fn load(&self, order: Ordering) -> T {
        self.value.load(order)
    }
    #[inline(always)]
    fn store(&self, value: T, order: Ordering) {
        self.value.store(value, order)
    }
    #[inline(always)]
    fn swap(&self, value: T, order: Ordering) -> T {
        self.value.swap(value, order)
    }
    #[inline(always)]
    fn compare_exchange(&self, current: T, new: T, success: Ordering, failure: Ordering) -> Result<T, T> {
        self.value.compare_exchange(current, new, success, failure)
    }
    /// The strong exchange: a spurious failure would make a simulation nondeterministic
    /// (on x86 both compile to the same instruction).
    #[inline(always)]
    fn compare_exchange_weak(&self, current: T, new: T, success: Ordering, failure: Ordering) -> Result<T, T> {
        self.value.compare_exchange(current, new, success, failure)
    }
    #[inline(always)]
    fn fetch_add(&self, value: T, order: Ordering) -> T {
        self.value.fetch_add(value, order)
    }
    #[inline(always)]
    fn fetch_sub(&self, value: T, order: Ordering) -> T {
        self.value.fetch_sub(value, order)
    }
    #[inline(always)]
    fn fetch_or(&self, value: T, order: Ordering) -> T {
        self.value.fetch_or(value, order)
    }
    #[inline(always)]
    fn fetch_and(&self, value: T, order: Ordering) -> T {
        self.value.fetch_and(value, order)
    }
    #[inline(always)]
    fn fetch_nand(&self, value: T, order: Ordering) -> T {
        self.value.fetch_nand(value, order)
    }
    #[inline(always)]
    fn fetch_xor(&self, value: T, order: Ordering) -> T {
        self.value.fetch_xor(value, order)
    }
    #[inline(always)]
    fn fetch_max(&self, value: T, order: Ordering) -> T {
        self.value.fetch_max(value, order)
    }
    #[inline(always)]
    fn fetch_min(&self, value: T, order: Ordering) -> T {
        self.value.fetch_min(value, order)
    }
    #[inline(always)]
    fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

/// Inside a simulation the simulator knows the façade's objects by the addresses of their cells:
/// a dropped cell's address may name another object next.
impl<T: AtomicPrimitive> Drop for AutoAtomic<T> {
    #[inline(always)]
    fn drop(&mut self) {
        if explorations_running() {
            let address = self as *const Self as usize;
            cold(|| weft_sim::object_dropped(address));
        }
    }
}

thread_local! {
    static VIEW: LocalView = const { LocalView::new() };
    // SAFETY: `VIEW` is a const thread-local without destructor of the same thread: it outlives
    // the state, and only this thread reaches it; no other state is made with it (a simulated
    // thread's state is made by the simulator, without a view).
    static STATE: ThreadState<Auto> = unsafe { ThreadState::with_view(VIEW.with(|view| view as *const LocalView)) };
}

/// The façade's run state inside a simulation: one per execution, its main thread the
/// simulator's.
struct SimRunState(RunState<Auto>);

impl Default for SimRunState {
    fn default() -> Self {
        let (ident, native_id) = weft_sim::MAIN_THREAD_IDS;
        SimRunState(RunState::new(ident, native_id))
    }
}

fn run_state() -> &'static RunState<Auto> {
    static RUN: std::sync::OnceLock<RunState<Auto>> = std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let (ident, native_id) = weft_real::main_thread_ids();
        RunState::new(ident, native_id)
    })
}

/// Calls the simulator's service inside a simulation, the real backend's elsewhere.
macro_rules! dispatch {
    ($($call:tt)*) => {
        if simulating() {
            cold(|| Sim::$($call)*)
        } else {
            Real::$($call)*
        }
    };
}

// SAFETY: each call goes to `Sim` inside a simulation and to `Real` elsewhere (see `dispatch!`),
// both of which meet the contract; a thread is in one world for its whole life (a simulated
// thread never leaves its simulation, an OS thread outside one is never simulated while it runs
// a thread of `Auto`), so its state, its locals and its static locals come from one of them
// throughout. The atomics are std's, which meet `Atomic`'s contract in both worlds.
unsafe impl Scheduler for Auto {
    type Atomic<T: AtomicPrimitive> = AutoAtomic<T>;

    fn spawn(options: SpawnOptions, main: Box<dyn FnOnce() + Send + 'static>) -> Result<(), SpawnError> {
        dispatch!(spawn(options, main))
    }

    /// One thread-local load once the OS thread's ident is kept (see [`outside_ident`]).
    #[inline(always)]
    fn current_ident() -> usize {
        let ident = outside_ident();
        if ident != usize::MAX { ident } else { unkept_ident() }
    }

    fn native_id() -> u64 {
        dispatch!(native_id())
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
        // SAFETY: the caller upholds the contract of `Scheduler::park`, the same for every backend.
        unsafe { dispatch!(park(key, validate, before_sleep, timed_out, token, deadline)) }
    }

    #[inline]
    unsafe fn unpark_one(key: usize, callback: impl FnOnce(UnparkResult) -> usize) -> UnparkResult {
        // SAFETY: the caller upholds the contract of `Scheduler::unpark_one`.
        unsafe { dispatch!(unpark_one(key, callback)) }
    }

    #[inline]
    unsafe fn unpark_filter(
        key: usize,
        filter: impl FnMut(usize) -> FilterOp,
        callback: impl FnOnce(UnparkResult) -> usize,
    ) -> UnparkResult {
        // SAFETY: the caller upholds the contract of `Scheduler::unpark_filter`.
        unsafe { dispatch!(unpark_filter(key, filter, callback)) }
    }

    #[inline]
    unsafe fn unpark_requeue(
        from: usize,
        to: usize,
        validate: impl FnOnce() -> RequeueOp,
        callback: impl FnOnce(RequeueOp, UnparkResult) -> usize,
    ) -> UnparkResult {
        // SAFETY: the caller upholds the contract of `Scheduler::unpark_requeue`.
        unsafe { dispatch!(unpark_requeue(from, to, validate, callback)) }
    }

    #[inline]
    fn now() -> Instant {
        dispatch!(now())
    }

    fn sleep(duration: Duration) {
        dispatch!(sleep(duration))
    }

    type RunState = RunState<Auto>;
    type ThreadState = ThreadState<Auto>;

    #[inline]
    fn with_run_state<R>(f: impl FnOnce(&RunState<Self>) -> R) -> R {
        if simulating() {
            cold(|| weft_sim::with_execution_local::<SimRunState, R>(|run| f(&run.0)))
        } else {
            f(run_state())
        }
    }

    /// Inside a simulation, the simulated thread's (`Sim`'s), so that code naming `Sim` and
    /// code naming the façade reach one value of a key. Outside simulations, the OS thread's
    /// own: with the view of its `Local` cache while no exploration runs in the process (then
    /// the thread's state is the OS thread's, which publishes to it), without one otherwise
    /// (one load of a read-mostly word).
    #[inline(always)]
    fn with_locals<R>(f: impl FnOnce(LocalStores<'_>) -> R) -> R {
        if explorations_running() {
            cold(|| if in_simulation() { Sim::with_locals(f) } else { f(LocalStores::Own(None)) })
        } else {
            VIEW.with(|view| f(LocalStores::Own(Some(view))))
        }
    }

    #[inline]
    fn with_thread_state<R>(f: impl FnOnce(&ThreadState<Self>) -> R) -> R {
        if simulating() {
            cold(|| weft_sim::with_thread_state_of::<Auto, R>(f))
        } else {
            weft_real::with_thread_state_in(&STATE, f)
        }
    }
}

/// The cold half of [`Observe::spurious_wakeup`] (a hook with an answer, so not one of
/// `with_hooks!`'s).
#[cold]
#[inline(never)]
fn sim_spurious_wakeup(object: usize) -> bool {
    in_simulation() && Sim::spurious_wakeup(object)
}

/// The cold half of [`Observe::panicking`] while an exploration runs in the process.
#[cold]
#[inline(never)]
fn panicking_maybe_simulated() -> bool {
    if in_simulation() { Sim::panicking() } else { std::thread::panicking() }
}

impl Observe for Auto {
    with_hooks!(forward_hooks);

    /// The simulator's answer, inside a simulation.
    #[inline(always)]
    fn keeps_labels() -> bool {
        explorations_running() && cold(|| in_simulation() && Sim::keeps_labels())
    }

    /// The simulated thread's, inside a simulation (see [`Observe::panicking`]).
    #[inline(always)]
    fn panicking() -> bool {
        if explorations_running() { panicking_maybe_simulated() } else { std::thread::panicking() }
    }

    #[inline(always)]
    fn spurious_wakeup(object: usize) -> bool {
        explorations_running() && sim_spurious_wakeup(object)
    }

    /// False once the OS thread's ident is kept outside a simulation (one thread-local load);
    /// true inside one, and in doubt.
    #[inline(always)]
    fn observing() -> bool {
        outside_ident() == usize::MAX
            && cold(|| {
                unkept_ident();
                in_simulation()
            })
    }

    /// The façade's atomics are std atomics: the simulator sees its objects through their
    /// operations only.
    const SEES_ATOMICS: bool = false;

    /// Nonzero unless the OS thread's ident is kept outside a simulation (the test of
    /// [`Auto::observing`] without its out-of-line half).
    #[inline(always)]
    fn observed_word() -> usize {
        outside_ident_unkept()
    }

    /// The kept outside ident: `usize::MAX` inside a simulation and in doubt.
    #[inline(always)]
    fn unobserved_ident() -> usize {
        outside_ident()
    }

    /// The cell is checked ([`weft_core::Atomic::check_use`]) under the same one load as the hook.
    #[inline(always)]
    fn operation_on<T: Copy, A: Atomic<T>>(cell: &A, kind: &'static str, name: &'static str) {
        if explorations_running() {
            cold(|| {
                cell.check_use(kind);
                sim_operation(cell as *const A as usize, kind, name)
            })
        }
    }

    /// As [`Auto::operation_on`]: the release is kept for the unwinding path inside the cold
    /// branch, so that real threads pay one load and no landing pad.
    #[inline(always)]
    fn release_operation_on<T: Copy, A: Atomic<T>, D: ?Sized, R>(
        cell: &A,
        kind: &'static str,
        name: &'static str,
        data: &D,
        release: impl Fn(&D) -> R + Copy,
    ) -> R {
        if explorations_running() {
            cold(|| {
                weft_core::release_on_unwind(
                    || {
                        cell.check_use(kind);
                        sim_release_operation(cell as *const A as usize, kind, name)
                    },
                    data,
                    release,
                )
            })
        }
        release(data)
    }

    /// As [`Auto::operation_on`].
    #[inline(always)]
    fn read_operation_on<T: Copy, A: Atomic<T>>(cell: &A, kind: &'static str, name: &'static str) {
        if explorations_running() {
            cold(|| {
                cell.check_use(kind);
                sim_read_operation(cell as *const A as usize, kind, name)
            })
        }
    }

    /// As [`Auto::operation_on`].
    #[inline(always)]
    fn blocking_operation_on<T: Copy, A: Atomic<T>>(
        cell: &A,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
    ) {
        if explorations_running() {
            cold(|| {
                cell.check_use(kind);
                sim_blocking_operation(cell as *const A as usize, kind, name, ready)
            })
        }
    }

    /// As [`Auto::operation_on`].
    #[inline(always)]
    fn blocking_read_operation_on<T: Copy, A: Atomic<T>>(
        cell: &A,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
    ) {
        if explorations_running() {
            cold(|| {
                cell.check_use(kind);
                sim_blocking_read_operation(cell as *const A as usize, kind, name, ready)
            })
        }
    }

    /// As [`Auto::operation_on`]; inside a simulation, the simulator's wait.
    #[inline(always)]
    fn blocking_operation_on_for<T: Copy, A: Atomic<T>>(
        cell: &A,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
        timeout: std::time::Duration,
    ) -> Option<bool> {
        if explorations_running() {
            return cold(|| {
                cell.check_use(kind);
                Self::blocking_operation_for(cell as *const A as usize, kind, name, ready, timeout)
            });
        }
        None
    }

    /// Inside a simulation, the simulator's wait; elsewhere `None` (the caller waits).
    #[inline(always)]
    fn blocking_operation_for(
        object: usize,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
        timeout: std::time::Duration,
    ) -> Option<bool> {
        if explorations_running() {
            return cold(|| {
                if in_simulation() { Sim::blocking_operation_for(object, kind, name, ready, timeout) } else { None }
            });
        }
        None
    }

    /// Inside a simulation, the simulator's wait; elsewhere `None` (the caller waits).
    #[inline(always)]
    fn wait_read_until(object: usize, ready: &dyn Fn() -> bool, deadline: Option<std::time::Instant>) -> Option<bool> {
        if explorations_running() {
            return cold(|| if in_simulation() { Sim::wait_read_until(object, ready, deadline) } else { None });
        }
        None
    }

    /// Inside a simulation, the simulator's answer (which also tells a wait in which it keeps
    /// the thread off its run queue); elsewhere the stored value.
    #[inline(always)]
    fn read_blocked_on<A: Atomic<usize>>(record: &A) -> usize {
        if explorations_running() {
            return cold(
                || if in_simulation() { Sim::read_blocked_on(record) } else { record.load(Ordering::Relaxed) },
            );
        }
        record.load(Ordering::Relaxed)
    }

    fn unhandled_panic(thread: &str, message: &str) -> bool {
        dispatch!(unhandled_panic(thread, message))
    }
}
