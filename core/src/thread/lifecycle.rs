//! A thread's life: [`Builder`], start, run and join; the module functions over the run's
//! threads and settings.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::time::{Duration, Instant};

use crate::backend::atomic::Atomic;
use crate::backend::name::ThreadName;
use crate::backend::observe::report;
use crate::backend::{Scheduler, SpawnOptions};
use crate::error::Error;
use crate::thread::hooks::{Abandoned, ExceptHook, ExceptHookArgs, SystemExit, ThreadHook, excepthook, panic_message};
use crate::thread::record::{INITIAL, Kind, STARTED, STARTING, STOPPED, Target, Thread};
use crate::thread::state::{with_run, with_thread};
use crate::timeout::{TIMEOUT_MAX, deadline};

/// Configures a [`Thread`] before it is created: name and daemon flag.
///
/// ```
/// # use weft_core::{Builder, Scheduler, Thread};
/// # fn demo<S: Scheduler>() {
/// let t: Thread<S> = Builder::new().name("worker").daemon(true).build(|| ());
/// assert_eq!(t.name(), "worker");
/// assert!(t.daemon());
/// t.start().unwrap();
/// t.join().unwrap();
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Builder<S: Scheduler> {
    name: Option<String>,
    daemon: Option<bool>,
    /// The thread's own stack size (std's `Builder::stack_size`); `None`: the run's setting.
    stack_size: Option<usize>,
    scheduler: PhantomData<fn() -> S>,
}

impl<S: Scheduler> Default for Builder<S> {
    fn default() -> Self {
        Builder { name: None, daemon: None, stack_size: None, scheduler: PhantomData }
    }
}

impl<S: Scheduler> Clone for Builder<S> {
    fn clone(&self) -> Self {
        Builder { name: self.name.clone(), daemon: self.daemon, stack_size: self.stack_size, scheduler: PhantomData }
    }
}

impl<S: Scheduler> fmt::Debug for Builder<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder").field("name", &self.name).field("daemon", &self.daemon).finish()
    }
}

impl<S: Scheduler> Builder<S> {
    /// A builder with the defaults: name `Thread-N`, daemon flag inherited from the creating
    /// thread.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the name. An empty name means the default `Thread-N`.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the daemon flag (default: the creating thread's).
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = Some(daemon);
        self
    }

    /// Creates the thread (not started) that will run `target`.
    pub fn build(self, target: impl FnOnce() + Send + 'static) -> Thread<S> {
        Thread::create(Kind::Thread, self, Some(Box::new(target)))
    }

    /// Sets the stack size of this thread alone, in bytes (std's `Builder::stack_size`; the
    /// caller rounds it up to what the backends accept), instead of the run's setting.
    pub(crate) fn stack_size(mut self, size: usize) -> Self {
        self.stack_size = Some(size);
        self
    }

    /// [`Builder::build`] for a target already boxed (no second box).
    pub(crate) fn build_boxed(self, target: Target) -> Thread<S> {
        Thread::create(Kind::Thread, self, Some(target))
    }

    pub(crate) fn build_timer(self, target: impl FnOnce() + Send + 'static) -> Thread<S> {
        Thread::create(Kind::Timer, self, Some(Box::new(target)))
    }
}

fn next_serial<S: Scheduler>() -> usize {
    with_run::<S, _>(|run| run.serial_counter.fetch_add(1, Relaxed))
}

impl<S: Scheduler> Thread<S> {
    /// A thread that will run `target` once started, with the default name and daemon flag.
    pub fn new(target: impl FnOnce() + Send + 'static) -> Self {
        Builder::new().build(target)
    }

    /// A [`Builder`] to set the name and daemon flag.
    pub fn builder() -> Builder<S> {
        Builder::new()
    }

    fn create(kind: Kind, builder: Builder<S>, target: Option<Target>) -> Self {
        let name = match builder.name {
            Some(name) if !name.is_empty() => ThreadName::from(name),
            _ => ThreadName::numbered("Thread-", with_run::<S, _>(|run| run.next_name_number())),
        };
        let daemon = builder.daemon.unwrap_or_else(|| current_thread::<S>().daemon());
        let stack_size = builder.stack_size.unwrap_or(0);
        Self::from_parts(next_serial::<S>(), kind, name, daemon, INITIAL, target, stack_size)
    }

