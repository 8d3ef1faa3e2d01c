//! `threading.Lock` and `threading.RLock`, their guard, and the hand-off a `Condition` needs.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use crate::backend::Scheduler;
use crate::backend::atomic::Atomic;
use crate::backend::observe::report;
use crate::error::Error;
use crate::sync::raw::RawLock;
use crate::timeout::{TIMEOUT_MAX, deadline};

/// Something a [`Guard`] releases when it is dropped: [`Lock`], [`RLock`], a
/// [`crate::Condition`].
///
/// ```
/// # use weft_core::{Lock, Release, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let lock = Lock::<S>::new();
/// lock.acquire();
/// lock.release_once().unwrap(); // what the guard's drop does
/// assert!(!lock.locked());
/// assert_eq!(lock.release_once().unwrap_err().kind(), weft_core::ExceptionKind::RuntimeError);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub trait Release {
    /// Releases once.
    ///
    /// # Errors
    /// The primitive's release error (for example releasing a lock another thread already
    /// released).
    fn release_once(&self) -> Result<(), Error>;
}

/// Python's `with` statement: holds a primitive acquired by `lock()` / `guard()` and releases it
/// when dropped, also while unwinding from a panic.
///
/// ```
/// # use std::panic::{catch_unwind, AssertUnwindSafe};
/// # use weft_core::{Lock, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let lock = Lock::<S>::new();
/// {
///     let _held = lock.lock(); // `with lock:`
///     assert!(lock.locked());
/// } // released here
/// assert!(!lock.locked());
/// let panicked = catch_unwind(AssertUnwindSafe(|| {
///     let _held = lock.lock();
///     panic!("inside the critical section");
/// }));
/// assert!(panicked.is_err());
/// assert!(!lock.locked()); // released while unwinding
/// # }
/// # demo::<weft_real::Real>();
/// ```
///
/// # Panics
/// Dropping the guard panics if the release fails (for example someone released the lock behind
/// the guard's back), unless the thread is already panicking.
#[must_use = "the primitive is released as soon as the guard is dropped"]
pub struct Guard<'a, P: Release + ?Sized> {
    primitive: &'a P,
}

impl<'a, P: Release + ?Sized> Guard<'a, P> {
    pub(crate) fn new(primitive: &'a P) -> Self {
        Guard { primitive }
    }
}

impl<P: Release + ?Sized> Drop for Guard<'_, P> {
    fn drop(&mut self) {
        if let Err(error) = self.primitive.release_once() {
            if !std::thread::panicking() {
                panic!("{}: {error}", error.kind());
            }
        }
    }
}

impl<P: Release + ?Sized> fmt::Debug for Guard<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Guard")
    }
}

/// A primitive lock (Python's `threading.Lock`): not reentrant, no owner — any thread may release
/// it.
///
/// ```
/// # use weft_core::{Lock, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let lock = Lock::<S>::new();
/// assert!(lock.acquire());
/// assert!(!lock.try_acquire());
/// lock.release().unwrap();
/// {
///     let _held = lock.lock();
///     assert!(lock.locked());
/// }
/// assert!(!lock.locked());
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Lock<S: Scheduler> {
    raw: RawLock<S>,
}

/// Tells the scheduler that the calling thread took the lock at `key` if `taken`; returns
/// `taken`.
#[inline(always)]
fn took<S: Scheduler>(key: usize, taken: bool) -> bool {
    if taken {
        S::acquires(key);
    }
    taken
}

