//! What the simulator reports: failures, traces, statistics.

use std::fmt;
use std::time::Duration;

/// One numbered event of a trace.
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

impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>10.3?}  {:<14} {:<20} {}", self.time, self.thread, self.object, self.operation)?;
        if !self.outcome.is_empty() {
            write!(f, " → {}", self.outcome)?;
        }
        Ok(())
    }
}

/// A thread that was blocked when a deadlock was detected.
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
    /// A simulated thread did not come back to the scheduler within the stall bound: it blocked
    /// in something the simulator cannot see (a std primitive, I/O) or looped with no weft
    /// operation. The process cannot take the thread back: the report is printed to the
    /// standard error and the process ends with status 101.
    Stall,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureKind::Panic => f.write_str("panic"),
            FailureKind::Deadlock(_) => f.write_str("deadlock"),
            FailureKind::StepLimit(limit) => write!(f, "step limit of {limit} exceeded"),
            FailureKind::Nondeterminism => f.write_str("nondeterministic model"),
            FailureKind::Stall => f.write_str("stall (a thread did not come back to the scheduler)"),
        }
    }
}

/// A failure in one execution.
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Executions run.
    pub executions: usize,
    /// Scheduling points, over all executions.
    pub steps: usize,
    /// Executions abandoned by partial-order reduction as equivalent to one already explored.
    pub pruned: usize,
    /// Whether the exhaustive search covered every schedule (within its preemption bound).
    pub exhausted: bool,
    /// Real time spent.
    pub elapsed: Duration,
}

/// A failure the simulator found, with everything needed to act on it.
#[derive(Clone, Debug)]
pub struct Report {
    /// The failure.
    pub failure: Failure,
    /// The replay token: `WEFT_REPLAY=<token>` re-runs exactly this execution.
    pub token: String,
    /// The seed of the strategy that found it (`None` for exhaustive search and replays).
    pub seed: Option<u64>,
    /// The strategy that found it.
    pub strategy: String,
    /// The execution's trace.
    pub trace: Vec<TraceEvent>,
    /// The schedule shrunk to the fewest preemptions that still fail, with its token and trace.
    pub shrunk: Option<(String, Vec<TraceEvent>)>,
    /// The number of preemptions in the found schedule and in the shrunk one.
    pub preemptions: (usize, Option<usize>),
    /// Statistics up to the failure.
    pub stats: Stats,
}

fn write_trace(f: &mut fmt::Formatter<'_>, trace: &[TraceEvent]) -> fmt::Result {
    const SHOWN: usize = 200;
    let skip = trace.len().saturating_sub(SHOWN);
    if skip > 0 {
        writeln!(f, "  … {skip} earlier events …")?;
    }
    for (i, event) in trace.iter().enumerate().skip(skip) {
        writeln!(f, "  {:>5}  {event}", i + 1)?;
    }
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failure = &self.failure;
        writeln!(f, "weft simulation found a failure: {}", failure.kind)?;
        writeln!(f, "  thread:   {}", failure.thread)?;
        writeln!(f, "  message:  {}", failure.message)?;
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
        writeln!(f, "trace ({} events, {} preemptions):", self.trace.len(), self.preemptions.0)?;
        write_trace(f, &self.trace)?;
        if let Some((token, trace)) = &self.shrunk {
            writeln!(
                f,
                "shrunk schedule ({} preemptions): WEFT_REPLAY={token}",
                self.preemptions.1.unwrap_or_default()
            )?;
            write_trace(f, trace)?;
        }
        Ok(())
    }
}

/// The cycle among blocked threads, if one thread waits on what another holds, and so on back.
fn deadlock_cycle(blocked: &[BlockedThread]) -> Option<String> {
    let holder = |object: &str| blocked.iter().position(|b| b.holds.iter().any(|h| h == object));
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
