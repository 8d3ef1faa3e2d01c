//! # weft-benches
//!
//! Benchmarks of weft's primitives beside their closest peers, each comparison one criterion
//! group so that one run compares them (issue 4), and of the simulator's speed (issue 3).
//!
//! - `cargo bench -p weft-benches` runs every criterion bench (`--bench lock`, `rlock`,
//!   `condition`, `semaphore`, `event`, `barrier`, `thread`, `sim` for one file; add
//!   `-- --warm-up-time 1 --measurement-time 2` for a shorter run).
//! - `cargo run -p weft-benches --release --example report` runs a short version of every
//!   group in one process (about a minute on 2 cores), prints one table (operation, weft, best
//!   peer, peer, ratio) and rewrites `benches/RESULTS.md`.
//!
//! The workloads live once, in `benches/common/mod.rs`, shared by the benches and the report.
//! Each weft primitive is measured as the `weft::` façade type and as
//! `weft_core::X<weft_real::Real>`; `Lock` also beside a hand-written lock with the same
//! algorithm on std atomics and `parking_lot_core` (`benches/common/baseline.rs`), which shows
//! what the `Scheduler` abstraction costs. Peers are dev-dependencies only: parking_lot, std,
//! async-lock (blocking semaphore and barrier), thread_local, shuttle 0.9.10 and loom.
//!
//! `cargo test` builds the benches only with `--benches`/`--all-targets` (criterion then runs
//! each case once) and never times anything: benchmarks stay benchmarks.
