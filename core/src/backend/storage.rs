//! The storage a backend keeps for weft-core: one state per run and one per thread, whose types
//! are weft-core's ([`crate::RunState`], [`crate::ThreadState`]) and which the backend sees only
//! through [`RunStorage`] and [`ThreadStorage`]; and where a thread's thread-local values live
//! ([`LocalStores`]).

use std::any::Any;
use std::cell::{Cell, RefCell};

/// weft-core's state of one run, as a backend sees it: made once per run (the process on real
/// threads, one execution under a simulator) and handed out by [`crate::Scheduler::with_run_state`].
/// Only [`crate::RunState<S>`] implements it, for its own `S`: a backend sets
/// `type RunState = weft_core::RunState<Self>`.
///
/// ```
/// use weft_core::{RunState, RunStorage};
/// use weft_real::Real;
///
/// fn fresh<R: RunStorage<Real>>() -> R {
///     R::new(1, 4242) // the main thread's ident and native id
/// }
/// let _run: RunState<Real> = fresh();
/// ```
pub trait RunStorage<S>: sealed::Sealed + Any + Send + Sync {
    /// A fresh run in which only the main thread, with ident `main_ident` and native id
    /// `main_native_id`, is registered.
    fn new(main_ident: usize, main_native_id: u64) -> Self;
}

/// weft-core's state of one thread, as a backend sees it: made on the thread's first use, handed
/// out by [`crate::Scheduler::with_thread_state`], dropped (or [ended](crate::ThreadState::end)) when
/// the thread ends. Only [`crate::ThreadState<S>`] implements it, for its own `S`: a backend sets
/// `type ThreadState = weft_core::ThreadState<Self>`.
///
/// ```
/// use weft_core::{ThreadState, ThreadStorage};
/// use weft_real::Real;
///
/// let state = ThreadState::<Real>::new();
/// state.set_blocked_on(0); // not parked
/// assert!(state.static_locals().is_empty());
/// ```
pub trait ThreadStorage<S>: sealed::Sealed + Any {
    /// Records that the thread waits on `key` (0: no longer), which
    /// [`crate::ThreadStatus::blocked_on`] tells other threads. [`crate::Scheduler::park`] callers in
    /// weft-core do it around each park; a backend that keeps a thread off its run queue until
    /// its blocking operation can proceed ([`crate::Observe::blocking_operation`]) tells readers
    /// about that wait itself ([`crate::Observe::read_blocked_on`]).
    fn set_blocked_on(&self, key: usize);

    /// The thread's store of statically declared locals, for a backend that keeps them in the
    /// thread's state (the default [`crate::Scheduler::with_locals`]).
    fn static_locals(&self) -> &StaticLocals;
}

pub(crate) mod sealed {
    /// Only weft-core's state types are storage (see [`super::RunStorage`]).
    pub trait Sealed {}
}

