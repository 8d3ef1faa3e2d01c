//! std's thread API (`std::thread`) over weft's threads, generic over the [`Scheduler`]:
//! [`spawn`], [`Builder`], [`JoinHandle`], [`scope`], [`Scope`], [`ScopedJoinHandle`],
//! [`current`], [`Thread`], [`ThreadId`], [`park`], [`park_timeout`], [`sleep`], [`yield_now`],
//! with std's signatures and semantics (the scheduler is a type parameter: `spawn::<S, _>`,
//! `JoinHandle<S, T>`).
//!
//! A thread spawned here *is* a weft thread (a [`crate::Thread`]): `current_thread()` in it is a
//! proper thread with the builder's name, alive, listed by `enumerate()`; trace and profile
//! hooks run for it; and every operation (spawn, join, park, unpark, sleep, yield) goes through
//! the scheduler, so that a simulator schedules around it, in virtual time.
//!
//! ```
//! # use weft_core::Scheduler;
//! # use weft_core::std_thread::{current, park, spawn};
//! # fn demo<S: Scheduler>() {
//! let main = current::<S>();
//! let worker = spawn::<S, _>(move || {
//!     main.unpark(); // wakes the main thread, or leaves it a token
//!     weft_core::current_thread::<S>().name() // a weft thread
//! });
//! park::<S>(); // returns once the worker unparked it (no spurious wake-ups)
//! assert!(worker.join().unwrap().starts_with("Thread-"));
//! # }
//! # demo::<weft_real::Real>();
//! ```
//!
//! # Where weft differs from std
//! - **Panics nobody joins.** A panic returned by `join` is the joiner's (no excepthook runs, and
//!   a simulator does not count it as a failure). A panic in a thread whose [`JoinHandle`] was
//!   dropped without `join` reaches nobody: weft reports it as an unhandled panic of that
//!   thread, through the excepthook (printed on real threads; under a simulator the execution
//!   fails, unless the model opts into Python's behaviour or installs its own excepthook),
//!   where std drops it silently after its panic hook printed it. In a [`scope`] such a panic
//!   makes the scope panic, as in std.
//! - **Names.** Every weft thread has a name, so [`Thread::name`] is never `None`: `Thread-N`
//!   for a thread spawned without one, `MainThread` for the main thread (std: `None`, `"main"`).
//!   An empty name means the default, and a name with a NUL is accepted (the OS name stops
//!   there), as for weft's other threads.
//! - **The end of the program.** A spawned thread takes its daemon flag from the spawning
//!   thread, as weft's threads do (from the main thread: not a daemon). So
//!   `wait_for_non_daemon_threads()`, and a simulator at the end of each execution, wait for
//!   it; std's process ends when `main` returns, whatever its threads do.
//! - **Identifiers.** A [`ThreadId`] is unique within a run: the process on real threads, one
//!   execution under a simulator (where ids are deterministic).
//! - **Parking.** [`park`] and [`park_timeout`] return only with a token or at the deadline:
//!   std allows spurious wake-ups, weft has none. `park_timeout` follows the scheduler's clock
//!   (virtual time under a simulator).

mod handle;
mod packet;
mod park;
mod scope;
mod spawn;

use std::time::Duration;

use crate::backend::Scheduler;
use crate::thread::lifecycle::current_thread;

pub use self::handle::{Thread, ThreadId};
pub use self::scope::{Scope, ScopedJoinHandle, scope};
pub use self::spawn::{Builder, JoinHandle, spawn};

/// std's `std::thread::Result`: what `join` returns, the closure's value or the payload of its
/// panic.
pub type Result<T> = std::thread::Result<T>;

/// The calling thread's [`Thread`] handle (std's `std::thread::current`): for any thread, also
/// one weft did not start (it is then a dummy thread, as for `current_thread()`).
///
/// ```
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::current;
/// # fn demo<S: Scheduler>() {
/// let me = current::<S>();
/// assert_eq!(me.id(), current::<S>().id());
/// assert_eq!(me.name(), Some(weft_core::current_thread::<S>().name().as_str()));
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub fn current<S: Scheduler>() -> Thread<S> {
    Thread::from(current_thread::<S>())
}

/// Blocks the calling thread until its token is available, then takes it (std's
/// `std::thread::park`): returns at once if [`Thread::unpark`] was called since the last park.
/// Unlike std's, it never returns spuriously, without a token.
///
/// ```
/// # use std::sync::Arc;
/// # use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::{park, spawn};
/// # fn demo<S: Scheduler>() {
/// let ready = Arc::new(AtomicBool::new(false));
/// let r = ready.clone();
/// let waiter = spawn::<S, _>(move || {
///     while !r.load(SeqCst) {
///         park::<S>();
///     }
/// });
/// ready.store(true, SeqCst);
/// waiter.thread().unpark();
/// waiter.join().unwrap();
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub fn park<S: Scheduler>() {
    self::park::park_current(&current_thread::<S>(), None);
}

/// Blocks the calling thread until its token is available, and takes it, or until `timeout`
/// passes (std's `std::thread::park_timeout`), on `S`'s clock: virtual time under a
/// simulator. A token that arrives just as the timeout passes is taken too, as in std. Never
/// returns spuriously.
///
/// ```
/// # use std::time::Duration;
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::{current, park_timeout};
/// # fn demo<S: Scheduler>() {
/// current::<S>().unpark();
/// park_timeout::<S>(Duration::from_secs(60)); // the token: returns at once
/// let start = S::now();
/// park_timeout::<S>(Duration::from_millis(5)); // no token: waits 5 ms
/// assert!(S::now() - start >= Duration::from_millis(5));
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub fn park_timeout<S: Scheduler>(timeout: Duration) {
    self::park::park_current(&current_thread::<S>(), Some(timeout));
}

/// Suspends the calling thread for at least `duration` (std's `std::thread::sleep`), on `S`'s
/// clock: virtual time under a simulator. A zero duration is a yield ([`yield_now`]).
///
/// ```
/// # use std::time::Duration;
/// # use weft_core::Scheduler;
/// # fn demo<S: Scheduler>() {
/// let start = S::now();
/// weft_core::std_thread::sleep::<S>(Duration::from_millis(2));
/// assert!(S::now() - start >= Duration::from_millis(2));
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub fn sleep<S: Scheduler>(duration: Duration) {
    crate::thread::lifecycle::sleep::<S>(duration)
}

/// Lets other threads run before the caller goes on (std's `std::thread::yield_now`); under a
/// simulator a fairness hint, as [`crate::yield_now`].
///
/// ```
/// weft_core::std_thread::yield_now::<weft_real::Real>();
/// ```
pub fn yield_now<S: Scheduler>() {
    crate::thread::lifecycle::yield_now::<S>()
}
