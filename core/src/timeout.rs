//! Timeouts: the largest accepted value and the conversion of a timeout into a deadline.

use std::time::{Duration, Instant};

use crate::backend::Scheduler;
use crate::error::Error;

/// The largest timeout any blocking call accepts: 9223372036 seconds, CPython's
/// `threading.TIMEOUT_MAX` on 64-bit Linux. A larger timeout is [`Error::TimeoutTooLarge`].
pub const TIMEOUT_MAX: Duration = Duration::from_secs(9_223_372_036);

/// Checks `timeout` against [`TIMEOUT_MAX`] and turns it into a deadline on `S`'s clock.
/// `None` means "no deadline" (the sum does not fit in an `Instant`, which only happens for
/// timeouts of centuries).
///
/// # Errors
/// [`Error::TimeoutTooLarge`] if `timeout > TIMEOUT_MAX`.
#[inline]
pub fn deadline<S: Scheduler>(timeout: Duration) -> Result<Option<Instant>, Error> {
    if timeout > TIMEOUT_MAX {
        return Err(Error::TimeoutTooLarge);
    }
    Ok(S::now().checked_add(timeout))
}
