//! Per-run and per-thread state that a backend keeps for the primitives.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use crate::backend::Scheduler;
use crate::backend::atomic::Atomic;
use crate::sync::raw::Mutex;
use crate::thread::{ExceptHook, Thread, ThreadHook};

/// The state of one run: process-wide on real threads, one execution's under a simulator. A
/// backend creates it with [`RunState::new`] and hands it out through
/// [`Scheduler::with_run_state`]; its contents are private to weft-core.
pub struct RunState<S: Scheduler> {
    pub(crate) registry: Mutex<S, Registry<S>>,
    /// Shared by `Thread-N`, `Dummy-N` and timers; advanced only when a default name is made.
    pub(crate) name_counter: S::Atomic<usize>,
    pub(crate) serial_counter: S::Atomic<usize>,
    pub(crate) stack_size: S::Atomic<usize>,
    pub(crate) hooks: Mutex<S, Hooks<S>>,
    pub(crate) local_ids: Mutex<S, IdAllocator>,
    /// Where [`crate::monotonic`] counts from.
    pub(crate) origin: std::time::Instant,
    /// The main thread's `current_ident()`.
    pub(crate) main_ident: usize,
}

pub(crate) struct Registry<S: Scheduler> {
    /// Alive threads (started, or starting) by creation serial: insertion order is
    /// `enumerate()`'s order, and it does not depend on addresses.
    pub(crate) threads: BTreeMap<usize, Thread<S>>,
    pub(crate) main: Thread<S>,
}

pub(crate) struct Hooks<S: Scheduler> {
    pub(crate) trace: Option<ThreadHook<S>>,
    pub(crate) profile: Option<ThreadHook<S>>,
    pub(crate) excepthook: Option<ExceptHook<S>>,
}

/// Hands out small integer ids, reusing freed ones (the slots of [`crate::Local`] values).
#[derive(Default)]
pub(crate) struct IdAllocator {
    next: usize,
    free: Vec<usize>,
}

impl IdAllocator {
    pub(crate) fn allocate(&mut self) -> usize {
        self.free.pop().unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        })
    }

    pub(crate) fn release(&mut self, id: usize) {
        self.free.push(id);
    }
}

impl<S: Scheduler> RunState<S> {
    /// A fresh run: only the main thread is registered, no hooks, default stack size. The main
    /// thread (the process's on real threads; under a simulator, the thread that runs the
    /// model's closure) has the ident `main_ident` and the native id `main_native_id`, whichever
    /// thread makes the run state.
    pub fn new(main_ident: usize, main_native_id: u64) -> Self {
        let main = Thread::<S>::new_main(main_ident, main_native_id);
        let mut threads = BTreeMap::new();
        threads.insert(main.serial(), main.clone());
        RunState {
            registry: Mutex::new(Registry { threads, main }),
            name_counter: S::Atomic::<usize>::new(1),
            serial_counter: S::Atomic::<usize>::new(1),
            stack_size: S::Atomic::<usize>::new(0),
            hooks: Mutex::new(Hooks { trace: None, profile: None, excepthook: None }),
            local_ids: Mutex::new(IdAllocator::default()),
            origin: S::now(),
            main_ident,
        }
    }

    /// The next number for a default name (`Thread-N`, `Dummy-N`).
    pub(crate) fn next_name_number(&self) -> usize {
        self.name_counter.fetch_add(1, Relaxed)
    }
}

/// What other threads may read about a thread while it runs.
///
/// ```
/// # use std::sync::{mpsc, Arc};
/// # use weft_core::{current_status, Event, Scheduler, Thread};
/// # fn demo<S: Scheduler>() {
/// let event = Arc::new(Event::<S>::new());
/// let (tx, rx) = mpsc::channel();
/// let e = event.clone();
/// let t = Thread::<S>::new(move || {
///     tx.send(current_status::<S>()).unwrap();
///     e.wait();
/// });
/// t.start().unwrap();
/// let status = rx.recv().unwrap();
/// while status.blocked_on() != event.wait_key() {
///     weft_core::yield_now::<S>(); // until the thread is parked on the event
/// }
/// event.set();
/// t.join().unwrap();
/// assert_eq!(status.blocked_on(), 0);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct ThreadStatus<S: Scheduler> {
    pub(crate) blocked_on: S::Atomic<usize>,
}

