//! loom's `tests/thread_api.rs`, `yield.rs`, `thread_local.rs`, `deadlock.rs` and
//! `double_panic_in_drop.rs`: spawning, joining, naming, parking and yielding, thread-local
//! values, and the failures a model of threads can have.
//!
//! Where weft differs: every weft thread has a name (`MainThread` for a model's main thread,
//! `Thread-N` for one spawned without a name), where loom's and std's are `None`; and a
//! `Builder::stack_size` is in bytes, as std's (loom's counts words).

use std::cell::RefCell;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};

use weft::sim::{Explorer, FailureKind};
use weft::sync::atomic::AtomicUsize;
use weft::sync::mpsc::channel;
use weft::sync::{Arc, Mutex};
use weft::thread;

use crate::common::{blocked, deadlocks, passes};

/// loom's `initial_thread`: the model's main thread has an id, and (weft) the name
/// `MainThread`, where loom's has none.
#[test]
fn the_main_thread_has_an_id_and_a_name() {
    passes(|| {
        assert_eq!(thread::current().id(), thread::current().id());
        assert_eq!(thread::current().name(), Some("MainThread"));
    });
}

/// loom's `many_joins`: two threads wait for a lock the main thread holds, then all are joined.
#[test]
fn threads_blocked_on_a_lock_are_joined() {
    passes(|| {
        let mutex = Arc::new(Mutex::new(()));
        let held = mutex.lock().unwrap();
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let mutex = mutex.clone();
                thread::spawn(move || drop(mutex.lock().unwrap()))
            })
            .collect();
        drop(held);
        threads.into_iter().for_each(|t| t.join().unwrap());
    });
}

/// loom's `alt_join`: a thread other than the spawner joins a thread, after waiting for a lock
/// the main thread holds; the main thread joins the others.
#[test]
fn a_thread_joins_another_threads_child() {
    passes(|| {
        let mutex = Arc::new(Mutex::new(()));
        let held = mutex.lock().unwrap();
        let first = thread::spawn(|| {});
        let m = mutex.clone();
        let joiner = thread::spawn(move || {
            drop(m.lock().unwrap());
            first.join().unwrap();
        });
        let third = thread::spawn(|| {});
        drop(held);
        third.join().unwrap();
        joiner.join().unwrap();
    });
}

/// loom's `threads_have_unique_ids`: a spawned thread's id, as it sees it, is its handle's,
/// and differs from the main thread's and from another spawned thread's.
#[test]
fn threads_have_unique_ids() {
    passes(|| {
        let spawn_reporting_id = || {
            let (tx, rx) = channel();
            let t = thread::spawn(move || tx.send(thread::current().id()).unwrap());
            let id = rx.recv().unwrap();
            assert_eq!(t.thread().id(), id);
            assert_ne!(thread::current().id(), id);
            t.join().unwrap();
            id
        };
        assert_ne!(spawn_reporting_id(), spawn_reporting_id());
    });
}

/// loom's `thread_names`: a thread spawned with a name has it, as it and its handle see it;
/// one spawned without (by `spawn` or a `Builder`) has, in weft, a `Thread-N` name where loom's
/// has none.
#[test]
fn a_thread_has_the_name_it_was_given() {
    passes(|| {
        let own_name = || thread::current().name().map(str::to_owned);
        let name_of = |t: thread::JoinHandle<Option<String>>| {
            let on_handle = t.thread().name().map(str::to_owned);
            let own = t.join().unwrap();
            assert_eq!(own, on_handle);
            own.expect("weft names every thread")
        };
        assert!(name_of(thread::spawn(own_name)).starts_with("Thread-"));
        assert!(name_of(thread::Builder::new().spawn(own_name).unwrap()).starts_with("Thread-"));
        let named = thread::Builder::new().name("foobar".to_owned()).spawn(own_name).unwrap();
        assert_eq!(name_of(named), "foobar");
    });
}

/// loom's `thread_stack_size`: a thread given a stack twice the size of an array it puts on
/// its stack runs. (In bytes here, as std counts; the array, 2 MiB, does not fit the default
/// stack, so the size given is the one used.)
#[test]
fn a_thread_gets_the_stack_size_it_asks_for() {
    const ARRAY: usize = 1 << 18;
    passes(|| {
        let body = || {
            std::hint::black_box(&mut [0usize; ARRAY]);
        };
        thread::Builder::new().stack_size(2 * ARRAY * size_of::<usize>()).spawn(body).unwrap().join().unwrap();
    });
}

