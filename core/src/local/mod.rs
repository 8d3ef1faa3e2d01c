//! `threading.local`: a value per thread.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Weak};

use crate::backend::Scheduler;
use crate::backend::storage::{LocalStores, StaticLocals};
use crate::sync::raw::Mutex;
use crate::thread::state::{LocalSlots, with_run, with_thread};

type Init<T> = Box<dyn Fn() -> T + Send + Sync + 'static>;

/// A value per thread (Python's `threading.local`): each thread sees its own, made by the
/// initialiser on that thread's first access. A thread's value is dropped when the thread ends,
/// and every value is dropped when the `Local` is dropped.
///
/// ```
/// # use std::cell::Cell;
/// # use weft_core::{Local, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let counter = Local::<S, Cell<u32>>::new(|| Cell::new(0));
/// counter.with(|c| c.set(c.get() + 1));
/// assert_eq!(counter.with(|c| c.get()), 1);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Local<S: Scheduler, T: Send + 'static> {
    id: usize,
    /// Unique in the process, across runs and simulated executions (ids are reused and belong to
    /// one run): a thread's values and cache entries are this local's only if they carry it.
    serial: u64,
    init: Init<T>,
    /// The threads that hold a value, to drop them with the `Local`.
    holders: Mutex<S, Vec<Weak<LocalSlots<S>>>>,
}

