//! Condition: ping-pong between two threads, and notify with no waiters, beside parking_lot's
//! and std's Mutex+Condvar.

#![allow(missing_docs)] // criterion's macros define undocumented items

#[allow(dead_code)] // each bench uses some of the shared workloads
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench(c, common::condition_ping_pong());
    common::bench(c, common::condition_notify());
}

criterion_group!(group, benches);
criterion_main!(group);
