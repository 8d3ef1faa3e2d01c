//! shuttle's `tests/basic/mutex.rs`.

use std::sync::atomic::Ordering::SeqCst;

use weft::sim::{DEFAULT_SEED, Explorer};
use weft::sync::atomic::AtomicBool;
use weft::sync::{Arc, Mutex, RwLock, TryLockError};
use weft::thread;

use crate::common::{
    assert_outcomes, blocked, deadlocks, deadlocks_under, outcomes, outcomes_under, panics, panics_under, passes,
};

/// shuttle's `basic_lock_test`: a spawned thread, never joined, and the main thread each add
/// one under the lock.
#[test]
fn two_threads_increment_under_one_lock() {
    passes(|| {
        let lock = Arc::new(Mutex::new(0));
        let l = lock.clone();
        thread::spawn(move || *l.lock().unwrap() += 1);
        *lock.lock().unwrap() += 1;
    });
}

/// Two threads take two locks in opposite orders.
fn opposite_lock_orders() {
    let (a, b) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
    let (a2, b2) = (a.clone(), b.clone());
    thread::spawn(move || {
        let _a = a2.lock().unwrap();
        let _b = b2.lock().unwrap();
    });
    let _b = b.lock().unwrap();
    let _a = a.lock().unwrap();
}

/// shuttle's `deadlock_default` and `deadlock_random`: the lock-order deadlock is found by
/// exhaustive search, and by a random walk within 200 executions.
#[test]
fn opposite_lock_orders_deadlock() {
    deadlocks(opposite_lock_orders);
    deadlocks_under(&Explorer::random_walk(DEFAULT_SEED).iterations(200), opposite_lock_orders);
}

/// shuttle's `deadlock_pct` and `concurrent_increment_buggy`: PCT at depth 2 finds the
/// lock-order deadlock and the lost update within 100 executions, shuttle's budget.
#[test]
fn pct_finds_depth_two_bugs_within_a_hundred_executions() {
    let pct = Explorer::pct(DEFAULT_SEED, 2).iterations(100);
    deadlocks_under(&pct, opposite_lock_orders);
    panics_under(&pct, "racing increments", || concurrent_increment(true));
}

