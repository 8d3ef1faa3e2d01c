//! The raw lock every lock-like primitive is built on, the internal data mutex, and the one place
//! where primitives park (so that every parked thread records what it waits on).

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Instant;

use crate::backend::atomic::Atomic;
use crate::backend::storage::ThreadStorage;
use crate::backend::{FilterOp, ParkResult, Scheduler};

/// One step of a bounded spin before parking, as parking_lot's `SpinWait`: a few busy waits
/// that double, then yields. Returns false once spinning should stop (`iteration` counts from
/// 0), and at once while the scheduler is [observing](crate::Observe::observing): under a
/// simulator spinning only adds steps.
#[inline]
pub(crate) fn spin<S: Scheduler>(iteration: u32) -> bool {
    if S::observing() || iteration >= 10 {
        return false;
    }
    if iteration < 3 {
        for _ in 0..(1u32 << iteration) {
            std::hint::spin_loop();
        }
    } else {
        S::sleep(std::time::Duration::ZERO);
    }
    true
}

/// Unparks every thread parked on `key`, handing each `token` (`S::unpark_filter` selecting
/// all). Returns how many.
///
/// # Safety
/// The contract of [`Scheduler::unpark_filter`].
#[inline]
pub(crate) unsafe fn unpark_all<S: Scheduler>(key: usize, token: usize) -> usize {
    // SAFETY: the caller's contract; the filter and callback neither park nor panic.
    unsafe { S::unpark_filter(key, |_| FilterOp::Unpark, |_| token) }.unparked_threads
}

/// Parks the calling thread through `S::park`, recording in its [`crate::ThreadState`] (through [`ThreadStorage`]) the key it
/// is parked on while it sleeps (what tests and deadlock reports read as "blocked on").
///
/// # Safety
/// The contract of [`Scheduler::park`].
#[inline]
pub(crate) unsafe fn park<S: Scheduler>(
    key: usize,
    validate: impl FnOnce() -> bool,
    before_sleep: impl FnOnce(),
    timed_out: impl FnOnce(usize, bool),
    token: usize,
    deadline: Option<Instant>,
) -> ParkResult {
    S::with_thread_state(|thread| {
        let before_sleep = || {
            thread.set_blocked_on(key);
            before_sleep();
        };
        // SAFETY: the caller upholds `S::park`'s contract for `validate`, `before_sleep` and
        // `timed_out`; the added store neither panics nor calls the scheduler's parking.
        let result = unsafe { S::park(key, validate, before_sleep, timed_out, token, deadline) };
        thread.set_blocked_on(0);
        result
    })
}

// The lock's state byte, as in parking_lot's raw mutex:
//
// | LOCKED | PARKED | meaning                                                              |
// |--------|--------|----------------------------------------------------------------------|
// |   0    |   0    | free, nobody waits: `lock` takes it with one CAS                     |
// |   1    |   0    | held, nobody parked: `unlock` is one `swap(0)`                       |
// |   1    |   1    | held, threads may be parked on the lock's address                    |
// |   0    |   1    | free, threads parked: a woken waiter or a newcomer takes it          |
//
// Transitions: a waiter sets PARKED (CAS) before it parks, and parks only while the state is
// still `LOCKED | PARKED` (checked under the queue lock). `unlock` swaps in 0; if PARKED was
// set it wakes one waiter, and the wake-up's callback (under the queue lock) sets PARKED again
// if more threads remain queued. A waiter whose deadline passes clears PARKED if it was the
// last one queued. A release of a free lock restores the bits it clobbered, so no wake-up is
// lost even then.

/// The lock is held.
const LOCKED: u8 = 1;
/// Threads may be parked on the lock's address.
const PARKED: u8 = 2;

/// A one-byte lock in the style of `parking_lot`'s raw mutex: a CAS on the fast path, a bounded
/// spin, then parking on the lock's address. It has no owner: any thread may unlock it.
///
/// ```
/// # use weft_core::{RawLock, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let raw = RawLock::<S>::new();
/// assert!(raw.try_lock());
/// assert!(!raw.try_lock());
/// assert!(raw.unlock());
/// raw.lock();
/// assert!(raw.is_locked());
/// assert!(raw.unlock());
/// assert!(!raw.unlock()); // it was not locked
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct RawLock<S: Scheduler> {
    state: S::Atomic<u8>,
}

