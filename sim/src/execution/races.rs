//! Data races on `UnsafeCell`s: vector clocks over the execution's synchronisation, and each
//! cell's last write and reads since, checked at every access (FastTrack's epochs, with the
//! reads kept per thread).
//!
//! Happens-before is over-approximated, so that a race reported is a race: every operation on
//! a weft object (announced, acquired, released, or ended with an outcome) orders the thread
//! after everything done before by any thread on the same object, as if each were a
//! sequentially consistent read-modify-write; a new thread starts after what its starter did.
//! (A primitive's own atomics need no edges of their own: every primitive announces its
//! operations, and user code reaches atomics through `weft::sync::atomic`, whose accesses are
//! operations.) Synchronisation the simulator cannot see (std types) does
//! not order anything: two accesses ordered only by it are reported, and the report says so.
//!
//! Tracking costs a flag test per operation while no cell was seen; it starts in the execution
//! that first accesses a cell (with every thread's clock equal: conservative, nothing before was
//! recorded) and runs in every later execution of the exploration from its start. Since the
//! executions before were not checked (and a search does not revisit them), the explorer then
//! explores the model again from the start, every execution tracked (`take_untracked_cells`).

use std::cell::Cell;
use std::collections::HashMap;
use std::panic::Location;

use super::*;

thread_local! {
    /// Whether the exploration running on this OS thread (each runs on one of its own) has seen
    /// a cell access: later executions track from their start.
    static CELLS_SEEN: Cell<bool> = const { Cell::new(false) };
    /// Whether an execution saw a cell access without tracking from its start (the first to see
    /// one): its races, and those of earlier executions, may have gone unseen.
    static UNTRACKED_CELLS: Cell<bool> = const { Cell::new(false) };
}

/// Forgets the cells of the previous exploration (called as one starts).
pub(crate) fn reset_cells_seen() {
    CELLS_SEEN.with(|seen| seen.set(false));
    UNTRACKED_CELLS.with(|untracked| untracked.set(false));
}

/// Whether the exploration so far accessed cells in an execution that did not track from its
/// start (and clears it): the explorer then explores again, every execution tracked.
pub(crate) fn take_untracked_cells() -> bool {
    UNTRACKED_CELLS.with(|untracked| untracked.replace(false))
}

/// This OS thread's race-tracking state: whether executions track races from their start, and
/// whether one saw a cell without tracking (see [`take_untracked_cells`]). Executions run ahead on
/// another OS thread take the exploring thread's state, and hand theirs back.
pub(crate) fn cells_state() -> (bool, bool) {
    (CELLS_SEEN.with(Cell::get), UNTRACKED_CELLS.with(Cell::get))
}

/// Sets this OS thread's race-tracking state (see [`cells_state`]).
pub(crate) fn set_cells_state(seen: bool, untracked: bool) {
    CELLS_SEEN.with(|cell| cell.set(seen));
    UNTRACKED_CELLS.with(|cell| cell.set(untracked));
}

/// Whether executions of this exploration track races from their start.
pub(super) fn cells_seen() -> bool {
    CELLS_SEEN.with(Cell::get)
}

type Clock = Vec<u32>;

/// One access of a cell: by which thread, at which of its epochs, from where.
#[derive(Clone, Copy)]
struct Access {
    thread: usize,
    epoch: u32,
    at: &'static Location<'static>,
}

#[derive(Default)]
struct CellHistory {
    write: Option<Access>,
    /// The last read of each thread since the last write.
    reads: Vec<Access>,
}

/// The race detector's state of one execution.
#[derive(Default)]
pub(crate) struct Races {
    /// By thread: what it has seen of every thread's epochs (its own at its own index).
    clocks: Vec<Clock>,
    /// By object: what its last users had seen.
    objects: HashMap<usize, Clock>,
    cells: HashMap<usize, CellHistory>,
}

fn join(into: &mut Clock, from: &Clock) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (mine, theirs) in into.iter_mut().zip(from) {
        *mine = (*mine).max(*theirs);
    }
}

impl Races {
    /// State for an execution whose threads `0..threads` exist: every clock equal (what came
    /// before is taken as ordered; no access was recorded).
    pub(super) fn new(threads: usize) -> Self {
        let clock = vec![1; threads.max(1)];
        Races { clocks: vec![clock; threads.max(1)], ..Races::default() }
    }

    fn clock(&mut self, thread: usize) -> &mut Clock {
        if self.clocks.len() <= thread {
            self.clocks.resize_with(thread + 1, Vec::new);
        }
        let clock = &mut self.clocks[thread];
        if clock.len() <= thread {
            clock.resize(thread + 1, 0);
        }
        if clock[thread] == 0 {
            clock[thread] = 1;
        }
        clock
    }

