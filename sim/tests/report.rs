//! A report's trace says how operations ended, where the primitive tells: a timed acquire that
//! timed out, a try that found the lock busy, a join that saw the thread end.

use std::sync::Arc;
use std::time::Duration;

use weft_core::{Lock, Thread};
use weft_sim::{Explorer, FailureKind, Sim};

#[test]
fn trace_shows_outcomes() {
    let report = Explorer::random_walk(1)
        .run(|| {
            let lock = Arc::new(Lock::<Sim>::new());
            let _held = lock.lock();
            let other = lock.clone();
            let t = Thread::<Sim>::builder().name("prober").build(move || {
                assert!(!other.acquire_timeout(Duration::from_millis(5)).unwrap());
                assert!(!other.try_acquire());
            });
            t.start().unwrap();
            t.join().unwrap();
            panic!("show the trace");
        })
        .expect_err("the model panics");
    assert_eq!(report.failure.kind, FailureKind::Panic);
    let ended = |thread: &str, operation: &str, outcome: &str| {
        report.trace.iter().any(|e| e.thread == thread && e.operation == operation && e.outcome == outcome)
    };
    assert!(ended("prober", "acquire_timeout", "timed out"), "{report}");
    assert!(ended("prober", "try_acquire", "busy"), "{report}");
    assert!(ended("MainThread", "join", "ended"), "{report}");
    assert!(report.to_string().contains("acquire_timeout → timed out"), "{report}");
}

mod child;
mod models;

use models::lost_update;

use std::sync::atomic::Ordering::SeqCst;

use weft_core::{AtomicUsize, Condition, Semaphore};
use weft_sim::{Report, TraceEvent};

