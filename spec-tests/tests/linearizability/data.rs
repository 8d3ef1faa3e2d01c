//! The data-carrying types: `queue.Queue` (bounded), `SimpleQueue`, `LifoQueue`,
//! `PriorityQueue`, `sync::Mutex`, `sync::RwLock`, an atomic and `sync::OnceLock` (`mpsc` is in
//! `channels.rs`).

use std::collections::VecDeque;
use std::sync::atomic::Ordering::SeqCst;

use proptest::prelude::*;
use weft::queue::{LifoQueue, PriorityQueue, Queue, SimpleQueue};
use weft::spec::{Blocked, Linearizability, Model, Shape};
use weft::sync::atomic::AtomicU32;
use weft::sync::{Mutex, RwLock};

use crate::{TIMEOUT, budgeted};

#[derive(Clone, Debug)]
pub enum QueueOp {
    Put(u8),
    Get,
    PutNowait(u8),
    GetNowait,
    Qsize,
    /// `put(item, timeout=…)`: in the model, a `PutNowait` at any point of its interval.
    PutTimeout(u8),
    /// `get(timeout=…)`: in the model, a `GetNowait` at any point of its interval.
    GetTimeout,
}

/// The operations of the real runs: no timeouts.
fn queue_ops() -> impl Strategy<Value = QueueOp> + Clone {
    prop_oneof![
        (0..4u8).prop_map(QueueOp::Put),
        Just(QueueOp::Get),
        (0..4u8).prop_map(QueueOp::PutNowait),
        Just(QueueOp::GetNowait),
        Just(QueueOp::Qsize),
    ]
}

/// The operations of the simulated runs, timed puts and gets included.
fn timed_queue_ops() -> impl Strategy<Value = QueueOp> + Clone {
    prop_oneof![5 => queue_ops(), 1 => (0..4u8).prop_map(QueueOp::PutTimeout), 1 => Just(QueueOp::GetTimeout)]
}

/// What a queue operation returns: a got item, a size, or the exception's kind.
pub type QueueRet = Result<Option<u8>, &'static str>;

/// How a model queue orders its items.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Order {
    Fifo,
    Lifo,
    Smallest,
}

/// Python's queues: items in their order, room for `maxsize` (0: unbounded).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QueueModel {
    pub items: VecDeque<u8>,
    pub maxsize: usize,
    pub order: Order,
}

impl QueueModel {
    pub fn new(maxsize: usize, order: Order) -> Self {
        QueueModel { items: VecDeque::new(), maxsize, order }
    }

    fn full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }

    fn take(&mut self) -> Option<u8> {
        match self.order {
            Order::Fifo => self.items.pop_front(),
            Order::Lifo => self.items.pop_back(),
            Order::Smallest => {
                let at = (0..self.items.len()).min_by_key(|&i| self.items[i])?;
                self.items.remove(at)
            }
        }
    }
}

impl Model for QueueModel {
    type Op = QueueOp;
    type Ret = QueueRet;
    fn timed(op: &QueueOp) -> bool {
        matches!(op, QueueOp::PutTimeout(_) | QueueOp::GetTimeout)
    }
    fn apply(&mut self, op: &QueueOp) -> Result<QueueRet, Blocked> {
        match op {
            QueueOp::Put(_) if self.full() => Err(Blocked),
            QueueOp::PutNowait(_) | QueueOp::PutTimeout(_) if self.full() => Ok(Err("Full")),
            QueueOp::Put(item) | QueueOp::PutNowait(item) | QueueOp::PutTimeout(item) => {
                self.items.push_back(*item);
                Ok(Ok(None))
            }
            QueueOp::Get if self.items.is_empty() => Err(Blocked),
            QueueOp::GetNowait | QueueOp::GetTimeout if self.items.is_empty() => Ok(Err("Empty")),
            QueueOp::Get | QueueOp::GetNowait | QueueOp::GetTimeout => Ok(Ok(self.take())),
            QueueOp::Qsize => Ok(Ok(Some(self.items.len() as u8))),
        }
    }
}

