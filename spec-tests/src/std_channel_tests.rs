//! std's `mpsc`, `Once` and `Barrier` (`weft::sync`): ports of the tests of std's
//! `library/std/src/sync/{mpsc,once,barrier}/tests.rs` that apply, written once for every backend.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use std::time::Duration;

use weft_core::{Once, Scheduler, StdBarrier, Thread, mpsc};

use crate::support::{assert_at_least, elapsed};

/// A thread whose panic (a failed assertion in it) fails the test at its join, on every
/// backend (on real threads a panicking target would only reach the excepthook).
struct Spawned<S: Scheduler> {
    thread: Thread<S>,
    failure: Arc<std::sync::Mutex<Option<String>>>,
}

impl<S: Scheduler> Spawned<S> {
    fn join(&self) {
        self.thread.join().unwrap();
        if let Some(message) = self.failure.lock().unwrap().take() {
            panic!("a thread of the test failed: {message}");
        }
    }
}

/// Starts `f` on a new thread.
fn spawn<S: Scheduler>(f: impl FnOnce() + Send + 'static) -> Spawned<S> {
    let failure = Arc::new(std::sync::Mutex::new(None));
    let record = failure.clone();
    let thread = Thread::<S>::new(move || {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(f)) {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            *record.lock().unwrap() = Some(message);
        }
    });
    thread.start().unwrap();
    Spawned { thread, failure }
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// `smoke`, `drop_full`, `smoke_port_gone`, `port_gone_concurrent` (one thread):
    /// send and receive, then each end sees the other go.
    fn test_channel_smoke_and_disconnect() {
        let (tx, rx) = mpsc::channel::<S, Box<i32>>();
        tx.send(Box::new(1)).unwrap();
        assert_eq!(*rx.recv().unwrap(), 1);
        tx.send(Box::new(2)).unwrap(); // left in the channel: dropped with it
        assert_eq!(rx.try_recv().map(|b| *b), Ok(2));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        drop(rx);
        assert_eq!(tx.send(Box::new(3)).map_err(|SendError(b)| *b), Err(3));
        let (tx, rx) = mpsc::channel::<S, i32>();
        let tx2 = tx.clone();
        drop(tx);
        tx2.send(4).unwrap();
        drop(tx2);
        assert_eq!(rx.recv(), Ok(4));
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
    }

    /// `smoke_threads`, `stress_shared` (small): items from several senders all arrive, each
    /// sender's in its order.
    fn test_channel_many_senders() {
        let (tx, rx) = mpsc::channel::<S, (usize, usize)>();
        let threads: Vec<Spawned<S>> = (0..3)
            .map(|sender| {
                let tx = tx.clone();
                spawn::<S>(move || {
                    for i in 0..4 {
                        tx.send((sender, i)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0; 3];
        for (sender, i) in rx.iter() {
            assert_eq!(i, next[sender], "sender {sender}'s items out of order");
            next[sender] += 1;
        }
        assert_eq!(next, [4; 3]);
        threads.iter().for_each(Spawned::join);
    }

    /// `recv_timeout`, `recv_timeout_upgrade`: a timeout elapses at least its duration; a sent
    /// item is taken at once; a gone sender is reported.
    fn test_channel_recv_timeout() {
        let (tx, rx) = mpsc::channel::<S, u8>();
        let timeout = Duration::from_millis(10);
        let start = S::now();
        assert_eq!(rx.recv_timeout(timeout), Err(RecvTimeoutError::Timeout));
        assert_at_least(elapsed::<S>(start), timeout);
        tx.send(1).unwrap();
        assert_eq!(rx.recv_timeout(timeout), Ok(1));
        let t = spawn::<S>(move || tx.send(2).unwrap());
        assert_eq!(rx.recv_timeout(Duration::from_secs(300)), Ok(2));
        t.join();
        assert_eq!(rx.recv_timeout(timeout), Err(RecvTimeoutError::Disconnected));
    }

    /// `stream`, `shared_chan_stress` (one thread): items already sent are all received, in
    /// order and by every kind of receive, after the last sender is gone; only then is the
    /// channel disconnected.
    fn test_channel_items_outlive_senders() {
        let (tx, rx) = mpsc::channel::<S, u32>();
        (0..6).for_each(|i| tx.send(i).unwrap());
        assert_eq!(rx.recv(), Ok(0));
        tx.send(6).unwrap();
        drop(tx);
        assert_eq!(rx.try_recv(), Ok(1));
        assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Ok(2));
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [3, 4, 5, 6]);
        assert_eq!(rx.recv(), Err(RecvError));
        assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Disconnected));
    }

    /// `sync_channel` with room for 2: a receive frees room for exactly one more item.
    fn test_sync_channel_receive_frees_one_place() {
        let (tx, rx) = mpsc::sync_channel::<S, u32>(2);
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
        assert_eq!(rx.recv(), Ok(1));
        tx.try_send(3).unwrap();
        assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));
        assert_eq!(rx.try_iter().collect::<Vec<_>>(), [2, 3]);
    }

    /// `sync_channel`: a bounded channel blocks a sender while full; `try_send` reports `Full`
    /// and, once the receiver is gone, `Disconnected`.
    fn test_sync_channel_bounded() {
        let (tx, rx) = mpsc::sync_channel::<S, u32>(1);
        tx.send(1).unwrap();
        assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
        let tx2 = tx.clone();
        let t = spawn::<S>(move || tx2.send(2).unwrap()); // blocks until 1 is taken
        assert_eq!(rx.recv(), Ok(1));
        assert_eq!(rx.recv(), Ok(2));
        t.join();
        drop(rx);
        assert_eq!(tx.try_send(3), Err(TrySendError::Disconnected(3)));
        assert_eq!(tx.send(4), Err(SendError(4)));
    }

    /// `sync_channel(0)`, `oneshot_single_thread_send_port_close`: a rendezvous send returns only
    /// once its item is taken; with no receiver waiting `try_send` is `Full`; a receiver that
    /// goes away hands the item back.
    fn test_sync_channel_rendezvous() {
        let (tx, rx) = mpsc::sync_channel::<S, u32>(0);
        assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
        // The receiver announces each receive before it makes it; a send that returned before
        // its receive was announced did not wait for the receiver.
        let announced = Arc::new(AtomicUsize::new(0));
        let early = Arc::new(AtomicUsize::new(0));
        let t = {
            let (announced, early) = (announced.clone(), early.clone());
            spawn::<S>(move || {
                for i in 0..3 {
                    tx.send(i).unwrap();
                    if announced.load(SeqCst) <= i as usize {
                        early.fetch_add(1, SeqCst);
                    }
                }
            })
        };
        for i in 0..3 {
            announced.fetch_add(1, SeqCst);
            assert_eq!(rx.recv(), Ok(i));
        }
        t.join();
        assert_eq!(early.load(SeqCst), 0, "a rendezvous send returned before its item was received");
        let (tx, rx) = mpsc::sync_channel::<S, u32>(0);
        let t = spawn::<S>(move || assert_eq!(tx.send(7), Err(SendError(7))));
        drop(rx);
        t.join();
    }

    /// `once::smoke_once`, `stampede_once`: of several threads calling `call_once`, one runs the
    /// closure and every call returns after it completed.
    fn test_once_runs_once() {
        let once = Arc::new(Once::<S>::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let threads: Vec<Spawned<S>> = (0..3)
            .map(|_| {
                let (once, runs) = (once.clone(), runs.clone());
                spawn::<S>(move || {
                    once.call_once(|| {
                        runs.fetch_add(1, SeqCst);
                    });
                    assert!(once.is_completed());
                    assert_eq!(runs.load(SeqCst), 1);
                })
            })
            .collect();
        threads.iter().for_each(Spawned::join);
        assert_eq!(runs.load(SeqCst), 1);
        once.call_once(|| panic!("not run again"));
    }

    /// `poison_bad`, `wait_for_force_to_finish`: a panicking initialisation poisons the `Once`;
    /// `call_once` then panics, `call_once_force` runs and sees the poison, and completes it.
    fn test_once_poison() {
        let once = Once::<S>::new();
        assert!(catch_unwind(AssertUnwindSafe(|| once.call_once(|| panic!("initialisation fails")))).is_err());
        assert!(!once.is_completed());
        assert!(catch_unwind(AssertUnwindSafe(|| once.call_once(|| {}))).is_err(), "poisoned");
        let mut saw_poison = false;
        once.call_once_force(|state| saw_poison = state.is_poisoned());
        assert!(saw_poison);
        assert!(once.is_completed());
        once.call_once(|| panic!("not run again"));
    }

    /// `barrier::test_barrier`: 3 threads and the main thread pass a barrier of 4 twice; each
    /// round has exactly one leader, and nobody passes before all arrived.
    fn test_barrier_one_leader_per_round() {
        const N: usize = 4;
        let barrier = Arc::new(StdBarrier::<S>::new(N));
        let (leaders, arrived) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let round = {
            let (barrier, leaders, arrived) = (barrier.clone(), leaders.clone(), arrived.clone());
            move |round: usize| {
                arrived.fetch_add(1, SeqCst);
                let result = barrier.wait();
                assert!(arrived.load(SeqCst) >= N * (round + 1), "passed before all arrived");
                leaders.fetch_add(usize::from(result.is_leader()), SeqCst);
            }
        };
        let threads: Vec<Spawned<S>> = (0..N - 1)
            .map(|_| {
                let round = round.clone();
                spawn::<S>(move || (0..2).for_each(&round))
            })
            .collect();
        (0..2).for_each(&round);
        threads.iter().for_each(Spawned::join);
        assert_eq!(leaders.load(SeqCst), 2);
    }
}
