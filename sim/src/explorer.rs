//! [`Explorer`]: which strategy, how many executions, how long; the exploration loop,
//! shrinking, the determinism check, and [`check`].

use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use crate::delegate::{OUTSIDE_IDENT, QUIET};
use crate::execution::{self, Buffers, Config, run_execution};
use crate::report::{Failure, FailureKind, Report, Shrunk, Stats, TraceEvent};
use crate::schedule::Schedule;
use crate::strategy::{self, Exhaustive, Pct, Pos, RandomWalk, Replay, Strategy, Urw};
use crate::watchdog;
use crate::*;

mod ahead;
mod learning;
mod options;
mod pool;

/// Panics inside a simulation are part of the report, not printed as they happen: a panic hook
/// that stays quiet on threads running a simulation and defers to the previous hook elsewhere.
fn install_quiet_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.try_with(Cell::get).unwrap_or(false) {
                // Shown in the report, with where it happened (the simulated thread's panic).
                if let Some(location) = info.location() {
                    execution::note_panic(location);
                }
            } else {
                previous(info);
            }
        }));
    });
}

#[derive(Clone, Debug)]
enum StrategyKind {
    RandomWalk(u64),
    Pct(u64, usize),
    Urw(u64),
    Pos(u64),
    WeightedPos(u64),
    Exhaustive(Option<usize>),
    Replay(String),
    Portfolio(u64),
}

/// Explores the interleavings of a model: which strategy, how many executions, how long.
///
/// The environment overrides it, like proptest's `PROPTEST_CASES`: `WEFT_SEED` (the seed of
/// random strategies), `WEFT_ITERATIONS` (executions per strategy), `WEFT_REPLAY` (a token, or
/// `@path` of a file holding one, to replay instead of exploring; every exploration it changes
/// says so on stderr, so that a variable left set in a shell cannot pass for a check),
/// `WEFT_STALL_SECS` (the stall bound, see [`Explorer::stall_timeout`]), `WEFT_THREADS` (the
/// OS threads of an exhaustive search, see [`Explorer::threads`]), `WEFT_SHARD` (`i/n`: this
/// process's part of an exploration split between processes, see [`Explorer::shard`]). A value
/// that is not what its variable takes is an error that names the variable, never silently
/// ignored.
///
/// ```
/// use std::sync::Arc;
/// use weft_core::{Lock, Thread};
/// use weft_sim::{Explorer, Sim};
///
/// let model = || {
///     let lock = Arc::new(Lock::<Sim>::new());
///     let l = lock.clone();
///     let t = Thread::<Sim>::new(move || drop(l.lock()));
///     t.start().unwrap();
///     drop(lock.lock());
///     t.join().unwrap();
/// };
/// let stats = Explorer::exhaustive().run(model).unwrap();
/// assert!(stats.exhausted); // every interleaving explored: none fails
/// Explorer::random_walk(7).iterations(50).check(model); // `check` panics with the report instead
/// ```
#[derive(Clone, Debug)]
pub struct Explorer {
    strategy: StrategyKind,
    iterations: usize,
    max_steps: usize,
    time_limit: Option<Duration>,
    stall: Option<Duration>,
    /// The running exploration's watch (set by `run` on its own copy).
    watch: Option<Arc<watchdog::Watch>>,
    fine_grained: bool,
    spurious_wakeups: bool,
    shrink: bool,
    python_panics: bool,
    reduce: bool,
    main_stack: usize,
    /// OS threads an exhaustive search runs executions on (see [`Explorer::threads`]).
    threads: usize,
    /// This process's shard of a split exploration, `(index, count)` (see [`Explorer::shard`]).
    shard: Option<(u64, u64)>,
    /// Whether an exhaustive search counts the traces among its executions (see
    /// [`Explorer::count_traces`]).
    count_traces: bool,
    /// Whether a reduced exhaustive search explores every option that sleep sets leave (see
    /// [`Explorer::sleep_sets_only`]).
    sleep_sets_only: bool,
}

/// The default number of executions per strategy.
pub const DEFAULT_ITERATIONS: usize = 5000;
/// The default step limit of one execution.
pub const DEFAULT_MAX_STEPS: usize = 100_000;

impl Explorer {
    fn with(strategy: StrategyKind) -> Self {
        Explorer {
            strategy,
            iterations: DEFAULT_ITERATIONS,
            max_steps: DEFAULT_MAX_STEPS,
            time_limit: None,
            stall: Some(DEFAULT_STALL),
            watch: None,
            fine_grained: false,
            spurious_wakeups: false,
            shrink: true,
            python_panics: false,
            reduce: true,
            main_stack: 0,
            threads: available_parallelism(),
            shard: None,
            count_traces: false,
            sleep_sets_only: false,
        }
    }

    /// Random choices from `seed`: uniform, except that a thread started early begins late. A
    /// thread that its parent starts before `r` more threads (as many as in an earlier
    /// execution) runs only on the `r + 1`-th pick that lands on it while its parent can run
    /// (the spent picks are drawn again), so that the threads started first do not run ahead
    /// while their parent is still starting the others. Every schedule stays possible.
    pub fn random_walk(seed: u64) -> Self {
        Self::with(StrategyKind::RandomWalk(seed))
    }

    /// Probabilistic concurrency testing from `seed` with bug depth `depth`.
    pub fn pct(seed: u64, depth: usize) -> Self {
        Self::with(StrategyKind::Pct(seed, depth))
    }

    /// The uniform random walk from `seed` (URW, Zhao et al., ASPLOS 2025): each runnable thread
    /// runs with probability proportional to the events it has left, estimated from earlier
    /// executions, so that every interleaving is about equally likely (a plain random walk
    /// favours those where long threads run late).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::Ordering::SeqCst;
    /// use weft_core::{AtomicUsize, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let report = Explorer::urw(1)
    ///     .iterations(1000)
    ///     .run(|| {
    ///         let count = Arc::new(AtomicUsize::<Sim>::new(0));
    ///         let c = count.clone();
    ///         let t = Thread::<Sim>::new(move || {
    ///             let seen = c.load(SeqCst);
    ///             c.store(seen + 1, SeqCst);
    ///         });
    ///         t.start().unwrap();
    ///         let seen = count.load(SeqCst);
    ///         count.store(seen + 1, SeqCst);
    ///         t.join().unwrap();
    ///         assert_eq!(count.load(SeqCst), 2, "lost update");
    ///     })
    ///     .unwrap_err();
    /// assert!(report.failure.message.contains("lost update"));
    /// ```
    pub fn urw(seed: u64) -> Self {
        Self::with(StrategyKind::Urw(seed))
    }

