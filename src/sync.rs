//! std's `sync` types for code checked with weft, with std's signatures and semantics (poisoning
//! included): [`Mutex`], [`Condvar`], [`RwLock`], [`Barrier`], [`Once`], [`mpsc`] channels,
//! [`atomic`] (every width, every method), and the per-execution statics [`OnceLock`] and
//! [`LazyLock`]. In a simulation each lock, unlock,
//! wait, notify and atomic access is an operation the simulator schedules around; on real
//! threads they run on the real backend's parking locks. [`Arc`], [`Weak`] and the poison types
//! are std's own.
//!
//! ```
//! use weft::sync::{Arc, Condvar, Mutex};
//! use weft::Thread;
//!
//! // A hand-off with a lost wake-up: the consumer checks the flag without the lock held
//! // across its wait, so a notify between the check and the wait is missed.
//! let report = weft::sim::Explorer::exhaustive()
//!     .run(|| {
//!         let pair = Arc::new((Mutex::new(false), Condvar::new()));
//!         let p = pair.clone();
//!         let producer = Thread::new(move || {
//!             *p.0.lock().unwrap() = true;
//!             p.1.notify_one();
//!         });
//!         producer.start().unwrap();
//!         let ready = *pair.0.lock().unwrap();
//!         if !ready {
//!             let guard = pair.0.lock().unwrap(); // too late: the notify may be gone
//!             drop(pair.1.wait(guard).unwrap());
//!         }
//!         producer.join().unwrap();
//!     })
//!     .unwrap_err();
//! assert!(matches!(report.failure.kind, weft::sim::FailureKind::Deadlock(_)));
//! ```
//!
//! **Per-execution statics.** [`OnceLock`] and [`LazyLock`] are std's types whose value is fresh
//! in every execution of a simulation and plain on real threads (as loom's `lazy_static!`).
//!
//! A `static` made with std's `OnceLock` keeps its value from one execution to the next: the
//! second execution sees objects the first one made (a `weft::Lock` of another execution is
//! refused at its first use), and state left by one execution changes what the next one does.
//! These types give each execution its own value instead, so that a model can keep shared objects
//! in statics. On real threads they are std's `OnceLock` (one relaxed load more per access while
//! no simulation runs in the process).
//!
//! ```
//! use weft::sync::LazyLock;
//! use weft::Lock;
//!
//! static LOCK: LazyLock<Lock> = LazyLock::new(Lock::new);
//!
//! weft::sim::Explorer::random_walk(1).iterations(20).check(|| {
//!     // A lock of this execution, every time.
//!     drop(LOCK.lock());
//! });
//! drop(LOCK.lock()); // on this (real) thread: one lock for the program
//! ```

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use weft_core::Observe;
use weft_sim::Sim;

pub mod atomic;
pub mod mpsc;
mod once;

pub use once::Once;

pub use std::sync::{Arc, LockResult, PoisonError, TryLockError, TryLockResult, Weak};

use crate::Auto;

/// std's `Mutex<T>`, whose lock and unlock the simulator sees. See [`weft_core::Mutex`].
///
/// ```
/// use weft::sync::{Arc, Mutex};
/// use weft::Thread;
///
/// let total = Arc::new(Mutex::new(0));
/// let t = total.clone();
/// let worker = Thread::new(move || *t.lock().unwrap() += 1);
/// worker.start().unwrap();
/// *total.lock().unwrap() += 1;
/// worker.join().unwrap();
/// assert_eq!(*total.lock().unwrap(), 2);
/// ```
pub type Mutex<T> = weft_core::Mutex<Auto, T>;

/// The guard of a locked [`Mutex`]. See [`weft_core::MutexGuard`].
///
/// ```
/// use weft::sync::{Mutex, MutexGuard};
///
/// let names = Mutex::new(Vec::new());
/// let mut guard: MutexGuard<'_, Vec<&str>> = names.lock().unwrap();
/// guard.push("ada");
/// ```
pub type MutexGuard<'a, T> = weft_core::MutexGuard<'a, Auto, T>;

/// std's `Condvar`, whose waits and notifies the simulator sees. See [`weft_core::Condvar`].
///
/// ```
/// use weft::sync::{Arc, Condvar, Mutex};
/// use weft::Thread;
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let p = pair.clone();
/// let t = Thread::new(move || {
///     *p.0.lock().unwrap() = true;
///     p.1.notify_all();
/// });
/// t.start().unwrap();
/// let guard = pair.1.wait_while(pair.0.lock().unwrap(), |ready| !*ready).unwrap();
/// assert!(*guard);
/// drop(guard);
/// t.join().unwrap();
/// ```
pub type Condvar = weft_core::Condvar<Auto>;

pub use weft_core::{BarrierWaitResult, OnceState, WaitTimeoutResult};

