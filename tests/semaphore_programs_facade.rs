//! Every small program on one `weft::Semaphore` (the façade's `Auto` scheduler, on the simulator
//! inside an exploration): exhaustive search with partial-order reduction reaches the outcomes of
//! exhaustive search without it. The programs and the comparison are the simulator's
//! (`sim/tests/small_programs/mod.rs`), which runs them on `Sim` in
//! `sim/tests/semaphore_programs.rs`.

#[path = "../sim/tests/small_programs/mod.rs"]
mod small_programs;

use small_programs::{Op, check_every_program};
use weft::Auto;

#[test]
fn reduction_reaches_every_outcome_of_every_program_of_two_threads() {
    let compared = check_every_program::<Auto>(&[Op::Release, Op::Acquire, Op::Try], 2, 3);
    assert!(compared >= 1_000, "{compared} programs compared");
}

#[test]
fn reduction_reaches_every_outcome_of_every_program_of_three_threads() {
    let compared = check_every_program::<Auto>(&[Op::Release, Op::Acquire, Op::Try], 3, 2);
    assert!(compared >= 1_000, "{compared} programs compared");
}

#[test]
fn reduction_reaches_every_outcome_of_every_program_with_timed_acquires() {
    let compared = check_every_program::<Auto>(&[Op::Release, Op::Acquire, Op::Try, Op::Timed], 2, 2);
    assert!(compared >= 300, "{compared} programs compared");
}
