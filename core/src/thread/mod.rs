//! `threading.Thread`: a handle to a thread of control, its life cycle and its registry.

pub(crate) mod state;
pub(crate) mod timer;

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};
use std::time::{Duration, Instant};

use crate::Error;
use crate::backend::atomic::Atomic;
use crate::backend::name::ThreadName;
use crate::backend::{ParkResult, Scheduler, SpawnOptions};
use crate::sync::raw::{Mutex, park, spin, unpark_all};
use crate::thread::state::StaticLocals;
use crate::timeout::deadline;

/// A hook called by each thread started after it was installed, with that thread, before its
/// target (`settrace`, `setprofile`).
///
/// ```
/// # use std::sync::Arc;
/// # use weft_core::{settrace, Scheduler, Thread, ThreadHook};
/// # fn demo<S: Scheduler>() {
/// let hook: ThreadHook<S> = Arc::new(|thread| println!("starting {}", thread.name()));
/// settrace::<S>(Some(hook));
/// let t = Thread::<S>::new(|| ());
/// t.start().unwrap(); // prints `starting Thread-N` before the target runs
/// t.join().unwrap();
/// settrace::<S>(None);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub type ThreadHook<S> = Arc<dyn Fn(&Thread<S>) + Send + Sync>;

/// A handler for a panic that escaped a thread's target (`threading.excepthook`).
///
/// ```
/// # use std::sync::{Arc, Mutex};
/// # use weft_core::{set_excepthook, ExceptHook, Scheduler, Thread};
/// # fn demo<S: Scheduler>() {
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let s = seen.clone();
/// let hook: ExceptHook<S> = Arc::new(move |args| s.lock().unwrap().push(args.message.clone()));
/// set_excepthook::<S>(Some(hook));
/// let t = Thread::<S>::new(|| panic!("boom"));
/// t.start().unwrap();
/// t.join().unwrap();
/// set_excepthook::<S>(None);
/// assert_eq!(*seen.lock().unwrap(), ["boom"]);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub type ExceptHook<S> = Arc<dyn Fn(&ExceptHookArgs<S>) + Send + Sync>;

/// What an [`ExceptHook`] is told about a panic that escaped a thread's target
/// (`threading.ExceptHookArgs`).
///
/// ```
/// # use weft_core::{format_exception, ExceptHookArgs, Scheduler, Thread};
/// # fn demo<S: Scheduler>() {
/// let thread = Thread::<S>::builder().name("worker").build(|| ());
/// let args = ExceptHookArgs { thread: Some(thread), message: "boom".to_owned() };
/// assert_eq!(format_exception(&args), "Exception in thread worker:\nboom\n");
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[derive(Clone)]
pub struct ExceptHookArgs<S: Scheduler> {
    /// The thread whose target panicked (`None` when the hook is called by hand without one).
    pub thread: Option<Thread<S>>,
    /// The panic message (the payload if it was a string).
    pub message: String,
}

impl<S: Scheduler> fmt::Debug for ExceptHookArgs<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExceptHookArgs").field("thread", &self.thread).field("message", &self.message).finish()
    }
}

/// The panic payload of [`exit_thread`]: like Python's `SystemExit` in a thread, it ends the
/// thread silently (the excepthook is not called).
///
/// ```
/// use weft_core::{exit_thread, SystemExit, Thread};
/// use weft_real::Real;
///
/// let t = Thread::<Real>::new(|| {
///     exit_thread(); // ends the thread here, silently: no excepthook
/// });
/// t.start().unwrap();
/// t.join().unwrap();
/// // The payload, for code that catches unwinding itself.
/// let payload = std::panic::catch_unwind(|| exit_thread()).unwrap_err();
/// assert!(payload.is::<SystemExit>());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemExit;

/// The panic payload with which a scheduler unwinds a thread it abandons (the simulator, at the
/// end of an execution that leaves the thread suspended, so that the thread's destructors run
/// before its stack is reused). Like [`SystemExit`], it ends the thread silently: the
/// excepthook is not called. Only a scheduler raises it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abandoned;

/// Ends the calling weft thread at once, without reporting an error (Python's `sys.exit()` in a
/// thread). Guards are dropped as the stack unwinds, so primitives held through guards are
/// released.
pub fn exit_thread() -> ! {
    std::panic::resume_unwind(Box::new(SystemExit))
}

