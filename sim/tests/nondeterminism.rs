//! Nondeterministic models (issue 10, section 3) are reported as such, never a flaky pass with
//! `exhausted: true`: before a search claims it finished, it replays a sample of its schedules
//! and compares every step, and a search whose replayed prefix meets other options stops.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

use weft_core::{AtomicUsize, Lock, Thread};
use weft_sim::{DEFAULT_SEED, Explorer, FailureKind, Sim};

/// Two threads; what the main thread does depends on `odd(i)` for i in 0..16.
fn model(odd: impl Fn(usize) -> bool) {
    let lock = Arc::new(Lock::<Sim>::new());
    let counter = Arc::new(AtomicUsize::<Sim>::new(0));
    let (l, c) = (lock.clone(), counter.clone());
    let worker = Thread::<Sim>::new(move || {
        let _held = l.lock();
        c.fetch_add(1, SeqCst);
    });
    worker.start().unwrap();
    for i in 0..16 {
        if odd(i) {
            let _held = lock.lock();
        } else {
            counter.load(SeqCst);
        }
    }
    worker.join().unwrap();
}

fn assert_nondeterministic(name: &str, explorer: Explorer, run: impl Fn() + Send + Sync + 'static) {
    match explorer.run(run) {
        Err(report) => {
            assert_eq!(report.failure.kind, FailureKind::Nondeterminism, "{name}: {report}");
            assert!(report.failure.message.contains("nondeterministic model"), "{name}: {report}");
        }
        Ok(stats) => panic!("{name}: a nondeterministic model passed: {stats:?}"),
    }
}

#[test]
fn hashmap_order_is_reported_as_nondeterminism() {
    for (name, explorer) in [("exhaustive", Explorer::exhaustive()), ("check", Explorer::portfolio(DEFAULT_SEED))] {
        assert_nondeterministic(name, explorer, || {
            // A fresh RandomState: another iteration order in (almost) every execution.
            let set: HashSet<usize> = (0..16).collect();
            let order: Vec<usize> = set.into_iter().collect();
            model(|i| order[i] % 2 == 1);
        });
    }
}

#[test]
fn state_kept_across_executions_is_reported_as_nondeterminism() {
    for (name, explorer) in [("exhaustive", Explorer::exhaustive()), ("check", Explorer::portfolio(DEFAULT_SEED))] {
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        assert_nondeterministic(name, explorer, move || {
            // A plain static-like counter the simulator does not see: every third execution
            // takes the lock once more.
            let run = runs.fetch_add(1, SeqCst);
            model(|i| i == 0 && run % 3 == 2);
        });
    }
}

#[test]
fn a_deterministic_model_still_passes_and_is_exhausted() {
    let stats = Explorer::exhaustive().check(|| model(|i| i % 5 == 0));
    assert!(stats.exhausted, "{stats:?}");
}

#[test]
fn a_failure_that_does_not_replay_is_reported_as_nondeterminism() {
    let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let report = Explorer::random_walk(1)
        .iterations(10)
        .run(move || {
            // Fails in the first execution only, whatever the schedule.
            let run = runs.fetch_add(1, SeqCst);
            model(|_| false);
            assert!(run != 0, "the first run fails");
        })
        .expect_err("the first execution fails");
    assert_eq!(report.failure.kind, FailureKind::Nondeterminism, "{report}");
    assert!(report.failure.message.contains("the first run fails"), "{report}");
    assert!(report.failure.message.contains("did not happen again"), "{report}");
}

