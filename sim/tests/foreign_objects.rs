//! `weft_core` objects on the simulator belong to the execution that made them: one made in an
//! earlier execution, or outside any simulation, is refused at its first use.

use std::sync::{Arc, Mutex};

use weft_core::{Event, Lock};
use weft_sim::{Explorer, FailureKind, Sim};

#[test]
fn a_sim_lock_from_an_earlier_execution_is_refused() {
    let kept: Arc<Mutex<Option<Arc<Lock<Sim>>>>> = Arc::default();
    let k = kept.clone();
    let report = Explorer::random_walk(1)
        .iterations(10)
        .run(move || {
            let lock = k.lock().unwrap().get_or_insert_with(|| Arc::new(Lock::new())).clone();
            // Left locked: without the check, the next execution would deadlock on it.
            lock.acquire();
        })
        .expect_err("the second execution uses the first one's lock");
    assert_eq!(report.failure.kind, FailureKind::Panic);
    let message = &report.failure.message;
    assert!(message.contains("this Lock was made in an earlier execution"), "{message}");
    assert_eq!(report.stats.executions, 2);
    // Leaked on purpose: dropping a `Lock<Sim>` outside a simulation is fine, but keep the test
    // about one thing.
    std::mem::forget(kept);
}

#[test]
fn a_sim_event_made_outside_is_refused() {
    let event = Arc::new(Event::<Sim>::new());
    let e = event.clone();
    let report = Explorer::random_walk(1).iterations(2).run(move || e.set()).expect_err("made outside");
    assert!(report.failure.message.contains("this Event was made outside any simulation"), "{report}");
}

#[test]
fn every_kind_made_outside_is_refused_under_its_name() {
    let semaphore = Arc::new(weft_core::Semaphore::<Sim>::new(1));
    let s = semaphore.clone();
    let report = Explorer::random_walk(1)
        .iterations(2)
        .run(move || {
            s.acquire();
        })
        .expect_err("made outside");
    assert!(report.failure.message.contains("this Semaphore was made outside"), "{report}");
    let counter = Arc::new(weft_core::AtomicUsize::<Sim>::new(0));
    let c = counter.clone();
    let report = Explorer::random_walk(1)
        .iterations(2)
        .run(move || {
            c.load(std::sync::atomic::Ordering::SeqCst);
        })
        .expect_err("made outside");
    assert!(report.failure.message.contains("this AtomicUsize was made outside"), "{report}");
    let barrier = Arc::new(weft_core::Barrier::<Sim>::new(1).unwrap());
    let b = barrier.clone();
    let report = Explorer::random_walk(1)
        .iterations(2)
        .run(move || {
            let _ = b.wait();
        })
        .expect_err("made outside");
    assert!(report.failure.message.contains("this Barrier was made outside"), "{report}");
}
