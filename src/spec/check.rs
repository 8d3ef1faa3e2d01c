//! The search for a linearization: Wing & Gong's backtracking, with Lowe's just-in-time
//! linearization and memoization of (linearized operations, model state).
//!
//! A search node is a set of linearized operations and the model state after them. Since one
//! thread's operations take effect in program order, the set is always a prefix of each thread's
//! operations: a *frontier*, one count per thread, stands for it (as a bitset would, in less room
//! and with the program order built in). An operation may be linearized next if it is the first
//! unlinearized operation of its thread and no unlinearized operation returned before it was
//! called (Lowe's rule: linearize an operation only when it must be considered, never later than
//! the first pending return). Each (frontier, state) node is expanded at most once: the future of
//! the search depends on nothing else, so a node seen before has already failed.
//!
//! With `T` threads of at most `n` completed operations each and `S` model states, there are at
//! most `(n + 1)^T · S` nodes, each expanded with at most `T` applications of the model: the
//! search is polynomial for a fixed number of threads, linear for a sequential history, and
//! `O(N · 2^w)` for `N` operations of which at most `w` are ever concurrent. Only histories with
//! many threads *and* many mutually concurrent operations can be expensive, as they must be:
//! linearizability is NP-complete in general.

use std::collections::HashSet;

use super::report::Violation;
use super::{Blocked, Model, Operation};

/// A linearization found by [`check`]: an order of the completed operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Linearization {
    order: Vec<usize>,
    explored: usize,
}

impl Linearization {
    /// The completed operations, as indices into the history, in the order they took effect.
    /// Pending operations are not in it: they took no effect. A two-phase operation
    /// ([`Model::two_phase`]) appears twice, where it arrived and where it completed; a pending
    /// one may appear once, where it arrived.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// How many search nodes (sets of linearized operations with a model state) the search
    /// visited: a measure of its cost, the history's length for an easy history.
    pub fn explored(&self) -> usize {
        self.explored
    }
}

/// Checks that `history` is linearizable with respect to the model whose initial state is
/// `initial`: that the completed operations have an order which respects real time and in which
/// the model returns what each operation returned, and after which every pending operation
/// blocks in the model. See [the module documentation](super) for the definitions.
///
/// The history's operations may be in any order; the linearization and the violation refer to
/// them by their index in `history`.
///
/// # Errors
///
/// A [`Violation`] if there is no such order. It holds the history and the longest prefix that
/// could be linearized; its `Display` shows the history as a table, one column per thread, and
/// why no operation could follow that prefix.
///
/// # Panics
///
/// If the history is malformed: an operation returns before it is called, two operations of one
/// thread overlap, or a thread calls an operation after one that is pending. And if
/// [`Model::apply`] returns `Err(Blocked)` but changes the state.
pub fn check<M: Model>(initial: &M, history: &[Operation<M>]) -> Result<Linearization, Violation<M>> {
    check_quiescent(initial, history, &[])
}

/// [`check`], with the history's quiescent points: moments when every thread was blocked (under
/// the simulator, virtual time passed), each given as the time of the first event after it
/// ([`Recorder::quiescent_points`](super::Recorder::quiescent_points)). An operation in progress
/// at one (called before it, returned after it or never) was waiting then: it takes effect after
/// it, and unless it is [timed](Model::timed), the model must block it (its arrival, or its
/// completion once arrived, for a two-phase one) in the state after the operations that
/// returned before it.
///
/// # Errors
///
/// As [`check`]; the violation shows the quiescent points in its table.
///
/// # Panics
///
/// As [`check`].
pub fn check_quiescent<M: Model>(
    initial: &M,
    history: &[Operation<M>],
    quiescent: &[u64],
) -> Result<Linearization, Violation<M>> {
    let lanes = Lanes::new(history, quiescent);
    let (found, explored) = search(initial, history, &lanes);
    match found {
        Ok(order) => Ok(Linearization { order, explored }),
        Err(deepest) => Err(Violation::new(initial, history, &lanes, deepest, explored)),
    }
}

/// Where a step of an operation stands in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// The whole of a one-step operation.
    Whole,
    /// The arrival of a two-phase operation ([`Model::two_phase`]).
    Arrival,
    /// The completion of a two-phase operation.
    Completion,
}

