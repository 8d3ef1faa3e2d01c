//! The spec suite on the simulator: the same bodies as on `Real`, each explored by the default
//! portfolio with a small budget — exhaustive (preemption-bounded) search first, which finishes
//! on the small tests, then random walk and PCT — in virtual time (every timeout is instant and
//! deterministic).

use weft_sim::{Explorer, Sim};

/// Executions per spec test (override with `WEFT_ITERATIONS`).
const ITERATIONS: usize = 40;

/// Tests that check Python's own behaviour for a panic reaching the default excepthook (print
/// it, the thread ends): they opt into it, instead of the simulator's default (fail).
const PYTHON_PANICS: &[&str] = &["thread::test_original_excepthook"];

/// Set `WEFT_FINE_GRAINED=1` to run the suite with every atomic access inside the primitives as
/// its own scheduling point (checking the primitives' algorithms themselves).
fn fine_grained() -> bool {
    std::env::var("WEFT_FINE_GRAINED").is_ok_and(|v| v == "1")
}

fn main() {
    let mut tests = Vec::new();
    weft_spec_tests::register_all::<Sim>(&mut tests);
    let fine = fine_grained();
    let tests = tests
        .into_iter()
        .map(|test| {
            let body = test.run;
            let seed = test.name.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
            let python_panics = PYTHON_PANICS.contains(&test.name.as_str());
            weft_spec_tests::Test::boxed(&test.name, move || {
                Explorer::portfolio(seed)
                    // One thread: some bodies count in a process-wide static (drops of thread
                    // locals, initialisations) against the count they read as they began, which
                    // holds only while executions run one after another.
                    .threads(1)
                    .iterations(ITERATIONS)
                    .max_steps(1_000_000)
                    .python_panics(python_panics)
                    .fine_grained(fine)
                    .check(body);
            })
        })
        .collect();
    weft_spec_tests::harness::run("sim", tests);
}
