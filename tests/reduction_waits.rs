//! Exhaustive search of models whose threads wait: a thread parked in one execution compares
//! with itself parked in a sibling execution, so the search runs no trace twice; a thread that
//! a step woke is not raced before that step; and the trace counter names a wait that found its
//! object not ready as the wait that did not need to wait.

use std::collections::BTreeSet;

use weft::sim::{Explorer, Stats};
use weft::sync::{Arc, Condvar, Mutex};
use weft::{Event, Semaphore, thread};

mod common;

/// A model that returns its outcome, with its trace count.
type Counted = (fn() -> String, usize);

/// The outcomes and statistics of an exhaustive search of `model`: with reduction, or by sleep
/// sets alone (which reaches every trace).
fn search(model: fn() -> String, reduce: bool) -> (BTreeSet<String>, Stats) {
    let explorer = Explorer::exhaustive().threads(1).sleep_sets_only(!reduce).count_traces(true);
    let (outcomes, stats) = common::outcomes_under(&explorer, model);
    assert!(stats.exhausted, "{stats}");
    (outcomes.into_iter().collect(), stats)
}

/// `producers` producers and as many consumers through a buffer of `room` places guarded by two
/// semaphores (free places, filled places): consumers park on an empty buffer, producers on a
/// full one. The outcome: the order in which the items were taken.
fn semaphore_buffer(producers: usize, room: usize) -> String {
    let free = Arc::new(Semaphore::new(room));
    let filled = Arc::new(Semaphore::new(0));
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let taken = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for item in 0..producers {
        let (to_free, to_fill, places) = (free.clone(), filled.clone(), buffer.clone());
        threads.push(thread::spawn(move || {
            to_free.acquire();
            places.lock().unwrap().push(item);
            to_fill.release().unwrap();
        }));
        let (to_free, to_fill, places, taken) = (free.clone(), filled.clone(), buffer.clone(), taken.clone());
        threads.push(thread::spawn(move || {
            to_fill.acquire();
            let item = places.lock().unwrap().pop().expect("a filled place has an item");
            taken.lock().unwrap().push(item);
            to_free.release().unwrap();
        }));
    }
    threads.into_iter().for_each(|t| t.join().unwrap());
    format!("{:?}", taken.lock().unwrap())
}

/// A thread that waits records so in a record of its own, which the search numbers when the
/// thread is made: numbered at the first wait instead, it had one number when this consumer
/// waited first and another when that one did, and the search took the two waits for dependent
/// steps (2 producers and 2 consumers: 105 executions, 87 complete of them for 56 traces). Now
/// every complete execution is a trace of its own.
///
/// A semaphore's `acquire` is a blocking operation: a consumer that finds no item waits off the
/// run queue, and whether it had to wait makes no trace of its own. While it parked and was woken
/// (steps of their own), the traces were 56, 748 and 2; 3 producers and 3 consumers, 9,828
/// traces (12,476 executions), now 36 (36).
#[test]
fn parked_threads_compare_across_sibling_executions() {
    let models: [Counted; 3] =
        [(|| semaphore_buffer(2, 1), 4), (|| semaphore_buffer(2, 2), 116), (|| semaphore_buffer(1, 1), 1)];
    for (index, (model, traces)) in models.into_iter().enumerate() {
        let (reduced, stats) = search(model, true);
        let (every, by_sleep_sets) = search(model, false);
        assert_eq!(by_sleep_sets.traces, Some(traces), "model {index}: {by_sleep_sets}");
        assert_eq!(stats.traces, Some(traces), "model {index}: the reduced search reaches every trace: {stats}");
        assert_eq!(reduced, every, "model {index}: outcomes");
        assert_eq!(
            stats.executions - stats.pruned,
            traces,
            "model {index}: no two complete executions are one trace: {stats}"
        );
        assert!(stats.executions * 10 <= traces * 11, "model {index}: few executions cut short: {stats}");
    }
}

