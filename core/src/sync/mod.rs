//! The primitives: the raw lock under them all, `Lock` and `RLock`, `Condition`, the semaphores,
//! `Event`, `Barrier`, and the atomics the simulator sees.

pub(crate) mod atomic;
pub(crate) mod barrier;
pub(crate) mod condition;
pub(crate) mod condvar;
pub(crate) mod event;
pub(crate) mod lock;
pub mod mpsc;
pub(crate) mod mutex;
pub(crate) mod once;
pub(crate) mod raw;
pub(crate) mod rwlock;
pub(crate) mod semaphore;
