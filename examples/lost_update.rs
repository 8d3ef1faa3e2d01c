//! The README's main job: a bank account updated by several threads.
//!
//! The buggy version reads the balance under the lock, computes outside it and writes back under
//! the lock again, so two deposits can read the same balance and one update is lost. The fixed
//! version holds the lock for the whole read-modify-write. Both run here on real threads; the
//! buggy one loses updates only when the OS happens to interleave the threads badly, which is why
//! weft's simulator (the next milestone) explores the interleavings deterministically instead.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use weft::{Lock, Thread};

const THREADS: u64 = 4;
const DEPOSITS: u64 = 10_000;

struct Account {
    lock: Lock,
    balance: AtomicU64,
}

fn deposit_buggy(account: &Account) {
    let seen = {
        let _held = account.lock.lock();
        account.balance.load(Relaxed)
    };
    weft::sleep(std::time::Duration::ZERO); // give the OS a chance to switch threads
    let _held = account.lock.lock();
    account.balance.store(seen + 1, Relaxed);
}

fn deposit_fixed(account: &Account) {
    let _held = account.lock.lock();
    let seen = account.balance.load(Relaxed);
    account.balance.store(seen + 1, Relaxed);
}

fn run(deposit: fn(&Account)) -> u64 {
    let account = Arc::new(Account { lock: Lock::new(), balance: AtomicU64::new(0) });
    let threads: Vec<Thread> = (0..THREADS)
        .map(|i| {
            let account = account.clone();
            Thread::builder().name(format!("depositor-{i}")).build(move || {
                for _ in 0..DEPOSITS {
                    deposit(&account);
                }
            })
        })
        .collect();
    for thread in &threads {
        thread.start().expect("start a thread");
    }
    for thread in &threads {
        thread.join().expect("join a thread");
    }
    account.balance.load(Relaxed)
}

fn main() {
    let expected = THREADS * DEPOSITS;
    let buggy = run(deposit_buggy);
    println!("buggy deposit on real threads: balance {buggy} of {expected} ({} updates lost)", expected - buggy);
    let fixed = run(deposit_fixed);
    println!("fixed deposit on real threads: balance {fixed} of {expected}");
    assert_eq!(fixed, expected, "the fixed version never loses an update");
}
