//! Python's `queue` module: [`Queue`], [`LifoQueue`], [`PriorityQueue`], [`SimpleQueue`], and
//! their errors — [`Error::Empty`], [`Error::Full`], [`Error::ShutDown`] (whose
//! [`kind`](Error::kind) is `queue.Empty`, `queue.Full`, `queue.ShutDown`), and [`PutError`],
//! which gives a failed `put`'s item back.
//!
//! Like the other façade types they run on [`Auto`]: inside a simulation on the
//! simulator, which sees every step of a `put` or `get` (the queue's lock and conditions) and
//! explores which blocked thread goes on; elsewhere on real threads. Code generic over the
//! backend names `weft::generic::Queue<S, T>` (and `Queue<S, T, D>` with a [`Discipline`] of its
//! own).
//!
//! ```
//! use std::sync::Arc;
//! use weft::Thread;
//! use weft::queue::Queue;
//!
//! // Two producers, one consumer, room for one item: every interleaving delivers every item.
//! weft::sim::check(|| {
//!     let queue = Arc::new(Queue::new(1));
//!     let producers: Vec<Thread> = (0..2)
//!         .map(|p| {
//!             let queue = queue.clone();
//!             Thread::new(move || queue.put(p).unwrap())
//!         })
//!         .collect();
//!     producers.iter().for_each(|t| t.start().unwrap());
//!     let mut got = [queue.get().unwrap(), queue.get().unwrap()];
//!     got.sort();
//!     assert_eq!(got, [0, 1]);
//!     producers.iter().for_each(|t| t.join().unwrap());
//! });
//! ```

use crate::Auto;

pub use weft_core::{Discipline, Error, Fifo, Lifo, Priority, PutError};

/// A first in, first out queue with room for `maxsize` items, 0 for unbounded (Python's
/// `queue.Queue`). See [`weft_core::Queue`].
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use weft::{ExceptionKind, Thread};
/// use weft::queue::Queue;
///
/// let queue = Arc::new(Queue::new(2));
/// queue.put(1).unwrap();
/// queue.put(2).unwrap();
/// // Full: Python's `queue.Full`, and the item comes back.
/// let error = queue.put_timeout(3, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(error.kind(), ExceptionKind::Full);
/// assert_eq!(error.into_inner(), 3);
/// let q = queue.clone();
/// let worker = Thread::new(move || {
///     while let Ok(item) = q.get() {
///         assert!(item > 0);
///         q.task_done().unwrap();
///     }
/// });
/// worker.start().unwrap();
/// queue.join(); // both items got and marked done
/// queue.shutdown(false); // the worker's next `get` fails with `queue.ShutDown`
/// worker.join().unwrap();
/// ```
pub type Queue<T> = weft_core::Queue<Auto, T>;

/// A last in, first out queue (Python's `queue.LifoQueue`). See [`weft_core::LifoQueue`].
///
/// ```
/// use weft::queue::LifoQueue;
///
/// let stack = LifoQueue::new(0);
/// stack.put("a").unwrap();
/// stack.put("b").unwrap();
/// assert_eq!(stack.get().unwrap(), "b");
/// assert_eq!(stack.get().unwrap(), "a");
/// ```
pub type LifoQueue<T> = weft_core::LifoQueue<Auto, T>;

/// A queue that hands out the smallest item first (Python's `queue.PriorityQueue`). See
/// [`weft_core::PriorityQueue`].
///
/// ```
/// use weft::queue::PriorityQueue;
///
/// let jobs = PriorityQueue::new(0);
/// jobs.put((5, "sweep")).unwrap();
/// jobs.put((1, "deploy")).unwrap();
/// assert_eq!(jobs.get().unwrap(), (1, "deploy"));
/// assert_eq!(jobs.qsize(), 1);
/// ```
pub type PriorityQueue<T> = weft_core::PriorityQueue<Auto, T>;

/// An unbounded first in, first out queue without task tracking (Python's `queue.SimpleQueue`):
/// `put` never blocks nor fails. See [`weft_core::SimpleQueue`].
///
/// ```
/// use std::time::Duration;
/// use weft::ExceptionKind;
/// use weft::queue::SimpleQueue;
///
/// let queue = SimpleQueue::new();
/// queue.put(7);
/// assert_eq!(queue.get(), 7);
/// let error = queue.get_timeout(Duration::from_millis(1)).unwrap_err();
/// assert_eq!(error.kind(), ExceptionKind::Empty);
/// assert_eq!(error.kind().name(), "queue.Empty");
/// ```
pub type SimpleQueue<T> = weft_core::SimpleQueue<Auto, T>;
