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
use crate::explorer::verify::ReplayQueue;
use crate::schedule::Schedule;
use crate::strategy::{Ahead, AheadKey, Strategy};
use crate::watchdog;

/// What a helper does for the exploration.
pub(super) enum Work {
    /// Explores a subtree of the exhaustive search (see [`Exhaustive::ahead`]), up to `limit`
    /// executions (the most the search could take).
    ///
    /// [`Exhaustive::ahead`]: crate::strategy::Exhaustive::ahead
    Subtree { ahead: Box<Ahead>, limit: usize },
    /// Runs `count` executions of a random lane with a copy of its strategy (see
    /// [`Strategy::fork`]) set to run the first of them, which learns from each as the lane
    /// would; `learned` is what the lane had learnt when the copy was made (see
    /// [`Strategy::learned`]). The executions' numbers are `first`, `first + stride`, … (the
    /// stride is the number of shards of a split exploration).
    Executions { strategy: Box<dyn Strategy + Send>, count: usize, learned: u64, first: u64, stride: u64 },
    /// Takes replays of a finished search's schedules from `queue`, one after the other, as the
    /// exploring thread and the other helpers do (see `Explorer::verify_sample`).
    Replays { queue: Arc<ReplayQueue> },
}

/// A job: the work, how to run executions, and whether they track races from their start at
/// this point of the exploration.
struct Job {
    work: Work,
    config: Config,
    cells_seen: bool,
    /// The lane's strategy and seed, for a stall report.
    strategy: Arc<(String, Option<u64>)>,
}

/// What a helper did: the subtree explored, in full or as far as it got, or the execution run;
/// and how the race detector's exploration-wide state changed in it.
pub(super) struct Done {
    /// The helper (its index), to which what the exploring thread is done with goes back (see
    /// [`Returned`]).
    pub helper: usize,
    /// The subtree as the exploring thread posted it (the helper worked on a copy of its own):
    /// dropped by the thread that allocated it.
    pub posted: Option<Box<Ahead>>,
    /// The copy that did it (a subtree's search, or a random strategy after its execution).
    pub work: Work,
    /// Its executions, in order. The last may be a failure: nothing after it was explored.
    pub outcomes: Vec<Outcome>,
    /// The tracking state it ran with, and the state after it (see `execution::cells_state`).
    pub cells_seen: bool,
    pub cells_after: (bool, bool),
}

/// What the exploring thread is done with of a helper's work, handed back to that helper to be
/// reused or dropped there, so that each thread reuses and frees only memory it allocated. (With
/// glibc's allocator, memory a thread frees serves that thread's next allocations: buffers
/// passed from one thread to the other would otherwise end up interleaved with the other's.)
pub(super) enum Returned {
    /// The schedule of an execution the helper ran.
    Schedule(Schedule),
    /// The subtree copy the helper explored.
    Subtree(Box<Ahead>),
}

/// The name of a job: a subtree's [`AheadKey`], or `(RANDOM | lane, run)` for a random lane's
/// executions from its run `run` (from 0) on.
pub(super) type Key = AheadKey;

/// The bit that marks a random lane's execution in a [`Key`] (subtree serials stay below it).
pub(super) const RANDOM: u64 = 1 << 63;

/// The bits that mark a share of a finished search's replays in a [`Key`] (see
/// [`Helpers::post_replays`]): no random lane's (lanes are few) nor subtree's.
const REPLAYS: u64 = RANDOM | 1 << 62;

