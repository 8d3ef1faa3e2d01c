//! URW, the uniform random walk (Zhao et al., "Selectively Uniform Concurrency Testing",
//! ASPLOS 2025): each runnable thread is picked with probability proportional to the events it
//! has left, so that every interleaving is about equally likely.

use super::*;

/// The uniform random walk. A thread's events left are estimated from earlier executions: the
/// most scheduling points it passed in one, less those it has passed in this one (at least 1).
/// With exact counts, a walk that picks threads in proportion to what they have left samples the
/// interleavings uniformly; a plain random walk favours those where long threads run late.
pub(crate) struct Urw {
    seed: u64,
    execution: u64,
    rng: Rng,
    /// Per thread (by creation order in the execution): the most events seen in one execution.
    estimate: Vec<usize>,
    /// Per thread: the events it has had in this execution.
    taken: Vec<usize>,
    /// The weight of each option at this point (kept to allocate once).
    weights: Vec<u64>,
}

impl Urw {
    pub(crate) fn new(seed: u64) -> Self {
        Urw { seed, execution: 0, rng: Rng::new(seed), estimate: Vec::new(), taken: Vec::new(), weights: Vec::new() }
    }

    fn ran(&mut self, thread: usize) {
        if thread != usize::MAX {
            if self.taken.len() <= thread {
                self.taken.resize(thread + 1, 0);
            }
            self.taken[thread] += 1;
        }
    }
}

impl Strategy for Urw {
    fn next_execution(&mut self) -> bool {
        self.rng = Rng::new(execution_seed(self.seed ^ 0x5552_5700, self.execution));
        self.execution += 1;
        self.taken.clear();
        true
    }

    fn choose(&mut self, point: &Point<'_>) -> Option<usize> {
        if !point.scheduling {
            let n = point.threads.len() as u64;
            return Some(if n == 1 { 0 } else { self.rng.below(n) as usize });
        }
        if point.threads.len() == 1 {
            self.ran(point.threads[0]);
            return Some(0);
        }
        self.weights.clear();
        for &thread in point.threads {
            let estimate = self.estimate.get(thread).copied().unwrap_or(0);
            let taken = self.taken.get(thread).copied().unwrap_or(0);
            self.weights.push(estimate.saturating_sub(taken).max(1) as u64);
        }
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
        self.ran(point.threads[pick]);
        Some(pick)
    }

    fn execution_done(&mut self, _steps: usize) {
        if self.estimate.len() < self.taken.len() {
            self.estimate.resize(self.taken.len(), 0);
        }
        for (estimate, &taken) in self.estimate.iter_mut().zip(&self.taken) {
            *estimate = (*estimate).max(taken);
        }
    }
}
