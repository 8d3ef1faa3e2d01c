//! Lock and RLock workloads.

use super::*;

// ---------------------------------------------------------------------------------------------
// Lock

/// A lock guarding a critical section, whatever its API.
pub trait BenchLock: Send + Sync + 'static {
    /// A new, unlocked lock.
    fn create() -> Self;
    /// Runs `f` holding the lock.
    fn with<R>(&self, f: impl FnOnce() -> R) -> R;
}

impl<S: Scheduler> BenchLock for weft::generic::Lock<S> {
    fn create() -> Self {
        Self::new()
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        self.acquire();
        let result = f();
        self.release().unwrap();
        result
    }
}

impl BenchLock for BaselineLock {
    fn create() -> Self {
        Self::new()
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        self.lock();
        let result = f();
        assert!(self.unlock(), "released an unlocked lock");
        result
    }
}

impl BenchLock for parking_lot::Mutex<()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.lock();
        f()
    }
}

impl BenchLock for std::sync::Mutex<()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.lock().unwrap();
        f()
    }
}

pub(super) fn uncontended<L: BenchLock>() -> impl Fn(u64) -> Duration {
    let lock = L::create();
    move |n| time_loop(n, || black_box(&lock).with(|| ()))
}

/// A lock and the counter it guards, side by side (as a `Mutex<u64>` would hold it).
struct Guarded<L> {
    lock: L,
    counter: UnsafeCell<u64>,
}

// SAFETY: `counter` is only touched while `lock` is held (or after every thread was joined).
unsafe impl<L: Sync> Sync for Guarded<L> {}

/// `threads` threads each take the lock `n / threads` times, increment the shared counter inside
/// (a short critical section) and do a short piece of work outside it, so that other threads can
/// take the lock between two sections of the same thread (without it, a barging lock is mostly
/// re-taken by the thread that just released it, and the benchmark measures the uncontended path).
pub(super) fn contended<L: BenchLock>(threads: usize) -> impl Fn(u64) -> Duration {
    move |n| {
        let per_thread = n.div_ceil(threads as u64).max(1);
        let guarded = Arc::new(Guarded { lock: L::create(), counter: UnsafeCell::new(0) });
        let shared = guarded.clone();
        let (elapsed, done) = time_overlapped(threads, per_thread, move |_| {
            // SAFETY: the counter is written only while the lock is held.
            shared.lock.with(|| unsafe { *shared.counter.get() += 1 });
            short_work();
        });
        // SAFETY: every thread was joined.
        let total = unsafe { *guarded.counter.get() };
        assert_eq!(total, done, "the lock lost an update");
        scale(elapsed, n, total)
    }
}

/// Lock: uncontended acquire+release.
pub fn lock_uncontended() -> Group {
    let guard_lock = weft::Lock::new();
    Group {
        id: "lock/uncontended",
        operation: "Lock: uncontended acquire+release",
        threaded: false,
        cases: vec![
            case("weft::Lock", Role::Weft, uncontended::<weft::Lock>()),
            case("weft::Lock guard", Role::Extra, move |n| time_loop(n, || drop(black_box(&guard_lock).lock()))),
            case("weft_core::Lock<Real>", Role::Real, uncontended::<weft_core::Lock<Real>>()),
            case("baseline (hand-written)", Role::Baseline, uncontended::<BaselineLock>()),
            case("parking_lot::Mutex", Role::Peer, uncontended::<parking_lot::Mutex<()>>()),
            case("std::sync::Mutex", Role::Peer, uncontended::<std::sync::Mutex<()>>()),
        ],
    }
}

/// Lock: `threads` threads, a short critical section.
pub fn lock_contended(threads: usize) -> Group {
    let (id, operation) = match threads {
        2 => ("lock/contended/2", "Lock: 2 threads, short critical section"),
        4 => ("lock/contended/4", "Lock: 4 threads, short critical section"),
        8 => ("lock/contended/8", "Lock: 8 threads, short critical section"),
        _ => panic!("lock_contended: 2, 4 or 8 threads"),
    };
    Group {
        id,
        operation,
        threaded: true,
        cases: vec![
            case("weft::Lock", Role::Weft, contended::<weft::Lock>(threads)),
            case("weft_core::Lock<Real>", Role::Real, contended::<weft_core::Lock<Real>>(threads)),
            case("baseline (hand-written)", Role::Baseline, contended::<BaselineLock>(threads)),
            case("parking_lot::Mutex", Role::Peer, contended::<parking_lot::Mutex<()>>(threads)),
            case("std::sync::Mutex", Role::Peer, contended::<std::sync::Mutex<()>>(threads)),
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// RLock

fn rlock_nested<S: Scheduler, const DEPTH: usize>() -> impl Fn(u64) -> Duration {
    let lock = weft_core::RLock::<S>::new();
    move |n| {
        // Each call gets the lock through `black_box`: nested acquires sit in different functions
        // in real code, and the compiler must not fold one level into the next.
        time_loop(n, || {
            for _ in 0..DEPTH {
                black_box(&lock).acquire();
            }
            for _ in 0..DEPTH {
                black_box(&lock).release().unwrap();
            }
        })
    }
}

fn reentrant_mutex_nested<const DEPTH: usize>() -> impl Fn(u64) -> Duration {
    let lock = parking_lot::ReentrantMutex::new(());
    move |n| {
        time_loop(n, || {
            let guards: [_; DEPTH] = std::array::from_fn(|_| black_box(&lock).lock());
            drop(guards);
        })
    }
}

/// RLock: reentrant acquire+release, `depth` levels deep (1 or 3).
pub fn rlock(depth: usize) -> Group {
    match depth {
        1 => Group {
            id: "rlock/depth/1",
            operation: "RLock: acquire+release, depth 1",
            threaded: false,
            cases: vec![
                case("weft::RLock", Role::Weft, rlock_nested::<weft::Auto, 1>()),
                case("weft_core::RLock<Real>", Role::Real, rlock_nested::<Real, 1>()),
                case("parking_lot::ReentrantMutex", Role::Peer, reentrant_mutex_nested::<1>()),
            ],
        },
        3 => Group {
            id: "rlock/depth/3",
            operation: "RLock: 3 nested acquires, 3 releases",
            threaded: false,
            cases: vec![
                case("weft::RLock", Role::Weft, rlock_nested::<weft::Auto, 3>()),
                case("weft_core::RLock<Real>", Role::Real, rlock_nested::<Real, 3>()),
                case("parking_lot::ReentrantMutex", Role::Peer, reentrant_mutex_nested::<3>()),
            ],
        },
        _ => panic!("rlock: depth 1 or 3"),
    }
}
