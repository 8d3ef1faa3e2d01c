//! shuttle's `tests/basic/rwlock.rs`.
//!
//! Where weft differs: shuttle fails a thread that takes a read lock it already holds
//! (`double_read`) and fails its second `try_read` (`double_try_read`, `read_try_read`), to
//! flag a deadlock std's lock can have on some platforms when a writer waits between the two.
//! weft's `RwLock` prefers readers (a waiting writer does not stop new readers), so a second
//! read lock is granted, as std's own documentation allows; see
//! `a_reader_can_read_again_in_weft`.

use std::sync::atomic::Ordering::SeqCst;

use weft::sim::{DEFAULT_SEED, Explorer};
use weft::sync::atomic::AtomicUsize;
use weft::sync::mpsc::channel;
use weft::sync::{Arc, RwLock, TryLockError};
use weft::thread;

use crate::common::{assert_outcomes, deadlocks, deadlocks_under, outcomes, passes, passes_sampled};

/// Holds a read lock across a yield, counting the readers in meanwhile; returns whether it saw
/// two.
fn read_and_count(lock: &RwLock<usize>, readers: &AtomicUsize) -> bool {
    let value = lock.read().unwrap();
    assert_eq!(*value, 0);
    readers.fetch_add(1, SeqCst);
    thread::yield_now();
    let both = readers.load(SeqCst) == 2;
    readers.fetch_sub(1, SeqCst);
    both
}

/// shuttle's `reader_concurrency`: two readers hold the lock at the same time in some
/// execution. (In weft, in every one: a thread that yields is not run again while another
/// that does not poll can run, so the other reader always comes in during the yield.)
#[test]
fn two_readers_hold_the_lock_at_once() {
    let found = outcomes(|| {
        let shared = Arc::new((RwLock::new(0), AtomicUsize::new(0)));
        let s = shared.clone();
        let other = thread::spawn(move || read_and_count(&s.0, &s.1));
        let mine = read_and_count(&shared.0, &shared.1);
        other.join().unwrap() || mine
    });
    assert!(found.contains(&true), "{found:?}");
}

/// A reader takes two read locks while the main thread takes the two write locks in the
/// opposite order.
fn opposite_orders() {
    let (a, b) = (Arc::new(RwLock::new(0)), Arc::new(RwLock::new(0)));
    let (a2, b2) = (a.clone(), b.clone());
    thread::spawn(move || {
        let _a = a2.read().unwrap();
        let _b = b2.read().unwrap();
    });
    let _b = b.write().unwrap();
    let _a = a.write().unwrap();
}

/// shuttle's `deadlock_default` and `deadlock_random`: the lock-order deadlock between a
/// reader and a writer is found by exhaustive search, by `weft::sim::check`'s portfolio
/// (shuttle's `check`), and by a random walk within 200 executions.
#[test]
fn reader_and_writer_in_opposite_orders_deadlock() {
    deadlocks(opposite_orders);
    deadlocks_under(&Explorer::portfolio(DEFAULT_SEED), opposite_orders);
    deadlocks_under(&Explorer::random_walk(DEFAULT_SEED).iterations(200), opposite_orders);
}

/// shuttle's `deadlock_pct`: PCT at depth 2 finds the same deadlock within 100 executions.
#[test]
fn pct_finds_the_deadlock_within_a_hundred_executions() {
    deadlocks_under(&Explorer::pct(DEFAULT_SEED, 2).iterations(100), opposite_orders);
}

/// shuttle's `rwlock_two_writers` (loom's regression): two writers, never joined, that yield
/// while they hold the lock.
#[test]
fn two_writers_that_yield() {
    passes(|| {
        let lock = Arc::new(RwLock::new(1));
        for _ in 0..2 {
            let lock = lock.clone();
            thread::spawn(move || {
                *lock.write().unwrap() += 1;
                thread::yield_now();
            });
        }
    });
}

