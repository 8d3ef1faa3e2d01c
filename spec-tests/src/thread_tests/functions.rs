//! The module functions of SPEC.md: `active_count`, `enumerate`, `get_ident`, `stack_size`,
//! `TIMEOUT_MAX`, daemon inheritance, the wait for non-daemon threads.

use super::*;

crate::spec_tests! {
    generics [S: Scheduler];

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
