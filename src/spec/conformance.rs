//! The simulator held to reality: a scenario's outcomes on real threads must be among the
//! outcomes the simulator's exhaustive exploration of it produces.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, Instant};

use crate::Auto;
use crate::sim::Explorer;
use crate::spec::run::{Linearizability, Outcome, Recording, perform};
use crate::spec::scenario::Scenario;
use crate::spec::{Model, Operation};
use weft_sim::Rng;
use weft_sim::os_thread::{self, OsThreadState};

/// How long the threads of a real run must stay still (each finished, or parked in a weft
/// primitive and asleep in the kernel, and no operation called or returned) before the ones
/// parked count as blocked for ever.
const QUIET: Duration = Duration::from_millis(5);

/// How long a real run may take, once released, before it counts as hung.
const HUNG: Duration = Duration::from_secs(20);

/// What a conformance run covered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conformance {
    /// Distinct outcomes the simulator's exhaustive exploration produced.
    pub simulated: usize,
    /// Executions that exploration took.
    pub executions: usize,
    /// Real runs made.
    pub real_runs: usize,
    /// Distinct outcomes the real runs produced (all among the simulated ones).
    pub real_outcomes: usize,
}

/// A disagreement between the simulator and real threads, or a scenario they could not compare.
#[derive(Debug)]
pub enum ConformanceFailure {
    /// A real run produced an outcome the simulator never did.
    Outside {
        /// The scenario, as its table.
        scenario: String,
        /// The real run's outcome.
        real: Outcome,
        /// Every outcome the simulator produced.
        simulated: Vec<Outcome>,
    },
    /// The simulator's exploration failed (a history with no linearization, a panic, ...).
    Simulation(String),
    /// The simulator's exhaustive exploration did not finish within the budget.
    Unfinished(String),
    /// A real run did not end, even after `release`.
    Hung(String),
}

impl fmt::Display for ConformanceFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |o: &Outcome| format!("{:?}", o.0);
        match self {
            ConformanceFailure::Outside { scenario, real, simulated } => {
                writeln!(f, "a real run's outcome is not one the simulator produces\nscenario:\n{scenario}")?;
                writeln!(
                    f,
                    "real outcome (per thread: init, parallel threads, post; None: pending):\n  {}",
                    show(real)
                )?;
                writeln!(f, "the simulator's {} outcomes:", simulated.len())?;
                simulated.iter().try_for_each(|o| writeln!(f, "  {}", show(o)))
            }
            ConformanceFailure::Simulation(text) => write!(f, "the simulation of the scenario failed:\n{text}"),
            ConformanceFailure::Unfinished(scenario) => {
                write!(f, "the exhaustive exploration of this scenario did not finish:\n{scenario}")
            }
            ConformanceFailure::Hung(scenario) => write!(f, "a real run did not end after its release:\n{scenario}"),
        }
    }
}

impl std::error::Error for ConformanceFailure {}

/// Marks a real run's thread finished when it ends, by returning or by unwinding.
struct Finish<'a>(&'a AtomicBool);

impl Drop for Finish<'_> {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
    }
}

/// The real runs' random pauses, from the simulator's seed-stable generator.
struct Delays(Rng);

impl Delays {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A short random pause: nothing, a few spins, or a yield of the OS thread.
    fn pause(&mut self) {
        match self.0.below(8) {
            0..=3 => {}
            4..=6 => (0..self.0.below(2_000)).for_each(|_| std::hint::spin_loop()),
            _ => std::thread::yield_now(),
        }
    }
}

