//! The random walk's two rules beyond uniform choices: a thread started early begins late, and
//! before a mover the running thread goes on (see `RandomWalk` in
//! `sim/src/strategy/random_walk.rs`).
//!
//! Each test counts, over a fixed number of random-walk executions from a fixed seed, the
//! executions with some interleaving, and prints the count:
//! `cargo test --release -p weft-sim --test random_walk -- --nocapture`.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize as StdAtomicUsize;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};

use weft_core::{AtomicUsize, Lock, Thread};
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

/// SCTBench's `twostage` (1,1): a writer sets `data1` under one lock, then `data2 = data1 + 1`
/// under another; a reader that finds `data1` set under the first lock reads `data2` under the
/// second. It sees stage one without stage two only if it runs both its critical sections
/// between the writer's two. A uniform walk picks at every operation of each section (the
/// reader must win about five picks in a row: 1 in 32); with the mover rule a section costs one
/// pick (67 of these 2,000 executions before the rule, 214 with it). Fewer than 80 fails.
#[test]
fn critical_sections_cost_one_pick() {
    static HALF_DONE: StdAtomicUsize = StdAtomicUsize::new(0);
    fn model() {
        let shared =
            Arc::new((Lock::<Sim>::new(), Lock::<Sim>::new(), AtomicUsize::<Sim>::new(0), AtomicUsize::<Sim>::new(0)));
        let on_writer = shared.clone();
        let writer = Thread::<Sim>::new(move || {
            let (first, second, data1, data2) = &*on_writer;
            {
                let _held = first.lock();
                data1.store(1, SeqCst);
            }
            let _held = second.lock();
            data2.store(data1.load(SeqCst) + 1, SeqCst);
        });
        let reader = Thread::<Sim>::new(move || {
            let (first, second, data1, data2) = &*shared;
            let seen1 = {
                let _held = first.lock();
                data1.load(SeqCst)
            };
            if seen1 == 0 {
                return;
            }
            let seen2 = {
                let _held = second.lock();
                data2.load(SeqCst)
            };
            if seen2 != seen1 + 1 {
                HALF_DONE.fetch_add(1, Relaxed);
            }
        });
        for thread in [&writer, &reader] {
            thread.start().expect("start");
        }
        for thread in [&writer, &reader] {
            thread.join().expect("join");
        }
    }
    let executions = 2_000;
    let hits = count(3, executions, &HALF_DONE, model);
    println!(
        "MEASURE | random walk, twostage (1,1): the reader saw stage one without stage two in {hits} of \
         {executions} executions"
    );
    assert!(hits * 100 >= executions * 4, "{hits} of {executions} executions");
}

/// The mover rule keeps every interleaving possible: another thread can still see a lock held
/// between its holder's last operation and its release, where only a pick before the release
/// puts it (one pick in `MOVER_CHOICE_ODDS` there is uniform).
#[test]
fn a_lock_can_still_be_seen_held_before_its_release() {
    static SEEN_HELD: StdAtomicUsize = StdAtomicUsize::new(0);
    fn model() {
        let shared = Arc::new((Lock::<Sim>::new(), AtomicUsize::<Sim>::new(0)));
        let on_holder = shared.clone();
        let holder = Thread::<Sim>::new(move || {
            let (lock, flag) = &*on_holder;
            let _held = lock.lock();
            flag.store(1, SeqCst);
        });
        holder.start().expect("start");
        let (lock, flag) = &*shared;
        if flag.load(SeqCst) == 1 && lock.locked() {
            SEEN_HELD.fetch_add(1, Relaxed);
        }
        holder.join().expect("join");
    }
    let executions = 1_000;
    let hits = count(4, executions, &SEEN_HELD, model);
    println!(
        "MEASURE | random walk: a lock seen held after its holder's last operation in {hits} of {executions} executions"
    );
    assert!(hits > 0, "never seen held there");
}
