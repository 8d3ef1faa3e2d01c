//! Polling loops (issue 10, section 3): a thread that yields or sleeps for zero time is
//! deprioritised by every strategy, so Python's correct polling idiom
//! `while not flag: time.sleep(0)` passes the default check, and exhaustive search of it ends;
//! a loop that can never make progress is still a livelock, reported with a hint to yield. A
//! thread that yields goes on once before time passes (a timeout it would beat fires after it).

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use weft_core::{AtomicBool, AtomicUsize, Scheduler, Thread};
use weft_sim::{DEFAULT_SEED, Explorer, FailureKind, Sim};

/// How the poller lets others run.
#[derive(Clone, Copy, Debug)]
enum Pause {
    SleepZero,
    Yield,
    /// Nothing: a busy loop of loads. Each load is a step of its own, and option 0 (the running
    /// thread goes on) is always open: like loom, the simulator needs the hint to leave the
    /// loop, so a search may spin until the step limit, which reports the hint.
    Spin,
}

fn pause<S: Scheduler>(how: Pause) {
    match how {
        Pause::SleepZero => weft_core::sleep::<S>(Duration::ZERO),
        Pause::Yield => weft_core::yield_now::<S>(),
        Pause::Spin => {}
    }
}

/// The main thread polls a flag that a worker sets after a few steps of its own.
fn polling<S: Scheduler>(how: Pause) {
    let flag = Arc::new(AtomicBool::<S>::new(false));
    let work = Arc::new(AtomicUsize::<S>::new(0));
    let (f, w) = (flag.clone(), work.clone());
    let worker = Thread::<S>::new(move || {
        for _ in 0..3 {
            w.fetch_add(1, SeqCst);
        }
        f.store(true, SeqCst);
    });
    worker.start().unwrap();
    while !flag.load(SeqCst) {
        pause::<S>(how);
    }
    assert_eq!(work.load(SeqCst), 3);
    worker.join().unwrap();
}

/// Every strategy: the default check, exhaustive search (which must end), random walk, PCT, URW,
/// POS.
fn explorers() -> Vec<(&'static str, Explorer)> {
    vec![
        ("check", Explorer::portfolio(DEFAULT_SEED)),
        ("exhaustive", Explorer::exhaustive()),
        ("exhaustive, 2 preemptions", Explorer::exhaustive().preemption_bound(2)),
        ("random walk", Explorer::random_walk(7).iterations(500)),
        ("PCT 2", Explorer::pct(7, 2).iterations(500)),
        ("PCT 3", Explorer::pct(7, 3).iterations(500)),
        ("uniform random walk", Explorer::urw(7).iterations(500)),
        ("partial-order sampling", Explorer::pos(7).iterations(500)),
        ("weighted partial-order sampling", Explorer::weighted_pos(7).iterations(500)),
    ]
}

fn polling_passes(how: Pause) {
    for (name, explorer) in explorers() {
        let explorer = explorer.max_steps(5_000);
        match explorer.run(move || polling::<Sim>(how)) {
            Ok(stats) => {
                if name.starts_with("exhaustive") {
                    assert!(stats.exhausted, "{how:?}, {name}: {stats:?}");
                }
            }
            Err(report) => panic!("{how:?}, {name}: a correct polling loop failed\n{report}"),
        }
    }
}

#[test]
fn sleep_zero_polling_passes_every_strategy() {
    polling_passes(Pause::SleepZero);
}

#[test]
fn yield_polling_passes_every_strategy() {
    polling_passes(Pause::Yield);
}

/// A poller whose flag nobody sets: a livelock, whatever the loop does, with a hint to yield.
#[test]
fn a_loop_that_cannot_progress_is_a_livelock_with_a_hint() {
    for how in [Pause::SleepZero, Pause::Yield, Pause::Spin] {
        let report = Explorer::portfolio(DEFAULT_SEED)
            .max_steps(2_000)
            .run(move || {
                let flag = AtomicBool::<Sim>::new(false);
                let worker = Thread::<Sim>::new(|| {});
                worker.start().unwrap();
                while !flag.load(SeqCst) {
                    pause::<Sim>(how);
                }
            })
            .expect_err("the loop never ends");
        assert!(matches!(report.failure.kind, FailureKind::StepLimit(_)), "{how:?}: {report}");
        assert!(report.failure.message.contains("yield_now"), "{how:?}: {report}");
    }
}

