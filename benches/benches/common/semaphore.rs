//! Semaphore workloads.

use super::*;

// ---------------------------------------------------------------------------------------------
// Semaphore

/// A counting semaphore, whatever its API.
pub trait BenchSemaphore: Send + Sync + 'static {
    /// A semaphore holding `permits`.
    fn create(permits: usize) -> Self;
    /// Runs `f` holding one permit.
    fn with<R>(&self, f: impl FnOnce() -> R) -> R;
}

impl<S: Scheduler> BenchSemaphore for weft_core::Semaphore<S> {
    fn create(permits: usize) -> Self {
        Self::new(permits)
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        self.acquire();
        let result = f();
        self.release().unwrap();
        result
    }
}

impl<S: Scheduler> BenchSemaphore for weft_core::BoundedSemaphore<S> {
    fn create(permits: usize) -> Self {
        Self::new(permits)
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        self.acquire();
        let result = f();
        self.release().unwrap();
        result
    }
}

/// The semaphore std users write: a count under a `Mutex`, a `Condvar` to wait for a permit.
pub struct StdSemaphore {
    count: std::sync::Mutex<usize>,
    available: std::sync::Condvar,
}

impl BenchSemaphore for StdSemaphore {
    fn create(permits: usize) -> Self {
        StdSemaphore { count: std::sync::Mutex::new(permits), available: std::sync::Condvar::new() }
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        {
            let mut count = self.count.lock().unwrap();
            while *count == 0 {
                count = self.available.wait(count).unwrap();
            }
            *count -= 1;
        }
        let result = f();
        *self.count.lock().unwrap() += 1;
        self.available.notify_one();
        result
    }
}

/// The same semaphore on parking_lot's `Mutex` and `Condvar`.
pub struct ParkingLotSemaphore {
    count: parking_lot::Mutex<usize>,
    available: parking_lot::Condvar,
}

impl BenchSemaphore for ParkingLotSemaphore {
    fn create(permits: usize) -> Self {
        ParkingLotSemaphore { count: parking_lot::Mutex::new(permits), available: parking_lot::Condvar::new() }
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        {
            let mut count = self.count.lock();
            while *count == 0 {
                self.available.wait(&mut count);
            }
            *count -= 1;
        }
        let result = f();
        *self.count.lock() += 1;
        self.available.notify_one();
        result
    }
}

// The crate peer. Blocking (non-async) semaphores on crates.io: `std-semaphore` 0.1.0 is the
// `Mutex`+`Condvar` semaphore removed from std in Rust 1.8, unchanged since 2016 (the same
// algorithm as `StdSemaphore`, unmaintained); `semaphore` 0.4 only offers `try_access`;
// tokio's is async-only. smol-rs's `async-lock` (3.5, maintained, MSRV 1.85 like weft) is the
// best maintained one with a real blocking API: `Semaphore::acquire_blocking` (a lock-free
// counter, waiters parked through `event-listener`), and it also has `Barrier::wait_blocking`.
impl BenchSemaphore for async_lock::Semaphore {
    fn create(permits: usize) -> Self {
        Self::new(permits)
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _permit = self.acquire_blocking();
        f()
    }
}

fn semaphore_uncontended<M: BenchSemaphore>() -> impl Fn(u64) -> Duration {
    let semaphore = M::create(1);
    move |n| time_loop(n, || black_box(&semaphore).with(|| ()))
}

fn semaphore_pool<M: BenchSemaphore>(permits: usize, threads: usize) -> impl Fn(u64) -> Duration {
    move |n| {
        let per_thread = n.div_ceil(threads as u64).max(1);
        let semaphore = Arc::new(M::create(permits));
        let (elapsed, done) = time_overlapped(threads, per_thread, move |_| semaphore.with(short_work));
        scale(elapsed, n, done)
    }
}

/// Semaphore / BoundedSemaphore: uncontended acquire+release.
pub fn semaphore_uncontended_group() -> Group {
    Group {
        id: "semaphore/uncontended",
        operation: "Semaphore: uncontended acquire+release",
        threaded: false,
        cases: vec![
            case("weft::Semaphore", Role::Weft, semaphore_uncontended::<weft::Semaphore>()),
            case("weft::BoundedSemaphore", Role::Weft, semaphore_uncontended::<weft::BoundedSemaphore>()),
            case("weft_core::Semaphore<Real>", Role::Real, semaphore_uncontended::<weft_core::Semaphore<Real>>()),
            case("std Mutex+Condvar semaphore", Role::Peer, semaphore_uncontended::<StdSemaphore>()),
            case("parking_lot Mutex+Condvar semaphore", Role::Peer, semaphore_uncontended::<ParkingLotSemaphore>()),
            case("async_lock::Semaphore (blocking)", Role::Peer, semaphore_uncontended::<async_lock::Semaphore>()),
        ],
    }
}

/// Semaphore / BoundedSemaphore: a pool of 2 permits shared by 4 threads.
pub fn semaphore_pool_group() -> Group {
    Group {
        id: "semaphore/pool-2-of-4",
        operation: "Semaphore: 2 permits, 4 threads, short work",
        threaded: true,
        cases: vec![
            case("weft::Semaphore", Role::Weft, semaphore_pool::<weft::Semaphore>(2, 4)),
            case("weft::BoundedSemaphore", Role::Weft, semaphore_pool::<weft::BoundedSemaphore>(2, 4)),
            case("weft_core::Semaphore<Real>", Role::Real, semaphore_pool::<weft_core::Semaphore<Real>>(2, 4)),
            case("std Mutex+Condvar semaphore", Role::Peer, semaphore_pool::<StdSemaphore>(2, 4)),
            case("parking_lot Mutex+Condvar semaphore", Role::Peer, semaphore_pool::<ParkingLotSemaphore>(2, 4)),
            case("async_lock::Semaphore (blocking)", Role::Peer, semaphore_pool::<async_lock::Semaphore>(2, 4)),
        ],
    }
}
