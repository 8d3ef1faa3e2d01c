//! std's `Once` for the façade: a `const fn new`, so that it can be a `static`, and fresh in
//! every execution of a simulation, as the per-execution statics are.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use weft_core::OnceState;
use weft_sim::Sim;

use super::simulating;

/// std's `Once`: runs an initialisation exactly once, and makes the threads that come while it
/// runs wait for it. On real threads it is std's. Inside a simulation each execution has one of
/// its own, made afresh (so a `static` `Once` runs its initialisation again in every
/// execution), whose steps the simulator sees: see [`weft_core::Once`].
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
/// use weft::sync::{Arc, Once};
///
/// static INIT: Once = Once::new();
///
/// weft::sim::Explorer::exhaustive().check(|| {
///     let runs = Arc::new(AtomicUsize::new(0));
///     let r = runs.clone();
///     let t = weft::thread::spawn(move || INIT.call_once(|| {
///         r.fetch_add(1, SeqCst);
///     }));
///     INIT.call_once(|| {
///         runs.fetch_add(1, SeqCst);
///     });
///     assert!(INIT.is_completed());
///     t.join().unwrap();
///     assert_eq!(runs.load(SeqCst), 1); // once in every execution
/// });
/// INIT.call_once(|| println!("and once on the real thread"));
/// assert!(INIT.is_completed());
/// ```
pub struct Once {
    real: std::sync::Once,
    /// The `Once` of the first execution that used this one, with that execution's id: a `Once`
    /// made and used inside one execution needs nothing more (and nothing is kept after it).
    first: std::sync::OnceLock<(u64, weft_core::Once<Sim>)>,
}

/// The `Once`s of the running execution for the façade `Once`s that an earlier execution used
/// first (`static`s), by address. Kept for the rest of the process (a few words per `static`
/// and execution), as the per-execution statics' values are.
#[derive(Default)]
struct LaterOnces(RefCell<HashMap<usize, &'static weft_core::Once<Sim>>>);

impl Once {
    /// A `Once` that has not run (a `const fn`, for statics).
    pub const fn new() -> Self {
        Once { real: std::sync::Once::new(), first: std::sync::OnceLock::new() }
    }

    /// The running execution's `Once`. Finding it takes no step the simulator sees, so that a
    /// `Once` behaves the same in the first execution that uses it and in every other.
    #[cold]
    fn in_simulation(&self) -> &weft_core::Once<Sim> {
        let here = weft_sim::execution_id();
        let (made_in, once) = self.first.get_or_init(|| (here, weft_core::Once::new()));
        if *made_in == here {
            return once;
        }
        let address = self as *const Self as usize;
        weft_sim::with_execution_local::<LaterOnces, _>(|later| {
            *later.0.borrow_mut().entry(address).or_insert_with(|| Box::leak(Box::new(weft_core::Once::new())))
        })
    }

    /// Runs `f` if no initialisation has completed, waiting while another runs.
    ///
    /// # Panics
    /// If an earlier initialisation panicked (the `Once` is poisoned); with `f`'s panic.
    pub fn call_once(&self, f: impl FnOnce()) {
        if simulating() { self.in_simulation().call_once(f) } else { self.real.call_once(f) }
    }

    /// As [`Once::call_once`], but runs `f` even if an earlier initialisation panicked.
    ///
    /// # Panics
    /// With `f`'s panic.
    pub fn call_once_force(&self, f: impl FnOnce(&OnceState)) {
        if simulating() {
            self.in_simulation().call_once_force(f)
        } else {
            self.real.call_once_force(|state| f(&OnceState::with_poison(state.is_poisoned())))
        }
    }

    /// Whether an initialisation has completed.
    pub fn is_completed(&self) -> bool {
        if simulating() { self.in_simulation().is_completed() } else { self.real.is_completed() }
    }
}

impl Default for Once {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Once {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").field("completed", &self.is_completed()).finish()
    }
}