// A thread record's life, in its state word (threads waiting for a change park on the word's
// address; every change wakes them all):
//
// | state    | set by                          | meaning                                       |
// |----------|---------------------------------|-----------------------------------------------|
// | INITIAL  | `Thread::new`                   | made, not started: `start` may run once       |
// | STARTING | `start` (CAS from INITIAL)      | registered, the backend's thread is starting  |
// | STARTED  | the new thread itself           | running: ident and native id are set          |
// | STOPPED  | the thread's end (`finish`)     | deregistered; `join` returns                  |
//
// `start` returns once the state leaves STARTING; a backend that cannot start the thread puts
// INITIAL back (and deregisters it), so `start` may be tried again. The main thread and dummy
// threads are made STARTED.

/// Made, not started.
const INITIAL: usize = 0;
/// `start` is starting the thread.
const STARTING: usize = 1;
/// The thread runs.
const STARTED: usize = 2;
/// The thread has ended.
const STOPPED: usize = 3;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Thread,
    Main,
    Dummy,
    Timer,
}

type Target = Box<dyn FnOnce() + Send + 'static>;

pub(crate) struct ThreadInner<S: Scheduler> {
    serial: usize,
    kind: Kind,
    name: Mutex<S, ThreadName>,
    daemon: S::Atomic<u8>,
    state: S::Atomic<usize>,
    ident: S::Atomic<usize>,
    /// Kept as a word (a native id fits one on every platform weft runs on).
    native_id: S::Atomic<usize>,
    target: Mutex<S, Option<Target>>,
}

/// A thread of control (Python's `threading.Thread`). A `Thread` is a cheap handle: clones refer
/// to the same thread, as Python references do.
///
/// ```
/// # use weft_core::{Thread, Scheduler};
/// # fn demo<S: Scheduler>() -> Result<(), weft_core::Error> {
/// let t = Thread::<S>::builder().name("worker").build(|| println!("hello"));
/// t.start()?;
/// t.join()?;
/// assert!(!t.is_alive());
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub struct Thread<S: Scheduler> {
    inner: Arc<ThreadInner<S>>,
}

impl<S: Scheduler> Clone for Thread<S> {
    fn clone(&self) -> Self {
        Thread { inner: self.inner.clone() }
    }
}

impl<S: Scheduler> PartialEq for Thread<S> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<S: Scheduler> Eq for Thread<S> {}

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
    scheduler: PhantomData<fn() -> S>,
}

impl<S: Scheduler> Default for Builder<S> {
    fn default() -> Self {
        Builder { name: None, daemon: None, scheduler: PhantomData }
    }
}