/// The history by thread: each thread's steps in program order, and the pending operations.
pub(super) struct Lanes {
    /// The thread of each lane, in increasing order.
    pub(super) threads: Vec<usize>,
    /// Each lane's steps (indices into the history, with their phase), in program order: one per
    /// completed operation, two (arrival, completion) per completed two-phase operation, and
    /// last, the arrival of a pending two-phase operation, which a linearization may or may not
    /// take.
    pub(super) steps: Vec<Vec<(usize, Phase)>>,
    /// How many of each lane's steps every linearization takes: all but a pending arrival.
    mandatory: Vec<usize>,
    /// The pending operations (indices into the history), at most one per lane, in call order.
    pub(super) pending: Vec<usize>,
    /// Whether some operation is two-phase (the report then counts steps, not operations).
    pub(super) two_phase: bool,
    /// Each step's earliest time: its operation's call, or for a step that cannot have happened
    /// before a quiescent point its operation was waiting at (a one-step operation, or a
    /// completion), the last such point.
    earliest: Vec<Vec<u64>>,
    /// The quiescent points, in increasing order, and for each the operations waiting there
    /// that the model must block (the untimed ones in progress).
    pub(super) quiescent: Vec<(u64, Vec<usize>)>,
}

impl Lanes {
    /// Sorts the history into lanes, and checks that it is well formed.
    fn new<M: Model>(history: &[Operation<M>], quiescent: &[u64]) -> Self {
        let mut quiescent: Vec<u64> = quiescent.to_vec();
        quiescent.sort_unstable();
        quiescent.dedup();
        let waiting_at = |o: &Operation<M>, t: u64| o.call < t && o.ret_time().is_none_or(|r| r >= t);
        let mut threads: Vec<usize> = history.iter().map(|o| o.thread).collect();
        threads.sort_unstable();
        threads.dedup();
        let mut by_lane: Vec<Vec<usize>> = vec![Vec::new(); threads.len()];
        for (i, operation) in history.iter().enumerate() {
            if let Some(ret) = operation.ret_time() {
                assert!(
                    operation.call <= ret,
                    "malformed history: operation #{i} ({:?}) returns at {ret}, before its call at {}",
                    operation.op,
                    operation.call
                );
            }
            by_lane[threads.binary_search(&operation.thread).unwrap_or_else(|_| unreachable!())].push(i);
        }
        let mut steps = Vec::with_capacity(threads.len());
        let mut mandatory = Vec::with_capacity(threads.len());
        let mut pending = Vec::new();
        let mut two_phase = false;
        let mut earliest = Vec::with_capacity(threads.len());
        for (lane, mut ops) in by_lane.into_iter().enumerate() {
            ops.sort_by_key(|&i| (history[i].call, i));
            for pair in ops.windows(2) {
                let (a, b) = (&history[pair[0]], &history[pair[1]]);
                match a.ret_time() {
                    None => panic!(
                        "malformed history: thread {} calls #{} ({:?}) after #{} ({:?}), which is pending",
                        threads[lane], pair[1], b.op, pair[0], a.op
                    ),
                    Some(ret) => assert!(
                        ret <= b.call,
                        "malformed history: operations #{} ({:?}, [{}, {ret}]) and #{} ({:?}, called at {}) of \
                         thread {} overlap",
                        pair[0],
                        a.op,
                        a.call,
                        pair[1],
                        b.op,
                        b.call,
                        threads[lane]
                    ),
                }
            }
            let last_pending = ops.last().copied().filter(|&i| history[i].is_pending());
            if let Some(last) = last_pending {
                ops.pop();
                pending.push(last);
            }
            let mut lane_steps = Vec::with_capacity(ops.len() + 1);
            for i in ops {
                if M::two_phase(&history[i].op) {
                    two_phase = true;
                    lane_steps.extend([(i, Phase::Arrival), (i, Phase::Completion)]);
                } else {
                    lane_steps.push((i, Phase::Whole));
                }
            }
            mandatory.push(lane_steps.len());
            if let Some(last) = last_pending.filter(|&i| M::two_phase(&history[i].op)) {
                two_phase = true;
                lane_steps.push((last, Phase::Arrival));
            }
            let lane_earliest = lane_steps
                .iter()
                .map(|&(i, phase)| {
                    let o = &history[i];
                    let after = quiescent.iter().copied().filter(|&t| waiting_at(o, t)).max();
                    match (phase, after) {
                        (Phase::Whole | Phase::Completion, Some(t)) => t,
                        _ => o.call,
                    }
                })
                .collect();
            earliest.push(lane_earliest);
            steps.push(lane_steps);
        }
        pending.sort_by_key(|&i| (history[i].call, i));
        let quiescent = quiescent
            .iter()
            .map(|&t| {
                let waiting =
                    (0..history.len()).filter(|&i| waiting_at(&history[i], t) && !M::timed(&history[i].op)).collect();
                (t, waiting)
            })
            .collect();
        Lanes { threads, steps, mandatory, pending, two_phase, earliest, quiescent }
    }

