//! Semaphore and BoundedSemaphore: uncontended, and 2 permits shared by 4 threads, beside a
//! Mutex+Condvar semaphore (std, parking_lot) and async-lock's blocking Semaphore.

#![allow(missing_docs)] // criterion's macros define undocumented items

#[allow(dead_code)] // each bench uses some of the shared workloads
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench(c, common::semaphore_uncontended_group());
    common::bench(c, common::semaphore_pool_group());
}

criterion_group!(group, benches);
criterion_main!(group);
