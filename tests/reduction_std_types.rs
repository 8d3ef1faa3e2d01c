//! Exhaustive search of std-shaped types whose operations the simulator orders more precisely:
//! calls that find a `Once` completed, a `OnceLock` set or a `LazyLock` forced only read it, so
//! the search needs no order of them (the first initialisations still race); and an `mpsc` send
//! wakes the receiver only if it waits, so a send to a receiver that is not waiting is its lock's
//! two steps, not three.

use std::collections::BTreeSet;

use weft::sim::{Explorer, Stats};
use weft::sync::{Arc, LazyLock, Once, OnceLock, mpsc};
use weft::thread;

type Outcomes = Arc<std::sync::Mutex<BTreeSet<String>>>;

/// The outcomes and statistics of an exhaustive search of `model`, with or without reduction.
fn search(model: fn(&Outcomes), reduce: bool) -> (BTreeSet<String>, Stats) {
    let outcomes: Outcomes = Arc::default();
    let sink = outcomes.clone();
    let stats = Explorer::exhaustive().threads(1).partial_order_reduction(reduce).check(move || model(&sink));
    assert!(stats.exhausted, "{stats}");
    let set = outcomes.lock().unwrap().clone();
    (set, stats)
}

/// Runs `body(index)` on three threads and joins them.
fn on_three_threads(body: impl Fn(usize) + Send + Sync + 'static) {
    let body = Arc::new(body);
    let threads: Vec<_> = (0..3)
        .map(|index| {
            let body = body.clone();
            thread::spawn(move || body(index))
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
}

/// Three threads read what an initialisation before them made: one execution each (a completed
/// `Once` took 90, a set `OnceLock` and a forced `LazyLock` 6, when every call was a write or
/// took a lock).
#[test]
fn calls_after_the_initialisation_commute() {
    let models: [fn(&Outcomes); 3] = [
        |_| {
            let once = Arc::new(Once::new());
            once.call_once(|| {});
            on_three_threads(move |_| {
                once.call_once(|| unreachable!("completed"));
                assert!(once.is_completed());
            });
        },
        |_| {
            let cell = Arc::new(OnceLock::new());
            cell.set(7).unwrap();
            on_three_threads(move |index| assert_eq!(*cell.get_or_init(|| index), 7));
        },
        |_| {
            let lazy = Arc::new(LazyLock::new(|| 5usize));
            assert_eq!(**lazy, 5);
            on_three_threads(move |_| assert_eq!(**lazy, 5));
        },
    ];
    for (index, model) in models.into_iter().enumerate() {
        let (_, stats) = search(model, true);
        assert_eq!(stats.executions, 1, "model {index}: {stats}");
    }
}

/// Three threads race to initialise a `OnceLock` or run a `Once`: whichever goes first
/// initialises, and the reduced search reaches every such outcome of the full one.
#[test]
fn first_initialisations_still_race() {
    let models: [fn(&Outcomes); 2] = [
        |outcomes| {
            let cell = Arc::new(OnceLock::new());
            let reader = cell.clone();
            on_three_threads(move |index| {
                reader.get_or_init(|| index);
            });
            outcomes.lock().unwrap().insert(cell.get().unwrap().to_string());
        },
        |outcomes| {
            let once = Arc::new(Once::new());
            let log = Arc::new(std::sync::Mutex::new(String::new()));
            let (runner, sink) = (once.clone(), log.clone());
            on_three_threads(move |index| runner.call_once(|| sink.lock().unwrap().push_str(&index.to_string())));
            outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
        },
    ];
    for model in models {
        let (full, without) = search(model, false);
        let (reduced, with) = search(model, true);
        println!(
            "{} outcomes; {} executions with reduction, {} without",
            full.len(),
            with.executions,
            without.executions
        );
        assert_eq!(reduced, full, "reduction lost or invented outcomes");
        assert_eq!(full.len(), 3, "{full:?}");
    }
}

/// Two senders send one item each and go; the receiver takes items until both are gone. The
/// outcome: the order of the items.
fn two_senders(outcomes: &Outcomes) {
    let (sender, receiver) = mpsc::channel();
    let senders: Vec<_> = (0..2)
        .map(|index| {
            let sender = sender.clone();
            thread::spawn(move || sender.send(index).unwrap())
        })
        .collect();
    drop(sender);
    let got: Vec<i32> = receiver.iter().collect();
    senders.into_iter().for_each(|s| s.join().unwrap());
    outcomes.lock().unwrap().insert(format!("{got:?}"));
}

/// Both orders of the items, in 720 executions (2,499 when every send notified the receiver,
/// whether or not it waited), the full search's outcomes.
#[test]
fn sends_to_a_receiver_that_does_not_wait_notify_nobody() {
    let (full, without) = search(two_senders, false);
    let (reduced, with) = search(two_senders, true);
    println!("{} outcomes; {} executions with reduction, {} without", full.len(), with.executions, without.executions);
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    assert_eq!(full.len(), 2, "{full:?}");
    assert!(with.executions <= 720, "{with}");
}
