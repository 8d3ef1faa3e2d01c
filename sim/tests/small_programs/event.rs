//! The small programs on one event (see `mod.rs`): an event initially clear or set, and threads
//! that each call a sequence of `set`, `clear`, `is_set`, blocking `wait` and `wait_timeout`
//! (1 ms of virtual time). The outcome: what each `is_set` and timed wait returned, which threads
//! are blocked for good in a `wait`, and whether the event is set at the end.
//!
//! An event's reduction rests on claims of its own: `set`s commute with each other, timed waits
//! with each other and with `is_set`, a `clear` withdraws what a `set` let go, and a wait a `set`
//! woke returns true even if a `clear` comes before it runs. Most programs with a `wait` can block
//! for good (a `clear` after the last `set`, or no `set` at all), and those are where these claims
//! are tested hardest: their blocked threads are part of the outcome, not a reason to leave them
//! out.

use std::time::Duration;

use weft_core::{Event, Scheduler};

use crate::small_programs::Primitive;

/// An operation of a program's thread.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Set,
    Clear,
    /// `is_set`, recorded.
    IsSet,
    /// A blocking `wait` (it returns true: nothing to record).
    Wait,
    /// `wait_timeout` of 1 ms (virtual time), recorded.
    Timed,
}

/// Initial states 0 (clear) and 1 (set).
impl<S: Scheduler> Primitive<S> for Event<S> {
    type Op = Op;

    const INITIAL_STATES: usize = 2;

    fn new(initial: usize) -> Self {
        let event = Event::new();
        if initial == 1 {
            event.set();
        }
        event
    }

    fn call(&self, op: Op) -> Option<char> {
        let returned = match op {
            Op::Set => {
                self.set();
                return None;
            }
            Op::Clear => {
                self.clear();
                return None;
            }
            Op::IsSet => self.is_set(),
            Op::Wait => {
                assert!(self.wait());
                return None;
            }
            Op::Timed => self.wait_timeout(Duration::from_millis(1)).unwrap(),
        };
        Some(if returned { 'y' } else { 'n' })
    }

    fn state(&self) -> String {
        (if self.is_set() { "set" } else { "clear" }).to_string()
    }
}

/// The tests of a scheduler: every program of two threads of up to two operations, and of three
/// threads of one; of two threads of up to three operations among `set`, `clear`, `is_set` and
/// `wait`, and among `set`, `clear` and timed waits; and of three threads of up to two among
/// `set`, `clear` and `wait`. (Three threads of up to two among `set`, `clear`, `wait` and timed
/// waits, 16,000 programs, take 37 s: too slow for a test.) The calling file declares
/// `small_programs` and this file as `event`.
#[macro_export]
macro_rules! event_program_tests {
    ($scheduler:ty) => {
        use event::Op;
        use small_programs::check_every_program;
        use weft_core::Event;

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_two_threads() {
            let alphabet = [Op::Set, Op::Clear, Op::IsSet, Op::Wait, Op::Timed];
            check_every_program::<$scheduler, Event<$scheduler>>(&alphabet, (2, 2), 1_800);
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_three_threads() {
            let alphabet = [Op::Set, Op::Clear, Op::IsSet, Op::Wait, Op::Timed];
            check_every_program::<$scheduler, Event<$scheduler>>(&alphabet, (3, 1), 250);
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_longer_waits() {
            let alphabet = [Op::Set, Op::Clear, Op::IsSet, Op::Wait];
            check_every_program::<$scheduler, Event<$scheduler>>(&alphabet, (2, 3), 14_000);
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_longer_timed_waits() {
            let alphabet = [Op::Set, Op::Clear, Op::Timed];
            check_every_program::<$scheduler, Event<$scheduler>>(&alphabet, (2, 3), 3_000);
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_three_threads_that_wait() {
            let alphabet = [Op::Set, Op::Clear, Op::Wait];
            check_every_program::<$scheduler, Event<$scheduler>>(&alphabet, (3, 2), 3_400);
        }
    };
}