/// A thread that the step it races with woke from a park cannot run before that step: the
/// search explores no other thread there for that race (another thread that could wake it first
/// wakes it from the same park, and races with the step itself). It explored every thread there,
/// and the executions that followed were cut short by sleep sets (3 producers through a buffer of
/// one place on a `Condvar`, `notify_all`: 498 executions for 480 traces; semaphores, 2 producers
/// and 2 consumers: 67 for 56).
#[test]
fn a_thread_woken_by_a_step_is_not_raced_before_it() {
    let buffer: fn() -> String = || {
        let shared = Arc::new((Mutex::new(Vec::new()), Condvar::new()));
        let producers: Vec<_> = (0..3)
            .map(|item| {
                let shared = shared.clone();
                thread::spawn(move || {
                    let (items, changed) = &*shared;
                    let mut items = items.lock().unwrap();
                    while !items.is_empty() {
                        items = changed.wait(items).unwrap();
                    }
                    items.push(item);
                    changed.notify_all();
                })
            })
            .collect();
        let (items, changed) = &*shared;
        let mut taken = Vec::new();
        for _ in 0..3 {
            let mut guard = items.lock().unwrap();
            while guard.is_empty() {
                guard = changed.wait(guard).unwrap();
            }
            taken.push(guard.pop().unwrap());
            changed.notify_all();
        }
        producers.into_iter().for_each(|t| t.join().unwrap());
        format!("{taken:?}")
    };
    let (reduced, stats) = search(buffer, true);
    let (every, by_sleep_sets) = search(buffer, false);
    assert_eq!(reduced, every, "outcomes");
    assert_eq!(by_sleep_sets.traces, stats.traces, "{stats}");
    assert_eq!((stats.executions, stats.pruned), (480, 0), "{stats}");
}

/// A wait that finds its object not ready ends its thread's step there, and the thread goes on
/// in a step of its own once let go; a wait that finds it ready takes no step. The two
/// executions are one trace: the trace counter names the step that found the wait not ready as
/// one with the thread's next (an `Event` wait and a join counted 2 traces here, 8 with two
/// waiters, while the reduced search rightly ran 1 and 2 executions).
#[test]
fn a_wait_that_waited_is_the_trace_of_one_that_did_not() {
    let models: [Counted; 3] = [
        // An event set while a thread waits for it, or before.
        (
            || {
                let event = Arc::new(Event::new());
                let waiter = event.clone();
                let t = thread::spawn(move || assert!(waiter.wait()));
                event.set();
                t.join().unwrap();
                String::new()
            },
            1,
        ),
        // Two waiters take a value behind an event, in either order.
        (
            || {
                let event = Arc::new(Event::new());
                let order = Arc::new(Mutex::new(Vec::new()));
                let threads: Vec<_> = (0..2)
                    .map(|index| {
                        let (event, order) = (event.clone(), order.clone());
                        thread::spawn(move || {
                            event.wait();
                            order.lock().unwrap().push(index);
                        })
                    })
                    .collect();
                event.set();
                threads.into_iter().for_each(|t| t.join().unwrap());
                format!("{:?}", order.lock().unwrap())
            },
            2,
        ),
        // A join of a thread that has ended, or not yet (the two lock different mutexes).
        (
            || {
                let (mine, theirs) = (Arc::new(Mutex::new(0)), Arc::new(Mutex::new(0)));
                let setter = theirs.clone();
                let t = thread::spawn(move || *setter.lock().unwrap() = 1);
                *mine.lock().unwrap() = 2;
                t.join().unwrap();
                assert_eq!(*theirs.lock().unwrap(), 1);
                String::new()
            },
            1,
        ),
    ];
    for (index, (model, traces)) in models.into_iter().enumerate() {
        let (reduced, stats) = search(model, true);
        let (every, by_sleep_sets) = search(model, false);
        let full = Explorer::exhaustive()
            .threads(1)
            .partial_order_reduction(false)
            .count_traces(true)
            .check(move || drop(model()));
        assert!(full.executions > traces, "model {index}: the full search waits in some executions: {full}");
        assert_eq!(full.traces, Some(traces), "model {index}: {full}");
        assert_eq!(by_sleep_sets.traces, Some(traces), "model {index}: {by_sleep_sets}");
        assert_eq!((stats.executions, stats.traces), (traces, Some(traces)), "model {index}: {stats}");
        assert_eq!(reduced, every, "model {index}: outcomes");
    }
}

