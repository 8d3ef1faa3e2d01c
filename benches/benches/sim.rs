//! Simulator speed (issue 3): executions of the lock_counter model (3 threads x 10 locked
//! increments) on weft's random walk and on shuttle 0.9.10's check_random. One criterion iteration
//! is one execution.

#![allow(missing_docs)] // criterion's macros define undocumented items

#[allow(dead_code)] // each bench uses some of the shared workloads
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench(c, common::sim_lock_counter());
}

criterion_group!(group, benches);
criterion_main!(group);
