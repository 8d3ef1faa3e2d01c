//! `weft::spec::check`: hand-written histories of a register, a FIFO queue and a lock, accepted
//! and rejected; the violation report; malformed histories; the cost of a 3 × 10 history; and
//! random histories checked against a brute-force search.

use std::collections::VecDeque;
use std::time::Instant;

use weft::spec::{Blocked, Model, Operation, Recorder, Refusal, check, check_quiescent};

/// A register holding a number, with a read, a write, and a wait for a value (a condition's
/// `wait_for`: it blocks until the register holds it).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct Register(u32);

#[derive(Clone, Debug)]
enum RegOp {
    Write(u32),
    Read,
    WaitFor(u32),
}

impl Model for Register {
    type Op = RegOp;
    type Ret = Option<u32>;
    fn apply(&mut self, op: &RegOp) -> Result<Option<u32>, Blocked> {
        match *op {
            RegOp::Write(x) => self.0 = x,
            RegOp::Read => return Ok(Some(self.0)),
            RegOp::WaitFor(x) if self.0 != x => return Err(Blocked),
            RegOp::WaitFor(_) => {}
        }
        Ok(None)
    }
}

/// A FIFO queue: `Get` waits for an item, `TryGet` returns `None` if there is none.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct Fifo(VecDeque<u32>);

#[derive(Clone, Debug)]
enum QOp {
    Put(u32),
    Get,
    TryGet,
}

impl Model for Fifo {
    type Op = QOp;
    type Ret = Option<u32>;
    fn apply(&mut self, op: &QOp) -> Result<Option<u32>, Blocked> {
        match op {
            QOp::Put(x) => {
                self.0.push_back(*x);
                Ok(None)
            }
            QOp::Get => self.0.pop_front().map(Some).ok_or(Blocked),
            QOp::TryGet => Ok(self.0.pop_front()),
        }
    }
}

/// A lock: `Acquire` blocks while it is held; `Release` of a free lock is an error (`false`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct Lock(bool);

#[derive(Clone, Debug)]
enum LockOp {
    Acquire,
    Release,
}

impl Model for Lock {
    type Op = LockOp;
    type Ret = bool;
    fn apply(&mut self, op: &LockOp) -> Result<bool, Blocked> {
        match op {
            LockOp::Acquire if self.0 => Err(Blocked),
            LockOp::Acquire => {
                self.0 = true;
                Ok(true)
            }
            LockOp::Release => Ok(std::mem::replace(&mut self.0, false)),
        }
    }
}

fn done<M: Model>(thread: usize, op: M::Op, call: u64, ret: u64, value: M::Ret) -> Operation<M> {
    Operation::returned(thread, op, call, ret, value)
}

#[test]
fn overlapping_operations_may_take_effect_in_either_order() {
    // The read overlaps the write: it may see the old value or the new one.
    for seen in [0, 1] {
        let history = [done(0, RegOp::Write(1), 0, 3, None), done(1, RegOp::Read, 1, 2, Some(seen))];
        let order = check(&Register(0), &history).unwrap();
        assert_eq!(order.order(), if seen == 0 { [1, 0] } else { [0, 1] });
    }
    // But not a value nobody wrote.
    let history = [done(0, RegOp::Write(1), 0, 3, None), done(1, RegOp::Read, 1, 2, Some(2))];
    assert!(check(&Register(0), &history).is_err());
}

#[test]
fn a_stale_read_after_a_completed_write_is_a_violation() {
    let history = [done(0, RegOp::Write(1), 0, 1, None), done(1, RegOp::Read, 2, 3, Some(0))];
    let violation = check(&Register(0), &history).unwrap_err();
    assert_eq!(violation.prefix(), [0]);
    assert_eq!(violation.state(), &Register(1));
    assert!(matches!(violation.refusals(), [Refusal::Differs { op: 1, model: Some(1) }]));
}

