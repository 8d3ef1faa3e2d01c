//! Purpose-built buggy objects: each is caught, with a shrunk scenario of at most 2 threads of
//! 2 operations, and the report shows the history no linearization explains.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use proptest::prelude::*;
use weft::spec::{Linearizability, Shape};
use weft::sync::Mutex;
use weft::{Condition, Lock};

use crate::data::{Order, QueueModel, QueueOp};
use crate::locks::{LockOp, RLockModel, SemaphoreModel};
use crate::{Raised, budgeted};

/// Runs `check`, which must panic, and returns its report after checking that its scenario is
/// small: at most 2 parallel threads of at most `operations` operations.
fn caught(operations: usize, check: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(check)).expect_err("the bug is caught");
    let report = payload.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(report.contains("no linearization"), "{report}");
    let table = report.split("parallel:").nth(1).expect("the report shows the scenario");
    let header = table.lines().nth(1).expect("a header row");
    assert!(header.matches("thread").count() <= 2, "more than 2 threads:\n{report}");
    let rows = table.lines().skip(2).take_while(|line| line.trim_start().starts_with('|')).count();
    assert!(rows <= operations, "more than {operations} operations a thread:\n{report}");
    report
}

/// A queue whose `get` looks for an item before it takes the lock: two getters can both see
/// the one item, and the second takes nothing.
struct RacyQueue {
    items: Mutex<VecDeque<u8>>,
    len: AtomicUsize,
    nonempty: Condition,
}

impl RacyQueue {
    fn put(&self, item: u8) {
        let _held = self.nonempty.lock();
        self.items.lock().unwrap().push_back(item);
        self.len.fetch_add(1, SeqCst);
        self.nonempty.notify_all().expect("held");
    }

    fn get(&self) -> Option<u8> {
        if self.len.load(SeqCst) == 0 {
            let _held = self.nonempty.lock();
            self.nonempty.wait_for(|| self.len.load(SeqCst) > 0).expect("held");
        }
        // BUG: the item seen above may be gone by now.
        let _held = self.nonempty.lock();
        let item = self.items.lock().unwrap().pop_front();
        if item.is_some() {
            self.len.fetch_sub(1, SeqCst);
        }
        item
    }
}

#[test]
fn a_queue_that_checks_for_items_outside_its_lock_is_caught() {
    let ops = prop_oneof![(0..2u8).prop_map(QueueOp::Put), Just(QueueOp::Get)];
    let test = Linearizability::new(
        QueueModel::new(0, Order::Fifo),
        || RacyQueue { items: Mutex::new(VecDeque::new()), len: AtomicUsize::new(0), nonempty: Condition::new() },
        |queue, op| match op {
            QueueOp::Put(item) => {
                queue.put(*item);
                Ok(None)
            }
            QueueOp::Get => Ok(queue.get()),
            _ => unreachable!("puts and gets only"),
        },
    );
    let report = caught(2, || budgeted(test).persist_failures(false).check(ops, &Shape::default()));
    assert!(report.contains("Get"), "{report}");
}

/// A bounded semaphore that forgets its bound: a release above the initial value succeeds.
struct UnboundedSemaphore {
    value: Mutex<usize>,
}

#[test]
fn a_bounded_semaphore_without_its_bound_is_caught() {
    let ops = prop_oneof![Just(LockOp::TryAcquire), Just(LockOp::Release)];
    let test = Linearizability::new(
        SemaphoreModel { value: 1, bound: Some(1) },
        || UnboundedSemaphore { value: Mutex::new(1) },
        |sem, op| -> Raised<bool> {
            let mut value = sem.value.lock().unwrap();
            match op {
                LockOp::TryAcquire if *value == 0 => Ok(false),
                LockOp::TryAcquire => {
                    *value -= 1;
                    Ok(true)
                }
                LockOp::Release => {
                    *value += 1; // BUG: no check against the initial value
                    Ok(true)
                }
                LockOp::Acquire | LockOp::AcquireTimeout => unreachable!("not generated"),
            }
        },
    );
    caught(2, || budgeted(test).persist_failures(false).check(ops, &Shape::default()));
}

