//! shuttle's `tests/basic/atomic.rs`: the outcomes two threads reach through sequentially
//! consistent atomics, at every integer width, for `AtomicBool` and for `AtomicPtr`.
//!
//! Not rewritten: shuttle's checks of its vector clocks inside each test (`check_clock`: weft
//! keeps its clocks to itself), the 128-bit widths (weft, as stable std, has none), and
//! `atomics_futures` (futures).

use std::sync::atomic::Ordering::{Relaxed, SeqCst};

use weft::sync::Arc;
use weft::sync::atomic::{AtomicBool, AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr};
use weft::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicUsize};
use weft::thread;

use crate::common::{assert_outcomes, outcomes, passes};

macro_rules! every_width {
    ($($name:ident: $atomic:ident),* $(,)?) => {$(
        #[doc = concat!(
            "shuttle's `store_store_reordering`, `store_load_reordering`, `load_store_reordering`, \
             `fetch_update`, `compare_exchange` and `compare_exchange_weak` for `", stringify!($atomic), "`: \
             two stores are seen in their order; of two threads that each load one atomic and \
             store the other, not both see the other's store, and if each stores first, at \
             least one does; a `fetch_update` comes before, between or after two other threads' \
             stores; a compare-exchange expecting another thread's store finds it or the initial \
             value (the weak one never fails spuriously in a simulation, as in shuttle)."
        )]
        #[test]
        fn $name() {
            // store_store_reordering: the reader loads `y`, then `x`.
            let found = outcomes(|| {
                let xy = Arc::new((<$atomic>::new(0), <$atomic>::new(0)));
                let w = xy.clone();
                let writer = thread::spawn(move || {
                    w.0.store(1, SeqCst);
                    w.1.store(1, SeqCst);
                });
                let r = xy.clone();
                let reader = thread::spawn(move || {
                    let y = r.1.load(SeqCst);
                    (r.0.load(SeqCst), y)
                });
                writer.join().unwrap();
                reader.join().unwrap()
            });
            assert_outcomes(&found, &[(0, 0), (1, 0), (1, 1)]);

            // store_load_reordering (`load_first`) and load_store_reordering: each thread
            // loads one atomic and stores the other, in that order or the other.
            for load_first in [true, false] {
                let found = outcomes(move || {
                    let xy = Arc::new((<$atomic>::new(0), <$atomic>::new(0)));
                    let spawn = |mine: fn(&($atomic, $atomic)) -> &$atomic, theirs: fn(&($atomic, $atomic)) -> &$atomic| {
                        let xy = xy.clone();
                        thread::spawn(move || {
                            if load_first {
                                let seen = theirs(&xy).load(SeqCst);
                                mine(&xy).store(1, SeqCst);
                                seen
                            } else {
                                mine(&xy).store(1, SeqCst);
                                theirs(&xy).load(SeqCst)
                            }
                        })
                    };
                    let first = spawn(|xy| &xy.1, |xy| &xy.0);
                    let second = spawn(|xy| &xy.0, |xy| &xy.1);
                    (first.join().unwrap(), second.join().unwrap())
                });
                let never = if load_first { (1, 1) } else { (0, 0) };
                let all = [(0, 0), (0, 1), (1, 0), (1, 1)];
                assert_outcomes(&found, &all.into_iter().filter(|&o| o != never).collect::<Vec<_>>());
            }

            // fetch_update: two threads store 1 and 2; the main thread adds 5.
            let found = outcomes(|| {
                let x = Arc::new(<$atomic>::new(0));
                let stores: Vec<_> = [1, 2]
                    .map(|v| {
                        let x = x.clone();
                        thread::spawn(move || x.store(v, SeqCst))
                    })
                    .into();
                let before = x.fetch_update(SeqCst, SeqCst, |v| Some(v + 5)).unwrap();
                assert!([0, 1, 2].contains(&before));
                stores.into_iter().for_each(|t| t.join().unwrap());
                Arc::try_unwrap(x).unwrap().into_inner()
            });
            assert_outcomes(&found, &[1, 2, 6, 7]);

            // compare_exchange, and compare_exchange_weak: expecting another thread's store.
            for weak in [false, true] {
                let found = outcomes(move || {
                    let x = Arc::new(<$atomic>::new(0));
                    let x2 = x.clone();
                    let store = thread::spawn(move || x2.store(1, SeqCst));
                    let result = if weak {
                        x.compare_exchange_weak(1, 5, SeqCst, SeqCst)
                    } else {
                        x.compare_exchange(1, 5, SeqCst, SeqCst)
                    };
                    store.join().unwrap();
                    result
                });
                assert_outcomes(&found, &[Ok(1), Err(0)]);
            }
        }
    )*};
}

