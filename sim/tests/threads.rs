//! `Explorer::threads`: an exhaustive search whose subtrees helper threads explore ahead counts
//! the same executions, in the same order as far as anything observable goes, and reports the
//! same first failure, whatever the number of threads. (Helpers may also run executions the
//! search never comes to, past its budget or its first failure: the model runs them, and the
//! search drops them.)

mod models;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use models::{Outcomes, lock_order};
use weft_core::{Condition, Thread};
use weft_sim::{Explorer, Sim, Stats};

/// A model that records its outcome.
type Model = fn(&Outcomes);

/// Cargill's buffer (capacity 1, `notify_all`), 2 consumers × `takes`, 1 producer: the log is
/// the order of puts and takes.
fn buffer(takes: usize, outcomes: &Outcomes) {
    let condition = Arc::new(Condition::<Sim>::new());
    let state = Arc::new(Mutex::new((0usize, String::new())));
    let role = |name: char, full: usize, count: usize| {
        let (condition, state) = (condition.clone(), state.clone());
        Thread::<Sim>::new(move || {
            for _ in 0..count {
                let _held = condition.lock();
                while state.lock().unwrap().0 == full {
                    condition.wait().unwrap();
                }
                let mut state = state.lock().unwrap();
                state.0 = full;
                state.1.push(name);
                drop(state);
                condition.notify_all().unwrap();
            }
        })
    };
    // Consumers wait while the buffer is empty (0) and empty it; the producer waits while it is
    // full (1) and fills it.
    let workers = [role('x', 0, takes), role('y', 0, takes), role('p', 1, 2 * takes)];
    workers.iter().for_each(|t| t.start().unwrap());
    workers.iter().for_each(|t| t.join().unwrap());
    let log = state.lock().unwrap().1.clone();
    *outcomes.lock().unwrap().entry(log).or_default() += 1;
}

/// The search's statistics and every execution's outcome, with `threads` threads.
fn explore(explorer: Explorer, threads: usize, model: Model) -> (Stats, BTreeMap<String, usize>) {
    let outcomes: Outcomes = Arc::default();
    let sink = outcomes.clone();
    let stats = explorer.threads(threads).check(move || model(&sink));
    let outcomes = outcomes.lock().unwrap().clone();
    (stats, outcomes)
}

/// What must not depend on the number of threads.
fn same(stats: &Stats) -> (usize, usize, usize, bool, usize, Option<u64>) {
    (stats.executions, stats.steps, stats.pruned, stats.exhausted, stats.searched, stats.search_estimate)
}

#[test]
fn the_same_executions_whatever_the_number_of_threads() {
    let models: [(&str, Model); 3] = [
        ("lock order (3 × 3)", |o| lock_order(3, 3, None, o)),
        ("lock order (4 × 2)", |o| lock_order(4, 2, None, o)),
        ("buffer (2 takes each)", |o| buffer(2, o)),
    ];
    for (name, model) in models {
        let (one, outcomes) = explore(Explorer::exhaustive(), 1, model);
        assert!(one.exhausted && one.executions > 400, "{name}: {one}");
        for threads in [2, 3] {
            let (many, theirs) = explore(Explorer::exhaustive(), threads, model);
            assert_eq!(same(&many), same(&one), "{name}, {threads} threads: {many} against {one}");
            assert_eq!(theirs, outcomes, "{name}, {threads} threads: another multiset of executions");
        }
    }
}

#[test]
fn a_search_cut_short_stops_at_the_same_execution() {
    // 2,520 executions in all; the budget ends inside subtrees helpers explored.
    for budget in [500, 2001] {
        let (one, outcomes) = explore(Explorer::exhaustive().iterations(budget), 1, |o| lock_order(4, 2, None, o));
        let (two, theirs) = explore(Explorer::exhaustive().iterations(budget), 2, |o| lock_order(4, 2, None, o));
        assert_eq!(one.executions, budget);
        assert_eq!(same(&two), same(&one), "{two} against {one}");
        // Every execution counted ran; helpers may have run more, past the budget.
        for (order, count) in &outcomes {
            assert!(theirs.get(order).is_some_and(|n| n >= count), "{order} ran {count} times with one thread");
        }
    }
}

#[test]
fn the_same_first_failure_whatever_the_number_of_threads() {
    // A lock order the depth-first search comes to late (hundreds of executions in).
    let model = || {
        let outcomes: Outcomes = Arc::default();
        lock_order(3, 3, Some("cbaccbbaa"), &outcomes);
    };
    let one = Explorer::exhaustive().threads(1).run(model).unwrap_err();
    assert!(one.failure.message.contains("the forbidden order"), "{one}");
    assert!(one.stats.executions > 200, "{}", one.stats);
    for threads in [2, 4] {
        let many = Explorer::exhaustive().threads(threads).run(model).unwrap_err();
        assert_eq!(many.token, one.token, "{threads} threads");
        assert_eq!(same(&many.stats), same(&one.stats), "{threads} threads");
    }
}

