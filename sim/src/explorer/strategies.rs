//! The strategies an [`Explorer`] runs: the constructors that choose one, their names in reports,
//! and how each lane's strategy is made.

use crate::explorer::Explorer;
use crate::schedule::Schedule;
use crate::strategy::{Exhaustive, Pct, Pos, RandomWalk, Replay, Strategy, Urw};

/// The strategy an [`Explorer`] was made with (a portfolio is split into lanes of the others).
#[derive(Clone, Debug)]
pub(super) enum StrategyKind {
    RandomWalk(u64),
    Pct(u64, usize),
    Urw(u64),
    Pos(u64),
    WeightedPos(u64),
    Exhaustive(Option<usize>),
    Replay(String),
    Portfolio(u64),
}

impl Explorer {
    /// Random choices from `seed`: uniform, except that a thread started early begins late. A
    /// thread that its parent starts before `r` more threads (as many as in an earlier
    /// execution) runs only on the `r + 1`-th pick that lands on it while its parent can run
    /// (the spent picks are drawn again), so that the threads started first do not run ahead
    /// while their parent is still starting the others. And before a lock's release, or after
    /// an acquire (when the next operation cannot block), the running thread goes on seven
    /// times in eight: a pick there reaches nothing a later pick would not, up to the order of
    /// steps that commute, save another thread's look at the held lock (a failed try,
    /// `locked()`), so a critical section costs about one pick. Every schedule stays possible.
    pub fn random_walk(seed: u64) -> Self {
        Self::with(StrategyKind::RandomWalk(seed))
    }

    /// Probabilistic concurrency testing from `seed` with bug depth `depth`.
    pub fn pct(seed: u64, depth: usize) -> Self {
        Self::with(StrategyKind::Pct(seed, depth))
    }

    /// The uniform random walk from `seed` (URW, Zhao et al., ASPLOS 2025): each runnable thread
    /// runs with probability proportional to the events it has left, estimated from earlier
    /// executions, so that every interleaving is about equally likely (a plain random walk
    /// favours those where long threads run late).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::Ordering::SeqCst;
    /// use weft_core::{AtomicUsize, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let report = Explorer::urw(1)
    ///     .iterations(1000)
    ///     .run(|| {
    ///         let count = Arc::new(AtomicUsize::<Sim>::new(0));
    ///         let c = count.clone();
    ///         let t = Thread::<Sim>::new(move || {
    ///             let seen = c.load(SeqCst);
    ///             c.store(seen + 1, SeqCst);
    ///         });
    ///         t.start().unwrap();
    ///         let seen = count.load(SeqCst);
    ///         count.store(seen + 1, SeqCst);
    ///         t.join().unwrap();
    ///         assert_eq!(count.load(SeqCst), 2, "lost update");
    ///     })
    ///     .unwrap_err();
    /// assert!(report.failure.message.contains("lost update"));
    /// ```
    pub fn urw(seed: u64) -> Self {
        Self::with(StrategyKind::Urw(seed))
    }

    /// Partial-order sampling from `seed` (POS, Yuan et al., CAV 2018): each thread's next
    /// operation has a random priority and the highest runs; after it, the operations on the
    /// same object (those that race with it) get new priorities, and so does the thread's next
    /// one. Only racing operations are reordered, so the partial orders are sampled more evenly
    /// than by a random walk.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::Ordering::SeqCst;
    /// use weft_core::{AtomicUsize, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let report = Explorer::pos(1)
    ///     .iterations(1000)
    ///     .run(|| {
    ///         let count = Arc::new(AtomicUsize::<Sim>::new(0));
    ///         let c = count.clone();
    ///         let t = Thread::<Sim>::new(move || {
    ///             let seen = c.load(SeqCst);
    ///             c.store(seen + 1, SeqCst);
    ///         });
    ///         t.start().unwrap();
    ///         let seen = count.load(SeqCst);
    ///         count.store(seen + 1, SeqCst);
    ///         t.join().unwrap();
    ///         assert_eq!(count.load(SeqCst), 2, "lost update");
    ///     })
    ///     .unwrap_err();
    /// assert!(report.failure.message.contains("lost update"));
    /// ```
    pub fn pos(seed: u64) -> Self {
        Self::with(StrategyKind::Pos(seed))
    }