#[test]
fn a_violation_shows_the_history_by_thread_and_why() {
    let history = [
        done(0, RegOp::Write(1), 0, 1, None),
        done(1, RegOp::Read, 2, 3, Some(0)),
        Operation::pending(0, RegOp::WaitFor(2), 4),
    ];
    let text = check(&Register(0), &history).unwrap_err().to_string();
    let expected = "\
not linearizable: 3 operations on 2 threads ([call, return] on one clock)
   | thread 0                      | thread 1
#0 | [0, 1] Write(1) → None
#1 |                               | [2, 3] Read → Some(0)
#2 | [4, …] WaitFor(2) … (pending)

The longest prefix that can be linearized has 1 of 2 completed operations: #0.
No operation can follow it:
  - #1 Read → Some(0) (thread 1): the model returns Some(1) here
";
    assert_eq!(text, expected, "\n{text}");
}

#[test]
fn an_operation_must_follow_those_that_returned_before_its_call() {
    // The item was taken before it was put.
    let history = [done(0, QOp::Get, 0, 1, Some(7)), done(1, QOp::Put(7), 2, 3, None)];
    let violation = check(&Fifo::default(), &history).unwrap_err();
    assert!(violation.prefix().is_empty());
    assert!(matches!(violation.refusals(), [Refusal::Blocks { op: 0, .. }, Refusal::Later { op: 1, first: 0 }]));
    let text = violation.to_string();
    assert!(text.contains("No operation can be linearized first:"), "{text}");
    assert!(text.contains("#1 Put(7) → None (thread 1): must follow #0, which returned at 1"), "{text}");
    // Overlapping, the get waits for the put.
    let history = [done(0, QOp::Get, 0, 5, Some(7)), done(1, QOp::Put(7), 2, 3, None)];
    assert_eq!(check(&Fifo::default(), &history).unwrap().order(), [1, 0]);
}

#[test]
fn a_dequeue_of_an_item_never_enqueued_is_a_violation() {
    let history = [
        done(0, QOp::Put(1), 0, 1, None),
        done(1, QOp::Put(2), 0, 2, None),
        done(0, QOp::Get, 3, 6, Some(1)),
        done(1, QOp::Get, 4, 5, Some(3)),
    ];
    let violation = check(&Fifo::default(), &history).unwrap_err();
    assert_eq!(violation.prefix().len(), 3);
    assert!(violation.refusals().iter().any(|r| matches!(r, Refusal::Differs { op: 3, model: Some(2) })));
}

#[test]
fn a_pending_get_on_an_empty_queue_is_accepted() {
    let history = [
        done(0, QOp::Put(1), 0, 1, None),
        done(1, QOp::Get, 2, 3, Some(1)),
        Operation::pending(0, QOp::Get, 4),
        Operation::pending(2, QOp::Get, 5),
    ];
    assert_eq!(check(&Fifo::default(), &history).unwrap().order(), [0, 1]);
    // Even when the item it would have had was taken by a get that returned after its call.
    let history =
        [done(0, QOp::Put(1), 0, 1, None), Operation::pending(1, QOp::Get, 2), done(2, QOp::Get, 3, 4, Some(1))];
    assert!(check(&Fifo::default(), &history).is_ok());
}

#[test]
fn a_pending_get_with_an_item_left_is_a_violation() {
    let history = [
        done(0, QOp::Put(1), 0, 1, None),
        done(0, QOp::Put(2), 2, 3, None),
        done(1, QOp::Get, 4, 5, Some(1)),
        Operation::pending(1, QOp::Get, 6),
    ];
    let violation = check(&Fifo::default(), &history).unwrap_err();
    assert_eq!(violation.prefix(), [0, 1, 2]);
    assert!(matches!(violation.refusals(), [Refusal::NotBlocked { op: 3, model: Some(Some(2)), .. }]));
    let text = violation.to_string();
    assert!(
        text.contains("#3 Get (pending, thread 1): the model would return Some(2) here: it should not be waiting"),
        "{text}"
    );
}

#[test]
fn a_pending_acquire_must_find_the_lock_held() {
    let held = [done(0, LockOp::Acquire, 0, 1, true), Operation::pending(1, LockOp::Acquire, 2)];
    assert_eq!(check(&Lock::default(), &held).unwrap().order(), [0]);
    let free = [
        done(0, LockOp::Acquire, 0, 1, true),
        done(0, LockOp::Release, 2, 3, true),
        Operation::pending(1, LockOp::Acquire, 1),
    ];
    let violation = check(&Lock::default(), &free).unwrap_err();
    assert!(matches!(violation.refusals(), [Refusal::NotBlocked { op: 2, model: Some(true), .. }]));
    // Nothing completed, and the lock is free: the acquire should not have waited.
    let alone = [Operation::<Lock>::pending(0, LockOp::Acquire, 0)];
    let text = check(&Lock::default(), &alone).unwrap_err().to_string();
    assert!(text.ends_with(
        "No operation completed, and in the initial state:\n  - #0 Acquire (pending, thread 0): the model would return true here: \
         it should not be waiting\n"
    ));
}

