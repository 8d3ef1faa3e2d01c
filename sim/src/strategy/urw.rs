//! URW, the uniform random walk (Zhao et al., "Selectively Uniform Concurrency Testing",
//! ASPLOS 2025): each runnable thread is picked with probability proportional to the events it
//! has left, so that every interleaving is about equally likely.

use super::*;

/// The events each thread has left in the current execution, as estimated from earlier ones (a
/// random strategy learns from the exploration's first 64, see `explorer/learning.rs`): the
/// most scheduling points the thread passed in one, plus, as in the URW paper, the events of the
/// threads it has yet to spawn (and theirs, recursively): a thread that will start three more has
/// that much more left, so the threads it starts early do not run ahead while it is still
/// starting the others. Each spawn moves the child's share from its parent to the child; each
/// step takes one event (a thread keeps at least 1).
///
/// URW picks threads in proportion to these counts; weighted POS ([`super::Pos::weighted`])
/// draws its priorities with them.
#[derive(Clone, Default)]
pub(crate) struct EventsLeft {
    /// Per thread (by creation order in the execution): the most events it had in one execution.
    estimate: Vec<usize>,
    /// Per thread: the thread that created it, as first seen.
    parent: Vec<Option<usize>>,
    /// Per thread: its estimate plus its descendants' (computed before each execution).
    subsumed: Vec<usize>,
    /// Per thread: the events it has had in this execution.
    taken: Vec<usize>,
    /// Per thread: the events it has left in this execution (by the estimates).
    left: Vec<usize>,
}

impl EventsLeft {
    /// Starts an execution: every thread's share is computed again from the estimates.
    pub(crate) fn next_execution(&mut self) {
        self.taken.clear();
        self.left.clear();
        // Children are created after their parents: a reverse pass adds each thread's total to
        // its parent's.
        self.subsumed.clear();
        self.subsumed.extend_from_slice(&self.estimate);
        for thread in (0..self.subsumed.len()).rev() {
            if let Some(parent) = self.parent.get(thread).copied().flatten().filter(|&p| p < thread) {
                self.subsumed[parent] += self.subsumed[thread];
            }
        }
    }

    /// `parent` created `thread`: the child's share moves from the parent to it.
    pub(crate) fn thread_created(&mut self, thread: usize, parent: Option<usize>) {
        if self.parent.len() <= thread {
            self.parent.resize(thread + 1, None);
            self.parent[thread] = parent;
        }
        if self.left.len() <= thread {
            self.left.resize(thread + 1, 1);
        }
        // Unknown (a thread no earlier execution had): one event.
        let share = self.subsumed.get(thread).copied().unwrap_or(1).max(1);
        self.left[thread] = share;
        if let Some(parent) = parent.filter(|&p| p < self.left.len()) {
            self.left[parent] = self.left[parent].saturating_sub(share).max(1);
        }
    }

    /// `thread` took a step (`usize::MAX`, no thread: nothing).
    pub(crate) fn ran(&mut self, thread: usize) {
        if thread == usize::MAX {
            return;
        }
        if self.taken.len() <= thread {
            self.taken.resize(thread + 1, 0);
        }
        self.taken[thread] += 1;
        if let Some(left) = self.left.get_mut(thread) {
            *left = left.saturating_sub(1).max(1);
        }
    }

    /// The events `thread` has left: at least 1.
    pub(crate) fn left(&self, thread: usize) -> u64 {
        self.left.get(thread).copied().unwrap_or(1).max(1) as u64
    }

    /// The execution ended: the estimates learn from it.
    pub(crate) fn execution_done(&mut self) {
        if self.estimate.len() < self.taken.len() {
            self.estimate.resize(self.taken.len(), 0);
        }
        for (estimate, &taken) in self.estimate.iter_mut().zip(&self.taken) {
            *estimate = (*estimate).max(taken);
        }
    }

    /// A hash of what was learnt from earlier executions (see [`Strategy::learned`]).
    pub(crate) fn learned(&self) -> u64 {
        let words = self.estimate.iter().map(|&e| e as u64).chain([u64::MAX]);
        // (The parents of threads with no estimate are not used.)
        let parents = &self.parent[..self.parent.len().min(self.estimate.len())];
        let words = words.chain(parents.iter().map(|&p| p.map_or(u64::MAX - 1, |p| p as u64)));
        words.fold(0, |hash, word| mix(hash ^ word))
    }
}

/// The uniform random walk: each runnable thread is picked in proportion to the events it has
/// left ([`EventsLeft`]). With exact counts, such a walk samples the interleavings uniformly; a
/// plain random walk favours those where long threads run late.
#[derive(Clone)]
pub(crate) struct Urw {
    seed: u64,
    execution: u64,
    rng: Rng,
    events: EventsLeft,
    /// The weight of each option at this point (kept to allocate once).
    weights: Vec<u64>,
}

impl Urw {
    pub(crate) fn new(seed: u64) -> Self {
        Urw { seed, execution: 0, rng: Rng::new(seed), events: EventsLeft::default(), weights: Vec::new() }
    }
}

impl Strategy for Urw {
    fn fork(&self) -> Option<Box<dyn Strategy + Send>> {
        Some(Box::new(self.clone()))
    }

    fn learns(&self) -> bool {
        true
    }

    fn learned(&self) -> u64 {
        self.events.learned()
    }

    fn skip_to(&mut self, index: u64) {
        self.execution = index;
    }

    fn next_execution(&mut self) -> bool {
        self.rng = Rng::new(execution_seed(self.seed ^ 0x5552_5700, self.execution));
        self.execution += 1;
        self.events.next_execution();
        true
    }

    fn thread_created(&mut self, thread: usize, parent: Option<usize>) {
        self.events.thread_created(thread, parent);
    }

    fn choose(&mut self, point: &Point<'_>) -> Option<usize> {
        if !point.scheduling {
            let n = point.threads.len() as u64;
            return Some(if n == 1 { 0 } else { self.rng.below(n) as usize });
        }
        if point.threads.len() == 1 {
            self.events.ran(point.threads[0]);
            return Some(0);
        }
        self.weights.clear();
        self.weights.extend(point.threads.iter().map(|&thread| self.events.left(thread)));
        let total: u64 = self.weights.iter().sum();
        let mut ticket = self.rng.below(total);
        let pick = self
            .weights
            .iter()
            .position(|&weight| {
                if ticket < weight {
                    true
                } else {
                    ticket -= weight;
                    false
                }
            })
            .unwrap_or(0);
        self.events.ran(point.threads[pick]);
        Some(pick)
    }

    fn execution_done(&mut self, _steps: usize) {
        self.events.execution_done();
    }
}
