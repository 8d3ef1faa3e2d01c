//! Ports of CPython's `test_threading.ThreadTests`, `ThreadingExceptionTests` and
//! `ExceptHookTests` (the portable ones), plus the module functions of SPEC.md (`active_count`,
//! `enumerate`, `get_ident`, `stack_size`, `TIMEOUT_MAX`, daemon inheritance, non-daemon wait).
//!
//! The tests run on the process's main thread, so there `current_thread()` is the main thread.
//! A panic in a weft `Thread`'s target goes to the excepthook and does not fail the test: targets
//! only record what they see, and the test asserts on the main thread.

use std::collections::HashSet;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use weft_core::{
    Atomic, BoundedSemaphore, Error, Event, ExceptHook, ExceptHookArgs, ExceptionKind, Lock, RLock, Scheduler,
    TIMEOUT_MAX, Thread, ThreadHook, ThreadStatus, Timer, active_count, current_status, current_thread, enumerate,
    exit_thread, format_exception, get_excepthook, get_ident, get_native_id, get_stack_size, getprofile, gettrace,
    main_thread, set_excepthook, setprofile, settrace, sleep, stack_size, wait_for_non_daemon_threads,
};

use crate::support::{Bunch, PATIENCE, assert_at_least, assert_error, elapsed, wait_blocked, wait_until};

mod exceptions;
mod functions;
mod threads;

/// Restores the process-wide settings a test changes (trace and profile hooks, excepthook, stack
/// size) when dropped, also when the test fails.
struct Restore<S: Scheduler>(PhantomData<fn() -> S>);

impl<S: Scheduler> Restore<S> {
    fn new() -> Self {
        Restore(PhantomData)
    }
}

impl<S: Scheduler> Drop for Restore<S> {
    fn drop(&mut self) {
        settrace::<S>(None);
        setprofile::<S>(None);
        set_excepthook::<S>(None);
        stack_size::<S>(0).expect("stack_size(0) is valid");
    }
}

/// The `N` of a default name `{prefix}N`.
#[track_caller]
fn name_number(name: &str, prefix: &str) -> usize {
    name.strip_prefix(prefix)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{name:?} is not a default name {prefix}N"))
}

/// Unwinds like a panic with `message` as payload, without std's panic hook printing it: for
/// targets that fail on purpose.
fn raise(message: &'static str) -> ! {
    std::panic::resume_unwind(Box::new(message))
}

/// A started thread whose target waits until `gate` is set.
fn start_waiting<S: Scheduler>(gate: &Arc<Event<S>>) -> Thread<S> {
    let gate = gate.clone();
    let thread = Thread::<S>::new(move || {
        gate.wait();
    });
    thread.start().unwrap();
    thread
}

/// `test_various_ops`: ten threads share a `BoundedSemaphore(3)` and an `RLock` counting the
/// threads inside. They wait on a gate until main has looked at their native ids, so that all
/// are alive together and their ids must differ.
fn various_ops<S: Scheduler>() {
    const NUMTASKS: usize = 10;
    let sema = Arc::new(BoundedSemaphore::<S>::new(3));
    let mutex = Arc::new(RLock::<S>::new());
    let gate = Arc::new(Event::<S>::new());
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let underflow = Arc::new(AtomicBool::new(false));
    let threads: Vec<Thread<S>> = (0..NUMTASKS)
        .map(|i| {
            let (sema, mutex, gate) = (sema.clone(), mutex.clone(), gate.clone());
            let (running, most, underflow) = (running.clone(), most.clone(), underflow.clone());
            Thread::<S>::builder().name(format!("<thread {i}>")).build(move || {
                gate.wait();
                let _inside = sema.guard();
                {
                    let _held = mutex.lock();
                    let n = running.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(n, SeqCst);
                }
                sleep::<S>(Duration::from_micros(50 + 50 * (i as u64 % 3)));
                {
                    let _held = mutex.lock();
                    if running.fetch_sub(1, SeqCst) == 0 {
                        underflow.store(true, SeqCst);
                    }
                }
            })
        })
        .collect();
    for t in &threads {
        assert_eq!(t.ident(), None);
        assert_eq!(t.native_id(), None);
        assert_eq!(format!("{t:?}"), format!("<Thread({}, initial)>", t.name()));
        t.start().unwrap();
    }
    let mut native_ids: HashSet<u64> = threads.iter().map(|t| t.native_id().expect("native_id after start")).collect();
    native_ids.insert(get_native_id::<S>());
    assert_eq!(native_ids.len(), NUMTASKS + 1, "native ids of threads alive together must differ");
    gate.set();
    for t in &threads {
        t.join().unwrap();
        assert!(!t.is_alive());
        let ident = t.ident().expect("ident after join");
        assert_ne!(ident, 0);
        assert_eq!(format!("{t:?}"), format!("<Thread({}, stopped {ident})>", t.name()));
    }
    assert_eq!(running.load(SeqCst), 0);
    assert!(!underflow.load(SeqCst), "the counter went below 0");
    let most = most.load(SeqCst);
    assert!((1..=3).contains(&most), "{most} threads were inside a BoundedSemaphore(3)");
    assert_eq!(sema.value(), 3);
}

/// `test_gettrace` / `test_getprofile`: the hook installed with `set` is what `get` returns, and a
/// thread started afterwards calls it, on itself and with itself, before its target.
fn check_thread_hook<S: Scheduler>(set: fn(Option<ThreadHook<S>>), get: fn() -> Option<ThreadHook<S>>) {
    let _restore = Restore::<S>::new();
    assert!(get().is_none());
    let log = Arc::new(StdMutex::new(Vec::new()));
    let seen = Arc::new(StdMutex::new(Vec::new()));
    let hook: ThreadHook<S> = {
        let (log, seen) = (log.clone(), seen.clone());
        Arc::new(move |thread: &Thread<S>| {
            if thread.name() == "hooked" {
                log.lock().unwrap().push("hook");
                seen.lock().unwrap().push((thread.clone(), current_thread::<S>() == *thread));
            }
        })
    };
    set(Some(hook.clone()));
    assert!(Arc::ptr_eq(&get().expect("the installed hook"), &hook));
    let start_hooked = || {
        let log = log.clone();
        let t = Thread::<S>::builder().name("hooked").build(move || log.lock().unwrap().push("target"));
        t.start().unwrap();
        t.join().unwrap();
        t
    };
    let t = start_hooked();
    assert_eq!(*log.lock().unwrap(), vec!["hook", "target"]);
    assert_eq!(*seen.lock().unwrap(), vec![(t, true)]);
    set(None);
    assert!(get().is_none());
    start_hooked();
    assert_eq!(*log.lock().unwrap(), vec!["hook", "target", "target"]);
}

/// Adds every test of this module, instantiated for `S`, under `prefix`.
pub fn register<S: Scheduler>(tests: &mut Vec<crate::harness::Test>, prefix: &str) {
    threads::register::<S>(tests, prefix);
    exceptions::register::<S>(tests, prefix);
    functions::register::<S>(tests, prefix);
}
