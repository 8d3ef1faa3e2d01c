//! The primitives' operations as the simulator sees them: announcements (each a scheduling point), blocking operations that wait off the run queue, outcomes, atomic accesses, and the program's fingerprint.

use super::*;

/// The most an update may add to its object to commute with the others (see
/// [`Execution::commutes`]): with the default `max_steps`, a semaphore has room for such
/// releases below about 2^63 − 2^33.
pub(crate) const UPDATE_MOST: usize = 1 << 16;

impl Execution {
    /// The running thread enters (`true`) or leaves an inner operation of a primitive (see
    /// `Observe::nested_operations`); leaving the outermost, its open operation has taken
    /// effect.
    pub(crate) fn nested_operations(&self, enter: bool) {
        if !self.config.record_trace || self.tearing_down.get() {
            return;
        }
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        let thread = &mut inner.threads[current];
        if enter {
            thread.nested += 1;
        } else {
            thread.nested = thread.nested.saturating_sub(1);
            if thread.nested == 0 {
                Self::record_open(&mut inner, current);
            }
        }
    }

    /// A primitive operation starts: a scheduling point. It writes its object, or only reads it
    /// (`write` false: `Observe::read_operation`).
    ///
    /// For the race detector, the thread synchronizes with the object when the operation takes
    /// effect, after the scheduling point: what other threads did to the object while it waited
    /// there is ordered before what it does next (an `Event.wait` that finds the flag set sees
    /// what the setter did before `set`).
    pub(crate) fn operation(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        self.operation_with(object, kind, name, write, true, false);
    }

    /// A release of `object` starts (see `Observe::release_operation`): [`Execution::operation`],
    /// whose scheduling point the strategy is told comes before a mover (`Point::mover`).
    pub(crate) fn release_operation(&self, object: usize, kind: &'static str, name: &'static str) {
        self.operation_with(object, kind, name, true, true, true);
    }

    /// [`Execution::operation`] without its happens-before edge: for an access the race detector
    /// checks rather than orders (an `UnsafeCell`'s).
    pub(super) fn unsynchronized_operation(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        self.operation_with(object, kind, name, write, false, false);
    }

    /// An operation (a release if `releases`) starts: see [`Execution::operation`].
    #[inline(always)]
    fn operation_with(
        &self,
        object: usize,
        kind: &'static str,
        name: &'static str,
        write: bool,
        synchronizes: bool,
        releases: bool,
    ) {
        if synchronizes && (self.in_critical.get() || self.tearing_down.get()) {
            // No scheduling point: it takes effect now.
            self.synchronize(object);
        }
        if self.tearing_down.get() {
            if !self.in_critical.get() {
                // An abandoned thread resumed inside a primitive has finished it: it unwinds
                // now (unless it is unwinding already, from a panic of its own).
                if self.unwind_deferred.get() && !self.panicking() {
                    self.unwind_deferred.set(false);
                    self.abandon_unwind();
                }
                self.while_torn();
            }
            return;
        }
        if self.config.record_trace {
            return self.traced_operation(object, kind, name, write, synchronizes, releases);
        }
        // Without the trace, nothing of the operation is needed after its scheduling point
        // but the object.
        self.announce(object, kind, name, write);
        if !self.in_critical.get() {
            self.note_mover(releases);
            self.schedule_point();
            if synchronizes {
                self.synchronize(object);
            }
            self.touch_now(object, write);
            self.step_begins_on(object);
        }
    }

    /// The scheduling point of a non-blocking operation (a release if `releases`) comes: it comes
    /// before a mover (`Point::mover`) if the operation is a release, or if the step it ends
    /// took a lock (`Observe::acquires`).
    #[inline(always)]
    fn note_mover(&self, releases: bool) {
        if releases || self.step_acquired.get() {
            self.mover_next.set(true);
        }
    }

    /// A blocking operation in fine-grained mode, where the primitive waits itself: an
    /// ordinary operation, save that it may block, so its scheduling point comes before no mover.
    fn operation_waiting_inside(&self, object: usize, kind: &'static str, name: &'static str) {
        self.step_acquired.set(false);
        self.operation(object, kind, name, true);
    }

    /// The step under way began with an operation on `object` (see [`Execution::commutes`]).
    #[inline(always)]
    fn step_begins_on(&self, object: usize) {
        if self.config.track_footprints {
            self.step_begun_on.set(object);
        }
    }

