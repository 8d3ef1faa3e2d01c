//! Exhaustive search, with partial-order reduction (sleep sets and backtracking on races) or
//! without, and an optional preemption bound.

use super::*;

mod races;

use races::Step;

/// A thread in a sleep set: its next step was explored from an equivalent state, where it had
/// this footprint, in an execution that had numbered `known` objects at that decision.
#[derive(Clone, Copy, Debug)]
struct Asleep {
    thread: usize,
    footprint: Footprint,
    known: u32,
}

impl Asleep {
    /// Whether a step of `thread` with `footprint` (one that moved the clock if `moves_clock`)
    /// wakes this entry: its own thread's, or one that may conflict with it. A step that moved
    /// the clock ran with every thread blocked, so what a sleeping thread does next may not be
    /// what it was to do when it fell asleep; unless it fell asleep at that decision, as the
    /// first timeout due at the new time (its step moved the clock too: the same move, whichever
    /// timeout fires first). Such a timeout commutes with the step unless what they touch
    /// besides the clock conflicts.
    #[inline]
    fn woken_by(&self, thread: usize, footprint: Footprint, moves_clock: bool) -> bool {
        if self.thread == thread {
            return true;
        }
        if moves_clock {
            let moved_the_clock = self.footprint.writes & Footprint::CLOCK != 0 && self.footprint.writes != Bits::MAX;
            !moved_the_clock || self.footprint.may_conflict_besides_clock(self.known, footprint)
        } else {
            self.footprint.may_conflict(self.known, footprint)
        }
    }
}

/// One decision point of the exhaustive search.
struct Node {
    /// The node's number in its search (one no other node of the search has): with the option
    /// taken, it names an execution to come (see [`Exhaustive::ahead`]).
    serial: u64,
    /// The thread each option runs (for a data choice: the waiter it wakes).
    threads: Vec<usize>,
    /// Options to explore here: for a scheduling decision, those found racing with a later step
    /// (dynamic partial-order reduction); for a data choice, all of them.
    backtrack: Vec<usize>,
    /// The option taken now.
    chosen: usize,
    /// A scheduling decision (reduction applies) or a data choice.
    scheduling: bool,
    /// At or beyond the preemption bound: only option 0 may be explored.
    bounded: bool,
    /// The sleep set on arrival: threads whose next step was explored from an equivalent state,
    /// with that step's footprint.
    sleep: Vec<Asleep>,
    /// Options explored here already, with their steps' footprints.
    done: Vec<Asleep>,
    /// How many objects were numbered when the decision was taken.
    objects: u32,
    /// Cleared once an execution arrived here having numbered another count of objects (see
    /// [`Exhaustive::choose`]): the numbers of its entries and footprints then do not compare.
    trusted: bool,
    /// The trail of the execution that made the node, at the node (see [`Point::trail`]).
    trail: u64,
    /// The footprint of the step taken now (known once it ends).
    footprint: Footprint,
    /// The index of the step under way when the decision was taken (for a scheduling decision,
    /// the step it starts): the steps before it are the path's, and a later execution that
    /// backtracks here replays them (see [`Exhaustive::next_execution`]).
    step: usize,
}

impl Clone for Node {
    fn clone(&self) -> Self {
        let mut node = Node::empty();
        node.clone_from(self);
        node
    }

    /// Copies `source` into this node's own buffers.
    fn clone_from(&mut self, source: &Self) {
        self.serial = source.serial;
        self.threads.clone_from(&source.threads);
        self.backtrack.clone_from(&source.backtrack);
        self.chosen = source.chosen;
        self.scheduling = source.scheduling;
        self.bounded = source.bounded;
        self.sleep.clone_from(&source.sleep);
        self.done.clone_from(&source.done);
        self.objects = source.objects;
        self.trusted = source.trusted;
        self.trail = source.trail;
        self.footprint = source.footprint;
        self.step = source.step;
    }
}

impl Node {
    /// Whether thread `t` is explored at this decision already, or will be: a backtrack option,
    /// an option done, or asleep.
    fn covers(&self, t: usize) -> bool {
        self.explores(t) || self.sleep.iter().any(|z| z.thread == t)
    }

