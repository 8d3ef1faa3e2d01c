//! Differential testing of partial-order reduction on random models, shared by the simulator's
//! test (`sim/tests/reduction_random.rs`, on `Sim`) and the façade's
//! (`tests/reduction_random_facade.rs`, on `weft::Auto`): for each small generated
//! program, exhaustive search with reduction must reach exactly the outcomes (and the deadlocks)
//! that exhaustive search without it reaches.
//!
//! Each test runs a fixed seed. The environment runs more:
//! `REDUCTION_MODELS` (how many models; each test sets its default), `REDUCTION_SEED` (the generator's seed),
//! `REDUCTION_ONLY` (run only the model with this index, printing it), `REDUCTION_LIMIT_MS` (the
//! time limit of the full search of one model, default 150, 250 in an unoptimized build; models
//! whose full search does not finish are skipped and counted), `REDUCTION_THREADS` and
//! `REDUCTION_OPS` (at most this many threads besides main, default 3, and operations per thread,
//! default 2), `REDUCTION_FINE`
//! (`all`: a smaller model of 2 threads of 1–2 operations with every index, whose reduced
//! fine-grained search is compared with the full searches; `none`: none; default: with every
//! sixteenth index), `REDUCTION_AVOID_KNOWN=1` (leave out the patterns of the reductions found
//! unsound so far, now regression tests in `reduction.rs`, to look for other kinds).

#![allow(dead_code)] // each test crate that includes this module uses its own part

mod generate;
mod world;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::Scheduler;
use weft_sim::{Explorer, FailureKind, Rng};

use generate::{Gen, Model, Op, avoid_known, gen_model};
use world::execute;

/// The shares of a campaign's operations drawn first among the primitives the base mix leaves
/// out (each in percent; see [`Gen`]). All 0: the base mix only.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shares {
    /// `Condvar`, `queue.Queue`, `RwLock` and `Mutex::try_lock`, Python's `Barrier`, `mpsc`.
    pub extra: usize,
    /// park and unpark, `Timer`, `SimpleQueue`.
    pub more: usize,
    /// std's `Once` and `Barrier`, scoped threads, `LifoQueue` and `PriorityQueue`.
    pub std: usize,
    /// Guards held across other operations (`RwLock` and `Mutex` sections) and yields.
    pub held: usize,
    /// The semaphores' operations.
    pub semaphores: usize,
    /// An `Event`'s operations.
    pub events: usize,
    /// Timed operations, and those that end timed waits, all timeouts equal (see [`Gen`]).
    pub timed: usize,
    /// Channel sends, unbounded and bounded (see [`Gen`]).
    pub channels: usize,
}

/// What an exhaustive search of a model found.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// Every outcome, and the number of executions.
    Outcomes(BTreeSet<String>, usize),
    /// Some execution deadlocks (the search stops at the first).
    Deadlock,
    /// The search did not finish within its time limit.
    Unfinished,
}

/// Searches `model` exhaustively, with or without reduction, in coarse or fine-grained mode.
///
/// # Panics
/// On a failure other than a deadlock (a panic in the model is a bug of the generator or of the
/// primitives, and is reported as such).
fn search<S: Scheduler>(model: &Arc<Model>, reduce: bool, fine: bool, limit: Duration) -> Found {
    let outcomes: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let (sink, shared) = (outcomes.clone(), model.clone());
    let result =
        Explorer::exhaustive().partial_order_reduction(reduce).fine_grained(fine).shrink(false).time_limit(limit).run(
            move || {
                let outcome = execute::<S>(&shared);
                sink.lock().unwrap().insert(outcome);
            },
        );
    match result {
        Ok(stats) if stats.exhausted => Found::Outcomes(outcomes.lock().unwrap().clone(), stats.executions),
        Ok(_) => Found::Unfinished,
        Err(report) if matches!(report.failure.kind, FailureKind::Deadlock(_)) => Found::Deadlock,
        Err(report) => panic!("model {model:?} failed (reduce {reduce}, fine {fine}): {report}"),
    }
}

