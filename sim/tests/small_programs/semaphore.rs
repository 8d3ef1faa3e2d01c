//! The small programs on one semaphore (see `mod.rs`): a semaphore of initial value 0 or 1, and
//! threads that each call a sequence of `release`, blocking `acquire`, `try_acquire` and
//! `acquire_timeout` (1 ms of virtual time). The outcome: what each try and timed acquire
//! returned, which threads are blocked for good in an `acquire` (nothing releases the units a
//! program's acquires wait for but its own threads), and the value at the end.
//!
//! A semaphore's `acquire` is a blocking operation whose releases commute with each other, a
//! combination whose reduction lost an outcome that the random differential campaigns
//! (`reduction_random.rs`) did not find in 2,400 models of up to three operations per thread: a
//! thread that releases, acquires, then tries (see `reduction.rs`,
//! `reduction_keeps_a_try_after_an_acquire_its_own_release_let_go`). Here every such pattern of
//! these sizes is checked.

use std::time::Duration;

use weft_core::{Scheduler, Semaphore};

use crate::small_programs::Primitive;

/// An operation of a program's thread.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Release,
    Acquire,
    Try,
    /// `acquire_timeout` of 1 ms (virtual time).
    Timed,
}

/// Initial states 0 and 1: the semaphore's value.
impl<S: Scheduler> Primitive<S> for Semaphore<S> {
    type Op = Op;

    const INITIAL_STATES: usize = 2;

    fn new(initial: usize) -> Self {
        Semaphore::new(initial)
    }

    fn call(&self, op: Op) -> Option<char> {
        let taken = match op {
            Op::Release => {
                self.release().unwrap();
                return None;
            }
            Op::Acquire => {
                assert!(self.acquire());
                return None;
            }
            Op::Try => self.try_acquire(),
            Op::Timed => self.acquire_timeout(Duration::from_millis(1)).unwrap(),
        };
        Some(if taken { 'y' } else { 'n' })
    }

    fn state(&self) -> String {
        self.value().to_string()
    }
}

/// The tests of a scheduler: every program of two threads, of three, and with timed acquires.
/// The calling file declares `small_programs` and this file as `semaphore`.
#[macro_export]
macro_rules! semaphore_program_tests {
    ($scheduler:ty) => {
        use semaphore::Op;
        use small_programs::check_every_program;
        use weft_core::Semaphore;

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_two_threads() {
            let alphabet = [Op::Release, Op::Acquire, Op::Try];
            check_every_program::<$scheduler, Semaphore<$scheduler>>(&alphabet, (2, 3), 3_000);
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_three_threads() {
            let alphabet = [Op::Release, Op::Acquire, Op::Try];
            check_every_program::<$scheduler, Semaphore<$scheduler>>(&alphabet, (3, 2), 3_400);
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_with_timed_acquires() {
            let alphabet = [Op::Release, Op::Acquire, Op::Try, Op::Timed];
            check_every_program::<$scheduler, Semaphore<$scheduler>>(&alphabet, (2, 2), 800);
        }
    };
}
