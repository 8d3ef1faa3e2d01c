//! Per-execution statics: `weft::sync::OnceLock` and `LazyLock` are fresh in every execution of a
//! simulation and plain on real threads.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use weft::sim::Explorer;
use weft::sync::{LazyLock, OnceLock};
use weft::{Lock, Thread};

#[test]
fn lazy_lock_is_fresh_in_every_execution_and_plain_on_real_threads() {
    static COUNTER: LazyLock<AtomicUsize> = LazyLock::new(|| AtomicUsize::new(0));
    static MADE: AtomicUsize = AtomicUsize::new(0);
    static LAZY_MADE: LazyLock<usize> = LazyLock::new(|| MADE.fetch_add(1, Relaxed));
    let stats = Explorer::random_walk(5).iterations(50).check(|| {
        // Two threads count; the counter starts at 0 in every execution.
        let threads: Vec<Thread> = (0..2)
            .map(|_| {
                Thread::new(|| {
                    COUNTER.fetch_add(1, Relaxed);
                })
            })
            .collect();
        assert_eq!(COUNTER.load(Relaxed), 0, "a fresh counter");
        threads.iter().for_each(|t| t.start().unwrap());
        threads.iter().for_each(|t| t.join().unwrap());
        assert_eq!(COUNTER.load(Relaxed), 2);
        let _ = *LAZY_MADE;
    });
    assert_eq!(stats.executions, 50);
    assert_eq!(MADE.load(Relaxed), 50, "the initialiser runs once per execution");
    // On real threads: one value for the program.
    assert_eq!(COUNTER.fetch_add(1, Relaxed), 0);
    let t = Thread::new(|| {
        COUNTER.fetch_add(1, Relaxed);
    });
    t.start().unwrap();
    t.join().unwrap();
    assert_eq!(COUNTER.load(Relaxed), 2);
    assert_eq!(*LAZY_MADE, 50);
    assert_eq!(*LAZY_MADE, 50);
}

#[test]
fn a_lock_in_a_lazy_static_is_made_per_execution() {
    static LOCK: LazyLock<Lock> = LazyLock::new(Lock::new);
    static SHARED: OnceLock<Arc<Lock>> = OnceLock::new();
    // The first execution's lock, kept locked by a daemon thread at the end, would deadlock the
    // next execution if it were kept.
    let stats = Explorer::random_walk(2).iterations(30).check(|| {
        let shared = SHARED.get_or_init(|| Arc::new(Lock::new())).clone();
        assert!(LOCK.acquire());
        assert!(shared.acquire());
        let t = Thread::new(move || drop(shared.lock()));
        t.set_daemon(true).unwrap();
        t.start().unwrap();
    });
    assert_eq!(stats.executions, 30);
    // And on this real thread, a lock of its own.
    assert!(LOCK.try_acquire());
    LOCK.release().unwrap();
}

#[test]
fn once_lock_initialisation_races_are_explored() {
    static CELL: OnceLock<usize> = OnceLock::new();
    static INITS: AtomicUsize = AtomicUsize::new(0);
    let seen = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let s = seen.clone();
    Explorer::exhaustive().check(move || {
        let threads: Vec<Thread> = (1..=2)
            .map(|i| {
                Thread::new(move || {
                    let _ = CELL.set(i);
                })
            })
            .collect();
        threads.iter().for_each(|t| t.start().unwrap());
        threads.iter().for_each(|t| t.join().unwrap());
        let value = *CELL.get_or_init(|| {
            INITS.fetch_add(1, Relaxed);
            0
        });
        s.lock().unwrap().insert(value);
    });
    // Either thread may set it first; the initialiser never runs (the cell is set by then).
    assert_eq!(*seen.lock().unwrap(), [1, 2].into_iter().collect());
    assert_eq!(INITS.load(Relaxed), 0);
}

/// A hook set in an execution (`weft::settrace`) is dropped with the execution's state at its
/// end; a destructor of what it holds that uses the run's state (a new thread's default name
/// counts the run's threads) then finds that state gone, and is given one made new for it, not
/// the ended execution's (which named a thread already), nor, dangling, the one being dropped.
#[test]
fn a_hook_dropped_with_the_executions_state_sees_none_of_it() {
    struct AsksAtItsEnd;
    impl Drop for AsksAtItsEnd {
        fn drop(&mut self) {
            SEEN.lock().unwrap().push(Thread::new(|| {}).name());
        }
    }
    static SEEN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let stats = Explorer::random_walk(3).iterations(20).threads(1).check(|| {
        let held = AsksAtItsEnd;
        weft::settrace(Some(Arc::new(move |_: &Thread| {
            let _ = &held;
        })));
        // A daemon thread still runs at the end: the ended execution had two threads.
        let lock = Arc::new(Lock::new());
        assert!(lock.acquire());
        let blocked = lock.clone();
        let t = Thread::new(move || {
            let _ = blocked.acquire();
        });
        t.set_daemon(true).unwrap();
        t.start().unwrap();
        assert_eq!(weft::active_count(), 2);
    });
    assert_eq!(stats.executions, 20);
    assert_eq!(SEEN.lock().unwrap().clone(), vec!["Thread-1"; 20], "each execution's hook, dropped at its end");
}