/// A worker yields once (or sleeps for zero time), then sets an event the main thread waits for
/// with a timeout of 1 s. Only the worker could run, and it polls: it goes on once before time
/// passes, so the event is set in time, as on real threads. Before, time passed first in every
/// execution: the wait timed out, and a model whose usual path is wrong passed an exhaustive
/// search. Here the usual path asserts what must fail there: every strategy finds it.
#[test]
fn a_thread_that_yields_once_goes_on_before_a_timeout_fires() {
    for how in [Pause::SleepZero, Pause::Yield] {
        for (name, explorer) in explorers() {
            let report = explorer
                .max_steps(5_000)
                .run(move || {
                    let event = Arc::new(weft_core::Event::<Sim>::new());
                    let set = event.clone();
                    let worker = Thread::<Sim>::new(move || {
                        pause::<Sim>(how);
                        set.set();
                    });
                    worker.start().unwrap();
                    let in_time = event.wait_timeout(Duration::from_secs(1)).unwrap();
                    assert!(!in_time, "the event was set in time");
                    worker.join().unwrap();
                })
                .expect_err("the usual path fails");
            assert!(report.failure.message.contains("set in time"), "{how:?}, {name}: {report}");
        }
    }
}

/// Threads that poll for what a timeout does: the main thread and a second poller wait for a
/// flag that a worker sets once its sleep of 10 ms is over. Each poller goes on once at each
/// time before time passes; polling again at the same time lets it pass. Every strategy passes,
/// and the exhaustive searches end.
#[test]
fn polling_for_a_timeouts_effect_ends() {
    for how in [Pause::SleepZero, Pause::Yield] {
        for (name, explorer) in explorers() {
            let result = explorer.max_steps(5_000).run(move || {
                let flag = Arc::new(AtomicBool::<Sim>::new(false));
                let (set, seen) = (flag.clone(), flag.clone());
                let worker = Thread::<Sim>::new(move || {
                    weft_core::sleep::<Sim>(Duration::from_millis(10));
                    set.store(true, SeqCst);
                });
                let poller = Thread::<Sim>::new(move || {
                    while !seen.load(SeqCst) {
                        pause::<Sim>(how);
                    }
                });
                worker.start().unwrap();
                poller.start().unwrap();
                while !flag.load(SeqCst) {
                    pause::<Sim>(how);
                }
                worker.join().unwrap();
                poller.join().unwrap();
            });
            match result {
                Ok(stats) => assert!(stats.exhausted || !name.starts_with("exhaustive"), "{how:?}, {name}: {stats}"),
                Err(report) => panic!("{how:?}, {name}: a correct polling loop failed\n{report}"),
            }
        }
    }
}

/// A producer puts three items in an unbounded queue, sleeping for zero time after each; the
/// main thread takes them with timed gets of 1 s. After each put, the main thread takes the item
/// and waits again: it made progress, so the producer, polling, goes on once more before the
/// timeout fires. Every get has its item in every execution (before, the second put came after
/// the timeout: one item, then two timeouts).
#[test]
fn a_thread_that_yields_goes_on_again_after_another_thread_progressed() {
    for how in [Pause::SleepZero, Pause::Yield] {
        let stats = Explorer::exhaustive()
            .run(move || {
                let queue = Arc::new(weft_core::Queue::<Sim, usize>::new(0));
                let producer = {
                    let queue = queue.clone();
                    Thread::<Sim>::new(move || {
                        for item in 0..3 {
                            queue.put(item).unwrap();
                            pause::<Sim>(how);
                        }
                    })
                };
                producer.start().unwrap();
                for item in 0..3 {
                    assert_eq!(queue.get_timeout(Duration::from_secs(1)).ok(), Some(item), "item {item} in time");
                }
                producer.join().unwrap();
            })
            .unwrap_or_else(|report| panic!("{how:?}: {report}"));
        assert!(stats.exhausted, "{how:?}: {stats}");
    }
}
