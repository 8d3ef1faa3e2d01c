//! The behaviours loom's own tests check (`tests/mutex.rs`, `condvar.rs`, `rwlock.rs`,
//! `unsafe_cell.rs`), rewritten for weft: each passes or fails under weft's exhaustive search as
//! it does under `loom::model`. (loom keeps shared state in `Rc`; weft's threads need `Send`, so
//! these use `Arc`.)

use std::sync::atomic::Ordering::{Acquire, Release, SeqCst};

use weft::cell::UnsafeCell;
use weft::sim::{Explorer, FailureKind};
use weft::sync::atomic::AtomicUsize;
use weft::sync::{Arc, Condvar, Mutex, RwLock, TryLockError};
use weft::thread;

/// Passes every execution of an exhaustive search, which finishes.
fn passes(model: impl Fn() + Send + Sync + 'static) {
    let stats = Explorer::exhaustive().check(model);
    assert!(stats.exhausted, "{stats}");
}

/// Fails with a data race.
fn races(model: impl Fn() + Send + Sync + 'static) {
    let report = Explorer::exhaustive().run(model).expect_err("a race is found");
    assert_eq!(report.failure.kind, FailureKind::DataRace, "{report}");
}

/// A counter in a cell, shared without any synchronisation of its own.
#[derive(Clone)]
struct Counter(Arc<Shared>);

struct Shared(UnsafeCell<usize>);

// SAFETY: claimed; the simulator checks every access for races.
unsafe impl Sync for Shared {}

impl Counter {
    fn new(v: usize) -> Self {
        Counter(Arc::new(Shared(UnsafeCell::new(v))))
    }
    fn get(&self) -> usize {
        // SAFETY: checked by the simulator.
        self.0.0.with(|v| unsafe { *v })
    }
    fn inc(&self) -> usize {
        // SAFETY: checked by the simulator.
        self.0.0.with_mut(|v| unsafe {
            *v += 1;
            *v
        })
    }
}

// ---- mutex.rs ----

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

// ---- condvar.rs ----

/// loom's `Inc`: a flag set before a lock/unlock pair and a notify.
struct Flag {
    set: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl Flag {
    fn new() -> Arc<Self> {
        Arc::new(Flag { set: AtomicUsize::new(0), mutex: Mutex::new(()), condvar: Condvar::new() })
    }
    fn wait(&self) {
        let mut guard = self.mutex.lock().unwrap();
        while self.set.load(SeqCst) != 1 {
            guard = self.condvar.wait(guard).unwrap();
        }
    }
    fn wait_while(&self) {
        drop(self.condvar.wait_while(self.mutex.lock().unwrap(), |_| self.set.load(SeqCst) < 1).unwrap());
    }
    fn set(&self, all: bool) {
        self.set.store(1, SeqCst);
        drop(self.mutex.lock().unwrap());
        if all { self.condvar.notify_all() } else { self.condvar.notify_one() }
    }
}

#[test]
fn condvar_notify_one_wakes_the_waiter() {
    passes(|| {
        let flag = Flag::new();
        let f = flag.clone();
        let t = thread::spawn(move || f.set(false));
        flag.wait();
        t.join().unwrap();
    });
}

#[test]
fn condvar_notify_all_wakes_every_waiter() {
    passes(|| {
        let flag = Flag::new();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let f = flag.clone();
                thread::spawn(move || f.wait())
            })
            .collect();
        let f = flag.clone();
        thread::spawn(move || f.set(true)).join().unwrap();
        waiters.into_iter().for_each(|t| t.join().unwrap());
    });
}

#[test]
fn condvar_wait_while_returns_once_the_condition_fails() {
    passes(|| {
        let flag = Flag::new();
        let f = flag.clone();
        let waiter = thread::spawn(move || f.wait_while());
        let f = flag.clone();
        thread::spawn(move || f.set(false)).join().unwrap();
        waiter.join().unwrap();
    });
}

// ---- rwlock.rs ----

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

// ---- unsafe_cell.rs ----

#[test]
fn a_release_acquire_flag_orders_the_cell() {
    passes(|| {
        let chan = Arc::new((Counter::new(0), AtomicUsize::new(0)));
        let c = chan.clone();
        let t = thread::spawn(move || {
            c.0.inc();
            c.1.store(1, Release);
        });
        if chan.1.load(Acquire) == 1 {
            assert_eq!(chan.0.get(), 1);
        }
        t.join().unwrap();
        assert_eq!(chan.0.get(), 1);
    });
}

#[test]
fn two_unordered_writes_race() {
    races(|| {
        let x = Counter::new(1);
        let y = x.clone();
        let t = thread::spawn(move || x.inc());
        y.inc();
        t.join().unwrap();
    });
    races(|| {
        let x = Counter::new(1);
        let (a, b) = (x.clone(), x.clone());
        let t1 = thread::spawn(move || a.inc());
        let t2 = thread::spawn(move || b.inc());
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

#[test]
fn an_unordered_read_and_write_race() {
    races(|| {
        let x = Counter::new(1);
        let y = x.clone();
        let t = thread::spawn(move || x.inc());
        y.get();
        t.join().unwrap();
    });
    races(|| {
        let x = Counter::new(1);
        let y = x.clone();
        let t = thread::spawn(move || x.get());
        y.inc();
        t.join().unwrap();
    });
    races(|| {
        let x = Counter::new(1);
        let (a, b) = (x.clone(), x.clone());
        let t1 = thread::spawn(move || a.get());
        let t2 = thread::spawn(move || {
            b.get();
            b.inc();
        });
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

#[test]
fn spawn_and_join_order_the_cell() {
    passes(|| {
        let x = Counter::new(1);
        assert_eq!(x.inc(), 2);
        let t = thread::spawn(move || {
            assert_eq!(x.get(), 2);
            assert_eq!(x.inc(), 3);
            x
        });
        let x = t.join().unwrap();
        assert_eq!(x.inc(), 4);
    });
    passes(|| {
        let x = Counter::new(1);
        let y = x.clone();
        let t1 = thread::spawn(move || {
            let z = x.clone();
            let t2 = thread::spawn(move || assert_eq!(z.get(), 1));
            assert_eq!(x.get(), 1);
            t2.join().unwrap();
        });
        assert_eq!(y.get(), 1); // concurrent reads do not race
        t1.join().unwrap();
        assert_eq!(y.inc(), 2);
    });
}

#[test]
fn an_access_after_the_release_races() {
    races(|| {
        let shared = Arc::new((AtomicUsize::new(0), Counter::new(0)));
        let s = shared.clone();
        let t = thread::spawn(move || {
            s.0.store(1, Release);
            s.1.inc(); // after the release: not ordered before the reader
        });
        if shared.0.load(Acquire) == 1 {
            shared.1.inc();
        }
        t.join().unwrap();
    });
}