    /// `thread` operates on `object`: it sees what the object's earlier users did, and they are
    /// ordered before what it does next.
    pub(super) fn synchronize(&mut self, thread: usize, object: usize) {
        let mut clock = std::mem::take(self.clock(thread));
        let seen = self.objects.entry(object).or_default();
        join(&mut clock, seen);
        seen.clone_from(&clock);
        clock[thread] += 1;
        self.clocks[thread] = clock;
    }

    /// `child` starts after everything `parent` did so far.
    pub(super) fn spawned(&mut self, parent: usize, child: usize) {
        let mut clock = self.clock(parent).clone();
        self.clocks[parent][parent] += 1;
        if clock.len() <= child {
            clock.resize(child + 1, 0);
        }
        clock[child] = clock[child].max(1);
        self.clock(child);
        join(&mut self.clocks[child], &clock);
    }

    /// `thread` reads (`write` false) or writes `cell` from `at`; the earlier access it races
    /// with, if any.
    fn access(
        &mut self,
        thread: usize,
        cell: usize,
        write: bool,
        at: &'static Location<'static>,
    ) -> Option<(Access, bool)> {
        let clock = self.clock(thread).clone();
        let ordered = |a: &Access| a.thread == thread || clock.get(a.thread).is_some_and(|&c| c >= a.epoch);
        let history = self.cells.entry(cell).or_default();
        if let Some(last) = history.write.filter(|w| !ordered(w)) {
            return Some((last, true));
        }
        if write {
            if let Some(read) = history.reads.iter().find(|r| !ordered(r)) {
                return Some((*read, false));
            }
        }
        let now = Access { thread, epoch: clock[thread], at };
        if write {
            history.write = Some(now);
            history.reads.clear();
        } else {
            match history.reads.iter_mut().find(|r| r.thread == thread) {
                Some(read) => *read = now,
                None => history.reads.push(now),
            }
        }
        None
    }

    /// Forgets a cell that was dropped (its address may hold another next).
    pub(super) fn cell_dropped(&mut self, cell: usize) {
        self.cells.remove(&cell);
    }
}

impl Execution {
    /// The current thread operates on `object` (see [`Races::synchronize`]).
    #[inline(always)]
    pub(crate) fn synchronize(&self, object: usize) {
        if self.races_on.get() {
            self.synchronize_slow(object);
        }
    }

    #[cold]
    fn synchronize_slow(&self, object: usize) {
        let current = self.running.get();
        if let Some(races) = self.races.borrow_mut().as_mut() {
            races.synchronize(current, object);
        }
    }

    /// Thread `child` was just spawned by the current thread.
    pub(super) fn race_spawned(&self, child: usize) {
        if self.races_on.get() {
            let parent = self.running.get();
            if let Some(races) = self.races.borrow_mut().as_mut() {
                races.spawned(parent, child);
            }
        }
    }

    /// An access to the `UnsafeCell` at `cell` (see `Observe::cell_access`): fails the execution
    /// if it races with an earlier one.
    pub(crate) fn cell_access(&self, cell: usize, write: bool, at: &'static Location<'static>) {
        if self.tearing_down.get() {
            return;
        }
        if !self.races_on.get() {
            CELLS_SEEN.with(|seen| seen.set(true));
            UNTRACKED_CELLS.with(|untracked| untracked.set(true));
            let threads = self.inner.borrow().threads.len();
            *self.races.borrow_mut() = Some(Box::new(Races::new(threads)));
            self.races_on.set(true);
        }
        // The access is a step of its own, which other threads' steps may come before (and the
        // search orders against other accesses to the cell); the check comes as it happens.
        self.unsynchronized_operation(cell, "UnsafeCell", if write { "with_mut" } else { "with" }, write);
        if self.tearing_down.get() {
            return;
        }
        let current = self.running.get();
        let race = self.races.borrow_mut().as_mut().and_then(|races| races.access(current, cell, write, at));
        if let Some((earlier, earlier_wrote)) = race {
            let (mine, theirs) = {
                let inner = self.inner.borrow();
                (inner.threads[current].name.to_string(), inner.threads[earlier.thread].name.to_string())
            };
            let verb = |wrote: bool| if wrote { "wrote" } else { "read" };
            self.fail(
                FailureKind::DataRace,
                format!(
                    "data race on an UnsafeCell: {theirs} {} it at {}, and {mine} {} it at {at}, with nothing \
                     that weft sees ordering the two (a weft lock, atomic, or other operation on a shared \
                     object; std's synchronisation is invisible to the simulator)",
                    verb(earlier_wrote),
                    earlier.at,
                    verb(write),
                ),
            );
        }
    }

    /// A cell was dropped: its history goes.
    pub(crate) fn cell_dropped(&self, cell: usize) {
        if let Some(races) = self.races.borrow_mut().as_mut() {
            races.cell_dropped(cell);
        }
    }
}