    /// The record of a thread weft did not start, made the first time it asks for its
    /// `current_thread()`.
    fn new_dummy() -> Self {
        let (serial, number) =
            with_run::<S, _>(|run| (run.serial_counter.fetch_add(1, Relaxed), run.next_name_number()));
        let thread =
            Self::from_parts(serial, Kind::Dummy, ThreadName::numbered("Dummy-", number), true, STARTED, None, 0);
        thread.inner.ident.store(S::current_ident(), Relaxed);
        thread.inner.native_id.store(S::native_id() as usize, Relaxed);
        thread.change_registry(|threads| threads.insert(serial, thread.clone()));
        thread
    }

    /// Starts the thread. Returns once the new thread is registered: `ident()` and `native_id()`
    /// are set, `is_alive()` is true and `enumerate()` lists it.
    ///
    /// # Errors
    /// [`Error::StartedTwice`] if it was started before (even if it has finished);
    /// [`Error::CantStartThread`] if the backend cannot start a thread (nothing stays registered,
    /// and `start()` may be tried again).
    pub fn start(&self) -> Result<(), Error> {
        S::operation_on(&self.inner.state, "Thread", "start");
        if self.inner.kind != Kind::Thread && self.inner.kind != Kind::Timer
            || self.inner.state.compare_exchange(INITIAL, STARTING, AcqRel, Acquire).is_err()
        {
            return Err(Error::StartedTwice);
        }
        self.change_registry(|threads| threads.insert(self.serial(), self.clone()));
        let stack_size = match self.inner.stack_size {
            0 => with_run::<S, _>(|run| run.stack_size.load(Relaxed)),
            own => own,
        };
        // The OS name stops at a NUL, as CPython's does.
        let os_name = self.inner.name.read().up_to_nul();
        let options = SpawnOptions { name: Some(os_name), daemon: self.daemon(), stack_size };
        let thread = self.clone();
        if S::spawn(options, Box::new(move || thread.run())).is_err() {
            self.change_registry(|threads| threads.remove(&self.serial()));
            self.inner.state.store(INITIAL, Release);
            return Err(Error::CantStartThread);
        }
        // The new thread announces itself at once: a simulator runs it until then rather than
        // let the caller park first.
        S::wait_ready(self.state_key(), &|| self.inner.state.load(Acquire) != STARTING);
        self.wait_state_leaves(STARTING, None);
        Ok(())
    }

    /// The body of a started thread: registration, hooks, target, excepthook, clean-up.
    fn run(self) {
        with_thread::<S, _>(|state| {
            *state.current.borrow_mut() = Some(self.clone());
            // Its `Local` slots are named now, as it starts (within `start`, in a simulator), not
            // first at its end: a simulator compares what the thread's end touches across
            // executions only for objects named before the decision it compares at.
            S::observe(state.locals.values.key());
        });
        self.inner.ident.store(S::current_ident(), Relaxed);
        self.inner.native_id.store(S::native_id() as usize, Relaxed);
        self.set_state(STARTED);

        let (trace, profile) = with_run::<S, _>(|run| {
            let hooks = run.hooks.read();
            (hooks.trace.clone(), hooks.profile.clone())
        });
        let target = self.inner.target.lock().take();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            if let Some(trace) = trace {
                trace(&self);
            }
            if let Some(profile) = profile {
                profile(&self);
            }
            if let Some(target) = target {
                target();
            }
        }));
        if let Err(payload) = outcome {
            report_panic(&self, payload);
        }
        self.end_of_target();
    }

    /// Waits until the thread ends.
    ///
    /// # Errors
    /// [`Error::JoinDummyThread`] for a thread weft did not start; [`Error::JoinBeforeStart`]
    /// before `start()`; [`Error::JoinCurrentThread`] when called by the thread itself.
    pub fn join(&self) -> Result<(), Error> {
        self.join_blocking()
    }

    /// Waits until the thread ends or `timeout` passes; then ask [`Thread::is_alive`].
    ///
    /// # Errors
    /// As [`Thread::join`], and [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), Error> {
        // The join is announced before its checks, so that under a simulator they read the
        // thread's state in the join's own step: read in the step before, they made that step
        // race with the thread's end as well (more executions, for no other outcome).
        if timeout.is_zero() || timeout > TIMEOUT_MAX {
            S::operation_on(&self.inner.state, "Thread", "join");
            // As CPython: the thread's state is checked before the timeout.
            self.check_joinable()?;
            if timeout > TIMEOUT_MAX {
                return Err(Error::TimeoutTooLarge);
            }
            let ended = self.inner.state.load(Acquire) != STARTED;
            report::<S>(self.state_key(), ended, "ended", "still alive");
            return Ok(());
        }
        // A simulator waits itself, up to the timeout, as for a join without one; elsewhere the
        // join parks.
        let me = S::current_ident();
        let ready = || self.join_ready(me);
        match S::blocking_operation_on_for(&self.inner.state, "Thread", "join", &ready, timeout) {
            Some(ready) => {
                self.check_joinable()?;
                if ready {
                    self.wait_for_end(None);
                } else {
                    report::<S>(self.state_key(), false, "ended", "still alive");
                }
            }
            None => {
                self.check_joinable()?;
                self.wait_for_end(deadline::<S>(timeout)?);
            }
        }
        Ok(())
    }

    /// Whether a join by thread `me` can go on: the thread ended, or the join is an error (see
    /// [`Thread::check_joinable`]). Only loads the record's atomics (a simulator may ask from
    /// another thread: see `Observe::blocking_operation`).
    fn join_ready(&self, me: usize) -> bool {
        let state = self.inner.state.load(Acquire);
        state == STOPPED || state < STARTED || self.inner.kind == Kind::Dummy || self.inner.ident.load(Relaxed) == me
    }

    fn check_joinable(&self) -> Result<(), Error> {
        if self.inner.kind == Kind::Dummy {
            return Err(Error::JoinDummyThread);
        }
        if self.inner.state.load(Acquire) < STARTED {
            return Err(Error::JoinBeforeStart);
        }
        if self.is_current() {
            return Err(Error::JoinCurrentThread);
        }
        Ok(())
    }

    /// [`Thread::join`]'s blocking wait, announced as one operation that is ready once the
    /// thread ended (or at once when the join is an error).
    fn join_blocking(&self) -> Result<(), Error> {
        let me = S::current_ident();
        S::blocking_operation_on(&self.inner.state, "Thread", "join", &|| self.join_ready(me));
        self.check_joinable()?;
        self.wait_for_end(None);
        Ok(())
    }

    /// Waits until the thread ended, or until `deadline`, and tells the scheduler which (the
    /// join's outcome in a trace).
    fn wait_for_end(&self, deadline: Option<Instant>) {
        let ended = self.wait_state_leaves(STARTED, deadline);
        report::<S>(self.state_key(), ended, "ended", "still alive");
    }
}

