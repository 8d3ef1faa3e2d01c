//! [`Sim`], the simulator as a [`weft_core::Scheduler`], and its atomics, which know the
//! execution that made them.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use weft_core::{
    Atomic, AtomicPrimitive, FilterOp, LocalStores, Observe, ParkResult, RequeueOp, RunState, Scheduler, SpawnError,
    SpawnOptions, ThreadState, UnparkResult,
};

use crate::execution::{self, current};

/// The simulator's scheduler. Use it through [`Explorer`](crate::Explorer) or [`check`](crate::check); a primitive on `Sim`
/// used outside a simulation panics.
///
/// ```
/// use std::sync::Arc;
/// use weft_core::{Event, Thread};
/// use weft_sim::{check, Sim};
///
/// check(|| {
///     let done = Arc::new(Event::<Sim>::new());
///     let d = done.clone();
///     let t = Thread::<Sim>::new(move || d.set());
///     t.start().unwrap();
///     assert!(done.wait()); // in every interleaving, in virtual time
///     t.join().unwrap();
/// });
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Sim;

/// An atomic cell whose every access is a scheduling point in fine-grained mode. Only one
/// simulated thread runs at a time, so the inner std atomic is never contended. It keeps the
/// number of the execution that made it (0: none), so that an object of another execution, or
/// one made outside any simulation, is refused at its first operation (see
/// [`weft_core::Atomic::check_use`]).
#[doc(hidden)]
#[derive(Debug)]
pub struct SimAtomic<T: AtomicPrimitive> {
    value: T::Std,
    origin: u32,
}

/// The 32 bits of an [`execution_id`] that objects keep: its low bits, 0 only for "no
/// execution" (execution numbers wrap around after 2³² executions, with no 0).
#[doc(hidden)]
#[inline]
pub fn origin_of(execution: u64) -> u32 {
    let low = execution as u32;
    low | u32::from(low == 0 && execution != 0)
}

/// Panics for an object of `kind` made in execution `origin` (0: outside any simulation), used by
/// the calling thread, which runs execution `here` (0: a thread outside simulations), unless
/// they are the same.
#[doc(hidden)]
#[inline]
pub fn check_origin(origin: u32, here: u64, kind: &'static str) {
    if origin != origin_of(here) {
        foreign_object(origin, here, kind);
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn foreign_object(origin: u32, here: u64, kind: &'static str) -> ! {
    let made = if origin == 0 {
        "outside any simulation".to_owned()
    } else if here != 0 && origin < origin_of(here) {
        format!("in an earlier execution (execution #{origin}) of a simulation")
    } else {
        format!("in execution #{origin} of a simulation")
    };
    let used = if here == 0 {
        "by a real thread (outside any simulation) while the simulation runs".to_owned()
    } else {
        format!("in execution #{}", origin_of(here))
    };
    panic!(
        "weft: this {kind} was made {made} and is used {used}. A simulation's objects belong to \
         the execution that made them: every execution runs the model afresh. Create the {kind} \
         inside the model (in the closure given to check/Explorer::run), and for statics that hold \
         a model's objects use weft::sync::OnceLock or weft::sync::LazyLock, whose value is fresh \
         in every execution. Objects used by real threads must not be used by a simulation at the \
         same time."
    )
}

// SAFETY: each method is one call of the inner std atomic's method of the same name (the
// scheduling point, if any, comes before it, never in the middle), so each access is
// indivisible with std's orderings; simulated threads run one at a time on one OS thread.
unsafe impl<T: AtomicPrimitive> Atomic<T> for SimAtomic<T> {
    #[inline]
    fn new(value: T) -> Self {
        SimAtomic { value: T::Std::new(value), origin: execution::current_origin() }
    }
    #[inline]
    fn check_use(&self, kind: &'static str) {
        if self.origin != execution::current_origin() {
            foreign_object(self.origin, execution::execution_id(), kind);
        }
    }
    #[inline]
    fn load(&self, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, false);
        self.value.load(order)
    }
    #[inline]
    fn store(&self, value: T, order: Ordering) {
        current().atomic_access(self as *const Self as usize, true);
        self.value.store(value, order)
    }
    #[inline]
    fn swap(&self, value: T, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, true);
        self.value.swap(value, order)
    }
    #[inline]
    fn compare_exchange(&self, current_value: T, new: T, success: Ordering, failure: Ordering) -> Result<T, T> {
        current().atomic_access(self as *const Self as usize, true);
        self.value.compare_exchange(current_value, new, success, failure)
    }
    #[inline]
    fn compare_exchange_weak(&self, current_value: T, new: T, success: Ordering, failure: Ordering) -> Result<T, T> {
        // Never fails spuriously: spurious failures would only add steps.
        current().atomic_access(self as *const Self as usize, true);
        self.value.compare_exchange(current_value, new, success, failure)
    }
    #[inline]
    fn fetch_add(&self, value: T, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, true);
        self.value.fetch_add(value, order)
    }
    #[inline]
    fn fetch_sub(&self, value: T, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, true);
        self.value.fetch_sub(value, order)
    }
    #[inline]
    fn fetch_or(&self, value: T, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, true);
        self.value.fetch_or(value, order)
    }
    #[inline]
    fn fetch_and(&self, value: T, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, true);
        self.value.fetch_and(value, order)
    }
    #[inline]
    fn fetch_nand(&self, value: T, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, true);
        self.value.fetch_nand(value, order)
    }
    #[inline]
    fn fetch_xor(&self, value: T, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, true);
        self.value.fetch_xor(value, order)
    }
    #[inline]
    fn fetch_max(&self, value: T, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, true);
        self.value.fetch_max(value, order)
    }
    #[inline]
    fn fetch_min(&self, value: T, order: Ordering) -> T {
        current().atomic_access(self as *const Self as usize, true);
        self.value.fetch_min(value, order)
    }
    #[inline]
    fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }
}

