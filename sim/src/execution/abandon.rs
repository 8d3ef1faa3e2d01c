//! Threads abandoned at an execution's end: unwound in teardown mode, or given up and their stacks retired.

use super::*;

impl Execution {
    /// A scheduling point while the execution is torn down: nothing is scheduled. Destructors
    /// and a thread's end (which a weft thread's wrapper runs after it caught the unwind) go
    /// through; an abandoned thread that passes too many is in a runaway loop, and given up.
    #[inline]
    pub(super) fn while_torn(&self) {
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
    pub(super) fn abandon_unwind(&self) {
        let raised = self.abandon_raises.get();
        if self.panicking() || raised >= ABANDON_RAISES {
            self.give_up();
        }
        self.abandon_raises.set(raised + 1);
        {
            let inner = self.inner.borrow();
            inner.threads[inner.current].unwinding.set(true);
        }
        std::panic::resume_unwind(Box::new(Abandoned));
    }

    /// Suspends the running thread, abandoned at the execution's end and unwinding, which waits
    /// in its park for another abandoned thread (a lock one holds): `abandon_threads` resumes
    /// it once another's unwinding woke it, or gives it up.
    #[cold]
    pub(super) fn wait_for_abandoned(&self) {
        self.waits_for_abandoned.set(true);
        let yielder = {
            let inner = self.inner.borrow();
            inner.threads[inner.current].yielder.get()
        };
        // SAFETY: as in `suspend`: the yielder is the running coroutine's own.
        unsafe { (*yielder).suspend(()) };
    }

    /// Gives up the running thread, abandoned at the execution's end, that cannot be unwound
    /// (it would block, or it will not stop): it suspends for good, and `run_execution` retires
    /// its stack.
    #[cold]
    pub(super) fn give_up(&self) -> ! {
        let yielder = {
            let inner = self.inner.borrow();
            inner.threads[inner.current].yielder.get()
        };
        loop {
            // SAFETY: as in `suspend`; the controller never resumes a given-up thread.
            unsafe { (*yielder).suspend(()) };
        }
    }
}

/// Unwinds the threads still suspended at the execution's end (daemon threads, every thread
/// after a failure or a pruned execution), one at a time, the youngest first (a spawner often
/// waits for its threads as it unwinds: a scope's end joins them, a destructor joins a worker;
/// unwound first, they have ended by then), in teardown mode: each is resumed at its pending
/// scheduling point, which unwinds with the [`Abandoned`] payload; its destructors
/// run (a `std::thread::scope` waits there for its OS threads), then its usual end, and its
/// coroutine returns: nothing can point into its stack any more, which is reused. Meanwhile
/// scheduling points schedule nothing and no failure is recorded. A thread never started only
/// drops its closure.
///
/// A thread that would block while unwinding (a destructor that takes a lock another abandoned
/// thread holds) waits: it is resumed once another thread's unwinding woke it (released the
/// lock), in rounds until a round wakes none. One that is never woken, that swallows the unwind
/// and waits again too often, or that runs away, is given up: its coroutine and stack are
/// leaked (retired), never reused nor unmapped, so that whatever still points into them stays
/// valid.
pub(super) fn abandon_threads(execution: &Execution) {
    execution.abandoning.set(true);
    let count = execution.inner.borrow().threads.len();
    // Threads waiting for another abandoned thread: (id, coroutine, whether it had left its code).
    let mut waiting: Vec<(usize, Fiber, bool)> = Vec::new();
    for id in (0..count).rev() {
        let coroutine = {
            let mut inner = execution.inner.borrow_mut();
            let timed = inner.threads[id].awaiting.take().is_some_and(|awaiting| awaiting.deadline.is_some());
            inner.timed -= usize::from(timed);
            inner.threads[id].coroutine.take()
        };
        let Some(coroutine) = coroutine else { continue };
        let pending = coroutine.0.started();
        if let Some(waits) = resume_abandoned(execution, id, coroutine, pending) {
            waiting.push(waits);
        }
    }
    // Rounds: a thread another's unwinding woke goes on (and may wake others in turn).
    for _ in 0..ABANDON_ROUNDS {
        let woken: Vec<usize> = {
            let inner = execution.inner.borrow();
            waiting
                .iter()
                .enumerate()
                .filter(|(_, (id, ..))| inner.threads[*id].wake.is_some())
                .map(|(at, _)| at)
                .collect()
        };
        if woken.is_empty() {
            break;
        }
        let mut still = Vec::new();
        for (at, (id, coroutine, pending)) in waiting.drain(..).enumerate() {
            if !woken.contains(&at) {
                still.push((id, coroutine, pending));
            } else if let Some(waits) = resume_abandoned(execution, id, coroutine, pending) {
                still.push(waits);
            }
        }
        waiting = still;
    }
    for (_, coroutine, _) in waiting {
        retire(coroutine);
    }
    execution.abandoning.set(false);
}

/// Most rounds of [`abandon_threads`] in which waiting threads are resumed.
const ABANDON_ROUNDS: usize = 64;

/// Resumes abandoned thread `id` (`pending`: it has not left its code, so a wait raises the
/// unwind again) until its coroutine returns, it waits for another abandoned thread (returned,
/// to be resumed once woken), or it is given up.
fn resume_abandoned(
    execution: &Execution,
    id: usize,
    mut coroutine: Fiber,
    pending: bool,
) -> Option<(usize, Fiber, bool)> {
    execution.make_running(&mut execution.inner.borrow_mut(), id);
    execution.unwind_pending.set(pending);
    execution.unwind_deferred.set(false);
    execution.abandon_raises.set(0);
    execution.abandon_steps.set(0);
    execution.waits_for_abandoned.set(false);
    // A panic out of the coroutine is the simulator's own (the thread's body catches the
    // thread's): it still finished the coroutine, whose stack is reusable.
    let result = catch_unwind(AssertUnwindSafe(|| coroutine.0.resume(())));
    let pending = execution.unwind_pending.replace(false);
    execution.unwind_deferred.set(false);
    match result {
        Ok(CoroutineResult::Yield(())) if execution.waits_for_abandoned.replace(false) => {
            Some((id, coroutine, pending))
        }
        Ok(CoroutineResult::Yield(())) => {
            retire(coroutine);
            None
        }
        Ok(CoroutineResult::Return(())) | Err(_) => {
            let mut inner = execution.inner.borrow_mut();
            let size = inner.threads[id].stack_size;
            inner.finished_stacks.give(size, coroutine.into_stack());
            None
        }
    }
}

/// A thread given up: leaked with its stack (see `Fiber`).
fn retire(coroutine: Fiber) {
    RETIRED_STACKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    RETIRED_HERE.with(|r| r.set(r.get() + 1));
    std::mem::forget(coroutine);
}