/// Hands a panic that escaped `thread`'s target to the excepthook (Python's
/// `_invoke_excepthook`). A [`SystemExit`] is ignored. A hook that panics itself is reported as
/// `Exception in threading.excepthook:` followed by its message.
pub(crate) fn report_panic<S: Scheduler>(thread: &Thread<S>, payload: Box<dyn Any + Send>) {
    if payload.is::<SystemExit>() || payload.is::<Abandoned>() {
        return;
    }
    let args = ExceptHookArgs { thread: Some(thread.clone()), message: panic_message(&*payload) };
    let hook = with_run::<S, _>(|run| run.hooks.read().excepthook.clone());
    let outcome = catch_unwind(AssertUnwindSafe(|| match hook {
        Some(hook) => hook(&args),
        None => {
            if S::unhandled_panic(&thread.name(), &args.message) {
                excepthook(&args)
            }
        }
    }));
    if let Err(hook_payload) = outcome {
        eprintln!("Exception in threading.excepthook:\n{}", panic_message(&*hook_payload));
    }
}

/// The calling thread's [`Thread`]: the one weft started, the main thread, or a dummy thread made
/// (and registered) on first call in a thread weft did not start.
pub fn current_thread<S: Scheduler>() -> Thread<S> {
    if let Some(thread) = with_thread::<S, _>(|state| state.current.borrow().clone()) {
        return thread;
    }
    let main_ident = with_run::<S, _>(|run| run.main_ident);
    let thread = if S::current_ident() == main_ident { main_thread::<S>() } else { Thread::new_dummy() };
    with_thread::<S, _>(|state| *state.current.borrow_mut() = Some(thread.clone()));
    thread
}

/// The main thread: the one that started the program (under a simulator, the thread running the
/// model's closure), named `MainThread`.
pub fn main_thread<S: Scheduler>() -> Thread<S> {
    with_run::<S, _>(|run| run.registry.lock().main.clone())
}

/// The alive threads: started and not finished, dummy threads, and the main thread, in the order
/// they were registered.
pub fn enumerate<S: Scheduler>() -> Vec<Thread<S>> {
    with_run::<S, _>(|run| run.registry.lock().threads.values().cloned().collect())
}

/// The number of alive threads, `enumerate().len()`.
pub fn active_count<S: Scheduler>() -> usize {
    with_run::<S, _>(|run| run.registry.lock().threads.len())
}

