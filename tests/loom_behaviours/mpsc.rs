//! loom's `tests/mpsc.rs`: an unbounded channel between threads.

use weft::sync::mpsc::channel;
use weft::thread;

use crate::common::{panics, passes};

/// loom's `basic_sequential_usage` and `basic_parallel_usage`: an item sent, from the same
/// thread or another, is received.
#[test]
fn a_sent_item_is_received() {
    passes(|| {
        let (tx, rx) = channel();
        tx.send(5).unwrap();
        assert_eq!(rx.recv().unwrap(), 5);
    });
    passes(|| {
        let (tx, rx) = channel();
        thread::spawn(move || tx.send(5).unwrap());
        assert_eq!(rx.recv().unwrap(), 5);
    });
}

/// loom's `commutative_senders`: two senders on two threads; the receiver gets both items,
/// in either order.
#[test]
fn two_senders_items_both_arrive() {
    passes(|| {
        let (tx, rx) = channel();
        let tx2 = tx.clone();
        thread::spawn(move || tx.send(5).unwrap());
        thread::spawn(move || tx2.send(6).unwrap());
        assert_eq!(rx.recv().unwrap() + rx.recv().unwrap(), 11);
    });
}

/// Two threads send 5 and 6; the receiver expects `first` to arrive first.
fn expect_first(first: i32) {
    let (tx, rx) = channel();
    let tx2 = tx.clone();
    thread::spawn(move || tx.send(5).ok());
    thread::spawn(move || tx2.send(6).ok());
    assert_eq!(rx.recv().unwrap(), first, "the other sender came first");
    let _ = rx.recv();
}

/// loom's `non_commutative_senders1` and `non_commutative_senders2`: a receiver that expects
/// one particular sender's item first fails in some execution, whichever it expects.
#[test]
fn either_sender_can_come_first() {
    panics("the other sender came first", || expect_first(5));
    panics("the other sender came first", || expect_first(6));
}

/// loom's `drop_receiver`: a receiver dropped with an item still in the channel.
#[test]
fn a_receiver_dropped_with_items_left() {
    passes(|| {
        let (tx, rx) = channel();
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        assert_eq!(rx.recv().unwrap(), 1);
    });
}
