//! The order a queue hands its items out in: [`Discipline`] and its three implementations,
//! [`Fifo`] ([`crate::Queue`]), [`Lifo`] ([`crate::LifoQueue`]) and [`Priority`]
//! ([`crate::PriorityQueue`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

/// How a [`Queue`](crate::Queue) stores its items and which one `get` takes next: Python's
/// `_qsize`, `_put` and `_get`, the hooks `LifoQueue` and `PriorityQueue` override (and `_init`,
/// which is [`Default`] here, or the value given to
/// [`Queue::with_discipline`](crate::Queue::with_discipline)).
///
/// The queue calls these methods only while it holds its mutex, one at a time, and never while
/// a thread waits. A method that panics leaves the queue usable, as an exception in `_put` or
/// `_get` does in Python: the panic reaches the caller of `put` or `get`, the queue's mutex is
/// released, and the item count of `task_done`/`join` is unchanged.
///
/// ```
/// # use std::collections::VecDeque;
/// # use weft_core::{Discipline, Queue, Scheduler};
/// # fn demo<S: Scheduler>() {
/// /// Hands out the largest item first.
/// #[derive(Default)]
/// struct Largest(Vec<u32>);
///
/// impl Discipline<u32> for Largest {
///     const KIND: &'static str = "LargestFirstQueue";
///     fn push(&mut self, item: u32) {
///         let at = self.0.partition_point(|&x| x < item);
///         self.0.insert(at, item);
///     }
///     fn pop(&mut self) -> Option<u32> {
///         self.0.pop()
///     }
///     fn len(&self) -> usize {
///         self.0.len()
///     }
/// }
///
/// let queue = Queue::<S, u32, Largest>::new(0);
/// for item in [2, 7, 1] {
///     queue.put(item).unwrap();
/// }
/// assert_eq!([queue.get().unwrap(), queue.get().unwrap(), queue.get().unwrap()], [7, 2, 1]);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub trait Discipline<T> {
    /// The name of the queue type this discipline makes, for `Debug` (e.g. `"LifoQueue"`).
    const KIND: &'static str = "Queue";

    /// Stores `item` (Python's `_put`).
    fn push(&mut self, item: T);

    /// Removes and returns the item `get` takes next, or `None` if there is none (Python's
    /// `_get`).
    fn pop(&mut self) -> Option<T>;

    /// The number of items stored (Python's `_qsize`).
    fn len(&self) -> usize;

    /// Whether no item is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out: the discipline of [`Queue`](crate::Queue) (Python's `deque` with
/// `append` and `popleft`).
///
/// ```
/// use weft_core::{Discipline, Fifo};
///
/// let mut items = Fifo::default();
/// items.push(1);
/// items.push(2);
/// assert_eq!((items.pop(), items.pop(), items.pop()), (Some(1), Some(2), None));
/// ```
pub struct Fifo<T>(VecDeque<T>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> Discipline<T> for Fifo<T> {
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Last in, first out: the discipline of [`LifoQueue`](crate::LifoQueue) (Python's list with
/// `append` and `pop`).
///
/// ```
/// use weft_core::{Discipline, Lifo};
///
/// let mut items = Lifo::default();
/// items.push(1);
/// items.push(2);
/// assert_eq!((items.pop(), items.pop(), items.pop()), (Some(2), Some(1), None));
/// ```
pub struct Lifo<T>(Vec<T>);

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T> Discipline<T> for Lifo<T> {
    const KIND: &'static str = "LifoQueue";
    fn push(&mut self, item: T) {
        self.0.push(item);
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Smallest first: the discipline of [`PriorityQueue`](crate::PriorityQueue) (Python's
/// `heapq`). Equal items come out in an unspecified order.
///
/// ```
/// use weft_core::{Discipline, Priority};
///
/// let mut items = Priority::default();
/// for item in [3, 1, 2] {
///     items.push(item);
/// }
/// assert_eq!((items.pop(), items.pop(), items.pop(), items.pop()), (Some(1), Some(2), Some(3), None));
/// ```
pub struct Priority<T>(BinaryHeap<Reverse<T>>);

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority(BinaryHeap::new())
    }
}

impl<T: Ord> Discipline<T> for Priority<T> {
    const KIND: &'static str = "PriorityQueue";
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item));
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

macro_rules! debug_as_count {
    ($($ty:ident),*) => {$(
        impl<T> fmt::Debug for $ty<T> {
            /// The number of items (not the items: they need not be `Debug`).
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({} items)", stringify!($ty), self.0.len())
            }
        }
    )*};
}

debug_as_count!(Fifo, Lifo, Priority);