/// Runs `op` on a Python queue (the three kinds share their methods).
macro_rules! run_queue {
    ($queue:expr, $op:expr) => {{
        let kind = |e: weft::Error| -> &'static str {
            match e.kind() {
                weft::ExceptionKind::Full => "Full",
                weft::ExceptionKind::Empty => "Empty",
                _ => "other",
            }
        };
        match $op {
            QueueOp::Put(item) => $queue.put(*item).map(|()| None).map_err(|e| kind(e.into())),
            QueueOp::PutNowait(item) => $queue.put_nowait(*item).map(|()| None).map_err(|e| kind(e.into())),
            QueueOp::Get => $queue.get().map(Some).map_err(kind),
            QueueOp::GetNowait => $queue.get_nowait().map(Some).map_err(kind),
            QueueOp::Qsize => Ok(Some($queue.qsize() as u8)),
            QueueOp::PutTimeout(item) => $queue.put_timeout(*item, TIMEOUT).map(|()| None).map_err(|e| kind(e.into())),
            QueueOp::GetTimeout => $queue.get_timeout(TIMEOUT).map(Some).map_err(kind),
        }
    }};
}

/// The object of `bounded_queue_is_linearizable` and its model.
fn bounded_queue_test() -> Linearizability<QueueModel, Queue<u8>> {
    Linearizability::new(QueueModel::new(2, Order::Fifo), || Queue::new(2), |queue, op| run_queue!(queue, op))
}

#[test]
fn bounded_queue_is_linearizable() {
    budgeted(bounded_queue_test()).check(timed_queue_ops(), &Shape::default());
}

#[test]
fn bounded_queue_conforms() {
    crate::conforms(bounded_queue_test(), queue_ops(), |queue: &Queue<u8>| queue.shutdown(true));
}

/// The object of `lifo_queue_is_linearizable` and its model.
fn lifo_queue_test() -> Linearizability<QueueModel, LifoQueue<u8>> {
    Linearizability::new(QueueModel::new(2, Order::Lifo), || LifoQueue::new(2), |queue, op| run_queue!(queue, op))
}

#[test]
fn lifo_queue_is_linearizable() {
    budgeted(lifo_queue_test()).check(timed_queue_ops(), &Shape::default());
}

#[test]
fn lifo_queue_conforms() {
    crate::conforms(lifo_queue_test(), queue_ops(), |queue: &LifoQueue<u8>| queue.shutdown(true));
}

/// The object of `priority_queue_is_linearizable` and its model.
fn priority_queue_test() -> Linearizability<QueueModel, PriorityQueue<u8>> {
    Linearizability::new(
        QueueModel::new(0, Order::Smallest),
        || PriorityQueue::new(0),
        |queue, op| run_queue!(queue, op),
    )
}

#[test]
fn priority_queue_is_linearizable() {
    budgeted(priority_queue_test()).check(timed_queue_ops(), &Shape::default());
}

#[test]
fn priority_queue_conforms() {
    crate::conforms(priority_queue_test(), queue_ops(), |queue: &PriorityQueue<u8>| queue.shutdown(true));
}

/// The object of `simple_queue_is_linearizable` and its model.
fn simple_queue_test() -> Linearizability<QueueModel, SimpleQueue<u8>> {
    Linearizability::new(QueueModel::new(0, Order::Fifo), SimpleQueue::new, |queue, op| match op {
        QueueOp::Put(item) | QueueOp::PutNowait(item) | QueueOp::PutTimeout(item) => {
            queue.put(*item);
            Ok(None)
        }
        QueueOp::GetTimeout => queue.get_timeout(TIMEOUT).map(Some).map_err(|_| "Empty"),
        QueueOp::Get => Ok(Some(queue.get())),
        QueueOp::GetNowait => queue.get_nowait().map(Some).map_err(|_| "Empty"),
        QueueOp::Qsize => Ok(Some(queue.qsize() as u8)),
    })
}

#[test]
fn simple_queue_is_linearizable() {
    budgeted(simple_queue_test()).check(timed_queue_ops(), &Shape::default());
}

#[test]
fn simple_queue_conforms() {
    crate::conforms(simple_queue_test(), queue_ops(), |queue: &SimpleQueue<u8>| queue.put(0));
}

#[derive(Clone, Debug)]
enum CellOp {
    Add(u32),
    Read,
    Swap(u32),
}

/// A number: what `Mutex<u32>`, `RwLock<u32>` and `AtomicU32` hold.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct NumberModel(u32);

impl Model for NumberModel {
    type Op = CellOp;
    type Ret = u32;
    /// Each returns the value before.
    fn apply(&mut self, op: &CellOp) -> Result<u32, Blocked> {
        let before = self.0;
        match op {
            CellOp::Add(n) => self.0 += n,
            CellOp::Read => {}
            CellOp::Swap(n) => self.0 = *n,
        }
        Ok(before)
    }
}

