//! std's thread API (`std::thread`) on weft's threads: [`spawn`], [`Builder`], [`JoinHandle`],
//! [`scope`], [`Scope`], [`ScopedJoinHandle`], [`current`], [`Thread`], [`ThreadId`], [`park`],
//! [`park_timeout`], [`sleep`], [`yield_now`], with std's signatures and semantics, so that code
//! written against `std::thread` runs here by changing its imports. Inside a simulation
//! ([`crate::sim::check`], an [`crate::sim::Explorer`]) every operation is a step the simulator
//! schedules, in virtual time; elsewhere the threads are OS threads.
//!
//! A thread spawned here is a weft thread: [`crate::current_thread`] in it is a proper
//! [`crate::Thread`] with the builder's name, [`crate::enumerate`] lists it, and the trace and
//! profile hooks run for it. See [`weft_core::std_thread`] for the generic version.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::Ordering::SeqCst;
//! use weft::AtomicUsize;
//!
//! // Checked in simulation: every interleaving of the two threads.
//! weft::sim::check(|| {
//!     let hits = Arc::new(AtomicUsize::new(0));
//!     let handles: Vec<_> = (0..2)
//!         .map(|_| {
//!             let hits = hits.clone();
//!             weft::thread::spawn(move || hits.fetch_add(1, SeqCst))
//!         })
//!         .collect();
//!     let mut seen: Vec<usize> = handles.into_iter().map(|h| h.join().unwrap()).collect();
//!     seen.sort();
//!     assert_eq!(seen, [0, 1]);
//! });
//! ```
//!
//! # Where weft differs from std
//! - A panic in a thread whose [`JoinHandle`] was dropped without `join` is reported through
//!   the excepthook (see [`crate::set_excepthook`]): printed on real threads, a failure in
//!   simulation. std drops it silently once its panic hook printed it. A panic received through
//!   `join` is the joiner's, in both.
//! - [`Thread::name`] is never `None`: an unnamed thread is `Thread-N`, the main thread
//!   `MainThread`.
//! - A spawned thread is not a daemon when the main thread spawns it (weft's rule: the daemon
//!   flag is the spawner's), so [`crate::wait_for_non_daemon_threads`] and the simulator, at
//!   the end of each execution, wait for it.
//! - [`park`] and [`park_timeout`] never return spuriously.

use std::time::Duration;

use crate::Auto;

pub use weft_core::std_thread::{Result, ThreadId};

/// A handle to a thread (std's `std::thread::Thread`): its name, its [`ThreadId`], and
/// [`Thread::unpark`]. See [`weft_core::std_thread::Thread`].
///
/// ```
/// use weft::thread;
///
/// let main = thread::current();
/// assert_eq!(main.name(), Some("MainThread"));
/// let handle = thread::Builder::new()
///     .name("worker".to_owned())
///     .spawn(move || {
///         main.unpark(); // a token for the main thread's park
///         thread::current().name().map(str::to_owned)
///     })
///     .unwrap();
/// thread::park(); // returns once the worker unparked it
/// assert_eq!(handle.join().unwrap().as_deref(), Some("worker"));
/// ```
pub type Thread = weft_core::std_thread::Thread<Auto>;

/// The owned permission to join a thread (std's `std::thread::JoinHandle`): `join` returns the
/// closure's value, or the payload of its panic. See [`weft_core::std_thread::JoinHandle`].
///
/// ```
/// let handle = weft::thread::spawn(|| -> u32 { std::panic::resume_unwind(Box::new("boom")) });
/// let payload = handle.join().unwrap_err(); // the joiner's: no excepthook
/// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// assert_eq!(weft::thread::spawn(|| 7).join().unwrap(), 7);
/// ```
pub type JoinHandle<T> = weft_core::std_thread::JoinHandle<Auto, T>;

/// Configures a thread before it is spawned (std's `std::thread::Builder`): name and stack
/// size; `spawn` returns an `io::Result`. See [`weft_core::std_thread::Builder`].
///
/// ```
/// use weft::thread::Builder;
///
/// let handle = Builder::new()
///     .name("worker".to_owned())
///     .stack_size(4 << 20)
///     .spawn(|| weft::current_thread().name()) // a weft thread, named by the builder
///     .unwrap();
/// assert_eq!(handle.join().unwrap(), "worker");
/// // A thread the backend cannot start: weft's `CantStartThread` inside an `io::Error`.
/// let error = Builder::new().stack_size(1 << 50).spawn(|| ()).unwrap_err();
/// assert_eq!(error.to_string(), "can't start new thread");
/// ```
pub type Builder = weft_core::std_thread::Builder<Auto>;

