//! Subtrees explored ahead of an exhaustive search on other OS threads ([`Explorer::threads`]).
//!
//! The search stays one sequence: the exploring thread takes every execution in the order a
//! search on one thread would, and decides alone what comes next. Helper threads explore
//! subtrees the search is sure to come to (see [`Exhaustive::ahead`]), each with a copy of the
//! prefix it starts from, and hand back their executions and what the search would have learnt
//! from them. The search takes them over when it gets there, instead of running them itself; a
//! subtree still being explored then is handed over as far as it got, and the search goes on
//! from there. So the executions, their order, the first failure and the statistics are those of
//! a search on one thread, whatever the number of helpers: helpers only change how soon the
//! search gets there.
//!
//! [`Explorer::threads`]: crate::Explorer::threads
//! [`Exhaustive::ahead`]: crate::strategy::Exhaustive::ahead

use std::collections::{HashMap, HashSet};

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::delegate::{OUTSIDE_IDENT, QUIET};
use crate::execution::{self, Buffers, Config, Outcome, run_execution};
use crate::strategy::{Ahead, AheadKey, Strategy};
use crate::watchdog;

/// A subtree to explore ahead: the search's copy, how to run executions, whether they track
/// races from their start at this point of the exploration, and the most executions the search
/// could take.
struct Job {
    ahead: Ahead,
    config: Config,
    cells_seen: bool,
    limit: usize,
}

/// A subtree explored ahead, in full or as far as it got, and how the race detector's
/// exploration-wide state changed in it.
pub(super) struct Done {
    pub ahead: Ahead,
    /// Its executions, in order. The last may be a failure: nothing after it was explored.
    pub outcomes: Vec<Outcome>,
    /// The tracking state it ran with, and the state after it (see `execution::cells_state`).
    pub cells_seen: bool,
    pub cells_after: (bool, bool),
}

#[derive(Default)]
struct State {
    /// Jobs not begun, with the depth of the decision each leaves the path at: helpers take the
    /// shallowest first, which the search comes to last (it goes deepest first).
    queue: Vec<(AheadKey, usize, Job)>,
    /// Running jobs, each with its flag the search raises when it comes to it: its helper then
    /// stops after the execution under way.
    running: HashMap<AheadKey, Arc<AtomicBool>>,
    /// `None`: the helper could not run it (the simulator panicked): the search runs it.
    done: HashMap<AheadKey, Option<Done>>,
    /// Helpers waiting for a job.
    idle: usize,
    stop: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Jobs queued, not begun (read without the lock, to post only when helpers run short).
    queued: AtomicUsize,
    /// Helpers wait here for jobs; the search waits here for a job under way.
    changed: Condvar,
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The helpers of one exploration. Dropping it stops them and waits for them.
pub(super) struct Helpers {
    shared: Arc<Shared>,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// The jobs posted and not taken back (the search's own account: no lock to ask).
    posted: HashSet<AheadKey>,
    /// The most jobs posted and not yet taken.
    capacity: usize,
}

impl Helpers {
    /// Starts `count` helper threads running `model`, each watched (see `crate::watchdog`) with
    /// the exploration's stall bound and what is left of its time limit if `watched`.
    pub(super) fn start(
        count: usize,
        model: &Arc<dyn Fn() + Send + Sync>,
        watched: bool,
        stall: Option<Duration>,
        time_limit: Option<Duration>,
    ) -> Helpers {
        let shared = Arc::new(Shared::default());
        let began = Instant::now();
        let threads = (0..count)
            .filter_map(|index| {
                let (shared, model) = (shared.clone(), model.clone());
                std::thread::Builder::new()
                    .name(format!("weft-helper-{index}"))
                    .stack_size(super::EXPLORER_STACK)
                    .spawn(move || {
                        let left = time_limit.map(|limit| limit.saturating_sub(began.elapsed()));
                        let watch = watched.then(|| watchdog::Watch::new(stall, left));
                        help(&shared, &model, watch);
                    })
                    .ok()
            })
            .collect();
        Helpers { shared, threads, posted: HashSet::new(), capacity: CAPACITY_PER_HELPER * count }
    }

    /// How many more jobs are wanted now: enough to keep every helper busy, within capacity.
    pub(super) fn room(&self) -> usize {
        let queued = self.shared.queued.load(Relaxed);
        let short = self.threads.len().saturating_sub(queued);
        short.min(self.capacity.saturating_sub(self.posted.len()))
    }

    /// Whether the job `key` was posted and not taken back.
    pub(super) fn knows(&self, key: AheadKey) -> bool {
        self.posted.contains(&key)
    }

