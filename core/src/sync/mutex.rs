//! std's `Mutex<T>`: mutual exclusion over the data it owns, with std's poisoning, on the raw
//! lock under every weft lock.

use std::cell::UnsafeCell;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{LockResult, PoisonError, TryLockError, TryLockResult};

use crate::backend::Scheduler;
use crate::backend::observe::report;
use crate::sync::raw::RawLock;

/// std's `Mutex<T>`: a lock that owns the data it protects, handing it out through a
/// [`MutexGuard`]. A thread that panics while it holds the guard *poisons* the mutex: later
/// `lock`s return `Err(PoisonError)`, which still carries the guard. Each `lock`, `try_lock` and
/// unlock is an operation a simulator sees, shown as `Mutex` in traces and deadlock reports.
///
/// ```
/// # use std::sync::Arc;
/// # use weft_core::{Mutex, Scheduler, Thread};
/// # fn demo<S: Scheduler>() {
/// let total = Arc::new(Mutex::<S, u32>::new(0));
/// let t = total.clone();
/// let worker = Thread::<S>::new(move || *t.lock().unwrap() += 2);
/// worker.start().unwrap();
/// *total.lock().unwrap() += 1;
/// worker.join().unwrap();
/// assert_eq!(*total.lock().unwrap(), 3);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Mutex<S: Scheduler, T: ?Sized> {
    pub(crate) raw: RawLock<S>,
    /// Set by a guard dropped while its thread panics; read and written only by the lock's
    /// holder (or through `&mut`), so the lock orders every access.
    poisoned: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: as std's `Mutex<T>`: the mutex hands out `&mut T` to one thread at a time (the raw
// lock's holder), so sharing it needs only `T: Send`, and sending it sends the `T`.
unsafe impl<S: Scheduler, T: ?Sized + Send> Send for Mutex<S, T> {}
// SAFETY: as above.
unsafe impl<S: Scheduler, T: ?Sized + Send> Sync for Mutex<S, T> {}

/// Access to the data of a locked [`Mutex`]; dropping it unlocks the mutex (and poisons it if
/// the thread is panicking).
///
/// ```
/// # use weft_core::{Mutex, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let names = Mutex::<S, Vec<&str>>::new(vec![]);
/// let mut guard = names.lock().unwrap();
/// guard.push("ada");
/// drop(guard); // unlocks
/// assert_eq!(names.lock().unwrap().len(), 1);
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, S: Scheduler, T: ?Sized> {
    pub(crate) mutex: &'a Mutex<S, T>,
    /// Whether the thread was panicking when it took the lock: a guard dropped by the same
    /// unwinding does not poison (as std).
    panicking: bool,
}

// SAFETY: as std's `MutexGuard`: sharing the guard shares `&T`, which needs `T: Sync`.
unsafe impl<S: Scheduler, T: ?Sized + Sync> Sync for MutexGuard<'_, S, T> {}

impl<S: Scheduler, T> Mutex<S, T> {
    /// An unlocked mutex holding `value`.
    pub fn new(value: T) -> Self {
        Mutex { raw: RawLock::new(), poisoned: AtomicBool::new(false), data: UnsafeCell::new(value) }
    }

    /// The data, consuming the mutex.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the data if the mutex is poisoned.
    pub fn into_inner(self) -> LockResult<T> {
        let poisoned = self.poisoned.load(Relaxed);
        let data = self.data.into_inner();
        if poisoned { Err(PoisonError::new(data)) } else { Ok(data) }
    }
}