    /// Partial-order sampling from `seed` (POS, Yuan et al., CAV 2018): each thread's next
    /// operation has a random priority and the highest runs; after it, the operations on the
    /// same object (those that race with it) get new priorities, and so does the thread's next
    /// one. Only racing operations are reordered, so the partial orders are sampled more evenly
    /// than by a random walk.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::Ordering::SeqCst;
    /// use weft_core::{AtomicUsize, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let report = Explorer::pos(1)
    ///     .iterations(1000)
    ///     .run(|| {
    ///         let count = Arc::new(AtomicUsize::<Sim>::new(0));
    ///         let c = count.clone();
    ///         let t = Thread::<Sim>::new(move || {
    ///             let seen = c.load(SeqCst);
    ///             c.store(seen + 1, SeqCst);
    ///         });
    ///         t.start().unwrap();
    ///         let seen = count.load(SeqCst);
    ///         count.store(seen + 1, SeqCst);
    ///         t.join().unwrap();
    ///         assert_eq!(count.load(SeqCst), 2, "lost update");
    ///     })
    ///     .unwrap_err();
    /// assert!(report.failure.message.contains("lost update"));
    /// ```
    pub fn pos(seed: u64) -> Self {
        Self::with(StrategyKind::Pos(seed))
    }

    /// Weighted partial-order sampling: POS ([`Explorer::pos`]) whose priorities are drawn with
    /// the weights of URW ([`Explorer::urw`]), the events each thread has left by earlier
    /// executions. A thread with `w` events left draws the key `u^(1/w)` (a weighted random
    /// order), so a fresh draw makes each thread the highest in proportion to its weight, as URW
    /// picks; as in POS, only the thread that ran and the threads whose next operation races
    /// with it draw again. It keeps POS's strength on bugs that need a few races in one order
    /// (SCTBench's twostage) and URW's on bugs that need late threads to meet early ones
    /// (reorder): on the bug-finding benchmark (`benches/RESULTS.md`) it is the strongest
    /// strategy alone, and the default [`check`] gives it most of its turns.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::Ordering::SeqCst;
    /// use weft_core::{AtomicUsize, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let report = Explorer::weighted_pos(1)
    ///     .iterations(1000)
    ///     .run(|| {
    ///         let count = Arc::new(AtomicUsize::<Sim>::new(0));
    ///         let c = count.clone();
    ///         let t = Thread::<Sim>::new(move || {
    ///             let seen = c.load(SeqCst);
    ///             c.store(seen + 1, SeqCst);
    ///         });
    ///         t.start().unwrap();
    ///         let seen = count.load(SeqCst);
    ///         count.store(seen + 1, SeqCst);
    ///         t.join().unwrap();
    ///         assert_eq!(count.load(SeqCst), 2, "lost update");
    ///     })
    ///     .unwrap_err();
    /// assert!(report.failure.message.contains("lost update"));
    /// ```
    pub fn weighted_pos(seed: u64) -> Self {
        Self::with(StrategyKind::WeightedPos(seed))
    }

    /// Every schedule, depth first (no limit on executions unless [`Explorer::iterations`] sets
    /// one).
    pub fn exhaustive() -> Self {
        let mut explorer = Self::with(StrategyKind::Exhaustive(None));
        explorer.iterations = usize::MAX;
        explorer
    }

    /// Exhaustive search limited to schedules with at most `bound` preemptions. A bounded search
    /// runs every such schedule (it explores without partial-order reduction, which does not
    /// combine soundly with a bound), so one that finishes (`Stats::exhausted`) proves the model
    /// for every schedule within the bound, not for every schedule.
    pub fn preemption_bound(mut self, bound: usize) -> Self {
        if let StrategyKind::Exhaustive(_) = self.strategy {
            self.strategy = StrategyKind::Exhaustive(Some(bound));
        }
        self
    }

    /// Replays the execution a report's token describes: the token as printed (`weft2:…`), or
    /// `@path` of a file holding it (reports write tokens longer than about 4 KB to a file under
    /// the target directory, `target/weft/`, and print `@path`).
    ///
    /// A token records every decision with its number of options, and a fingerprint of the
    /// model's first operations. A replay that does not fit — another model, a token cut short, a
    /// model that takes more or fewer decisions — fails with [`FailureKind::ReplayMismatch`]
    /// ("this token was recorded for a different program") rather than passing.
    ///
    /// ```
    /// use weft_sim::{Explorer, FailureKind};
    /// let report = Explorer::random_walk(1).run(|| panic!("boom")).unwrap_err();
    /// let again = Explorer::replay(&report.token).run(|| panic!("boom")).unwrap_err();
    /// assert_eq!(again.failure, report.failure);
    /// let other = Explorer::replay(&report.token).run(|| {
    ///     weft_core::Lock::<weft_sim::Sim>::new().acquire();
    /// });
    /// assert_eq!(other.unwrap_err().failure.kind, FailureKind::ReplayMismatch);
    /// ```
    ///
    /// A malformed token makes [`Explorer::run`] panic with a message saying what is wrong.
    pub fn replay(token: &str) -> Self {
        Self::with(StrategyKind::Replay(token.to_owned()))
    }

    /// The default portfolio of [`check`]: four strategies taking turns, one execution at a
    /// time, in a cycle of sixteen turns. Weighted partial-order sampling
    /// ([`Explorer::weighted_pos`]), the strongest alone on the bug-finding benchmark, takes
    /// twelve of them (the first three among them) and 45 % of the executions; partial-order
    /// sampling ([`Explorer::pos`]), stronger where a thread must run long stretches alone
    /// (SCTBench's twostage), two (the fourth) and 10 %; the exhaustive search one (the eighth)
    /// and 40 % (a search that finishes proves the model, and ends the check); PCT at depth 3
    /// one and 5 %. A strategy whose share is spent, or that has nothing left to try, gives its
    /// turns to the others, so the exhaustive search runs alone at the end.
    pub fn portfolio(seed: u64) -> Self {
        Self::with(StrategyKind::Portfolio(seed))
    }