    /// Whether thread `t` is explored at this decision already, or will be: a backtrack option,
    /// or an option done.
    fn explores(&self, t: usize) -> bool {
        self.backtrack.iter().any(|&i| self.threads[i] == t) || self.done.iter().any(|d| d.thread == t)
    }

    /// A node with empty buffers (filled by [`Exhaustive::push_node`]).
    fn empty() -> Self {
        Node {
            serial: 0,
            threads: Vec::new(),
            backtrack: Vec::new(),
            chosen: 0,
            scheduling: false,
            bounded: false,
            sleep: Vec::new(),
            done: Vec::new(),
            objects: 0,
            trusted: true,
            trail: 0,
            footprint: Footprint::default(),
            step: 0,
        }
    }
}

/// Depth-first search of every schedule up to equivalence, with dynamic partial-order reduction
/// and sleep sets (source-set DPOR, Abdulla et al., POPL 2014), and an optional bound on
/// preemptions.
///
/// Two steps are dependent when one writes an object the other reads or writes (footprints);
/// independent steps commute. A decision point first explores one option (option 0, "the
/// running thread goes on", when it can). When a later step `e'` turns out to race with the step
/// `e` taken at a decision point — dependent, and ordered only by that dependence — the search
/// makes sure the decision explores one of the threads that can start the reversed race: the
/// *initials* of the steps after `e` that do not depend on it, followed by `e'`. A race that
/// cannot be reversed (`e` is what let `e'`'s thread run: a release the thread waited for) adds
/// nothing. Sleep sets skip orders already covered. Footprints over-approximate dependence,
/// which keeps the reduction sound.
pub(crate) struct Exhaustive {
    bound: Option<usize>,
    reduce: bool,
    stack: Vec<Node>,
    position: usize,
    preemptions: usize,
    /// The current sleep set.
    sleep: Vec<Asleep>,
    /// The step under way: its thread and, if it was a decision, its node.
    pending: Option<(usize, Option<usize>)>,
    /// The steps of this execution.
    steps: Vec<Step>,
    /// Each thread's vector clock after its last step.
    thread_clocks: Vec<Vec<usize>>,
    /// Vectors of earlier executions' step clocks, reused (a step allocates none once warm).
    spare_clocks: Vec<Vec<usize>>,
    /// Nodes the search went back over, their buffers emptied, for new decisions to reuse.
    spare_nodes: Vec<Node>,
    /// Reused buffers of `record_step`.
    scratch_dependencies: Vec<usize>,
    scratch_released: Vec<usize>,
    /// Whether a step of the search began a blocking read (`StepInfo::begins_read`): until one
    /// does, a write depends on the reads since the last write only, found without looking
    /// further back.
    begun_reads: bool,
    /// Whether a step of the search updated an object (`Footprint::updates`): until one does,
    /// no step depends on updates, and their lists stay empty.
    updated: bool,
    scratch_races: Vec<usize>,
    /// Reused buffers of `initials`, and its result in `reverse_race`.
    scratch_in_v: Vec<usize>,
    scratch_seen: Vec<usize>,
    scratch_initials: Vec<usize>,
    /// For each footprint bit, the steps that wrote it, those that only read it, and those that
    /// only updated it (see `Footprint::updates`), in order. Made when the first step is
    /// recorded (see [`Exhaustive::record_step`]): a copy of the search posted to a helper that
    /// records none, or is dropped unrun, allocates none of them.
    writes: Vec<Vec<usize>>,
    reads: Vec<Vec<usize>>,
    updates: Vec<Vec<usize>>,
    /// The steps of the last execution that this one replays (the path to the decision it
    /// backtracked to): they are checked against `steps`, not recorded again, since their
    /// clocks and races are those found when they ran first (see [`Exhaustive::next_execution`]).
    replay_end: usize,
    /// The index of the step under way (while replaying: the kept step it should repeat).
    cursor: usize,
    /// The last step ended was a kept one, replayed.
    replayed_last: bool,
    /// For each object a blocking operation acquired in this execution, the last step that did.
    last_acquire: Vec<(u32, usize)>,
    /// For each thread of this execution, the step that started it (`usize::MAX`: none, the
    /// main thread): its steps come after that one, never before, so the two never race.
    started_by: Vec<usize>,
    started: bool,
    done: bool,
    /// Set when a replayed prefix reached a decision with other options than before: the model
    /// is not deterministic.
    diverged: Option<String>,
    /// The next node's serial.
    next_serial: u64,
    /// In a search run ahead (see [`Exhaustive::ahead`]): the nodes of the prefix it was given,
    /// whose options the search that made it decides. Races found with their steps are logged
    /// in `requests` rather than applied.
    frozen: usize,
    /// Races to reverse at frozen nodes: the node, the threads one of which it must explore, and
    /// whether the earlier step let the later one's thread go (see `Exhaustive::backtrack_at`).
    requests: Vec<(usize, Vec<usize>, bool)>,
    /// The shard of a search split across processes (`WEFT_SHARD=i/n`): this one explores the
    /// subtrees below the first [`SHARD_DEPTH`] decisions whose choices hash to `i` modulo `n`
    /// (see [`Exhaustive::shard`]).
    shard: Option<(u64, u64)>,
    /// Whether this execution is in the shard, once known.
    mine: Option<bool>,
    /// When counting traces (see [`Exhaustive::count_traces`]): the traces seen, by name (see
    /// [`Exhaustive::trace_name`]).
    traces: Option<std::collections::HashSet<u64>>,
    /// The execution under way was cut short at a decision (every runnable thread asleep, or
    /// another shard's subtree, or a divergence): it is no trace.
    cut_short: bool,
    /// Every option not asleep is explored at each decision (see `Explorer::sleep_sets_only`).
    sleep_sets_only: bool,
}

