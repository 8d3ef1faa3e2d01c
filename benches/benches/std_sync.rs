//! std-shaped types: `weft::sync::Mutex` and `RwLock` beside std's and parking_lot's, an atomic
//! beside std's, `mpsc` and `queue` beside std's and crossbeam-channel's, and `weft::thread::spawn` beside std's.

#![allow(missing_docs)] // criterion's macros define undocumented items

#[allow(dead_code)] // each bench uses some of the shared workloads
mod common;

use criterion::{Criterion, criterion_group, criterion_main};

fn benches(c: &mut Criterion) {
    common::bench(c, common::mutex_uncontended());
    common::bench(c, common::mutex_contended(2));
    common::bench(c, common::mutex_contended(4));
    common::bench(c, common::rwlock_read_uncontended());
    common::bench(c, common::rwlock_contended());
    common::bench(c, common::atomic_fetch_add());
    common::bench(c, common::channel_stream());
    common::bench(c, common::bounded_channel_stream());
    common::bench(c, common::queue_stream());
    common::bench(c, common::cell_increment());
    common::bench(c, common::std_spawn_join());
}

criterion_group!(group, benches);
criterion_main!(group);
