//! Linearizability: a concurrent object's history checked against a sequential model.
//!
//! This is the core of property-based spec testing: a [`Model`] says what an object does when
//! its operations run one at a time; a history ([`Operation`]s, recorded with a [`Recorder`])
//! says what a concurrent run of the real object did; [`check`] decides whether the run could
//! have been the model's, and if not, says why ([`Violation`]).
//!
//! # Definitions
//!
//! An operation is *called* at one time and *returns* at a later one, both read from one clock
//! shared by every thread (a step counter will do). Its [call, return] interval is when it may
//! take effect.
//!
//! * **Real-time order.** If `a` returned before `b` was called (`a.ret < b.call`, strictly: equal
//!   timestamps are concurrent), `a` took effect before `b`. Operations whose intervals overlap
//!   may take effect in either order. The operations of one thread never overlap; they take
//!   effect in the order the thread called them, whatever their timestamps say.
//! * **Linearization.** An order of every completed operation that respects real-time order and
//!   in which the model, applied to each operation in turn from the initial state, returns
//!   `Ok(r)` with `r` equal to what the operation returned. A history is *linearizable* if it has
//!   one.
//! * **Blocking.** [`Model::apply`] returns `Err(`[`Blocked`]`)` where the operation would wait in
//!   that state (a `get` on an empty queue, an `acquire` of a held lock). A completed operation
//!   can only be linearized where the model does not block it: it took effect when it returned.
//!   Timeouts are the model's business: an operation with a timeout is one that returns a
//!   timed-out value (`Ok(TimedOut)`) in a state where its untimed form would block.
//! * **Pending operations.** An operation without a return (`ret: None`) was still blocked when
//!   the execution ended. It is **never linearized**: a blocked operation has not taken effect,
//!   and an object whose blocked operation had (a `put` that stored its item and then waited
//!   forever) is wrong. Instead, every pending operation must block (`Err(Blocked)`) in the state
//!   after the completed operations: if the model could proceed there, the object left a thread
//!   waiting for nothing, a lost wake-up. Where that state depends on the order of the completed
//!   operations, one order after which every pending operation blocks is enough: [`check`] looks
//!   for a linearization of the completed operations and this condition together.
//! * **Two-phase operations.** Some operations are seen by others before they return: a barrier's
//!   `wait` counts in `n_waiting` while it waits, and the last arrival releases the others. Such
//!   an operation ([`Model::two_phase`]) takes effect in two steps within its interval: it
//!   *arrives* ([`Model::arrive_by`]), then *completes* ([`Model::apply_by`], which may block
//!   until other arrivals). A pending one may have arrived or not; either way, the step it is
//!   waiting at must block.
//!
//! * **Quiescent points.** Under the simulator, virtual time passes only when every thread is
//!   blocked. An operation in progress at such a moment (called before it, returned after it or
//!   never) was waiting then: it has not taken effect yet, and the model must block it in the
//!   state after the operations that returned before that moment ([`check_quiescent`]). This
//!   catches what the end of the run cannot see: a thread left waiting for nothing, and woken
//!   later by an unrelated operation. Timed operations ([`Model::timed`]) are exempt from the
//!   blocking (they wait for their deadline), not from taking effect afterwards.
//!
//! # Example
//!
//! ```
//! use weft::spec::{check, Blocked, Model, Operation};
//!
//! /// A FIFO queue whose `Get` waits for an item.
//! #[derive(Clone, PartialEq, Eq, Hash, Default)]
//! struct Fifo(std::collections::VecDeque<u32>);
//!
//! #[derive(Clone, Debug)]
//! enum Op { Put(u32), Get }
//!
//! impl Model for Fifo {
//!     type Op = Op;
//!     type Ret = Option<u32>;
//!     fn apply(&mut self, op: &Op) -> Result<Option<u32>, Blocked> {
//!         match op {
//!             Op::Put(x) => { self.0.push_back(*x); Ok(None) }
//!             Op::Get => self.0.pop_front().map(Some).ok_or(Blocked),
//!         }
//!     }
//! }
//!
//! // Thread 1's `Get` overlaps thread 0's second `Put` and sees 1, so 2 is left in the queue;
//! // thread 2's `Get`, called after both puts returned, still waits when the run ends: a lost
//! // wake-up.
//! let history = [
//!     Operation::returned(0, Op::Put(1), 1, 2, None),
//!     Operation::returned(0, Op::Put(2), 3, 6, None),
//!     Operation::returned(1, Op::Get, 4, 5, Some(1)),
//!     Operation::pending(2, Op::Get, 7),
//! ];
//! let violation = check(&Fifo::default(), &history).unwrap_err();
//! assert!(violation.to_string().contains("it should not be waiting"));
//!
//! // Without the pending `Get`, the history is linearizable: Put(1), Put(2), Get (indices into
//! // the history).
//! let linearization = check(&Fifo::default(), &history[..3]).unwrap();
//! assert_eq!(linearization.order(), [0, 1, 2]);
//! ```

