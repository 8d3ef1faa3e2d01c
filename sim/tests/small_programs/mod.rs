//! Every small program on one semaphore, searched exhaustively with and without partial-order
//! reduction: both searches must reach the same outcomes. Shared by the simulator's test
//! (`sim/tests/semaphore_programs.rs`, on `Sim`) and the façade's
//! (`tests/semaphore_programs_facade.rs`, on `weft::Auto`).
//!
//! A program: a semaphore of initial value 0 or 1, and two threads, each a sequence of
//! `release`, blocking `acquire` and `try_acquire` (one to three operations for the first
//! thread, one or two for the second). The main thread starts both, releases one unit for each
//! acquire and each try (so that no program deadlocks, even where tries take units first), and
//! joins them. The outcome: what each
//! `try_acquire` returned, and the value at the end.
//!
//! A semaphore's `acquire` is a blocking operation whose releases commute with each other, a
//! combination whose reduction lost an outcome that the random differential campaigns
//! (`reduction_random.rs`) did not find in 2,400 models of up to three operations per thread: a
//! thread that releases, acquires, then tries (see `reduction.rs`,
//! `reduction_keeps_a_try_after_an_acquire_its_own_release_let_go`). Here every such pattern of
//! these sizes is checked.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{Scheduler, Semaphore, Thread};
use weft_sim::{Explorer, FailureKind};

/// An operation of a program's thread.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Release,
    Acquire,
    Try,
    /// `acquire_timeout` of 1 ms (virtual time).
    Timed,
}

/// Every sequence of one to `longest` operations of `alphabet`.
fn sequences(alphabet: &[Op], longest: usize) -> Vec<Vec<Op>> {
    let mut all: Vec<Vec<Op>> = vec![Vec::new()];
    let mut found = Vec::new();
    for _ in 0..longest {
        all = all
            .iter()
            .flat_map(|prefix| {
                alphabet.iter().map(move |&op| {
                    let mut longer = prefix.clone();
                    longer.push(op);
                    longer
                })
            })
            .collect();
        found.extend(all.iter().cloned());
    }
    found
}

/// Runs one program (see the module's documentation) and returns its outcome.
fn run<S: Scheduler>(initial: usize, threads: &[Vec<Op>]) -> String {
    let semaphore = Arc::new(Semaphore::<S>::new(initial));
    let seen: Vec<Arc<Mutex<String>>> = threads.iter().map(|_| Arc::default()).collect();
    let started: Vec<Thread<S>> = threads
        .iter()
        .zip(&seen)
        .map(|(ops, seen)| {
            let (ops, seen, semaphore) = (ops.clone(), seen.clone(), semaphore.clone());
            Thread::new(move || {
                for op in ops {
                    let taken = match op {
                        Op::Release => {
                            semaphore.release().unwrap();
                            continue;
                        }
                        Op::Acquire => {
                            assert!(semaphore.acquire());
                            continue;
                        }
                        Op::Try => semaphore.try_acquire(),
                        Op::Timed => semaphore.acquire_timeout(Duration::from_millis(1)).unwrap(),
                    };
                    seen.lock().unwrap().push(if taken { 'y' } else { 'n' });
                }
            })
        })
        .collect();
    started.iter().for_each(|t| t.start().unwrap());
    started.iter().for_each(|t| t.join().unwrap());
    let mut outcome = String::new();
    for seen in &seen {
        write!(outcome, "[{}]", seen.lock().unwrap()).unwrap();
    }
    write!(outcome, " {}", semaphore.value()).unwrap();
    outcome
}

/// The outcomes of an exhaustive search of a program, with or without reduction, and its
/// executions; `None` if some execution deadlocks (the search stops there).
fn outcomes<S: Scheduler>(initial: usize, threads: &[Vec<Op>], reduce: bool) -> Option<(BTreeSet<String>, usize)> {
    let found = Arc::new(Mutex::new(BTreeSet::new()));
    let (sink, threads) = (found.clone(), threads.to_vec());
    let result = Explorer::exhaustive().threads(1).partial_order_reduction(reduce).shrink(false).run(move || {
        let outcome = run::<S>(initial, &threads);
        sink.lock().unwrap().insert(outcome);
    });
    match result {
        Ok(stats) => {
            assert!(stats.exhausted, "{stats}");
            let found = found.lock().unwrap().clone();
            Some((found, stats.executions))
        }
        Err(report) if matches!(report.failure.kind, FailureKind::Deadlock(_)) => None,
        Err(report) => panic!("{report}"),
    }
}

/// Compares the two searches on every program of `threads` threads of one to `longest`
/// operations of `alphabet` each, on initial values 0 and 1; returns how many it compared (the
/// others can deadlock).
///
/// # Panics
/// Where the reduced search's outcomes differ from the full search's.
pub fn check_every_program<S: Scheduler>(alphabet: &[Op], threads: usize, longest: usize) -> usize {
    let each = sequences(alphabet, longest);
    let mut programs: Vec<Vec<Vec<Op>>> = vec![Vec::new()];
    for _ in 0..threads {
        programs = programs
            .iter()
            .flat_map(|program| {
                each.iter().map(move |ops| {
                    let mut more = program.clone();
                    more.push(ops.clone());
                    more
                })
            })
            .collect();
    }
    let (mut compared, mut deadlocking, mut with, mut without) = (0, 0, 0, 0);
    for initial in 0..2 {
        for program in &programs {
            let full = outcomes::<S>(initial, program, false);
            let reduced = outcomes::<S>(initial, program, true);
            let ((full, all), (reduced, executions)) = match (full, reduced) {
                (Some(full), Some(reduced)) => (full, reduced),
                (None, _) => {
                    deadlocking += 1;
                    continue;
                }
                (Some(_), None) => {
                    panic!("initial value {initial}, threads {program:?}: a deadlock only with reduction")
                }
            };
            assert_eq!(reduced, full, "initial value {initial}, threads {program:?}");
            (compared, with, without) = (compared + 1, with + executions, without + all);
        }
    }
    assert_eq!(compared + deadlocking, 2 * programs.len());
    println!(
        "{compared} programs compared, {deadlocking} that can deadlock left out: {with} executions with reduction, \
         {without} without"
    );
    compared
}

/// The tests of a scheduler: every program of two threads, of three, and with timed acquires.
#[macro_export]
macro_rules! semaphore_program_tests {
    ($scheduler:ty) => {
        use small_programs::{Op, check_every_program};

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_two_threads() {
            let compared = check_every_program::<$scheduler>(&[Op::Release, Op::Acquire, Op::Try], 2, 3);
            assert!(compared >= 1_000, "{compared} programs compared");
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_of_three_threads() {
            let compared = check_every_program::<$scheduler>(&[Op::Release, Op::Acquire, Op::Try], 3, 2);
            assert!(compared >= 1_000, "{compared} programs compared");
        }

        #[test]
        fn reduction_reaches_every_outcome_of_every_program_with_timed_acquires() {
            let compared = check_every_program::<$scheduler>(&[Op::Release, Op::Acquire, Op::Try, Op::Timed], 2, 2);
            assert!(compared >= 300, "{compared} programs compared");
        }
    };
}