impl<S: Scheduler> Lock<S> {
    /// Names this lock `label` in a simulator's traces and deadlock reports (`accounts`
    /// instead of `Lock#1`), for the rest of the execution or until it is dropped; returns
    /// the lock. Every primitive has this method (`Lock`, `RLock`, `Condition`, `Semaphore`,
    /// `BoundedSemaphore`, `Event`, `Barrier`, `AtomicUsize`, `AtomicBool`; threads show under
    /// their names). A simulator knows an object by its address: label it once it is in place
    /// (in an `Arc`, a `static`, a struct that no longer moves), in the model, so that every
    /// execution labels it. On real threads it does nothing.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use weft_core::{Lock, Scheduler};
    /// # fn demo<S: Scheduler>() {
    /// let accounts = Arc::new(Lock::<S>::new());
    /// accounts.label("accounts");
    /// let _held = accounts.lock();
    /// // In a simulation, the trace now reads `accounts  acquire`.
    /// # }
    /// # demo::<weft_real::Real>();
    /// ```
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.raw.park_key(), label);
        self
    }

    /// A new, unlocked lock.
    #[inline]
    pub fn new() -> Self {
        Lock { raw: RawLock::new() }
    }

    /// Blocks until the lock is taken. Returns true.
    #[inline]
    pub fn acquire(&self) -> bool {
        S::blocking_operation_on(self.raw.cell(), "Lock", "acquire", &|| !self.raw.is_locked());
        self.raw.lock();
        S::acquires(self.raw.park_key());
        true
    }

    /// Takes the lock if it is free (Python's `acquire(blocking=False)`).
    #[inline]
    pub fn try_acquire(&self) -> bool {
        S::operation_on(self.raw.cell(), "Lock", "try_acquire");
        let taken = took::<S>(self.raw.park_key(), self.raw.try_lock());
        report::<S>(self.raw.park_key(), taken, "acquired", "busy")
    }

    /// Waits at most `timeout` for the lock; a zero timeout is a single try. Returns whether the
    /// lock was taken. A failed attempt leaves no trace.
    ///
    /// # Errors
    /// [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
    #[inline]
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        let key = self.raw.park_key();
        if timeout.is_zero() || timeout > TIMEOUT_MAX {
            S::operation_on(self.raw.cell(), "Lock", "acquire_timeout");
            if timeout > TIMEOUT_MAX {
                return Err(Error::TimeoutTooLarge);
            }
            return Ok(report::<S>(key, took::<S>(key, self.raw.try_lock()), "acquired", "busy"));
        }
        // A simulator waits itself, as for `acquire`, up to the timeout; elsewhere the lock parks.
        let ready = || !self.raw.is_locked();
        let taken = match S::blocking_operation_on_for(self.raw.cell(), "Lock", "acquire_timeout", &ready, timeout) {
            Some(true) => {
                self.raw.lock();
                true
            }
            Some(false) => false,
            None => self.raw.lock_until(deadline::<S>(timeout)?),
        };
        Ok(report::<S>(key, took::<S>(key, taken), "acquired", "timed out"))
    }

    /// Releases the lock, letting one waiter in. Any thread may release it.
    ///
    /// # Errors
    /// [`Error::ReleaseUnlocked`] if the lock is not locked.
    #[inline]
    pub fn release(&self) -> Result<(), Error> {
        S::release_operation_on(self.raw.cell(), "Lock", "release", self, |lock: &Self| {
            if lock.raw.unlock() {
                S::releases(lock.raw.park_key());
                Ok(())
            } else {
                S::outcome(lock.raw.park_key(), "error: release unlocked lock");
                Err(Error::ReleaseUnlocked)
            }
        })
    }

    /// Whether the lock is held (by any thread).
    #[inline]
    pub fn locked(&self) -> bool {
        S::operation_on(self.raw.cell(), "Lock", "locked");
        self.raw.is_locked()
    }

    /// Acquires the lock and returns a guard that releases it when dropped (Python's `with lock:`).
    #[inline]
    pub fn lock(&self) -> Guard<'_, Self> {
        S::blocking_operation_on(self.raw.cell(), "Lock", "acquire", &|| !self.raw.is_locked());
        self.raw.lock();
        S::acquires(self.raw.park_key());
        Guard::new(self)
    }

    /// The key threads blocked on this lock are parked on.
    pub fn wait_key(&self) -> usize {
        self.raw.park_key()
    }
}

impl<S: Scheduler> Default for Lock<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler> Release for Lock<S> {
    #[inline]
    fn release_once(&self) -> Result<(), Error> {
        self.release()
    }
}

impl<S: Scheduler> fmt::Debug for Lock<S> {
    /// `<unlocked Lock object>` / `<locked Lock object>`, as Python's `repr` without the address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(f, "<{state} Lock object>")
    }
}

