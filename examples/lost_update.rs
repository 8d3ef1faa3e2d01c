//! The README's main job: find a real concurrency bug in simulation, replay it from its token,
//! check the fix against every interleaving, then run the fixed code on real threads.
//!
//! A bank account takes deposits from several threads. The buggy deposit reads the balance in
//! one critical section and writes it back in another, so two deposits can read the same balance
//! and one update is lost. The code uses the façade's types (`weft::Lock`, `weft::Thread`,
//! `weft::AtomicUsize`): inside `weft::sim` they run on the simulator, elsewhere on real threads —
//! the same code, no rebuild, no other imports.

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

use weft::sim::Explorer;
use weft::{AtomicUsize, Lock, Thread};

struct Account {
    lock: Lock,
    balance: AtomicUsize,
}

/// Buggy: the read and the write are two critical sections.
fn deposit_buggy(account: &Account) {
    let seen = {
        let _held = account.lock.lock();
        account.balance.load(SeqCst)
    };
    let _held = account.lock.lock();
    account.balance.store(seen + 1, SeqCst);
}

/// Fixed: one critical section for the whole read-modify-write.
fn deposit_fixed(account: &Account) {
    let _held = account.lock.lock();
    let seen = account.balance.load(SeqCst);
    account.balance.store(seen + 1, SeqCst);
}

/// `threads` threads each make `deposits` deposits; returns the final balance.
fn bank(deposit: fn(&Account), threads: usize, deposits: usize) -> usize {
    let account = Arc::new(Account { lock: Lock::new(), balance: AtomicUsize::new(0) });
    // Names in the simulator's report (in place, now that the account is in its `Arc`).
    account.lock.label("account.lock");
    account.balance.label("account.balance");
    let workers: Vec<Thread> = (0..threads)
        .map(|i| {
            let account = account.clone();
            Thread::builder().name(format!("depositor-{i}")).build(move || {
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
    account.balance.load(SeqCst)
}

fn buggy_model() {
    assert_eq!(bank(deposit_buggy, 2, 1), 2, "a deposit was lost");
}

fn fixed_model() {
    assert_eq!(bank(deposit_fixed, 2, 2), 4, "a deposit was lost");
}

fn main() {
    println!("1. Checking the buggy deposit in simulation (the default portfolio of weft::sim::check) …\n");
    let report =
        Explorer::portfolio(weft::sim::DEFAULT_SEED).run(buggy_model).expect_err("the simulator finds the bug");
    println!("{report}");

    println!("2. Replaying it from its token …");
    let replayed = Explorer::replay(&report.token).run(buggy_model).expect_err("the replay fails the same way");
    assert_eq!(replayed.failure, report.failure, "the replay reproduces the failure");
    assert_eq!(replayed.trace, report.trace, "the replay reproduces the trace");
    println!("   the same failure, event for event ({} events)\n", replayed.trace.len());

    println!("3. Checking the fixed deposit against every interleaving …");
    let stats = Explorer::exhaustive().check(fixed_model);
    println!(
        "   {} executions ({} pruned by partial-order reduction), all correct; exhausted: {}\n",
        stats.executions, stats.pruned, stats.exhausted
    );

    println!("4. Running the fixed deposit on real threads: 4 threads × 100000 deposits …");
    let balance = bank(deposit_fixed, 4, 100_000);
    println!("   balance {balance} of 400000");
    assert_eq!(balance, 400_000);
}
