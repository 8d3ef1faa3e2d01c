//! Exhaustive search of `mpsc` channels: a send wakes the receiver only if it waits, so a send
//! to a receiver that is not waiting is its lock's two steps, not three.

use std::collections::BTreeSet;

use weft::sim::{Explorer, Stats};
use weft::sync::{Arc, mpsc};
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