/// A reentrant lock (Python's `threading.RLock`): the owner may acquire it again; it is free once
/// the owner released it as many times as it acquired it. Only the owner may release it.
///
/// ```
/// # use weft_core::{RLock, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let lock = RLock::<S>::new();
/// lock.acquire();
/// lock.acquire();
/// assert_eq!(lock.recursion_count(), 2);
/// lock.release().unwrap();
/// lock.release().unwrap();
/// assert!(lock.release().is_err()); // "cannot release un-acquired lock"
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct RLock<S: Scheduler> {
    raw: RawLock<S>,
    owner: S::Atomic<usize>,
    count: S::Atomic<usize>,
}

/// What [`RLock::release_save`] hands back: the recursion level and the owner, to restore exactly.
///
/// ```
/// # use weft_core::{RLock, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let lock = RLock::<S>::new();
/// lock.acquire();
/// lock.acquire();
/// let saved = lock.release_save().unwrap(); // every level at once, as `Condition.wait` does
/// assert_eq!((saved.count, saved.owner), (2, weft_core::get_ident::<S>()));
/// assert!(!lock.locked());
/// lock.acquire_restore(saved);
/// assert_eq!(lock.recursion_count(), 2);
/// # lock.release().unwrap();
/// # lock.release().unwrap();
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RLockState {
    /// The recursion level.
    pub count: usize,
    /// The owner's ident.
    pub owner: usize,
}

