//! Scheduling points: running the next thread, choosing it (`pick_next`), and what ends an execution (deadlock, divergence from a replayed schedule).

use super::*;

impl Execution {
    /// Ends the current step: the strategy picks the next thread, and the current one is
    /// suspended unless it is the one picked.
    pub(super) fn run_next(&self) {
        let (next, current) = {
            let mut inner = self.inner.borrow_mut();
            if inner.starting.is_some() {
                if let Some(started) = self.hand_back_to_spawner(&mut inner) {
                    drop(inner);
                    self.suspend();
                    self.resumed_after_start(started);
                    return;
                }
            }
            if inner.steps >= self.config.max_steps && inner.failure.is_none() {
                let limit = self.config.max_steps;
                let thread = inner.threads[inner.current].name.to_string();
                // A thread that yields right after its last yield, having looked at nothing the
                // simulator sees, counts: time does not pass for it (see `pick_next_general`).
                let counting =
                    self.yielding.get() && self.yield_looked.get() == 0 && inner.threads[inner.current].polling;
                let counting_hint = if counting {
                    ". This thread yields again and again without looking at anything the simulator sees \
                     between its yields, so time does not pass for it: a flag in a std atomic or in plain \
                     memory is invisible to the simulator (use weft::sync::atomic or weft::AtomicBool)"
                } else {
                    ""
                };
                inner.failure = Some(Failure {
                    kind: FailureKind::StepLimit(limit),
                    message: format!(
                        "more than {limit} steps: a livelock or a runaway loop (a loop that polls \
                         for another thread's progress must call weft::yield_now() or weft::sleep \
                         in each round, and some thread must be able to make that progress; a \
                         loop that never ends needs a fix, or a larger Explorer::max_steps){counting_hint}"
                    ),
                    thread,
                });
            }
            inner.steps += 1;
            let time_is_up = self.watch.step(inner.steps);
            let next = if inner.failure.is_some() {
                None
            } else if time_is_up {
                // The exploration's time limit passed: the execution ends here, unfinished.
                inner.pruned = true;
                None
            } else {
                self.pick_next(&mut inner)
            };
            inner.next = next;
            // The step under way ends here if another thread runs, and a new one begins if not.
            self.step_acquired.set(false);
            self.mover_next.set(false);
            (next, inner.current)
        };
        if next != Some(current) {
            self.suspend();
        }
    }

    /// Suspends the current thread's coroutine; returns when the controller resumes it.
    pub(super) fn suspend(&self) {
        let yielder = {
            let inner = self.inner.borrow();
            let current = inner.current;
            if std::thread::panicking() {
                if !Self::others_unwinding(&inner, current) {
                    inner.threads[current].unwinding.set(true);
                }
            } else {
                inner.threads[current].unwinding.set(false);
            }
            inner.threads[current].yielder.get()
        };
        // SAFETY: the yielder was set by this thread's coroutine body from the `&Yielder` it was
        // given, which lives as long as the coroutine runs; we are on that coroutine now.
        unsafe { (*yielder).suspend(()) };
        if self.unwind_pending.get() {
            // Resumed only to be unwound: the execution is over. Inside a primitive's algorithm
            // (at one of its atomic accesses), it first finishes the primitive: unwound there, it
            // would leave the primitive half done (a lock held for ever by nobody).
            let at_atomic_point = {
                let inner = self.inner.borrow();
                inner.threads[inner.current].at_atomic_point.get()
            };
            if at_atomic_point {
                self.unwind_deferred.set(true);
                return;
            }
            self.abandon_unwind();
        }
    }

    /// Whether the running simulated thread is unwinding from a panic (`Observe::panicking`).
    /// `std::thread::panicking` counts every coroutine of the OS thread: while no other
    /// simulated thread is known to be suspended in the middle of unwinding, it is this
    /// thread's answer; otherwise the thread's own record is (set when it panics or is unwound
    /// as abandoned, and brought up to date at its scheduling points while it alone unwinds).
    pub(crate) fn panicking(&self) -> bool {
        if !std::thread::panicking() {
            return false;
        }
        let inner = self.inner.borrow();
        let current = inner.current;
        !Self::others_unwinding(&inner, current) || inner.threads[current].unwinding.get()
    }

    /// Whether a thread other than `current` is known to be unwinding.
    fn others_unwinding(inner: &Inner, current: usize) -> bool {
        inner.threads.iter().enumerate().any(|(id, thread)| id != current && thread.unwinding.get())
    }

