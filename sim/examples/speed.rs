//! Random-walk executions per second of `lock_counter` (3 threads × 10 locked increments), the
//! model of the simulator benchmark: `cargo run --release -p weft-sim --example speed`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use weft_core::{Lock, Thread};
use weft_sim::{Explorer, Sim};

fn lock_counter() {
    let lock = Arc::new(Lock::<Sim>::new());
    let counter = Arc::new(AtomicUsize::new(0));
    let threads: Vec<Thread<Sim>> = (0..3)
        .map(|_| {
            let (lock, counter) = (lock.clone(), counter.clone());
            Thread::new(move || {
                for _ in 0..10 {
                    let _held = lock.lock();
                    counter.store(counter.load(Relaxed) + 1, Relaxed);
                }
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
    assert_eq!(counter.load(Relaxed), 30);
}

fn main() {
    let runs = 100_000;
    let began = Instant::now();
    let stats = Explorer::random_walk(1).iterations(runs).run(lock_counter).expect("lock_counter is correct");
    let elapsed = began.elapsed();
    println!(
        "{} executions in {elapsed:.2?}: {:.0} executions/s, {:.0} steps each",
        stats.executions,
        stats.executions as f64 / elapsed.as_secs_f64(),
        stats.steps as f64 / stats.executions as f64
    );
}
