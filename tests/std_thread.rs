//! `weft::thread` (std's thread API) in simulation: the simulator finds bugs in code that uses
//! only std's API and weft's atomics, names the threads and their park tokens in its reports,
//! and replays them; a panic received through `join` is no failure, a panic nobody joins is;
//! a scope cut short by a failure is unwound without leaking its threads' stacks.

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use weft::generic::std_thread;
use weft::sim::{DEFAULT_SEED, Explorer, FailureKind, Sim};
use weft::{AtomicBool, AtomicUsize, thread};

/// A waiter parks until a notifier is done; to save an `unpark`, the notifier unparks it only
/// if the waiter said it waits. BUGGY: the waiter checks `done` before it says so, so the
/// notifier can finish between the two, see nobody waiting and skip the `unpark`: the waiter
/// parks for ever. FIXED: the waiter says it waits first, then checks (and parks in a loop, as
/// std's documentation asks).
fn handoff(buggy: bool) {
    let done = Arc::new(AtomicBool::new(false));
    let waiting = Arc::new(AtomicBool::new(false));
    let (d, w) = (done.clone(), waiting.clone());
    let waiter = thread::Builder::new()
        .name("waiter".to_owned())
        .spawn(move || {
            if buggy {
                if !d.load(SeqCst) {
                    w.store(true, SeqCst);
                    thread::park();
                }
            } else {
                w.store(true, SeqCst);
                while !d.load(SeqCst) {
                    thread::park();
                }
            }
        })
        .unwrap();
    done.store(true, SeqCst);
    if waiting.load(SeqCst) {
        waiter.thread().unpark();
    }
    waiter.join().unwrap();
}

#[test]
fn a_skipped_unpark_is_found_as_a_deadlock() {
    let report = Explorer::portfolio(DEFAULT_SEED).run(|| handoff(true)).expect_err("the lost wake-up is found");
    let FailureKind::Deadlock(blocked) = &report.failure.kind else { panic!("not a deadlock:\n{report}") };
    let waiter = blocked.iter().find(|b| b.thread == "waiter").unwrap_or_else(|| panic!("{report}"));
    assert_eq!(waiter.waits_on, "waiter's park token", "{report}");
    let main = blocked.iter().find(|b| b.thread == "MainThread").unwrap_or_else(|| panic!("{report}"));
    assert!(main.waits_on.starts_with("waiter"), "main joins the waiter\n{report}");
    // The trace shows the race: the notifier's store comes after the waiter's check, and no
    // unpark follows.
    assert!(report.trace.iter().all(|e| e.operation != "unpark"), "{report}");
    assert!(report.trace.iter().any(|e| e.thread == "waiter" && e.object == "waiter's park token"), "{report}");
    let again = Explorer::replay(&report.token).run(|| handoff(true)).expect_err("the replay fails");
    assert_eq!(again.failure, report.failure);
    assert_eq!(again.trace, report.trace);
    let stats = Explorer::exhaustive().run(|| handoff(false)).unwrap_or_else(|r| panic!("the fix fails\n{r}"));
    assert!(stats.exhausted);
}