/// shuttle's `rwlock_allows_multiple_readers`: two threads each hold a read lock while they
/// exchange the value over channels, which they can only do if both hold it at once.
#[test]
fn readers_exchange_while_both_hold_the_lock() {
    passes(|| {
        let lock = Arc::new(RwLock::new(1));
        let (to_second, from_first) = channel();
        let (to_first, from_second) = channel();
        for (tx, rx) in [(to_second, from_second), (to_first, from_first)] {
            let lock = lock.clone();
            thread::spawn(move || {
                let value = lock.read().unwrap();
                tx.send(*value).unwrap();
                assert_eq!(rx.recv().unwrap(), 1);
            });
        }
    });
}

/// shuttle's `rwlock_two_readers_and_one_writer_exhaustive`: two readers that yield while they
/// hold the lock, and a writer; the writer never gets in while a reader holds it.
#[test]
fn a_writer_waits_for_two_yielding_readers() {
    passes(|| {
        let lock = Arc::new(RwLock::new(1));
        for _ in 0..2 {
            let lock = lock.clone();
            thread::spawn(move || {
                let value = lock.read().unwrap();
                thread::yield_now();
                assert!(*value > 0);
            });
        }
        *lock.write().unwrap() += 1;
    });
}

/// shuttle's `rwlock_default` and `rwlock_into_inner`: a default lock holds the default value;
/// two writers' increments are both in the value taken out.
#[test]
fn default_and_into_inner() {
    passes(|| {
        let lock: RwLock<(u32, String)> = RwLock::default();
        assert_eq!(*lock.read().unwrap(), (0, String::new()));
    });
    passes(|| {
        let lock = Arc::new(RwLock::new(0u64));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || *lock.write().unwrap() += 1)
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(Arc::try_unwrap(lock).unwrap().into_inner().unwrap(), 2);
    });
}

/// Adds `n` if `try_write` succeeds; a failure must be `WouldBlock`.
fn try_add(lock: &RwLock<usize>, n: usize) {
    match lock.try_write() {
        Ok(mut value) => *value += n,
        Err(TryLockError::WouldBlock) => {}
        Err(TryLockError::Poisoned(_)) => panic!("poisoned"),
    }
}

/// shuttle's `concurrent_try_increment`: two threads add one with `try_write`; one always gets
/// the lock, the other may not (1 or 2).
#[test]
fn one_of_two_try_writes_always_succeeds() {
    let found = outcomes(|| {
        let lock = Arc::new(RwLock::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || try_add(&lock, 1))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        Arc::try_unwrap(lock).unwrap().into_inner().unwrap()
    });
    assert_outcomes(&found, &[1, 2]);
}

