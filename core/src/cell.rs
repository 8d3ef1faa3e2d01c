//! `UnsafeCell` with loom's shape (`with`, `with_mut`), whose accesses a simulator checks for
//! data races.

use std::fmt;
use std::marker::PhantomData;
use std::panic::Location;

use crate::backend::Scheduler;

/// std's `UnsafeCell<T>` with loom's access methods: the data is reached only through
/// [`UnsafeCell::with`] (a read) and [`UnsafeCell::with_mut`] (a write), so that a simulator
/// sees every access. Two accesses from different threads, at least one a write, that no
/// synchronisation the simulator sees orders are a *data race*: the execution fails with a
/// report naming both threads and both source locations. On real threads it costs nothing over
/// `std::cell::UnsafeCell` (the same layout; the accesses announce nothing).
///
/// Like std's, it is not `Sync`: a type that shares one between threads promises, with its own
/// `unsafe impl Sync`, that it synchronises the accesses; the simulator checks the promise.
///
/// ```
/// # use weft_core::{Scheduler, UnsafeCell};
/// # fn demo<S: Scheduler>() {
/// let cell = UnsafeCell::<S, u32>::new(1);
/// // SAFETY: no other reference to the data exists while the closure runs.
/// cell.with_mut(|data| unsafe { *data += 1 });
/// // SAFETY: nothing writes the data meanwhile.
/// assert_eq!(cell.with(|data| unsafe { *data }), 2);
/// assert_eq!(cell.into_inner(), 2);
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[repr(transparent)]
pub struct UnsafeCell<S: Scheduler, T: ?Sized> {
    scheduler: PhantomData<fn() -> S>,
    data: std::cell::UnsafeCell<T>,
}

// SAFETY: as std's `UnsafeCell<T>`, which is `Send` when `T` is: sending the cell sends the data.
unsafe impl<S: Scheduler, T: ?Sized + Send> Send for UnsafeCell<S, T> {}

impl<S: Scheduler, T> UnsafeCell<S, T> {
    /// A cell holding `value`.
    pub const fn new(value: T) -> Self {
        UnsafeCell { scheduler: PhantomData, data: std::cell::UnsafeCell::new(value) }
    }

    /// The data, consuming the cell (no access to check: nothing else can reach it).
    pub fn into_inner(self) -> T {
        // The cell's drop would tell the simulator; its data goes out instead.
        let this = std::mem::ManuallyDrop::new(self);
        S::cell_dropped(this.address());
        // SAFETY: `this` is never used again nor dropped, so the data is read out exactly once.
        unsafe { std::ptr::read(this.data.get()) }
    }
}

impl<S: Scheduler, T: ?Sized> UnsafeCell<S, T> {
    fn address(&self) -> usize {
        self.data.get() as *const () as usize
    }

    /// Runs `f` with a pointer to the data, to read it: an access a simulator checks for races
    /// with earlier writes. Dereferencing the pointer is the caller's `unsafe` business, as
    /// with std's `UnsafeCell::get`.
    #[track_caller]
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        S::cell_access(self.address(), false, Location::caller());
        f(self.data.get())
    }

    /// Runs `f` with a pointer to the data, to write it: an access a simulator checks for races
    /// with earlier reads and writes.
    #[track_caller]
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        S::cell_access(self.address(), true, Location::caller());
        f(self.data.get())
    }

    /// The data, through exclusive access (no access to check: `&mut self` proves no other
    /// thread can reach it now).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<S: Scheduler, T: ?Sized> Drop for UnsafeCell<S, T> {
    fn drop(&mut self) {
        S::cell_dropped(self.address());
    }
}

impl<S: Scheduler, T: Default> Default for UnsafeCell<S, T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<S: Scheduler, T> From<T> for UnsafeCell<S, T> {
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<S: Scheduler, T: ?Sized> fmt::Debug for UnsafeCell<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnsafeCell").finish_non_exhaustive()
    }
}
