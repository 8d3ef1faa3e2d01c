//! Every small program on one synchronisation object, searched exhaustively with and without
//! partial-order reduction: both searches must reach the same outcomes. This module is the
//! machinery, the same for every object: the enumeration of the programs, how one runs, and the
//! comparison of the two searches. Each family of programs (an object, its initial states and
//! the operations its threads call) is a file beside it, with a macro that writes its tests for
//! a scheduler:
//!
//! - `semaphore.rs`: release, acquire, try and timed acquire on a `Semaphore`;
//! - `event.rs`: set, clear, is_set, wait and timed wait on an `Event`;
//! - `condition.rs`: notify, notify_all, wait and timed wait on a `Condition` over a `Lock`, and
//!   updates of a count its lock guards.
//!
//! A test file declares this module and the family it tests (a family no test of the file uses
//! would be dead code there), then calls the family's macro: on `Sim` in the simulator's tests
//! (`sim/tests/semaphore_programs.rs`, `event_programs.rs`, `condition_programs.rs`), on the
//! façade's `weft::Auto` in the façade's (`tests/*_programs_facade.rs`, which include these files
//! by path).
//!
//! A program: the object in one of its initial states, and threads that each call a sequence of
//! operations on it. The main thread starts them all and joins them. The outcome: what each
//! thread's operations returned (those whose result the family records), and the object's state
//! at the end. A program that can leave a thread blocked for good is either left out or compared
//! with its blocked threads in the outcome (see [`Blocked`]).
//!
//! Enumerating every program of a few operations checks patterns that random differential
//! campaigns miss: the semaphore's family found at once an outcome the reduction lost, which the
//! campaigns of `reduction_random.rs` had not found in 2,400 models of the same sizes.

use std::collections::BTreeSet;
use std::fmt::{Debug, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{Scheduler, Thread, sleep};
use weft_sim::{Explorer, FailureKind};

/// An object whose small programs are enumerated: built in one of its initial states, the
/// operations a program's threads call on it, and its state in an outcome.
pub trait Primitive<S: Scheduler>: Send + Sync + Sized + 'static {
    /// An operation of a program's thread.
    type Op: Copy + Debug + Send + Sync + 'static;

    /// How many initial states programs start from: `new` takes each of `0..INITIAL_STATES`.
    const INITIAL_STATES: usize;

    /// The object in initial state `initial`.
    fn new(initial: usize) -> Self;

    /// Calls `op`; what it returned, if the outcome records it.
    fn call(&self, op: Self::Op) -> Option<char>;

    /// The object's state at the end of a program, in its outcome.
    fn state(&self) -> String;
}

/// What a comparison makes of a program some of whose executions leave a thread blocked for
/// good.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// The program is left out: the main thread joins its threads, and the search stops at the
    /// first execution that deadlocks. Cheap, but what the reduction makes of such programs goes
    /// unchecked, even their executions that end.
    LeftOut,
    /// The program is compared, its blocked threads in the outcome: the threads are daemons,
    /// and the main thread, instead of joining them, sleeps 1 s (virtual time, which passes only
    /// when no thread can run, so after every deadline of the program's own); a thread still
    /// alive then is blocked for good, and the execution ends without it. The reduction must
    /// then reach every way a program can get stuck, as well as every way it can end. (Joins with
    /// a timeout would do too, but cost far more executions, with reduction or without.)
    InOutcome,
}

