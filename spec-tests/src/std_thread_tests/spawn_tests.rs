//! `spawn`, `JoinHandle`, `Builder`, `current()` and the threads' life among weft's own.

use super::*;

/// Recurses `depth` times with 64 KiB of stack per frame.
#[inline(never)]
fn use_stack(depth: usize) -> usize {
    let frame = std::hint::black_box([depth as u8; 64 * 1024]);
    if depth == 0 { frame[0] as usize } else { use_stack(depth - 1) + frame[frame.len() - 1] as usize }
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// `join()` returns what the closure returned, moved out of the thread.
    fn test_join_returns_value() {
        assert_eq!(spawn::<S, _>(|| 6 * 7).join().unwrap(), 42);
        let words = spawn::<S, _>(|| vec!["a".to_owned(), "b".to_owned()]).join().unwrap();
        assert_eq!(words, ["a", "b"]);
        let unit: () = spawn::<S, _>(|| ()).join().unwrap();
        assert_eq!(unit, ());
    }

    /// A panic in the thread is `join()`'s `Err`, with the panic's payload as std gives it
    /// (`&str`, `String`, any type). It is the joiner's: a simulator does not count it as a
    /// failure (this test runs without an excepthook of its own).
    fn test_join_returns_panic_payload() {
        let payload = spawn::<S, _>(|| -> u32 { raise("boom") }).join().unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
        let payload =
            spawn::<S, _>(|| -> () { std::panic::resume_unwind(Box::new(format!("code {}", 7))) }).join().unwrap_err();
        assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("code 7"));
        let payload = spawn::<S, _>(|| -> () { std::panic::resume_unwind(Box::new(17u64)) }).join().unwrap_err();
        assert_eq!(payload.downcast_ref::<u64>(), Some(&17));
    }

    /// A panic received through `join()` does not reach the excepthook; the thread ends like
    /// any other (not alive, out of `enumerate()`).
    fn test_joined_panic_is_not_reported() {
        let (_restore, seen) = record_excepthook::<S>();
        let baseline = active_count::<S>();
        let handle = Builder::<S>::new().name("failing".to_owned()).spawn(|| -> () { raise("boom") }).unwrap();
        let thread = handle.thread().clone();
        assert_eq!(text(&*handle.join().unwrap_err()), "boom");
        assert!(!thread.as_threading().is_alive());
        assert_eq!(active_count::<S>(), baseline);
        assert!(seen.lock().unwrap().is_empty(), "the excepthook saw {:?}", seen.lock().unwrap());
    }

    /// `is_finished()` is false while the closure runs and true once it has ended (returned or
    /// panicked); `join()` then returns at once.
    fn test_is_finished() {
        let gate = Arc::new(Event::<S>::new());
        let g = gate.clone();
        let handle = spawn::<S, _>(move || {
            g.wait();
            "done"
        });
        assert!(!handle.is_finished());
        gate.set();
        wait_until::<S>("the thread to finish", || handle.is_finished());
        assert_eq!(handle.join().unwrap(), "done");
        let failing = spawn::<S, _>(|| -> () { raise("boom") });
        wait_until::<S>("the failing thread to finish", || failing.is_finished());
        assert!(failing.join().is_err());
    }

    /// A panic in a thread whose handle was dropped without `join` reaches nobody: weft reports
    /// it through the excepthook, with the thread, whichever came first, the drop (the thread
    /// reports it as it ends) or the panic (the drop reports it).
    fn test_detached_panic_goes_to_excepthook() {
        let (_restore, seen) = record_excepthook::<S>();
        // Dropped first, then the panic.
        let gate = Arc::new(Event::<S>::new());
        let g = gate.clone();
        let handle = Builder::<S>::new()
            .name("dropped-first".to_owned())
            .spawn(move || -> () {
                g.wait();
                raise("late boom")
            })
            .unwrap();
        let thread = handle.thread().clone();
        drop(handle);
        gate.set();
        thread.as_threading().join().unwrap();
        assert_eq!(*seen.lock().unwrap(), [("dropped-first".to_owned(), "late boom".to_owned())]);
        // The panic first, then the drop.
        let handle = Builder::<S>::new().name("panicked-first".to_owned()).spawn(|| -> () { raise("early boom") }).unwrap();
        wait_until::<S>("the thread to finish", || handle.is_finished());
        assert_eq!(seen.lock().unwrap().len(), 1, "nothing is reported before the handle goes");
        drop(handle);
        assert_eq!(seen.lock().unwrap()[1], ("panicked-first".to_owned(), "early boom".to_owned()));
        // Detached threads that return: nothing to report; their values are dropped.
        let value = Arc::new(());
        let v = value.clone();
        let handle = spawn::<S, _>(move || v);
        let thread = handle.thread().clone();
        drop(handle);
        thread.as_threading().join().unwrap();
        assert_eq!(Arc::strong_count(&value), 1, "the detached thread's value was dropped");
        assert_eq!(seen.lock().unwrap().len(), 2);
    }

    /// `current()` names and identifies the calling thread: the main thread is `MainThread`, a
    /// thread spawned without a name `Thread-N` (its weft name: every weft thread has one), and
    /// ids differ between threads and stay the same for one.
    fn test_current_name_and_id() {
        let main = current::<S>();
        assert_eq!(main.name(), Some("MainThread"));
        assert_eq!(main.id(), current::<S>().id());
        assert_eq!(main.clone().id(), main.id());
        let handle = spawn::<S, _>(|| {
            let me = current::<S>();
            (me.id(), me.name().map(str::to_owned), current_thread::<S>().name())
        });
        let spawned_id = handle.thread().id();
        let (id, name, weft_name) = handle.join().unwrap();
        assert_eq!(id, spawned_id);
        assert_ne!(id, main.id());
        assert_eq!(name.as_deref(), Some(weft_name.as_str()));
        assert!(weft_name.starts_with("Thread-"), "{weft_name}");
        assert_eq!(format!("{main:?}"), format!("Thread {{ id: {:?}, name: Some(\"MainThread\"), .. }}", main.id()));
        // A weft thread's record and std's handle are the same thread.
        let record = current_thread::<S>();
        assert_eq!(std_thread::Thread::from(record.clone()).id(), main.id());
        assert_eq!(*main.as_threading(), record);
    }

    /// A thread spawned with `Builder::name` is a proper weft thread inside: `current_thread()`
    /// has the builder's name, is alive and not a dummy, `enumerate()` lists it; outside, its
    /// handle names it, and it leaves the registry once it ended.
    fn test_builder_name_and_weft_interop() {
        let baseline = active_count::<S>();
        let gate = Arc::new(Event::<S>::new());
        let g = gate.clone();
        let handle = Builder::<S>::new()
            .name("worker".to_owned())
            .spawn(move || {
                let me = current_thread::<S>();
                let seen = (
                    current::<S>().name().map(str::to_owned),
                    me.name(),
                    me.is_alive(),
                    me.is_dummy(),
                    enumerate::<S>().contains(&me),
                    current::<S>().as_threading() == &me,
                );
                g.wait();
                seen
            })
            .unwrap();
        let thread = handle.thread().clone();
        assert_eq!(thread.name(), Some("worker"));
        assert!(thread.as_threading().is_alive());
        assert!(enumerate::<S>().contains(thread.as_threading()));
        assert_eq!(active_count::<S>(), baseline + 1);
        gate.set();
        let seen = handle.join().unwrap();
        assert_eq!(seen, (Some("worker".to_owned()), "worker".to_owned(), true, false, true, true));
        assert!(!thread.as_threading().is_alive());
        assert!(!enumerate::<S>().contains(thread.as_threading()));
        assert_eq!(active_count::<S>(), baseline);
        // An empty name is the default `Thread-N`, as for weft's threads.
        let name = Builder::<S>::new().name(String::new()).spawn(|| current::<S>().name().map(str::to_owned));
        assert!(name.unwrap().join().unwrap().unwrap().starts_with("Thread-"));
    }

    /// `Builder::stack_size` gives the thread that stack: 8 MiB holds 4 MiB of frames (the
    /// default, 2 MiB, would not). A size below the minimum (32 KiB; 0 too) is rounded up to it.
    fn test_builder_stack_size() {
        let handle = Builder::<S>::new().stack_size(8 << 20).spawn(|| use_stack(64)).unwrap();
        assert_eq!(handle.join().unwrap(), (1..=64).sum::<usize>());
        for size in [0, 1, 4096] {
            let handle = Builder::<S>::new().stack_size(size).spawn(move || size).unwrap();
            assert_eq!(handle.join().unwrap(), size);
        }
    }

    /// A thread the backend cannot start (a stack of a petabyte) is an `io::Error` whose inner
    /// error is weft's `CantStartThread`: nothing stays registered, and the closure is dropped.
    fn test_builder_spawn_error() {
        let baseline = active_count::<S>();
        let captured = Arc::new(());
        let c = captured.clone();
        let error = Builder::<S>::new().stack_size(1 << 50).spawn(move || drop(c)).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::Other);
        assert_eq!(error.get_ref().and_then(|e| e.downcast_ref::<Error>()), Some(&Error::CantStartThread));
        assert_eq!(error.to_string(), "can't start new thread");
        assert_eq!(Arc::strong_count(&captured), 1, "the closure was dropped");
        assert_eq!(active_count::<S>(), baseline);
    }

    /// `sleep` waits at least its duration (exactly, in virtual time), and `yield_now` returns.
    fn test_sleep_and_yield_now() {
        let start = S::now();
        std_thread::sleep::<S>(Duration::from_millis(15));
        assert_elapsed::<S>(elapsed::<S>(start), Duration::from_millis(15));
        std_thread::yield_now::<S>();
    }
}