impl<S: Scheduler, T: Send + 'static> Local<S, T> {
    /// A local whose value in each thread starts as `init()`.
    pub fn new(init: impl Fn() -> T + Send + Sync + 'static) -> Self {
        let id = with_run::<S, _>(|run| run.local_ids.lock().allocate());
        let serial = NEXT_SERIAL.fetch_add(1, Relaxed);
        Local { id, serial, init: Box::new(init), holders: Mutex::new(Vec::new()) }
    }

    /// Runs `f` with the calling thread's value, creating it first if needed.
    ///
    /// # Panics
    /// If `f` (or the initialiser) calls [`Local::with_mut`] or [`Local::set`] on this same
    /// local: the value is borrowed. Under a simulator, if the local was made in another
    /// execution or outside the simulation (a simulation's objects belong to the execution that
    /// made them).
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        match self.cached_cell() {
            // SAFETY: see `cached_cell`: the pointee lives until this thread's state drops it or this
            // `Local` is dropped; neither happens while `self` is borrowed here.
            Some(cell) => f(&unsafe { &*cell }.borrow()),
            None => self.with_slow(f),
        }
    }

    #[cold]
    #[inline(never)]
    fn with_slow<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let (cell, _slots) = self.cell_slow();
        // SAFETY: see `cached_cell`: the pointee lives until this thread's state drops it or this
        // `Local` is dropped; neither happens while `self` is borrowed here, and when the
        // thread's state is a stand-in (during its teardown) `_slots` keeps it alive.
        let cell = unsafe { &*cell };
        let value = cell.borrow();
        f(&value)
    }

    /// Runs `f` with mutable access to the calling thread's value.
    ///
    /// # Panics
    /// If the value is already borrowed by an enclosing `with`/`with_mut` on this local; under a
    /// simulator, as [`Local::with`].
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        match self.cached_cell() {
            // SAFETY: as in `with`.
            Some(cell) => f(&mut unsafe { &*cell }.borrow_mut()),
            None => self.with_mut_slow(f),
        }
    }

    #[cold]
    #[inline(never)]
    fn with_mut_slow<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let (cell, _slots) = self.cell_slow();
        // SAFETY: as in `with_slow`.
        let cell = unsafe { &*cell };
        let mut value = cell.borrow_mut();
        f(&mut value)
    }

    /// Replaces the calling thread's value.
    ///
    /// # Panics
    /// As [`Local::with_mut`].
    pub fn set(&self, value: T) {
        self.with_mut(|slot| *slot = value);
    }

    /// A copy of the calling thread's value.
    pub fn get(&self) -> T
    where
        T: Clone,
    {
        self.with(T::clone)
    }

    /// The calling thread's cell, if its cache has it: the fast path (no lock, no atomic, one
    /// thread-local access through the backend's [`crate::LocalView`]). The cell's box never
    /// moves and is dropped only by the thread's state (at the thread's end) or by `Local::drop`.
    ///
    /// The entry for this local's id is used only if it carries this local's serial, so an entry
    /// left by a dropped local whose id was reused, or by a local of another run with the same
    /// id, is never followed.
    #[inline(always)]
    fn cached_cell(&self) -> Option<*const RefCell<T>> {
        S::with_locals(|stores| match stores {
            LocalStores::Own(Some(view)) => view.lookup(self.id, self.serial),
            _ => None,
        })
        .map(|cell| cell as *const RefCell<T>)
    }

    /// The calling thread's cell, created on first access, and the slot vector holding it when it
    /// was not cached (the caller keeps it until it is done with the cell).
    ///
    /// # Panics
    /// If the local was made in another execution, or outside the simulation whose thread calls
    /// (its bookkeeping would carry from one execution to the next).
    fn cell_slow(&self) -> (*const RefCell<T>, Option<Arc<LocalSlots<S>>>) {
        self.holders.check_use("Local");
        S::operation(self as *const Self as usize, "Local", "access");
        if let Some(cell) = with_thread::<S, _>(|state| state.cached(self.id, self.serial)) {
            return (cell as *const RefCell<T>, None);
        }
        let slots = with_thread::<S, _>(|state| state.locals.clone());
        let cell = self.cell_locked(&slots);
        with_thread::<S, _>(|state| {
            // Cache only in the thread's own state (not in a stand-in lent during teardown,
            // whose slots die with it).
            if Arc::ptr_eq(&state.locals, &slots) {
                state.cache(self.id, self.serial, cell as *const ());
            }
        });
        (cell, Some(slots))
    }

    /// The calling thread's cell in its locked slot vector, created if needed.
    fn cell_locked(&self, slots: &Arc<LocalSlots<S>>) -> *const RefCell<T> {
        if let Some(cell) = self.lookup(slots) {
            return cell;
        }
        // Run the initialiser without holding any lock: it is user code.
        let fresh: Box<dyn Any + Send> = Box::new(RefCell::new((self.init)()));
        let cell = {
            let mut values = slots.values.lock();
            let at = match values.iter().position(|(serial, _)| *serial == self.serial) {
                Some(at) => at,
                None => {
                    values.push((self.serial, fresh));
                    values.len() - 1
                }
            };
            values[at].1.downcast_ref::<RefCell<T>>().expect("a local's value has its type") as *const RefCell<T>
        };
        self.holders.lock().push(Arc::downgrade(slots));
        cell
    }

    fn lookup(&self, slots: &LocalSlots<S>) -> Option<*const RefCell<T>> {
        let values = slots.values.lock();
        let (_, value) = values.iter().find(|(serial, _)| *serial == self.serial)?;
        Some(value.downcast_ref::<RefCell<T>>().expect("a local's value has its type") as *const RefCell<T>)
    }
}

/// Serials of `Local`s: unique in the process.
static NEXT_SERIAL: AtomicU64 = AtomicU64::new(1);

impl<S: Scheduler, T: Send + Default + 'static> Default for Local<S, T> {
    fn default() -> Self {
        Self::new(T::default)
    }
}

impl<S: Scheduler, T: Send + 'static> Drop for Local<S, T> {
    fn drop(&mut self) {
        let holders = std::mem::take(&mut *self.holders.lock());
        for slots in holders.iter().filter_map(Weak::upgrade) {
            let value = {
                let mut values = slots.values.lock();
                values.iter().position(|(serial, _)| *serial == self.serial).map(|at| values.swap_remove(at))
            };
            drop(value);
        }
        with_run::<S, _>(|run| run.local_ids.lock().release(self.id));
    }
}

