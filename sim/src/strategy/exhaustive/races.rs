//! What the search knows of the steps of the execution under way: their vector clocks, the
//! races between them and how each is reversed (the backtracking of dynamic partial-order
//! reduction), and the steps kept from the last execution that this one replays.

use super::*;

/// One executed step: its thread, its decision node (if there was a choice), and its vector
/// clock (for each thread, how many of its steps happen before this one, inclusive).
pub(super) struct Step {
    pub(super) thread: usize,
    node: Option<usize>,
    clock: Vec<usize>,
    /// What else the strategy learnt about it: the objects it acquired, took and released, and
    /// those its thread held.
    info: StepInfo,
    /// Its footprint was everything (time moved, a spin, a yield): it orders what comes after
    /// it, but a path through it does not hide a race, nor does its write hide the one before.
    everything: bool,
    /// What it read and wrote.
    footprint: Footprint,
}

impl Step {
    /// Whether this step is the one described: by `thread`, at decision `node`, with
    /// `footprint` and `info` (a step replayed is the one kept, if the model is deterministic).
    pub(super) fn is(&self, thread: usize, node: Option<usize>, footprint: Footprint, info: StepInfo) -> bool {
        self.thread == thread && self.node == node && self.footprint == footprint && self.info == info
    }

    /// Whether this step moved the clock and a later step with `footprint` depends on it only
    /// through the clock (another timeout due at that time): ordered after the move, but not
    /// after what the moving thread did, and no race (see `StepInfo::moves_clock`).
    fn only_clock_orders(&self, footprint: Footprint) -> bool {
        self.info.moves_clock && !self.footprint.conflicts_besides_clock(footprint)
    }

    /// This step's number among its thread's steps (from 1).
    pub(super) fn local(&self) -> usize {
        self.clock[self.thread]
    }
}

impl Exhaustive {
    /// Whether `step` held or released `object` (an object a later step acquires): the two
    /// steps were never both enabled.
    fn out_of_reach(&self, step: usize, object: Option<u32>) -> bool {
        let step = &self.steps[step];
        object.is_some() && (step.info.releases.contains(&object) || step.info.held.contains(&object))
    }

    /// Whether step `earlier` let a later step go that begins with a blocking operation (whose
    /// info is `info`) acquiring or reading the object `earlier` released by writing it (see
    /// `Observe::releases`: the operation could not proceed before that step). Then the later
    /// step cannot come before `earlier` in any execution that shares what came before
    /// `earlier`: every step after `earlier` that touches the object depends on that write, so
    /// none of the steps that could run first without `earlier` releases it. Whatever else the
    /// two steps touch (a thread's end and its joiner's next step, both dropping values of a
    /// `Local`), theirs is no race: reversing it adds a decision whose executions end blocked by
    /// sleep sets. (Not a release that is an update, see `Observe::commutes`: another thread's
    /// update of the object commutes with it and could let the operation go first, see
    /// `Exhaustive::record_step`; nor where the object's bit may stand for another object.)
    fn let_go_by(&self, earlier: usize, info: &StepInfo) -> bool {
        let step = &self.steps[earlier];
        info.synchronizes
            && info.acquires.is_some_and(|object| {
                step.info.releases.contains(&Some(object))
                    && exact(step.footprint)
                    && step.footprint.writes & Footprint::bit_of(object) != 0
            })
    }

    /// Whether step `a` happens before step `b` (or is `b`).
    fn happens_before(&self, a: usize, b: usize) -> bool {
        let a = &self.steps[a];
        self.steps[b].clock.get(a.thread).is_some_and(|&n| n >= a.local())
    }

    /// Steps `earlier` and `later` race (dependent, ordered only by that dependence): make the
    /// decision at `earlier` explore a thread that can run the reversed order first.
    fn reverse_race(&mut self, earlier: usize, later: usize) {
        let later_step = &self.steps[later];
        let (thread, footprint) = (later_step.thread, later_step.footprint);
        let clock = std::mem::take(&mut self.steps[later].clock);
        let mut initials = std::mem::take(&mut self.scratch_initials);
        self.initials(earlier, later, (thread, &clock, Some(footprint)), &mut initials);
        self.steps[later].clock = clock;
        // The earlier step let the later one's thread go: it woke it from a park, or released
        // what the later step acquires (see `Exhaustive::backtrack_at`).
        let (earlier_info, later_info) = (&self.steps[earlier].info, &self.steps[later].info);
        let released = later_info.acquires.is_some_and(|object| earlier_info.releases.contains(&Some(object)));
        let let_go = initials.as_slice() == [thread] && (released || earlier_info.woke(thread));
        self.backtrack_one_of(earlier, &initials, (thread, later), let_go);
        self.scratch_initials = initials;
    }

