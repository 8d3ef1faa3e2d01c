//! Atomics for user code, with std's names and methods, whose every access is a visible event: a
//! scheduling point under a simulator (by default one access is one step, like a primitive
//! operation), the std atomic itself on the real backend.

use std::fmt;
use std::sync::atomic::Ordering;

use crate::backend::Scheduler;
use crate::backend::atomic::Atomic;

/// std's `fetch_update` loop: from `previous`, applies `f` and tries `exchange(old, new)` until
/// it succeeds (the previous value) or `f` gives up (`Err` with the value it saw).
fn update<V: Copy>(
    mut previous: V,
    mut f: impl FnMut(V) -> Option<V>,
    mut exchange: impl FnMut(V, V) -> Result<V, V>,
) -> Result<V, V> {
    while let Some(next) = f(previous) {
        match exchange(previous, next) {
            Ok(value) => return Ok(value),
            Err(value) => previous = value,
        }
    }
    Err(previous)
}

/// The methods every integer atomic has, as std's, each announced to the scheduler first.
macro_rules! integer_atomic {
    ($(#[$doc:meta])* $name:ident, $int:ty) => {
        $(#[$doc])*
        pub struct $name<S: Scheduler> {
            cell: S::Atomic<$int>,
        }

        impl<S: Scheduler> $name<S> {
            const KIND: &'static str = stringify!($name);

            /// A cell holding `value`.
            #[inline]
            pub fn new(value: $int) -> Self {
                $name { cell: S::Atomic::<$int>::new(value) }
            }

            /// Names this atomic `label` in a simulator's traces and deadlock reports; returns it.
            /// See [`crate::Lock::label`].
            pub fn label(&self, label: &str) -> &Self {
                S::label_object(&self.cell as *const _ as usize, label);
                self
            }

            /// The value, through exclusive access (no other thread can reach the atomic, so
            /// this is no event).
            #[inline]
            pub fn get_mut(&mut self) -> &mut $int {
                self.cell.get_mut()
            }

            /// The value, consuming the atomic (no event).
            #[inline]
            pub fn into_inner(mut self) -> $int {
                *self.cell.get_mut()
            }

            /// Loads the value.
            #[inline]
            pub fn load(&self, order: Ordering) -> $int {
                S::read_operation_on(&self.cell, Self::KIND, "load");
                self.cell.load(order)
            }

            /// Stores `value`.
            #[inline]
            pub fn store(&self, value: $int, order: Ordering) {
                S::operation_on(&self.cell, Self::KIND, "store");
                self.cell.store(value, order)
            }

            /// Stores `value`, returning the previous value.
            #[inline]
            pub fn swap(&self, value: $int, order: Ordering) -> $int {
                S::operation_on(&self.cell, Self::KIND, "swap");
                self.cell.swap(value, order)
            }

            /// Stores `new` if the value is `current`; returns the previous value.
            ///
            /// # Errors
            /// `Err(actual)` when the value was not `current`.
            #[inline]
            pub fn compare_exchange(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                S::operation_on(&self.cell, Self::KIND, "compare_exchange");
                self.cell.compare_exchange(current, new, success, failure)
            }

            /// As [`Self::compare_exchange`]; std allows it to fail spuriously, which a
            /// simulator's cell never does (it would only add steps).
            ///
            /// # Errors
            /// `Err(actual)` when the value was not `current` (or spuriously, on real threads).
            #[inline]
            pub fn compare_exchange_weak(
                &self,
                current: $int,
                new: $int,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$int, $int> {
                S::operation_on(&self.cell, Self::KIND, "compare_exchange_weak");
                self.cell.compare_exchange_weak(current, new, success, failure)
            }

            /// Adds `value` (wrapping), returning the previous value.
            #[inline]
            pub fn fetch_add(&self, value: $int, order: Ordering) -> $int {
                S::operation_on(&self.cell, Self::KIND, "fetch_add");
                self.cell.fetch_add(value, order)
            }

            /// Subtracts `value` (wrapping), returning the previous value.
            #[inline]
            pub fn fetch_sub(&self, value: $int, order: Ordering) -> $int {
                S::operation_on(&self.cell, Self::KIND, "fetch_sub");
                self.cell.fetch_sub(value, order)
            }

            /// Bitwise and with `value`, returning the previous value.
            #[inline]
            pub fn fetch_and(&self, value: $int, order: Ordering) -> $int {
                S::operation_on(&self.cell, Self::KIND, "fetch_and");
                self.cell.fetch_and(value, order)
            }

            /// Bitwise nand with `value`, returning the previous value.
            #[inline]
            pub fn fetch_nand(&self, value: $int, order: Ordering) -> $int {
                S::operation_on(&self.cell, Self::KIND, "fetch_nand");
                self.cell.fetch_nand(value, order)
            }

            /// Bitwise or with `value`, returning the previous value.
            #[inline]
            pub fn fetch_or(&self, value: $int, order: Ordering) -> $int {
                S::operation_on(&self.cell, Self::KIND, "fetch_or");
                self.cell.fetch_or(value, order)
            }

            /// Bitwise xor with `value`, returning the previous value.
            #[inline]
            pub fn fetch_xor(&self, value: $int, order: Ordering) -> $int {
                S::operation_on(&self.cell, Self::KIND, "fetch_xor");
                self.cell.fetch_xor(value, order)
            }

            /// Stores the maximum of the value and `value`, returning the previous value.
            #[inline]
            pub fn fetch_max(&self, value: $int, order: Ordering) -> $int {
                S::operation_on(&self.cell, Self::KIND, "fetch_max");
                self.cell.fetch_max(value, order)
            }

            /// Stores the minimum of the value and `value`, returning the previous value.
            #[inline]
            pub fn fetch_min(&self, value: $int, order: Ordering) -> $int {
                S::operation_on(&self.cell, Self::KIND, "fetch_min");
                self.cell.fetch_min(value, order)
            }

            /// Applies `f` to the value until it stores the result (a load, then compare-exchanges
            /// while another thread changed the value), as std does; returns the previous value.
            /// Each load and exchange is an event of its own.
            ///
            /// # Errors
            /// `Err(value)` if `f` returned `None` for the value it saw.
            #[inline]
            pub fn fetch_update(
                &self,
                set_order: Ordering,
                fetch_order: Ordering,
                f: impl FnMut($int) -> Option<$int>,
            ) -> Result<$int, $int> {
                let previous = self.load(fetch_order);
                update(previous, f, |old, new| self.compare_exchange_weak(old, new, set_order, fetch_order))
            }
        }

        impl<S: Scheduler> Default for $name<S> {
            fn default() -> Self {
                Self::new(0)
            }
        }

        impl<S: Scheduler> From<$int> for $name<S> {
            fn from(value: $int) -> Self {
                Self::new(value)
            }
        }

        impl<S: Scheduler> fmt::Debug for $name<S> {
            /// The value, read without an event (as std's `Debug`, with a relaxed load).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.cell.load(Ordering::Relaxed), f)
            }
        }
    };
}

/// Declares the integer atomics with a doc comment and an example each.
macro_rules! integer_atomics {
    ($($name:ident $int:ty),* $(,)?) => {$(
        integer_atomic!(
            #[doc = concat!("An atomic `", stringify!($int), "` shared between threads, visible to the simulator: ")]
            #[doc = concat!("std's `", stringify!($name), "`, with the same methods.")]
            ///
            /// ```
            /// # use std::sync::atomic::Ordering::SeqCst;
            #[doc = concat!("# use weft_core::{", stringify!($name), ", Scheduler};")]
            /// # fn demo<S: Scheduler>() {
            #[doc = concat!("let counter = ", stringify!($name), "::<S>::new(1);")]
            /// counter.fetch_add(2, SeqCst);
            /// assert_eq!(counter.fetch_max(7, SeqCst), 3);
            /// assert_eq!(counter.fetch_update(SeqCst, SeqCst, |v| Some(v - 1)), Ok(7));
            /// assert_eq!(counter.load(SeqCst), 6);
            /// # }
            /// # demo::<weft_real::Real>();
            /// ```
            $name, $int
        );
    )*};
}

integer_atomics!(
    AtomicU8 u8,
    AtomicU16 u16,
    AtomicU32 u32,
    AtomicU64 u64,
    AtomicUsize usize,
    AtomicI8 i8,
    AtomicI16 i16,
    AtomicI32 i32,
    AtomicI64 i64,
    AtomicIsize isize,
);

/// An atomic `bool` shared between threads, visible to the simulator: std's `AtomicBool`, with
/// the same methods.
///
/// ```
/// # use std::sync::atomic::Ordering::SeqCst;
/// # use weft_core::{AtomicBool, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let flag = AtomicBool::<S>::new(false);
/// assert!(!flag.swap(true, SeqCst));
/// assert!(flag.fetch_not(SeqCst));
/// assert!(!flag.load(SeqCst));
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct AtomicBool<S: Scheduler> {
    /// 0 or 1, nothing else: every store writes `bool as u8`, and the bitwise operations keep
    /// that (`fetch_nand` is a `fetch_xor(1)` or a `swap(1)`).
    cell: S::Atomic<u8>,
}

impl<S: Scheduler> AtomicBool<S> {
    const KIND: &'static str = "AtomicBool";

    /// A cell holding `value`.
    #[inline]
    pub fn new(value: bool) -> Self {
        AtomicBool { cell: S::Atomic::<u8>::new(value as u8) }
    }

    /// Names this atomic `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(&self.cell as *const _ as usize, label);
        self
    }

    /// The value, through exclusive access (no event).
    #[inline]
    pub fn get_mut(&mut self) -> &mut bool {
        let byte: *mut u8 = self.cell.get_mut();
        // SAFETY: the byte is 0 or 1 (see `cell`), both valid `bool`s of the same size and
        // alignment; the `&mut` borrows `self` exclusively for as long as the returned
        // reference lives, and a `bool` written through it stays 0 or 1.
        unsafe { &mut *byte.cast::<bool>() }
    }

    /// The value, consuming the atomic (no event).
    #[inline]
    pub fn into_inner(mut self) -> bool {
        *self.get_mut()
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

    /// Stores `new` if the value is `current`; returns the previous value.
    ///
    /// # Errors
    /// `Err(actual)` when the value was not `current`.
    #[inline]
    pub fn compare_exchange(
        &self,
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
    ) -> Result<bool, bool> {
        S::operation_on(&self.cell, Self::KIND, "compare_exchange");
        match self.cell.compare_exchange(current as u8, new as u8, success, failure) {
            Ok(previous) => Ok(previous != 0),
            Err(actual) => Err(actual != 0),
        }
    }

    /// As [`Self::compare_exchange`]; std allows it to fail spuriously.
    ///
    /// # Errors
    /// `Err(actual)` when the value was not `current` (or spuriously, on real threads).
    #[inline]
    pub fn compare_exchange_weak(
        &self,
        current: bool,
        new: bool,
        success: Ordering,
        failure: Ordering,
    ) -> Result<bool, bool> {
        S::operation_on(&self.cell, Self::KIND, "compare_exchange_weak");
        match self.cell.compare_exchange_weak(current as u8, new as u8, success, failure) {
            Ok(previous) => Ok(previous != 0),
            Err(actual) => Err(actual != 0),
        }
    }

    /// Logical and with `value`, returning the previous value.
    #[inline]
    pub fn fetch_and(&self, value: bool, order: Ordering) -> bool {
        S::operation_on(&self.cell, Self::KIND, "fetch_and");
        self.cell.fetch_and(value as u8, order) != 0
    }

    /// Logical nand with `value`, returning the previous value.
    #[inline]
    pub fn fetch_nand(&self, value: bool, order: Ordering) -> bool {
        S::operation_on(&self.cell, Self::KIND, "fetch_nand");
        // !(old && true) = !old; !(old && false) = true: the byte stays 0 or 1.
        if value { self.cell.fetch_xor(1, order) != 0 } else { self.cell.swap(1, order) != 0 }
    }

    /// Logical or with `value`, returning the previous value.
    #[inline]
    pub fn fetch_or(&self, value: bool, order: Ordering) -> bool {
        S::operation_on(&self.cell, Self::KIND, "fetch_or");
        self.cell.fetch_or(value as u8, order) != 0
    }

    /// Logical xor with `value`, returning the previous value.
    #[inline]
    pub fn fetch_xor(&self, value: bool, order: Ordering) -> bool {
        S::operation_on(&self.cell, Self::KIND, "fetch_xor");
        self.cell.fetch_xor(value as u8, order) != 0
    }

    /// Negates the value, returning the previous value.
    #[inline]
    pub fn fetch_not(&self, order: Ordering) -> bool {
        S::operation_on(&self.cell, Self::KIND, "fetch_not");
        self.cell.fetch_xor(1, order) != 0
    }

    /// Applies `f` until it stores the result, as std does (see
    /// [`AtomicUsize::fetch_update`]); returns the previous value.
    ///
    /// # Errors
    /// `Err(value)` if `f` returned `None` for the value it saw.
    #[inline]
    pub fn fetch_update(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        f: impl FnMut(bool) -> Option<bool>,
    ) -> Result<bool, bool> {
        let previous = self.load(fetch_order);
        update(previous, f, |old, new| self.compare_exchange_weak(old, new, set_order, fetch_order))
    }
}

impl<S: Scheduler> Default for AtomicBool<S> {
    fn default() -> Self {
        Self::new(false)
    }
}

impl<S: Scheduler> From<bool> for AtomicBool<S> {
    fn from(value: bool) -> Self {
        Self::new(value)
    }
}

impl<S: Scheduler> fmt::Debug for AtomicBool<S> {
    /// The value, read without an event.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&(self.cell.load(Ordering::Relaxed) != 0), f)
    }
}

/// An atomic raw pointer shared between threads, visible to the simulator: std's `AtomicPtr`,
/// with the same methods (kept as an address with its provenance exposed).
///
/// ```
/// # use std::sync::atomic::Ordering::SeqCst;
/// # use weft_core::{AtomicPtr, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let mut value = 5;
/// let slot = AtomicPtr::<S, i32>::new(std::ptr::null_mut());
/// assert!(slot.swap(&mut value, SeqCst).is_null());
/// // SAFETY: the pointer is `&mut value`, alive and not otherwise borrowed.
/// assert_eq!(unsafe { *slot.load(SeqCst) }, 5);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct AtomicPtr<S: Scheduler, T> {
    cell: S::Atomic<usize>,
    pointee: std::marker::PhantomData<*mut T>,
}