impl<S: Scheduler, T: Send + 'static> fmt::Debug for Local<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Local #{}>", self.serial)
    }
}

/// A per-thread value declared as a `static` with [`thread_local!`](crate::thread_local): the
/// static form of [`Local`], with std's `thread_local!` syntax, for the common case of one
/// per-thread value per program (Python: a module-level `threading.local()`).
///
/// A thread's value is made by the initialiser on the thread's first access (`set` makes it from
/// its argument instead, as std's does). On a thread that has its OS thread to itself (every real
/// thread: [`Scheduler::with_locals`] says [`LocalStores::Own`]) it is a Rust `thread_local!` value: access costs what
/// std's does, and the value is dropped when the OS thread exits (possibly just after a `join()`
/// of it returns). A simulated thread keeps its values apart ([`Scheduler::with_locals`]):
/// every simulated thread, in every execution, starts from fresh values, the same whether the
/// code names the façade's scheduler or the simulator, and they are dropped when the thread ends,
/// before a `join()` of it returns. (The values of a simulated thread that has not ended when its
/// execution ends, such as a daemon thread, are not dropped.)
///
/// In generic code name the scheduler: `KEY.with::<S, _>(|v| ...)`. The façade's
/// `weft::thread_local!` makes a key whose methods need no scheduler.
///
/// ```
/// # use std::cell::Cell;
/// # use weft_core::Scheduler;
/// weft_core::thread_local! {
///     static CALLS: Cell<u32> = const { Cell::new(0) };
/// }
///
/// fn count<S: Scheduler>() -> u32 {
///     CALLS.with::<S, _>(|calls| {
///         calls.set(calls.get() + 1);
///         calls.get()
///     })
/// }
/// assert_eq!(count::<weft_real::Real>(), 1);
/// assert_eq!(count::<weft_real::Real>(), 2);
/// ```
pub struct LocalKey<T: 'static> {
    os: std::thread::LocalKey<T>,
    init: fn() -> T,
    /// A `static` of the key's own, whose address names the key among a simulated thread's
    /// values. (Not the key's address: the slow path then never sees the key, so the compiler can
    /// tell that it does not reach `os`'s value. Interior-mutable, so that it lies in writable
    /// data, which no linker folds with another key's.)
    id: &'static AtomicU8,
}

impl<T: 'static> LocalKey<T> {
    /// A key made by [`thread_local!`](crate::thread_local): `os` holds the value of threads
    /// that own their OS thread, `init` makes the value of the others, `id` names the key.
    #[doc(hidden)]
    pub const fn __new(os: std::thread::LocalKey<T>, init: fn() -> T, id: &'static AtomicU8) -> Self {
        LocalKey { os, init, id }
    }

    /// Runs `f` with the calling thread's value, made first if needed.
    ///
    /// # Panics
    /// On a real thread, as std's `LocalKey::with`: if the value is reached while the OS thread
    /// destroys its thread-locals, after this value was dropped. If the initialiser panics.
    #[inline]
    pub fn with<S: Scheduler, R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        S::with_locals(|stores| match stores {
            LocalStores::Own(_) => self.os.with(f),
            LocalStores::Shared(store) => with_apart(store, key_of(self.id), self.init, f),
        })
    }

    /// `set` for a cell type: puts `value` in the calling thread's cell if it has one, else makes
    /// the cell from `value` (the initialiser does not run), as std's `set` does.
    fn set_with<S: Scheduler, V>(
        &'static self,
        value: V,
        make: fn(V) -> T,
        put: fn(&T, V),
        os_set: fn(&'static std::thread::LocalKey<T>, V),
    ) {
        let key = key_of(self.id);
        S::with_locals(|stores| match stores {
            LocalStores::Own(_) => os_set(&self.os, value),
            LocalStores::Shared(values) => match values.get::<T>(key) {
                // SAFETY: as in `with_apart`.
                Some(cell) => put(unsafe { &*cell }, value),
                None => {
                    values.insert(key, Box::new(make(value)));
                }
            },
        });
    }
}

