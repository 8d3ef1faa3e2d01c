//! The determinism check of a search that claims it finished: a sample of its executions,
//! replayed, must take the same steps.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};

use crate::execution::{self, Buffers, Config, run_execution};
use crate::explorer::{Explorer, ahead};
use crate::report::{Failure, FailureKind};
use crate::schedule::{self, Schedule};
use crate::strategy::{Replay, Strategy};

impl Explorer {
    /// Replays each sampled schedule; the first whose steps differ from the first run's gives
    /// its schedule and a nondeterminism failure. With `helpers`, they take replays from the
    /// same queue meanwhile, each the next one not taken (the first that differs is the same:
    /// each replay's verdict is its own, and the one reported is the first in order).
    /// A replay that the exploration's time limit cut short tells nothing: the check is then
    /// unfinished ([`Verified::CutShort`], unless a replay before it differed), and the search
    /// claims nothing.
    pub(super) fn verify_sample(
        &self,
        model: &Arc<dyn Fn() + Send + Sync>,
        sample: &Sample,
        pool: &mut Buffers,
        helpers: Option<&mut ahead::Helpers>,
    ) -> Verified {
        // Every kept schedule once, and again round-robin up to `Sample::REPLAYS` re-runs: a
        // model that varies at random between runs (a HashMap's order) escapes each re-run with
        // some chance, and a small search keeps few schedules.
        let kept: Vec<_> = sample.kept.iter().cycle().take(sample.replays()).collect();
        let choices_of = |schedule: &Schedule| schedule.choices.iter().map(|c| c.chosen).collect::<Vec<u32>>();
        let replays = kept.iter().map(|(_, schedule, trail)| (choices_of(schedule), *trail)).collect();
        let queue = Arc::new(ReplayQueue::new(replays));
        let config = self.config(false, false, true);
        // Helpers, each with a job of its own, take replays from the queue as this thread does.
        let mut helpers = helpers.filter(|helpers| helpers.count() > 0 && kept.len() > 1);
        let shares = helpers.as_ref().map_or(0, |helpers| helpers.count().min(kept.len() - 1));
        if let Some(helpers) = helpers.as_mut() {
            let cells = execution::cells_state().0;
            for share in 1..=shares {
                helpers.post_replays(share, &queue, (&config, cells));
            }
        }
        queue.take_and_run(model, &config, pool);
        if let Some(helpers) = helpers.as_mut() {
            for share in 1..=shares {
                helpers.end_replays(share, self.watch.as_deref());
            }
        }
        // (Every helper is done with the queue.)
        let mut verdicts = std::mem::take(&mut *queue.verdicts.lock().unwrap_or_else(PoisonError::into_inner));
        for (i, (execution, schedule, _)) in kept.iter().enumerate() {
            // (A replay nobody took, or that a helper stopped before, runs here: in order, the
            // first that differs is the one reported.)
            let verdict = match verdicts[i].take() {
                Some(verdict) => verdict,
                None => {
                    let (choices, trail) = &queue.replays[i];
                    replay_differs(model, choices.clone(), *trail, config.clone(), pool)
                }
            };
            match verdict {
                Replayed::Same => {}
                Replayed::Differs(what) => {
                    let message = format!(
                        "execution {execution} of the search, replayed with the same choices before claiming \
                         the search finished, did not repeat ({what})"
                    );
                    return Verified::Differs(Box::new((schedule.clone(), nondeterministic(&message))));
                }
                Replayed::CutShort => return Verified::CutShort,
            }
        }
        Verified::Repeated
    }
}

/// The replays of a finished search's sampled schedules (see [`Explorer::verify_sample`]),
/// shared between the exploring thread and its helpers: each takes the next replay nobody took,
/// until none is left or one did not repeat its run.
pub(super) struct ReplayQueue {
    /// Each replay's choices, and the trail of the run it must repeat.
    replays: Vec<(Vec<u32>, u64)>,
    /// The next replay not taken.
    next: AtomicUsize,
    /// A replay did not repeat its run (or the time limit came): nobody takes another.
    over: AtomicBool,
    /// Each replay's verdict, once run.
    verdicts: Mutex<Vec<Option<Replayed>>>,
}

