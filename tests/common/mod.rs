//! Helpers shared by the rewrites of loom's and shuttle's tests (`tests/loom_behaviours/`,
//! `tests/shuttle_behaviours/`). Each runs a model under weft's exhaustive search, or under a
//! strategy the original names where that is the point, and asserts the verdict the original
//! test expects: it passes, fails with a data race, a deadlock or a panic, or reaches exactly a
//! set of outcomes.

// Each test crate uses some of them.
#![allow(dead_code)]

use std::fmt::Debug;

use weft::sim::{BlockedThread, DEFAULT_SEED, Explorer, FailureKind, Report, Stats};
use weft::sync::Arc;

/// Passes every execution of an exhaustive search, which finishes.
pub fn passes(model: impl Fn() + Send + Sync + 'static) {
    let stats = Explorer::exhaustive().check(model);
    assert!(stats.exhausted, "{stats}");
}

/// Passes `iterations` executions of a random walk: for a model whose schedules are too many to
/// run them all (the original samples them at random too).
pub fn passes_sampled(iterations: usize, model: impl Fn() + Send + Sync + 'static) {
    Explorer::random_walk(DEFAULT_SEED).iterations(iterations).check(model);
}

/// Fails under `explorer`; returns the report.
pub fn fails_under(explorer: &Explorer, model: impl Fn() + Send + Sync + 'static) -> Box<Report> {
    explorer.run(model).expect_err("a failing execution is found")
}

/// Fails with a data race.
pub fn races(model: impl Fn() + Send + Sync + 'static) {
    let report = fails_under(&Explorer::exhaustive(), model);
    assert_eq!(report.failure.kind, FailureKind::DataRace, "{report}");
}

/// Fails with a deadlock under `explorer`; returns the report.
pub fn deadlocks_under(explorer: &Explorer, model: impl Fn() + Send + Sync + 'static) -> Box<Report> {
    let report = fails_under(explorer, model);
    assert!(matches!(report.failure.kind, FailureKind::Deadlock(_)), "{report}");
    report
}

/// Fails with a deadlock under exhaustive search; returns the report.
pub fn deadlocks(model: impl Fn() + Send + Sync + 'static) -> Box<Report> {
    deadlocks_under(&Explorer::exhaustive(), model)
}

/// The blocked threads of a deadlock's report.
pub fn blocked(report: &Report) -> &[BlockedThread] {
    match &report.failure.kind {
        FailureKind::Deadlock(blocked) => blocked,
        _ => panic!("not a deadlock:\n{report}"),
    }
}

/// Fails under `explorer` with a panic whose message holds `message`; returns the report.
pub fn panics_under(explorer: &Explorer, message: &str, model: impl Fn() + Send + Sync + 'static) -> Box<Report> {
    let report = fails_under(explorer, model);
    assert_eq!(report.failure.kind, FailureKind::Panic, "{report}");
    assert!(report.failure.message.contains(message), "{report}");
    report
}

/// Fails under exhaustive search with a panic whose message holds `message`.
pub fn panics(message: &str, model: impl Fn() + Send + Sync + 'static) -> Box<Report> {
    panics_under(&Explorer::exhaustive(), message, model)
}

/// Every distinct value the model returns over an exhaustive search, which passes and finishes,
/// in the order found.
pub fn outcomes<T: PartialEq + Send + 'static>(model: impl Fn() -> T + Send + Sync + 'static) -> Vec<T> {
    let (found, stats) = outcomes_under(&Explorer::exhaustive(), model);
    assert!(stats.exhausted, "{stats}");
    found
}

/// Every distinct value the model returns over an exploration by `explorer`, which passes, in
/// the order found; and the exploration's statistics. (The values are gathered through a `std`
/// mutex, which the simulator does not see: it only collects, after the model's last
/// operation.)
pub fn outcomes_under<T: PartialEq + Send + 'static>(
    explorer: &Explorer,
    model: impl Fn() -> T + Send + Sync + 'static,
) -> (Vec<T>, Stats) {
    let found = Arc::new(std::sync::Mutex::new(Vec::new()));
    let into = found.clone();
    let stats = explorer.check(move || {
        let value = model();
        let mut found = into.lock().unwrap();
        if !found.contains(&value) {
            found.push(value);
        }
    });
    (std::mem::take(&mut *found.lock().unwrap()), stats)
}

/// `found` holds the values of `expected` and no other, in any order.
#[track_caller]
pub fn assert_outcomes<T: PartialEq + Debug>(found: &[T], expected: &[T]) {
    let missing: Vec<_> = expected.iter().filter(|e| !found.contains(e)).collect();
    let extra: Vec<_> = found.iter().filter(|f| !expected.contains(f)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "found {found:?}; never found {missing:?}; not expected {extra:?}");
}
