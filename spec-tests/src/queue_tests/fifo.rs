//! CPython's `FailingQueueTest` (for `Queue`), and SPEC.md's `queue` behaviour that needs only
//! one kind of queue: the exception classes and messages, and a timed-out getter that must not
//! take the wake-up of a `put` meant for another getter.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::Result as Caught;
use std::time::Duration;

use weft_core::{Discipline, Error, ExceptionKind, Fifo, Queue, Scheduler, sleep};

use super::{Body, QUEUE_SIZE, Threads, do_blocking_test};
use crate::support::{PATIENCE, assert_error, wait_until};

/// CPython's `FailingQueueException`, raised (as a panic payload) by a [`Failing`] queue.
struct FailingQueueException;

/// CPython's `FailingQueue`: a FIFO whose next `_put` or `_get` raises when the test sets the
/// flag.
struct Failing {
    items: Fifo<i64>,
    fail_next_put: Arc<AtomicBool>,
    fail_next_get: Arc<AtomicBool>,
}

impl Discipline<i64> for Failing {
    fn push(&mut self, item: i64) {
        if self.fail_next_put.swap(false, SeqCst) {
            resume_unwind(Box::new(FailingQueueException)); // "You Lose", without the panic hook
        }
        self.items.push(item)
    }
    fn pop(&mut self) -> Option<i64> {
        // Python's `_get` runs only when there is an item.
        if !self.items.is_empty() && self.fail_next_get.swap(false, SeqCst) {
            resume_unwind(Box::new(FailingQueueException));
        }
        self.items.pop()
    }
    fn len(&self) -> usize {
        self.items.len()
    }
}

/// Asserts that `caught` is the unwinding of a [`FailingQueueException`].
#[track_caller]
fn expect_failed<T>(caught: Caught<T>) {
    match caught {
        Ok(_) => panic!("The queue didn't fail when it should have"),
        Err(payload) => assert!(payload.is::<FailingQueueException>(), "another panic"),
    }
}