/// The decisions above the subtrees a sharded search splits (see [`Exhaustive::shard`]).
pub(crate) const SHARD_DEPTH: usize = 4;

/// The name of an execution to come in a search: the node where it leaves the last execution's
/// path, and the option it takes there.
pub(crate) type AheadKey = (u64, usize);

/// Serials each copy of a search run ahead may give its decisions (see [`Exhaustive::ahead`]):
/// a copy explores at most a few thousand executions.
pub(crate) const SERIALS_PER_COPY: u64 = 1 << 24;

/// The first serial of the first copy: the search's own decisions are numbered below it, and
/// copies' up to `1 << 63` (about 2^39 copies).
pub(crate) const FIRST_COPY_SERIAL: u64 = 1 << 40;

/// An execution of a search run ahead of it, on another OS thread (see [`Exhaustive::ahead`]),
/// and what it found: what the search must take in when it gets there.
pub(crate) struct Ahead {
    key: AheadKey,
    search: Exhaustive,
}

impl Ahead {
    /// The execution's name in the search.
    pub(crate) fn key(&self) -> AheadKey {
        self.key
    }

    /// A copy of this subtree not yet explored, made of the calling thread's allocations (see
    /// [`Exhaustive::take_over`]).
    pub(crate) fn relocated(&self) -> Ahead {
        Ahead { key: self.key, search: self.search.subtree_copy(self.search.frozen, self.search.next_serial) }
    }

    /// The depth of the decision where it leaves the path it was made from.
    pub(crate) fn depth(&self) -> usize {
        self.search.frozen - 1
    }

    /// The copy of the search that explores it.
    pub(crate) fn search(&mut self) -> &mut Exhaustive {
        &mut self.search
    }
}

