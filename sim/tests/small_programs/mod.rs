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
//! operations on it. The main thread starts them all, then sleeps 1 s: virtual time passes only
//! when no thread can run, so by then (after every deadline of the program's own) each thread has
//! ended or is blocked for good. The outcome: what each thread's operations returned (those whose
//! result the family records), which threads are blocked for good, and the object's state at the
//! end. The threads are daemons, so the execution ends without those that are blocked: a program
//! that can block is compared like any other, and the reduction must reach every way a program
//! can get stuck, as well as every way it can end. (The main thread could join its threads with a
//! timeout instead, but that costs far more executions, with reduction or without. Plain joins
//! would turn a blocked thread into a deadlock, where the search stops: such programs would have
//! to be left out.)
//!
//! Enumerating every program of a few operations checks patterns that random differential
//! campaigns miss: the semaphore's family found at once an outcome the reduction lost, which the
//! campaigns of `reduction_random.rs` had not found in 2,400 models of the same sizes.

use std::collections::BTreeSet;
use std::fmt::{Debug, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{Scheduler, Thread, sleep};
use weft_sim::Explorer;

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
fn run<S: Scheduler, P: Primitive<S>>(initial: usize, threads: &[Vec<P::Op>]) -> String {
    let object = Arc::new(P::new(initial));
    let seen: Vec<Arc<Mutex<String>>> = threads.iter().map(|_| Arc::default()).collect();
    let started: Vec<Thread<S>> = threads
        .iter()
        .zip(&seen)
        .map(|(ops, seen)| {
            let (ops, seen, object) = (ops.clone(), seen.clone(), object.clone());
            Thread::builder().daemon(true).build(move || {
                for op in ops {
                    if let Some(returned) = object.call(op) {
                        seen.lock().unwrap().push(returned);
                    }
                }
            })
        })
        .collect();
    started.iter().for_each(|t| t.start().unwrap());
    // Each thread has ended or is blocked for good when the sleep ends.
    sleep::<S>(Duration::from_secs(1));
    let mut outcome = String::new();
    for (thread, seen) in started.iter().zip(&seen) {
        let blocked = if thread.is_alive() { " blocked" } else { "" };
        write!(outcome, "[{}{blocked}]", seen.lock().unwrap()).unwrap();
    }
    write!(outcome, " {}", object.state()).unwrap();
    outcome
}

/// The outcomes of an exhaustive search of a program, with or without reduction, and its
/// executions.
fn outcomes<S: Scheduler, P: Primitive<S>>(
    initial: usize,
    threads: &[Vec<P::Op>],
    reduce: bool,
) -> (BTreeSet<String>, usize) {
    let found = Arc::new(Mutex::new(BTreeSet::new()));
    let (sink, threads) = (found.clone(), threads.to_vec());
    let result = Explorer::exhaustive().threads(1).partial_order_reduction(reduce).shrink(false).run(move || {
        let outcome = run::<S, P>(initial, &threads);
        sink.lock().unwrap().insert(outcome);
    });
    let stats = result.unwrap_or_else(|report| panic!("{report}"));
    assert!(stats.exhausted, "{stats}");
    let found = found.lock().unwrap().clone();
    (found, stats.executions)
}

/// Compares the two searches on every program of `threads` threads of one to `longest`
/// operations of `alphabet` each, from each initial state of `P`, and checks that it compared at
/// least `at_least` (the count measured, rounded down: a test that compared nothing fails).
///
/// # Panics
/// Where the reduced search's outcomes differ from the full search's, a search fails, or fewer
/// than `at_least` programs were compared.
pub fn check_every_program<S: Scheduler, P: Primitive<S>>(
    alphabet: &[P::Op],
    (threads, longest): (usize, usize),
    at_least: usize,
) {
    let compared = compare_every_program::<S, P>(alphabet, threads, longest);
    assert!(compared >= at_least, "{compared} programs compared, fewer than {at_least}");
}

/// [`check_every_program`]'s comparison; returns how many programs it compared.
fn compare_every_program<S: Scheduler, P: Primitive<S>>(alphabet: &[P::Op], threads: usize, longest: usize) -> usize {
    let programs = programs(alphabet, threads, longest);
    let (mut compared, mut with, mut without) = (0, 0, 0);
    for initial in 0..P::INITIAL_STATES {
        for program in &programs {
            let (full, all) = outcomes::<S, P>(initial, program, false);
            let (reduced, executions) = outcomes::<S, P>(initial, program, true);
            assert_eq!(reduced, full, "initial state {initial}, threads {program:?}");
            (compared, with, without) = (compared + 1, with + executions, without + all);
        }
    }
    println!("{compared} programs compared: {with} executions with reduction, {without} without");
    compared
}
