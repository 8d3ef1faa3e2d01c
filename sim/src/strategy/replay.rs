//! Replaying a schedule: strictly (a token) or leniently (shrinking).

use super::*;

/// Replays recorded choices.
///
/// A strict replay (of a token) follows its schedule exactly: every decision must have the
/// number of options recorded, the execution must take every recorded decision and no more,
/// and its fingerprint must be the recorded one; otherwise it says that the token was recorded
/// for a different program. A lenient replay (of a schedule being shrunk) lets the running
/// thread go on past the recorded choices and takes the last option where a choice is out of
/// range (saying so).
pub(crate) struct Replay {
    choices: Vec<Choice>,
    fingerprint: u32,
    strict: bool,
    position: usize,
    used: bool,
    /// Set when the model did something else than the recorded schedule says.
    pub(crate) diverged: Option<String>,
}

impl Replay {
    /// A strict replay of `schedule` (a token's).
    pub(crate) fn strict(schedule: Schedule) -> Self {
        Replay {
            choices: schedule.choices,
            fingerprint: schedule.fingerprint,
            strict: true,
            position: 0,
            used: false,
            diverged: None,
        }
    }

    /// A lenient replay of the chosen options `chosen`.
    pub(crate) fn lenient(chosen: impl IntoIterator<Item = u32>) -> Self {
        Replay {
            choices: chosen.into_iter().map(|chosen| Choice { chosen, of: u32::MAX, preemptible: false }).collect(),
            fingerprint: 0,
            strict: false,
            position: 0,
            used: false,
            diverged: None,
        }
    }
}

/// What every message of a replay that does not fit the model says.
pub(crate) const DIFFERENT_PROGRAM: &str = "this token was recorded for a different program";

impl Strategy for Replay {
    fn next_execution(&mut self) -> bool {
        if self.used {
            return false;
        }
        self.used = true;
        self.position = 0;
        true
    }

    fn choose(&mut self, point: &Point<'_>) -> Option<usize> {
        let n = point.threads.len();
        if n == 1 {
            return Some(0);
        }
        let decision = self.position + 1;
        self.position += 1;
        let Some(&Choice { chosen, of, .. }) = self.choices.get(decision - 1) else {
            if self.strict && self.diverged.is_none() {
                self.diverged = Some(format!(
                    "{DIFFERENT_PROGRAM} (or it was cut short, or the model is not deterministic): the \
                     model takes more than the {} decisions it recorded",
                    self.choices.len()
                ));
            }
            return Some(0);
        };
        let chosen = chosen as usize;
        if self.diverged.is_none() {
            if self.strict && of as usize != n {
                self.diverged = Some(format!(
                    "{DIFFERENT_PROGRAM}, or the model is not deterministic: decision {decision} had {of} options \
                     when it was recorded and has {n} now"
                ));
            } else if chosen >= n {
                self.diverged =
                    Some(format!("decision {decision} of the replay chose option {chosen} but only {n} exist"));
            }
        }
        Some(chosen.min(n - 1))
    }

    fn divergence(&self) -> Option<&str> {
        self.diverged.as_deref()
    }

    fn follow(&self) -> Option<&dyn Follow> {
        Some(self)
    }
}

impl Follow for Replay {
    fn strict(&self) -> bool {
        self.strict
    }

    fn finish(&self, fingerprint: u32) -> Option<String> {
        if !self.strict || self.diverged.is_some() {
            return None;
        }
        // 0: the token's maker did not know the fingerprint (an exploration's emergency report:
        // a stack overflow, a stall), so there is nothing to check.
        if self.fingerprint != 0 && fingerprint != self.fingerprint {
            return Some(format!(
                "{DIFFERENT_PROGRAM}: the model's first operations are not the ones it recorded (fingerprint \
                 {fingerprint:08x}, recorded {:08x}); replay it on the model that reported it, or explore this \
                 one for a token of its own",
                self.fingerprint
            ));
        }
        (self.position < self.choices.len()).then(|| {
            format!(
                "{DIFFERENT_PROGRAM}, or the model is not deterministic: the execution ended after {} of the {} \
                 decisions it recorded",
                self.position,
                self.choices.len()
            )
        })
    }
}
