//! `BaseQueueTestMixin` without its shutdown tests (those are in `shutdown.rs`), and the SPEC.md
//! behaviour every kind of queue shares: timeouts, the item given back, the limit on timeouts,
//! the unbounded queue, many producers and consumers, `Debug`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{AtomicUsize, Error, ExceptionKind, Scheduler, TIMEOUT_MAX, Thread};

use super::{Q, QUEUE_SIZE, QueueKind, do_blocking_test, qfull, run_threads};
use crate::support::{assert_at_least, assert_error, elapsed};

/// The short timeout of CPython's `q.put(full, timeout=0.01)` and `q.get(timeout=0.01)`.
const SHORT: Duration = Duration::from_millis(10);

/// CPython's "10 seconds for blocking functions": never reached in a passing test.
const LONG: Duration = Duration::from_secs(10);

/// The item CPython's blocking `get` tests put (`'empty'`).
const EMPTY_ITEM: i64 = -7;

/// Asserts that `result` is `queue.Full` and that the item came back.
#[track_caller]
fn expect_full(result: Result<(), weft_core::PutError<i64>>, item: i64) {
    let error = result.expect_err("Didn't appear to block with a full queue");
    assert_eq!(*error.error(), Error::Full);
    assert_eq!(error.into_inner(), item);
}

/// CPython's `basic_queue_test`: order, `qsize`/`empty`/`full`, `Full` and `Empty` without
/// waiting and with a timeout, and blocking `put` and `get` that another thread unclogs.
fn basic_queue_test<S: Scheduler, D: QueueKind>(q: &Arc<Q<S, D>>) {
    assert_eq!(q.qsize(), 0, "Call this function with an empty queue");
    assert!(q.empty());
    assert!(!q.full());
    for item in [111, 333, 222] {
        q.put(item).unwrap();
    }
    let actual_order = [q.get().unwrap(), q.get().unwrap(), q.get().unwrap()];
    assert_eq!(actual_order, D::ORDER, "Didn't seem to queue the correct data!");
    for i in 0..QUEUE_SIZE - 1 {
        q.put(i as i64).unwrap();
        assert!(q.qsize() > 0, "Queue should not be empty");
    }
    assert!(!qfull(q), "Queue should not be full");
    let last = 2 * QUEUE_SIZE as i64;
    let full = 3 * 2 * QUEUE_SIZE as i64;
    q.put(last).unwrap();
    assert!(qfull(q), "Queue should be full");
    assert!(!q.empty());
    assert!(q.full());
    expect_full(q.put_nowait(full), full);
    let start = S::now();
    expect_full(q.put_timeout(full, SHORT), full);
    assert_at_least(elapsed::<S>(start), SHORT);
    // Test a blocking put.
    let trigger = |q: &Arc<Q<S, D>>| {
        let q = q.clone();
        move || {
            q.get().unwrap();
        }
    };
    do_blocking_test::<S, _>(q.put_wait_key(), || q.put(full).unwrap(), trigger(q));
    do_blocking_test::<S, _>(q.put_wait_key(), || q.put_timeout(full, LONG).unwrap(), trigger(q));
    // Empty it.
    for _ in 0..QUEUE_SIZE {
        q.get().unwrap();
    }
    assert_eq!(q.qsize(), 0, "Queue should be empty");
    assert_error(q.get_nowait(), ExceptionKind::Empty, "");
    let start = S::now();
    assert_error(q.get_timeout(SHORT), ExceptionKind::Empty, "");
    assert_at_least(elapsed::<S>(start), SHORT);
    // Test a blocking get.
    let trigger = |q: &Arc<Q<S, D>>| {
        let q = q.clone();
        move || q.put(EMPTY_ITEM).unwrap()
    };
    assert_eq!(do_blocking_test::<S, _>(q.get_wait_key(), || q.get().unwrap(), trigger(q)), EMPTY_ITEM);
    assert_eq!(do_blocking_test::<S, _>(q.get_wait_key(), || q.get_timeout(LONG).unwrap(), trigger(q)), EMPTY_ITEM);
}

/// CPython's `worker`: gets until a negative item, adding the others to `cum`, marking each done.
fn worker<S: Scheduler, D: QueueKind>(q: &Q<S, D>, cum: &AtomicUsize<S>) {
    loop {
        let x = q.get().unwrap();
        if x < 0 {
            q.task_done().unwrap();
            return;
        }
        cum.fetch_add(x as usize, std::sync::atomic::Ordering::SeqCst);
        q.task_done().unwrap();
    }
}

