//! Threads of an execution: spawning, their ends, their names, and their per-thread and per-run values.

use super::*;

impl Execution {
    /// Runs `f` with this execution's `T`, made by `T::default()` on first use.
    pub(crate) fn with_execution_local<T: Any + Default, R>(&self, f: impl FnOnce(&T) -> R) -> R {
        if let Some((id, value)) = self.last_local.get()
            && id == TypeId::of::<T>()
        {
            // SAFETY: `last_local` holds the place of a value of `locals` of type `id` (set
            // below from the slot of that type), so `value` points to a `T`; it is boxed (it
            // never moves) and owned by this execution, which drops none of them before it
            // ends (`last_local` goes with it); `f` runs within the execution.
            return f(unsafe { &*value.cast::<T>() });
        }
        let existing = self.locals.borrow().get::<T>();
        let value = match existing {
            Some(value) => value,
            None => {
                // Made outside the borrow: making it may use the simulator (and so may dropping
                // it, if another was kept meanwhile).
                let fresh = Box::new(T::default());
                let (value, unused) = self.locals.borrow_mut().get_or_keep(fresh, None);
                drop(unused);
                value
            }
        };
        self.last_local.set(Some((TypeId::of::<T>(), value.cast::<()>())));
        // SAFETY: the value is boxed (it never moves) and owned by this execution, which drops
        // none of them before it ends; `f` runs within the execution.
        f(unsafe { &*value })
    }

    /// Takes this execution's values out (to drop them at its end), and forgets the one used
    /// last: what a destructor makes after this is new, and nothing may point to the old.
    pub(super) fn take_execution_locals(&self) -> Vec<(TypeId, Box<dyn Any>, Option<Renewal>)> {
        self.last_local.set(None);
        self.locals.borrow_mut().take_all()
    }

