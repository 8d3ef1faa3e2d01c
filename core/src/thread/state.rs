//! Per-run and per-thread state that a backend keeps for the primitives.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use crate::backend::Scheduler;
use crate::backend::atomic::Atomic;
use crate::backend::storage::{
    CacheEntry, LocalStores, LocalView, RunStorage, StaticLocals, ThreadStorage, sealed::Sealed,
};
use crate::sync::raw::Mutex;
use crate::thread::hooks::{ExceptHook, ThreadHook};
use crate::thread::record::{Kind, STOPPED, Thread};

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

impl<S: Scheduler> Sealed for RunState<S> {}

impl<S: Scheduler> RunStorage<S> for RunState<S> {
    /// A fresh run: only the main thread is registered, no hooks, default stack size. The main
    /// thread (the process's on real threads; under a simulator, the thread that runs the
    /// model's closure) has the ident `main_ident` and the native id `main_native_id`, whichever
    /// thread makes the run state.
    fn new(main_ident: usize, main_native_id: u64) -> Self {
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
}

impl<S: Scheduler> RunState<S> {
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
    ///
    /// Under a simulator that keeps a thread off its run queue until its blocking operation can
    /// proceed, rather than parking it, this is that operation's key while the operation cannot
    /// proceed, and 0 once it can, even before the thread runs again
    /// ([`crate::Observe::read_blocked_on`]).
    pub fn blocked_on(&self) -> usize {
        S::read_blocked_on(&self.blocked_on)
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
    /// [`Scheduler::with_locals`].
    statics: StaticLocals,
}

impl<S: Scheduler> ThreadState<S> {
    /// The address of the thread's blocked-on record ([`ThreadStatus::blocked_on`]): a
    /// simulator that names shared objects by address can name this one before the thread
    /// runs.
    #[doc(hidden)]
    pub fn blocked_on_address(&self) -> usize {
        &self.status.blocked_on as *const S::Atomic<usize> as usize
    }

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

    /// Publishes `cache` (this state's cache, borrowed by the caller) to the state's view.
    fn publish(&self, cache: &[CacheEntry]) {
        // SAFETY: `with_view`'s contract: the view outlives this state and belongs to this
        // state's thread, the only one that runs this.
        if let Some(view) = unsafe { self.view.as_ref() } {
            // SAFETY: this runs on the view's thread (as above), for the cache of the one state
            // that publishes to the view (`with_view`'s contract), and every change of that
            // cache, and its drop (`drop_locals`, `drop_locals_mut` clear it first), is
            // followed by a publish before anything reads the view.
            unsafe { view.publish(cache) };
        }
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

impl<S: Scheduler> Sealed for ThreadState<S> {}

impl<S: Scheduler> ThreadStorage<S> for ThreadState<S> {
    fn set_blocked_on(&self, key: usize) {
        self.status.blocked_on.store(key, Relaxed);
        if !S::SEES_ATOMICS {
            // Readers depend on this write: a simulator that does not see the store sees this.
            S::touch(self.blocked_on_address());
        }
    }

    fn static_locals(&self) -> &StaticLocals {
        &self.statics
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
    with_thread::<S, _>(|state| state.status.clone())
}

/// Runs `f` with the current run's state (see [`Scheduler::with_run_state`]).
#[inline]
pub(crate) fn with_run<S: Scheduler, R>(f: impl FnOnce(&RunState<S>) -> R) -> R {
    S::with_run_state(|run| f(ours(run)))
}

/// Runs `f` with the calling thread's state (see [`Scheduler::with_thread_state`]).
#[inline]
pub(crate) fn with_thread<S: Scheduler, R>(f: impl FnOnce(&ThreadState<S>) -> R) -> R {
    S::with_thread_state(|state| f(ours(state)))
}

/// A backend's storage as the type weft-core made it. `RunStorage<S>` and `ThreadStorage<S>` are
/// sealed and implemented only by `RunState<S>` and `ThreadState<S>`, so the downcast always
/// succeeds; the type check is made at compile time once `S` is known.
#[inline(always)]
fn ours<Stored: Any, Ours: Any>(stored: &Stored) -> &Ours {
    (stored as &dyn Any).downcast_ref().expect("a backend's storage types are weft-core's RunState and ThreadState")
}

// A thread's teardown, all of it here. A thread weft started ends in `Thread::end_of_target`,
// on the thread, right after its target: its values are dropped while it can still use them,
// then it leaves the registry. Whatever else a thread leaves (a dummy's or the main thread's
// values, values made by destructors after that) goes in `ThreadState::end`, when the backend
// ends the thread's state, which also removes a dummy from the registry.

impl<S: Scheduler> Thread<S> {
    /// The end of a thread weft started, on the thread after its target returned or panicked:
    /// drops its `Local` values and its statically declared locals kept apart (Rust's
    /// `thread_local!`s are the OS thread's, dropped by std later), then leaves the registry
    /// and wakes the joiners, so that `join()` returning implies all of that.
    pub(super) fn end_of_target(&self) {
        with_thread::<S, _>(|state| state.drop_locals());
        S::with_locals(|stores| {
            if let LocalStores::Shared(store) = stores {
                store.drop_all();
            }
        });
        self.finish();
    }

    /// Adds this thread to the registry or removes it (`f` does either). Such changes by
    /// different threads commute: each is modelled as reading the registry and writing this
    /// thread's own entry, so that a simulator orders them only against readers of the whole
    /// registry (`enumerate`, `active_count`), which write it.
    pub(super) fn change_registry<R>(&self, f: impl FnOnce(&mut BTreeMap<usize, Thread<S>>) -> R) -> R {
        S::touch(self.state_key());
        with_run::<S, _>(|run| {
            S::observe(run.registry.key());
            f(&mut run.registry.lock_declared().threads)
        })
    }

    /// Leaves the registry and wakes the joiners: `join()` returning implies deregistration.
    fn finish(&self) {
        self.change_registry(|threads| threads.remove(&self.serial()));
        self.set_state(STOPPED);
        S::releases(self.state_key());
    }

    /// Called when the OS (or simulated) thread behind this record ends: a dummy leaves the
    /// registry.
    fn end_of_os_thread(&self) {
        if self.inner.kind == Kind::Dummy {
            self.finish();
        }
    }
}