#[derive(Default)]
struct State {
    /// Jobs not begun, with their rank: helpers take the lowest first. Executions of random
    /// lanes, which the exploration takes soon, come first, by number; then subtrees, the
    /// shallowest first, which the search comes to last (it goes deepest first).
    queue: Vec<(Key, (u8, u64), Job)>,
    /// Running jobs, each with its flag the search raises when it comes to it: its helper then
    /// stops after the execution under way.
    running: HashMap<Key, Arc<AtomicBool>>,
    /// `None`: the helper could not run it (the simulator panicked): the search runs it.
    done: HashMap<Key, Option<Done>>,
    /// Helpers waiting for a job.
    idle: usize,
    /// For each helper, what the exploring thread handed back to it.
    returned: Vec<Vec<Returned>>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Jobs queued, not begun (read without the lock, to post only when helpers run short).
    queued: AtomicUsize,
    /// Jobs done so far (read without the lock, by the search polling for one).
    finished: AtomicUsize,
    /// Jobs under way (read without the lock, to post only when helpers run short).
    busy: AtomicUsize,
    /// The exploration is over: helpers stop (set under the state's lock, so that a helper that
    /// looks under it before it waits is woken; read without it by helpers polling for work).
    stopping: AtomicBool,
    /// Helpers wait here for jobs; the search waits here for a job under way.
    changed: Condvar,
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Lets `state` go, polls until `ready` holds or the poll's time is up (see
/// [`super::pool::poll_briefly`]), and takes the lock again: the caller then looks again, under
/// it, before it waits.
fn poll_unlocked<'a>(
    shared: &'a Shared,
    state: MutexGuard<'a, State>,
    ready: impl Fn() -> bool,
) -> MutexGuard<'a, State> {
    drop(state);
    super::pool::poll_briefly(|| ready().then_some(()));
    lock(shared)
}

/// The helpers of one exploration. Dropping it stops them and waits for them.
pub(super) struct Helpers {
    shared: Arc<Shared>,
    threads: Vec<super::pool::Pooled<()>>,
    /// The jobs posted and not taken back (the search's own account: no lock to ask).
    posted: HashSet<Key>,
    /// The most jobs posted and not yet taken.
    capacity: usize,
    /// What the exploring thread is done with, for the helper `returning_to` (the one whose
    /// executions it takes now): handed over when it next takes a job's results.
    returning: Vec<Returned>,
    returning_to: Option<usize>,
}

impl Helpers {
    /// Starts a helper thread running `model` on each of `cores` (see `pool::take_cores`), each
    /// watched (see `crate::watchdog`) with the exploration's stall bound and what is left of its
    /// time limit if `watched`. `None` if none started.
    pub(super) fn start(
        cores: Vec<super::pool::CoreTaken>,
        model: &Arc<dyn Fn() + Send + Sync>,
        watched: bool,
        stall: Option<Duration>,
        time_limit: Option<Duration>,
    ) -> Option<Helpers> {
        let shared = Arc::new(Shared::default());
        lock(&shared).returned.resize_with(cores.len(), Vec::new);
        let began = Instant::now();
        let threads: Vec<_> = cores
            .into_iter()
            .enumerate()
            .filter_map(|(index, core)| {
                let (shared, model) = (shared.clone(), model.clone());
                // (A kept thread if one is idle: see `super::pool`. It gives its core back when
                // it stops, before the exploration ends, so that the thread then polls for its
                // next job if the core is left free. A helper that cannot be had gives it back at
                // once.)
                super::pool::spawn(&format!("weft-helper-{index}"), super::EXPLORER_STACK, false, move || {
                    let left = time_limit.map(|limit| limit.saturating_sub(began.elapsed()));
                    let watch = watched.then(|| watchdog::Watch::new(stall, left));
                    help(&shared, &model, watch, index);
                    drop(core);
                })
                .ok()
            })
            .collect();
        if threads.is_empty() {
            return None;
        }
        Some(Helpers {
            shared,
            capacity: CAPACITY_PER_HELPER * threads.len(),
            threads,
            posted: HashSet::new(),
            returning: Vec::new(),
            returning_to: None,
        })
    }

    /// The helper threads.
    pub(super) fn count(&self) -> usize {
        self.threads.len()
    }