    /// The initials of v: the steps after `earlier` and before `end` that do not depend on it,
    /// then a later step of `thread` with `clock` (and `footprint`, if it was executed). They
    /// are the threads whose first step in v has no predecessor in v.
    ///
    /// What comes before a step in v is what comes before it once v runs right after the
    /// decision, without `earlier` and what depends on it. For v's own steps, their clocks say
    /// it: no step that depends on `earlier` comes before them. The later step's clock may count
    /// such steps (it depends on `earlier` itself, and on what it depends on: the release
    /// before an acquire), so what comes before it in v is what in v it conflicts with.
    /// Into `initials` (cleared first).
    fn initials(
        &mut self,
        earlier: usize,
        end: usize,
        (thread, clock, footprint): (usize, &[usize], Option<Footprint>),
        initials: &mut Vec<usize>,
    ) {
        let mut in_v = std::mem::take(&mut self.scratch_in_v);
        let mut seen_threads = std::mem::take(&mut self.scratch_seen);
        in_v.clear();
        seen_threads.clear();
        initials.clear();
        for j in earlier + 1..end {
            if self.happens_before(earlier, j) {
                continue;
            }
            let step_thread = self.steps[j].thread;
            if !seen_threads.contains(&step_thread) {
                seen_threads.push(step_thread);
                if !in_v.iter().any(|&k| self.happens_before(k, j)) {
                    initials.push(step_thread);
                }
            }
            in_v.push(j);
        }
        let before_later = |k: usize| {
            let step = &self.steps[k];
            match footprint {
                Some(footprint) => step.footprint.conflicts(footprint),
                None => clock.get(step.thread).is_some_and(|&n| n >= step.local()),
            }
        };
        if !seen_threads.contains(&thread) && !in_v.iter().any(|&k| before_later(k)) {
            initials.push(thread);
        }
        self.scratch_in_v = in_v;
        self.scratch_seen = seen_threads;
    }

    /// Step `earlier` races with the next step of `thread`, not executed (see
    /// [`Reduction::blocked`], [`Reduction::ended_before`]): its clock is the thread's now.
    pub(super) fn reverse_with_next_step(&mut self, earlier: usize, thread: usize) {
        let clock = self.thread_clocks.get_mut(thread).map(std::mem::take).unwrap_or_default();
        let mut initials = std::mem::take(&mut self.scratch_initials);
        self.initials(earlier, self.steps.len(), (thread, &clock, None), &mut initials);
        if let Some(slot) = self.thread_clocks.get_mut(thread) {
            *slot = clock;
        }
        self.backtrack_one_of(earlier, &initials, (thread, self.steps.len()), false);
        self.scratch_initials = initials;
    }

    /// Makes the decision at step `earlier` explore one of `initials` (the initials of a reversed
    /// race whose later step, the `end`th, or the next one if not executed, is `later_thread`'s),
    /// unless one of them is explored there already. `let_go`: the race's later step's thread
    /// is its one initial, and the earlier step let that thread go.
    fn backtrack_one_of(
        &mut self,
        earlier: usize,
        initials: &[usize],
        (later_thread, end): (usize, usize),
        mut let_go: bool,
    ) {
        let Some(node_index) = self.steps[earlier].node else { return };
        let node = &self.stack[node_index];
        let asleep = |t: usize| node.sleep.iter().any(|z| z.thread == t);
        let awake: Vec<usize>;
        let mut initials = initials;
        if initials.iter().any(|&t| asleep(t)) && !initials.iter().any(|&t| node.explores(t)) {
            // An initial asleep at the decision: its step from there was explored already,
            // from an equivalent state, and so was the sequence that reverses the race; unless
            // this execution woke it where it was not dependent in the race's terms (see
            // `Exhaustive::sleep_covers`). Its sleep then says nothing of the sequence's other
            // initials, one of which the search must explore.
            let covered = |t: usize| asleep(t) && self.sleep_covers(node_index, t, earlier, (later_thread, end));
            if initials.iter().any(|&t| covered(t)) {
                return;
            }
            // (Every initial asleep, none covering: none can be chosen, and the decision
            // explores every option awake, as where no initial can run, see `backtrack_at`.)
            awake = initials.iter().copied().filter(|&t| !asleep(t)).collect();
            initials = &awake;
            let_go &= !awake.is_empty();
        }
        if node_index < self.frozen {
            // A decision of the search this one runs ahead of: it takes the race in, in order.
            self.requests.push((node_index, initials.to_vec(), let_go));
            return;
        }
        self.backtrack_at(node_index, initials, let_go);
    }