impl ReplayQueue {
    fn new(replays: Vec<(Vec<u32>, u64)>) -> Self {
        let verdicts = Mutex::new(vec![None; replays.len()]);
        ReplayQueue { replays, next: AtomicUsize::new(0), over: AtomicBool::new(false), verdicts }
    }

    /// Takes replays and runs them with `config`, one after the other, until none is left or
    /// one (on any thread) did not repeat its run or the time limit came.
    pub(super) fn take_and_run(&self, model: &Arc<dyn Fn() + Send + Sync>, config: &Config, pool: &mut Buffers) {
        while !self.over.load(Relaxed) {
            let i = self.next.fetch_add(1, Relaxed);
            let Some((choices, trail)) = self.replays.get(i) else { break };
            let verdict = replay_differs(model, choices.clone(), *trail, config.clone(), pool);
            let time_is_up = config.watch.as_ref().is_some_and(|watch| watch.time_is_up());
            if verdict != Replayed::Same || time_is_up {
                self.over.store(true, Relaxed);
            }
            self.verdicts.lock().unwrap_or_else(PoisonError::into_inner)[i] = Some(verdict);
        }
    }
}

/// What [`Explorer::verify_sample`] found.
pub(super) enum Verified {
    /// Every replay repeated its run.
    Repeated,
    /// A replay did not: its schedule, and the nondeterminism failure.
    Differs(Box<(Schedule, Failure)>),
    /// The exploration's time limit cut a replay short before any differed: the check did not
    /// finish.
    CutShort,
}

/// How the replay of a run went (see [`replay_differs`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Replayed {
    /// It repeated the run.
    Same,
    /// It did not: how.
    Differs(String),
    /// The exploration's time limit ended it before it finished (it says nothing).
    CutShort,
}

/// Replays `choices` leniently (see [`Replay`]) with `config`: whether it repeated the run whose
/// trail was `trail`, and if not, how.
fn replay_differs(
    model: &Arc<dyn Fn() + Send + Sync>,
    choices: Vec<u32>,
    trail: u64,
    config: Config,
    pool: &mut Buffers,
) -> Replayed {
    let mut replay = Replay::lenient(choices);
    replay.next_execution();
    let outcome = run_execution(model, &mut replay, config, pool);
    let diverged = replay.divergence().map(str::to_owned);
    if outcome.trail == trail && outcome.failure.is_none() && diverged.is_none() {
        return Replayed::Same;
    }
    if outcome.pruned && outcome.failure.is_none() && diverged.is_none() {
        // (A lenient replay never prunes: only the time limit ends one early. A divergence
        // before that is still one.)
        return Replayed::CutShort;
    }
    Replayed::Differs(match (&outcome.failure, diverged) {
        (Some(failure), _) => format!("it failed this time: {}: {}", failure.kind, failure.message),
        (None, Some(reason)) => reason,
        (None, None) => "its steps differed".to_owned(),
    })
}

/// A nondeterminism failure with `what` happened, and what usually causes it.
pub(super) fn nondeterministic(what: &str) -> Failure {
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

/// Executions kept to be replayed before a search claims it finished: a reservoir sample (of
/// fixed seed) of [`Sample::SIZE`] schedules with their trails, and always the first.
pub(super) struct Sample {
    pub(super) kept: Vec<(usize, Schedule, u64)>,
    rng: schedule::Rng,
}

impl Sample {
    const SIZE: usize = 8;
    /// The fewest re-runs of the kept schedules (see [`Explorer::verify_sample`]).
    const REPLAYS: usize = 24;

    pub(super) fn new() -> Self {
        Sample { kept: Vec::new(), rng: schedule::Rng::new(0x5341_4d50) }
    }

    /// How many re-runs [`Explorer::verify_sample`] makes.
    pub(super) fn replays(&self) -> usize {
        if self.kept.is_empty() { 0 } else { Self::REPLAYS.max(self.kept.len()) }
    }

    /// Offers execution number `execution` (from 1): kept with probability `SIZE / execution`.
    pub(super) fn offer(&mut self, execution: usize, schedule: &Schedule, trail: u64) {
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
