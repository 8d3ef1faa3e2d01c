//! CPython's `test_threading.ThreadTests`.

use super::*;

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
        let (lock, t) = started_behind_a_held_lock::<S>();
        let timeout = Duration::from_millis(10);
        let start = S::now();
        t.join_timeout(timeout).unwrap();
        assert_at_least(elapsed::<S>(start), timeout);
        assert!(t.is_alive());
        lock.release().unwrap();
        t.join().unwrap();
        assert!(!t.is_alive());
    }

    /// `join_timeout` with a zero timeout only looks: a blocked thread is still alive at once,
    /// with no time passed; an ended one is not alive.
    fn test_join_with_zero_timeout() {
        let (lock, t) = started_behind_a_held_lock::<S>();
        let start = S::now();
        t.join_timeout(Duration::ZERO).unwrap();
        assert!(t.is_alive());
        if S::observing() {
            assert_eq!(elapsed::<S>(start), Duration::ZERO, "virtual time");
        }
        lock.release().unwrap();
        t.join().unwrap();
        t.join_timeout(Duration::ZERO).unwrap();
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
        let cont = Arc::new(S::Atomic::<u8>::new(1));
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
}

/// A lock the calling thread holds, and a started thread that takes it (and lets it go): the
/// thread is blocked until the caller releases the lock.
fn started_behind_a_held_lock<S: Scheduler>() -> (Arc<Lock<S>>, Thread<S>) {
    let lock = Arc::new(Lock::<S>::new());
    lock.acquire();
    let thread = {
        let lock = lock.clone();
        Thread::<S>::new(move || {
            lock.acquire();
            lock.release().unwrap();
        })
    };
    thread.start().unwrap();
    (lock, thread)
}
