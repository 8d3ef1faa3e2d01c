//! Models several test files of this crate run.

#![allow(dead_code)] // each test file uses some of the models

use std::collections::BTreeMap;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};

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

/// Each execution's outcome, counted.
pub type Outcomes = Arc<Mutex<BTreeMap<String, usize>>>;

/// `threads` threads each take one lock `takes` times and log their name: the log is the lock
/// order, counted in `outcomes`. Fails when the order is `forbidden`, if given.
pub fn lock_order(threads: usize, takes: usize, forbidden: Option<&str>, outcomes: &Outcomes) {
    let lock = Arc::new(Lock::<Sim>::new());
    let log = Arc::new(Mutex::new(String::new()));
    let workers: Vec<Thread<Sim>> = (0..threads)
        .map(|index| {
            let (lock, log) = (lock.clone(), log.clone());
            let name = char::from(b'a' + index as u8);
            Thread::new(move || {
                for _ in 0..takes {
                    let _held = lock.lock();
                    log.lock().unwrap().push(name);
                }
            })
        })
        .collect();
    workers.iter().for_each(|t| t.start().unwrap());
    workers.iter().for_each(|t| t.join().unwrap());
    let order = log.lock().unwrap().clone();
    *outcomes.lock().unwrap().entry(order.clone()).or_default() += 1;
    assert_ne!(Some(order.as_str()), forbidden, "the forbidden order");
}
