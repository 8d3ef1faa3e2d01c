//! Python's `queue` module: [`Queue`], [`LifoQueue`], [`PriorityQueue`] and [`SimpleQueue`].
//!
//! One implementation, `Lib/queue.py`'s: a [`Lock`] (`mutex`) shared by three [`Condition`]s —
//! `not_empty` (a `put` notifies one getter), `not_full` (a `get` notifies one putter) and
//! `all_tasks_done` (the last `task_done` wakes every `join`) — around a container whose
//! [`Discipline`] decides the order (FIFO, LIFO, smallest first). Every step is an operation of
//! those primitives, so a simulator sees and schedules each of them; the container itself is
//! touched only while `mutex` is held.

mod discipline;
mod error;
pub(crate) mod simple;

pub use discipline::{Discipline, Fifo, Lifo, Priority};
pub use error::PutError;

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::backend::Scheduler;
use crate::error::Error;
use crate::sync::condition::Condition;
use crate::sync::lock::Lock;
use crate::sync::raw::spin;
use crate::timeout::TIMEOUT_MAX;

/// A condition of a queue: on the queue's `mutex`, which the three share.
type QueueCondition<S> = Condition<S, Arc<Lock<S>>>;

/// How long a `put` or `get` may wait, as its caller asked.
#[derive(Copy, Clone)]
enum Block {
    /// Not at all (`put_nowait`, `get_nowait`, a zero timeout).
    No,
    /// Until it can proceed (`put`, `get`).
    Forever,
    /// At most this long, from the moment it starts waiting.
    For(Duration),
}

impl Block {
    /// The wait for a timeout: [`Error::TimeoutTooLarge`] above [`TIMEOUT_MAX`] (the check of
    /// `crate::timeout::deadline`, made eagerly as everywhere in weft, also when the call would
    /// not have had to wait; the deadline itself is fixed only if it waits); a zero timeout is
    /// a single try, as in CPython, where it never releases the mutex.
    fn timeout(timeout: Duration) -> Result<Block, Error> {
        if timeout > TIMEOUT_MAX {
            Err(Error::TimeoutTooLarge)
        } else if timeout.is_zero() {
            Ok(Block::No)
        } else {
            Ok(Block::For(timeout))
        }
    }
}

/// What a queue's `mutex` guards (Python's `queue`, `unfinished_tasks` and `is_shutdown`).
struct State<D> {
    items: D,
    unfinished_tasks: usize,
    is_shutdown: bool,
}

/// Unwraps the result of a wait on one of a queue's conditions or of a notification. The queue
/// holds its mutex whenever it waits or notifies, and nothing outside the queue can release that
/// mutex, so neither `WaitUnacquired` nor `NotifyUnacquired` can happen; nor can
/// `TimeoutTooLarge`, which the queue checks before it waits ([`Block::timeout`]).
fn holding<R>(result: Result<R, Error>) -> R {
    result.unwrap_or_else(|error| unreachable!("a queue waits and notifies only holding its mutex: {error}"))
}