    fn with_env_overrides(mut self) -> Self {
        if let Ok(token) = std::env::var("WEFT_REPLAY") {
            // Loud: a variable left set in a shell silently turns every exploration into one replay.
            let shown: String = token.chars().take(32).collect();
            let more = if token.chars().count() > 32 { "…" } else { "" };
            eprintln!(
                "weft: WEFT_REPLAY is set: replaying {shown}{more} instead of {} (unset WEFT_REPLAY to explore)",
                kind_name(&self.strategy)
            );
            self.strategy = StrategyKind::Replay(token);
        }
        if let Some(seed) = env_value("WEFT_SEED", "a seed (an unsigned 64-bit integer)", |s| s.parse::<u64>().ok()) {
            self.strategy = match self.strategy {
                StrategyKind::RandomWalk(_) => StrategyKind::RandomWalk(seed),
                StrategyKind::Pct(_, depth) => StrategyKind::Pct(seed, depth),
                StrategyKind::Urw(_) => StrategyKind::Urw(seed),
                StrategyKind::Pos(_) => StrategyKind::Pos(seed),
                StrategyKind::WeightedPos(_) => StrategyKind::WeightedPos(seed),
                StrategyKind::Portfolio(_) => StrategyKind::Portfolio(seed),
                other => other,
            };
        }
        if let Some(iterations) =
            env_value("WEFT_ITERATIONS", "a number of executions (an unsigned integer)", |s| s.parse().ok())
        {
            self.iterations = iterations;
        }
        if let Some(shard) = env_value("WEFT_SHARD", "a shard i/n (integers, i < n)", parse_shard) {
            self.shard = Some(shard);
        }
        if let Some(threads) =
            env_value("WEFT_THREADS", "a number of threads (an integer from 1)", |s| s.parse().ok().filter(|&n| n > 0))
        {
            self.threads = threads;
        }
        let seconds = |s: &str| s.parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok());
        if let Some(bound) = env_value("WEFT_STALL_SECS", "a number of seconds (0: no bound)", seconds) {
            self = self.stall_timeout(bound);
        }
        self
    }

    /// Runs `model` under the exploration. Returns the statistics, or the report of the first
    /// failure found.
    ///
    /// # Errors
    /// The [`Report`] of a failing execution: a panic, a deadlock, a step limit, a replay that
    /// diverged, or a replay token that does not fit the model.
    ///
    /// # Panics
    /// If the replay token (from `WEFT_REPLAY` or [`Explorer::replay`]) is malformed, from an
    /// older version of weft, or names a file that cannot be read (the message says which); if
    /// `WEFT_SEED`, `WEFT_ITERATIONS` or `WEFT_STALL_SECS` is set to a value that is not a
    /// number of its kind (the message names the variable); or if called inside a simulation.
    pub fn run(&self, model: impl Fn() + Send + Sync + 'static) -> Result<Stats, Box<Report>> {
        // Before anything of the running simulation's thread state changes.
        assert!(!in_simulation(), "simulations do not nest");
        // The exploration runs on an OS thread of its own. A simulated thread that cannot be
        // unwound at an execution's end may be left suspended in the middle of unwinding, and
        // the panic count of the OS thread that runs the simulation (what
        // `std::thread::panicking()` reads) then stays raised for good: that must not reach
        // the caller's thread, whose guards would stop poisoning, nor the next exploration.
        // (A kept thread of the caller's name if one is idle: see `pool`.)
        let model = Arc::new(model);
        let (explorer, on_worker) = (self.clone(), model.clone());
        let caller = std::thread::current();
        let name = caller.name().unwrap_or("weft-explorer");
        match pool::spawn(name, EXPLORER_STACK, move || explorer.run_here(move || on_worker())) {
            Ok(worker) => worker.join().unwrap_or_else(|payload| std::panic::resume_unwind(payload)),
            // No thread to be had: explore here.
            Err(_) => self.run_here(move || model()),
        }
    }

    /// [`Explorer::run`] on the calling thread.
    fn run_here(&self, model: impl Fn() + Send + Sync + 'static) -> Result<Stats, Box<Report>> {
        execution::reset_cells_seen();
        let mut explorer = self.clone().with_env_overrides();
        // A malformed token panics here, where the panic hook still prints the message.
        if let StrategyKind::Replay(token) = &explorer.strategy {
            if let Err(e) = Schedule::parse_token(token) {
                panic!("weft: cannot replay {}: {e}", shorten(token));
            }
        }
        // Watched while there is something to watch for: a stall bound or a time limit.
        let watched = explorer.stall.is_some() || explorer.time_limit.is_some();
        explorer.watch = watched.then(|| watchdog::Watch::new(explorer.stall, explorer.time_limit));
        let _registration = explorer.watch.as_ref().map(watchdog::watch);
        let model: Arc<dyn Fn() + Send + Sync> = Arc::new(model);
        install_quiet_panic_hook();
        let was_quiet = QUIET.with(|q| q.replace(true));
        // The thread's code runs simulated now: its ident outside is not its ident here.
        let outside = OUTSIDE_IDENT.with(|kept| kept.replace(None));
        // Counted for the whole exploration (set before any execution makes this thread's
        // simulation visible to `in_simulation`).
        execution::ACTIVE.fetch_add(1, Ordering::SeqCst);
        let retired = execution::RETIRED_HERE.with(Cell::get);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let result = explorer.explore(&model);
            // An `UnsafeCell` was first accessed in an execution that did not track races from
            // its start: that one and those before went unchecked. Explore again, from the start,
            // with every execution tracked.
            if result.is_ok() && execution::take_untracked_cells() { explorer.explore(&model) } else { result }
        }));
        let retired = execution::RETIRED_HERE.with(Cell::get) - retired;
        if retired > 0 {
            eprintln!(
                "weft: {retired} simulated thread(s) left suspended at the end of an execution could not be \
                 unwound (a destructor would block, or the thread would not stop): their stacks were kept \
                 (leaked), never reused"
            );
        }
        // Not unwinding here: a raised panic count is that of a thread given up while it unwound.
        if std::thread::panicking() {
            eprintln!(
                "weft: a simulated thread was given up in the middle of unwinding, so for the rest of this \
                 exploration `std::thread::panicking()` read true in every simulated thread (guards that \
                 poison on a panic, such as Mutex's, did not poison; later abandoned threads were given up \
                 rather than unwound). Other explorations are not affected: each runs on an OS thread of \
                 its own."
            );
        }
        execution::ACTIVE.fetch_sub(1, Ordering::SeqCst);
        OUTSIDE_IDENT.with(|kept| kept.replace(outside));
        QUIET.with(|q| q.set(was_quiet));
        result.unwrap_or_else(|payload| {
            // The quiet hook kept this panic (of the simulator, not of the model) silent, and
            // `resume_unwind` does not print: say it here (where `cargo test` captures it).
            eprintln!("weft: the exploration panicked: {}", panic_message(&*payload));
            std::panic::resume_unwind(payload)
        })
    }

    /// The number of a random lane's execution `run` (from 0): its place in the exploration
    /// (in a split one, among every shard's executions).
    fn execution_number(&self, run: usize) -> u64 {
        match self.shard {
            Some((index, count)) => run as u64 * count + index,
            None => run as u64,
        }
    }

    /// The shard `index` of `count` of the lane's executions (all of them if not split).
    fn shard_of(&self, kind: &StrategyKind, iterations: usize) -> usize {
        match (self.shard, kind) {
            // A split search's budget counts its own executions.
            (None, _) | (_, StrategyKind::Exhaustive(_)) | (_, StrategyKind::Replay(_)) => iterations,
            (Some((index, count)), _) => {
                let (index, count) = (index as usize, count as usize);
                if iterations == usize::MAX { iterations } else { (iterations + count - 1 - index) / count }
            }
        }
    }

    /// Like [`Explorer::run`], but panics with the report on failure (for tests).
    ///
    /// # Panics
    /// With the report of the first failing execution.
    pub fn check(&self, model: impl Fn() + Send + Sync + 'static) -> Stats {
        match self.run(model) {
            Ok(stats) => stats,
            Err(report) => panic!("{report}"),
        }
    }

    fn config(&self, record_trace: bool, track_footprints: bool, track_trail: bool) -> Config {
        Config {
            track_pending: false,
            max_steps: self.max_steps,
            fine_grained: self.fine_grained,
            spurious_wakeups: self.spurious_wakeups,
            record_trace,
            python_panics: self.python_panics,
            track_footprints,
            track_trail,
            main_stack: self.main_stack,
            watch: self.watch.clone(),
        }
    }

    fn explore(&self, model: &Arc<dyn Fn() + Send + Sync>) -> Result<Stats, Box<Report>> {
        let start = Instant::now();
        let mut next_progress = PROGRESS_FIRST;
        let mut stats = Stats::default();
        let mut pool = Buffers::default();
        let portfolio = matches!(self.strategy, StrategyKind::Portfolio(_));
        let plan: Vec<(StrategyKind, usize)> = match &self.strategy {
            StrategyKind::Portfolio(seed) => {
                let share = |lane: usize| (self.iterations * PORTFOLIO_BUDGET[lane]).div_ceil(100).max(1);
                vec![
                    (StrategyKind::Exhaustive(None), share(0)),
                    (StrategyKind::WeightedPos(*seed), share(1)),
                    (StrategyKind::Pos(seed.wrapping_add(1)), share(2)),
                    (StrategyKind::Pct(seed.wrapping_add(2), 3), share(3)),
                ]
            }
            other => vec![(other.clone(), self.iterations)],
        };
        // The lanes' turns: a portfolio's cycle, or the one lane.
        let turns: &[usize] = if portfolio { &PORTFOLIO_TURNS } else { &[0] };
        let time_is_up = || {
            self.time_limit.is_some_and(|limit| start.elapsed() > limit)
                || self.watch.as_ref().is_some_and(|watch| watch.time_is_up())
        };
        // The strategies take turns, one execution each (a portfolio's round robin): the first
        // executions of every strategy come early, and the unbounded search, if it finishes,
        // still proves the model.
        let mut lanes: Vec<Lane> = plan
            .into_iter()
            .map(|(kind, iterations)| Lane {
                strategy: self.make_strategy(&kind),
                name: shard_name(kind_name(&kind), self.shard),
                iterations: self.shard_of(&kind, iterations),
                kind,
                run: 0,
                sample: Sample::new(),
                over: false,
                ahead: VecDeque::new(),
                label: None,
                learnt_to: 0,
            })
            .collect();
        let mut turn = 0;
        let mut shown = None;
        // Started once an exhaustive search has run a few executions (see `Explorer::threads`).
        let mut helpers: Option<ahead::Helpers> = None;
        let mut next_serial = strategy::FIRST_COPY_SERIAL;
        while let Some(at) = (0..turns.len()).map(|k| (turn + k) % turns.len()).find(|&k| !lanes[turns[k]].over) {
            turn = at + 1;
            let index = turns[at];
            let lane = &mut lanes[index];
            if let Some(watch) = self.watch.as_ref().filter(|_| shown != Some(index)) {
                watch.set_strategy(&lane.name, seed_of(&lane.kind));
                shown = Some(index);
            }
            if time_is_up() {
                break;
            }
            // A random lane of a split exploration runs the executions numbered `index` modulo
            // `count`: the same seeds as the unsplit one, shared out.
            if self.shard.is_some() && learning::numbered(&lane.kind) {
                let number = self.execution_number(lane.run);
                let budget_left = lane.run < lane.iterations;
                if budget_left && !self.learn_as_unsplit(model, (lane, number), &mut stats, &mut pool, &time_is_up) {
                    break;
                }
                lane.strategy.skip_to(number);
            }
            // Executions a helper explored ahead come before the search moves on.
            if lane.run == lane.iterations || lane.ahead.is_empty() && !lane.strategy.next_execution() {
                lane.over = true;
                if lane.strategy.exhausted() {
                    // A claim that every schedule ran holds only if the model is deterministic:
                    // the sampled schedules, replayed, must take the same steps.
                    stats.verified += lane.sample.replays();
                    if let Some((schedule, failure)) =
                        self.verify_sample(model, &lane.sample, &mut pool, helpers.as_mut())
                    {
                        stats.elapsed = start.elapsed();
                        return Err(Box::new(self.report(model, &lane.kind, failure, schedule, stats, &mut pool)));
                    }
                    // In a portfolio, only the unbounded search proves anything, and once it has,
                    // nothing is left for the other strategies to find.
                    if !portfolio || matches!(lane.kind, StrategyKind::Exhaustive(None)) {
                        stats.exhausted = true;
                        break;
                    }
                }
                continue;
            }
            lane.run += 1;
            let run = lane.run;
            // Only a search that can claim it finished checks its executions' trails.
            let exhaustive = matches!(lane.kind, StrategyKind::Exhaustive(_));
            let mut config = self.config(false, lane.strategy.reduction().is_some(), exhaustive);
            config.track_pending = lane.strategy.wants_pending();
            if lane.ahead.is_empty() {
                if let Some(helpers) = helpers.as_mut() {
                    match lane.strategy.as_exhaustive() {
                        Some(search) => take_over(
                            helpers,
                            search,
                            &mut lane.ahead,
                            lane.iterations - (run - 1),
                            self.watch.as_deref(),
                        ),
                        None => take_executions(helpers, index, run - 1, lane, self.watch.as_deref()),
                    }
                }
            }
            // (The copy that ran an execution ahead learnt from it already.)
            let from_ahead = !lane.ahead.is_empty();
            let outcome = match lane.ahead.pop_front() {
                Some(outcome) => outcome,
                None => {
                    let mut outcome = run_execution(model, lane.strategy.as_mut(), config.clone(), &mut pool);
                    outcome.not_mine = lane.strategy.not_mine();
                    outcome
                }
            };
            if outcome.not_mine {
                // Another shard's: not counted here.
                lane.run -= 1;
                recycle(outcome.schedule, from_ahead, &mut pool, &mut helpers);
                continue;
            }
            stats.executions += 1;
            stats.steps += outcome.steps;
            if outcome.pruned && outcome.failure.is_none() && time_is_up() {
                // Ended unfinished by the time limit: the search was cut short.
                break;
            }
            stats.pruned += usize::from(outcome.pruned);
            // (A random strategy learns from its first executions only: see `learning`.)
            if !from_ahead && (exhaustive || self.execution_number(run - 1) < learning::LEARNING_EXECUTIONS) {
                lane.strategy.execution_done(outcome.steps);
            }
            let divergence = lane.strategy.divergence().map(str::to_owned);
            let failure = match (outcome.failure, divergence) {
                (Some(failure), _) => Some(failure),
                (None, Some(reason)) => Some(nondeterministic(&format!(
                    "the search arrived at a decision it had explored before with other options ({reason})"
                ))),
                (None, None) => None,
            };
            if let Some(failure) = failure {
                stats.elapsed = start.elapsed();
                return Err(Box::new(self.report(model, &lane.kind, failure, outcome.schedule, stats, &mut pool)));
            }
            if exhaustive && !outcome.pruned {
                // (A pruned execution was cut short: its replay would go on.)
                lane.sample.offer(run, &outcome.schedule, outcome.trail);
            }
            recycle(outcome.schedule, from_ahead, &mut pool, &mut helpers);
            // Work for helpers: subtrees the search will come to, or a random lane's next
            // executions.
            // (Traces are counted on one thread.)
            if self.threads > 1
                && !self.count_traces
                && lane.run >= AHEAD_AFTER
                && helpers.is_none()
                && worth_helping(lane)
            {
                let watched = self.watch.is_some();
                let left = self.time_limit.map(|limit| limit.saturating_sub(start.elapsed()));
                helpers = Some(ahead::Helpers::start(self.threads - 1, model, watched, self.stall, left));
            }
            if let Some(helpers) = helpers.as_mut().filter(|helpers| helpers.room() > 0) {
                let cells = execution::cells_state().0;
                let name = lane.label.get_or_insert_with(|| Arc::new((lane.name.clone(), seed_of(&lane.kind)))).clone();
                if let Some(search) = lane.strategy.as_exhaustive() {
                    let aheads = search.ahead(helpers.room(), &mut next_serial, |key| helpers.knows(key));
                    let limit = lane.iterations.saturating_sub(lane.run);
                    helpers.post_subtrees(aheads, (&config, cells), limit, &name);
                } else {
                    // Batches after the one under way, as many as the helpers take: of each
                    // `helpers + 1` batches, the lane runs the first itself while helpers run the
                    // others (it would otherwise catch up with a helper and wait for it).
                    let turn = helpers.count() + 1;
                    let mut batch = lane.run / BATCH + 1;
                    while helpers.room() > 0 && batch * BATCH < lane.iterations && batch <= lane.run / BATCH + 2 * turn
                    {
                        let first = batch * BATCH;
                        batch += 1;
                        if first / BATCH % turn != 0 && !helpers.knows((ahead::RANDOM | index as u64, first)) {
                            let Some(fork) = lane.strategy.fork() else { break };
                            let count = BATCH.min(lane.iterations - first);
                            let numbers = (self.execution_number(first), self.shard.map_or(1, |(_, count)| count));
                            helpers.post_executions((index, first, count), numbers, fork, (&config, cells), &name);
                        }
                    }
                }
            }
            if stats.executions % 16 == 0 && start.elapsed() >= next_progress {
                next_progress = start.elapsed() + PROGRESS_EVERY;
                show_progress(&stats, &lanes, start.elapsed());
            }
        }
        stats.elapsed = start.elapsed();
        stats.shard = self.shard;
        stats.traces =
            lanes.iter_mut().find_map(|lane| lane.strategy.as_exhaustive().and_then(|search| search.traces()));
        if let Some((searched, estimate)) = search_estimate(&lanes) {
            (stats.searched, stats.search_estimate) = (searched, Some(estimate));
        }
        Ok(stats)
    }

    /// Replays each sampled schedule; the first whose steps differ from the first run's gives
    /// its schedule and a nondeterminism failure. With `helpers`, they run a share of the
    /// replays meanwhile (the first that differs is the same: each replay's verdict is its own).
    fn verify_sample(
        &self,
        model: &Arc<dyn Fn() + Send + Sync>,
        sample: &Sample,
        pool: &mut Buffers,
        helpers: Option<&mut ahead::Helpers>,
    ) -> Option<(Schedule, Failure)> {
        // Every kept schedule once, and again round-robin up to `Sample::REPLAYS` re-runs: a
        // model that varies at random between runs (a HashMap's order) escapes each re-run with
        // some chance, and a small search keeps few schedules.
        let replays: Vec<_> = sample.kept.iter().cycle().take(sample.replays()).collect();
        let config = self.config(false, false, true);
        let choices_of = |schedule: &Schedule| schedule.choices.iter().map(|c| c.chosen).collect::<Vec<u32>>();
        // Replay `i` goes to share `i % shares`: share 0 is this thread's, the others helpers'.
        let shares = helpers.as_ref().map_or(1, |helpers| helpers.count() + 1).min(replays.len().max(1));
        let mut helpers = helpers.filter(|_| shares > 1);
        if let Some(helpers) = helpers.as_mut() {
            let cells = execution::cells_state().0;
            for share in 1..shares {
                let theirs = replays.iter().skip(share).step_by(shares);
                let theirs = theirs.map(|(_, schedule, trail)| (choices_of(schedule), *trail)).collect();
                helpers.post_replays(share, theirs, (&config, cells));
            }
        }
        let mut verdicts: Vec<Option<Option<String>>> = vec![None; replays.len()];
        for (i, (_, schedule, trail)) in replays.iter().enumerate().step_by(shares) {
            let verdict = replay_differs(model, choices_of(schedule), *trail, config.clone(), pool);
            let differs = verdict.is_some();
            verdicts[i] = Some(verdict);
            if differs {
                break;
            }
        }
        for share in 1..shares {
            let done = helpers.as_mut().and_then(|helpers| helpers.take_replays(share, self.watch.as_deref()));
            for (verdict, i) in done.unwrap_or_default().into_iter().zip((share..replays.len()).step_by(shares)) {
                verdicts[i] = Some(verdict);
            }
        }
        for (i, (execution, schedule, trail)) in replays.iter().enumerate() {
            // (A replay a helper did not run, or stopped before, runs here: in order, the first
            // that differs is the one reported.)
            let verdict = match verdicts[i].take() {
                Some(verdict) => verdict,
                None => replay_differs(model, choices_of(schedule), *trail, config.clone(), pool),
            };
            if let Some(what) = verdict {
                let message = format!(
                    "execution {execution} of the search, replayed with the same choices before claiming the \
                     search finished, did not repeat ({what})"
                );
                return Some((schedule.clone(), nondeterministic(&message)));
            }
        }
        None
    }

    /// Replays `chosen` leniently (see [`Replay`]), with the trace on.
    fn replay_outcome(
        &self,
        model: &Arc<dyn Fn() + Send + Sync>,
        chosen: Vec<u32>,
        pool: &mut Buffers,
    ) -> execution::Outcome {
        let mut replay = Replay::lenient(chosen);
        replay.next_execution();
        run_execution(model, &mut replay, self.config(true, false, false), pool)
    }

    fn report(
        &self,
        model: &Arc<dyn Fn() + Send + Sync>,
        kind: &StrategyKind,
        failure: Failure,
        schedule: Schedule,
        stats: Stats,
        pool: &mut Buffers,
    ) -> Report {
        let chosen: Vec<u32> = schedule.choices.iter().map(|c| c.chosen).collect();
        // Replay with the trace on: the same failure, now with its events (and the program's
        // fingerprint, for the token).
        let traced = self.replay_outcome(model, chosen, pool);
        let mismatch = failure.kind == FailureKind::ReplayMismatch;
        let (failure, token) = match kind {
            // The token does not fit: the report is about the token, not about what the model did.
            StrategyKind::Replay(token) if mismatch => (failure, token.clone()),
            _ => {
                let failure = match traced.failure.clone() {
                    Some(failure) => failure,
                    None if failure.kind == FailureKind::Nondeterminism => failure,
                    // The same choices, and no failure: what failed depends on something else.
                    None => nondeterministic(&format!(
                        "the failure found ({}: {}) did not happen again when its schedule was replayed",
                        failure.kind, failure.message
                    )),
                };
                (failure, traced.schedule.printable_token())
            }
        };
        let shrinkable = !mismatch && failure.kind != FailureKind::Nondeterminism;
        let shrunk =
            if self.shrink && shrinkable { self.shrink_schedule(model, &schedule, &failure, pool) } else { None };
        let seed = seed_of(kind);
        let strategy = shard_name(kind_name(kind), self.shard);
        let preemptions = schedule.preemptions();
        Report {
            failure,
            token,
            seed,
            strategy,
            location: traced.panic_location,
            trace: traced.trace,
            shrunk: shrunk.map(|(s, trace)| Shrunk { token: s.printable_token(), trace, preemptions: s.preemptions() }),
            preemptions,
            stats,
        }
    }

    /// Greedily turns preemptions into "go on" (option 0) while the same kind of failure still
    /// happens; returns the smaller schedule if it has fewer preemptions.
    fn shrink_schedule(
        &self,
        model: &Arc<dyn Fn() + Send + Sync>,
        found: &Schedule,
        failure: &Failure,
        pool: &mut Buffers,
    ) -> Option<(Schedule, Vec<TraceEvent>)> {
        let chosen: Vec<u32> = found.choices.iter().map(|c| c.chosen).collect();
        let same_kind = |f: &Option<Failure>| {
            f.as_ref().is_some_and(|f| std::mem::discriminant(&f.kind) == std::mem::discriminant(&failure.kind))
        };
        let mut best: Vec<u32> = chosen;
        let original = found.preemptions();
        const BUDGET: usize = 300;
        let mut tries = 0;
        let mut i = 0;
        while i < best.len() && tries < BUDGET {
            if best[i] != 0 {
                let mut candidate = best.clone();
                candidate[i] = 0;
                tries += 1;
                let outcome = self.replay_outcome(model, candidate, pool);
                if same_kind(&outcome.failure)
                    && !matches!(outcome.failure.as_ref().map(|f| &f.kind), Some(FailureKind::Nondeterminism))
                {
                    best = outcome.schedule.choices.iter().map(|c| c.chosen).collect();
                    continue;
                }
            }
            i += 1;
        }
        let outcome = self.replay_outcome(model, best, pool);
        let schedule = outcome.schedule;
        (same_kind(&outcome.failure) && schedule.preemptions() < original).then_some((schedule, outcome.trace))
    }
}

