//! The atomic cells a backend provides: the [`Atomic`] contract, and the value types that have
//! one ([`AtomicPrimitive`]).

use std::sync::atomic::{
    AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize, AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicUsize,
    Ordering,
};

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
pub trait AtomicPrimitive: Copy + Eq + Ord + Send + Sync + 'static {
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
/// // The real backend's cell is the std atomic itself.
/// let cell = <AtomicU8 as Atomic<u8>>::new(1);
/// assert_eq!(Atomic::fetch_max(&cell, 5, SeqCst), 1);
/// assert_eq!(Atomic::load(&cell, SeqCst), 5);
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
    /// Bitwise nand with `value`, returning the previous value.
    fn fetch_nand(&self, value: T, order: Ordering) -> T;
    /// Bitwise xor with `value`, returning the previous value.
    fn fetch_xor(&self, value: T, order: Ordering) -> T;
    /// Stores the maximum of the value and `value`, returning the previous value.
    fn fetch_max(&self, value: T, order: Ordering) -> T;
    /// Stores the minimum of the value and `value`, returning the previous value.
    fn fetch_min(&self, value: T, order: Ordering) -> T;
    /// The value, through exclusive access (no other thread can reach the cell).
    fn get_mut(&mut self) -> &mut T;

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
            #[inline(always)]
            fn fetch_nand(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_nand(self, value, order)
            }
            #[inline(always)]
            fn fetch_xor(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_xor(self, value, order)
            }
            #[inline(always)]
            fn fetch_max(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_max(self, value, order)
            }
            #[inline(always)]
            fn fetch_min(&self, value: $int, order: Ordering) -> $int {
                <$atomic>::fetch_min(self, value, order)
            }
            #[inline(always)]
            fn get_mut(&mut self) -> &mut $int {
                <$atomic>::get_mut(self)
            }
        }
    };
}

std_atomic!(AtomicU8, u8);
std_atomic!(AtomicU16, u16);
std_atomic!(AtomicU32, u32);
std_atomic!(AtomicU64, u64);
std_atomic!(AtomicUsize, usize);
std_atomic!(AtomicI8, i8);
std_atomic!(AtomicI16, i16);
std_atomic!(AtomicI32, i32);
std_atomic!(AtomicI64, i64);
std_atomic!(AtomicIsize, isize);
