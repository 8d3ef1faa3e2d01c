//! CPython's `BaseSimpleQueueTest` (for `SimpleQueue`), and SPEC.md's `SimpleQueue` behaviour
//! it does not test: a blocking `get` woken by a `put`, the timeout limit, `Debug`.

use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{AtomicUsize, Error, ExceptionKind, Scheduler, SimpleQueue, TIMEOUT_MAX, sleep};

use super::{Body, Threads, do_blocking_test};
use crate::support::assert_error;

/// A queue of the simple tests: `None` is CPython's `sentinel`.
type Sq<S> = SimpleQueue<S, Option<i64>>;

/// How a consumer of [`run_threads`] gets its items.
#[derive(Copy, Clone)]
enum Consume {
    /// CPython's `consume`: `get()`.
    Blocking,
    /// CPython's `consume_nonblock`: `get(block=False)`, sleeping 10 µs after each `Empty`.
    Nonblock,
    /// CPython's `consume_timeout`: `get(timeout=1e-5)` until it returns an item.
    Timeout,
}

/// A small deterministic generator standing in for CPython's `random.Random(42)` (xorshift64*).
struct Random(u64);

impl Random {
    /// A number in `[0, 1)`.
    fn random(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// CPython's `feed`: puts the inputs not yet taken by another feeder, in order, sometimes
/// sleeping up to 1 ms after a put; then the sentinel.
fn feed<S: Scheduler>(q: &Sq<S>, inputs: &[i64], next: &AtomicUsize<S>, rnd: &mut Random) {
    loop {
        let Some(&value) = inputs.get(next.fetch_add(1, SeqCst)) else {
            q.put(None);
            return;
        };
        q.put(Some(value));
        if rnd.random() > 0.5 {
            sleep::<S>(Duration::from_secs_f64(rnd.random() * 1e-3));
        }
    }
}

/// CPython's `consume`, `consume_nonblock` and `consume_timeout`: gets until the sentinel,
/// appending the other items to `results`.
fn consume<S: Scheduler>(q: &Sq<S>, results: &Mutex<Vec<i64>>, how: Consume) {
    loop {
        let value = match how {
            Consume::Blocking => q.get(),
            Consume::Nonblock => loop {
                match q.get_nowait() {
                    Ok(value) => break value,
                    Err(error) => {
                        assert_eq!(error, Error::Empty);
                        sleep::<S>(Duration::from_micros(10));
                    }
                }
            },
            Consume::Timeout => loop {
                match q.get_timeout(Duration::from_micros(10)) {
                    Ok(value) => break value,
                    Err(error) => assert_eq!(error, Error::Empty),
                }
            },
        };
        match value {
            None => return,
            Some(value) => results.lock().unwrap().push(value),
        }
    }
}

/// CPython's `run_threads`: `n_threads` feeders and as many consumers share the queue; returns
/// what the consumers got, in the order they appended it. The queue ends empty.
fn run_threads<S: Scheduler>(n_threads: usize, q: &Arc<Sq<S>>, inputs: Vec<i64>, how: Consume) -> Vec<i64> {
    let inputs = Arc::new(inputs);
    let next = Arc::new(AtomicUsize::<S>::new(0));
    let results = Arc::new(Mutex::new(Vec::new()));
    let mut bodies: Vec<Body> = Vec::new();
    for i in 0..n_threads {
        let (q, inputs, next) = (q.clone(), inputs.clone(), next.clone());
        let mut rnd = Random(42 + i as u64);
        bodies.push(Box::new(move || feed(&q, &inputs, &next, &mut rnd)));
    }
    for _ in 0..n_threads {
        let (q, results) = (q.clone(), results.clone());
        bodies.push(Box::new(move || consume(&q, &results, how)));
    }
    Threads::<S>::start(bodies).join_all();
    assert!(q.empty());
    assert_eq!(q.qsize(), 0);
    results.lock().unwrap().clone()
}

/// `run_threads` with `n_threads` of each and `0..n_items`; the results, sorted, are the inputs.
fn many_threads<S: Scheduler>(n_threads: usize, n_items: i64, how: Consume) {
    let q = Arc::new(Sq::<S>::new());
    let inputs: Vec<i64> = (0..n_items).collect();
    let mut results = run_threads(n_threads, &q, inputs.clone(), how);
    // Multiple consumers without synchronisation append the results in random order.
    results.sort();
    assert_eq!(results, inputs);
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// `put`, `put_nowait`, `get`, `get_nowait`, `get(timeout=…)`, `qsize` and `empty` in one
    /// thread; `Empty` from an empty queue.
    fn test_basic() {
        let q = Sq::<S>::new();
        assert!(q.empty());
        assert_eq!(q.qsize(), 0);
        q.put(Some(1));
        assert!(!q.empty());
        assert_eq!(q.qsize(), 1);
        q.put(Some(2));
        q.put_nowait(Some(3));
        q.put(Some(4));
        assert!(!q.empty());
        assert_eq!(q.qsize(), 4);
        assert_eq!(q.get(), Some(1));
        assert_eq!(q.qsize(), 3);
        assert_eq!(q.get_nowait().unwrap(), Some(2));
        assert_eq!(q.qsize(), 2);
        assert_eq!(q.get_nowait().unwrap(), Some(3)); // `get(block=False)`
        assert!(!q.empty());
        assert_eq!(q.qsize(), 1);
        assert_eq!(q.get_timeout(Duration::from_millis(100)).unwrap(), Some(4));
        assert!(q.empty());
        assert_eq!(q.qsize(), 0);
        assert_error(q.get_nowait(), ExceptionKind::Empty, "");
        assert_error(q.get_timeout(Duration::from_millis(1)), ExceptionKind::Empty, "");
        assert_error(q.get_nowait(), ExceptionKind::Empty, "");
        assert!(q.empty());
        assert_eq!(q.qsize(), 0);
    }

    /// One feeder, one consumer, 100 items: the consumer gets them in order.
    fn test_order() {
        let q = Arc::new(Sq::<S>::new());
        let inputs: Vec<i64> = (0..100).collect();
        let results = run_threads(1, &q, inputs.clone(), Consume::Blocking);
        assert_eq!(results, inputs);
    }

    /// Eight feeders and eight consumers (CPython: 50 each), 800 items (CPython: 10000), blocking
    /// `get`: every item is got once.
    fn test_many_threads() {
        many_threads::<S>(8, 800, Consume::Blocking);
    }

    /// As `test_many_threads`, the consumers polling with `get_nowait`; four of each, 100 items
    /// (CPython: 50, 10000; the polls are most of the steps a simulator explores).
    fn test_many_threads_nonblock() {
        many_threads::<S>(4, 100, Consume::Nonblock);
    }

    /// As `test_many_threads_nonblock`, the consumers getting with a 10 µs timeout (CPython: 50
    /// threads of each, 1000 items).
    fn test_many_threads_timeout() {
        many_threads::<S>(4, 100, Consume::Timeout);
    }

    /// The queue keeps no reference to an item once it is got (CPython checks with a weakref;
    /// here the item's `Arc` is unique).
    fn test_references() {
        let q = SimpleQueue::<S, Arc<()>>::new();
        for _ in 0..20 {
            q.put(Arc::new(()));
        }
        for _ in 0..20 {
            assert_eq!(Arc::strong_count(&q.get()), 1);
        }
    }

    /// SPEC: a `get` blocked on an empty queue (without a timeout, and with `TIMEOUT_MAX`)
    /// returns the item a `put` from another thread brings; a timeout above `TIMEOUT_MAX` is
    /// `OverflowError`, also with an item there.
    fn test_blocking_get() {
        let q = Arc::new(Sq::<S>::new());
        let trigger = |item| {
            let q = q.clone();
            move || q.put(Some(item))
        };
        assert_eq!(do_blocking_test::<S, _>(q.get_wait_key(), || q.get(), trigger(1)), Some(1));
        assert_eq!(do_blocking_test::<S, _>(q.get_wait_key(), || q.get_timeout(TIMEOUT_MAX).unwrap(), trigger(2)), Some(2));
        q.put(Some(3));
        let too_large = TIMEOUT_MAX + Duration::from_secs(1);
        assert_error(q.get_timeout(too_large), ExceptionKind::OverflowError, "timeout value is too large");
        assert_eq!(format!("{q:?}"), "<SimpleQueue: qsize=1>");
    }
}
