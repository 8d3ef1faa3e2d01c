//! Event and Condition (with a predicate model).

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};

use proptest::prelude::*;
use weft::spec::{Blocked, Linearizability, Model, Shape};
use weft::{Condition, Event};

use crate::{TIMEOUT, budgeted};

#[derive(Clone, Debug)]
enum EventOp {
    Set,
    Clear,
    IsSet,
    Wait,
    /// `wait(timeout=…)`: returns the flag, whether it waited or not.
    WaitTimeout,
}

/// `threading.Event`: its flag; `wait` waits for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct EventModel {
    flag: bool,
}

impl Model for EventModel {
    type Op = EventOp;
    type Ret = bool;
    fn timed(op: &EventOp) -> bool {
        matches!(op, EventOp::WaitTimeout)
    }
    fn apply(&mut self, op: &EventOp) -> Result<bool, Blocked> {
        match op {
            EventOp::Set => self.flag = true,
            EventOp::Clear => self.flag = false,
            EventOp::IsSet | EventOp::WaitTimeout => return Ok(self.flag),
            EventOp::Wait if !self.flag => return Err(Blocked),
            EventOp::Wait => {}
        }
        Ok(true)
    }
}

/// The operations of the real runs: no timeouts.
fn event_ops() -> impl Strategy<Value = EventOp> + Clone {
    prop_oneof![Just(EventOp::Set), Just(EventOp::Clear), Just(EventOp::IsSet), Just(EventOp::Wait)]
}

/// The operations of the simulated runs, timed waits included.
fn timed_event_ops() -> impl Strategy<Value = EventOp> + Clone {
    prop_oneof![4 => event_ops(), 1 => Just(EventOp::WaitTimeout)]
}

/// The object of `event_is_linearizable` and its model.
fn event_test() -> Linearizability<EventModel, Event> {
    Linearizability::new(EventModel::default(), Event::new, |event, op| match op {
        EventOp::Set => {
            event.set();
            true
        }
        EventOp::Clear => {
            event.clear();
            true
        }
        EventOp::IsSet => event.is_set(),
        EventOp::Wait => event.wait(),
        EventOp::WaitTimeout => event.wait_timeout(TIMEOUT).expect("a valid timeout"),
    })
}

#[test]
fn event_is_linearizable() {
    budgeted(event_test()).check(timed_event_ops(), &Shape::default());
}

#[test]
fn event_conforms() {
    crate::conforms(event_test(), event_ops(), |event: &Event| event.set());
}

#[derive(Clone, Debug)]
enum CountOp {
    /// Adds 1 under the condition's lock and notifies every waiter.
    Add,
    /// Waits, with `wait_for`, until the count is at least this.
    WaitFor(u32),
    /// Reads the count under the lock.
    Read,
    /// `wait_for` with a timeout: returns the count, reached or not.
    WaitForTimeout(u32),
}

/// A count guarded by a `Condition`: waiters wait for a predicate on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct CountModel {
    count: u32,
}

impl Model for CountModel {
    type Op = CountOp;
    type Ret = u32;
    fn timed(op: &CountOp) -> bool {
        matches!(op, CountOp::WaitForTimeout(_))
    }
    fn apply(&mut self, op: &CountOp) -> Result<u32, Blocked> {
        match op {
            CountOp::Add => self.count += 1,
            CountOp::WaitFor(at_least) if self.count < *at_least => return Err(Blocked),
            CountOp::WaitFor(_) | CountOp::Read | CountOp::WaitForTimeout(_) => {}
        }
        Ok(self.count)
    }
}

/// A count and the condition that guards it.
struct Counted {
    condition: Condition,
    count: AtomicU32,
}

/// The operations of the real runs: no timeouts.
fn count_ops() -> impl Strategy<Value = CountOp> + Clone {
    prop_oneof![Just(CountOp::Add), (1..=3u32).prop_map(CountOp::WaitFor), Just(CountOp::Read)]
}

/// The operations of the simulated runs, timed waits included.
fn timed_count_ops() -> impl Strategy<Value = CountOp> + Clone {
    prop_oneof![3 => count_ops(), 1 => (1..=3u32).prop_map(CountOp::WaitForTimeout)]
}

/// Ends a real run's waits for the count: adds to it and notifies.
fn release_count(counted: &Counted) {
    let _held = counted.condition.lock();
    counted.count.fetch_add(1, SeqCst);
    counted.condition.notify_all().expect("held");
}

/// The object of `condition_is_linearizable` and its model.
fn condition_test() -> Linearizability<CountModel, Counted> {
    Linearizability::new(
        CountModel::default(),
        || Counted { condition: Condition::new(), count: AtomicU32::new(0) },
        |counted, op| {
            let _held = counted.condition.lock();
            match op {
                CountOp::Add => {
                    let count = counted.count.fetch_add(1, SeqCst) + 1;
                    counted.condition.notify_all().expect("held");
                    count
                }
                CountOp::WaitFor(at_least) => {
                    counted.condition.wait_for(|| counted.count.load(SeqCst) >= *at_least).expect("held");
                    counted.count.load(SeqCst)
                }
                CountOp::Read => counted.count.load(SeqCst),
                CountOp::WaitForTimeout(at_least) => {
                    let predicate = || counted.count.load(SeqCst) >= *at_least;
                    counted.condition.wait_for_timeout(predicate, TIMEOUT).expect("held");
                    counted.count.load(SeqCst)
                }
            }
        },
    )
}

#[test]
fn condition_is_linearizable() {
    budgeted(condition_test()).check(timed_count_ops(), &Shape::default());
}

#[test]
fn condition_conforms() {
    crate::conforms(condition_test(), count_ops(), release_count);
}