impl Exhaustive {
    /// A search within `bound` preemptions, if any; `reduce` asks for partial-order reduction.
    ///
    /// A bounded search explores without reduction. Reduction and a preemption bound do not
    /// combine soundly as such: the representative of an equivalence class that the reduction
    /// keeps may need more preemptions than another member of the class, which the bound then
    /// cuts, and a sleeping thread may be covered only by an execution over the bound (SCTBench's
    /// `twostage` with 3 writers fails within 2 preemptions, and the reduced bounded search used
    /// to finish without finding it). Without reduction, a finished bounded search has run every
    /// schedule with at most `bound` preemptions.
    pub(crate) fn new(bound: Option<usize>, reduce: bool) -> Self {
        Exhaustive {
            bound,
            reduce: reduce && bound.is_none(),
            stack: Vec::new(),
            position: 0,
            preemptions: 0,
            sleep: Vec::new(),
            pending: None,
            steps: Vec::new(),
            thread_clocks: Vec::new(),
            spare_clocks: Vec::new(),
            spare_nodes: Vec::new(),
            scratch_dependencies: Vec::new(),
            scratch_released: Vec::new(),
            begun_reads: false,
            updated: false,
            scratch_races: Vec::new(),
            scratch_in_v: Vec::new(),
            scratch_seen: Vec::new(),
            scratch_initials: Vec::new(),
            writes: Vec::new(),
            reads: Vec::new(),
            updates: Vec::new(),
            replay_end: 0,
            cursor: 0,
            replayed_last: false,
            last_acquire: Vec::new(),
            started_by: Vec::new(),
            started: false,
            done: false,
            diverged: None,
            next_serial: 0,
            frozen: 0,
            requests: Vec::new(),
            shard: None,
            mine: None,
            traces: None,
            cut_short: false,
            sleep_sets_only: false,
        }
    }

    /// Makes a reduced search explore every option at each decision that sleep sets do not
    /// rule out (see `Explorer::sleep_sets_only`).
    pub(crate) fn sleep_sets_only(mut self) -> Self {
        self.sleep_sets_only = true;
        self
    }

    /// Makes the search count the Mazurkiewicz traces among its executions, by weft's own
    /// dependency relation: two executions are one trace when every step depends on the same
    /// steps of other threads (each step named by its thread and its number among the thread's
    /// steps; a step that only found a wait not ready is one with the thread's next, see
    /// [`Exhaustive::trace_name`]). Without reduction, that is the model's trace count, which a search with
    /// reduction can be held to.
    pub(crate) fn count_traces(mut self) -> Self {
        self.traces = Some(std::collections::HashSet::new());
        self
    }

    /// The traces counted (see [`Exhaustive::count_traces`]), once the search is done.
    pub(crate) fn traces(&self) -> Option<usize> {
        self.traces.as_ref().map(std::collections::HashSet::len)
    }
    /// Makes the search shard `index` of `count` (`index < count`): the decisions above depth
    /// [`SHARD_DEPTH`] explore every option (with sleep sets, but no reduction: what they
    /// explore then depends on nothing found below them), and the subtrees below them are
    /// split between the shards by a hash of the choices that lead there. An execution of
    /// another shard's subtree is cut short where it enters it, and is not this shard's (see
    /// [`Strategy::not_mine`]). The shards' executions together are those of the search as
    /// shard 0 of 1, each in exactly one shard.
    pub(crate) fn shard(mut self, index: u64, count: u64) -> Self {
        self.shard = Some((index, count.max(1)));
        self
    }

