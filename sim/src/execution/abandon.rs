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
/// drops its closure. A thread that would block while unwinding (park), that swallows the
/// unwind and waits again too often, or that runs away, is given up: its coroutine and stack
/// are leaked (retired), never reused nor unmapped, so that whatever still points into them
/// stays valid.
pub(super) fn abandon_threads(execution: &Execution) {
    execution.abandoning.set(true);
    let count = execution.inner.borrow().threads.len();
    for id in (0..count).rev() {
        let coroutine = {
            let mut inner = execution.inner.borrow_mut();
            inner.current = id;
            execution.running.set(id);
            inner.threads[id].awaiting = None;
            let entry = &inner.threads[id];
            stack::set_running(entry.guard, entry.overflow_name, &inner.schedule.choices);
            inner.threads[id].coroutine.take()
        };
        let Some(mut coroutine) = coroutine else { continue };
        execution.unwind_pending.set(coroutine.0.started());
        execution.unwind_deferred.set(false);
        execution.abandon_raises.set(0);
        execution.abandon_steps.set(0);
        // A panic out of the coroutine is the simulator's own (the thread's body catches the
        // thread's): it still finished the coroutine, whose stack is reusable.
        let result = catch_unwind(AssertUnwindSafe(|| coroutine.0.resume(())));
        execution.unwind_pending.set(false);
        execution.unwind_deferred.set(false);
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
