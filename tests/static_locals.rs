//! `weft::thread_local!` behaves on simulated threads as std's `thread_local!` does on real ones:
//! each test asserts the real threads' behaviour first, then the same in a simulation. (From a
//! review of the first version, where each simulated half failed.)

use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use weft::Thread;
use weft::sim::Explorer;

fn on_a_thread(f: impl FnOnce() + Send + 'static) {
    let t = Thread::new(f);
    t.start().unwrap();
    t.join().unwrap();
}

// ---- 1. A value made by another static value's destructor at thread end ----

static INNER_DROPS: AtomicUsize = AtomicUsize::new(0);

struct Counted;
impl Drop for Counted {
    fn drop(&mut self) {
        INNER_DROPS.fetch_add(1, SeqCst);
    }
}

/// Its destructor uses `INNER` (a logger, a pool returning a buffer, ...).
struct TouchesInner;
impl Drop for TouchesInner {
    fn drop(&mut self) {
        INNER.with(|_| ());
    }
}

weft::thread_local! {
    static OUTER: TouchesInner = TouchesInner;
    static INNER: Counted = Counted;
}

/// On a real thread, `INNER`'s value made while `OUTER`'s is dropped at thread exit is dropped
/// too (std runs the destructors of values made during teardown); so on a simulated thread.
#[test]
fn a_value_made_while_a_simulated_thread_ends_is_dropped() {
    let before = INNER_DROPS.load(SeqCst);
    on_a_thread(|| OUTER.with(|_| ()));
    // The OS thread exits just after `join` returns.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while INNER_DROPS.load(SeqCst) == before && std::time::Instant::now() < deadline {
        std::thread::yield_now();
    }
    assert_eq!(INNER_DROPS.load(SeqCst), before + 1, "real thread: dropped");

    let before = INNER_DROPS.load(SeqCst);
    let stats = Explorer::exhaustive().iterations(5).check(|| on_a_thread(|| OUTER.with(|_| ())));
    assert_eq!(
        INNER_DROPS.load(SeqCst) - before,
        stats.executions + stats.verified,
        "simulated threads: one INNER value per execution made at thread end, and dropped"
    );
}

// ---- 2. Recursive initialisation: which value wins ----

std::thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

fn recursive_init() -> Cell<u32> {
    let depth = DEPTH.get();
    DEPTH.set(depth + 1);
    if depth == 0 {
        RECURSIVE.with(|_| ()); // e.g. the initialiser logs through code that reads the value
    }
    DEPTH.set(depth);
    Cell::new(depth + 1)
}

weft::thread_local! {
    static RECURSIVE: Cell<u32> = recursive_init();
}

/// std keeps the outer initialiser's value (it replaces the one the inner access made); so does a
/// simulated thread.
#[test]
fn recursive_initialisation_keeps_the_same_value_in_a_simulation() {
    let real = std::sync::Arc::new(AtomicUsize::new(0));
    let seen = real.clone();
    on_a_thread(move || seen.store(RECURSIVE.get() as usize, SeqCst));
    let real = real.load(SeqCst) as u32;
    assert_eq!(real, 1, "std: the outer initialiser's value");
    Explorer::exhaustive().iterations(1).check(move || assert_eq!(RECURSIVE.get(), real, "simulated thread"));
}

// ---- 3. One simulated thread, two values, by path ----

weft::thread_local! {
    static BY_PATH: Cell<u32> = const { Cell::new(0) };
}

/// Library code generic over the scheduler (`KEY.generic().with::<S, _>`) and façade code
/// (`KEY.with`) on the same thread see the same value, real or simulated.
#[test]
fn generic_and_facade_paths_see_one_value_on_a_simulated_thread() {
    BY_PATH.set(7);
    assert_eq!(BY_PATH.generic().get::<weft::real::Real>(), 7, "real thread: one value");
    Explorer::exhaustive().iterations(1).check(|| {
        BY_PATH.set(7);
        assert_eq!(BY_PATH.generic().get::<weft::sim::Sim>(), 7, "simulated thread: one value");
    });
}

