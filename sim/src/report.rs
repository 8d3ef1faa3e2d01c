//! What the simulator reports: failures, traces, statistics.

use std::fmt;
use std::time::Duration;

/// One numbered event of a trace.
///
/// ```
/// use weft_core::Lock;
/// use weft_sim::{Explorer, Sim};
///
/// let report = Explorer::exhaustive()
///     .run(|| {
///         let lock = Lock::<Sim>::new();
///         lock.label("door");
///         let _first = lock.lock();
///         let _second = lock.lock(); // not reentrant: waits for itself
///     })
///     .unwrap_err();
/// let event = report.trace.iter().find(|event| event.object == "door").unwrap();
/// assert_eq!((event.thread.as_str(), event.operation.as_str()), ("MainThread", "acquire"));
/// println!("{event}"); // as the report's trace shows it: time, thread, object, operation
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// The thread's name.
    pub thread: String,
    /// The object, labelled by kind and order of first use (`Lock#1`), or `-`.
    pub object: String,
    /// The operation (`acquire`, `park`, `timeout`, …).
    pub operation: String,
    /// How it ended, where the primitive says (`timed out`, `busy`, `notified`, …), else empty.
    pub outcome: String,
    /// Virtual time since the execution began.
    pub time: Duration,
}

impl TraceEvent {
    /// Writes the event with its thread and object in columns of these widths.
    fn write(&self, f: &mut fmt::Formatter<'_>, thread: usize, object: usize) -> fmt::Result {
        write!(f, "{:>10.3?}  {:<thread$} {:<object$} {}", self.time, self.thread, self.object, self.operation)?;
        if !self.outcome.is_empty() {
            write!(f, " → {}", self.outcome)?;
        }
        Ok(())
    }
}

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f, 14, 20)
    }
}

/// A thread that was blocked when a deadlock was detected.
///
/// ```
/// use std::sync::Arc;
/// use weft_core::{Lock, Thread};
/// use weft_sim::{Explorer, FailureKind, Sim};
///
/// let report = Explorer::exhaustive()
///     .run(|| {
///         let door = Arc::new(Lock::<Sim>::new());
///         door.label("door");
///         let _held = door.lock();
///         let d = door.clone();
///         let guest = Thread::<Sim>::builder().name("guest").build(move || drop(d.lock()));
///         guest.start().unwrap();
///         guest.join().unwrap(); // waits for a thread that waits for the door
///     })
///     .unwrap_err();
/// let FailureKind::Deadlock(blocked) = &report.failure.kind else { panic!("{report}") };
/// let main = blocked.iter().find(|b| b.thread == "MainThread").unwrap();
/// assert_eq!(main.waits_on, "guest (Thread#1)");
/// assert_eq!(main.holds, ["door"]);
/// let guest = blocked.iter().find(|b| b.thread == "guest").unwrap();
/// assert_eq!((guest.waits_on.as_str(), guest.holds.len()), ("door", 0));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockedThread {
    /// The thread's name.
    pub thread: String,
    /// The object it waits on (`Lock#2`, `Condition#1`, `Thread#3` for a join, …).
    pub waits_on: String,
    /// The lock-like objects it holds (acquired and not released in the trace).
    pub holds: Vec<String>,
}

/// What went wrong in an execution.
///
/// ```
/// use weft_sim::{Explorer, FailureKind};
///
/// let report = Explorer::random_walk(1).iterations(10).run(|| panic!("invariant broken")).unwrap_err();
/// assert_eq!(report.failure.kind, FailureKind::Panic);
/// assert_eq!(report.failure.kind.to_string(), "panic");
///
/// let report = Explorer::random_walk(1).max_steps(100).run(|| loop { weft_core::yield_now::<weft_sim::Sim>() });
/// assert_eq!(report.unwrap_err().failure.kind, FailureKind::StepLimit(100));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A simulated thread panicked (or its excepthook reported a panic).
    Panic,
    /// No thread could run, no deadline was pending, and a non-daemon thread was blocked.
    Deadlock(Vec<BlockedThread>),
    /// The execution took more steps than allowed: a livelock or a runaway loop.
    StepLimit(usize),
    /// A replay could not follow its schedule: the model is not deterministic.
    Nondeterminism,
    /// A replay token does not fit the model: it was recorded for a different program (or cut
    /// short, or the model is not deterministic).
    ReplayMismatch,
    /// A simulated thread did not come back to the scheduler within the stall bound: it blocked
    /// in something the simulator cannot see (a std primitive, I/O) or looped with no weft
    /// operation. The process cannot take the thread back: the report is printed to the
    /// standard error and the process ends with status 101.
    Stall,
    /// Two accesses to an `UnsafeCell` from different threads, at least one a write, that no
    /// synchronisation the simulator sees orders (the message names both threads and both
    /// source locations).
    DataRace,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureKind::Panic => f.write_str("panic"),
            FailureKind::Deadlock(_) => f.write_str("deadlock"),
            FailureKind::StepLimit(limit) => write!(f, "step limit of {limit} exceeded"),
            FailureKind::Nondeterminism => f.write_str("nondeterministic model"),
            FailureKind::ReplayMismatch => f.write_str("replay token does not fit this program"),
            FailureKind::Stall => f.write_str("stall (a thread did not come back to the scheduler)"),
            FailureKind::DataRace => f.write_str("data race"),
        }
    }
}

