//! PCT, probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010).

use super::*;

const INITIAL_PRIORITY: u64 = 1 << 48;
const CHANGE_PRIORITY: u64 = 1 << 40;
const YIELD_PRIORITY: u64 = 1 << 32;

/// Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): random thread priorities,
/// the highest-priority runnable thread runs, and at `depth - 1` random steps the thread about to
/// run drops below all others. Finds any bug of depth `d` with probability at least
/// `1 / (n · k^(d-1))` per execution, `k` the number of steps.
///
/// As in the paper, only steps with a choice count (a step where one thread alone can run
/// changes nothing), and the `d - 1` change points are distinct steps drawn over `k`, the most
/// such steps an earlier execution took (of the exploration's first 64, which a random strategy
/// learns from: see `explorer/learning.rs`): on a short model they fall where they matter. The
/// first execution, with no estimate yet, draws them over its own first steps.
#[derive(Clone)]
pub(crate) struct Pct {
    seed: u64,
    depth: usize,
    execution: u64,
    rng: Rng,
    priorities: Vec<u64>,
    change_points: Vec<usize>,
    /// The next priority given to a thread that yields: below every other.
    yield_priority: u64,
    /// Steps with a choice so far in this execution.
    step: usize,
    /// The most steps with a choice an execution learnt from has taken (0 before the first
    /// ends).
    max_choice_steps: usize,
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
            max_choice_steps: 0,
        }
    }

    fn priority(&self, thread: usize) -> u64 {
        self.priorities.get(thread).copied().unwrap_or(0)
    }

    /// The index, in `threads`, of the runnable thread with the highest priority (the first of
    /// equals).
    fn highest(&self, threads: &[usize]) -> usize {
        (0..threads.len()).max_by_key(|&i| (self.priority(threads[i]), std::cmp::Reverse(i))).unwrap_or(0)
    }
}

impl Strategy for Pct {
    fn fork(&self) -> Option<Box<dyn Strategy + Send>> {
        Some(Box::new(self.clone()))
    }

    fn learns(&self) -> bool {
        true
    }

    fn learned(&self) -> u64 {
        self.max_choice_steps as u64
    }

    fn skip_to(&mut self, index: u64) {
        self.execution = index;
    }

    fn next_execution(&mut self) -> bool {
        self.rng = Rng::new(execution_seed(self.seed ^ 0x5043_5400, self.execution));
        self.execution += 1;
        self.priorities.clear();
        self.yield_priority = YIELD_PRIORITY;
        self.step = 0;
        // Over 1..=k, k the estimate; the first execution guesses a few steps.
        let k = if self.max_choice_steps == 0 { 8 } else { self.max_choice_steps } as u64;
        // Distinct points, as many as fit (the paper's d - 1 steps, sampled without replacement).
        self.change_points.clear();
        while self.change_points.len() < (self.depth - 1).min(k as usize) {
            let point = 1 + self.rng.below(k) as usize;
            if !self.change_points.contains(&point) {
                self.change_points.push(point);
            }
        }
        true
    }

    fn thread_created(&mut self, thread: usize, _parent: Option<usize>) {
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
        let mut pick = self.highest(point.threads);
        // At the i-th change point (from 0), the thread about to run drops below every initial
        // priority, to the paper's d - i: a later change point puts its thread lower still.
        for (index, _) in self.change_points.iter().enumerate().filter(|&(_, &c)| c == self.step) {
            let thread = point.threads[pick];
            if thread < self.priorities.len() {
                self.priorities[thread] = CHANGE_PRIORITY + (self.depth - index) as u64;
            }
            pick = self.highest(point.threads);
        }
        Some(pick)
    }

    fn execution_done(&mut self, _steps: usize) {
        self.max_choice_steps = self.max_choice_steps.max(self.step);
    }
}
