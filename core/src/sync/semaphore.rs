//! `threading.Semaphore` and `threading.BoundedSemaphore`.

use std::fmt;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::{Duration, Instant};

use crate::backend::atomic::Atomic;
use crate::backend::observe::report;
use crate::backend::{FilterOp, ParkResult, Scheduler, UnparkResult};
use crate::error::Error;
use crate::sync::lock::{Guard, Release as GuardRelease};
use crate::sync::raw::park;
use crate::timeout::{TIMEOUT_MAX, deadline};

// The counter's state word: `value × ONE | PARKED`.
//
// | value | PARKED | meaning                                                                |
// |-------|--------|------------------------------------------------------------------------|
// |  > 0  |   0    | units free, nobody waits: `acquire` takes one with a CAS               |
// |   0   |   0    | no unit, nobody waits                                                  |
// |   0   |   1    | no unit, threads parked on the counter's address                       |
// |  > 0  |   1    | a release added units and is waking up to that many parked threads   |
//
// A waiter sets PARKED only when the value is 0, and parks only while the word is exactly
// `PARKED` (checked under the queue lock). A release adds its units with a CAS (refusing to go
// past the bound), then, if PARKED was set, wakes up to `n` waiters; its callback clears PARKED
// under the queue lock when nobody is left queued. Woken threads retry the CAS: a newcomer may
// take a unit first (no hand-off, as in parking_lot). A waiter whose deadline passes clears
// PARKED if it was the last one queued.

/// The low bit of the state word: some thread is parked on the counter.
const PARKED: usize = 1;
/// The counter lives above the parked bit.
const ONE: usize = 2;

/// The largest value a semaphore holds.
pub const SEMAPHORE_MAX: usize = usize::MAX >> 1;

/// The counter both semaphores share: an atomic word (value × 2 | parked bit), a CAS fast path,
/// parking on the word's address.
struct Counter<S: Scheduler> {
    state: S::Atomic<usize>,
}

impl<S: Scheduler> Counter<S> {
    fn new(value: usize) -> Self {
        assert!(value <= SEMAPHORE_MAX, "semaphore value is too large");
        Counter { state: S::Atomic::<usize>::new(value * ONE) }
    }

    fn key(&self) -> usize {
        &self.state as *const S::Atomic<usize> as usize
    }

    /// Announces operation `name` on the semaphore (a `kind`), keyed by its cell
    /// ([`crate::Observe::operation_on`], which also checks the cell may be used here).
    #[inline(always)]
    fn operation(&self, kind: &'static str, name: &'static str) {
        S::operation_on(&self.state, kind, name);
    }

    fn value(&self) -> usize {
        self.state.load(Relaxed) / ONE
    }

    /// Whether a unit is there to take: the readiness test of a blocking acquire.
    fn available(&self) -> bool {
        self.state.load(Relaxed) >= ONE
    }

    /// [`Counter::try_acquire`], telling a simulator of a unit taken (see [`Counter::took`]).
    fn try_take(&self) -> bool {
        self.took(self.try_acquire())
    }

    /// Tells a simulator that the calling thread took a unit, if `taken`, and returns `taken`: a
    /// blocking acquire that it leaves waiting races with it, as with a lock's last taker
    /// (`Observe::withdraws`; not `Observe::acquires`: a unit has no holder, and any thread
    /// may release it).
    fn took(&self, taken: bool) -> bool {
        if taken {
            S::withdraws(self.key());
        }
        taken
    }

    #[inline]
    fn try_acquire(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        loop {
            if state < ONE {
                return false;
            }
            match self.state.compare_exchange_weak(state, state - ONE, Acquire, Relaxed) {
                Ok(_) => return true,
                Err(actual) => state = actual,
            }
        }
    }

    #[inline]
    fn acquire_until(&self, deadline: Option<Instant>) -> bool {
        self.try_acquire() || self.acquire_slow(deadline)
    }

    #[cold]
    fn acquire_slow(&self, deadline: Option<Instant>) -> bool {
        loop {
            if self.try_acquire() {
                return true;
            }
            let state = self.state.load(Relaxed);
            if state >= ONE {
                continue;
            }
            if state & PARKED == 0 && self.state.compare_exchange_weak(state, PARKED, Relaxed, Relaxed).is_err() {
                continue;
            }
            let validate = || self.state.load(Relaxed) == PARKED;
            let timed_out = |_key, was_last: bool| {
                if was_last {
                    self.state.fetch_and(!PARKED, Relaxed);
                }
            };
            // SAFETY: the key is this counter's own address; the callbacks only touch its atomic
            // state, cannot panic and do not call the scheduler.
            if let ParkResult::TimedOut = unsafe { park::<S>(self.key(), validate, || {}, timed_out, 0, deadline) } {
                return report::<S>(self.key(), self.try_acquire(), "acquired", "timed out");
            }
        }
    }

