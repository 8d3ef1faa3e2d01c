//! What [`check`](super::check) says when a history is not linearizable.

use std::fmt;

use super::check::{Lanes, Phase, agrees, step};
use super::{Model, Operation};

/// A history with no linearization, as found by [`check`](super::check): the history, the
/// longest prefix of it that could be linearized, and why no operation could follow that prefix.
///
/// `Display` (and `Debug`, so that `unwrap` shows it) prints the history as a table, one column
/// per thread and one row per operation in call order, and the explanation:
///
/// ```text
/// not linearizable: 3 operations on 2 threads ([call, return] on one clock)
///    | thread 0                      | thread 1
/// #0 | [0, 1] Write(1) → None
/// #1 |                               | [2, 3] Read → Some(0)
/// #2 | [4, …] WaitFor(2) … (pending)
///
/// The longest prefix that can be linearized has 1 of 2 completed operations: #0.
/// No operation can follow it:
///   - #1 Read → Some(0) (thread 1): the model returns Some(1) here
/// ```
pub struct Violation<M: Model> {
    history: Box<[Operation<M>]>,
    threads: Box<[usize]>,
    total: usize,
    prefix: Vec<usize>,
    /// Whether the prefix takes every step a linearization must take (then only the pending
    /// operations are wrong).
    complete: bool,
    two_phase: bool,
    /// The quiescent points (the time of the first event after each).
    quiescent: Box<[u64]>,
    state: M,
    refusals: Box<[Refusal<M>]>,
    explored: usize,
}

/// Why an operation could not follow the longest linearizable prefix of a [`Violation`].
pub enum Refusal<M: Model> {
    /// `op` must come after `first`, which is not linearized yet and returned before `op` was
    /// called.
    Later {
        /// The refused operation (an index into the history).
        op: usize,
        /// The operation that must come first.
        first: usize,
    },
    /// The model blocks `op` (its arrival, if `arrival`) here, but it returned.
    Blocks {
        /// The refused operation.
        op: usize,
        /// Whether it is the arrival of a two-phase operation that the model blocks.
        arrival: bool,
    },
    /// The model returns `model` for `op` here, but `op` returned something else.
    Differs {
        /// The refused operation.
        op: usize,
        /// What the model returns.
        model: M::Ret,
    },
    /// The model agrees with `op` (its arrival, if `arrival`) here, but no linearization of the
    /// rest follows from there.
    DeadEnd {
        /// The refused operation.
        op: usize,
        /// Whether it is the arrival of a two-phase operation.
        arrival: bool,
    },
    /// `op` can only take effect after a quiescent point (every thread blocked, at time `at`),
    /// but there `waiting`, which was waiting then, would not block in the model: it would
    /// return `model` (`None`: arrive). The object kept a thread waiting when it could have gone
    /// on (woken, if at all, only later).
    Waited {
        /// The refused operation.
        op: usize,
        /// The operation the model does not block at the quiescent point.
        waiting: usize,
        /// The quiescent point (the time of the first event after it).
        at: u64,
        /// What the model returns for `waiting` there.
        model: Option<M::Ret>,
    },
    /// Every completed operation is linearized, but the model does not block the pending `op`:
    /// it would return `model` (`None`: it would arrive, if `arrival`). The object left a thread
    /// waiting when it could have gone on.
    NotBlocked {
        /// The pending operation.
        op: usize,
        /// What the model returns for it (`None` for an arrival).
        model: Option<M::Ret>,
        /// Whether it is the arrival of a pending two-phase operation that the model lets happen.
        arrival: bool,
    },
}

impl<M: Model> Refusal<M> {
    /// The refused operation, as an index into the history.
    pub fn op(&self) -> usize {
        match self {
            Refusal::Later { op, .. }
            | Refusal::Blocks { op, .. }
            | Refusal::Differs { op, .. }
            | Refusal::DeadEnd { op, .. }
            | Refusal::Waited { op, .. }
            | Refusal::NotBlocked { op, .. } => *op,
        }
    }
}