    /// How many more jobs are wanted now: enough to keep every helper busy, within capacity.
    /// `queue_ahead`: a job may wait for a busy helper (a random lane's batch, which the lane
    /// never takes back); otherwise jobs go only to helpers that have none (a subtree queued
    /// behind a busy helper is mostly one the search comes to first and takes back unrun).
    pub(super) fn room(&self, queue_ahead: bool) -> usize {
        let mut taken = self.shared.queued.load(Relaxed);
        if !queue_ahead {
            taken += self.shared.busy.load(Relaxed);
        }
        let short = self.threads.len().saturating_sub(taken);
        short.min(self.capacity.saturating_sub(self.posted.len()))
    }

    /// Whether the job `key` was posted and not taken back.
    pub(super) fn knows(&self, key: Key) -> bool {
        self.posted.contains(&key)
    }

    /// Posts subtrees to explore ahead, each up to `limit` executions, for the lane running
    /// `strategy` (its name and seed).
    pub(super) fn post_subtrees(
        &mut self,
        aheads: Vec<Ahead>,
        (config, cells_seen): (&Config, bool),
        limit: usize,
        strategy: &Arc<(String, Option<u64>)>,
    ) {
        let jobs = aheads.into_iter().map(|ahead| {
            let (key, rank) = (ahead.key(), (1, ahead.depth() as u64));
            let work = Work::Subtree { ahead: Box::new(ahead), limit };
            (key, rank, Job { work, config: config.clone(), cells_seen, strategy: strategy.clone() })
        });
        self.post(jobs.collect());
    }

    /// Posts `count` executions of random lane `lane` from its run `run` on, numbered `first`,
    /// `first + stride`, …, run by `strategy` (a copy of the lane's).
    pub(super) fn post_executions(
        &mut self,
        (lane, run, count): (usize, usize, usize),
        (first, stride): (u64, u64),
        strategy: Box<dyn Strategy + Send>,
        (config, cells_seen): (&Config, bool),
        name: &Arc<(String, Option<u64>)>,
    ) {
        let key = (RANDOM | lane as u64, run);
        let learned = strategy.learned();
        let work = Work::Executions { strategy, count, learned, first, stride };
        let job = Job { work, config: config.clone(), cells_seen, strategy: name.clone() };
        self.post(vec![(key, (0, run as u64), job)]);
    }

    /// Posts a job for helper number `share` (from 1) that takes replays from `queue` (see
    /// [`Work::Replays`]), first in line.
    pub(super) fn post_replays(
        &mut self,
        share: usize,
        queue: &Arc<ReplayQueue>,
        (config, cells_seen): (&Config, bool),
    ) {
        let work = Work::Replays { queue: queue.clone() };
        let strategy = Arc::new(("replays of the search's schedules".to_owned(), None));
        let job = Job { work, config: config.clone(), cells_seen, strategy };
        self.post(vec![((REPLAYS, share), (0, 0), job)]);
    }

    /// Waits for the replays job posted for helper `share` to end, if a helper began it (a job
    /// not begun is taken back).
    pub(super) fn end_replays(&mut self, share: usize, watch: Option<&watchdog::Watch>) {
        self.take((REPLAYS, share), watch);
    }

    fn post(&mut self, jobs: Vec<(Key, (u8, u64), Job)>) {
        if jobs.is_empty() {
            return;
        }
        let mut state = lock(&self.shared);
        for (key, rank, job) in jobs {
            self.posted.insert(key);
            state.queue.push((key, rank, job));
        }
        self.shared.queued.store(state.queue.len(), Relaxed);
        let idle = state.idle > 0;
        drop(state);
        if idle {
            self.shared.changed.notify_all();
        }
    }

    /// Hands `returned`, which the exploring thread is done with, back to the helper whose
    /// work it was (the one whose results [`Helpers::take`] last gave).
    pub(super) fn hand_back(&mut self, returned: Returned) {
        self.returning.push(returned);
    }

