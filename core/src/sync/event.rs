//! `threading.Event`: a flag threads can wait for.

use std::fmt;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::{Duration, Instant};

use crate::backend::atomic::Atomic;
use crate::backend::observe::report;
use crate::backend::{FilterOp, ParkResult, Scheduler};
use crate::error::Error;
use crate::sync::raw::{park, spin};
use crate::timeout::deadline;

// The event's state word:
//
// | SET | PARKED | meaning                                                                 |
// |-----|--------|-------------------------------------------------------------------------|
// |  0  |   0    | clear, nobody waits                                                     |
// |  1  |   0    | set: `wait` returns at once                                             |
// |  0  |   1    | clear, threads parked on the event's address                            |
//
// `SET | PARKED` never lasts: a waiter parks only while the state is `PARKED` (checked under
// the queue lock), and `set` on a state with PARKED stores `SET` from the unpark callback, under
// the queue lock, so exactly the threads queued then are woken and none that arrives after a
// following `clear`. A waiter whose deadline passes clears PARKED if it was the last one queued.
// `clear` clears SET only.
//
// The bits above them count the `set`s that found the flag clear (wrapping): a simulator's
// untimed `wait` is ready once the flag is set or the count has moved since the wait began, so
// that a waiter a `set` let go returns even if a `clear` comes before it runs, as a parked one
// does.

/// The flag is set.
const SET: u32 = 1;
/// Threads may be parked on the event's address.
const PARKED: u32 = 2;
/// One `set` that found the flag clear, in the count above the flags.
const ONE_SET: u32 = 4;

/// A flag threads wait for (Python's `threading.Event`). `wait` returns whether the caller was
/// woken by `set()` — true even if `clear()` ran before it resumed — and false on timeout.
///
/// ```
/// # use weft_core::{Event, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let event = Event::<S>::new();
/// assert!(!event.is_set());
/// event.set();
/// assert!(event.wait());
/// event.clear();
/// assert!(!event.wait_timeout(std::time::Duration::ZERO).unwrap());
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Event<S: Scheduler> {
    state: S::Atomic<u32>,
}