/// The key of a [`LocalKey`] among a thread's [`StaticLocals`].
fn key_of(id: &'static AtomicU8) -> usize {
    id as *const AtomicU8 as usize
}

/// [`LocalKey::with`] for a thread that does not own its OS thread.
#[cold]
#[inline(never)]
fn with_apart<T: 'static, R>(values: &StaticLocals, key: usize, init: fn() -> T, f: impl FnOnce(&T) -> R) -> R {
    {
        // The initialiser runs outside any borrow of the values: it is user code, and may use
        // other static locals (or this one).
        let value = match values.get::<T>(key) {
            Some(value) => value,
            None => values.insert(key, Box::new(init())),
        };
        // SAFETY: the value is boxed, so it stays where it is while the thread's values change.
        // It is dropped by the store's drop, which the shared borrow held here (outliving `f`)
        // excludes; by `StaticLocals::drop_all`, only at the thread's end, which takes the values
        // out before dropping them, so that an access a destructor makes gets a new value; or by
        // `insert` replacing it, which happens only when this key's initialiser returns after it
        // got a value, and no access to that value is in progress then (an access needs the
        // value present, and then no initialiser of the key runs; `set` changes a present
        // value in place).
        f(unsafe { &*value })
    }
}

impl<T: 'static> LocalKey<Cell<T>> {
    /// A copy of the calling thread's value.
    pub fn get<S: Scheduler>(&'static self) -> T
    where
        T: Copy,
    {
        self.with::<S, _>(Cell::get)
    }

    /// Sets the calling thread's value (without running the initialiser, as std's `set`).
    pub fn set<S: Scheduler>(&'static self, value: T) {
        self.set_with::<S, T>(value, Cell::new, Cell::set, std::thread::LocalKey::<Cell<T>>::set);
    }

    /// Takes the calling thread's value, leaving `T::default()`.
    pub fn take<S: Scheduler>(&'static self) -> T
    where
        T: Default,
    {
        self.with::<S, _>(Cell::take)
    }

    /// Replaces the calling thread's value, returning the old one.
    pub fn replace<S: Scheduler>(&'static self, value: T) -> T {
        self.with::<S, _>(|cell| cell.replace(value))
    }
}

impl<T: 'static> LocalKey<RefCell<T>> {
    /// Runs `f` with a shared borrow of the calling thread's value.
    ///
    /// # Panics
    /// If the value is mutably borrowed (by an enclosing `with_borrow_mut`).
    pub fn with_borrow<S: Scheduler, R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        self.with::<S, _>(|cell| f(&cell.borrow()))
    }

    /// Runs `f` with a mutable borrow of the calling thread's value.
    ///
    /// # Panics
    /// If the value is borrowed (by an enclosing `with_borrow` or `with_borrow_mut`).
    pub fn with_borrow_mut<S: Scheduler, R>(&'static self, f: impl FnOnce(&mut T) -> R) -> R {
        self.with::<S, _>(|cell| f(&mut cell.borrow_mut()))
    }

    /// Sets the calling thread's value (without running the initialiser, as std's `set`).
    ///
    /// # Panics
    /// If the value is borrowed (by an enclosing `with_borrow` or `with_borrow_mut`).
    pub fn set<S: Scheduler>(&'static self, value: T) {
        self.set_with::<S, T>(
            value,
            RefCell::new,
            |cell, value| drop(cell.replace(value)),
            std::thread::LocalKey::<RefCell<T>>::set,
        );
    }

    /// Takes the calling thread's value, leaving `T::default()`.
    ///
    /// # Panics
    /// If the value is borrowed.
    pub fn take<S: Scheduler>(&'static self) -> T
    where
        T: Default,
    {
        self.with::<S, _>(RefCell::take)
    }

    /// Replaces the calling thread's value, returning the old one.
    ///
    /// # Panics
    /// If the value is borrowed.
    pub fn replace<S: Scheduler>(&'static self, value: T) -> T {
        self.with::<S, _>(|cell| cell.replace(value))
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalKey").finish_non_exhaustive()
    }
}
/// Declares per-thread values as statics of type [`LocalKey`], in std's `thread_local!`
/// syntax (initialisers may be `const { ... }` blocks, as in std).
///
/// ```
/// # use std::cell::RefCell;
/// weft_core::thread_local! {
///     /// Names seen by this thread.
///     static SEEN: RefCell<Vec<String>> = RefCell::new(Vec::new());
///     pub(crate) static DEPTH: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
/// }
/// SEEN.with_borrow_mut::<weft_real::Real, _>(|seen| seen.push("a".into()));
/// assert_eq!(SEEN.with_borrow::<weft_real::Real, _>(|seen| seen.len()), 1);
/// ```
#[macro_export]
macro_rules! thread_local {
    ($($declarations:tt)*) => {
        $crate::__thread_local_as! { [$crate::LocalKey] $($declarations)* }
    };
}