    /// Whether the sleep of `thread` at decision `node_index` (whose step is `earlier`) covers
    /// the sequence that reverses a race of `earlier`'s, of which it is an initial. It does where
    /// the thread's step asleep is the race's later step, the one that conflicts with `earlier`:
    /// `earlier` woke it (or nothing did: the later step, not executed), and the reversal, that
    /// step first, was explored from an equivalent state. Otherwise the thread's step in the
    /// sequence does not depend on `earlier` in the race's terms, yet a step of this execution
    /// woke it: a footprint over-approximates what the race counts as dependent (an object
    /// first touched after the decision, numbered otherwise in the execution that made the
    /// entry; a release that a blocking read commutes with). In the search's own terms the
    /// thread stayed asleep there, and this execution, where it ran early, may hide races that
    /// the executions with it asleep would have reversed (found missing: two senders on a
    /// bounded channel, one of which then sends on another that the main thread tries to
    /// receive from, differential seed 25, model 252: the main thread's `try_recv`, woken by the
    /// other sender's send, ran first and hid its race).
    #[cold]
    fn sleep_covers(
        &self,
        node_index: usize,
        thread: usize,
        earlier: usize,
        (later_thread, end): (usize, usize),
    ) -> bool {
        let node = &self.stack[node_index];
        let Some(entry) = node.sleep.iter().find(|z| z.thread == thread) else { return true };
        if !node.trusted {
            // The execution did not put the thread to sleep here (see `Exhaustive::choose`).
            return false;
        }
        // The wake-ups replayed as `Reduction::step_footprint` made them.
        let woken_at = self.steps[node.step..]
            .iter()
            .position(|step| entry.woken_by(step.thread, step.footprint, step.info.moves_clock));
        let Some(woken_at) = woken_at.map(|offset| node.step + offset) else { return true };
        let in_sequence = |index: usize| index != earlier && !self.happens_before(earlier, index);
        woken_at == earlier
            && thread == later_thread
            && !(earlier + 1..end).any(|j| self.steps[j].thread == thread && in_sequence(j))
    }

    /// [`Exhaustive::backtrack_one_of`] at the decision `node_index`.
    pub(super) fn backtrack_at(&mut self, node_index: usize, initials: &[usize], let_go: bool) {
        let node = &mut self.stack[node_index];
        if initials.iter().any(|&t| node.covers(t)) {
            return;
        }
        let bounded = node.bounded;
        let allowed = |index: usize| !bounded || index == 0;
        let option = initials.iter().find_map(|&t| node.threads.iter().position(|&o| o == t).filter(|&i| allowed(i)));
        if let Some(index) = option {
            node.backtrack.push(index);
        } else if !let_go {
            // No initial can run at the decision. With exclusive holds that is the later step's
            // thread, enabled by `earlier` itself, and the race cannot be reversed. But another
            // thread may keep it disabled there: a reader that shares an `RwLock` with
            // `earlier`'s thread keeps a writer out, and the race between the writer and that
            // reader's own earlier acquire is then reached only from here. As Flanagan and
            // Godefroid's DPOR does for a race partner that is not enabled, every option of the
            // decision is explored (found missing: readers that yield under the guard,
            // `tests/reduction_facade.rs`). It costs a few executions: Cargill's buffer on
            // `Condition`, 56 to 58.
            // Not where the earlier step let the later one's thread go (`let_go`: it woke the
            // thread from its park, or released what the step acquires), the thread waiting for
            // it at the decision: it cannot come first, and another step that could let it go
            // first wakes it from the same park, or releases the same object, and so races with
            // the earlier step itself (3 producers through a `Condvar` buffer of one place,
            // `notify_all`: 498 executions, 18 of them cut short, for 480 traces).
            for index in 0..node.threads.len() {
                if allowed(index) && !node.covers(node.threads[index]) {
                    node.backtrack.push(index);
                }
            }
        }
    }

