//! Barrier: rounds of 2 and 4 threads (weft's Python and std shapes), beside std's and async-lock's.

#![allow(missing_docs)] // criterion's macros define undocumented items

#[allow(dead_code)] // each bench uses some of the shared workloads
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench(c, common::barrier(2));
    common::bench(c, common::barrier(4));
}

criterion_group!(group, benches);
criterion_main!(group);
