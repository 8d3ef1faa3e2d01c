//! std's `RwLock<T>`: many readers or one writer, with std's poisoning.

use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use crate::backend::atomic::Atomic;
use crate::backend::observe::report;
use crate::backend::{ParkResult, Scheduler};
use crate::sync::raw::{park, spin, unpark_all};

// The state word:
//
// | bits      | meaning                                                                     |
// |-----------|-----------------------------------------------------------------------------|
// | WRITER    | a writer holds the lock (then the reader count is 0)                        |
// | PARKED    | threads may be parked on the word's address: the next full release wakes all |
// | count × READER | that many readers hold the lock                                        |
//
// A reader gets in while no writer holds the lock (readers are preferred: a waiting writer
// does not stop new readers, so a thread that holds a read lock can take another). A writer
// gets in when nobody holds it. A thread that cannot get in sets PARKED and parks, if the word
// still says it cannot, checked under the queue lock; the release that leaves the lock free
// clears PARKED and wakes every parked thread, which all try again.

/// A writer holds the lock.
const WRITER: usize = 1;
/// Threads may be parked.
const PARKED: usize = 2;
/// One reader.
const READER: usize = 4;

/// std's `RwLock<T>`: any number of readers or one writer at a time over the data it owns. A
/// thread that panics while holding the write guard poisons the lock. Every lock and unlock is
/// an operation a simulator sees, shown as `RwLock`.
///
/// ```
/// # use weft_core::{RwLock, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let config = RwLock::<S, String>::new("v1".to_owned());
/// {
///     let a = config.read().unwrap();
///     let b = config.read().unwrap(); // readers share the lock
///     assert_eq!(*a, *b);
/// }
/// config.write().unwrap().push_str(".1");
/// assert_eq!(*config.read().unwrap(), "v1.1");
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct RwLock<S: Scheduler, T: ?Sized> {
    state: S::Atomic<usize>,
    /// Set by a write guard dropped while its thread panics (as std: a read guard never
    /// poisons); written only by the writer, so the lock orders every access.
    poisoned: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: as std's `RwLock<T>`: readers share `&T` across threads (`T: Sync`), a writer gets
// `&mut T` on its thread and the data moves with the lock (`T: Send`).
unsafe impl<S: Scheduler, T: ?Sized + Send> Send for RwLock<S, T> {}
// SAFETY: as above.
unsafe impl<S: Scheduler, T: ?Sized + Send + Sync> Sync for RwLock<S, T> {}

/// Shared access to the data of a read-locked [`RwLock`]; dropping it releases the read lock.
///
/// ```
/// # use weft_core::{RwLock, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let lock = RwLock::<S, u8>::new(3);
/// let guard = lock.read().unwrap();
/// assert_eq!(*guard, 3);
/// assert!(lock.try_write().is_err()); // a reader holds it
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, S: Scheduler, T: ?Sized> {
    lock: &'a RwLock<S, T>,
}

/// Exclusive access to the data of a write-locked [`RwLock`]; dropping it releases the lock
/// (and poisons it if the thread is panicking).
///
/// ```
/// # use weft_core::{RwLock, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let lock = RwLock::<S, Vec<u8>>::new(vec![]);
/// lock.write().unwrap().push(1);
/// assert_eq!(lock.read().unwrap().len(), 1);
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, S: Scheduler, T: ?Sized> {
    lock: &'a RwLock<S, T>,
    panicking: bool,
}

// SAFETY: as std's guards: sharing a guard shares `&T`.
unsafe impl<S: Scheduler, T: ?Sized + Sync> Sync for RwLockReadGuard<'_, S, T> {}
// SAFETY: as above.
unsafe impl<S: Scheduler, T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, S, T> {}

impl<S: Scheduler, T> RwLock<S, T> {
    /// An unlocked lock holding `value`.
    pub fn new(value: T) -> Self {
        RwLock { state: S::Atomic::<usize>::new(0), poisoned: AtomicBool::new(false), data: UnsafeCell::new(value) }
    }

    /// The data, consuming the lock.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the data if the lock is poisoned.
    pub fn into_inner(self) -> LockResult<T> {
        let poisoned = self.poisoned.load(Relaxed);
        let data = self.data.into_inner();
        if poisoned { Err(PoisonError::new(data)) } else { Ok(data) }
    }
}

impl<S: Scheduler, T: ?Sized> RwLock<S, T> {
    const KIND: &'static str = "RwLock";

    fn key(&self) -> usize {
        &self.state as *const S::Atomic<usize> as usize
    }

    /// The key threads blocked in [`Self::read`] or [`Self::write`] are parked on.
    pub fn wait_key(&self) -> usize {
        self.key()
    }

    /// Names this lock `label` in a simulator's traces and deadlock reports; returns it. See
    /// [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.key(), label);
        self
    }

    /// Blocks until the caller holds a read lock.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard if the lock is poisoned (it is held either way).
    ///
    /// # Panics
    /// If the number of readers would overflow a word.
    #[inline]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, S, T>> {
        S::blocking_operation_on(&self.state, Self::KIND, "read", &|| self.state.load(Relaxed) & WRITER == 0);
        if !self.try_read_word() {
            self.acquire(Self::try_read_word, |state| state & WRITER != 0);
        }
        self.shared_update();
        S::acquires(self.key());
        self.poison_check(RwLockReadGuard { lock: self })
    }

    /// Blocks until the caller holds the write lock.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard if the lock is poisoned (it is held either way).
    #[inline]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, S, T>> {
        S::blocking_operation_on(&self.state, Self::KIND, "write", &|| self.state.load(Relaxed) & !PARKED == 0);
        if !self.try_write_word() {
            self.acquire(Self::try_write_word, |state| state & !PARKED != 0);
        }
        S::acquires(self.key());
        self.poison_check(RwLockWriteGuard { lock: self, panicking: S::panicking() })
    }

    /// Takes a read lock if no writer holds the lock. Never blocks.
    ///
    /// # Errors
    /// `Err(TryLockError::WouldBlock)` if a writer holds it; `Err(TryLockError::Poisoned)`
    /// carrying the guard if it was taken but is poisoned.
    ///
    /// # Panics
    /// If the number of readers would overflow a word.
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, S, T>> {
        S::operation_on(&self.state, Self::KIND, "try_read");
        if !report::<S>(self.key(), self.try_read_word(), "acquired", "busy") {
            return Err(TryLockError::WouldBlock);
        }
        self.shared_update();
        S::acquires(self.key());
        Ok(self.poison_check(RwLockReadGuard { lock: self })?)
    }

    /// Takes the write lock if nobody holds the lock. Never blocks.
    ///
    /// # Errors
    /// `Err(TryLockError::WouldBlock)` if anyone holds it; `Err(TryLockError::Poisoned)`
    /// carrying the guard if it was taken but is poisoned.
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, S, T>> {
        S::operation_on(&self.state, Self::KIND, "try_write");
        if !report::<S>(self.key(), self.try_write_word(), "acquired", "busy") {
            return Err(TryLockError::WouldBlock);
        }
        S::acquires(self.key());
        Ok(self.poison_check(RwLockWriteGuard { lock: self, panicking: S::panicking() })?)
    }

    #[inline]
    fn try_read_word(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        loop {
            if state & WRITER != 0 {
                return false;
            }
            let next = state.checked_add(READER).expect("weft: too many readers of one RwLock");
            match self.state.compare_exchange_weak(state, next, Acquire, Relaxed) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    #[inline]
    fn try_write_word(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        loop {
            if state & !PARKED != 0 {
                return false;
            }
            match self.state.compare_exchange_weak(state, state | WRITER, Acquire, Relaxed) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    /// Tells a simulator that the read acquire or read release the calling thread's operation
    /// just made commutes with the others (`Observe::commutes`): each adds to or takes from the
    /// count of readers, which any order of them leaves the same, and none of them fails or
    /// waits while no writer holds the lock (a writer's acquire and release are writes, which
    /// do not commute with them). So readers need no exploring of their orders.
    #[inline(always)]
    fn shared_update(&self) {
        S::commutes(self.key(), 1, usize::MAX);
    }

    /// Tries `take` until it succeeds, parking while `busy(state)` holds (after a short spin,
    /// as the raw lock does, while nobody is parked yet; none under a simulator).
    #[cold]
    fn acquire(&self, take: fn(&Self) -> bool, busy: fn(usize) -> bool) {
        let mut spins = 0;
        loop {
            if take(self) {
                return;
            }
            let state = self.state.load(Relaxed);
            if !busy(state) {
                continue;
            }
            if state & PARKED == 0 && spin::<S>(spins) {
                spins += 1;
                continue;
            }
            if state & PARKED == 0 && self.state.compare_exchange(state, state | PARKED, Relaxed, Relaxed).is_err() {
                continue;
            }
            let validate = || {
                let state = self.state.load(Relaxed);
                state & PARKED != 0 && busy(state)
            };
            // SAFETY: the key is this lock's own address; `validate` only loads an atomic; the
            // other callbacks do nothing.
            let result = unsafe { park::<S>(self.key(), validate, || {}, |_, _| {}, 0, None) };
            debug_assert!(!matches!(result, ParkResult::TimedOut), "no deadline");
        }
    }

    /// Releases what `release` (a subtraction from the word) held, and wakes every parked
    /// thread if that left the lock free with threads parked.
    #[inline]
    fn release(&self, held: usize) {
        let previous = self.state.fetch_sub(held, Release);
        if previous - held == PARKED {
            self.wake_parked();
        }
        S::releases(self.key());
    }

    /// The lock is free and threads are parked: wakes them all, unless another thread took the
    /// lock meanwhile (its release will).
    #[cold]
    fn wake_parked(&self) {
        if self.state.compare_exchange(PARKED, 0, Relaxed, Relaxed).is_ok() {
            // SAFETY: the key is this lock's own address; no callbacks.
            unsafe { unpark_all::<S>(self.key(), 0) };
        }
    }

    #[inline]
    fn poison_check<G>(&self, guard: G) -> LockResult<G> {
        if self.poisoned.load(Relaxed) { Err(PoisonError::new(guard)) } else { Ok(guard) }
    }

    /// Whether a writer panicked while holding the lock (and [`Self::clear_poison`] has not run
    /// since). A snapshot, as std's.
    pub fn is_poisoned(&self) -> bool {
        S::operation_on(&self.state, Self::KIND, "is_poisoned");
        self.poisoned.load(Relaxed)
    }

    /// Clears the poison flag.
    pub fn clear_poison(&self) {
        S::operation_on(&self.state, Self::KIND, "clear_poison");
        self.poisoned.store(false, Relaxed);
    }

    /// The data, through exclusive access (no lock needed, no event).
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the reference if the lock is poisoned.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        let poisoned = *self.poisoned.get_mut();
        let data = self.data.get_mut();
        if poisoned { Err(PoisonError::new(data)) } else { Ok(data) }
    }
}

impl<S: Scheduler, T: ?Sized> Deref for RwLockReadGuard<'_, S, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while its thread holds a read lock: no writer holds it,
        // so nobody has `&mut T`, and `&self` keeps the read lock for the reference's life.
        unsafe { &*self.lock.data.get() }
    }
}

