//! [`LocalKey`] and [`thread_local!`](crate::thread_local): the façade's statically declared
//! per-thread values.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::atomic::AtomicU8;

use crate::Auto;

/// A per-thread value declared as a `static` with [`thread_local!`](crate::thread_local), std's
/// syntax: the static form of [`Local`](crate::Local). On a real thread the value is a Rust
/// `thread_local!` value (access costs what std's does); a simulated thread has its own, fresh
/// in every execution. See [`weft_core::LocalKey`].
///
/// ```
/// use std::cell::Cell;
/// use weft::Thread;
///
/// weft::thread_local! {
///     static CALLS: Cell<u32> = const { Cell::new(0) };
/// }
///
/// CALLS.set(5);
/// let t = Thread::new(|| assert_eq!(CALLS.get(), 0)); // a thread of its own: a fresh value
/// t.start().unwrap();
/// t.join().unwrap();
/// assert_eq!(CALLS.get(), 5);
/// ```
pub struct LocalKey<T: 'static>(weft_core::LocalKey<T>);

impl<T: 'static> LocalKey<T> {
    /// A key made by [`thread_local!`](crate::thread_local).
    #[doc(hidden)]
    pub const fn __new(os: std::thread::LocalKey<T>, init: fn() -> T, id: &'static AtomicU8) -> Self {
        LocalKey(weft_core::LocalKey::__new(os, init, id))
    }

    /// Runs `f` with the calling thread's value, made first if needed.
    ///
    /// # Panics
    /// As [`weft_core::LocalKey::with`].
    #[inline]
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        self.0.with::<Auto, R>(f)
    }

    /// The key itself, for code generic over the scheduler.
    pub fn generic(&'static self) -> &'static weft_core::LocalKey<T> {
        &self.0
    }
}

impl<T: 'static> LocalKey<Cell<T>> {
    /// A copy of the calling thread's value.
    #[inline]
    pub fn get(&'static self) -> T
    where
        T: Copy,
    {
        self.0.get::<Auto>()
    }

    /// Sets the calling thread's value (without running the initialiser, as std's `set`).
    #[inline]
    pub fn set(&'static self, value: T) {
        self.0.set::<Auto>(value);
    }

    /// Takes the calling thread's value, leaving `T::default()`.
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.0.take::<Auto>()
    }

    /// Replaces the calling thread's value, returning the old one.
    pub fn replace(&'static self, value: T) -> T {
        self.0.replace::<Auto>(value)
    }
}

impl<T: 'static> LocalKey<RefCell<T>> {
    /// Runs `f` with a shared borrow of the calling thread's value.
    ///
    /// # Panics
    /// If the value is mutably borrowed (by an enclosing `with_borrow_mut`).
    pub fn with_borrow<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        self.with(|cell| f(&cell.borrow()))
    }

    /// Runs `f` with a mutable borrow of the calling thread's value.
    ///
    /// # Panics
    /// If the value is borrowed (by an enclosing `with_borrow` or `with_borrow_mut`).
    pub fn with_borrow_mut<R>(&'static self, f: impl FnOnce(&mut T) -> R) -> R {
        self.with(|cell| f(&mut cell.borrow_mut()))
    }

    /// Sets the calling thread's value (without running the initialiser, as std's `set`).
    ///
    /// # Panics
    /// If the value is borrowed.
    pub fn set(&'static self, value: T) {
        self.0.set::<Auto>(value);
    }

    /// Takes the calling thread's value, leaving `T::default()`.
    ///
    /// # Panics
    /// If the value is borrowed.
    pub fn take(&'static self) -> T
    where
        T: Default,
    {
        self.0.take::<Auto>()
    }

    /// Replaces the calling thread's value, returning the old one.
    ///
    /// # Panics
    /// If the value is borrowed.
    pub fn replace(&'static self, value: T) -> T {
        self.0.replace::<Auto>(value)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}

/// Declares per-thread values as statics of type [`LocalKey`], in std's `thread_local!` syntax
/// (initialisers may be `const { ... }` blocks).
///
/// ```
/// use std::cell::RefCell;
///
/// weft::thread_local! {
///     /// Names seen by this thread.
///     static SEEN: RefCell<Vec<String>> = RefCell::new(Vec::new());
/// }
///
/// weft::sim::check(|| {
///     // Every simulated thread, in every execution, starts from its own empty list.
///     assert!(SEEN.with_borrow(Vec::is_empty));
///     SEEN.with_borrow_mut(|seen| seen.push("main".to_owned()));
///     let t = weft::Thread::new(|| assert!(SEEN.with_borrow(Vec::is_empty)));
///     t.start().unwrap();
///     t.join().unwrap();
///     assert_eq!(SEEN.with_borrow(Vec::len), 1);
/// });
/// ```
#[macro_export]
macro_rules! thread_local {
    ($($declarations:tt)*) => {
        $crate::generic::__thread_local_as! { [$crate::LocalKey] $($declarations)* }
    };
}