/// A failure in one execution.
///
/// ```
/// use weft_core::Thread;
/// use weft_sim::{Explorer, FailureKind, Sim};
///
/// let report = Explorer::random_walk(1)
///     .run(|| {
///         let t = Thread::<Sim>::builder().name("checker").build(|| assert_eq!(1 + 1, 3, "arithmetic"));
///         t.start().unwrap();
///         t.join().unwrap();
///     })
///     .unwrap_err();
/// assert_eq!(report.failure.kind, FailureKind::Panic);
/// assert_eq!(report.failure.thread, "checker");
/// assert!(report.failure.message.contains("arithmetic"), "{}", report.failure.message);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// The message (the panic message, or a description).
    pub message: String,
    /// The thread where it happened (the running thread for a deadlock or a step limit).
    pub thread: String,
}

/// Statistics of an exploration.
///
/// ```
/// use weft_core::Event;
/// use weft_sim::{Explorer, Sim};
///
/// let stats = Explorer::exhaustive().run(|| {
///     let ready = Event::<Sim>::new();
///     ready.set();
///     assert!(ready.wait());
/// });
/// let stats = stats.unwrap();
/// assert!(stats.executions >= 1 && stats.exhausted);
/// println!("{stats}"); // `N executions, M steps, exhausted, <time>`
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Executions run.
    pub executions: usize,
    /// Scheduling points, over all executions.
    pub steps: usize,
    /// Executions abandoned by partial-order reduction as equivalent to one already explored.
    pub pruned: usize,
    /// Whether the exhaustive search covered every schedule (within its preemption bound, if
    /// it had one), up to equivalence. Claimed only after a sample of the schedules, replayed,
    /// took the same steps again (a nondeterministic model is reported instead).
    pub exhausted: bool,
    /// Executions re-run (not counted in `executions`) to check that the model is
    /// deterministic before claiming `exhausted`.
    pub verified: usize,
    /// Executions of other shards run (not counted in `executions`) so that this shard's
    /// random strategies learn what the unsplit exploration's learn (see [`Explorer::shard`]).
    ///
    /// [`Explorer::shard`]: crate::Explorer::shard
    pub learned_from_other_shards: usize,
    /// Real time spent.
    pub elapsed: Duration,
    /// Executions of the exhaustive search, if one ran (in a portfolio such as [`check`]'s,
    /// its share of `executions`).
    ///
    /// [`check`]: crate::check
    pub searched: usize,
    /// The exhaustive search's estimated size in executions, if one ran: `searched` divided by
    /// the share of its tree explored (Knuth's estimator over the explored tree; low while
    /// races found later keep adding options). Equals `searched` once the search finished.
    pub search_estimate: Option<u64>,
    /// The shard `(index, count)` this exploration ran, if it was split (`WEFT_SHARD`,
    /// [`Explorer::shard`]): its executions, and `exhausted`, are that shard's only.
    ///
    /// [`Explorer::shard`]: crate::Explorer::shard
    pub shard: Option<(u64, u64)>,
    /// The Mazurkiewicz traces among the exhaustive search's executions, when counted
    /// ([`Explorer::count_traces`]): without reduction, the model's trace count; with it, how
    /// many of the executions were distinct (executions minus traces were redundant).
    ///
    /// [`Explorer::count_traces`]: crate::Explorer::count_traces
    pub traces: Option<usize>,
}