    /// The writes of footprint bit `bit` that a step of `thread` (with `footprint`) that begins a
    /// blocking read of object `begun` (of that bit) depends on, into `dependencies`: the last
    /// one, and past writes dependent on everything, the write before them, except writes of
    /// other threads that released the object, which commute with the read; the last of those
    /// still comes before it (it saw the object released), into `released_before`. (The
    /// releases are skipped only where neither footprint has objects that share bits: skipping a
    /// write by its object must not skip another object's.)
    #[inline(never)]
    fn begun_read_dependencies(
        &self,
        bit: usize,
        thread: usize,
        footprint: Footprint,
        begun: Option<u32>,
        dependencies: &mut Vec<usize>,
        released_before: &mut Vec<usize>,
    ) {
        let mut found = None;
        for &w in self.writes[bit].iter().rev() {
            let step = &self.steps[w];
            if step.thread != thread && self.out_of_reach(w, begun) && exact(footprint) && exact(step.footprint) {
                continue;
            }
            dependencies.push(w);
            if !step.everything || step.thread == thread {
                found = Some(w);
                break;
            }
        }
        released_before.extend(self.writes[bit].last().filter(|&&w| Some(w) != found));
    }

    /// The reads of footprint bit `bit` that a step writing it (whose info is `info`) depends
    /// on, into `dependencies`: those since the last write, and the beginnings of blocking reads
    /// (see `StepInfo::begins_read`) since the last write that did not release their object,
    /// which commute with such releases; not those whose object this step releases.
    #[inline(never)]
    fn reads_before_write(&self, bit: usize, footprint: Footprint, info: &StepInfo, dependencies: &mut Vec<usize>) {
        let writes = &self.writes[bit];
        let last_write = writes.last().copied();
        for &r in self.reads[bit].iter().rev() {
            // (Only where neither footprint has objects that share bits, see `exact`.)
            let begun = self.steps[r].info.begins_read.filter(|_| exact(footprint) && exact(self.steps[r].footprint));
            if Some(r) > last_write {
                if begun.is_none() || !info.releases.contains(&begun) {
                    dependencies.push(r);
                }
                continue;
            }
            // Before the last write: only a blocking read's beginning, if every write since it
            // released its object. The writes before a plain one hide every earlier read.
            let since = writes.partition_point(|&w| w < r);
            if !writes[since..].iter().all(|&w| begun.is_some() && self.steps[w].info.releases.contains(&begun)) {
                if writes[since..].iter().any(|&w| self.steps[w].info.releases.iter().all(Option::is_none)) {
                    break;
                }
                continue;
            }
            if !info.releases.contains(&begun) {
                dependencies.push(r);
            }
        }
    }

    /// The writes of footprint bit `bit`, which the readiness test of the blocking operation a
    /// step of `thread` (whose info is `info`) begins with reads, that the step depends on, into
    /// `dependencies`: the last write not made while the object was out of this thread's reach
    /// (see [`Exhaustive::record_step`]), and past writes dependent on everything, the write
    /// before them. The last write, if it is not that one, into `released_before` when the
    /// operation synchronizes with the release that let it go.
    #[inline(always)]
    fn writes_before_acquire(
        &self,
        bit: usize,
        thread: usize,
        info: &StepInfo,
        dependencies: &mut Vec<usize>,
        released_before: &mut Vec<usize>,
    ) {
        let mut found = None;
        for &w in self.writes[bit].iter().rev() {
            if self.steps[w].thread != thread && self.out_of_reach(w, info.acquires) {
                continue;
            }
            dependencies.push(w);
            if !self.steps[w].everything || self.steps[w].thread == thread {
                found = Some(w);
                break;
            }
        }
        if info.synchronizes {
            released_before.extend(self.writes[bit].last().filter(|&&w| Some(w) != found));
        }
    }

