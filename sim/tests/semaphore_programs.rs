//! Every small program on one `Semaphore<Sim>`: exhaustive search with partial-order reduction
//! reaches the outcomes of exhaustive search without it (see `small_programs/semaphore.rs`).

#[path = "small_programs/semaphore.rs"]
mod semaphore;
mod small_programs;

semaphore_program_tests!(weft_sim::Sim);
