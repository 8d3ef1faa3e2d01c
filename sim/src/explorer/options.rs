//! [`Explorer`]'s settings: how many executions, how long, how fine, and what the simulated
//! world allows (spurious wake-ups, Python's panic handling), each a builder method.

use std::time::Duration;

use crate::explorer::Explorer;

impl Explorer {
    /// Executions per strategy.
    pub fn iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// The OS threads the exploration runs its executions on (`WEFT_THREADS` overrides it; 0
    /// counts as 1). By default, the available parallelism, as far as the process's other
    /// explorations leave cores free: explorations that run at the same time (the tests of a
    /// `cargo test` binary, each on a thread of its own) share the cores rather than each start a
    /// helper for every core. A number set here (or by `WEFT_THREADS`) is started whatever the
    /// other explorations do. The exploring thread still takes every execution in the order of
    /// an exploration on one thread and decides alone what comes next; `n - 1` helper threads run ahead of it. For an exhaustive search (alone, or a
    /// portfolio's exhaustive lane) they explore subtrees it is sure to come to, which it takes
    /// over when it gets there. For a random strategy they run batches of its next executions
    /// with a copy of the strategy that learns from each as it would, which the exploration
    /// takes over if the strategy had learnt the same by then (else it runs them itself). The
    /// executions counted, the first failure reported and the statistics are therefore the same
    /// whatever `n` is. Helpers start once the exploration has run a few executions, so small
    /// ones run on one thread.
    ///
    /// Executions of the model then run at the same time on different OS threads (a model is
    /// `Send + Sync`). A model that keeps state outside the simulation (a std `static` it resets
    /// at its start, a std `thread_local`) may repeat itself when its executions run one after
    /// the other on one OS thread, and not when they run at the same time: if it did not repeat
    /// itself while helpers ran, the exploration explores it again on one thread, whose verdict
    /// it returns (and says so on stderr), so the verdict does not depend on `n`; the process's
    /// later explorations of a model of the same type (the same closure) run on one thread from
    /// the start. Such a model is better explored with `threads(1)`. Helpers may also run executions the
    /// exploration never comes to (past its budget or its first failure), which it drops.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft_core::{Lock, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let model = || {
    ///     let lock = Arc::new(Lock::<Sim>::new());
    ///     let threads: Vec<_> = (0..3)
    ///         .map(|_| {
    ///             let lock = lock.clone();
    ///             Thread::<Sim>::new(move || (0..2).for_each(|_| drop(lock.lock())))
    ///         })
    ///         .collect();
    ///     threads.iter().for_each(|t| t.start().unwrap());
    ///     threads.iter().for_each(|t| t.join().unwrap());
    /// };
    /// let one = Explorer::exhaustive().threads(1).run(model).unwrap();
    /// let two = Explorer::exhaustive().threads(2).run(model).unwrap();
    /// assert!(one.exhausted && two.exhausted);
    /// assert_eq!((one.executions, one.steps), (two.executions, two.steps));
    /// ```
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads.max(1));
        self
    }

    /// Runs shard `index` of `count` of the exploration (`WEFT_SHARD=index/count` overrides it),
    /// so that `count` processes (a CI matrix, a `cargo nextest` partition) together run one
    /// exploration, with no coordinator. The shards' executions together are exactly those of
    /// the exploration split `count` ways, each in one shard:
    /// - a random strategy's executions are numbered (each has its seed from its number), and
    ///   shard `index` runs those whose number is `index` modulo `count`, within the budget
    ///   ([`Explorer::iterations`] counts the whole exploration's). The strategies that learn
    ///   from earlier executions (URW, weighted POS, PCT, the random walk) learn from the first
    ///   64 only, in every exploration; each shard also runs the other shards' executions among
    ///   them (uncounted: [`Stats::learned_from_other_shards`](crate::Stats::learned_from_other_shards)), so that it learns what the
    ///   unsplit exploration learns and runs exactly its executions of the same numbers;
    /// - an exhaustive search explores every option of its first decisions (up to four; with
    ///   sleep sets, without reduction, so that what they explore depends on nothing below
    ///   them), and shares out the subtrees below them by a hash of the choices that lead
    ///   there. Its budget counts the shard's own executions. The split search runs more
    ///   executions than the unsplit one (`lock_counter` with 3 threads taking a lock 4 times:
    ///   81,904 against 34,650; in 4 shards, the largest runs 23,102).
    ///
    /// `Stats::exhausted` then says that this shard's part finished; the exploration is
    /// exhausted when every shard's is. A failure's replay token replays it without the shard.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft_core::{Lock, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let model = || {
    ///     let lock = Arc::new(Lock::<Sim>::new());
    ///     let threads: Vec<_> = (0..3)
    ///         .map(|_| {
    ///             let lock = lock.clone();
    ///             Thread::<Sim>::new(move || drop(lock.lock()))
    ///         })
    ///         .collect();
    ///     threads.iter().for_each(|t| t.start().unwrap());
    ///     threads.iter().for_each(|t| t.join().unwrap());
    /// };
    /// let whole = Explorer::exhaustive().shard(0, 1).run(model).unwrap();
    /// let parts: Vec<_> = (0..3).map(|i| Explorer::exhaustive().shard(i, 3).run(model).unwrap()).collect();
    /// assert!(parts.iter().all(|stats| stats.exhausted));
    /// assert_eq!(parts.iter().map(|stats| stats.executions).sum::<usize>(), whole.executions);
    /// ```
    ///
    /// # Panics
    /// If `index` is not below `count`.
    pub fn shard(mut self, index: u64, count: u64) -> Self {
        assert!(index < count, "weft: shard {index} of {count}: the index must be below the count");
        self.shard = Some((index, count));
        self
    }

    /// Makes an exhaustive search count the Mazurkiewicz traces among its executions
    /// (`Stats::traces`), by weft's own dependency relation: two executions are one trace when
    /// each step (named by its thread and its number there) has the same vector clock. With
    /// [`Explorer::partial_order_reduction`]`(false)` that is the model's trace count by that
    /// relation; with reduction, executions beyond the traces among them were redundant. Only
    /// complete executions count: one that reduction cut short (every runnable thread asleep)
    /// is no trace. The search runs on one thread.
    ///
    /// The relation is the reduction's, which over-approximates: it also counts the simulator's
    /// record of what a blocked thread waits on, written by whichever step makes it wait. So
    /// executions that only differ in when a thread began to wait can count as two traces, and a
    /// reduced search can cover fewer of them than the full search counts, with the same
    /// outcomes (SCTBench's `twostage` with one writer and one reader: 4 counted, 3 explored, 3
    /// semantically; dining philosophers with 3 ordered forks: 9 counted, 6 among the reduced
    /// search's 10 executions, the same 6 orders of the forks' holders).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft_core::{Lock, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let model = || {
    ///     let lock = Arc::new(Lock::<Sim>::new());
    ///     let threads: Vec<_> = (0..3)
    ///         .map(|_| {
    ///             let lock = lock.clone();
    ///             Thread::<Sim>::new(move || drop(lock.lock()))
    ///         })
    ///         .collect();
    ///     threads.iter().for_each(|t| t.start().unwrap());
    ///     threads.iter().for_each(|t| t.join().unwrap());
    /// };
    /// let full = Explorer::exhaustive().partial_order_reduction(false).count_traces(true).run(model).unwrap();
    /// assert_eq!(full.traces, Some(6)); // 3! lock orders
    /// let reduced = Explorer::exhaustive().count_traces(true).run(model).unwrap();
    /// assert_eq!((reduced.executions, reduced.traces), (6, Some(6)));
    /// ```
    pub fn count_traces(mut self, count: bool) -> Self {
        self.count_traces = count;
        self
    }

    /// Makes exhaustive search with partial-order reduction explore, at every decision, every
    /// option that sleep sets do not rule out, without the race analysis that picks among them
    /// (default: no). Sleep sets alone are sound by a simpler argument (an option is skipped
    /// only where an equivalent order was explored from the same state), so with
    /// [`Explorer::count_traces`] this counts every trace of the model where the search without
    /// reduction does not finish, in far fewer executions than that search, and more than the
    /// reduced search.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft_core::{Lock, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let model = || {
    ///     let lock = Arc::new(Lock::<Sim>::new());
    ///     let threads: Vec<_> = (0..3)
    ///         .map(|_| {
    ///             let lock = lock.clone();
    ///             Thread::<Sim>::new(move || drop(lock.lock()))
    ///         })
    ///         .collect();
    ///     threads.iter().for_each(|t| t.start().unwrap());
    ///     threads.iter().for_each(|t| t.join().unwrap());
    /// };
    /// let full = Explorer::exhaustive().partial_order_reduction(false).count_traces(true).run(model).unwrap();
    /// let sleep = Explorer::exhaustive().sleep_sets_only(true).count_traces(true).run(model).unwrap();
    /// assert_eq!(sleep.traces, full.traces);
    /// assert!(sleep.executions < full.executions);
    /// ```
    pub fn sleep_sets_only(mut self, only: bool) -> Self {
        self.sleep_sets_only = only;
        self
    }

    /// The step limit of one execution (beyond it: a livelock failure).
    pub fn max_steps(mut self, max_steps: usize) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// Stops exploring (without failure) after this much real time. An execution under way
    /// when the limit passes ends at its next step (unfinished: a search cut short this way is
    /// not exhausted). A model that never comes back to the scheduler is a stall (see
    /// [`Explorer::stall_timeout`]), so no run goes on for longer than the limit and the stall
    /// bound together.
    pub fn time_limit(mut self, limit: Duration) -> Self {
        self.time_limit = Some(limit);
        self
    }

    /// The stall bound (default [`DEFAULT_STALL`](crate::DEFAULT_STALL), 10 s; `WEFT_STALL_SECS` overrides it, `0`
    /// turns the check off): a simulated thread that does not come back to the scheduler for
    /// this much real time stalls the exploration. It blocks in something the simulator cannot
    /// see (a `std::sync::Mutex`, an `mpsc` channel's `recv`, I/O) or loops with no weft
    /// operation. Such a thread holds the OS thread that runs the exploration, and nothing can
    /// take it back: the stall report (the thread, its last visible event, the likely cause,
    /// the replay token) is printed to the standard error and the process ends with status
    /// [`STALL_EXIT_CODE`](crate::STALL_EXIT_CODE) (101). A zero bound turns the check off.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use weft_sim::Explorer;
    ///
    /// // A model that waits on a std channel nobody sends to: after 2 s, the stall report, and
    /// // the process exits with status 101.
    /// Explorer::random_walk(1).stall_timeout(Duration::from_secs(2)).run(|| {
    ///     let (_tx, rx) = std::sync::mpsc::channel::<()>();
    ///     let _ = rx.recv();
    /// });
    /// ```
    pub fn stall_timeout(mut self, bound: Duration) -> Self {
        self.stall = (!bound.is_zero()).then_some(bound);
        self
    }

    /// Makes every atomic access inside the primitives a scheduling point, to check the
    /// primitives' own algorithms (default: one primitive operation is one step). In the default
    /// coarse mode a blocking operation (an acquire, a join) waits off the run queue until it can
    /// go through, rather than trying, parking and being woken; fine-grained mode explores the
    /// primitives' parking too.
    pub fn fine_grained(mut self, fine: bool) -> Self {
        self.fine_grained = fine;
        self
    }

    /// Lets a wait of a std-shaped `Condvar` (`weft::sync::Condvar`) end without a notify, as
    /// std allows (default: off; weft never wakes a waiter spuriously unless asked). Each wait
    /// is then a choice the strategy explores: it waits as usual, or it may wake at any later
    /// step (even with nobody notifying), taking its mutex back before it returns. At most one
    /// wait per thread and execution wakes spuriously, so that a waiter looping on its
    /// condition does not wake and wait again forever; one early return is what breaks code
    /// that checks its condition with `if` where it needs `while`. Python's `Condition` never
    /// wakes spuriously, with or without this.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft_core::{Condvar, Mutex, Thread};
    /// use weft_sim::{Explorer, Sim};
    ///
    /// let model = || {
    ///     let pair = Arc::new((Mutex::<Sim, bool>::new(false), Condvar::<Sim>::new()));
    ///     let p = pair.clone();
    ///     let t = Thread::<Sim>::new(move || {
    ///         *p.0.lock().unwrap() = true;
    ///         p.1.notify_one();
    ///     });
    ///     t.start().unwrap();
    ///     let mut ready = pair.0.lock().unwrap();
    ///     if !*ready {
    ///         ready = pair.1.wait(ready).unwrap(); // should loop: `while !*ready`
    ///     }
    ///     assert!(*ready, "woke with the flag down");
    ///     drop(ready);
    ///     t.join().unwrap();
    /// };
    /// assert!(Explorer::exhaustive().run(model).is_ok());
    /// assert!(Explorer::exhaustive().spurious_wakeups(true).run(model).is_err());
    /// ```
    pub fn spurious_wakeups(mut self, allow: bool) -> Self {
        self.spurious_wakeups = allow;
        self
    }

    /// Opts into Python's behaviour for a panic that escapes a thread and reaches the default
    /// excepthook: it is printed and the thread ends, instead of failing the execution (default:
    /// it fails the execution).
    pub fn python_panics(mut self, python: bool) -> Self {
        self.python_panics = python;
        self
    }

    /// Whether exhaustive search uses partial-order reduction (default: yes). Without it, every
    /// interleaving runs, also those equivalent to one already explored.
    pub fn partial_order_reduction(mut self, reduce: bool) -> Self {
        self.reduce = reduce;
        self
    }

    /// The stack size of the model's main thread, in bytes (default: std's for a new thread,
    /// 2 MiB, or `RUST_MIN_STACK`). The threads the model starts get theirs from
    /// `weft::stack_size`, with the same default.
    ///
    /// A simulated thread that overflows its stack ends the process with a message naming the
    /// thread and saying "stack overflow", and the replay token of the execution.
    ///
    /// ```
    /// use weft_sim::Explorer;
    ///
    /// // 8 MiB for a model that recurses deeply.
    /// Explorer::random_walk(1).iterations(1).stack_size(8 << 20).check(|| {
    ///     fn depth(n: u64) -> u64 {
    ///         let frame = std::hint::black_box([n; 64]);
    ///         if n == 0 { frame[0] } else { depth(n - 1) + frame[1] - n + 1 }
    ///     }
    ///     assert_eq!(depth(6000), 6000);
    /// });
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.main_stack = bytes;
        self
    }

    /// Whether to shrink a failing schedule to the fewest preemptions (default: yes).
    pub fn shrink(mut self, shrink: bool) -> Self {
        self.shrink = shrink;
        self
    }
}