    /// The shard the choices of the first decisions of this execution (at most
    /// [`SHARD_DEPTH`]) send it to.
    fn shard_of_path(&self, count: u64) -> u64 {
        let depth = self.position.min(self.stack.len()).min(SHARD_DEPTH);
        // (FNV-1a over the choices: on lock_counter (3,4) it shares the subtrees out between 4
        // shards more evenly than the splitmix finaliser, 23,102 executions for the largest
        // against 34,652.)
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for node in &self.stack[..depth] {
            hash = (hash ^ node.chosen as u64).wrapping_mul(0x0100_0000_01b3);
        }
        hash = (hash ^ depth as u64).wrapping_mul(0x0100_0000_01b3);
        (hash ^ (hash >> 29)) % count
    }
    /// Subtrees to come that can be explored now, ahead of the search, each by its own copy of
    /// the search: for each decision on the last execution's path (shallowest first, the last
    /// the search comes to), the subtree of the next option it will explore, if it has one;
    /// but not at the deepest such decision, where the search goes next. Called between
    /// executions. The search will explore each of them exactly so when it gets
    /// there: options are only ever added after the others at a decision; the sleep set the
    /// option starts with is made of the decision's sleep set and the options explored before
    /// it, all known now; and what the subtree explores depends on nothing outside it (races
    /// found with steps before it are logged for the search, in order: see
    /// [`Exhaustive::take_over`]). `first_serial` numbers the copies' decisions apart from the
    /// search's own.
    pub(crate) fn ahead(&self, wanted: usize, first_serial: &mut u64, skip: impl Fn(AheadKey) -> bool) -> Vec<Ahead> {
        let mut found = Vec::new();
        if !self.reduce || self.done || !self.started {
            return found;
        }
        let path = self.position.min(self.stack.len());
        let next_option = |at: usize| {
            let node: &Node = &self.stack[at];
            let taken = node.threads[node.chosen];
            node.backtrack.iter().copied().find(|&i| {
                let t = node.threads[i];
                t != taken && !node.done.iter().any(|d| d.thread == t) && !node.sleep.iter().any(|z| z.thread == t)
            })
        };
        // The deepest decision with an option left is where the search goes next: its subtree
        // is the search's own (a helper given it would only make the search wait for it).
        let Some(next_of_search) = (self.frozen..path).rev().find(|&at| next_option(at).is_some()) else {
            return found;
        };
        for at in self.frozen..next_of_search {
            if found.len() == wanted {
                break;
            }
            let Some(next) = next_option(at) else { continue };
            let node = &self.stack[at];
            let taken = node.threads[node.chosen];
            let key = (node.serial, next);
            if skip(key) {
                continue;
            }
            let mut search = self.subtree_copy(at + 1, *first_serial);
            let node = &mut search.stack[at];
            node.done.push(Asleep { thread: taken, footprint: node.footprint, known: node.objects });
            node.chosen = next;
            *first_serial += SERIALS_PER_COPY;
            found.push(Ahead { key, search });
        }
        found
    }

    /// A search of the subtree below the first `frozen` decisions of this one's path (copied),
    /// numbering its nodes from `first_serial` (see [`Exhaustive::ahead`]).
    fn subtree_copy(&self, frozen: usize, first_serial: u64) -> Exhaustive {
        let mut search = Exhaustive::new(None, true);
        search.shard = self.shard;
        search.sleep_sets_only = self.sleep_sets_only;
        search.stack.extend(self.stack[..frozen].iter().cloned());
        search.frozen = frozen;
        search.next_serial = first_serial;
        search
    }

    /// The name of the execution the search is about to run (after `next_execution`).
    pub(crate) fn next_key(&self) -> Option<AheadKey> {
        (self.reduce && self.started && !self.done).then(|| self.stack.last().map(|n| (n.serial, n.chosen))).flatten()
    }

    /// Takes over a subtree explored ahead (see [`Exhaustive::ahead`]), in full or in part, as
    /// if the search had run its executions now: it goes on from where the copy stopped, and
    /// takes in the races the copy found with steps before the subtree. Called after
    /// `next_execution`, when [`Exhaustive::next_key`] is the copy's key. False (nothing taken
    /// over) if the copy no longer fits, ran nothing, or found the model nondeterministic: the
    /// search then explores the subtree itself.
    ///
    /// The copy's nodes are copied into the search's own (the copy goes back to the thread that
    /// made it: a thread that keeps reusing another's allocations shares cache lines with it).
    pub(crate) fn take_over(&mut self, ahead: &Ahead) -> bool {
        let Ahead { key, search } = ahead;
        let key = *key;
        let frozen = search.frozen;
        let fits = self.next_key() == Some(key)
            && self.stack.len() == frozen
            && search.started
            && search.diverged.is_none()
            && search.stack.len() >= frozen
            && self.stack.iter().zip(&search.stack).all(|(mine, theirs)| {
                mine.chosen == theirs.chosen && mine.done.len() == theirs.done.len() && mine.trusted == theirs.trusted
            });
        if !fits {
            return false;
        }
        for (mine, theirs) in self.stack.iter_mut().zip(&search.stack) {
            mine.footprint = theirs.footprint;
        }
        // The search's own steps are the path's only up to the decision the subtree leaves it at
        // (kept that far already by `next_execution`, which came to that decision).
        self.truncate_steps(self.stack[frozen - 1].step);
        self.replay_end = self.replay_end.min(self.steps.len());
        if search.done {
            // The whole subtree: the search is back at the decision it leaves the path at.
            self.position = frozen;
        } else {
            for theirs in &search.stack[frozen..] {
                let mut node = self.spare_nodes.pop().unwrap_or_else(Node::empty);
                node.clone_from(theirs);
                self.stack.push(node);
            }
            self.position = search.position;
        }
        for (node, initials, let_go) in &search.requests {
            self.backtrack_at(*node, initials, *let_go);
        }
        true
    }