    /// The last write of footprint bit `bit`, and past writes dependent on everything, the write
    /// before them, into `dependencies` (for a step of `thread`).
    fn last_writes(&self, bit: usize, thread: usize, dependencies: &mut Vec<usize>) {
        for &w in self.writes[bit].iter().rev() {
            dependencies.push(w);
            if !self.steps[w].everything || self.steps[w].thread == thread {
                break;
            }
        }
    }

    /// The reads of footprint bit `bit` that a step writing or updating it depends on, into
    /// `dependencies` (see [`Exhaustive::reads_before_write`]).
    fn reads_before_update_or_write(
        &self,
        bit: usize,
        footprint: Footprint,
        info: &StepInfo,
        dependencies: &mut Vec<usize>,
    ) {
        if self.begun_reads {
            self.reads_before_write(bit, footprint, info, dependencies);
        } else {
            dependencies.extend_from_slice(self.reads_since(bit));
        }
    }

    /// The steps that read footprint bit `bit` since the last step that wrote it.
    fn reads_since(&self, bit: usize) -> &[usize] {
        Self::since_last_write(&self.reads[bit], self.writes[bit].last().copied())
    }

    /// The steps that updated footprint bit `bit` (see `Footprint::updates`) since the last step
    /// that wrote it: a step that reads or writes it depends on each of them.
    fn updates_since(&self, bit: usize) -> &[usize] {
        Self::since_last_write(&self.updates[bit], self.writes[bit].last().copied())
    }

    /// The steps of `steps` (in order) after `last_write`.
    fn since_last_write(steps: &[usize], last_write: Option<usize>) -> &[usize] {
        let since = steps.iter().rev().take_while(|&&r| Some(r) > last_write).count();
        &steps[steps.len() - since..]
    }

    /// Forgets every step from `keep` on: what the search knows is then what it knew once step
    /// `keep - 1` was recorded (the clocks of the threads, the writes and reads of each bit, the
    /// last acquire of each object).
    pub(super) fn truncate_steps(&mut self, keep: usize) {
        if keep >= self.steps.len() {
            return;
        }
        for step in &self.steps[keep..] {
            for bit in set_bits(step.footprint.reads | step.footprint.writes | step.footprint.updates) {
                let updates = if self.updated { Some(&mut self.updates[bit]) } else { None };
                for list in [Some(&mut self.writes[bit]), Some(&mut self.reads[bit]), updates].into_iter().flatten() {
                    while list.last().is_some_and(|&i| i >= keep) {
                        list.pop();
                    }
                }
            }
        }
        self.spare_clocks.extend(self.steps.drain(keep..).map(|step| step.clock));
        // Each thread's clock is that of its last step kept.
        for clock in &mut self.thread_clocks {
            clock.clear();
        }
        let mut unset = self.thread_clocks.len();
        for step in self.steps.iter().rev() {
            if unset == 0 {
                break;
            }
            let slot = &mut self.thread_clocks[step.thread];
            if slot.is_empty() {
                slot.extend_from_slice(&step.clock);
                unset -= 1;
            }
        }
        self.last_acquire.clear();
        for (index, step) in self.steps.iter().enumerate() {
            let acquires = step.info.acquires.filter(|_| !step.info.reads_only);
            for object in [acquires, step.info.takes].into_iter().flatten() {
                match self.last_acquire.iter().position(|&(o, _)| o == object) {
                    Some(at) => self.last_acquire[at].1 = index,
                    None => self.last_acquire.push((object, index)),
                }
            }
        }
    }

