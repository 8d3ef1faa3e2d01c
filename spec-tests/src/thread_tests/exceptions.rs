//! CPython's `ThreadingExceptionTests` and `ExceptHookTests`.

use super::*;

crate::spec_tests! {
    generics [S: Scheduler];

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
}
