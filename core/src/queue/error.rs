//! [`PutError`]: a failed `put`, which gives the item back.

use std::fmt;

use crate::error::{Error, ExceptionKind};

/// A `put` that failed: the [`Error`] (`queue.Full`, `queue.ShutDown`, or `OverflowError` for a
/// timeout above [`crate::TIMEOUT_MAX`]) and the item, given back to the caller (as std's
/// `TrySendError` does).
///
/// `Debug` and `Display` do not show the item, so that any item type can be unwrapped; `?`
/// turns it into an [`Error`] (dropping the item).
///
/// ```
/// # use weft_core::{Error, ExceptionKind, Queue, Scheduler};
/// # fn demo<S: Scheduler>() -> Result<(), Error> {
/// let queue = Queue::<S, String>::new(1);
/// queue.put("first".to_owned())?;
/// let error = queue.put_nowait("second".to_owned()).unwrap_err();
/// assert_eq!(error.kind(), ExceptionKind::Full);
/// assert_eq!(*error.error(), Error::Full);
/// assert_eq!(error.to_string(), ""); // as `str(queue.Full())`
/// assert_eq!(error.into_inner(), "second"); // the item is not lost
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PutError<T> {
    error: Error,
    item: T,
}

impl<T> PutError<T> {
    /// The error `put` failed with, giving back `item`.
    pub fn new(error: Error, item: T) -> Self {
        PutError { error, item }
    }

    /// Why the item was not put.
    pub fn error(&self) -> &Error {
        &self.error
    }

    /// The Python exception class of the error ([`Error::kind`]).
    pub fn kind(&self) -> ExceptionKind {
        self.error.kind()
    }

    /// The item that was not put.
    pub fn item(&self) -> &T {
        &self.item
    }

    /// Takes the item back.
    pub fn into_inner(self) -> T {
        self.item
    }

    /// The error and the item.
    pub fn into_parts(self) -> (Error, T) {
        (self.error, self.item)
    }
}

impl<T> fmt::Debug for PutError<T> {
    /// `PutError { error: Full, .. }`: the item is left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PutError").field("error", &self.error).finish_non_exhaustive()
    }
}

impl<T> fmt::Display for PutError<T> {
    /// The error's message (CPython's: empty for `Full` and `ShutDown`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.error, f)
    }
}

impl<T> std::error::Error for PutError<T> {}

impl<T> From<PutError<T>> for Error {
    /// The error, without the item.
    fn from(error: PutError<T>) -> Self {
        error.error
    }
}