    /// Records the step just taken (thread, footprint): clocks and race detection.
    ///
    /// A step that begins with a blocking operation (acquiring an object) does not depend,
    /// through what the operation's readiness test reads, on writes made while the object was
    /// out of its reach: by steps of a thread that held the object (a `Condition.notify`
    /// marking the lock), by the steps that released it, and while the thread waited. Those
    /// steps and this one are never both enabled (as a lock's release and an acquire), so their
    /// order cannot be reversed. The step depends instead on the write before them: the step
    /// that took the object (the previous acquire), and races with that one, as acquires of one
    /// lock do in Flanagan and Godefroid's DPOR. The previous blocking acquire of the object is
    /// raced with explicitly too: the last write before this step may be another step (one that
    /// moved time while the object was held) whose race with this one cannot be reversed, and
    /// that hides the previous acquire.
    pub(super) fn record_step(&mut self, thread: usize, node: Option<usize>, footprint: Footprint, info: StepInfo) {
        if self.writes.is_empty() {
            for lists in [&mut self.writes, &mut self.reads, &mut self.updates] {
                lists.resize(BITS, Vec::new());
            }
        }
        let index = self.steps.len();
        if self.thread_clocks.len() <= thread {
            self.thread_clocks.resize(thread + 1, Vec::new());
        }
        // The steps this one depends on directly: the last write of each object it touches,
        // and for objects it writes, the reads since.
        let mut dependencies = std::mem::take(&mut self.scratch_dependencies);
        dependencies.clear();
        // Steps that released what this step acquires: ordered before it (what it reads in the
        // critical section was written before the release), but never racing with it.
        let mut released_before = std::mem::take(&mut self.scratch_released);
        released_before.clear();
        let touched = footprint.reads | footprint.writes | footprint.updates;
        for bit in set_bits(touched) {
            let readiness = info.readiness & (1 << bit) != 0 && info.acquires.is_some();
            if footprint.updates & (1 << bit) != 0 {
                // An update (only: see `Footprint::settled`) commutes with the other updates
                // since the last write: it depends on that write and on the reads since. (A
                // shared acquire, an `RwLock`'s read, is an update that begins with a blocking
                // operation: as for an exclusive one, below, not on writes made while the object
                // was out of its reach.)
                self.updated = true;
                if readiness {
                    self.writes_before_acquire(bit, thread, &info, &mut dependencies, &mut released_before);
                } else {
                    self.last_writes(bit, thread, &mut dependencies);
                }
                self.reads_before_update_or_write(bit, footprint, &info, &mut dependencies);
                continue;
            }
            let begins_read = info.begins_read.filter(|&number| Footprint::bit_of(number) == 1 << bit);
            // A read or a write depends on every update since the last write; but as with
            // writes (below), not on an update of another thread that released the object
            // that the step acquires (through what its readiness test reads: a `set` that let
            // an `Event`'s wait go, the two never both enabled) or begins to read (which
            // commutes with such releases). Ordered after it still.
            if self.updated {
                let updates = self.updates_since(bit);
                for &u in updates {
                    let step = &self.steps[u];
                    let released = step.thread != thread
                        && if readiness {
                            self.out_of_reach(u, info.acquires)
                        } else {
                            begins_read.is_some()
                                && self.out_of_reach(u, begins_read)
                                && exact(footprint)
                                && exact(step.footprint)
                        };
                    // Another update of the object, which commutes with the release (an
                    // `Event`'s second `set`), could have come first and let this step go
                    // instead: the release then races with this step, whose reversal puts that
                    // update first (found missing: a wait let go by another thread's `set`
                    // before the main thread's own, differential seed 32, model 498). Also an
                    // update of this step's own thread: a `Semaphore`'s `release` before the
                    // thread's own `acquire`, which, run before the other thread's release, lets
                    // the acquire go without it (found missing: the outcome where that thread's
                    // `try_acquire` after its acquire finds no unit left,
                    // `spec-tests/tests/linearizability`, `semaphore_conforms`).
                    // (Not an update that takes the object, such as another reader's acquire of
                    // an `RwLock` a writer waits for, nor one by the releasing thread, nor one
                    // by a thread that held it: its release is needed as well.)
                    let object = if readiness { info.acquires } else { begins_read };
                    let replaceable = || {
                        updates.iter().any(|&other| {
                            let theirs = &self.steps[other];
                            other != u
                                && theirs.thread != step.thread
                                && theirs.info.acquires != object
                                && theirs.info.takes != object
                                && !self.out_of_reach(other, object)
                        })
                    };
                    if !released || replaceable() {
                        dependencies.push(u);
                    } else if !readiness || info.synchronizes {
                        released_before.push(u);
                    }
                }
            }
            if readiness {
                self.writes_before_acquire(bit, thread, &info, &mut dependencies, &mut released_before);
                if !info.reads_only || footprint.writes & (1 << bit) != 0 {
                    dependencies.extend_from_slice(self.reads_since(bit));
                }
                continue;
            }
            // A blocking read that begins with this step commutes with the steps that released
            // its object (see `StepInfo::begins_read`).
            if begins_read.is_some() {
                self.begun_read_dependencies(
                    bit,
                    thread,
                    footprint,
                    begins_read,
                    &mut dependencies,
                    &mut released_before,
                );
            } else {
                self.last_writes(bit, thread, &mut dependencies);
            }
            if footprint.writes & (1 << bit) != 0 {
                self.reads_before_update_or_write(bit, footprint, &info, &mut dependencies);
            }
        }
        dependencies.sort_unstable();
        dependencies.dedup();
        dependencies.retain(|&d| self.steps[d].thread != thread);
        // The thread's clock before this step (put back, updated, at the end).
        let mut before = std::mem::take(&mut self.thread_clocks[thread]);
        let mut clock = self.spare_clocks.pop().unwrap_or_default();
        clock.clear();
        clock.extend_from_slice(&before);
        for &d in dependencies.iter().chain(&released_before) {
            let step = &self.steps[d];
            let theirs = &step.clock;
            if clock.len() < theirs.len() {
                clock.resize(theirs.len(), 0);
            }
            // A step that moved the clock, on which this one depends through the clock alone:
            // this step comes after the move, which every step before it preceded, but not after
            // what the moving thread did in its step (a timeout due at the same time fires as
            // well before as after it): its own entry counts its steps before this one.
            let own = if step.only_clock_orders(footprint) { step.thread } else { usize::MAX };
            for (index, (mine, &t)) in clock.iter_mut().zip(theirs).enumerate() {
                *mine = (*mine).max(if index == own { t - 1 } else { t });
            }
        }
        if info.moves_clock {
            // No thread could run before this step: every step so far happens before it.
            for theirs in &self.thread_clocks {
                if clock.len() < theirs.len() {
                    clock.resize(theirs.len(), 0);
                }
                for (mine, &t) in clock.iter_mut().zip(theirs) {
                    *mine = (*mine).max(t);
                }
            }
        }
        if clock.len() <= thread {
            clock.resize(thread + 1, 0);
        }
        clock[thread] = before.get(thread).copied().unwrap_or(0) + 1;
        let everything = footprint.writes == Bits::MAX;
        self.steps.push(Step { thread, node, clock, info, everything, footprint });

        // A dependency races with this step unless it happens before it through another path:
        // the thread's own earlier steps, or another dependency. A path through a step that held
        // or released what this step acquires does not count: this step is the acquire and what
        // follows it until the next scheduling point, and only the latter may depend on that
        // critical section; the acquire itself still races with the previous acquire (a race
        // too many only costs executions).
        // The step that started this thread is no race partner of its steps: they cannot come
        // before it.
        let starter = self.started_by.get(thread).copied().unwrap_or(usize::MAX);
        let mut races = std::mem::take(&mut self.scratch_races);
        races.clear();
        // A step that moved the clock races with none before it (none could come after it),
        // and with a later step only through what both touched besides the clock: the timeouts
        // due at the new time read it, and whichever fires first moves it (the same move).
        let candidates = dependencies.iter().copied().filter(|_| !info.moves_clock);
        races.extend(candidates.filter(|&d| d != starter).filter(|&d| {
            let step = &self.steps[d];
            if step.only_clock_orders(footprint) || self.let_go_by(d, &info) {
                return false;
            }
            let through_thread = before.get(step.thread).is_some_and(|&n| n >= step.local());
            let through_other = dependencies.iter().any(|&o| {
                o != d && !self.out_of_reach(o, info.acquires) && !self.steps[o].everything && self.happens_before(d, o)
            });
            !through_thread && !through_other
        }));
        // The previous blocking acquire of the same object is this one's race partner even when
        // the last write before this step is another (a step that moved time while the object
        // was held), whose race with this acquire may not be reversible. Reversing a race only
        // adds to the search.
        // A blocking read (`reads_only`) races with the last step that made its object
        // unavailable (see `Observe::withdraws`) but takes nothing: it is no later operation's
        // partner.
        let previous = info.acquires.and_then(|object| {
            let at = self.last_acquire.iter().position(|&(o, _)| o == object);
            let previous = at.map(|at| self.last_acquire[at].1);
            if !info.reads_only {
                match at {
                    Some(at) => self.last_acquire[at].1 = index,
                    None => self.last_acquire.push((object, index)),
                }
            }
            previous
        });
        // A step that took an object without a blocking acquire (a `try_acquire`) is the taker
        // a later blocking acquire races with (see `blocked`), as a blocking acquire is.
        if let Some(object) = info.takes.filter(|&object| info.acquires != Some(object)) {
            match self.last_acquire.iter().position(|&(o, _)| o == object) {
                Some(at) => self.last_acquire[at].1 = index,
                None => self.last_acquire.push((object, index)),
            }
        }
        // Shared acquires of one object (updates of it, see `Observe::commutes`) commute.
        let shared = |footprint: Footprint, object: u32| footprint.updates & Footprint::bit_of(object) != 0;
        let previous = previous.filter(|&p| {
            let step = &self.steps[p];
            !info.moves_clock
                && !info.acquires.is_some_and(|object| shared(footprint, object) && shared(step.footprint, object))
                && step.thread != thread
                && !races.contains(&p)
                && before.get(step.thread).is_none_or(|&n| n < step.local())
        });
        for &earlier in races.iter().chain(&previous) {
            self.reverse_race(earlier, index);
        }
        self.scratch_races = races;

        for bit in set_bits(touched) {
            if footprint.writes & (1 << bit) != 0 {
                self.writes[bit].push(index);
            } else if footprint.updates & (1 << bit) != 0 {
                self.updates[bit].push(index);
            } else {
                self.reads[bit].push(index);
            }
        }
        before.clone_from(&self.steps[index].clock);
        self.thread_clocks[thread] = before;
        self.scratch_dependencies = dependencies;
        self.scratch_released = released_before;
    }
}

