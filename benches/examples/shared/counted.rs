//! A shuttle scheduler that counts the executions it starts: the examples that compare weft with
//! shuttle (`bug_finding`, `exhaustive_search`) include this file (`#[path]`), since shuttle is a
//! dev-dependency the benches library cannot use.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Wraps `inner`, adding one to `executions` for each execution it starts.
pub struct Counted<S> {
    pub inner: S,
    pub executions: Arc<AtomicUsize>,
}

impl<S: shuttle::scheduler::Scheduler> shuttle::scheduler::Scheduler for Counted<S> {
    fn new_execution(&mut self) -> Option<shuttle::scheduler::Schedule> {
        let next = self.inner.new_execution();
        if next.is_some() {
            self.executions.fetch_add(1, Ordering::Relaxed);
        }
        next
    }

    fn next_task(
        &mut self,
        runnable: &[&shuttle::scheduler::Task],
        current: Option<shuttle::scheduler::TaskId>,
        is_yielding: bool,
    ) -> Option<shuttle::scheduler::TaskId> {
        self.inner.next_task(runnable, current, is_yielding)
    }

    fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }
}
