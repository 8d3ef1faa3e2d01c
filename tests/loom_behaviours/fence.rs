//! loom's `tests/fence.rs`, and `test_seq_cst` of its `spec.rs`: fences and sequentially
//! consistent atomics.
//!
//! weft's simulation is sequentially consistent and sees no fences (`weft::sync::atomic::fence`
//! is std's): every access to a weft atomic orders the thread after the atomic's earlier users.
//! So these pass as in loom, but for a stronger reason: the same models without their fences
//! pass too, where loom would fail them. The tests that expect a weak-memory outcome (`spec.rs`'s
//! `acq_rel`, `litmus.rs`) have no counterpart (the README lists them).

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};

use weft::sync::Arc;
use weft::sync::atomic::{AtomicBool, AtomicUsize, fence};
use weft::thread;

use crate::Counter;
use crate::common::{assert_outcomes, outcomes, passes};

/// Writes the cell, then raises the flag: `fence_release` chooses a release fence before a
/// relaxed store, or a release store.
fn publish(data: Counter, flag: Arc<AtomicBool>, fence_release: bool) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        data.inc();
        if fence_release {
            fence(Release);
            flag.store(true, Relaxed);
        } else {
            flag.store(true, Release);
        }
    })
}

/// loom's `fence_sw_base`, `fence_sw_collapsed_store` and `fence_sw_collapsed_load`: a cell
/// written before a release (fence or store) is read without a race after an acquire (fence or
/// load) that sees the flag.
#[test]
fn a_fence_pair_orders_the_cell() {
    for (fence_release, fence_acquire) in [(true, true), (false, true), (true, false)] {
        passes(move || {
            let (data, flag) = (Counter::new(0), Arc::new(AtomicBool::new(false)));
            let t = publish(data.clone(), flag.clone(), fence_release);
            let seen = if fence_acquire {
                let seen = flag.load(Relaxed);
                fence(Acquire);
                seen
            } else {
                flag.load(Acquire)
            };
            if seen {
                assert_eq!(data.get(), 1);
            }
            t.join().unwrap();
        });
    }
}

/// loom's `sb_fences` (store buffering with SeqCst fences): of two threads that each store
/// their flag and then load the other's, at least one sees the other's store.
#[test]
fn seq_cst_fences_forbid_store_buffering() {
    passes(|| {
        let flags = Arc::new((AtomicBool::new(false), AtomicBool::new(false)));
        let f = flags.clone();
        let t = thread::spawn(move || {
            f.0.store(true, Relaxed);
            fence(SeqCst);
            f.1.load(Relaxed)
        });
        flags.1.store(true, Relaxed);
        fence(SeqCst);
        let mine = flags.0.load(Relaxed);
        assert!(t.join().unwrap() || mine);
    });
}

/// loom's `fence_hazard_pointer`: a reader that announces its hazard and then finds the object
/// still reachable finds it still allocated, since the reclaimer unlinks it, and then frees it
/// only if it sees no hazard.
#[test]
fn a_hazard_pointer_protects_a_reachable_object() {
    passes(|| {
        let state = Arc::new((AtomicBool::new(true), AtomicBool::new(false), AtomicBool::new(true)));
        let s = state.clone();
        let reader = thread::spawn(move || {
            let (reachable, protected, allocated) = &*s;
            protected.store(true, Relaxed);
            fence(SeqCst);
            if reachable.load(Relaxed) {
                assert!(allocated.load(Relaxed));
            }
        });
        let (reachable, protected, allocated) = &*state;
        reachable.store(false, Relaxed);
        fence(SeqCst);
        if !protected.load(Relaxed) {
            allocated.store(false, Relaxed);
        }
        reader.join().unwrap();
    });
}

/// loom's `rwc_syncs` and `w_rwc` (from the SCFix paper): the outcome C11 allowed and C++20
/// forbids, where one thread sees `x` but not `y` and the other sees `y` but not `x`, never
/// happens; `acquire_z` puts `w_rwc`'s release/acquire pair on `z` before the first load.
#[test]
fn read_write_causality_with_seq_cst_fences() {
    for acquire_z in [false, true] {
        passes(move || {
            let vars = Arc::new((AtomicBool::new(false), AtomicBool::new(false), AtomicBool::new(false)));
            let v = vars.clone();
            let t2 = thread::spawn(move || {
                let (x, y, z) = &*v;
                let a = if acquire_z { z.load(Acquire) } else { x.load(Relaxed) };
                fence(SeqCst);
                (a, y.load(Relaxed))
            });
            let v = vars.clone();
            let t3 = thread::spawn(move || {
                let (x, y, _) = &*v;
                y.store(true, Relaxed);
                fence(SeqCst);
                x.load(Relaxed)
            });
            vars.0.store(true, Relaxed);
            vars.2.store(true, Release);
            let (a, b) = t2.join().unwrap();
            let c = t3.join().unwrap();
            assert!(!(a && !b && !c), "a forbidden outcome");
        });
    }
}

/// `test_seq_cst` of loom's `spec.rs` (cppreference's sequential-consistency example), which
/// loom ignores because it fails it: loom runs an execution SeqCst forbids, where `z` ends at 0.
/// Two threads wait for `x` and for `y` respectively, then each counts in `z` if it also sees
/// the other flag: `z` ends at 1 or 2, both reached, and never at 0.
#[test]
fn seq_cst_flags_are_seen_in_one_order() {
    let found = outcomes(|| {
        let vars = Arc::new((AtomicBool::new(false), AtomicBool::new(false), AtomicUsize::new(0)));
        let v = vars.clone();
        thread::spawn(move || v.1.store(true, SeqCst));
        let waiter = |x_first: bool| {
            let v = vars.clone();
            thread::spawn(move || {
                let (x, y, z) = &*v;
                let (first, second) = if x_first { (x, y) } else { (y, x) };
                while !first.load(SeqCst) {
                    thread::yield_now();
                }
                if second.load(SeqCst) {
                    z.fetch_add(1, Relaxed);
                }
            })
        };
        let t1 = waiter(true);
        let t2 = waiter(false);
        vars.0.store(true, SeqCst);
        t1.join().unwrap();
        t2.join().unwrap();
        vars.2.load(SeqCst)
    });
    assert_outcomes(&found, &[1, 2]);
}