impl<M: Model> Violation<M> {
    /// Explains why the search found nothing longer than `prefix`.
    pub(super) fn new(
        initial: &M,
        history: &[Operation<M>],
        lanes: &Lanes,
        prefix: Vec<usize>,
        explored: usize,
    ) -> Self {
        let mut state = initial.clone();
        let mut frontier = vec![0; lanes.threads.len()];
        for &i in &prefix {
            let lane = lanes.lane(history[i].thread);
            state = step(&state, &history[i], lanes.steps[lane][frontier[lane]].1).0;
            frontier[lane] += 1;
        }
        let total = lanes.total();
        let mut refusals = Vec::new();
        let complete = lanes.done(&frontier);
        if complete {
            for &op in &lanes.pending {
                let phase = lanes.waiting_step(history, &frontier, op);
                if let Ok(model) = step(&state, &history[op], phase).1 {
                    refusals.push(Refusal::NotBlocked { op, model, arrival: phase == Phase::Arrival });
                }
            }
        } else {
            let earliest = lanes.earliest_return(history, &frontier);
            let crossed = lanes.crossed(&frontier);
            let mut heads: Vec<(u64, usize, Phase)> = (0..lanes.threads.len())
                .filter_map(|lane| {
                    lanes.head(&frontier, lane).map(|(i, p)| (lanes.earliest(lane, frontier[lane]), i, p))
                })
                .collect();
            heads.sort_by_key(|&(from, i, _)| (from, i));
            for (from, op, phase) in heads {
                let arrival = phase == Phase::Arrival;
                let result = step(&state, &history[op], phase).1;
                let waited = (from > crossed)
                    .then(|| lanes.unblocked_at_quiescence(history, &state, &frontier, crossed, from))
                    .flatten();
                let refusal = match (earliest, result) {
                    (Some((t, first)), _) if from > t => Refusal::Later { op, first },
                    (_, _) if waited.is_some() => {
                        let (waiting, at, model) = waited.unwrap_or_else(|| unreachable!());
                        Refusal::Waited { op, waiting, at, model }
                    }
                    (_, Err(_)) => Refusal::Blocks { op, arrival },
                    (_, Ok(Some(model))) if !agrees(&history[op], &Ok(Some(model.clone()))) => {
                        Refusal::Differs { op, model }
                    }
                    (_, Ok(_)) => Refusal::DeadEnd { op, arrival },
                };
                refusals.push(refusal);
            }
        }
        Violation {
            history: history.into(),
            threads: lanes.threads.as_slice().into(),
            total,
            prefix,
            complete,
            two_phase: lanes.two_phase,
            quiescent: lanes.quiescent.iter().map(|(t, _)| *t).collect(),
            state,
            refusals: refusals.into(),
            explored,
        }
    }

    /// The history that was checked.
    pub fn history(&self) -> &[Operation<M>] {
        &self.history
    }

    /// A longest prefix of completed operations that could be linearized (the first found), as
    /// indices into the history. If it holds every completed operation, the history failed
    /// because of a pending operation that would not block.
    pub fn prefix(&self) -> &[usize] {
        &self.prefix
    }

    /// The model's state after [`prefix`](Violation::prefix).
    pub fn state(&self) -> &M {
        &self.state
    }

    /// Why each operation that could have come next after the prefix did not.
    pub fn refusals(&self) -> &[Refusal<M>] {
        &self.refusals
    }

    /// How many search nodes the search visited before it gave up.
    pub fn explored(&self) -> usize {
        self.explored
    }

    /// `#i Op → ret (thread t)`, or `#i Op (pending, thread t)`.
    fn describe(&self, i: usize) -> String {
        let o = &self.history[i];
        match o.value() {
            Some(value) => format!("#{i} {:?} → {value:?} (thread {})", o.op, o.thread),
            None => format!("#{i} {:?} (pending, thread {})", o.op, o.thread),
        }
    }

