//! Models several test files of this crate run.

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

use weft_core::{AtomicUsize, Lock, Thread};
use weft_sim::Sim;

/// The README's lost update: two depositors, one lock, two critical sections each.
pub fn lost_update() {
    let lock = Arc::new(Lock::<Sim>::new());
    let balance = Arc::new(AtomicUsize::<Sim>::new(0));
    let threads: Vec<Thread<Sim>> = (0..2)
        .map(|i| {
            let (lock, balance) = (lock.clone(), balance.clone());
            Thread::<Sim>::builder().name(format!("depositor-{i}")).build(move || {
                let seen = {
                    let _g = lock.lock();
                    balance.load(SeqCst)
                };
                let _g = lock.lock();
                balance.store(seen + 1, SeqCst);
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
    assert_eq!(balance.load(SeqCst), 2, "a deposit was lost");
}