    /// Chooses what runs next. Options: the current thread if it can go on (option 0, so any
    /// other choice is a preemption), the other runnable threads, then threads whose deadline has
    /// come (a timeout firing). With no option, the clock jumps to the earliest deadline; with
    /// none pending, the execution ends — or deadlocks, if a non-daemon thread is blocked.
    pub(super) fn pick_next(&self, inner: &mut Inner) -> Option<usize> {
        let yielding = self.yielding.replace(false);
        if yielding || inner.timed > 0 || self.config.track_pending {
            return self.pick_next_general(inner, yielding);
        }
        // The common step: the running thread did not yield, no timeout is pending, and the
        // strategy wants no pending operations. What follows is `pick_next_general` for that
        // case; where some thread could run, but none that does not poll, or the execution
        // ends, it goes there (which then reports the step's footprint).
        let mut options = std::mem::take(&mut inner.options);
        options.clear();
        let current = inner.current;
        if inner.threads[current].yielded_at != Some(inner.clock) {
            inner.progress += 1;
        }
        let current_runnable = self.can_run(inner, current);
        inner.threads[current].polling = false;
        if current_runnable {
            options.push(current);
        }
        // A switch away from a thread that ends its first step is no preemption.
        let preemptible = current_runnable && !std::mem::take(&mut inner.threads[current].fresh);
        for id in 0..inner.threads.len() {
            if id != current && self.can_run(inner, id) && !inner.threads[id].polling {
                options.push(id);
            }
        }
        if inner.unfinished == 0 || options.is_empty() {
            inner.options = options;
            return if inner.unfinished == 0 && !self.config.track_footprints {
                None
            } else {
                self.pick_next_general(inner, false)
            };
        }
        if self.config.track_footprints {
            self.report_step(inner);
        }
        let point = Point {
            pending: &[],
            threads: &options,
            current_runnable: preemptible,
            mover: current_runnable && self.mover_next.get(),
            scheduling: true,
            yielding: None,
            objects: inner.next_number,
            trail: self.trail.get(),
        };
        let Some(index) = self.with_strategy(|s| s.choose(&point)) else {
            inner.options = options;
            inner.pruned = true;
            return None;
        };
        let chosen = options[index];
        if options.len() > 1 {
            let choice = Choice { chosen: index as u32, of: options.len() as u32, preemptible };
            self.watch.choice(inner.schedule.choices.len(), choice);
            inner.schedule.choices.push(choice);
            self.check_divergence(inner);
        }
        self.extend_trail(chosen, options.len());
        inner.options = options;
        if self.config.track_footprints {
            self.begin_step_info(inner, chosen);
        }
        Some(chosen)
    }

    /// Adds the scheduling decision just taken (thread `chosen` of `options`) to the trail, if
    /// it is kept.
    fn extend_trail(&self, chosen: usize, options: usize) {
        if self.config.track_trail {
            self.trail.set(mix(self.trail.get(), (chosen as u64) << 32 | options as u64));
        }
    }

