//! Lock, RLock, Semaphore and BoundedSemaphore.

use proptest::prelude::*;
use weft::spec::{Blocked, Linearizability, Model, Shape};
use weft::{BoundedSemaphore, Lock, RLock, Semaphore};

use crate::{Raised, budgeted, raised};

#[derive(Clone, Debug)]
pub enum LockOp {
    Acquire,
    TryAcquire,
    Release,
}

fn lock_ops() -> impl Strategy<Value = LockOp> + Clone {
    prop_oneof![Just(LockOp::Acquire), Just(LockOp::TryAcquire), Just(LockOp::Release)]
}

/// `threading.Lock`: held or not; any thread may release it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct LockModel {
    held: bool,
}

impl Model for LockModel {
    type Op = LockOp;
    type Ret = Raised<bool>;
    fn apply(&mut self, op: &LockOp) -> Result<Raised<bool>, Blocked> {
        match op {
            LockOp::Acquire if self.held => Err(Blocked),
            LockOp::Acquire => {
                self.held = true;
                Ok(Ok(true))
            }
            LockOp::TryAcquire => Ok(Ok(!std::mem::replace(&mut self.held, true))),
            LockOp::Release if self.held => {
                self.held = false;
                Ok(Ok(true))
            }
            LockOp::Release => Ok(Err("RuntimeError: release unlocked lock".into())),
        }
    }
}

#[test]
fn lock_is_linearizable() {
    let test = Linearizability::new(LockModel::default(), Lock::new, |lock, op| match op {
        LockOp::Acquire => Ok(lock.acquire()),
        LockOp::TryAcquire => Ok(lock.try_acquire()),
        LockOp::Release => lock.release().map(|()| true).map_err(raised),
    });
    budgeted(test).check(lock_ops(), &Shape::default());
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
    fn apply(&mut self, _op: &LockOp) -> Result<Raised<bool>, Blocked> {
        unreachable!("an RLock's model needs the calling thread: apply_by")
    }
    fn apply_by(&mut self, thread: usize, op: &LockOp) -> Result<Raised<bool>, Blocked> {
        let mine = self.owner == Some(thread);
        match op {
            LockOp::Acquire | LockOp::TryAcquire if self.owner.is_none() || mine => {
                self.owner = Some(thread);
                self.depth += 1;
                Ok(Ok(true))
            }
            LockOp::Acquire => Err(Blocked),
            LockOp::TryAcquire => Ok(Ok(false)),
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

#[test]
fn rlock_is_linearizable() {
    let test = Linearizability::new(RLockModel::default(), RLock::new, |lock, op| match op {
        LockOp::Acquire => Ok(lock.acquire()),
        LockOp::TryAcquire => Ok(lock.try_acquire()),
        LockOp::Release => lock.release().map(|()| true).map_err(raised),
    });
    budgeted(test).check(lock_ops(), &Shape::default());
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
    fn apply(&mut self, op: &LockOp) -> Result<Raised<bool>, Blocked> {
        match op {
            LockOp::Acquire if self.value == 0 => Err(Blocked),
            LockOp::Acquire => {
                self.value -= 1;
                Ok(Ok(true))
            }
            LockOp::TryAcquire if self.value == 0 => Ok(Ok(false)),
            LockOp::TryAcquire => {
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

#[test]
fn semaphore_is_linearizable() {
    let test = Linearizability::new(
        SemaphoreModel { value: 1, bound: None },
        || Semaphore::new(1),
        |sem, op| match op {
            LockOp::Acquire => Ok(sem.acquire()),
            LockOp::TryAcquire => Ok(sem.try_acquire()),
            LockOp::Release => sem.release().map(|()| true).map_err(raised),
        },
    );
    budgeted(test).check(lock_ops(), &Shape::default());
}

#[test]
fn bounded_semaphore_is_linearizable() {
    let test = Linearizability::new(
        SemaphoreModel { value: 2, bound: Some(2) },
        || BoundedSemaphore::new(2),
        |sem, op| match op {
            LockOp::Acquire => Ok(sem.acquire()),
            LockOp::TryAcquire => Ok(sem.try_acquire()),
            LockOp::Release => sem.release().map(|()| true).map_err(raised),
        },
    );
    budgeted(test).check(lock_ops(), &Shape::default());
}
