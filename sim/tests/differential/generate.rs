//! The generator of the differential campaign's random models (see `mod.rs`): a seed names
//! a model forever.

use weft_sim::Rng;

/// The generator of models.
pub(super) struct Gen {
    /// The simulator's seed-stable generator, so that a seed names a model forever.
    pub(super) rng: Rng,
    /// The share of operations (in percent) drawn first among the primitives the base mix leaves
    /// out or rarely draws: `Condvar` (2 in 6), `queue.Queue`, `RwLock` and `Mutex::try_lock`,
    /// `Barrier`, `mpsc` sends (the main thread receives). 0: the base mix only, whose models
    /// stay as they were.
    pub(super) extra_percent: usize,
    /// The share of operations (in percent) drawn first among park and unpark, a `Timer`'s start
    /// and cancel, and a `SimpleQueue`'s put and timed get. 0: none, and the models of a seed
    /// stay as they were before these were added.
    pub(super) more_percent: usize,
    /// The share of operations (in percent) drawn first among std's `Once` and `Barrier`, scoped
    /// threads, and the LIFO and priority queues. 0: none, and the models of a seed stay as they
    /// were before these were added.
    pub(super) std_percent: usize,
    /// The share of operations (in percent) drawn first among guards held across other
    /// operations: `RwLock` read and write sections, sections of the `Condvar`'s `Mutex`, and
    /// yields (inside them and out); and untimed `Event` waits with sets and clears. 0: none, and the models of a seed stay as they were before
    /// these were added.
    pub(super) held_percent: usize,
    /// The share of operations (in percent) drawn first among the semaphores' (`Semaphore`
    /// acquire, try, timed acquire and release; a `BoundedSemaphore`'s release and try), whose
    /// successful releases commute. 0: none, and the models of a seed stay as they were.
    pub(super) semaphore_percent: usize,
    /// The share of operations (in percent) drawn first among an `Event`'s (`set`, drawn twice
    /// as often, whose successful calls commute; `clear`; `wait` with and without a timeout;
    /// `is_set`). 0: none, and the models of a seed stay as they were.
    pub(super) event_percent: usize,
    /// The share of operations (in percent) drawn first among the timed ones and those that end
    /// a timed wait early (sleeps, timed lock, semaphore, condition, `Event` and join waits,
    /// `park_timeout`, a `Timer`'s start and cancel; sets, notifies, releases, unparks). With
    /// it, every timeout is 10 ms, so that deadlines coincide: timeouts due at one time, and
    /// the steps that let such waits go at that time. 0: none, and the models of a seed stay as
    /// they were.
    pub(super) timed_percent: usize,
    /// The share of operations (in percent) drawn first among channel sends: on the unbounded
    /// channel, and blocking sends and `try_send`s on a bounded one (of 0 or 1, by model) whose
    /// receiver the main thread uses, then drops. 0: none, and the models of a seed stay as they
    /// were.
    pub(super) channel_percent: usize,
}

