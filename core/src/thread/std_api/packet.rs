//! What a spawned thread shares with its join handle (the [`Packet`] its result goes in), with
//! its scope ([`ScopeData`]), and the one place a thread is spawned for std's API
//! ([`spawn_unchecked`]): a weft [`record::Thread`] whose target runs the closure and catches its
//! panic for `join`.

use std::any::Any;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};

use crate::backend::Scheduler;
use crate::backend::atomic::Atomic;
use crate::error::Error;
use crate::sync::raw::Mutex;
use crate::thread::hooks::Abandoned;
use crate::thread::lifecycle::{self, current_thread};
use crate::thread::record::{self, STARTED};
use crate::thread::std_api::handle::Thread;
use crate::thread::std_api::park;

// A packet's state bits. The thread sets DONE once its result is in the packet; a handle
// dropped without `join` sets DETACHED. Whichever of the two comes second finds the other's bit
// and disposes of the result nobody will join: a value is dropped, a panic is *orphaned*: for a
// scoped thread its scope panics at its end (std's rule); for any other thread it is reported as
// unhandled, to the excepthook (see `crate::std_thread` on panics).
//
// | DONE | DETACHED | meaning                                                              |
// |------|----------|----------------------------------------------------------------------|
// |  0   |    0     | the thread runs; its handle may join it                              |
// |  1   |    0     | the result waits in the packet for `join` (or for the handle's drop) |
// |  0   |    1     | the handle is gone: the thread disposes of its own result            |
// |  1   |    1     | disposed of, by whichever side set its bit second                    |

/// The thread's result is in the packet.
const DONE: u8 = 1;
/// The handle was dropped without `join`.
const DETACHED: u8 = 2;

/// The payload a join returns for a thread that ended before its closure ran (a trace or profile
/// hook panicked first, and the excepthook was told).
const NOT_RUN: &str = "the thread ended before its closure ran: a trace or profile hook panicked";

/// A thread's result, shared by the thread and its join handle.
pub(super) struct Packet<S: Scheduler, T> {
    state: S::Atomic<u8>,
    /// Written once by the thread, then taken once, by `join` or by whichever side disposes of
    /// it; the two never reach it at the same time (the state's bits, and the thread's end,
    /// order them), so this lock is never contended.
    result: std::sync::Mutex<Option<std::thread::Result<T>>>,
    /// The scope of a scoped thread.
    scope: Option<Arc<ScopeData<S>>>,
}

impl<S: Scheduler, T> Packet<S, T> {
    fn take_result(&self) -> Option<std::thread::Result<T>> {
        self.result.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }

    /// On the thread, once its closure returned or panicked.
    fn finish(&self, outcome: std::thread::Result<T>) {
        *self.result.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(outcome);
        if self.state.fetch_or(DONE, AcqRel) & DETACHED != 0 {
            self.dispose(&current_thread::<S>());
        }
    }

    /// The handle is dropped without `join` (`thread` is the thread it was for).
    fn detach(&self, thread: &record::Thread<S>) {
        if self.state.fetch_or(DETACHED, AcqRel) & DONE != 0 {
            self.dispose(thread);
        }
    }

    /// Disposes of the result nobody will join, on the side that set its bit second.
    fn dispose(&self, thread: &record::Thread<S>) {
        match self.take_result() {
            Some(Err(payload)) => match &self.scope {
                Some(scope) => {
                    scope.a_thread_panicked.store(1, Release);
                    drop(payload);
                }
                // Also when the handle is dropped as its owner unwinds from a panic of its own:
                // both panics are reported then (a simulator's report names this one, the
                // first). `std::thread::panicking()` could not single that case out reliably:
                // under a simulator it is the OS thread's, shared by every simulated thread.
                None => lifecycle::report_panic(thread, payload),
            },
            Some(Ok(value)) => drop(value),
            None => {}
        }
    }
}

/// A thread of a scope, with the mark of its closure's end (see [`ClosureEnd`]).
type ScopedThread<S> = (record::Thread<S>, Arc<AtomicBool>);

/// What a scope shares with its threads: which threads it must join at its end, and whether a
/// thread panicked that nobody joined.
pub(super) struct ScopeData<S: Scheduler> {
    /// The scope's started threads not yet joined by its end.
    threads: Mutex<S, Vec<ScopedThread<S>>>,
    /// 1 once a scoped thread panicked and its handle was dropped without `join`.
    a_thread_panicked: S::Atomic<u8>,
}

impl<S: Scheduler> ScopeData<S> {
    pub(super) fn new() -> Self {
        ScopeData { threads: Mutex::new(Vec::new()), a_thread_panicked: S::Atomic::<u8>::new(0) }
    }