/// Where the calling thread's thread-local values live, as [`crate::Scheduler::with_locals`] tells.
///
/// ```
/// use weft_core::{LocalStores, LocalView, StaticLocals};
///
/// fn describe(stores: LocalStores<'_>) -> &'static str {
///     match stores {
///         LocalStores::Own(Some(_)) => "own OS thread, with a view of its Local values",
///         LocalStores::Own(None) => "own OS thread",
///         LocalStores::Shared(_) => "shares its OS thread",
///     }
/// }
/// assert_eq!(describe(LocalStores::Own(None)), "own OS thread");
/// assert_eq!(describe(LocalStores::Shared(&StaticLocals::default())), "shares its OS thread");
/// ```
#[derive(Clone, Copy, Debug)]
pub enum LocalStores<'a> {
    /// The thread is, for its whole life, the only thread of any scheduler on its OS thread:
    /// statically declared locals ([`crate::LocalKey`]) are Rust's `thread_local!` values of
    /// that OS thread (std's speed, and std's behaviour during the thread's teardown). The
    /// [`LocalView`], if the backend keeps one, is where the thread's state publishes its cache
    /// of [`crate::Local`] values.
    Own(Option<&'a LocalView>),
    /// The thread shares its OS thread with other threads (a simulator's): its statically
    /// declared locals are kept in this store, its own.
    Shared(&'a StaticLocals),
}

/// One entry of a thread's `Local` cache, at the index of the local's id: the local's serial and
/// the address of the thread's value of it.
pub(crate) type CacheEntry = (u64, *const ());

/// Where a backend lets `Local` find the calling thread's cache of `Local` values with no more
/// than a thread-local address computation: keep one in a const-initialised `thread_local!`
/// (it has no destructor, so it is reachable until the thread exits, even from other
/// thread-locals' destructors), create the thread's [`crate::ThreadState`] with
/// [`crate::ThreadState::with_view`], and hand it out through [`crate::Scheduler::with_locals`]
/// (as [`LocalStores::Own`]).
///
/// It holds the address and length of the state's cache, which the state republishes whenever
/// the cache moves and empties before the cache is dropped; weft-core only reads it.
#[derive(Debug)]
pub struct LocalView {
    entries: Cell<*const CacheEntry>,
    len: Cell<usize>,
}

impl LocalView {
    /// An empty view (every lookup misses).
    pub const fn new() -> Self {
        LocalView { entries: Cell::new(std::ptr::null()), len: Cell::new(0) }
    }

    /// The cached value address of the local with `id` and `serial`, if any.
    #[inline(always)]
    pub(crate) fn lookup(&self, id: usize, serial: u64) -> Option<*const ()> {
        if id >= self.len.get() {
            return None;
        }
        // SAFETY: `entries` and `len` describe the cache vector of the live `ThreadState` that
        // owns this view (`publish` is called after every change that can move or shrink the
        // vector, with no code in between, and with an empty slice before the vector is
        // dropped), and `id < len`. Only the view's own thread reaches the view (it is in a
        // thread-local and `LocalView` is neither `Send` nor `Sync`), and that thread never
        // reads it while it changes the vector, so the read does not race.
        let (cached, value) = unsafe { *self.entries.get().add(id) };
        (cached == serial).then_some(value)
    }

    /// Makes `entries` what [`LocalView::lookup`] reads.
    ///
    /// # Safety
    /// Called only by the view's own thread, for the cache of the one state that publishes to
    /// this view; `entries` must stay where it is, unchanged, until the next `publish` (the
    /// state publishes after every change of its cache, and an empty slice before dropping it).
    pub(crate) unsafe fn publish(&self, entries: &[CacheEntry]) {
        self.entries.set(entries.as_ptr());
        self.len.set(entries.len());
    }
}

impl Default for LocalView {
    fn default() -> Self {
        Self::new()
    }
}

/// The values of statically declared locals ([`crate::LocalKey`]) of one thread that does not
/// own its OS thread (see [`crate::Scheduler::with_locals`]), by key. A backend keeps one per thread and
/// hands it out through [`crate::Scheduler::with_locals`]; its contents are private to
/// weft-core.
#[derive(Default)]
pub struct StaticLocals {
    /// By the address of the key's identity (see `LocalKey`); each value boxed, so that it stays
    /// where it is while the vector grows.
    values: RefCell<Vec<(usize, Box<dyn Any>)>>,
}

impl StaticLocals {
    /// The thread's value of the key `key`, if it has one. The value stays where it is until
    /// [`StaticLocals::drop_all`] or the store's drop.
    pub(crate) fn get<T: 'static>(&self, key: usize) -> Option<*const T> {
        let values = self.values.borrow();
        let (_, value) = values.iter().find(|(at, _)| *at == key)?;
        Some(value.downcast_ref::<T>().expect("a static local's value has its type") as *const T)
    }

    /// Keeps `value` as the thread's value of `key` and returns where it is. A value the key got
    /// meanwhile (its initialiser used the key) is replaced and dropped, as std's `thread_local!`
    /// does: nothing can still refer to it, since its `with` has returned.
    pub(crate) fn insert<T: 'static>(&self, key: usize, value: Box<T>) -> *const T {
        let mut values = self.values.borrow_mut();
        let replaced = match values.iter().position(|(at, _)| *at == key) {
            Some(at) => Some(std::mem::replace(&mut values[at].1, value)),
            None => {
                values.push((key, value));
                None
            }
        };
        let (_, kept) = values.iter().find(|(at, _)| *at == key).expect("just kept");
        let kept = kept.downcast_ref::<T>().expect("a static local's value has its type") as *const T;
        drop(values);
        drop(replaced); // User code: outside the borrow.
        kept
    }

    /// Drops every value, while the thread can still use its locals: a destructor that reaches a
    /// key gets a value again (a fresh one for a key already dropped), dropped in the next round,
    /// as std's thread-local destructors run those registered while they run. After 16 rounds
    /// what remains is left to the store's own drop.
    pub fn drop_all(&self) {
        for _ in 0..16 {
            let values = std::mem::take(&mut *self.values.borrow_mut());
            if values.is_empty() {
                return;
            }
            drop(values);
        }
    }
}

impl std::fmt::Debug for StaticLocals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let values = self.values.try_borrow().map(|values| values.len());
        f.debug_struct("StaticLocals").field("values", &values.ok()).finish()
    }
}

impl StaticLocals {
    /// Whether the store holds no value.
    pub fn is_empty(&self) -> bool {
        self.values.borrow().is_empty()
    }
}