/// Scans a trace: no lock is acquired while another thread holds it. A condition's wait
/// releases the locks its thread holds while it waits (Python's `Condition.wait`), and holds
/// them again when it takes effect.
fn assert_one_holder(trace: &[TraceEvent], report: &Report) {
    let mut holders: Vec<(String, String)> = Vec::new();
    let mut waiting: Vec<(String, String)> = Vec::new();
    for (i, event) in trace.iter().enumerate() {
        if event.object.starts_with("Condition#") {
            if event.operation == "blocks on (wait)" {
                waiting.extend(holders.iter().filter(|(_, t)| *t == event.thread).cloned());
                holders.retain(|(_, t)| *t != event.thread);
            } else if event.operation == "wait" {
                for (lock, thread) in waiting.iter().filter(|(_, t)| *t == event.thread) {
                    if let Some((_, other)) = holders.iter().find(|(l, _)| l == lock) {
                        panic!("event {}: {thread}'s wait returns while {other} holds {lock}\n{report}", i + 1);
                    }
                    holders.push((lock.clone(), thread.clone()));
                }
                waiting.retain(|(_, t)| *t != event.thread);
            }
            continue;
        }
        if !event.object.starts_with("Lock#") {
            continue;
        }
        let holder = holders.iter().position(|(lock, _)| *lock == event.object);
        match event.operation.as_str() {
            "acquire" => {
                if let Some(at) = holder {
                    panic!(
                        "event {}: {} acquires {} while {} holds it\n{report}",
                        i + 1,
                        event.thread,
                        event.object,
                        holders[at].1
                    );
                }
                holders.push((event.object.clone(), event.thread.clone()));
            }
            "release" => {
                if let Some(at) = holder {
                    holders.remove(at);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn no_two_threads_appear_to_hold_a_lock_at_once() {
    let mut explorers = vec![Explorer::portfolio(weft_sim::DEFAULT_SEED), Explorer::exhaustive()];
    explorers.extend((0..20).map(Explorer::random_walk));
    for explorer in explorers {
        let report = explorer.run(lost_update).expect_err("the lost update is found");
        assert_one_holder(&report.trace, &report);
        if let Some(shrunk) = report.shrunk.as_ref().map(|s| &s.trace) {
            assert_one_holder(shrunk, &report);
        }
    }
}

#[test]
fn a_contended_acquire_shows_where_it_blocks_and_where_it_is_granted() {
    let report = Explorer::exhaustive().run(lost_update).expect_err("the lost update is found");
    let blocks = report.trace.iter().position(|e| e.operation == "blocks on (acquire)");
    let blocks = blocks.unwrap_or_else(|| panic!("a depositor waits for the lock\n{report}"));
    let waiter = &report.trace[blocks].thread;
    let granted = report.trace[blocks..]
        .iter()
        .position(|e| &e.thread == waiter && e.operation == "acquire")
        .unwrap_or_else(|| panic!("{waiter} gets the lock later\n{report}"));
    let released =
        report.trace[blocks..blocks + granted].iter().any(|e| &e.thread != waiter && e.operation == "release");
    assert!(released, "another thread released it in between\n{report}");
}

/// A queue of one item on a condition: the consumer waits, holding the lock first, before
/// the producer starts.
fn queue(fine: bool) -> Box<Report> {
    Explorer::random_walk(3)
        .fine_grained(fine)
        .run(|| {
            let cond = Arc::new(Condition::<Sim, Lock<Sim>>::with_lock(Lock::new()));
            let items = Arc::new(AtomicUsize::<Sim>::new(0));
            let (c, i) = (cond.clone(), items.clone());
            let producer = Thread::<Sim>::builder().name("producer").build(move || {
                let _g = c.lock();
                i.fetch_add(1, SeqCst);
                c.notify(1).unwrap();
            });
            let held = cond.lock();
            producer.start().unwrap();
            while items.load(SeqCst) == 0 {
                cond.wait().unwrap();
            }
            drop(held);
            producer.join().unwrap();
            panic!("show the trace");
        })
        .expect_err("the model panics")
}

#[test]
fn a_condition_wait_takes_effect_after_the_notify() {
    for fine in [false, true] {
        let report = queue(fine);
        let position = |thread: &str, object: &str, operation: &str| {
            report
                .trace
                .iter()
                .position(|e| e.thread == thread && e.object.starts_with(object) && e.operation == operation)
                .unwrap_or_else(|| panic!("no {operation} of {thread} on {object}\n{report}"))
        };
        let blocks = position("MainThread", "Condition#", "blocks on (wait)");
        let notify = position("producer", "Condition#", "notify");
        let wait = position("MainThread", "Condition#", "wait");
        assert!(blocks < notify, "the wait blocks before the notify\n{report}");
        assert!(notify < wait, "the wait takes effect after the notify\n{report}");
        assert_eq!(report.trace[wait].outcome, "notified", "{report}");
        // The waiter holds the lock again when its wait takes effect: after the producer's
        // release.
        let release = report.trace.iter().rposition(|e| e.thread == "producer" && e.operation == "release").unwrap();
        assert!(release < wait, "{report}");
        assert_one_holder(&report.trace, &report);
    }
}

#[test]
fn coarse_traces_hide_the_primitives_inner_events() {
    let inner = |e: &TraceEvent| {
        e.operation.starts_with("park")
            || ["locked", "is_owned", "acquire_restore", "release_save", "timed out"].contains(&e.operation.as_str())
    };
    let coarse = queue(false);
    assert!(!coarse.trace.iter().any(|e| inner(e) || e.operation == "locked"), "{coarse}");
    // A timed wait that times out: no park, no inner "timed out" either.
    let report = Explorer::random_walk(1)
        .run(|| {
            let cond = Condition::<Sim>::new();
            let _g = cond.lock();
            assert!(!cond.wait_timeout(Duration::from_millis(5)).unwrap());
            let lock = Lock::<Sim>::new();
            let _held = lock.lock();
            assert!(!lock.locked() || lock.locked());
            panic!("show the trace");
        })
        .unwrap_err();
    let wait = report.trace.iter().position(|e| e.operation == "wait").expect("the wait");
    assert_eq!(report.trace[wait].outcome, "timed out", "{report}");
    assert!(!report.trace[..wait].iter().any(|e| inner(e) || e.operation == "locked"), "{report}");
    // The user's own `locked()` calls are shown.
    assert_eq!(report.trace.iter().filter(|e| e.operation == "locked").count(), 2, "{report}");
    // Fine-grained traces keep them.
    let fine = queue(true);
    assert!(fine.trace.iter().any(|e| e.operation.starts_with("park on")), "{fine}");
    assert!(fine.trace.iter().any(|e| e.operation == "acquire_restore"), "{fine}");
}

#[test]
fn the_report_gives_the_panic_location() {
    static LINE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let report = Explorer::random_walk(1)
        .run(|| {
            let t = Thread::<Sim>::builder().name("worker").build(|| {
                let items: Vec<u32> = Vec::new();
                LINE.store(line!() + 1, SeqCst);
                assert!(!items.is_empty(), "the worker found no items");
            });
            t.start().unwrap();
            t.join().unwrap();
        })
        .expect_err("the worker panics");
    let expected = format!("{}:{}:", file!(), LINE.load(SeqCst));
    let location = report.location.clone().unwrap_or_else(|| panic!("a location\n{report}"));
    assert!(location.starts_with(&expected), "{location} vs {expected}\n{report}");
    assert!(report.to_string().contains(&format!("at:       {expected}")), "{report}");
    assert!(report.to_string().contains("message:  panic in thread worker: the worker found no items"), "{report}");
    assert_eq!(report.failure.thread, "worker");
    // The model's own thread too.
    let report = Explorer::random_walk(1).run(|| panic!("main panics")).unwrap_err();
    let expected = format!("{}:{}:", file!(), line!() - 1);
    assert!(report.location.as_deref().is_some_and(|l| l.starts_with(&expected)), "{report}");
}

#[test]
fn threads_appear_under_their_names_in_deadlock_reports() {
    let report = Explorer::random_walk(1)
        .run(|| {
            let lock = Arc::new(Lock::<Sim>::new());
            let _held = lock.lock();
            let other = lock.clone();
            let t = Thread::<Sim>::builder().name("producer-1").build(move || {
                let _g = other.lock();
            });
            t.start().unwrap();
            t.join().unwrap();
        })
        .expect_err("a deadlock");
    let FailureKind::Deadlock(blocked) = &report.failure.kind else { panic!("{report}") };
    let main = blocked.iter().find(|b| b.thread == "MainThread").expect("MainThread is blocked");
    assert!(main.waits_on.starts_with("producer-1 (Thread#"), "{report}");
    let text = report.to_string();
    assert!(text.contains("MainThread waits on producer-1 (Thread#"), "{text}");
    assert!(text.contains("spawn producer-1"), "{text}");
    assert!(!text.contains("waits on Thread#"), "{text}");
    assert!(text.contains("cycle:"), "{text}");
}

#[test]
fn labels_show_in_traces_and_deadlock_reports() {
    let report = Explorer::exhaustive()
        .run(|| {
            let accounts = Arc::new(Lock::<Sim>::new());
            let ledger = Arc::new(Lock::<Sim>::new());
            accounts.label("accounts");
            ledger.label("ledger");
            let permits = Semaphore::<Sim>::new(1);
            permits.label("permits").acquire();
            let (a, l) = (accounts.clone(), ledger.clone());
            let t = Thread::<Sim>::builder().name("auditor").build(move || {
                let _l = l.lock();
                let _a = a.lock();
            });
            t.start().unwrap();
            let _a = accounts.lock();
            let _l = ledger.lock();
            drop((_l, _a));
            t.join().unwrap();
        })
        .expect_err("an AB-BA deadlock");
    let FailureKind::Deadlock(blocked) = &report.failure.kind else { panic!("{report}") };
    for b in blocked {
        assert!(["accounts", "ledger"].contains(&b.waits_on.as_str()), "{report}");
        assert!(b.holds.iter().all(|h| h == "accounts" || h == "ledger"), "{report}");
    }
    assert!(report.trace.iter().any(|e| e.object == "permits"), "{report}");
    assert!(!report.trace.iter().any(|e| e.object.starts_with("Lock#")), "{report}");
    assert!(report.to_string().contains("waits on accounts"), "{report}");
}

/// A simulated thread's panic, with a message found nowhere else.
fn panicking_thread() {
    let t = Thread::<Sim>::builder().name("worker").build(|| panic!("kaboom-{}", 17));
    t.start().unwrap();
    t.join().unwrap();
}

#[test]
fn a_threads_panic_is_shown_once() {
    let child = child::run("child_checks_a_panicking_thread", &[], false, Duration::from_secs(120));
    assert!(!child.timed_out, "{child:?}");
    let all = format!("{}{}", child.stdout, child.stderr);
    assert_eq!(all.matches("kaboom-17").count(), 1, "the panic is shown once, in the report:\n{all}");
    assert!(all.contains("weft simulation found a failure"), "{all}");
}

#[test]
fn child_checks_a_panicking_thread() {
    if !child::is_child() {
        return;
    }
    Explorer::random_walk(1).check(panicking_thread);
}

#[test]
fn python_panics_keep_pythons_excepthook_output() {
    let child = child::run("child_runs_python_panics", &[], false, Duration::from_secs(120));
    assert!(!child.timed_out, "{child:?}");
    assert_eq!(child.code, Some(0), "{child:?}");
    assert_eq!(child.stderr.matches("Exception in thread worker:\nkaboom-17").count(), 3, "{child:?}");
}

#[test]
fn child_runs_python_panics() {
    if !child::is_child() {
        return;
    }
    Explorer::random_walk(1).python_panics(true).iterations(3).check(panicking_thread);
}

/// A report is an error (so `?` and `Box<dyn Error>` take it), its shrunk schedule has named
/// parts, and statistics print as a line.
#[test]
fn reports_are_errors_and_stats_print() {
    let report = Explorer::random_walk(1).iterations(1000).run(lost_update).expect_err("the lost update is found");
    let shrunk_preemptions = report.shrunk.as_ref().map(|s| s.preemptions);
    assert!(shrunk_preemptions.is_none_or(|p| p < report.preemptions), "{report}");
    let error: Box<dyn std::error::Error> = report;
    assert!(error.to_string().starts_with("weft simulation found a failure: panic"), "{error}");
    let stats = Explorer::exhaustive().run(|| {}).expect("nothing to fail");
    let line = stats.to_string();
    assert!(line.starts_with("1 execution, ") && line.contains(", exhausted"), "{line}");
}
