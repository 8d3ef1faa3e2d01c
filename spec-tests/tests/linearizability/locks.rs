//! Lock, RLock, Semaphore and BoundedSemaphore.

use proptest::prelude::*;
use weft::spec::{Blocked, Linearizability, Model, Shape};
use weft::{BoundedSemaphore, Lock, RLock, Semaphore};

use crate::{Raised, TIMEOUT, budgeted, raised};

#[derive(Clone, Debug)]
pub enum LockOp {
    Acquire,
    TryAcquire,
    /// `acquire(timeout=…)`: in the model, a `TryAcquire` at any point of its interval.
    AcquireTimeout,
    Release,
}

/// The operations of the real runs: no timeouts.
fn lock_ops() -> impl Strategy<Value = LockOp> + Clone {
    prop_oneof![Just(LockOp::Acquire), Just(LockOp::TryAcquire), Just(LockOp::Release)]
}

/// The operations of the simulated runs, timed acquires included.
fn timed_lock_ops() -> impl Strategy<Value = LockOp> + Clone {
    prop_oneof![3 => lock_ops(), 1 => Just(LockOp::AcquireTimeout)]
}

/// Performs a `LockOp` on a Lock, RLock, Semaphore or BoundedSemaphore (the same four methods,
/// with no trait in common).
macro_rules! run_lock_op {
    ($object:expr, $op:expr) => {
        match $op {
            LockOp::Acquire => Ok($object.acquire()),
            LockOp::TryAcquire => Ok($object.try_acquire()),
            LockOp::AcquireTimeout => $object.acquire_timeout(TIMEOUT).map_err(raised),
            LockOp::Release => $object.release().map(|()| true).map_err(raised),
        }
    };
}

/// `threading.Lock`: held or not; any thread may release it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct LockModel {
    held: bool,
}

impl Model for LockModel {
    type Op = LockOp;
    type Ret = Raised<bool>;
    fn timed(op: &LockOp) -> bool {
        matches!(op, LockOp::AcquireTimeout)
    }
    fn apply(&mut self, op: &LockOp) -> Result<Raised<bool>, Blocked> {
        match op {
            LockOp::Acquire if self.held => Err(Blocked),
            LockOp::Acquire => {
                self.held = true;
                Ok(Ok(true))
            }
            LockOp::TryAcquire | LockOp::AcquireTimeout => Ok(Ok(!std::mem::replace(&mut self.held, true))),
            LockOp::Release if self.held => {
                self.held = false;
                Ok(Ok(true))
            }
            LockOp::Release => Ok(Err("RuntimeError: release unlocked lock".into())),
        }
    }
}

/// The object of `lock_is_linearizable` and its model.
fn lock_test() -> Linearizability<LockModel, Lock> {
    Linearizability::new(LockModel::default(), Lock::new, |lock, op| run_lock_op!(lock, op))
}

#[test]
fn lock_is_linearizable() {
    budgeted(lock_test()).check(timed_lock_ops(), &Shape::default());
}

#[test]
fn lock_conforms() {
    crate::conforms(lock_test(), lock_ops(), |lock: &Lock| drop(lock.release()));
}

/// `threading.RLock`: an owner and a depth; only the owner releases.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct RLockModel {
    owner: Option<usize>,
    depth: usize,
}

impl Model for RLockModel {
    type Op = LockOp;
    type Ret = Raised<bool>;
    fn timed(op: &LockOp) -> bool {
        matches!(op, LockOp::AcquireTimeout)
    }
    fn apply(&mut self, _op: &LockOp) -> Result<Raised<bool>, Blocked> {
        unreachable!("an RLock's model needs the calling thread: apply_by")
    }
    fn apply_by(&mut self, thread: usize, op: &LockOp) -> Result<Raised<bool>, Blocked> {
        let mine = self.owner == Some(thread);
        match op {
            LockOp::Acquire | LockOp::TryAcquire | LockOp::AcquireTimeout if self.owner.is_none() || mine => {
                self.owner = Some(thread);
                self.depth += 1;
                Ok(Ok(true))
            }
            LockOp::Acquire => Err(Blocked),
            LockOp::TryAcquire | LockOp::AcquireTimeout => Ok(Ok(false)),
            LockOp::Release if mine => {
                self.depth -= 1;
                if self.depth == 0 {
                    self.owner = None;
                }
                Ok(Ok(true))
            }
            LockOp::Release => Ok(Err("RuntimeError: cannot release un-acquired lock".into())),
        }
    }
}

