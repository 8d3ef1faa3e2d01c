//! POS, partial-order sampling (Yuan, Yang and Gu, "Partial Order Aware Concurrency Sampling",
//! CAV 2018).

use super::*;

/// Partial-order sampling: every thread's next operation has a random priority, and the enabled
/// operation with the highest priority runs. Once an operation ran, its thread's next one gets a
/// fresh priority, and so does every other thread's pending operation on the same object (the
/// operations that race with the one that ran). A plain random walk samples the orders of
/// independent operations too, and so favours some partial orders many times over; POS samples
/// the partial orders more evenly, because only racing operations are reordered.
///
/// Operations are told apart by the object they announce (`Point::pending`): two operations on
/// one object race, whatever they do to it. A thread that yields (spins) gets the lowest
/// priority, or it would spin for ever.
#[derive(Clone)]
pub(crate) struct Pos {
    seed: u64,
    execution: u64,
    rng: Rng,
    /// Per thread (by creation order in the execution): its pending operation's priority, drawn
    /// when first needed (0: not drawn yet).
    priorities: Vec<u64>,
}

impl Pos {
    pub(crate) fn new(seed: u64) -> Self {
        Pos { seed, execution: 0, rng: Rng::new(seed), priorities: Vec::new() }
    }

    /// A fresh priority: never 0 (which means "not drawn").
    fn draw(&mut self) -> u64 {
        self.rng.next_u64() | 1
    }

    fn priority(&mut self, thread: usize) -> u64 {
        if self.priorities.len() <= thread {
            self.priorities.resize(thread + 1, 0);
        }
        if self.priorities[thread] == 0 {
            self.priorities[thread] = self.draw();
        }
        self.priorities[thread]
    }
}

impl Strategy for Pos {
    fn fork(&self) -> Option<Box<dyn Strategy + Send>> {
        Some(Box::new(self.clone()))
    }

    fn skip_to(&mut self, index: u64) {
        self.execution = index;
    }

    fn next_execution(&mut self) -> bool {
        self.rng = Rng::new(execution_seed(self.seed ^ 0x504f_5300, self.execution));
        self.execution += 1;
        self.priorities.clear();
        true
    }

    fn wants_pending(&self) -> bool {
        true
    }

    fn choose(&mut self, point: &Point<'_>) -> Option<usize> {
        let n = point.threads.len();
        if n == 1 {
            return Some(0);
        }
        if !point.scheduling {
            return Some(self.rng.below(n as u64) as usize);
        }
        let mut best = 0;
        let mut best_priority = 0;
        for (index, &thread) in point.threads.iter().enumerate() {
            // A yielding thread runs only if nothing else can (its priority is below all).
            let priority = if point.yielding == Some(thread) { 0 } else { self.priority(thread) };
            if index == 0 || priority > best_priority {
                best = index;
                best_priority = priority;
            }
        }
        let chosen = point.threads[best];
        // The operations that race with the one about to run (on the same object) are sampled
        // again, and so is the chosen thread's next one.
        let object = point.pending.get(best).copied().unwrap_or(0);
        if object != 0 {
            for (index, &thread) in point.threads.iter().enumerate() {
                if index != best && point.pending.get(index) == Some(&object) && thread < self.priorities.len() {
                    self.priorities[thread] = 0;
                }
            }
        }
        if chosen < self.priorities.len() {
            self.priorities[chosen] = 0;
        }
        Some(best)
    }
}
