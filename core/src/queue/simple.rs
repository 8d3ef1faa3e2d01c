//! [`SimpleQueue`]: Python's `queue.SimpleQueue`, an unbounded FIFO queue without task tracking.

use std::fmt;
use std::time::Duration;

use crate::backend::Scheduler;
use crate::error::Error;
use crate::queue::{Block, Discipline, Fifo, Queue, holding};

/// An unbounded first in, first out queue (Python's `queue.SimpleQueue`): `put` never blocks and
/// never fails; there is no `task_done`, `join`, `maxsize` or `shutdown`.
///
/// It is a [`Queue`] underneath (the same mutex and `not_empty` condition), minus the task count.
///
/// ```
/// # use std::sync::Arc;
/// # use weft_core::{ExceptionKind, Scheduler, SimpleQueue, Thread};
/// # fn demo<S: Scheduler>() -> Result<(), weft_core::Error> {
/// let queue = Arc::new(SimpleQueue::<S, &str>::new());
/// let q = queue.clone();
/// let producer = Thread::<S>::new(move || {
///     q.put("hello");
///     q.put("world");
/// });
/// producer.start()?;
/// assert_eq!(queue.get(), "hello"); // waits for the producer
/// assert_eq!(queue.get(), "world");
/// producer.join()?;
/// assert_eq!(queue.get_nowait().unwrap_err().kind(), ExceptionKind::Empty);
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub struct SimpleQueue<S: Scheduler, T> {
    queue: Queue<S, T, Fifo<T>>,
}

impl<S: Scheduler, T> SimpleQueue<S, T> {
    /// An empty queue.
    pub fn new() -> Self {
        SimpleQueue { queue: Queue::new(0) }
    }

    /// Names this queue's parts in a simulator's traces (see [`Queue::label`]); returns it.
    pub fn label(&self, label: &str) -> &Self {
        self.queue.label(label);
        self
    }

    /// Puts `item` at the back. Never blocks.
    pub fn put(&self, item: T) {
        let _held = self.queue.mutex.lock();
        self.queue.state().items.push(item);
        holding(self.queue.not_empty.notify(1));
    }

    /// The same as [`SimpleQueue::put`] (Python has it for compatibility with `Queue`).
    pub fn put_nowait(&self, item: T) {
        self.put(item)
    }

    /// Removes and returns the oldest item, waiting while the queue is empty.
    pub fn get(&self) -> T {
        // Only a shutdown can make a blocking `get` fail, and a `SimpleQueue` has none.
        self.queue
            .get_with(Ok(Block::Forever))
            .unwrap_or_else(|error| unreachable!("a SimpleQueue is never shut down: {error}"))
    }

    /// Removes and returns the oldest item, waiting at most `timeout` while the queue is empty
    /// (a zero timeout does not wait).
    ///
    /// # Errors
    /// [`Error::TimeoutTooLarge`] if `timeout` exceeds [`crate::TIMEOUT_MAX`]; [`Error::Empty`]
    /// if the queue is still empty at the deadline.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, Error> {
        self.queue.get_timeout(timeout)
    }

    /// Removes and returns the oldest item if there is one now.
    ///
    /// # Errors
    /// [`Error::Empty`] if the queue is empty.
    pub fn get_nowait(&self) -> Result<T, Error> {
        self.queue.get_nowait()
    }

    /// The number of items in the queue now (a snapshot).
    pub fn qsize(&self) -> usize {
        self.queue.qsize()
    }

    /// Whether the queue is empty now (a snapshot).
    pub fn empty(&self) -> bool {
        self.queue.empty()
    }

    /// The key threads blocked in `get` are parked on (see [`Queue::get_wait_key`]).
    pub fn get_wait_key(&self) -> usize {
        self.queue.get_wait_key()
    }
}

impl<S: Scheduler, T> Default for SimpleQueue<S, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler, T> fmt::Debug for SimpleQueue<S, T> {
    /// `<SimpleQueue: qsize=N>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<SimpleQueue: qsize={}>", self.qsize())
    }
}
