//! loom's `tests/rwlock.rs` and `rwlock_regression1.rs`.

use std::sync::atomic::Ordering::Relaxed;

use weft::sync::atomic::AtomicUsize;
use weft::sync::{Arc, RwLock, TryLockError};
use weft::thread;

use crate::common::passes;

/// loom's `rwlock_read_one`, `rwlock_read_two_write_one` and `rwlock_write_three`: a second
/// reader gets in while the first holds the lock; readers and writers that yield while they hold
/// it never deadlock.
#[test]
fn rwlock_readers_share_and_writers_exclude() {
    passes(|| {
        let lock = Arc::new(RwLock::new(1));
        let held = lock.read().unwrap();
        let l = lock.clone();
        thread::spawn(move || assert!(l.read().is_ok())).join().unwrap();
        drop(held);
    });
    passes(|| {
        let lock = Arc::new(RwLock::new(1));
        for _ in 0..2 {
            let l = lock.clone();
            thread::spawn(move || {
                let _r = l.read().unwrap();
                thread::yield_now();
            });
        }
        let _w = lock.write().unwrap();
        thread::yield_now();
    });
    passes(|| {
        let lock = Arc::new(RwLock::new(1));
        for _ in 0..2 {
            let l = lock.clone();
            thread::spawn(move || {
                let _w = l.write().unwrap();
                thread::yield_now();
            });
        }
        let _w = lock.write().unwrap();
        thread::yield_now();
    });
}

/// loom's `rwlock_write_then_try_write`, `rwlock_write_then_try_read`,
/// `rwlock_read_then_try_write`, `rwlock_try_read`, `rwlock_write` and `rwlock_try_write`: the
/// `try_` operations fail with `WouldBlock` where the blocking ones would wait, and succeed
/// otherwise; and a `try_read` racing a `try_write` never blocks.
#[test]
fn rwlock_try_operations_never_block() {
    passes(|| {
        let lock = RwLock::new(1);
        let mut w = lock.write().unwrap();
        *w = 2;
        assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
        assert!(matches!(lock.try_read(), Err(TryLockError::WouldBlock)));
        drop(w);
        let r = lock.try_read().unwrap();
        assert_eq!(*r, 2);
        assert!(lock.try_write().is_err());
    });
    passes(|| {
        let lock = Arc::new(RwLock::new(0));
        let l = lock.clone();
        let t = thread::spawn(move || drop(l.try_read()));
        let guard = lock.try_write();
        t.join().unwrap();
        drop(guard);
    });
}

/// loom's `rwlock_into_inner`: two writers' increments are both in the value taken out.
#[test]
fn rwlock_into_inner_after_two_writers() {
    passes(|| {
        let lock = Arc::new(RwLock::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let l = lock.clone();
                thread::spawn(move || *l.write().unwrap() += 1)
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let lock = Arc::try_unwrap(lock).expect("the only reference");
        assert_eq!(lock.into_inner().unwrap(), 2);
    });
}

/// loom's `rwlock_two_writers` (in `rwlock_regression1.rs`): two writers, never joined, each
/// write and count; the model ends when both have (no deadlock, no leftover thread).
#[test]
fn two_unjoined_writers() {
    passes(|| {
        let lock = Arc::new(RwLock::new(1));
        let count = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let (lock, count) = (lock.clone(), count.clone());
            thread::spawn(move || {
                *lock.write().unwrap() += 1;
                count.fetch_add(1, Relaxed);
            });
        }
    });
}
