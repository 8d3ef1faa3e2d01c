//! std's park token (`std::thread::park`/`Thread::unpark`), kept in a thread's record and parked
//! on through the scheduler, so that both backends run it and a simulator sees every step.

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Duration;

use crate::backend::atomic::Atomic;
use crate::backend::observe::report;
use crate::backend::{ParkResult, Scheduler};
use crate::sync::raw::park;
use crate::thread::record::Thread;

// The token, one byte in the thread's record (`ThreadInner::park`, made 0):
//
// | state    | set by                                    | meaning                                  |
// |----------|-------------------------------------------|------------------------------------------|
// | EMPTY    | the record's creation; a park that ends   | no token: the next park blocks           |
// | NOTIFIED | `unpark` (a swap, from any state)         | a token: the next park takes it at once  |
// | PARKED   | the thread itself, before it parks        | the thread is (about to be) parked       |
//
// Only the thread itself parks on its token, so only it moves the state to PARKED or back to
// EMPTY; other threads only ever store NOTIFIED. The thread parks on the cell's address only
// while the state is PARKED (checked under the queue lock), so an `unpark` that swaps in
// NOTIFIED either finds the thread queued (it saw PARKED: it unparks it) or keeps it from
// sleeping (the check fails). Tokens do not add up: unparking twice leaves one token, as std's.
//
// A wake-up that comes without a token (the late `unpark_one` of an `unpark` whose token an
// earlier, timed-out park already took) is not returned: the thread parks again. So a park
// returns only with a token or at its deadline, never spuriously (std allows spurious returns;
// weft makes none).

/// No token.
const EMPTY: u8 = 0;
/// A token is waiting for the next park.
const NOTIFIED: u8 = 1;
/// The thread parks, or is about to.
const PARKED: u8 = 2;

/// The kind of object a token is in a simulator's traces (`ParkToken#1`), unless labelled with
/// its thread's name ([`label`]).
const KIND: &str = "ParkToken";

/// The address `thread` parks on while it waits for its token.
fn key<S: Scheduler>(thread: &Thread<S>) -> usize {
    &thread.inner.park as *const S::Atomic<u8> as usize
}

/// Names `thread`'s token after the thread in a simulator's traces and deadlock reports
/// (`worker's park token`); nothing on real threads.
pub(super) fn label<S: Scheduler>(thread: &Thread<S>) {
    if S::observing() && S::keeps_labels() {
        S::label_object(key(thread), &format!("{}'s park token", thread.name()));
    }
}

/// Blocks the calling thread, whose record is `me`, until its token is available, and takes
/// it; with a `timeout`, at most that long (on `S`'s clock: virtual time under a simulator).
/// Returns whether it took a token (false: the timeout passed first).
pub(super) fn park_current<S: Scheduler>(me: &Thread<S>, timeout: Option<Duration>) -> bool {
    let token = &me.inner.park;
    let key = key(me);
    // The caller can make no progress until a token is there.
    let ready = || token.load(Relaxed) == NOTIFIED;
    match timeout {
        None => S::blocking_operation_on(token, KIND, "park", &ready),
        Some(timeout) if timeout.is_zero() => {
            // Takes a token that is there, and waits for none.
            S::operation_on(token, KIND, "park_timeout");
            let taken = token.swap(EMPTY, Acquire) == NOTIFIED;
            return report::<S>(key, taken, "token taken", "timed out");
        }
        // A simulator waits itself, up to the timeout, as for a park without one: the park then
        // commutes with the `unpark` that let it go, as that one does. Elsewhere the thread
        // parks (below).
        Some(timeout) => {
            if S::blocking_operation_on_for(token, KIND, "park_timeout", &ready, timeout) == Some(false) {
                return report::<S>(key, false, "unparked", "timed out");
            }
        }
    }
    if token.compare_exchange(EMPTY, PARKED, Acquire, Acquire).is_err() {
        // The state was NOTIFIED (only this thread leaves EMPTY for anything but NOTIFIED):
        // take the token. An `unpark` meanwhile stores NOTIFIED over NOTIFIED, which is the
        // same single token.
        token.store(EMPTY, Relaxed);
        return report::<S>(key, true, "token taken", "");
    }
    // A timeout of centuries is no deadline, as std's.
    let deadline = timeout.and_then(|timeout| S::now().checked_add(timeout));
    loop {
        let validate = || token.load(Relaxed) == PARKED;
        // SAFETY: the key is the address of this thread's own token cell, which no other
        // object's queue uses; `validate` only loads that cell, cannot panic and does not call
        // the scheduler's parking; `before_sleep` and `timed_out` do nothing.
        let result = unsafe { park::<S>(key, validate, || {}, |_, _| {}, 0, deadline) };
        if token.compare_exchange(NOTIFIED, EMPTY, Acquire, Relaxed).is_ok() {
            return report::<S>(key, true, "unparked", "");
        }
        if let ParkResult::TimedOut = result {
            // As std's: a token that came after the deadline, before this, is taken too.
            let taken = token.swap(EMPTY, Acquire) == NOTIFIED;
            return report::<S>(key, taken, "unparked", "timed out");
        }
        // Woken without a token (see above), or the state changed before the thread slept
        // (then it is NOTIFIED, taken above): park again.
    }
}

/// Makes `thread`'s token available: its current or next park returns (std's
/// `Thread::unpark`).
pub(super) fn unpark<S: Scheduler>(thread: &Thread<S>) {
    let token = &thread.inner.park;
    S::operation_on(token, KIND, "unpark");
    let key = key(thread);
    let previous = token.swap(NOTIFIED, Release);
    if previous == PARKED {
        // SAFETY: the key is the address of `thread`'s token cell, which no other object's
        // queue uses; the callback returns a constant, cannot panic and does not call the
        // scheduler.
        unsafe { S::unpark_one(key, |_| 0) };
    }
    if previous != NOTIFIED {
        // A `park` waiting for the token (a blocking operation on it) can go on now. An
        // `unpark` that finds a token already there lets nothing go that could not go before:
        // it is no release (a simulator's search then orders it against a `park` that may
        // take the first token before it, as it must).
        S::releases(key);
    }
}
