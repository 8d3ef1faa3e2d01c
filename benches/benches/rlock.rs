//! RLock: reentrant acquire+release at depth 1 and 3, beside parking_lot's ReentrantMutex.

#![allow(missing_docs)] // criterion's macros define undocumented items

#[allow(dead_code)] // each bench uses some of the shared workloads
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench(c, common::rlock(1));
    common::bench(c, common::rlock(3));
}

criterion_group!(group, benches);
criterion_main!(group);
