//! std's `Condvar`: waiting for a condition on the data of a [`crate::Mutex`], parking_lot's design
//! (waiters park on the condvar, a notify moves them onto the mutex's queue).

use std::cell::Cell;
use std::fmt;
use std::mem::ManuallyDrop;
use std::sync::LockResult;
use std::sync::PoisonError;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use crate::backend::atomic::Atomic;
use crate::backend::{ParkResult, RequeueOp, Scheduler, UnparkResult};
use crate::sync::mutex::MutexGuard;
use crate::sync::raw::{RawLock, park};

/// std's `Condvar`: threads wait, with the guard of a [`crate::Mutex`], until another thread notifies.
/// A waiter returns holding the mutex again. weft wakes a waiter spuriously (as std allows)
/// only where a simulation is asked to explore that (`Explorer::spurious_wakeups`): loop on the
/// condition, as [`Condvar::wait_while`] does. Waits and notifies are
/// operations a simulator sees; which waiter a `notify_one` wakes is the simulator's choice.
///
/// ```
/// # use std::sync::Arc;
/// # use weft_core::{Condvar, Mutex, Scheduler, Thread};
/// # fn demo<S: Scheduler>() {
/// let pair = Arc::new((Mutex::<S, bool>::new(false), Condvar::<S>::new()));
/// let p = pair.clone();
/// let t = Thread::<S>::new(move || {
///     *p.0.lock().unwrap() = true;
///     p.1.notify_one();
/// });
/// t.start().unwrap();
/// let (ready, condvar) = &*pair;
/// let ready = condvar.wait_while(ready.lock().unwrap(), |ready| !*ready).unwrap();
/// assert!(*ready);
/// # drop(ready);
/// t.join().unwrap();
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Condvar<S: Scheduler> {
    /// The park key of the mutex the waiters use (exposed, see [`RawLock::exposed_park_key`]),
    /// 0 while nobody waits. Written only under this condvar's queue lock (by a waiter's `validate`, by
    /// the callbacks that remove the last waiter), so inside that lock a nonzero value names a
    /// mutex that a parked waiter borrows: alive.
    mutex: S::Atomic<usize>,
}

