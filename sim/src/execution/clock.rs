//! Virtual time: the clock, sleeps and yields.

use super::*;

impl Execution {
    pub(crate) fn now(&self) -> Instant {
        self.add_footprint(CLOCK_BIT, false);
        self.looked.set(self.looked.get() | LOOKED_AT_THE_CLOCK);
        epoch() + self.inner.borrow().clock
    }

    pub(crate) fn sleep(&self, duration: Duration) {
        self.watch.event("", "sleep");
        if self.config.record_trace {
            let mut inner = self.inner.borrow_mut();
            self.record(&mut inner, None, &format!("sleep {duration:?}"));
            // A sleep is no primitive's operation: its park does not block one.
            let current = inner.current;
            inner.threads[current].open = None;
        }
        if duration.is_zero() {
            // Python's `time.sleep(0)`: a yield.
            return self.yield_now();
        }
        let key = &duration as *const Duration as usize;
        let deadline = self.now().checked_add(duration);
        if deadline.is_none() {
            self.fail(FailureKind::Deadlock(Vec::new()), "a thread sleeps forever".into());
        }
        self.park(key, || true, || {}, |_, _| {}, 0, deadline);
    }

    pub(crate) fn yield_now(&self) {
        self.watch.event("", "yield");
        self.yielding.set(true);
        // (What the thread looked at since its last scheduling point: a yield right after its
        // last one that looked at nothing counts rather than polls, and one that read the clock
        // waits for time to pass; see `Execution::pick_next_general`.)
        self.yield_looked.set(self.looked.get());
        self.footprint.set(Footprint::ALL);
        self.schedule_point();
    }
}