    /// Weighted partial-order sampling: POS ([`Explorer::pos`]) whose priorities are drawn with
    /// the weights of URW ([`Explorer::urw`]), the events each thread has left by earlier
    /// executions. A thread with `w` events left draws the key `u^(1/w)` (a weighted random
    /// order), so a fresh draw makes each thread the highest in proportion to its weight, as URW
    /// picks; as in POS, only the thread that ran and the threads whose next operation races
    /// with it draw again. It keeps POS's strength on bugs that need a few races in one order
    /// (SCTBench's twostage) and URW's on bugs that need late threads to meet early ones
    /// (reorder): on the bug-finding benchmark (`benches/RESULTS.md`) it is the strongest
    /// strategy alone, and the default [`check`](crate::check) gives it most of its turns.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::Ordering::SeqCst;
    /// use weft_core::{AtomicUsize, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let report = Explorer::weighted_pos(1)
    ///     .iterations(1000)
    ///     .run(|| {
    ///         let count = Arc::new(AtomicUsize::<Sim>::new(0));
    ///         let c = count.clone();
    ///         let t = Thread::<Sim>::new(move || {
    ///             let seen = c.load(SeqCst);
    ///             c.store(seen + 1, SeqCst);
    ///         });
    ///         t.start().unwrap();
    ///         let seen = count.load(SeqCst);
    ///         count.store(seen + 1, SeqCst);
    ///         t.join().unwrap();
    ///         assert_eq!(count.load(SeqCst), 2, "lost update");
    ///     })
    ///     .unwrap_err();
    /// assert!(report.failure.message.contains("lost update"));
    /// ```
    pub fn weighted_pos(seed: u64) -> Self {
        Self::with(StrategyKind::WeightedPos(seed))
    }

    /// Every schedule, depth first (no limit on executions unless [`Explorer::iterations`] sets
    /// one).
    pub fn exhaustive() -> Self {
        let mut explorer = Self::with(StrategyKind::Exhaustive(None));
        explorer.iterations = usize::MAX;
        explorer
    }

    /// Exhaustive search limited to schedules with at most `bound` preemptions. A bounded search
    /// runs every such schedule (it explores without partial-order reduction, which does not
    /// combine soundly with a bound), so one that finishes (`Stats::exhausted`) proves the model
    /// for every schedule within the bound, not for every schedule.
    pub fn preemption_bound(mut self, bound: usize) -> Self {
        if let StrategyKind::Exhaustive(_) = self.strategy {
            self.strategy = StrategyKind::Exhaustive(Some(bound));
        }
        self
    }

    /// Replays the execution a report's token describes: the token as printed (`weft2:…`), or
    /// `@path` of a file holding it (reports write tokens longer than about 4 KB to a file under
    /// the target directory, `target/weft/`, and print `@path`).
    ///
    /// A token records every decision with its number of options, and a fingerprint of the
    /// model's first operations. A replay that does not fit — another model, a token cut short, a
    /// model that takes more or fewer decisions — fails with [`FailureKind::ReplayMismatch`](crate::FailureKind::ReplayMismatch)
    /// ("this token was recorded for a different program") rather than passing.
    ///
    /// ```
    /// use weft_sim::{Explorer, FailureKind};
    /// let report = Explorer::random_walk(1).run(|| panic!("boom")).unwrap_err();
    /// let again = Explorer::replay(&report.token).run(|| panic!("boom")).unwrap_err();
    /// assert_eq!(again.failure, report.failure);
    /// let other = Explorer::replay(&report.token).run(|| {
    ///     weft_core::Lock::<weft_sim::Sim>::new().acquire();
    /// });
    /// assert_eq!(other.unwrap_err().failure.kind, FailureKind::ReplayMismatch);
    /// ```
    ///
    /// A malformed token makes [`Explorer::run`] panic with a message saying what is wrong.
    pub fn replay(token: &str) -> Self {
        Self::with(StrategyKind::Replay(token.to_owned()))
    }