    /// Posts subtrees to explore ahead, each up to `limit` executions.
    pub(super) fn post(&mut self, aheads: Vec<Ahead>, config: &Config, cells_seen: bool, limit: usize) {
        if aheads.is_empty() {
            return;
        }
        let mut state = lock(&self.shared);
        for ahead in aheads {
            let key = ahead.key();
            self.posted.insert(key);
            let depth = ahead.depth();
            state.queue.push((key, depth, Job { config: config.clone(), cells_seen, ahead, limit }));
        }
        self.shared.queued.store(state.queue.len(), Relaxed);
        let idle = state.idle > 0;
        drop(state);
        if idle {
            self.shared.changed.notify_all();
        }
    }

    /// The subtree `key` explored ahead, if a helper explored it, in full or as far as it got
    /// (a helper exploring it stops after the execution under way); `None` if none did (a job
    /// not begun is taken back: the search explores the subtree itself).
    pub(super) fn take(&mut self, key: AheadKey) -> Option<Done> {
        if !self.posted.remove(&key) {
            return None;
        }
        let mut state = lock(&self.shared);
        loop {
            if let Some(done) = state.done.remove(&key) {
                return done;
            }
            let Some(wanted) = state.running.get(&key) else {
                state.queue.retain(|(k, _, _)| *k != key);
                self.shared.queued.store(state.queue.len(), Relaxed);
                return None;
            };
            wanted.store(true, Relaxed);
            state = self.shared.changed.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// Jobs each helper may have posted for it and not yet taken.
const CAPACITY_PER_HELPER: usize = 8;

/// The most executions a helper explores of one subtree before it hands it back (the search
/// explores the rest itself): a bound on the executions kept for the search.
const EXECUTIONS_PER_JOB: usize = 2048;

impl Drop for Helpers {
    fn drop(&mut self) {
        lock(&self.shared).stop = true;
        self.shared.changed.notify_all();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A helper thread's loop: takes the first job queued, runs it, hands it back.
fn help(shared: &Shared, model: &Arc<dyn Fn() + Send + Sync>, watch: Option<Arc<watchdog::Watch>>) {
    // As on the exploring thread (see `Explorer::run_here`): panics are part of reports, and
    // the thread's own ident is not the simulated threads'.
    QUIET.with(|quiet| quiet.set(true));
    OUTSIDE_IDENT.with(|kept| kept.replace(None));
    // A stall in a helper is reported as on the exploring thread: this thread has a watch.
    let _registration = watch.as_ref().map(watchdog::watch);
    let mut pool = Buffers::default();
    loop {
        let mut state = lock(shared);
        let (key, job) = loop {
            if state.stop {
                return;
            }
            let shallowest = state.queue.iter().enumerate().min_by_key(|(_, (_, depth, _))| *depth).map(|(at, _)| at);
            if let Some(at) = shallowest {
                let (key, _, job) = state.queue.swap_remove(at);
                shared.queued.store(state.queue.len(), Relaxed);
                break (key, job);
            }
            state.idle += 1;
            state = shared.changed.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
            state.idle -= 1;
        };
        let wanted = Arc::new(AtomicBool::new(false));
        state.running.insert(key, wanted.clone());
        drop(state);
        let Job { mut ahead, mut config, cells_seen, limit } = job;
        config.watch = watch.clone();
        execution::set_cells_state(cells_seen, false);
        let mut outcomes = Vec::new();
        let explored = catch_unwind(AssertUnwindSafe(|| {
            let search = ahead.search();
            while outcomes.len() < limit.min(EXECUTIONS_PER_JOB) && search.next_execution() {
                let mut outcome = run_execution(model, search, config.clone(), &mut pool);
                outcome.not_mine = search.not_mine();
                let failed = outcome.failure.is_some();
                outcomes.push(outcome);
                let time_is_up = config.watch.as_ref().is_some_and(|watch| watch.time_is_up());
                if failed || search.divergence().is_some() || time_is_up || wanted.load(Relaxed) {
                    break;
                }
            }
        }));
        let done = match explored {
            Ok(()) => Some(Done { ahead, outcomes, cells_seen, cells_after: execution::cells_state() }),
            Err(_) => {
                // The simulator itself failed: the search explores this subtree, and reports it.
                pool = Buffers::default();
                None
            }
        };
        let mut state = lock(shared);
        state.running.remove(&key);
        state.done.insert(key, done);
        drop(state);
        shared.changed.notify_all();
    }
}
