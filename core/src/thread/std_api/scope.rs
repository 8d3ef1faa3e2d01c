//! std's scoped threads: [`scope`], [`Scope`], [`ScopedJoinHandle`] and
//! [`Builder::spawn_scoped`].

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;

use crate::backend::Scheduler;
use crate::thread::std_api::handle::Thread;
use crate::thread::std_api::packet::{JoinInner, ScopeData, spawn_unchecked};
use crate::thread::std_api::spawn::Builder;

/// A scope to spawn threads that borrow from outside it (std's `std::thread::Scope`), made by
/// [`scope`]: every thread spawned in it is joined before `scope` returns.
///
/// ```
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::scope;
/// # fn demo<S: Scheduler>() {
/// let mut total = 0;
/// let numbers = [1, 2, 3];
/// scope::<S, _>(|s| {
///     let sum = s.spawn(|| numbers.iter().sum::<i32>()); // borrows `numbers`
///     s.spawn(|| assert_eq!(numbers.len(), 3));
///     total = sum.join().unwrap();
/// });
/// assert_eq!(total, 6);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Scope<'scope, 'env: 'scope, S: Scheduler> {
    data: Arc<ScopeData<S>>,
    /// Invariance over `'scope`, so that the scope cannot be shrunk (as std's).
    scope: PhantomData<&'scope mut &'scope ()>,
    /// Invariance over `'env`, so that the borrowed environment cannot be shrunk (as std's).
    env: PhantomData<&'env mut &'env ()>,
}

/// Creates a scope for spawning threads that may borrow non-`'static` data (std's
/// `std::thread::scope`), runs `f` with it, and joins every thread spawned in it (those not
/// joined by hand, and those they spawned) before it returns: also when `f` panics.
///
/// The threads are weft threads, known to `current_thread()` and `enumerate()` until they end;
/// when `scope` returns they have all ended and left the registry.
///
/// ```
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::scope;
/// # fn demo<S: Scheduler>() {
/// let mut a = vec![1, 2, 3];
/// let mut x = 0;
/// scope::<S, _>(|s| {
///     s.spawn(|| println!("a is {a:?}")); // borrows `a`
///     s.spawn(|| x += a[0] + a[2]); // borrows `x` mutably
/// });
/// a.push(4); // the threads are done: `a` and `x` are free again
/// assert_eq!(x, 4);
/// # }
/// # demo::<weft_real::Real>();
/// ```
///
/// # Panics
/// If `f` panicked, with its panic, once every thread has been joined. Otherwise, if a thread
/// of the scope panicked and nobody joined it, with `a scoped thread panicked`, once every
/// thread has been joined (a thread whose panic was received through
/// [`ScopedJoinHandle::join`] counts for nothing).
pub fn scope<'env, S: Scheduler, T>(f: impl for<'scope> FnOnce(&'scope Scope<'scope, 'env, S>) -> T) -> T {
    let scope = Scope { data: Arc::new(ScopeData::new()), scope: PhantomData, env: PhantomData };
    let result = catch_unwind(AssertUnwindSafe(|| f(&scope)));
    // Never returns, nor unwinds, before every thread of the scope has ended (the soundness of
    // `Builder::spawn_scoped` rests on it).
    let unwound = scope.data.join_all();
    let value = match result {
        Ok(value) => value,
        Err(payload) => resume_unwind(payload),
    };
    if let Some(payload) = unwound {
        // A simulator unwinds the thread, abandoned at the end of an execution.
        resume_unwind(payload);
    }
    if scope.data.a_thread_panicked() {
        panic!("a scoped thread panicked");
    }
    value
}

impl<'scope, 'env, S: Scheduler> Scope<'scope, 'env, S> {
    /// Spawns a thread in the scope that runs `f`, which may borrow anything that outlives the
    /// scope (std's `Scope::spawn`). The thread is joined at the end of the scope if nobody
    /// joined it before.
    ///
    /// # Panics
    /// If the backend cannot start a thread (use [`Builder::spawn_scoped`] to get the error).
    pub fn spawn<F, T>(&'scope self, f: F) -> ScopedJoinHandle<'scope, S, T>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        Builder::new().spawn_scoped(self, f).expect("failed to spawn thread")
    }
}

impl<S: Scheduler> fmt::Debug for Scope<'_, '_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scope").finish_non_exhaustive()
    }
}

