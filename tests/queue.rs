//! `weft::queue` on the façade's scheduler: the same code runs in a simulation and on real
//! threads, and a queue is an object of the world that made it, as every façade object is (it is
//! refused, at its first use, by a simulation that did not make it).

use std::sync::Arc;
use std::time::Duration;

use weft::queue::{PriorityQueue, Queue, SimpleQueue};
use weft::sim::{Explorer, FailureKind};
use weft::{ExceptionKind, Thread};

/// A worker drains a bounded queue; the producer joins the queue, then shuts it down.
fn pipeline() -> u64 {
    let queue = Arc::new(Queue::new(2));
    let total = Arc::new(weft::AtomicUsize::new(0));
    let worker = {
        let (queue, total) = (queue.clone(), total.clone());
        Thread::new(move || {
            while let Ok(item) = queue.get() {
                total.fetch_add(item, std::sync::atomic::Ordering::SeqCst);
                queue.task_done().unwrap();
            }
        })
    };
    worker.start().unwrap();
    for item in 1..=4 {
        queue.put(item).unwrap();
    }
    queue.join();
    queue.shutdown(false);
    worker.join().unwrap();
    assert_eq!(queue.put(5).unwrap_err().kind(), ExceptionKind::ShutDown);
    total.load(std::sync::atomic::Ordering::SeqCst) as u64
}

#[test]
fn the_same_queue_code_runs_in_a_simulation_and_on_real_threads() {
    let stats = Explorer::exhaustive().check(|| assert_eq!(pipeline(), 10));
    assert!(stats.exhausted, "{stats:?}");
    assert!(!weft::sim::in_simulation());
    assert_eq!(pipeline(), 10);
}

#[test]
fn a_queue_made_outside_a_simulation_is_refused_inside_it() {
    let queue = Arc::new(SimpleQueue::new());
    queue.put(1);
    let q = queue.clone();
    let report = Explorer::random_walk(1)
        .iterations(3)
        .run(move || {
            q.get_nowait().ok();
        })
        .expect_err("a queue made outside the simulation");
    assert_eq!(report.failure.kind, FailureKind::Panic);
    // The queue's first operation is on its mutex, a `Lock`.
    assert!(report.failure.message.contains("this Lock was made outside any simulation"), "{report}");
    // Still the real threads' own queue, with its item.
    assert_eq!(queue.get_timeout(Duration::from_secs(1)).unwrap(), 1);
}

#[test]
fn a_priority_queue_from_an_earlier_execution_is_refused() {
    static KEPT: std::sync::OnceLock<PriorityQueue<u32>> = std::sync::OnceLock::new();
    let report = Explorer::random_walk(1)
        .iterations(5)
        .run(|| {
            let queue = KEPT.get_or_init(|| PriorityQueue::new(0));
            queue.put(1).unwrap();
        })
        .expect_err("the second execution uses the first one's queue");
    assert!(report.failure.message.contains("this Lock was made in an earlier execution"), "{report}");
    assert_eq!(report.stats.executions, 2);
}