/// Every sequence of one to `longest` operations of `alphabet`.
fn sequences<O: Copy>(alphabet: &[O], longest: usize) -> Vec<Vec<O>> {
    let mut all: Vec<Vec<O>> = vec![Vec::new()];
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

/// Every program of `threads` threads, each one of `sequences(alphabet, longest)`.
fn programs<O: Copy>(alphabet: &[O], threads: usize, longest: usize) -> Vec<Vec<Vec<O>>> {
    let each = sequences(alphabet, longest);
    let mut programs: Vec<Vec<Vec<O>>> = vec![Vec::new()];
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
    programs
}

/// Runs one program (see the module's documentation) and returns its outcome: `[…]` per
/// thread, what its operations returned (and ` blocked` if it is blocked for good), then the
/// object's state.
fn run<S: Scheduler, P: Primitive<S>>(initial: usize, threads: &[Vec<P::Op>], blocked: Blocked) -> String {
    let object = Arc::new(P::new(initial));
    let seen: Vec<Arc<Mutex<String>>> = threads.iter().map(|_| Arc::default()).collect();
    let started: Vec<Thread<S>> = threads
        .iter()
        .zip(&seen)
        .map(|(ops, seen)| {
            let (ops, seen, object) = (ops.clone(), seen.clone(), object.clone());
            Thread::builder().daemon(blocked == Blocked::InOutcome).build(move || {
                for op in ops {
                    if let Some(returned) = object.call(op) {
                        seen.lock().unwrap().push(returned);
                    }
                }
            })
        })
        .collect();
    started.iter().for_each(|t| t.start().unwrap());
    match blocked {
        Blocked::LeftOut => started.iter().for_each(|t| t.join().unwrap()),
        // Each thread has ended or is blocked for good when the sleep ends.
        Blocked::InOutcome => sleep::<S>(Duration::from_secs(1)),
    }
    let mut outcome = String::new();
    for (thread, seen) in started.iter().zip(&seen) {
        let blocked = if thread.is_alive() { " blocked" } else { "" };
        write!(outcome, "[{}{blocked}]", seen.lock().unwrap()).unwrap();
    }
    write!(outcome, " {}", object.state()).unwrap();
    outcome
}

/// The outcomes of an exhaustive search of a program, with or without reduction, and its
/// executions; `None` if some execution deadlocks (the search stops there; only where blocked
/// threads are [`Blocked::LeftOut`]).
fn outcomes<S: Scheduler, P: Primitive<S>>(
    initial: usize,
    threads: &[Vec<P::Op>],
    blocked: Blocked,
    reduce: bool,
) -> Option<(BTreeSet<String>, usize)> {
    let found = Arc::new(Mutex::new(BTreeSet::new()));
    let (sink, threads) = (found.clone(), threads.to_vec());
    let result = Explorer::exhaustive().threads(1).partial_order_reduction(reduce).shrink(false).run(move || {
        let outcome = run::<S, P>(initial, &threads, blocked);
        sink.lock().unwrap().insert(outcome);
    });
    match result {
        Ok(stats) => {
            assert!(stats.exhausted, "{stats}");
            let found = found.lock().unwrap().clone();
            Some((found, stats.executions))
        }
        Err(report) if blocked == Blocked::LeftOut && matches!(report.failure.kind, FailureKind::Deadlock(_)) => None,
        Err(report) => panic!("{report}"),
    }
}

/// Compares the two searches on every program of `threads` threads of one to `longest`
/// operations of `alphabet` each, from each initial state of `P`; returns how many it compared
/// (the others can deadlock, and `blocked` leaves them out).
///
/// # Panics
/// Where the reduced search's outcomes differ from the full search's, or only one of the two
/// searches finds a deadlock.
pub fn check_every_program<S: Scheduler, P: Primitive<S>>(
    alphabet: &[P::Op],
    threads: usize,
    longest: usize,
    blocked: Blocked,
) -> usize {
    let programs = programs(alphabet, threads, longest);
    let (mut compared, mut deadlocking, mut with, mut without) = (0, 0, 0, 0);
    for initial in 0..P::INITIAL_STATES {
        for program in &programs {
            let full = outcomes::<S, P>(initial, program, blocked, false);
            let reduced = outcomes::<S, P>(initial, program, blocked, true);
            let ((full, all), (reduced, executions)) = match (full, reduced) {
                (Some(full), Some(reduced)) => (full, reduced),
                (None, None) => {
                    deadlocking += 1;
                    continue;
                }
                (full, _) => {
                    let only = if full.is_some() { "with" } else { "without" };
                    panic!("initial state {initial}, threads {program:?}: a deadlock only {only} reduction")
                }
            };
            assert_eq!(reduced, full, "initial state {initial}, threads {program:?}");
            (compared, with, without) = (compared + 1, with + executions, without + all);
        }
    }
    assert_eq!(compared + deadlocking, P::INITIAL_STATES * programs.len());
    println!(
        "{compared} programs compared, {deadlocking} that can deadlock left out: {with} executions with reduction, \
         {without} without"
    );
    compared
}