/// The exhaustive search replays the steps before the decision it backtracked to rather than
/// recording them again. A replayed step that touches other objects than when it ran first
/// (here, before any decision) is not the kept one: the search records the execution afresh from
/// there, and explores what the deterministic model explores. (Decisions and outcomes are the
/// same in every execution, so nothing else sees the difference.)
#[test]
fn a_replayed_step_that_differs_is_recorded_afresh() {
    fn varying(odd_run: bool) {
        let (a, b) = (AtomicUsize::<Sim>::new(0), AtomicUsize::<Sim>::new(0));
        // Both numbered first, in the same order: only the object touched differs.
        a.load(SeqCst);
        b.load(SeqCst);
        if odd_run {
            a.fetch_add(1, SeqCst)
        } else {
            b.fetch_add(1, SeqCst)
        };
        model(|i| i % 5 == 0);
    }
    let deterministic = Explorer::exhaustive().check(|| varying(false));
    let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let alternating = Explorer::exhaustive().run(move || varying(runs.fetch_add(1, SeqCst) % 2 == 1));
    match alternating {
        Ok(stats) => {
            assert!(stats.exhausted, "{stats:?}");
            assert_eq!(stats.executions, deterministic.executions, "{stats:?} against {deterministic:?}");
        }
        Err(report) => assert_eq!(report.failure.kind, FailureKind::Nondeterminism, "{report}"),
    }
}

/// Three workers each take a lock twice (90 executions: helpers start, and run a share of the
/// replays that check the search before it claims to be finished); after joining them, main
/// takes the lock once more when `extra` says so. Only that last step can differ, where no
/// decision is left: only the replays can see it.
fn varying_at_the_end(extra: impl Fn() -> bool) {
    let lock = Arc::new(Lock::<Sim>::new());
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let lock = lock.clone();
            Thread::<Sim>::new(move || {
                for _ in 0..2 {
                    let _held = lock.lock();
                }
            })
        })
        .collect();
    workers.iter().for_each(|worker| worker.start().unwrap());
    workers.iter().for_each(|worker| worker.join().unwrap());
    if extra() {
        let _held = lock.lock();
    }
}

#[test]
fn the_replays_are_the_same_on_every_number_of_threads() {
    let run = |threads: usize| Explorer::exhaustive().threads(threads).check(|| varying_at_the_end(|| false));
    let (one, two) = (run(1), run(2));
    assert!(one.exhausted && two.exhausted, "{one:?}\n{two:?}");
    assert_eq!((one.executions, one.verified), (two.executions, two.verified));
    assert_eq!(one.verified, 24);
}

#[test]
fn a_difference_only_a_replay_sees_is_reported_on_every_number_of_threads() {
    for threads in [1, 2] {
        let runs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let explorer = Explorer::exhaustive().threads(threads);
        assert_nondeterministic(&format!("{threads} threads"), explorer, move || {
            varying_at_the_end(|| runs.fetch_add(1, SeqCst) % 5 == 4)
        });
    }
}

/// A deterministic model whose determinism re-runs (the runs after the search's own) are slow:
/// each sleeps (on the OS thread, unseen by the simulator) past the exploration's time limit.
fn slow_after(runs: &'static std::sync::atomic::AtomicUsize, fast: usize) {
    if runs.fetch_add(1, SeqCst) >= fast {
        std::thread::sleep(std::time::Duration::from_millis(400));
    }
    model(|i| i % 3 == 0);
}

/// The time limit can come while the finished search replays its sample: a replay it cuts
/// short says nothing, so the search reports no nondeterminism (it once did: "its steps
/// differed") and claims nothing either.
#[test]
fn a_replay_the_time_limit_cuts_short_is_no_nondeterminism() {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let searched = Explorer::exhaustive().threads(1).run(|| model(|i| i % 3 == 0)).unwrap();
    assert!(searched.exhausted, "{searched}");
    for threads in [1, 2] {
        RUNS.store(0, SeqCst);
        let explorer = Explorer::exhaustive().threads(threads).time_limit(std::time::Duration::from_millis(300));
        match explorer.run(move || slow_after(&RUNS, searched.executions)) {
            Ok(stats) => {
                assert!(!stats.exhausted, "{threads} threads: a check the time limit cut short claimed: {stats}");
                assert_eq!(stats.executions, searched.executions, "{threads} threads: {stats}");
            }
            Err(report) => panic!("{threads} threads: a cut-short replay was reported: {report}"),
        }
    }
}