impl<S: Scheduler> ThreadStatus<S> {
    /// The key of the queue the thread is parked on (see `wait_key()` of each primitive), or 0
    /// while it is not parked.
    pub fn blocked_on(&self) -> usize {
        self.blocked_on.load(Relaxed)
    }
}

/// One thread's value of one [`crate::Local`], with that local's serial (unique in the process,
/// unlike ids, which are reused and belong to one run).
pub(crate) type LocalValue = (u64, Box<dyn Any + Send>);

/// The values of [`crate::Local`]s that belong to one thread.
pub(crate) struct LocalSlots<S: Scheduler> {
    pub(crate) values: Mutex<S, Vec<LocalValue>>,
}

impl<S: Scheduler> LocalSlots<S> {
    /// Takes every value out (to be dropped by the caller, outside the lock).
    pub(crate) fn take_all(&self) -> Vec<LocalValue> {
        std::mem::take(&mut *self.values.lock())
    }
}

/// One entry of a thread's `Local` cache, at the index of the local's id: the local's serial and
/// the address of the thread's value of it.
pub(crate) type CacheEntry = (u64, *const ());

/// Where a backend lets `Local` find the calling thread's cache of `Local` values with no more
/// than a thread-local address computation: keep one in a const-initialised `thread_local!`
/// (it has no destructor, so it is reachable until the thread exits, even from other
/// thread-locals' destructors), create the thread's [`ThreadState`] with
/// [`ThreadState::with_view`], and hand it out through [`Scheduler::with_local_view`].
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

    fn publish(&self, entries: &[CacheEntry]) {
        self.entries.set(entries.as_ptr());
        self.len.set(entries.len());
    }
}

impl Default for LocalView {
    fn default() -> Self {
        Self::new()
    }
}

/// The state a backend keeps for each thread (OS thread or simulated thread). The backend
/// creates it with [`ThreadState::new`] on the thread's first use and drops it when the thread
/// ends: dropping it drops the thread's [`crate::Local`] values and removes a dummy thread from
/// the registry.
pub struct ThreadState<S: Scheduler> {
    pub(crate) current: RefCell<Option<Thread<S>>>,
    pub(crate) status: Arc<ThreadStatus<S>>,
    pub(crate) locals: Arc<LocalSlots<S>>,
    /// This thread's lock-free view of its `Local` values: by local id, the local's serial and
    /// the address of its value (see `Local::cell`).
    local_cache: RefCell<Vec<CacheEntry>>,
    /// Where the cache is published for `Local`'s fast path (null: nowhere).
    view: *const LocalView,
    /// The thread's values of statically declared locals, for the default
    /// [`Scheduler::with_static_locals`].
    statics: StaticLocals,
}

/// The values of statically declared locals ([`crate::LocalKey`]) of one thread that does not
/// own its OS thread (see [`Scheduler::with_static_locals`]), by key. A backend keeps one per thread and
/// hands it out through [`Scheduler::with_static_locals`]; its contents are private to
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

impl<S: Scheduler> ThreadState<S> {
    /// State for a thread that has done nothing yet.
    pub fn new() -> Self {
        ThreadState {
            current: RefCell::new(None),
            status: Arc::new(ThreadStatus { blocked_on: S::Atomic::<usize>::new(0) }),
            locals: Arc::new(LocalSlots { values: Mutex::new(Vec::new()) }),
            local_cache: RefCell::new(Vec::new()),
            view: std::ptr::null(),
            statics: StaticLocals::default(),
        }
    }

    /// State for a thread that has done nothing yet, which publishes its `Local` cache in
    /// `view` (see [`LocalView`]).
    ///
    /// # Safety
    /// `view` must stay valid (neither moved nor freed) as long as the returned state, and must
    /// be reachable only from the thread the state belongs to: a const-initialised thread-local
    /// of that thread, with no destructor, satisfies both. No other state may publish to it.
    pub unsafe fn with_view(view: *const LocalView) -> Self {
        let mut state = Self::new();
        state.view = view;
        state
    }