    /// Adds `n` (refusing to go above `bound`) and wakes up to `n` waiters.
    fn release(&self, n: usize, bound: Option<usize>) -> Result<(), Error> {
        if n < 1 {
            return Err(Error::ReleaseCountNotPositive);
        }
        let limit = bound.unwrap_or(SEMAPHORE_MAX);
        let mut state = self.state.load(Relaxed);
        let room = loop {
            let value = state / ONE;
            if n > limit || value > limit - n {
                return Err(if bound.is_some() { Error::ReleasedTooManyTimes } else { Error::SemaphoreValueTooLarge });
            }
            match self.state.compare_exchange_weak(state, state + n * ONE, Release, Relaxed) {
                Ok(_) => break limit - n - value,
                Err(actual) => state = actual,
            }
        };
        if state < ONE {
            // The value was 0: the acquires waiting for a unit can go now, and could not before
            // (a release that finds units left lets no waiting acquire go, and is none).
            S::releases(self.key());
        }
        if state & PARKED != 0 {
            let mut left = n;
            let filter = |_token| {
                if left == 0 {
                    FilterOp::Stop
                } else {
                    left -= 1;
                    FilterOp::Unpark
                }
            };
            let callback = |result: UnparkResult| {
                if !result.have_more_threads {
                    self.state.fetch_and(!PARKED, Relaxed);
                }
                0
            };
            // SAFETY: the key is this counter's own address; the callbacks only count and touch
            // its atomic state, cannot panic and do not call the scheduler.
            unsafe { S::unpark_filter(self.key(), filter, callback) };
        }
        // Successful releases commute while the count has room for them: in either order they
        // leave the count, the flag and the queue alike, and wake as many waiters. A failed
        // release read the count: it is no update, and returned above.
        S::commutes(self.key(), n, room);
        Ok(())
    }
}

macro_rules! semaphore_common {
    () => {
        /// Takes one unit, blocking while the value is 0. Returns true.
        #[inline]
        pub fn acquire(&self) -> bool {
            // A blocking operation for a simulator, which keeps the thread off its run queue
            // while the value is 0: whether the acquire had to wait is no step of its own. The
            // release that makes the value leave 0 lets it go (`Observe::releases`); releases
            // are updates that commute with each other (`Observe::commutes`), so another one
            // could let it go instead, which the exhaustive search accounts for.
            S::blocking_operation_on(&self.counter.state, Self::KIND, "acquire", &|| self.counter.available());
            self.counter.took(self.counter.acquire_until(None))
        }

        /// Takes one unit if the value is positive. Never blocks.
        #[inline]
        pub fn try_acquire(&self) -> bool {
            self.counter.operation(Self::KIND, "try_acquire");
            self.counter.try_take()
        }

        /// Waits at most `timeout` for a unit. Returns whether one was taken.
        ///
        /// # Errors
        /// [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
        pub fn acquire_timeout(&self, timeout: Duration) -> Result<bool, Error> {
            if timeout.is_zero() || timeout > TIMEOUT_MAX {
                self.counter.operation(Self::KIND, "acquire_timeout");
                if timeout > TIMEOUT_MAX {
                    return Err(Error::TimeoutTooLarge);
                }
                return Ok(self.counter.try_take());
            }
            // A simulator waits itself, up to the timeout; elsewhere the semaphore parks.
            let ready = || self.counter.available();
            let taken =
                match S::blocking_operation_on_for(&self.counter.state, Self::KIND, "acquire_timeout", &ready, timeout)
                {
                    Some(true) => self.counter.acquire_until(None),
                    Some(false) => false,
                    None => self.counter.acquire_until(deadline::<S>(timeout)?),
                };
            Ok(self.counter.took(taken))
        }

        /// The current value.
        pub fn value(&self) -> usize {
            self.counter.operation(Self::KIND, "value");
            self.counter.value()
        }

        /// Acquires and returns a guard that releases when dropped (`with sem:`).
        pub fn guard(&self) -> Guard<'_, Self> {
            self.acquire();
            Guard::new(self)
        }

        /// The key threads blocked in `acquire` are parked on.
        pub fn wait_key(&self) -> usize {
            self.counter.key()
        }
    };
}