/// A scope to spawn threads that borrow from outside it (std's `std::thread::Scope`). See
/// [`scope`] and [`weft_core::std_thread::Scope`].
///
/// ```
/// let mut counts = [0; 3];
/// weft::thread::scope(|s: &weft::thread::Scope<'_, '_>| {
///     for (i, count) in counts.iter_mut().enumerate() {
///         s.spawn(move || *count = i * 10);
///     }
/// });
/// assert_eq!(counts, [0, 10, 20]);
/// ```
pub type Scope<'scope, 'env> = weft_core::std_thread::Scope<'scope, 'env, Auto>;

/// The owned permission to join a scoped thread (std's `std::thread::ScopedJoinHandle`). See
/// [`weft_core::std_thread::ScopedJoinHandle`].
///
/// ```
/// let text = String::from("borrowed");
/// let length = weft::thread::scope(|s| {
///     let handle: weft::thread::ScopedJoinHandle<'_, usize> = s.spawn(|| text.len());
///     handle.join().unwrap()
/// });
/// assert_eq!(length, 8);
/// ```
pub type ScopedJoinHandle<'scope, T> = weft_core::std_thread::ScopedJoinHandle<'scope, Auto, T>;

/// Spawns a thread that runs `f` and returns its [`JoinHandle`] (std's `std::thread::spawn`).
///
/// ```
/// let handle = weft::thread::spawn(|| "hello from a thread");
/// assert_eq!(handle.join().unwrap(), "hello from a thread");
/// ```
///
/// # Panics
/// If the backend cannot start a thread ([`Builder::spawn`] returns the error instead).
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    weft_core::std_thread::spawn::<Auto, T>(f)
}

/// Runs `f` with a [`Scope`] for spawning threads that borrow non-`'static` data, and joins
/// every thread spawned in it before returning (std's `std::thread::scope`).
///
/// ```
/// let mut a = vec![1, 2, 3];
/// let mut x = 0;
/// weft::thread::scope(|s| {
///     s.spawn(|| assert_eq!(a.len(), 3));
///     s.spawn(|| x += a[0] + a[2]);
/// });
/// a.push(4);
/// assert_eq!(x, 4);
/// ```
///
/// # Panics
/// With `f`'s panic if it panicked; else with `a scoped thread panicked` if a thread of the
/// scope panicked and was not joined; in both cases only once every thread has ended.
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    weft_core::std_thread::scope::<Auto, T>(f)
}

/// The calling thread's [`Thread`] handle (std's `std::thread::current`).
///
/// ```
/// let me = weft::thread::current();
/// assert_eq!(me.id(), weft::thread::current().id());
/// ```
pub fn current() -> Thread {
    weft_core::std_thread::current::<Auto>()
}

/// Blocks until the calling thread's token is available and takes it (std's
/// `std::thread::park`); never returns spuriously.
///
/// ```
/// weft::thread::current().unpark();
/// weft::thread::park(); // the token was there: returns at once
/// ```
pub fn park() {
    weft_core::std_thread::park::<Auto>()
}

/// Like [`park`], but for at most `dur` (std's `std::thread::park_timeout`); virtual time in a
/// simulation.
///
/// ```
/// use std::time::Duration;
///
/// let start = weft::now();
/// weft::thread::park_timeout(Duration::from_millis(2)); // no token: times out
/// assert!(weft::now() - start >= Duration::from_millis(2));
/// ```
pub fn park_timeout(dur: Duration) {
    weft_core::std_thread::park_timeout::<Auto>(dur)
}

/// Suspends the calling thread for at least `dur` (std's `std::thread::sleep`); virtual time in
/// a simulation, where an hour costs nothing.
///
/// ```
/// weft::sim::check(|| weft::thread::sleep(std::time::Duration::from_secs(3600)));
/// ```
pub fn sleep(dur: Duration) {
    weft_core::std_thread::sleep::<Auto>(dur)
}

/// Lets other threads run (std's `std::thread::yield_now`); in a simulation a fairness hint, as
/// [`crate::yield_now`].
///
/// ```
/// weft::thread::yield_now();
/// ```
pub fn yield_now() {
    weft_core::std_thread::yield_now::<Auto>()
}
