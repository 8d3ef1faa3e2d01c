//! `threading.Barrier`: a fixed number of threads meet, then all go on; reusable.

use std::fmt;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use crate::condition::Condition;
use crate::lock::Lock;
use crate::scheduler::{Atomic, Scheduler};
use crate::timeout::deadline;
use crate::Error;

const FILLING: usize = 0;
const DRAINING: usize = 1;
const RESETTING: usize = 2;
const BROKEN: usize = 3;

type Action = Box<dyn Fn() + Send + Sync + 'static>;

/// A barrier for a fixed number of threads (Python's `threading.Barrier`).
///
/// Each `wait` returns the caller's arrival index, `0..parties`. The last arrival runs the action
/// (if any) before anyone is released. A timeout, an `abort()`, a `reset()` while threads wait, or
/// a panicking action break the barrier: waiters get [`Error::BrokenBarrier`]. It is cyclic.
///
/// ```
/// # use std::sync::Arc;
/// # use weft_core::{Barrier, Scheduler, Thread};
/// # fn demo<S: Scheduler>() -> Result<(), weft_core::Error> {
/// let barrier = Arc::new(Barrier::<S>::new(2)?);
/// let b = barrier.clone();
/// let t = Thread::<S>::new(move || { b.wait().unwrap(); });
/// t.start()?;
/// let index = barrier.wait()?;
/// assert!(index < 2);
/// t.join()?;
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub struct Barrier<S: Scheduler> {
    cond: Condition<S, Lock<S>>,
    parties: usize,
    action: Option<Action>,
    timeout: Option<Duration>,
    /// FILLING, DRAINING, RESETTING or BROKEN; written under the lock.
    state: S::AtomicUsize,
    /// Threads inside `wait`; written under the lock.
    count: S::AtomicUsize,
}

impl<S: Scheduler> Barrier<S> {
    /// A barrier for `parties` threads, with no action and no default timeout.
    ///
    /// # Errors
    /// [`Error::BarrierParties`] (`ValueError`) if `parties < 1`.
    pub fn new(parties: usize) -> Result<Self, Error> {
        if parties < 1 {
            return Err(Error::BarrierParties);
        }
        Ok(Barrier {
            cond: Condition::with_lock(Lock::new()),
            parties,
            action: None,
            timeout: None,
            state: S::AtomicUsize::new(FILLING),
            count: S::AtomicUsize::new(0),
        })
    }

    /// Sets the action the last arrival runs before anyone is released.
    pub fn with_action(mut self, action: impl Fn() + Send + Sync + 'static) -> Self {
        self.action = Some(Box::new(action));
        self
    }

    /// Sets the timeout `wait()` uses.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Waits for all parties, with the default timeout if one was set. Returns the arrival index.
    ///
    /// # Errors
    /// [`Error::BrokenBarrier`] if the barrier is or becomes broken (including by this call
    /// timing out); [`Error::TimeoutTooLarge`] if the default timeout exceeds
    /// [`crate::TIMEOUT_MAX`].
    ///
    /// # Panics
    /// If this thread runs the action and the action panics: the panic propagates (after the
    /// barrier is broken for the others).
    pub fn wait(&self) -> Result<usize, Error> {
        self.wait_for(self.timeout)
    }

    /// Waits for all parties, at most `timeout`. Returns the arrival index.
    ///
    /// # Errors
    /// As [`Barrier::wait`].
    ///
    /// # Panics
    /// As [`Barrier::wait`].
    pub fn wait_timeout(&self, timeout: Duration) -> Result<usize, Error> {
        self.wait_for(Some(timeout))
    }