/// Checks, on the primitives of scheduler `S`, that the reduced search (coarse) of each model on
/// which a campaign once found it missing outcomes ([`found_by_campaigns`]) reaches the
/// outcomes of the full search.
///
/// # Panics
/// On a mismatch, or if a full search does not finish within 10 s.
pub fn check_models_campaigns_found<S: Scheduler>() {
    for (found, model) in found_by_campaigns() {
        let model = Arc::new(model);
        let mut tally = Tally::default();
        compare::<S>(0, &model, false, Duration::from_secs(10), &mut tally);
        assert_eq!(tally.skipped, 0, "the full search of {model:?} did not finish");
        assert!(tally.mismatches.is_empty(), "{found}: {}", tally.mismatches[0]);
        println!("{found}: {} executions with reduction, {} without", tally.executions_reduced, tally.executions_full);
    }
}

/// Models on which a campaign found the reduced search missing outcomes (each fixed since),
/// named by where they were found and what they show.
fn found_by_campaigns() -> Vec<(&'static str, Model)> {
    vec![(
        // The main thread `try_recv`s the unbounded channel, then `recv_timeout`s the bounded
        // one. Its `try_recv`, asleep at the decision where `b` sends on the bounded channel,
        // was woken by that send (a channel object first touched after the decision, numbered
        // otherwise where the entry was made), ran first and hid its race with `c`'s unbounded
        // send; the race between the two bounded sends was then taken as covered by that sleep,
        // and "c sends on both before the main thread's `try_recv`" was never explored (3
        // outcomes missed, 18 executions against 12,062). Seed 41 found the same at model 213.
        "channels, seed 25, model 252: a sleep woken by an over-approximated footprint",
        Model {
            threads: vec![vec![Op::Load(0)], vec![Op::FetchAdd(1), Op::SyncSend], vec![Op::SyncSend, Op::ChanSend]],
            main: vec![Op::ChanTryRecv, Op::SyncRecv(10)],
            semaphore: 0,
            sync_bound: Some(1),
        },
    )]
}

/// The tally of a differential run.
#[derive(Default, Debug)]
struct Tally {
    compared: usize,
    deadlocks: usize,
    skipped: usize,
    /// Fine-grained models whose full fine-grained search finished too.
    fine_full: usize,
    executions_reduced: usize,
    executions_full: usize,
    mismatches: Vec<String>,
}

/// Compares the reduced search of `model` (fine-grained if `fine`) with the full search in coarse
/// mode and, if `fine`, also in fine-grained mode when that finishes. Every primitive operation
/// is atomic (linearizable), so fine-grained mode reaches the outcomes coarse mode reaches. Records
/// a mismatch in `tally`.
fn compare<S: Scheduler>(index: usize, model: &Arc<Model>, fine: bool, limit: Duration, tally: &mut Tally) {
    let full = search::<S>(model, false, false, limit);
    if full == Found::Unfinished {
        tally.skipped += 1;
        return;
    }
    let reduced = search::<S>(model, true, fine, limit * if fine { 20 } else { 4 });
    let mut mismatch = differ(&reduced, &full, tally);
    if fine && mismatch.is_none() {
        let full_fine = search::<S>(model, false, true, limit);
        if full_fine != Found::Unfinished {
            tally.fine_full += 1;
            mismatch = differ(&reduced, &full_fine, &mut Tally::default())
                .map(|m| format!("against the full fine-grained search: {m}"));
        }
    }
    if let Some(mismatch) = mismatch {
        let message = format!("model #{index} (fine-grained {fine}): {model:#?}\n{mismatch}");
        eprintln!("MISMATCH {message}");
        tally.mismatches.push(message);
    }
}

/// How the `reduced` search's result differs from the `full` one's, if it does; counts the
/// comparison in `tally`.
fn differ(reduced: &Found, full: &Found, tally: &mut Tally) -> Option<String> {
    match (reduced, full) {
        (Found::Outcomes(r, with), Found::Outcomes(f, without)) => {
            tally.compared += 1;
            tally.executions_reduced += with;
            tally.executions_full += without;
            (r != f).then(|| {
                let missed: Vec<&String> = f.difference(r).collect();
                let invented: Vec<&String> = r.difference(f).collect();
                format!("missed {missed:#?}\ninvented {invented:#?}")
            })
        }
        (Found::Deadlock, Found::Deadlock) => {
            tally.compared += 1;
            tally.deadlocks += 1;
            None
        }
        (Found::Unfinished, _) => {
            tally.skipped += 1;
            None
        }
        (r, f) => Some(format!("reduced: {}, full: {}", describe(r), describe(f))),
    }
}

