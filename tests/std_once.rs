//! `weft::sync::Once`, the façade's (std's on real threads, one per execution in simulations):
//! std's behaviour on both, in a `static` and in a model.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use weft::sim::Explorer;
use weft::sync::{Arc, Once};

/// Two threads race to initialise; the initialisation runs once and both see it completed.
fn race_to_initialise(once: &'static Once) {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let t = weft::thread::spawn(move || {
        once.call_once(|| {
            r.fetch_add(1, SeqCst);
        });
        assert!(once.is_completed());
    });
    once.call_once(|| {
        runs.fetch_add(1, SeqCst);
    });
    assert!(once.is_completed());
    t.join().unwrap();
    assert_eq!(runs.load(SeqCst), 1);
}

#[test]
fn a_static_once_runs_once_in_every_execution_and_on_real_threads() {
    static SIMULATED: Once = Once::new();
    let stats = Explorer::exhaustive().check(|| race_to_initialise(&SIMULATED));
    assert!(stats.exhausted && stats.executions > 1, "{stats}");
    static REAL: Once = Once::new();
    race_to_initialise(&REAL);
}

#[test]
fn a_once_made_in_the_model_runs_once() {
    let stats = Explorer::exhaustive().check(|| race_to_initialise(Box::leak(Box::new(Once::new()))));
    assert!(stats.exhausted, "{stats}");
}

/// A panicking initialisation poisons the `Once`: `call_once` then panics, `call_once_force`
/// runs and is told, and completes it.
fn poisoning(once: &Once) {
    let failed = catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("initialisation fails"))));
    assert!(failed.is_err());
    assert!(!once.is_completed());
    let again = catch_unwind(AssertUnwindSafe(|| once.call_once(|| ())));
    let message = again.unwrap_err().downcast::<&str>().map(|m| *m).unwrap_or_default();
    assert_eq!(message, "Once instance has previously been poisoned");
    let mut told = None;
    once.call_once_force(|state| told = Some(state.is_poisoned()));
    assert_eq!(told, Some(true));
    assert!(once.is_completed());
}

#[test]
fn a_failed_initialisation_poisons_on_both_backends() {
    static SIMULATED: Once = Once::new();
    Explorer::random_walk(1).iterations(3).check(|| poisoning(&SIMULATED));
    poisoning(&Once::new());
}