    /// The operation on `object` that began the step under way succeeded as an update that added
    /// `increment`, with `room` left (see `Observe::commutes`): the step's accesses to it so
    /// far, all made by that operation, become an update of it (`Footprint::updates`), which
    /// commutes with the other updates of it.
    ///
    /// Only if no order of the execution's updates can make one fail: each update is a step of
    /// its own (it began the step), so an execution has at most `max_steps` of them; counted as
    /// updates are those that add at most [`UPDATE_MOST`] and leave room for `max_steps` more
    /// such (whatever the order, each then finds its room; an update that does not is a write).
    /// Nothing either if the step did not begin with an operation on `object` (a scheduling
    /// point came in between, or the operation ran where there is none), or if its footprint bit
    /// may stand for another object too.
    pub(crate) fn commutes(&self, object: usize, increment: usize, room: usize) {
        if !self.config.track_footprints || self.step_begun_on.get() != object || self.tearing_down.get() {
            return;
        }
        if increment > UPDATE_MOST || room < self.config.max_steps.saturating_add(1).saturating_mul(UPDATE_MOST) {
            return;
        }
        if let Some(number) = self.number(object) {
            let mut footprint = self.footprint.get();
            footprint.make_update(number);
            self.footprint.set(footprint);
        }
    }

    /// [`Execution::operation`] while the trace is recorded (not torn down).
    #[inline(never)]
    pub(super) fn traced_operation(
        &self,
        object: usize,
        kind: &'static str,
        name: &'static str,
        write: bool,
        synchronizes: bool,
        releases: bool,
    ) {
        self.announce(object, kind, name, write);
        if !self.in_critical.get() {
            self.note_mover(releases);
            self.schedule_point();
            if synchronizes {
                self.synchronize(object);
            }
            // The operation itself runs in the step that starts now: its object belongs to that
            // step's footprint (objects whose atomics the simulator does not see, such as the
            // façade's, are known only through this).
            self.touch_now(object, write);
            self.step_begins_on(object);
        }
        // Its event comes now that it runs, after the other threads' steps before it.
        self.took_effect(object, kind, name);
    }

    /// The running thread took lock `object` (see `Observe::acquires`): it holds it until
    /// some thread releases it (for deadlock reports and the strategy).
    #[inline(always)]
    pub(crate) fn acquires(&self, object: usize) {
        self.step_acquired.set(true);
        self.synchronize(object);
        if self.detailed && !self.tearing_down.get() {
            self.acquires_detailed(object);
        }
    }

    /// [`Execution::acquires`] while the execution keeps holds.
    #[inline(never)]
    pub(super) fn acquires_detailed(&self, object: usize) {
        self.note_taken(object);
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        let holds = &mut inner.threads[current].holds;
        if !holds.contains(&object) {
            holds.push(object);
        }
    }

    /// The running step lets no blocking operation on `object` go (see
    /// `Observe::lets_none_go`): for the strategy, the object is out of their reach in it, as
    /// a lock its thread holds is (`StepInfo::held`). Numbered now if it was not yet, so that the
    /// mark holds for operations on it that come later.
    pub(crate) fn lets_none_go(&self, object: usize) {
        if self.config.track_footprints && !self.tearing_down.get() {
            let number = Self::number_object(&mut self.inner.borrow_mut(), object);
            self.update_step_info(|info| info.add_held(number));
        }
    }

    /// The running step made `object` unavailable again to blocking reads (see
    /// `Observe::withdraws`): a read it leaves blocked races with it, as an acquire races with
    /// the previous taker. Nothing is held.
    pub(crate) fn withdraws(&self, object: usize) {
        if self.detailed && !self.tearing_down.get() {
            self.note_taken(object);
        }
    }

    /// Tells the strategy that the running step took `object` (`StepInfo::takes`), if it tracks
    /// footprints: a later blocking operation on it races with this step.
    fn note_taken(&self, object: usize) {
        if self.config.track_footprints {
            if let Some(number) = self.number(object) {
                self.update_step_info(|info| info.takes = Some(number));
            }
        }
    }

    /// The running step released `object` for the blocking operations waiting on it (see
    /// `Observe::releases`). A lock is no longer held by whoever held it (any thread may
    /// release a `Lock`).
    #[inline(always)]
    pub(crate) fn releases(&self, object: usize) {
        self.synchronize(object);
        // Blocking operations on `object` may be ready now.
        for thread in &self.inner.borrow().threads {
            if thread.awaiting.is_some_and(|a| a.key == object) {
                thread.unready.set(false);
            }
        }
        if self.detailed {
            self.releases_detailed(object);
        }
    }