impl<S: Scheduler> RLock<S> {
    /// Names this lock `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.raw.park_key(), label);
        self
    }

    /// A new, unlocked reentrant lock.
    #[inline]
    pub fn new() -> Self {
        RLock { raw: RawLock::new(), owner: S::Atomic::<usize>::new(0), count: S::Atomic::<usize>::new(0) }
    }

    #[inline]
    fn owned_by_caller(&self) -> Option<usize> {
        let me = S::current_ident();
        (self.owner.load(Relaxed) == me).then_some(me)
    }

    /// Whether the lock is free or owned by `me` (0: free only), the readiness test of a
    /// blocking acquire. It reads the whole state (the level too, though it decides nothing):
    /// what a simulator learns a release wrote, and lets through (see `Observe::releases`).
    /// A lock still locked after its owner was cleared (a release under way) is not free.
    fn free_or_owned_by(&self, me: usize) -> bool {
        let locked = self.raw.is_locked();
        let owner = self.owner.load(Relaxed);
        let _level = self.count.load(Relaxed);
        !locked || (me != 0 && owner == me)
    }

    /// One more level for the owner. Only the owner changes the count while it holds the lock:
    /// a load and a store, no read-modify-write.
    #[inline]
    fn reenter(&self) {
        self.count.store(self.count.load(Relaxed) + 1, Relaxed);
    }

    /// Makes `me` the owner at level 1 of the lock it just locked.
    #[inline]
    fn own(&self, me: usize) {
        self.owner.store(me, Relaxed);
        self.count.store(1, Relaxed);
    }

    #[inline]
    fn take(&self, me: usize) {
        self.own(me);
        S::acquires(self.raw.park_key());
    }

    /// Drops one level of the caller's hold; true if that freed the lock.
    #[inline]
    fn leave(&self) -> bool {
        let count = self.count.load(Relaxed) - 1;
        self.count.store(count, Relaxed);
        if count == 0 {
            self.owner.store(0, Relaxed);
            self.raw.unlock();
        }
        count == 0
    }

    /// Blocks until the caller owns the lock (at once if it already does). Returns true.
    #[inline(always)]
    pub fn acquire(&self) -> bool {
        // Unobserved (real threads), a re-entry or a free lock needs no announcement. (Under a
        // simulator, whose `unobserved_ident` is the constant `usize::MAX`, nothing is loaded
        // before the operation is announced: a load there would belong to the caller's previous
        // step.)
        let me = S::unobserved_ident();
        if me != usize::MAX {
            if self.owner.load(Relaxed) == me {
                self.reenter();
                return true;
            }
            if me != usize::MAX && self.raw.try_lock() {
                self.own(me);
                return true;
            }
        }
        self.acquire_announced()
    }

    /// [`RLock::acquire`] with its announcements to the scheduler.
    #[inline]
    fn acquire_announced(&self) -> bool {
        let me = S::current_ident();
        S::blocking_operation_on(self.raw.cell(), "RLock", "acquire", &|| self.free_or_owned_by(me));
        self.enter_ready(me);
        true
    }

    /// Enters the lock that a blocking operation found free or the caller's (`me`), without
    /// blocking: re-enters it, or takes it.
    #[inline]
    fn enter_ready(&self, me: usize) {
        if self.owner.load(Relaxed) == me {
            self.reenter();
        } else {
            self.raw.lock();
            self.take(me);
        }
    }

    /// Takes the lock if it is free or already the caller's. Never blocks.
    #[inline]
    pub fn try_acquire(&self) -> bool {
        S::operation_on(self.raw.cell(), "RLock", "try_acquire");
        let me = S::current_ident();
        if self.owner.load(Relaxed) == me {
            self.reenter();
            true
        } else if self.raw.try_lock() {
            self.take(me);
            true
        } else {
            false
        }
    }

    /// Waits at most `timeout` for the lock (a zero timeout is a single try).
    ///
    /// # Errors
    /// [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        let me = S::current_ident();
        if timeout.is_zero() || timeout > TIMEOUT_MAX {
            S::operation_on(self.raw.cell(), "RLock", "acquire_timeout");
            if timeout > TIMEOUT_MAX {
                return Err(Error::TimeoutTooLarge);
            }
        } else {
            // A simulator waits itself, as for `acquire`, up to the timeout.
            let ready = || self.free_or_owned_by(me);
            match S::blocking_operation_on_for(self.raw.cell(), "RLock", "acquire_timeout", &ready, timeout) {
                Some(true) => {
                    self.enter_ready(me);
                    return Ok(true);
                }
                Some(false) => return Ok(report::<S>(self.raw.park_key(), false, "", "timed out")),
                None => {}
            }
        }
        if self.owner.load(Relaxed) == me {
            self.reenter();
            return Ok(true);
        }
        let taken = if timeout.is_zero() { self.raw.try_lock() } else { self.raw.lock_until(deadline::<S>(timeout)?) };
        report::<S>(self.raw.park_key(), taken, "acquired", "timed out");
        if taken {
            self.take(me);
        }
        Ok(taken)
    }

    /// Releases one level; the last release frees the lock and lets one waiter in.
    ///
    /// # Errors
    /// [`Error::ReleaseUnacquired`] if the caller does not own the lock.
    #[inline(always)]
    pub fn release(&self) -> Result<(), Error> {
        // Unobserved (real threads), the owner's release needs no announcement (nothing loaded
        // before the announcement under a simulator, as in `acquire`).
        let me = S::unobserved_ident();
        if me != usize::MAX && self.owner.load(Relaxed) == me {
            self.leave();
            return Ok(());
        }
        self.release_announced()
    }

    /// [`RLock::release`] with its announcements to the scheduler.
    fn release_announced(&self) -> Result<(), Error> {
        S::release_operation_on(self.raw.cell(), "RLock", "release", self, |lock: &Self| {
            if lock.owned_by_caller().is_none() {
                S::outcome(lock.raw.park_key(), "error: cannot release un-acquired lock");
                return Err(Error::ReleaseUnacquired);
            }
            if lock.leave() {
                S::releases(lock.raw.park_key());
            }
            Ok(())
        })
    }

    /// Whether any thread holds the lock.
    #[inline]
    pub fn locked(&self) -> bool {
        S::operation_on(self.raw.cell(), "RLock", "locked");
        self.raw.is_locked()
    }

    /// Whether the caller holds the lock (Python's `_is_owned()`).
    #[inline]
    pub fn is_owned(&self) -> bool {
        S::operation_on(self.raw.cell(), "RLock", "is_owned");
        self.owned_by_caller().is_some()
    }

    /// The caller's recursion level: 0 if it does not own the lock (Python's
    /// `_recursion_count()`).
    pub fn recursion_count(&self) -> usize {
        if self.is_owned() { self.count.load(Relaxed) } else { 0 }
    }

    /// Releases every level at once and returns them, for [`RLock::acquire_restore`] (Python's
    /// `_release_save()`, what `Condition.wait` uses).
    ///
    /// # Errors
    /// [`Error::ReleaseUnacquired`] if the caller does not own the lock.
    pub fn release_save(&self) -> Result<RLockState, Error> {
        S::operation_on(self.raw.cell(), "RLock", "release_save");
        let owner = self.owned_by_caller().ok_or(Error::ReleaseUnacquired)?;
        let count = self.count.swap(0, Relaxed);
        self.owner.store(0, Relaxed);
        self.raw.unlock();
        S::releases(self.raw.park_key());
        Ok(RLockState { count, owner })
    }

    /// Blocks until the lock is free, then restores exactly the saved owner and level (Python's
    /// `_acquire_restore()`).
    pub fn acquire_restore(&self, state: RLockState) {
        S::blocking_operation_on(self.raw.cell(), "RLock", "acquire_restore", &|| self.free_or_owned_by(0));
        self.raw.lock();
        S::acquires(self.raw.park_key());
        self.owner.store(state.owner, Relaxed);
        self.count.store(state.count, Relaxed);
    }

    /// Acquires the lock and returns a guard that releases one level when dropped.
    #[inline]
    pub fn lock(&self) -> Guard<'_, Self> {
        self.acquire();
        Guard::new(self)
    }

    /// The key threads blocked on this lock are parked on.
    pub fn wait_key(&self) -> usize {
        self.raw.park_key()
    }
}

