//! Checking a concurrent object against its model: each scenario under the simulator, every
//! execution's history checked for linearizability.

use std::fmt;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestError, TestRunner};

use crate::sim::{Explorer, Report};
use crate::spec::scenario::{Scenario, Shape, scenarios};
use crate::spec::{Model, Operation, Recorder, check_quiescent};
use crate::{Builder, Thread};

/// How long the final part waits, in virtual time, for the parallel part: longer than any
/// timeout a scenario's operations use, so that what is still running then waits for ever.
const PATIENCE: Duration = Duration::from_secs(365 * 24 * 3600);

/// A concurrent object under test, with the sequential [`Model`] it must be linearizable to:
/// [`Linearizability::check`] generates scenarios (a proptest [`Strategy`] of operations),
/// runs each under the simulator, and checks every execution's history with
/// [`crate::spec::check`].
///
/// The object is made afresh in every execution (`make`), and `run` performs one operation on
/// it, returning what the model's [`Model::apply`] returns for it. An operation may block where
/// the model blocks; one still blocked when the execution ends must block in the model too.
///
/// ```
/// use proptest::prelude::*;
/// use weft::spec::{Blocked, Linearizability, Model, Shape};
///
/// /// A counter behind a `weft::Lock`... with its increment split in two critical sections.
/// struct Counter { lock: weft::Lock, value: std::sync::atomic::AtomicU32 }
///
/// #[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
/// struct Count(u32);
///
/// #[derive(Clone, Debug)]
/// enum Op { Increment, Read }
///
/// impl Model for Count {
///     type Op = Op;
///     type Ret = u32;
///     fn apply(&mut self, op: &Op) -> Result<u32, Blocked> {
///         match op {
///             Op::Increment => { self.0 += 1; Ok(self.0) }
///             Op::Read => Ok(self.0),
///         }
///     }
/// }
///
/// let test = Linearizability::new(
///     Count::default(),
///     || Counter { lock: weft::Lock::new(), value: Default::default() },
///     |counter, op| {
///         use std::sync::atomic::Ordering::SeqCst;
///         let seen = { let _held = counter.lock.lock(); counter.value.load(SeqCst) };
///         match op {
///             Op::Read => seen,
///             Op::Increment => { let _held = counter.lock.lock(); counter.value.store(seen + 1, SeqCst); seen + 1 }
///         }
///     },
/// );
/// let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     test.persist_failures(false).check(prop_oneof![Just(Op::Increment), Just(Op::Read)], &Shape::default())
/// }));
/// assert!(failure.is_err()); // two increments can both return 1
/// ```
pub struct Linearizability<M: Model, O> {
    initial: M,
    pub(super) make: Arc<dyn Fn() -> O + Send + Sync>,
    pub(super) run: Arc<RunOperation<M, O>>,
    pub(super) exhaustive: usize,
    random: usize,
    seed: u64,
    persist: bool,
}

/// How a test performs one operation on its object.
pub(super) type RunOperation<M, O> = dyn Fn(&O, &<M as Model>::Op) -> <M as Model>::Ret + Send + Sync;

/// What the check of one scenario covered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScenarioStats {
    /// Executions explored.
    pub executions: usize,
    /// Whether they were all of them (an exhaustive search finished within its budget).
    pub exhausted: bool,
}

/// A scenario with an execution whose history has no linearization (or that failed otherwise:
/// a panic, a deadlock of non-daemon threads). Its `Display` shows the scenario as a table, the
/// history, why no linearization exists, the trace of the execution and its replay token.
pub struct SpecFailure {
    /// The scenario, as its table.
    pub scenario: String,
    /// The simulator's report of the failing execution (its message is the violation).
    pub report: Box<Report>,
}

impl fmt::Display for SpecFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "scenario:\n{}", self.scenario)?;
        write!(f, "{}", self.report)
    }
}

impl fmt::Debug for SpecFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for SpecFailure {}

