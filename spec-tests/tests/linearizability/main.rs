//! Linearizability of weft's primitives (`weft::spec`): each against a sequential model, with
//! proptest-generated scenarios (256 by default, `PROPTEST_CASES` to change) run under the
//! simulator; and purpose-built buggy objects, each caught with a small scenario.

mod buggy;
mod data;
mod locks;
mod signals;

use weft::spec::Linearizability;

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

/// What an operation that may raise returns: its value, or the exception's kind and message.
type Raised<T> = Result<T, String>;

/// A weft error as the model writes it.
fn raised(error: weft::Error) -> String {
    format!("{:?}: {error}", error.kind())
}
