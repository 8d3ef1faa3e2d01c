//! The behaviours shuttle's own tests check (`shuttle/tests/basic/`: `mutex.rs`, `condvar.rs`,
//! `rwlock.rs`, `mpsc.rs`, `thread.rs`, `atomic.rs`), rewritten for weft: each passes or fails
//! under weft as it does under shuttle. One module per shuttle file; every test names the
//! shuttle tests it rewrites.
//!
//! shuttle's `check_dfs` becomes weft's exhaustive search; `check_random(f, n)` and its PCT
//! runner become exhaustive search too where it finishes (a stronger check), or the same
//! strategy with the same number of executions where the point of the test is that strategy.
//! shuttle's `#[should_panic(expected = …)]` becomes an assertion on the failure's kind (a
//! deadlock, a panic and its message). shuttle's tests of its vector clocks (`check_clock`)
//! have no counterpart: weft keeps its clocks to itself. The README lists the tests with no
//! counterpart, and those whose verdict differs, and why.

#[path = "../common/mod.rs"]
mod common;

mod atomic;
mod condvar;
mod mpsc;
mod mutex;
mod rwlock;
mod thread;
