//! [`Explorer`]: which strategy, how many executions, how long; the exploration loop,
//! shrinking, the determinism check, and [`check`].

use std::any::TypeId;
use std::cell::Cell;
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use crate::delegate::{OUTSIDE_IDENT, QUIET};
use crate::execution::{self, Buffers, Config, run_execution};
use crate::report::{FailureKind, Report, Stats};
use crate::schedule::Schedule;
use crate::strategy::{self, Exhaustive, Strategy};
use crate::watchdog;
use crate::*;

mod ahead;
mod learning;
mod options;
mod pool;
mod reporting;
mod strategies;
mod verify;

use reporting::{PROGRESS_EVERY, PROGRESS_FIRST, search_estimate, show_progress};
use strategies::{StrategyKind, kind_name, seed_of, shard_name, shorten};
use verify::{Sample, Verified, nondeterministic};

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
    /// OS threads an exploration runs executions on, if chosen (see [`Explorer::threads`]);
    /// `None`: the available parallelism, as far as other explorations leave cores free.
    threads: Option<usize>,
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
            threads: None,
            shard: None,
            count_traces: false,
            sleep_sets_only: false,
        }
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
            self.threads = Some(threads);
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
        let kind = model_kind(&model);
        let model = Arc::new(model);
        let (explorer, on_worker) = (self.clone(), model.clone());
        let caller = std::thread::current();
        let name = caller.name().unwrap_or("weft-explorer");
        match pool::spawn(name, EXPLORER_STACK, true, move || explorer.run_here(move || on_worker(), kind)) {
            Ok(worker) => worker.join().unwrap_or_else(|payload| std::panic::resume_unwind(payload)),
            // No thread to be had: explore here.
            Err(_) => self.run_here(move || model(), kind),
        }
    }

    /// [`Explorer::run`] on the calling thread, for a model of type `kind`.
    fn run_here(&self, model: impl Fn() + Send + Sync + 'static, kind: TypeId) -> Result<Stats, Box<Report>> {
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
            let result = explorer.explore_alone_if_shared(&model, kind);
            // An `UnsafeCell` was first accessed in an execution that did not track races from
            // its start: that one and those before went unchecked. Explore again, from the start,
            // with every execution tracked.
            if result.is_ok() && execution::take_untracked_cells() {
                explorer.explore_alone_if_shared(&model, kind)
            } else {
                result
            }
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

    /// [`Explorer::explore`]; but if helper threads ran executions and the model did not
    /// repeat itself, explores it again on one thread, and that is the verdict. A model that
    /// keeps state outside the simulation (a std `static` it resets at its start, a std
    /// `thread_local`) may repeat itself when its executions run one after the other on one OS
    /// thread, and not when some run at the same time on others: without this, its verdict would
    /// depend on the number of threads, and with the default number, on the machine's load.
    /// Models of the type `kind` of one that did so are explored on one thread from then on
    /// (a property test explores one model many times), and the first time is said on stderr.
    fn explore_alone_if_shared(&self, model: &Arc<dyn Fn() + Send + Sync>, kind: TypeId) -> Result<Stats, Box<Report>> {
        // (Made only when needed: most explorations never are.)
        let alone = || Explorer { threads: Some(1), ..self.clone() };
        if watchdog::lock(&MODELS_THAT_SHARE).contains(&kind) {
            return alone().explore(model, &mut false);
        }
        let mut helped = false;
        let result = self.explore(model, &mut helped);
        match result {
            Err(report) if helped && report.failure.kind == FailureKind::Nondeterminism => {
                let result = alone().explore(model, &mut helped);
                let first_time = || {
                    let mut kinds = watchdog::lock(&MODELS_THAT_SHARE);
                    let first = !kinds.contains(&kind);
                    if first {
                        kinds.push(kind);
                    }
                    first
                };
                if result.is_ok() && first_time() {
                    eprintln!(
                        "weft: the model did not repeat itself while its executions ran at the same time on \
                         several OS threads, and did on one thread, which explored it again: it keeps state \
                         outside the simulation (a std static, a std thread_local) that executions running \
                         at the same time share. Explorer::threads(1) explores it on one thread from the \
                         start; weft::sync::OnceLock/LazyLock keep a value per execution, and \
                         weft::thread_local! one per simulated thread. Other explorations of this \
                         model in this process run on one thread."
                    );
                }
                result
            }
            other => other,
        }
    }

    /// Explores `model`; `helped` is set if helper threads started.
    fn explore(&self, model: &Arc<dyn Fn() + Send + Sync>, helped: &mut bool) -> Result<Stats, Box<Report>> {
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
                    // the sampled schedules, replayed, must take the same steps. (Without
                    // helpers, the caller waiting for the result wakes meanwhile: it has a core.)
                    if helpers.is_none() {
                        pool::end_is_near();
                    }
                    match self.verify_sample(model, &lane.sample, &mut pool, helpers.as_mut()) {
                        Verified::Repeated => stats.verified += lane.sample.replays(),
                        Verified::Differs(found) => {
                            // (The report replays the schedule: with the helpers stopped.)
                            drop(helpers.take());
                            let (schedule, failure) = *found;
                            stats.verified += lane.sample.replays();
                            stats.elapsed = start.elapsed();
                            return Err(Box::new(self.report(model, &lane.kind, failure, schedule, stats, &mut pool)));
                        }
                        // The time limit came before the check finished: the search claims
                        // nothing (as a search the limit cuts short).
                        Verified::CutShort => break,
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
                drop(helpers.take());
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
            // With the default number of threads, only on cores that other explorations of the
            // process leave free (see `pool::WORKING`); tried again after each execution (the
            // cheap test of a free core first, before the search's estimate).
            let wanted = self.threads.unwrap_or_else(available_parallelism).saturating_sub(1);
            if wanted > 0
                && !self.count_traces
                && lane.run >= if exhaustive { AHEAD_AFTER } else { RANDOM_AHEAD_AFTER }
                && helpers.is_none()
                && (self.threads.is_some() || pool::cores_left_for(1))
                && worth_helping(lane)
            {
                let watched = self.watch.is_some();
                let left = self.time_limit.map(|limit| limit.saturating_sub(start.elapsed()));
                let cores = pool::take_cores(wanted, self.threads.is_none());
                if !cores.is_empty() {
                    // The caller waiting for the result stops polling: the helpers need its core.
                    pool::helpers_come();
                    helpers = ahead::Helpers::start(cores, model, watched, self.stall, left);
                    *helped |= helpers.is_some();
                }
            }
            if let Some(helpers) = helpers.as_mut().filter(|helpers| helpers.room(!exhaustive) > 0) {
                let cells = execution::cells_state().0;
                let name = lane.label.get_or_insert_with(|| Arc::new((lane.name.clone(), seed_of(&lane.kind)))).clone();
                if let Some(search) = lane.strategy.as_exhaustive() {
                    let aheads = search.ahead(helpers.room(false), &mut next_serial, |key| helpers.knows(key));
                    let limit = lane.iterations.saturating_sub(lane.run);
                    helpers.post_subtrees(aheads, (&config, cells), limit, &name);
                } else {
                    // Batches after the one under way, as many as the helpers take: of each
                    // `helpers + 1` batches, the lane runs the first itself while helpers run the
                    // others (it would otherwise catch up with a helper and wait for it).
                    let turn = helpers.count() + 1;
                    let mut batch = lane.run / BATCH + 1;
                    while helpers.room(true) > 0
                        && batch * BATCH < lane.iterations
                        && batch <= lane.run / BATCH + 2 * turn
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
        // (Stopped before the caller wakes: it would take their core.)
        drop(helpers);
        pool::end_is_near();
        stats.elapsed = start.elapsed();
        stats.shard = self.shard;
        stats.traces =
            lanes.iter_mut().find_map(|lane| lane.strategy.as_exhaustive().and_then(|search| search.traces()));
        if let Some((searched, estimate)) = search_estimate(&lanes) {
            (stats.searched, stats.search_estimate) = (searched, Some(estimate));
        }
        Ok(stats)
    }
}

/// The types of the models that did not repeat themselves while helper threads ran some of
/// their executions, and did on one thread (see [`Explorer::explore_alone_if_shared`]).
static MODELS_THAT_SHARE: std::sync::Mutex<Vec<TypeId>> = std::sync::Mutex::new(Vec::new());

/// The type of `model`: a property test's many explorations of one model share it.
fn model_kind<M: 'static>(_model: &M) -> TypeId {
    TypeId::of::<M>()
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

/// The executions an exhaustive search runs alone before helpers may start (then only if
/// enough are left: see [`AHEAD_WORTH`]). Waiting threads poll before they sleep (see
/// `pool::POLLED_FOR`), and the caller stops polling once helpers start (see
/// `pool::helpers_come`), so a helper costs little to start.
const AHEAD_AFTER: usize = 1;

/// The fewest executions an exhaustive search must have left, by its estimate, for helpers to
/// start: fewer end before helpers pay for themselves. Measured on a 2-core machine (2 threads
/// against 1, medians of runs of 9 rounds of 60 ms each) with helpers from the first
/// execution: lock_counter (2,3), 20 executions, 1.37–1.41 (1.00 when helpers needed 32 left);
/// (4,1), 24 executions, 1.40–1.45 (1.00); (3,2), 90 executions, 1.62 either way; (2,2) and
/// (3,1), 6 executions, whose estimate stays under this, 1.00–1.01.
const AHEAD_WORTH: f64 = 10.0;

/// [`AHEAD_AFTER`] and [`AHEAD_WORTH`] for a random lane, whose helpers run batches of
/// [`BATCH`] executions: a batch forked before the lane has learnt what its first executions
/// teach it (PCT's step count, say) is run again by the lane (see [`take_executions`]).
const RANDOM_AHEAD_AFTER: usize = 4;
const RANDOM_AHEAD_WORTH: f64 = 32.0;

/// Whether `lane` has enough left to pay for helper threads: an exhaustive search by its
/// estimated size (Knuth's estimator, low early on: asked again after each execution, it starts
/// helpers once the estimate has grown), a random lane by its budget.
fn worth_helping(lane: &Lane) -> bool {
    let run = lane.run as f64;
    match lane.strategy.explored_share() {
        Some(share) => run / share - run >= AHEAD_WORTH,
        None => lane.iterations.saturating_sub(lane.run) as f64 >= RANDOM_AHEAD_WORTH,
    }
}

/// The stack of the OS thread an exploration runs on (the simulated threads have stacks of their
/// own): what a process's main thread usually gets.
const EXPLORER_STACK: usize = 8 << 20;

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