/// Whether a timed wait of a [`Condvar`] returned because its time was up (std's
/// `WaitTimeoutResult`, which std gives no way to make).
///
/// ```
/// # use std::time::Duration;
/// # use weft_core::{Condvar, Mutex, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let (lock, condvar) = (Mutex::<S, ()>::new(()), Condvar::<S>::new());
/// let (_guard, result) = condvar.wait_timeout(lock.lock().unwrap(), Duration::from_millis(5)).unwrap();
/// assert!(result.timed_out()); // nobody notified
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[derive(Debug, PartialEq, Eq, Copy, Clone)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// Whether the wait ended because its timeout passed, rather than by a notify.
    #[must_use]
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl<S: Scheduler> Condvar<S> {
    /// A condvar nobody waits on.
    pub fn new() -> Self {
        Condvar { mutex: S::Atomic::<usize>::new(0) }
    }

    /// Names this condvar `label` in a simulator's traces and deadlock reports; returns it. See
    /// [`crate::Lock::label`].
    pub fn label(&self, label: &str) -> &Self {
        S::label_object(self.key(), label);
        self
    }

    fn key(&self) -> usize {
        &self.mutex as *const S::Atomic<usize> as usize
    }

    /// The key threads in [`Condvar::wait`] are parked on.
    pub fn wait_key(&self) -> usize {
        self.key()
    }

    /// Unlocks the guard's mutex, waits for a notify, and locks it again.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard if the mutex is poisoned when taken back.
    ///
    /// # Panics
    /// If other threads wait on this condvar with a different mutex (as parking_lot does;
    /// std may panic too).
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, S, T>) -> LockResult<MutexGuard<'a, S, T>> {
        self.wait_until(guard, None).0
    }

    /// Waits while `condition` holds for the data, as [`Condvar::wait`] in a loop.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard if the mutex is poisoned.
    ///
    /// # Panics
    /// As [`Condvar::wait`].
    pub fn wait_while<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, S, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> LockResult<MutexGuard<'a, S, T>> {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Waits as [`Condvar::wait`], for at most `timeout` (virtual time under a simulator).
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard and the result if the mutex is poisoned.
    ///
    /// # Panics
    /// As [`Condvar::wait`].
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, S, T>,
        timeout: Duration,
    ) -> LockResult<(MutexGuard<'a, S, T>, WaitTimeoutResult)> {
        // A timeout past what an `Instant` holds waits without one, as std does.
        let deadline = S::now().checked_add(timeout);
        let (result, timed_out) = self.wait_until(guard, deadline);
        match result {
            Ok(guard) => Ok((guard, WaitTimeoutResult(timed_out))),
            Err(poisoned) => Err(PoisonError::new((poisoned.into_inner(), WaitTimeoutResult(timed_out)))),
        }
    }

    /// Waits while `condition` holds, for at most `timeout` in all.
    ///
    /// # Errors
    /// `Err(PoisonError)` carrying the guard and the result if the mutex is poisoned.
    ///
    /// # Panics
    /// As [`Condvar::wait`].
    pub fn wait_timeout_while<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, S, T>,
        timeout: Duration,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> LockResult<(MutexGuard<'a, S, T>, WaitTimeoutResult)> {
        let deadline = S::now().checked_add(timeout);
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            if deadline.is_some_and(|deadline| S::now() >= deadline) {
                return Ok((guard, WaitTimeoutResult(true)));
            }
            let (result, _) = self.wait_until(guard, deadline);
            guard = match result {
                Ok(guard) => guard,
                Err(poisoned) => {
                    let timed_out = deadline.is_some_and(|deadline| S::now() >= deadline);
                    return Err(PoisonError::new((poisoned.into_inner(), WaitTimeoutResult(timed_out))));
                }
            };
        }
    }

    /// The wait itself: the guard, poisoned or not, and whether the deadline passed unnotified.
    fn wait_until<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, S, T>,
        deadline: Option<Instant>,
    ) -> (LockResult<MutexGuard<'a, S, T>>, bool) {
        S::operation_on(&self.mutex, "Condvar", "wait");
        // A wait that may wake spuriously (a simulator's choice, when asked to explore them)
        // parks with a deadline that has come: from then on, its waking is one more option at
        // every step, unless a notify comes first.
        let spurious = S::spurious_wakeup(self.key());
        let park_deadline = if spurious { Some(S::now()) } else { deadline };
        S::nested_operations(true);
        let raw: &RawLock<S> = &guard.mutex.raw;
        let mine = raw.exposed_park_key();
        let other_mutex = Cell::new(false);
        let requeued = Cell::new(false);
        let validate = || {
            let waiting_with = self.mutex.load(Relaxed);
            if waiting_with == 0 {
                self.mutex.store(mine, Relaxed);
            } else if waiting_with != mine {
                other_mutex.set(true);
                return false;
            }
            true
        };
        // While the thread sleeps, the guard's mutex is unlocked, so the guard must not be
        // dropped: a thread unwound from its sleep (a simulator abandoning it at an
        // execution's end) would unlock the mutex a second time. It leaves the guard, and the
        // mutex unlocked; a thread that wakes takes the guard back and relocks.
        let guard = ManuallyDrop::new(guard);
        let before_sleep = || guard.unlock_for_wait();
        let timed_out = |key: usize, was_last: bool| {
            if key == raw.park_key() {
                // Notified and moved to the mutex's queue, then timed out there: it was notified.
                requeued.set(true);
                if was_last {
                    raw.clear_parked();
                }
            } else if was_last {
                self.mutex.store(0, Relaxed);
            }
        };
        // Notified, the wait reads nothing shared before its blocking relock below.
        S::next_park_reads_only_its_wake();
        // SAFETY: the key is this condvar's own address. `validate` and `timed_out` run under
        // the queue lock and only touch atomics, cannot panic and do not park or unpark.
        // `before_sleep` runs outside it and unlocks the mutex the caller holds (the guard
        // proves it), which may unpark one waiter of the mutex but never parks.
        let result = unsafe { park::<S>(self.key(), validate, before_sleep, timed_out, 0, park_deadline) };
        let notified = match result {
            ParkResult::Unparked(_) => true,
            ParkResult::TimedOut => requeued.get(),
            ParkResult::Invalid => {
                S::nested_operations(false);
                // It never slept: the mutex is still held, and the guard unlocks it.
                drop(ManuallyDrop::into_inner(guard));
                panic!("weft: a Condvar was used with two different mutexes at the same time");
            }
        };
        // Unnotified: a timeout, unless the wake was spurious before the caller's deadline.
        let timed_out = !notified && (!spurious || deadline.is_some_and(|deadline| S::now() >= deadline));
        let outcome = match (notified, timed_out) {
            (true, _) => "notified",
            (false, true) => "timed out",
            (false, false) => "woke spuriously",
        };
        S::outcome(self.key(), outcome);
        // Taking the mutex back is a blocking acquire of its own, as `Mutex::lock` is: under a
        // simulator the thread, woken, does not run again until the mutex is free. Otherwise
        // its wake-up, taken while another thread holds the mutex, would be a step that writes
        // the mutex (it parks there again), and a reduction would explore it before and after
        // each of the holder's steps: orders that differ in nothing else. The guard stays
        // undroppable until the mutex is held again: a thread unwound while it waits here must
        // not unlock it.
        S::blocking_operation_on(raw.cell(), "Mutex", "lock", &|| !raw.is_locked());
        let guard = ManuallyDrop::into_inner(guard);
        guard.relock_after_wait();
        S::nested_operations(false);
        let poisoned = guard.mutex.poisoned_unannounced();
        let guard = if poisoned { Err(PoisonError::new(guard)) } else { Ok(guard) };
        (guard, timed_out)
    }

    /// Wakes one waiter, if any: it returns from its wait once it has the mutex again.
    #[inline]
    pub fn notify_one(&self) {
        S::operation_on(&self.mutex, "Condvar", "notify_one");
        self.requeue(false);
    }

    /// Wakes every waiter; they take the mutex back one at a time.
    #[inline]
    pub fn notify_all(&self) {
        S::operation_on(&self.mutex, "Condvar", "notify_all");
        self.requeue(true);
    }

    /// Moves the oldest waiter (or all) onto the mutex's queue, where its unlocks wake them one
    /// at a time; if the mutex is free, wakes the first directly.
    fn requeue(&self, all: bool) {
        let to = self.mutex.load(Relaxed);
        if to == 0 {
            return;
        }
        let validate = || {
            // Under the queue lock: the waiters may have left, and others come with another
            // mutex, since `to` was read.
            if self.mutex.load(Relaxed) != to {
                return RequeueOp::Abort;
            }
            // SAFETY: see `Condvar::mutex`: under the queue lock, a nonzero key is that of a
            // mutex a parked waiter's guard borrows, so its raw lock is alive here.
            let locked = unsafe { RawLock::<S>::from_exposed_park_key(to) }.mark_parked();
            // std leaves open which waiter a notify wakes (and which of all takes the mutex
            // first): the scheduler chooses.
            match (locked, all) {
                (true, true) => RequeueOp::RequeueAll,
                (true, false) => RequeueOp::RequeueAny,
                (false, true) => RequeueOp::UnparkAnyRequeueRest,
                (false, false) => RequeueOp::UnparkAny,
            }
        };
        let callback = |_op: RequeueOp, result: UnparkResult| {
            if !result.have_more_threads {
                self.mutex.store(0, Relaxed);
            }
            0
        };
        // SAFETY: the keys are this condvar's address and the park key of the waiters' mutex
        // (checked again under the queue lock before anything is moved); the callbacks only
        // touch atomics, cannot panic and do not park, unpark or requeue.
        unsafe { S::unpark_requeue(self.key(), to, validate, callback) };
    }
}

impl<S: Scheduler> Default for Condvar<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler> fmt::Debug for Condvar<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
