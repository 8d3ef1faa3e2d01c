//! Linearizability of weft's primitives (`weft::spec`): each against a sequential model, with
//! proptest-generated scenarios (256 by default, `PROPTEST_CASES` to change) run under the
//! simulator; and purpose-built buggy objects, each caught with a small scenario.

mod barrier;
mod buggy;
mod channels;
mod data;
mod locks;
mod signals;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use weft::spec::{Linearizability, Model, Scenario, Shape, scenarios};

/// The exploration budget of each scenario in this suite: small scenarios are searched
/// exhaustively within it; the others get the exhaustive search's first executions and a
/// sample of the portfolio's.
fn budgeted<M, O>(test: Linearizability<M, O>) -> Linearizability<M, O>
where
    M: weft::spec::Model + Send + Sync + 'static,
    M::Op: Send + Sync + 'static,
    M::Ret: Send + 'static,
    O: Send + Sync + 'static,
{
    test.executions(300, 100)
}

/// Scenarios of each conformance test, and real runs of each.
const CONFORMANCE_SCENARIOS: usize = 10;
const REAL_RUNS: usize = 100;

/// Holds the simulator to reality for one object: `CONFORMANCE_SCENARIOS` small scenarios
/// (2 threads of 1 to 3 operations, and up to one before and one after), each explored
/// exhaustively and then run `REAL_RUNS` times on real threads; every real outcome must be one
/// the simulator produced. `release` wakes what a real run leaves blocked.
fn conforms<M, O>(test: Linearizability<M, O>, operation: impl Strategy<Value = M::Op> + Clone, release: impl Fn(&O))
where
    M: Model + Send + Sync + 'static,
    M::Op: Send + Sync + 'static,
    M::Ret: Send + 'static,
    O: Send + Sync + 'static,
{
    let shape = Shape { threads: 2..=2, operations: 1..=3, init: 0..=1, post: 0..=1 };
    conforms_on(test, scenarios(operation, &shape), release);
}

/// [`conforms`] on `CONFORMANCE_SCENARIOS` scenarios of `strategy` (keep them small: each is
/// explored exhaustively).
fn conforms_on<M, O>(
    test: Linearizability<M, O>,
    strategy: impl Strategy<Value = Scenario<M::Op>>,
    release: impl Fn(&O),
) where
    M: Model + Send + Sync + 'static,
    M::Op: Send + Sync + 'static,
    M::Ret: Send + 'static,
    O: Send + Sync + 'static,
{
    let test = test.executions(20_000, 0);
    let mut runner = TestRunner::deterministic();
    let mut real_runs = 0;
    for seed in 0..CONFORMANCE_SCENARIOS as u64 {
        let scenario = strategy.new_tree(&mut runner).expect("a scenario").current();
        match test.conformance(&scenario, REAL_RUNS, seed, &release) {
            Ok(conformance) => real_runs += conformance.real_runs,
            Err(failure) => panic!("{failure}"),
        }
    }
    assert!(real_runs >= 1_000, "{real_runs} real runs");
}

/// How long the timed operations of the linearizability scenarios wait: virtual time, so a timed
/// operation times out exactly when no other thread can change its fate any more. (The
/// conformance scenarios leave timeouts out: on real threads a timeout may expire while the
/// thread that would have released it is runnable, an outcome the simulator's clock never
/// produces.)
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// What an operation that may raise returns: its value, or the exception's kind and message.
type Raised<T> = Result<T, String>;

/// A weft error as the model writes it.
fn raised(error: weft::Error) -> String {
    format!("{:?}: {error}", error.kind())
}