impl Gen {
    /// The next 64 random bits.
    fn next(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A timeout for a generated operation, in milliseconds.
    fn timeout_ms(&mut self) -> u64 {
        if self.timed_percent > 0 {
            return 10;
        }
        [5, 10, 10, 20][self.below(4)]
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// What a thread does inside a critical section: visible atomic accesses, and appending its
/// name to the log (ordered by the section's locks).
#[derive(Clone, Debug)]
pub(super) enum Inner {
    Load(usize),
    Store(usize, usize),
    FetchAdd(usize),
    Log,
    /// Another operation while holding the section's locks (no section, no untimed blocking,
    /// nothing that takes a held lock again through a condition).
    Nested(Box<Op>),
}

/// One operation of a generated thread. Locks: 0 and 1 are `Lock`s (always taken in that order),
/// 2 is an `RLock`. Conditions: 0 is built on lock 0, 1 on its own `RLock`.
#[derive(Clone, Debug)]
pub(super) enum Op {
    /// Takes the given locks in order (an `RLock` possibly twice), runs the body, releases.
    Section {
        locks: Vec<usize>,
        reentrant: bool,
        body: Vec<Inner>,
    },
    /// `try_acquire` on a lock; on success runs the body while holding it, and releases.
    TryLock(usize, Vec<Inner>),
    /// `acquire_timeout` on a lock; on success runs the body while holding it, and releases.
    LockTimeout(usize, u64, Vec<Inner>),
    /// `locked()` of a lock.
    Locked(usize),
    /// `acquire()` of a `Lock` without a release (another thread may release it: a `Lock` has
    /// no owner).
    AcquireOnly(usize),
    /// `release()` of a `Lock`, which may fail (not locked) or release another thread's hold.
    ReleaseOnly(usize),
    /// Blocking `Semaphore.acquire`.
    SemAcquire,
    SemTryAcquire,
    SemTimeout(u64),
    SemRelease,
    /// `release()` of a `BoundedSemaphore(2)`, which fails if it would go above 2 (logged).
    BoundedRelease,
    /// `try_acquire()` of the `BoundedSemaphore` (logged).
    BoundedTryAcquire,
    /// `wait_timeout` on a condition under its lock.
    CondWait(usize, u64),
    /// `notify(1)` (false) or `notify_all` (true) under the condition's lock.
    CondNotify(usize, bool),
    /// `wait_timeout` on the Rust-shaped `Condvar`, under its `Mutex`.
    CvWait(u64),
    /// `notify_one` (false) or `notify_all` (true) on the `Condvar`, under its `Mutex` (a
    /// `notify_all` with the mutex held moves the waiters onto the mutex's queue).
    CvNotify(bool),
    /// Cargill's consumer on the `Condvar`: while the count under its `Mutex` is 0, waits (each
    /// wait with a timeout, giving up at the first); takes one if there is one, and
    /// `notify_all`s.
    CvTake(u64),
    /// Cargill's producer: adds one to the count and `notify_all`s.
    CvPut,
    /// `put_timeout` of this thread's name into the queue (`queue.Queue(maxsize=1)`).
    QueuePut(u64),
    /// `get_timeout` from the queue.
    QueueGet(u64),
    /// Reads the `RwLock`'s value under a read guard.
    RwRead,
    /// Adds one to the `RwLock`'s value under a write guard.
    RwWrite,
    /// `try_read` of the `RwLock` (the value, if it got the guard).
    RwTryRead,
    /// `try_write` of the `RwLock` (adds one, if it got the guard).
    RwTryWrite,
    /// `try_lock` of the `Condvar`'s `Mutex` (appends to its log, if it got the lock).
    CvTryLock,
    /// `wait_timeout` on a `Barrier` of 2 parties (Python's: a timeout breaks it).
    BarrierWait(u64),
    /// `reset` of the `Barrier`.
    BarrierReset,
    /// `send` of this thread's name on an unbounded `mpsc` channel.
    ChanSend,
    /// `recv_timeout` on the channel (the main thread only: the receiver is not `Sync`).
    ChanRecv(u64),
    /// `try_recv` on the channel (the main thread only).
    ChanTryRecv,
    /// `send` of this thread's name on the bounded channel (blocking; it fails once the main
    /// thread has dropped the receiver).
    SyncSend,
    /// `try_send` of this thread's name on the bounded channel.
    SyncTrySend,
    /// `recv_timeout` on the bounded channel (the main thread only).
    SyncRecv(u64),
    EventSet,
    EventClear,
    EventWait(u64),
    EventIsSet,
    Load(usize),
    Store(usize, usize),
    FetchAdd(usize),
    /// Untimed join of an earlier-started thread.
    Join(usize),
    /// `join_timeout` of an earlier-started thread, then `is_alive`.
    JoinTimeout(usize, u64),
    Sleep(u64),
    /// std's `park_timeout` of the calling thread.
    Park(u64),
    /// std's `unpark` of thread `n` (0 or 1).
    Unpark(usize),
    /// `start` of the world's `Timer` (which adds one to its counter after 10 ms, unless
    /// cancelled); a second start fails.
    TimerStart,
    /// `cancel` of the `Timer`.
    TimerCancel,
    /// `put` of this thread's name into the `SimpleQueue`.
    SimplePut,
    /// `get_timeout` from the `SimpleQueue`.
    SimpleGet(u64),
    /// `call_once` of the world's `Once`, whose closure notes the thread's name and adds one to
    /// atomic 0.
    OnceCall,
    /// `is_completed` of the `Once`.
    OnceDone,
    /// `wait` of std's `Barrier`, whose parties are the model's waits (never inside a critical
    /// section), so that every wait can be let go.
    StdBarrierWait,
    /// A scope whose thread adds one to atomic 1 while the caller reads it; the thread is
    /// joined explicitly (true) or by the scope's end (false).
    Scoped(bool),
    /// `put_timeout` of this thread's name into the `LifoQueue` (maxsize 2).
    LifoPut(u64),
    /// `get_timeout` from the `LifoQueue`.
    LifoGet(u64),
    /// Holds a read (false) or write (true) guard of the `RwLock` while running the body; a
    /// write section adds one to the value first. Notes the value it saw.
    RwSection(bool, Vec<Inner>),
    /// Holds the `Condvar`'s `Mutex` while running the body (appends to its log first).
    MutexSection(Vec<Inner>),
    /// std's `yield_now`.
    Yield,
    /// Untimed `Event.wait` (a deadlock if no `set` comes; notes what `is_set` says after it).
    EventWaitForever,
    /// `put_timeout` of this thread's name into the `PriorityQueue` (maxsize 2).
    PrioPut(u64),
    /// `get_timeout` from the `PriorityQueue` (the least name first).
    PrioGet(u64),
}

/// A generated program: the threads' operations, what the main thread does after starting them
/// (before joining them), and the semaphore's initial value.
#[derive(Clone, Debug)]
pub(super) struct Model {
    pub(super) threads: Vec<Vec<Op>>,
    pub(super) main: Vec<Op>,
    pub(super) semaphore: usize,
    /// The bounded channel's bound, if the model has one (the channel share only).
    pub(super) sync_bound: Option<usize>,
}

/// The generator's share of each kind of operation.
fn gen_op(g: &mut Gen, me: usize) -> Op {
    loop {
        let pick = if g.channel_percent > 0 && g.chance(g.channel_percent) {
            [27, 39, 39, 40][g.below(4)]
        } else if g.timed_percent > 0 && g.chance(g.timed_percent) {
            [5, 9, 10, 11, 12, 13, 15, 19, 20, 20, 28, 29][g.below(12)]
        } else if g.event_percent > 0 && g.chance(g.event_percent) {
            [13, 13, 14, 15, 16, 38, 38][g.below(7)]
        } else if g.semaphore_percent > 0 && g.chance(g.semaphore_percent) {
            7 + g.below(4)
        } else if g.held_percent > 0 && g.chance(g.held_percent) {
            35 + g.below(4)
        } else if g.std_percent > 0 && g.chance(g.std_percent) {
            31 + g.below(4)
        } else if g.more_percent > 0 && g.chance(g.more_percent) {
            28 + g.below(3)
        } else if g.extra_percent > 0 && g.chance(g.extra_percent) {
            [21, 21, 24, 25, 26, 27][g.below(6)]
        } else {
            g.below(24)
        };
        return match pick {
            0..=3 => {
                let locks = match g.below(5) {
                    0 | 1 => vec![0],
                    2 => vec![1],
                    3 => vec![0, 1],
                    _ => vec![2],
                };
                let reentrant = locks == [2] && g.chance(50);
                let body = gen_body(g, me, &locks);
                Op::Section { locks, reentrant, body }
            }
            4 => {
                let l = g.below(3);
                Op::TryLock(l, gen_body(g, me, &[l]))
            }
            5 => {
                let l = g.below(3);
                Op::LockTimeout(l, g.timeout_ms(), gen_body(g, me, &[l]))
            }
            6 => Op::Locked(g.below(3)),
            7 => Op::SemAcquire,
            8 => Op::SemTryAcquire,
            9 => Op::SemTimeout(g.timeout_ms()),
            10 => match g.below(4) {
                0 => Op::BoundedRelease,
                1 => Op::BoundedTryAcquire,
                _ => Op::SemRelease,
            },
            11 => Op::CondWait(g.below(2), g.timeout_ms()),
            12 => Op::CondNotify(g.below(2), g.chance(50)),
            13 => Op::EventSet,
            14 => Op::EventClear,
            15 => Op::EventWait(g.timeout_ms()),
            16 => Op::EventIsSet,
            17 => Op::Load(g.below(2)),
            18 => match g.below(2) {
                0 => Op::Store(g.below(2), 1 + g.below(2)),
                _ => Op::FetchAdd(g.below(2)),
            },
            19 if me > 0 => match g.below(2) {
                0 => Op::Join(g.below(me)),
                _ => Op::JoinTimeout(g.below(me), g.timeout_ms()),
            },
            20 => Op::Sleep(g.timeout_ms()),
            21 => match g.below(4) {
                0 => Op::CvWait(g.timeout_ms()),
                1 => Op::CvNotify(g.chance(50)),
                2 => Op::CvTake(g.timeout_ms()),
                _ => Op::CvPut,
            },
            24 => match g.below(2) {
                0 => Op::QueuePut(g.timeout_ms()),
                _ => Op::QueueGet(g.timeout_ms()),
            },
            25 => match g.below(5) {
                0 => Op::RwRead,
                1 => Op::RwWrite,
                2 => Op::RwTryRead,
                3 => Op::RwTryWrite,
                _ => Op::CvTryLock,
            },
            26 => match g.below(4) {
                0 => Op::BarrierReset,
                _ => Op::BarrierWait(g.timeout_ms()),
            },
            27 => Op::ChanSend,
            28 => match g.below(2) {
                0 => Op::Park(g.timeout_ms()),
                // Threads 0 and 1 always exist.
                _ => Op::Unpark(g.below(2)),
            },
            29 => match g.below(3) {
                0 | 1 => Op::TimerStart,
                _ => Op::TimerCancel,
            },
            30 => match g.below(2) {
                0 => Op::SimplePut,
                _ => Op::SimpleGet(g.timeout_ms()),
            },
            31 => match g.below(3) {
                0 | 1 => Op::OnceCall,
                _ => Op::OnceDone,
            },
            32 => match g.below(4) {
                0 => Op::StdBarrierWait,
                _ => Op::Scoped(g.chance(50)),
            },
            33 => match g.below(2) {
                0 => Op::LifoPut(g.timeout_ms()),
                _ => Op::LifoGet(g.timeout_ms()),
            },
            34 => match g.below(2) {
                0 => Op::PrioPut(g.timeout_ms()),
                _ => Op::PrioGet(g.timeout_ms()),
            },
            35 => Op::RwSection(g.chance(40), gen_body(g, me, &[])),
            36 => match g.below(4) {
                0 => Op::Yield,
                1 => Op::RwTryRead,
                2 => Op::RwTryWrite,
                _ => Op::CvTryLock,
            },
            37 => Op::MutexSection(gen_body(g, me, &[CV_MUTEX])),
            38 => match g.below(3) {
                0 => Op::EventWaitForever,
                1 => Op::EventSet,
                _ => Op::EventClear,
            },
            39 => Op::SyncSend,
            40 => Op::SyncTrySend,
            // Only lock 1: lock 0 is also the first condition's, which must stay held in `wait`.
            22 => Op::AcquireOnly(1),
            23 => Op::ReleaseOnly(1),
            _ => continue,
        };
    }
}

/// The index that stands, in `gen_body`'s `locks`, for the `Condvar`'s `Mutex` (a section of it
/// logs nothing in `run_body`, which is given no locks).
const CV_MUTEX: usize = 9;

/// The body of a critical section of `locks`: 0–2 random steps, often followed by a log entry.
fn gen_body(g: &mut Gen, me: usize, locks: &[usize]) -> Vec<Inner> {
    let mut body = Vec::new();
    for _ in 0..g.below(3) {
        body.push(match g.below(5) {
            0 => Inner::Load(g.below(2)),
            1 => Inner::Store(g.below(2), 1 + g.below(2)),
            2 => Inner::FetchAdd(g.below(2)),
            3 => Inner::Log,
            _ => loop {
                let op = gen_op(g, me);
                let allowed = match op {
                    Op::Section { .. }
                    | Op::Join(_)
                    | Op::SemAcquire
                    | Op::AcquireOnly(_)
                    | Op::RwRead
                    | Op::RwWrite
                    | Op::RwSection(..)
                    | Op::MutexSection(_)
                    | Op::SyncSend
                    | Op::StdBarrierWait => false,
                    // Inside a section of the `Condvar`'s `Mutex` (not reentrant).
                    Op::CvWait(_) | Op::CvTake(_) | Op::CvPut | Op::CvNotify(_) | Op::CvTryLock => {
                        !locks.contains(&CV_MUTEX)
                    }
                    Op::ReleaseOnly(l) => !locks.contains(&l),
                    Op::CondWait(c, _) | Op::CondNotify(c, _) => c != 0 || !locks.contains(&0),
                    _ => true,
                };
                if allowed {
                    break Inner::Nested(Box::new(op));
                }
            },
        });
    }
    if g.chance(60) {
        body.push(Inner::Log);
    }
    body
}

/// A random model of 2 to `threads` threads of 1 to `ops` operations each, and 0 to `ops - 1`
/// operations of the main thread.
pub(super) fn gen_model(g: &mut Gen, threads: usize, ops: usize) -> Model {
    let n = 2 + g.below(threads - 1);
    let mut threads: Vec<Vec<Op>> = (0..n).map(|me| (0..1 + g.below(ops)).map(|_| gen_op(g, me)).collect()).collect();
    if g.timed_percent > 0 {
        // Half of the steps that may let another thread's timed wait go come at its deadline.
        for ops in &mut threads {
            let mut timed = Vec::with_capacity(2 * ops.len());
            for op in ops.drain(..) {
                let wakes =
                    matches!(op, Op::CondNotify(..) | Op::EventSet | Op::SemRelease | Op::Unpark(_) | Op::TimerCancel);
                if wakes && g.chance(50) {
                    timed.push(Op::Sleep(g.timeout_ms()));
                }
                timed.push(op);
            }
            *ops = timed;
        }
    }
    // The main thread never blocks on the semaphore: it releases a unit for each blocking acquire
    // of the other threads after its operations (see `execute`).
    // Nor on the bounded channel, whose receiver it alone uses.
    let mut main: Vec<Op> =
        (0..g.below(ops)).map(|_| gen_op(g, 0)).filter(|op| !matches!(op, Op::SemAcquire | Op::SyncSend)).collect();
    // Only the main thread receives from the channel (with the extra share only).
    if g.extra_percent > 0 && g.chance(g.extra_percent) {
        main.push(if g.chance(50) { Op::ChanRecv(g.timeout_ms()) } else { Op::ChanTryRecv });
    }
    let semaphore = g.below(2);
    // With the channel share, the main thread receives once or twice from one channel or the
    // other, then drops the bounded channel's receiver (see `execute`).
    let sync_bound = (g.channel_percent > 0).then(|| {
        for _ in 0..1 + g.below(2) {
            main.push(match g.below(3) {
                0 => Op::ChanRecv(g.timeout_ms()),
                1 => Op::ChanTryRecv,
                _ => Op::SyncRecv(g.timeout_ms()),
            });
        }
        g.below(2)
    });
    Model { threads, main, semaphore, sync_bound }
}

/// `model` without the patterns of the reductions found unsound so far (now regression tests in
/// `reduction.rs`), so that a long run looks for other kinds: no unbalanced `Lock` operations (a
/// release by another thread), no operation inside a critical section entered by `try_acquire`
/// or `acquire_timeout`, and no blocking semaphore acquire.
pub(super) fn avoid_known(model: &Model) -> Model {
    fn body(body: &[Inner], plain: bool) -> Vec<Inner> {
        body.iter()
            .filter(|inner| match inner {
                Inner::Nested(op) => !plain && !matches!(**op, Op::AcquireOnly(_) | Op::ReleaseOnly(_)),
                _ => true,
            })
            .map(|inner| match inner {
                Inner::Nested(op) => Inner::Nested(Box::new(ops(std::slice::from_ref(op)).remove(0))),
                other => other.clone(),
            })
            .collect()
    }
    fn ops(list: &[Op]) -> Vec<Op> {
        list.iter()
            .filter(|op| !matches!(op, Op::AcquireOnly(_) | Op::ReleaseOnly(_)))
            .map(|op| match op {
                Op::Section { locks, reentrant, body: b } => {
                    Op::Section { locks: locks.clone(), reentrant: *reentrant, body: body(b, false) }
                }
                Op::TryLock(l, b) => Op::TryLock(*l, body(b, true)),
                Op::SemAcquire => Op::SemTimeout(20),
                Op::LockTimeout(l, t, b) => Op::LockTimeout(*l, *t, body(b, true)),
                other => other.clone(),
            })
            .collect()
    }
    Model {
        threads: model.threads.iter().map(|t| ops(t)).collect(),
        main: ops(&model.main),
        semaphore: model.semaphore,
        sync_bound: model.sync_bound,
    }
}
