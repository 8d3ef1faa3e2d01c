//! Strategies: how the simulator picks among the options at each scheduling point.

use crate::schedule::Rng;

/// What the strategy is told at a scheduling point.
pub(crate) struct Point<'a> {
    /// For each option, the simulated thread it would run (or wake).
    pub threads: &'a [usize],
    /// Whether option 0 is "the running thread goes on" (so any other choice is a preemption).
    pub current_runnable: bool,
    /// Whether this is a scheduling decision (true) or a data choice, such as which waiter a
    /// release wakes (false).
    pub scheduling: bool,
}

/// Picks options. One strategy object lives across all executions of an exploration.
pub(crate) trait Strategy {
    /// Prepares the next execution; false once there is nothing left to explore.
    fn next_execution(&mut self) -> bool;
    /// Picks one of `point.threads.len()` (≥ 1) options.
    fn choose(&mut self, point: &Point<'_>) -> usize;
    /// Called when a thread is created (for priority-based strategies).
    fn thread_created(&mut self, _thread: usize) {}
    /// The execution ended after `steps` scheduling points.
    fn execution_done(&mut self, _steps: usize) {}
    /// Whether the exploration is complete (exhaustive search finished).
    fn exhausted(&self) -> bool {
        false
    }
    /// Why a replay could not follow its schedule, if it could not.
    fn divergence(&self) -> Option<&str> {
        None
    }
}

/// Uniformly random choices, a fresh seed per execution derived from one seed.
pub(crate) struct RandomWalk {
    seed: u64,
    execution: u64,
    rng: Rng,
}

impl RandomWalk {
    pub(crate) fn new(seed: u64) -> Self {
        RandomWalk { seed, execution: 0, rng: Rng::new(seed) }
    }
}

pub(crate) fn execution_seed(seed: u64, execution: u64) -> u64 {
    Rng::new(seed ^ execution.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

impl Strategy for RandomWalk {
    fn next_execution(&mut self) -> bool {
        self.rng = Rng::new(execution_seed(self.seed, self.execution));
        self.execution += 1;
        true
    }

    fn choose(&mut self, point: &Point<'_>) -> usize {
        self.rng.below(point.threads.len() as u64) as usize
    }
}

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
        self.step = 0;
        let k = self.max_steps_seen.max(1) as u64;
        self.change_points = (1..self.depth).map(|_| 1 + self.rng.below(k) as usize).collect();
        true
    }

    fn thread_created(&mut self, thread: usize) {
        if self.priorities.len() <= thread {
            self.priorities.resize(thread + 1, 0);
        }
        // Distinct high priorities, above the change-point priorities 0..depth.
        self.priorities[thread] = self.depth as u64 + 1 + (self.rng.next_u64() >> 8);
    }

    fn choose(&mut self, point: &Point<'_>) -> usize {
        if !point.scheduling {
            return self.rng.below(point.threads.len() as u64) as usize;
        }
        self.step += 1;
        if let Some(index) = self.change_points.iter().position(|&c| c == self.step) {
            if point.current_runnable {
                let current = point.threads[0];
                if current < self.priorities.len() {
                    self.priorities[current] = index as u64;
                }
            }
        }
        let priority = |t: usize| self.priorities.get(t).copied().unwrap_or(0);
        (0..point.threads.len()).max_by_key(|&i| (priority(point.threads[i]), std::cmp::Reverse(i))).unwrap_or(0)
    }

    fn execution_done(&mut self, steps: usize) {
        self.max_steps_seen = self.max_steps_seen.max(steps);
    }
}

/// Depth-first search of every schedule, with an optional bound on preemptions (switches away
/// from a thread that could have gone on). Option 0 is explored first, so the first execution
/// is the one without preemptions.
pub(crate) struct Exhaustive {
    bound: Option<usize>,
    /// For each decision of the current execution: (chosen, number of options allowed).
    stack: Vec<(u32, u32)>,
    position: usize,
    preemptions: usize,
    started: bool,
    done: bool,
}

impl Exhaustive {
    pub(crate) fn new(bound: Option<usize>) -> Self {
        Exhaustive { bound, stack: Vec::new(), position: 0, preemptions: 0, started: false, done: false }
    }
}

impl Strategy for Exhaustive {
    fn next_execution(&mut self) -> bool {
        if self.started {
            // Truncate to what this execution actually decided, then backtrack.
            self.stack.truncate(self.position);
            loop {
                match self.stack.last_mut() {
                    None => {
                        self.done = true;
                        return false;
                    }
                    Some((chosen, allowed)) if *chosen + 1 < *allowed => {
                        *chosen += 1;
                        break;
                    }
                    Some(_) => {
                        self.stack.pop();
                    }
                }
            }
        }
        self.started = true;
        self.position = 0;
        self.preemptions = 0;
        true
    }

    fn choose(&mut self, point: &Point<'_>) -> usize {
        let n = point.threads.len() as u32;
        let bounded = point.scheduling && point.current_runnable && self.bound.is_some_and(|b| self.preemptions >= b);
        let allowed = if bounded { 1 } else { n };
        let chosen = if self.position < self.stack.len() {
            self.stack[self.position].0.min(n - 1)
        } else {
            self.stack.push((0, allowed));
            0
        };
        self.position += 1;
        if point.scheduling && point.current_runnable && chosen != 0 {
            self.preemptions += 1;
        }
        chosen as usize
    }

    fn exhausted(&self) -> bool {
        self.done
    }
}

/// Replays recorded choices; past their end it lets the running thread go on.
pub(crate) struct Replay {
    choices: Vec<u32>,
    position: usize,
    used: bool,
    /// Set when a recorded choice is out of range: the model did something else this time.
    pub(crate) diverged: Option<String>,
}

impl Replay {
    pub(crate) fn new(choices: Vec<u32>) -> Self {
        Replay { choices, position: 0, used: false, diverged: None }
    }
}

impl Strategy for Replay {
    fn next_execution(&mut self) -> bool {
        if self.used {
            return false;
        }
        self.used = true;
        self.position = 0;
        true
    }

    fn choose(&mut self, point: &Point<'_>) -> usize {
        let n = point.threads.len();
        let chosen = self.choices.get(self.position).copied().unwrap_or(0) as usize;
        if chosen >= n && self.diverged.is_none() {
            self.diverged =
                Some(format!("decision {} of the replay chose option {chosen} but only {n} exist", self.position + 1));
        }
        self.position += 1;
        chosen.min(n - 1)
    }

    fn divergence(&self) -> Option<&str> {
        self.diverged.as_deref()
    }
}