// ---- 4. std's `set` does not run the initialiser ----

static SET_INITS: AtomicUsize = AtomicUsize::new(0);

fn counted_init() -> Cell<u32> {
    SET_INITS.fetch_add(1, SeqCst);
    Cell::new(0)
}

weft::thread_local! {
    static SET_ONLY: Cell<u32> = counted_init();
}

std::thread_local! {
    static STD_SET_ONLY: Cell<u32> = counted_init();
}

/// `std::thread::LocalKey<Cell<T>>::set` initialises the value with the argument, without
/// running the initialiser; so does weft's, on real and simulated threads.
#[test]
fn set_does_not_run_the_initialiser_as_in_std() {
    // On the test's own (fresh) thread: a panic in a weft `Thread` would not fail the test.
    let before = SET_INITS.load(SeqCst);
    STD_SET_ONLY.set(1);
    assert_eq!(SET_INITS.load(SeqCst), before, "std");
    SET_ONLY.set(1);
    assert_eq!(SET_INITS.load(SeqCst), before, "weft");
    assert_eq!(SET_ONLY.get(), 1);
    Explorer::exhaustive().iterations(1).check(|| {
        let before = SET_INITS.load(SeqCst);
        SET_ONLY.set(2);
        assert_eq!(SET_ONLY.get(), 2);
        assert_eq!(SET_INITS.load(SeqCst), before, "simulated thread");
    });
}

// ---- 5. A `const { ... }` initialiser is a const context, as in std ----

const fn three() -> u32 {
    3
}

std::thread_local! {
    static STD_PROMOTED: Cell<&'static u32> = const { Cell::new(&three()) };
}

weft::thread_local! {
    static PROMOTED: Cell<&'static u32> = const { Cell::new(&three()) };
}

/// What only a const context allows (promoting a const fn's result to a `'static` reference)
/// compiles in weft's `const { ... }` initialiser as in std's, and works on both paths.
#[test]
fn a_const_initialiser_is_a_const_context() {
    assert_eq!(*STD_PROMOTED.get(), 3);
    assert_eq!(*PROMOTED.get(), 3);
    Explorer::exhaustive().iterations(1).check(|| assert_eq!(*PROMOTED.get(), 3));
}

// ---- 6. A thread's values do not reach a later execution's thread ----

weft::thread_local! {
    static MARK: Cell<u32> = const { Cell::new(0) };
}

/// The simulator keeps a simulated thread's state and its store of static locals when the thread
/// ends, and makes them new for a thread of a later execution: what the earlier thread set must
/// not show there. Each thread (main and two spawned) first sees the initial values of a
/// `thread_local!` (one static for every execution) and of a `Local` (made in each execution, as
/// weft objects are: the execution's first `Local` has the same id in every execution), then
/// sets them.
#[test]
fn a_thread_of_a_later_execution_starts_with_fresh_values() {
    fn fresh_then_mark(local: &weft::Local<Cell<u32>>) {
        assert_eq!(MARK.get(), 0, "a thread_local! value of an earlier thread");
        local.with(|value| assert_eq!(value.get(), 0, "a Local value of an earlier thread"));
        MARK.set(7);
        local.with(|value| value.set(7));
    }
    let stats = Explorer::random_walk(1).iterations(200).check(|| {
        let local = std::sync::Arc::new(weft::Local::new(|| Cell::new(0u32)));
        let threads: Vec<Thread> = (0..2)
            .map(|_| {
                let local = local.clone();
                Thread::new(move || fresh_then_mark(&local))
            })
            .collect();
        threads.iter().for_each(|t| t.start().unwrap());
        fresh_then_mark(&local);
        threads.iter().for_each(|t| t.join().unwrap());
    });
    assert_eq!(stats.executions, 200);
}