/// A counting semaphore (Python's `threading.Semaphore`). Any thread may release it; its value
/// may grow past the initial value.
///
/// ```
/// # use weft_core::{Semaphore, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let pool = Semaphore::<S>::new(2);
/// assert!(pool.try_acquire());
/// assert!(pool.try_acquire());
/// assert!(!pool.try_acquire());
/// pool.release_n(2).unwrap();
/// assert_eq!(pool.value(), 2);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Semaphore<S: Scheduler> {
    counter: Counter<S>,
}

impl<S: Scheduler> Semaphore<S> {
    /// Names this semaphore `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.counter.key(), label);
        self
    }

    const KIND: &'static str = "Semaphore";

    /// A semaphore holding `value` units.
    ///
    /// # Panics
    /// If `value` exceeds [`SEMAPHORE_MAX`].
    pub fn new(value: usize) -> Self {
        Semaphore { counter: Counter::new(value) }
    }

    semaphore_common!();

    /// Adds one unit and wakes one waiter.
    ///
    /// # Errors
    /// [`Error::SemaphoreValueTooLarge`] if the value would exceed [`SEMAPHORE_MAX`].
    #[inline]
    pub fn release(&self) -> Result<(), Error> {
        S::release_operation_on(&self.counter.state, Self::KIND, "release", self, |s: &Self| s.counter.release(1, None))
    }

    /// Adds `n` units and wakes up to `n` waiters (Python's `release(n)`).
    ///
    /// # Errors
    /// [`Error::ReleaseCountNotPositive`] if `n < 1`; [`Error::SemaphoreValueTooLarge`] if the
    /// value would exceed [`SEMAPHORE_MAX`].
    pub fn release_n(&self, n: usize) -> Result<(), Error> {
        S::release_operation_on(&self.counter.state, Self::KIND, "release_n", &(self, n), |&(s, n)| {
            s.counter.release(n, None)
        })
    }
}

impl<S: Scheduler> Default for Semaphore<S> {
    fn default() -> Self {
        Self::new(1)
    }
}

impl<S: Scheduler> GuardRelease for Semaphore<S> {
    fn release_once(&self) -> Result<(), Error> {
        self.release()
    }
}

impl<S: Scheduler> fmt::Debug for Semaphore<S> {
    /// `<Semaphore: value=V>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Semaphore: value={}>", self.value())
    }
}

/// A semaphore that refuses to be released above its initial value (Python's
/// `threading.BoundedSemaphore`).
///
/// ```
/// # use weft_core::{BoundedSemaphore, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let sem = BoundedSemaphore::<S>::new(1);
/// assert_eq!(sem.release().unwrap_err().to_string(), "Semaphore released too many times");
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct BoundedSemaphore<S: Scheduler> {
    counter: Counter<S>,
    initial: usize,
}

impl<S: Scheduler> BoundedSemaphore<S> {
    /// Names this semaphore `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.counter.key(), label);
        self
    }

    const KIND: &'static str = "BoundedSemaphore";

    /// A bounded semaphore holding `value` units, never more.
    ///
    /// # Panics
    /// If `value` exceeds [`SEMAPHORE_MAX`].
    pub fn new(value: usize) -> Self {
        BoundedSemaphore { counter: Counter::new(value), initial: value }
    }

    semaphore_common!();

    /// The initial (and largest) value.
    pub fn initial_value(&self) -> usize {
        self.initial
    }

    /// Adds one unit and wakes one waiter.
    ///
    /// # Errors
    /// [`Error::ReleasedTooManyTimes`] if the value would exceed the initial value (nothing
    /// changes).
    #[inline]
    pub fn release(&self) -> Result<(), Error> {
        S::release_operation_on(&self.counter.state, Self::KIND, "release", self, |s: &Self| {
            s.counter.release(1, Some(s.initial))
        })
    }

    /// Adds `n` units and wakes up to `n` waiters.
    ///
    /// # Errors
    /// [`Error::ReleaseCountNotPositive`] if `n < 1`; [`Error::ReleasedTooManyTimes`] if the value
    /// would exceed the initial value (nothing changes).
    pub fn release_n(&self, n: usize) -> Result<(), Error> {
        S::release_operation_on(&self.counter.state, Self::KIND, "release_n", &(self, n), |&(s, n)| {
            s.counter.release(n, Some(s.initial))
        })
    }
}

impl<S: Scheduler> Default for BoundedSemaphore<S> {
    fn default() -> Self {
        Self::new(1)
    }
}

impl<S: Scheduler> GuardRelease for BoundedSemaphore<S> {
    fn release_once(&self) -> Result<(), Error> {
        self.release()
    }
}

impl<S: Scheduler> fmt::Debug for BoundedSemaphore<S> {
    /// `<BoundedSemaphore: value=V/INITIAL>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<BoundedSemaphore: value={}/{}>", self.value(), self.initial)
    }
}
