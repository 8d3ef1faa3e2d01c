//! The zero-cost yardstick: the fast path of weft's `Lock` (core/src/raw.rs, `RawLock`) written
//! by hand, directly against std atomics and `parking_lot_core`, with no `Scheduler` in between.
//!
//! One `AtomicU8` with a LOCKED and a PARKED bit; `lock` is one weak CAS 0 → LOCKED, then the same
//! bounded spin as `weft_real::Real::spin` (3 rounds of 1, 2, 4 `spin_loop`s, then 7
//! `yield_now`s), then `parking_lot_core::park` on the byte's address; `unlock` is one `swap(0)`,
//! then, if threads were parked, `unpark_one` (which sets PARKED again if more wait). What it leaves out is only what weft adds on
//! top of the algorithm: the `S::operation` hook (a no-op on `Real`), the `blocked_on` record a
//! parked thread leaves in its `ThreadState` (core/src/raw.rs `park`), and deadlines.
//! If `weft_core::Lock<Real>` is as fast as this, the `Scheduler` abstraction costs nothing.

use std::sync::atomic::AtomicU8;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

const LOCKED: u8 = 1;
const PARKED: u8 = 2;

/// A hand-written one-byte lock: weft's `RawLock<Real>` without the `Scheduler`.
pub struct BaselineLock {
    state: AtomicU8,
}

impl Default for BaselineLock {
    fn default() -> Self {
        Self::new()
    }
}

#[inline]
fn spin(iteration: u32) -> bool {
    if iteration >= 10 {
        return false;
    }
    if iteration < 3 {
        for _ in 0..(1u32 << iteration) {
            std::hint::spin_loop();
        }
    } else {
        std::thread::yield_now();
    }
    true
}

impl BaselineLock {
    /// A new, unlocked lock.
    pub const fn new() -> Self {
        BaselineLock { state: AtomicU8::new(0) }
    }

    fn key(&self) -> usize {
        &self.state as *const AtomicU8 as usize
    }

    /// Takes the lock, blocking as long as it takes.
    #[inline]
    pub fn lock(&self) {
        if self.state.compare_exchange_weak(0, LOCKED, Acquire, Relaxed).is_err() {
            self.lock_slow();
        }
    }

    #[cold]
    fn lock_slow(&self) {
        let mut spins = 0;
        let mut state = self.state.load(Relaxed);
        loop {
            if state & LOCKED == 0 {
                match self.state.compare_exchange_weak(state, state | LOCKED, Acquire, Relaxed) {
                    Ok(_) => return,
                    Err(actual) => state = actual,
                }
                continue;
            }
            if state & PARKED == 0 {
                if spin(spins) {
                    spins += 1;
                    state = self.state.load(Relaxed);
                    continue;
                }
                if let Err(actual) = self.state.compare_exchange_weak(state, state | PARKED, Relaxed, Relaxed) {
                    state = actual;
                    continue;
                }
            }
            let validate = || self.state.load(Relaxed) == LOCKED | PARKED;
            let timed_out = |_key, was_last: bool| {
                if was_last {
                    self.state.fetch_and(!PARKED, Relaxed);
                }
            };
            // SAFETY: the key is this lock's own address; the callbacks only touch this lock's
            // atomic state, cannot panic and do not park.
            unsafe {
                parking_lot_core::park(
                    self.key(),
                    validate,
                    || {},
                    timed_out,
                    parking_lot_core::DEFAULT_PARK_TOKEN,
                    None,
                );
            }
            spins = 0;
            state = self.state.load(Relaxed);
        }
    }

    /// Releases the lock and wakes one waiter if there is one. Returns false if it was not
    /// locked (as weft's `release` reports an error).
    #[inline]
    pub fn unlock(&self) -> bool {
        let previous = self.state.swap(0, Release);
        if previous == LOCKED {
            return true;
        }
        self.unlock_slow(previous)
    }

    #[cold]
    fn unlock_slow(&self, previous: u8) -> bool {
        let was_locked = previous & LOCKED != 0;
        if previous & PARKED != 0 {
            if !was_locked {
                self.state.fetch_or(PARKED, Relaxed);
            }
            let callback = |result: parking_lot_core::UnparkResult| {
                if result.have_more_threads {
                    self.state.fetch_or(PARKED, Relaxed);
                } else {
                    self.state.fetch_and(!PARKED, Relaxed);
                }
                parking_lot_core::DEFAULT_UNPARK_TOKEN
            };
            // SAFETY: the key is this lock's own address; the callback only sets or clears this
            // lock's parked bit, cannot panic and does not park.
            unsafe { parking_lot_core::unpark_one(self.key(), callback) };
        }
        was_locked
    }
}
