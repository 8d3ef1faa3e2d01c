//! Strategies: how the simulator picks among the options at each scheduling point.

use crate::schedule::{Choice, Rng, Schedule};

mod exhaustive;
mod footprint;
mod pct;
mod pos;
mod random_walk;
mod replay;
mod urw;

pub(crate) use exhaustive::{Ahead, AheadKey, Exhaustive, FIRST_COPY_SERIAL};
pub(crate) use footprint::{BITS, Bits, Footprint, StepInfo};
pub(crate) use pct::Pct;
pub(crate) use pos::Pos;
pub(crate) use random_walk::{RandomWalk, execution_seed};
pub(crate) use replay::Replay;
pub(crate) use urw::{EventsLeft, Urw};

/// A 64-bit mixer (splitmix64's finaliser), for the hashes strategies keep: a search's shard of
/// a path, its traces, what URW learnt.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// What the strategy is told at a scheduling point.
pub(crate) struct Point<'a> {
    /// For each option, the simulated thread it would run (or wake); in a data choice, one
    /// option may concern no thread (`usize::MAX`). No two options alike.
    pub threads: &'a [usize],
    /// Whether option 0 is "the running thread goes on" (so any other choice is a preemption).
    pub current_runnable: bool,
    /// Whether option 0, the running thread, is about to take a step that needs no choice
    /// before it for any interleaving to be reachable, up to the order of steps that commute
    /// (Lipton's movers): a release (a left mover: no other thread's step can use what it
    /// gives back before it), or the operation after a step that took a lock (a right mover:
    /// no other thread's step can use the lock after it), if that operation cannot block. The
    /// exceptions are steps that only look at the object (a failed try, `locked()`, a timed
    /// acquire that times out, and a Python `Lock` released by another thread): they can see
    /// the lock held there and nowhere else. A random strategy may let the thread go on there
    /// most of the time; an exhaustive one ignores it.
    pub mover: bool,
    /// Whether this is a scheduling decision (true) or a data choice, such as which waiter a
    /// release wakes (false).
    pub scheduling: bool,
    /// The running thread yields or spins (it is the last option, if runnable).
    pub yielding: Option<usize>,
    /// How many shared objects the execution has numbered so far (see [`Footprint`]): the same
    /// at this point in every execution that reaches it by the same choices.
    pub objects: u32,
    /// For each option of a scheduling decision, the object its thread operates on next (the
    /// operation it announced; 0 if none), when the strategy asked for them
    /// ([`Strategy::wants_pending`]); empty otherwise.
    pub pending: &'a [usize],
    /// The hash of the execution's steps so far (its trail, when kept: exhaustive search): the
    /// same at this point in every execution of a deterministic model that reaches it by the
    /// same choices.
    pub trail: u64,
}

/// Picks options. One strategy object lives across all executions of an exploration.
///
/// A strategy is one file: it implements `next_execution` and `choose`, and the hooks it needs
/// (priority-based strategies learn of new threads; an exhaustive search says when it is done).
/// A strategy that reduces by partial order gives its [`Reduction`]; one that replays a schedule
/// gives its [`Follow`].
pub(crate) trait Strategy {
    /// Prepares the next execution; false once there is nothing left to explore.
    fn next_execution(&mut self) -> bool;
    /// Picks one of `point.threads.len()` (≥ 1) options; `None` abandons the execution as
    /// redundant (an exhaustive search whose every option is asleep).
    fn choose(&mut self, point: &Point<'_>) -> Option<usize>;
    /// Whether the strategy wants to know what each option's thread does next
    /// ([`Point::pending`]).
    fn wants_pending(&self) -> bool {
        false
    }
    /// Called when a thread is created, by `parent` (none for the main thread).
    fn thread_created(&mut self, _thread: usize, _parent: Option<usize>) {}
    /// The execution ended after `steps` scheduling points.
    fn execution_done(&mut self, _steps: usize) {}
    /// Whether the exploration is complete (exhaustive search finished).
    fn exhausted(&self) -> bool {
        false
    }
    /// For an exhaustive search between executions, the share of its tree explored so far, as
    /// a walk that picks each decision's options with equal chances would see it (Knuth's
    /// estimator, in Kilby et al.'s form for a depth-first search): the executions run divided
    /// by it estimate the search's size. `None` for other strategies.
    fn explored_share(&self) -> Option<f64> {
        None
    }
    /// Why the execution could not follow the choices the strategy replays (a token's, or the
    /// prefix an exhaustive search goes back to), if it could not.
    fn divergence(&self) -> Option<&str> {
        None
    }
    /// The strategy's partial-order reduction, if it reduces: it is then told what each step
    /// touched (and the execution keeps footprints for it).
    fn reduction(&mut self) -> Option<&mut dyn Reduction> {
        None
    }
    /// Whether the execution that just ended belongs to another shard of a split exploration
    /// (`WEFT_SHARD`): it is then not counted, and its failure is that shard's to report.
    fn not_mine(&self) -> bool {
        false
    }
    /// A copy of a random strategy, to run one of its executions ahead on another OS thread (see
    /// [`Strategy::skip_to`] and [`Strategy::learned`]); `None` for other strategies.
    fn fork(&self) -> Option<Box<dyn Strategy + Send>> {
        None
    }
    /// A fingerprint of what the strategy learnt from earlier executions (URW's estimates,
    /// PCT's step count): an execution run ahead by a copy is the one the strategy would run
    /// only if the two had learnt the same.
    fn learned(&self) -> u64 {
        0
    }
    /// Whether what the strategy does in an execution depends on earlier executions (it learns
    /// in [`Strategy::execution_done`]): URW, weighted POS, PCT, the random walk.
    fn learns(&self) -> bool {
        false
    }
    /// Makes the next execution the one numbered `index` (from 0) of the exploration, for a
    /// random strategy whose executions are shared out between shards (`WEFT_SHARD`).
    fn skip_to(&mut self, _index: u64) {}
    /// The strategy as an exhaustive search, if it is one (its executions can run ahead of it:
    /// see [`Exhaustive::ahead`]).
    fn as_exhaustive(&mut self) -> Option<&mut Exhaustive> {
        None
    }
    /// The schedule the strategy follows exactly, if it replays one.
    fn follow(&self) -> Option<&dyn Follow> {
        None
    }
}

/// What a strategy that reduces by partial order is told about each execution.
pub(crate) trait Reduction {
    /// The footprint of the step that just ended (what it read and wrote), and what else is
    /// known about it.
    fn step_footprint(&mut self, footprint: Footprint, info: StepInfo);
    /// `thread` began to wait, in a blocking operation, for `object` (numbered as in
    /// footprints), which another step took: its pending acquire races with that one.
    fn blocked(&mut self, thread: usize, object: u32);
    /// The execution ends (no non-daemon thread is left) although the daemon threads
    /// `runnable` could still run: their next steps, which never run now, race with the end.
    fn ended_before(&mut self, runnable: &[usize]);
}

/// A strategy that replays a schedule (a token, or a schedule being shrunk).
pub(crate) trait Follow {
    /// Whether a divergence means that the schedule (a token) does not fit the model, rather
    /// than that the model is not deterministic.
    fn strict(&self) -> bool;
    /// The execution ended with `fingerprint` (see [`crate::Schedule::fingerprint`]): why the
    /// schedule followed does not fit it, if it does not.
    fn finish(&self, fingerprint: u32) -> Option<String>;
}