/// Python's `get_ident()`: a non-zero number unique among live threads, equal to
/// `current_thread().ident()`.
pub fn get_ident<S: Scheduler>() -> usize {
    S::current_ident()
}

/// The OS thread id of the calling thread (deterministic under a simulator), equal to
/// `current_thread().native_id()`.
pub fn get_native_id<S: Scheduler>() -> u64 {
    S::native_id()
}

/// The smallest stack size [`stack_size`] accepts other than 0.
pub const MIN_STACK_SIZE: usize = 32768;

/// Sets the stack size of threads started afterwards (0 = the platform default) and returns the
/// previous setting.
///
/// # Errors
/// [`Error::StackSizeNotValid`] (`ValueError`) if `0 < size < 32768`.
pub fn stack_size<S: Scheduler>(size: usize) -> Result<usize, Error> {
    if size != 0 && size < MIN_STACK_SIZE {
        return Err(Error::StackSizeNotValid(size));
    }
    Ok(with_run::<S, _>(|run| run.stack_size.swap(size, Relaxed)))
}

/// The current stack size setting, without changing it.
pub fn get_stack_size<S: Scheduler>() -> usize {
    with_run::<S, _>(|run| run.stack_size.load(Relaxed))
}

/// Installs a hook every thread started afterwards calls with its own [`Thread`] before its target
/// (`None` removes it). Python's `settrace`.
pub fn settrace<S: Scheduler>(hook: Option<ThreadHook<S>>) {
    with_run::<S, _>(|run| run.hooks.lock().trace = hook);
}

/// The hook installed by [`settrace`].
pub fn gettrace<S: Scheduler>() -> Option<ThreadHook<S>> {
    with_run::<S, _>(|run| run.hooks.read().trace.clone())
}

/// Installs a profile hook, called like the trace hook (Python's `setprofile`).
pub fn setprofile<S: Scheduler>(hook: Option<ThreadHook<S>>) {
    with_run::<S, _>(|run| run.hooks.lock().profile = hook);
}

/// The hook installed by [`setprofile`].
pub fn getprofile<S: Scheduler>() -> Option<ThreadHook<S>> {
    with_run::<S, _>(|run| run.hooks.read().profile.clone())
}

/// Replaces the handler of panics that escape a thread's target (`None` restores the default,
/// [`excepthook`]). Returns the previous custom handler.
pub fn set_excepthook<S: Scheduler>(hook: Option<ExceptHook<S>>) -> Option<ExceptHook<S>> {
    with_run::<S, _>(|run| std::mem::replace(&mut run.hooks.lock().excepthook, hook))
}

/// The custom handler installed by [`set_excepthook`], if any.
pub fn get_excepthook<S: Scheduler>() -> Option<ExceptHook<S>> {
    with_run::<S, _>(|run| run.hooks.read().excepthook.clone())
}

/// Suspends the calling thread for `duration` (virtual time under a simulator). A sleep of zero
/// is a yield (Python's `time.sleep(0)`): see [`yield_now`].
pub fn sleep<S: Scheduler>(duration: Duration) {
    S::sleep(duration)
}

/// Lets other threads run before the caller goes on (`std::thread::yield_now`). A simulator
/// takes it as a fairness hint: the caller is not scheduled again while another thread can run,
/// so that a polling loop (`while !flag { yield_now() }`) lets the thread it waits for make
/// progress instead of spinning.
///
/// ```
/// weft_core::yield_now::<weft_real::Real>();
/// ```
pub fn yield_now<S: Scheduler>() {
    S::sleep(Duration::ZERO)
}

/// Waits until no non-daemon thread other than the caller and the main thread is alive, as
/// Python does before the program exits.
pub fn wait_for_non_daemon_threads<S: Scheduler>() {
    loop {
        let me = S::current_ident();
        let pending = with_run::<S, _>(|run| {
            run.registry
                .lock()
                .threads
                .values()
                .find(|t| t.kind() != Kind::Main && !t.daemon() && t.inner.ident.load(Relaxed) != me)
                .cloned()
        });
        match pending {
            Some(thread) => {
                thread.wait_state_leaves(STARTING, None);
                thread.wait_state_leaves(STARTED, None);
            }
            None => return,
        }
    }
}

/// A monotonic clock reading (Python's `time.monotonic()`): the time since the run began, on
/// `S`'s clock (virtual under a simulator).
pub fn monotonic<S: Scheduler>() -> Duration {
    let origin = with_run::<S, _>(|run| run.origin);
    S::now().saturating_duration_since(origin)
}