    /// [`Execution::releases`] while the execution keeps holds (and footprints).
    #[inline(never)]
    pub(super) fn releases_detailed(&self, object: usize) {
        if !self.tearing_down.get() {
            let mut inner = self.inner.borrow_mut();
            for thread in &mut inner.threads {
                thread.holds.retain(|&h| h != object);
            }
        }
        if self.config.track_footprints && !self.tearing_down.get() {
            if let Some(number) = self.number(object) {
                self.update_step_info(|info| info.add_release(number));
            }
        }
    }

    /// The number of shared object `address` in this execution, if it was touched.
    pub(super) fn number(&self, address: usize) -> Option<u32> {
        self.inner.borrow().numbers.get(&address).copied()
    }

    /// A blocking operation starts: a scheduling point at which the thread is not runnable
    /// until `ready()` holds (see `Observe::blocking_operation`). In fine-grained mode the
    /// primitive's own waiting (its failed attempts, parking and wake-ups) is explored instead.
    pub(crate) fn blocking_operation(
        &self,
        object: usize,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
    ) {
        if self.waits_inside_primitives() {
            return self.operation_waiting_inside(object, kind, name);
        }
        if self.config.record_trace {
            return self.traced_blocking_operation(object, kind, name, ready);
        }
        self.announce(object, kind, name, true);
        self.wait_until_ready(object, ready, true);
        self.schedule_point();
        // Synchronized as it takes effect (see `operation`).
        self.synchronize(object);
        self.touch_now(object, true);
        self.step_begins_on(object);
        self.end_wait(object, ready, WaitEnd::Acquires);
    }

    /// [`Execution::blocking_operation`] that gives up once `timeout` has passed on the virtual
    /// clock (see `Observe::blocking_operation_for`): the thread waits off the run queue until
    /// `ready()` holds or its deadline comes, a timeout that fires as a parked thread's does.
    /// Whether the operation may proceed, or `None` where the primitive waits itself.
    pub(crate) fn blocking_operation_for(
        &self,
        object: usize,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
        timeout: Duration,
    ) -> Option<bool> {
        if self.waits_inside_primitives() {
            self.operation_waiting_inside(object, kind, name);
            return None;
        }
        self.announce(object, kind, name, true);
        // The deadline counts from the operation's scheduling point: the clock is read where the
        // readiness test first is, before it.
        let deadline = self.now().saturating_duration_since(epoch()).checked_add(timeout);
        self.await_ready(object, ready, true, deadline);
        self.schedule_point();
        let granted = deadline.is_none() || self.quietly(ready);
        if granted {
            // Synchronized as it takes effect (see `operation`).
            self.synchronize(object);
        }
        self.touch_now(object, true);
        self.step_begins_on(object);
        self.end_wait(object, ready, if granted { WaitEnd::Acquires } else { WaitEnd::Waits });
        if self.config.record_trace {
            // Granted or timed out now: its event comes after the step that decided it.
            self.took_effect(object, kind, name);
        }
        Some(granted)
    }

    /// [`Execution::blocking_operation`] while the trace is recorded (in coarse mode, outside
    /// critical sections and teardown).
    #[inline(never)]
    pub(super) fn traced_blocking_operation(
        &self,
        object: usize,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
    ) {
        self.announce(object, kind, name, true);
        self.wait_until_ready(object, ready, true);
        self.schedule_point();
        self.synchronize(object);
        self.touch_now(object, true);
        self.step_begins_on(object);
        self.end_wait(object, ready, WaitEnd::Acquires);
        // Granted now: its event comes after the step that let it go.
        self.took_effect(object, kind, name);
    }

