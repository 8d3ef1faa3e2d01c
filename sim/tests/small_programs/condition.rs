//! The small programs on one condition over a `Lock` (see `mod.rs`): threads that each call a
//! sequence of `notify(1)`, `notify_all`, blocking `wait`, `wait_timeout` (1 ms of virtual time)
//! and an update of a count the lock guards, each operation inside its own `with cond:` (the
//! lock taken, the call, the lock released). The outcome: what each timed wait returned
//! (notified or not), the count each update found, which threads are blocked for good in a
//! `wait`, and the count at the end.
//!
//! A notification reaches only the threads already waiting, so the outcome depends on the order
//! of the notifications, the waits and their timeouts, and the updates make the order of the
//! critical sections part of it too. Most programs with a `wait` can block for good (a
//! notification that comes before the wait, or none): their blocked threads are part of the
//! outcome, so that these programs are compared too.

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use weft_core::{Condition, Lock, Scheduler};

use crate::small_programs::Primitive;

/// An operation of a program's thread, each with the lock held.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    /// `notify(1)`.
    Notify,
    NotifyAll,
    /// A blocking `wait` (it returns true: nothing to record).
    Wait,
    /// `wait_timeout` of 1 ms (virtual time); whether it was notified, recorded.
    Timed,
    /// Adds one to the count; the count it found, recorded.
    Update,
}

/// A condition over a `Lock`, and a count its lock guards.
pub struct Guarded<S: Scheduler> {
    condition: Condition<S, Lock<S>>,
    /// Only touched with the lock held, so the order of the critical sections, which the
    /// simulator sees, orders its accesses: a plain memory cell would do, a std atomic is a safe
    /// one (which the simulator does not see, as it would not see plain memory).
    count: AtomicUsize,
}

/// One initial state: a free lock, nobody waiting, a count of 0.
impl<S: Scheduler> Primitive<S> for Guarded<S> {
    type Op = Op;

    const INITIAL_STATES: usize = 1;

    fn new(_initial: usize) -> Self {
        Guarded { condition: Condition::with_lock(Lock::new()), count: AtomicUsize::new(0) }
    }

    fn call(&self, op: Op) -> Option<char> {
        let _held = self.condition.lock();
        let returned = match op {
            Op::Notify => {
                self.condition.notify(1).unwrap();
                return None;
            }
            Op::NotifyAll => {
                self.condition.notify_all().unwrap();
                return None;
            }
            Op::Wait => {
                assert!(self.condition.wait().unwrap());
                return None;
            }
            Op::Timed => self.condition.wait_timeout(Duration::from_millis(1)).unwrap(),
            Op::Update => {
                let found = self.count.load(Relaxed);
                self.count.store(found + 1, Relaxed);
                return Some(char::from_digit(found as u32, 10).unwrap());
            }
        };
        Some(if returned { 'y' } else { 'n' })
    }

    fn state(&self) -> String {
        let _held = self.condition.lock();
        self.count.load(Relaxed).to_string()
    }
}

/// The tests of a scheduler: every program of two threads of up to two operations, and of three
/// threads of one; and of two threads of up to three operations among `notify(1)`, `wait` and
/// timed waits, and among `notify(1)`, `wait` and updates (two threads never both wait, so
/// `notify_all` would do what `notify(1)` does there). A condition's operations take more steps
/// than an event's (the lock around each, and a wait releases and takes it again), so its full
/// searches grow faster: three threads of up to two operations among `notify(1)` and `wait`
/// alone, 216 programs, take 14 s, too slow for a test. The calling file declares
/// `small_programs` and this file as `condition`.
#[macro_export]
macro_rules! condition_program_tests {
    ($scheduler:ty) => {
        use condition::{Guarded, Op};
        use small_programs::check_every_program;

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_two_threads() {
            let alphabet = [Op::Notify, Op::NotifyAll, Op::Wait, Op::Timed, Op::Update];
            check_every_program::<$scheduler, Guarded<$scheduler>>(&alphabet, (2, 2), 900);
        }

        /// Where `notify(1)` and `notify_all` differ: two threads may wait at once.
        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_three_threads() {
            let alphabet = [Op::Notify, Op::NotifyAll, Op::Wait, Op::Timed, Op::Update];
            check_every_program::<$scheduler, Guarded<$scheduler>>(&alphabet, (3, 1), 125);
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_longer_waits() {
            let alphabet = [Op::Notify, Op::Wait, Op::Timed];
            check_every_program::<$scheduler, Guarded<$scheduler>>(&alphabet, (2, 3), 1_500);
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_longer_waits_and_updates() {
            let alphabet = [Op::Notify, Op::Wait, Op::Update];
            check_every_program::<$scheduler, Guarded<$scheduler>>(&alphabet, (2, 3), 1_500);
        }
    };
}
