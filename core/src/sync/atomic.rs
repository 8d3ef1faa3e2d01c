//! Atomics for user code whose every access is a visible event: a scheduling point under a
//! simulator (by default one access is one step, like a primitive operation), plain std atomics
//! on the real backend.

use std::fmt;
use std::sync::atomic::Ordering;

use crate::backend::Scheduler;
use crate::backend::atomic::Atomic;

/// An atomic `usize` shared between threads, visible to the simulator.
///
/// ```
/// # use std::sync::atomic::Ordering::SeqCst;
/// # use weft_core::{AtomicUsize, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let counter = AtomicUsize::<S>::new(0);
/// counter.fetch_add(2, SeqCst);
/// assert_eq!(counter.load(SeqCst), 2);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct AtomicUsize<S: Scheduler> {
    cell: S::Atomic<usize>,
}

impl<S: Scheduler> AtomicUsize<S> {
    /// Names this atomic `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(&self.cell as *const _ as usize, label);
        self
    }

    const KIND: &'static str = "AtomicUsize";

    /// A cell holding `value`.
    pub fn new(value: usize) -> Self {
        AtomicUsize { cell: S::Atomic::<usize>::new(value) }
    }

    /// Loads the value.
    #[inline]
    pub fn load(&self, order: Ordering) -> usize {
        S::read_operation_on(&self.cell, Self::KIND, "load");
        self.cell.load(order)
    }

    /// Stores `value`.
    #[inline]
    pub fn store(&self, value: usize, order: Ordering) {
        S::operation_on(&self.cell, Self::KIND, "store");
        self.cell.store(value, order)
    }

    /// Stores `value`, returning the previous value.
    #[inline]
    pub fn swap(&self, value: usize, order: Ordering) -> usize {
        S::operation_on(&self.cell, Self::KIND, "swap");
        self.cell.swap(value, order)
    }

    /// Adds `value` (wrapping), returning the previous value.
    #[inline]
    pub fn fetch_add(&self, value: usize, order: Ordering) -> usize {
        S::operation_on(&self.cell, Self::KIND, "fetch_add");
        self.cell.fetch_add(value, order)
    }

    /// Subtracts `value` (wrapping), returning the previous value.
    #[inline]
    pub fn fetch_sub(&self, value: usize, order: Ordering) -> usize {
        S::operation_on(&self.cell, Self::KIND, "fetch_sub");
        self.cell.fetch_sub(value, order)
    }

    /// Stores `new` if the value is `current`.
    ///
    /// # Errors
    /// `Err(actual)` when the value was not `current`.
    #[inline]
    pub fn compare_exchange(
        &self,
        current: usize,
        new: usize,
        success: Ordering,
        failure: Ordering,
    ) -> Result<usize, usize> {
        S::operation_on(&self.cell, Self::KIND, "compare_exchange");
        self.cell.compare_exchange(current, new, success, failure)
    }
}

impl<S: Scheduler> Default for AtomicUsize<S> {
    fn default() -> Self {
        Self::new(0)
    }
}

impl<S: Scheduler> fmt::Debug for AtomicUsize<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AtomicUsize({})", self.cell.load(Ordering::Relaxed))
    }
}

/// An atomic `bool` shared between threads, visible to the simulator.
///
/// ```
/// # use std::sync::atomic::Ordering::SeqCst;
/// # use weft_core::{AtomicBool, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let flag = AtomicBool::<S>::new(false);
/// assert!(!flag.swap(true, SeqCst));
/// assert!(flag.load(SeqCst));
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct AtomicBool<S: Scheduler> {
    cell: S::Atomic<u8>,
}

impl<S: Scheduler> AtomicBool<S> {
    /// Names this atomic `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(&self.cell as *const _ as usize, label);
        self
    }

    const KIND: &'static str = "AtomicBool";

    /// A cell holding `value`.
    pub fn new(value: bool) -> Self {
        AtomicBool { cell: S::Atomic::<u8>::new(value as u8) }
    }

    /// Loads the value.
    #[inline]
    pub fn load(&self, order: Ordering) -> bool {
        S::read_operation_on(&self.cell, Self::KIND, "load");
        self.cell.load(order) != 0
    }

    /// Stores `value`.
    #[inline]
    pub fn store(&self, value: bool, order: Ordering) {
        S::operation_on(&self.cell, Self::KIND, "store");
        self.cell.store(value as u8, order)
    }

    /// Stores `value`, returning the previous value.
    #[inline]
    pub fn swap(&self, value: bool, order: Ordering) -> bool {
        S::operation_on(&self.cell, Self::KIND, "swap");
        self.cell.swap(value as u8, order) != 0
    }
}

impl<S: Scheduler> Default for AtomicBool<S> {
    fn default() -> Self {
        Self::new(false)
    }
}

impl<S: Scheduler> fmt::Debug for AtomicBool<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AtomicBool({})", self.cell.load(Ordering::Relaxed) != 0)
    }
}