    /// Whether a scoped thread panicked and was not joined.
    pub(super) fn a_thread_panicked(&self) -> bool {
        self.a_thread_panicked.load(Acquire) != 0
    }

    /// Joins every thread of the scope, those that the threads being joined start meanwhile
    /// too, and returns only once each has ended: its closure has returned or unwound and has
    /// been dropped (a thread's state is STOPPED only after that). It never returns or unwinds
    /// before: the scope's lifetime erasure (`spawn_unchecked`) relies on it.
    ///
    /// A simulator ending an execution unwinds a thread suspended here with [`Abandoned`]. The
    /// scope's threads, younger, were unwound first: once a thread's closure is gone (its
    /// [`ClosureEnd`]), nothing it borrowed is used any more and the join is over, even if the
    /// thread's unwind skipped its end (it was abandoned as it ended, before STOPPED). Otherwise
    /// the join is tried again, and the simulator then gives this thread up and keeps its stack,
    /// so that what the scoped threads borrow stays valid. The first such payload is returned
    /// for the caller to resume. Any other panic out of a join (none can happen: the threads are
    /// started, and none of them is the caller) aborts the process rather than let the scope
    /// end while its threads may run.
    pub(super) fn join_all(&self) -> Option<Box<dyn Any + Send>> {
        let mut unwound = None;
        loop {
            let next = self.threads.lock().pop();
            let Some((thread, closure_ended)) = next else { return unwound };
            loop {
                match catch_unwind(AssertUnwindSafe(|| thread.join())) {
                    Ok(Ok(())) => break,
                    Ok(Err(error)) => {
                        // Unreachable (see above); if it were reached, wait for the end anyway.
                        debug_assert!(false, "a scope cannot join its thread: {error}");
                        thread.wait_state_leaves(STARTED, None);
                        break;
                    }
                    Err(payload) if payload.is::<Abandoned>() => {
                        unwound.get_or_insert(payload);
                        if closure_ended.load(Acquire) {
                            break;
                        }
                    }
                    Err(_) => {
                        eprintln!("weft: a scope could not join one of its threads; aborting");
                        std::process::abort();
                    }
                }
            }
        }
    }
}

/// What [`crate::std_thread::JoinHandle`] and [`crate::std_thread::ScopedJoinHandle`] share: the
/// thread and its packet (`None` once joined).
pub(super) struct JoinInner<S: Scheduler, T> {
    pub(super) thread: Thread<S>,
    packet: Option<Arc<Packet<S, T>>>,
}

impl<S: Scheduler, T> JoinInner<S, T> {
    /// Waits for the thread to end and returns its closure's value, or its panic's payload.
    pub(super) fn join(mut self) -> std::thread::Result<T> {
        if let Err(error) = self.thread.as_threading().join() {
            // Only a thread joining itself gets here (`Error::JoinCurrentThread`): std panics
            // too. `self` is dropped as the panic unwinds, as a handle dropped without join.
            panic!("failed to join thread: {error}");
        }
        let packet = self.packet.take().expect("a handle is joined once");
        // The thread has ended (its state is STOPPED): its result is in the packet, and the
        // thread did not dispose of it (the handle was alive).
        packet.take_result().unwrap_or_else(|| Err(Box::new(NOT_RUN)))
    }

    /// Whether the thread's closure has ended: `join` would not block.
    pub(super) fn is_finished(&self) -> bool {
        !self.thread.as_threading().is_alive()
    }
}

impl<S: Scheduler, T> Drop for JoinInner<S, T> {
    fn drop(&mut self) {
        if let Some(packet) = self.packet.take() {
            packet.detach(self.thread.as_threading());
        }
    }
}

