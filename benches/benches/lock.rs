//! Lock: uncontended, and contended by 2, 4 and 8 threads, beside parking_lot, std and the
//! hand-written baseline (the zero-cost proof: `weft::Lock` = `weft_core::Lock<Real>` = baseline).

#![allow(missing_docs)] // criterion's macros define undocumented items

#[allow(dead_code)] // each bench uses some of the shared workloads
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench(c, common::lock_uncontended());
    common::bench(c, common::lock_contended(2));
    common::bench(c, common::lock_contended(4));
    common::bench(c, common::lock_contended(8));
}

criterion_group!(group, benches);
criterion_main!(group);