/// A dropped cell is forgotten by the running execution: another object may take its address.
impl<T: AtomicPrimitive> Drop for SimAtomic<T> {
    #[inline]
    fn drop(&mut self) {
        execution::object_dropped(self as *const Self as usize);
    }
}

// SAFETY: simulated threads run on coroutines of the one OS thread that runs the exploration,
// one at a time, switching only inside the simulator's methods (`Execution::suspend`), and
// `with_locals` gives each a store of its own; each thread's state is boxed in its entry of the execution,
// reached only while that thread is the running one, and dropped by the thread itself at its end
// (or kept, never dropped, if the thread is abandoned); the run state belongs to the execution
// and is dropped after its threads; the atomics are `SimAtomic`s; idents are thread numbers plus
// one, distinct within the execution; parking is the execution's: a thread's park validates and
// queues it with no scheduling point in between, it resumes only once woken, timed out or
// invalid, and the callbacks run in a critical section (no scheduling point).
unsafe impl Scheduler for Sim {
    type Atomic<T: AtomicPrimitive> = SimAtomic<T>;
    type RunState = RunState<Sim>;
    type ThreadState = ThreadState<Sim>;

    #[inline]
    fn spawn(options: SpawnOptions, main: Box<dyn FnOnce() + Send + 'static>) -> Result<(), SpawnError> {
        current().spawn(options, main)
    }

    #[inline]
    fn current_ident() -> usize {
        current().current_thread() + 1
    }

    #[inline]
    fn native_id() -> u64 {
        current().current_thread() as u64 + 1
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
        current().park(key, validate, before_sleep, timed_out, token, deadline)
    }

    #[inline]
    unsafe fn unpark_one(key: usize, callback: impl FnOnce(UnparkResult) -> usize) -> UnparkResult {
        current().unpark_one(key, callback)
    }

    #[inline]
    unsafe fn unpark_filter(
        key: usize,
        filter: impl FnMut(usize) -> FilterOp,
        callback: impl FnOnce(UnparkResult) -> usize,
    ) -> UnparkResult {
        current().unpark_filter(key, filter, callback)
    }

    #[inline]
    unsafe fn unpark_requeue(
        from: usize,
        to: usize,
        validate: impl FnOnce() -> RequeueOp,
        callback: impl FnOnce(RequeueOp, UnparkResult) -> usize,
    ) -> UnparkResult {
        current().unpark_requeue(from, to, validate, callback)
    }

    #[inline]
    fn now() -> Instant {
        current().now()
    }

    #[inline]
    fn sleep(duration: Duration) {
        current().sleep(duration)
    }

    #[inline]
    fn with_run_state<R>(f: impl FnOnce(&RunState<Self>) -> R) -> R {
        current().with_run_state(f)
    }

