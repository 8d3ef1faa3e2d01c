//! Polling loops (issue 10, section 3): a thread that yields or sleeps for zero time is
//! deprioritised by every strategy, so Python's correct polling idiom
//! `while not flag: time.sleep(0)` passes the default check, and exhaustive search of it ends;
//! a loop that can never make progress is still a livelock, reported with a hint to yield. A
//! thread that yields goes on once before time passes (a timeout it would beat fires after it),
//! and again after each yield that saw nothing since its last one (a loop that counts).

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

/// A worker, started, that sleeps 10 ms and then runs `set` (which sets the flag a poller waits
/// for).
fn set_after_a_sleep(set: impl FnOnce() + Send + 'static) -> Thread<Sim> {
    let worker = Thread::<Sim>::new(move || {
        weft_core::sleep::<Sim>(Duration::from_millis(10));
        set();
    });
    worker.start().unwrap();
    worker
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

/// Runs `model` under every strategy, each with at most 5,000 steps an execution: each must pass
/// it, and the exhaustive searches must end. `what` names the case in a failure.
fn passes_every_strategy(what: &str, model: impl Fn() + Clone + Send + Sync + 'static) {
    for (name, explorer) in explorers() {
        match explorer.max_steps(5_000).run(model.clone()) {
            Ok(stats) => assert!(stats.exhausted || !name.starts_with("exhaustive"), "{what}, {name}: {stats}"),
            Err(report) => panic!("{what}, {name}: it failed\n{report}"),
        }
    }
}

fn polling_passes(how: Pause) {
    passes_every_strategy(&format!("{how:?}, a correct polling loop"), move || polling::<Sim>(how));
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
        // (The poller looks at a weft atomic: no hint about flags the simulator cannot see.)
        assert!(!report.failure.message.contains("a flag in a std atomic"), "{how:?}: {report}");
    }
}

/// A worker yields `yields` times (or sleeps for zero time), then sets an event the main thread
/// waits for with a timeout of 1 s; the main thread asserts `expect_in_time` about it.
fn yields_then_sets(how: Pause, yields: usize, expect_in_time: bool) {
    let event = Arc::new(weft_core::Event::<Sim>::new());
    let set = event.clone();
    let worker = Thread::<Sim>::new(move || {
        for _ in 0..yields {
            pause::<Sim>(how);
        }
        set.set();
    });
    worker.start().unwrap();
    let in_time = event.wait_timeout(Duration::from_secs(1)).unwrap();
    assert_eq!(in_time, expect_in_time, "the event was set in time: {in_time}");
    worker.join().unwrap();
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
                .run(move || yields_then_sets(how, 1, false))
                .expect_err("the usual path fails");
            assert!(report.failure.message.contains("set in time: true"), "{how:?}, {name}: {report}");
        }
    }
}

/// As above, with a worker that yields several times in a row before it sets the event (a loop
/// that counts, or backs off): each yield that comes right after the last, with nothing looked at
/// in between, is progress, so the worker goes on again before the timeout fires. Before, it went
/// on once, and its second yield let the timeout fire first in every execution: the usual path
/// was never explored, so a model wrong there passed (the first half), and one right there
/// failed (the second).
#[test]
fn a_thread_that_yields_several_times_goes_on_before_a_timeout_fires() {
    for how in [Pause::SleepZero, Pause::Yield] {
        for yields in [2, 3, 10] {
            for (name, explorer) in explorers() {
                let explorer = explorer.max_steps(5_000);
                let report = match explorer.run(move || yields_then_sets(how, yields, false)) {
                    Ok(stats) => panic!("{how:?}, {yields} yields, {name}: the usual path was not explored: {stats}"),
                    Err(report) => report,
                };
                assert!(
                    report.failure.message.contains("set in time: true"),
                    "{how:?}, {yields} yields, {name}: {report}"
                );
                match explorer.run(move || yields_then_sets(how, yields, true)) {
                    Ok(stats) => {
                        assert!(
                            stats.exhausted || !name.starts_with("exhaustive"),
                            "{how:?}, {yields}, {name}: {stats}"
                        )
                    }
                    Err(report) => panic!("{how:?}, {yields} yields, {name}: the event came late\n{report}"),
                }
            }
        }
    }
}

/// A thread that polls the clock until 10 ms have passed, yielding between looks, while another
/// thread sleeps for 20 ms: each look reads the clock, so its yields are a poller's, and time
/// passes. Every strategy passes, and the exhaustive searches end (were the reading of the clock
/// not counted as looking, the poller would go on for ever at one time: a step limit).
#[test]
fn a_thread_that_polls_the_clock_lets_time_pass() {
    for how in [Pause::SleepZero, Pause::Yield] {
        passes_every_strategy(&format!("{how:?}, polling the clock"), move || {
            let sleeper = Thread::<Sim>::new(|| weft_core::sleep::<Sim>(Duration::from_millis(20)));
            sleeper.start().unwrap();
            let began = weft_core::monotonic::<Sim>();
            while weft_core::monotonic::<Sim>() < began + Duration::from_millis(10) {
                pause::<Sim>(how);
            }
            sleeper.join().unwrap();
        });
    }
}