/// A short description of a search's result.
fn describe(found: &Found) -> String {
    match found {
        Found::Outcomes(set, executions) => format!("{} outcomes in {executions} executions", set.len()),
        Found::Deadlock => "deadlock".into(),
        Found::Unfinished => "unfinished".into(),
    }
}

/// An environment variable parsed, or `default`.
fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Runs the differential campaign on the primitives of scheduler `S` (`Sim`, or the façade's
/// `Auto`, which runs on the simulator inside an exploration): `default_models` models unless
/// `REDUCTION_MODELS` says otherwise (see the top of this file for the other variables), with
/// `shares` of the operations drawn first among the primitives the base mix leaves out (see
/// [`Shares`]).
///
/// # Panics
/// On a mismatch, or if fewer than half of the models could be compared.
pub fn campaign<S: Scheduler>(default_models: usize, shares: Shares) {
    let Shares {
        extra: extra_percent,
        more: more_percent,
        std: std_percent,
        held: held_percent,
        semaphores: semaphore_percent,
        events: event_percent,
        timed: timed_percent,
        channels: channel_percent,
    } = shares;
    let models: usize = env("REDUCTION_MODELS", default_models);
    let seed: u64 = env("REDUCTION_SEED", 0x5EED_D409);
    let only: Option<usize> = std::env::var("REDUCTION_ONLY").ok().and_then(|v| v.parse().ok());
    // (An unoptimized build runs searches several times slower: with the release limit, a
    // loaded 2-core machine finished under half of one campaign's full searches.)
    let limit = Duration::from_millis(env("REDUCTION_LIMIT_MS", if cfg!(debug_assertions) { 250 } else { 150 }));
    let fine_mode = std::env::var("REDUCTION_FINE").unwrap_or_default();
    let threads: usize = env("REDUCTION_THREADS", 3);
    let ops: usize = env("REDUCTION_OPS", 2);
    // Two streams: the coarse models, and the smaller ones checked in fine-grained mode.
    let generator = |seed| Gen {
        rng: Rng::new(seed),
        extra_percent,
        more_percent,
        std_percent,
        held_percent,
        semaphore_percent,
        event_percent,
        timed_percent,
        channel_percent,
    };
    let (mut g, mut small) = (generator(seed), generator(seed ^ 0xF1E5));
    let avoid = std::env::var("REDUCTION_AVOID_KNOWN").is_ok_and(|v| v == "1");
    let mut tally = Tally::default();
    let mut fine_tally = Tally::default();
    for index in 0..models {
        let (mut model, mut fine_model) = (gen_model(&mut g, threads, ops), gen_model(&mut small, 2, 2));
        if avoid {
            (model, fine_model) = (avoid_known(&model), avoid_known(&fine_model));
        }
        let (model, fine_model) = (Arc::new(model), Arc::new(fine_model));
        if only.is_some_and(|o| o != index) {
            continue;
        }
        if only.is_some() {
            println!("{model:#?}\nfine-grained: {fine_model:#?}");
        }
        compare::<S>(index, &model, false, limit, &mut tally);
        let fine = match fine_mode.as_str() {
            "all" => true,
            "none" => false,
            _ => index % 16 == 0,
        };
        if fine {
            compare::<S>(index, &fine_model, true, limit, &mut fine_tally);
        }
        if (index + 1) % 100 == 0 {
            eprintln!("{} models: {tally:?} / fine-grained {fine_tally:?}", index + 1);
        }
    }
    for (mode, t) in [("coarse", &tally), ("fine-grained", &fine_tally)] {
        println!(
            "{mode}: {} models compared ({} deadlocking, {} also with the full fine-grained search), {} skipped \
             (a search unfinished), {} executions with reduction, {} without, {} mismatches",
            t.compared,
            t.deadlocks,
            t.fine_full,
            t.skipped,
            t.executions_reduced,
            t.executions_full,
            t.mismatches.len()
        );
    }
    let mismatches: Vec<&String> = tally.mismatches.iter().chain(&fine_tally.mismatches).collect();
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches[0]);
    // Not passed by skipping: most models' full searches finish within their limit (856 of
    // 1,000 did on the 2-core machine).
    assert!(tally.compared * 2 >= models || only.is_some(), "only {} of {models} models compared", tally.compared);
}
