//! std-shaped workloads: `weft::sync::{Mutex, RwLock}`, atomics, `mpsc` and `thread::spawn`,
//! beside std's (and parking_lot's) own.

use super::*;

impl<S: Scheduler> BenchLock for weft::generic::Mutex<S, ()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.lock().unwrap();
        f()
    }
}

/// A read-write lock taken for reading or writing around a closure.
pub trait BenchRwLock: Send + Sync + 'static {
    /// A new, unlocked lock.
    fn create() -> Self;
    /// Runs `f` holding a read lock.
    fn read<R>(&self, f: impl FnOnce() -> R) -> R;
}

impl<S: Scheduler> BenchRwLock for weft::generic::RwLock<S, ()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn read<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.read().unwrap();
        f()
    }
}

impl BenchRwLock for parking_lot::RwLock<()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn read<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.read();
        f()
    }
}

impl BenchRwLock for std::sync::RwLock<()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn read<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.read().unwrap();
        f()
    }
}

fn rwlock_read_case<L: BenchRwLock>() -> impl Fn(u64) -> Duration {
    let lock = L::create();
    move |n| time_loop(n, || black_box(&lock).read(|| ()))
}

/// Mutex: uncontended lock+unlock.
pub fn mutex_uncontended() -> Group {
    Group {
        id: "mutex/uncontended",
        operation: "Mutex: uncontended lock+unlock",
        threaded: false,
        cases: vec![
            case("weft::sync::Mutex", Role::Weft, locks::uncontended::<weft::sync::Mutex<()>>()),
            case("weft_core::Mutex<Real>", Role::Real, locks::uncontended::<weft::generic::Mutex<Real, ()>>()),
            case("parking_lot::Mutex", Role::Peer, locks::uncontended::<parking_lot::Mutex<()>>()),
            case("std::sync::Mutex", Role::Peer, locks::uncontended::<std::sync::Mutex<()>>()),
        ],
    }
}

/// RwLock: uncontended read lock+unlock.
pub fn rwlock_read_uncontended() -> Group {
    Group {
        id: "rwlock/read_uncontended",
        operation: "RwLock: uncontended read+unlock",
        threaded: false,
        cases: vec![
            case("weft::sync::RwLock", Role::Weft, rwlock_read_case::<weft::sync::RwLock<()>>()),
            case("weft_core::RwLock<Real>", Role::Real, rwlock_read_case::<weft::generic::RwLock<Real, ()>>()),
            case("parking_lot::RwLock", Role::Peer, rwlock_read_case::<parking_lot::RwLock<()>>()),
            case("std::sync::RwLock", Role::Peer, rwlock_read_case::<std::sync::RwLock<()>>()),
        ],
    }
}

/// Atomics: an uncontended `fetch_add`.
pub fn atomic_fetch_add() -> Group {
    let ours = weft::sync::atomic::AtomicU64::new(0);
    let theirs = std::sync::atomic::AtomicU64::new(0);
    Group {
        id: "atomic/fetch_add",
        operation: "AtomicU64: uncontended fetch_add",
        threaded: false,
        cases: vec![
            case("weft::sync::atomic::AtomicU64", Role::Weft, move |n| {
                time_loop(n, || {
                    black_box(&ours).fetch_add(1, Relaxed);
                })
            }),
            case("std::sync::atomic::AtomicU64", Role::Peer, move |n| {
                time_loop(n, || {
                    black_box(&theirs).fetch_add(1, Relaxed);
                })
            }),
        ],
    }
}

/// mpsc: one thread sends `n` items, another receives them (the time per item).
pub fn channel_stream() -> Group {
    Group {
        id: "mpsc/stream",
        operation: "mpsc: one sender streams items to one receiver",
        threaded: true,
        cases: vec![
            case("weft::sync::mpsc", Role::Weft, |n| {
                let (tx, rx) = weft::sync::mpsc::channel::<u64>();
                let start = Instant::now();
                let sender = std::thread::spawn(move || (0..n).for_each(|i| tx.send(i).unwrap()));
                let total: u64 = rx.iter().count() as u64;
                sender.join().unwrap();
                assert_eq!(total, n);
                start.elapsed()
            }),
            case("std::sync::mpsc", Role::Peer, |n| {
                let (tx, rx) = std::sync::mpsc::channel::<u64>();
                let start = Instant::now();
                let sender = std::thread::spawn(move || (0..n).for_each(|i| tx.send(i).unwrap()));
                let total: u64 = rx.iter().count() as u64;
                sender.join().unwrap();
                assert_eq!(total, n);
                start.elapsed()
            }),
        ],
    }
}

/// thread: spawn + join of an empty closure.
pub fn std_spawn_join() -> Group {
    Group {
        id: "thread/std_spawn_join",
        operation: "thread::spawn + join (empty closure)",
        threaded: true,
        cases: vec![
            case("weft::thread::spawn", Role::Weft, |n| {
                time_loop(n, || weft::thread::spawn(|| black_box(1)).join().map(drop).unwrap())
            }),
            case("std::thread::spawn", Role::Peer, |n| {
                time_loop(n, || std::thread::spawn(|| black_box(1)).join().map(drop).unwrap())
            }),
        ],
    }
}