/// A reentrant lock that forgets its depth: a second acquire by the owner is not counted, so
/// the first release frees the lock. Showing it takes an acquire, a second acquire and a
/// release on one thread, then an acquire by another thread (or the owner's second release):
/// no scenario with at most 2 operations a thread can, so the bound here is 3.
struct ForgetfulRLock {
    lock: Lock,
    owner: AtomicUsize,
}

#[test]
fn a_reentrant_lock_that_forgets_its_depth_is_caught() {
    let ops = prop_oneof![Just(LockOp::TryAcquire), Just(LockOp::Release)];
    let test = Linearizability::new(
        RLockModel::default(),
        || ForgetfulRLock { lock: Lock::new(), owner: AtomicUsize::new(0) },
        |rlock, op| -> Raised<bool> {
            let me = weft::get_ident();
            match op {
                LockOp::TryAcquire if rlock.owner.load(SeqCst) == me => Ok(true), // BUG: depth not counted
                LockOp::TryAcquire => {
                    let got = rlock.lock.try_acquire();
                    if got {
                        rlock.owner.store(me, SeqCst);
                    }
                    Ok(got)
                }
                LockOp::Release if rlock.owner.load(SeqCst) == me => {
                    rlock.owner.store(0, SeqCst);
                    rlock.lock.release().expect("held");
                    Ok(true)
                }
                LockOp::Release => Err("RuntimeError: cannot release un-acquired lock".into()),
                LockOp::Acquire | LockOp::AcquireTimeout => unreachable!("not generated"),
            }
        },
    );
    caught(3, || budgeted(test).persist_failures(false).check(ops, &Shape::default()));
}

/// The models are models of correct objects: the same checks pass on weft's own.
#[test]
fn the_models_of_the_buggy_objects_pass_weft_s_own() {
    let ops = prop_oneof![Just(LockOp::TryAcquire), Just(LockOp::Release)];
    let test = Linearizability::new(RLockModel::default(), weft::RLock::new, |rlock, op| match op {
        LockOp::TryAcquire => Ok(rlock.try_acquire()),
        LockOp::Release => rlock.release().map(|()| true).map_err(crate::raised),
        LockOp::Acquire | LockOp::AcquireTimeout => unreachable!("not generated"),
    });
    budgeted(test).check(ops, &Shape::default());
}

/// A queue whose `put` forgets to notify, and whose `get` looks again 10 ms later, three
/// times, before it waits for a notification: a get that finds its item on a second look
/// returns the right item, so that history is linearizable with nothing left pending. Only the
/// quiescent points show the bug: a `get` was waiting, with every thread blocked, while the
/// queue held an item.
struct PollingQueue {
    items: Mutex<VecDeque<u8>>,
    nonempty: weft::sync::Condvar,
}

impl PollingQueue {
    fn put(&self, item: u8) {
        self.items.lock().unwrap().push_back(item); // BUG: nobody is notified
    }

    fn get(&self) -> u8 {
        let mut items = self.items.lock().unwrap();
        for looks in 0.. {
            if let Some(item) = items.pop_front() {
                return item;
            }
            // Three more looks, 10 ms apart; then it waits for a notification.
            items = if looks < 3 {
                self.nonempty.wait_timeout(items, std::time::Duration::from_millis(10)).unwrap().0
            } else {
                self.nonempty.wait(items).unwrap()
            };
        }
        unreachable!("it looks for ever")
    }
}

#[test]
fn a_queue_that_leaves_a_getter_waiting_until_it_looks_again_is_caught() {
    let ops = prop_oneof![(0..2u8).prop_map(QueueOp::Put), Just(QueueOp::Get)];
    let test = Linearizability::new(
        QueueModel::new(0, Order::Fifo),
        || PollingQueue { items: Mutex::new(VecDeque::new()), nonempty: weft::sync::Condvar::new() },
        |queue, op| match op {
            QueueOp::Put(item) => {
                queue.put(*item);
                Ok(None)
            }
            QueueOp::Get => Ok(Some(queue.get())),
            _ => unreachable!("puts and gets only"),
        },
    );
    let report = caught(2, || budgeted(test).persist_failures(false).check(ops, &Shape::default()));
    assert!(report.contains("every thread blocked (virtual time passes)"), "{report}");
    assert!(report.contains("should not have been waiting"), "{report}");
}