/// [`thread_local!`] with the key type to declare (the façade declares its own, which wraps
/// [`LocalKey`]): `[path::to::Key] declarations`. The key type has
/// `const fn __new(std::thread::LocalKey<T>, fn() -> T, &'static AtomicU8)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __thread_local_as {
    ([$($key:tt)*]) => {};
    ([$($key:tt)*] $(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block; $($rest:tt)*) => {
        $crate::__thread_local_as! { @one [$($key)*] $(#[$attr])* $vis $name, $t, const, $init }
        $crate::__thread_local_as! { [$($key)*] $($rest)* }
    };
    ([$($key:tt)*] $(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = const $init:block) => {
        $crate::__thread_local_as! { @one [$($key)*] $(#[$attr])* $vis $name, $t, const, $init }
    };
    ([$($key:tt)*] $(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr_2021; $($rest:tt)*) => {
        $crate::__thread_local_as! { @one [$($key)*] $(#[$attr])* $vis $name, $t, lazy, $init }
        $crate::__thread_local_as! { [$($key)*] $($rest)* }
    };
    ([$($key:tt)*] $(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr_2021) => {
        $crate::__thread_local_as! { @one [$($key)*] $(#[$attr])* $vis $name, $t, lazy, $init }
    };
    (@one [$($key:tt)*] $(#[$attr:meta])* $vis:vis $name:ident, $t:ty, const, $init:block) => {
        $(#[$attr])*
        $vis static $name: $($key)*<$t> = {
            const __WEFT_INIT: $t = $init;
            ::std::thread_local! {
                static __WEFT_OS_THREAD_VALUE: $t = const { __WEFT_INIT };
            }
            fn __weft_init() -> $t {
                __WEFT_INIT
            }
            static __WEFT_KEY_ID: ::std::sync::atomic::AtomicU8 = ::std::sync::atomic::AtomicU8::new(0);
            $($key)*::__new(__WEFT_OS_THREAD_VALUE, __weft_init, &__WEFT_KEY_ID)
        };
    };
    (@one [$($key:tt)*] $(#[$attr:meta])* $vis:vis $name:ident, $t:ty, lazy, $init:expr_2021) => {
        $(#[$attr])*
        $vis static $name: $($key)*<$t> = {
            fn __weft_init() -> $t {
                $init
            }
            ::std::thread_local! {
                static __WEFT_OS_THREAD_VALUE: $t = __weft_init();
            }
            static __WEFT_KEY_ID: ::std::sync::atomic::AtomicU8 = ::std::sync::atomic::AtomicU8::new(0);
            $($key)*::__new(__WEFT_OS_THREAD_VALUE, __weft_init, &__WEFT_KEY_ID)
        };
    };
}
