//! std's atomics, every width, with std's methods, whose accesses the simulator sees (one step
//! each in a simulation; the std atomic itself on real threads). A drop-in for
//! `std::sync::atomic` in code checked with weft.
//!
//! ```
//! use std::sync::Arc;
//! use weft::sync::atomic::{AtomicU32, Ordering::SeqCst};
//! use weft::Thread;
//!
//! // Two threads that increment with a load and a store lose an update in some interleaving.
//! let report = weft::sim::Explorer::exhaustive()
//!     .run(|| {
//!         let counter = Arc::new(AtomicU32::new(0));
//!         let c = counter.clone();
//!         let t = Thread::new(move || c.store(c.load(SeqCst) + 1, SeqCst));
//!         t.start().unwrap();
//!         counter.store(counter.load(SeqCst) + 1, SeqCst);
//!         t.join().unwrap();
//!         assert_eq!(counter.load(SeqCst), 2, "an update was lost");
//!     })
//!     .unwrap_err();
//! assert!(report.failure.message.contains("an update was lost"));
//! ```

pub use std::sync::atomic::{Ordering, compiler_fence, fence};

use crate::Auto;

macro_rules! atomics {
    ($($name:ident $int:ty),* $(,)?) => {$(
        #[doc = concat!("std's `", stringify!($name), "`, whose accesses the simulator sees. See [`weft_core::", stringify!($name), "`].")]
        ///
        /// ```
        #[doc = concat!("use weft::sync::atomic::{", stringify!($name), ", Ordering::SeqCst};")]
        ///
        #[doc = concat!("let value = ", stringify!($name), "::new(3);")]
        /// assert_eq!(value.fetch_add(2, SeqCst), 3);
        /// assert_eq!(value.fetch_min(4, SeqCst), 5);
        /// assert_eq!(value.into_inner(), 4);
        /// ```
        pub type $name = weft_core::$name<Auto>;
    )*};
}

atomics!(
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

/// std's `AtomicBool`, whose accesses the simulator sees. See [`weft_core::AtomicBool`].
///
/// ```
/// use weft::sync::atomic::{AtomicBool, Ordering::SeqCst};
///
/// let flag = AtomicBool::new(false);
/// assert!(!flag.fetch_or(true, SeqCst));
/// assert!(flag.load(SeqCst));
/// ```
pub type AtomicBool = weft_core::AtomicBool<Auto>;

/// std's `AtomicPtr<T>`, whose accesses the simulator sees. See [`weft_core::AtomicPtr`].
///
/// ```
/// use weft::sync::atomic::{AtomicPtr, Ordering::SeqCst};
///
/// let mut value = 7;
/// let slot = AtomicPtr::<i32>::default();
/// slot.store(&mut value, SeqCst);
/// assert_eq!(slot.load(SeqCst), &mut value as *mut i32);
/// ```
pub type AtomicPtr<T> = weft_core::AtomicPtr<Auto, T>;
