//! The spec suite on the façade's scheduler, `weft::Auto` (the scheduler of `weft::Lock` and the
//! other types users name): the same bodies as on `Real` and `Sim`, run twice.
//!
//! - `facade_real::…`: outside any simulation, on OS threads and in real time, like
//!   `tests/real.rs`.
//! - `facade_sim::…`: each test inside a simulation, explored by the default portfolio with the
//!   budget of `tests/sim.rs`, in virtual time. The façade's objects are seen one operation at a
//!   time (coarse mode: `WEFT_FINE_GRAINED` does not apply to them).

use weft::Auto;
use weft::sim::Explorer;

/// Executions per spec test in the simulated variant (override with `WEFT_ITERATIONS`), as in
/// `tests/sim.rs`.
const ITERATIONS: usize = 40;

/// Tests that check Python's own behaviour for a panic reaching the default excepthook (print
/// it, the thread ends): inside a simulation they opt into it, as in `tests/sim.rs`.
const PYTHON_PANICS: &[&str] = &["thread::test_original_excepthook"];

/// Spec tests that do not apply to the façade inside a simulation, with the reason: listed,
/// reported as ignored, not run.
const NOT_IN_SIMULATION: &[(&str, &str)] = &[(
    "thread::test_can_interrupt_tight_loops",
    "spins on the scheduler's own atomic cell (`S::Atomic<u8>`), a std atomic on the façade that \
     the simulator does not see: the spin never comes back to the scheduler",
)];

fn main() {
    let mut real = Vec::new();
    weft_spec_tests::register_all::<Auto>(&mut real);
    let mut sim = Vec::new();
    weft_spec_tests::register_all::<Auto>(&mut sim);
    let sim = sim
        .into_iter()
        .map(|test| {
            let body = test.run;
            let seed = test.name.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
            let python_panics = PYTHON_PANICS.contains(&test.name.as_str());
            let wrapped = weft_spec_tests::Test::boxed(&test.name, move || {
                Explorer::portfolio(seed)
                    // One thread: some bodies count in a process-wide static (drops of thread
                    // locals, initialisations) against the count they read as they began, which
                    // holds only while executions run one after another.
                    .threads(1)
                    .iterations(ITERATIONS)
                    .max_steps(1_000_000)
                    .python_panics(python_panics)
                    .check(body);
            });
            match NOT_IN_SIMULATION.iter().find(|(name, _)| *name == test.name) {
                Some((_, reason)) => wrapped.ignore(reason),
                None => wrapped,
            }
        })
        .collect();
    weft_spec_tests::harness::run_suites(vec![("facade_real", real), ("facade_sim", sim)]);
}
