//! Scenarios in Lincheck's shape — an initial part, a parallel part, a final part — and the
//! proptest [`Strategy`] that generates them.

use std::fmt::{self, Debug};
use std::ops::RangeInclusive;

use proptest::collection::vec;
use proptest::strategy::Strategy;

/// What a test runs against a concurrent object: the `init` operations one after another on
/// a thread, then each list of `parallel` on a thread of its own, all at once, then (once
/// every parallel operation has returned) the `post` operations on the first thread again.
///
/// Its `Debug` form (which proptest prints for a failing case) is a table with one column per
/// thread.
///
/// ```
/// use weft::spec::Scenario;
///
/// let scenario = Scenario { init: vec!["put 1"], parallel: vec![vec!["get"], vec!["put 2", "get"]], post: vec![] };
/// assert_eq!(scenario.len(), 4);
/// println!("{scenario:?}");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Scenario<Op> {
    /// Run first, in order, by one thread.
    pub init: Vec<Op>,
    /// One list per thread, the threads running at the same time.
    pub parallel: Vec<Vec<Op>>,
    /// Run last, in order, by one thread, after every parallel operation returned.
    pub post: Vec<Op>,
}

impl<Op> Scenario<Op> {
    /// How many operations it has in all.
    pub fn len(&self) -> usize {
        self.init.len() + self.parallel.iter().map(Vec::len).sum::<usize>() + self.post.len()
    }

    /// Whether it has no operation.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every operation with the thread that runs it, as histories number them: the initial
    /// and the final part are thread 0's, parallel thread `i`'s list is thread `i + 1`'s.
    pub fn operations(&self) -> impl Iterator<Item = (usize, &Op)> {
        let init = self.init.iter().map(|op| (0, op));
        let parallel = self.parallel.iter().enumerate().flat_map(|(i, ops)| ops.iter().map(move |op| (i + 1, op)));
        init.chain(parallel).chain(self.post.iter().map(|op| (0, op)))
    }

    /// The scenarios one step smaller, for shrinking: one operation fewer (or one empty
    /// parallel thread fewer); then one parallel operation fewer, moved to the end of the
    /// initial part (a thread's first) or the start of the final part (its last). A scenario
    /// that still fails did not need the operation, or not in parallel. Each candidate has fewer
    /// operations, or as many with fewer in parallel, so shrinking ends.
    pub(crate) fn smaller(&self) -> Vec<Scenario<Op>>
    where
        Op: Clone,
    {
        let mut smaller = Vec::new();
        for i in 0..self.post.len() {
            let mut s = self.clone();
            s.post.remove(i);
            smaller.push(s);
        }
        for i in 0..self.init.len() {
            let mut s = self.clone();
            s.init.remove(i);
            smaller.push(s);
        }
        for t in 0..self.parallel.len() {
            if self.parallel[t].len() <= 1 && self.parallel.len() > 1 {
                let mut s = self.clone();
                s.parallel.remove(t);
                smaller.push(s);
                continue;
            }
            for i in 0..self.parallel[t].len() {
                let mut s = self.clone();
                s.parallel[t].remove(i);
                smaller.push(s);
            }
        }
        for t in 0..self.parallel.len() {
            let Some(first) = self.parallel[t].first() else { continue };
            let mut s = self.clone();
            s.init.push(first.clone());
            s.parallel[t].remove(0);
            smaller.push(s.without_empty_thread(t));
            let last = self.parallel[t].len() - 1;
            let mut s = self.clone();
            s.post.insert(0, self.parallel[t][last].clone());
            s.parallel[t].remove(last);
            smaller.push(s.without_empty_thread(t));
        }
        smaller
    }

    /// This scenario without parallel thread `t` if it has no operation left (and is not the
    /// only one).
    fn without_empty_thread(mut self, t: usize) -> Self {
        if self.parallel[t].is_empty() && self.parallel.len() > 1 {
            self.parallel.remove(t);
        }
        self
    }
}

impl<Op: Debug> Debug for Scenario<Op> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cell = |op: &Op| format!("{op:?}");
        if !self.init.is_empty() {
            writeln!(f, "init:     {}", self.init.iter().map(cell).collect::<Vec<_>>().join(", "))?;
        }
        let columns: Vec<Vec<String>> = self.parallel.iter().map(|ops| ops.iter().map(cell).collect()).collect();
        let widths: Vec<usize> = columns
            .iter()
            .enumerate()
            .map(|(t, c)| c.iter().map(String::len).chain([format!("thread {}", t + 1).len()]).max().unwrap_or(0))
            .collect();
        let row = |f: &mut fmt::Formatter<'_>, cells: Vec<&str>| {
            let line: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
            writeln!(f, "          | {} |", line.join(" | "))
        };
        let headers: Vec<String> = (1..=columns.len()).map(|t| format!("thread {t}")).collect();
        writeln!(f, "parallel:")?;
        row(f, headers.iter().map(String::as_str).collect())?;
        for i in 0..columns.iter().map(Vec::len).max().unwrap_or(0) {
            row(f, columns.iter().map(|c| c.get(i).map_or("", String::as_str)).collect())?;
        }
        if !self.post.is_empty() {
            writeln!(f, "post:     {}", self.post.iter().map(cell).collect::<Vec<_>>().join(", "))?;
        }
        Ok(())
    }
}

/// The sizes of generated scenarios (Lincheck's defaults: 2–3 threads of 3–5 operations, and
/// a short initial and final part).
///
/// ```
/// use weft::spec::Shape;
///
/// let shape = Shape { threads: 2..=2, operations: 1..=3, ..Shape::default() };
/// assert_eq!(shape.init, 0..=2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Threads of the parallel part.
    pub threads: RangeInclusive<usize>,
    /// Operations of each parallel thread.
    pub operations: RangeInclusive<usize>,
    /// Operations of the initial part.
    pub init: RangeInclusive<usize>,
    /// Operations of the final part.
    pub post: RangeInclusive<usize>,
}

impl Default for Shape {
    fn default() -> Self {
        Shape { threads: 2..=3, operations: 3..=5, init: 0..=2, post: 0..=2 }
    }
}

/// Scenarios of `shape` whose operations `operation` generates. proptest shrinks them within
/// the shape's ranges; [`Linearizability::check`](crate::spec::Linearizability::check) then
/// removes operations one at a time while the scenario still fails.
///
/// ```
/// use proptest::prelude::*;
/// use proptest::strategy::ValueTree;
/// use proptest::test_runner::TestRunner;
/// use weft::spec::{scenarios, Shape};
///
/// let strategy = scenarios(prop_oneof![Just("get"), Just("put")], &Shape::default());
/// let mut runner = TestRunner::deterministic();
/// let scenario = strategy.new_tree(&mut runner).unwrap().current();
/// assert!((2..=3).contains(&scenario.parallel.len()));
/// ```
pub fn scenarios<S>(operation: S, shape: &Shape) -> impl Strategy<Value = Scenario<S::Value>> + Clone + use<S>
where
    S: Strategy + Clone,
    S::Value: Clone + Debug,
{
    (
        vec(operation.clone(), shape.init.clone()),
        vec(vec(operation.clone(), shape.operations.clone()), shape.threads.clone()),
        vec(operation, shape.post.clone()),
    )
        .prop_map(|(init, parallel, post)| Scenario { init, parallel, post })
}