impl<S: Scheduler> Default for RLock<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler> Release for RLock<S> {
    #[inline]
    fn release_once(&self) -> Result<(), Error> {
        self.release()
    }
}

impl<S: Scheduler> fmt::Debug for RLock<S> {
    /// `<unlocked RLock object owner=0 count=0>` / `<locked RLock object owner=IDENT count=N>`:
    /// the real level, whichever thread asks.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(f, "<{state} RLock object owner={} count={}>", self.owner.load(Relaxed), self.count.load(Relaxed))
    }
}

/// A lock a [`crate::Condition`] can be built on: [`Lock`], [`RLock`], or a shared reference to
/// one (`&L`, `Arc<L>`).
///
/// ```
/// # use std::sync::Arc;
/// # use weft_core::{Condition, Lock, Scheduler};
/// # fn demo<S: Scheduler>() {
/// // A condition on a plain `Lock` that other code shares through an `Arc`.
/// let lock = Arc::new(Lock::<S>::new());
/// let cond = Condition::<S, Arc<Lock<S>>>::with_lock(lock.clone());
/// let _held = cond.lock();
/// assert!(lock.locked()); // the condition's lock is that lock
/// cond.notify_all().unwrap();
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub trait ConditionLock<S: Scheduler> {
    /// What releasing completely hands back, to restore after waiting.
    type Saved;
    /// Blocks until acquired; returns true.
    fn acquire(&self) -> bool;
    /// Acquires if possible without blocking.
    fn try_acquire(&self) -> bool;
    /// Acquires within `timeout`.
    ///
    /// # Errors
    /// [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
    fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error>;
    /// Releases once.
    ///
    /// # Errors
    /// The lock's own release error.
    fn release(&self) -> Result<(), Error>;
    /// Whether any thread holds it.
    fn locked(&self) -> bool;
    /// Whether the caller may wait and notify: for an `RLock` the caller owns it; for a plain
    /// `Lock` someone holds it (Python cannot tell who).
    fn is_owned(&self) -> bool;
    /// Releases completely.
    ///
    /// # Errors
    /// [`Error::ReleaseUnacquired`] (RLock not owned) or [`Error::ReleaseUnlocked`] (Lock free).
    fn release_save(&self) -> Result<Self::Saved, Error>;
    /// Re-acquires and restores what [`ConditionLock::release_save`] saved.
    fn acquire_restore(&self, saved: Self::Saved);
    /// The raw lock underneath, whose queue notified waiters are moved onto.
    #[doc(hidden)]
    fn raw_lock(&self) -> &RawLock<S>;
    /// [`ConditionLock::is_owned`] for fast paths, asked only where the scheduler does not see
    /// atomics ([`crate::Observe::SEES_ATOMICS`] is false): zero only if the caller may notify and the
    /// scheduler is surely not [observing](Scheduler::observing) it; nonzero when in doubt (the
    /// caller then takes its slow path, which announces and asks `is_owned`). Branch-free,
    /// announces nothing.
    #[doc(hidden)]
    fn unowned_or_observed(&self) -> usize;
}