/// The object of `rlock_is_linearizable` and its model.
fn rlock_test() -> Linearizability<RLockModel, RLock> {
    Linearizability::new(RLockModel::default(), RLock::new, |lock, op| run_lock_op!(lock, op))
}

/// An RLock's waiters wait for its owner, which only the owner can change: the real runs use
/// the operations that do not wait, so that none is left blocked.
#[test]
fn rlock_conforms() {
    let ops = prop_oneof![Just(LockOp::TryAcquire), Just(LockOp::Release)];
    crate::conforms(rlock_test(), ops, |_: &RLock| unreachable!("nothing waits"));
}

#[test]
fn rlock_is_linearizable() {
    budgeted(rlock_test()).check(timed_lock_ops(), &Shape::default());
}

/// A counting semaphore's value; a bounded one refuses to go above its initial value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SemaphoreModel {
    pub value: usize,
    pub bound: Option<usize>,
}

impl Model for SemaphoreModel {
    type Op = LockOp;
    type Ret = Raised<bool>;
    fn timed(op: &LockOp) -> bool {
        matches!(op, LockOp::AcquireTimeout)
    }
    fn apply(&mut self, op: &LockOp) -> Result<Raised<bool>, Blocked> {
        match op {
            LockOp::Acquire if self.value == 0 => Err(Blocked),
            LockOp::Acquire => {
                self.value -= 1;
                Ok(Ok(true))
            }
            LockOp::TryAcquire | LockOp::AcquireTimeout if self.value == 0 => Ok(Ok(false)),
            LockOp::TryAcquire | LockOp::AcquireTimeout => {
                self.value -= 1;
                Ok(Ok(true))
            }
            LockOp::Release if self.bound.is_some_and(|bound| self.value >= bound) => {
                Ok(Err("ValueError: Semaphore released too many times".into()))
            }
            LockOp::Release => {
                self.value += 1;
                Ok(Ok(true))
            }
        }
    }
}

/// The object of `semaphore_is_linearizable` and its model.
fn semaphore_test() -> Linearizability<SemaphoreModel, Semaphore> {
    Linearizability::new(
        SemaphoreModel { value: 1, bound: None },
        || Semaphore::new(1),
        |sem, op| run_lock_op!(sem, op),
    )
}

#[test]
fn semaphore_is_linearizable() {
    budgeted(semaphore_test()).check(timed_lock_ops(), &Shape::default());
}

#[test]
fn semaphore_conforms() {
    crate::conforms(semaphore_test(), lock_ops(), |sem: &Semaphore| drop(sem.release()));
}

/// The object of `bounded_semaphore_is_linearizable` and its model.
fn bounded_semaphore_test() -> Linearizability<SemaphoreModel, BoundedSemaphore> {
    Linearizability::new(
        SemaphoreModel { value: 2, bound: Some(2) },
        || BoundedSemaphore::new(2),
        |sem, op| run_lock_op!(sem, op),
    )
}

#[test]
fn bounded_semaphore_is_linearizable() {
    budgeted(bounded_semaphore_test()).check(timed_lock_ops(), &Shape::default());
}

#[test]
fn bounded_semaphore_conforms() {
    crate::conforms(bounded_semaphore_test(), lock_ops(), |sem: &BoundedSemaphore| drop(sem.release()));
}