/// loom's `park_unpark_loom` and `park_unpark_std`: a thread that unparks itself and then
/// parks returns at once, in a simulation and (weft's thread API outside one) on real threads.
#[test]
fn an_unpark_before_a_park_is_kept() {
    let unpark_then_park = || {
        thread::current().unpark();
        thread::park();
    };
    passes(unpark_then_park);
    unpark_then_park();
}

/// loom's `yield_completes` (in `yield.rs`): a thread that polls a flag, yielding between
/// polls, sees the spawned thread's store, and the search ends.
#[test]
fn a_yielding_poll_completes() {
    passes(|| {
        let flag = Arc::new(AtomicUsize::new(0));
        let f = flag.clone();
        thread::spawn(move || f.store(1, Relaxed));
        while flag.load(Relaxed) != 1 {
            thread::yield_now();
        }
    });
}

weft::thread_local! {
    static LOCAL: RefCell<usize> = RefCell::new(1);
    static OTHER: RefCell<usize> = RefCell::new(2);
}

/// loom's `thread_local` and `nested_with` (in `thread_local.rs`): each thread starts from the
/// initial value and sees only its own writes; one local can be read inside another's `with`.
#[test]
fn each_thread_has_its_own_local() {
    fn write_and_read(n: usize) {
        LOCAL.with(|local| assert_eq!(*local.borrow(), 1));
        LOCAL.with(|local| {
            *local.borrow_mut() = n;
            assert_eq!(*local.borrow(), n);
        });
        LOCAL.with(|local| assert_eq!(*local.borrow(), n));
    }
    passes(|| {
        let threads: Vec<_> = [2, 3].map(|n| thread::spawn(move || write_and_read(n))).into();
        write_and_read(4);
        threads.into_iter().for_each(|t| t.join().unwrap());
    });
    passes(|| {
        LOCAL.with(|local| *local.borrow_mut() = OTHER.with(|other| *other.borrow()));
        LOCAL.with(|local| assert_eq!(*local.borrow(), 2));
    });
}

/// Drops of `DROPPED`'s values, over the executions of one exploration.
static DROPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct CountsDrops;

impl Drop for CountsDrops {
    fn drop(&mut self) {
        DROPS.fetch_add(1, SeqCst);
    }
}

weft::thread_local! {
    static DROPPED: CountsDrops = CountsDrops;
}

/// loom's `drop` (in `thread_local.rs`): a thread's value is dropped when the thread ends, and
/// the main thread's when the model ends. (weft runs a model more than once, so each execution
/// starts by taking the count the previous one left: 3.)
#[test]
fn a_threads_local_is_dropped_when_it_ends() {
    passes(|| {
        let before = DROPS.swap(0, SeqCst);
        assert!(before == 0 || before == 3, "{before}");
        for ended in 1..=2 {
            thread::spawn(move || {
                DROPPED.with(|_| ());
                assert_eq!(DROPS.load(SeqCst), ended - 1);
            })
            .join()
            .unwrap();
            assert_eq!(DROPS.load(SeqCst), ended);
        }
        DROPPED.with(|_| ());
    });
    assert_eq!(DROPS.load(SeqCst), 3);
}

/// loom's `two_mutexes_deadlock` (in `deadlock.rs`): two threads take two mutexes in opposite
/// orders; the deadlock is found, each thread holding one and waiting for the other.
#[test]
fn opposite_lock_orders_deadlock() {
    let report = deadlocks(|| {
        let (a, b) = (Arc::new(Mutex::new(1)), Arc::new(Mutex::new(2)));
        let (a2, b2) = (a.clone(), b.clone());
        let t1 = thread::spawn(move || {
            let a = a2.lock().unwrap();
            let b = b2.lock().unwrap();
            assert_eq!(*a + *b, 3);
        });
        let t2 = thread::spawn(move || {
            let b = b.lock().unwrap();
            let a = a.lock().unwrap();
            assert_eq!(*a + *b, 3);
        });
        t1.join().unwrap();
        t2.join().unwrap();
    });
    assert_eq!(blocked(&report).iter().filter(|b| b.thread.starts_with("Thread-")).count(), 2, "{report}");
}

/// loom's `double_panic_at_branch_max` (in `double_panic_in_drop.rs`): a model that yields past
/// the step limit while it holds an `Arc` is reported as going over the limit (loom: a panic
/// rather than an abort from a second panic in a destructor).
#[test]
fn going_over_the_step_limit_is_a_failure() {
    let report = Explorer::exhaustive()
        .max_steps(2)
        .run(|| {
            let _shared = Arc::new(());
            for _ in 0..3 {
                thread::yield_now();
            }
        })
        .expect_err("over the limit");
    assert_eq!(report.failure.kind, FailureKind::StepLimit(2), "{report}");
}
