//! loom's `tests/mutex.rs`.

use std::sync::atomic::Ordering::SeqCst;

use weft::sync::atomic::AtomicUsize;
use weft::sync::{Arc, Mutex};
use weft::thread;

use crate::Counter;
use crate::common::passes;

/// loom's `mutex_enforces_mutual_exclusion`: two threads count inside one critical section,
/// and an atomic counted beside it always agrees with the guarded value.
#[test]
fn mutex_excludes_the_other_holder() {
    passes(|| {
        let data = Arc::new((Mutex::new(0), AtomicUsize::new(0)));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let data = data.clone();
                thread::spawn(move || {
                    let mut held = data.0.lock().unwrap();
                    assert_eq!(data.1.fetch_add(1, SeqCst), *held);
                    *held += 1;
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(*data.0.lock().unwrap(), data.1.load(SeqCst));
    });
}

/// loom's `mutex_establishes_seq_cst`: a cell written before an unlock is read, without a race,
/// by a thread that locks after it and sees the flag set.
#[test]
fn a_write_before_an_unlock_is_seen_after_the_next_lock() {
    passes(|| {
        let data = Arc::new((Counter::new(0), Mutex::new(false)));
        let d = data.clone();
        let t = thread::spawn(move || {
            d.0.inc();
            *d.1.lock().unwrap() = true;
        });
        if *data.1.lock().unwrap() {
            assert_eq!(data.0.get(), 1);
        }
        t.join().unwrap();
    });
}

/// loom's `mutex_into_inner`: two threads' increments are both in the value taken out.
#[test]
fn mutex_into_inner_after_two_increments() {
    passes(|| {
        let lock = Arc::new(Mutex::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || *lock.lock().unwrap() += 1)
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let lock = Arc::try_unwrap(lock).expect("the only reference");
        assert_eq!(lock.into_inner().unwrap(), 2);
    });
}