    /// The default portfolio of [`check`](crate::check): four strategies taking turns, one execution at a
    /// time, in a cycle of sixteen turns. Weighted partial-order sampling
    /// ([`Explorer::weighted_pos`]), the strongest alone on the bug-finding benchmark, takes
    /// twelve of them (the first three among them) and 45 % of the executions; partial-order
    /// sampling ([`Explorer::pos`]), stronger where a thread must run long stretches alone
    /// (SCTBench's twostage), two (the fourth) and 10 %; the exhaustive search one (the eighth)
    /// and 40 % (a search that finishes proves the model, and ends the check); PCT at depth 3
    /// one and 5 %. A strategy whose share is spent, or that has nothing left to try, gives its
    /// turns to the others, so the exhaustive search runs alone at the end.
    pub fn portfolio(seed: u64) -> Self {
        Self::with(StrategyKind::Portfolio(seed))
    }
}

/// A strategy's name in reports, stall reports and progress lines.
pub(super) fn kind_name(kind: &StrategyKind) -> String {
    match kind {
        StrategyKind::RandomWalk(seed) => format!("random walk, seed {seed}"),
        StrategyKind::Pct(seed, depth) => format!("PCT depth {depth}, seed {seed}"),
        StrategyKind::Urw(seed) => format!("uniform random walk, seed {seed}"),
        StrategyKind::Pos(seed) => format!("partial-order sampling, seed {seed}"),
        StrategyKind::WeightedPos(seed) => format!("weighted partial-order sampling, seed {seed}"),
        StrategyKind::Exhaustive(bound) => match bound {
            Some(1) => "exhaustive, at most 1 preemption".to_owned(),
            Some(bound) => format!("exhaustive, at most {bound} preemptions"),
            None => "exhaustive".to_owned(),
        },
        StrategyKind::Replay(_) => "replay".to_owned(),
        StrategyKind::Portfolio(seed) => format!("portfolio, seed {seed}"),
    }
}

/// The seed of a random strategy.
pub(super) fn seed_of(kind: &StrategyKind) -> Option<u64> {
    match kind {
        StrategyKind::RandomWalk(seed)
        | StrategyKind::Pct(seed, _)
        | StrategyKind::Urw(seed)
        | StrategyKind::Pos(seed)
        | StrategyKind::WeightedPos(seed)
        | StrategyKind::Portfolio(seed) => Some(*seed),
        StrategyKind::Exhaustive(_) | StrategyKind::Replay(_) => None,
    }
}

/// A lane's name, with the shard it runs if the exploration is split.
pub(super) fn shard_name(name: String, shard: Option<(u64, u64)>) -> String {
    match shard {
        Some((index, count)) => format!("{name}, shard {index}/{count}"),
        None => name,
    }
}

impl Explorer {
    /// The strategy of one lane of this exploration.
    pub(super) fn make_strategy(&self, kind: &StrategyKind) -> Box<dyn Strategy> {
        match kind {
            StrategyKind::RandomWalk(seed) => Box::new(RandomWalk::new(*seed)),
            StrategyKind::Pct(seed, depth) => Box::new(Pct::new(*seed, *depth)),
            StrategyKind::Urw(seed) => Box::new(Urw::new(*seed)),
            StrategyKind::Pos(seed) => Box::new(Pos::new(*seed)),
            StrategyKind::WeightedPos(seed) => Box::new(Pos::weighted(*seed)),
            StrategyKind::Exhaustive(bound) => {
                let mut search = Exhaustive::new(*bound, self.reduce);
                if let Some((index, count)) = self.shard.filter(|_| bound.is_none()) {
                    search = search.shard(index, count);
                }
                if self.count_traces {
                    search = search.count_traces();
                }
                if self.sleep_sets_only {
                    search = search.sleep_sets_only();
                }
                Box::new(search)
            }
            StrategyKind::Replay(token) => {
                let schedule = Schedule::parse_token(token)
                    .unwrap_or_else(|e| panic!("weft: cannot replay {}: {e}", shorten(token)));
                Box::new(Replay::strict(schedule))
            }
            StrategyKind::Portfolio(_) => unreachable!("a portfolio is split into strategies"),
        }
    }
}

/// The first characters of a token, for messages.
pub(super) fn shorten(token: &str) -> String {
    let shown: String = token.chars().take(48).collect();
    if shown.len() < token.len() { format!("{shown:?}…") } else { format!("{shown:?}") }
}