impl<S: Scheduler> RawLock<S> {
    /// A new, unlocked lock.
    #[inline]
    pub fn new() -> Self {
        RawLock { state: S::Atomic::<u8>::new(0) }
    }

    #[inline]
    fn key(&self) -> usize {
        &self.state as *const S::Atomic<u8> as usize
    }

    /// Takes the lock if it is free. Never blocks.
    #[inline]
    pub fn try_lock(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        loop {
            if state & LOCKED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(state, state | LOCKED, Acquire, Relaxed) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// Takes the lock, blocking as long as it takes.
    #[inline]
    pub fn lock(&self) {
        if self.state.compare_exchange_weak(0, LOCKED, Acquire, Relaxed).is_err() {
            self.lock_slow(None);
        }
    }

    /// Takes the lock unless `deadline` passes first. Returns whether it was taken.
    #[inline]
    pub fn lock_until(&self, deadline: Option<Instant>) -> bool {
        self.state.compare_exchange_weak(0, LOCKED, Acquire, Relaxed).is_ok() || self.lock_slow(deadline)
    }

    #[cold]
    fn lock_slow(&self, deadline: Option<Instant>) -> bool {
        let mut spins = 0;
        let mut state = self.state.load(Relaxed);
        loop {
            if state & LOCKED == 0 {
                match self.state.compare_exchange_weak(state, state | LOCKED, Acquire, Relaxed) {
                    Ok(_) => return true,
                    Err(actual) => state = actual,
                }
                continue;
            }
            if state & PARKED == 0 {
                if spin::<S>(spins) {
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
            // atomic state, cannot panic and do not call the scheduler.
            match unsafe { park::<S>(self.key(), validate, || {}, timed_out, 0, deadline) } {
                ParkResult::TimedOut => return false,
                ParkResult::Unparked(_) | ParkResult::Invalid => {}
            }
            spins = 0;
            state = self.state.load(Relaxed);
        }
    }

    /// Releases the lock and wakes one waiter if there is one. Returns false if the lock was
    /// not locked.
    ///
    /// The release is one `swap(0)` (an `xchg`, cheaper than a compare-exchange): it clears the
    /// parked bit too, which the wake-up sets again if more threads wait. If the lock was not
    /// locked, the bits it clobbered are restored and, when threads were parked, one is woken,
    /// so that no wake-up can be lost even when a release is a mistake.
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
            let callback = |result: crate::backend::UnparkResult| {
                if result.have_more_threads {
                    self.state.fetch_or(PARKED, Relaxed);
                } else {
                    self.state.fetch_and(!PARKED, Relaxed);
                }
                0
            };
            // SAFETY: the key is this lock's own address; the callback only sets or clears this
            // lock's parked bit under the queue lock, cannot panic and does not call the
            // scheduler.
            unsafe { S::unpark_one(self.key(), callback) };
        }
        was_locked
    }

    /// Whether some thread holds the lock.
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.state.load(Relaxed) & LOCKED != 0
    }

    /// Zero only if some thread holds the lock and nobody waits for it; nonzero if it is free
    /// (and, conservatively, while threads wait for it): [`RawLock::is_locked`] for branch-free
    /// fast paths that may take their slow path when in doubt.
    #[inline(always)]
    pub fn unlocked_word(&self) -> usize {
        usize::from(self.state.load(Relaxed) ^ LOCKED)
    }

    /// The key threads park on while they wait for this lock (for requeueing onto it).
    #[inline]
    pub(crate) fn park_key(&self) -> usize {
        self.key()
    }

    /// [`RawLock::park_key`], with the provenance of the lock exposed, for
    /// [`RawLock::from_exposed_park_key`].
    #[inline]
    pub(crate) fn exposed_park_key(&self) -> usize {
        (&self.state as *const S::Atomic<u8>).expose_provenance()
    }

    /// The raw lock whose key [`RawLock::exposed_park_key`] gave.
    ///
    /// # Safety
    /// `key` came from `exposed_park_key` of a raw lock that stays alive for `'a`.
    #[inline]
    pub(crate) unsafe fn from_exposed_park_key<'a>(key: usize) -> &'a Self {
        let state = std::ptr::with_exposed_provenance::<S::Atomic<u8>>(key);
        let lock = state.wrapping_byte_sub(std::mem::offset_of!(RawLock<S>, state)).cast::<RawLock<S>>();
        // SAFETY: the caller's contract: `key` is the address of the `state` field of a live
        // raw lock, with its provenance exposed; stepping back by the field's offset gives the
        // lock itself.
        unsafe { &*lock }
    }

    /// The cell that names the lock (its key), for the scheduler's operation hooks.
    #[inline(always)]
    pub(crate) fn cell(&self) -> &S::Atomic<u8> {
        &self.state
    }

    /// Marks the lock as having parked threads: called under both queue locks by a requeue that
    /// moves waiters onto this lock's queue. Returns whether the lock was held.
    #[inline]
    pub(crate) fn mark_parked(&self) -> bool {
        self.state.fetch_or(PARKED, Relaxed) & LOCKED != 0
    }

    /// Clears the parked mark (a requeued waiter that timed out as the last one in the queue).
    #[inline]
    pub(crate) fn clear_parked(&self) {
        self.state.fetch_and(!PARKED, Relaxed);
    }
}

impl<S: Scheduler> Default for RawLock<S> {
    fn default() -> Self {
        Self::new()
    }
}

/// A data mutex over [`RawLock`], for the primitives' own bookkeeping (the thread registry, the
/// hooks). Everything it does goes through the scheduler, so a simulator sees it too.
pub(crate) struct Mutex<S: Scheduler, T> {
    raw: RawLock<S>,
    data: UnsafeCell<T>,
}

// SAFETY: the data is only reached through a guard, and a guard exists only while `raw` is held,
// so at most one thread accesses it at a time; moving `T` between threads needs `T: Send`.
unsafe impl<S: Scheduler, T: Send> Sync for Mutex<S, T> {}
// SAFETY: the mutex owns its `T`; sending the mutex sends the `T`.
unsafe impl<S: Scheduler, T: Send> Send for Mutex<S, T> {}

impl<S: Scheduler, T> Mutex<S, T> {
    pub(crate) fn new(data: T) -> Self {
        Mutex { raw: RawLock::new(), data: UnsafeCell::new(data) }
    }