/// Replays `choices` leniently (see [`Replay`]) with `config`: how it did not repeat the run
/// whose trail was `trail`, or `None` if it did.
pub(super) fn replay_differs(
    model: &Arc<dyn Fn() + Send + Sync>,
    choices: Vec<u32>,
    trail: u64,
    config: Config,
    pool: &mut Buffers,
) -> Option<String> {
    let mut replay = Replay::lenient(choices);
    replay.next_execution();
    let outcome = run_execution(model, &mut replay, config, pool);
    let diverged = replay.divergence().map(str::to_owned);
    if outcome.trail == trail && outcome.failure.is_none() && diverged.is_none() {
        return None;
    }
    Some(match (&outcome.failure, diverged) {
        (Some(failure), _) => format!("it failed this time: {}: {}", failure.kind, failure.message),
        (None, Some(reason)) => reason,
        (None, None) => "its steps differed".to_owned(),
    })
}

/// A nondeterminism failure with `what` happened, and what usually causes it.
fn nondeterministic(what: &str) -> Failure {
    // The panic count of the OS thread that runs the simulation stays raised once a thread was
    // given up in the middle of unwinding: every later execution sees `panicking()` true.
    let given_up = if std::thread::panicking() {
        " Also: earlier in this exploration a simulated thread was given up in the middle of \
         unwinding (a destructor waited while it unwound, at an execution's end), so \
         std::thread::panicking() read true in every later execution, which alone can make them \
         differ (guards stop poisoning, abandoned threads are given up): a destructor that waits \
         should not wait while std::thread::panicking()."
    } else {
        ""
    };
    Failure {
        kind: FailureKind::Nondeterminism,
        message: format!(
            "nondeterministic model: {what}. The model must do the same thing whenever it is given the same \
             choices: does it depend on random numbers, a HashMap's order (a fresh RandomState), real \
             clocks, addresses, or state kept across executions (a static, a std OnceLock)? Use \
             weft::sync::OnceLock/LazyLock for per-execution statics.{given_up}"
        ),
        thread: "MainThread".to_owned(),
    }
}