    /// The subtree `key` explored ahead, if a helper explored it, in full or as far as it got
    /// (a helper exploring it stops after the execution under way); `None` if none did (a job
    /// not begun is taken back: the search explores the subtree itself).
    pub(super) fn take(&mut self, key: Key, watch: Option<&watchdog::Watch>) -> Option<Done> {
        if !self.posted.remove(&key) {
            return None;
        }
        let mut state = lock(&self.shared);
        let mut polled = false;
        loop {
            // Waiting for a helper is no stall of the exploring thread's own.
            if let Some(watch) = watch {
                watch.waiting();
            }
            if let Some(done) = state.done.remove(&key) {
                // What the search is done with goes back to its helper now; what it takes from
                // here on is this job's helper's.
                if let Some(to) = self.returning_to {
                    state.returned[to].append(&mut self.returning);
                }
                self.returning.clear();
                if let Some(done) = &done {
                    self.returning_to = Some(done.helper);
                }
                return done;
            }
            let Some(wanted) = state.running.get(&key) else {
                state.queue.retain(|(k, _, _)| *k != key);
                self.shared.queued.store(state.queue.len(), Relaxed);
                return None;
            };
            wanted.store(true, Relaxed);
            if !polled {
                // A job under way often ends within the poll: no sleep, no wake-up.
                polled = true;
                let seen = self.shared.finished.load(Relaxed);
                state = poll_unlocked(&self.shared, state, || self.shared.finished.load(Relaxed) != seen);
                continue;
            }
            let waited = self.shared.changed.wait_timeout(state, WAIT_TICK);
            state = waited.unwrap_or_else(|poisoned| poisoned.into_inner()).0;
        }
    }
}

/// How often the exploring thread, waiting for a helper, tells its watch that it waits.
const WAIT_TICK: Duration = Duration::from_millis(100);

/// Jobs each helper may have posted for it and not yet taken.
const CAPACITY_PER_HELPER: usize = 8;

/// The most executions a helper explores of one subtree before it hands it back (the search
/// explores the rest itself): a bound on the executions kept for the search.
const EXECUTIONS_PER_JOB: usize = 2048;