impl<S: Scheduler> Event<S> {
    /// Names this event `label` in a simulator's traces and deadlock reports; returns it.
    /// See [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.key(), label);
        self
    }

    /// A new event, not set.
    pub fn new() -> Self {
        Event { state: S::Atomic::<u32>::new(0) }
    }

    fn key(&self) -> usize {
        &self.state as *const S::Atomic<u32> as usize
    }

    /// The key threads blocked in [`Event::wait`] are parked on.
    pub fn wait_key(&self) -> usize {
        self.key()
    }

    /// Whether the flag is set.
    #[inline]
    pub fn is_set(&self) -> bool {
        S::read_operation_on(&self.state, "Event", "is_set");
        self.state.load(Acquire) & SET != 0
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        S::operation_on(&self.state, "Event", "set");
        let mut state = self.state.load(Relaxed);
        loop {
            if state & PARKED == 0 {
                // (A release even when set already: waiters that see the flag see this call's
                // writes too.)
                let was_clear = state & SET == 0;
                let new = if was_clear { (state | SET).wrapping_add(ONE_SET) } else { state };
                match self.state.compare_exchange_weak(state, new, Release, Relaxed) {
                    Ok(_) => {
                        // Sets commute with each other: whichever comes first sets the flag
                        // (and counts the set), the others find it set, and in any order they
                        // leave the state alike and wake the same waiters.
                        S::commutes(self.key(), 0, usize::MAX);
                        if !was_clear {
                            return;
                        }
                        break;
                    }
                    Err(actual) => state = actual,
                }
                continue;
            }
            // Set the flag under the queue lock: exactly the threads queued now are woken, and
            // none that arrives after a following `clear()`. (Another `set` may have come
            // between the load above and the lock: then the flag is set already.)
            let was_clear = std::cell::Cell::new(false);
            let callback = |_result| {
                let state = self.state.load(Relaxed);
                was_clear.set(state & SET == 0);
                let sets = if was_clear.get() { ONE_SET } else { 0 };
                self.state.store(((state & !PARKED) | SET).wrapping_add(sets), Release);
                0
            };
            // SAFETY: the key is this event's own address; the filter and callback only touch
            // its atomic state and a local cell, cannot panic and do not call the scheduler.
            unsafe { S::unpark_filter(self.key(), |_| FilterOp::Unpark, callback) };
            if !was_clear.get() {
                return;
            }
            break;
        }
        // The flag went from clear to set: the waits blocked on it may proceed.
        S::releases(self.key());
    }

    /// Resets the flag.
    pub fn clear(&self) {
        S::operation_on(&self.state, "Event", "clear");
        if self.state.fetch_and(!SET, Relaxed) & SET != 0 {
            // Waits that begin now block until the next `set`.
            S::withdraws(self.key());
        }
    }

    /// Blocks until the flag is set. Returns true.
    pub fn wait(&self) -> bool {
        let began = std::cell::Cell::new(None);
        let ready = self.set_since(&began);
        S::blocking_read_operation_on(&self.state, "Event", "wait", &ready);
        if began.get().is_some_and(|sets| sets != self.state.load(Acquire) & !(SET | PARKED)) {
            // A `set` came since the wait began (a `clear` may have followed it).
            return true;
        }
        self.wait_until(None)
    }

    /// Blocks until the flag is set or `timeout` passes. Returns true at once if set; otherwise
    /// whether `set()` woke the caller.
    ///
    /// # Errors
    /// [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
    pub fn wait_timeout(&self, timeout: Duration) -> Result<bool, Error> {
        // A blocking read, as `wait` is: timed waits commute with each other and with `is_set`.
        // A simulator waits itself (until a `set`, or the deadline); elsewhere the wait parks.
        S::read_operation_on(&self.state, "Event", "wait_timeout");
        let set = self.state.load(Acquire) & SET != 0;
        // (A wait of no time is a plain read: it never waits for a `set`.)
        if timeout.is_zero() || set && !S::observing() {
            return Ok(set);
        }
        let deadline = match deadline::<S>(timeout) {
            Ok(deadline) => deadline,
            // (Python raises only when it would wait.)
            Err(error) => return if set { Ok(true) } else { Err(error) },
        };
        // Even when the flag is set, the blocking read begins (and ends at once): a simulator
        // then knows that it commutes with the `set` before it.
        let began = std::cell::Cell::new(None);
        match S::wait_read_until(self.key(), &self.set_since(&began), deadline) {
            Some(true) => Ok(true),
            Some(false) => Ok(report::<S>(self.key(), false, "", "timed out")),
            None => Ok(set || self.wait_until(deadline)),
        }
    }

    /// The readiness test of a simulator's blocking `wait`: the flag is set, or a `set` came
    /// since the wait began. Its first call, on the waiting thread in the wait's own step, notes
    /// in `began` the count of `set`s then (see the state word).
    fn set_since<'a>(&'a self, began: &'a std::cell::Cell<Option<u32>>) -> impl Fn() -> bool + 'a {
        move || {
            let state = self.state.load(Relaxed);
            let sets = state & !(SET | PARKED);
            match began.get() {
                None => {
                    began.set(Some(sets));
                    state & SET != 0
                }
                Some(at_start) => state & SET != 0 || at_start != sets,
            }
        }
    }

    fn wait_until(&self, deadline: Option<Instant>) -> bool {
        let mut spins = 0;
        loop {
            let state = self.state.load(Acquire);
            if state & SET != 0 {
                return true;
            }
            if state & PARKED == 0 {
                // A short bounded spin first (as the locks do; none under a simulator): a `set`
                // that comes within it costs neither side a sleep nor a wake-up.
                if spin::<S>(spins) {
                    spins += 1;
                    continue;
                }
                if self.state.compare_exchange_weak(state, state | PARKED, Relaxed, Relaxed).is_err() {
                    continue;
                }
            }
            let validate = || self.state.load(Relaxed) & (SET | PARKED) == PARKED;
            let timed_out = |_key, was_last: bool| {
                if was_last {
                    self.state.fetch_and(!PARKED, Relaxed);
                }
            };
            // SAFETY: the key is this event's own address; the callbacks only touch its atomic
            // state, cannot panic and do not call the scheduler.
            match unsafe { park::<S>(self.key(), validate, || {}, timed_out, 0, deadline) } {
                ParkResult::Unparked(_) => return report::<S>(self.key(), true, "woken by set", ""),
                ParkResult::TimedOut => return report::<S>(self.key(), false, "", "timed out"),
                ParkResult::Invalid => {}
            }
        }
    }
}

impl<S: Scheduler> Default for Event<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler> fmt::Debug for Event<S> {
    /// `<Event: set>` / `<Event: unset>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Event: {}>", if self.is_set() { "set" } else { "unset" })
    }
}
