//! What an exploration tells its user: a failure's report (replayed with its trace, and
//! shrunk), and the progress line of a long exploration.

use std::sync::Arc;
use std::time::Duration;

use crate::execution::{self, Buffers, run_execution};
use crate::explorer::strategies::{StrategyKind, kind_name, seed_of, shard_name};
use crate::explorer::verify::nondeterministic;
use crate::explorer::{Explorer, Lane};
use crate::report::{Failure, FailureKind, Report, Shrunk, Stats, TraceEvent};
use crate::schedule::Schedule;
use crate::strategy::{Replay, Strategy};

impl Explorer {
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

    pub(super) fn report(
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

/// When a long exploration first reports its progress on stderr, and how often after that.
pub(super) const PROGRESS_FIRST: Duration = Duration::from_secs(2);
pub(super) const PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// The exhaustive lane's executions and its estimated size (see [`Stats::search_estimate`]),
/// if there is one.
pub(super) fn search_estimate(lanes: &[Lane]) -> Option<(usize, u64)> {
    let lane = lanes.iter().find(|lane| matches!(lane.kind, StrategyKind::Exhaustive(_)))?;
    let share = lane.strategy.explored_share()?;
    let estimate = if lane.strategy.exhausted() { lane.run as u64 } else { (lane.run as f64 / share).round() as u64 };
    Some((lane.run, estimate.max(lane.run as u64)))
}

/// Prints a progress line: what ran, and how far the exhaustive search is with its estimated
/// size. Written to the process's stderr directly, not through `eprintln!`, which `cargo test`
/// captures (a long test would otherwise look hung).
pub(super) fn show_progress(stats: &Stats, lanes: &[Lane], elapsed: Duration) {
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
