//! Thread start+join beside std::thread::spawn+join; Local access beside thread_local! and the
//! thread_local crate's per-object ThreadLocal.

#![allow(missing_docs)] // criterion's macros define undocumented items

#[allow(dead_code)] // each bench uses some of the shared workloads
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench(c, common::thread_start_join());
    common::bench(c, common::local_static());
    common::bench(c, common::local_access());
}

criterion_group!(group, benches);
criterion_main!(group);