impl<M, O> Linearizability<M, O>
where
    M: Model + Send + Sync + 'static,
    M::Op: Send + Sync + 'static,
    M::Ret: Send + 'static,
    O: Send + Sync + 'static,
{
    /// The object `make` makes, operated by `run`, against `initial`, the model's first state.
    pub fn new(
        initial: M,
        make: impl Fn() -> O + Send + Sync + 'static,
        run: impl Fn(&O, &M::Op) -> M::Ret + Send + Sync + 'static,
    ) -> Self {
        Linearizability {
            initial,
            make: Arc::new(make),
            run: Arc::new(run),
            exhaustive: 2_000,
            random: 500,
            seed: 1,
            persist: true,
        }
    }

    /// The executions each scenario may take: an exhaustive search of at most `exhaustive`
    /// (default 2,000); if it does not finish, `random` more from the default portfolio
    /// (default 500).
    pub fn executions(mut self, exhaustive: usize, random: usize) -> Self {
        self.exhaustive = exhaustive;
        self.random = random;
        self
    }

    /// Whether [`Self::check`] records failing scenarios in proptest's regression file (default:
    /// yes; a test that expects a failure turns it off).
    pub fn persist_failures(mut self, persist: bool) -> Self {
        self.persist = persist;
        self
    }

    /// Checks one scenario: every execution the simulator explores must have a linearizable
    /// history (and no other failure). For use inside `proptest!`, or on a scenario of one's
    /// own.
    ///
    /// # Errors
    /// The first failing execution, as a [`SpecFailure`].
    pub fn check_scenario(&self, scenario: &Scenario<M::Op>) -> Result<ScenarioStats, Box<SpecFailure>> {
        let scenario = Arc::new(scenario.clone());
        let fail = |report| Box::new(SpecFailure { scenario: format!("{scenario:?}"), report });
        let first =
            Explorer::exhaustive().iterations(self.exhaustive).run(self.execution(&scenario, None)).map_err(fail)?;
        if first.exhausted || self.random == 0 {
            return Ok(ScenarioStats { executions: first.executions, exhausted: first.exhausted });
        }
        let more = Explorer::portfolio(self.seed)
            .iterations(self.random)
            .run(self.execution(&scenario, None))
            .map_err(fail)?;
        Ok(ScenarioStats { executions: first.executions + more.executions, exhausted: false })
    }

    /// Generates scenarios of `shape` from `operation` (as many as proptest's configuration
    /// says: 256, or `PROPTEST_CASES`) and checks each ([`Self::check_scenario`]). A failing
    /// scenario is shrunk, by proptest and then by removing operations while it still fails,
    /// and recorded in proptest's regression file beside the calling source file
    /// (`<file>.proptest-regressions`, which works for integration tests too).
    ///
    /// # Panics
    /// With the [`SpecFailure`] of the smallest failing scenario found.
    #[track_caller]
    pub fn check<S>(&self, operation: S, shape: &Shape)
    where
        S: Strategy<Value = M::Op> + Clone,
    {
        self.run_scenarios(scenarios(operation, shape), true, std::panic::Location::caller());
    }

    /// Checks the scenarios `strategy` generates, for scenarios of a shape of one's own (all the
    /// receives on one thread, for a single-consumer object): as [`Self::check`], except that
    /// a failing scenario shrinks only as `strategy` shrinks it (removing or moving operations
    /// could break the shape the strategy keeps).
    ///
    /// # Panics
    /// With the [`SpecFailure`] of the smallest failing scenario found.
    #[track_caller]
    pub fn check_scenarios<S>(&self, strategy: S)
    where
        S: Strategy<Value = Scenario<M::Op>>,
    {
        self.run_scenarios(strategy, false, std::panic::Location::caller());
    }

    /// Runs proptest over `strategy`'s scenarios, and panics with the smallest failure (shrunk
    /// further by removing operations if `remove_operations`).
    fn run_scenarios<S>(&self, strategy: S, remove_operations: bool, caller: &'static std::panic::Location<'static>)
    where
        S: Strategy<Value = Scenario<M::Op>>,
    {
        let config = Config {
            source_file: Some(caller.file()),
            failure_persistence: self
                .persist
                .then(|| Box::new(FileFailurePersistence::WithSource("proptest-regressions")) as Box<_>),
            ..Config::default()
        };
        let mut runner = TestRunner::new(config);
        let result = runner.run(&strategy, |scenario| {
            self.check_scenario(&scenario).map(drop).map_err(|failure| TestCaseError::fail(failure.to_string()))
        });
        match result {
            Ok(()) => {}
            Err(TestError::Fail(_, scenario)) => {
                let smallest = if remove_operations { self.shrink(scenario) } else { scenario };
                let failure = self.check_scenario(&smallest).expect_err("the shrunk scenario fails");
                let what = if failure.report.failure.message.starts_with(NO_LINEARIZATION) {
                    "an execution has no linearization"
                } else {
                    "an execution failed" // a deadlock, a livelock, a panic of the object
                };
                panic!("weft::spec: {what}\n{failure}");
            }
            Err(TestError::Abort(reason)) => panic!("weft::spec: proptest gave up: {reason}"),
        }
    }

    /// Removes operations from a failing scenario, one at a time, while it still fails.
    fn shrink(&self, mut scenario: Scenario<M::Op>) -> Scenario<M::Op> {
        'smaller: loop {
            for candidate in scenario.smaller() {
                if self.check_scenario(&candidate).is_err() {
                    scenario = candidate;
                    continue 'smaller;
                }
            }
            return scenario;
        }
    }

    /// The model of one execution of `scenario`, for the simulator: it runs the scenario on a
    /// fresh object, records the history, and panics if the history has no linearization. With
    /// `outcomes`, it also adds the execution's outcome there.
    pub(super) fn execution(
        &self,
        scenario: &Arc<Scenario<M::Op>>,
        outcomes: Option<Arc<StdMutex<Vec<Outcome>>>>,
    ) -> impl Fn() + Send + Sync + 'static {
        let (initial, make, run, scenario) =
            (self.initial.clone(), self.make.clone(), self.run.clone(), scenario.clone());
        move || {
            let object = Arc::new(make());
            let history = Arc::new(StdMutex::new(Recording::<M>::new()));
            // Thread 0 of the history runs the initial part, the parallel threads (1 to T), and
            // the final part; it and they are daemon threads, which the main thread waits for
            // with a deadline in virtual time: an operation blocked for ever leaves its thread
            // blocked (pending), and the execution still ends (a blocked daemon is no deadlock).
            let thread_zero = {
                let (run, object, history, scenario) = (run.clone(), object.clone(), history.clone(), scenario.clone());
                // Named as the history numbers them, so that the trace and the table agree.
                Builder::new().name("thread 0").daemon(true).build(move || {
                    for op in &scenario.init {
                        perform(&*run, &object, &history, 0, op);
                    }
                    let parallel: Vec<Thread> = (0..scenario.parallel.len())
                        .map(|t| {
                            let (run, object, history, scenario) =
                                (run.clone(), object.clone(), history.clone(), scenario.clone());
                            Builder::new().name(format!("thread {}", t + 1)).daemon(true).build(move || {
                                for op in &scenario.parallel[t] {
                                    perform(&*run, &object, &history, t + 1, op);
                                }
                            })
                        })
                        .collect();
                    if all_end(&parallel, PATIENCE) {
                        for op in &scenario.post {
                            perform(&*run, &object, &history, 0, op);
                        }
                    }
                })
            };
            all_end(&[thread_zero], 3 * PATIENCE);
            let (history, quiescent) = {
                let recording = history.lock().unwrap_or_else(|e| e.into_inner());
                (recording.recorder.history().to_vec(), recording.recorder.quiescent_points().to_vec())
            };
            if let Some(outcomes) = &outcomes {
                let outcome = Outcome::of(&scenario, &history);
                let mut outcomes = outcomes.lock().unwrap_or_else(|e| e.into_inner());
                if !outcomes.contains(&outcome) {
                    outcomes.push(outcome);
                }
            }
            if let Err(violation) = check_quiescent(&initial, &history, &quiescent) {
                panic!("{NO_LINEARIZATION}\n{violation}");
            }
        }
    }
}

