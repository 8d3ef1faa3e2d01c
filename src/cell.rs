//! loom's `UnsafeCell`, whose accesses the simulator checks for data races: two accesses from
//! different threads, at least one a write, that nothing weft sees orders fail the execution
//! with both threads and both source locations. On real threads it is std's `UnsafeCell`.
//!
//! ```
//! use weft::cell::UnsafeCell;
//! use weft::sync::Arc;
//! use weft::Thread;
//!
//! struct Racy(UnsafeCell<u32>);
//! // SAFETY (claimed, and wrong): the simulator checks it.
//! unsafe impl Sync for Racy {}
//!
//! let report = weft::sim::Explorer::exhaustive()
//!     .run(|| {
//!         let shared = Arc::new(Racy(UnsafeCell::new(0)));
//!         let s = shared.clone();
//!         // SAFETY: (not really) nothing else accesses the data meanwhile.
//!         let t = Thread::new(move || s.0.with_mut(|data| unsafe { *data += 1 }));
//!         t.start().unwrap();
//!         // SAFETY: as above.
//!         shared.0.with_mut(|data| unsafe { *data += 1 });
//!         t.join().unwrap();
//!     })
//!     .unwrap_err();
//! assert_eq!(report.failure.kind, weft::sim::FailureKind::DataRace);
//! assert!(report.failure.message.contains("data race"));
//! ```

use crate::Auto;

/// loom's `UnsafeCell<T>`: [`UnsafeCell::with`] to read, [`UnsafeCell::with_mut`] to write,
/// each access checked for races in a simulation. See [`weft_core::UnsafeCell`].
///
/// ```
/// use weft::cell::UnsafeCell;
///
/// let cell = UnsafeCell::new(vec![1]);
/// // SAFETY: no other reference to the data exists while the closure runs.
/// cell.with_mut(|v| unsafe { (*v).push(2) });
/// assert_eq!(cell.into_inner(), [1, 2]);
/// ```
pub type UnsafeCell<T> = weft_core::UnsafeCell<Auto, T>;