/// Spawns a thread that runs `f`: a weft thread (a [`record::Thread`], built by `builder`) whose
/// target runs `f`, catches its panic, and leaves the outcome in the packet for `join`. A scoped
/// thread is added to `scope`'s threads once it has started.
///
/// # Errors
/// [`Error::CantStartThread`] (as an [`io::Error`] of kind `Other`) if the backend cannot start
/// the thread; `f` is dropped before this returns.
///
/// # Safety
/// As std's `Builder::spawn_unchecked`: everything `f` borrows, and `T`, must outlive the
/// thread's use of them, that is, the thread must be joined (its state STOPPED), or its closure
/// be over (its [`ClosureEnd`] marked), before any lifetime in `F` or `T` ends. With `scope`,
/// that scope's end ([`ScopeData::join_all`]) ensures it if the scope outlives those lifetimes'
/// uses by the thread.
pub(super) unsafe fn spawn_unchecked<'a, S, F, T>(
    builder: lifecycle::Builder<S>,
    f: F,
    scope: Option<Arc<ScopeData<S>>>,
) -> io::Result<JoinInner<S, T>>
where
    S: Scheduler,
    F: FnOnce() -> T + Send + 'a,
    T: Send + 'a,
{
    let packet = Arc::new(Packet { state: S::Atomic::<u8>::new(0), result: std::sync::Mutex::new(None), scope });
    // (Only a scope reads the mark: no allocation for it otherwise.)
    let closure_ended = packet.scope.is_some().then(|| Arc::new(AtomicBool::new(false)));
    let body = Body { f, packet: packet.clone(), _end: ClosureEnd(closure_ended.clone()) };
    let main: Box<dyn FnOnce() + Send + 'a> = Box::new(move || body.run());
    // SAFETY: only the lifetime changes (the two types have the same layout). The closure, and
    // with it `f`, the packet's `T` and whatever they borrow, is used only while `'a` lasts:
    // - it is reachable only through the record's target slot (`target` is private to the
    //   thread module, and only `Thread::run` and `Unstarted` below take it): the thread takes
    //   it out and calls it, and it is consumed, hence dropped, before the thread's state
    //   becomes STOPPED, which is what a join waits for;
    // - until a join handle for the thread exists (and, for a scoped thread, the scope knows
    //   the thread), `Unstarted` ends the closure's life in the record before this function
    //   returns or unwinds: it takes the closure back and drops it if the thread did not take
    //   it (the backend could not start the thread, or `start` unwound first), and otherwise
    //   waits for the thread to end;
    // - from then on, the caller ensures the thread is joined (STOPPED), or the closure over
    //   (`ClosureEnd`, marked after `f` and the packet were dropped), before any lifetime in
    //   `F` or `T` ends (this function's contract), so the closure is gone by then;
    // - the packet's `T` outlives the closure only in the packet, which the join handle keeps
    //   (its own lifetime bounded by the caller) or which is leaked with a forgotten handle.
    let main: Box<dyn FnOnce() + Send + 'static> =
        unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + 'a>, Box<dyn FnOnce() + Send + 'static>>(main) };
    let record = builder.build_boxed(main);
    park::label(&record);
    let unstarted = Unstarted(&record);
    if record.start().is_err() {
        // Not started (and nothing stays registered): `unstarted` drops the closure.
        drop(unstarted);
        return Err(io::Error::other(Error::CantStartThread));
    }
    if let (Some(scope), Some(closure_ended)) = (&packet.scope, closure_ended) {
        // Before the thread could end: the scope's end waits for the spawner, which is the
        // scope's closure or one of its threads, and so sees this thread too.
        scope.threads.lock().push((record.clone(), closure_ended));
    }
    std::mem::forget(unstarted);
    Ok(JoinInner { thread: Thread::of(record), packet: Some(packet) })
}

/// What a spawned thread runs: `f`, whose outcome goes in the packet. Its fields are dropped in
/// their order, so that its end is marked last, whether it ran or not.
struct Body<S: Scheduler, F, T> {
    f: F,
    packet: Arc<Packet<S, T>>,
    _end: ClosureEnd,
}

impl<S: Scheduler, F: FnOnce() -> T, T> Body<S, F, T> {
    fn run(self) {
        // Dropped in the reverse order, also when unwinding: the packet, then the end's mark.
        let _end = self._end;
        let packet = self.packet;
        let outcome = match catch_unwind(AssertUnwindSafe(self.f)) {
            // A simulator unwinds a thread it abandons: let it pass, to the weft thread's end.
            Err(payload) if payload.is::<Abandoned>() => resume_unwind(payload),
            outcome => outcome,
        };
        packet.finish(outcome);
    }
}

/// Marks, when dropped, that a spawned thread's closure is over: called (it dropped `f` and its
/// packet) or dropped uncalled. Only a scope reads the mark, as a simulator unwinds it: a thread
/// of no scope has none.
struct ClosureEnd(Option<Arc<AtomicBool>>);

impl Drop for ClosureEnd {
    fn drop(&mut self) {
        if let Some(mark) = &self.0 {
            mark.store(true, Release);
        }
    }
}

/// Ends the life of a spawned thread's closure when dropped (see `spawn_unchecked`): a closure
/// still in the record (the thread never took it) is taken back and dropped here; otherwise the
/// thread runs it, and this waits until the thread has ended. The record may outlive this (a
/// concurrent `enumerate()` cloned it), the closure may not.
struct Unstarted<'r, S: Scheduler>(&'r record::Thread<S>);

impl<S: Scheduler> Drop for Unstarted<'_, S> {
    fn drop(&mut self) {
        let target = self.0.inner.target.lock().take();
        if target.is_none() {
            // Taken by the thread, which set its state STARTED first: wait for STOPPED.
            self.0.wait_state_leaves(STARTED, None);
        }
        drop(target);
    }
}