    /// Pushes `node` (a spare one, its backtrack set and sleep set filled) as the node of a new
    /// decision (`scheduling`, or a data choice) at `point`.
    fn push_node(&mut self, mut node: Node, point: &Point<'_>, scheduling: bool) {
        self.next_serial += 1;
        node.serial = self.next_serial - 1;
        node.threads.extend_from_slice(point.threads);
        node.chosen = 0;
        node.scheduling = scheduling;
        node.bounded = false;
        node.objects = point.objects;
        node.trusted = true;
        node.footprint = Footprint::default();
        node.trail = point.trail;
        node.step = self.cursor;
        self.stack.push(node);
    }

    /// Keeps `node`, which the search went back over, for its buffers.
    fn recycle(spare: &mut Vec<Node>, mut node: Node) {
        node.threads.clear();
        node.backtrack.clear();
        node.sleep.clear();
        node.done.clear();
        spare.push(node);
    }

    fn asleep(&self, thread: usize) -> bool {
        self.sleep.iter().any(|a| a.thread == thread)
    }
}

impl Strategy for Exhaustive {
    fn next_execution(&mut self) -> bool {
        if self.traces.is_some() && self.started && !self.cut_short {
            let name = self.trace_name();
            self.traces.as_mut().map(|traces| traces.insert(name));
        }
        self.cut_short = false;
        if self.started {
            // Backtrack: the deepest decision with an option left to explore moves to it.
            for node in self.stack.drain(self.position.min(self.stack.len())..) {
                Self::recycle(&mut self.spare_nodes, node);
            }
            loop {
                // (A search run ahead explores one subtree: it is done when it would go back
                // into the prefix it was given.)
                let within = self.stack.len() > self.frozen;
                let Some(node) = self.stack.last_mut().filter(|_| within) else {
                    self.done = true;
                    return false;
                };
                let taken = node.threads[node.chosen];
                node.done.push(Asleep { thread: taken, footprint: node.footprint, known: node.objects });
                let next = node.backtrack.iter().copied().find(|&i| {
                    let t = node.threads[i];
                    !node.done.iter().any(|d| d.thread == t) && !node.sleep.iter().any(|z| z.thread == t)
                });
                if let Some(next) = next {
                    node.chosen = next;
                    break;
                }
                if let Some(node) = self.stack.pop() {
                    Self::recycle(&mut self.spare_nodes, node);
                }
            }
        }
        self.started = true;
        self.mine = None;
        self.position = 0;
        self.preemptions = 0;
        self.sleep.clear();
        self.pending = None;
        // The steps before the decision this execution backtracked to are the last execution's
        // again (the model is deterministic; a step that turns out otherwise ends the replay,
        // see `Reduction::step_footprint`): they are kept, and checked rather than recorded.
        let kept = self.stack.last().map_or(0, |node| node.step);
        self.truncate_steps(kept);
        self.replay_end = self.steps.len();
        self.cursor = 0;
        self.replayed_last = false;
        true
    }

    fn thread_created(&mut self, thread: usize, parent: Option<usize>) {
        if self.started_by.len() <= thread {
            self.started_by.resize(thread + 1, usize::MAX);
        }
        // The step under way (the parent's) is recorded when it ends, with the next index.
        self.started_by[thread] = if parent.is_some() { self.cursor } else { usize::MAX };
    }

