//! The README's main job: find a real concurrency bug in simulation, replay it from its token,
//! check the fix exhaustively, then run the fixed code on real threads.
//!
//! A bank account takes deposits from several threads. The buggy deposit reads the balance in
//! one critical section and writes it back in another, so two deposits can read the same balance
//! and one update is lost. The code is written once, generic over the scheduler, and runs
//! unchanged on the simulator (`Sim`) and on real threads (`weft::Auto`, the façade's backend).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use weft::generic::{Lock, Thread};
use weft::sim::{Explorer, Sim};
use weft::Scheduler;

struct Account<S: Scheduler> {
    lock: Lock<S>,
    balance: AtomicU64,
}

/// Buggy: the read and the write are two critical sections.
fn deposit_buggy<S: Scheduler>(account: &Account<S>) {
    let seen = {
        let _held = account.lock.lock();
        account.balance.load(Relaxed)
    };
    let _held = account.lock.lock();
    account.balance.store(seen + 1, Relaxed);
}

/// Fixed: one critical section for the whole read-modify-write.
fn deposit_fixed<S: Scheduler>(account: &Account<S>) {
    let _held = account.lock.lock();
    let seen = account.balance.load(Relaxed);
    account.balance.store(seen + 1, Relaxed);
}

/// `threads` threads each make `deposits` deposits; returns the final balance.
fn bank<S: Scheduler>(deposit: fn(&Account<S>), threads: u64, deposits: u64) -> u64 {
    let account = Arc::new(Account { lock: Lock::<S>::new(), balance: AtomicU64::new(0) });
    let workers: Vec<Thread<S>> = (0..threads)
        .map(|i| {
            let account = account.clone();
            Thread::<S>::builder().name(format!("depositor-{i}")).build(move || {
                for _ in 0..deposits {
                    deposit(&account);
                }
            })
        })
        .collect();
    for worker in &workers {
        worker.start().expect("start a thread");
    }
    for worker in &workers {
        worker.join().expect("join a thread");
    }
    account.balance.load(Relaxed)
}

fn buggy_model() {
    assert_eq!(bank::<Sim>(deposit_buggy, 2, 1), 2, "a deposit was lost");
}

fn fixed_model() {
    assert_eq!(bank::<Sim>(deposit_fixed, 2, 2), 4, "a deposit was lost");
}

fn main() {
    println!("1. Checking the buggy deposit in simulation (the default portfolio) …\n");
    let report =
        Explorer::portfolio(weft::sim::DEFAULT_SEED).run(buggy_model).expect_err("the simulator finds the lost update");
    println!("{report}");

    println!("2. Replaying it from its token …");
    let replayed = Explorer::replay(&report.token).run(buggy_model).expect_err("the replay fails the same way");
    assert_eq!(replayed.failure, report.failure, "the replay reproduces the failure");
    assert_eq!(replayed.trace, report.trace, "the replay reproduces the trace");
    println!("   the same failure, event for event ({} events)\n", replayed.trace.len());

    println!("3. Checking the fixed deposit: every interleaving …");
    let stats = Explorer::exhaustive().check(fixed_model);
    println!("   {} executions, all correct (exhausted: {})\n", stats.executions, stats.exhausted);

    println!("4. Running the fixed deposit on real threads: 4 threads × 100000 deposits …");
    let balance = bank::<weft::Auto>(deposit_fixed, 4, 100_000);
    println!("   balance {balance} of 400000");
    assert_eq!(balance, 400_000);
}
