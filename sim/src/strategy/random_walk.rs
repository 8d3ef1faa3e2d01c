//! The random walk: uniformly random choices; threads started early begin late.

use super::*;

/// Uniformly random choices, a fresh seed per execution derived from one seed.
///
/// One rule bends the uniform choice, at scheduling points only: **a thread started early
/// begins late.** A thread that its parent starts before `r` more threads (as many as the parent
/// started in one earlier execution; a random strategy learns from the exploration's first 64,
/// see `explorer/learning.rs`) has `r` picks to spend: while it has not run, a pick that
/// lands on it while its parent is among the options is spent on its start and drawn again
/// among the same options, until its `r` picks are spent. Without the rule, the threads a parent
/// starts first run ahead while it is still starting the others, and the interleavings in which
/// the last-started threads meet the first ones half-way are rare. Measured (the median
/// executions to the bug over seeds 1–1,000, `bug_finding --seeds 1000 --no-write`), without the
/// rule, with it, and shuttle's random walk: SCTBench's `reorder_5` (four setters, then a
/// checker) 101, 9 and 54; `account` 6, 3 and 5; dining philosophers (4) 10, 5 and 14. Two
/// models cost more, still no more than shuttle's: Cargill's buffer (k = 1) 3, 4 and 4;
/// `twostage` (1,1) 17, 19 and 21. A thread started last, or whose parent cannot run (it
/// joins), begins at once, so a thread that must run before its parent goes on is found as
/// often as before. Every interleaving stays possible: a spent pick runs nothing, and a
/// thread's start is spent at most `r` times.
///
/// A second rule: **before a mover, the running thread goes on** (`Point::mover`: a lock's
/// release, or the operation after an acquire), save one time in [`MOVER_CHOICE_ODDS`], when the
/// pick is uniform as elsewhere. A pick there reaches nothing that a pick at the thread's next
/// scheduling point would not reach, up to the order of steps that commute, except where
/// another thread only looks at the lock (a failed try, `locked()`); so a critical section
/// costs the walk one pick rather than one per operation in it, and an interleaving that needs
/// a thread to run several critical sections while another waits is as likely as one that
/// needs a single switch.
#[derive(Clone)]
pub(crate) struct RandomWalk {
    seed: u64,
    execution: u64,
    rng: Rng,
    /// Per thread (by creation order in the execution): its parent in this execution.
    parent: Vec<Option<usize>>,
    /// Per thread: the picks left to spend on its start (0 once it has run).
    late: Vec<usize>,
    /// The threads of this execution with picks left to spend (0: every pick is uniform).
    late_threads: usize,
    /// Per thread: the threads it has started in this execution.
    children_now: Vec<usize>,
    /// Per thread: the most threads it started in one earlier execution (of those learnt from).
    children_most: Vec<usize>,
}

impl RandomWalk {
    pub(crate) fn new(seed: u64) -> Self {
        RandomWalk {
            seed,
            execution: 0,
            rng: Rng::new(seed),
            parent: Vec::new(),
            late: Vec::new(),
            late_threads: 0,
            children_now: Vec::new(),
            children_most: Vec::new(),
        }
    }

    /// Whether a pick landing on `thread` now is spent on its start (see [`RandomWalk`]);
    /// otherwise the thread runs, and has no picks left to spend.
    fn spent_on_start(&mut self, thread: usize, options: &[usize]) -> bool {
        let Some(late) = self.late.get_mut(thread).filter(|late| **late > 0) else { return false };
        let spent = self.parent[thread].is_some_and(|parent| options.contains(&parent));
        *late = if spent { *late - 1 } else { 0 };
        self.late_threads -= usize::from(*late == 0);
        spent
    }
}

impl RandomWalk {
    /// [`Strategy::choose`] at a scheduling point while some thread has picks to spend on its
    /// start.
    #[inline(never)]
    fn choose_with_late_starts(&mut self, options: &[usize]) -> usize {
        if let [only] = options {
            // It runs: its start is spent no more.
            if let Some(late) = self.late.get_mut(*only).filter(|late| **late > 0) {
                *late = 0;
                self.late_threads -= 1;
            }
            return 0;
        }
        loop {
            let pick = self.rng.below(options.len() as u64) as usize;
            if !self.spent_on_start(options[pick], options) {
                return pick;
            }
        }
    }
}

/// Before a mover, one pick in this many is uniform; the others let the running thread go on
/// (see [`RandomWalk`]): the interleavings in which another thread looks at a held lock
/// between its holder's operations stay possible.
const MOVER_CHOICE_ODDS: u64 = 8;

pub(crate) fn execution_seed(seed: u64, execution: u64) -> u64 {
    Rng::new(seed ^ execution.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

impl Strategy for RandomWalk {
    fn fork(&self) -> Option<Box<dyn Strategy + Send>> {
        Some(Box::new(self.clone()))
    }

    fn learns(&self) -> bool {
        true
    }

    fn learned(&self) -> u64 {
        // (Threads seen after the learning ended add zeros, which change nothing.)
        let learnt = self.children_most.iter().rposition(|&most| most > 0).map_or(0, |last| last + 1);
        self.children_most[..learnt].iter().fold(0, |hash, &most| mix(hash ^ most as u64))
    }

    fn skip_to(&mut self, index: u64) {
        self.execution = index;
    }

    fn next_execution(&mut self) -> bool {
        self.rng = Rng::new(execution_seed(self.seed, self.execution));
        self.execution += 1;
        self.children_now.iter_mut().for_each(|n| *n = 0);
        self.late_threads = 0;
        true
    }

    fn thread_created(&mut self, thread: usize, parent: Option<usize>) {
        if self.parent.len() <= thread {
            self.parent.resize(thread + 1, None);
            self.late.resize(thread + 1, 0);
        }
        self.parent[thread] = parent;
        self.late[thread] = 0;
        if let Some(parent) = parent {
            if self.children_now.len() <= parent {
                self.children_now.resize(parent + 1, 0);
                self.children_most.resize(parent + 1, 0);
            }
            self.children_now[parent] += 1;
            // The threads the parent starts after this one, as it did in an earlier execution.
            self.late[thread] = self.children_most[parent].saturating_sub(self.children_now[parent]);
            self.late_threads += usize::from(self.late[thread] > 0);
        }
    }

    fn execution_done(&mut self, _steps: usize) {
        for (most, &now) in self.children_most.iter_mut().zip(&self.children_now) {
            *most = (*most).max(now);
        }
    }

    fn choose(&mut self, point: &Point<'_>) -> Option<usize> {
        let n = point.threads.len() as u64;
        if point.mover && n > 1 && self.rng.below(MOVER_CHOICE_ODDS) != 0 {
            // Before a mover, the running thread goes on (see [`RandomWalk`]).
            return Some(0);
        }
        if self.late_threads > 0 && point.scheduling {
            return Some(self.choose_with_late_starts(point.threads));
        }
        Some(if n == 1 { 0 } else { self.rng.below(n) as usize })
    }
}