/// How an execution whose history has no linearization fails (the start of its panic message).
const NO_LINEARIZATION: &str = "the history of this execution has no linearization";

/// Starts `threads` and waits for them, `patience` at most in all (in virtual time, in a
/// simulation); whether they all ended. One that did not is blocked for ever, or for longer
/// than any timeout of a scenario: it is left to block.
fn all_end(threads: &[Thread], patience: Duration) -> bool {
    threads.iter().for_each(|thread| thread.start().expect("a scenario's thread starts"));
    let deadline = crate::monotonic() + patience;
    for thread in threads {
        let left = deadline.saturating_sub(crate::monotonic());
        if left.is_zero() || thread.join_timeout(left).is_err() {
            break;
        }
    }
    threads.iter().all(|thread| !thread.is_alive())
}

/// Performs `op` on `object` as `thread`, recording its call and return in `history`.
pub(super) fn perform<M: Model, O>(
    run: &RunOperation<M, O>,
    object: &O,
    history: &StdMutex<Recording<M>>,
    thread: usize,
    op: &M::Op,
) {
    let now = Recording::<M>::now();
    history.lock().unwrap_or_else(|e| e.into_inner()).at(now).call(thread, op.clone());
    let ret = run(object, op);
    let now = Recording::<M>::now();
    history.lock().unwrap_or_else(|e| e.into_inner()).at(now).ret(thread, ret);
}

