//! std's atomics (`weft::sync::atomic`): every width gives what the std atomic of that width
//! gives, method by method, and concurrent read-modify-writes lose nothing.

use std::sync::Arc;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};

use weft_core::{
    AtomicBool, AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize, AtomicPtr, AtomicU8, AtomicU16, AtomicU32,
    AtomicU64, AtomicUsize, Scheduler, Thread,
};

/// Runs the same sequence of operations on weft's atomic and on std's of the same width, and
/// asserts that every result and the final value agree. The operands wrap, saturate and cross
/// zero for the width.
macro_rules! same_as_std {
    ($weft:ty, $std:ty, $int:ty) => {{
        let ours = <$weft>::new(<$int>::MAX - 2);
        let theirs = <$std>::new(<$int>::MAX - 2);
        let operands: [$int; 6] = [0, 1, 3, <$int>::MAX, <$int>::MIN, 0b0101];
        for &v in &operands {
            assert_eq!(ours.fetch_add(v, SeqCst), theirs.fetch_add(v, SeqCst), "fetch_add {v}");
            assert_eq!(ours.fetch_sub(v, SeqCst), theirs.fetch_sub(v, SeqCst), "fetch_sub {v}");
            assert_eq!(ours.fetch_and(v, SeqCst), theirs.fetch_and(v, SeqCst), "fetch_and {v}");
            assert_eq!(ours.fetch_or(v, SeqCst), theirs.fetch_or(v, SeqCst), "fetch_or {v}");
            assert_eq!(ours.fetch_xor(v, SeqCst), theirs.fetch_xor(v, SeqCst), "fetch_xor {v}");
            assert_eq!(ours.fetch_nand(v, SeqCst), theirs.fetch_nand(v, SeqCst), "fetch_nand {v}");
            assert_eq!(ours.fetch_max(v, SeqCst), theirs.fetch_max(v, SeqCst), "fetch_max {v}");
            assert_eq!(ours.fetch_min(v, SeqCst), theirs.fetch_min(v, SeqCst), "fetch_min {v}");
            assert_eq!(ours.swap(v, SeqCst), theirs.swap(v, SeqCst), "swap {v}");
            let now = ours.load(SeqCst);
            assert_eq!(now, theirs.load(SeqCst));
            assert_eq!(
                ours.compare_exchange(now, v, SeqCst, Relaxed),
                theirs.compare_exchange(now, v, SeqCst, Relaxed),
                "compare_exchange hit {v}"
            );
            let stale = ours.load(SeqCst).wrapping_add(1);
            assert_eq!(
                ours.compare_exchange(stale, v, SeqCst, Relaxed),
                theirs.compare_exchange(stale, v, SeqCst, Relaxed),
                "compare_exchange miss {v}"
            );
            let double = |x: $int| Some(x.wrapping_mul(2));
            assert_eq!(ours.fetch_update(SeqCst, SeqCst, double), theirs.fetch_update(SeqCst, SeqCst, double));
            let refuse = |_: $int| None;
            assert_eq!(ours.fetch_update(SeqCst, SeqCst, refuse), theirs.fetch_update(SeqCst, SeqCst, refuse));
            ours.store(v, SeqCst);
            theirs.store(v, SeqCst);
        }
        let mut ours = ours;
        let mut theirs = theirs;
        *ours.get_mut() = 9;
        *theirs.get_mut() = 9;
        assert_eq!(ours.into_inner(), theirs.into_inner());
        assert_eq!(format!("{:?}", <$weft>::new(5)), format!("{:?}", <$std>::new(5)));
        assert_eq!(<$weft>::default().load(SeqCst), 0);
    }};
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// Every integer width: each method's result and the value after it are std's.
    fn test_integer_atomics_match_std() {
        use std::sync::atomic as std_atomic;
        same_as_std!(AtomicU8<S>, std_atomic::AtomicU8, u8);
        same_as_std!(AtomicU16<S>, std_atomic::AtomicU16, u16);
        same_as_std!(AtomicU32<S>, std_atomic::AtomicU32, u32);
        same_as_std!(AtomicU64<S>, std_atomic::AtomicU64, u64);
        same_as_std!(AtomicUsize<S>, std_atomic::AtomicUsize, usize);
        same_as_std!(AtomicI8<S>, std_atomic::AtomicI8, i8);
        same_as_std!(AtomicI16<S>, std_atomic::AtomicI16, i16);
        same_as_std!(AtomicI32<S>, std_atomic::AtomicI32, i32);
        same_as_std!(AtomicI64<S>, std_atomic::AtomicI64, i64);
        same_as_std!(AtomicIsize<S>, std_atomic::AtomicIsize, isize);
    }

    /// `AtomicBool`: every logical operation, from both values, with both operands, is std's.
    fn test_bool_atomic_matches_std() {
        for start in [false, true] {
            for v in [false, true] {
                type Op<A> = fn(&A, bool) -> bool;
                type Pair<S> = (Op<AtomicBool<S>>, Op<std::sync::atomic::AtomicBool>, &'static str);
                let ops: [Pair<S>; 6] = [
                    (|a, v| a.fetch_and(v, SeqCst), |a, v| a.fetch_and(v, SeqCst), "and"),
                    (|a, v| a.fetch_nand(v, SeqCst), |a, v| a.fetch_nand(v, SeqCst), "nand"),
                    (|a, v| a.fetch_or(v, SeqCst), |a, v| a.fetch_or(v, SeqCst), "or"),
                    (|a, v| a.fetch_xor(v, SeqCst), |a, v| a.fetch_xor(v, SeqCst), "xor"),
                    (|a, v| a.swap(v, SeqCst), |a, v| a.swap(v, SeqCst), "swap"),
                    (|a, _| a.fetch_not(SeqCst), |a, _| a.fetch_not(SeqCst), "not"),
                ];
                for (ours_op, theirs_op, name) in ops {
                    let ours = AtomicBool::<S>::new(start);
                    let theirs = std::sync::atomic::AtomicBool::new(start);
                    assert_eq!(ours_op(&ours, v), theirs_op(&theirs, v), "{name}({start}, {v})");
                    assert_eq!(ours.load(SeqCst), theirs.load(SeqCst), "{name}({start}, {v}) leaves");
                }
                let ours = AtomicBool::<S>::new(start);
                assert_eq!(ours.compare_exchange(start, v, SeqCst, Relaxed), Ok(start));
                assert_eq!(ours.compare_exchange(!v, v, SeqCst, Relaxed), Err(v));
                assert_eq!(ours.fetch_update(SeqCst, SeqCst, |b| Some(!b)), Ok(v));
                let mut ours = ours;
                assert_eq!(*ours.get_mut(), !v);
                *ours.get_mut() = v;
                assert_eq!(ours.into_inner(), v);
            }
        }
    }

    /// `AtomicPtr`: loads give back the pointer stored, exchanges compare addresses.
    fn test_ptr_atomic() {
        let mut a = 1u64;
        let mut b = 2u64;
        let (pa, pb): (*mut u64, *mut u64) = (&mut a, &mut b);
        let slot = AtomicPtr::<S, u64>::default();
        assert!(slot.load(SeqCst).is_null());
        slot.store(pa, SeqCst);
        assert_eq!(slot.swap(pb, SeqCst), pa);
        assert_eq!(slot.compare_exchange(pa, pa, SeqCst, Relaxed), Err(pb));
        assert_eq!(slot.compare_exchange(pb, pa, SeqCst, Relaxed), Ok(pb));
        assert_eq!(slot.fetch_update(SeqCst, SeqCst, |_| Some(pb)), Ok(pa));
        // SAFETY: `pb` is `&mut b`, alive, and nothing else borrows `b` meanwhile.
        assert_eq!(unsafe { *slot.load(SeqCst) }, 2);
        assert_eq!(slot.into_inner(), pb);
    }

    /// Read-modify-writes from several threads lose no update: `fetch_add` and a `fetch_update`
    /// retry loop, 3 threads × 4 each.
    fn test_concurrent_read_modify_writes_lose_nothing() {
        let added = Arc::new(AtomicU64::<S>::new(0));
        let updated = Arc::new(AtomicI32::<S>::new(0));
        let threads: Vec<Thread<S>> = (0..3)
            .map(|_| {
                let (added, updated) = (added.clone(), updated.clone());
                Thread::new(move || {
                    for _ in 0..4 {
                        added.fetch_add(1, SeqCst);
                        updated.fetch_update(SeqCst, SeqCst, |v| Some(v - 1)).unwrap();
                    }
                })
            })
            .collect();
        threads.iter().for_each(|t| t.start().unwrap());
        threads.iter().for_each(|t| t.join().unwrap());
        assert_eq!(added.load(SeqCst), 12);
        assert_eq!(updated.load(SeqCst), -12);
    }
}