    /// The earliest time of the step `position` of `lane` (see [`Lanes::earliest`]).
    pub(super) fn earliest(&self, lane: usize, position: usize) -> u64 {
        self.earliest[lane][position]
    }

    /// The latest earliest time of the steps taken at `frontier`: the quiescent points up to it
    /// are behind the linearization.
    pub(super) fn crossed(&self, frontier: &[usize]) -> u64 {
        (0..self.threads.len())
            .flat_map(|lane| self.earliest[lane][..frontier[lane]].iter().copied())
            .max()
            .unwrap_or(0)
    }

    /// The first waiting operation that the model does not block at the quiescent points in
    /// `(crossed, until]`, in `state` reached at `frontier`, with the point and what the model
    /// would do: `None` if the linearization may go past them from here.
    pub(super) fn unblocked_at_quiescence<M: Model>(
        &self,
        history: &[Operation<M>],
        state: &M,
        frontier: &[usize],
        crossed: u64,
        until: u64,
    ) -> Option<(usize, u64, Option<M::Ret>)> {
        self.quiescent.iter().filter(|(t, _)| crossed < *t && *t <= until).find_map(|(t, waiting)| {
            waiting.iter().find_map(|&i| {
                let phase = self.waiting_step(history, frontier, i);
                step(state, &history[i], phase).1.ok().map(|model| (i, *t, model))
            })
        })
    }

    /// The step the operation `i` waits at when `frontier` is taken (a pending one at the end, or
    /// one in progress at a quiescent point): its completion if it arrived, else its arrival (or
    /// the whole of a one-step operation); the model must block it there.
    pub(super) fn waiting_step<M: Model>(&self, history: &[Operation<M>], frontier: &[usize], i: usize) -> Phase {
        if !M::two_phase(&history[i].op) {
            return Phase::Whole;
        }
        let lane = self.lane(history[i].thread);
        let arrived = self.steps[lane][..frontier[lane]].contains(&(i, Phase::Arrival));
        if arrived { Phase::Completion } else { Phase::Arrival }
    }

    /// The lane of `thread`.
    pub(super) fn lane(&self, thread: usize) -> usize {
        self.threads.binary_search(&thread).unwrap_or_else(|_| unreachable!("a thread of the history"))
    }

    /// How many steps every linearization takes.
    pub(super) fn total(&self) -> usize {
        self.mandatory.iter().sum()
    }

    /// Whether `frontier` has taken every step a linearization must take.
    pub(super) fn done(&self, frontier: &[usize]) -> bool {
        frontier.iter().zip(&self.mandatory).all(|(taken, needed)| taken >= needed)
    }

    /// The first step of `lane` not taken at `frontier`, if the lane has one left.
    pub(super) fn head(&self, frontier: &[usize], lane: usize) -> Option<(usize, Phase)> {
        self.steps[lane].get(frontier[lane]).copied()
    }

    /// The unlinearized operation that returned first at `frontier`, with its return time: no
    /// operation called after that time may be linearized yet.
    pub(super) fn earliest_return<M: Model>(
        &self,
        history: &[Operation<M>],
        frontier: &[usize],
    ) -> Option<(u64, usize)> {
        (0..self.threads.len())
            .filter_map(|lane| self.head(frontier, lane))
            .filter_map(|(i, _)| history[i].ret_time().map(|t| (t, i)))
            .min()
    }
}

/// The step `phase` of `operation` applied (by its thread) to a copy of `state`: the new state
/// and the model's result (`None` for an arrival, which returns nothing).
///
/// # Panics
///
/// If the model blocks the step but changes the state.
pub(super) fn step<M: Model>(
    state: &M,
    operation: &Operation<M>,
    phase: Phase,
) -> (M, Result<Option<M::Ret>, Blocked>) {
    let op = &operation.op;
    let mut next = state.clone();
    let result = match phase {
        Phase::Arrival => next.arrive_by(operation.thread, op).map(|()| None),
        Phase::Whole | Phase::Completion => next.apply_by(operation.thread, op).map(Some),
    };
    assert!(
        result.is_ok() || next == *state,
        "Model::{} blocked {op:?} but changed the state: a blocked operation must leave it unchanged",
        if phase == Phase::Arrival { "arrive_by" } else { "apply" }
    );
    (next, result)
}

