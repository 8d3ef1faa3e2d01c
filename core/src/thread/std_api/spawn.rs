//! std's [`spawn`], [`Builder`] and [`JoinHandle`].

use std::fmt;
use std::io;
use std::marker::PhantomData;

use crate::backend::Scheduler;
use crate::thread::lifecycle::{self, MIN_STACK_SIZE};
use crate::thread::std_api::handle::Thread;
use crate::thread::std_api::packet::{JoinInner, spawn_unchecked};

/// Configures a thread before it is spawned, as std's `std::thread::Builder`: its name and its
/// stack size. The thread is a weft thread like any other: its daemon flag is the spawning
/// thread's (see [`crate::std_thread`]).
///
/// ```
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::{current, Builder};
/// # fn demo<S: Scheduler>() -> std::io::Result<()> {
/// let handle = Builder::<S>::new()
///     .name("worker".to_owned())
///     .stack_size(256 * 1024)
///     .spawn(|| current::<S>().name().map(str::to_owned))?;
/// assert_eq!(handle.join().unwrap().as_deref(), Some("worker"));
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub struct Builder<S: Scheduler> {
    name: Option<String>,
    stack_size: Option<usize>,
    scheduler: PhantomData<fn() -> S>,
}

impl<S: Scheduler> Builder<S> {
    /// A builder with the defaults: the name `Thread-N`, the run's stack size (see
    /// [`crate::stack_size`]; 0, the platform's default, unless set).
    pub fn new() -> Self {
        Builder { name: None, stack_size: None, scheduler: PhantomData }
    }

    /// Names the thread. As a weft name: an empty name means the default `Thread-N`, and the
    /// OS thread's name stops at the first NUL (std panics on a NUL).
    pub fn name(mut self, name: String) -> Self {
        self.name = Some(name);
        self
    }

    /// Sets the thread's stack size in bytes. A size below [`MIN_STACK_SIZE`] (32 KiB; 0
    /// included) is rounded up to it, as std rounds up to the platform's minimum; a size the
    /// backend cannot give makes `spawn` fail.
    pub fn stack_size(mut self, size: usize) -> Self {
        self.stack_size = Some(size);
        self
    }

    /// The weft builder of the thread.
    pub(super) fn threading(self) -> lifecycle::Builder<S> {
        let mut builder = lifecycle::Builder::new();
        if let Some(name) = self.name {
            builder = builder.name(name);
        }
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size.max(MIN_STACK_SIZE));
        }
        builder
    }

    /// Spawns a thread that runs `f`, and returns its [`JoinHandle`].
    ///
    /// # Errors
    /// An [`io::Error`] of kind `Other` whose inner error is [`crate::Error::CantStartThread`]
    /// (`RuntimeError: can't start new thread`) if the backend cannot start the thread (a stack
    /// size it cannot give, a thread limit); nothing stays registered, and `f` is dropped.
    pub fn spawn<F, T>(self, f: F) -> io::Result<JoinHandle<S, T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // SAFETY: `F` and `T` are 'static: nothing they hold can end before the thread.
        unsafe { self.spawn_unchecked(f) }
    }

    /// Spawns a thread like [`Builder::spawn`], without requiring `'static` of `f` and `T`
    /// (std's `Builder::spawn_unchecked`).
    ///
    /// ```
    /// # use weft_core::Scheduler;
    /// # use weft_core::std_thread::Builder;
    /// # fn demo<S: Scheduler>() {
    /// let words = vec!["borrowed", "here"];
    /// // SAFETY: the thread is joined below, before `words` goes.
    /// let handle = unsafe { Builder::<S>::new().spawn_unchecked(|| words.join(" ")) }.unwrap();
    /// assert_eq!(handle.join().unwrap(), "borrowed here");
    /// # }
    /// # demo::<weft_real::Real>();
    /// ```
    ///
    /// # Errors
    /// As [`Builder::spawn`].
    ///
    /// # Safety
    /// The thread must not outlive anything `f` borrows nor any lifetime in `T`: join it before
    /// any of them ends (a handle dropped without `join` lets the thread run on), or use only
    /// `'static` data.
    pub unsafe fn spawn_unchecked<F, T>(self, f: F) -> io::Result<JoinHandle<S, T>>
    where
        F: FnOnce() -> T + Send,
        T: Send,
    {
        // SAFETY: the caller's contract is `spawn_unchecked`'s: the thread is joined before any
        // lifetime in `F` or `T` ends.
        unsafe { spawn_unchecked(self.threading(), f, None) }.map(JoinHandle)
    }
}

impl<S: Scheduler> Default for Builder<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler> fmt::Debug for Builder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder").field("name", &self.name).field("stack_size", &self.stack_size).finish()
    }
}

/// Spawns a thread that runs `f` and returns its [`JoinHandle`] (std's `std::thread::spawn`):
/// a weft thread, named `Thread-N`, which `current_thread()` and `enumerate()` know like any
/// other.
///
/// ```
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::spawn;
/// # fn demo<S: Scheduler>() {
/// let handle = spawn::<S, _>(|| 6 * 7);
/// assert_eq!(handle.join().unwrap(), 42);
/// # }
/// # demo::<weft_real::Real>();
/// ```
///
/// # Panics
/// If the backend cannot start a thread (use [`Builder::spawn`] to get the error instead).
pub fn spawn<S: Scheduler, T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<S, T> {
    Builder::new().spawn(f).expect("failed to spawn thread")
}

/// The owned permission to join a thread (std's `std::thread::JoinHandle`): [`JoinHandle::join`]
/// waits for it and returns what its closure returned, or the payload of its panic.
///
/// Dropping the handle detaches the thread: it runs on, and its result is dropped when it
/// ends. If the thread panics and its handle was dropped without `join`, nobody can receive the
/// panic, and weft reports it as a panic that escaped a thread: to the excepthook, which prints
/// it on real threads, and which under a simulator fails the execution (as for a panic in a
/// [`crate::Thread`]'s target). std drops such a panic silently, after its panic hook printed
/// it. Either order (the handle dropped before or after the panic) gives that report.
///
/// ```
/// # use weft_core::Scheduler;
/// # use weft_core::std_thread::spawn;
/// # fn demo<S: Scheduler>() {
/// let handle = spawn::<S, _>(|| -> u32 { std::panic::resume_unwind(Box::new("boom")) });
/// let payload = handle.join().unwrap_err(); // the panic, for the joiner: no excepthook
/// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct JoinHandle<S: Scheduler, T>(JoinInner<S, T>);

impl<S: Scheduler, T> JoinHandle<S, T> {
    /// Waits for the thread to end. Returns what its closure returned, or `Err` with the
    /// payload of its panic, as std's (the panic is then the caller's: no excepthook runs).
    ///
    /// # Errors
    /// The panic's payload if the thread panicked.
    ///
    /// # Panics
    /// If the thread joins itself (its own handle sent to it): `RuntimeError: cannot join
    /// current thread` (std panics there too, with the OS's deadlock error).
    pub fn join(self) -> std::thread::Result<T> {
        self.0.join()
    }

    /// The thread's handle.
    pub fn thread(&self) -> &Thread<S> {
        &self.0.thread
    }

    /// Whether the thread's closure has ended (returned or panicked): then [`JoinHandle::join`]
    /// does not block.
    pub fn is_finished(&self) -> bool {
        self.0.is_finished()
    }
}

impl<S: Scheduler, T> fmt::Debug for JoinHandle<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").finish_non_exhaustive()
    }
}
