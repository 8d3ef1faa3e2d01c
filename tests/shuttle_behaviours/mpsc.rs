//! shuttle's `tests/basic/mpsc.rs` (which also rewrites loom's `mpsc.rs` and some of std's own
//! channel tests).
//!
//! Where weft differs: shuttle fails a model in which any thread panics, even one whose panic is
//! received by `join` (`mpsc_oneshot_single_thread_recv_chan_close`, which shuttle's own comment
//! calls a limitation); weft, like std, hands the panic to the joiner, and the model passes.
//!
//! Sizes: each channel call is one simulator step on the part of the channel it changes (a
//! rendezvous send two), so shuttle's models are searched exhaustively at their own sizes (its
//! ten-item stream, four senders on a channel of two, two senders on a rendezvous: 42 to 17,765
//! executions), with smaller ones too; only the thousand senders on a channel of 500 run in a
//! random walk. (When a channel was a mutex and a condvar, these took seconds to minutes.)

use weft::sync::mpsc::{RecvError, TryRecvError, TrySendError, channel, sync_channel};
use weft::thread;

use crate::common::{assert_outcomes, deadlocks, outcomes, panics, passes, passes_sampled};

/// shuttle's `mpsc_loom_basic_sequential_usage` and `mpsc_loom_basic_parallel_usage`: an item
/// sent, from the same thread or another, is received.
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

/// shuttle's `mpsc_loom_commutative_senders`: both of two senders' items arrive.
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

/// shuttle's `mpsc_loom_non_commutative_senders1` and `_2`: a receiver that expects one
/// particular sender's item first fails in some execution, whichever it expects.
#[test]
fn either_sender_can_come_first() {
    for first in [5, 6] {
        panics("sends can happen in any order", move || {
            let (tx, rx) = channel();
            let tx2 = tx.clone();
            thread::spawn(move || tx.send(5).is_ok());
            thread::spawn(move || tx2.send(6).is_ok());
            assert_eq!(rx.recv().unwrap(), first, "expected panic: sends can happen in any order");
            let _ = rx.recv();
        });
    }
}

/// shuttle's `mpsc_drop_sender_unbounded`, `mpsc_drop_receiver_unbounded`,
/// `mpsc_drop_sender_bounded`, `mpsc_drop_receiver_bounded`, `mpsc_drop_sender_rendezvous` and
/// `mpsc_drop_receiver_rendezvous`: once the only sender is dropped, by another thread or the
/// same, a receive fails; once the receiver is dropped, a send fails; for unbounded, bounded
/// and rendezvous channels alike.
#[test]
fn a_dropped_end_disconnects_the_other() {
    passes(|| {
        let (tx, rx) = channel::<i32>();
        thread::spawn(move || drop(tx));
        assert_eq!(rx.recv(), Err(RecvError));
    });
    passes(|| {
        let (tx, rx) = sync_channel::<i32>(10);
        thread::spawn(move || assert_eq!(rx.recv(), Err(RecvError)));
        drop(tx);
    });
    passes(|| {
        let (tx, rx) = sync_channel::<i32>(0);
        drop(tx);
        assert_eq!(rx.recv(), Err(RecvError));
    });
    passes(|| {
        let (tx, rx) = channel();
        drop(rx);
        assert!(tx.send(1).is_err());
    });
    for bound in [10, 0] {
        passes(move || {
            let (tx, rx) = sync_channel(bound);
            drop(rx);
            assert!(tx.send(1).is_err());
        });
    }
}

/// shuttle's `mpsc_buffering_behavior` (std's example for `Receiver`): items sent before the
/// sender is dropped are received after, in order, then the receive fails.
#[test]
fn items_outlive_their_sender() {
    passes(|| {
        let (tx, rx) = channel();
        thread::spawn(move || (1..=3u8).for_each(|i| tx.send(i).unwrap())).join().unwrap();
        assert_eq!([rx.recv(), rx.recv(), rx.recv(), rx.recv()], [Ok(1), Ok(2), Ok(3), Err(RecvError)]);
    });
}

/// `items` items through a bounded channel of `items`, between two spawned threads.
fn bounded_sum(items: i32) {
    let (tx, rx) = sync_channel(items as usize);
    thread::spawn(move || (0..items).for_each(|_| tx.send(1).unwrap()));
    let sum = thread::spawn(move || (0..items).map(|_| rx.recv().unwrap()).sum::<i32>());
    assert_eq!(sum.join().unwrap(), items);
}