/// A multi-producer, multi-consumer queue (Python's `queue.Queue`): first in, first out, with
/// room for `maxsize` items (0: unbounded). [`LifoQueue`] and [`PriorityQueue`] are this type
/// with another [`Discipline`].
///
/// `put` blocks while the queue is full, `get` while it is empty; their `_timeout` forms fail
/// with [`Error::Full`] / [`Error::Empty`] at the deadline, their `_nowait` forms at once. A
/// failed `put` gives the item back ([`PutError`]). Each item got is marked done with
/// [`Queue::task_done`]; [`Queue::join`] waits until every item put has been. After
/// [`Queue::shutdown`], `put` fails with [`Error::ShutDown`], and so does `get` once the queue
/// is empty (at once if the shutdown was immediate).
///
/// Which of several blocked putters or getters proceeds first is not defined (a simulator
/// explores the choices); the order of the items is.
///
/// ```
/// # use std::sync::Arc;
/// # use weft_core::{Queue, Scheduler, Thread};
/// # fn demo<S: Scheduler>() -> Result<(), weft_core::Error> {
/// let queue = Arc::new(Queue::<S, u32>::new(2));
/// let q = queue.clone();
/// let consumer = Thread::<S>::new(move || {
///     let mut total = 0;
///     loop {
///         let item = q.get().unwrap();
///         q.task_done().unwrap();
///         if item == 0 {
///             break;
///         }
///         total += item;
///     }
///     assert_eq!(total, 1 + 2 + 3);
/// });
/// consumer.start()?;
/// for item in [1, 2, 3, 0] {
///     queue.put(item)?; // waits while two items are waiting
/// }
/// queue.join(); // every item got and marked done
/// assert!(queue.empty());
/// consumer.join()?;
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub struct Queue<S: Scheduler, T, D = Fifo<T>> {
    maxsize: usize,
    /// Python's `mutex`: held whenever the state is read or changed, and shared by the three
    /// conditions, so that holding one of them holds it.
    mutex: Arc<Lock<S>>,
    /// Notified (one waiter) by each `put`: a thread waiting to get may go on.
    not_empty: QueueCondition<S>,
    /// Notified (one waiter) by each `get`: a thread waiting to put may go on.
    not_full: QueueCondition<S>,
    /// Notified (every waiter) when the count of unfinished tasks drops to zero.
    all_tasks_done: QueueCondition<S>,
    /// What `mutex` guards. Locked only while `mutex` is held, and never across an operation
    /// on a primitive, so this lock never waits (see [`Queue::state`]).
    state: Mutex<State<D>>,
    /// The items are `T`s (`D` stores them); the queue is `Send` and `Sync` when `D` is `Send`.
    item: PhantomData<fn(T) -> T>,
}

/// A last in, first out queue (Python's `queue.LifoQueue`): a [`Queue`] whose `get` takes the
/// most recently put item. Everything else is [`Queue`]'s.
///
/// ```
/// # use weft_core::{LifoQueue, Scheduler};
/// # fn demo<S: Scheduler>() -> Result<(), weft_core::Error> {
/// let stack = LifoQueue::<S, u32>::new(0);
/// for item in [111, 333, 222] {
///     stack.put(item)?;
/// }
/// assert_eq!([stack.get()?, stack.get()?, stack.get()?], [222, 333, 111]);
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub type LifoQueue<S, T> = Queue<S, T, Lifo<T>>;

/// A priority queue (Python's `queue.PriorityQueue`): a [`Queue`] whose `get` takes the smallest
/// item (`T: Ord`); equal items come out in an unspecified order. Put `(priority, data)` tuples
/// to order by priority. Everything else is [`Queue`]'s.
///
/// ```
/// # use weft_core::{PriorityQueue, Scheduler};
/// # fn demo<S: Scheduler>() -> Result<(), weft_core::Error> {
/// let tasks = PriorityQueue::<S, (u8, &str)>::new(0);
/// tasks.put((2, "later"))?;
/// tasks.put((1, "first"))?;
/// tasks.put((3, "last"))?;
/// assert_eq!(tasks.get()?, (1, "first"));
/// assert_eq!(tasks.get()?, (2, "later"));
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub type PriorityQueue<S, T> = Queue<S, T, Priority<T>>;

impl<S: Scheduler, T, D: Discipline<T>> Queue<S, T, D> {
    /// A queue with room for `maxsize` items; 0 means unbounded (Python: `maxsize <= 0`).
    pub fn new(maxsize: usize) -> Self
    where
        D: Default,
    {
        Self::with_discipline(maxsize, D::default())
    }

