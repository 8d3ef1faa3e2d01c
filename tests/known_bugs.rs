//! Known weft bugs, each reproduced by an ignored test (`cargo test --test known_bugs --
//! --ignored` runs them): a fix makes its test pass, and the `#[ignore]` goes.

use std::collections::VecDeque;
use std::time::Duration;
use weft::sim::Explorer;
use weft::sync::{Arc, Condvar, Mutex};
use weft::{Builder, Thread};

/// A queue with room for one item, on a `Mutex` and one `Condvar` (`notify_all`).
struct Bounded {
    items: Mutex<VecDeque<u8>>,
    changed: Condvar,
}
impl Bounded {
    fn put(&self, item: u8) {
        let mut items = self.changed.wait_while(self.items.lock().unwrap(), |q| q.len() == 1).unwrap();
        items.push_back(item);
        self.changed.notify_all();
    }
    fn get(&self) -> u8 {
        let mut items = self.changed.wait_while(self.items.lock().unwrap(), |q| q.is_empty()).unwrap();
        let item = items.pop_front().unwrap();
        self.changed.notify_all();
        item
    }
}

/// Three daemon threads (put put; get; get put) on the queue, started and joined with
/// deadlines by a fourth, as `weft::spec` runs a scenario.
fn model() {
    let q = Arc::new(Bounded { items: Mutex::new(VecDeque::new()), changed: Condvar::new() });
    let t0 = {
        let q = q.clone();
        Builder::new().daemon(true).build(move || {
            let ops: Vec<Vec<i32>> = vec![vec![1, 1], vec![0], vec![0, 1]];
            let ts: Vec<Thread> = ops
                .into_iter()
                .map(|ops| {
                    let q = q.clone();
                    Builder::new().daemon(true).build(move || {
                        for op in ops {
                            if op == 1 {
                                q.put(0)
                            } else {
                                q.get();
                            }
                        }
                    })
                })
                .collect();
            ts.iter().for_each(|t| t.start().unwrap());
            for t in &ts {
                let _ = t.join_timeout(Duration::from_secs(1000));
            }
            ts.iter().for_each(|t| {
                t.is_alive();
            });
        })
    };
    t0.start().unwrap();
    let _ = t0.join_timeout(Duration::from_secs(5000));
    t0.is_alive();
}

/// Exhaustive search with partial-order reduction stops this model with a false
/// "nondeterministic model" failure after about 500 executions (the steps before a decision
/// differ from an earlier execution's with the same choices); without reduction
/// (`preemption_bound`) no execution fails. The model is deterministic. Present at the start of
/// the session that found it (895b05c), so not caused by that session's changes.
#[test]
#[ignore = "weft bug: partial-order reduction reports this deterministic Mutex+Condvar model nondeterministic"]
fn reduction_does_not_call_a_deterministic_condvar_model_nondeterministic() {
    let stats = Explorer::exhaustive().check(model);
    assert!(stats.exhausted, "{stats}");
    let bounded = Explorer::exhaustive().preemption_bound(50).iterations(20_000).run(model);
    assert!(bounded.is_ok());
}