impl<S: Scheduler> Clone for Builder<S> {
    fn clone(&self) -> Self {
        Builder { name: self.name.clone(), daemon: self.daemon, scheduler: PhantomData }
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

    pub(crate) fn build_timer(self, target: impl FnOnce() + Send + 'static) -> Thread<S> {
        Thread::create(Kind::Timer, self, Some(Box::new(target)))
    }
}

fn next_serial<S: Scheduler>() -> usize {
    S::with_run_state(|run| run.serial_counter.fetch_add(1, Relaxed))
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
            _ => ThreadName::numbered("Thread-", S::with_run_state(|run| run.next_name_number())),
        };
        let daemon = builder.daemon.unwrap_or_else(|| current_thread::<S>().daemon());
        Self::from_parts(next_serial::<S>(), kind, name, daemon, INITIAL, target)
    }

    fn from_parts(
        serial: usize,
        kind: Kind,
        name: ThreadName,
        daemon: bool,
        state: usize,
        target: Option<Target>,
    ) -> Self {
        Thread {
            inner: Arc::new(ThreadInner {
                serial,
                kind,
                name: Mutex::new(name),
                daemon: S::Atomic::<u8>::new(daemon as u8),
                state: S::Atomic::<usize>::new(state),
                ident: S::Atomic::<usize>::new(0),
                native_id: S::Atomic::<usize>::new(0),
                target: Mutex::new(target),
            }),
        }
    }

    /// The record of the main thread, made once per run by [`crate::RunState::new`].
    pub(crate) fn new_main(ident: usize, native_id: u64) -> Self {
        let thread = Self::from_parts(0, Kind::Main, ThreadName::fixed("MainThread"), false, STARTED, None);
        thread.inner.ident.store(ident, Relaxed);
        thread.inner.native_id.store(native_id as usize, Relaxed);
        thread
    }

    /// The record of a thread weft did not start, made the first time it asks for its
    /// `current_thread()`.
    fn new_dummy() -> Self {
        let (serial, number) =
            S::with_run_state(|run| (run.serial_counter.fetch_add(1, Relaxed), run.next_name_number()));
        let thread = Self::from_parts(serial, Kind::Dummy, ThreadName::numbered("Dummy-", number), true, STARTED, None);
        thread.inner.ident.store(S::current_ident(), Relaxed);
        thread.inner.native_id.store(S::native_id() as usize, Relaxed);
        thread.change_registry(|threads| threads.insert(serial, thread.clone()));
        thread
    }

    /// Adds this thread to the registry or removes it (`f` does either). Such changes by
    /// different threads commute: each is modelled as reading the registry and writing this
    /// thread's own entry, so that a simulator orders them only against readers of the whole
    /// registry (`enumerate`, `active_count`), which write it.
    fn change_registry<R>(&self, f: impl FnOnce(&mut BTreeMap<usize, Thread<S>>) -> R) -> R {
        S::touch(self.state_key());
        S::with_run_state(|run| {
            S::observe(run.registry.key());
            f(&mut run.registry.lock_declared().threads)
        })
    }

    pub(crate) fn serial(&self) -> usize {
        self.inner.serial
    }

    pub(crate) fn kind(&self) -> Kind {
        self.inner.kind
    }

    fn state_key(&self) -> usize {
        &self.inner.state as *const S::Atomic<usize> as usize
    }

    /// The key a thread blocked in [`Thread::join`] (or in [`Thread::start`], until the new
    /// thread runs) is parked on.
    pub fn wait_key(&self) -> usize {
        self.state_key()
    }

    fn set_state(&self, state: usize) {
        self.inner.state.store(state, Release);
        // SAFETY: the key is this thread record's own address; no callbacks.
        unsafe { unpark_all::<S>(self.state_key(), 0) };
    }

    /// Parks until the state differs from `state` or `deadline` passes; true if it differs.
    fn wait_state_leaves(&self, state: usize, deadline: Option<Instant>) -> bool {
        let mut spins = 0;
        loop {
            if self.inner.state.load(Acquire) != state {
                return true;
            }
            // A short bounded spin first (none under a simulator): a new thread often registers,
            // and a short target ends, within it, and then neither side sleeps or wakes.
            if spin::<S>(spins) {
                spins += 1;
                continue;
            }
            let validate = || self.inner.state.load(Acquire) == state;
            // SAFETY: the key is this record's address; `validate` only loads an atomic.
            let result = unsafe { park::<S>(self.state_key(), validate, || {}, |_, _| {}, 0, deadline) };
            if let ParkResult::TimedOut = result {
                return self.inner.state.load(Acquire) != state;
            }
        }
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
        let stack_size = S::with_run_state(|run| run.stack_size.load(Relaxed));
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
        S::with_thread_state(|state| *state.current.borrow_mut() = Some(self.clone()));
        self.inner.ident.store(S::current_ident(), Relaxed);
        self.inner.native_id.store(S::native_id() as usize, Relaxed);
        self.set_state(STARTED);

        let (trace, profile) = S::with_run_state(|run| {
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
        S::with_thread_state(|state| state.drop_locals());
        S::with_static_locals(|store| store.map(StaticLocals::drop_all));
        self.finish();
    }

    /// Leaves the registry and wakes the joiners: `join()` returning implies deregistration.
    fn finish(&self) {
        self.change_registry(|threads| threads.remove(&self.serial()));
        self.set_state(STOPPED);
        S::releases(self.state_key());
    }

    /// Called when the OS (or simulated) thread behind this record ends: a dummy leaves the
    /// registry.
    pub(crate) fn end_of_os_thread(&self) {
        if self.inner.kind == Kind::Dummy {
            self.finish();
        }
    }

    /// Waits until the thread ends.
    ///
    /// # Errors
    /// [`Error::JoinDummyThread`] for a thread weft did not start; [`Error::JoinBeforeStart`]
    /// before `start()`; [`Error::JoinCurrentThread`] when called by the thread itself.
    pub fn join(&self) -> Result<(), Error> {
        self.join_until(None)
    }

    /// Waits until the thread ends or `timeout` passes; then ask [`Thread::is_alive`].
    ///
    /// # Errors
    /// As [`Thread::join`], and [`Error::TimeoutTooLarge`] above [`crate::TIMEOUT_MAX`].
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), Error> {
        // As CPython: the thread's state is checked before the timeout.
        self.check_joinable()?;
        self.join_until(deadline::<S>(timeout)?)
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

    fn join_until(&self, deadline: Option<Instant>) -> Result<(), Error> {
        match deadline {
            None => {
                // Ready once the thread ended, or at once when the join is an error.
                let me = S::current_ident();
                S::blocking_operation_on(&self.inner.state, "Thread", "join", &|| {
                    let state = self.inner.state.load(Acquire);
                    state == STOPPED
                        || state < STARTED
                        || self.inner.kind == Kind::Dummy
                        || self.inner.ident.load(Relaxed) == me
                })
            }
            Some(_) => S::operation_on(&self.inner.state, "Thread", "join"),
        }
        self.check_joinable()?;
        let ended = self.wait_state_leaves(STARTED, deadline);
        crate::report::<S>(self.state_key(), ended, "ended", "still alive");
        Ok(())
    }

    fn is_current(&self) -> bool {
        self.inner.ident.load(Relaxed) == S::current_ident()
    }

    /// The thread's name.
    pub fn name(&self) -> String {
        self.inner.name.read().to_string()
    }

    /// Renames the thread (weft's name; the OS name set at start stays).
    pub fn set_name(&self, name: impl Into<String>) {
        *self.inner.name.lock() = ThreadName::from(name.into());
    }

    /// Whether the thread is a daemon: the program may end while it runs.
    pub fn daemon(&self) -> bool {
        self.inner.daemon.load(Relaxed) != 0
    }

    /// Sets the daemon flag.
    ///
    /// # Errors
    /// [`Error::DaemonOfActiveThread`] once the thread was started (even after it finished).
    pub fn set_daemon(&self, daemon: bool) -> Result<(), Error> {
        if self.inner.state.load(Acquire) != INITIAL {
            return Err(Error::DaemonOfActiveThread);
        }
        self.inner.daemon.store(daemon as u8, Relaxed);
        Ok(())
    }

    /// Python's `ident`: `None` before start, kept after the thread ends.
    pub fn ident(&self) -> Option<usize> {
        (self.inner.state.load(Acquire) >= STARTED).then(|| self.inner.ident.load(Relaxed))
    }

    /// The OS thread id (deterministic under a simulator): `None` before start, kept after.
    pub fn native_id(&self) -> Option<u64> {
        (self.inner.state.load(Acquire) >= STARTED).then(|| self.inner.native_id.load(Relaxed) as u64)
    }

    /// True from `start()` until the target returns or panics.
    pub fn is_alive(&self) -> bool {
        S::operation_on(&self.inner.state, "Thread", "is_alive");
        self.inner.state.load(Acquire) == STARTED
    }

    /// Whether this is a dummy thread (one weft did not start, seen through `current_thread()`).
    pub fn is_dummy(&self) -> bool {
        self.inner.kind == Kind::Dummy
    }
}

impl<S: Scheduler> fmt::Debug for Thread<S> {
    /// `<Thread(NAME, initial|started|stopped[ daemon][ IDENT])>`, as Python's `repr`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let class = match self.inner.kind {
            Kind::Thread => "Thread",
            Kind::Main => "_MainThread",
            Kind::Dummy => "_DummyThread",
            Kind::Timer => "Timer",
        };
        let status = match self.inner.state.load(Acquire) {
            INITIAL | STARTING => "initial",
            STARTED => "started",
            _ => "stopped",
        };
        write!(f, "<{class}({}, {status}", self.name())?;
        if self.daemon() {
            f.write_str(" daemon")?;
        }
        if let Some(ident) = self.ident() {
            write!(f, " {ident}")?;
        }
        f.write_str(")>")
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(e) = payload.downcast_ref::<Error>() {
        format!("{}: {e}", e.kind())
    } else {
        "Box<dyn Any>".to_owned()
    }
}