impl<M, O> Linearizability<M, O>
where
    M: Model + Send + Sync + 'static,
    M::Op: Send + Sync + 'static,
    M::Ret: Send + 'static,
    O: Send + Sync + 'static,
{
    /// Holds the simulator to reality on `scenario`: explores it exhaustively (every execution
    /// must also be linearizable), then runs it `runs` times on real threads, with small random
    /// pauses (seeded by `seed`) before each operation, and checks that every real outcome is
    /// one the simulator produced. A real run whose threads all finished or sat parked in weft
    /// primitives for a while, with operations pending, is over: its threads run no further
    /// operation, and `release(&object)`, called again and again until they have all
    /// returned, must wake them (their late results are not part of the outcome, as in the
    /// simulator, where they stay pending).
    ///
    /// # Errors
    /// [`ConformanceFailure`]: an outcome outside the simulator's set, a failing or unfinished
    /// simulation, or a real run that `release` could not end.
    pub fn conformance(
        &self,
        scenario: &Scenario<M::Op>,
        runs: usize,
        seed: u64,
        release: impl Fn(&O),
    ) -> Result<Conformance, Box<ConformanceFailure>> {
        let scenario = Arc::new(scenario.clone());
        let table = || format!("{scenario:?}");
        let outcomes = Arc::new(StdMutex::new(Vec::new()));
        let stats = Explorer::exhaustive()
            .iterations(self.exhaustive)
            .run(self.execution(&scenario, Some(outcomes.clone())))
            .map_err(|report| Box::new(ConformanceFailure::Simulation(format!("scenario:\n{}\n{report}", table()))))?;
        if !stats.exhausted {
            return Err(Box::new(ConformanceFailure::Unfinished(table())));
        }
        let simulated: Vec<Outcome> = std::mem::take(&mut *outcomes.lock().unwrap_or_else(|e| e.into_inner()));
        let known: HashSet<&Outcome> = simulated.iter().collect();
        let mut seen = HashSet::new();
        let mut delays = Delays(Rng::new(seed));
        for _ in 0..runs {
            let real = self
                .real_run(&scenario, &mut delays, &release)
                .ok_or_else(|| Box::new(ConformanceFailure::Hung(table())))?;
            if !known.contains(&real) {
                return Err(Box::new(ConformanceFailure::Outside { scenario: table(), real, simulated }));
            }
            seen.insert(real);
        }
        Ok(Conformance {
            simulated: simulated.len(),
            executions: stats.executions,
            real_runs: runs,
            real_outcomes: seen.len(),
        })
    }

    /// One run of `scenario` on real threads; `None` if it hung. As in the simulator, thread
    /// 0 runs the initial and the final part and the parallel threads run theirs, and a part
    /// whose threads do not all finish (some stay parked in weft primitives) ends the run with
    /// their operations pending.
    fn real_run(&self, scenario: &Arc<Scenario<M::Op>>, delays: &mut Delays, release: &impl Fn(&O)) -> Option<Outcome> {
        let object = Arc::new((self.make)());
        let history = Arc::new(StdMutex::new(Recording::<M>::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let threads: Vec<RealThread<M::Op>> = (0..=scenario.parallel.len())
            .map(|thread| self.real_thread(thread, &object, &history, &stop, delays))
            .collect();
        let parts: [Vec<(usize, Vec<M::Op>)>; 3] = [
            vec![(0, scenario.init.clone())],
            scenario.parallel.iter().enumerate().map(|(t, ops)| (t + 1, ops.clone())).collect(),
            vec![(0, scenario.post.clone())],
        ];
        for part in parts {
            let busy: Vec<&RealThread<M::Op>> = part
                .into_iter()
                .map(|(thread, ops)| {
                    threads[thread].give(ops);
                    &threads[thread]
                })
                .collect();
            if !still(&busy, &history) {
                let snapshot: Vec<Operation<M>> =
                    history.lock().unwrap_or_else(|e| e.into_inner()).recorder.history().to_vec();
                // The run is over: the threads stop after the operation they are in, which
                // `release` ends.
                stop.store(true, SeqCst);
                return end(threads, || release(&object)).then(|| Outcome::of(scenario, &snapshot));
            }
        }
        let outcome = Outcome::of(scenario, history.lock().unwrap_or_else(|e| e.into_inner()).recorder.history());
        end(threads, || {}).then_some(outcome)
    }

    /// A real thread that runs, as `thread` of the history, the lists of operations it is
    /// given, pausing a little before each operation.
    fn real_thread(
        &self,
        thread: usize,
        object: &Arc<O>,
        history: &Arc<StdMutex<Recording<M>>>,
        stop: &Arc<AtomicBool>,
        delays: &mut Delays,
    ) -> RealThread<M::Op> {
        let (jobs, jobs_rx) = std::sync::mpsc::channel::<Vec<M::Op>>();
        let (status_tx, status_rx) = std::sync::mpsc::channel();
        let (done, ended) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let (run, object, history, finished, over, stop) =
            (self.run.clone(), object.clone(), history.clone(), done.clone(), ended.clone(), stop.clone());
        let mut delays = Delays(Rng::new(delays.next()));
        let handle = crate::thread::spawn(move || {
            // Ended also if an operation panics (the join reports it).
            let _end = Finish(&over);
            let me = (weft_core::current_status::<Auto>(), os_thread::current_id());
            status_tx.send(me).expect("the run waits for the status");
            for ops in jobs_rx {
                for op in &ops {
                    if stop.load(SeqCst) {
                        break;
                    }
                    delays.pause();
                    perform(&*run, &object, &history, thread, op);
                }
                finished.fetch_add(1, SeqCst);
            }
        });
        let (status, os_id) = status_rx.recv().expect("the thread sends its status");
        RealThread { jobs, given: AtomicUsize::new(0), done, ended, status, os_id, handle }
    }
}

/// One thread of a real run.
struct RealThread<Op> {
    jobs: std::sync::mpsc::Sender<Vec<Op>>,
    /// Lists of operations given to it, and run by it.
    given: AtomicUsize,
    done: Arc<AtomicUsize>,
    ended: Arc<AtomicBool>,
    status: Arc<weft_core::ThreadStatus<Auto>>,
    /// Its OS id, where the OS tells ([`os_thread::current_id`]).
    os_id: Option<u64>,
    handle: crate::thread::JoinHandle<()>,
}

impl<Op> RealThread<Op> {
    fn give(&self, ops: Vec<Op>) {
        self.given.fetch_add(1, SeqCst);
        // A thread that ended (an operation panicked) takes nothing more: its join reports it.
        let _ = self.jobs.send(ops);
    }

    /// Whether it ran all it was given (or ended).
    fn idle(&self) -> bool {
        self.ended.load(SeqCst) || self.done.load(SeqCst) >= self.given.load(SeqCst)
    }

    /// Whether it is parked in a weft primitive, as far as can be seen. A thread stays marked
    /// parked (`blocked_on`) after it is woken, until it runs again; on a loaded machine that can
    /// take longer than [`QUIET`]. Where the OS tells, a woken thread is runnable, not asleep,
    /// so a parked thread must also be asleep in the kernel.
    fn parked(&self) -> bool {
        self.status.blocked_on() != 0
            && self.os_id.is_none_or(|id| os_thread::state(id) != Some(OsThreadState::Running))
    }
}

/// Waits until every thread of `busy` ran what it was given (true), or those that did not all
/// stayed parked in weft primitives, with no operation called or returned, for [`QUIET`]
/// (false).
fn still<M: Model>(busy: &[&RealThread<M::Op>], history: &StdMutex<Recording<M>>) -> bool {
    let events = || history.lock().unwrap_or_else(|e| e.into_inner()).recorder.now();
    let mut still_since: Option<(Instant, u64)> = None;
    for round in 0.. {
        if busy.iter().all(|thread| thread.idle()) {
            return true;
        }
        let parked = busy.iter().all(|thread| thread.idle() || thread.parked());
        let now = events();
        match still_since {
            Some((since, at)) if parked && at == now => {
                if since.elapsed() >= QUIET {
                    return false;
                }
            }
            _ => still_since = parked.then(|| (Instant::now(), now)),
        }
        pause(round);
    }
    unreachable!("the loop returns")
}

/// Between two looks at a real run's threads: a yield at first (most parts end within
/// microseconds), then short sleeps.
fn pause(round: u32) {
    if round < 500 {
        std::thread::yield_now();
    } else {
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Lets the threads of a run finish what they run, calling `release` until they have (to wake
/// those blocked), and end them; false if they do not within [`HUNG`] (they
/// are left behind).
fn end<Op>(threads: Vec<RealThread<Op>>, release: impl Fn()) -> bool {
    let deadline = Instant::now() + HUNG;
    let mut round = 0;
    while !threads.iter().all(RealThread::idle) {
        if Instant::now() > deadline {
            return false;
        }
        release();
        pause(round);
        round += 1;
    }
    for thread in threads {
        drop(thread.jobs);
        thread.handle.join().expect("a scenario's thread panicked");
    }
    true
}