impl<S: Scheduler> Builder<S> {
    /// Spawns a thread in `scope` with this builder's name and stack size (std's
    /// `Builder::spawn_scoped`): [`Scope::spawn`] with a configuration.
    ///
    /// ```
    /// # use weft_core::Scheduler;
    /// # use weft_core::std_thread::{current, scope, Builder};
    /// # fn demo<S: Scheduler>() {
    /// let greeting = String::from("hello");
    /// scope::<S, _>(|s| {
    ///     let handle = Builder::<S>::new()
    ///         .name("greeter".to_owned())
    ///         .spawn_scoped(s, || format!("{greeting} from {}", current::<S>().name().unwrap()))
    ///         .unwrap();
    ///     assert_eq!(handle.join().unwrap(), "hello from greeter");
    /// });
    /// # }
    /// # demo::<weft_real::Real>();
    /// ```
    ///
    /// # Errors
    /// As [`Builder::spawn`]: an [`io::Error`] whose inner error is
    /// [`crate::Error::CantStartThread`]; `f` is dropped.
    pub fn spawn_scoped<'scope, 'env, F, T>(
        self,
        scope: &'scope Scope<'scope, 'env, S>,
        f: F,
    ) -> io::Result<ScopedJoinHandle<'scope, S, T>>
    where
        F: FnOnce() -> T + Send + 'scope,
        T: Send + 'scope,
    {
        // SAFETY: `spawn_unchecked` needs the thread joined before any lifetime in `F` or `T`
        // ends; both outlive `'scope` (`F: 'scope`, `T: 'scope`), and the thread is joined
        // before `'scope` ends:
        // - a started thread is added to `scope.data` (by `spawn_unchecked`, before it can end);
        // - the `Scope` is `scope`'s local, lent to its closure for `'scope`, so `'scope` lasts
        //   at most until `scope` returns or unwinds, and it does neither before
        //   `ScopeData::join_all` returned (it catches the closure's panic first);
        // - `join_all` returns only once every thread added to the scope, including threads
        //   added while it runs (by the threads it waits for), has ended, or (only as a
        //   simulator unwinds the scope's owner, abandoned at the end of an execution) once the
        //   thread's closure is over; it never unwinds before (it retries or aborts);
        // - a thread's end (its state STOPPED, which a join waits for) comes after its closure
        //   was consumed and its result stored, and so does the mark of the closure's end (the
        //   last thing the closure drops); the result, which may hold `T`, stays in the packet,
        //   owned by the handle (which cannot outlive `'scope`) or leaked with it.
        let inner = unsafe { spawn_unchecked(self.threading(), f, Some(scope.data.clone())) }?;
        Ok(ScopedJoinHandle(inner, PhantomData))
    }
}

/// The owned permission to join a scoped thread (std's `std::thread::ScopedJoinHandle`). A
/// handle dropped without `join` leaves the thread to the end of its scope, which joins it and,
/// if it panicked, panics with `a scoped thread panicked`.
///
/// ```
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::scope;
/// # fn demo<S: Scheduler>() {
/// scope::<S, _>(|s| {
///     let failing = s.spawn(|| -> () { std::panic::resume_unwind(Box::new("boom")) });
///     let payload = failing.join().unwrap_err(); // received: the scope does not panic
///     assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// });
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct ScopedJoinHandle<'scope, S: Scheduler, T>(JoinInner<S, T>, PhantomData<&'scope ()>);

impl<S: Scheduler, T> ScopedJoinHandle<'_, S, T> {
    /// Waits for the thread to end. Returns what its closure returned, or `Err` with the
    /// payload of its panic (which the scope then does not report).
    ///
    /// # Errors
    /// The panic's payload if the thread panicked.
    ///
    /// # Panics
    /// If the thread joins itself (its own handle sent to it).
    pub fn join(self) -> std::thread::Result<T> {
        self.0.join()
    }

    /// The thread's handle.
    pub fn thread(&self) -> &Thread<S> {
        &self.0.thread
    }

    /// Whether the thread's closure has ended (returned or panicked): then
    /// [`ScopedJoinHandle::join`] does not block.
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl<S: Scheduler, T> fmt::Debug for ScopedJoinHandle<'_, S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedJoinHandle").finish_non_exhaustive()
    }
}