/// Hands a panic that escaped `thread`'s target to the excepthook (Python's
/// `_invoke_excepthook`). A [`SystemExit`] is ignored. A hook that panics itself is reported as
/// `Exception in threading.excepthook:` followed by its message.
fn report_panic<S: Scheduler>(thread: &Thread<S>, payload: Box<dyn Any + Send>) {
    if payload.is::<SystemExit>() || payload.is::<Abandoned>() {
        return;
    }
    let args = ExceptHookArgs { thread: Some(thread.clone()), message: panic_message(&*payload) };
    let hook = S::with_run_state(|run| run.hooks.read().excepthook.clone());
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

/// The text the default excepthook prints: `Exception in thread NAME:` and the message, each on
/// its own line. Without a thread, the name is the calling thread's `get_ident()`.
pub fn format_exception<S: Scheduler>(args: &ExceptHookArgs<S>) -> String {
    let name = match &args.thread {
        Some(thread) => thread.name(),
        None => S::current_ident().to_string(),
    };
    format!("Exception in thread {name}:\n{}\n", args.message)
}

/// The default excepthook (Python's `threading.__excepthook__`): prints
/// [`format_exception`] to stderr.
pub fn excepthook<S: Scheduler>(args: &ExceptHookArgs<S>) {
    eprint!("{}", format_exception(args));
}

/// The calling thread's [`Thread`]: the one weft started, the main thread, or a dummy thread made
/// (and registered) on first call in a thread weft did not start.
pub fn current_thread<S: Scheduler>() -> Thread<S> {
    if let Some(thread) = S::with_thread_state(|state| state.current.borrow().clone()) {
        return thread;
    }
    let main_ident = S::with_run_state(|run| run.main_ident);
    let thread = if S::current_ident() == main_ident { main_thread::<S>() } else { Thread::new_dummy() };
    S::with_thread_state(|state| *state.current.borrow_mut() = Some(thread.clone()));
    thread
}

/// The main thread: the one that started the program (under a simulator, the thread running the
/// model's closure), named `MainThread`.
pub fn main_thread<S: Scheduler>() -> Thread<S> {
    S::with_run_state(|run| run.registry.lock().main.clone())
}

/// The alive threads: started and not finished, dummy threads, and the main thread, in the order
/// they were registered.
pub fn enumerate<S: Scheduler>() -> Vec<Thread<S>> {
    S::with_run_state(|run| run.registry.lock().threads.values().cloned().collect())
}

/// The number of alive threads, `enumerate().len()`.
pub fn active_count<S: Scheduler>() -> usize {
    S::with_run_state(|run| run.registry.lock().threads.len())
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
    Ok(S::with_run_state(|run| run.stack_size.swap(size, Relaxed)))
}

/// The current stack size setting, without changing it.
pub fn get_stack_size<S: Scheduler>() -> usize {
    S::with_run_state(|run| run.stack_size.load(Relaxed))
}

/// Installs a hook every thread started afterwards calls with its own [`Thread`] before its target
/// (`None` removes it). Python's `settrace`.
pub fn settrace<S: Scheduler>(hook: Option<ThreadHook<S>>) {
    S::with_run_state(|run| run.hooks.lock().trace = hook);
}

/// The hook installed by [`settrace`].
pub fn gettrace<S: Scheduler>() -> Option<ThreadHook<S>> {
    S::with_run_state(|run| run.hooks.read().trace.clone())
}

/// Installs a profile hook, called like the trace hook (Python's `setprofile`).
pub fn setprofile<S: Scheduler>(hook: Option<ThreadHook<S>>) {
    S::with_run_state(|run| run.hooks.lock().profile = hook);
}

/// The hook installed by [`setprofile`].
pub fn getprofile<S: Scheduler>() -> Option<ThreadHook<S>> {
    S::with_run_state(|run| run.hooks.read().profile.clone())
}

/// Replaces the handler of panics that escape a thread's target (`None` restores the default,
/// [`excepthook`]). Returns the previous custom handler.
pub fn set_excepthook<S: Scheduler>(hook: Option<ExceptHook<S>>) -> Option<ExceptHook<S>> {
    S::with_run_state(|run| std::mem::replace(&mut run.hooks.lock().excepthook, hook))
}

/// The custom handler installed by [`set_excepthook`], if any.
pub fn get_excepthook<S: Scheduler>() -> Option<ExceptHook<S>> {
    S::with_run_state(|run| run.hooks.read().excepthook.clone())
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
        let pending = S::with_run_state(|run| {
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
