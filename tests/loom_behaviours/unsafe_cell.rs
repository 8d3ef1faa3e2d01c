//! loom's `tests/unsafe_cell.rs`: accesses to `weft::cell::UnsafeCell` from two threads race
//! unless something the simulator sees orders them.

use std::sync::atomic::Ordering::{Acquire, Release};

use weft::sync::Arc;
use weft::sync::atomic::AtomicUsize;
use weft::thread;

use crate::Counter;
use crate::common::{passes, races};

/// loom's `atomic_causality_success`: a write published by a release store is read, without a
/// race, by a thread whose acquire load sees the store.
#[test]
fn a_release_acquire_flag_orders_the_cell() {
    passes(|| {
        let chan = Arc::new((Counter::new(0), AtomicUsize::new(0)));
        let c = chan.clone();
        let t = thread::spawn(move || {
            c.0.inc();
            c.1.store(1, Release);
        });
        if chan.1.load(Acquire) == 1 {
            assert_eq!(chan.0.get(), 1);
        }
        t.join().unwrap();
        assert_eq!(chan.0.get(), 1);
    });
}

/// loom's `atomic_causality_fail`: the same channel, but the reader reads the cell without
/// looking at the flag first: the read races with the write.
#[test]
fn a_read_that_skips_the_flag_races() {
    races(|| {
        let chan = Arc::new((Counter::new(0), AtomicUsize::new(0)));
        let c = chan.clone();
        let t = thread::spawn(move || {
            c.0.inc();
            c.1.store(1, Release);
        });
        chan.0.get();
        t.join().unwrap();
    });
}

/// loom's `unsafe_cell_race_mut_mut_1` and `_2`: two writes from two threads, unordered, race.
#[test]
fn two_unordered_writes_race() {
    races(|| {
        let x = Counter::new(1);
        let y = x.clone();
        let t = thread::spawn(move || x.inc());
        y.inc();
        t.join().unwrap();
    });
    races(|| {
        let x = Counter::new(1);
        let (a, b) = (x.clone(), x.clone());
        let t1 = thread::spawn(move || a.inc());
        let t2 = thread::spawn(move || b.inc());
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

/// loom's `unsafe_cell_race_mut_immut_1` to `_5`: an unordered read and write from two
/// threads race, whichever comes first.
#[test]
fn an_unordered_read_and_write_race() {
    races(|| {
        let x = Counter::new(1);
        let y = x.clone();
        let t = thread::spawn(move || x.inc());
        y.get();
        t.join().unwrap();
    });
    races(|| {
        let x = Counter::new(1);
        let y = x.clone();
        let t = thread::spawn(move || x.get());
        y.inc();
        t.join().unwrap();
    });
    races(|| {
        let x = Counter::new(1);
        let (a, b) = (x.clone(), x.clone());
        let t1 = thread::spawn(move || a.get());
        let t2 = thread::spawn(move || {
            b.get();
            b.inc();
        });
        t1.join().unwrap();
        t2.join().unwrap();
    });
}

/// loom's `unsafe_cell_ok_1`, `_2` and `_3`: spawn orders what the parent did before it, join
/// orders what the child did; reads never race with reads.
#[test]
fn spawn_and_join_order_the_cell() {
    passes(|| {
        let x = Counter::new(1);
        assert_eq!(x.inc(), 2);
        let t = thread::spawn(move || {
            assert_eq!(x.get(), 2);
            assert_eq!(x.inc(), 3);
            x
        });
        let x = t.join().unwrap();
        assert_eq!(x.inc(), 4);
    });
    passes(|| {
        let x = Counter::new(1);
        let y = x.clone();
        let t1 = thread::spawn(move || {
            let z = x.clone();
            let t2 = thread::spawn(move || assert_eq!(z.get(), 1));
            assert_eq!(x.get(), 1);
            t2.join().unwrap();
        });
        assert_eq!(y.get(), 1); // concurrent reads do not race
        t1.join().unwrap();
        assert_eq!(y.inc(), 2);
    });
}

/// loom's `unsafe_cell_access_after_sync`: a write after the release store is not ordered
/// before the reader that acquired it.
#[test]
fn an_access_after_the_release_races() {
    races(|| {
        let shared = Arc::new((AtomicUsize::new(0), Counter::new(0)));
        let s = shared.clone();
        let t = thread::spawn(move || {
            s.0.store(1, Release);
            s.1.inc(); // after the release: not ordered before the reader
        });
        if shared.0.load(Acquire) == 1 {
            shared.1.inc();
        }
        t.join().unwrap();
    });
}
