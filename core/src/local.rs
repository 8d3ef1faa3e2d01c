//! `threading.local`: a value per thread.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Weak};

use crate::raw::Mutex;
use crate::scheduler::Scheduler;
use crate::state::LocalSlots;

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
        let id = S::with_run_state(|run| run.local_ids.lock().allocate());
        let serial = NEXT_SERIAL.fetch_add(1, Relaxed);
        Local { id, serial, init: Box::new(init), holders: Mutex::new(Vec::new()) }
    }

    /// Runs `f` with the calling thread's value, creating it first if needed.
    ///
    /// # Panics
    /// If `f` (or the initialiser) calls [`Local::with_mut`] or [`Local::set`] on this same
    /// local: the value is borrowed.
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
    /// If the value is already borrowed by an enclosing `with`/`with_mut` on this local.
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
        S::with_local_view(|view| view?.lookup(self.id, self.serial)).map(|cell| cell as *const RefCell<T>)
    }

    /// The calling thread's cell, created on first access, and the slot vector holding it when it
    /// was not cached (the caller keeps it until it is done with the cell).
    fn cell_slow(&self) -> (*const RefCell<T>, Option<Arc<LocalSlots<S>>>) {
        S::operation(self as *const Self as usize, "Local", "access");
        if let Some(cell) = S::with_thread_state(|state| state.cached(self.id, self.serial)) {
            return (cell as *const RefCell<T>, None);
        }
        let slots = S::with_thread_state(|state| state.locals.clone());
        let cell = self.cell_locked(&slots);
        S::with_thread_state(|state| {
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
        S::with_run_state(|run| run.local_ids.lock().release(self.id));
    }
}

impl<S: Scheduler, T: Send + 'static> fmt::Debug for Local<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Local #{}>", self.serial)
    }
}
