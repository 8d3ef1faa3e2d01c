//! `threading.Barrier`: a fixed number of threads meet, then all go on; reusable.

use std::cell::Cell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use crate::backend::atomic::Atomic;
use crate::backend::observe::report;
use crate::backend::{FilterOp, ParkResult, Scheduler};
use crate::error::Error;
use crate::sync::raw::{RawLock, park, spin, unpark_all};
use crate::timeout::deadline;

// The barrier's state word: `round × ROUND | BROKEN`.
//
// | BROKEN | meaning                                                                         |
// |--------|---------------------------------------------------------------------------------|
// |   0    | round `r` open: arrivals count in `count` (under `lock`) and park on the word    |
// |   1    | broken: every `wait` fails with BrokenBarrierError until `reset`                 |
//
// The word changes only under the queue lock of its own address: the last arrival ends the
// round (round + 1, waking the round's waiters with PASSED) from its unpark callback; a waiter's
// timeout, `abort`, or a panicking action sets BROKEN (waking them with BROKE); `reset` breaks
// the current round for its waiters, then starts a fresh one. A waiter parks only while the
// word still says its round, so no round's end is missed.

/// The bit of `Barrier::state` that says the barrier is broken.
const BROKEN: usize = 1;
/// One round in `Barrier::state`: rounds count above the `BROKEN` bit.
const ROUND: usize = 2;

/// The wake-up tokens of a round's waiters: how the round ended for them.
const PASSED: usize = 0;
const BROKE: usize = 1;

type Action = Box<dyn Fn() + Send + Sync + 'static>;

/// How a round ends (see [`Barrier::end_round`]).
#[derive(Copy, Clone, PartialEq, Eq)]
enum End {
    /// Every party arrived: the next round begins, unless a waiter's timeout broke the round.
    Pass,
    /// The barrier breaks (timeout, `abort`, a panicking action): it stays broken until `reset`.
    Break,
    /// `reset`: the waiters get `BrokenBarrierError`, and the next round begins, unbroken.
    Reset,
}

/// A barrier for a fixed number of threads (Python's `threading.Barrier`).
///
/// Each `wait` returns the caller's arrival index, `0..parties`. The last arrival runs the action
/// (if any) before anyone is released. A timeout, an `abort()`, a `reset()` while threads wait, or
/// a panicking action break the barrier: waiters get [`Error::BrokenBarrier`]. It is cyclic.
///
/// Rounds are numbered: a waiter parks until its round ends and learns how it ended from its
/// wake-up, so that the threads of a round need not leave before the next round fills (unlike
/// CPython's draining, which costs a second wake-up per round), and the next round's arrivals
/// never wait for them. The observable behaviour is CPython's.
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
    /// The current round (in steps of `ROUND`) and the `BROKEN` bit. It changes only under the
    /// queue lock of its own address (the waiters' key): in `end_round`'s unpark callback, and
    /// in a waiter's timeout callback, which breaks the round. So every waiter of a round is
    /// queued when its round ends, and is woken with a token that says how it ended.
    state: S::Atomic<usize>,
    /// Serialises arrivals, `reset` and `abort`.
    lock: RawLock<S>,
    /// Arrivals in the current round; written under `lock`.
    count: S::Atomic<usize>,
    parties: usize,
    action: Option<Action>,
    timeout: Option<Duration>,
}