#[test]
fn pending_operations_need_one_order_of_the_completed_ones_after_which_they_all_block() {
    // Two overlapping writes: the last one decides the final value. A pending wait for 2 blocks
    // only if Write(2) took effect first; the search must find that order, not the first it tries.
    let writes = || vec![done(0, RegOp::Write(1), 0, 10, None), done(1, RegOp::Write(2), 1, 9, None)];
    let mut history = writes();
    history.push(Operation::pending(2, RegOp::WaitFor(2), 2));
    assert_eq!(check(&Register(0), &history).unwrap().order(), [1, 0]);
    let mut history = writes();
    history.push(Operation::pending(2, RegOp::WaitFor(1), 2));
    assert_eq!(check(&Register(0), &history).unwrap().order(), [0, 1]);
    // Waits for both values: no order leaves both blocked.
    history.push(Operation::pending(3, RegOp::WaitFor(2), 3));
    let violation = check(&Register(0), &history).unwrap_err();
    assert_eq!(violation.prefix().len(), 2);
    assert!(
        violation
            .to_string()
            .contains("but no order of them leaves every pending operation blocked.\nAfter #0, #1, for example:")
    );
}

#[test]
fn an_empty_history_is_linearizable() {
    let history: [Operation<Fifo>; 0] = [];
    assert!(check(&Fifo::default(), &history).unwrap().order().is_empty());
}

#[test]
fn the_recorder_stamps_events_in_order() {
    let mut recorder = Recorder::<Fifo>::new();
    recorder.call(0, QOp::Get);
    recorder.call(1, QOp::Put(5));
    recorder.ret(1, None);
    recorder.call(1, QOp::TryGet);
    recorder.ret(0, Some(5));
    recorder.ret(1, None);
    recorder.call(1, QOp::Get);
    assert_eq!(recorder.now(), 7);
    let history = recorder.into_history();
    assert_eq!((history[0].call, history[0].ret_time()), (0, Some(4)));
    assert_eq!((history[2].call, history[2].ret_time()), (3, Some(5)));
    assert!(history[3].is_pending());
    assert_eq!(check(&Fifo::default(), &history).unwrap().order(), [1, 0, 2]);
}

#[test]
#[should_panic(expected = "thread 0 calls TryGet while its operation Get has not returned")]
fn the_recorder_refuses_overlapping_operations_of_one_thread() {
    let mut recorder = Recorder::<Fifo>::new();
    recorder.call(0, QOp::Get);
    recorder.call(0, QOp::TryGet);
}

#[test]
#[should_panic(expected = "of thread 0 overlap")]
fn overlapping_operations_of_one_thread_are_malformed() {
    let history = [done(0, QOp::Put(1), 0, 3, None), done(0, QOp::Put(2), 2, 4, None)];
    let _ = check(&Fifo::default(), &history);
}

#[test]
#[should_panic(expected = "which is pending")]
fn an_operation_after_a_pending_one_is_malformed() {
    let history = [Operation::pending(0, QOp::Get, 0), done(0, QOp::Put(2), 2, 4, None)];
    let _ = check(&Fifo::default(), &history);
}

#[test]
#[should_panic(expected = "Model::apply blocked Get but changed the state")]
fn a_model_that_changes_its_state_when_it_blocks_is_refused() {
    #[derive(Clone, PartialEq, Eq, Hash)]
    struct Leaky(u32);
    impl Model for Leaky {
        type Op = QOp;
        type Ret = ();
        fn apply(&mut self, _: &QOp) -> Result<(), Blocked> {
            self.0 += 1;
            Err(Blocked)
        }
    }
    let _ = check(&Leaky(0), &[Operation::pending(0, QOp::Get, 0)]);
}

/// Random histories, and a brute-force search to hold `check` to.
mod random {
    use super::*;

    /// xorshift64*: deterministic and good enough to pick operations and interleavings.
    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Self {
            Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
        }