/// Whether the model's result for a step matches the history: an arrival only has to happen,
/// a completion must return what the operation returned.
pub(super) fn agrees<M: Model>(operation: &Operation<M>, result: &Result<Option<M::Ret>, Blocked>) -> bool {
    match result {
        Err(Blocked) => false,
        Ok(None) => true,
        Ok(Some(value)) => Some(value) == operation.value(),
    }
}

/// Whether every pending operation blocks in `state`, reached at `frontier`.
fn pending_block<M: Model>(state: &M, history: &[Operation<M>], lanes: &Lanes, frontier: &[usize]) -> bool {
    lanes.pending.iter().all(|&i| step(state, &history[i], lanes.waiting_step(history, frontier, i)).1.is_err())
}

/// A node on the search's path: the state after the linearized prefix, and the lanes whose head
/// may be tried next (in call order; `None` until the node is first expanded).
struct Frame<M> {
    state: M,
    candidates: Option<Vec<usize>>,
    tried: usize,
}

/// The depth-first search. Returns a linearization or, if there is none, the longest prefix
/// found (the first one of that length); and the number of nodes visited.
fn search<M: Model>(initial: &M, history: &[Operation<M>], lanes: &Lanes) -> (Result<Vec<usize>, Vec<usize>>, usize) {
    let total = lanes.total();
    let mut frontier = vec![0; lanes.threads.len()];
    let mut seen: HashSet<(Box<[usize]>, M)> = HashSet::new();
    seen.insert((frontier.clone().into_boxed_slice(), initial.clone()));
    let mut stack = vec![Frame { state: initial.clone(), candidates: None, tried: 0 }];
    // The linearized prefix: operations, and the lane each came from.
    let mut prefix: Vec<usize> = Vec::with_capacity(total);
    let mut prefix_lanes: Vec<usize> = Vec::with_capacity(total);
    let mut deepest = Vec::new();
    let mut explored = 1;
    while let Some(frame) = stack.last_mut() {
        if lanes.done(&frontier) && pending_block(&frame.state, history, lanes, &frontier) {
            return (Ok(prefix), explored);
        }
        let candidates = frame.candidates.get_or_insert_with(|| {
            let limit = lanes.earliest_return(history, &frontier).map_or(u64::MAX, |(t, _)| t);
            let mut heads: Vec<usize> = (0..lanes.threads.len())
                .filter(|&lane| frontier[lane] < lanes.steps[lane].len())
                .filter(|&lane| lanes.earliest(lane, frontier[lane]) <= limit)
                .collect();
            heads.sort_by_key(|&lane| lanes.earliest(lane, frontier[lane]));
            heads
        });
        let mut child = None;
        while let Some(&lane) = candidates.get(frame.tried) {
            frame.tried += 1;
            let (i, phase) = lanes.steps[lane][frontier[lane]];
            // Going past a quiescent point: what waited there must be blocked here.
            let crossed = lanes.crossed(&frontier);
            let earliest = lanes.earliest(lane, frontier[lane]);
            if earliest > crossed
                && lanes.unblocked_at_quiescence(history, &frame.state, &frontier, crossed, earliest).is_some()
            {
                continue;
            }
            let (state, result) = step(&frame.state, &history[i], phase);
            if !agrees(&history[i], &result) {
                continue;
            }
            frontier[lane] += 1;
            if seen.insert((frontier.clone().into_boxed_slice(), state.clone())) {
                child = Some((lane, i, state));
                break;
            }
            frontier[lane] -= 1;
        }
        match child {
            Some((lane, i, state)) => {
                prefix.push(i);
                prefix_lanes.push(lane);
                if prefix.len() > deepest.len() {
                    deepest.clone_from(&prefix);
                }
                stack.push(Frame { state, candidates: None, tried: 0 });
                explored += 1;
            }
            None => {
                stack.pop();
                if let Some(lane) = prefix_lanes.pop() {
                    frontier[lane] -= 1;
                    prefix.pop();
                }
            }
        }
    }
    (Err(deepest), explored)
}