/// The default portfolio's turns, by lane (0: exhaustive search, 1: weighted partial-order
/// sampling, 2: partial-order sampling, 3: PCT at depth 3), repeated. Weighted POS, the
/// strongest alone on the bug-finding benchmark (`benches/examples/bug_finding`), takes three
/// turns in four and the first; POS, strongest where weighted POS is weakest (bugs that need one
/// thread to run a long stretch alone: twostage), comes fourth; the exhaustive search's first
/// execution (the schedule without preemptions) eighth, PCT last.
const PORTFOLIO_TURNS: [usize; 16] = [1, 1, 1, 2, 1, 1, 1, 0, 1, 1, 1, 2, 1, 1, 1, 3];

/// The default portfolio's budget, by lane, in percent of its executions. The exhaustive search
/// gets much, though it has one turn in sixteen: once the random lanes have spent theirs, it
/// runs alone, and a search that finishes proves the model.
const PORTFOLIO_BUDGET: [usize; 4] = [40, 45, 10, 5];

/// One strategy of an exploration, and where it is: the portfolio's strategies take turns.
struct Lane {
    kind: StrategyKind,
    /// Its name, for the watchdog's report.
    name: String,
    strategy: Box<dyn Strategy>,
    /// Its share of the executions.
    iterations: usize,
    /// The executions it has run.
    run: usize,
    sample: Sample,
    /// Whether it is over: its share ran, or it has nothing left to try.
    over: bool,
    /// Executions a helper explored ahead, which the search took over: its next ones.
    ahead: VecDeque<execution::Outcome>,
    /// Its name and seed, shared with the helpers' jobs (made when the first is posted).
    label: Option<Arc<(String, Option<u64>)>>,
    /// A random lane of a split exploration: the executions numbered below this that it learnt
    /// from or has yet to run as its own (see [`learning`]).
    learnt_to: u64,
}

