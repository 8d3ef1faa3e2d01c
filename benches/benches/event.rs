//! Event: set/wait ping-pong between two threads, beside a Mutex+Condvar flag (std, parking_lot).

#![allow(missing_docs)] // criterion's macros define undocumented items

#[allow(dead_code)] // each bench uses some of the shared workloads
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench(c, common::event_ping_pong());
}

criterion_group!(group, benches);
criterion_main!(group);