/// Two spawned threads add to a counter with a load and a store: an update can be lost.
fn lost_update(buggy: bool) {
    let counter = Arc::new(AtomicUsize::new(0));
    let handles: Vec<thread::JoinHandle<()>> = (0..2)
        .map(|i| {
            let counter = counter.clone();
            thread::Builder::new()
                .name(format!("adder-{i}"))
                .spawn(move || {
                    if buggy {
                        let seen = counter.load(SeqCst);
                        counter.store(seen + 1, SeqCst);
                    } else {
                        counter.fetch_add(1, SeqCst);
                    }
                })
                .unwrap()
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(counter.load(SeqCst), 2, "an update was lost");
}

#[test]
fn a_race_between_spawned_threads_is_found() {
    let report = Explorer::portfolio(DEFAULT_SEED).run(|| lost_update(true)).expect_err("the race is found");
    assert_eq!(report.failure.kind, FailureKind::Panic, "{report}");
    assert!(report.failure.message.contains("an update was lost"), "{report}");
    assert_eq!(report.failure.thread, "MainThread");
    assert!(report.location.as_deref().is_some_and(|l| l.starts_with("tests/std_thread.rs:")), "{report}");
    assert!(report.trace.iter().any(|e| e.object.starts_with("adder-0 (Thread#")), "{report}");
    let again = Explorer::replay(&report.token).run(|| lost_update(true)).expect_err("the replay fails");
    assert_eq!(again.trace, report.trace);
    let stats = Explorer::exhaustive().run(|| lost_update(false)).unwrap_or_else(|r| panic!("the fix fails\n{r}"));
    assert!(stats.exhausted);
}

#[test]
fn a_panic_nobody_joins_fails_the_execution_a_joined_one_does_not() {
    let detached = || {
        let handle = thread::Builder::new().name("worker".to_owned()).spawn(|| -> () { panic!("boom") }).unwrap();
        drop(handle);
    };
    let report = Explorer::exhaustive().run(detached).expect_err("an unjoined panic is a failure");
    assert_eq!(report.failure.kind, FailureKind::Panic, "{report}");
    assert_eq!(report.failure.message, "panic in thread worker: boom", "{report}");
    let joined = || {
        let handle = thread::Builder::new().name("worker".to_owned()).spawn(|| -> () { panic!("boom") }).unwrap();
        let payload = handle.join().unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    };
    let stats = Explorer::exhaustive().run(joined).unwrap_or_else(|r| panic!("a joined panic failed\n{r}"));
    assert!(stats.exhausted);
    // In a scope, an unjoined panic makes the scope panic (std's rule), which fails the model.
    let report = Explorer::exhaustive()
        .run(|| {
            thread::scope(|s| {
                s.spawn(|| -> () { panic!("boom") });
            })
        })
        .expect_err("the scope panics");
    assert_eq!(report.failure.message, "a scoped thread panicked", "{report}");
}

#[test]
fn a_scope_explored_and_cut_short_keeps_no_stack() {
    let before = weft_sim::retired_stacks();
    // Every interleaving of a scope whose threads borrow the model's locals.
    let stats = Explorer::exhaustive()
        .run(|| {
            let counter = AtomicUsize::new(0);
            let mut log = Vec::new();
            thread::scope(|s| {
                s.spawn(|| counter.fetch_add(1, SeqCst));
                s.spawn(|| {
                    counter.fetch_add(1, SeqCst);
                    log.push("second");
                });
            });
            assert_eq!(counter.load(SeqCst), 2);
            assert_eq!(log, ["second"]);
        })
        .unwrap_or_else(|r| panic!("{r}"));
    assert!(stats.exhausted);
    // A scope left waiting for a thread that never ends: a deadlock, after which the scoped
    // thread is unwound before the scope's owner, which then finds it ended.
    let report = Explorer::exhaustive()
        .run(|| {
            let data = String::from("borrowed by the scoped thread");
            thread::scope(|s| {
                s.spawn(|| {
                    thread::park();
                    data.len()
                });
            });
        })
        .expect_err("a deadlock");
    assert!(matches!(report.failure.kind, FailureKind::Deadlock(_)), "{report}");
    // In fine-grained mode (the generic types on `Sim`), where many executions are cut short
    // at a scheduling point inside a primitive, a scoped thread abandoned as it ends (after
    // its closure, before its state says so) does not hold the scope's owner either.
    let stats = Explorer::exhaustive()
        .fine_grained(true)
        // (Every option that sleep sets leave: the reduced search cuts none of these short.)
        .sleep_sets_only(true)
        .run(|| {
            let finished = weft::generic::AtomicUsize::<Sim>::new(0);
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                std_thread::scope::<Sim, _>(|s| {
                    s.spawn(|| -> () { std::panic::resume_unwind(Box::new("boom")) });
                    // Two sleepers that then race on one atomic: orders that sleep sets cut short.
                    for _ in 0..2 {
                        s.spawn(|| {
                            std_thread::sleep::<Sim>(Duration::from_millis(10));
                            finished.fetch_add(1, SeqCst);
                        });
                    }
                })
            }));
            assert!(outcome.is_err(), "the scope panics");
            assert_eq!(finished.load(SeqCst), 2, "after joining every thread");
        })
        .unwrap_or_else(|r| panic!("{r}"));
    assert!(stats.exhausted && stats.pruned > 0, "{stats:?}");
    assert_eq!(weft_sim::retired_stacks(), before, "an abandoned thread was given up, its stack leaked");
}

#[test]
fn a_second_unpark_does_not_hide_a_wake_up_between_the_two() {
    // The parked thread may take the first token before the main thread stores 2 (and sees 1);
    // the second unpark, which finds no token taken yet in the execution explored first, must
    // not make the search think the park could only come after it. Found by shuttle's
    // thread_double_unpark rewrite; without reduction the failure was always found.
    use weft::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let model = || {
        let x = weft::sync::Arc::new(AtomicUsize::new(0));
        let seen = x.clone();
        let parked = weft::thread::spawn(move || {
            weft::thread::park();
            assert_ne!(seen.load(SeqCst), 1, "woke between the unparks");
        });
        x.store(1, SeqCst);
        parked.thread().unpark();
        x.store(2, SeqCst);
        parked.thread().unpark();
        parked.join().expect("the parked thread saw 2");
    };
    let report = Explorer::exhaustive().run(model).expect_err("the wake-up between the unparks is explored");
    assert!(report.failure.message.contains("the parked thread saw 2"), "{report}");
}