/// Executions kept to be replayed before a search claims it finished: a reservoir sample (of
/// fixed seed) of [`Sample::SIZE`] schedules with their trails, and always the first.
struct Sample {
    kept: Vec<(usize, Schedule, u64)>,
    rng: schedule::Rng,
}

impl Sample {
    const SIZE: usize = 8;
    /// The fewest re-runs of the kept schedules (see [`Explorer::verify_sample`]).
    const REPLAYS: usize = 24;

    fn new() -> Self {
        Sample { kept: Vec::new(), rng: schedule::Rng::new(0x5341_4d50) }
    }

    /// How many re-runs [`Explorer::verify_sample`] makes.
    fn replays(&self) -> usize {
        if self.kept.is_empty() { 0 } else { Self::REPLAYS.max(self.kept.len()) }
    }

    /// Offers execution number `execution` (from 1): kept with probability `SIZE / execution`.
    fn offer(&mut self, execution: usize, schedule: &Schedule, trail: u64) {
        if self.kept.len() < Self::SIZE {
            self.kept.push((execution, schedule.clone(), trail));
        } else {
            let slot = self.rng.below(execution as u64) as usize;
            // Slot 0 keeps the first execution.
            if (1..Self::SIZE).contains(&slot) {
                self.kept[slot] = (execution, schedule.clone(), trail);
            }
        }
    }
}

