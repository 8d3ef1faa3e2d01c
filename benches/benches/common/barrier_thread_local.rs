//! Barrier, Thread and Local workloads.

use super::*;

// ---------------------------------------------------------------------------------------------
// Barrier

fn barrier_rounds<B: Send + Sync + 'static>(
    threads: usize,
    make: fn(usize) -> B,
    wait: fn(&B),
) -> impl Fn(u64) -> Duration {
    move |n| {
        let barrier = Arc::new(make(threads));
        time_with_main(threads, move |_| {
            for _ in 0..n {
                wait(&barrier);
            }
        })
    }
}

/// Barrier: rounds of `threads` (2 or 4) threads.
pub fn barrier(threads: usize) -> Group {
    let (id, operation) = match threads {
        2 => ("barrier/2", "Barrier: one round, 2 threads"),
        4 => ("barrier/4", "Barrier: one round, 4 threads"),
        _ => panic!("barrier: 2 or 4 threads"),
    };
    Group {
        id,
        operation,
        threaded: true,
        cases: vec![
            case(
                "weft::Barrier",
                Role::Weft,
                barrier_rounds(
                    threads,
                    |parties| weft::Barrier::new(parties).unwrap(),
                    |b| {
                        b.wait().unwrap();
                    },
                ),
            ),
            case(
                "weft::sync::Barrier",
                Role::Weft,
                barrier_rounds(threads, weft::sync::Barrier::new, |b| {
                    b.wait();
                }),
            ),
            case(
                "weft_core::Barrier<Real>",
                Role::Real,
                barrier_rounds(
                    threads,
                    |parties| weft_core::Barrier::<Real>::new(parties).unwrap(),
                    |b| {
                        b.wait().unwrap();
                    },
                ),
            ),
            case(
                "std::sync::Barrier",
                Role::Peer,
                barrier_rounds(threads, std::sync::Barrier::new, |b| {
                    b.wait();
                }),
            ),
            case(
                "async_lock::Barrier (blocking)",
                Role::Peer,
                barrier_rounds(threads, async_lock::Barrier::new, |b| {
                    b.wait_blocking();
                }),
            ),
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// Thread and Local

fn weft_start_join<S: Scheduler>(n: u64) -> Duration {
    time_loop(n, || {
        let thread = weft_core::Thread::<S>::new(|| {});
        thread.start().unwrap();
        thread.join().unwrap();
    })
}

/// Thread: start + join of a thread with an empty target.
pub fn thread_start_join() -> Group {
    Group {
        id: "thread/start-join",
        operation: "Thread: start + join (empty target)",
        threaded: true,
        cases: vec![
            case("weft::Thread", Role::Weft, weft_start_join::<weft::Auto>),
            case("weft_core::Thread<Real>", Role::Real, weft_start_join::<Real>),
            case("std::thread::spawn", Role::Peer, |n| time_loop(n, || std::thread::spawn(|| {}).join().unwrap())),
            case("std::thread::Builder + name", Role::Extra, |n| {
                time_loop(n, || {
                    std::thread::Builder::new().name("Thread-1".to_owned()).spawn(|| {}).unwrap().join().unwrap()
                })
            }),
        ],
    }
}

thread_local! {
    static STATIC_LOCAL: Cell<u64> = const { Cell::new(0) };
}

weft::thread_local! {
    static WEFT_STATIC_LOCAL: Cell<u64> = const { Cell::new(0) };
}

weft_core::thread_local! {
    static CORE_STATIC_LOCAL: Cell<u64> = const { Cell::new(0) };
}

// One read-modify-write of the calling thread's value per call, out of line. In a loop of
// inlined accesses the compiler keeps a `const`-initialised `thread_local!` value in a register
// (the loop then times no access at all, only the increment), which it cannot do for an access
// that may take another path (weft's checks whether the thread is simulated); the out-of-line
// call makes every case load and store the value once per operation. The inlined loops are
// listed too, as extras.

#[inline(never)]
fn weft_static_access() {
    WEFT_STATIC_LOCAL.with(|c| c.set(c.get() + 1));
}

#[inline(never)]
fn core_static_access() {
    CORE_STATIC_LOCAL.with::<Real, _>(|c| c.set(c.get() + 1));
}

#[inline(never)]
fn std_static_access() {
    STATIC_LOCAL.with(|c| c.set(c.get() + 1));
}

/// Static locals: read-modify-write of the calling thread's value of a `static` declared with
/// `thread_local!` syntax, one out-of-line access per operation.
pub fn local_static() -> Group {
    Group {
        id: "local/static",
        operation: "Local, declared static: access the calling thread's value",
        threaded: false,
        cases: vec![
            case("weft::thread_local!", Role::Weft, |n| time_loop(n, weft_static_access)),
            case("weft_core::thread_local! on Real", Role::Real, |n| time_loop(n, core_static_access)),
            case("thread_local!", Role::Peer, |n| time_loop(n, std_static_access)),
            case("weft::thread_local!, inlined in the loop", Role::Extra, |n| {
                time_loop(n, || WEFT_STATIC_LOCAL.with(|c| c.set(black_box(c.get()) + 1)))
            }),
            case("thread_local!, inlined in the loop (value kept in a register)", Role::Extra, |n| {
                time_loop(n, || STATIC_LOCAL.with(|c| c.set(black_box(c.get()) + 1)))
            }),
        ],
    }
}

fn weft_local<S: Scheduler>() -> impl Fn(u64) -> Duration {
    let local = weft_core::Local::<S, Cell<u64>>::new(|| Cell::new(0));
    move |n| time_loop(n, || black_box(&local).with(|c| c.set(c.get() + 1)))
}

/// Local objects: read-modify-write of the calling thread's value (created before timing) of a
/// local made at run time (Python's `threading.local()`), beside the per-object peer; std's
/// `thread_local!`, which is declared at compile time, is listed for reference (the static form,
/// `weft::thread_local!`, is compared with it in [`local_static`]).
pub fn local_access() -> Group {
    let per_object = thread_local::ThreadLocal::<Cell<u64>>::new();
    Group {
        id: "local/access",
        operation: "Local object: access the calling thread's value",
        threaded: false,
        cases: vec![
            case("weft::Local", Role::Weft, weft_local::<weft::Auto>()),
            case("weft_core::Local<Real>", Role::Real, weft_local::<Real>()),
            case("thread_local! (declared static)", Role::Extra, |n| {
                time_loop(n, || STATIC_LOCAL.with(|c| c.set(black_box(c.get()) + 1)))
            }),
            case("thread_local::ThreadLocal", Role::Peer, move |n| {
                time_loop(n, || {
                    let c = black_box(&per_object).get_or(|| Cell::new(0));
                    c.set(c.get() + 1)
                })
            }),
        ],
    }
}
