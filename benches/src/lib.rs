//! # weft-benches
//!
//! Criterion benchmarks of weft's primitives beside their closest peers (parking_lot, std) in
//! the same group, so that one run compares them: `cargo bench -p weft-benches`.
