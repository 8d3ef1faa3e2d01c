//! Parking: the simulator's queues, `parking_lot_core`'s contract in virtual time.

use super::*;

/// The most waiters an `unpark_requeue` wakes instead of moving them (it wakes from 2 to this
/// many; see [`Execution::unpark_requeue`]).
const WAKE_REQUEUED_AT_MOST: usize = 8;

impl Execution {
    pub(crate) fn park(
        &self,
        key: usize,
        validate: impl FnOnce() -> bool,
        before_sleep: impl FnOnce(),
        timed_out: impl FnOnce(usize, bool),
        token: usize,
        deadline: Option<Instant>,
    ) -> ParkResult {
        let reads_only_its_wake = {
            let mut inner = self.inner.borrow_mut();
            let current = inner.current;
            std::mem::take(&mut inner.threads[current].reads_only_its_wake)
        };
        self.touch_now(key, true);
        if !self.critical(validate) {
            return ParkResult::Invalid;
        }
        let mut waits_for_abandoned = false;
        if self.abandoning.get() {
            // An abandoned thread being unwound waits: if it swallowed the unwind and still
            // runs its code, it gets it again; otherwise (it waits in a destructor, or at its
            // end: for a lock another abandoned thread holds, say) it waits until another
            // abandoned thread, unwinding, wakes it (`abandon_threads`). A timed wait ends at
            // once, as any wait after the end.
            if self.unwind_pending.get() && !self.panicking() {
                self.abandon_unwind();
            }
            waits_for_abandoned = deadline.is_none();
        }
        if self.tearing_down.get() && !waits_for_abandoned {
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
            thread.reads_only_its_wake = reads_only_its_wake;
            inner.queues.entry(key).push_back(current);
            if self.config.record_trace {
                if self.config.fine_grained {
                    let what = match inner.labels.get(&key) {
                        Some(label) => format!("park on {label}"),
                        None => "park".to_owned(),
                    };
                    self.record(&mut inner, None, &what);
                }
                Self::record_blocks(&mut inner, current);
            }
        }
        self.critical(before_sleep);
        if waits_for_abandoned {
            self.wait_for_abandoned();
        } else {
            // Blocked: others run until someone wakes this thread.
            self.run_next();
        }
        let resumed_on = match self.inner.borrow().threads[self.current_thread()].timed_out {
            Some((key, _)) => key,
            None => key,
        };
        // Woken by another thread, a park that reads only its wake-up depends on the step that
        // woke it (which wrote the wake-up), not on the queue, which that step left and which
        // later steps may change without concerning it. Any other resumption may read what the
        // queue's key guards; one that timed out leaves the queue itself.
        let handed = {
            let mut inner = self.inner.borrow_mut();
            let current = inner.current;
            let thread = &mut inner.threads[current];
            std::mem::take(&mut thread.reads_only_its_wake) && matches!(thread.wake, Some(ParkResult::Unparked(_)))
        };
        let current = self.current_thread();
        self.touch_now(if handed { wake_key(current) } else { resumed_on }, true);
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
                self.record_inner(&mut inner, None, "timed out");
                self.woke(&mut inner);
                ParkResult::TimedOut
            }
            Some(result) => {
                self.woke(&mut self.inner.borrow_mut());
                result
            }
            None => unreachable!("a blocked thread resumes only once woken"),
        }
    }

    /// The running thread woke from a park (tracing): its open operation takes effect now,
    /// unless it is still inside another primitive's operation (a `Condition.wait`, which
    /// takes effect once it holds the lock again).
    pub(super) fn woke(&self, inner: &mut Inner) {
        if self.config.record_trace && inner.threads[inner.current].nested == 0 {
            let current = inner.current;
            Self::record_open(inner, current);
        }
    }

    /// The running thread's next park reads only its wake-up (see
    /// `Observe::next_park_reads_only_its_wake`).
    pub(crate) fn next_park_reads_only_its_wake(&self) {
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        inner.threads[current].reads_only_its_wake = true;
    }

    pub(super) fn wake(&self, inner: &mut Inner, thread: usize, token: usize) {
        if self.config.track_footprints {
            self.update_step_info(|info| info.add_woken(thread));
        }
        if inner.threads[thread].reads_only_its_wake {
            // The waker writes the woken thread's wake-up, which the thread reads on resuming.
            self.touch(inner, wake_key(thread), true);
        }
        if let Status::Blocked { deadline: Some(_), .. } = inner.threads[thread].status {
            inner.timed -= 1;
        }
        let entry = &mut inner.threads[thread];
        entry.status = Status::Runnable;
        entry.wake = Some(ParkResult::Unparked(token));
    }

    /// A choice that is no scheduling decision (which waiter a release wakes, whether a wait
    /// wakes spuriously): the strategy picks one of `options` (each the thread it concerns, or
    /// `usize::MAX`; no two alike), and the schedule records it. Returns the index picked.
    fn data_choice(&self, options: &[usize]) -> usize {
        if self.tearing_down.get() {
            // The execution is over: what its abandoned threads do as they unwind (a guard's
            // unlock waking a waiter) is no decision of the search, which must not record it.
            return 0;
        }
        let mut inner = self.inner.borrow_mut();
        let point = Point {
            pending: &[],
            threads: options,
            current_runnable: false,
            mover: false,
            scheduling: false,
            yielding: None,
            objects: inner.next_number,
            trail: self.trail.get(),
        };
        let index = self.with_strategy(|s| s.choose(&point)).unwrap_or(0);
        let choice = Choice { chosen: index as u32, of: options.len() as u32, preemptible: false };
        self.watch.choice(inner.schedule.choices.len(), choice);
        inner.schedule.choices.push(choice);
        self.check_divergence(&mut inner);
        index
    }

    /// Whether the wait the running thread begins may end without a notify (see
    /// `Observe::spurious_wakeup`): never unless the exploration allows spurious wake-ups; then
    /// a choice, "no" first, for each wait of a thread until one of them was allowed to. One
    /// per thread and execution: a waiter that loops on its condition could otherwise wake and
    /// wait again forever, and one early return is what breaks code that needed a loop.
    pub(crate) fn spurious_wakeup(&self) -> bool {
        if !self.config.spurious_wakeups {
            return false;
        }
        let current = self.inner.borrow().current;
        if self.inner.borrow().threads[current].spurious_used {
            return false;
        }
        // Options must differ (an exhaustive search tells explored options apart by them): the
        // thread for "waits as usual", no thread for "may wake spuriously".
        let spurious = self.data_choice(&[current, usize::MAX]) == 1;
        self.inner.borrow_mut().threads[current].spurious_used = spurious;
        spurious
    }

    /// Which of the threads parked on `key` to wake or move: the strategy's choice among two
    /// or more, recorded as a data choice; 0 (the only one, or none) otherwise.
    fn choose_waiter(&self, key: usize) -> usize {
        let waiters = self.inner.borrow().queues.get(key).map_or(0, VecDeque::len);
        if waiters < 2 {
            return 0;
        }
        let mut threads = std::mem::take(&mut self.inner.borrow_mut().scratch);
        threads.extend(self.inner.borrow().queues.get(key).into_iter().flatten());
        let index = self.data_choice(&threads);
        threads.clear();
        self.inner.borrow_mut().scratch = threads;
        index
    }

    pub(crate) fn unpark_one(&self, key: usize, callback: impl FnOnce(UnparkResult) -> usize) -> UnparkResult {
        self.touch_now(key, true);
        let waiters = self.inner.borrow().queues.get(key).map_or(0, VecDeque::len);
        // Which waiter a release lets in is the strategy's choice (the spec leaves it open).
        let chosen = (waiters > 0).then(|| self.choose_waiter(key));
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
            self.wake(&mut self.inner.borrow_mut(), thread, token);
        }
        result
    }

    pub(crate) fn unpark_filter(
        &self,
        key: usize,
        mut filter: impl FnMut(usize) -> weft_core::FilterOp,
        callback: impl FnOnce(UnparkResult) -> usize,
    ) -> UnparkResult {
        self.touch_now(key, true);
        if self.inner.borrow().queues.get(key).is_none_or(|queue| queue.is_empty()) {
            // No thread to filter (often: a thread's end wakes its joiners, if any).
            let result = UnparkResult { unparked_threads: 0, requeued_threads: 0, have_more_threads: false };
            self.critical(|| callback(result));
            return result;
        }
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
            let have_more_threads = if chosen.is_empty() {
                // Nothing leaves the queue (often there is none: a thread's end wakes joiners).
                !queued.is_empty()
            } else {
                let queue = inner.queues.entry(key);
                queue.retain(|t| !chosen.contains(t));
                let more = !queue.is_empty();
                inner.queues.forget_if_empty(key);
                more
            };
            UnparkResult { unparked_threads: chosen.len(), requeued_threads: 0, have_more_threads }
        };
        let token = self.critical(|| callback(result));
        let mut inner = self.inner.borrow_mut();
        for &thread in &chosen {
            self.wake(&mut inner, thread, token);
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
        // The waiter an `Any` operation picks is a choice of the strategy; the others take the
        // oldest. Not where every waiter is woken whichever is picked (see below): the choice
        // would lead to one state by as many paths, each explored (a `Condvar`'s `notify_all`
        // with its mutex free and 3 waiters, 242 executions for 168 traces).
        let pick = match op {
            UnparkAnyRequeueRest if self.wakes_every_waiter(from) => 0,
            UnparkAny | UnparkAnyRequeueRest | RequeueAny => self.choose_waiter(from),
            _ => 0,
        };
        let mut result = UnparkResult::default();
        let mut woken = None;
        if op != Abort {
            let mut inner = self.inner.borrow_mut();
            let inner = &mut *inner;
            let queue = inner.queues.entry(from);
            if matches!(op, UnparkOne | UnparkOneRequeueRest | UnparkAny | UnparkAnyRequeueRest) {
                woken = queue.remove(pick);
            }
            let mut moved = std::mem::take(&mut inner.scratch);
            match op {
                RequeueOne | RequeueAny => moved.extend(queue.remove(pick)),
                RequeueAll | UnparkOneRequeueRest | UnparkAnyRequeueRest => moved.extend(queue.drain(..)),
                _ => {}
            }
            result.unparked_threads = usize::from(woken.is_some());
            result.requeued_threads = moved.len();
            result.have_more_threads = !queue.is_empty();
            inner.queues.forget_if_empty(from);
            // A waiter whose park reads only its wake-up takes the object back by a blocking
            // operation of its own once woken (a `Condvar` or `Condition` wait): it is woken
            // now rather than moved, and that operation then orders it among the threads that
            // take the object, as a plain acquire is ordered. Moved, it would be woken later by
            // a release, one of several at the strategy's choice, and a thread that takes the
            // object first would make the choices lead to the same orders (Cargill's buffer
            // with 3 consumers: 9,936 traces for 3,840 orders of the mutex's holders). Both
            // reach the same behaviours. Moved as on real threads are:
            // - a lone waiter (a `notify_one`): the next unlock wakes it with no choice to make
            //   (unless others wait there already), and until then it takes no step. Woken now,
            //   it would resume only to wait for the mutex, a step that random strategies
            //   would spend (Cargill's buffer, k = 1, median 4 to 5 executions over 200 seeds);
            // - a herd of more than `WAKE_REQUEUED_AT_MOST`: woken at once, each would be an
            //   option of every scheduling point until it waits again, and a random walk would
            //   spend its steps on them (a thousand senders on a bounded channel, each receive
            //   notifying them all, exceeded the step limit).
            let wake_instead = Self::wakes_instead(moved.len());
            for &thread in &moved {
                let waiter = &mut inner.threads[thread];
                if wake_instead && waiter.reads_only_its_wake {
                    continue;
                }
                if let Status::Blocked { deadline, .. } = waiter.status {
                    waiter.status = Status::Blocked { key: to, deadline };
                }
                inner.queues.entry(to).push_back(thread);
            }
            moved.retain(|&thread| wake_instead && inner.threads[thread].reads_only_its_wake);
            inner.scratch = moved;
        }
        let token = self.critical(|| callback(op, result));
        let mut inner = self.inner.borrow_mut();
        if let Some(thread) = woken {
            self.wake(&mut inner, thread, token);
        }
        let mut requeued_but_woken = std::mem::take(&mut inner.scratch);
        for thread in requeued_but_woken.drain(..) {
            self.wake(&mut inner, thread, token);
        }
        inner.scratch = requeued_but_woken;
        result
    }

    /// Whether `moved` waiters that a requeue moves are woken instead, those whose parks read
    /// only their wake-up (see [`Execution::unpark_requeue`]).
    fn wakes_instead(moved: usize) -> bool {
        (2..=WAKE_REQUEUED_AT_MOST).contains(&moved)
    }

    /// Whether an `UnparkAnyRequeueRest` of the waiters parked on `key` wakes every one of them,
    /// whichever it picks: the rest are woken instead of moved, each reading only its wake-up.
    fn wakes_every_waiter(&self, key: usize) -> bool {
        let inner = self.inner.borrow();
        let Some(queue) = inner.queues.get(key) else { return false };
        Self::wakes_instead(queue.len().saturating_sub(1))
            && queue.iter().all(|&t| inner.threads[t].reads_only_its_wake)
    }
}