every_width!(
    int_i8: AtomicI8,
    int_i16: AtomicI16,
    int_i32: AtomicI32,
    int_i64: AtomicI64,
    int_isize: AtomicIsize,
    int_u8: AtomicU8,
    int_u16: AtomicU16,
    int_u32: AtomicU32,
    int_u64: AtomicU64,
    int_usize: AtomicUsize,
);

/// shuttle's `bool::fetch_update` and `bool::compare_exchange`: a negation by `fetch_update`
/// comes before or after another thread's store of `true` (the flag ends `true` or `false`); a
/// compare-exchange from `false` finds `false` or the other thread's `true`.
#[test]
fn bool_updates_race_a_store() {
    let found = outcomes(|| {
        let x = Arc::new(AtomicBool::new(false));
        let x2 = x.clone();
        let store = thread::spawn(move || x2.store(true, SeqCst));
        x.fetch_update(SeqCst, SeqCst, |v| Some(!v)).unwrap();
        store.join().unwrap();
        Arc::try_unwrap(x).unwrap().into_inner()
    });
    assert_outcomes(&found, &[true, false]);
    let found = outcomes(|| {
        let x = Arc::new(AtomicBool::new(false));
        let x2 = x.clone();
        let store = thread::spawn(move || x2.store(true, SeqCst));
        let result = x.compare_exchange(false, true, SeqCst, SeqCst);
        store.join().unwrap();
        result
    });
    assert_outcomes(&found, &[Ok(false), Err(true)]);
}

/// shuttle's `ptr::fetch_update` and `ptr::compare_exchange`: the main thread's update of a
/// pointer comes before or after another thread's store of a pointer of its own: the pointer
/// ends as the update left it, or not; the exchange from the initial pointer succeeds, or not.
#[test]
fn pointer_updates_race_a_store() {
    for exchange in [false, true] {
        let found = outcomes(move || {
            let (mut x, mut other) = (0usize, 0usize);
            let (x_ptr, other_ptr) = (&mut x as *mut usize, &mut other as *mut usize);
            let ptr = Arc::new(AtomicPtr::new(x_ptr));
            let p = ptr.clone();
            let store = thread::spawn(move || {
                let mut y = 0usize;
                p.store(&mut y, SeqCst);
            });
            if exchange {
                let exchanged = ptr.compare_exchange(x_ptr, other_ptr, SeqCst, SeqCst).is_ok();
                store.join().unwrap();
                exchanged
            } else {
                ptr.fetch_update(SeqCst, SeqCst, |_| Some(x_ptr)).unwrap();
                store.join().unwrap();
                ptr.load(SeqCst) == x_ptr
            }
        });
        assert_outcomes(&found, &[true, false]);
    }
}

/// shuttle's `relaxed_orderings_work`: relaxed accesses run, and (shuttle's comment: it would
/// fail if relaxed orderings were modelled) a reader that sees the flag sees the data written
/// before it, as in weft's sequentially consistent simulation.
#[test]
fn relaxed_orderings_work() {
    passes(|| {
        let state = Arc::new((AtomicBool::new(false), AtomicU64::new(0)));
        let s = state.clone();
        thread::spawn(move || {
            s.1.store(42, Relaxed);
            s.0.store(true, Relaxed);
        });
        if state.0.load(Relaxed) {
            assert_eq!(state.1.load(Relaxed), 42);
        }
    });
}
