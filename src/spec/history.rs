//! Histories: the operations of a concurrent run, with their call and return times.

use std::collections::HashMap;
use std::fmt;

use super::Model;

/// One operation of a history: which thread called it, with what, when, and what it returned
/// when (`ret: None` if it was still pending, blocked, when the run ended).
///
/// `call` and `ret` are timestamps from one clock shared by every thread, with `call <= ret`.
/// The operations of one thread do not overlap: each is called at or after the return of the
/// one before, and only a thread's last operation may be pending. A thread's operations take
/// effect in the order of their calls (two called at the same time, in their order in the
/// history).
pub struct Operation<M: Model> {
    /// The thread that called the operation (any numbering: threads are told apart by it).
    pub thread: usize,
    /// The operation and its arguments.
    pub op: M::Op,
    /// When it was called.
    pub call: u64,
    /// When it returned and what it returned, or `None` if it never did.
    pub ret: Option<(u64, M::Ret)>,
}

impl<M: Model> Operation<M> {
    /// An operation that `thread` called at `call` and that returned `value` at `ret`.
    pub fn returned(thread: usize, op: M::Op, call: u64, ret: u64, value: M::Ret) -> Self {
        Operation { thread, op, call, ret: Some((ret, value)) }
    }

    /// An operation that `thread` called at `call` and that had not returned when the run ended.
    pub fn pending(thread: usize, op: M::Op, call: u64) -> Self {
        Operation { thread, op, call, ret: None }
    }

    /// Whether the operation had not returned when the run ended.
    pub fn is_pending(&self) -> bool {
        self.ret.is_none()
    }

    /// When the operation returned, if it did.
    pub fn ret_time(&self) -> Option<u64> {
        self.ret.as_ref().map(|(t, _)| *t)
    }

    /// What the operation returned, if it did.
    pub fn value(&self) -> Option<&M::Ret> {
        self.ret.as_ref().map(|(_, v)| v)
    }
}

impl<M: Model> Clone for Operation<M> {
    fn clone(&self) -> Self {
        Operation { thread: self.thread, op: self.op.clone(), call: self.call, ret: self.ret.clone() }
    }
}

impl<M: Model> fmt::Debug for Operation<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("thread", &self.thread)
            .field("op", &self.op)
            .field("call", &self.call)
            .field("ret", &self.ret)
            .finish()
    }
}

/// Records a history as it happens: [`call`](Recorder::call) before an operation starts,
/// [`ret`](Recorder::ret) after it returns, and the operations still open at the end are pending.
///
/// The recorder's clock ticks once per event, so every timestamp is distinct and the history's
/// real-time order is the order of the `call`s and `ret`s. That order must be the real one: record
/// a call before the operation's first step and a return after its last (under the simulator,
/// where one thread runs at a time, from the thread itself; on real threads, behind a lock or
/// with one atomic counter for the clock).
///
/// ```
/// use weft::spec::{check, Blocked, Model, Recorder};
///
/// /// A counter whose `Take` waits for it to be positive.
/// #[derive(Clone, PartialEq, Eq, Hash)]
/// struct Count(u32);
///
/// impl Model for Count {
///     type Op = &'static str;
///     type Ret = ();
///     fn apply(&mut self, op: &&'static str) -> Result<(), Blocked> {
///         match *op {
///             "give" => self.0 += 1,
///             _ if self.0 == 0 => return Err(Blocked),
///             _ => self.0 -= 1,
///         }
///         Ok(())
///     }
/// }
///
/// let mut recorder = Recorder::<Count>::new();
/// recorder.call(0, "take"); // thread 0 waits...
/// recorder.call(1, "give");
/// recorder.ret(1, ());
/// recorder.ret(0, ()); // ...and is woken.
/// recorder.call(0, "take"); // waits for ever: there is nothing left to take.
/// let history = recorder.into_history();
/// assert!(history[2].is_pending());
/// assert!(check(&Count(0), &history).is_ok());
/// ```
pub struct Recorder<M: Model> {
    clock: u64,
    operations: Vec<Operation<M>>,
    /// The quiescent points, as the time of the event after each.
    quiescent: Vec<u64>,
    /// Each thread's open (called, not yet returned) operation, as an index into `operations`.
    open: HashMap<usize, usize>,
}

impl<M: Model> Recorder<M> {
    /// An empty history, its clock at 0.
    pub fn new() -> Self {
        Recorder { clock: 0, operations: Vec::new(), quiescent: Vec::new(), open: HashMap::new() }
    }

    /// The time of the next event.
    pub fn now(&self) -> u64 {
        self.clock
    }

    fn tick(&mut self) -> u64 {
        let now = self.clock;
        self.clock += 1;
        now
    }

    /// Records that `thread` calls `op`, now.
    ///
    /// # Panics
    ///
    /// If `thread` has an operation that has not returned: one thread's operations do not
    /// overlap.
    pub fn call(&mut self, thread: usize, op: M::Op) {
        if let Some(&open) = self.open.get(&thread) {
            panic!("thread {thread} calls {op:?} while its operation {:?} has not returned", self.operations[open].op);
        }
        let call = self.tick();
        self.open.insert(thread, self.operations.len());
        self.operations.push(Operation::pending(thread, op, call));
    }

    /// Records that `thread`'s open operation returns `value`, now.
    ///
    /// # Panics
    ///
    /// If `thread` has no operation that has not returned.
    pub fn ret(&mut self, thread: usize, value: M::Ret) {
        let Some(open) = self.open.remove(&thread) else {
            panic!("thread {thread} returns {value:?} but has no operation open");
        };
        let ret = self.tick();
        self.operations[open].ret = Some((ret, value));
    }

    /// Records that every thread was blocked just now (a quiescent point: under the simulator,
    /// virtual time passed): the operations open now were waiting (see
    /// [`check_quiescent`](super::check_quiescent)). Two points with no event between them are
    /// one.
    pub fn quiescent(&mut self) {
        if self.quiescent.last() != Some(&self.clock) {
            self.quiescent.push(self.clock);
        }
    }

    /// The quiescent points recorded, each as the time of the first event after it.
    pub fn quiescent_points(&self) -> &[u64] {
        &self.quiescent
    }

    /// The history so far: the operations in the order they were called, those not returned yet
    /// pending.
    pub fn history(&self) -> &[Operation<M>] {
        &self.operations
    }

    /// The history: the operations in the order they were called, those that have not returned
    /// pending.
    pub fn into_history(self) -> Vec<Operation<M>> {
        self.operations
    }
}

impl<M: Model> Default for Recorder<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> fmt::Debug for Recorder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recorder").field("clock", &self.clock).field("operations", &self.operations).finish()
    }
}