fn cell_ops() -> impl Strategy<Value = CellOp> + Clone {
    prop_oneof![(1..3u32).prop_map(CellOp::Add), Just(CellOp::Read), (0..3u32).prop_map(CellOp::Swap)]
}

/// The object of `mutex_is_linearizable` and its model.
fn mutex_test() -> Linearizability<NumberModel, Mutex<u32>> {
    Linearizability::new(
        NumberModel::default(),
        || Mutex::new(0u32),
        |mutex, op| {
            let mut value = mutex.lock().unwrap();
            let before = *value;
            match op {
                CellOp::Add(n) => *value += n,
                CellOp::Read => {}
                CellOp::Swap(n) => *value = *n,
            }
            before
        },
    )
}

#[test]
fn mutex_is_linearizable() {
    budgeted(mutex_test()).check(cell_ops(), &Shape::default());
}

#[test]
fn mutex_conforms() {
    crate::conforms(mutex_test(), cell_ops(), |_: &Mutex<u32>| {});
}

/// The object of `rwlock_is_linearizable` and its model.
fn rwlock_test() -> Linearizability<NumberModel, RwLock<u32>> {
    Linearizability::new(
        NumberModel::default(),
        || RwLock::new(0u32),
        |lock, op| match op {
            CellOp::Read => *lock.read().unwrap(),
            CellOp::Add(n) => {
                let mut value = lock.write().unwrap();
                let before = *value;
                *value += n;
                before
            }
            CellOp::Swap(n) => std::mem::replace(&mut *lock.write().unwrap(), *n),
        },
    )
}

#[test]
fn rwlock_is_linearizable() {
    budgeted(rwlock_test()).check(cell_ops(), &Shape::default());
}

#[test]
fn rwlock_conforms() {
    crate::conforms(rwlock_test(), cell_ops(), |_: &RwLock<u32>| {});
}

/// The object of `atomic_is_linearizable` and its model.
fn atomic_test() -> Linearizability<NumberModel, AtomicU32> {
    Linearizability::new(
        NumberModel::default(),
        || AtomicU32::new(0),
        |atomic, op| match op {
            CellOp::Add(n) => atomic.fetch_add(*n, SeqCst),
            CellOp::Read => atomic.load(SeqCst),
            CellOp::Swap(n) => atomic.swap(*n, SeqCst),
        },
    )
}

#[test]
fn atomic_is_linearizable() {
    budgeted(atomic_test()).check(cell_ops(), &Shape::default());
}

#[test]
fn atomic_conforms() {
    crate::conforms(atomic_test(), cell_ops(), |_: &AtomicU32| {});
}

#[derive(Clone, Debug)]
enum OnceOp {
    Get,
    Set(u8),
    GetOrInit(u8),
}

/// `OnceLock<u8>`: empty, or its one value for good.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct OnceModel(Option<u8>);

impl Model for OnceModel {
    type Op = OnceOp;
    /// `Get`: the value; `Set`: `None` if it set it, else the value it gave back;
    /// `GetOrInit`: the value.
    type Ret = Option<u8>;
    fn apply(&mut self, op: &OnceOp) -> Result<Option<u8>, Blocked> {
        Ok(match *op {
            OnceOp::Get => self.0,
            OnceOp::Set(x) if self.0.is_none() => {
                self.0 = Some(x);
                None
            }
            OnceOp::Set(x) => Some(x),
            OnceOp::GetOrInit(x) => Some(*self.0.get_or_insert(x)),
        })
    }
}

fn once_ops() -> impl Strategy<Value = OnceOp> + Clone {
    prop_oneof![Just(OnceOp::Get), (0..3u8).prop_map(OnceOp::Set), (0..3u8).prop_map(OnceOp::GetOrInit)]
}

/// The object of `once_lock_is_linearizable` and its model.
fn once_lock_test() -> Linearizability<OnceModel, weft::sync::OnceLock<u8>> {
    Linearizability::new(OnceModel::default(), weft::sync::OnceLock::new, |cell, op| match *op {
        OnceOp::Get => cell.get().copied(),
        OnceOp::Set(x) => cell.set(x).err(),
        OnceOp::GetOrInit(x) => Some(*cell.get_or_init(|| x)),
    })
}

#[test]
fn once_lock_is_linearizable() {
    budgeted(once_lock_test()).check(once_ops(), &Shape::default());
}

#[test]
fn once_lock_conforms() {
    crate::conforms(once_lock_test(), once_ops(), |_: &weft::sync::OnceLock<u8>| {});
}