/// CPython's `failing_queue_test`: after each failure in `_put` or `_get` (non-blocking, timed,
/// and blocking with another thread unclogging the queue) the queue is intact — the item was not
/// stored, or not taken, and the queue's lock is free.
fn failing_queue_test<S: Scheduler>(q: &Arc<Queue<S, i64, Failing>>, fail_put: &AtomicBool, fail_get: &AtomicBool) {
    const LAST: i64 = 100;
    const FULL: i64 = 101;
    const FIRST: i64 = 102;
    const EMPTY: i64 = 103;
    const OOPS: i64 = 104;
    let qfull = || q.qsize() == QUEUE_SIZE;
    let get_trigger = || {
        let q = q.clone();
        move || {
            q.get().unwrap();
        }
    };
    assert_eq!(q.qsize(), 0, "Call this function with an empty queue");
    for i in 0..QUEUE_SIZE - 1 {
        q.put(i as i64).unwrap();
    }
    // A failing non-blocking put, and a failing timed one.
    fail_put.store(true, SeqCst);
    expect_failed(catch_unwind(AssertUnwindSafe(|| q.put_nowait(OOPS))));
    fail_put.store(true, SeqCst);
    expect_failed(catch_unwind(AssertUnwindSafe(|| q.put_timeout(OOPS, Duration::from_millis(100)))));
    q.put(LAST).unwrap();
    assert!(qfull(), "Queue should be full");
    // A failing blocking put.
    fail_put.store(true, SeqCst);
    expect_failed(do_blocking_test::<S, _>(
        q.put_wait_key(),
        || catch_unwind(AssertUnwindSafe(|| q.put(FULL))),
        get_trigger(),
    ));
    // Check the queue isn't damaged: the put failed, the get succeeded; re-add.
    q.put(LAST).unwrap();
    // A failing timed put that had to wait.
    fail_put.store(true, SeqCst);
    expect_failed(do_blocking_test::<S, _>(
        q.put_wait_key(),
        || catch_unwind(AssertUnwindSafe(|| q.put_timeout(FULL, Duration::from_secs(10)))),
        get_trigger(),
    ));
    q.put(LAST).unwrap();
    assert!(qfull(), "Queue should be full");
    q.get().unwrap();
    assert!(!qfull(), "Queue should not be full");
    q.put(LAST).unwrap();
    assert!(qfull(), "Queue should be full");
    // A blocking put.
    do_blocking_test::<S, _>(q.put_wait_key(), || q.put(FULL).unwrap(), get_trigger());
    // Empty it.
    for _ in 0..QUEUE_SIZE {
        q.get().unwrap();
    }
    assert_eq!(q.qsize(), 0, "Queue should be empty");
    q.put(FIRST).unwrap();
    fail_get.store(true, SeqCst);
    expect_failed(catch_unwind(AssertUnwindSafe(|| q.get())));
    assert!(q.qsize() > 0, "Queue should not be empty");
    fail_get.store(true, SeqCst);
    expect_failed(catch_unwind(AssertUnwindSafe(|| q.get_timeout(Duration::from_millis(100)))));
    assert!(q.qsize() > 0, "Queue should not be empty");
    q.get().unwrap();
    assert_eq!(q.qsize(), 0, "Queue should be empty");
    fail_get.store(true, SeqCst);
    let put_trigger = {
        let q = q.clone();
        move || q.put(EMPTY).unwrap()
    };
    expect_failed(do_blocking_test::<S, _>(
        q.get_wait_key(),
        || catch_unwind(AssertUnwindSafe(|| q.get())),
        put_trigger,
    ));
    // The put succeeded, the get failed.
    assert!(q.qsize() > 0, "Queue should not be empty");
    q.get().unwrap();
    assert_eq!(q.qsize(), 0, "Queue should be empty");
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// `failing_queue_test` twice on one queue (a discipline that panics stands for CPython's
    /// subclass whose `_put`/`_get` raise). Also: only the puts that stored their item count as
    /// unfinished tasks.
    fn test_failing_queue() {
        let fail_put = Arc::new(AtomicBool::new(false));
        let fail_get = Arc::new(AtomicBool::new(false));
        let failing = Failing { items: Fifo::default(), fail_next_put: fail_put.clone(), fail_next_get: fail_get.clone() };
        let q = Arc::new(Queue::<S, i64, Failing>::with_discipline(QUEUE_SIZE, failing));
        failing_queue_test(&q, &fail_put, &fail_get);
        failing_queue_test(&q, &fail_put, &fail_get);
        // Per round, the puts that succeed: the first QUEUE_SIZE - 1, four of LAST, one of FULL,
        // FIRST and EMPTY.
        assert_eq!(q.unfinished_tasks(), 2 * (QUEUE_SIZE - 1 + 7));
    }

    /// SPEC: `Empty`, `Full` and `ShutDown` are their own classes, `queue.Empty`, `queue.Full`
    /// and `queue.ShutDown` (not `RuntimeError`s), whose message is empty as in CPython;
    /// `task_done` too many times is `ValueError("task_done() called too many times")`.
    fn test_exception_classes() {
        for (error, kind, name) in [
            (Error::Empty, ExceptionKind::Empty, "queue.Empty"),
            (Error::Full, ExceptionKind::Full, "queue.Full"),
            (Error::ShutDown, ExceptionKind::ShutDown, "queue.ShutDown"),
        ] {
            assert_eq!(error.kind(), kind);
            assert_eq!(kind.name(), name);
            assert_eq!(kind.to_string(), name);
            assert!(!kind.is_runtime_error());
            assert_eq!(error.to_string(), "");
        }
        let error = Error::TaskDoneTooManyTimes;
        assert_eq!(error.kind(), ExceptionKind::ValueError);
        assert_eq!(error.to_string(), "task_done() called too many times");
        let q = Queue::<S, i64>::new(1);
        assert_error(q.get_nowait(), ExceptionKind::Empty, "");
        q.put(1).unwrap();
        let full = q.put_nowait(2).unwrap_err();
        assert_eq!((full.kind(), full.to_string()), (ExceptionKind::Full, String::new()));
    }

    /// SPEC: a getter whose timeout expired leaves the queue of waiters, so a later `put`'s
    /// wake-up goes to a getter still waiting (which would otherwise time out instead, or hang).
    /// First in order (the timed getter is gone before the put), then racing (the put comes as
    /// the timeout expires: whichever getter takes the item, the other is not left waiting for
    /// it).
    fn test_timed_out_getter_leaves_the_wake_up_to_another() {
        const SHORT: Duration = Duration::from_millis(10);
        for racing in [false, true] {
            let q = Arc::new(Queue::<S, i64>::new(0));
            let getter = |timeout: Duration, result: &Arc<Mutex<Option<Result<i64, Error>>>>| {
                let (q, result) = (q.clone(), result.clone());
                Threads::<S>::start(vec![Box::new(move || *result.lock().unwrap() = Some(q.get_timeout(timeout))) as Body])
            };
            let (first, second) = (Arc::new(Mutex::new(None)), Arc::new(Mutex::new(None)));
            // The timed getter waits first: a `notify` wakes the oldest waiter.
            let timed = getter(SHORT, &first);
            timed.wait_blocked(q.get_wait_key(), 1);
            let patient = getter(PATIENCE, &second);
            patient.wait_blocked(q.get_wait_key(), 1);
            if racing {
                sleep::<S>(SHORT);
            } else {
                wait_until::<S>("the timed getter timed out", || first.lock().unwrap().is_some());
            }
            q.put(1).unwrap();
            timed.join_all();
            let first = first.lock().unwrap().take().unwrap();
            match first {
                Ok(item) => {
                    assert!(racing, "the timed getter had timed out");
                    assert_eq!(item, 1);
                    q.put(2).unwrap();
                    patient.join_all();
                    assert_eq!(second.lock().unwrap().take(), Some(Ok(2)));
                }
                Err(error) => {
                    assert_eq!(error, Error::Empty);
                    patient.join_all();
                    assert_eq!(second.lock().unwrap().take(), Some(Ok(1)), "the put's wake-up was lost");
                }
            }
            assert!(q.empty());
        }
    }
}
