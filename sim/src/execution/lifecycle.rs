//! An execution's life around its step loop: made from the buffers of earlier ones, torn down, and turned into its outcome.

use super::*;

impl Execution {
    /// A fresh execution of `config`, on the buffers of earlier ones, explored by `strategy`.
    pub(super) fn new(strategy: *mut (dyn Strategy + 'static), mut config: Config, buffers: &mut Buffers) -> Execution {
        // SAFETY: the strategy outlives the execution (see `run_execution`).
        let strategy_follows = unsafe { &*strategy }.follow().is_some();
        let id = EXECUTIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let plain_atomics = !config.fine_grained && !config.track_footprints;
        let detailed = config.record_trace || config.track_footprints;
        let fingerprinting = strategy_follows || config.record_trace;
        let config_announces_more =
            config.track_trail || fingerprinting || detailed || config.record_trace || config.track_pending;
        let choices = buffers.take_choices();
        Execution {
            inner: RefCell::new(Inner {
                threads: std::mem::take(&mut buffers.threads),
                current: 0,
                clock: Duration::ZERO,
                queues: std::mem::take(&mut buffers.queues),
                labels: HashMap::default(),
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
                spare_lists: std::mem::take(&mut buffers.spare_lists),
                spare_slots: std::mem::take(&mut buffers.spare_slots),
                ended_locals: std::mem::take(&mut buffers.ended_locals),
                spare_locals: std::mem::take(&mut buffers.spare_locals),
                numbers: std::mem::take(&mut buffers.numbers),
                next_number: 0,
                pruned: false,
                unfinished: 0,
                timed: 0,
                progress: 0,
                clock_polled_since: None,
                fingerprint: FNV_OFFSET,
                fingerprinted: 0,
                failure_location: None,
                starting: None,
                pending: std::mem::take(&mut buffers.pending),
            }),
            strategy,
            races: RefCell::new(races::cells_seen().then(|| Box::new(races::Races::new(1)))),
            races_on: Cell::new(races::cells_seen()),
            running: Cell::new(0),
            run_state: RefCell::new(None),
            locals: RefCell::new(TypedSlots::default()),
            last_local: Cell::new(None),
            // The publisher keeps the config's watch (no second reference to count).
            watch: crate::watchdog::Publisher::begin(config.watch.take(), !config.record_trace),
            id,
            origin: crate::origin_of(id),
            config,
            in_critical: Cell::new(false),
            accesses: Cell::new(0),
            looked: Cell::new(0),
            yield_looked: Cell::new(0),
            footprint: Cell::new(Footprint::default()),
            step_begun_on: Cell::new(usize::MAX),
            step_acquired: Cell::new(false),
            mover_next: Cell::new(false),
            quiet: Cell::new(0),
            recording: Cell::new(false),
            probe_reads: RefCell::new(Vec::new()),
            step_info: Cell::new(StepInfo::default()),
            yielding: Cell::new(false),
            tearing_down: Cell::new(false),
            trail: Cell::new(0),
            abandoning: Cell::new(false),
            unwind_pending: Cell::new(false),
            unwind_deferred: Cell::new(false),
            abandon_raises: Cell::new(0),
            abandon_steps: Cell::new(0),
            waits_for_abandoned: Cell::new(false),
            replaying: strategy_follows,
            fingerprinting,
            announce_more: config_announces_more,
            plain_atomics,
            detailed,
        }
    }

    /// Makes the model's main thread, on a stack of the configured size, and runs it first.
    pub(super) fn start_main_thread(&self, model: &Arc<dyn Fn() + Send + Sync>) {
        let size = if self.config.main_stack == 0 { stack::default_stack_size() } else { self.config.main_stack };
        let stack = self.inner.borrow_mut().stack_pool.take(size);
        let stack = stack.unwrap_or_else(|e| panic!("cannot map a stack of {size} bytes for the model: {e}"));
        let model = model.clone();
        let main = Box::new(move || {
            model();
        });
        let mut inner = self.inner.borrow_mut();
        let kept = Self::thread_buffers(&mut inner);
        let main_thread = Execution::new_thread(0, ThreadName::fixed("MainThread"), false, (size, stack), kept, main);
        inner.threads.push(main_thread);
        if self.config.track_footprints {
            Self::number_thread_keys(&mut inner, 0);
        }
        inner.unfinished += 1;
        drop(inner);
        self.with_strategy(|s| s.thread_created(0, None));
    }

    /// Unwinds the threads still suspended (abandoned), in teardown mode, before anything of the
    /// execution is dropped (their destructors may use it); then drops the execution's own
    /// state (the registry, hooks, other schedulers' state) while it is still current, so that
    /// destructors that call the scheduler neither schedule nor block. The threads' states
    /// that the next execution can reuse join the spare ones.
    pub(super) fn tear_down(&self) {
        self.tearing_down.set(true);
        abandon_threads(self);
        let locals = self.take_execution_locals();
        let run_state = self.run_state.take();
        let mut ended_states = std::mem::take(&mut self.inner.borrow_mut().ended_states);
        let mut spare_states = std::mem::take(&mut self.inner.borrow_mut().spare_states);
        let mut ended_locals = std::mem::take(&mut self.inner.borrow_mut().ended_locals);
        let mut spare_locals = std::mem::take(&mut self.inner.borrow_mut().spare_locals);
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| {
            // Ended states nothing else holds serve the next execution's threads.
            for mut state in ended_states.drain(..) {
                if state.renew() {
                    spare_states.push(state);
                }
            }
            for (id, mut value, renewal) in ended_locals.drain(..) {
                if (renewal.renew)(&mut *value) {
                    spare_locals.push((id, value, renewal));
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
        let mut inner = self.inner.borrow_mut();
        inner.ended_states = ended_states;
        inner.spare_states = spare_states;
        inner.ended_locals = ended_locals;
        inner.spare_locals = spare_locals;
    }

    /// What the ended execution found, its buffers given back for the next one.
    pub(super) fn into_outcome(self, buffers: &mut Buffers) -> Outcome {
        let trail = self.trail.get();
        let strategy = self.strategy;
        let mut inner = self.inner.into_inner();
        if self.fingerprinting {
            inner.schedule.fingerprint = inner.fingerprint;
        }
        if self.replaying && !inner.pruned {
            // SAFETY: as in `Execution::with_strategy`: the strategy is borrowed by the caller
            // of `run_execution`, and the execution that shared it has ended.
            if let Some(message) = unsafe { &*strategy }.follow().and_then(|f| f.finish(inner.schedule.fingerprint)) {
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
            // A given-up thread's values are leaked with it (they may point into its stack).
            thread.locals.leak_values();
            let slots = std::mem::take(&mut thread.locals);
            inner.spare_slots.push(slots);
            for mut list in [std::mem::take(&mut thread.holds), std::mem::take(&mut thread.other_records)] {
                list.clear();
                inner.spare_lists.push(list);
            }
        }
        let Inner { stack_pool, finished_stacks, .. } = &mut inner;
        stack_pool.append(finished_stacks);
        buffers.stacks = std::mem::take(&mut inner.stack_pool);
        buffers.finished_stacks = std::mem::take(&mut inner.finished_stacks);
        inner.threads.clear();
        buffers.threads = std::mem::take(&mut inner.threads);
        buffers.options = std::mem::take(&mut inner.options);
        if !inner.numbers.is_empty() {
            inner.numbers.clear();
            buffers.numbers = std::mem::take(&mut inner.numbers);
        }
        buffers.pending = std::mem::take(&mut inner.pending);
        buffers.scratch = std::mem::take(&mut inner.scratch);
        buffers.scratch_tokens = std::mem::take(&mut inner.scratch_tokens);
        inner.newly_blocked.clear();
        buffers.newly_blocked = std::mem::take(&mut inner.newly_blocked);
        inner.queues.clear();
        buffers.queues = std::mem::take(&mut inner.queues);
        buffers.ended_states = std::mem::take(&mut inner.ended_states);
        buffers.spare_states = std::mem::take(&mut inner.spare_states);
        buffers.spare_lists = std::mem::take(&mut inner.spare_lists);
        buffers.spare_slots = std::mem::take(&mut inner.spare_slots);
        buffers.ended_locals = std::mem::take(&mut inner.ended_locals);
        buffers.spare_locals = std::mem::take(&mut inner.spare_locals);
        Outcome {
            failure: inner.failure,
            pruned: inner.pruned,
            schedule: inner.schedule,
            trace: inner.trace,
            steps: inner.steps,
            trail,
            panic_location: inner.failure_location,
            not_mine: false,
        }
    }
}
