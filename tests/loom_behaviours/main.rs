//! The behaviours loom's own tests check, rewritten for weft: each passes or fails under weft's
//! exhaustive search as it does under `loom::model`. One module per file of loom's `tests/`;
//! every test names the loom tests it rewrites. The README lists loom's tests that have no
//! counterpart here, and why. (loom keeps shared state in `Rc`; weft's threads need `Send`, so
//! these use `Arc`.)

#[path = "../common/mod.rs"]
mod common;

mod atomic;
mod atomic_int;
mod condvar;
mod fence;
mod mpsc;
mod mutex;
mod rwlock;
mod thread;
mod unsafe_cell;

use weft::cell::UnsafeCell;
use weft::sync::Arc;

/// loom's `Data`: a counter in a cell, shared without any synchronisation of its own.
#[derive(Clone)]
struct Counter(Arc<Shared>);

struct Shared(UnsafeCell<usize>);

// SAFETY: claimed; the simulator checks every access for races.
unsafe impl Sync for Shared {}

impl Counter {
    fn new(v: usize) -> Self {
        Counter(Arc::new(Shared(UnsafeCell::new(v))))
    }
    fn get(&self) -> usize {
        // SAFETY: checked by the simulator.
        self.0.0.with(|v| unsafe { *v })
    }
    fn inc(&self) -> usize {
        // SAFETY: checked by the simulator.
        self.0.0.with_mut(|v| unsafe {
            *v += 1;
            *v
        })
    }
}