/// std's `Barrier`, whose waits the simulator sees. See [`weft_core::StdBarrier`]. (Python's
/// barrier, with timeouts, abort and reset, is [`crate::Barrier`].)
///
/// ```
/// use weft::sync::{Arc, Barrier};
/// use weft::Thread;
///
/// let barrier = Arc::new(Barrier::new(2));
/// let b = barrier.clone();
/// let t = Thread::new(move || drop(b.wait()));
/// t.start().unwrap();
/// barrier.wait();
/// t.join().unwrap();
/// ```
pub type Barrier = weft_core::StdBarrier<Auto>;

/// std's `RwLock<T>`, whose locks and unlocks the simulator sees. See [`weft_core::RwLock`].
///
/// ```
/// use weft::sync::RwLock;
///
/// let lock = RwLock::new(5);
/// assert_eq!(*lock.read().unwrap(), 5);
/// *lock.write().unwrap() += 1;
/// assert_eq!(*lock.read().unwrap(), 6);
/// ```
pub type RwLock<T> = weft_core::RwLock<Auto, T>;

/// The guard of a read-locked [`RwLock`]. See [`weft_core::RwLockReadGuard`].
///
/// ```
/// use weft::sync::{RwLock, RwLockReadGuard};
///
/// let lock = RwLock::new(1);
/// let guard: RwLockReadGuard<'_, i32> = lock.read().unwrap();
/// assert_eq!(*guard, 1);
/// ```
pub type RwLockReadGuard<'a, T> = weft_core::RwLockReadGuard<'a, Auto, T>;

/// The guard of a write-locked [`RwLock`]. See [`weft_core::RwLockWriteGuard`].
///
/// ```
/// use weft::sync::{RwLock, RwLockWriteGuard};
///
/// let lock = RwLock::new(1);
/// let mut guard: RwLockWriteGuard<'_, i32> = lock.write().unwrap();
/// *guard = 2;
/// ```
pub type RwLockWriteGuard<'a, T> = weft_core::RwLockWriteGuard<'a, Auto, T>;

/// Whether the calling thread runs a simulation (one load of a read-mostly word while none runs
/// in the process).
#[inline(always)]
fn simulating() -> bool {
    weft_sim::explorations_running() && weft_sim::in_simulation()
}

/// The per-execution values of the statics of one execution, by the statics' numbers. Values are
/// leaked: a reference handed out by a static may live as long as the static.
#[derive(Default)]
struct ExecutionValues(RefCell<HashMap<u64, &'static (dyn Any + Send + Sync)>>);

/// One static's value in one execution, and the lock its initialisation holds (so that a second
/// thread waits for the first, as with std's `OnceLock`, in a way the simulator sees).
struct Slot<T> {
    init: weft_core::Lock<Sim>,
    value: std::sync::OnceLock<T>,
}

/// Numbers statics at their first use in a simulation (0: none yet).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// A cell written at most once, like [`std::sync::OnceLock`]: on real threads it is one, while
/// inside a simulation each execution has a value of its own, made afresh (for `static`s that
/// hold a model's shared objects; see the [module](self) documentation).
///
/// Inside a simulation `get`, `set` and `get_or_init` are operations the simulator sees, and a
/// thread that calls `get_or_init` while another one initialises waits for it. Values made inside
/// simulations are never dropped (a reference to one may live as long as the static).
///
/// ```
/// use weft::sync::OnceLock;
///
/// static GREETING: OnceLock<String> = OnceLock::new();
///
/// weft::sim::Explorer::random_walk(1).iterations(5).check(|| {
///     assert!(GREETING.get().is_none()); // fresh in every execution
///     assert_eq!(GREETING.get_or_init(|| "hello".to_owned()), "hello");
///     assert_eq!(GREETING.set("again".to_owned()), Err("again".to_owned()));
/// });
/// assert!(GREETING.get().is_none()); // the real thread's value is its own
/// GREETING.set("real".to_owned()).unwrap();
/// assert_eq!(GREETING.get().map(String::as_str), Some("real"));
/// ```
pub struct OnceLock<T> {
    real: std::sync::OnceLock<T>,
    /// Its number in simulations (0 until first used in one): the key of its values there.
    id: AtomicU64,
}

impl<T> OnceLock<T> {
    /// An empty cell (a `const fn`, for statics).
    pub const fn new() -> Self {
        OnceLock { real: std::sync::OnceLock::new(), id: AtomicU64::new(0) }
    }
}

impl<T: Send + Sync + 'static> OnceLock<T> {
    /// The running execution's slot of this cell.
    #[cold]
    #[inline(never)]
    fn slot(&self) -> &'static Slot<T> {
        let mut id = self.id.load(Relaxed);
        if id == 0 {
            let fresh = NEXT_ID.fetch_add(1, Relaxed);
            id = match self.id.compare_exchange(0, fresh, Relaxed, Relaxed) {
                Ok(_) => fresh,
                Err(other) => other,
            };
        }
        let slot = weft_sim::with_execution_local::<ExecutionValues, _>(|values| {
            *values.0.borrow_mut().entry(id).or_insert_with(|| {
                let slot: &'static Slot<T> =
                    Box::leak(Box::new(Slot { init: weft_core::Lock::new(), value: std::sync::OnceLock::new() }));
                slot
            })
        });
        slot.downcast_ref::<Slot<T>>().expect("a static's slot has its type")
    }

    /// The value, if it was set (in this execution, inside a simulation).
    #[inline]
    pub fn get(&self) -> Option<&T> {
        if simulating() {
            let slot = self.slot();
            Sim::read_operation(slot.key(), "OnceLock", "get");
            slot.value.get()
        } else {
            self.real.get()
        }
    }

    /// Sets the value if none is set; otherwise hands `value` back.
    ///
    /// # Errors
    /// `Err(value)` if the cell already holds a value.
    pub fn set(&self, value: T) -> Result<(), T> {
        if simulating() {
            let slot = self.slot();
            Sim::operation(slot.key(), "OnceLock", "set");
            let _initialising = slot.init.lock();
            // The value is stored in the step that took the lock: it writes the cell.
            Sim::touch(slot.key());
            slot.value.set(value)
        } else {
            self.real.set(value)
        }
    }

    /// The value, made by `f` first if none is set. If several threads call it at once, one runs
    /// its `f` and the others wait for the value.
    ///
    /// # Panics
    /// If `f` panics (the cell stays empty). If `f` uses this cell, it deadlocks (inside a
    /// simulation: a deadlock report), as std's does.
    #[inline]
    pub fn get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        if simulating() { self.sim_get_or_init(f) } else { self.real.get_or_init(f) }
    }

    /// `get_or_init` inside a simulation: a read of the cell, which commutes with other reads,
    /// so that threads that find the value set need no exploring of their order; if it is not
    /// set, the initialisation lock, under which the cell is read again (another thread may have
    /// set it meanwhile) and, by the thread that runs `f`, written in the step that stores the
    /// value.
    #[cold]
    fn sim_get_or_init(&self, f: impl FnOnce() -> T) -> &T {
        let slot = self.slot();
        Sim::read_operation(slot.key(), "OnceLock", "get_or_init");
        if let Some(value) = slot.value.get() {
            return value;
        }
        let _initialising = slot.init.lock();
        Sim::observe(slot.key());
        if let Some(value) = slot.value.get() {
            return value;
        }
        let value = f();
        Sim::touch(slot.key());
        // (Every setter holds the initialisation lock: the cell is still empty.)
        slot.value.get_or_init(|| value)
    }
}