/// shuttle's `mpsc_bounded_sum`: five items through a bounded channel of five, between two
/// spawned threads, all arrive (and two through a channel of two).
#[test]
fn a_bounded_channel_carries_every_item() {
    passes(|| bounded_sum(2));
    passes(|| bounded_sum(5));
}

/// Sends `items` items into a bounded channel of ten that nobody reads.
fn send_unread(items: usize) {
    let (tx, _rx) = sync_channel(10);
    let t = thread::spawn(move || {
        (0..items).for_each(|_| tx.send(1).unwrap());
        42
    });
    assert_eq!(t.join().unwrap(), 42);
}

/// shuttle's `mpsc_bounded_sender_buffered` and `mpsc_bounded_sender_blocked`: sends into a
/// bounded channel that has room do not block; the send that finds it full does, for ever
/// here (a deadlock).
#[test]
fn a_full_bounded_channel_blocks_its_sender() {
    passes(|| send_unread(10));
    deadlocks(|| send_unread(11));
}

/// shuttle's `mpsc_rendezvous_channel`, `mpsc_rendezvous_sender_block` and
/// `mpsc_rendezvous_two_threads`: a send on a rendezvous channel completes when a receive
/// takes it, from one sender or two; with nobody to receive it blocks for ever.
#[test]
fn a_rendezvous_send_waits_for_a_receive() {
    passes(|| {
        let (tx, rx) = sync_channel(0);
        thread::spawn(move || tx.send(53).unwrap());
        assert_eq!(rx.recv().unwrap(), 53);
    });
    deadlocks(|| {
        let (tx, rx) = sync_channel(0);
        tx.send(53).unwrap();
        rx.recv().unwrap();
    });
    passes(|| {
        let (tx, rx) = sync_channel(0);
        let tx2 = tx.clone();
        thread::spawn(move || tx.send(10).unwrap());
        thread::spawn(move || tx2.send(20).unwrap());
        assert_eq!(rx.recv().unwrap() + rx.recv().unwrap(), 30);
    });
}

/// shuttle's `mpsc_rendezvous_transfer_receiver`: a receiver (`Send`, not `Sync`) moves
/// through another channel from the thread that used it to a second one, which goes on
/// receiving from the main thread's rendezvous sends.
#[test]
fn a_receiver_moves_between_threads() {
    passes(|| {
        let (pass_on, take) = sync_channel(1);
        let (tx, rx) = sync_channel(0);
        thread::spawn(move || {
            assert_eq!(rx.recv().unwrap(), 10);
            pass_on.send(rx).unwrap();
        });
        let second = thread::spawn(move || assert_eq!(take.recv().unwrap().recv().unwrap(), 20));
        tx.send(10).unwrap();
        tx.send(20).unwrap();
        second.join().unwrap();
    });
}

/// A handshake, then `items` items from one spawned thread to another.
fn stream_after_handshake(items: usize) {
    let (ready_tx, ready_rx) = channel();
    let (tx, rx) = channel();
    let receiver = thread::spawn(move || {
        ready_tx.send(()).unwrap();
        (0..items).for_each(|_| assert_eq!(rx.recv().unwrap(), 1));
    });
    ready_rx.recv().unwrap();
    let sender = thread::spawn(move || (0..items).for_each(|_| tx.send(1).unwrap()));
    receiver.join().unwrap();
    sender.join().unwrap();
}

/// `items` items from the main thread to a spawned one.
fn stream(items: usize) {
    let (tx, rx) = channel();
    let receiver = thread::spawn(move || (0..items).for_each(|_| assert_eq!(rx.recv().unwrap(), 1)));
    (0..items).for_each(|_| tx.send(1).unwrap());
    receiver.join().unwrap();
}

/// shuttle's `mpsc_send_from_outside_runtime` and `mpsc_recv_from_outside_runtime` (from std's
/// tests): seven items between two spawned threads after a handshake, and ten from the main
/// thread to a spawned one (and three of each).
#[test]
fn streams_between_threads() {
    passes(|| stream_after_handshake(3));
    passes(|| stream(3));
    passes(|| stream_after_handshake(7));
    passes(|| stream(10));
}

