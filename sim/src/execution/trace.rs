//! The trace of an execution: events recorded as operations take effect, and object labels.

use super::*;

impl Execution {
    /// Evaluates a readiness test quietly (its loads are not the running step's).
    #[inline]
    pub(super) fn probe(&self, ready: *const (dyn Fn() -> bool + 'static)) -> bool {
        self.quiet.set(self.quiet.get() + 1);
        // SAFETY: `ready` was stored by `wait_until_ready` from a reference to a closure on the
        // stack of a thread suspended inside that call; the thread clears it before the call
        // returns, so while it is stored the closure is alive and unmoved. Only this OS thread
        // runs the simulation, and the closure only loads atomics.
        let result = unsafe { (*ready)() };
        self.quiet.set(self.quiet.get() - 1);
        result
    }

    pub(super) fn label(inner: &mut Inner, object: usize, kind: &'static str) -> String {
        if let Some(label) = inner.labels.get(&object) {
            return label.clone();
        }
        let count = inner.label_counts.entry(kind).or_insert(0);
        *count += 1;
        let label = format!("{kind}#{count}");
        inner.labels.insert(object, label.clone());
        label
    }

    #[inline]
    pub(super) fn record(&self, inner: &mut Inner, object: Option<(usize, &'static str)>, operation: &str) {
        if self.config.record_trace {
            self.record_event(inner, object, operation);
        }
    }

    /// Records an event of the simulator's own machinery (a park, its timeout): only in
    /// fine-grained mode, whose traces show the primitives' inner workings.
    #[inline]
    pub(super) fn record_inner(&self, inner: &mut Inner, object: Option<(usize, &'static str)>, operation: &str) {
        if self.config.record_trace && self.config.fine_grained {
            self.record_event(inner, object, operation);
        }
    }

    #[cold]
    pub(super) fn record_event(&self, inner: &mut Inner, object: Option<(usize, &'static str)>, operation: &str) {
        let thread = inner.current;
        Self::record_for(inner, thread, object, operation);
    }

    /// Records an event of `thread`.
    #[cold]
    pub(super) fn record_for(inner: &mut Inner, thread: usize, object: Option<(usize, &'static str)>, operation: &str) {
        let object = match object {
            Some((key, kind)) => Self::label(inner, key, kind),
            None => "-".to_owned(),
        };
        let event = TraceEvent {
            thread: inner.threads[thread].name.to_string(),
            object,
            operation: operation.to_owned(),
            outcome: String::new(),
            time: inner.clock,
        };
        inner.trace.push(event);
    }

    /// The running thread starts operation `name` on `object` (tracing): it is its open
    /// operation, unless it runs inside another primitive's operation.
    #[cold]
    pub(super) fn open_operation(&self, object: usize, kind: &'static str, name: &'static str) {
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        let thread = &mut inner.threads[current];
        if thread.nested == 0 {
            thread.open = Some(OpenOp { object, kind, name, recorded: false, blocked: false, outcome: None });
        }
    }

    /// The running thread's operation `name` on `object` takes effect now (after its scheduling
    /// point): its event. An inner operation of another primitive's (a `Condition`'s probe of
    /// its lock) shows only in fine-grained mode.
    #[cold]
    pub(super) fn took_effect(&self, object: usize, kind: &'static str, name: &'static str) {
        let mut inner = self.inner.borrow_mut();
        let current = inner.current;
        if inner.threads[current].nested > 0 {
            if self.config.fine_grained {
                self.record_event(&mut inner, Some((object, kind)), name);
            }
            return;
        }
        Self::record_open(&mut inner, current);
    }

    /// Records `thread`'s open operation's event, if it is not in the trace.
    pub(super) fn record_open(inner: &mut Inner, thread: usize) {
        let Some(mut op) = inner.threads[thread].open else { return };
        if op.recorded {
            return;
        }
        Self::record_for(inner, thread, Some((op.object, op.kind)), op.name);
        if let Some(outcome) = op.outcome.take() {
            if let Some(event) = inner.trace.last_mut() {
                event.outcome = outcome.to_owned();
            }
        }
        op.recorded = true;
        op.blocked = false;
        inner.threads[thread].open = Some(op);
    }

    /// `thread` begins to wait in its open operation: a "blocks on" event (once per wait); the
    /// operation's event, if recorded, is taken back (it is recorded when the wait ends).
    #[cold]
    pub(super) fn record_blocks(inner: &mut Inner, thread: usize) {
        let Some(mut op) = inner.threads[thread].open else { return };
        if op.recorded {
            let name = &inner.threads[thread].name;
            let label = inner.labels.get(&op.object);
            if let Some(at) = inner.trace.iter().rposition(|e| *name == *e.thread && Some(&e.object) == label) {
                if inner.trace[at].operation == op.name {
                    inner.trace.remove(at);
                }
            }
            op.recorded = false;
        }
        if !op.blocked {
            op.blocked = true;
            inner.threads[thread].open = Some(op);
            Self::record_for(inner, thread, Some((op.object, op.kind)), &format!("blocks on ({})", op.name));
        } else {
            inner.threads[thread].open = Some(op);
        }
    }

    /// The running thread panicked at `location` (from the panic hook; tracing only).
    pub(super) fn panicked_at(&self, location: &std::panic::Location<'_>) {
        if let Ok(inner) = self.inner.try_borrow() {
            // It begins to unwind (unless the panic is caught at once).
            if let Some(thread) = inner.threads.get(inner.current) {
                thread.unwinding.set(true);
            }
        }
        if !self.config.record_trace {
            return;
        }
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            let current = inner.current;
            if let Some(thread) = inner.threads.get_mut(current) {
                thread.panic_location = Some(format!("{}:{}:{}", location.file(), location.line(), location.column()));
            }
        }
    }
}