/// The machine's available parallelism (the default of [`Explorer::threads`]), asked once per
/// process: the standard library reads the cgroup's CPU quota from files at every call (32–39 µs
/// on the 2-core CI machine), which a program that makes many small explorations (a property
/// test) paid for each, more than an execution costs. A change of the process's CPU affinity
/// after the first exploration is not seen.
fn available_parallelism() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// `i/n` with `i < n`, as `WEFT_SHARD` takes it.
fn parse_shard(text: &str) -> Option<(u64, u64)> {
    let (index, count) = text.split_once('/')?;
    let (index, count) = (index.trim().parse::<u64>().ok()?, count.trim().parse::<u64>().ok()?);
    (index < count).then_some((index, count))
}

/// Takes over the subtree a helper explored ahead of `search`, if one did the one it comes to
/// now: its executions go to `ahead`, to be counted as the search's next ones.
fn take_over(
    helpers: &mut ahead::Helpers,
    search: &mut Exhaustive,
    ahead: &mut VecDeque<execution::Outcome>,
    budget: usize,
    watch: Option<&watchdog::Watch>,
) {
    let Some(done) = search.next_key().and_then(|key| helpers.take(key, watch)) else { return };
    let cells = execution::cells_state();
    // (Dropped here, by the thread that allocated it: see `ahead::Returned`.)
    drop(done.posted);
    // Executions ahead tracked races as the search's own would have, or are run again. A
    // subtree explored past the search's budget is not taken over: the search would have
    // learnt less from it (the races of the executions it never ran).
    if let ahead::Work::Subtree { ahead: subtree, .. } = done.work {
        if done.cells_seen == cells.0 && done.outcomes.len() <= budget && search.take_over(&subtree) {
            execution::set_cells_state(done.cells_after.0, cells.1 || done.cells_after.1);
            ahead.extend(done.outcomes);
        }
        helpers.hand_back(ahead::Returned::Subtree(subtree));
    }
}

/// Keeps the buffer of an execution's schedule for reuse: in `pool` if this thread ran the
/// execution, else (`from_ahead`) on the helper that ran it (see [`ahead::Returned`]).
fn recycle(schedule: Schedule, from_ahead: bool, pool: &mut Buffers, helpers: &mut Option<ahead::Helpers>) {
    match helpers.as_mut().filter(|_| from_ahead) {
        Some(helpers) => helpers.hand_back(ahead::Returned::Schedule(schedule)),
        None => pool.recycle(schedule),
    }
}

/// Takes the executions from run `run` on of random lane `index` if a helper ran them with what
/// the lane's strategy has learnt now: the lane's strategy becomes the helper's copy, after them,
/// and their outcomes go to `lane.ahead`.
fn take_executions(
    helpers: &mut ahead::Helpers,
    index: usize,
    run: usize,
    lane: &mut Lane,
    watch: Option<&watchdog::Watch>,
) {
    let Some(done) = helpers.take((ahead::RANDOM | index as u64, run), watch) else { return };
    let cells = execution::cells_state();
    if let ahead::Work::Executions { strategy, learned, .. } = done.work {
        if done.cells_seen == cells.0 && learned == lane.strategy.learned() {
            execution::set_cells_state(done.cells_after.0, cells.1 || done.cells_after.1);
            lane.strategy = strategy;
            lane.ahead.extend(done.outcomes);
        }
    }
}

/// The executions of a random lane a helper runs in one job: the lane runs one batch itself
/// while helpers run the next ones.
const BATCH: usize = 64;

/// The executions an exhaustive search runs alone before helpers start (a search that small is
/// done before threads would pay for themselves).
const AHEAD_AFTER: usize = 16;

/// The fewest executions a lane must have left for helpers to start: fewer end before helpers
/// pay for themselves (on lock_counter (4,1), 24 executions, 2 threads ran 0.75 times as many
/// executions per second as 1 when helpers started after 16).
const AHEAD_WORTH: f64 = 32.0;

/// Whether `lane` has enough left to pay for helper threads: an exhaustive search by its
/// estimated size (Knuth's estimator, low early on: asked again after each execution, it starts
/// helpers once the estimate has grown), a random lane by its budget.
fn worth_helping(lane: &Lane) -> bool {
    let run = lane.run as f64;
    let left = match lane.strategy.explored_share() {
        Some(share) => run / share - run,
        None => lane.iterations.saturating_sub(lane.run) as f64,
    };
    left >= AHEAD_WORTH
}