    /// Locks the mutex to read or change its data (a simulator sees a change of this mutex).
    pub(crate) fn lock(&self) -> MutexGuard<'_, S, T> {
        S::touch(self.key());
        self.lock_declared()
    }

    /// Locks the mutex to only read its data (reads by different threads commute).
    pub(crate) fn read(&self) -> MutexGuard<'_, S, T> {
        S::observe(self.key());
        self.lock_declared()
    }

    /// Locks the mutex; the caller declared what the critical section touches
    /// ([`crate::Observe::touch`], [`crate::Observe::observe`]).
    pub(crate) fn lock_declared(&self) -> MutexGuard<'_, S, T> {
        S::internal_section(true);
        self.raw.lock();
        MutexGuard { mutex: self, _data: std::marker::PhantomData }
    }

    /// The data, through exclusive access (no locking).
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Checks that the calling thread may use this mutex ([`crate::Atomic::check_use`]): for
    /// an object that keeps the mutex, made in another execution or outside the simulation
    /// that uses it, this panics with a message naming `kind`.
    #[inline(always)]
    pub(crate) fn check_use(&self, kind: &'static str) {
        self.raw.cell().check_use(kind);
    }

    /// The address that stands for this mutex's data in footprints.
    pub(crate) fn key(&self) -> usize {
        self.raw.park_key()
    }
}

pub(crate) struct MutexGuard<'a, S: Scheduler, T> {
    mutex: &'a Mutex<S, T>,
    /// A guard gives `&mut T`: it is `Sync` only if `T` is (as std's guard).
    _data: std::marker::PhantomData<&'a mut T>,
}

impl<S: Scheduler, T> Deref for MutexGuard<'_, S, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the raw lock, so no other reference to the data exists.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<S: Scheduler, T> DerefMut for MutexGuard<'_, S, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the raw lock and is borrowed mutably, so this is the only
        // reference to the data.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<S: Scheduler, T> Drop for MutexGuard<'_, S, T> {
    fn drop(&mut self) {
        self.mutex.raw.unlock();
        S::internal_section(false);
    }
}
