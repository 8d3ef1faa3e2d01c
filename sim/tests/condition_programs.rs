//! Every small program on one `Condition<Sim, Lock<Sim>>`: exhaustive search with partial-order
//! reduction reaches the outcomes of exhaustive search without it (see
//! `small_programs/condition.rs`).

#[path = "small_programs/condition.rs"]
mod condition;
mod small_programs;

condition_program_tests!(weft_sim::Sim);
