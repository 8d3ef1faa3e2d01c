//! Uncontended lock+unlock: weft's façade `Lock`, `weft_core::Lock<Real>`, parking_lot and std.

#![allow(missing_docs)] // criterion's macros define undocumented items

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

fn uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("lock/uncontended");
    let facade = weft::Lock::new();
    group.bench_function("weft::Lock", |b| {
        b.iter(|| {
            black_box(&facade).acquire();
            black_box(&facade).release().unwrap();
        })
    });
    let real = weft_core::Lock::<weft_real::Real>::new();
    group.bench_function("weft_core::Lock<Real>", |b| {
        b.iter(|| {
            black_box(&real).acquire();
            black_box(&real).release().unwrap();
        })
    });
    let pl = parking_lot::Mutex::new(());
    group.bench_function("parking_lot::Mutex", |b| b.iter(|| drop(black_box(&pl).lock())));
    let std_mutex = std::sync::Mutex::new(());
    group.bench_function("std::sync::Mutex", |b| b.iter(|| drop(black_box(&std_mutex).lock().unwrap())));
    group.finish();
}

criterion_group!(benches, uncontended);
criterion_main!(benches);