/// A failure the simulator found, with everything needed to act on it. Its `Display` shows the
/// failure (message, and where a panic happened), the blocked threads of a deadlock, the replay
/// token, and the trace: each operation when it took effect, a `blocks on (…)` event where a
/// thread began to wait, threads under their names and objects under their labels.
///
/// ```
/// use std::sync::Arc;
/// use weft_core::{Lock, Thread};
/// use weft_sim::{Explorer, Sim};
///
/// let report = Explorer::exhaustive()
///     .run(|| {
///         let (a, b) = (Arc::new(Lock::<Sim>::new()), Arc::new(Lock::<Sim>::new()));
///         a.label("accounts");
///         b.label("ledger");
///         let (a2, b2) = (a.clone(), b.clone());
///         let auditor = Thread::<Sim>::builder().name("auditor").build(move || {
///             let _l = b2.lock();
///             let _a = a2.lock();
///         });
///         auditor.start().unwrap();
///         let _a = a.lock();
///         let _l = b.lock();
///         drop((_l, _a));
///         auditor.join().unwrap();
///     })
///     .unwrap_err();
/// let text = report.to_string();
/// assert!(text.contains("MainThread waits on ledger and holds accounts"), "{text}");
/// assert!(text.contains("auditor waits on accounts and holds ledger"), "{text}");
/// assert!(text.contains("blocks on (acquire)"), "{text}");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Report {
    /// The failure.
    pub failure: Failure,
    /// Where the panic happened (`file:line:column`), for a panic.
    pub location: Option<String>,
    /// The replay token: `WEFT_REPLAY=<token>` re-runs exactly this execution.
    pub token: String,
    /// The seed of the strategy that found it (`None` for exhaustive search and replays).
    pub seed: Option<u64>,
    /// The strategy that found it.
    pub strategy: String,
    /// The execution's trace.
    pub trace: Vec<TraceEvent>,
    /// The number of preemptions in the found schedule.
    pub preemptions: usize,
    /// The schedule shrunk to fewer preemptions that still fails the same way, if shrinking
    /// found one.
    pub shrunk: Option<Shrunk>,
    /// Statistics up to the failure.
    pub stats: Stats,
}

/// A failing schedule shrunk to fewer preemptions (see [`Report::shrunk`]).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
/// use std::sync::Arc;
/// use weft_core::{Lock, Thread};
/// use weft_sim::{Explorer, Sim};
///
/// // A lost update: the read and the write are separate critical sections.
/// fn model() {
///     let (lock, balance) = (Arc::new(Lock::<Sim>::new()), Arc::new(AtomicUsize::new(0)));
///     let (l, b) = (lock.clone(), balance.clone());
///     let add = move || {
///         let seen = { let _g = l.lock(); b.load(SeqCst) };
///         let _g = l.lock();
///         b.store(seen + 1, SeqCst);
///     };
///     let t = Thread::<Sim>::new(add.clone());
///     t.start().unwrap();
///     add();
///     t.join().unwrap();
///     assert_eq!(balance.load(SeqCst), 2, "lost update");
/// }
/// // Seed 3 finds a schedule that shrinking can improve on (not every found schedule has one).
/// let report = Explorer::random_walk(3).iterations(1000).run(model).unwrap_err();
/// let shrunk = report.shrunk.as_ref().expect("a shorter schedule fails too");
/// assert!(shrunk.preemptions < report.preemptions);
/// let again = Explorer::replay(&shrunk.token).run(model).unwrap_err(); // the same failure
/// assert_eq!(again.failure, report.failure);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Shrunk {
    /// Its replay token.
    pub token: String,
    /// Its trace.
    pub trace: Vec<TraceEvent>,
    /// Its number of preemptions.
    pub preemptions: usize,
}

impl std::error::Error for Report {}

