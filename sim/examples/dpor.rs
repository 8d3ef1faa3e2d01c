//! How many executions exhaustive search needs on small models (a measurement of the
//! partial-order reduction): `cargo run --release -p weft-sim --example dpor [MODEL]`.
//! `NO_POR=1` turns the reduction off; `BOUND=n` sets a preemption bound. The buggy models
//! (`abba`, `cargill buggy`) report the execution that found the bug.

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use weft_core::{AtomicUsize, Lock, Thread};
use weft_sim::{Explorer, Sim};

fn spawn_all(bodies: Vec<Box<dyn FnOnce() + Send>>) {
    let threads: Vec<Thread<Sim>> = bodies.into_iter().map(Thread::new).collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
}

fn locks(n: usize) {
    let lock = Arc::new(Lock::<Sim>::new());
    spawn_all(
        (0..n)
            .map(|_| {
                let lock = lock.clone();
                Box::new(move || drop(lock.lock())) as Box<dyn FnOnce() + Send>
            })
            .collect(),
    );
}

fn independent(n: usize) {
    spawn_all(
        (0..n)
            .map(|_| {
                Box::new(move || {
                    let a = AtomicUsize::<Sim>::new(0);
                    a.fetch_add(1, SeqCst);
                    a.fetch_add(1, SeqCst);
                }) as Box<dyn FnOnce() + Send>
            })
            .collect(),
    );
}

fn atomic_race() {
    let shared = Arc::new(AtomicUsize::<Sim>::new(0));
    spawn_all(
        (0..2)
            .map(|_| {
                let shared = shared.clone();
                Box::new(move || {
                    let read = shared.load(SeqCst);
                    shared.store(read + 1, SeqCst);
                }) as Box<dyn FnOnce() + Send>
            })
            .collect(),
    );
}

fn philosophers() {
    let forks: Arc<Vec<Lock<Sim>>> = Arc::new((0..4).map(|_| Lock::new()).collect());
    spawn_all(
        (0..4)
            .map(|i| {
                let forks = forks.clone();
                let (l, r) = (i, (i + 1) % 4);
                Box::new(move || {
                    let _a = forks[l.min(r)].lock();
                    let _b = forks[l.max(r)].lock();
                }) as Box<dyn FnOnce() + Send>
            })
            .collect(),
    );
}

fn abba() {
    let a = Arc::new(Lock::<Sim>::new());
    let b = Arc::new(Lock::<Sim>::new());
    let (a1, b1) = (a.clone(), b.clone());
    spawn_all(vec![
        Box::new(move || {
            let _a = a1.lock();
            let _b = b1.lock();
        }),
        Box::new(move || {
            let _b = b.lock();
            let _a = a.lock();
        }),
    ]);
}

fn cargill(fixed: bool) {
    use weft_core::{Condition, RLock};
    let lock = Arc::new(RLock::<Sim>::new());
    let not_full = Arc::new(Condition::<Sim, Arc<RLock<Sim>>>::with_lock(lock.clone()));
    let not_empty =
        if fixed { Arc::new(Condition::<Sim, Arc<RLock<Sim>>>::with_lock(lock.clone())) } else { not_full.clone() };
    let count = Arc::new(AtomicUsize::<Sim>::new(0));
    let mut bodies: Vec<Box<dyn FnOnce() + Send>> = Vec::new();
    for _ in 0..2 {
        let (not_full, not_empty, count) = (not_full.clone(), not_empty.clone(), count.clone());
        bodies.push(Box::new(move || {
            let _held = not_full.lock();
            while count.load(SeqCst) == 1 {
                not_full.wait().unwrap();
            }
            count.store(1, SeqCst);
            not_empty.notify(1).unwrap();
        }));
    }
    for _ in 0..2 {
        let (not_full, not_empty, count) = (not_full.clone(), not_empty.clone(), count.clone());
        bodies.push(Box::new(move || {
            let _held = not_empty.lock();
            while count.load(SeqCst) == 0 {
                not_empty.wait().unwrap();
            }
            count.store(0, SeqCst);
            not_full.notify(1).unwrap();
        }));
    }
    spawn_all(bodies);
}

fn main() {
    let only = std::env::args().nth(1);
    let models: Vec<(&str, fn())> = vec![
        ("empty", || spawn_all(Vec::new())),
        ("independent 1", || independent(1)),
        ("independent 2", || independent(2)),
        ("independent 3", || independent(3)),
        ("independent 4", || independent(4)),
        ("locks 2", || locks(2)),
        ("locks 3", || locks(3)),
        ("locks 4", || locks(4)),
        ("atomic race", atomic_race),
        ("philosophers", philosophers),
        ("abba", abba),
        ("cargill buggy", || cargill(false)),
        ("cargill fixed", || cargill(true)),
    ];
    for (name, model) in models {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let reduce = std::env::var("NO_POR").is_err();
        let bound: Option<usize> = std::env::var("BOUND").ok().and_then(|b| b.parse().ok());
        let mut explorer = Explorer::exhaustive();
        if let Some(b) = bound {
            explorer = explorer.preemption_bound(b);
        }
        let result = explorer.partial_order_reduction(reduce).time_limit(Duration::from_secs(20)).run(model);
        let stats = match result {
            Ok(stats) => stats,
            Err(report) => {
                println!("{name:<16} FAILED after {} executions: {}", report.stats.executions, report.failure.message);
                continue;
            }
        };
        println!(
            "{name:<16} {:>9} executions {:>9} steps {:>8.2?} exhausted {}",
            stats.executions, stats.steps, stats.elapsed, stats.exhausted
        );
    }
}
