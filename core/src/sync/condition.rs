//! `threading.Condition`: wait for a notification while holding a lock.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use crate::backend::atomic::Atomic;
use crate::backend::observe::report;
use crate::backend::{ParkResult, RequeueOp, Scheduler};
use crate::error::Error;
use crate::sync::lock::{ConditionLock, Guard, RLock, Release};
use crate::sync::raw::park;
use crate::timeout::deadline;

/// A condition variable (Python's `threading.Condition`), built on a lock it shares with its
/// users: an [`RLock`] by default, or any [`ConditionLock`] (a [`crate::Lock`], an `RLock`, or an
/// `Arc`/reference to one).
///
/// `wait` releases the lock completely (every `RLock` level), waits, and re-acquires it exactly
/// before returning. `notify(n)` wakes `min(n, waiting)` waiters, oldest first; they run once the
/// notifier releases the lock. There are no spurious wake-ups.
///
/// ```
/// # use std::sync::Arc;
/// # use weft_core::{Condition, Scheduler, Thread};
/// # fn demo<S: Scheduler>() -> Result<(), weft_core::Error> {
/// let cond = Arc::new(Condition::<S>::new());
/// let ready = Arc::new(std::sync::atomic::AtomicBool::new(false));
/// let (c, r) = (cond.clone(), ready.clone());
/// let t = Thread::<S>::new(move || {
///     let _held = c.lock();
///     r.store(true, std::sync::atomic::Ordering::Relaxed);
///     c.notify_all().unwrap();
/// });
/// let _held = cond.lock();
/// t.start()?;
/// cond.wait_for(|| ready.load(std::sync::atomic::Ordering::Relaxed))?;
/// # drop(_held); t.join()?;
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub struct Condition<S: Scheduler, L: ConditionLock<S> = RLock<S>> {
    lock: L,
    /// The number of threads in `wait` (for `Debug` and `n_waiting`-style questions).
    waiters: S::Atomic<usize>,
}

impl<S: Scheduler> Condition<S> {
    /// A condition on a new [`RLock`].
    pub fn new() -> Self {
        Self::with_lock(RLock::new())
    }
}