impl<S: Scheduler, T: ?Sized> Mutex<S, T> {
    /// Names this mutex `label` in a simulator's traces and deadlock reports; returns it. See
    /// [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.raw.park_key(), label);
        self
    }

    /// Blocks until the mutex is locked by the caller, and returns the guard.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard if the mutex is poisoned (the lock is held either
    /// way).
    ///
    /// # Panics
    /// Never by itself; a thread that locks a mutex it holds deadlocks (a simulator reports it).
    #[inline]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, S, T>> {
        S::blocking_operation_on(self.raw.cell(), "Mutex", "lock", &|| !self.raw.is_locked());
        self.raw.lock();
        S::acquires(self.raw.park_key());
        self.guard()
    }

    /// Locks the mutex if it is free. Never blocks.
    ///
    /// # Errors
    /// `Err(TryLockError::WouldBlock)` if another holder has it; `Err(TryLockError::Poisoned)`
    /// carrying the guard if it was taken but is poisoned.
    #[inline]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, S, T>> {
        S::operation_on(self.raw.cell(), "Mutex", "try_lock");
        let key = self.raw.park_key();
        let taken = self.raw.try_lock();
        if taken {
            S::acquires(key);
        }
        if !report::<S>(key, taken, "acquired", "busy") {
            return Err(TryLockError::WouldBlock);
        }
        Ok(self.guard()?)
    }

    /// The guard of a lock just taken, poisoned or not.
    fn guard(&self) -> LockResult<MutexGuard<'_, S, T>> {
        let guard = MutexGuard { mutex: self, panicking: S::panicking() };
        if self.poisoned.load(Relaxed) { Err(PoisonError::new(guard)) } else { Ok(guard) }
    }

    /// Whether a thread panicked while holding the mutex (and [`Self::clear_poison`] has not
    /// run since). A snapshot, as std's.
    pub fn is_poisoned(&self) -> bool {
        S::operation_on(self.raw.cell(), "Mutex", "is_poisoned");
        self.poisoned.load(Relaxed)
    }

    /// [`Self::is_poisoned`] without the announcement, for the holder (a [`crate::Condvar`]
    /// wait that took the lock back).
    pub(crate) fn poisoned_unannounced(&self) -> bool {
        self.poisoned.load(Relaxed)
    }

    /// Clears the poison flag.
    pub fn clear_poison(&self) {
        S::operation_on(self.raw.cell(), "Mutex", "clear_poison");
        self.poisoned.store(false, Relaxed);
    }

    /// The data, through exclusive access (no lock needed, no event).
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the reference if the mutex is poisoned.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        let poisoned = *self.poisoned.get_mut();
        let data = self.data.get_mut();
        if poisoned { Err(PoisonError::new(data)) } else { Ok(data) }
    }

    /// The key threads blocked in [`Self::lock`] are parked on.
    pub fn wait_key(&self) -> usize {
        self.raw.park_key()
    }
}

impl<S: Scheduler, T: ?Sized> MutexGuard<'_, S, T> {
    /// Unlocks without the announcement or the poisoning of a drop: for [`crate::Condvar`],
    /// which unlocks while it waits and takes the lock back before it returns the guard.
    pub(crate) fn unlock_for_wait(&self) {
        // The step writes the mutex, as an unlock does: a simulator that does not see the raw
        // lock's atomics (the façade's) learns it from this touch, or a reduction would take a
        // wait and the mutex's next holder for independent.
        S::touch(self.mutex.raw.park_key());
        self.mutex.raw.unlock();
        S::releases(self.mutex.raw.park_key());
    }

    /// Takes the lock back after [`Self::unlock_for_wait`].
    pub(crate) fn relock_after_wait(&self) {
        self.mutex.raw.lock();
        // As in `unlock_for_wait`: the step that takes the mutex back writes it.
        S::touch(self.mutex.raw.park_key());
        S::acquires(self.mutex.raw.park_key());
    }
}

impl<S: Scheduler, T: ?Sized> Deref for MutexGuard<'_, S, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard exists only while its thread holds the raw lock, which gives one
        // thread at a time access to the data; `&self` keeps the guard (and the lock) for as long
        // as the reference lives.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<S: Scheduler, T: ?Sized> DerefMut for MutexGuard<'_, S, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only reference through the guard.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<S: Scheduler, T: ?Sized> Drop for MutexGuard<'_, S, T> {
    #[inline]
    fn drop(&mut self) {
        S::release_operation_on(self.mutex.raw.cell(), "Mutex", "unlock", self, |guard: &Self| {
            let mutex = guard.mutex;
            if !guard.panicking && S::panicking() {
                mutex.poisoned.store(true, Relaxed);
            }
            mutex.raw.unlock();
            S::releases(mutex.raw.park_key());
        });
    }
}

impl<S: Scheduler, T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<S: Scheduler, T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<S: Scheduler, T: Default> Default for Mutex<S, T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<S: Scheduler, T> From<T> for Mutex<S, T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<S: Scheduler, T: ?Sized + fmt::Debug> fmt::Debug for Mutex<S, T> {
    /// As std's: the data if the lock is free (taken with `try_lock`, so a simulator sees it),
    /// `<locked>` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            Err(TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.poisoned.load(Relaxed));
        d.finish_non_exhaustive()
    }
}
