//! Barrier: a two-phase model (a `wait` arrives, and other threads see it in `n_waiting`, before
//! it completes), with timeouts in virtual time.

use std::collections::BTreeMap;

use proptest::prelude::*;
use weft::Barrier;
use weft::spec::{Blocked, Linearizability, Model, Shape};

use crate::{Raised, TIMEOUT, budgeted, raised};

/// The parties of the barrier under test: the scenarios' 2 or 3 parallel threads (and thread 0,
/// before and after them) pass it, break it and leave some waiting.
const PARTIES: usize = 2;

#[derive(Clone, Debug, PartialEq, Eq)]
enum BarrierOp {
    Wait,
    WaitTimeout,
    Abort,
    Reset,
    NWaiting,
    Broken,
}

/// `threading.Barrier` as weft builds it: the threads of the current round, whether it is broken,
/// and the outcome of each wait that was decided (when its round passed or broke) but has not
/// returned yet. A wait's outcome is decided once: a round that passed is not undone by an
/// `abort` before its threads wake.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct BarrierModel {
    arrived: Vec<usize>,
    broken: bool,
    decided: BTreeMap<usize, Raised<usize>>,
}

fn broken_barrier() -> Raised<usize> {
    Err(raised(weft::Error::BrokenBarrier))
}

impl BarrierModel {
    /// Ends the current round: each of its threads is told it broke.
    fn break_round(&mut self) {
        for thread in self.arrived.drain(..) {
            self.decided.insert(thread, broken_barrier());
        }
    }
}

impl Model for BarrierModel {
    type Op = BarrierOp;
    type Ret = Raised<usize>;
    fn timed(op: &BarrierOp) -> bool {
        *op == BarrierOp::WaitTimeout
    }
    fn apply(&mut self, _: &BarrierOp) -> Result<Raised<usize>, Blocked> {
        unreachable!("a barrier's model needs the calling thread: apply_by")
    }
    fn two_phase(op: &BarrierOp) -> bool {
        matches!(op, BarrierOp::Wait | BarrierOp::WaitTimeout)
    }
    fn arrive_by(&mut self, thread: usize, _: &BarrierOp) -> Result<(), Blocked> {
        if self.broken {
            self.decided.insert(thread, broken_barrier());
        } else {
            self.arrived.push(thread);
            if self.arrived.len() == PARTIES {
                for (index, thread) in self.arrived.drain(..).enumerate() {
                    self.decided.insert(thread, Ok(index));
                }
            }
        }
        Ok(())
    }
    fn apply_by(&mut self, thread: usize, op: &BarrierOp) -> Result<Raised<usize>, Blocked> {
        let count = |b: bool| Ok(Ok(usize::from(b)));
        match op {
            BarrierOp::Wait => self.decided.remove(&thread).ok_or(Blocked),
            BarrierOp::WaitTimeout => Ok(self.decided.remove(&thread).unwrap_or_else(|| {
                // Timed out while its round was filling: that breaks the round.
                self.broken = true;
                self.break_round();
                self.decided.remove(&thread).unwrap_or_else(|| unreachable!("it was in the round"))
            })),
            BarrierOp::Abort => {
                self.broken = true;
                self.break_round();
                count(true)
            }
            BarrierOp::Reset => {
                self.break_round();
                self.broken = false;
                count(true)
            }
            BarrierOp::NWaiting => Ok(Ok(if self.broken { 0 } else { self.arrived.len() })),
            BarrierOp::Broken => count(self.broken),
        }
    }
}

fn barrier_ops() -> impl Strategy<Value = BarrierOp> + Clone {
    prop_oneof![
        4 => Just(BarrierOp::Wait),
        2 => Just(BarrierOp::WaitTimeout),
        1 => Just(BarrierOp::Abort),
        1 => Just(BarrierOp::Reset),
        1 => Just(BarrierOp::NWaiting),
        1 => Just(BarrierOp::Broken),
    ]
}

/// The object of `barrier_is_linearizable` and its model.
fn barrier_test() -> Linearizability<BarrierModel, Barrier> {
    Linearizability::new(
        BarrierModel::default(),
        || Barrier::new(PARTIES).expect("a valid party count"),
        |barrier, op| match op {
            BarrierOp::Wait => barrier.wait().map_err(raised),
            BarrierOp::WaitTimeout => barrier.wait_timeout(TIMEOUT).map_err(raised),
            BarrierOp::Abort => {
                barrier.abort();
                Ok(1)
            }
            BarrierOp::Reset => {
                barrier.reset();
                Ok(1)
            }
            BarrierOp::NWaiting => Ok(barrier.n_waiting()),
            BarrierOp::Broken => Ok(usize::from(barrier.broken())),
        },
    )
}

#[test]
fn barrier_is_linearizable() {
    budgeted(barrier_test()).check(barrier_ops(), &Shape::default());
}

/// On real threads a timed wait may time out while another thread is about to arrive, where the
/// simulator's virtual clock waits for every thread to block: the real runs leave timeouts out.
#[test]
fn barrier_conforms() {
    let ops = prop_oneof![
        4 => Just(BarrierOp::Wait),
        1 => Just(BarrierOp::Abort),
        1 => Just(BarrierOp::Reset),
        1 => Just(BarrierOp::NWaiting),
        1 => Just(BarrierOp::Broken),
    ];
    crate::conforms(barrier_test(), ops, |barrier: &Barrier| barrier.abort());
}

/// std's `Barrier` (`weft::sync::Barrier`): a group's last arrival is its leader.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct StdBarrierModel {
    arrived: Vec<usize>,
    /// Whether each released thread that has not returned yet leads its group.
    released: BTreeMap<usize, bool>,
}

#[derive(Clone, Debug)]
struct StdWait;

impl Model for StdBarrierModel {
    type Op = StdWait;
    type Ret = bool;
    fn apply(&mut self, _: &StdWait) -> Result<bool, Blocked> {
        unreachable!("a barrier's model needs the calling thread: apply_by")
    }
    fn two_phase(_: &StdWait) -> bool {
        true
    }
    fn arrive_by(&mut self, thread: usize, _: &StdWait) -> Result<(), Blocked> {
        self.arrived.push(thread);
        if self.arrived.len() == PARTIES {
            for thread in self.arrived.drain(..) {
                self.released.insert(thread, false);
            }
            self.released.insert(thread, true);
        }
        Ok(())
    }
    fn apply_by(&mut self, thread: usize, _: &StdWait) -> Result<bool, Blocked> {
        self.released.remove(&thread).ok_or(Blocked)
    }
}

/// The object of `std_barrier_is_linearizable` and its model.
fn std_barrier_test() -> Linearizability<StdBarrierModel, weft::sync::Barrier> {
    Linearizability::new(
        StdBarrierModel::default(),
        || weft::sync::Barrier::new(PARTIES),
        |barrier, StdWait| barrier.wait().is_leader(),
    )
}

#[test]
fn std_barrier_is_linearizable() {
    budgeted(std_barrier_test()).check(Just(StdWait), &Shape::default());
}
