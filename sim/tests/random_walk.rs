//! The random walk's one rule beyond uniform choices: a thread started early begins late (see
//! `RandomWalk` in `sim/src/strategy/random_walk.rs`).
//!
//! Each test counts, over a fixed number of random-walk executions from a fixed seed, the
//! executions with some interleaving, and prints the count:
//! `cargo test --release -p weft-sim --test random_walk -- --nocapture`.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize as StdAtomicUsize;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};

use weft_core::{AtomicUsize, Thread};
use weft_sim::{Explorer, Sim};

/// Runs `model` for `executions` random-walk executions from `seed`; returns how many of them
/// counted themselves in `hits`.
fn count(seed: u64, executions: usize, hits: &'static StdAtomicUsize, model: fn()) -> usize {
    hits.store(0, Relaxed);
    let stats =
        Explorer::random_walk(seed).iterations(executions).threads(1).run(model).unwrap_or_else(|r| panic!("{r}"));
    assert_eq!(stats.executions, executions);
    hits.load(Relaxed)
}

/// SCTBench's `reorder_5` as SCTBench writes it: main starts four setters (`a = 1`, then
/// `b = 1`), then a checker that reads `a`, then `b`. The checker sees a half-written state
/// only if it runs between some setter's two writes, before any setter's second write: a plain
/// random walk runs the setters started first ahead while main is still starting the others,
/// and that interleaving is rare (13 of these 2,000 executions before the rule, 188 with it).
/// Fewer than 60 fails.
#[test]
fn threads_started_early_begin_late() {
    static HALF_WRITTEN: StdAtomicUsize = StdAtomicUsize::new(0);
    fn model() {
        let ab = Arc::new((AtomicUsize::<Sim>::new(0), AtomicUsize::<Sim>::new(0)));
        let mut threads: Vec<Thread<Sim>> = (0..4)
            .map(|_| {
                let ab = ab.clone();
                Thread::<Sim>::new(move || {
                    ab.0.store(1, SeqCst);
                    ab.1.store(1, SeqCst);
                })
            })
            .collect();
        threads.push(Thread::<Sim>::new(move || {
            if ab.0.load(SeqCst) != ab.1.load(SeqCst) {
                HALF_WRITTEN.fetch_add(1, Relaxed);
            }
        }));
        for thread in &threads {
            thread.start().expect("start");
        }
        for thread in &threads {
            thread.join().expect("join");
        }
    }
    let executions = 2_000;
    let hits = count(1, executions, &HALF_WRITTEN, model);
    println!(
        "MEASURE | random walk, reorder_5: the checker saw a half-written state in {hits} of {executions} executions"
    );
    assert!(hits * 100 >= executions * 3, "{hits} of {executions} executions");
}

/// The rule keeps every interleaving possible and leaves alone a thread whose parent has nothing
/// more to start: main starts a thread that stores a flag, reads the flag, then starts three
/// more threads. The first thread runs before main's read in some executions (its start is
/// spent at most 3 times); a thread started last runs before main's next step about half the
/// time, as without the rule.
#[test]
fn threads_started_early_can_still_run_first() {
    static EARLY: StdAtomicUsize = StdAtomicUsize::new(0);
    static LAST_FIRST: StdAtomicUsize = StdAtomicUsize::new(0);
    fn model(last: bool) {
        let flag = Arc::new(AtomicUsize::<Sim>::new(0));
        let mut threads = Vec::new();
        let started_by_main = if last { 1 } else { 4 };
        for i in 0..started_by_main {
            let on_thread = flag.clone();
            let thread = Thread::<Sim>::new(move || {
                if i == 0 {
                    on_thread.store(1, SeqCst);
                }
            });
            thread.start().expect("start");
            threads.push(thread);
            if i == 0 && flag.load(SeqCst) == 1 {
                (if last { &LAST_FIRST } else { &EARLY }).fetch_add(1, Relaxed);
            }
        }
        for thread in &threads {
            thread.join().expect("join");
        }
    }
    let executions = 1_000;
    let early = count(2, executions, &EARLY, || model(false));
    let last_first = count(2, executions, &LAST_FIRST, || model(true));
    println!(
        "MEASURE | random walk: the first of four threads ran before main's next step in {early} of {executions} \
         executions; a thread main starts last, in {last_first}"
    );
    assert!(early > 0, "a thread started early never ran before its parent went on");
    assert!(last_first * 100 >= executions * 40, "{last_first} of {executions} executions");
}
