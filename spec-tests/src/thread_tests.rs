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
    active_count, current_status, current_thread, enumerate, exit_thread, format_exception, get_excepthook, get_ident,
    get_native_id, get_stack_size, getprofile, gettrace, main_thread, set_excepthook, setprofile, settrace, sleep,
    stack_size, wait_for_non_daemon_threads, Atomic, BoundedSemaphore, Error, Event, ExceptHook, ExceptHookArgs,
    ExceptionKind, Lock, RLock, Scheduler, Thread, ThreadHook, ThreadStatus, Timer, TIMEOUT_MAX,
};

use crate::support::{assert_at_least, assert_error, elapsed, wait_blocked, wait_until, Bunch, PATIENCE};

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

crate::spec_tests! {
    generics [S: Scheduler];

    // ---- ThreadTests ----

    /// Explicit names are kept; default names `Thread-N` come from one counter shared with
    /// timers and dummy threads, advanced only when a default name is made; an empty name gets
    /// the default; `set_name` renames.
    fn test_name() {
        let first = Thread::<S>::new(|| {});
        let n = name_number(&first.name(), "Thread-");
        assert_eq!(Thread::<S>::new(|| {}).name(), format!("Thread-{}", n + 1));
        assert_eq!(Thread::<S>::builder().name("myname1").build(|| {}).name(), "myname1");
        assert_eq!(Thread::<S>::builder().name(123.to_string()).build(|| {}).name(), "123");
        assert_eq!(Thread::<S>::builder().name("").build(|| {}).name(), format!("Thread-{}", n + 2));
        assert_eq!(Thread::<S>::builder().daemon(true).build(|| {}).name(), format!("Thread-{}", n + 3));
        let timer = Timer::<S>::new(Duration::from_secs(1), || {});
        assert_eq!(timer.thread().name(), format!("Thread-{}", n + 4));
        let dummy_name = Arc::new(StdMutex::new(String::new()));
        {
            let dummy_name = dummy_name.clone();
            let bunch = Bunch::<S>::start(1, move |_| {
                *dummy_name.lock().unwrap() = current_thread::<S>().name();
            }, false);
            bunch.wait_for_finished();
        }
        assert_eq!(*dummy_name.lock().unwrap(), format!("Dummy-{}", n + 5));
        let last = Thread::<S>::new(|| {});
        assert_eq!(last.name(), format!("Thread-{}", n + 6));
        last.set_name("renamed");
        assert_eq!(last.name(), "renamed");
        assert_eq!(format!("{last:?}"), "<Thread(renamed, initial)>");
    }

    /// Ten threads in a `BoundedSemaphore(3)`: ident/repr before start, distinct native ids
    /// while alive, never more than 3 inside, state after join.
    fn test_various_ops() {
        various_ops::<S>();
    }

    /// In a thread weft did not start, `current_thread().ident()` is that thread's `get_ident()`.
    fn test_ident_of_no_threading_threads() {
        assert!(current_thread::<S>().ident().is_some());
        let seen = Arc::new(StdMutex::new(None));
        {
            let seen = seen.clone();
            let bunch = Bunch::<S>::start(1, move |_| {
                *seen.lock().unwrap() = Some((current_thread::<S>().ident(), get_ident::<S>()));
            }, false);
            bunch.wait_for_finished();
        }
        let (ident, tid) = seen.lock().unwrap().expect("the foreign thread ran");
        assert_eq!(ident, Some(tid));
    }

    /// `test_various_ops` with `stack_size(262144)`; the previous setting is restored.
    fn test_various_ops_small_stack() {
        let _restore = Restore::<S>::new();
        assert_eq!(stack_size::<S>(262144).unwrap(), 0);
        various_ops::<S>();
        assert_eq!(stack_size::<S>(0).unwrap(), 262144);
    }

    /// `test_various_ops` with `stack_size(0x100000)`; the previous setting is restored.
    fn test_various_ops_large_stack() {
        let _restore = Restore::<S>::new();
        assert_eq!(stack_size::<S>(0x100000).unwrap(), 0);
        various_ops::<S>();
        assert_eq!(stack_size::<S>(0).unwrap(), 0x100000);
    }

    /// A foreign thread's `current_thread()` is a dummy: `Dummy-N`, daemon, alive, listed by
    /// `enumerate()`; it cannot be joined; it leaves the registry when its OS thread exits and
    /// keeps its ident.
    fn test_foreign_thread() {
        let seen = Arc::new(StdMutex::new(None));
        let bunch = {
            let seen = seen.clone();
            Bunch::<S>::start(1, move |_| {
                let me = current_thread::<S>();
                assert!(current_thread::<S>() == me, "current_thread() is the same dummy each time");
                *seen.lock().unwrap() = Some((me, get_ident::<S>()));
            }, true)
        };
        bunch.wait_until_finished_running();
        let (dummy, tid) = seen.lock().unwrap().clone().expect("the foreign thread ran");
        name_number(&dummy.name(), "Dummy-");
        assert!(dummy.is_dummy());
        assert!(dummy.daemon());
        assert!(dummy.is_alive());
        assert_eq!(dummy.ident(), Some(tid));
        assert!(dummy.native_id().is_some());
        let text = format!("{dummy:?}");
        assert!(text.contains("_DummyThread"), "{text}");
        assert!(enumerate::<S>().contains(&dummy));
        let cannot_join = "cannot join a dummy thread";
        assert_error(dummy.join(), ExceptionKind::RuntimeError, cannot_join);
        assert_error(dummy.join_timeout(Duration::from_millis(10)), ExceptionKind::RuntimeError, cannot_join);
        drop(bunch);
        wait_until::<S>("the dummy thread to leave enumerate()", || !enumerate::<S>().contains(&dummy));
        wait_until::<S>("the dummy thread to be no longer alive", || !dummy.is_alive());
        assert_eq!(dummy.ident(), Some(tid));
        assert_error(dummy.join(), ExceptionKind::RuntimeError, cannot_join);
    }

    /// If the OS refuses the thread (a stack size it cannot map), `start()` is
    /// `RuntimeError("can't start new thread")` and nothing stays registered; the thread can be
    /// started once the cause is gone.
    fn test_limbo_cleanup() {
        let _restore = Restore::<S>::new();
        let baseline = active_count::<S>();
        let ran = Arc::new(AtomicBool::new(false));
        let t = {
            let ran = ran.clone();
            Thread::<S>::new(move || ran.store(true, SeqCst))
        };
        let huge: usize = 1 << 50;
        assert_eq!(stack_size::<S>(huge).unwrap(), 0);
        assert_error(t.start(), ExceptionKind::RuntimeError, "can't start new thread");
        assert_eq!(active_count::<S>(), baseline);
        assert!(!enumerate::<S>().contains(&t));
        assert!(!t.is_alive());
        assert_eq!(t.ident(), None);
        assert_eq!(format!("{t:?}"), format!("<Thread({}, initial)>", t.name()));
        assert_eq!(stack_size::<S>(0).unwrap(), huge);
        t.start().unwrap();
        t.join().unwrap();
        assert!(ran.load(SeqCst));
    }

    /// 99 rounds: a thread that was joined is no longer listed by `enumerate()`.
    fn test_enumerate_after_join() {
        for _ in 1..100 {
            let t = Thread::<S>::new(|| {});
            t.start().unwrap();
            t.join().unwrap();
            assert!(!enumerate::<S>().contains(&t), "a joined thread is still listed");
        }
    }

    /// For N in 2..20: N threads join one worker concurrently (all parked in `join()` before the
    /// worker ends); every join returns `Ok` and sees the worker finished.
    fn test_join_from_multiple_threads() {
        for n in 2..20 {
            let release = Arc::new(Event::<S>::new());
            let worker = {
                let release = release.clone();
                Thread::<S>::new(move || {
                    release.wait();
                })
            };
            worker.start().unwrap();
            let statuses: Arc<StdMutex<Vec<Arc<ThreadStatus<S>>>>> = Arc::new(StdMutex::new(Vec::new()));
            let ok = Arc::new(AtomicUsize::new(0));
            let joiners: Vec<Thread<S>> = (0..n)
                .map(|_| {
                    let (worker, statuses, ok) = (worker.clone(), statuses.clone(), ok.clone());
                    Thread::<S>::new(move || {
                        statuses.lock().unwrap().push(current_status::<S>());
                        if worker.join().is_ok() && !worker.is_alive() {
                            ok.fetch_add(1, SeqCst);
                        }
                    })
                })
                .collect();
            for j in &joiners {
                j.start().unwrap();
            }
            wait_until::<S>("every joiner to run", || statuses.lock().unwrap().len() == n);
            let snapshot = statuses.lock().unwrap().clone();
            wait_blocked(&snapshot, worker.wait_key(), n);
            release.set();
            for j in &joiners {
                j.join().unwrap();
            }
            assert_eq!(ok.load(SeqCst), n);
            worker.join().unwrap();
            worker.join().unwrap();
        }
    }

    /// `join_timeout` on a blocked thread returns after at least the timeout with the thread
    /// still alive; once it can finish, `join()` returns and it is not alive.
    fn test_join_with_timeout() {
        let lock = Arc::new(Lock::<S>::new());
        lock.acquire();
        let t = {
            let lock = lock.clone();
            Thread::<S>::new(move || {
                lock.acquire();
                lock.release().unwrap();
            })
        };
        t.start().unwrap();
        let timeout = Duration::from_millis(10);
        let start = S::now();
        t.join_timeout(timeout).unwrap();
        assert_at_least(elapsed::<S>(start), timeout);
        assert!(t.is_alive());
        lock.release().unwrap();
        t.join().unwrap();
        assert!(!t.is_alive());
    }

    /// `daemon` defaults to false (created from main) and follows the builder's flag.
    fn test_daemon_param() {
        assert!(!Thread::<S>::new(|| {}).daemon());
        assert!(!Thread::<S>::builder().daemon(false).build(|| {}).daemon());
        assert!(Thread::<S>::builder().daemon(true).build(|| {}).daemon());
    }

    /// `main_thread()` is `MainThread`, the test's own thread (ident = `current_thread().ident()`
    /// = `get_ident()`); other threads see a different ident of their own.
    fn test_main_thread() {
        let main = main_thread::<S>();
        assert_eq!(main.name(), "MainThread");
        assert!(!main.daemon());
        assert!(main.is_alive());
        assert!(!main.is_dummy());
        assert_eq!(main.ident(), current_thread::<S>().ident());
        assert_eq!(main.ident(), Some(get_ident::<S>()));
        assert_eq!(main.native_id(), Some(get_native_id::<S>()));
        assert!(current_thread::<S>() == main);
        assert!(enumerate::<S>().contains(&main));
        let seen = Arc::new(StdMutex::new(Vec::new()));
        let t = {
            let seen = seen.clone();
            Thread::<S>::new(move || {
                seen.lock().unwrap().push((main_thread::<S>().ident(), current_thread::<S>().ident()));
            })
        };
        t.start().unwrap();
        t.join().unwrap();
        {
            let seen = seen.clone();
            let bunch = Bunch::<S>::start(1, move |_| {
                seen.lock().unwrap().push((main_thread::<S>().ident(), current_thread::<S>().ident()));
            }, false);
            bunch.wait_for_finished();
        }
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        for (main_ident, own_ident) in seen {
            assert_eq!(main_ident, main.ident());
            assert_ne!(main_ident, own_ident);
        }
    }

    /// `daemon` appears in the `Debug` text only once the flag is set.
    fn test_repr_daemon() {
        let t = Thread::<S>::new(|| {});
        let text = format!("{t:?}");
        assert!(!text.contains("daemon"), "{text}");
        t.set_daemon(true).unwrap();
        let text = format!("{t:?}");
        assert!(text.contains("daemon"), "{text}");
        let text = format!("{:?}", Thread::<S>::builder().daemon(true).build(|| {}));
        assert!(text.contains("daemon"), "{text}");
    }

    /// `Debug` says "started" while the target runs and "stopped" as soon as it ends, without a
    /// `join()` or `is_alive()`.
    fn test_repr_stopped() {
        let gate = Arc::new(Event::<S>::new());
        let t = start_waiting(&gate);
        let text = format!("{t:?}");
        assert!(text.contains("started"), "{text}");
        gate.set();
        wait_until::<S>("\"stopped\" in the Debug text", || format!("{t:?}").contains("stopped"));
        t.join().unwrap();
    }

    /// `gettrace()` returns the hook `settrace()` installed; a thread started afterwards calls it
    /// with itself before its target.
    fn test_gettrace() {
        check_thread_hook::<S>(settrace::<S>, gettrace::<S>);
    }

    /// `getprofile()` returns the hook `setprofile()` installed; a thread started afterwards calls
    /// it with itself before its target.
    fn test_getprofile() {
        check_thread_hook::<S>(setprofile::<S>, getprofile::<S>);
    }

    /// The target is called (CPython: even a target whose truth value is false).
    fn test_boolean_target() {
        let called = Arc::new(AtomicBool::new(false));
        let t = {
            let called = called.clone();
            Thread::<S>::new(move || called.store(true, SeqCst))
        };
        t.start().unwrap();
        t.join().unwrap();
        assert!(called.load(SeqCst));
    }

    /// A thread that is never joined (its handle dropped) still leaves the registry when it ends.
    fn test_leak_without_join() {
        let baseline = active_count::<S>();
        let ran = Arc::new(AtomicBool::new(false));
        {
            let ran = ran.clone();
            Thread::<S>::new(move || ran.store(true, SeqCst)).start().unwrap();
        }
        wait_until::<S>("the unjoined thread to run", || ran.load(SeqCst));
        wait_until::<S>("the thread count back to its baseline", || active_count::<S>() == baseline);
    }

    /// A thread spinning on a flag observes main's write and ends (a busy thread does not starve
    /// the writer).
    fn test_can_interrupt_tight_loops() {
        let cont = Arc::new(S::AtomicU8::new(1));
        let started = Arc::new(AtomicBool::new(false));
        let interrupted = Arc::new(AtomicBool::new(false));
        let t = {
            let (cont, started, interrupted) = (cont.clone(), started.clone(), interrupted.clone());
            Thread::<S>::new(move || {
                started.store(true, SeqCst);
                let begin = S::now();
                let mut iterations: u64 = 0;
                while cont.load(SeqCst) != 0 {
                    iterations += 1;
                    if iterations % (1 << 20) == 0 && elapsed::<S>(begin) > PATIENCE {
                        return;
                    }
                }
                interrupted.store(true, SeqCst);
            })
        };
        t.start().unwrap();
        wait_until::<S>("the spinning thread to start", || started.load(SeqCst));
        cont.store(0, SeqCst);
        t.join().unwrap();
        assert!(interrupted.load(SeqCst), "the spinning thread never saw the flag");
    }

    // ---- ThreadingExceptionTests ----

    /// `start()` a second time, while running and after finishing, is
    /// `RuntimeError("threads can only be started once")`.
    fn test_start_thread_again() {
        let gate = Arc::new(Event::<S>::new());
        let t = start_waiting(&gate);
        assert_error(t.start(), ExceptionKind::RuntimeError, "threads can only be started once");
        gate.set();
        t.join().unwrap();
        assert_error(t.start(), ExceptionKind::RuntimeError, "threads can only be started once");
    }

    /// A thread joining itself, and main joining `main_thread()`, is
    /// `RuntimeError("cannot join current thread")`.
    fn test_joining_current_thread() {
        let results: Arc<StdMutex<Vec<Result<(), Error>>>> = Arc::new(StdMutex::new(Vec::new()));
        let t = {
            let results = results.clone();
            Thread::<S>::new(move || {
                let me = current_thread::<S>();
                let mut results = results.lock().unwrap();
                results.push(me.join());
                results.push(me.join_timeout(Duration::from_millis(10)));
            })
        };
        t.start().unwrap();
        t.join().unwrap();
        let results = std::mem::take(&mut *results.lock().unwrap());
        assert_eq!(results.len(), 2);
        for result in results {
            assert_error(result, ExceptionKind::RuntimeError, "cannot join current thread");
        }
        assert_error(main_thread::<S>().join(), ExceptionKind::RuntimeError, "cannot join current thread");
        assert_error(current_thread::<S>().join(), ExceptionKind::RuntimeError, "cannot join current thread");
        assert_error(
            main_thread::<S>().join_timeout(Duration::from_millis(10)),
            ExceptionKind::RuntimeError,
            "cannot join current thread",
        );
    }

    /// `join()` before `start()` is `RuntimeError("cannot join thread before it is started")`.
    fn test_joining_inactive_thread() {
        let t = Thread::<S>::new(|| {});
        assert_error(t.join(), ExceptionKind::RuntimeError, "cannot join thread before it is started");
        assert_error(
            t.join_timeout(Duration::from_millis(10)),
            ExceptionKind::RuntimeError,
            "cannot join thread before it is started",
        );
    }

    /// `set_daemon()` after `start()`, while running and after finishing, is
    /// `RuntimeError("cannot set daemon status of active thread")` and changes nothing.
    fn test_daemonize_active_thread() {
        let message = "cannot set daemon status of active thread";
        let gate = Arc::new(Event::<S>::new());
        let t = start_waiting(&gate);
        assert_error(t.set_daemon(true), ExceptionKind::RuntimeError, message);
        assert!(!t.daemon());
        gate.set();
        t.join().unwrap();
        assert_error(t.set_daemon(true), ExceptionKind::RuntimeError, message);
        assert_error(t.set_daemon(false), ExceptionKind::RuntimeError, message);
        assert!(!t.daemon());
    }

    // ---- ExceptHookTests ----

    /// The default excepthook's text (`format_exception`) for a thread named "excepthook thread"
    /// whose target panicked: `Exception in thread excepthook thread:` and the panic message.
    fn test_excepthook() {
        let _restore = Restore::<S>::new();
        let texts = Arc::new(StdMutex::new(Vec::new()));
        {
            let texts = texts.clone();
            set_excepthook::<S>(Some(Arc::new(move |args: &ExceptHookArgs<S>| {
                texts.lock().unwrap().push(format_exception(args));
            })));
        }
        let t = Thread::<S>::builder().name("excepthook thread").build(|| raise("run failed"));
        t.start().unwrap();
        t.join().unwrap();
        let texts = texts.lock().unwrap().clone();
        assert_eq!(texts.len(), 1);
        assert!(texts[0].starts_with("Exception in thread excepthook thread:\n"), "{:?}", texts[0]);
        assert!(texts[0].contains("run failed"), "{:?}", texts[0]);
    }

    /// Without a thread, the text names the calling thread by its `get_ident()`.
    #[allow(non_snake_case)]
    fn test_excepthook_thread_None() {
        let args = ExceptHookArgs::<S> { thread: None, message: "bug".to_owned() };
        let text = format_exception(&args);
        assert!(text.starts_with(&format!("Exception in thread {}:\n", get_ident::<S>())), "{text:?}");
        assert!(text.contains("bug"), "{text:?}");
        let seen = Arc::new(StdMutex::new(None));
        let t = {
            let seen = seen.clone();
            Thread::<S>::new(move || *seen.lock().unwrap() = Some((format_exception(&args), get_ident::<S>())))
        };
        t.start().unwrap();
        t.join().unwrap();
        let (text, ident) = seen.lock().unwrap().clone().expect("the thread ran");
        assert!(text.starts_with(&format!("Exception in thread {ident}:\n")), "{text:?}");
    }

    /// `exit_thread()` (Python's `sys.exit()`) ends the thread silently: the excepthook is not
    /// called, the rest of the target does not run, guards are released, `join()` returns.
    fn test_system_exit() {
        let _restore = Restore::<S>::new();
        let calls = Arc::new(AtomicUsize::new(0));
        {
            let calls = calls.clone();
            set_excepthook::<S>(Some(Arc::new(move |_: &ExceptHookArgs<S>| {
                calls.fetch_add(1, SeqCst);
            })));
        }
        let lock = Arc::new(Lock::<S>::new());
        let exit = Arc::new(AtomicBool::new(true));
        let reached_end = Arc::new(AtomicBool::new(false));
        let t = {
            let (lock, exit, reached_end) = (lock.clone(), exit.clone(), reached_end.clone());
            Thread::<S>::new(move || {
                let _held = lock.lock();
                if exit.load(SeqCst) {
                    exit_thread();
                }
                reached_end.store(true, SeqCst);
            })
        };
        t.start().unwrap();
        t.join().unwrap();
        assert!(!t.is_alive());
        assert!(!reached_end.load(SeqCst));
        assert!(!lock.locked());
        assert_eq!(calls.load(SeqCst), 0);
    }

    /// A custom excepthook gets the thread (the same `Thread`) and the message of a `panic!`
    /// ("run failed"), once, before `join()` returns `Ok`.
    fn test_custom_excepthook() {
        let _restore = Restore::<S>::new();
        let calls = Arc::new(StdMutex::new(Vec::new()));
        {
            let calls = calls.clone();
            set_excepthook::<S>(Some(Arc::new(move |args: &ExceptHookArgs<S>| {
                calls.lock().unwrap().push((args.thread.clone(), args.message.clone()));
            })));
        }
        let what = "failed";
        let t = Thread::<S>::new(move || panic!("run {what}"));
        t.start().unwrap();
        t.join().unwrap();
        assert!(!t.is_alive());
        let calls = calls.lock().unwrap().clone();
        assert_eq!(calls, vec![(Some(t), "run failed".to_owned())]);
    }

    /// An excepthook that panics itself: the thread still ends and `join()` returns; later
    /// threads run normally.
    fn test_custom_excepthook_fail() {
        let _restore = Restore::<S>::new();
        let calls = Arc::new(AtomicUsize::new(0));
        {
            let calls = calls.clone();
            set_excepthook::<S>(Some(Arc::new(move |_: &ExceptHookArgs<S>| {
                calls.fetch_add(1, SeqCst);
                raise("threading_hook failed");
            })));
        }
        let t = Thread::<S>::new(|| raise("run failed"));
        t.start().unwrap();
        t.join().unwrap();
        assert!(!t.is_alive());
        assert!(!enumerate::<S>().contains(&t));
        assert_eq!(calls.load(SeqCst), 1);
        let ran = Arc::new(AtomicBool::new(false));
        let t = {
            let ran = ran.clone();
            Thread::<S>::new(move || ran.store(true, SeqCst))
        };
        t.start().unwrap();
        t.join().unwrap();
        assert!(ran.load(SeqCst));
        assert_eq!(calls.load(SeqCst), 1);
    }

    /// `set_excepthook` returns the previous custom hook and `get_excepthook` the current one; a
    /// custom hook's output replaces the default's; `set_excepthook(None)` restores the default
    /// (this test's second thread prints the default report to stderr on purpose).
    fn test_original_excepthook() {
        let _restore = Restore::<S>::new();
        assert!(get_excepthook::<S>().is_none());
        let output = Arc::new(StdMutex::new(String::new()));
        let hook: ExceptHook<S> = {
            let output = output.clone();
            Arc::new(move |_: &ExceptHookArgs<S>| output.lock().unwrap().push_str("Running a thread failed\n"))
        };
        assert!(set_excepthook::<S>(Some(hook.clone())).is_none());
        assert!(Arc::ptr_eq(&get_excepthook::<S>().expect("the custom hook"), &hook));
        let t = Thread::<S>::new(|| raise("run failed"));
        t.start().unwrap();
        t.join().unwrap();
        assert_eq!(*output.lock().unwrap(), "Running a thread failed\n");
        let previous = set_excepthook::<S>(None).expect("the custom hook was installed");
        assert!(Arc::ptr_eq(&previous, &hook));
        assert!(get_excepthook::<S>().is_none());
        let t = Thread::<S>::builder()
            .name("original excepthook test (expected report)")
            .build(|| raise("run failed"));
        t.start().unwrap();
        t.join().unwrap();
        assert!(!t.is_alive());
        assert_eq!(*output.lock().unwrap(), "Running a thread failed\n");
    }

    // ---- module functions (SPEC.md) ----

    /// `active_count()` is `enumerate().len()`; started threads are listed (with the main
    /// thread) until joined.
    fn test_active_count_is_enumerate_len() {
        let baseline = active_count::<S>();
        assert_eq!(baseline, enumerate::<S>().len());
        assert!(enumerate::<S>().contains(&main_thread::<S>()));
        let gate = Arc::new(Event::<S>::new());
        let threads: Vec<Thread<S>> = (0..3).map(|_| start_waiting(&gate)).collect();
        let listed = enumerate::<S>();
        assert_eq!(active_count::<S>(), baseline + 3);
        assert_eq!(listed.len(), baseline + 3);
        assert!(threads.iter().all(|t| listed.contains(t)));
        assert!(listed.contains(&main_thread::<S>()));
        gate.set();
        for t in &threads {
            t.join().unwrap();
        }
        assert_eq!(active_count::<S>(), baseline);
        assert_eq!(enumerate::<S>().len(), baseline);
    }

    /// `enumerate()` never lists a thread that was never started.
    fn test_enumerate_never_started() {
        let baseline = active_count::<S>();
        let t = Thread::<S>::new(|| {});
        assert!(!enumerate::<S>().contains(&t));
        assert_eq!(active_count::<S>(), baseline);
        assert!(!t.is_alive());
    }

    /// `get_ident()` is non-zero, equals `current_thread().ident()`, and differs between live
    /// threads (main, a weft thread, a foreign thread); `get_native_id()` is
    /// `current_thread().native_id()`.
    fn test_get_ident() {
        let main_ident = get_ident::<S>();
        assert_ne!(main_ident, 0);
        assert_eq!(current_thread::<S>().ident(), Some(main_ident));
        assert_eq!(current_thread::<S>().native_id(), Some(get_native_id::<S>()));
        let record = |seen: &Arc<StdMutex<Vec<(usize, bool)>>>| {
            let me = current_thread::<S>();
            let consistent = me.ident() == Some(get_ident::<S>()) && me.native_id() == Some(get_native_id::<S>());
            seen.lock().unwrap().push((get_ident::<S>(), consistent));
        };
        let seen = Arc::new(StdMutex::new(Vec::new()));
        let gate = Arc::new(Event::<S>::new());
        let t = {
            let (seen, gate) = (seen.clone(), gate.clone());
            Thread::<S>::new(move || {
                record(&seen);
                gate.wait();
            })
        };
        t.start().unwrap();
        wait_until::<S>("the weft thread to record", || seen.lock().unwrap().len() == 1);
        {
            let seen = seen.clone();
            let bunch = Bunch::<S>::start(1, move |_| record(&seen), false);
            bunch.wait_for_finished();
        }
        gate.set();
        t.join().unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        let mut idents = HashSet::from([main_ident]);
        for (ident, consistent) in seen {
            assert_ne!(ident, 0);
            assert!(consistent, "current_thread() disagrees with get_ident()/get_native_id()");
            idents.insert(ident);
        }
        assert_eq!(idents.len(), 3, "live threads must have distinct idents");
    }

    /// `stack_size(size)` returns the previous setting; `0 < size < 32768` is
    /// `ValueError("size not valid: {size} bytes")` and changes nothing; 32768 is accepted and a
    /// thread starts with it.
    fn test_stack_size() {
        let _restore = Restore::<S>::new();
        assert_eq!(get_stack_size::<S>(), 0);
        assert_eq!(stack_size::<S>(0).unwrap(), 0);
        assert_error(stack_size::<S>(1000), ExceptionKind::ValueError, "size not valid: 1000 bytes");
        assert_error(stack_size::<S>(32767), ExceptionKind::ValueError, "size not valid: 32767 bytes");
        assert_error(stack_size::<S>(1), ExceptionKind::ValueError, "size not valid: 1 bytes");
        assert_eq!(get_stack_size::<S>(), 0);
        assert_eq!(stack_size::<S>(32768).unwrap(), 0);
        assert_eq!(get_stack_size::<S>(), 32768);
        assert_error(stack_size::<S>(1000), ExceptionKind::ValueError, "size not valid: 1000 bytes");
        assert_eq!(get_stack_size::<S>(), 32768);
        let ran = Arc::new(AtomicBool::new(false));
        let t = {
            let ran = ran.clone();
            Thread::<S>::new(move || ran.store(true, SeqCst))
        };
        t.start().unwrap();
        t.join().unwrap();
        assert!(ran.load(SeqCst));
        assert_eq!(stack_size::<S>(0).unwrap(), 32768);
        assert_eq!(get_stack_size::<S>(), 0);
    }

    /// `TIMEOUT_MAX` is 9223372036 s; `join_timeout` above it is
    /// `OverflowError("timeout value is too large")`, `TIMEOUT_MAX` itself is accepted.
    fn test_join_timeout_max() {
        assert_eq!(TIMEOUT_MAX, Duration::from_secs(9_223_372_036));
        let too_large = "timeout value is too large";
        let gate = Arc::new(Event::<S>::new());
        let t = start_waiting(&gate);
        assert_error(t.join_timeout(TIMEOUT_MAX + Duration::from_secs(1)), ExceptionKind::OverflowError, too_large);
        assert_error(t.join_timeout(Duration::MAX), ExceptionKind::OverflowError, too_large);
        assert!(t.is_alive());
        gate.set();
        t.join_timeout(TIMEOUT_MAX).unwrap();
        assert!(!t.is_alive());
    }

    /// As in CPython, `join` checks the thread's state before the timeout: before start, on the
    /// current thread and on a dummy thread, a too-large timeout still gets the `RuntimeError`.
    fn test_join_state_checked_before_timeout() {
        let huge = TIMEOUT_MAX + Duration::from_secs(1);
        let t = Thread::<S>::new(|| {});
        assert_error(t.join_timeout(huge), ExceptionKind::RuntimeError, "cannot join thread before it is started");
        assert_error(main_thread::<S>().join_timeout(huge), ExceptionKind::RuntimeError, "cannot join current thread");
        let seen = Arc::new(StdMutex::new(None));
        {
            let seen = seen.clone();
            let bunch = Bunch::<S>::start(1, move |_| {
                *seen.lock().unwrap() = Some(current_thread::<S>().join_timeout(huge));
            }, false);
            bunch.wait_for_finished();
        }
        let result = seen.lock().unwrap().clone().expect("the foreign thread ran");
        assert_error(result, ExceptionKind::RuntimeError, "cannot join a dummy thread");
    }

    /// `daemon` defaults to the creating thread's flag: false from main and from a non-daemon
    /// thread, true from a daemon thread and from a foreign (dummy, daemon) thread; an explicit
    /// flag wins.
    fn test_daemon_inherited() {
        assert!(!Thread::<S>::new(|| {}).daemon());
        let seen = Arc::new(StdMutex::new(Vec::new()));
        for daemon in [true, false] {
            let seen = seen.clone();
            let t = Thread::<S>::builder().daemon(daemon).build(move || {
                let inherited = Thread::<S>::new(|| {}).daemon();
                let explicit = Thread::<S>::builder().daemon(!daemon).build(|| {}).daemon();
                seen.lock().unwrap().push((daemon, inherited, explicit));
            });
            t.start().unwrap();
            t.join().unwrap();
        }
        {
            let seen = seen.clone();
            let bunch = Bunch::<S>::start(1, move |_| {
                let inherited = Thread::<S>::new(|| {}).daemon();
                let explicit = Thread::<S>::builder().daemon(false).build(|| {}).daemon();
                seen.lock().unwrap().push((true, inherited, explicit));
            }, false);
            bunch.wait_for_finished();
        }
        assert_eq!(*seen.lock().unwrap(), vec![(true, true, false), (false, false, true), (true, true, false)]);
    }

    /// Inside a thread, `current_thread()` is its `Thread`; `ident()` and `native_id()` are the
    /// values `get_ident()`/`get_native_id()` had there, and are kept after the thread ends.
    fn test_ident_kept_after_end() {
        let seen = Arc::new(StdMutex::new(None));
        let t = {
            let seen = seen.clone();
            Thread::<S>::new(move || {
                *seen.lock().unwrap() = Some((current_thread::<S>(), get_ident::<S>(), get_native_id::<S>()));
            })
        };
        t.start().unwrap();
        t.join().unwrap();
        let (me, ident, native_id) = seen.lock().unwrap().clone().expect("the thread ran");
        assert!(me == t);
        assert!(!t.is_alive());
        assert_eq!(t.ident(), Some(ident));
        assert_eq!(t.native_id(), Some(native_id));
    }

    /// `start()` returns only once the thread is registered: alive, listed by `enumerate()`,
    /// with `ident()`/`native_id()` set (also for a target that ends at once).
    fn test_start_registers_before_returning() {
        let gate = Arc::new(Event::<S>::new());
        let t = start_waiting(&gate);
        assert!(t.is_alive());
        assert!(enumerate::<S>().contains(&t));
        assert!(t.ident().is_some());
        assert!(t.native_id().is_some());
        let text = format!("{t:?}");
        assert!(text.contains("started"), "{text}");
        gate.set();
        t.join().unwrap();
        let quick = Thread::<S>::new(|| {});
        quick.start().unwrap();
        assert!(quick.ident().is_some());
        assert!(quick.native_id().is_some());
        quick.join().unwrap();
    }

    /// `wait_for_non_daemon_threads()` blocks while a non-daemon thread runs and returns once it
    /// ended (a daemon helper ends the worker only after main is parked on it).
    fn test_wait_for_non_daemon_threads() {
        let main_status = current_status::<S>();
        let gate = Arc::new(Event::<S>::new());
        let worker = {
            let gate = gate.clone();
            Thread::<S>::builder().daemon(false).build(move || {
                gate.wait();
            })
        };
        worker.start().unwrap();
        let helper = {
            let (gate, key) = (gate.clone(), worker.wait_key());
            Thread::<S>::builder().daemon(true).build(move || {
                wait_blocked(&[main_status], key, 1);
                gate.set();
            })
        };
        helper.start().unwrap();
        wait_for_non_daemon_threads::<S>();
        let alive_after = worker.is_alive();
        gate.set();
        helper.join().unwrap();
        worker.join().unwrap();
        assert!(!alive_after, "wait_for_non_daemon_threads() returned while a non-daemon thread ran");
    }
}