impl<S: Scheduler> ConditionLock<S> for Lock<S> {
    type Saved = ();
    fn acquire(&self) -> bool {
        Lock::acquire(self)
    }
    fn try_acquire(&self) -> bool {
        Lock::try_acquire(self)
    }
    fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        Lock::acquire_timeout(self, timeout)
    }
    fn release(&self) -> Result<(), Error> {
        Lock::release(self)
    }
    fn locked(&self) -> bool {
        Lock::locked(self)
    }
    #[inline]
    fn is_owned(&self) -> bool {
        self.locked()
    }
    fn release_save(&self) -> Result<(), Error> {
        self.release()
    }
    fn acquire_restore(&self, _saved: ()) {
        S::blocking_operation_on(self.raw.cell(), "Lock", "acquire_restore", &|| !self.raw.is_locked());
        self.raw.lock();
        S::acquires(self.raw.park_key());
    }
    fn raw_lock(&self) -> &RawLock<S> {
        &self.raw
    }
    #[inline(always)]
    fn unowned_or_observed(&self) -> usize {
        // Python's test for a Lock: locked by anyone.
        self.raw.unlocked_word() | S::observed_word()
    }
}

impl<S: Scheduler> ConditionLock<S> for RLock<S> {
    type Saved = RLockState;
    fn acquire(&self) -> bool {
        RLock::acquire(self)
    }
    fn try_acquire(&self) -> bool {
        RLock::try_acquire(self)
    }
    fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        RLock::acquire_timeout(self, timeout)
    }
    fn release(&self) -> Result<(), Error> {
        RLock::release(self)
    }
    fn locked(&self) -> bool {
        RLock::locked(self)
    }
    #[inline]
    fn is_owned(&self) -> bool {
        RLock::is_owned(self)
    }
    fn release_save(&self) -> Result<RLockState, Error> {
        RLock::release_save(self)
    }
    fn acquire_restore(&self, saved: RLockState) {
        RLock::acquire_restore(self, saved)
    }
    fn raw_lock(&self) -> &RawLock<S> {
        &self.raw
    }
    #[inline(always)]
    fn unowned_or_observed(&self) -> usize {
        // `usize::MAX` (observed, or in doubt) is never an owner.
        self.owner.load(Relaxed) ^ S::unobserved_ident()
    }
}

macro_rules! forward_condition_lock {
    ($($ty:ty),*) => {$(
        impl<S: Scheduler, L: ConditionLock<S> + ?Sized> ConditionLock<S> for $ty {
            type Saved = L::Saved;
            fn acquire(&self) -> bool {
                (**self).acquire()
            }
            fn try_acquire(&self) -> bool {
                (**self).try_acquire()
            }
            fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error> {
                (**self).acquire_timeout(timeout)
            }
            fn release(&self) -> Result<(), Error> {
                (**self).release()
            }
            fn locked(&self) -> bool {
                (**self).locked()
            }
            fn is_owned(&self) -> bool {
                (**self).is_owned()
            }
            fn release_save(&self) -> Result<L::Saved, Error> {
                (**self).release_save()
            }
            fn acquire_restore(&self, saved: L::Saved) {
                (**self).acquire_restore(saved)
            }
            fn raw_lock(&self) -> &RawLock<S> {
                (**self).raw_lock()
            }
            #[inline(always)]
            fn unowned_or_observed(&self) -> usize {
                (**self).unowned_or_observed()
            }
        }
    )*};
}

forward_condition_lock!(&L, Arc<L>);