    /// The steps of a prefix: `#i`, and `#i arrives` for the arrival of a two-phase operation
    /// (its first appearance).
    fn list(&self, steps: &[usize]) -> String {
        let mut arrived = std::collections::HashSet::new();
        let names: Vec<String> = steps
            .iter()
            .map(|&i| {
                if M::two_phase(&self.history[i].op) && arrived.insert(i) {
                    format!("#{i} arrives")
                } else {
                    format!("#{i}")
                }
            })
            .collect();
        names.join(", ")
    }

    /// What the report counts: operations, or steps when some operation is two-phase.
    fn unit(&self) -> &'static str {
        if self.two_phase { "steps of the completed operations" } else { "completed operations" }
    }

    /// The history as a table: a column per thread, a row per operation in call order.
    fn table(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rows: Vec<usize> = (0..self.history.len()).collect();
        rows.sort_by_key(|&i| (self.history[i].call, i));
        let cell = |o: &Operation<M>| match &o.ret {
            Some((ret, value)) => format!("[{}, {ret}] {:?} → {value:?}", o.call, o.op),
            None => format!("[{}, …] {:?} … (pending)", o.call, o.op),
        };
        let cells: Vec<String> = rows.iter().map(|&i| cell(&self.history[i])).collect();
        let labels: Vec<String> = rows.iter().map(|i| format!("#{i}")).collect();
        let label_width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let mut widths: Vec<usize> = self.threads.iter().map(|t| format!("thread {t}").chars().count()).collect();
        let column = |i: usize| self.threads.binary_search(&self.history[i].thread).unwrap_or_default();
        for (row, &i) in rows.iter().enumerate() {
            let c = column(i);
            widths[c] = widths[c].max(cells[row].chars().count());
        }
        let mut line = format!("{:label_width$}", "");
        for (c, t) in self.threads.iter().enumerate() {
            line.push_str(&format!(" | {:w$}", format!("thread {t}"), w = widths[c]));
        }
        writeln!(f, "{}", line.trim_end())?;
        // A quiescent point goes before the first operation called after it (the last ones,
        // after the table).
        let quiescent = |f: &mut fmt::Formatter<'_>, t: u64| {
            writeln!(f, "{:>label_width$} ~ before {t}: every thread blocked (virtual time passes)", "")
        };
        let mut points = self.quiescent.iter().copied().peekable();
        for (row, &i) in rows.iter().enumerate() {
            while let Some(t) = points.next_if(|&t| t <= self.history[i].call) {
                quiescent(f, t)?;
            }
            let mut line = format!("{:>label_width$}", labels[row]);
            for (c, width) in widths.iter().enumerate().take(column(i) + 1) {
                let text = if c == column(i) { cells[row].as_str() } else { "" };
                line.push_str(&format!(" | {text:width$}"));
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        for t in points {
            quiescent(f, t)?;
        }
        Ok(())
    }
}

