//! `scope`, `Scope::spawn`, `ScopedJoinHandle` and `Builder::spawn_scoped`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::*;

crate::spec_tests! {
    generics [S: Scheduler];

    /// Scoped threads borrow from outside the scope (shared and mutably); every one of them,
    /// joined by hand or not, and those they spawn, has ended and left the registry when
    /// `scope` returns, which returns its closure's value.
    fn test_scope_joins_all() {
        let baseline = active_count::<S>();
        let numbers = [1, 2, 3];
        let mut doubled = Vec::new();
        let finished = AtomicUsize::new(0);
        let total = scope::<S, _>(|s| {
            let finished = &finished;
            let sum = s.spawn(|| numbers.iter().sum::<i32>());
            s.spawn(|| doubled.extend(numbers.iter().map(|n| n * 2)));
            for i in 0..3 {
                s.spawn(move || {
                    std_thread::sleep::<S>(Duration::from_millis(1 + i));
                    finished.fetch_add(1, SeqCst);
                });
            }
            // A scoped thread spawns another one in the same scope.
            s.spawn(move || {
                s.spawn(move || {
                    std_thread::sleep::<S>(Duration::from_millis(5));
                    finished.fetch_add(1, SeqCst);
                });
            });
            sum.join().unwrap()
        });
        assert_eq!(total, 6);
        assert_eq!(doubled, [2, 4, 6]);
        assert_eq!(finished.load(SeqCst), 4, "every scoped thread ended before scope returned");
        assert_eq!(active_count::<S>(), baseline);
    }

    /// A scoped thread that panicked and was not joined makes `scope` panic with `a scoped
    /// thread panicked`, once every other thread was joined too; the panic goes to no
    /// excepthook.
    fn test_scope_propagates_unjoined_panic() {
        let (_restore, seen) = record_excepthook::<S>();
        let finished = AtomicBool::new(false);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            scope::<S, _>(|s| {
                s.spawn(|| -> () { raise("boom") });
                s.spawn(|| {
                    std_thread::sleep::<S>(Duration::from_millis(10));
                    finished.store(true, SeqCst);
                });
            })
        }));
        assert_eq!(text(&*outcome.unwrap_err()), "a scoped thread panicked");
        assert!(finished.load(SeqCst), "the other thread was joined first");
        assert!(seen.lock().unwrap().is_empty(), "the excepthook saw {:?}", seen.lock().unwrap());
    }

    /// A scoped thread's panic received through `join()` is the joiner's: `scope` returns
    /// normally.
    fn test_scope_joined_panic_is_not_propagated() {
        let (_restore, seen) = record_excepthook::<S>();
        let value = scope::<S, _>(|s| {
            let handle = s.spawn(|| -> () { raise("boom") });
            assert_eq!(text(&*handle.join().unwrap_err()), "boom");
            "returned"
        });
        assert_eq!(value, "returned");
        assert!(seen.lock().unwrap().is_empty());
    }

    /// When the scope's closure panics, `scope` still joins every thread before it unwinds,
    /// with the closure's panic (not `a scoped thread panicked`, even if a thread panicked too).
    fn test_scope_closure_panic_joins_first() {
        let finished = AtomicBool::new(false);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            scope::<S, ()>(|s| {
                s.spawn(|| {
                    std_thread::sleep::<S>(Duration::from_millis(10));
                    finished.store(true, SeqCst);
                });
                s.spawn(|| -> () { raise("thread boom") });
                raise("closure boom")
            })
        }));
        assert_eq!(text(&*outcome.unwrap_err()), "closure boom");
        assert!(finished.load(SeqCst), "the thread was joined before the scope unwound");
    }

    /// `Builder::spawn_scoped` names a scoped thread; its handle tells whether it finished, and
    /// `current_thread()` in it is the weft thread of that name.
    fn test_builder_spawn_scoped() {
        let gate = Event::<S>::new();
        let greeting = String::from("hello");
        scope::<S, _>(|s| {
            let handle = Builder::<S>::new()
                .name("greeter".to_owned())
                .spawn_scoped(s, || {
                    gate.wait();
                    format!("{greeting} from {}", current_thread::<S>().name())
                })
                .unwrap();
            assert_eq!(handle.thread().name(), Some("greeter"));
            assert!(!handle.is_finished());
            gate.set();
            wait_until::<S>("the scoped thread to finish", || handle.is_finished());
            assert_eq!(handle.join().unwrap(), "hello from greeter");
        });
    }
}
