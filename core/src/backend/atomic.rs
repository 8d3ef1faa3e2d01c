//! The atomic cells a backend provides: the [`Atomic`] contract, and the value types that have
//! one ([`AtomicPrimitive`]).

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// A value type with an atomic cell: its std atomic ([`AtomicPrimitive::Std`]) is the real
/// backend's cell, and the one a simulator's cell keeps its value in.
///
/// ```
/// use std::sync::atomic::Ordering::Relaxed;
/// use weft_core::{Atomic, AtomicPrimitive};
///
/// fn zeroed<T: AtomicPrimitive + Default>() -> T::Std {
///     T::Std::new(T::default())
/// }
/// assert_eq!(zeroed::<u8>().load(Relaxed), 0);
/// ```
pub trait AtomicPrimitive: Copy + Send + Sync + 'static {
    /// The std atomic of this type (`AtomicUsize` for `usize`).
    type Std: Atomic<Self>;
}

/// An integer atomic cell provided by a [`Scheduler`](crate::Scheduler).
///
/// On the real backend this is the std atomic of the same width; under a simulator every access
/// is an event the simulator can schedule around. The methods mirror `std::sync::atomic`.
///
/// # Safety
/// The primitives' `unsafe` code relies on these cells for mutual exclusion (the internal
/// mutex that guards the thread registry and the hooks gives out `&mut` to its data on the
/// strength of a `compare_exchange`). An implementation must behave as the std atomic of the
/// same width:
/// - every method is one indivisible access to one value, whichever threads (or simulated
///   threads) use the cell at the same time: no update is lost, no read sees a value that was
///   never stored;
/// - each access gives at least the memory ordering it is asked for (a simulator that runs one
///   thread at a time on one OS thread gives sequential consistency, which is stronger);
/// - `compare_exchange` stores `new` if and only if the value was `current`, and says which
///   happened (`compare_exchange_weak` may also fail spuriously, and only fail);
/// - the cell is safe to share and send between the scheduler's threads (`Send + Sync`).
///
/// ```
/// use std::sync::atomic::{AtomicU8, Ordering::SeqCst};
/// use weft_core::Atomic;
///
/// // A cell that counts its stores, and is otherwise std's.
/// struct Counted(AtomicU8, std::sync::atomic::AtomicUsize);
///
/// // SAFETY: every method is the std method of `AtomicU8`, on one std atomic.
/// unsafe impl Atomic<u8> for Counted {
///     fn new(value: u8) -> Self { Counted(AtomicU8::new(value), Default::default()) }
///     fn load(&self, o: std::sync::atomic::Ordering) -> u8 { self.0.load(o) }
///     fn store(&self, v: u8, o: std::sync::atomic::Ordering) { self.1.fetch_add(1, SeqCst); self.0.store(v, o) }
///     fn swap(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.swap(v, o) }
///     fn compare_exchange(&self, c: u8, n: u8, s: std::sync::atomic::Ordering, f: std::sync::atomic::Ordering) -> Result<u8, u8> {
///         self.0.compare_exchange(c, n, s, f)
///     }
///     fn compare_exchange_weak(&self, c: u8, n: u8, s: std::sync::atomic::Ordering, f: std::sync::atomic::Ordering) -> Result<u8, u8> {
///         self.0.compare_exchange_weak(c, n, s, f)
///     }
///     fn fetch_add(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.fetch_add(v, o) }
///     fn fetch_sub(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.fetch_sub(v, o) }
///     fn fetch_or(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.fetch_or(v, o) }
///     fn fetch_and(&self, v: u8, o: std::sync::atomic::Ordering) -> u8 { self.0.fetch_and(v, o) }
/// }
///
/// let cell = Counted::new(1);
/// cell.store(2, SeqCst);
/// assert_eq!(cell.load(SeqCst), 2);
/// ```
pub unsafe trait Atomic<T: Copy>: Send + Sync + Sized {
    /// Creates a cell holding `value`.
    fn new(value: T) -> Self;
    /// Loads the value.
    fn load(&self, order: Ordering) -> T;
    /// Stores `value`.
    fn store(&self, value: T, order: Ordering);
    /// Stores `value`, returning the previous value.
    fn swap(&self, value: T, order: Ordering) -> T;
    /// Stores `new` if the value is `current`; returns the previous value as `Ok` on success and
    /// `Err` on failure.
    ///
    /// # Errors
    /// `Err(actual)` when the value was not `current`.
    fn compare_exchange(&self, current: T, new: T, success: Ordering, failure: Ordering) -> Result<T, T>;
    /// Like [`Atomic::compare_exchange`], but may fail spuriously.
    ///
    /// # Errors
    /// `Err(actual)` when the value was not `current`, or spuriously.
    fn compare_exchange_weak(&self, current: T, new: T, success: Ordering, failure: Ordering) -> Result<T, T>;
    /// Adds `value` (wrapping), returning the previous value.
    fn fetch_add(&self, value: T, order: Ordering) -> T;
    /// Subtracts `value` (wrapping), returning the previous value.
    fn fetch_sub(&self, value: T, order: Ordering) -> T;
    /// Bitwise or with `value`, returning the previous value.
    fn fetch_or(&self, value: T, order: Ordering) -> T;
    /// Bitwise and with `value`, returning the previous value.
    fn fetch_and(&self, value: T, order: Ordering) -> T;

    /// Called on the cell that names an object of kind `kind` (its key) as an operation on the
    /// object starts (by [`crate::Observe::operation_on`] and its kin). A scheduler whose objects
    /// belong to one run (a simulator's execution) checks here that the calling thread may use
    /// the object, and panics otherwise, saying where the object was made and what to do. The
    /// default does nothing (std atomics, real threads).
    ///
    /// # Panics
    /// If the object was made in another run than the caller's (for example in an earlier
    /// execution of a simulation, or outside any), as the scheduler decides.
    #[inline(always)]
    fn check_use(&self, kind: &'static str) {
        let _ = kind;
    }
}

// The std atomics are the cells of the real backend: each method is the std method itself.
macro_rules! std_atomic {
    ($atomic:ty, $int:ty) => {
        impl AtomicPrimitive for $int {
            type Std = $atomic;
        }

        // SAFETY: each method is the std atomic's own method of the same name, on `self`, with
        // the ordering given: the contract is std's.
        unsafe impl Atomic<$int> for $atomic {
            #[inline(always)]
            fn new(value: $int) -> Self {
                <$atomic>::new(value)
            }
            #[inline(always)]
            fn load(&self, order: Ordering) -> $int {
                <$atomic>::load(self, order)
            }
            #[inline(always)]
            fn store(&self, value: $int, order: Ordering) {
                <$atomic>::store(self, value, order)
            }
            #[inline(always)]
            fn swap(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::swap(self, value, order)
            }
            #[inline(always)]
            fn compare_exchange(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                <$atomic>::compare_exchange(self, current, new, success, failure)
            }
            #[inline(always)]
            fn compare_exchange_weak(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                <$atomic>::compare_exchange_weak(self, current, new, success, failure)
            }
            #[inline(always)]
            fn fetch_add(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_add(self, value, order)
            }
            #[inline(always)]
            fn fetch_sub(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_sub(self, value, order)
            }
            #[inline(always)]
            fn fetch_or(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_or(self, value, order)
            }
            #[inline(always)]
            fn fetch_and(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_and(self, value, order)
            }
        }
    };
}

std_atomic!(AtomicU8, u8);
std_atomic!(AtomicUsize, usize);