impl<T> Slot<T> {
    /// The key the simulator knows the slot by.
    fn key(&self) -> usize {
        self as *const Self as usize
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: fmt::Debug + Send + Sync + 'static> fmt::Debug for OnceLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Some(value) => f.debug_tuple("OnceLock").field(value).finish(),
            None => f.write_str("OnceLock(<uninit>)"),
        }
    }
}

/// A value made on first access, like [`std::sync::LazyLock`]: on real threads it is one, while
/// inside a simulation each execution makes its own, afresh (see the [module](self)
/// documentation). The initialiser is called once per execution, so it is a `Fn`.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
/// use weft::sync::LazyLock;
///
/// static COUNTER: LazyLock<AtomicUsize> = LazyLock::new(|| AtomicUsize::new(0));
///
/// weft::sim::Explorer::random_walk(1).iterations(5).check(|| {
///     assert_eq!(COUNTER.fetch_add(1, Relaxed), 0); // a fresh counter in every execution
/// });
/// assert_eq!(COUNTER.fetch_add(1, Relaxed), 0); // the real thread's own
/// assert_eq!(COUNTER.fetch_add(1, Relaxed), 1);
/// ```
pub struct LazyLock<T, F = fn() -> T> {
    once: OnceLock<T>,
    init: F,
}

impl<T, F> LazyLock<T, F> {
    /// A value that `init` makes on first access (a `const fn`, for statics).
    pub const fn new(init: F) -> Self {
        LazyLock { once: OnceLock::new(), init }
    }
}

impl<T: Send + Sync + 'static, F: Fn() -> T> LazyLock<T, F> {
    /// Makes the value if it is not made yet, and returns it.
    ///
    /// # Panics
    /// If the initialiser panics.
    #[inline]
    pub fn force(this: &Self) -> &T {
        this.once.get_or_init(|| (this.init)())
    }
}

impl<T: Send + Sync + 'static, F: Fn() -> T> Deref for LazyLock<T, F> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        Self::force(self)
    }
}

impl<T: fmt::Debug + Send + Sync + 'static, F> fmt::Debug for LazyLock<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.once.get() {
            Some(value) => f.debug_tuple("LazyLock").field(value).finish(),
            None => f.write_str("LazyLock(<uninit>)"),
        }
    }
}
