//! std's [`Thread`] handle and [`ThreadId`], over a weft thread's record.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::OnceLock;

use crate::backend::Scheduler;
use crate::thread::record;
use crate::thread::std_api::park::unpark;

/// A thread's identifier, unique among the threads of a run (std's `std::thread::ThreadId`):
/// never reused while the run lasts. On real threads the run is the process, as for std's;
/// under a simulator it is one execution, where identifiers are deterministic (the main thread
/// has `ThreadId(1)` in each).
///
/// ```
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::{current, spawn};
/// # fn demo<S: Scheduler>() {
/// let me = current::<S>().id();
/// let other = spawn::<S, _>(|| current::<S>().id()).join().unwrap();
/// assert_ne!(me, other);
/// assert_eq!(me, current::<S>().id()); // the same thread, the same id
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadId(NonZeroU64);

impl ThreadId {
    /// The identifier as a number (std's unstable `ThreadId::as_u64`).
    pub fn as_u64(&self) -> NonZeroU64 {
        self.0
    }
}

/// A handle to a thread, as std's `std::thread::Thread`: from [`crate::std_thread::current`],
/// [`crate::std_thread::JoinHandle::thread`] or [`crate::std_thread::ScopedJoinHandle::thread`]; it
/// names the thread, identifies it and unparks it. Behind it is the thread's weft record, the
/// [`crate::Thread`] that `current_thread()` returns in that thread ([`Thread::as_threading`]).
///
/// ```
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::{park, Builder};
/// # fn demo<S: Scheduler>() {
/// let handle = Builder::<S>::new().name("worker".to_owned()).spawn(|| park::<S>()).unwrap();
/// let thread = handle.thread().clone();
/// assert_eq!(thread.name(), Some("worker"));
/// thread.unpark(); // the worker's park returns (now, or at once if it has not parked yet)
/// handle.join().unwrap();
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Thread<S: Scheduler> {
    record: record::Thread<S>,
    /// The thread's name, spelled when [`Thread::name`] is first asked for.
    name: OnceLock<String>,
}

impl<S: Scheduler> Thread<S> {
    /// The handle of the thread whose record is `record`.
    pub(super) fn of(record: record::Thread<S>) -> Self {
        Thread { record, name: OnceLock::new() }
    }

    /// The thread's identifier.
    pub fn id(&self) -> ThreadId {
        // Serials count from 0 (the main thread) and are never reused in a run.
        ThreadId(NonZeroU64::MIN.saturating_add(self.record.serial() as u64))
    }

    /// The thread's name. Every weft thread has one, so this is never `None`: a thread spawned
    /// without a name is called `Thread-N` (std: `None`), the main thread `MainThread` (std:
    /// `"main"`), a thread weft did not start `Dummy-N`.
    ///
    /// The name is the one the thread had when this handle was first asked for it: std's
    /// names never change, but weft's [`crate::Thread::set_name`] may rename a thread, and a
    /// later handle ([`crate::std_thread::current`]) sees the new name. (A borrowed `&str` must
    /// be kept in the handle: the record's name may change under it.)
    pub fn name(&self) -> Option<&str> {
        Some(self.name.get_or_init(|| self.record.name()))
    }

    /// Makes the thread's park token available: its current [`crate::std_thread::park`] (or
    /// `park_timeout`) returns, or else its next one returns at once. Tokens do not add up:
    /// two `unpark`s before a `park` let one `park` through.
    pub fn unpark(&self) {
        unpark(&self.record);
    }

    /// The thread's weft record: the [`crate::Thread`] that `current_thread()` returns in that
    /// thread (its name, `is_alive()`, `ident()`, Python's `join()`).
    pub fn as_threading(&self) -> &record::Thread<S> {
        &self.record
    }
}

impl<S: Scheduler> Clone for Thread<S> {
    fn clone(&self) -> Self {
        Thread { record: self.record.clone(), name: self.name.clone() }
    }
}

impl<S: Scheduler> From<record::Thread<S>> for Thread<S> {
    /// The std-shaped handle of a weft thread (any: started by `Thread::start`, the main thread,
    /// a dummy thread).
    fn from(record: record::Thread<S>) -> Self {
        Thread::of(record)
    }
}

impl<S: Scheduler> fmt::Debug for Thread<S> {
    /// `Thread { id: ThreadId(N), name: Some("…"), .. }`, as std's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thread").field("id", &self.id()).field("name", &self.name()).finish_non_exhaustive()
    }
}
