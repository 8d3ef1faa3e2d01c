//! `weft::cell::UnsafeCell` under the simulator: accesses ordered by weft's synchronisation
//! (locks, spawn and join, events, channels, atomics) pass exhaustive search; unordered ones are
//! reported as data races with both threads and both locations.

use std::sync::atomic::Ordering::{Acquire, Release};

use weft::cell::UnsafeCell;
use weft::sim::{Explorer, FailureKind};
use weft::sync::atomic::AtomicBool;
use weft::sync::{Arc, Mutex, mpsc};
use weft::{Event, Lock, Thread};

/// A cell shared between threads; each test says how its accesses are ordered.
struct Shared(UnsafeCell<u64>);

// SAFETY: claimed for the tests; the simulator checks that the accesses are ordered.
unsafe impl Sync for Shared {}

impl Shared {
    fn new() -> Arc<Self> {
        Arc::new(Shared(UnsafeCell::new(0)))
    }

    fn add(&self) {
        // SAFETY: the tests order the accesses, or expect the race to be reported.
        self.0.with_mut(|v| unsafe { *v += 1 });
    }

    fn get(&self) -> u64 {
        // SAFETY: as in `add`.
        self.0.with(|v| unsafe { *v })
    }
}

fn proved(model: impl Fn() + Send + Sync + 'static) {
    let stats = Explorer::exhaustive().check(model);
    assert!(stats.exhausted, "{stats}");
}

#[test]
fn accesses_under_a_lock_are_not_races() {
    proved(|| {
        let (cell, lock) = (Shared::new(), Arc::new(Lock::new()));
        let (c, l) = (cell.clone(), lock.clone());
        let t = Thread::new(move || {
            let _held = l.lock();
            c.add();
        });
        t.start().unwrap();
        {
            let _held = lock.lock();
            cell.add();
        }
        t.join().unwrap();
        assert_eq!(cell.get(), 2);
    });
    proved(|| {
        let (cell, mutex) = (Shared::new(), Arc::new(Mutex::new(())));
        let (c, m) = (cell.clone(), mutex.clone());
        let t = Thread::new(move || {
            let _held = m.lock().unwrap();
            c.add();
        });
        t.start().unwrap();
        {
            let _held = mutex.lock().unwrap();
            cell.add();
        }
        t.join().unwrap();
    });
}

#[test]
fn spawn_and_join_order_accesses() {
    proved(|| {
        let cell = Shared::new();
        cell.add(); // before the thread exists
        let c = cell.clone();
        let t = Thread::new(move || c.add());
        t.start().unwrap();
        t.join().unwrap();
        assert_eq!(cell.get(), 2); // after the join
    });
}

/// A thread writes the cell, then sets an event; main waits for the event, then reads.
fn event_orders_the_write() {
    let (cell, event) = (Shared::new(), Arc::new(Event::new()));
    let (c, e) = (cell.clone(), event.clone());
    let t = Thread::new(move || {
        c.add();
        e.set();
    });
    t.start().unwrap();
    event.wait();
    assert_eq!(cell.get(), 1);
    t.join().unwrap();
}

#[test]
fn events_channels_and_atomics_order_accesses() {
    proved(event_orders_the_write);
    proved(|| {
        let cell = Shared::new();
        let (tx, rx) = mpsc::channel();
        let c = cell.clone();
        let t = Thread::new(move || {
            c.add();
            tx.send(()).unwrap();
        });
        t.start().unwrap();
        rx.recv().unwrap();
        assert_eq!(cell.get(), 1);
        t.join().unwrap();
    });
    proved(|| {
        let (cell, ready) = (Shared::new(), Arc::new(AtomicBool::new(false)));
        let (c, r) = (cell.clone(), ready.clone());
        let t = Thread::new(move || {
            c.add();
            r.store(true, Release);
        });
        t.start().unwrap();
        while !ready.load(Acquire) {
            weft::yield_now();
        }
        assert_eq!(cell.get(), 1);
        t.join().unwrap();
    });
}

#[test]
fn unordered_accesses_are_reported_with_both_threads_and_locations() {
    let report = Explorer::exhaustive()
        .run(|| {
            let cell = Shared::new();
            let c = cell.clone();
            let t = Thread::builder().name("writer").build(move || c.add());
            t.start().unwrap();
            let seen = cell.get();
            t.join().unwrap();
            let _ = seen;
        })
        .expect_err("the race is found");
    assert_eq!(report.failure.kind, FailureKind::DataRace, "{report}");
    let message = &report.failure.message;
    assert!(message.contains("writer") && message.contains("MainThread"), "{message}");
    assert!(message.contains("wrote") && message.contains("read"), "{message}");
    assert_eq!(message.matches("tests/cells.rs:").count(), 2, "both locations: {message}");
}

#[test]
fn a_cell_dropped_and_another_at_its_address_do_not_race() {
    proved(|| {
        let lock = Arc::new(Lock::new());
        let l = lock.clone();
        let t = Thread::new(move || {
            for _ in 0..2 {
                let _held = l.lock();
                let cell = Shared::new();
                cell.add();
            }
        });
        t.start().unwrap();
        for _ in 0..2 {
            let _held = lock.lock();
            let cell = Shared::new();
            cell.add();
        }
        t.join().unwrap();
    });
}

#[test]
fn a_cell_on_real_threads_is_a_plain_cell() {
    let cell = Shared::new();
    let c = cell.clone();
    let t = Thread::new(move || c.add());
    t.start().unwrap();
    t.join().unwrap();
    cell.add();
    assert_eq!(cell.get(), 2);
    assert_eq!(std::mem::size_of::<UnsafeCell<u64>>(), std::mem::size_of::<std::cell::UnsafeCell<u64>>());
}

/// An operation synchronizes (for the race detector) when it takes effect, not when it is
/// announced: here main announces `Event.wait`, the other thread writes the cell and sets the
/// event at main's scheduling point, and main's wait finds the flag set. Every random schedule
/// is race-free. (The exhaustive search of `events_channels_and_atomics_order_accesses` never
/// reaches that schedule: it takes the same steps as one where the wait came after `set`.)
#[test]
fn an_operation_synchronizes_when_it_takes_effect() {
    let stats = Explorer::random_walk(1).iterations(5_000).check(event_orders_the_write);
    assert_eq!(stats.executions, 5_000);
}
