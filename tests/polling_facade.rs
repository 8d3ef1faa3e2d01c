//! The polling rule through the façade's own functions (`weft::yield_now`, `weft::sleep`, and
//! std's shapes `weft::thread::yield_now` and `weft::thread::sleep`): a thread that yields several
//! times in a row, looking at nothing in between, goes on before another thread's timeout fires,
//! as on real threads; a thread that polls a flag or the clock lets time pass. (The simulator's
//! own tests: `sim/tests/polling.rs`.)

use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use weft::sim::{DEFAULT_SEED, Explorer};
use weft::sync::Arc;
use weft::sync::atomic::AtomicBool;
use weft::{Event, Thread};

/// The façade's ways to yield.
const PAUSES: [(&str, fn()); 4] = [
    ("weft::yield_now", weft::yield_now),
    ("weft::sleep(0)", || weft::sleep(Duration::ZERO)),
    ("weft::thread::yield_now", weft::thread::yield_now),
    ("weft::thread::sleep(0)", || weft::thread::sleep(Duration::ZERO)),
];

/// Every strategy, exhaustive searches first.
fn explorers() -> Vec<(&'static str, Explorer)> {
    vec![
        ("exhaustive", Explorer::exhaustive()),
        ("check", Explorer::portfolio(DEFAULT_SEED)),
        ("random walk", Explorer::random_walk(3).iterations(300)),
        ("PCT 3", Explorer::pct(3, 3).iterations(300)),
        ("uniform random walk", Explorer::urw(3).iterations(300)),
        ("weighted partial-order sampling", Explorer::weighted_pos(3).iterations(300)),
    ]
}

/// A worker pauses three times in a row, then sets an event the main thread waits for with a
/// timeout of 1 s; the main thread asserts `expect_in_time` about it.
fn pauses_then_sets(pause: fn(), expect_in_time: bool) {
    let event = Arc::new(Event::new());
    let set = event.clone();
    let worker = Thread::new(move || {
        for _ in 0..3 {
            pause();
        }
        set.set();
    });
    worker.start().unwrap();
    let in_time = event.wait_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!(in_time, expect_in_time, "the event was set in time: {in_time}");
    worker.join().unwrap();
}

#[test]
fn a_thread_that_yields_three_times_goes_on_before_a_timeout_fires() {
    for (pause_name, pause) in PAUSES {
        for (name, explorer) in explorers() {
            let explorer = explorer.max_steps(2_000);
            match explorer.run(move || pauses_then_sets(pause, false)) {
                Ok(stats) => panic!("{pause_name}, {name}: the usual path was not explored: {stats}"),
                Err(report) => {
                    assert!(report.failure.message.contains("set in time: true"), "{pause_name}, {name}: {report}")
                }
            }
            match explorer.run(move || pauses_then_sets(pause, true)) {
                Ok(stats) => assert!(stats.exhausted || name != "exhaustive", "{pause_name}, {name}: {stats}"),
                Err(report) => panic!("{pause_name}, {name}: the event came late\n{report}"),
            }
        }
    }
}

/// The main thread polls a `weft::sync::atomic::AtomicBool` that a worker sets after a sleep of
/// 10 ms, and then the clock until 20 ms have passed, when the worker has ended and no deadline
/// is ahead: each look is an atomic access or a reading of the clock, so time passes (to the
/// worker's deadline, then for the clock's poller), and every search ends.
#[test]
fn polling_a_flag_or_the_clock_lets_time_pass() {
    for (pause_name, pause) in PAUSES {
        for (name, explorer) in explorers() {
            let result = explorer.max_steps(2_000).run(move || {
                let flag = Arc::new(AtomicBool::new(false));
                let set = flag.clone();
                let worker = Thread::new(move || {
                    weft::sleep(Duration::from_millis(10));
                    set.store(true, SeqCst);
                });
                worker.start().unwrap();
                let began = weft::monotonic();
                while !flag.load(SeqCst) {
                    pause();
                }
                while weft::monotonic() < began + Duration::from_millis(20) {
                    pause();
                }
                worker.join().unwrap();
            });
            match result {
                Ok(stats) => assert!(stats.exhausted || name != "exhaustive", "{pause_name}, {name}: {stats}"),
                Err(report) => panic!("{pause_name}, {name}: polling did not end\n{report}"),
            }
        }
    }
}
