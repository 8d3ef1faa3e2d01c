//! What a scheduler that delegates to the simulator (the façade's) needs of it: whether the
//! calling thread simulates, its ident outside simulations, per-execution and per-thread
//! values, the execution's number. Hidden from the docs: only the façade uses it.

use std::any::Any;
use std::cell::Cell;
use std::sync::atomic::Ordering;

use weft_core::{Scheduler, ThreadState};

use crate::execution::{self, current};

thread_local! {
    /// Set while the calling OS thread runs an exploration.
    pub(crate) static QUIET: Cell<bool> = const { Cell::new(false) };
    /// See [`outside_ident`] and [`outside_ident_unkept`].
    pub(crate) static OUTSIDE_IDENT: OutsideIdent = const { OutsideIdent { complement: Cell::new(0), unkept: Cell::new(1) } };
}

/// The ident kept for an OS thread outside simulations, in the two forms fast paths test.
pub(crate) struct OutsideIdent {
    /// The ident, complemented (0 reads as "none").
    complement: Cell<usize>,
    /// 0 while an ident is kept, 1 otherwise.
    unkept: Cell<usize>,
}

impl OutsideIdent {
    /// Keeps `ident` (none: `None`) and returns what was kept before.
    pub(crate) fn replace(&self, ident: Option<usize>) -> Option<usize> {
        let before = (self.unkept.get() == 0).then(|| !self.complement.get());
        self.complement.set(ident.map_or(0, |ident| !ident));
        self.unkept.set(usize::from(ident.is_none()));
        before
    }
}

/// How many coroutine stacks this process retired: stacks of threads abandoned at an
/// execution's end that could not be unwound (they would have blocked while unwinding, or kept
/// running), leaked rather than reused. Diagnostics and tests; it should stay near 0.
#[doc(hidden)]
pub fn retired_stacks() -> usize {
    execution::RETIRED_STACKS.load(Ordering::Relaxed)
}

/// Whether the calling OS thread is running a simulation right now.
#[inline]
pub fn in_simulation() -> bool {
    execution::in_simulation()
}

/// The ident that a scheduler delegating to the simulator (the façade's) keeps for the calling OS
/// thread with [`keep_outside_ident`], or `usize::MAX` if it kept none, and always while the
/// thread runs an exploration. One thread-local load: a value other than `usize::MAX` proves that
/// the thread's operations are not being simulated.
#[doc(hidden)]
#[inline(always)]
pub fn outside_ident() -> usize {
    !OUTSIDE_IDENT.with(|kept| kept.complement.get())
}

/// 0 if an [`outside_ident`] is kept for the calling OS thread (it runs no exploration), 1
/// otherwise: the same test as `outside_ident() == usize::MAX`, as a word that a branch-free fast
/// path can combine with others. One thread-local load.
#[doc(hidden)]
#[inline(always)]
pub fn outside_ident_unkept() -> usize {
    OUTSIDE_IDENT.with(|kept| kept.unkept.get())
}

/// Keeps `ident` as the calling OS thread's [`outside_ident`], unless the thread runs an
/// exploration now (then nothing is kept).
#[doc(hidden)]
pub fn keep_outside_ident(ident: usize) {
    if !QUIET.with(Cell::get) {
        OUTSIDE_IDENT.with(|kept| kept.replace(Some(ident)));
    }
}

/// Tells the running simulation, if the calling thread runs one, that the object at `address`
/// is dropped, so that another object taking the address later counts as another object (for
/// schedulers that delegate to the simulator and whose objects the simulator knows by address,
/// such as the façade's). Does nothing elsewhere.
#[doc(hidden)]
pub fn object_dropped(address: usize) {
    execution::object_dropped(address);
}

/// Whether any exploration runs in this process now: one load of a read-mostly word. When false,
/// no thread is in a simulation, and [`in_simulation`] need not be asked.
#[doc(hidden)]
#[inline(always)]
pub fn explorations_running() -> bool {
    execution::ACTIVE.load(Ordering::Relaxed) != 0
}

/// Runs `f` with the running execution's value of type `T`, made by `T::default()` on first use
/// (for schedulers that delegate to the simulator, such as the façade's: their per-run state).
///
/// # Panics
/// Outside a simulation.
#[doc(hidden)]
pub fn with_execution_local<T: Any + Default, R>(f: impl FnOnce(&T) -> R) -> R {
    current().with_execution_local(f)
}

/// Runs `f` with the running simulated thread's value of type `T`, made by `T::default()` on
/// first use and dropped when the thread ends (their per-thread state).
///
/// # Panics
/// Outside a simulation.
#[doc(hidden)]
pub fn with_thread_local<T: Any + Default, R>(f: impl FnOnce(&T) -> R) -> R {
    current().with_thread_local(f)
}

/// Runs `f` with the running simulated thread's `ThreadState<S>`, for a scheduler `S` that runs
/// on the simulator inside simulations (the façade's `Auto`): made on first use and ended when
/// the thread ends (its values dropped, as [`with_thread_local`] drops its value), its memory
/// kept until the execution ends and then, made new, serving a later execution's thread if
/// nothing else holds it. Reading what it says the thread waits on
/// ([`weft_core::ThreadStatus::blocked_on`]) tells, as for the thread's `ThreadState<Sim>`,
/// also a wait in which the simulator keeps the thread off its run queue without parking it:
/// the simulator answers the read (`Observe::read_blocked_on`), since the scheduler's own
/// parking never records such a wait.
///
/// Only the states of a scheduler whose atomics are plain (`!S::SEES_ATOMICS`: the façade's
/// are std atomics) are known to the simulator so; for another `S` the simulator does not
/// answer the reads of its state.
///
/// # Panics
/// Outside a simulation.
#[doc(hidden)]
pub fn with_thread_state_of<S: Scheduler, R>(f: impl FnOnce(&ThreadState<S>) -> R) -> R {
    current().with_thread_state_of(f)
}

/// The number of the execution that the calling OS thread runs now, unique in the process
/// (executions are numbered from 1 as they begin), or 0 outside simulations. Objects can keep it
/// to tell, at a later use, that they were made in another execution, or outside any.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
/// use std::sync::Arc;
/// use weft_sim::{execution_id, Explorer};
///
/// assert_eq!(execution_id(), 0);
/// let last = Arc::new(AtomicU64::new(0));
/// let seen = last.clone();
/// Explorer::random_walk(1).iterations(3).check(move || {
///     let id = execution_id();
///     assert!(id > seen.swap(id, Relaxed)); // a new number every execution
/// });
/// ```
#[doc(hidden)]
pub fn execution_id() -> u64 {
    execution::execution_id()
}

/// The name of the running simulated thread (for diagnostics).
///
/// # Panics
/// Outside a simulation.
#[doc(hidden)]
pub fn current_thread_name() -> String {
    current().thread_name()
}
