//! `threading.local`: a value per thread.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Weak};

use crate::raw::Mutex;
use crate::scheduler::{Atomic, Scheduler};
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
    /// Unique for the run (ids are reused): tells a thread's cached entry for `id` is this
    /// local's.
    serial: u64,
    init: Init<T>,
    /// The threads that hold a value, to drop them with the `Local`.
    holders: Mutex<S, Vec<Weak<LocalSlots<S>>>>,
}

impl<S: Scheduler, T: Send + 'static> Local<S, T> {
    /// A local whose value in each thread starts as `init()`.
    pub fn new(init: impl Fn() -> T + Send + Sync + 'static) -> Self {
        let (id, serial) =
            S::with_run_state(|run| (run.local_ids.lock().allocate(), run.local_serials.fetch_add(1, Relaxed)));
        Local { id, serial, init: Box::new(init), holders: Mutex::new(Vec::new()) }
    }

    /// Runs `f` with the calling thread's value, creating it first if needed.
    ///
    /// # Panics
    /// If `f` (or the initialiser) calls [`Local::with_mut`] or [`Local::set`] on this same
    /// local: the value is borrowed.
    pub fn with<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        let cell = self.cell();
        // SAFETY: see `cell`: the pointee lives until this thread ends or this `Local` is
        // dropped, neither of which can happen while `self` is borrowed by this thread.
        let cell = unsafe { &*cell };
        let value = cell.borrow();
        f(&value)
    }

    /// Runs `f` with mutable access to the calling thread's value.
    ///
    /// # Panics
    /// If the value is already borrowed by an enclosing `with`/`with_mut` on this local.
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let cell = self.cell();
        // SAFETY: as in `with`.
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

    /// The calling thread's cell, created on first access. The box never moves and is dropped
    /// only by the thread itself (at its end) or by `Local::drop`.
    ///
    /// Fast path: the thread's own cache (no lock, no atomic): the entry for this local's id is
    /// used only if it carries this local's serial, so an entry left by a dropped local whose id
    /// was reused is never followed.
    #[inline]
    fn cell(&self) -> *const RefCell<T> {
        S::operation(self as *const Self as usize, "Local", "access");
        let cached = S::with_thread_state(|state| match state.local_cache.borrow().get(self.id) {
            Some(&(serial, value)) if serial == self.serial => Some(value as *const RefCell<T>),
            _ => None,
        });
        match cached {
            Some(cell) => cell,
            None => self.cell_slow(),
        }
    }

    #[cold]
    fn cell_slow(&self) -> *const RefCell<T> {
        let cell = self.cell_locked();
        S::with_thread_state(|state| {
            let mut cache = state.local_cache.borrow_mut();
            if cache.len() <= self.id {
                cache.resize(self.id + 1, (0, std::ptr::null()));
            }
            cache[self.id] = (self.serial, cell as *const ());
        });
        cell
    }

    /// The calling thread's cell through its locked slot vector, created if needed.
    fn cell_locked(&self) -> *const RefCell<T> {
        let slots = S::with_thread_state(|state| state.locals.clone());
        if let Some(cell) = Self::lookup(&slots, self.id) {
            return cell;
        }
        // Run the initialiser without holding any lock: it is user code.
        let fresh: Box<dyn Any + Send> = Box::new(RefCell::new((self.init)()));
        let cell = {
            let mut values = slots.values.lock();
            if values.len() <= self.id {
                values.resize_with(self.id + 1, || None);
            }
            let slot = values[self.id].get_or_insert(fresh);
            slot.downcast_ref::<RefCell<T>>().expect("a local's slot holds its own type") as *const RefCell<T>
        };
        self.holders.lock().push(Arc::downgrade(&slots));
        cell
    }

    fn lookup(slots: &LocalSlots<S>, id: usize) -> Option<*const RefCell<T>> {
        let values = slots.values.lock();
        let slot = values.get(id)?.as_ref()?;
        Some(slot.downcast_ref::<RefCell<T>>().expect("a local's slot holds its own type") as *const RefCell<T>)
    }
}

impl<S: Scheduler, T: Send + Default + 'static> Default for Local<S, T> {
    fn default() -> Self {
        Self::new(T::default)
    }
}

impl<S: Scheduler, T: Send + 'static> Drop for Local<S, T> {
    fn drop(&mut self) {
        let holders = std::mem::take(&mut *self.holders.lock());
        for slots in holders.iter().filter_map(Weak::upgrade) {
            let value = slots.values.lock().get_mut(self.id).and_then(Option::take);
            drop(value);
        }
        S::with_run_state(|run| run.local_ids.lock().release(self.id));
    }
}

impl<S: Scheduler, T: Send + 'static> fmt::Debug for Local<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Local #{}>", self.id)
    }
}