mod check;
mod conformance;
mod history;
mod report;
mod run;
mod scenario;

pub use check::{Linearization, check, check_quiescent};
pub use conformance::{Conformance, ConformanceFailure};
pub use history::{Operation, Recorder};
pub use report::{Refusal, Violation};
pub use run::{Linearizability, Outcome, ScenarioStats, SpecFailure};
pub use scenario::{Scenario, Shape, scenarios};

/// proptest, whose strategies generate the operations of scenarios (re-exported, so that its
/// version is the one `weft::spec` takes).
pub use proptest;

use std::fmt::{self, Debug};
use std::hash::Hash;

/// A sequential specification: the state of an object whose operations run one at a time.
///
/// States are compared and hashed: the checker remembers the states it has seen after each set
/// of operations, so that it never explores the same situation twice. Keep them small and
/// canonical (two states that behave alike should be equal).
pub trait Model: Clone + Eq + Hash {
    /// An operation, with its arguments.
    type Op: Clone + Debug;
    /// What an operation returns.
    type Ret: Clone + Debug + PartialEq;

    /// Applies `op` to the state and returns its result, or `Err(Blocked)` if `op` would wait
    /// in this state. A blocked operation must leave the state unchanged ([`check`] panics if it
    /// does not).
    ///
    /// # Errors
    ///
    /// [`Blocked`] where the operation would block (wait for another thread) in this state.
    fn apply(&mut self, op: &Self::Op) -> Result<Self::Ret, Blocked>;

    /// [`Model::apply`] for an operation that `thread` performs (the threads of the history).
    /// The checker calls this one; override it for an object whose behaviour depends on the
    /// caller, such as a reentrant lock's owner (then `apply` may be `unreachable!`).
    ///
    /// # Errors
    ///
    /// As [`Model::apply`].
    fn apply_by(&mut self, thread: usize, op: &Self::Op) -> Result<Self::Ret, Blocked> {
        let _ = thread;
        self.apply(op)
    }

    /// Whether `op` takes effect in two steps, as a barrier's `wait` does: it first *arrives*
    /// ([`Model::arrive_by`]: it joins the barrier's count, which other operations then see) and
    /// later *completes* ([`Model::apply_by`], which returns its value, or blocks until, say, the
    /// last party has arrived). Both steps fall within the operation's [call, return] interval,
    /// in that order. An operation whose effect on others comes before its own return (a dual
    /// operation, in Scherer and Scott's terms) cannot be modelled in one step: while it is
    /// blocked, the model has not seen it. The default is `false` for every operation.
    fn two_phase(op: &Self::Op) -> bool {
        let _ = op;
        false
    }

    /// Whether `op` waits with a timeout (an `acquire(timeout=…)`, a `get(timeout=…)`): at a
    /// quiescent point ([`check_quiescent`]) such an operation may be waiting for its deadline
    /// where its model, which times it out at once, would not block. The default is `false`:
    /// an operation the model does not block must not be caught waiting at a quiescent point.
    fn timed(op: &Self::Op) -> bool {
        let _ = op;
        false
    }

    /// The arrival of the two-phase operation `op` (see [`Model::two_phase`]) by `thread`: the
    /// state change the other threads may see before `op` returns.
    ///
    /// # Errors
    ///
    /// [`Blocked`] where the operation cannot even arrive in this state (a barrier that is still
    /// releasing its previous round). A blocked arrival must leave the state unchanged.
    ///
    /// # Panics
    ///
    /// The default panics: a model whose [`Model::two_phase`] returns `true` for an operation
    /// must implement this.
    fn arrive_by(&mut self, thread: usize, op: &Self::Op) -> Result<(), Blocked> {
        let _ = thread;
        panic!("Model::two_phase says {op:?} takes effect in two steps, but the model does not implement arrive_by")
    }
}

/// The operation would block (wait for another thread) in this state: the error of
/// [`Model::apply`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Blocked;

impl fmt::Display for Blocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block")
    }
}

impl std::error::Error for Blocked {}
