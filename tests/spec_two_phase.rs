//! `weft::spec::check` on two-phase operations ([`Model::two_phase`]): a barrier's `wait`, which
//! arrives (other threads see it) before it completes. Hand-written histories accepted and
//! refused, the report, and random histories checked against a brute-force search over steps.

use std::collections::BTreeMap;

use weft::spec::{Blocked, Model, Operation, Refusal, check};

/// A barrier for `parties` threads. `Wait` arrives (joins the round; the last arrival releases
/// it) and then completes once its round is released, returning its arrival index. `Count` reads
/// how many threads wait in the current round (a one-step operation).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Barrier {
    parties: usize,
    /// The threads of the current round, in arrival order.
    arrived: Vec<usize>,
    /// The threads whose round was released, with their arrival index.
    released: BTreeMap<usize, usize>,
}

impl Barrier {
    fn new(parties: usize) -> Self {
        Barrier { parties, arrived: Vec::new(), released: BTreeMap::new() }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum BarrierOp {
    Wait,
    Count,
}

impl Model for Barrier {
    type Op = BarrierOp;
    type Ret = usize;
    fn apply(&mut self, _: &BarrierOp) -> Result<usize, Blocked> {
        unreachable!("the checker calls apply_by")
    }
    fn apply_by(&mut self, thread: usize, op: &BarrierOp) -> Result<usize, Blocked> {
        match op {
            BarrierOp::Wait => self.released.remove(&thread).ok_or(Blocked),
            BarrierOp::Count => Ok(self.arrived.len()),
        }
    }
    fn two_phase(op: &BarrierOp) -> bool {
        *op == BarrierOp::Wait
    }
    fn arrive_by(&mut self, thread: usize, _: &BarrierOp) -> Result<(), Blocked> {
        self.arrived.push(thread);
        if self.arrived.len() == self.parties {
            for (index, thread) in self.arrived.drain(..).enumerate() {
                self.released.insert(thread, index);
            }
        }
        Ok(())
    }
}

fn wait(thread: usize, call: u64, ret: u64, index: usize) -> Operation<Barrier> {
    Operation::returned(thread, BarrierOp::Wait, call, ret, index)
}

#[test]
fn two_waits_that_overlap_pass_a_barrier_of_two() {
    let history = [wait(0, 0, 5, 0), wait(1, 2, 6, 1)];
    let linearization = check(&Barrier::new(2), &history).unwrap();
    // Each wait appears twice: where it arrived, then where it completed.
    let order = linearization.order();
    assert_eq!(order.len(), 4);
    assert_eq!(&order[..2], [0, 1], "the first to arrive has index 0");
}

#[test]
fn a_wait_that_returns_before_the_last_party_arrives_is_a_violation() {
    // A barrier that let thread 0 through alone: thread 1 only called after it returned.
    let history = [wait(0, 0, 1, 0), wait(1, 2, 3, 1)];
    let violation = check(&Barrier::new(2), &history).unwrap_err();
    assert_eq!(violation.prefix(), [0], "only thread 0's arrival");
    assert!(matches!(violation.refusals(), [Refusal::Blocks { op: 0, arrival: false }, Refusal::Later { op: 1, .. }]));
    let report = violation.to_string();
    assert!(report.contains("1 of 4 steps of the completed operations: #0 arrives"), "{report}");
    assert!(report.contains("#0 Wait → 0 (thread 0): the model blocks it here, but it returned"), "{report}");
}

#[test]
fn a_wrong_arrival_index_is_a_violation() {
    let history = [wait(0, 0, 5, 0), wait(1, 2, 6, 0)];
    assert!(check(&Barrier::new(2), &history).is_err());
}

#[test]
fn a_lone_pending_wait_is_accepted() {
    let history = [Operation::pending(0, BarrierOp::Wait, 0)];
    let linearization = check(&Barrier::new(2), &history).unwrap();
    assert!(linearization.order().len() <= 1, "at most its arrival");
}

#[test]
fn a_pending_wait_whose_round_was_released_is_a_lost_wake_up() {
    // Thread 1 passed the barrier of two, so thread 0 arrived too: it should not still wait.
    let history = [Operation::pending(0, BarrierOp::Wait, 0), wait(1, 2, 3, 1)];
    let violation = check(&Barrier::new(2), &history).unwrap_err();
    assert!(
        violation.refusals().iter().any(|r| matches!(r, Refusal::NotBlocked { op: 0, model: Some(0), arrival: false })),
        "{violation}"
    );
    assert!(violation.to_string().contains("it should not be waiting"), "{violation}");
}

#[test]
fn a_one_step_operation_sees_the_arrivals_of_waits_still_blocked() {
    // Thread 0 waits (pending) in a barrier of three; thread 1 counts 1 waiting thread.
    let count = Operation::returned(1, BarrierOp::Count, 2, 3, 1);
    assert!(check(&Barrier::new(3), &[Operation::pending(0, BarrierOp::Wait, 0), count.clone()]).is_ok());
    // A count of 2 cannot be explained by one arrival.
    let two = Operation::returned(1, BarrierOp::Count, 2, 3, 2);
    assert!(check(&Barrier::new(3), &[Operation::pending(0, BarrierOp::Wait, 0), two]).is_err());
    // Nor a count of 1 that returned before the wait was called.
    let early = Operation::returned(1, BarrierOp::Count, 0, 1, 1);
    assert!(check(&Barrier::new(3), &[early, Operation::pending(0, BarrierOp::Wait, 2)]).is_err());
}

#[test]
fn two_rounds_of_a_barrier_of_two() {
    let history = [wait(0, 0, 4, 0), wait(1, 1, 5, 1), wait(0, 6, 9, 1), wait(1, 5, 8, 0)];
    assert!(check(&Barrier::new(2), &history).is_ok());
    // Thread 0's second wait cannot return before thread 1's second wait was called.
    let early = [wait(0, 0, 4, 0), wait(1, 1, 5, 1), wait(0, 5, 6, 0), wait(1, 7, 8, 1)];
    assert!(check(&Barrier::new(2), &early).is_err());
}

/// The brute force: every order of the steps that respects program order and real time (all
/// steps of an operation that returned come before any step of one called later), with each
/// pending wait's arrival taken or not.
mod brute {
    use super::*;

    /// How many steps operation `i` has, and how many of them a linearization must take.
    fn steps(o: &Operation<Barrier>) -> (u8, u8) {
        match (Barrier::two_phase(&o.op), o.is_pending()) {
            (true, false) => (2, 2),
            (true, true) => (1, 0),
            (false, false) => (1, 1),
            (false, true) => (0, 0),
        }
    }

    fn before(history: &[Operation<Barrier>], a: usize, b: usize) -> bool {
        let (x, y) = (&history[a], &history[b]);
        x.ret_time().is_some_and(|r| r < y.call || (x.thread == y.thread && (x.call, a) < (y.call, b)))
    }

    pub fn linearizable(initial: &Barrier, history: &[Operation<Barrier>]) -> bool {
        fn search(state: &Barrier, history: &[Operation<Barrier>], taken: &mut [u8]) -> bool {
            let done = history.iter().zip(taken.iter()).all(|(o, &t)| t >= steps(o).1);
            if done
                && history.iter().enumerate().filter(|(_, o)| o.is_pending()).all(|(i, o)| {
                    let mut s = state.clone();
                    if taken[i] == 1 {
                        s.apply_by(o.thread, &o.op).is_err()
                    } else {
                        s.arrive_by(o.thread, &o.op).is_err()
                    }
                })
            {
                return true;
            }
            for i in 0..history.len() {
                let o = &history[i];
                if taken[i] >= steps(o).0
                    || (0..history.len()).any(|j| j != i && taken[j] < steps(&history[j]).1 && before(history, j, i))
                {
                    continue;
                }
                let mut next = state.clone();
                let agrees = if Barrier::two_phase(&o.op) && taken[i] == 0 {
                    next.arrive_by(o.thread, &o.op).is_ok()
                } else {
                    next.apply_by(o.thread, &o.op).ok().as_ref() == o.value()
                };
                if agrees {
                    taken[i] += 1;
                    if search(&next, history, taken) {
                        return true;
                    }
                    taken[i] -= 1;
                }
            }
            false
        }
        search(initial, history, &mut vec![0; history.len()])
    }

    /// xorshift64*.
    pub struct Rng(u64);

    impl Rng {
        pub fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
        }
    }

    /// 2 or 3 threads of 1 to 3 operations with random intervals and results, the last one
    /// perhaps pending.
    pub fn history(seed: u64) -> (usize, Vec<Operation<Barrier>>) {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let parties = 2 + rng.below(2);
        let threads = 2 + rng.below(2);
        let mut history = Vec::new();
        for thread in 0..threads {
            let mut time = rng.below(3) as u64;
            for _ in 0..1 + rng.below(3) {
                let op = if rng.below(4) == 0 { BarrierOp::Count } else { BarrierOp::Wait };
                if rng.below(5) == 0 {
                    history.push(Operation::pending(thread, op, time));
                    break;
                }
                let ret = time + 1 + rng.below(6) as u64;
                history.push(Operation::returned(thread, op, time, ret, rng.below(parties)));
                time = ret + rng.below(2) as u64;
            }
        }
        (parties, history)
    }
}

#[test]
fn check_agrees_with_a_brute_force_search_over_steps() {
    let (mut accepted, mut refused) = (0, 0);
    for seed in 0..20_000 {
        let (parties, history) = brute::history(seed);
        let initial = Barrier::new(parties);
        let brute = brute::linearizable(&initial, &history);
        match check(&initial, &history) {
            Ok(order) => {
                assert!(brute, "seed {seed}: accepted {:?} for {history:?}", order.order());
                accepted += 1;
            }
            Err(violation) => {
                assert!(!brute, "seed {seed}: refused, but the brute force found a linearization\n{violation}");
                assert!(!violation.refusals().is_empty(), "seed {seed}:\n{violation}");
                refused += 1;
            }
        }
    }
    eprintln!("{accepted} accepted, {refused} refused");
    assert!(accepted > 500 && refused > 500, "{accepted} accepted, {refused} refused");
}