impl<S: Scheduler> Default for Condition<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler, L: ConditionLock<S>> Condition<S, L> {
    /// Names this condition (not its lock, which has a label of its own) `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.key(), label);
        self
    }

    /// A condition on `lock` (Python's `Condition(lock)`). Pass `&lock` or an `Arc` to keep
    /// using the lock elsewhere.
    pub fn with_lock(lock: L) -> Self {
        Condition { lock, waiters: S::Atomic::<usize>::new(0) }
    }

    /// The underlying lock.
    pub fn inner_lock(&self) -> &L {
        &self.lock
    }

    /// Acquires the underlying lock (blocking). Returns true.
    pub fn acquire(&self) -> bool {
        self.lock.acquire()
    }

    /// Acquires the underlying lock if that needs no waiting.
    pub fn try_acquire(&self) -> bool {
        self.lock.try_acquire()
    }

    /// Acquires the underlying lock within `timeout`.
    ///
    /// # Errors
    /// [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        self.lock.acquire_timeout(timeout)
    }

    /// Releases the underlying lock once.
    ///
    /// # Errors
    /// The lock's release error.
    pub fn release(&self) -> Result<(), Error> {
        self.lock.release()
    }

    /// Whether the underlying lock is held.
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// Whether the caller may wait and notify (see [`ConditionLock::is_owned`]).
    pub fn is_owned(&self) -> bool {
        self.lock.is_owned()
    }

    /// Releases the lock completely (Python's `_release_save`).
    ///
    /// # Errors
    /// As [`ConditionLock::release_save`].
    pub fn release_save(&self) -> Result<L::Saved, Error> {
        self.lock.release_save()
    }

    /// Re-acquires and restores (Python's `_acquire_restore`).
    pub fn acquire_restore(&self, saved: L::Saved) {
        self.lock.acquire_restore(saved)
    }

    /// Acquires the lock and returns a guard releasing it when dropped (`with cond:`).
    pub fn lock(&self) -> Guard<'_, Self> {
        self.lock.acquire();
        Guard::new(self)
    }

    fn key(&self) -> usize {
        &self.waiters as *const S::Atomic<usize> as usize
    }

    /// The key threads in [`Condition::wait`] are parked on.
    pub fn wait_key(&self) -> usize {
        self.key()
    }

    /// Waits until notified. Returns true.
    ///
    /// # Errors
    /// [`Error::WaitUnacquired`] if the caller does not hold the lock.
    pub fn wait(&self) -> Result<bool, Error> {
        self.wait_until(None)
    }

    /// Waits until notified or `timeout` passes (a zero timeout only polls). Returns true if
    /// notified, false on timeout; either way the lock is held again on return.
    ///
    /// # Errors
    /// [`Error::WaitUnacquired`] if the caller does not hold the lock;
    /// [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        // As CPython: ownership is checked before the timeout.
        if !self.lock_is_owned() {
            return Err(Error::WaitUnacquired);
        }
        self.wait_until(deadline::<S>(timeout)?)
    }

    /// Whether the caller may wait and notify, asked by the condition's own operations: an
    /// inner operation of theirs (see [`crate::Observe::nested_operations`]).
    fn lock_is_owned(&self) -> bool {
        S::nested_operations(true);
        let owned = self.lock.is_owned();
        S::nested_operations(false);
        owned
    }

    fn wait_until(&self, deadline: Option<Instant>) -> Result<bool, Error> {
        S::operation_on(&self.waiters, "Condition", "wait");
        // The lock's release, the wait and the re-acquire are one operation: its event comes
        // when it returns, holding the lock.
        S::nested_operations(true);
        let result = self.wait_nested(deadline);
        S::nested_operations(false);
        result
    }

    fn wait_nested(&self, deadline: Option<Instant>) -> Result<bool, Error> {
        if !self.lock.is_owned() {
            return Err(Error::WaitUnacquired);
        }
        let saved = Cell::new(None);
        let requeued = Cell::new(false);
        let raw = self.lock.raw_lock();
        self.waiters.fetch_add(1, Relaxed);
        let before_sleep = || saved.set(self.lock.release_save().ok());
        let timed_out = |key: usize, was_last: bool| {
            if key == raw.park_key() {
                // Notified and moved to the lock's queue, then timed out there: it was notified.
                requeued.set(true);
                if was_last {
                    raw.clear_parked();
                }
            } else {
                self.waiters.fetch_sub(1, Relaxed);
            }
        };
        // Notified, the wait reads nothing shared before `acquire_restore`, a blocking acquire
        // of its own (or, behind the lock's back, the touch of `None` below).
        S::next_park_reads_only_its_wake();
        // SAFETY: the key is this condition's own address. `validate` is trivially true (the
        // caller holds the lock, and a notifier must hold it too, so no notification can be
        // lost before we are queued). `before_sleep` releases the lock, which may unpark but
        // never parks: a release of an owned lock cannot block. `timed_out` only touches atomics.
        let result = unsafe { park::<S>(self.key(), || true, before_sleep, timed_out, 0, deadline) };
        let notified = match result {
            ParkResult::Unparked(_) => true,
            ParkResult::TimedOut => requeued.get(),
            ParkResult::Invalid => unreachable!("validate always holds"),
        };
        report::<S>(self.key(), notified, "notified", "timed out");
        match saved.take() {
            Some(saved) => self.lock.acquire_restore(saved),
            // The lock was released behind our back while we queued: take it again anyway,
            // so the caller holds it on return as it expects.
            None => {
                raw.lock();
                // The step writes the lock it takes (see `MutexGuard::relock_after_wait`).
                S::touch(raw.park_key());
                S::acquires(raw.park_key());
            }
        }
        Ok(notified)
    }

    /// Waits until `predicate` returns true; returns its last value (true).
    ///
    /// # Errors
    /// [`Error::WaitUnacquired`] if it has to wait and the caller does not hold the lock.
    pub fn wait_for(&self, mut predicate: impl FnMut() -> bool) -> Result<bool, Error> {
        while !predicate() {
            self.wait()?;
        }
        Ok(true)
    }

    /// Waits until `predicate` returns true or `timeout` passes; returns the predicate's last
    /// value. The deadline is fixed once; a zero timeout evaluates, polls, and evaluates again.
    ///
    /// # Errors
    /// [`Error::WaitUnacquired`] if it has to wait and the caller does not hold the lock;
    /// [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
    pub fn wait_for_timeout(&self, mut predicate: impl FnMut() -> bool, timeout: Duration) -> Result<bool, Error> {
        let mut result = predicate();
        if result {
            return Ok(result);
        }
        // As CPython: only a call that has to wait checks ownership, then the timeout.
        if !self.lock_is_owned() {
            return Err(Error::WaitUnacquired);
        }
        let deadline = deadline::<S>(timeout)?;
        while !result {
            if let Some(deadline) = deadline {
                if S::now() >= deadline && !timeout.is_zero() {
                    break;
                }
            }
            let notified = self.wait_until(deadline)?;
            result = predicate();
            if !notified {
                break;
            }
        }
        Ok(result)
    }

    /// Wakes up to `n` waiters, oldest first. They return from `wait` once they re-acquire the
    /// lock, that is after the caller releases it.
    ///
    /// # Errors
    /// [`Error::NotifyUnacquired`] if the caller does not hold the lock.
    #[inline]
    pub fn notify(&self, n: usize) -> Result<(), Error> {
        // Fast path, one branch: unobserved, owned, nobody waiting. Nothing happens then, so
        // there is nothing to announce. (Under a simulator nothing is loaded before the
        // operation is announced: a load there would belong to the caller's previous step.)
        if !S::SEES_ATOMICS && (self.lock.unowned_or_observed() | self.waiters.load(Relaxed)) == 0 {
            return Ok(());
        }
        self.notify_slow(n)
    }

    #[cold]
    #[inline(never)]
    fn notify_slow(&self, n: usize) -> Result<(), Error> {
        S::operation_on(&self.waiters, "Condition", "notify");
        Self::keep_ident();
        if !self.lock_is_owned() {
            return Err(Error::NotifyUnacquired);
        }
        for _ in 0..n {
            if !self.requeue(false) {
                break;
            }
        }
        Ok(())
    }

    /// Wakes every waiter.
    ///
    /// # Errors
    /// [`Error::NotifyUnacquired`] if the caller does not hold the lock.
    #[inline]
    pub fn notify_all(&self) -> Result<(), Error> {
        // As `notify`.
        if !S::SEES_ATOMICS && (self.lock.unowned_or_observed() | self.waiters.load(Relaxed)) == 0 {
            return Ok(());
        }
        self.notify_all_slow()
    }

    #[cold]
    #[inline(never)]
    fn notify_all_slow(&self) -> Result<(), Error> {
        S::operation_on(&self.waiters, "Condition", "notify_all");
        Self::keep_ident();
        if !self.lock_is_owned() {
            return Err(Error::NotifyUnacquired);
        }
        self.requeue(true);
        Ok(())
    }

    /// Asks for the caller's ident where fast paths may run, so that a scheduler that keeps it
    /// once asked (the façade's) lets the caller's next `notify` take its fast path even on a
    /// `Lock`, whose ownership test needs no ident.
    fn keep_ident() {
        if !S::SEES_ATOMICS {
            S::current_ident();
        }
    }

    /// Moves the oldest waiter (or all) from this condition's queue to the lock's queue, where the
    /// lock's release will wake them one at a time; if the lock happens to be free, wakes the
    /// first directly. Returns whether more waiters remain.
    #[cold]
    fn requeue(&self, all: bool) -> bool {
        if self.waiters.load(Relaxed) == 0 {
            return false;
        }
        let raw = self.lock.raw_lock();
        let validate = || {
            let locked = raw.mark_parked();
            match (locked, all) {
                (true, true) => RequeueOp::RequeueAll,
                (true, false) => RequeueOp::RequeueOne,
                (false, true) => RequeueOp::UnparkOneRequeueRest,
                (false, false) => RequeueOp::UnparkOne,
            }
        };
        let callback = |_op, result: crate::backend::UnparkResult| {
            self.waiters.fetch_sub(result.unparked_threads + result.requeued_threads, Relaxed);
            0
        };
        // SAFETY: both keys belong to this condition and its lock; the callbacks only touch
        // atomics, cannot panic and do not call the scheduler.
        let result = unsafe { S::unpark_requeue(self.key(), raw.park_key(), validate, callback) };
        result.have_more_threads
    }
}

impl<S: Scheduler, L: ConditionLock<S>> Release for Condition<S, L> {
    fn release_once(&self) -> Result<(), Error> {
        self.lock.release()
    }
}

impl<S: Scheduler, L: ConditionLock<S> + fmt::Debug> fmt::Debug for Condition<S, L> {
    /// `<Condition(LOCK, WAITERS)>`, as Python's `repr`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Condition({:?}, {})>", self.lock, self.waiters.load(Relaxed))
    }
}
