//! Every small program on one `Event<Sim>`: exhaustive search with partial-order reduction reaches
//! the outcomes of exhaustive search without it (see `small_programs/event.rs`).

#[path = "small_programs/event.rs"]
mod event;
mod small_programs;

event_program_tests!(weft_sim::Sim);