impl<M: Model> fmt::Display for Violation<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "not linearizable: {} operations on {} threads ([call, return] on one clock)",
            self.history.len(),
            self.threads.len()
        )?;
        self.table(f)?;
        writeln!(f)?;
        if self.complete {
            if self.total == 0 && self.prefix.is_empty() {
                writeln!(f, "No operation completed, and in the initial state:")?;
            } else if self.total == 0 {
                writeln!(
                    f,
                    "No operation completed, and no order of the pending arrivals leaves every pending operation \
                     blocked.\nAfter {}, for example:",
                    self.list(&self.prefix)
                )?;
            } else {
                writeln!(
                    f,
                    "All {} {} can be linearized, but no order of them leaves every pending operation \
                     blocked.\nAfter {}, for example:",
                    self.total,
                    self.unit(),
                    self.list(&self.prefix)
                )?;
            }
        } else if self.prefix.is_empty() {
            writeln!(f, "No operation can be linearized first:")?;
        } else {
            writeln!(
                f,
                "The longest prefix that can be linearized has {} of {} {}: {}.\n\
                 No operation can follow it:",
                self.prefix.len(),
                self.total,
                self.unit(),
                self.list(&self.prefix)
            )?;
        }
        for refusal in &self.refusals {
            let why = match refusal {
                Refusal::Later { op, first } => format!(
                    "must follow #{first}, which returned at {}, before this was called at {}",
                    self.history[*first].ret_time().unwrap_or_default(),
                    self.history[*op].call
                ),
                Refusal::Blocks { arrival: false, .. } => "the model blocks it here, but it returned".to_owned(),
                Refusal::Blocks { arrival: true, .. } => {
                    "the model blocks its arrival here, but it returned".to_owned()
                }
                Refusal::Differs { model, .. } => format!("the model returns {model:?} here"),
                Refusal::DeadEnd { arrival, .. } => format!(
                    "the model agrees{}, but no linearization of the rest follows from there",
                    if *arrival { " to its arrival" } else { "" }
                ),
                Refusal::Waited { waiting, at, model, .. } => {
                    let would = match model {
                        Some(model) => format!("would return {model:?}"),
                        None => "would let it arrive".to_owned(),
                    };
                    let who = if waiting == &refusal.op() {
                        "it was waiting there".to_owned()
                    } else {
                        format!("{} was waiting there", self.describe(*waiting))
                    };
                    format!(
                        "every thread was blocked before {at} and {who}, but the model {would} for it there: it \
                         should not have been waiting (an operation that waits for its timeout is exempt: \
                         Model::timed)"
                    )
                }
                Refusal::NotBlocked { model: Some(model), .. } => {
                    format!("the model would return {model:?} here: it should not be waiting")
                }
                Refusal::NotBlocked { model: None, .. } => {
                    "the model would let it arrive here: it should not be waiting to".to_owned()
                }
            };
            writeln!(f, "  - {}: {why}", self.describe(refusal.op()))?;
        }
        Ok(())
    }
}

impl<M: Model> fmt::Debug for Violation<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<M: Model> Clone for Refusal<M> {
    fn clone(&self) -> Self {
        match self {
            Refusal::Later { op, first } => Refusal::Later { op: *op, first: *first },
            Refusal::Blocks { op, arrival } => Refusal::Blocks { op: *op, arrival: *arrival },
            Refusal::Differs { op, model } => Refusal::Differs { op: *op, model: model.clone() },
            Refusal::DeadEnd { op, arrival } => Refusal::DeadEnd { op: *op, arrival: *arrival },
            Refusal::NotBlocked { op, model, arrival } => {
                Refusal::NotBlocked { op: *op, model: model.clone(), arrival: *arrival }
            }
            Refusal::Waited { op, waiting, at, model } => {
                Refusal::Waited { op: *op, waiting: *waiting, at: *at, model: model.clone() }
            }
        }
    }
}

impl<M: Model> fmt::Debug for Refusal<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Later { op, first } => f.debug_struct("Later").field("op", op).field("first", first).finish(),
            Refusal::Blocks { op, arrival } => {
                f.debug_struct("Blocks").field("op", op).field("arrival", arrival).finish()
            }
            Refusal::Differs { op, model } => f.debug_struct("Differs").field("op", op).field("model", model).finish(),
            Refusal::DeadEnd { op, arrival } => {
                f.debug_struct("DeadEnd").field("op", op).field("arrival", arrival).finish()
            }
            Refusal::NotBlocked { op, model, arrival } => {
                f.debug_struct("NotBlocked").field("op", op).field("model", model).field("arrival", arrival).finish()
            }
            Refusal::Waited { op, waiting, at, model } => f
                .debug_struct("Waited")
                .field("op", op)
                .field("waiting", waiting)
                .field("at", at)
                .field("model", model)
                .finish(),
        }
    }
}