impl Exhaustive {
    /// The name of the trace of the execution's steps so far, `steps[..cursor]` (see
    /// [`Exhaustive::count_traces`]): the sum of its steps' names, so that the order in which
    /// independent steps ran does not count. A step is named by its thread and its vector clock
    /// (its number among its thread's steps, and how many steps of each other thread happen
    /// before it): two executions are one trace when they have the same steps so named.
    ///
    /// A step that ended only because its thread found a wait not ready
    /// ([`StepInfo::ends_waiting`]) is one with the thread's next step: a wait that need not
    /// wait takes no step, and the execution where it did not is the same trace. So such a
    /// step has no name of its own, and is not counted among its thread's steps: in the clocks,
    /// a thread's steps are numbered as if it had not waited, and a step after the one that
    /// found the wait not ready counts as after the step it makes one with.
    pub(super) fn trace_name(&self) -> u64 {
        let steps = &self.steps[..self.cursor.min(self.steps.len())];
        // For each thread, the number that each of its steps has as it would without its waits
        // (a step that found a wait not ready: the number of the step it makes one with).
        let mut numbers: Vec<Vec<usize>> = Vec::new();
        let mut counted: Vec<usize> = Vec::new();
        for step in steps {
            if numbers.len() <= step.thread {
                numbers.resize_with(step.thread + 1, Vec::new);
                counted.resize(step.thread + 1, 0);
            }
            let count = &mut counted[step.thread];
            if !step.info.ends_waiting {
                *count += 1;
            }
            numbers[step.thread].push(if step.info.ends_waiting { *count + 1 } else { *count });
        }
        let mut name = 0u64;
        for step in steps.iter().filter(|step| !step.info.ends_waiting) {
            let renumbered = step.clock.iter().enumerate().map(|(thread, &n)| match n {
                0 => 0,
                n => numbers.get(thread).and_then(|own| own.get(n - 1)).copied().unwrap_or(n),
            });
            let renumbered: Vec<usize> = renumbered.collect();
            let used = renumbered.iter().rposition(|&n| n != 0).map_or(0, |last| last + 1);
            let step_name = renumbered[..used].iter().fold(mix(step.thread as u64), |hash, &n| mix(hash ^ n as u64));
            name = name.wrapping_add(step_name);
        }
        name
    }
}

/// Whether `footprint` names each of its objects by a bit of its own: it touched none numbered
/// beyond the bits (see [`Footprint`]), so a bit stands for one object of it.
fn exact(footprint: Footprint) -> bool {
    (footprint.touched_below as usize) < BITS
}

/// The indices of the bits set in `bits`, lowest first.
pub(super) fn set_bits(mut bits: Bits) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (bits != 0).then(|| {
            let bit = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            bit
        })
    })
}