        pub fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
        }
    }

    enum Phase {
        Idle,
        Called(QOp),
        Effected(Option<u32>),
    }

    /// A run of a correct blocking queue: `threads` threads each call up to `ops` random
    /// operations, interleaved at random, each taking effect at a random moment between its call
    /// and its return. A `Get` that finds the queue empty waits for a `Put`; one still waiting at
    /// the end is pending (and its thread calls nothing more).
    pub fn queue_history(seed: u64, threads: usize, ops: usize) -> Vec<Operation<Fifo>> {
        let mut rng = Rng::new(seed);
        let mut queue = Fifo::default();
        let mut recorder = Recorder::new();
        let mut phases: Vec<(usize, Phase)> = (0..threads).map(|_| (0, Phase::Idle)).collect();
        let mut item = 0;
        loop {
            let ready: Vec<usize> = (0..threads)
                .filter(|&t| match &phases[t] {
                    (n, Phase::Idle) => *n < ops,
                    (_, Phase::Called(QOp::Get)) => !queue.0.is_empty(),
                    _ => true,
                })
                .collect();
            let Some(&t) = ready.get(rng.below(ready.len().max(1))) else { break };
            let (n, phase) = &mut phases[t];
            *phase = match std::mem::replace(phase, Phase::Idle) {
                Phase::Idle => {
                    let op = match rng.below(10) {
                        0..4 => {
                            item += 1;
                            QOp::Put(item)
                        }
                        4..7 => QOp::Get,
                        _ => QOp::TryGet,
                    };
                    recorder.call(t, op.clone());
                    Phase::Called(op)
                }
                Phase::Called(op) => Phase::Effected(queue.apply(&op).unwrap()),
                Phase::Effected(value) => {
                    recorder.ret(t, value);
                    *n += 1;
                    Phase::Idle
                }
            };
        }
        recorder.into_history()
    }

    /// A small history: half of them runs of a correct queue, perhaps with one return value
    /// changed; half made up (random intervals, random results, perhaps a pending last call).
    pub fn small_history(seed: u64) -> Vec<Operation<Fifo>> {
        let mut rng = Rng::new(seed ^ 0xABCD);
        let threads = 2 + rng.below(2);
        if seed % 2 == 0 {
            let mut history = queue_history(seed, threads, 1 + rng.below(3));
            if rng.below(2) == 0 {
                let i = rng.below(history.len());
                if let Some((t, _)) = history[i].ret {
                    history[i].ret = Some((t, [None, Some(1), Some(2)][rng.below(3)]));
                }
            }
            return history;
        }
        let mut history = Vec::new();
        for thread in 0..threads {
            let mut time = rng.below(4) as u64;
            for k in 0..1 + rng.below(3) {
                let op = [QOp::Put(1 + rng.below(2) as u32), QOp::Get, QOp::TryGet][rng.below(3)].clone();
                if k > 0 && rng.below(6) == 0 {
                    history.push(Operation::pending(thread, op, time));
                    break;
                }
                let ret = time + rng.below(5) as u64;
                let value = match op {
                    QOp::Put(_) => None,
                    QOp::Get => Some(1 + rng.below(2) as u32),
                    QOp::TryGet => [None, Some(1), Some(2)][rng.below(3)],
                };
                history.push(Operation::returned(thread, op, time, ret, value));
                time = ret + rng.below(3) as u64;
            }
        }
        history
    }

    /// Whether operation `a` must take effect before `b`: it returned before `b` was called, or it
    /// is earlier in their thread (by call time, then by place in the history).
    fn before<M: Model>(history: &[Operation<M>], a: usize, b: usize) -> bool {
        let (x, y) = (&history[a], &history[b]);
        x.ret_time().is_some_and(|r| r < y.call || (x.thread == y.thread && (x.call, a) < (y.call, b)))
    }

    /// Whether `order` is a linearization of `history`.
    pub fn valid<M: Model>(initial: &M, history: &[Operation<M>], order: &[usize]) -> bool {
        let completed = history.iter().filter(|o| !o.is_pending()).count();
        let mut state = initial.clone();
        order.len() == completed
            && order.iter().enumerate().all(|(k, &i)| {
                !history[i].is_pending()
                    && !order[k + 1..].iter().any(|&j| before(history, j, i))
                    && state.apply(&history[i].op).ok().as_ref() == history[i].value()
            })
            && history.iter().filter(|o| o.is_pending()).all(|o| state.clone().apply(&o.op).is_err())
    }

    /// Whether some order of the completed operations is a linearization: Wing & Gong's search,
    /// without the frontier, the just-in-time rule or the memo.
    pub fn brute_force<M: Model>(initial: &M, history: &[Operation<M>]) -> bool {
        fn search<M: Model>(state: &M, history: &[Operation<M>], placed: &mut [bool]) -> bool {
            let mut left = false;
            for i in 0..history.len() {
                if placed[i] || history[i].is_pending() {
                    continue;
                }
                left = true;
                if (0..history.len()).any(|j| !placed[j] && before(history, j, i)) {
                    continue;
                }
                let mut next = state.clone();
                if next.apply(&history[i].op).ok().as_ref() == history[i].value() {
                    placed[i] = true;
                    if search(&next, history, placed) {
                        return true;
                    }
                    placed[i] = false;
                }
            }
            !left && history.iter().filter(|o| o.is_pending()).all(|o| state.clone().apply(&o.op).is_err())
        }
        search(initial, history, &mut vec![false; history.len()])
    }
}