/// shuttle's `mpsc_oneshot_single_thread_recv_chan_close` (from std's tests), whose verdict
/// differs (see the module's documentation): a thread that unwraps a receive from a channel
/// whose sender is gone panics, and its joiner gets the panic. shuttle fails the model with the
/// panic; weft, as std, does not.
#[test]
fn a_joined_threads_panic_goes_to_the_joiner() {
    passes(|| {
        let joined = thread::spawn(|| {
            let (tx, rx) = channel::<i32>();
            drop(tx);
            rx.recv().unwrap();
        })
        .join();
        assert!(joined.is_err());
    });
}

/// `senders` threads each send one item into a bounded channel of `bound`, and the main thread
/// receives just enough that none stays blocked.
fn senders_with_blocking(senders: usize, bound: usize) {
    let (tx, rx) = sync_channel(bound);
    let threads: Vec<_> = (0..senders)
        .map(|i| {
            let tx = tx.clone();
            thread::spawn(move || tx.send(i).unwrap())
        })
        .collect();
    (0..senders - bound).for_each(|_| assert!(rx.recv().is_ok()));
    threads.into_iter().for_each(|t| t.join().unwrap());
}

/// shuttle's `mpsc_some_senders_with_blocking` and `mpsc_many_senders_with_blocking`: four
/// senders on a channel of two (and two on a channel of one), and a thousand on a channel of
/// 500 in a random walk of two executions (shuttle runs ten; each takes about 50 ms here).
#[test]
fn receives_unblock_the_senders_that_waited() {
    passes(|| senders_with_blocking(2, 1));
    passes(|| senders_with_blocking(4, 2));
    passes_sampled(2, || senders_with_blocking(1000, 500));
}

/// `senders` threads each try to send one item into a channel of `bound` whose receiver is
/// dropped.
fn senders_then_drop_receiver(senders: usize, bound: usize) {
    let (tx, rx) = sync_channel(bound);
    let threads: Vec<_> = (0..senders)
        .map(|i| {
            let tx = tx.clone();
            thread::spawn(move || {
                let _ = tx.send(i);
            })
        })
        .collect();
    drop(rx);
    threads.into_iter().for_each(|t| t.join().unwrap());
}

/// shuttle's `mpsc_many_senders_drop_receiver`: four senders on a channel of two whose receiver
/// is dropped; the blocked ones are released (their sends fail) and all end (and two senders
/// on a channel of one).
#[test]
fn dropping_the_receiver_releases_blocked_senders() {
    passes(|| senders_then_drop_receiver(2, 1));
    passes(|| senders_then_drop_receiver(4, 2));
}

/// shuttle's `test_nested_recv_iter` (from std's tests): a thread sums what `iter` yields on a
/// rendezvous channel until the sender is dropped, and sends the sum back.
#[test]
fn recv_iter_ends_when_the_sender_goes() {
    passes(|| {
        let (tx, rx) = sync_channel::<i32>(0);
        let (total_tx, total_rx) = sync_channel(0);
        thread::spawn(move || total_tx.send(rx.iter().sum::<i32>()).unwrap());
        [3, 1, 2].into_iter().for_each(|i| tx.send(i).unwrap());
        drop(tx);
        assert_eq!(total_rx.recv().unwrap(), 6);
    });
}

/// shuttle's `mpsc_try_recv_iter_sync`: the main thread `try_send`s 3, 1 and 2 into a channel
/// of one while a thread sums what `try_iter` finds, then hands the receiver back. Whatever is
/// left in the channel makes up the difference; the thread's sum is 0, 3, 4, 5 or 6, and each
/// is reached (5: the 1 found the channel full, the 2 did not).
#[test]
fn try_iter_takes_what_is_there() {
    let found = outcomes(|| {
        let (tx, rx) = sync_channel(1);
        let (back_tx, back_rx) = sync_channel(0);
        thread::spawn(move || {
            let sum = rx.try_iter().sum::<i32>();
            back_tx.send((rx, sum)).unwrap();
        });
        let sent: i32 = [3, 1, 2].into_iter().filter(|&i| tx.try_send(i).is_ok()).sum();
        drop(tx);
        let (rx, sum) = back_rx.recv().unwrap();
        assert_eq!(sum + rx.try_recv().unwrap_or(0), sent);
        sum
    });
    assert_outcomes(&found, &[0, 3, 4, 5, 6]);
}

