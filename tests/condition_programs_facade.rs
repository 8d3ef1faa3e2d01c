//! Every small program on one `weft::Condition` over a `weft::Lock` (the façade's `Auto` scheduler,
//! on the simulator inside an exploration): exhaustive search with partial-order reduction reaches
//! the outcomes of exhaustive search without it. The programs and the comparison are the
//! simulator's (`sim/tests/small_programs/`), which runs them on `Sim` in
//! `sim/tests/condition_programs.rs`.

#[path = "../sim/tests/small_programs/condition.rs"]
mod condition;
#[path = "../sim/tests/small_programs/mod.rs"]
mod small_programs;

condition_program_tests!(weft::Auto);