impl<S: Scheduler> Barrier<S> {
    /// Names this barrier `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.key(), label);
        self
    }

    /// A barrier for `parties` threads, with no action and no default timeout.
    ///
    /// # Errors
    /// [`Error::BarrierParties`] (`ValueError`) if `parties < 1`.
    pub fn new(parties: usize) -> Result<Self, Error> {
        if parties < 1 {
            return Err(Error::BarrierParties);
        }
        Ok(Barrier {
            state: S::Atomic::<usize>::new(0),
            lock: RawLock::new(),
            count: S::Atomic::<usize>::new(0),
            parties,
            action: None,
            timeout: None,
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

    fn key(&self) -> usize {
        &self.state as *const S::Atomic<usize> as usize
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
        S::operation_on(&self.state, "Barrier", "wait");
        let deadline = match timeout {
            Some(timeout) => deadline::<S>(timeout)?,
            None => None,
        };
        self.lock.lock();
        let round = self.state.load(Relaxed);
        let result = if round & BROKEN != 0 {
            self.lock.unlock();
            Err(Error::BrokenBarrier)
        } else {
            let index = self.count.load(Relaxed);
            if index + 1 == self.parties {
                self.release_all().map(|()| index)
            } else {
                self.count.store(index + 1, Relaxed);
                self.wait_for_release(round, deadline).map(|()| index)
            }
        };
        report::<S>(self.key(), result.is_ok(), "passed", "broken");
        result
    }

    /// The last arrival, holding the lock: run the action, then let everybody go.
    fn release_all(&self) -> Result<(), Error> {
        if let Some(action) = &self.action {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(action)) {
                self.end_round(End::Break);
                self.lock.unlock();
                resume_unwind(payload);
            }
        }
        let passed = self.end_round(End::Pass);
        self.lock.unlock();
        if passed { Ok(()) } else { Err(Error::BrokenBarrier) }
    }

    /// An arrival of `round` that is not the last, holding the lock: queue up, release the lock,
    /// and sleep until the round ends or `deadline` passes.
    fn wait_for_release(&self, round: usize, deadline: Option<std::time::Instant>) -> Result<(), Error> {
        let broke_it = Cell::new(false);
        let timed_out = |_key: usize, _was_last: bool| {
            // Under the queue lock, and still queued: the round has not ended (its end would
            // have woken us), unless another waiter's timeout broke it already.
            if self.state.load(Relaxed) == round {
                self.state.store(round | BROKEN, Relaxed);
                broke_it.set(true);
            }
        };
        // Let go by the round's end (or a break), the waiter reads nothing shared on leaving but
        // the outcome the waking step handed it: waiters' exits commute with each other and with
        // what later steps do to the barrier (a park that times out still leaves the queue itself).
        S::next_park_reads_only_its_wake();
        // SAFETY: the key is this barrier's own address. `validate` is trivially true: we hold
        // the lock, without which no round ends, so our round is still filling. `before_sleep`
        // releases the lock, which may unpark but never parks, then spins a little (never under
        // a simulator) while loading the state. `timed_out` only touches atomics, cannot panic
        // and does not call the scheduler.
        let result = unsafe {
            park::<S>(
                self.key(),
                || true,
                || {
                    self.lock.unlock();
                    // Queued already, so the round's end will wake us with our outcome whenever
                    // it comes; if it comes within a short spin, the wake-up finds us awake
                    // and costs no sleep.
                    let mut spins = 0;
                    while spin::<S>(spins) && self.state.load(Relaxed) == round {
                        spins += 1;
                    }
                },
                timed_out,
                0,
                deadline,
            )
        };
        match result {
            ParkResult::Unparked(PASSED) => Ok(()),
            ParkResult::Unparked(_) => Err(Error::BrokenBarrier),
            ParkResult::TimedOut => {
                if broke_it.get() {
                    // Wake the round's other waiters, unless a reset already did.
                    self.lock.lock();
                    if self.state.load(Relaxed) == round | BROKEN {
                        self.count.store(0, Relaxed);
                        // SAFETY: the key is this barrier's own address; no callback.
                        unsafe { unpark_all::<S>(self.key(), BROKE) };
                    }
                    self.lock.unlock();
                }
                Err(Error::BrokenBarrier)
            }
            ParkResult::Invalid => unreachable!("validate always holds"),
        }
    }

    /// Ends the current round as `end` says, holding the lock: changes the state and wakes the
    /// round's waiters in one step under the queue lock. Returns whether the round passed.
    fn end_round(&self, end: End) -> bool {
        let passed = Cell::new(false);
        let callback = |_result| {
            let state = self.state.load(Relaxed);
            match end {
                // A waiter timed out, and broke the round, while the last arrival came.
                End::Pass if state & BROKEN != 0 => BROKE,
                End::Pass => {
                    self.state.store(state + ROUND, Relaxed);
                    passed.set(true);
                    PASSED
                }
                End::Break => {
                    self.state.store(state | BROKEN, Relaxed);
                    BROKE
                }
                End::Reset => {
                    self.state.store((state & !BROKEN) + ROUND, Relaxed);
                    BROKE
                }
            }
        };
        // Before the wake-ups: a released thread reads `n_waiting() == 0`.
        self.count.store(0, Relaxed);
        // SAFETY: the key is this barrier's own address; the filter and the callback only touch
        // its atomics, cannot panic and do not call the scheduler.
        unsafe { S::unpark_filter(self.key(), |_| FilterOp::Unpark, callback) };
        passed.get()
    }

    /// Returns the barrier to its initial state: threads waiting now get
    /// [`Error::BrokenBarrier`]; the barrier is usable again at once.
    pub fn reset(&self) {
        S::operation_on(&self.state, "Barrier", "reset");
        self.lock.lock();
        if self.count.load(Relaxed) > 0 || self.state.load(Relaxed) & BROKEN != 0 {
            self.end_round(End::Reset);
        }
        self.lock.unlock();
    }

    /// Breaks the barrier: current and future waiters get [`Error::BrokenBarrier`] until
    /// [`Barrier::reset`].
    pub fn abort(&self) {
        S::operation_on(&self.state, "Barrier", "abort");
        self.lock.lock();
        self.end_round(End::Break);
        self.lock.unlock();
    }

    /// The number of threads needed to pass.
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The number of threads waiting now (0 once their round has passed, and while the barrier
    /// is broken).
    pub fn n_waiting(&self) -> usize {
        S::operation_on(&self.state, "Barrier", "n_waiting");
        if self.state.load(Relaxed) & BROKEN == 0 { self.count.load(Relaxed) } else { 0 }
    }

    /// Whether the barrier is broken.
    pub fn broken(&self) -> bool {
        S::operation_on(&self.state, "Barrier", "broken");
        self.state.load(Relaxed) & BROKEN != 0
    }

    /// The key threads blocked in [`Barrier::wait`] are parked on.
    pub fn wait_key(&self) -> usize {
        self.key()
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