impl fmt::Display for Stats {
    /// `12 executions, 340 steps, 3 pruned, exhausted, 1.20ms` (a search that did not finish
    /// says `not exhausted`, and how far its exhaustive search got: `not exhausted (the
    /// exhaustive search ran 2000 of an estimated 91000 executions)`; re-runs that checked
    /// determinism are shown when there were any).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        write!(f, "{} execution{}, ", self.executions, plural(self.executions))?;
        write!(f, "{} step{}", self.steps, plural(self.steps))?;
        if self.pruned > 0 {
            write!(f, ", {} pruned", self.pruned)?;
        }
        f.write_str(if self.exhausted { ", exhausted" } else { ", not exhausted" })?;
        if let Some((index, count)) = self.shard {
            write!(f, " (shard {index} of 0..{count} only)")?;
        }
        if let Some(traces) = self.traces {
            write!(f, ", {traces} trace{}", plural(traces))?;
        }
        if let Some(estimate) = self.search_estimate.filter(|_| !self.exhausted) {
            write!(
                f,
                " (the exhaustive search ran {} of an estimated {estimate} execution{})",
                self.searched,
                plural(estimate as usize)
            )?;
        }
        if self.verified > 0 {
            write!(f, " ({} re-runs checked determinism)", self.verified)?;
        }
        if self.learned_from_other_shards > 0 {
            write!(f, " ({} of other shards' executions run to learn from)", self.learned_from_other_shards)?;
        }
        write!(f, ", {:.2?}", self.elapsed)
    }
}

fn write_trace(f: &mut fmt::Formatter<'_>, trace: &[TraceEvent]) -> fmt::Result {
    const SHOWN: usize = 200;
    let skip = trace.len().saturating_sub(SHOWN);
    if skip > 0 {
        writeln!(f, "  … {skip} earlier events …")?;
    }
    // Columns as wide as the names shown (within reason).
    let width = |name: fn(&TraceEvent) -> usize, least: usize| {
        trace.iter().skip(skip).map(name).max().unwrap_or(0).clamp(least, 40)
    };
    let thread = width(|e| e.thread.chars().count(), 12);
    let object = width(|e| e.object.chars().count(), 14);
    for (i, event) in trace.iter().enumerate().skip(skip) {
        write!(f, "  {:>5}  ", i + 1)?;
        event.write(f, thread, object)?;
        writeln!(f)?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failure = &self.failure;
        writeln!(f, "weft simulation found a failure: {}", failure.kind)?;
        writeln!(f, "  thread:   {}", failure.thread)?;
        writeln!(f, "  message:  {}", failure.message.trim_end().replace('\n', "\n            "))?;
        if let Some(location) = &self.location {
            writeln!(f, "  at:       {location}")?;
        }
        if let FailureKind::Deadlock(blocked) = &failure.kind {
            writeln!(f, "  blocked threads:")?;
            for b in blocked {
                let holds = if b.holds.is_empty() { "nothing".to_owned() } else { b.holds.join(", ") };
                writeln!(f, "    {} waits on {} and holds {holds}", b.thread, b.waits_on)?;
            }
            if let Some(cycle) = deadlock_cycle(blocked) {
                writeln!(f, "  cycle:    {cycle}")?;
            }
        }
        writeln!(f, "  strategy: {}", self.strategy)?;
        if let Some(seed) = self.seed {
            writeln!(f, "  seed:     {seed}")?;
        }
        writeln!(f, "  replay:   WEFT_REPLAY={}", self.token)?;
        writeln!(
            f,
            "  after {} executions, {} steps, {:.2?}",
            self.stats.executions, self.stats.steps, self.stats.elapsed
        )?;
        let preemptions = |n: usize| if n == 1 { "1 preemption".to_owned() } else { format!("{n} preemptions") };
        writeln!(f, "trace ({} events, {}):", self.trace.len(), preemptions(self.preemptions))?;
        write_trace(f, &self.trace)?;
        if let Some(shrunk) = &self.shrunk {
            writeln!(f, "shrunk schedule ({}): WEFT_REPLAY={}", preemptions(shrunk.preemptions), shrunk.token)?;
            write_trace(f, &shrunk.trace)?;
        }
        Ok(())
    }
}

/// The cycle among blocked threads, if one thread waits on what another holds, and so on back.
fn deadlock_cycle(blocked: &[BlockedThread]) -> Option<String> {
    // Whoever holds the object, or the thread it is (a join waits on the thread itself).
    let holder = |object: &str| {
        blocked.iter().position(|b| {
            b.holds.iter().any(|h| h == object)
                || object.strip_prefix(b.thread.as_str()).is_some_and(|rest| rest.starts_with(" (Thread#"))
        })
    };
    for start in 0..blocked.len() {
        let mut path = vec![start];
        let mut at = start;
        while let Some(next) = holder(&blocked[at].waits_on) {
            if next == start {
                let names: Vec<String> =
                    path.iter().map(|&i| format!("{} → {}", blocked[i].thread, blocked[i].waits_on)).collect();
                return Some(names.join(" → "));
            }
            if path.contains(&next) {
                break;
            }
            path.push(next);
            at = next;
        }
    }
    None
}