/// Threads each store a value in their slot of one `weft::Local`; the main thread joins them and
/// then drops the `Local`. A thread's end (which drops its value) releases its join, and the main
/// thread's next step (which drops the others) cannot come before it: no race between the two,
/// and no execution cut short. Before, 3 threads took 570 executions (228 cut short) for 342
/// traces with a lock between the store and a read back; this smaller model, 10 (4) for 6.
#[test]
fn a_join_is_not_raced_with_the_end_that_let_it_go() {
    fn local_values() -> String {
        let local = Arc::new(weft::Local::<weft::AtomicUsize>::new(|| weft::AtomicUsize::new(0)));
        let threads: Vec<_> = (0..3)
            .map(|i| {
                let local = local.clone();
                thread::spawn(move || local.with(|value| value.store(i, std::sync::atomic::Ordering::SeqCst)))
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        String::new()
    }
    let (_, reduced) = search(local_values, true);
    let (_, by_sleep_sets) = search(local_values, false);
    assert_eq!((Some(reduced.executions), reduced.pruned), (by_sleep_sets.traces, 0), "{reduced}");
}

/// Three threads pass `weft::sync::Barrier` (std's) and then `weft::Barrier` (Python's), each
/// twice; each logs, round by round, whether it led std's and its index at Python's. A waiter
/// the last arrival lets go leaves reading only what the arrival handed it: the exits commute,
/// and each execution is a pair of arrival orders per round (6 × 6 × 6 × 6). Before, each exit
/// from Python's barrier wrote its queue, and std's barrier (a mutex and a condition variable)
/// ordered each exit as it took the mutex back: on `Sim`, Python's barrier of 3 once took 12
/// executions, std's twice 438 for 432 traces, against 6 and 36 now (`sim/tests/reduction.rs`,
/// `a_barriers_exits_commute`).
#[test]
fn a_barriers_exits_commute() {
    fn barriers() -> String {
        let std_barrier = Arc::new(weft::sync::Barrier::new(3));
        let python = Arc::new(weft::Barrier::new(3).unwrap());
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let (std_barrier, python) = (std_barrier.clone(), python.clone());
                thread::spawn(move || {
                    let mut seen = String::new();
                    for _ in 0..2 {
                        seen.push(if std_barrier.wait().is_leader() { 'L' } else { '-' });
                    }
                    for _ in 0..2 {
                        seen.push_str(&python.wait().unwrap().to_string());
                    }
                    seen
                })
            })
            .collect();
        let seen: Vec<String> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        seen.join(" ")
    }
    let (outcomes, reduced) = search(barriers, true);
    let (every, by_sleep_sets) = search(barriers, false);
    assert_eq!(outcomes, every, "outcomes");
    assert_eq!(by_sleep_sets.traces, Some(6 * 6 * 6 * 6), "{by_sleep_sets}");
    assert_eq!((reduced.executions, reduced.traces), (6 * 6 * 6 * 6, Some(6 * 6 * 6 * 6)), "{reduced}");
}

/// Three threads wait on a `Condvar` until a flag is set; the main thread sets it and calls
/// `notify_all` after unlocking the mutex. With the mutex free, the notify wakes one waiter and
/// moves the others to the mutex, which the simulator wakes instead (each takes the mutex back
/// by a blocking operation of its own): every waiter is woken, whichever the notify picks, so
/// the pick is no choice. Before, it was one, each of its options leading to the same state:
/// 242 executions (2 cut short) for 168 traces.
#[test]
fn a_notify_that_wakes_every_waiter_picks_none() {
    fn notified_after_unlock() -> String {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let pair = pair.clone();
                thread::spawn(move || {
                    let mut set = pair.0.lock().unwrap();
                    while !*set {
                        set = pair.1.wait(set).unwrap();
                    }
                })
            })
            .collect();
        *pair.0.lock().unwrap() = true;
        pair.1.notify_all();
        waiters.into_iter().for_each(|t| t.join().unwrap());
        String::new()
    }
    let (_, reduced) = search(notified_after_unlock, true);
    let (_, by_sleep_sets) = search(notified_after_unlock, false);
    assert_eq!(by_sleep_sets.traces, Some(168), "{by_sleep_sets}");
    assert_eq!((reduced.executions - reduced.pruned, reduced.traces), (168, Some(168)), "{reduced}");
}

