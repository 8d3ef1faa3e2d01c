//! A thread's record: the [`Thread`] handle, its state word and what it tells about the thread.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Instant;

use crate::backend::atomic::Atomic;
use crate::backend::name::ThreadName;
use crate::backend::{ParkResult, Scheduler};
use crate::error::Error;
use crate::sync::raw::{Mutex, park, spin, unpark_all};

// A thread record's life, in its state word (threads waiting for a change park on the word's
// address; every change wakes them all):
//
// | state    | set by                          | meaning                                       |
// |----------|---------------------------------|-----------------------------------------------|
// | INITIAL  | `Thread::new`                   | made, not started: `start` may run once       |
// | STARTING | `start` (CAS from INITIAL)      | registered, the backend's thread is starting  |
// | STARTED  | the new thread itself           | running: ident and native id are set          |
// | STOPPED  | the thread's end (`finish`)     | deregistered; `join` returns                  |
//
// `start` returns once the state leaves STARTING; a backend that cannot start the thread puts
// INITIAL back (and deregisters it), so `start` may be tried again. The main thread and dummy
// threads are made STARTED.

/// Made, not started.
pub(super) const INITIAL: usize = 0;
/// `start` is starting the thread.
pub(super) const STARTING: usize = 1;
/// The thread runs.
pub(super) const STARTED: usize = 2;
/// The thread has ended.
pub(super) const STOPPED: usize = 3;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Thread,
    Main,
    Dummy,
    Timer,
}

pub(super) type Target = Box<dyn FnOnce() + Send + 'static>;

pub(crate) struct ThreadInner<S: Scheduler> {
    pub(super) serial: usize,
    pub(super) kind: Kind,
    pub(super) name: Mutex<S, ThreadName>,
    pub(super) daemon: S::Atomic<u8>,
    pub(super) state: S::Atomic<usize>,
    pub(super) ident: S::Atomic<usize>,
    /// Kept as a word (a native id fits one on every platform weft runs on).
    pub(super) native_id: S::Atomic<usize>,
    pub(super) target: Mutex<S, Option<Target>>,
    /// The stack size this thread asks for (0: the run's setting, [`crate::stack_size`]).
    pub(super) stack_size: usize,
    /// The thread's park token (std's `park`/`unpark`, in `thread::std_api::park`): the thread
    /// parks on this cell's address.
    pub(super) park: S::Atomic<u8>,
}

/// A thread of control (Python's `threading.Thread`). A `Thread` is a cheap handle: clones refer
/// to the same thread, as Python references do.
///
/// ```
/// # use weft_core::{Thread, Scheduler};
/// # fn demo<S: Scheduler>() -> Result<(), weft_core::Error> {
/// let t = Thread::<S>::builder().name("worker").build(|| println!("hello"));
/// t.start()?;
/// t.join()?;
/// assert!(!t.is_alive());
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub struct Thread<S: Scheduler> {
    pub(super) inner: Arc<ThreadInner<S>>,
}

impl<S: Scheduler> Clone for Thread<S> {
    fn clone(&self) -> Self {
        Thread { inner: self.inner.clone() }
    }
}

impl<S: Scheduler> PartialEq for Thread<S> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<S: Scheduler> Eq for Thread<S> {}

impl<S: Scheduler> Thread<S> {
    pub(super) fn from_parts(
        serial: usize,
        kind: Kind,
        name: ThreadName,
        daemon: bool,
        state: usize,
        target: Option<Target>,
        stack_size: usize,
    ) -> Self {
        Thread {
            inner: Arc::new(ThreadInner {
                serial,
                kind,
                name: Mutex::new(name),
                daemon: S::Atomic::<u8>::new(daemon as u8),
                state: S::Atomic::<usize>::new(state),
                ident: S::Atomic::<usize>::new(0),
                native_id: S::Atomic::<usize>::new(0),
                target: Mutex::new(target),
                stack_size,
                park: S::Atomic::<u8>::new(0),
            }),
        }
    }

    /// The record of the main thread, made once per run by [`crate::RunState::new`].
    pub(crate) fn new_main(ident: usize, native_id: u64) -> Self {
        let thread = Self::from_parts(0, Kind::Main, ThreadName::fixed("MainThread"), false, STARTED, None, 0);
        thread.inner.ident.store(ident, Relaxed);
        thread.inner.native_id.store(native_id as usize, Relaxed);
        thread
    }

