//! loom's `tests/atomic.rs`, `atomic_relaxed.rs` and `smoke.rs`: atomics shared between threads,
//! and statics made lazily. weft's simulation is sequentially consistent, so the tests that
//! expect a weak-memory outcome (`check_ordering_invalid_1` and `_2`) have no counterpart; nor
//! do those of loom's own API (`unsync_load`, `compare_and_swap`) or of loom's lazy statics'
//! shutdown (the README lists them).

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use weft::sync::atomic::AtomicUsize;
use weft::sync::{Arc, LazyLock};
use weft::thread;

use crate::common::{panics, passes};

/// Made on first use, in every execution afresh; its initialiser lets another thread run
/// meanwhile.
static SLOW: LazyLock<Arc<usize>> = LazyLock::new(|| {
    thread::yield_now();
    Arc::default()
});

/// loom's `lazy_static_arc_race` and `lazy_static_arc_doesnt_leak`: two threads that both
/// force a lazily made static, whose initialiser yields, both see the one value; a model that
/// uses one alone passes too.
#[test]
fn a_lazy_static_raced_by_two_threads_is_made_once() {
    passes(|| {
        let t = thread::spawn(|| assert_eq!(**SLOW, 0));
        assert_eq!(**SLOW, 0);
        t.join().unwrap();
    });
    passes(|| assert_eq!(**SLOW, 0));
}

static A: LazyLock<AtomicUsize> = LazyLock::new(|| AtomicUsize::new(0));

weft::thread_local! {
    static B: usize = A.load(Relaxed);
}

/// loom's `legal_load_after_lazy_static`: each thread's thread-local value is made by loading
/// a lazily made static atomic. (loom's `try_with` falls back to the atomic; weft's `LocalKey`
/// has no `try_with`, and its `with` does not fail here.)
#[test]
fn a_thread_local_made_from_a_lazy_static() {
    passes(|| {
        let threads: Vec<_> = (0..2).map(|_| thread::spawn(|| B.with(|b| assert_eq!(*b, 0)))).collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
    });
}

/// loom's `fetch_add_atomic`: two `fetch_add`s on one atomic never return the same value.
#[test]
fn two_fetch_adds_return_different_values() {
    passes(|| {
        let a = Arc::new(AtomicUsize::new(0));
        let a2 = a.clone();
        let t = thread::spawn(move || a2.fetch_add(1, Relaxed));
        let mine = a.fetch_add(1, Relaxed);
        assert_ne!(mine, t.join().unwrap());
    });
}

/// loom's `compare_and_swap` (in `atomic_relaxed.rs`), with `compare_exchange`: two threads
/// that each add one with a relaxed compare-exchange loop, retrying from the value they find,
/// both count.
#[test]
fn a_compare_exchange_loop_counts_both_threads() {
    passes(|| {
        let n = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let n = n.clone();
                thread::spawn(move || {
                    let mut seen = n.load(Relaxed);
                    while let Err(actual) = n.compare_exchange(seen, seen + 1, Relaxed, Relaxed) {
                        seen = actual;
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(n.load(Relaxed), 2);
    });
}

/// loom's `check_ordering_valid` (in `atomic_relaxed.rs`): a relaxed store followed by a
/// release store is seen by a thread whose acquire load sees the release store.
#[test]
fn a_release_store_publishes_the_relaxed_one_before_it() {
    passes(|| {
        let pair = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let p = pair.clone();
        thread::spawn(move || {
            p.0.store(1, Relaxed);
            p.1.store(1, Release);
        });
        if pair.1.load(Acquire) == 1 {
            assert_eq!(pair.0.load(Relaxed), 1);
        }
    });
}

/// loom's `checks_fail` (in `smoke.rs`): two threads that increment with a load and a separate
/// store lose an update in some execution, and the check finds it.
#[test]
fn an_increment_by_load_and_store_loses_an_update() {
    panics("lost", || {
        let n = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let n = n.clone();
                thread::spawn(move || {
                    let seen = n.load(Acquire);
                    n.store(seen + 1, Release);
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(n.load(Relaxed), 2, "an update was lost");
    });
}