    fn choose(&mut self, point: &Point<'_>) -> Option<usize> {
        let n = point.threads.len();
        if let Some((index, count)) = self.shard.filter(|_| self.mine.is_none() && self.position == SHARD_DEPTH) {
            // The execution enters a subtree of the split: this shard's, or cut short here.
            let mine = self.shard_of_path(count) == index;
            self.mine = Some(mine);
            if !mine {
                self.cut_short = true;
                return None;
            }
        }
        if !point.scheduling {
            // A data choice: every alternative.
            if n == 1 {
                return Some(0);
            }
            if self.position == self.stack.len() {
                let mut node = self.spare_nodes.pop().unwrap_or_else(Node::empty);
                node.backtrack.extend(0..n);
                self.push_node(node, point, false);
            }
            let node = &mut self.stack[self.position];
            if node.threads != point.threads || node.trail != point.trail {
                return self.diverge();
            }
            node.step = self.cursor;
            self.position += 1;
            return Some(node.chosen.min(n - 1));
        }
        if n == 1 {
            let thread = point.threads[0];
            if self.asleep(thread) {
                self.cut_short = true;
                return None;
            }
            self.pending = Some((thread, None));
            return Some(0);
        }
        if self.position == self.stack.len() {
            let bounded = point.current_runnable && self.bound.is_some_and(|b| self.preemptions >= b);
            let allowed = if bounded { 1 } else { n };
            let Some(first) = (0..allowed).find(|&i| !self.asleep(point.threads[i])) else {
                self.cut_short = true;
                return None;
            };
            // Without reduction every option is explored; with it, only those found racing. A
            // sharded search explores every option above its split (not asleep).
            let split = self.shard.is_some() && self.position < SHARD_DEPTH;
            let every_awake = split || (self.reduce && self.sleep_sets_only);
            let mut node = self.spare_nodes.pop().unwrap_or_else(Node::empty);
            if every_awake {
                node.backtrack.extend((first..allowed).filter(|&i| !self.asleep(point.threads[i])));
            } else if self.reduce {
                node.backtrack.push(first);
            } else {
                node.backtrack.extend(first..allowed);
            }
            node.sleep.extend_from_slice(&self.sleep);
            self.push_node(node, point, true);
            let node = self.stack.last_mut().expect("just pushed");
            (node.chosen, node.bounded) = (first, bounded);
        }
        let index = self.position;
        let node = &self.stack[index];
        if !node.scheduling || node.threads != point.threads || node.trail != point.trail {
            return self.diverge();
        }
        self.position += 1;
        let node = &mut self.stack[index];
        node.step = self.cursor;
        let chosen = node.chosen.min(n - 1);
        // Arriving here again, the sleep set is what it was, plus the siblings explored since.
        // Unless the replayed prefix numbered another count of objects: an address freed and
        // reused inside an execution (a model that drops an object and makes another) names two
        // objects with one number in one execution and two in another. The entries' numbers then
        // do not compare, and the search wakes every thread instead (more executions, never
        // fewer interleavings). Such a node is never trusted again: the footprints of the
        // execution that arrived differently become its done entries.
        node.trusted &= node.objects == point.objects;
        if self.reduce {
            self.sleep.clear();
            if node.trusted {
                self.sleep.extend(node.sleep.iter().chain(node.done.iter()).copied());
            }
        }
        if point.current_runnable && chosen != 0 {
            self.preemptions += 1;
        }
        self.pending = Some((point.threads[chosen], Some(index)));
        Some(chosen)
    }

    fn exhausted(&self) -> bool {
        self.done
    }

    /// One minus the chance that a uniform random descent of the tree as known now ends in a
    /// part not explored yet: each decision on the current path leaves its options not yet
    /// started unexplored, each weighing the decision's chance divided by its option count.
    /// Options found racing later (dynamic partial-order reduction adds them) make earlier
    /// estimates low; once the search is done the share is 1 and the estimate exact.
    fn explored_share(&self) -> Option<f64> {
        if self.done {
            return Some(1.0);
        }
        let mut unexplored = 0.0;
        let mut chance = 1.0;
        for node in &self.stack[..self.position.min(self.stack.len())] {
            let chosen = node.threads[node.chosen];
            let asleep = |t: usize| node.sleep.iter().any(|z| z.thread == t);
            let done = |t: usize| node.done.iter().any(|d| d.thread == t);
            // (`backtrack` holds no index twice.)
            let waiting = node
                .backtrack
                .iter()
                .filter(|&&i| {
                    let t = node.threads[i];
                    t != chosen && !done(t) && !asleep(t)
                })
                .count();
            let options = (node.done.len() + 1 + waiting) as f64;
            unexplored += chance * waiting as f64 / options;
            chance /= options;
        }
        Some((1.0 - unexplored).clamp(f64::MIN_POSITIVE, 1.0))
    }