    /// Runs `f` with the current simulated thread's `T`, made by `T::default()` on first use and
    /// dropped when the thread ends.
    pub(crate) fn with_thread_local<T: Any + Default, R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.with_thread_local_made(None, |_, _, _| {}, f)
    }

    /// Runs `f` with the current simulated thread's store of static locals (`Sim::with_locals`),
    /// made on first use. Emptied at the thread's end (`drop_static_locals`), the store serves a
    /// later execution's thread.
    pub(crate) fn with_static_locals<R>(&self, f: impl FnOnce(&StaticLocals) -> R) -> R {
        let renewal = Renewal {
            end: |store| store.downcast_mut::<StaticLocals>().expect("a store of static locals").drop_all(),
            renew: |store| store.downcast_mut::<StaticLocals>().expect("a store of static locals").is_empty(),
        };
        self.with_thread_local_made(Some(renewal), |_, _, _| {}, f)
    }

    /// [`Execution::with_thread_local`] for the thread's `ThreadState<S>` of a scheduler `S` that
    /// runs on the simulator inside simulations (the façade's): reading what it says the thread
    /// waits on ([`weft_core::ThreadStatus::blocked_on`]) tells, as for the thread's own state,
    /// also a wait in which the simulator keeps the thread off the run queue without parking it
    /// ([`Execution::read_blocked_on`]). Only for a scheduler whose atomics are plain
    /// (`!S::SEES_ATOMICS`): for another, the state is the thread's local like any other.
    pub(crate) fn with_thread_state_of<S: Scheduler, R>(&self, f: impl FnOnce(&ThreadState<S>) -> R) -> R {
        let track_footprints = self.config.track_footprints;
        let made = |inner: &mut Inner, current: usize, state: *const ThreadState<S>| {
            if !S::SEES_ATOMICS {
                // SAFETY: `state` points to the value just boxed among the thread's locals,
                // alive and unmoved; only its address is read.
                let record = unsafe { &*state }.blocked_on_address();
                // The record is shared (`current_status`), so it may outlive its thread, and is
                // kept until the execution ends; an ended thread's record at this address is
                // gone now (its memory is this one's).
                for thread in inner.threads.iter_mut() {
                    thread.other_records.retain(|&r| r != record);
                }
                inner.threads[current].other_records.push(record);
                if track_footprints {
                    // It takes the number kept for it when the thread was made: numbered now,
                    // in whichever thread's step first parks, it would have another number in
                    // an execution where another thread parked first, and a sleeping thread's
                    // park would look dependent on every other first park.
                    if let Some(&number) = inner.numbers.get(&foreign_record_key(current)) {
                        inner.numbers.insert(record, number);
                    }
                }
            }
        };
        // The state is ended with its thread, kept until the execution ends (no later thread's
        // objects take its addresses), then made new for a later execution's thread: three
        // allocations less per thread.
        let renewal = Renewal {
            end: |state| state.downcast_mut::<ThreadState<S>>().expect("a thread state").end(),
            renew: |state| state.downcast_mut::<ThreadState<S>>().expect("a thread state").renew(),
        };
        self.with_thread_local_made(Some(renewal), made, f)
    }

    /// [`Execution::with_thread_local`], calling `made` with the threads, the current one's
    /// index and the value when it is made; a value with a `renewal` is ended and kept when its
    /// thread ends, and renewed values of earlier executions serve new threads.
    pub(super) fn with_thread_local_made<T: Any + Default, R>(
        &self,
        renewal: Option<Renewal>,
        made: impl FnOnce(&mut Inner, usize, *const T),
        f: impl FnOnce(&T) -> R,
    ) -> R {
        let existing = {
            let inner = self.inner.borrow();
            inner.threads[inner.current].locals.get::<T>()
        };
        let value = match existing {
            Some(value) => value,
            None => {
                let renewed = renewal.and_then(|_| take_spare::<T>(&mut self.inner.borrow_mut().spare_locals));
                let fresh = renewed.unwrap_or_else(|| Box::new(T::default()));
                let mut inner = self.inner.borrow_mut();
                let current = inner.current;
                let (value, unused) = inner.threads[current].locals.get_or_keep(fresh, renewal);
                if unused.is_none() {
                    made(&mut inner, current, value);
                }
                drop(inner);
                drop(unused);
                value
            }
        };
        // SAFETY: the value is boxed (it never moves) and owned by the current thread's entry,
        // which drops it only at the thread's end, after its last use; `f` runs before that.
        f(unsafe { &*value })
    }

    /// Drops the current simulated thread's values of static locals, if it has any (see
    /// [`weft_core::StaticLocals::drop_all`]).
    ///
    /// A thread that has values runs their destructors after a scheduling point of its own: other
    /// threads may run between its last operation and its exit (as between a spawn and the
    /// spawner's end: `Thread.start` takes no decision of its own, see `run_starting_thread`),
    /// and a destructor may have effects they see.
    pub(crate) fn drop_static_locals(&self) {
        let values = {
            let inner = self.inner.borrow();
            inner.threads[inner.current].locals.get::<StaticLocals>()
        };
        if let Some(values) = values {
            // SAFETY: as for `drop_all` below: the store is alive and unmoved until the
            // thread's end, which comes after this call; only this thread uses it.
            if !unsafe { &*values }.is_empty() && !self.tearing_down.get() {
                self.schedule_point();
            }
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
    pub(super) fn make_run_state(&self) -> *const RunState<Sim> {
        let fresh = Rc::new(RunState::new(crate::MAIN_THREAD_IDS.0, crate::MAIN_THREAD_IDS.1));
        Rc::as_ptr(self.run_state.borrow_mut().get_or_insert(fresh))
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

    /// Whether [`Execution::label_object`] keeps labels (`Observe::keeps_labels`).
    pub(crate) fn keeps_labels(&self) -> bool {
        self.config.record_trace && !self.tearing_down.get()
    }

    /// Names the object at `object` `label` in traces and deadlock reports (see
    /// `Observe::label_object`).
    pub(crate) fn label_object(&self, object: usize, label: &str) {
        if !self.keeps_labels() {
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

    pub(crate) fn spawn(&self, options: SpawnOptions, main: Box<dyn FnOnce() + Send>) -> Result<(), SpawnError> {
        let id = {
            let mut inner = self.inner.borrow_mut();
            // A size of 0 is std's default; `weft::stack_size` accepts no size below 32 KiB.
            let size = if options.stack_size == 0 { stack::default_stack_size() } else { options.stack_size };
            let stack = inner.stack_pool.take(size).map_err(|e| SpawnError(e.to_string()))?;
            let id = inner.threads.len();
            let name = options.name.unwrap_or(ThreadName::numbered("sim-", id));
            self.watch.thread(id, &name);
            let kept = Self::thread_buffers(&mut inner);
            inner.threads.push(Self::new_thread(id, name, options.daemon, (size, stack), kept, main));
            if self.config.track_footprints {
                Self::number_thread_keys(&mut inner, id);
            }
            inner.unfinished += usize::from(!options.daemon);
            drop(inner);
            self.race_spawned(id);
            let mut inner = self.inner.borrow_mut();
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
            inner.starting = Some(Starting { child: id, parent: inner.current });
            id
        };
        let parent = self.current_thread();
        self.with_strategy(|s| s.thread_created(id, Some(parent)));
        // No scheduling point here: `Thread::start` waits for the new thread to announce itself,
        // and that hand-shake runs it within this step (`run_starting_thread`).
        Ok(())
    }

    /// A new thread's state, lists and slots: emptied ones of earlier threads if there are.
    /// Numbers the objects that stand for thread `id` in footprints (its record, its wake-up,
    /// and its record in a foreign scheduler's state, see [`foreign_record_key`]) as it is made,
    /// before it runs: each then has the same number in every execution that shares the step
    /// that made the thread, and a sleeping thread's step on one compares exactly.
    pub(super) fn number_thread_keys(inner: &mut Inner, id: usize) {
        let record = inner.threads[id].record;
        for key in [record, wake_key(id), foreign_record_key(id)] {
            Self::number_object(inner, key);
        }
    }

    pub(super) fn thread_buffers(inner: &mut Inner) -> ThreadBuffers {
        ThreadBuffers {
            state: inner.spare_states.pop().unwrap_or_default(),
            holds: inner.spare_lists.pop().unwrap_or_default(),
            other_records: inner.spare_lists.pop().unwrap_or_default(),
            locals: inner.spare_slots.pop().unwrap_or_default(),
        }
    }

    pub(super) fn new_thread(
        id: usize,
        name: ThreadName,
        daemon: bool,
        (stack_size, stack): (usize, DefaultStack),
        ThreadBuffers { state, holds, other_records, locals }: ThreadBuffers,
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
            execution.unwind_deferred.set(false);
            // The thread's end: its state (Local values, a dummy's registration) goes first,
            // while it can still use the scheduler.
            // Dropping them runs user destructors (`Local` values): a panic there fails the
            // execution like any other, and must not unwind out of the coroutine.
            // The state's memory is kept until the execution ends, so that no later thread's
            // objects take its addresses (footprints name objects by address).
            // Values of static locals go first, while the thread still reaches its locals: a
            // destructor that uses a key gets a value that is dropped too.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| execution.drop_static_locals())) {
                // Abandoned at the scheduling point before the destructors: they run below,
                // in teardown mode, with the rest of its locals.
                if !payload.is::<Abandoned>() {
                    execution.fail(FailureKind::Panic, crate::panic_message(&*payload));
                }
            }
            let mut state = execution.inner.borrow_mut().threads[id].state.take();
            let mut locals = {
                // (Its `other_records` stay: a reader may keep its status after it ends.)
                let mut inner = execution.inner.borrow_mut();
                std::mem::take(&mut inner.threads[id].locals)
            };
            let mut ended_locals = std::mem::take(&mut execution.inner.borrow_mut().ended_locals);
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| {
                if let Some(state) = &mut state {
                    state.end();
                }
                locals.end_thread(&mut ended_locals);
            })) {
                execution.fail(FailureKind::Panic, crate::panic_message(&*payload));
            }
            let mut inner = execution.inner.borrow_mut();
            // (Emptied: it serves a later thread once the execution ends.)
            inner.threads[id].locals = locals;
            inner.ended_states.extend(state);
            inner.ended_locals = ended_locals;
            inner.threads[id].status = Status::Finished;
            inner.threads[id].unwinding.set(false);
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
            reads_only_its_wake: false,
            timed_out: None,
            token: 0,
            record: state.blocked_on_address(),
            state: Some(state),
            locals,
            other_records,
            yielder: Cell::new(std::ptr::null()),
            at_atomic_point: Cell::new(false),
            guard: stack::guard_page(&stack),
            stack_size,
            coroutine: Some(Fiber(ManuallyDrop::new(Coroutine::with_stack(stack, body)))),
            holds,
            awaiting: None,
            waited: Cell::new(false),
            ready_again: Cell::new(false),
            unwinding: Cell::new(false),
            unready: Cell::new(false),
            polling: false,
            yielded_at: None,
            went_on_at: None,
            counting: false,
            polls_the_clock: false,
            fresh: true,
            open: None,
            nested: 0,
            panic_location: None,
            spurious_used: false,
            pending: 0,
        }
    }
}