    /// [`Execution::pick_next`] in every case: threads that yield or poll, timeouts, footprints
    /// and trails.
    #[inline(never)]
    pub(super) fn pick_next_general(&self, inner: &mut Inner, yielding: bool) -> Option<usize> {
        let clock_before = inner.clock;
        let mut step_reported = false;
        // A switch away from a thread that ends its first step is no preemption.
        let fresh = std::mem::take(&mut inner.threads[inner.current].fresh);
        let clock = inner.clock;
        let looked = self.yield_looked.replace(0);
        let ended = &mut inner.threads[inner.current];
        if yielding {
            ended.yielded_at = Some(clock);
            // A yield that comes right after the thread's last one (it took no other step, and
            // neither read an atomic nor the clock in between) lets the thread go on once more
            // before time passes: it counts (`yield_now(); yield_now(); event.set()`), it does
            // not poll, and what it does next may differ. Only a poller that looked at something
            // and yields again finds nothing new. It changed nothing another poller could see:
            // they may not go on again for it, and a poll with a count inside (`while !flag {
            // yield_now(); yield_now() }`) lets time pass at its next look. (A thread that only
            // ever yields, with nothing else to do, never lets time pass: the step limit ends
            // it, as any loop that never blocks.)
            ended.counting = ended.polling && looked == 0;
            ended.polls_the_clock = looked & LOOKED_AT_THE_CLOCK != 0;
        } else if ended.yielded_at != Some(clock) {
            inner.progress += 1;
        }
        loop {
            let mut options = std::mem::take(&mut inner.options);
            options.clear();
            let current = inner.current;
            let runnable_now = self.can_run(inner, current);
            // A thread that yields polls until its next step that is not a yield (see below).
            inner.threads[current].polling = runnable_now && yielding;
            // Option 0 is "the running thread goes on", unless it yields: then it comes last.
            let current_runnable = runnable_now && !yielding;
            if current_runnable {
                options.push(current);
            }
            // Threads that poll are left out while another thread can run.
            let mut pollers = usize::from(runnable_now && yielding);
            for id in 0..inner.threads.len() {
                if id != current && self.can_run(inner, id) {
                    if inner.threads[id].polling {
                        pollers += 1;
                    } else {
                        options.push(id);
                    }
                }
            }
            if !step_reported {
                // The step that just ended is complete now (`can_run` may have added to it).
                step_reported = true;
                if self.config.track_footprints {
                    self.report_step(inner);
                }
                if inner.unfinished == 0 {
                    if self.config.track_footprints && options.len() + pollers > 0 {
                        // Daemon threads that could still run never will: the end races with
                        // their next steps.
                        let polling = |t: &SimThread| t.polling && matches!(t.status, Status::Runnable);
                        options.extend((0..inner.threads.len()).filter(|&id| polling(&inner.threads[id])));
                        self.with_strategy(|s| s.reduction().map(|r| r.ended_before(&options)));
                    }
                    inner.options = options;
                    return None;
                }
            }
            let mut due = 0;
            // Only threads that poll (yield or spin) could run, while another waits with a
            // timeout: each may go on once before time passes, and once more after each step
            // of a thread that had not yielded at this time (a thread that counts with yields
            // goes on until it looks: see the top of this function). A thread that yields
            // (`yield_now(); event.set()`) then goes on before the timeout fires, as it would on
            // real threads: were the timeout to fire first in every execution, a model whose
            // usual path is wrong would pass. Pollers that find nothing new (nothing but
            // pollers ran since their last go) let time pass, so a loop that polls for a
            // timeout's effect ends.
            let going_on = inner.timed > 0 && pollers > 0 && options.is_empty() && self.a_poller_may_go_on(inner);
            // With no deadline ahead, pollers run as they will; but once each has gone on at this
            // time and found nothing new, and one of them reads the clock (`while monotonic() <
            // until { yield_now() }`), it waits for time to pass, as on real threads: time moves
            // on by an eighth of what passed so far for them (at least 1 ms: a wait of 10 ms ends
            // within 1.25 ms of its end, one of an hour after about 120 polls, at most an eighth
            // late). Before, time stood still and the loop was a livelock.
            let polling_freely = inner.timed == 0 && pollers > 0 && options.is_empty();
            if polling_freely && !self.a_poller_may_go_on(inner) && self.a_poller_reads_the_clock(inner) {
                self.let_time_pass_for_the_clock(inner);
            }
            if inner.timed > 0 {
                if pollers > 0 && options.is_empty() && !going_on {
                    // Polling lets time pass: the next deadline comes before the pollers.
                    if let Some(deadline) = Self::earliest_deadline(inner) {
                        inner.clock = inner.clock.max(deadline);
                    }
                }
                let clock = inner.clock;
                for (id, thread) in inner.threads.iter().enumerate() {
                    let deadline = match (thread.status, thread.awaiting) {
                        (Status::Blocked { deadline, .. }, _) => deadline,
                        // A timed wait off the run queue (see `Execution::wait_read_until`), not
                        // ready (else it is an option already).
                        (Status::Runnable, Some(awaiting)) if !options.contains(&id) => awaiting.deadline,
                        _ => None,
                    };
                    if deadline.is_some_and(|d| d <= clock) {
                        options.push(id);
                        due += 1;
                    }
                }
            }
            // A thread that yields (or spins) polls until it takes a step that is not a yield:
            // it is not scheduled while a thread that does not poll can run, nor while a timeout
            // can fire once it went on at this time (see `going_on`). A yield is a fairness
            // hint, as in loom and shuttle, which every strategy follows, so polling loops let
            // the threads they wait for progress, and time pass (and an exhaustive search of
            // them ends).
            let first_timer = options.len() - due;
            let yielder_runs = pollers > 0 && options.is_empty();
            if yielder_runs {
                for id in 0..inner.threads.len() {
                    let may = !going_on || Self::may_go_on_before_time_passes(inner, id);
                    if id != current && inner.threads[id].polling && may && self.can_run(inner, id) {
                        options.push(id);
                    }
                }
                // The thread that yields just now goes on only if no other thread polls (its
                // next poll would find what its last one found).
                if options.is_empty() && runnable_now && yielding {
                    options.push(current);
                }
            }
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
            // Only the yielder could run: it is not a preemption to let it go on.
            let current_runnable = (current_runnable || (yielder_runs && options == [current])) && !fresh;
            let objects = inner.next_number;
            let trail = self.trail.get();
            let mut pending = std::mem::take(&mut inner.pending);
            pending.clear();
            if self.config.track_pending {
                pending.extend(options.iter().map(|&id| inner.threads[id].pending));
            }
            let point = Point {
                threads: &options,
                current_runnable,
                mover: runnable_now && !yielding && self.mover_next.get(),
                scheduling: true,
                yielding: yielder,
                objects,
                pending: &pending,
                trail,
            };
            let chosen_index = self.with_strategy(|s| s.choose(&point));
            inner.pending = pending;
            let Some(index) = chosen_index else {
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
            if going_on || polling_freely {
                // (Going on as it counts leaves the time it went on from a poll as it was.)
                let thread = &mut inner.threads[chosen];
                if !std::mem::take(&mut thread.counting) {
                    thread.went_on_at = Some((inner.clock, inner.progress));
                }
            }
            self.extend_trail(chosen, options.len());
            inner.options = options;
            if self.config.track_footprints {
                self.begin_step_info(inner, chosen);
            }
            let fires = index >= first_timer && index < first_timer + due;
            if fires {
                self.fire_timeout(inner, chosen);
            }
            // The first step of a thread that polled depends on everything too: the thread ran
            // because no thread that does not poll could (a fact about every thread, which no
            // footprint records), and the step ends its polling, which leaves the other pollers
            // out again. Without this, sleep sets and races took orders the polling rule
            // forbids as covering ones it allows (found missing: `sim/tests/reduction.rs`,
            // threads that yield first).
            let polled = self.config.track_footprints && inner.threads[chosen].polling;
            if polled {
                self.footprint.set(Footprint::ALL);
            } else if inner.clock != clock_before {
                // Time moved: no thread could run (the step is the first timeout due at the new
                // time), so every step before happens before this one, and none of them could
                // have come after it. It writes the clock, which the other timeouts due now
                // read as they fire (see `StepInfo::moves_clock`).
                self.add_footprint(CLOCK_BIT, true);
                self.update_step_info(|info| info.moves_clock = true);
            } else if fires {
                // A timeout due since the clock last moved: it fires because of that move, and
                // otherwise touches what its wait touches (the queue it leaves, the object it
                // waited for), so timeouts due at one time commute unless those conflict.
                self.add_footprint(CLOCK_BIT, false);
            }
            return Some(chosen);
        }
    }

    /// Tells the strategy the footprint and what else it learns of the step that just ended
    /// (complete now: the readiness probes of the scheduling point may have added to it), and
    /// which waits began in it: their acquires race with the takers'.
    fn report_step(&self, inner: &mut Inner) {
        let footprint = self.footprint.replace(Footprint::default()).settled();
        self.step_begun_on.set(usize::MAX);
        let info = self.step_info.replace(StepInfo::default());
        self.with_strategy(|s| s.reduction().map(|r| r.step_footprint(footprint, info)));
        let mut blocked = std::mem::take(&mut inner.newly_blocked);
        for (thread, key) in blocked.drain(..) {
            if let Some(&object) = inner.numbers.get(&key) {
                self.with_strategy(|s| s.reduction().map(|r| r.blocked(thread, object)));
            }
        }
        inner.newly_blocked = blocked;
    }

    /// Begins what the strategy learns of the step `chosen` takes now: the locks its thread
    /// holds.
    fn begin_step_info(&self, inner: &Inner, chosen: usize) {
        let mut info = StepInfo::default();
        for address in inner.threads[chosen].holds.iter().rev() {
            if let Some(&number) = inner.numbers.get(address) {
                info.add_held(number);
            }
        }
        self.step_info.set(info);
    }

    /// Whether thread `id`, which polls, may go on before time passes (see
    /// [`Execution::pick_next_general`]): it counts, or it has not gone on from a poll at this
    /// time yet, or a thread that had not yielded at this time took a step since.
    fn may_go_on_before_time_passes(inner: &Inner, id: usize) -> bool {
        let thread = &inner.threads[id];
        thread.counting || thread.went_on_at != Some((inner.clock, inner.progress))
    }

    /// Whether a thread that polls and can run read the clock in its last go.
    fn a_poller_reads_the_clock(&self, inner: &mut Inner) -> bool {
        (0..inner.threads.len())
            .any(|id| inner.threads[id].polling && inner.threads[id].polls_the_clock && self.can_run(inner, id))
    }

    /// Moves the clock on for threads that poll it with no deadline ahead (see
    /// [`Execution::pick_next_general`]): by an eighth of the time that passed for them since
    /// they began (since nothing else progressed), and at least 1 ms. Not past the clock's end.
    fn let_time_pass_for_the_clock(&self, inner: &mut Inner) {
        if Self::earliest_deadline(inner).is_some() {
            return;
        }
        let since = match inner.clock_polled_since {
            Some((since, progress)) if progress == inner.progress => since,
            _ => {
                inner.clock_polled_since = Some((inner.clock, inner.progress));
                inner.clock
            }
        };
        let step = ((inner.clock - since) / 8).max(Duration::from_millis(1));
        if let Some(later) = inner.clock.checked_add(step).filter(|&later| epoch().checked_add(later).is_some()) {
            inner.clock = later;
            // The pollers poll on at the new time: their steps there (a look that is a
            // scheduling point of its own) are a poller's, no progress.
            for thread in inner.threads.iter_mut().filter(|thread| thread.polling) {
                thread.yielded_at = Some(later);
            }
        }
    }

    /// Whether a thread that polls and can run may go on before time passes.
    fn a_poller_may_go_on(&self, inner: &mut Inner) -> bool {
        (0..inner.threads.len()).any(|id| {
            inner.threads[id].polling && Self::may_go_on_before_time_passes(inner, id) && self.can_run(inner, id)
        })
    }

    /// Whether thread `id` can make progress: runnable, and not waiting in a blocking operation
    /// that is not ready. A thread that the step just ended made wait (it was ready when it
    /// reached the operation) is marked: its status says now what it waits on, as a parked
    /// thread's does, a change that belongs to the step that caused it.
    #[inline(always)]
    pub(super) fn can_run(&self, inner: &mut Inner, id: usize) -> bool {
        let thread = &inner.threads[id];
        if !matches!(thread.status, Status::Runnable) {
            return false;
        }
        let Some(Awaiting { key, ready, until_release, .. }) = thread.awaiting else { return true };
        if thread.unready.get() {
            debug_assert!(!self.probe(ready), "a blocking operation became ready without a release");
            return false;
        }
        if self.probe(ready) {
            thread.ready_again.set(thread.waited.get());
            return true;
        }
        thread.unready.set(until_release);
        if !thread.waited.replace(true) {
            self.begin_waiting(inner, id, key, until_release);
        } else if thread.ready_again.replace(false) {
            self.waits_again(inner, id, key, until_release);
        }
        false
    }

    /// Thread `id`, waiting in its blocking operation on `key`, was found ready since it was last
    /// found not ready, and is not ready again: the step that just ended took the object, and
    /// the operation races with it as with the step that took it when the wait began (see
    /// `Reduction::blocked`). Without this, a timed acquire that a second holder made time out
    /// was never raced with that holder's acquire, and the order where it took the object
    /// between the two holders went unexplored (a differential mismatch, seed 9, model 227).
    #[cold]
    fn waits_again(&self, inner: &mut Inner, id: usize, key: usize, blocking: bool) {
        if blocking && self.config.track_footprints {
            inner.newly_blocked.push((id, key));
        }
    }

    /// Thread `id`, found not ready in its blocking operation on `key` for the first time since
    /// it began to wait, is marked as waiting on it (see [`Execution::can_run`]). Nothing of its
    /// status is written: a reader computes it ([`Execution::read_blocked_on`]).
    #[cold]
    pub(super) fn begin_waiting(&self, inner: &mut Inner, id: usize, key: usize, blocking: bool) {
        if blocking && self.config.track_footprints {
            inner.newly_blocked.push((id, key));
        }
        if blocking && self.config.record_trace && inner.threads[id].nested == 0 {
            Self::record_blocks(inner, id);
        }
    }

    /// What the thread whose blocked-on record is at `address` waits on, read by the running
    /// thread ([`weft_core::Observe::read_blocked_on`]): `stored`, what a park wrote there, or,
    /// while the simulator keeps the thread off the run queue in a wait whose test does not hold
    /// now, the wait's key; 0 once the test holds, even before the thread runs again.
    ///
    /// The value is a function of what the read depends on: the thread's record (which its own
    /// steps write as they begin and end a wait, and a park stores), and what the test reads
    /// (its loads, and the wait's key, which every operation on the object touches). A value
    /// kept from the past (as a parked thread's status is) would not be: it would depend on
    /// when the wait's test was last found false, which no step's footprint tells.
    pub(crate) fn read_blocked_on(&self, address: usize, stored: usize) -> usize {
        let track = self.config.track_footprints;
        let (key, ready) = {
            let mut inner = self.inner.borrow_mut();
            let Some(id) = inner.threads.iter().position(|t| t.record == address || t.other_records.contains(&address))
            else {
                return stored;
            };
            let record = inner.threads[id].record;
            self.touch(&mut inner, address, false);
            self.touch(&mut inner, record, false);
            if stored != 0 || id == inner.current {
                return stored;
            }
            match inner.threads[id].awaiting {
                Some(Awaiting { key, ready, .. }) => (key, ready),
                None => return 0,
            }
        };
        self.recording.set(track);
        let ready_now = self.probe(ready);
        self.recording.set(false);
        if track {
            let mut reads = std::mem::take(&mut *self.probe_reads.borrow_mut());
            let mut inner = self.inner.borrow_mut();
            for read in reads.drain(..).chain(std::iter::once(key)) {
                self.touch(&mut inner, read, false);
            }
            *self.probe_reads.borrow_mut() = reads;
        }
        if ready_now { 0 } else { key }
    }

    pub(super) fn earliest_deadline(inner: &Inner) -> Option<Duration> {
        inner
            .threads
            .iter()
            .filter_map(|t| match (t.status, t.awaiting) {
                (Status::Blocked { deadline: Some(d), .. }, _) => Some(d),
                (Status::Runnable, Some(Awaiting { deadline: Some(d), .. })) => Some(d),
                _ => None,
            })
            .min()
    }

    #[inline(always)]
    pub(super) fn check_divergence(&self, inner: &mut Inner) {
        if self.replaying {
            self.check_replay(inner);
        }
    }

    /// [`Execution::check_divergence`] while a schedule is replayed.
    #[inline(never)]
    pub(super) fn check_replay(&self, inner: &mut Inner) {
        if let Some(reason) = self.with_strategy(|s| s.divergence().map(str::to_owned)) {
            if inner.failure.is_none() {
                let strict = self.with_strategy(|s| s.follow().is_some_and(Follow::strict));
                let (kind, message) = if strict {
                    (FailureKind::ReplayMismatch, format!("the replay cannot follow its token: {reason}"))
                } else {
                    (
                        FailureKind::Nondeterminism,
                        format!(
                            "the replay diverged ({reason}): the model is not deterministic (does it \
                             depend on real time, randomness, addresses or a HashMap's order?)"
                        ),
                    )
                };
                inner.failure = Some(Failure { kind, message, thread: inner.threads[inner.current].name.to_string() });
            }
        }
    }

    /// The deadline of blocked `thread` has come: take it off its queue; its park returns
    /// `TimedOut`.
    pub(super) fn fire_timeout(&self, inner: &mut Inner, thread: usize) {
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

    pub(super) fn deadlock(&self, inner: &mut Inner) {
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
                    .map(|h| inner.labels.get(h).cloned().unwrap_or_else(|| format!("object at {h:#x}")))
                    .collect();
                blocked.push(BlockedThread { thread: thread.name.to_string(), waits_on, holds });
            }
        }
        let names: Vec<&str> = blocked.iter().map(|b| b.thread.as_str()).collect();
        inner.failure.get_or_insert(Failure {
            message: format!("no thread can run and none has a deadline; blocked: {}", names.join(", ")),
            kind: FailureKind::Deadlock(blocked),
            thread: inner.threads[inner.current].name.to_string(),
        });
    }

    /// Records a failure (the first one wins) and stops the execution at the next point.
    pub(crate) fn fail(&self, kind: FailureKind, message: String) {
        if self.abandoning.get() {
            // The execution is over; unwinding its abandoned threads is no part of it.
            return;
        }
        let mut inner = self.inner.borrow_mut();
        if inner.failure.is_some() {
            return;
        }
        let current = inner.current;
        if kind == FailureKind::Panic {
            inner.failure_location = inner.threads[current].panic_location.clone();
        }
        let thread = inner.threads[current].name.to_string();
        inner.failure = Some(Failure { kind, message, thread });
    }
}
