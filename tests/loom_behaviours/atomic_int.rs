//! loom's `tests/atomic_int.rs`: an integer atomic's read-modify-write operations return the
//! previous value and leave the right one, at every width.

use std::sync::atomic::Ordering::SeqCst;

use weft::sync::atomic::{AtomicI8, AtomicI16, AtomicI32, AtomicI64, AtomicIsize};
use weft::sync::atomic::{AtomicU8, AtomicU16, AtomicU32, AtomicU64, AtomicUsize};

use crate::common::passes;

/// Two operands whose bits differ at every width (loom's constants).
const A: u64 = 11641914933775430211;
const B: u64 = 13209405719799650717;

macro_rules! every_width {
    ($($name:ident: $atomic:ident $int:ty),* $(,)?) => {$(
        #[doc = concat!(
            "loom's `xor`, `max`, `min`, `compare_exchange`, `compare_exchange_weak` and `fetch_update` \
             for `", stringify!($atomic), "`. (loom ignores its `compare_exchange_weak` test, as loom's \
             weak exchange may fail spuriously; weft's never does in a simulation, so here it passes.)"
        )]
        #[test]
        fn $name() {
            passes(|| {
                let (a, b) = (A as $int, B as $int);

                let x = <$atomic>::new(a);
                assert_eq!(x.fetch_xor(b, SeqCst), a);
                assert_eq!(x.load(SeqCst), a ^ b);

                let x = <$atomic>::new(a);
                assert_eq!(x.fetch_max(b, SeqCst), a);
                assert_eq!(x.load(SeqCst), a.max(b));

                let x = <$atomic>::new(a);
                assert_eq!(x.fetch_min(b, SeqCst), a);
                assert_eq!(x.load(SeqCst), a.min(b));

                let x = <$atomic>::new(a);
                assert_eq!(x.compare_exchange(b, a, SeqCst, SeqCst), Err(a));
                assert_eq!(x.compare_exchange(a, b, SeqCst, SeqCst), Ok(a));
                assert_eq!(x.load(SeqCst), b);

                let x = <$atomic>::new(a);
                assert_eq!(x.compare_exchange_weak(b, a, SeqCst, SeqCst), Err(a));
                assert_eq!(x.compare_exchange_weak(a, b, SeqCst, SeqCst), Ok(a));
                assert_eq!(x.load(SeqCst), b);

                let x = <$atomic>::new(a);
                assert_eq!(x.fetch_update(SeqCst, SeqCst, |_| Some(b)), Ok(a));
                assert_eq!(x.fetch_update(SeqCst, SeqCst, |_| None), Err(b));
                assert_eq!(x.load(SeqCst), b);
            });
        }
    )*};
}

every_width!(
    atomic_u8: AtomicU8 u8,
    atomic_u16: AtomicU16 u16,
    atomic_u32: AtomicU32 u32,
    atomic_u64: AtomicU64 u64,
    atomic_usize: AtomicUsize usize,
    atomic_i8: AtomicI8 i8,
    atomic_i16: AtomicI16 i16,
    atomic_i32: AtomicI32 i32,
    atomic_i64: AtomicI64 i64,
    atomic_isize: AtomicIsize isize,
);