/// CPython's `queue_join_test`: two workers, 100 items; `join` returns only once all are done,
/// and can be called twice.
fn queue_join_test<S: Scheduler, D: QueueKind>(q: &Arc<Q<S, D>>) {
    let cum = Arc::new(AtomicUsize::<S>::new(0));
    let threads: Vec<Thread<S>> = (0..2)
        .map(|_| {
            let (q, cum) = (q.clone(), cum.clone());
            Thread::<S>::new(move || worker(&q, &cum))
        })
        .collect();
    for thread in &threads {
        thread.start().unwrap();
    }
    for i in 0..100 {
        q.put(i).unwrap();
    }
    q.join();
    assert_eq!(
        cum.load(std::sync::atomic::Ordering::SeqCst),
        (0..100).sum::<usize>(),
        "q.join() did not block until all tasks were done"
    );
    for _ in 0..2 {
        q.put(-1).unwrap(); // instruct the threads to close
    }
    q.join(); // verify that you can join twice
    for thread in &threads {
        thread.join().unwrap();
    }
}

crate::spec_tests! {
    generics [S: Scheduler, D: QueueKind];

    /// `task_done()` on a new queue: `ValueError("task_done() called too many times")`.
    fn test_queue_task_done() {
        let q = Q::<S, D>::new(0);
        assert_error(q.task_done(), ExceptionKind::ValueError, "task_done() called too many times");
        assert_eq!(q.unfinished_tasks(), 0);
    }

    /// `queue_join_test` twice on one queue, then one `task_done()` too many.
    fn test_queue_join() {
        let q = Arc::new(Q::<S, D>::new(0));
        queue_join_test(&q);
        queue_join_test(&q);
        assert_error(q.task_done(), ExceptionKind::ValueError, "task_done() called too many times");
    }

    /// `basic_queue_test` twice on one queue of `QUEUE_SIZE`.
    fn test_basic() {
        let q = Arc::new(Q::<S, D>::new(QUEUE_SIZE));
        basic_queue_test(&q);
        basic_queue_test(&q);
    }

    /// `put_nowait` fills the queue, then raises `Full`; `get_nowait` empties it, then raises
    /// `Empty`.
    fn test_nowait() {
        let q = Q::<S, D>::new(QUEUE_SIZE);
        for _ in 0..QUEUE_SIZE {
            q.put_nowait(1).unwrap();
        }
        expect_full(q.put_nowait(1), 1);
        for _ in 0..QUEUE_SIZE {
            q.get_nowait().unwrap();
        }
        assert_error(q.get_nowait(), ExceptionKind::Empty, "");
    }

    /// SPEC: a zero timeout is a single try: `put_timeout(_, 0)` on a full queue is `Full` and
    /// `get_timeout(0)` on an empty one is `Empty`; with room or an item they succeed.
    fn test_zero_timeout_is_a_single_try() {
        let q = Q::<S, D>::new(1);
        q.put_timeout(1, Duration::ZERO).unwrap();
        expect_full(q.put_timeout(2, Duration::ZERO), 2);
        assert_eq!(q.get_timeout(Duration::ZERO).unwrap(), 1);
        assert_error(q.get_timeout(Duration::ZERO), ExceptionKind::Empty, "");
    }

    /// SPEC: a failed `put` gives its item back, whatever the error (`Full`, `OverflowError`,
    /// `ShutDown`); `?` turns the `PutError` into the plain `Error`.
    fn test_failed_put_gives_the_item_back() {
        let q = Q::<S, D>::new(1);
        q.put(1).unwrap();
        let error = q.put_nowait(2).unwrap_err();
        assert_eq!(error.kind(), ExceptionKind::Full);
        assert_eq!(*error.item(), 2);
        assert_eq!(format!("{error:?}"), "PutError { error: Full, .. }");
        assert_eq!(error.to_string(), "");
        let (error, item) = q.put_timeout(3, TIMEOUT_MAX + Duration::from_secs(1)).unwrap_err().into_parts();
        assert_eq!((error, item), (Error::TimeoutTooLarge, 3));
        q.shutdown(false);
        let error = q.put(4).unwrap_err();
        assert_eq!(error.kind(), ExceptionKind::ShutDown);
        assert_eq!(error.into_inner(), 4);
        let as_error = || -> Result<(), Error> {
            q.put(5)?;
            Ok(())
        };
        assert_eq!(as_error(), Err(Error::ShutDown));
        assert_eq!(q.qsize(), 1);
    }

    /// SPEC: a timeout above `TIMEOUT_MAX` is `OverflowError("timeout value is too large")`,
    /// checked eagerly (also when the call would not wait) and after a shutdown; `TIMEOUT_MAX`
    /// itself is accepted, and a getter waiting with it is woken by a `put`.
    fn test_timeout_too_large() {
        let too_large = TIMEOUT_MAX + Duration::from_secs(1);
        let q = Arc::new(Q::<S, D>::new(1));
        let error = q.put_timeout(1, too_large).unwrap_err();
        assert_eq!(error.kind(), ExceptionKind::OverflowError);
        assert_eq!(error.to_string(), "timeout value is too large");
        assert_error(q.get_timeout(too_large), ExceptionKind::OverflowError, "timeout value is too large");
        assert_error(q.get_timeout(Duration::MAX), ExceptionKind::OverflowError, "timeout value is too large");
        q.put_timeout(1, TIMEOUT_MAX).unwrap();
        assert_eq!(q.put_timeout(2, too_large).unwrap_err().kind(), ExceptionKind::OverflowError);
        assert_error(q.get_timeout(too_large), ExceptionKind::OverflowError, "timeout value is too large");
        assert_eq!(q.get_timeout(TIMEOUT_MAX).unwrap(), 1);
        let trigger = {
            let q = q.clone();
            move || q.put(9).unwrap()
        };
        assert_eq!(do_blocking_test::<S, _>(q.get_wait_key(), || q.get_timeout(TIMEOUT_MAX).unwrap(), trigger), 9);
        q.shutdown(false);
        assert_eq!(q.put_timeout(3, too_large).unwrap_err().kind(), ExceptionKind::ShutDown);
        assert_error(q.get_timeout(too_large), ExceptionKind::ShutDown, "");
    }

    /// SPEC: `maxsize` 0 is unbounded: never full, `put_nowait` never `Full`.
    fn test_unbounded() {
        let q = Q::<S, D>::new(0);
        assert_eq!(q.maxsize(), 0);
        for i in 0..100 {
            q.put_nowait(i).unwrap();
            assert!(!q.full());
        }
        assert_eq!(q.qsize(), 100);
        assert_eq!(q.unfinished_tasks(), 100);
        let mut got: Vec<i64> = (0..100).map(|_| q.get_nowait().unwrap()).collect();
        got.sort();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    }

    /// SPEC: three producers and three consumers on a queue with room for two: every item is
    /// got exactly once, `join` returns once all are done, and the queue ends empty.
    fn test_producers_and_consumers() {
        const PRODUCERS: usize = 3;
        const ITEMS: usize = 20;
        let q = Arc::new(Q::<S, D>::new(2));
        let got = Arc::new(Mutex::new(Vec::new()));
        let consumers: Vec<Thread<S>> = (0..3)
            .map(|_| {
                let (q, got) = (q.clone(), got.clone());
                Thread::<S>::new(move || {
                    while let Ok(item) = q.get() {
                        got.lock().unwrap().push(item);
                        q.task_done().unwrap();
                    }
                })
            })
            .collect();
        for consumer in &consumers {
            consumer.start().unwrap();
        }
        {
            let q = q.clone();
            run_threads::<S>(PRODUCERS, move |p| {
                for i in 0..ITEMS {
                    q.put((p * ITEMS + i) as i64).unwrap();
                }
            });
        }
        q.join();
        assert_eq!(q.unfinished_tasks(), 0);
        q.shutdown(false); // the consumers' next `get` fails: they end
        for consumer in &consumers {
            consumer.join().unwrap();
        }
        let mut got = got.lock().unwrap().clone();
        got.sort();
        assert_eq!(got, (0..(PRODUCERS * ITEMS) as i64).collect::<Vec<_>>());
        assert!(q.empty());
    }

    /// `Debug` shows the kind, the size, the room and the unfinished tasks (Python's `repr` is
    /// `<queue.Queue object at 0x…>`).
    fn test_debug() {
        let q = Q::<S, D>::new(3);
        q.put(1).unwrap();
        let kind = match D::ORDER[0] {
            222 => "LifoQueue",
            _ if D::ORDER[1] == 222 => "PriorityQueue",
            _ => "Queue",
        };
        assert_eq!(format!("{q:?}"), format!("<{kind}: qsize=1 maxsize=3 unfinished_tasks=1>"));
        q.shutdown(true);
        assert_eq!(format!("{q:?}"), format!("<{kind}: qsize=0 maxsize=3 unfinished_tasks=0, shut down>"));
    }
}