    pub(crate) fn serial(&self) -> usize {
        self.inner.serial
    }

    pub(crate) fn kind(&self) -> Kind {
        self.inner.kind
    }

    pub(super) fn state_key(&self) -> usize {
        &self.inner.state as *const S::Atomic<usize> as usize
    }

    /// The key a thread blocked in [`Thread::join`] (or in [`Thread::start`], until the new
    /// thread runs) is parked on.
    pub fn wait_key(&self) -> usize {
        self.state_key()
    }

    pub(super) fn set_state(&self, state: usize) {
        self.inner.state.store(state, Release);
        // SAFETY: the key is this thread record's own address; no callbacks.
        unsafe { unpark_all::<S>(self.state_key(), 0) };
    }

    /// Parks until the state differs from `state` or `deadline` passes; true if it differs.
    pub(super) fn wait_state_leaves(&self, state: usize, deadline: Option<Instant>) -> bool {
        let mut spins = 0;
        loop {
            if self.inner.state.load(Acquire) != state {
                return true;
            }
            // A short bounded spin first (none under a simulator): a new thread often registers,
            // and a short target ends, within it, and then neither side sleeps or wakes.
            if spin::<S>(spins) {
                spins += 1;
                continue;
            }
            let validate = || self.inner.state.load(Acquire) == state;
            // SAFETY: the key is this record's address; `validate` only loads an atomic.
            let result = unsafe { park::<S>(self.state_key(), validate, || {}, |_, _| {}, 0, deadline) };
            if let ParkResult::TimedOut = result {
                return self.inner.state.load(Acquire) != state;
            }
        }
    }

    pub(super) fn is_current(&self) -> bool {
        self.inner.ident.load(Relaxed) == S::current_ident()
    }

    /// The thread's name.
    pub fn name(&self) -> String {
        self.inner.name.read().to_string()
    }

    /// Renames the thread (weft's name; the OS name set at start stays).
    pub fn set_name(&self, name: impl Into<String>) {
        *self.inner.name.lock() = ThreadName::from(name.into());
    }

    /// Whether the thread is a daemon: the program may end while it runs.
    pub fn daemon(&self) -> bool {
        self.inner.daemon.load(Relaxed) != 0
    }

    /// Sets the daemon flag.
    ///
    /// # Errors
    /// [`Error::DaemonOfActiveThread`] once the thread was started (even after it finished).
    pub fn set_daemon(&self, daemon: bool) -> Result<(), Error> {
        if self.inner.state.load(Acquire) != INITIAL {
            return Err(Error::DaemonOfActiveThread);
        }
        self.inner.daemon.store(daemon as u8, Relaxed);
        Ok(())
    }

    /// Python's `ident`: `None` before start, kept after the thread ends.
    pub fn ident(&self) -> Option<usize> {
        (self.inner.state.load(Acquire) >= STARTED).then(|| self.inner.ident.load(Relaxed))
    }

    /// The OS thread id (deterministic under a simulator): `None` before start, kept after.
    pub fn native_id(&self) -> Option<u64> {
        (self.inner.state.load(Acquire) >= STARTED).then(|| self.inner.native_id.load(Relaxed) as u64)
    }

    /// True from `start()` until the target returns or panics.
    pub fn is_alive(&self) -> bool {
        S::operation_on(&self.inner.state, "Thread", "is_alive");
        self.inner.state.load(Acquire) == STARTED
    }

    /// Whether this is a dummy thread (one weft did not start, seen through `current_thread()`).
    pub fn is_dummy(&self) -> bool {
        self.inner.kind == Kind::Dummy
    }
}

impl<S: Scheduler> fmt::Debug for Thread<S> {
    /// `<Thread(NAME, initial|started|stopped[ daemon][ IDENT])>`, as Python's `repr`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.inner.kind {
            Kind::Thread => "Thread",
            Kind::Main => "_MainThread",
            Kind::Dummy => "_DummyThread",
            Kind::Timer => "Timer",
        };
        let status = match self.inner.state.load(Acquire) {
            INITIAL | STARTING => "initial",
            STARTED => "started",
            _ => "stopped",
        };
        write!(f, "<{class}({}, {status}", self.name())?;
        if self.daemon() {
            f.write_str(" daemon")?;
        }
        if let Some(ident) = self.ident() {
            write!(f, " {ident}")?;
        }
        f.write_str(")>")
    }
}
