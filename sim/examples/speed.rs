//! Random-walk executions per second of `lock_counter` (3 threads × 10 locked increments), the
//! model of the simulator benchmark: `cargo run --release -p weft-sim --example speed`. With
//! `-- exhaustive`: exhaustive search of 3 threads × 3 locked increments instead (1,680 lock
//! orders), for the speed of the exhaustive mode.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

use weft_core::{Lock, Thread};
use weft_sim::{Explorer, Sim};

fn lock_counter() {
    lock_counter_of(10);
}

fn lock_counter_of(increments: usize) {
    let lock = Arc::new(Lock::<Sim>::new());
    let counter = Arc::new(AtomicUsize::new(0));
    let threads: Vec<Thread<Sim>> = (0..3)
        .map(|_| {
            let (lock, counter) = (lock.clone(), counter.clone());
            Thread::new(move || {
                for _ in 0..increments {
                    let _held = lock.lock();
                    counter.store(counter.load(Relaxed) + 1, Relaxed);
                }
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
    assert_eq!(counter.load(Relaxed), 3 * increments);
}

fn main() {
    let exhaustive = std::env::args().any(|a| a == "exhaustive");
    let runs = 100_000;
    let began = Instant::now();
    let stats = if exhaustive {
        Explorer::exhaustive().run(|| lock_counter_of(3)).expect("lock_counter is correct")
    } else {
        Explorer::random_walk(1).iterations(runs).run(lock_counter).expect("lock_counter is correct")
    };
    let elapsed = began.elapsed();
    println!(
        "{} executions in {elapsed:.2?}: {:.0} executions/s, {:.0} steps each",
        stats.executions,
        stats.executions as f64 / elapsed.as_secs_f64(),
        stats.steps as f64 / stats.executions as f64
    );
}