/// A poll that backs off with several yields between its looks: the main thread waits for a
/// flag that a worker sets after a sleep of 10 ms, yielding three times after each look. The
/// yields after the first go on (they count), but the next look finds nothing new, so time
/// passes: every strategy passes, and the exhaustive searches end (the counting yields must not
/// keep the poll going at one time).
#[test]
fn a_poll_that_backs_off_with_several_yields_lets_time_pass() {
    for how in [Pause::SleepZero, Pause::Yield] {
        passes_every_strategy(&format!("{how:?}, a poll that backs off"), move || {
            let flag = Arc::new(AtomicBool::<Sim>::new(false));
            let set = flag.clone();
            let worker = set_after_a_sleep(move || set.store(true, SeqCst));
            while !flag.load(SeqCst) {
                for _ in 0..3 {
                    pause::<Sim>(how);
                }
            }
            worker.join().unwrap();
        });
    }
}

/// A thread that polls the clock alone, with no deadline ahead (no thread sleeps or waits with a
/// timeout): once it found nothing new, time passes for it, by an eighth of what passed so far
/// (at least 1 ms), so a wait of 10 ms ends at most 1.25 ms late, and one of an hour after
/// about 120 polls, at most an eighth late. Before, virtual time stood still: a livelock.
#[test]
fn a_thread_that_polls_the_clock_alone_lets_time_pass() {
    for how in [Pause::SleepZero, Pause::Yield] {
        for wait in [Duration::from_millis(10), Duration::from_secs(3600)] {
            passes_every_strategy(&format!("{how:?}, {wait:?}, polling the clock alone"), move || {
                let began = weft_core::monotonic::<Sim>();
                while weft_core::monotonic::<Sim>() < began + wait {
                    pause::<Sim>(how);
                }
                let waited = weft_core::monotonic::<Sim>() - began;
                assert!(waited >= wait && waited <= wait + wait / 8 + Duration::from_millis(1), "{waited:?}");
            });
        }
    }
}

/// A test harness that gives a worker 100 ms (or an hour) to report, polling for it, then tells it
/// to stop: the worker waits for the stop without a timeout, and never reports. Only the harness
/// can run, and it reads the clock: time passes, the harness gives up and stops the worker, under
/// every strategy. (Its look at the flag is a scheduling point of its own in an exhaustive
/// search: still time passes faster the longer it waited.)
#[test]
fn a_poll_with_a_time_budget_gives_up_when_nothing_else_waits_for_time() {
    for (how, budget) in [(Pause::SleepZero, 100), (Pause::Yield, 100), (Pause::Yield, 3_600_000)] {
        let budget = Duration::from_millis(budget);
        passes_every_strategy(&format!("{how:?}, {budget:?}, a poll with a time budget"), move || {
            let reported = Arc::new(AtomicBool::<Sim>::new(false));
            let stop = Arc::new(weft_core::Event::<Sim>::new());
            let stopped = stop.clone();
            let worker = Thread::<Sim>::new(move || {
                stopped.wait();
            });
            worker.start().unwrap();
            let began = weft_core::monotonic::<Sim>();
            while !reported.load(SeqCst) && weft_core::monotonic::<Sim>() < began + budget {
                pause::<Sim>(how);
            }
            assert!(!reported.load(SeqCst));
            stop.set();
            worker.join().unwrap();
        });
    }
}

/// A poll of a flag the simulator cannot see (a std atomic) looks like a loop that counts: time
/// does not pass for it, so the sleep that would set the flag never ends. The step limit's report
/// says why, and what to use instead.
#[test]
fn a_poll_of_a_std_atomic_is_a_livelock_that_names_the_cause() {
    let report = Explorer::portfolio(DEFAULT_SEED)
        .max_steps(2_000)
        .run(|| {
            let flag = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let set = flag.clone();
            let worker = set_after_a_sleep(move || set.store(true, SeqCst));
            while !flag.load(SeqCst) {
                weft_core::yield_now::<Sim>();
            }
            worker.join().unwrap();
        })
        .expect_err("time never passes for the poller");
    assert!(matches!(report.failure.kind, FailureKind::StepLimit(_)), "{report}");
    assert!(report.failure.message.contains("a flag in a std atomic"), "{report}");
}

/// The price of the rule above: a thread that does nothing but yield, for ever, makes progress
/// at every yield, so time never passes while it runs, and a thread that sleeps meanwhile never
/// wakes. As any loop that never blocks, it ends at the step limit, with the hint.
#[test]
fn a_thread_that_only_yields_for_ever_is_a_livelock() {
    let report = Explorer::portfolio(DEFAULT_SEED)
        .max_steps(2_000)
        .run(|| {
            let spinner = Thread::<Sim>::new(|| {
                loop {
                    weft_core::yield_now::<Sim>();
                }
            });
            spinner.set_daemon(true).unwrap();
            spinner.start().unwrap();
            weft_core::sleep::<Sim>(Duration::from_millis(1));
        })
        .expect_err("time never passes");
    assert!(matches!(report.failure.kind, FailureKind::StepLimit(_)), "{report}");
}

/// Threads that poll for what a timeout does: the main thread and a second poller wait for a
/// flag that a worker sets once its sleep of 10 ms is over. Each poller goes on once at each
/// time before time passes; polling again at the same time lets it pass. Every strategy passes,
/// and the exhaustive searches end.
#[test]
fn polling_for_a_timeouts_effect_ends() {
    for how in [Pause::SleepZero, Pause::Yield] {
        passes_every_strategy(&format!("{how:?}, polling for a timeout's effect"), move || {
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