/// The 3 × 10 runs of a correct queue that call all 30 operations (a pending `Get` stops its
/// thread), as they are and widened: each operation stretched back to its thread's previous return,
/// so that it overlaps all it can (the same linearizations, and more).
fn queue_runs() -> impl Iterator<Item = (u64, Vec<Operation<Fifo>>)> {
    let full = (0..).map(|seed| (seed, random::queue_history(seed, 3, 10))).filter(|(_, h)| h.len() == 30);
    full.take(20).flat_map(|(seed, history)| {
        let mut widened = history.clone();
        for thread in 0..3 {
            let mine: Vec<usize> = (0..widened.len()).filter(|&i| widened[i].thread == thread).collect();
            for (k, &i) in mine.iter().enumerate() {
                widened[i].call = if k == 0 { 0 } else { history[mine[k - 1]].ret_time().unwrap() };
            }
        }
        [(seed, history), (seed, widened)]
    })
}

#[test]
fn a_correct_queue_of_3_threads_by_10_operations_checks_quickly() {
    let (mut nodes, start) = (0, Instant::now());
    for (seed, history) in queue_runs() {
        let linearization = check(&Fifo::default(), &history).unwrap();
        assert!(linearization.explored() < 5_000, "seed {seed}: {} nodes", linearization.explored());
        nodes = nodes.max(linearization.explored());
    }
    eprintln!("40 correct 3 x 10 histories in {:?}, at most {nodes} nodes each", start.elapsed());
}

#[test]
fn a_corrupted_queue_history_of_3_threads_by_10_operations_is_refused_quickly() {
    let (mut refused, mut nodes, start) = (0, 0, Instant::now());
    for (seed, mut history) in queue_runs() {
        // The first and last items got swap places.
        let gets: Vec<usize> =
            (0..history.len()).filter(|&i| history[i].value().is_some_and(Option::is_some)).collect();
        let [first, .., last] = gets[..] else { continue };
        let (a, b) = (history[first].ret.unwrap(), history[last].ret.unwrap());
        history[first].ret = Some((a.0, b.1));
        history[last].ret = Some((b.0, a.1));
        match check(&Fifo::default(), &history) {
            Ok(linearization) => assert!(random::valid(&Fifo::default(), &history, linearization.order()), "{seed}"),
            Err(violation) => {
                refused += 1;
                nodes = nodes.max(violation.explored());
            }
        }
    }
    eprintln!("40 corrupted 3 x 10 histories in {:?}: {refused} refused, at most {nodes} nodes", start.elapsed());
    // Two overlapping gets may take their items in either order; most swaps are not so lucky.
    assert!(refused >= 20, "{refused} of 40 refused");
}