/// A run's history as it is recorded: the recorder, and under the simulator the virtual time of
/// the last event. Virtual time passes only when every thread is blocked: an event at a later
/// time than the one before follows a quiescent point ([`Recorder::quiescent`]).
pub(super) struct Recording<M: Model> {
    pub(super) recorder: Recorder<M>,
    last: Duration,
}

impl<M: Model> Recording<M> {
    pub(super) fn new() -> Self {
        Recording { recorder: Recorder::new(), last: Duration::ZERO }
    }

    /// The virtual time now, under the simulator (read before the recording's lock is taken).
    fn now() -> Option<Duration> {
        weft_sim::in_simulation().then(crate::monotonic)
    }

    /// The recorder, for an event at `now` (`None` on real threads, whose clock always runs).
    fn at(&mut self, now: Option<Duration>) -> &mut Recorder<M> {
        if let Some(now) = now.filter(|&now| now != self.last) {
            self.last = now;
            self.recorder.quiescent();
        }
        &mut self.recorder
    }
}

/// What the operations of one run of a scenario returned, thread by thread as histories
/// number them: thread 0 (the initial part, then the final part), then each parallel thread,
/// in the scenario's order (`Debug` forms; `None`: still blocked at the end, or never run).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Outcome(pub Vec<Vec<Option<String>>>);

impl Outcome {
    /// The outcome a history records for `scenario`.
    pub(crate) fn of<M: Model>(scenario: &Scenario<M::Op>, history: &[Operation<M>]) -> Self {
        let mut threads: Vec<Vec<Option<String>>> = std::iter::once(scenario.init.len() + scenario.post.len())
            .chain(scenario.parallel.iter().map(Vec::len))
            .map(|n| vec![None; n])
            .collect();
        let mut next = vec![0; threads.len()];
        for operation in history {
            let slot = next[operation.thread];
            next[operation.thread] += 1;
            threads[operation.thread][slot] = operation.value().map(|value| format!("{value:?}"));
        }
        Outcome(threads)
    }
}
