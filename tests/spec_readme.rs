//! The README's `weft::spec` example: a user's bounded queue, checked for linearizability
//! against a sequential model; and the same queue with the classic bug (one condvar,
//! `notify_one`), which the check catches.

use std::collections::VecDeque;

use weft::spec::proptest::prelude::*;
use weft::spec::{Blocked, Linearizability, Model, Shape};
use weft::sync::{Condvar, Mutex};

/// A queue with room for `CAPACITY` items: `put` waits for room, `get` for an item.
struct Bounded {
    items: Mutex<VecDeque<u8>>,
    changed: Condvar,
    notify_all: bool,
}

const CAPACITY: usize = 1;

impl Bounded {
    fn new(notify_all: bool) -> Self {
        Bounded { items: Mutex::new(VecDeque::new()), changed: Condvar::new(), notify_all }
    }
    fn notify(&self) {
        if self.notify_all { self.changed.notify_all() } else { self.changed.notify_one() }
    }
    fn put(&self, item: u8) {
        let mut items = self.changed.wait_while(self.items.lock().unwrap(), |q| q.len() == CAPACITY).unwrap();
        items.push_back(item);
        self.notify();
    }
    fn get(&self) -> u8 {
        let mut items = self.changed.wait_while(self.items.lock().unwrap(), |q| q.is_empty()).unwrap();
        let item = items.pop_front().unwrap();
        self.notify();
        item
    }
}

/// The sequential model: the items, in order.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
struct Spec(VecDeque<u8>);

#[derive(Clone, Debug)]
enum Op {
    Put(u8),
    Get,
}

impl Model for Spec {
    type Op = Op;
    type Ret = Option<u8>;
    fn apply(&mut self, op: &Op) -> Result<Option<u8>, Blocked> {
        match op {
            Op::Put(_) if self.0.len() == CAPACITY => Err(Blocked),
            Op::Put(item) => {
                self.0.push_back(*item);
                Ok(None)
            }
            Op::Get => self.0.pop_front().map(Some).ok_or(Blocked),
        }
    }
}

fn test(notify_all: bool) -> Linearizability<Spec, Bounded> {
    Linearizability::new(
        Spec::default(),
        move || Bounded::new(notify_all),
        |queue, op| match op {
            Op::Put(item) => {
                queue.put(*item);
                None
            }
            Op::Get => Some(queue.get()),
        },
    )
}

fn ops() -> impl Strategy<Value = Op> + Clone {
    prop_oneof![(0..3u8).prop_map(Op::Put), Just(Op::Get)]
}

#[test]
fn the_bounded_queue_is_linearizable() {
    test(true).executions(300, 100).check(ops(), &Shape::default());
}

#[test]
fn with_notify_one_a_wake_up_is_lost() {
    let failure = std::panic::catch_unwind(|| test(false).persist_failures(false).check(ops(), &Shape::default()));
    let report = *failure.expect_err("caught").downcast::<String>().expect("a report");
    if std::env::var_os("WEFT_SHOW").is_some() {
        println!("{report}");
    }
    assert!(report.contains("no linearization"), "{report}");
}