    /// A queue with room for `maxsize` items (0: unbounded) that keeps them in `items` (Python's
    /// `_init`, for a subclass that overrides it). Items `items` holds already count in
    /// [`Queue::qsize`], not in [`Queue::unfinished_tasks`].
    pub fn with_discipline(maxsize: usize, items: D) -> Self {
        let mutex = Arc::new(Lock::new());
        Queue {
            maxsize,
            not_empty: Condition::with_lock(mutex.clone()),
            not_full: Condition::with_lock(mutex.clone()),
            all_tasks_done: Condition::with_lock(mutex.clone()),
            mutex,
            state: Mutex::new(State { items, unfinished_tasks: 0, is_shutdown: false }),
            item: PhantomData,
        }
    }

    /// Names this queue's parts in a simulator's traces and deadlock reports, after Python's
    /// attributes: `LABEL.mutex`, `LABEL.not_empty`, `LABEL.not_full`, `LABEL.all_tasks_done`;
    /// returns the queue. See [`crate::Lock::label`]: label it once it is in place.
    pub fn label(&self, label: &str) -> &Self {
        self.mutex.label(&format!("{label}.mutex"));
        self.not_empty.label(&format!("{label}.not_empty"));
        self.not_full.label(&format!("{label}.not_full"));
        self.all_tasks_done.label(&format!("{label}.all_tasks_done"));
        self
    }

    /// The state `mutex` guards. Only called while holding `mutex`, and the guard is dropped
    /// before the next operation on a primitive: so this lock is never contended (a simulated
    /// thread never waits for it, which its simulator could not see). A panic in the discipline
    /// poisons it; the state is still consistent then (the item was not stored, or not taken).
    fn state(&self) -> MutexGuard<'_, State<D>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the state, holding `mutex`.
    fn with_state<R>(&self, f: impl FnOnce(&mut State<D>) -> R) -> R {
        let _held = self.mutex.lock();
        f(&mut self.state())
    }

