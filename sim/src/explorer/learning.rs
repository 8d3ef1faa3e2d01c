//! What random strategies learn from earlier executions, the same in every shard.
//!
//! URW and weighted POS estimate each thread's events, PCT the steps with a choice, the random
//! walk how many threads each thread starts: each execution is drawn from its seed and from
//! what the strategy learnt before it. They learn from the first [`LEARNING_EXECUTIONS`]
//! executions of an exploration only. For a strategy that learns ([`Strategy::learns`]), a
//! shard of a split exploration also runs the other shards' executions among those (uncounted,
//! their failures left to their shards): every shard then learns what the unsplit exploration
//! learns, and its own executions are exactly the unsplit exploration's of the same numbers.

use std::sync::Arc;

use super::{Explorer, Lane, StrategyKind};
use crate::Stats;
use crate::execution::{Buffers, run_execution};
#[cfg(doc)]
use crate::strategy::Strategy;

/// The executions (numbered from 0 in each strategy's lane) that random strategies learn from.
pub(super) const LEARNING_EXECUTIONS: u64 = 64;

/// Whether a lane of this kind draws numbered executions (a random strategy).
pub(super) fn numbered(kind: &StrategyKind) -> bool {
    !matches!(kind, StrategyKind::Exhaustive(_) | StrategyKind::Replay(_) | StrategyKind::Portfolio(_))
}

impl Explorer {
    /// Before random lane `lane` of a split exploration runs its execution numbered `next`: runs
    /// the other shards' executions numbered below it that the strategy learns from and that the
    /// lane has not run yet, and lets it learn from them (counted in
    /// `stats.learned_from_other_shards`). False if the time was up before they all ran (the
    /// lane must not run its execution then: it would not be the unsplit exploration's).
    pub(super) fn learn_as_unsplit(
        &self,
        model: &Arc<dyn Fn() + Send + Sync>,
        (lane, next): (&mut Lane, u64),
        stats: &mut Stats,
        pool: &mut Buffers,
        time_is_up: &dyn Fn() -> bool,
    ) -> bool {
        let Some((index, count)) = self.shard.filter(|_| lane.strategy.learns()) else { return true };
        let mut config = self.config(false, false, false);
        config.track_pending = lane.strategy.wants_pending();
        while lane.learnt_to < next.min(LEARNING_EXECUTIONS) {
            let number = lane.learnt_to;
            if number % count != index && time_is_up() {
                return false;
            }
            lane.learnt_to += 1;
            if number % count == index {
                continue;
            }
            lane.strategy.skip_to(number);
            lane.strategy.next_execution();
            let outcome = run_execution(model, lane.strategy.as_mut(), config.clone(), pool);
            lane.strategy.execution_done(outcome.steps);
            stats.learned_from_other_shards += 1;
            pool.recycle(outcome.schedule);
        }
        true
    }
}