    fn divergence(&self) -> Option<&str> {
        self.diverged.as_deref()
    }

    fn reduction(&mut self) -> Option<&mut dyn Reduction> {
        // Counting traces needs each step's footprint too.
        if self.reduce || self.traces.is_some() { Some(self) } else { None }
    }

    fn as_exhaustive(&mut self) -> Option<&mut Exhaustive> {
        Some(self)
    }

    fn not_mine(&self) -> bool {
        match (self.shard, self.mine) {
            (None, _) => false,
            (Some(_), Some(mine)) => !mine,
            // Ended above the split: its path so far decides.
            (Some((index, count)), None) => self.shard_of_path(count) != index,
        }
    }
}

impl Reduction for Exhaustive {
    fn step_footprint(&mut self, footprint: Footprint, info: StepInfo) {
        self.begun_reads |= info.begins_read.is_some();
        if let Some((thread, node)) = self.pending.take() {
            if let Some(node) = node {
                self.stack[node].footprint = footprint;
            }
            self.sleep.retain(|a| !a.woken_by(thread, footprint, info.moves_clock));
            if self.cursor < self.replay_end {
                let kept = &self.steps[self.cursor];
                if kept.is(thread, node, footprint, info) {
                    self.cursor += 1;
                    self.replayed_last = true;
                    return;
                }
                // Not the step the last execution took here (the model is not deterministic):
                // what follows is recorded afresh (the search reports the divergence if a
                // decision differs).
                self.truncate_steps(self.cursor);
                self.replay_end = self.cursor;
            }
            self.replayed_last = false;
            self.record_step(thread, node, footprint, info);
            self.cursor = self.steps.len();
        }
    }

    /// The waiting thread's acquire, never executed in this execution if nothing lets it go,
    /// races with the step that took the object (as it would once executed): without this, an
    /// execution cut short (all runnable threads asleep, or the waiter never let go before the
    /// end) would not reverse that race, and the order in which the waiter takes the object
    /// first could be lost.
    fn blocked(&mut self, thread: usize, object: u32) {
        // (A replayed step's waits were raced with the takers when it ran first.)
        if !self.reduce || self.replayed_last {
            return;
        }
        let Some(&(_, taker)) = self.last_acquire.iter().find(|&&(o, _)| o == object) else { return };
        let step = &self.steps[taker];
        let clock = self.thread_clocks.get(thread).map_or(&[][..], Vec::as_slice);
        if step.thread == thread || clock.get(step.thread).is_some_and(|&n| n >= step.local()) {
            return;
        }
        self.reverse_with_next_step(taker, thread);
    }

    /// The end of the execution depends on everything: each daemon thread that could still run
    /// must also be explored running before the step that ended the last non-daemon thread
    /// (its later steps then race as usual). Without this, a daemon's steps that the first
    /// executions never reach are never explored at all.
    fn ended_before(&mut self, runnable: &[usize]) {
        if !self.reduce {
            return;
        }
        let Some(last) = self.steps.len().checked_sub(1) else { return };
        for &thread in runnable {
            if self.steps[last].thread == thread {
                continue;
            }
            self.reverse_with_next_step(last, thread);
        }
    }
}

impl Exhaustive {
    /// The replayed prefix reached decision `self.position` with other options than when it was
    /// explored: the execution ends (pruned), and the search reports a nondeterministic model.
    #[cold]
    fn diverge(&mut self) -> Option<usize> {
        self.cut_short = true;
        let node = &self.stack[self.position];
        self.diverged = Some(format!(
            "the steps before decision {} (which had the options {:?}, threads) differ from an earlier \
             execution's with the same choices",
            self.position + 1,
            node.threads
        ));
        None
    }
}