/// Three threads, `rounds` times each, try a read lock and then a write lock of weft's
/// `RwLock` and of std's beside it. `weft_first` chooses which one each thread tries first,
/// and holds while it tries the other: the other must succeed too.
fn try_both(weft_first: bool, rounds: usize) {
    let locks = Arc::new((RwLock::new(()), std::sync::RwLock::new(())));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let locks = locks.clone();
            thread::spawn(move || {
                let (weft, std) = &*locks;
                for _ in 0..rounds {
                    if weft_first {
                        if let Ok(_read) = weft.try_read() {
                            assert!(std.try_read().is_ok());
                        }
                        if let Ok(_written) = weft.try_write() {
                            assert!(std.try_write().is_ok());
                        }
                    } else {
                        if let Ok(_read) = std.try_read() {
                            assert!(weft.try_read().is_ok());
                        }
                        if let Ok(_written) = std.try_write() {
                            assert!(weft.try_write().is_ok());
                        }
                    }
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
}

/// shuttle's `try_lock_implies_std` and `try_lock_implied_by_std`: with three threads taking
/// read and write locks with `try_`, whatever weft's `RwLock` grants std's grants, and the other
/// way round (std's lock is invisible to the simulator, which is fine here: its `try_` calls
/// never block). As in shuttle, a random walk of 5000 executions each.
#[test]
fn try_locks_agree_with_std() {
    passes_sampled(5000, || try_both(true, 3));
    passes_sampled(5000, || try_both(false, 5));
}

/// shuttle's `concurrent_write_try_write_try_read`: one thread adds 1 with `write`, another
/// adds 1 then 2 with `try_write`, and the main thread peeks with `try_read`. The peek sees
/// any value the lock holds between the writes, or fails; every (final value, peek) pair but
/// (3, Some(2)) is reached, since the value is never 2 when the first `try_write` failed.
#[test]
fn a_try_read_sees_any_value_between_writes() {
    let found = outcomes(|| {
        let lock = Arc::new(RwLock::new(0));
        let l = lock.clone();
        let writer = thread::spawn(move || *l.write().unwrap() += 1);
        let l = lock.clone();
        let trier = thread::spawn(move || (1..3).for_each(|n| try_add(&l, n)));
        let peek = match lock.try_read() {
            Ok(value) => Some(*value),
            Err(TryLockError::WouldBlock) => None,
            Err(TryLockError::Poisoned(_)) => panic!("poisoned"),
        };
        writer.join().unwrap();
        trier.join().unwrap();
        (Arc::try_unwrap(lock).unwrap().into_inner().unwrap(), peek)
    });
    let mut expected = vec![];
    for (last, seen) in [(1, 1), (2, 2), (3, 3), (4, 4)] {
        expected.push((last, None));
        expected.extend((0..=seen).filter(|&v| !(last == 3 && v == 2)).map(|v| (last, Some(v))));
    }
    assert_outcomes(&found, &expected);
}

/// shuttle's `double_write`, `read_upgrade` and `write_downgrade`: a thread that holds the
/// lock and asks for a write lock, or holds a write lock and asks for a read lock, waits on
/// itself: a deadlock (shuttle: a panic).
#[test]
fn a_thread_that_holds_the_lock_and_asks_to_write_deadlocks() {
    deadlocks(|| {
        let lock = RwLock::new(());
        let _first = lock.write().unwrap();
        let _second = lock.write();
    });
    deadlocks(|| {
        let lock = RwLock::new(());
        let _first = lock.read().unwrap();
        let _second = lock.write();
    });
    deadlocks(|| {
        let lock = RwLock::new(());
        let _first = lock.write().unwrap();
        let _second = lock.read();
    });
}

/// shuttle's `double_read`, `double_try_read` and `read_try_read`, whose verdicts differ (see
/// the module's documentation): in weft a thread that holds a read lock gets another, by
/// `read` or `try_read`, also while a writer waits; shuttle fails the first and the second
/// `try_read`.
#[test]
fn a_reader_can_read_again_in_weft() {
    passes(|| {
        let lock = Arc::new(RwLock::new(()));
        let first = lock.read().unwrap();
        let l = lock.clone();
        let writer = thread::spawn(move || drop(l.write().unwrap()));
        let second = lock.read().unwrap();
        assert!(lock.try_read().is_ok());
        drop((first, second));
        writer.join().unwrap();
    });
}

/// shuttle's `double_try_write`, `write_try_write`, `try_read_upgrade` and
/// `try_write_downgrade`: a thread that holds the lock, and asks for a write lock, or holds a
/// write lock and asks for a read lock, with `try_`, gets `WouldBlock`.
#[test]
fn a_try_that_would_wait_on_ones_own_lock_fails() {
    passes(|| {
        let lock = RwLock::new(());
        {
            let _first = lock.try_write().unwrap();
            assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
            assert!(matches!(lock.try_read(), Err(TryLockError::WouldBlock)));
        }
        {
            let _first = lock.write().unwrap();
            assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
        }
        let _first = lock.try_read().unwrap();
        assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
    });
}