#[test]
fn check_agrees_with_a_brute_force_search_on_random_small_histories() {
    let (mut accepted, mut refused) = (0, 0);
    for seed in 0..10_000 {
        let history = random::small_history(seed);
        let brute = random::brute_force(&Fifo::default(), &history);
        match check(&Fifo::default(), &history) {
            Ok(order) => {
                assert!(brute, "seed {seed}: accepted {:?} for {history:?}", order.order());
                assert!(random::valid(&Fifo::default(), &history, order.order()), "seed {seed}");
                accepted += 1;
            }
            Err(violation) => {
                assert!(!brute, "seed {seed}: refused but the brute force found one\n{violation}");
                assert!(!violation.refusals().is_empty(), "seed {seed}:\n{violation}");
                refused += 1;
            }
        }
    }
    eprintln!("{accepted} accepted, {refused} refused");
    assert!(accepted > 500 && refused > 500, "{accepted} accepted, {refused} refused");
}

/// A FIFO queue whose `TryGet` stands for a `get` with a timeout: it waits for its deadline,
/// so a quiescent point may find it waiting with the queue empty.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct TimedFifo(Fifo);

impl Model for TimedFifo {
    type Op = QOp;
    type Ret = Option<u32>;
    fn apply(&mut self, op: &QOp) -> Result<Option<u32>, Blocked> {
        self.0.apply(op)
    }
    fn timed(op: &QOp) -> bool {
        matches!(op, QOp::TryGet)
    }
}

#[test]
fn a_get_caught_waiting_at_a_quiescent_point_beside_an_item_is_a_violation() {
    // Thread 0's get waits; thread 1 puts 1 and returns; every thread is blocked (virtual time
    // passes); then the get returns 1, woken by something else. Each history alone is fine.
    let mut recorder = Recorder::<Fifo>::new();
    recorder.call(0, QOp::Get);
    recorder.call(1, QOp::Put(1));
    recorder.ret(1, None);
    recorder.quiescent();
    recorder.ret(0, Some(1));
    let history = recorder.history().to_vec();
    assert_eq!(recorder.quiescent_points(), [3]);
    assert!(check(&Fifo::default(), &history).is_ok());
    let violation = check_quiescent(&Fifo::default(), &history, recorder.quiescent_points()).unwrap_err();
    assert!(matches!(violation.refusals(), [Refusal::Waited { op: 0, waiting: 0, at: 3, model: Some(Some(1)) }]));
    let report = violation.to_string();
    assert!(report.contains("~ before 3: every thread blocked (virtual time passes)"), "{report}");
    assert!(report.contains("it should not have been waiting"), "{report}");
}

#[test]
fn a_get_waiting_at_a_quiescent_point_on_an_empty_queue_is_accepted() {
    let mut recorder = Recorder::<Fifo>::new();
    recorder.call(0, QOp::Get);
    recorder.quiescent();
    recorder.call(1, QOp::Put(1));
    recorder.ret(1, None);
    recorder.ret(0, Some(1));
    assert!(check_quiescent(&Fifo::default(), recorder.history(), recorder.quiescent_points()).is_ok());
}

#[test]
fn a_timed_operation_may_wait_at_a_quiescent_point_but_takes_effect_after_it() {
    // A get with a timeout waits for its deadline on an empty queue: exempt from blocking.
    let mut recorder = Recorder::<TimedFifo>::new();
    recorder.call(0, QOp::TryGet);
    recorder.quiescent();
    recorder.ret(0, None);
    assert!(check_quiescent(&TimedFifo::default(), recorder.history(), recorder.quiescent_points()).is_ok());
    // Untimed, the same history is a violation: the model would not have kept it waiting.
    let untimed: Vec<Operation<Fifo>> = recorder
        .history()
        .iter()
        .map(|o| Operation { thread: o.thread, op: o.op.clone(), call: o.call, ret: o.ret })
        .collect();
    assert!(check_quiescent(&Fifo::default(), &untimed, recorder.quiescent_points()).is_err());
    // It takes effect after the point: thread 1 found the queue empty after 7 was put, so
    // thread 0 had taken 7 by then; but thread 0 was still waiting later, when every thread was
    // blocked. Without the point, the history is linearizable.
    let mut recorder = Recorder::<TimedFifo>::new();
    recorder.call(0, QOp::TryGet);
    recorder.call(1, QOp::Put(7));
    recorder.ret(1, None);
    recorder.call(1, QOp::TryGet);
    recorder.ret(1, None);
    recorder.quiescent();
    recorder.ret(0, Some(7));
    assert!(check(&TimedFifo::default(), recorder.history()).is_ok());
    assert!(check_quiescent(&TimedFifo::default(), recorder.history(), recorder.quiescent_points()).is_err());
}