    fn wait_for(&self, timeout: Option<Duration>) -> Result<usize, Error> {
        S::operation(self.cond.wait_key(), "Barrier", "wait");
        if let Some(timeout) = timeout {
            deadline::<S>(timeout)?;
        }
        let _held = self.cond.lock();
        // Wait while the previous round drains or a reset completes.
        self.cond.wait_for(|| !matches!(self.state.load(Relaxed), DRAINING | RESETTING))?;
        if self.state.load(Relaxed) == BROKEN {
            return Err(Error::BrokenBarrier);
        }
        let index = self.count.fetch_add(1, Relaxed);
        let result = if index + 1 == self.parties { self.release_all() } else { self.wait_for_release(timeout) };
        self.count.fetch_sub(1, Relaxed);
        self.exit();
        crate::report::<S>(self.cond.wait_key(), result.is_ok(), "passed", "broken");
        result.map(|()| index)
    }

    /// The last arrival: run the action, then let everybody go.
    fn release_all(&self) -> Result<(), Error> {
        if let Some(action) = &self.action {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(action)) {
                self.break_barrier();
                self.count.fetch_sub(1, Relaxed);
                self.exit();
                // The guard releases the lock as the panic unwinds.
                resume_unwind(payload);
            }
        }
        self.state.store(DRAINING, Relaxed);
        self.notify_all();
        Ok(())
    }

    fn wait_for_release(&self, timeout: Option<Duration>) -> Result<(), Error> {
        let filled = || self.state.load(Relaxed) != FILLING;
        let released = match timeout {
            Some(timeout) => self.cond.wait_for_timeout(filled, timeout)?,
            None => self.cond.wait_for(filled)?,
        };
        if !released {
            self.break_barrier();
            return Err(Error::BrokenBarrier);
        }
        match self.state.load(Relaxed) {
            BROKEN | RESETTING => Err(Error::BrokenBarrier),
            _ => Ok(()),
        }
    }

    /// The last thread out of a draining or resetting barrier opens it for the next round.
    fn exit(&self) {
        if self.count.load(Relaxed) == 0 && matches!(self.state.load(Relaxed), DRAINING | RESETTING) {
            self.state.store(FILLING, Relaxed);
            self.notify_all();
        }
    }

    fn notify_all(&self) {
        self.cond.notify_all().expect("the barrier's own lock is held");
    }

    fn break_barrier(&self) {
        self.state.store(BROKEN, Relaxed);
        self.notify_all();
    }

    /// Returns the barrier to its initial state: threads waiting now get
    /// [`Error::BrokenBarrier`]; new arrivals wait for them to leave first.
    pub fn reset(&self) {
        S::operation(self.cond.wait_key(), "Barrier", "reset");
        let _held = self.cond.lock();
        if self.count.load(Relaxed) > 0 {
            match self.state.load(Relaxed) {
                FILLING | BROKEN => self.state.store(RESETTING, Relaxed),
                _ => {}
            }
        } else {
            self.state.store(FILLING, Relaxed);
        }
        self.notify_all();
    }

    /// Breaks the barrier: current and future waiters get [`Error::BrokenBarrier`] until
    /// [`Barrier::reset`].
    pub fn abort(&self) {
        S::operation(self.cond.wait_key(), "Barrier", "abort");
        let _held = self.cond.lock();
        self.break_barrier();
    }

    /// The number of threads needed to pass.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The number of threads waiting now (0 while the barrier drains, resets or is broken).
    pub fn n_waiting(&self) -> usize {
        S::operation(self.cond.wait_key(), "Barrier", "n_waiting");
        if self.state.load(Relaxed) == FILLING {
            self.count.load(Relaxed)
        } else {
            0
        }
    }

    /// Whether the barrier is broken.
    pub fn broken(&self) -> bool {
        S::operation(self.cond.wait_key(), "Barrier", "broken");
        self.state.load(Relaxed) == BROKEN
    }

    /// The key threads blocked in [`Barrier::wait`] are parked on.
    pub fn wait_key(&self) -> usize {
        self.cond.wait_key()
    }
}

impl<S: Scheduler> fmt::Debug for Barrier<S> {
    /// `<Barrier: waiters=N/PARTIES>` or `<Barrier: broken>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.broken() {
            f.write_str("<Barrier: broken>")
        } else {
            write!(f, "<Barrier: waiters={}/{}>", self.n_waiting(), self.parties)
        }
    }
}