#[test]
fn the_default_check_is_the_same_whatever_the_number_of_threads() {
    let (one, outcomes) = explore(Explorer::portfolio(7), 1, |o| buffer(2, o));
    let (two, theirs) = explore(Explorer::portfolio(7), 2, |o| buffer(2, o));
    assert!(!one.exhausted);
    assert_eq!(same(&two), same(&one), "{two} against {one}");
    for (order, count) in &outcomes {
        assert!(theirs.get(order).is_some_and(|n| n >= count), "{order} ran {count} times with one thread");
    }
}

#[test]
fn a_time_limit_ends_a_search_with_helpers() {
    let (stats, _) = explore(Explorer::exhaustive().time_limit(Duration::from_millis(300)), 2, |o| buffer(4, o));
    assert!(!stats.exhausted && stats.executions > 0, "{stats}");
}

#[test]
fn random_strategies_run_the_same_executions_whatever_the_number_of_threads() {
    let explorers = [
        ("random walk", Explorer::random_walk(3)),
        ("POS", Explorer::pos(3)),
        ("weighted POS", Explorer::weighted_pos(3)),
        ("URW", Explorer::urw(3)),
        ("PCT", Explorer::pct(3, 3)),
    ];
    for (name, explorer) in explorers {
        let (one, outcomes) = explore(explorer.clone().iterations(1500), 1, |o| lock_order(3, 3, None, o));
        let (two, theirs) = explore(explorer.clone().iterations(1500), 2, |o| lock_order(3, 3, None, o));
        assert_eq!(same(&two), same(&one), "{name}: {two} against {one}");
        // Every execution counted ran; helpers may have run some twice (a copy that had learnt
        // less than the strategy when it got there is run again).
        for (order, count) in &outcomes {
            assert!(theirs.get(order).is_some_and(|n| n >= count), "{name}: {order} ran {count} times with one thread");
        }
    }
}

#[test]
fn random_strategies_report_the_same_first_failure_whatever_the_number_of_threads() {
    let model = || lock_order(3, 3, Some("cbaccbbaa"), &Outcomes::default());
    for explorer in [Explorer::random_walk(11), Explorer::urw(11)] {
        let one = explorer.clone().iterations(20_000).shrink(false).threads(1).run(model).unwrap_err();
        let two = explorer.clone().iterations(20_000).shrink(false).threads(2).run(model).unwrap_err();
        assert!(one.stats.executions > 100, "{}", one.stats);
        assert_eq!(two.token, one.token);
        assert_eq!(same(&two.stats), same(&one.stats));
    }
}

#[test]
fn explorations_at_the_same_time_with_the_default_threads_share_the_cores_and_agree() {
    // Four explorations at a time, each with the default number of threads: whether each starts
    // helpers depends on the cores the others leave free at that moment (see `Explorer::threads`),
    // which must change nothing of what they report.
    let model: Model = |o| lock_order(3, 3, None, o);
    let (one, outcomes) = explore(Explorer::exhaustive(), 1, model);
    let runs: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(move || {
                let outcomes: Outcomes = Arc::default();
                let sink = outcomes.clone();
                let stats = Explorer::exhaustive().check(move || model(&sink));
                let outcomes = outcomes.lock().unwrap().clone();
                (stats, outcomes)
            })
        })
        .collect();
    for run in runs {
        let (stats, theirs) = run.join().unwrap();
        assert_eq!(same(&stats), same(&one), "{stats} against {one}");
        assert_eq!(theirs, outcomes, "another multiset of executions");
    }
}

#[test]
fn a_model_that_keeps_state_in_its_os_thread_has_the_verdict_it_has_on_one_thread() {
    // A model that keeps state outside the simulation, in its OS thread or in the process (a
    // std thread_local, a std static it resets at its start), repeats itself when its executions
    // run one after the other on one OS thread, and may not when helper threads run some at the
    // same time. Here an execution on another OS thread than the first takes another path (one
    // more lock order, and then a panic): one thread passes; with helpers, the search must
    // still pass, as on one thread, and not report a failure of the helpers' making. Later
    // explorations of the same model run on one thread from the start.
    static FIRST: Mutex<Option<std::thread::ThreadId>> = Mutex::new(None);
    static ELSEWHERE: AtomicUsize = AtomicUsize::new(0);
    let model = || {
        let here = std::thread::current().id();
        let first = *FIRST.lock().unwrap().get_or_insert(here);
        lock_order(3, 3, None, &Outcomes::default());
        if first != here {
            ELSEWHERE.fetch_add(1, Relaxed);
            panic!("this execution ran on another OS thread than the first");
        }
    };
    let one = Explorer::exhaustive().threads(1).run(model).unwrap();
    assert!(one.exhausted && one.executions > 1000, "{one}");
    let explore = |threads: usize| {
        *FIRST.lock().unwrap() = None;
        ELSEWHERE.store(0, Relaxed);
        let stats = Explorer::exhaustive().threads(threads).run(model).unwrap_or_else(|report| panic!("{report}"));
        assert_eq!(same(&stats), same(&one), "{threads} threads: {stats} against {one}");
        ELSEWHERE.load(Relaxed)
    };
    // (Otherwise the helpers ran nothing, and the test showed nothing.)
    assert!(explore(2) > 0, "no execution ran on a helper");
    assert_eq!(explore(3), 0, "the model was explored again with helpers");
}