impl Drop for Helpers {
    fn drop(&mut self) {
        // (Under the lock: see `Shared::stopping`.)
        let state = lock(&self.shared);
        self.shared.stopping.store(true, Relaxed);
        // Jobs under way stop after their execution under way: nobody will take them.
        state.running.values().for_each(|wanted| wanted.store(true, Relaxed));
        drop(state);
        self.shared.changed.notify_all();
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A helper thread's loop: takes the first job queued, runs it, hands it back.
fn help(shared: &Shared, model: &Arc<dyn Fn() + Send + Sync>, watch: Option<Arc<watchdog::Watch>>, index: usize) {
    // As on the exploring thread (see `Explorer::run_here`): panics are part of reports, and
    // the thread's own ident is not the simulated threads'. (Put back after: the thread is
    // kept for other jobs.)
    let was_quiet = QUIET.with(|quiet| quiet.replace(true));
    let outside = OUTSIDE_IDENT.with(|kept| kept.replace(None));
    take_jobs(shared, model, watch, index);
    OUTSIDE_IDENT.with(|kept| kept.replace(outside));
    QUIET.with(|quiet| quiet.set(was_quiet));
}

/// [`help`]'s loop, until the exploration stops it: helper `index`.
fn take_jobs(shared: &Shared, model: &Arc<dyn Fn() + Send + Sync>, watch: Option<Arc<watchdog::Watch>>, index: usize) {
    let mut pool = Buffers::default();
    loop {
        let mut state = lock(shared);
        let returned = std::mem::take(&mut state.returned[index]);
        let mut polled = false;
        let (key, job) = loop {
            if shared.stopping.load(Relaxed) {
                return;
            }
            let first = state.queue.iter().enumerate().min_by_key(|(_, (_, rank, _))| *rank).map(|(at, _)| at);
            if let Some(at) = first {
                let (key, _, job) = state.queue.swap_remove(at);
                shared.queued.store(state.queue.len(), Relaxed);
                break (key, job);
            }
            if !polled {
                // The search posts its next jobs soon, often within the poll: no sleep, no
                // wake-up. (A job posted meanwhile is in the queue when it looks again.)
                polled = true;
                let posted = || shared.queued.load(Relaxed) > 0 || shared.stopping.load(Relaxed);
                state = poll_unlocked(shared, state, posted);
                continue;
            }
            state.idle += 1;
            state = shared.changed.wait(state).unwrap_or_else(|poisoned| poisoned.into_inner());
            state.idle -= 1;
        };
        let wanted = Arc::new(AtomicBool::new(false));
        state.running.insert(key, wanted.clone());
        shared.busy.store(state.running.len(), Relaxed);
        drop(state);
        // (Reused or dropped here, where they were allocated.)
        for returned in returned {
            match returned {
                Returned::Schedule(schedule) => pool.recycle(schedule),
                Returned::Subtree(subtree) => drop(subtree),
            }
        }
        let Job { mut work, mut config, cells_seen, strategy } = job;
        // A stall in a job is reported as on the exploring thread: the job's executions are
        // watched. An idle helper is not (it makes no progress, and is no stall).
        let _registration = watch.as_ref().map(|watch| {
            // (Progress: the time idle does not count towards a stall.)
            watch.waiting();
            watchdog::watch(watch)
        });
        if let Some(watch) = &watch {
            watch.set_strategy(&format!("{} (on a helper thread)", strategy.0), strategy.1);
        }
        config.watch = watch.clone();
        execution::set_cells_state(cells_seen, false);
        let mut outcomes = Vec::new();
        let mut posted = None;
        let explored = catch_unwind(AssertUnwindSafe(|| match &mut work {
            Work::Subtree { ahead, limit } => {
                // Explored on a copy of this thread's allocations (see `Returned`).
                posted = Some(std::mem::replace(ahead, Box::new(ahead.relocated())));
                let search = ahead.search();
                while outcomes.len() < (*limit).min(EXECUTIONS_PER_JOB) && search.next_execution() {
                    let mut outcome = run_execution(model, search, config.clone(), &mut pool);
                    outcome.not_mine = search.not_mine();
                    let failed = outcome.failure.is_some();
                    outcomes.push(outcome);
                    let time_is_up = config.watch.as_ref().is_some_and(|watch| watch.time_is_up());
                    if failed || search.divergence().is_some() || time_is_up || wanted.load(Relaxed) {
                        break;
                    }
                }
            }
            // (Not stopped when the search comes to it: it waits for the replay under way alone.)
            Work::Replays { queue } => queue.take_and_run(model, &config, &mut pool),
            Work::Executions { strategy, count, first, stride, .. } => {
                for run in 0..*count as u64 {
                    let number = *first + run * *stride;
                    strategy.skip_to(number);
                    strategy.next_execution();
                    let outcome = run_execution(model, strategy.as_mut(), config.clone(), &mut pool);
                    if number < super::learning::LEARNING_EXECUTIONS {
                        strategy.execution_done(outcome.steps);
                    }
                    let failed = outcome.failure.is_some();
                    outcomes.push(outcome);
                    let time_is_up = config.watch.as_ref().is_some_and(|watch| watch.time_is_up());
                    if failed || time_is_up || wanted.load(Relaxed) {
                        break;
                    }
                }
            }
        }));
        let done = match explored {
            Ok(()) => {
                Some(Done { helper: index, posted, work, outcomes, cells_seen, cells_after: execution::cells_state() })
            }
            Err(_) => {
                // The simulator itself failed: the search explores this subtree, and reports it.
                pool = Buffers::default();
                None
            }
        };
        let mut state = lock(shared);
        state.running.remove(&key);
        shared.busy.store(state.running.len(), Relaxed);
        state.done.insert(key, done);
        shared.finished.fetch_add(1, Relaxed);
        drop(state);
        shared.changed.notify_all();
    }
}