    /// A blocking operation that only reads its object (see `Observe::blocking_read_operation`):
    /// it starts at a scheduling point of its own, as a read, and whether it must wait is decided
    /// in its step (by the first call of `ready`), which may come after any step of another
    /// thread. If it must, the thread is kept off the run queue until `ready()` holds, and its
    /// next step reads the object again. Its first step's read commutes with the steps that
    /// release the object (`StepInfo::begins_read`): before them it waits and they let it go,
    /// after them it does not wait, and both lead to the same. In fine-grained mode the
    /// primitive's own waiting is explored instead.
    pub(crate) fn blocking_read_operation(
        &self,
        object: usize,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
    ) {
        if self.waits_inside_primitives() {
            return self.operation_waiting_inside(object, kind, name);
        }
        self.announce(object, kind, name, false);
        self.schedule_point();
        self.synchronize(object);
        self.touch_now(object, false);
        self.read_until_ready(object, ready, None);
        if self.config.record_trace {
            self.took_effect(object, kind, name);
        }
    }

    /// A timed blocking read of `object`, announced by the step under way (see
    /// `Observe::wait_read_until`): as the wait of [`Execution::blocking_read_operation`], which
    /// also gives up at `deadline`, a timeout that fires as a parked thread's does (when the
    /// clock reaches it). Whether the thread was let go (rather than timed out), or `None` where
    /// the primitive waits itself.
    pub(crate) fn wait_read_until(
        &self,
        object: usize,
        ready: &dyn Fn() -> bool,
        deadline: Option<Instant>,
    ) -> Option<bool> {
        if self.waits_inside_primitives() {
            return None;
        }
        Some(self.read_until_ready(object, ready, deadline.map(|d| d.saturating_duration_since(epoch()))))
    }

    /// The wait of a blocking read of `object` whose step is under way: it begins in this step,
    /// which decides by the first call of `ready` whether it must wait; if it must, the thread is
    /// kept off the run queue until `ready()` holds or `deadline` comes, and its next step reads
    /// the object again. Whether it was let go (true unless timed out).
    fn read_until_ready(&self, object: usize, ready: &dyn Fn() -> bool, deadline: Option<Duration>) -> bool {
        self.begin_blocking_read(object);
        if self.quietly(ready) {
            return true;
        }
        self.await_ready(object, ready, true, deadline);
        // (Not ready: had it been, the read would have taken no second scheduling point.)
        self.step_ends_waiting();
        self.schedule_point();
        self.synchronize(object);
        self.touch_now(object, false);
        let woken = deadline.is_none() || self.quietly(ready);
        self.end_wait(object, ready, WaitEnd::Reads);
        woken
    }

    /// The step under way ends only because its thread found a wait not ready (see
    /// [`StepInfo::ends_waiting`]).
    fn step_ends_waiting(&self) {
        if self.config.track_footprints {
            self.update_step_info(|info| info.ends_waiting = true);
        }
    }

    /// Calls a readiness test with no trace events or footprints of its own.
    fn quietly(&self, ready: &dyn Fn() -> bool) -> bool {
        self.quiet.set(self.quiet.get() + 1);
        let ready_now = ready();
        self.quiet.set(self.quiet.get() - 1);
        ready_now
    }

    /// Keeps the running thread off the run queue until `ready()` holds: marks it waiting on
    /// `key` (which readers of its status see while the test is false, see
    /// [`Execution::read_blocked_on`]); the caller's next scheduling point switches away from it
    /// until then. Without `announced`, the wait is its own scheduling point.
    pub(crate) fn wait_until_ready(&self, key: usize, ready: &dyn Fn() -> bool, announced: bool) {
        self.await_ready(key, ready, announced, None);
    }