/// shuttle's `mpsc_try_recv_iter_rendezvous`: on a rendezvous channel, `try_iter` takes only
/// the sends already waiting; the receiver then goes, failing the later sends. The sum is 0, 3,
/// 4 or 6.
#[test]
fn try_iter_on_a_rendezvous_takes_waiting_sends() {
    let found = outcomes(|| {
        let (tx, rx) = sync_channel(0);
        let (total_tx, total_rx) = sync_channel(0);
        thread::spawn(move || {
            let sum = rx.try_iter().sum::<i32>();
            drop(rx);
            total_tx.send(sum).unwrap();
        });
        for i in [3, 1, 2] {
            let _ = tx.send(i);
        }
        drop(tx);
        total_rx.recv().unwrap()
    });
    assert_outcomes(&found, &[0, 3, 4, 6]);
}

/// shuttle's `try_recv_send_rendezvous`: a `try_recv` on a rendezvous channel succeeds in some
/// execution, when the sender already waits.
#[test]
fn try_recv_takes_a_waiting_rendezvous_send() {
    let found = outcomes(|| {
        let (tx, rx) = sync_channel(0);
        let receiver = thread::spawn(move || rx.try_recv().is_ok());
        let _ = tx.send(1);
        receiver.join().unwrap()
    });
    assert!(found.contains(&true), "{found:?}");
}

/// shuttle's `mpsc_oneshot_single_thread_peek_close` and `mpsc_try_recv`: `try_recv` on an
/// empty channel says `Empty`, or `Disconnected` (every time) once the sender is gone, and
/// takes an item there is.
#[test]
fn try_recv_says_empty_or_disconnected() {
    passes(|| {
        let (tx, rx) = channel::<i32>();
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    });
    passes(|| {
        let (tx, rx) = channel();
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx.send(1).unwrap();
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
}

/// shuttle's `mpsc_try_recv_permutations_no_drop` and `_drop`: a `try_recv` racing a thread
/// that sends, or that drops the sender, finds `Empty`, or the item or `Disconnected`.
#[test]
fn try_recv_races_a_send_or_a_drop() {
    for drop_sender in [false, true] {
        let found = outcomes(move || {
            let (tx, rx) = channel();
            let t = thread::spawn(move || {
                if !drop_sender {
                    tx.send(1).unwrap();
                }
            });
            let result = rx.try_recv();
            t.join().unwrap();
            result
        });
        let other = if drop_sender { Err(TryRecvError::Disconnected) } else { Ok(1) };
        assert_outcomes(&found, &[Err(TryRecvError::Empty), other]);
    }
}

/// shuttle's `mpsc_try_send_buffered` and `mpsc_try_send_rendezvous`: `try_send` into a
/// channel with room succeeds, into a full one (a rendezvous with nobody waiting) says `Full`,
/// and with the receiver gone says `Disconnected`.
#[test]
fn try_send_says_full_or_disconnected() {
    passes(|| {
        let (tx, rx) = sync_channel(1);
        assert_eq!(tx.try_send(1), Ok(()));
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(tx.try_send(2), Ok(()));
        assert_eq!(rx.recv(), Ok(2));
        drop(rx);
        assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
    });
    passes(|| {
        let (tx, _rx) = sync_channel(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    });
}

/// shuttle's `mpsc_try_send_permutations_no_drop`, `_drop`, `_no_drop_rendezvous` and
/// `_drop_rendezvous`: a `try_send` racing a thread that receives, or that drops the receiver,
/// on a channel of one or a rendezvous. With room it succeeds unless the receiver is gone;
/// on a rendezvous it succeeds only if the receiver already waits.
#[test]
fn try_send_races_a_receive_or_a_drop() {
    for (drop_receiver, rendezvous, expected) in [
        (false, false, vec![Ok(())]),
        (true, false, vec![Ok(()), Err(TrySendError::Disconnected(1))]),
        (false, true, vec![Ok(()), Err(TrySendError::Full(1))]),
        (true, true, vec![Err(TrySendError::Full(1)), Err(TrySendError::Disconnected(1))]),
    ] {
        let found = outcomes(move || {
            let (tx, rx) = sync_channel(if rendezvous { 0 } else { 1 });
            let t = thread::spawn(move || {
                if !drop_receiver {
                    let _ = rx.recv();
                }
            });
            let result = tx.try_send(1);
            drop(tx);
            t.join().unwrap();
            result
        });
        assert_outcomes(&found, &expected);
    }
}