impl<S: Scheduler, T: ?Sized> Deref for RwLockWriteGuard<'_, S, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while its thread holds the write lock: nobody else has
        // any reference to the data, and `&self` keeps the lock for the reference's life.
        unsafe { &*self.lock.data.get() }
    }
}

impl<S: Scheduler, T: ?Sized> DerefMut for RwLockWriteGuard<'_, S, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference through the guard.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<S: Scheduler, T: ?Sized> Drop for RwLockReadGuard<'_, S, T> {
    #[inline]
    fn drop(&mut self) {
        S::release_operation_on(&self.lock.state, RwLock::<S, T>::KIND, "read_unlock", self.lock, |lock| {
            lock.release(READER);
            lock.shared_update();
        });
    }
}

impl<S: Scheduler, T: ?Sized> Drop for RwLockWriteGuard<'_, S, T> {
    #[inline]
    fn drop(&mut self) {
        S::release_operation_on(&self.lock.state, RwLock::<S, T>::KIND, "write_unlock", self, |guard: &Self| {
            if !guard.panicking && S::panicking() {
                guard.lock.poisoned.store(true, Relaxed);
            }
            guard.lock.release(WRITER);
        });
    }
}

impl<S: Scheduler, T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<S: Scheduler, T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<S: Scheduler, T: Default> Default for RwLock<S, T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<S: Scheduler, T> From<T> for RwLock<S, T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<S: Scheduler, T: ?Sized + fmt::Debug> fmt::Debug for RwLock<S, T> {
    /// As std's: the data if a read lock can be had at once, `<locked>` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            Err(TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.poisoned.load(Ordering::Relaxed));
        d.finish_non_exhaustive()
    }
}