/// Three threads each release a semaphore; the main thread joins each with a timeout. A timed
/// join waits as a join without one does (the simulator keeps it off the run queue until the
/// thread ended or the time is up), and reads the thread's state in its own step: one trace, one
/// execution. Before, the join's checks ran in the step before it, and the join parked: 8
/// executions, for 8 traces by that relation.
#[test]
fn a_timed_join_is_not_raced_with_the_end_that_let_it_go() {
    fn timed_joins() -> String {
        let units = Arc::new(Semaphore::new(0));
        let threads: Vec<weft::Thread> = (0..3)
            .map(|_| {
                let units = units.clone();
                weft::Thread::new(move || units.release().unwrap())
            })
            .collect();
        threads.iter().for_each(|t| t.start().unwrap());
        let alive: String = threads
            .iter()
            .map(|t| {
                t.join_timeout(std::time::Duration::from_secs(1)).unwrap();
                if t.is_alive() { 'A' } else { 'd' }
            })
            .collect();
        format!("{alive} {}", units.value())
    }
    let (outcomes, reduced) = search(timed_joins, true);
    assert_eq!(outcomes, BTreeSet::from(["ddd 3".to_owned()]));
    assert_eq!((reduced.executions, reduced.traces), (1, Some(1)), "{reduced}");
}

/// The main thread parks with a timeout of 1 s, twice, while another thread unparks it: at once
/// (`gap` 0), after a sleep of 2 s, or twice with no sleep. The outcome: the virtual time each
/// park returned at. A timed park waits as a park without one does (the simulator keeps it off
/// the run queue until the token is there or the time is up), and commutes with the `unpark`
/// that let it go: one execution where the unpark comes at once, and as many as the traces in
/// each model. Before, it parked: 2 executions where the unpark comes at once. (In the second
/// model the unpark and the second park's timeout are due at once, at 2 s: 2 traces.)
#[test]
fn a_timed_park_is_not_raced_with_the_unpark_that_let_it_go() {
    fn parks(unparks: usize, gap: u64) -> String {
        let began = weft::now();
        let main = thread::current();
        let unparker = thread::spawn(move || {
            for _ in 0..unparks {
                if gap > 0 {
                    thread::sleep(std::time::Duration::from_secs(gap));
                }
                main.unpark();
            }
        });
        let mut returned = Vec::new();
        for _ in 0..2 {
            thread::park_timeout(std::time::Duration::from_secs(1));
            returned.push(weft::now().duration_since(began).as_secs());
        }
        unparker.join().unwrap();
        format!("{returned:?}")
    }
    /// A model and its outcomes.
    type Expected = (fn() -> String, &'static [&'static str]);
    let models: [Expected; 3] =
        [(|| parks(1, 0), &["[0, 1]"]), (|| parks(1, 2), &["[1, 2]"]), (|| parks(2, 0), &["[0, 0]", "[0, 1]"])];
    for (index, (model, expected)) in models.into_iter().enumerate() {
        let (outcomes, reduced) = search(model, true);
        let (every, by_sleep_sets) = search(model, false);
        assert_eq!(outcomes, every, "model {index}: outcomes with and without reduction");
        let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
        assert_eq!(outcomes, expected, "model {index}: outcomes");
        assert_eq!(Some(reduced.executions), by_sleep_sets.traces, "model {index}: {reduced}");
        if index == 0 {
            assert_eq!(reduced.executions, 1, "{reduced}");
        }
    }
}