    /// The cached value address of the local with `id` and `serial`, if any.
    #[inline]
    pub(crate) fn cached(&self, id: usize, serial: u64) -> Option<*const ()> {
        match self.local_cache.borrow().get(id) {
            Some(&(cached, value)) if cached == serial => Some(value),
            _ => None,
        }
    }

    /// Caches `value` as the address of this thread's value of the local with `id` and `serial`.
    pub(crate) fn cache(&self, id: usize, serial: u64, value: *const ()) {
        let mut cache = self.local_cache.borrow_mut();
        if cache.len() <= id {
            cache.resize(id + 1, (0, std::ptr::null()));
        }
        cache[id] = (serial, value);
        self.publish(&cache);
    }

    fn publish(&self, cache: &[CacheEntry]) {
        // SAFETY: `with_view`'s contract: the view outlives this state and belongs to this
        // state's thread, the only one that runs this.
        if let Some(view) = unsafe { self.view.as_ref() } {
            view.publish(cache);
        }
    }

    /// The thread's values of statically declared locals (see [`StaticLocals`]).
    pub fn static_locals(&self) -> &StaticLocals {
        &self.statics
    }

    /// Records that the thread waits on `key` (0: no longer) without parking: for a backend
    /// that keeps a thread off its run queue until its blocking operation can proceed
    /// ([`crate::Observe::blocking_operation`]), so that [`ThreadStatus::blocked_on`] still tells.
    pub fn set_blocked_on(&self, key: usize) {
        self.status.blocked_on.store(key, Relaxed);
    }

    /// Drops the thread's `Local` values (outside any lock).
    pub(crate) fn drop_locals(&self) {
        {
            let mut cache = self.local_cache.borrow_mut();
            cache.clear();
            self.publish(&cache);
        }
        drop(self.locals.take_all());
    }

    /// [`ThreadState::drop_locals`] with exclusive access: no lock (and no scheduler) needed
    /// when nothing else holds the slots.
    fn drop_locals_mut(&mut self) {
        match Arc::get_mut(&mut self.locals) {
            Some(slots) => {
                let values = std::mem::take(slots.values.get_mut());
                let cache = self.local_cache.get_mut();
                cache.clear();
                self.publish(&self.local_cache.borrow());
                drop(values);
            }
            None => self.drop_locals(),
        }
    }
}

impl<S: Scheduler> Default for ThreadState<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler> ThreadState<S> {
    /// Does what dropping the state does (drops the thread's `Local` values, removes a dummy
    /// thread from the registry) but keeps the state's memory: for a backend that keeps the
    /// addresses of an ended thread's objects from being reused for a while. Dropping it later
    /// does nothing more.
    pub fn end(&mut self) {
        self.drop_locals_mut();
        self.statics.drop_all();
        if let Some(thread) = self.current.get_mut().take() {
            thread.end_of_os_thread();
        }
    }
}

impl<S: Scheduler> ThreadState<S> {
    /// Whether this ended state ([`ThreadState::end`]) can serve another thread as if new:
    /// nothing else holds its status or its `Local` slots (not even weakly, as a `Local` that
    /// the thread used does until it is dropped). If so, it is made new again.
    pub fn renew(&mut self) -> bool {
        let alone = Arc::strong_count(&self.status) == 1
            && Arc::strong_count(&self.locals) == 1
            && Arc::weak_count(&self.locals) == 0
            && self.current.get_mut().is_none();
        if alone {
            // What is left of the thread's values goes as at its end (nothing of a registry:
            // no thread record is held).
            self.end();
            self.status.blocked_on.store(0, Relaxed);
        }
        alone
    }
}

impl<S: Scheduler> Drop for ThreadState<S> {
    fn drop(&mut self) {
        self.end();
    }
}

/// The status of the calling thread, which other threads can watch (for example to wait until
/// it is parked on a given object).
pub fn current_status<S: Scheduler>() -> Arc<ThreadStatus<S>> {
    S::with_thread_state(|state| state.status.clone())
}