// SAFETY: as std's `AtomicPtr<T>`, which is `Send + Sync` for every `T`: the atomic holds an
// address and hands out raw pointers, whose use is the caller's `unsafe` business.
unsafe impl<S: Scheduler, T> Send for AtomicPtr<S, T> {}
// SAFETY: as above.
unsafe impl<S: Scheduler, T> Sync for AtomicPtr<S, T> {}

fn address<T>(pointer: *mut T) -> usize {
    pointer.expose_provenance()
}

fn pointer<T>(address: usize) -> *mut T {
    std::ptr::with_exposed_provenance_mut(address)
}

impl<S: Scheduler, T> AtomicPtr<S, T> {
    const KIND: &'static str = "AtomicPtr";

    /// A cell holding `value`.
    #[inline]
    pub fn new(value: *mut T) -> Self {
        AtomicPtr { cell: S::Atomic::<usize>::new(address(value)), pointee: std::marker::PhantomData }
    }

    /// Names this atomic `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(&self.cell as *const _ as usize, label);
        self
    }

    /// The pointer, consuming the atomic (no event).
    #[inline]
    pub fn into_inner(mut self) -> *mut T {
        pointer(*self.cell.get_mut())
    }

    /// Loads the pointer.
    #[inline]
    pub fn load(&self, order: Ordering) -> *mut T {
        S::read_operation_on(&self.cell, Self::KIND, "load");
        pointer(self.cell.load(order))
    }

    /// Stores `value`.
    #[inline]
    pub fn store(&self, value: *mut T, order: Ordering) {
        S::operation_on(&self.cell, Self::KIND, "store");
        self.cell.store(address(value), order)
    }

    /// Stores `value`, returning the previous pointer.
    #[inline]
    pub fn swap(&self, value: *mut T, order: Ordering) -> *mut T {
        S::operation_on(&self.cell, Self::KIND, "swap");
        pointer(self.cell.swap(address(value), order))
    }

    /// Stores `new` if the pointer is `current`; returns the previous pointer.
    ///
    /// # Errors
    /// `Err(actual)` when the pointer was not `current`.
    #[inline]
    pub fn compare_exchange(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        S::operation_on(&self.cell, Self::KIND, "compare_exchange");
        self.cell.compare_exchange(address(current), address(new), success, failure).map(pointer).map_err(pointer)
    }

    /// As [`Self::compare_exchange`]; std allows it to fail spuriously.
    ///
    /// # Errors
    /// `Err(actual)` when the pointer was not `current` (or spuriously, on real threads).
    #[inline]
    pub fn compare_exchange_weak(
        &self,
        current: *mut T,
        new: *mut T,
        success: Ordering,
        failure: Ordering,
    ) -> Result<*mut T, *mut T> {
        S::operation_on(&self.cell, Self::KIND, "compare_exchange_weak");
        self.cell.compare_exchange_weak(address(current), address(new), success, failure).map(pointer).map_err(pointer)
    }

    /// Applies `f` until it stores the result, as std does; returns the previous pointer.
    ///
    /// # Errors
    /// `Err(pointer)` if `f` returned `None` for the pointer it saw.
    #[inline]
    pub fn fetch_update(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        f: impl FnMut(*mut T) -> Option<*mut T>,
    ) -> Result<*mut T, *mut T> {
        let previous = self.load(fetch_order);
        update(previous, f, |old, new| self.compare_exchange_weak(old, new, set_order, fetch_order))
    }
}

impl<S: Scheduler, T> Default for AtomicPtr<S, T> {
    fn default() -> Self {
        Self::new(std::ptr::null_mut())
    }
}

impl<S: Scheduler, T> fmt::Debug for AtomicPtr<S, T> {
    /// The pointer, read without an event.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&pointer::<T>(self.cell.load(Ordering::Relaxed)), f)
    }
}
