//! The façade's types in reports: labels, thread names, the order of events, tokens.

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

use weft::sim::{Explorer, FailureKind};
use weft::{AtomicUsize, Lock, Thread};

fn lost_update() {
    let lock = Arc::new(Lock::new());
    let balance = Arc::new(AtomicUsize::new(0));
    lock.label("accounts");
    let threads: Vec<Thread> = (0..2)
        .map(|i| {
            let (lock, balance) = (lock.clone(), balance.clone());
            Thread::builder().name(format!("depositor-{i}")).build(move || {
                let seen = {
                    let _g = lock.lock();
                    balance.load(SeqCst)
                };
                let _g = lock.lock();
                balance.store(seen + 1, SeqCst);
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
    assert_eq!(balance.load(SeqCst), 2, "a deposit was lost");
}

#[test]
fn facade_labels_and_order_show_in_the_report() {
    let report = Explorer::portfolio(weft::sim::DEFAULT_SEED).run(lost_update).expect_err("the bug is found");
    assert!(report.trace.iter().any(|e| e.object == "accounts"), "{report}");
    assert!(report.trace.iter().any(|e| e.object.starts_with("depositor-0 (Thread#")), "{report}");
    // One holder at a time.
    let mut holder: Option<&str> = None;
    for event in report.trace.iter().filter(|e| e.object == "accounts") {
        match event.operation.as_str() {
            "acquire" => {
                assert!(holder.is_none(), "{} acquires while {holder:?} holds it\n{report}", event.thread);
                holder = Some(&event.thread);
            }
            "release" => holder = None,
            _ => {}
        }
    }
    assert!(report.location.as_deref().is_some_and(|l| l.starts_with("tests/reports.rs:")), "{report}");
    // Its token replays it, and does not fit another program.
    let again = Explorer::replay(&report.token).run(lost_update).expect_err("the replay fails");
    assert_eq!(again.trace, report.trace);
    let other = Explorer::replay(&report.token).run(|| {}).expect_err("another program");
    assert_eq!(other.failure.kind, FailureKind::ReplayMismatch, "{other}");
}

#[test]
fn facade_deadlock_reports_name_threads_and_labels() {
    let report = Explorer::exhaustive()
        .run(|| {
            let lock = Arc::new(Lock::new());
            lock.label("ledger");
            let _held = lock.lock();
            let other = lock.clone();
            let t = Thread::builder().name("producer-1").build(move || {
                let _g = other.lock();
            });
            t.start().unwrap();
            t.join().unwrap();
        })
        .expect_err("a deadlock");
    let text = report.to_string();
    assert!(text.contains("MainThread waits on producer-1 (Thread#"), "{text}");
    assert!(text.contains("and holds ledger"), "{text}");
    assert!(text.contains("producer-1 waits on ledger"), "{text}");
}

#[test]
fn labels_do_nothing_on_real_threads() {
    let lock = Lock::new();
    lock.label("accounts").acquire();
    assert!(lock.locked());
    lock.release().unwrap();
}

/// A thread that takes a plain `Lock` it already holds deadlocks on itself: the report says it
/// holds what it waits on.
#[test]
fn a_self_deadlock_shows_the_lock_held() {
    let report = weft::sim::Explorer::random_walk(1)
        .run(|| {
            let door = weft::Lock::new();
            door.label("door");
            let _first = door.lock();
            let _second = door.lock();
        })
        .expect_err("a self-deadlock");
    assert!(report.to_string().contains("MainThread waits on door and holds door"), "{report}");
}