    #[inline]
    fn with_thread_state<R>(f: impl FnOnce(&ThreadState<Self>) -> R) -> R {
        current().with_thread_state(f)
    }

    /// Kept among the simulated thread's per-thread values (which the façade reaches too), and
    /// dropped when the thread ends, while it can still use them.
    fn with_locals<R>(f: impl FnOnce(LocalStores<'_>) -> R) -> R {
        current().with_static_locals(|store| f(LocalStores::Shared(store)))
    }
}

impl Observe for Sim {
    #[inline]
    fn operation(object: usize, kind: &'static str, name: &'static str) {
        current().operation(object, kind, name, true)
    }

    #[inline]
    fn read_operation(object: usize, kind: &'static str, name: &'static str) {
        current().operation(object, kind, name, false)
    }

    #[inline]
    fn release_operation(object: usize, kind: &'static str, name: &'static str) {
        current().release_operation(object, kind, name)
    }

    #[inline]
    fn unhandled_panic(thread: &str, message: &str) -> bool {
        current().unhandled_panic(thread, message)
    }

    #[inline]
    fn nested_operations(enter: bool) {
        current().nested_operations(enter);
    }

    #[inline]
    fn label_object(object: usize, label: &str) {
        current().label_object(object, label);
    }

    #[inline]
    fn blocking_operation(object: usize, kind: &'static str, name: &'static str, ready: &dyn Fn() -> bool) {
        current().blocking_operation(object, kind, name, ready)
    }

    #[inline]
    fn blocking_read_operation(object: usize, kind: &'static str, name: &'static str, ready: &dyn Fn() -> bool) {
        current().blocking_read_operation(object, kind, name, ready)
    }

    #[inline]
    fn blocking_operation_for(
        object: usize,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
        timeout: std::time::Duration,
    ) -> Option<bool> {
        current().blocking_operation_for(object, kind, name, ready, timeout)
    }

    #[inline]
    fn wait_read_until(object: usize, ready: &dyn Fn() -> bool, deadline: Option<std::time::Instant>) -> Option<bool> {
        current().wait_read_until(object, ready, deadline)
    }

    #[inline]
    fn withdraws(object: usize) {
        current().withdraws(object);
    }

    #[inline]
    fn wait_ready(key: usize, ready: &dyn Fn() -> bool) {
        current().wait_until_ready(key, ready, false)
    }

    #[inline]
    fn next_park_reads_only_its_wake() {
        current().next_park_reads_only_its_wake();
    }

    #[inline]
    fn read_blocked_on<A: Atomic<usize>>(record: &A) -> usize {
        let stored = record.load(Ordering::Relaxed);
        current().read_blocked_on(record as *const A as usize, stored)
    }

    #[inline]
    fn touch(address: usize) {
        let execution = current();
        execution.synchronize(address);
        execution.touch_now(address, true);
    }

    #[inline]
    fn acquires(object: usize) {
        current().acquires(object);
    }

    #[inline]
    fn releases(object: usize) {
        current().releases(object);
    }

    #[inline]
    fn commutes(object: usize, increment: usize, room: usize) {
        current().commutes(object, increment, room);
    }

    #[inline]
    fn observe(address: usize) {
        let execution = current();
        execution.synchronize(address);
        execution.touch_now(address, false);
    }

    #[inline]
    fn readiness_read(address: usize) {
        current().readiness_read(address);
    }

    #[inline]
    fn lets_none_go(object: usize) {
        current().lets_none_go(object);
    }

    #[inline]
    fn internal_section(enter: bool) {
        current().internal_section(enter);
    }

    #[inline]
    fn outcome(object: usize, result: &'static str) {
        current().outcome(object, result);
    }

    #[inline]
    fn cell_access(cell: usize, write: bool, at: &'static std::panic::Location<'static>) {
        current().cell_access(cell, write, at);
    }

    #[inline]
    fn cell_dropped(cell: usize) {
        current().cell_dropped(cell);
    }

    #[inline]
    fn spurious_wakeup(_object: usize) -> bool {
        current().spurious_wakeup()
    }

    #[inline]
    fn panicking() -> bool {
        current().panicking()
    }

    #[inline]
    fn keeps_labels() -> bool {
        current().keeps_labels()
    }
}
