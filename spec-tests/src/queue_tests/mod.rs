//! Ports of CPython's `Lib/test/test_queue.py` (3.14), and the `queue` behaviour of SPEC.md that
//! CPython does not test directly. `BaseQueueTestMixin` (with the 3.13 shutdown tests) runs for
//! `Queue`, `LifoQueue` and `PriorityQueue`, as CPython runs it (`queue::…`, `lifo_queue::…`,
//! `priority_queue::…`); `FailingQueueTest` for `Queue` (`queue::test_failing_queue`);
//! `BaseSimpleQueueTest` for `SimpleQueue` (`simple_queue::…`).
//!
//! CPython's `_TriggerThread` sleeps 0.1 s so that the main thread has blocked before it unclogs
//! the queue; here it waits until the main thread is parked on the queue's condition, which is
//! synchronisation rather than a guess. The many-thread tests run fewer items and threads than
//! CPython's (they run in the simulator too); the sizes are noted where they differ.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use weft_core::{Discipline, Fifo, Lifo, Priority, Queue, Scheduler, Thread, ThreadStatus, current_status};

use crate::harness::Test;
use crate::support::{wait_blocked, wait_until};

pub mod base;
pub mod fifo;
pub mod shutdown;
pub mod simple;

/// Every queue test, instantiated for `S`: `queue::…`, `lifo_queue::…`, `priority_queue::…`,
/// `simple_queue::…` (`prefix` is not used: the groups name themselves).
pub fn register<S: Scheduler>(tests: &mut Vec<Test>, _prefix: &str) {
    base::register::<S, Fifo<i64>>(tests, "queue");
    shutdown::register::<S, Fifo<i64>>(tests, "queue");
    fifo::register::<S>(tests, "queue");
    base::register::<S, Lifo<i64>>(tests, "lifo_queue");
    shutdown::register::<S, Lifo<i64>>(tests, "lifo_queue");
    base::register::<S, Priority<i64>>(tests, "priority_queue");
    shutdown::register::<S, Priority<i64>>(tests, "priority_queue");
    simple::register::<S>(tests, "simple_queue");
}

/// CPython's `QUEUE_SIZE`.
pub const QUEUE_SIZE: usize = 5;

/// A queue of the kind under test, holding `i64`s (CPython's tests put ints and strings; ints
/// here, which every kind can order).
pub type Q<S, D> = Queue<S, i64, D>;

/// A kind of queue `BaseQueueTestMixin` runs for: its discipline, and what it returns for the
/// items `111, 333, 222` put in that order (CPython's `target_order`).
pub trait QueueKind: Discipline<i64> + Default + Send + 'static {
    /// The order `get` returns `111, 333, 222` in.
    const ORDER: [i64; 3];
}

impl QueueKind for Fifo<i64> {
    const ORDER: [i64; 3] = [111, 333, 222];
}

impl QueueKind for Lifo<i64> {
    const ORDER: [i64; 3] = [222, 333, 111];
}

impl QueueKind for Priority<i64> {
    const ORDER: [i64; 3] = [111, 222, 333];
}

/// CPython's `qfull(q)`: `maxsize > 0 and qsize() == maxsize`.
pub fn qfull<S: Scheduler, D: QueueKind>(q: &Q<S, D>) -> bool {
    q.maxsize() > 0 && q.qsize() == q.maxsize()
}

/// The message of a panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic".into())
}

/// CPython's `do_blocking_test`: `block()` must block until `trigger()`, which another thread
/// calls once the calling thread is parked on `key` (the queue's `get_wait_key()` or
/// `put_wait_key()`), has run. Returns what `block()` returned.
///
/// # Panics
/// If `block()` returned before the trigger ran ("blocking function appeared not to block"), or
/// the trigger panicked.
#[track_caller]
pub fn do_blocking_test<S: Scheduler, R>(
    key: usize,
    block: impl FnOnce() -> R,
    trigger: impl FnOnce() + Send + 'static,
) -> R {
    let main = current_status::<S>();
    let started = Arc::new(AtomicBool::new(false));
    let trigger_failed = Arc::new(Mutex::new(None));
    let thread = {
        let (started, trigger_failed) = (started.clone(), trigger_failed.clone());
        Thread::<S>::new(move || {
            wait_blocked::<S>(&[main], key, 1);
            started.store(true, SeqCst);
            if let Err(payload) = catch_unwind(AssertUnwindSafe(trigger)) {
                *trigger_failed.lock().unwrap() = Some(panic_message(&*payload));
            }
        })
    };
    thread.start().unwrap();
    let result = block();
    assert!(started.load(SeqCst), "blocking function appeared not to block");
    thread.join().unwrap();
    if let Some(message) = trigger_failed.lock().unwrap().take() {
        panic!("the trigger function panicked: {message}");
    }
    result
}

/// A body for one of the threads of [`Threads::start`].
pub type Body = Box<dyn FnOnce() + Send>;

/// CPython's list of `threading.Thread(target=…)`, started at once: weft threads running one
/// body each. [`Threads::join_all`] joins them and re-raises the first panic of any of them (a
/// panic in a weft thread otherwise only reaches the excepthook).
pub struct Threads<S: Scheduler> {
    threads: Vec<Thread<S>>,
    statuses: Arc<Mutex<Vec<Arc<ThreadStatus<S>>>>>,
    errors: Arc<Mutex<Vec<String>>>,
}

impl<S: Scheduler> Threads<S> {
    /// Starts one thread per body.
    pub fn start(bodies: Vec<Body>) -> Self {
        let statuses = Arc::new(Mutex::new(Vec::new()));
        let errors = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<Thread<S>> = bodies
            .into_iter()
            .map(|body| {
                let (statuses, errors) = (statuses.clone(), errors.clone());
                Thread::<S>::new(move || {
                    statuses.lock().unwrap().push(current_status::<S>());
                    if let Err(payload) = catch_unwind(AssertUnwindSafe(body)) {
                        errors.lock().unwrap().push(panic_message(&*payload));
                    }
                })
            })
            .collect();
        for thread in &threads {
            thread.start().unwrap();
        }
        Threads { threads, statuses, errors }
    }

    /// Waits until at least `n` of the threads are parked on `key`.
    #[track_caller]
    pub fn wait_blocked(&self, key: usize, n: usize) {
        wait_until::<S>(&format!("{n} threads blocked"), || {
            self.statuses.lock().unwrap().iter().filter(|s| s.blocked_on() == key).count() >= n
        });
    }

    /// Joins every thread.
    ///
    /// # Panics
    /// With the message of the first thread that panicked.
    pub fn join_all(self) {
        for thread in &self.threads {
            thread.join().unwrap();
        }
        if let Some(error) = self.errors.lock().unwrap().first() {
            panic!("a thread panicked: {error}");
        }
    }
}

/// Starts `n` threads running `f(i)` and joins them (CPython's `threading_helper.start_threads`).
pub fn run_threads<S: Scheduler>(n: usize, f: impl Fn(usize) + Send + Sync + 'static) {
    let f = Arc::new(f);
    let bodies = (0..n)
        .map(|i| {
            let f = f.clone();
            Box::new(move || f(i)) as Body
        })
        .collect();
    Threads::<S>::start(bodies).join_all();
}
