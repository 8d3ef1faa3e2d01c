//! Footprints: what each step reads and writes, for partial-order reduction, and the sections where the simulator sees no step.

use super::*;

impl Execution {
    /// Runs `f` with no scheduling point inside (a callback "under the queue lock").
    pub(crate) fn critical<R>(&self, f: impl FnOnce() -> R) -> R {
        let was = self.in_critical.replace(true);
        let result = f();
        self.in_critical.set(was);
        result
    }

    pub(super) fn add_footprint(&self, bits: Bits, write: bool) {
        let mut footprint = self.footprint.get();
        if write {
            footprint.writes |= bits;
        } else {
            footprint.reads |= bits;
        }
        self.footprint.set(footprint);
    }

    /// Changes what the strategy learns of the step under way (its [`StepInfo`]) by `change`.
    pub(super) fn update_step_info(&self, change: impl FnOnce(&mut StepInfo)) {
        let mut info = self.step_info.get();
        change(&mut info);
        self.step_info.set(info);
    }

    /// Adds shared object `address` to the current step's footprint, as written (`write`) or
    /// only read.
    pub(super) fn touch(&self, inner: &mut Inner, address: usize, write: bool) {
        if self.config.track_footprints {
            let number = Self::number_object(inner, address);
            let mut footprint = self.footprint.get();
            footprint.add_object(number, write);
            self.footprint.set(footprint);
        }
    }

    /// The number of shared object `address` in this execution, given now if it has none: the
    /// next in the order of first touch (or announcement, see [`Execution::announce_rest`]).
    pub(super) fn number_object(inner: &mut Inner, address: usize) -> u32 {
        let next = inner.next_number;
        let number = *inner.numbers.entry(address).or_insert(next);
        inner.next_number += u32::from(number == next);
        number
    }

    /// Adds `address` to the current step's footprint (`Observe::touch` and
    /// `Observe::observe`).
    #[inline(always)]
    pub(crate) fn touch_now(&self, address: usize, write: bool) {
        if self.config.track_footprints {
            self.touch_tracked(address, write);
        }
    }

    /// [`Execution::touch_now`] while footprints are tracked.
    #[inline(never)]
    pub(super) fn touch_tracked(&self, address: usize, write: bool) {
        self.touch(&mut self.inner.borrow_mut(), address, write);
    }

    /// The object at `address` is dropped: a later object at the same address is another object,
    /// with a number and a label of its own. Without this, an address freed and reused inside an
    /// execution would name two objects with one number, and which objects share numbers would
    /// depend on the interleaving (the allocator's reuse follows it), so that footprints of
    /// different executions would not compare.
    #[inline(always)]
    pub(crate) fn forget(&self, address: usize) {
        if self.detailed && !self.tearing_down.get() {
            self.forget_detailed(address);
        }
    }

    /// [`Execution::forget`] while the execution keeps numbers, labels and holds.
    #[inline(never)]
    pub(super) fn forget_detailed(&self, address: usize) {
        let mut inner = self.inner.borrow_mut();
        inner.numbers.remove(&address);
        if !inner.labels.is_empty() {
            inner.labels.remove(&address);
        }
        // A lock dropped while held is held by nobody (a new one may take its address).
        for thread in &mut inner.threads {
            thread.holds.retain(|&h| h != address);
        }
    }

    /// Enters or leaves an internal critical section: see `Observe::internal_section`.
    pub(crate) fn internal_section(&self, enter: bool) {
        if enter {
            self.quiet.set(self.quiet.get() + 1);
        } else {
            self.quiet.set(self.quiet.get() - 1);
        }
    }
}