/// Two threads add one each to a counter under a lock, and the model checks the sum.
/// `split` reads and writes in two critical sections, so an update can be lost.
fn concurrent_increment(split: bool) {
    let lock = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let lock = lock.clone();
            thread::spawn(move || {
                if split {
                    let seen = *lock.lock().unwrap();
                    *lock.lock().unwrap() = seen + 1;
                } else {
                    *lock.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(*lock.lock().unwrap(), 2, "racing increments");
}

/// shuttle's `concurrent_increment_buggy` and `concurrent_increment` (which run PCT; see also
/// `pct_finds_depth_two_bugs_within_a_hundred_executions`): the split increment loses an
/// update in some execution; the whole one never does, in any.
#[test]
fn a_split_increment_loses_an_update() {
    panics("racing increments", || concurrent_increment(true));
    passes(|| concurrent_increment(false));
}

/// shuttle's `unlock_yields`: one thread adds one twice, in two critical sections, and another
/// doubles, in one: the doubling comes before, between or after the additions (2, 3 or 4), and
/// every one of those is reached.
#[test]
fn an_unlock_lets_another_thread_in() {
    let found = outcomes(|| {
        let lock = Arc::new(Mutex::new(0));
        let l = lock.clone();
        let add = thread::spawn(move || {
            *l.lock().unwrap() += 1;
            *l.lock().unwrap() += 1;
        });
        let l = lock.clone();
        let double = thread::spawn(move || *l.lock().unwrap() *= 2);
        add.join().unwrap();
        double.join().unwrap();
        Arc::try_unwrap(lock).unwrap().into_inner().unwrap()
    });
    assert_outcomes(&found, &[2, 3, 4]);
}

/// shuttle's `mutex_rwlock_interaction`: one thread adds 1 under the mutex, then, under an
/// `RwLock`'s write lock, adds 2 if `try_lock` of the mutex succeeds and 6 if not, then adds 3
/// under the mutex; another doubles under the mutex. A failed `try_lock` means the doubling
/// holds the mutex then, so it cannot come first or last: 6, 7, 9, 12, 11 and 17, never 10 or
/// 20. (shuttle keeps the value in a std mutex, with a yield to make a scheduling point; here
/// it is a weft `Mutex`, which the simulator sees.)
#[test]
fn a_failed_try_lock_means_another_thread_holds_the_lock() {
    let found = outcomes(|| {
        let (lock, rwlock, value) = (Arc::new(Mutex::new(())), RwLock::new(()), Arc::new(Mutex::new(0)));
        let (l, v) = (lock.clone(), value.clone());
        let add = thread::spawn(move || {
            {
                let _held = l.lock().unwrap();
                *v.lock().unwrap() += 1;
            }
            {
                let _written = rwlock.write().unwrap();
                let add = if l.try_lock().is_ok() { 2 } else { 6 };
                *v.lock().unwrap() += add;
            }
            let _held = l.lock().unwrap();
            *v.lock().unwrap() += 3;
        });
        let (l, v) = (lock.clone(), value.clone());
        let double = thread::spawn(move || {
            let _held = l.lock().unwrap();
            *v.lock().unwrap() *= 2;
        });
        add.join().unwrap();
        double.join().unwrap();
        Arc::try_unwrap(value).unwrap().into_inner().unwrap()
    });
    assert_outcomes(&found, &[6, 7, 9, 12, 11, 17]);
}

/// Adds `n` if `try_lock` succeeds; a failure must be `WouldBlock`.
fn try_add(lock: &Mutex<usize>, n: usize) {
    match lock.try_lock() {
        Ok(mut guard) => *guard += n,
        Err(TryLockError::WouldBlock) => {}
        Err(TryLockError::Poisoned(_)) => panic!("poisoned"),
    }
}

/// shuttle's `concurrent_try_increment`: two threads add one with `try_lock`; one always gets
/// the lock, the other may not (1 or 2).
#[test]
fn one_of_two_try_locks_always_succeeds() {
    let found = outcomes(|| {
        let lock = Arc::new(Mutex::new(0));
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

/// shuttle's `concurrent_lock_try_lock`: one thread adds 1 with `lock`, another adds 1 then 2
/// with `try_lock`; each `try_lock` may fail (1, 2, 3 or 4).
#[test]
fn a_try_lock_fails_only_while_the_lock_is_held() {
    let found = outcomes(|| {
        let lock = Arc::new(Mutex::new(0));
        let l = lock.clone();
        let locker = thread::spawn(move || *l.lock().unwrap() += 1);
        let l = lock.clone();
        let trier = thread::spawn(move || (1..3).for_each(|n| try_add(&l, n)));
        locker.join().unwrap();
        trier.join().unwrap();
        Arc::try_unwrap(lock).unwrap().into_inner().unwrap()
    });
    assert_outcomes(&found, &[1, 2, 3, 4]);
}

/// shuttle's `double_lock` and `double_try_lock`: a thread that locks a mutex it holds fails
/// (shuttle: a panic; weft: a deadlock, the thread waiting on the mutex it holds, as std says
/// it "might panic or deadlock"); its `try_lock` fails with `WouldBlock`.
#[test]
fn locking_a_held_mutex_again() {
    let report = deadlocks(|| {
        let mutex = Mutex::new(());
        let _first = mutex.lock().unwrap();
        let _second = mutex.lock();
    });
    let main = &blocked(&report)[0];
    assert_eq!(main.holds, std::slice::from_ref(&main.waits_on), "{report}");
    passes(|| {
        let mutex = Mutex::new(());
        let _first = mutex.try_lock().unwrap();
        assert!(matches!(mutex.try_lock(), Err(TryLockError::WouldBlock)));
    });
}

/// shuttle's `panic_drop`: a model that panics while it holds a guard fails with that panic
/// (the guard's drop during the unwinding does no harm).
#[test]
fn a_panic_while_a_guard_is_held() {
    panics("expected panic", || {
        let lock = Mutex::new(0);
        let _held = lock.lock().unwrap();
        panic!("expected panic");
    });
}

/// shuttle's `mutex_into_inner`: two threads' increments are both in the value taken out.
#[test]
fn mutex_into_inner_after_two_increments() {
    passes(|| {
        let lock = Arc::new(Mutex::new(0u64));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || *lock.lock().unwrap() += 1)
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(Arc::try_unwrap(lock).unwrap().into_inner().unwrap(), 2);
    });
}

/// shuttle's `mutex_unfair`: two threads wait for a lock the main thread holds; when it is
/// released either can get it first, whichever began to wait first. Each thread notes its
/// arrival in a std mutex just before it locks (invisible to the simulator, so no scheduling
/// point comes between), and the main thread polls, yielding, until both have. All four
/// (locking order, arrival order) pairs are reached. (shuttle samples 100 executions; here
/// every interleaving runs.) Two adjustments, both because the arrivals are kept where the
/// simulator cannot see them: the code before a thread's first weft operation runs as the
/// thread starts (the simulator does not interleave code it does not see), so the first thread
/// spawned would always arrive first, and each thread first loads an atomic, which lets the two
/// arrive in either order; and partial-order reduction is off,
/// since to it the two threads' waits are independent (in weft which waiter a release wakes
/// does not depend on who came first), and it would run only one of their orders.
#[test]
fn a_released_mutex_goes_to_either_waiter() {
    let (found, stats) = outcomes_under(&Explorer::exhaustive().partial_order_reduction(false), || {
        let lock = Arc::new(Mutex::new(Vec::new()));
        let held = lock.lock().unwrap();
        let arrivals = Arc::new(std::sync::Mutex::new(Vec::new()));
        let start = Arc::new(AtomicBool::new(true));
        let threads: Vec<_> = (0..2)
            .map(|id| {
                let (lock, arrivals, start) = (lock.clone(), arrivals.clone(), start.clone());
                thread::spawn(move || {
                    assert!(start.load(SeqCst));
                    arrivals.lock().unwrap().push(id);
                    lock.lock().unwrap().push(id);
                })
            })
            .collect();
        while arrivals.lock().unwrap().len() < 2 {
            thread::yield_now();
        }
        drop(held);
        threads.into_iter().for_each(|t| t.join().unwrap());
        let order = Arc::try_unwrap(lock).unwrap().into_inner().unwrap();
        let arrivals = std::mem::take(&mut *arrivals.lock().unwrap());
        (order, arrivals)
    });
    assert!(stats.exhausted, "{stats}");
    let (a, b) = (vec![0, 1], vec![1, 0]);
    assert_outcomes(&found, &[(a.clone(), a.clone()), (b.clone(), a.clone()), (a.clone(), b.clone()), (b.clone(), b)]);
}
