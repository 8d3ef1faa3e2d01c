//! PCT, probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).

use super::*;

const INITIAL_PRIORITY: u64 = 1 << 48;
const CHANGE_PRIORITY: u64 = 1 << 40;
const YIELD_PRIORITY: u64 = 1 << 32;

/// Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): random thread priorities,
/// the highest-priority runnable thread runs, and at `depth - 1` random steps the running
/// thread's priority drops below all others. Finds any bug of depth `d` with probability at least
/// `1 / (n · k^(d-1))` per execution.
pub(crate) struct Pct {
    seed: u64,
    depth: usize,
    execution: u64,
    rng: Rng,
    priorities: Vec<u64>,
    change_points: Vec<usize>,
    /// The next priority given to a thread that yields: below every other.
    yield_priority: u64,
    step: usize,
    max_steps_seen: usize,
}

impl Pct {
    pub(crate) fn new(seed: u64, depth: usize) -> Self {
        Pct {
            seed,
            depth: depth.max(1),
            execution: 0,
            rng: Rng::new(seed),
            priorities: Vec::new(),
            change_points: Vec::new(),
            yield_priority: YIELD_PRIORITY,
            step: 0,
            max_steps_seen: 64,
        }
    }
}

impl Strategy for Pct {
    fn next_execution(&mut self) -> bool {
        self.rng = Rng::new(execution_seed(self.seed ^ 0x5043_5400, self.execution));
        self.execution += 1;
        self.priorities.clear();
        self.yield_priority = YIELD_PRIORITY;
        self.step = 0;
        let k = self.max_steps_seen.max(1) as u64;
        self.change_points = (1..self.depth).map(|_| 1 + self.rng.below(k) as usize).collect();
        true
    }

    fn thread_created(&mut self, thread: usize) {
        if self.priorities.len() <= thread {
            self.priorities.resize(thread + 1, 0);
        }
        // Distinct high priorities, above the change-point and yield priorities.
        self.priorities[thread] = INITIAL_PRIORITY + (self.rng.next_u64() >> 24);
    }

    fn choose(&mut self, point: &Point<'_>) -> Option<usize> {
        if point.threads.len() == 1 {
            return Some(0);
        }
        if !point.scheduling {
            return Some(self.rng.below(point.threads.len() as u64) as usize);
        }
        self.step += 1;
        if let Some(yielder) = point.yielding {
            // A yielding (spinning) thread goes below everyone, or it would spin forever.
            if yielder < self.priorities.len() {
                self.yield_priority -= 1;
                self.priorities[yielder] = self.yield_priority;
            }
        }
        if let Some(index) = self.change_points.iter().position(|&c| c == self.step) {
            if point.current_runnable {
                let current = point.threads[0];
                if current < self.priorities.len() {
                    self.priorities[current] = CHANGE_PRIORITY + index as u64;
                }
            }
        }
        let priority = |t: usize| self.priorities.get(t).copied().unwrap_or(0);
        (0..point.threads.len()).max_by_key(|&i| (priority(point.threads[i]), std::cmp::Reverse(i)))
    }

    fn execution_done(&mut self, steps: usize) {
        self.max_steps_seen = self.max_steps_seen.max(steps);
    }
}
