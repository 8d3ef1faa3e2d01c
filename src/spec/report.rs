//! What [`check`](super::check) says when a history is not linearizable.

use std::fmt;

use super::check::{Lanes, step};
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
    history: Vec<Operation<M>>,
    threads: Vec<usize>,
    total: usize,
    prefix: Vec<usize>,
    state: M,
    refusals: Vec<Refusal<M>>,
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
    /// The model blocks `op` here, but it returned.
    Blocks {
        /// The refused operation.
        op: usize,
    },
    /// The model returns `model` for `op` here, but `op` returned something else.
    Differs {
        /// The refused operation.
        op: usize,
        /// What the model returns.
        model: M::Ret,
    },
    /// The model agrees with `op` here, but no linearization of the rest follows from there.
    DeadEnd {
        /// The refused operation.
        op: usize,
    },
    /// Every completed operation is linearized, but the model does not block the pending `op`:
    /// it would return `model`. The object left a thread waiting when it could have gone on.
    NotBlocked {
        /// The pending operation.
        op: usize,
        /// What the model returns for it.
        model: M::Ret,
    },
}

impl<M: Model> Refusal<M> {
    /// The refused operation, as an index into the history.
    pub fn op(&self) -> usize {
        match self {
            Refusal::Later { op, .. }
            | Refusal::Blocks { op }
            | Refusal::Differs { op, .. }
            | Refusal::DeadEnd { op }
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
            state = step(&state, &history[i]).0;
            frontier[lanes.lane(history[i].thread)] += 1;
        }
        let total = lanes.total();
        let mut refusals = Vec::new();
        if prefix.len() == total {
            for &op in &lanes.pending {
                if let Ok(model) = step(&state, &history[op]).1 {
                    refusals.push(Refusal::NotBlocked { op, model });
                }
            }
        } else {
            let earliest = lanes.earliest_return(history, &frontier);
            let mut heads: Vec<usize> =
                (0..lanes.threads.len()).filter_map(|lane| lanes.head(&frontier, lane)).collect();
            heads.sort_by_key(|&i| (history[i].call, i));
            for op in heads {
                let refusal = match earliest {
                    Some((t, first)) if history[op].call > t => Refusal::Later { op, first },
                    _ => match step(&state, &history[op]).1 {
                        Err(_) => Refusal::Blocks { op },
                        Ok(model) if Some(&model) != history[op].value() => Refusal::Differs { op, model },
                        Ok(_) => Refusal::DeadEnd { op },
                    },
                };
                refusals.push(refusal);
            }
        }
        Violation {
            history: history.to_vec(),
            threads: lanes.threads.clone(),
            total,
            prefix,
            state,
            refusals,
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

    fn list(ops: &[usize]) -> String {
        ops.iter().map(|i| format!("#{i}")).collect::<Vec<_>>().join(", ")
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
        for (row, &i) in rows.iter().enumerate() {
            let mut line = format!("{:>label_width$}", labels[row]);
            for (c, width) in widths.iter().enumerate().take(column(i) + 1) {
                let text = if c == column(i) { cells[row].as_str() } else { "" };
                line.push_str(&format!(" | {text:width$}"));
            }
            writeln!(f, "{}", line.trim_end())?;
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
        if self.prefix.len() == self.total {
            if self.total == 0 {
                writeln!(f, "No operation completed, and in the initial state:")?;
            } else {
                writeln!(
                    f,
                    "All {} completed operations can be linearized, but no order of them leaves every pending \
                     operation blocked.\nAfter {}, for example:",
                    self.total,
                    Self::list(&self.prefix)
                )?;
            }
        } else if self.prefix.is_empty() {
            writeln!(f, "No operation can be linearized first:")?;
        } else {
            writeln!(
                f,
                "The longest prefix that can be linearized has {} of {} completed operations: {}.\n\
                 No operation can follow it:",
                self.prefix.len(),
                self.total,
                Self::list(&self.prefix)
            )?;
        }
        for refusal in &self.refusals {
            let why = match refusal {
                Refusal::Later { op, first } => format!(
                    "must follow #{first}, which returned at {}, before this was called at {}",
                    self.history[*first].ret_time().unwrap_or_default(),
                    self.history[*op].call
                ),
                Refusal::Blocks { .. } => "the model blocks it here, but it returned".to_owned(),
                Refusal::Differs { model, .. } => format!("the model returns {model:?} here"),
                Refusal::DeadEnd { .. } => {
                    "the model agrees, but no linearization of the rest follows from there".to_owned()
                }
                Refusal::NotBlocked { model, .. } => {
                    format!("the model would return {model:?} here: it should not be waiting")
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
            Refusal::Blocks { op } => Refusal::Blocks { op: *op },
            Refusal::Differs { op, model } => Refusal::Differs { op: *op, model: model.clone() },
            Refusal::DeadEnd { op } => Refusal::DeadEnd { op: *op },
            Refusal::NotBlocked { op, model } => Refusal::NotBlocked { op: *op, model: model.clone() },
        }
    }
}

impl<M: Model> fmt::Debug for Refusal<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Later { op, first } => f.debug_struct("Later").field("op", op).field("first", first).finish(),
            Refusal::Blocks { op } => f.debug_struct("Blocks").field("op", op).finish(),
            Refusal::Differs { op, model } => f.debug_struct("Differs").field("op", op).field("model", model).finish(),
            Refusal::DeadEnd { op } => f.debug_struct("DeadEnd").field("op", op).finish(),
            Refusal::NotBlocked { op, model } => {
                f.debug_struct("NotBlocked").field("op", op).field("model", model).finish()
            }
        }
    }
}
