//! Every small program on one `Semaphore<Sim>`: exhaustive search with partial-order reduction
//! reaches the outcomes of exhaustive search without it (see `small_programs/mod.rs`).

mod small_programs;

use small_programs::{Op, check_every_program};
use weft_sim::Sim;

#[test]
fn reduction_reaches_every_outcome_of_every_program_of_two_threads() {
    let compared = check_every_program::<Sim>(&[Op::Release, Op::Acquire, Op::Try], 2, 3);
    assert!(compared >= 1_000, "{compared} programs compared");
}

#[test]
fn reduction_reaches_every_outcome_of_every_program_of_three_threads() {
    let compared = check_every_program::<Sim>(&[Op::Release, Op::Acquire, Op::Try], 3, 2);
    assert!(compared >= 1_000, "{compared} programs compared");
}

#[test]
fn reduction_reaches_every_outcome_of_every_program_with_timed_acquires() {
    let compared = check_every_program::<Sim>(&[Op::Release, Op::Acquire, Op::Try, Op::Timed], 2, 2);
    assert!(compared >= 300, "{compared} programs compared");
}