    /// Puts `item`, waiting while the queue is full.
    ///
    /// # Errors
    /// [`Error::ShutDown`] if the queue was shut down, before or while waiting; the item is in
    /// the [`PutError`].
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.put_with(item, Ok(Block::Forever))
    }

    /// Puts `item`, waiting at most `timeout` while the queue is full (a zero timeout does not
    /// wait).
    ///
    /// # Errors
    /// [`Error::ShutDown`] if the queue was shut down, before or while waiting;
    /// [`Error::TimeoutTooLarge`] if `timeout` exceeds [`TIMEOUT_MAX`]; [`Error::Full`] if it is
    /// still full at the deadline. The item is in the [`PutError`].
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutError<T>> {
        self.put_with(item, Block::timeout(timeout))
    }

    /// Puts `item` if there is room now.
    ///
    /// # Errors
    /// [`Error::ShutDown`] if the queue was shut down; [`Error::Full`] if it is full. The item
    /// is in the [`PutError`].
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        self.put_with(item, Ok(Block::No))
    }

    /// Python's `put(item, block, timeout)`; `block` is `Err` for a timeout above
    /// [`TIMEOUT_MAX`], reported after a shutdown, as CPython orders its checks.
    fn put_with(&self, item: T, block: Result<Block, Error>) -> Result<(), PutError<T>> {
        let _held = self.mutex.lock();
        if self.state().is_shutdown {
            return Err(PutError::new(Error::ShutDown, item));
        }
        let block = match block {
            Ok(block) => block,
            Err(error) => return Err(PutError::new(error, item)),
        };
        if self.maxsize > 0 {
            let room = || {
                let state = self.state();
                state.is_shutdown || state.items.len() < self.maxsize
            };
            let room = match block {
                Block::No => room(),
                Block::Forever => {
                    self.spin_until(&room);
                    holding(self.not_full.wait_for(room))
                }
                Block::For(timeout) => {
                    self.spin_until(&room);
                    holding(self.not_full.wait_for_timeout(room, timeout))
                }
            };
            if !room {
                return Err(PutError::new(Error::Full, item));
            }
            if self.state().is_shutdown {
                return Err(PutError::new(Error::ShutDown, item));
            }
        }
        {
            let mut state = self.state();
            state.items.push(item);
            state.unfinished_tasks += 1;
        }
        holding(self.not_empty.notify(1));
        Ok(())
    }

    /// Called holding `mutex`, before a wait for `ready`: on real threads, lets the mutex go for
    /// a few short spins (taking it back after each) while `ready` does not hold, so that an
    /// item or room that comes within them spares a wake-up. Under a simulator, nothing:
    /// spinning would only add steps.
    fn spin_until(&self, ready: &impl Fn() -> bool) {
        if S::observing() {
            return;
        }
        let mut spins = 0;
        while !ready() {
            holding(self.mutex.release());
            let go_on = spin::<S>(spins);
            spins += 1;
            self.mutex.acquire();
            if !go_on {
                break;
            }
        }
    }

    /// Removes and returns the next item, waiting while the queue is empty.
    ///
    /// # Errors
    /// [`Error::ShutDown`] if the queue was shut down and is empty, before or while waiting.
    pub fn get(&self) -> Result<T, Error> {
        self.get_with(Ok(Block::Forever))
    }

    /// Removes and returns the next item, waiting at most `timeout` while the queue is empty (a
    /// zero timeout does not wait).
    ///
    /// # Errors
    /// [`Error::ShutDown`] if the queue was shut down and is empty, before or while waiting;
    /// [`Error::TimeoutTooLarge`] if `timeout` exceeds [`TIMEOUT_MAX`]; [`Error::Empty`] if it
    /// is still empty at the deadline.
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, Error> {
        self.get_with(Block::timeout(timeout))
    }

    /// Removes and returns the next item if there is one now.
    ///
    /// # Errors
    /// [`Error::ShutDown`] if the queue was shut down and is empty; [`Error::Empty`] if it is
    /// empty.
    pub fn get_nowait(&self) -> Result<T, Error> {
        self.get_with(Ok(Block::No))
    }

    /// Python's `get(block, timeout)` (see [`Queue::put_with`]).
    fn get_with(&self, block: Result<Block, Error>) -> Result<T, Error> {
        let _held = self.mutex.lock();
        {
            let state = self.state();
            if state.is_shutdown && state.items.is_empty() {
                return Err(Error::ShutDown);
            }
        }
        let ready = || {
            let state = self.state();
            state.is_shutdown || !state.items.is_empty()
        };
        match block? {
            Block::No => {}
            Block::Forever => {
                self.spin_until(&ready);
                holding(self.not_empty.wait_for(ready));
            }
            Block::For(timeout) => {
                self.spin_until(&ready);
                holding(self.not_empty.wait_for_timeout(ready, timeout));
            }
        }
        let item = {
            let mut state = self.state();
            match state.items.pop() {
                Some(item) => item,
                None if state.is_shutdown => return Err(Error::ShutDown),
                None => return Err(Error::Empty),
            }
        };
        holding(self.not_full.notify(1));
        Ok(item)
    }

    /// Marks one item got as done: when every item put has been, [`Queue::join`] returns.
    ///
    /// # Errors
    /// [`Error::TaskDoneTooManyTimes`] (`ValueError: task_done() called too many times`) if no
    /// item is unfinished; nothing changes then.
    pub fn task_done(&self) -> Result<(), Error> {
        let _held = self.mutex.lock();
        let unfinished = {
            let mut state = self.state();
            let unfinished = state.unfinished_tasks.checked_sub(1).ok_or(Error::TaskDoneTooManyTimes)?;
            state.unfinished_tasks = unfinished;
            unfinished
        };
        if unfinished == 0 {
            holding(self.all_tasks_done.notify_all());
        }
        Ok(())
    }

    /// Waits until every item put has been got and marked done with [`Queue::task_done`] (or
    /// discarded by an immediate [`Queue::shutdown`]).
    pub fn join(&self) {
        let _held = self.mutex.lock();
        holding(self.all_tasks_done.wait_for(|| self.state().unfinished_tasks == 0));
    }

    /// Shuts the queue down (Python 3.13's `shutdown`): from now on `put` fails with
    /// [`Error::ShutDown`], and so does `get` once the queue is empty. With `immediate`, the
    /// items left are discarded at once (dropped after the queue's mutex is released), each
    /// counting as done for [`Queue::join`]. Every thread blocked in `put`, `get` (and, with
    /// `immediate`, `join`) wakes to see the new state. Shutting down again is allowed, also
    /// immediately after a plain shutdown.
    pub fn shutdown(&self, immediate: bool) {
        let mut discarded = Vec::new();
        {
            let _held = self.mutex.lock();
            {
                let mut state = self.state();
                state.is_shutdown = true;
                if immediate {
                    while let Some(item) = state.items.pop() {
                        discarded.push(item);
                        state.unfinished_tasks = state.unfinished_tasks.saturating_sub(1);
                    }
                }
            }
            if immediate {
                holding(self.all_tasks_done.notify_all());
            }
            holding(self.not_empty.notify_all());
            holding(self.not_full.notify_all());
        }
        drop(discarded);
    }

    /// Whether [`Queue::shutdown`] was called (Python's `is_shutdown` attribute).
    pub fn is_shutdown(&self) -> bool {
        self.with_state(|state| state.is_shutdown)
    }

    /// The number of items in the queue now (a snapshot: other threads may change it before the
    /// caller looks).
    pub fn qsize(&self) -> usize {
        self.with_state(|state| state.items.len())
    }

    /// Whether the queue is empty now (a snapshot).
    pub fn empty(&self) -> bool {
        self.with_state(|state| state.items.is_empty())
    }

    /// Whether the queue is full now (a snapshot): never for an unbounded queue.
    pub fn full(&self) -> bool {
        self.with_state(|state| 0 < self.maxsize && self.maxsize <= state.items.len())
    }

    /// The room the queue was made with (0: unbounded).
    pub fn maxsize(&self) -> usize {
        self.maxsize
    }

    /// The number of items put and not yet marked done (Python's `unfinished_tasks` attribute).
    pub fn unfinished_tasks(&self) -> usize {
        self.with_state(|state| state.unfinished_tasks)
    }

    /// The key threads blocked in `get` are parked on until a `put` (or a shutdown) wakes them,
    /// as a primitive's `wait_key` (for tests that wait until a getter has blocked).
    pub fn get_wait_key(&self) -> usize {
        self.not_empty.wait_key()
    }

    /// The key threads blocked in `put` are parked on until a `get` (or a shutdown) wakes them.
    pub fn put_wait_key(&self) -> usize {
        self.not_full.wait_key()
    }

    /// The key threads blocked in `join` are parked on until the last `task_done` (or an
    /// immediate shutdown) wakes them.
    pub fn join_wait_key(&self) -> usize {
        self.all_tasks_done.wait_key()
    }
}

impl<S: Scheduler, T, D: Discipline<T> + Default> Default for Queue<S, T, D> {
    /// An unbounded queue.
    fn default() -> Self {
        Self::new(0)
    }
}

impl<S: Scheduler, T, D: Discipline<T>> fmt::Debug for Queue<S, T, D> {
    /// `<Queue: qsize=1 maxsize=2 unfinished_tasks=1>` (`LifoQueue`, `PriorityQueue`, or the
    /// discipline's [`Discipline::KIND`]), with `, shut down` once it is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (qsize, unfinished, shut_down) =
            self.with_state(|state| (state.items.len(), state.unfinished_tasks, state.is_shutdown));
        write!(f, "<{}: qsize={qsize} maxsize={} unfinished_tasks={unfinished}", D::KIND, self.maxsize)?;
        f.write_str(if shut_down { ", shut down>" } else { ">" })
    }
}
