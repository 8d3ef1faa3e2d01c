//! What runs around a thread's target: the trace and profile hooks, the excepthook and its
//! arguments, and the payloads that end a thread silently.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use crate::backend::Scheduler;
use crate::error::Error;
use crate::thread::record::Thread;

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

pub(super) fn panic_message(payload: &(dyn Any + Send)) -> String {
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
