//! The determinism check of a search that claims it finished: a sample of its executions,
//! replayed, must take the same steps.

use std::sync::Arc;

use crate::execution::{self, Buffers, Config, run_execution};
use crate::explorer::{Explorer, ahead};
use crate::report::{Failure, FailureKind};
use crate::schedule::{self, Schedule};
use crate::strategy::{Replay, Strategy};

impl Explorer {
    /// Replays each sampled schedule; the first whose steps differ from the first run's gives
    /// its schedule and a nondeterminism failure. With `helpers`, they run a share of the
    /// replays meanwhile (the first that differs is the same: each replay's verdict is its own).
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
        let mut verdicts: Vec<Option<Replayed>> = vec![None; replays.len()];
        for (i, (_, schedule, trail)) in replays.iter().enumerate().step_by(shares) {
            let verdict = replay_differs(model, choices_of(schedule), *trail, config.clone(), pool);
            let over = verdict != Replayed::Same;
            verdicts[i] = Some(verdict);
            if over {
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
pub(super) fn replay_differs(
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
             weft::sync::OnceLock/LazyLock for per-execution statics. Executions may also run at \
             the same time on other OS threads (Explorer::threads, by default one per core): a \
             static they share must allow that, or explore with threads(1).{given_up}"
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