    /// [`Execution::wait_until_ready`], up to `deadline` (on the virtual clock) if any.
    fn await_ready(&self, key: usize, ready: &dyn Fn() -> bool, announced: bool, deadline: Option<Duration>) {
        if self.waits_inside_primitives() {
            if self.tearing_down.get() && !self.in_critical.get() {
                self.while_torn();
            }
            return;
        }
        let test = ready;
        let ready: *const (dyn Fn() -> bool + '_) = ready;
        // SAFETY: only the lifetime is erased. The pointer is stored until this thread is
        // scheduled again, which happens before this call returns (below, or at the caller's
        // scheduling point that follows at once), and the stored pointer is then cleared.
        let ready: *const (dyn Fn() -> bool + 'static) = unsafe { std::mem::transmute(ready) };
        let ready_now = self.probe(ready);
        if ready_now && !announced {
            return;
        }
        if !announced && self.run_starting_thread(ready) {
            return;
        }
        // Kept even when ready now: other threads may run at the scheduling point that
        // follows, and the operation must not start unless it can go through without blocking.
        {
            let mut inner = self.inner.borrow_mut();
            let current = inner.current;
            let thread = &mut inner.threads[current];
            thread.awaiting = Some(Awaiting { key, ready, until_release: announced, deadline });
            thread.waited.set(!ready_now);
            thread.ready_again.set(false);
            // Only a blocking operation's test stays false until a release (see `releases`).
            thread.unready.set(announced && !ready_now);
            if announced && !ready_now && self.config.track_footprints {
                inner.newly_blocked.push((current, key));
            }
            if announced && !ready_now && self.config.record_trace && inner.threads[current].nested == 0 {
                Self::record_blocks(&mut inner, current);
            }
            // A timed wait is a pending timeout (see `pick_next_general`).
            inner.timed += usize::from(deadline.is_some());
            // The wait begins: what its readers see changes.
            let record = inner.threads[current].record;
            self.touch(&mut inner, record, true);
        }
        if !announced {
            // (Not ready: had it been, the wait would have taken no scheduling point.)
            self.step_ends_waiting();
            self.schedule_point();
            self.touch_now(key, true);
            self.end_wait(key, test, WaitEnd::Waits);
        }
    }

    /// Whether a blocking operation waits inside the primitive rather than off the run queue:
    /// in fine-grained mode (the primitive's own waiting is explored), inside a primitive's
    /// critical section, and while the execution is torn down.
    #[inline(always)]
    fn waits_inside_primitives(&self) -> bool {
        self.config.fine_grained || self.in_critical.get() || self.tearing_down.get()
    }

    /// A blocking read of `object` begins in the running step, which decides whether it must
    /// wait (see [`Execution::blocking_read_operation`]).
    fn begin_blocking_read(&self, object: usize) {
        if self.config.track_footprints {
            if let Some(number) = self.number(object) {
                self.update_step_info(|info| info.begins_read = Some(number));
            }
        }
    }

    /// The running thread, scheduled again at the start of its blocking operation on `key`
    /// (whose readiness test is `ready`), no longer waits. The strategy learns what the test
    /// reads: a step that held or released the object was never enabled together with this one.
    /// An operation that acquires or reads the object is ordered after the release that let it
    /// go; a mere wait inside another operation is not (see [`WaitEnd`]).
    pub(super) fn end_wait(&self, key: usize, ready: &dyn Fn() -> bool, how: WaitEnd) {
        let due = {
            let mut inner = self.inner.borrow_mut();
            let current = inner.current;
            let clock = inner.clock;
            let thread = &mut inner.threads[current];
            let timed = thread.awaiting.is_some_and(|awaiting| awaiting.deadline.is_some());
            // A timed wait whose deadline has come could time out instead of going on: the
            // step that let it go was enabled together with its timeout.
            let due = thread.awaiting.and_then(|awaiting| awaiting.deadline).is_some_and(|d| d <= clock);
            thread.awaiting = None;
            thread.unready.set(false);
            thread.waited.set(false);
            thread.ready_again.set(false);
            // The wait ends: what its readers see changes.
            let record = thread.record;
            inner.timed -= usize::from(timed);
            self.touch(&mut inner, record, true);
            due
        };
        if self.config.track_footprints && !due {
            self.recording.set(true);
            self.quiet.set(self.quiet.get() + 1);
            ready();
            self.quiet.set(self.quiet.get() - 1);
            self.recording.set(false);
            let mut addresses = self.probe_reads.borrow_mut();
            let inner = self.inner.borrow();
            // The object itself too: the simulator may not see its atomics (the façade's).
            let readiness = addresses
                .drain(..)
                .chain(std::iter::once(key))
                .filter_map(|a| inner.numbers.get(&a))
                .fold(0, |bits, &number| bits | Footprint::bit_of(number));
            let acquires = inner.numbers.get(&key).copied();
            self.update_step_info(|info| {
                info.readiness = readiness;
                info.acquires = acquires;
                info.reads_only = how == WaitEnd::Reads;
                info.synchronizes = how != WaitEnd::Waits;
            });
        }
    }

    /// Records the start of an operation: the stall watch's last event, and (see
    /// [`Execution::announce_rest`]) the trail, the fingerprint, the footprint, the trace.
    #[inline(always)]
    pub(super) fn announce(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        self.watch.event(kind, name);
        if self.announce_more {
            self.announce_rest(object, kind, name, write);
        }
    }

    /// What [`Execution::announce`] records besides the watch's event, when
    /// [`Execution::announce_more`] says there is something.
    #[inline(never)]
    pub(super) fn announce_rest(&self, object: usize, kind: &'static str, name: &'static str, write: bool) {
        if self.config.track_trail {
            self.trail.set(mix(mix(self.trail.get(), kind.as_ptr() as u64), name.as_ptr() as u64 ^ u64::from(write)));
        }
        if self.fingerprinting {
            self.add_to_fingerprint(kind, name);
        }
        if self.detailed {
            let mut inner = self.inner.borrow_mut();
            if self.in_critical.get() {
                // No scheduling point: the operation runs in the step under way.
                self.touch(&mut inner, object, write);
            } else if self.config.track_footprints {
                // The operation is the thread's next step. Its object is numbered now, in the
                // step that announces it, so that at every decision each thread's next object
                // has a number: one that every execution sharing the decision's prefix gives it.
                // A sleep-set entry made in one of them then compares with the steps of
                // another by that number, rather than as a new object that could be any other
                // (see `Footprint::may_conflict`).
                Self::number_object(&mut inner, object);
            }
            if self.config.record_trace {
                Self::label(&mut inner, object, kind);
            }
        }
        if self.config.record_trace {
            self.open_operation(object, kind, name);
        }
        if self.config.track_pending {
            let mut inner = self.inner.borrow_mut();
            let current = inner.current;
            inner.threads[current].pending = object;
        }
    }

    /// Adds the running thread's operation `name` on a `kind` to the program's fingerprint, if it
    /// is one of the first [`FINGERPRINT_OPERATIONS`].
    #[cold]
    pub(super) fn add_to_fingerprint(&self, kind: &str, name: &str) {
        let mut inner = self.inner.borrow_mut();
        if inner.fingerprinted < FINGERPRINT_OPERATIONS {
            inner.fingerprinted += 1;
            let mut hash = fnv1a(inner.fingerprint, &(inner.current as u32).to_le_bytes());
            hash = fnv1a(hash, kind.as_bytes());
            hash = fnv1a(hash, &[0]);
            hash = fnv1a(hash, name.as_bytes());
            inner.fingerprint = fnv1a(hash, &[0]);
        }
    }

    /// The operation the current thread last started on `object` ended with `result`: it goes
    /// into that operation's trace event.
    pub(crate) fn outcome(&self, object: usize, result: &'static str) {
        self.synchronize(object);
        if !self.config.record_trace || self.tearing_down.get() {
            return;
        }
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        if let Some(op) = &mut inner.threads[current].open {
            if op.object == object && !op.recorded {
                // Its event comes when it takes effect.
                op.outcome = Some(result);
                return;
            }
        }
        if inner.threads[current].nested > 0 && !self.config.fine_grained {
            // An inner operation, not in the trace.
            return;
        }
        let Some(label) = inner.labels.get(&object).cloned() else { return };
        let thread = inner.threads[inner.current].name.to_string();
        if let Some(event) = inner.trace.iter_mut().rev().find(|e| e.thread == thread && e.object == label) {
            event.outcome = result.to_owned();
        }
    }

    /// An atomic access (`write`: one that may change the value): a scheduling point in
    /// fine-grained mode, or in a spin loop.
    #[inline]
    pub(crate) fn atomic_access(&self, address: usize, write: bool) {
        // (Not a readiness probe's, nor a primitive's internal section's: the simulator looks.)
        if self.quiet.get() == 0 {
            self.looked.set(self.looked.get() | LOOKED_AT_AN_ATOMIC);
        }
        if self.plain_atomics {
            // Coarse mode without footprints: an access only counts towards a spin.
            if self.quiet.get() != 0 && !self.recording.get() {
                return;
            }
            let count = self.accesses.get();
            if count < SPIN_LIMIT && self.quiet.get() == 0 && !self.in_critical.get() {
                self.accesses.set(count + 1);
                return;
            }
        }
        self.atomic_access_slow(address, write);
    }

    #[cold]
    pub(super) fn atomic_access_slow(&self, address: usize, write: bool) {
        if self.quiet.get() != 0 {
            if self.recording.get() {
                self.probe_reads.borrow_mut().push(address);
            }
            return;
        }
        if self.in_critical.get() {
            self.touch_now(address, write);
            return;
        }
        let spinning = self.accesses.get() >= SPIN_LIMIT;
        self.accesses.set(self.accesses.get() + 1);
        if self.config.fine_grained || spinning {
            self.yielding.set(spinning);
            if spinning {
                // A spin waits for some other step: dependent on everything, it wakes every
                // sleeping thread (sleep sets must not starve the thread it waits for).
                self.footprint.set(Footprint::ALL);
            }
            {
                let mut inner = self.inner.borrow_mut();
                self.record(&mut inner, None, if spinning { "atomic (spinning)" } else { "atomic" });
            }
            // A fine-grained point inside a loop does not end the spin count; a spin yields.
            let count = if spinning { 0 } else { self.accesses.get() };
            self.set_at_atomic_point(true);
            self.schedule_point();
            self.set_at_atomic_point(false);
            self.accesses.set(count);
        }
        // The access runs in the step under way (after the scheduling point, if there was one).
        self.touch_now(address, write);
    }

    /// The readiness test under way reads `address` (see `Observe::readiness_read`): learnt with
    /// its other reads while the test's reads are recorded, nothing otherwise.
    pub(crate) fn readiness_read(&self, address: usize) {
        if self.recording.get() {
            self.probe_reads.borrow_mut().push(address);
        }
    }

    /// Marks the running thread as suspended at (or back from) an atomic access inside a
    /// primitive.
    fn set_at_atomic_point(&self, at: bool) {
        let inner = self.inner.borrow();
        inner.threads[inner.current].at_atomic_point.set(at);
    }

    /// Lets the strategy pick the next thread; switches to it if it is not the current one.
    /// `Thread.start`'s hand-shake, when the thread waiting in it (`ready` its test) has just
    /// spawned a thread: the new thread runs at once, until its first scheduling point, and
    /// hands back (`hand_back_to_spawner`) without a decision. What it did until then (its
    /// announcement) belongs to the spawner's step, as if `start` did it: starting a thread
    /// costs no scheduling decision beyond the spawner's own, as a spawn in shuttle or loom,
    /// and no other thread runs between `start` and the new thread's first operation. Returns
    /// whether the test holds now (otherwise the caller waits as usual).
    fn run_starting_thread(&self, ready: *const (dyn Fn() -> bool + 'static)) -> bool {
        let child = {
            let mut inner = self.inner.borrow_mut();
            match inner.starting {
                Some(starting) if starting.parent == inner.current => {
                    inner.next = Some(starting.child);
                    starting.child
                }
                _ => return false,
            }
        };
        debug_assert_ne!(child, self.current_thread());
        self.suspend();
        self.probe(ready)
    }

    /// At a scheduling point while a thread is being started: if the running thread is that
    /// thread (`run_starting_thread` runs it), the spawner is the one to resume, without a
    /// decision; the thread's next step, once a decision resumes it, is its first (see
    /// [`Execution::resumed_after_start`]). Any other thread's point (a spawn that no
    /// hand-shake followed: fine-grained mode, where the spawner parks instead) forgets the
    /// start: the new thread is an ordinary runnable thread.
    #[cold]
    pub(super) fn hand_back_to_spawner(&self, inner: &mut Inner) -> Option<usize> {
        let starting = inner.starting.take()?;
        if starting.child != inner.current || self.yielding.get() {
            return None;
        }
        // Its announcement is behind it: a switch away now is no preemption, as after a first
        // step.
        inner.threads[starting.child].fresh = false;
        inner.next = Some(starting.parent);
        Some(starting.child)
    }

    /// A thread handed back by [`Execution::hand_back_to_spawner`] runs again: this step is
    /// its first, ordered after its spawn.
    pub(super) fn resumed_after_start(&self, thread: usize) {
        self.touch_now(spawn_key(thread), true);
    }

    pub(crate) fn schedule_point(&self) {
        if self.tearing_down.get() {
            self.while_torn();
            return;
        }
        self.accesses.set(0);
        self.looked.set(0);
        self.run_next();
    }
}

/// What the operation whose wait ends does with its object (see [`Execution::end_wait`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum WaitEnd {
    /// It takes the object (a lock's acquire, a join): a later acquire races with it.
    Acquires,
    /// It only reads the object (an `Event`'s `wait`): other reads of it commute with it.
    Reads,
    /// A mere wait inside another operation (`Thread.start`'s hand-shake, which the new thread's
    /// first step lets go, not its end): not ordered after the step that let it go.
    Waits,
}