/// When a long exploration first reports its progress on stderr, and how often after that.
const PROGRESS_FIRST: Duration = Duration::from_secs(2);
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// The exhaustive lane's executions and its estimated size (see [`Stats::search_estimate`]),
/// if there is one.
fn search_estimate(lanes: &[Lane]) -> Option<(usize, u64)> {
    let lane = lanes.iter().find(|lane| matches!(lane.kind, StrategyKind::Exhaustive(_)))?;
    let share = lane.strategy.explored_share()?;
    let estimate = if lane.strategy.exhausted() { lane.run as u64 } else { (lane.run as f64 / share).round() as u64 };
    Some((lane.run, estimate.max(lane.run as u64)))
}

/// Prints a progress line: what ran, and how far the exhaustive search is with its estimated
/// size. Written to the process's stderr directly, not through `eprintln!`, which `cargo test`
/// captures (a long test would otherwise look hung).
fn show_progress(stats: &Stats, lanes: &[Lane], elapsed: Duration) {
    use std::fmt::Write as _;
    use std::io::Write as _;
    let names: Vec<&str> = lanes.iter().filter(|lane| !lane.over).map(|lane| lane.name.as_str()).collect();
    let mut line = format!(
        "weft: exploring ({}): {} executions, {} steps, {} pruned, {elapsed:.1?}",
        names.join(" + "),
        stats.executions,
        stats.steps,
        stats.pruned,
    );
    if let Some((searched, estimate)) = search_estimate(lanes) {
        let percent = 100.0 * searched as f64 / estimate.max(1) as f64;
        let _ = write!(line, "; exhaustive search {searched} of an estimated {estimate} executions ({percent:.1}%)");
    }
    line.push('\n');
    let _ = std::io::stderr().write_all(line.as_bytes());
}

/// The stack of the OS thread an exploration runs on (the simulated threads have stacks of their
/// own): what a process's main thread usually gets.
const EXPLORER_STACK: usize = 8 << 20;

fn kind_name(kind: &StrategyKind) -> String {
    match kind {
        StrategyKind::RandomWalk(seed) => format!("random walk, seed {seed}"),
        StrategyKind::Pct(seed, depth) => format!("PCT depth {depth}, seed {seed}"),
        StrategyKind::Urw(seed) => format!("uniform random walk, seed {seed}"),
        StrategyKind::Pos(seed) => format!("partial-order sampling, seed {seed}"),
        StrategyKind::WeightedPos(seed) => format!("weighted partial-order sampling, seed {seed}"),
        StrategyKind::Exhaustive(bound) => match bound {
            Some(1) => "exhaustive, at most 1 preemption".to_owned(),
            Some(bound) => format!("exhaustive, at most {bound} preemptions"),
            None => "exhaustive".to_owned(),
        },
        StrategyKind::Replay(_) => "replay".to_owned(),
        StrategyKind::Portfolio(seed) => format!("portfolio, seed {seed}"),
    }
}

/// The seed of a random strategy.
fn seed_of(kind: &StrategyKind) -> Option<u64> {
    match kind {
        StrategyKind::RandomWalk(seed)
        | StrategyKind::Pct(seed, _)
        | StrategyKind::Urw(seed)
        | StrategyKind::Pos(seed)
        | StrategyKind::WeightedPos(seed)
        | StrategyKind::Portfolio(seed) => Some(*seed),
        StrategyKind::Exhaustive(_) | StrategyKind::Replay(_) => None,
    }
}

/// A lane's name, with the shard it runs if the exploration is split.
fn shard_name(name: String, shard: Option<(u64, u64)>) -> String {
    match shard {
        Some((index, count)) => format!("{name}, shard {index}/{count}"),
        None => name,
    }
}

impl Explorer {
    /// The strategy of one lane of this exploration.
    fn make_strategy(&self, kind: &StrategyKind) -> Box<dyn Strategy> {
        match kind {
            StrategyKind::RandomWalk(seed) => Box::new(RandomWalk::new(*seed)),
            StrategyKind::Pct(seed, depth) => Box::new(Pct::new(*seed, *depth)),
            StrategyKind::Urw(seed) => Box::new(Urw::new(*seed)),
            StrategyKind::Pos(seed) => Box::new(Pos::new(*seed)),
            StrategyKind::WeightedPos(seed) => Box::new(Pos::weighted(*seed)),
            StrategyKind::Exhaustive(bound) => {
                let mut search = Exhaustive::new(*bound, self.reduce);
                if let Some((index, count)) = self.shard.filter(|_| bound.is_none()) {
                    search = search.shard(index, count);
                }
                if self.count_traces {
                    search = search.count_traces();
                }
                if self.sleep_sets_only {
                    search = search.sleep_sets_only();
                }
                Box::new(search)
            }
            StrategyKind::Replay(token) => {
                let schedule = Schedule::parse_token(token)
                    .unwrap_or_else(|e| panic!("weft: cannot replay {}: {e}", shorten(token)));
                Box::new(Replay::strict(schedule))
            }
            StrategyKind::Portfolio(_) => unreachable!("a portfolio is split into strategies"),
        }
    }
}

/// The first characters of a token, for messages.
fn shorten(token: &str) -> String {
    let shown: String = token.chars().take(48).collect();
    if shown.len() < token.len() { format!("{shown:?}…") } else { format!("{shown:?}") }
}

/// The value of the environment variable `name`, if set, as `parse` reads it.
///
/// # Panics
/// If the variable is set to something `parse` does not accept: the message names the
/// variable, its value and what it should be (`expected`).
fn env_value<T>(name: &str, expected: &str, parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
    let value = std::env::var_os(name)?;
    let text = value.to_str().map(str::trim);
    match text.and_then(parse) {
        Some(parsed) => Some(parsed),
        None => panic!("weft: {name}={value:?} is not {expected}; set it to one, or unset it"),
    }
}

/// The seed [`check`] uses unless `WEFT_SEED` says otherwise.
pub const DEFAULT_SEED: u64 = 0x5745_4654;

/// The `(ident, native id)` of a simulated execution's main thread, the one that runs the
/// model's closure (for a scheduler that delegates to the simulator, such as the façade's).
#[doc(hidden)]
pub const MAIN_THREAD_IDS: (usize, u64) = (1, 1);

/// Checks `model` with the default portfolio ([`Explorer::portfolio`], [`DEFAULT_ITERATIONS`]
/// executions in all): exhaustive search with partial-order reduction, which proves the model
/// correct if it finishes within its share, taking turns with the uniform random walk,
/// partial-order sampling and PCT.
///
/// # Panics
/// With the report of the first failing execution.
pub fn check(model: impl Fn() + Send + Sync + 'static) -> Stats {
    Explorer::portfolio(DEFAULT_SEED).check(model)
}
