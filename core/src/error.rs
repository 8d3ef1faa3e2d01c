//! The one error type of weft: each variant is a Python exception with CPython's message.

use std::fmt;

/// The Python exception class an [`Error`] stands for.
///
/// ```
/// use weft_core::{Error, ExceptionKind};
///
/// let kind = Error::BrokenBarrier.kind();
/// assert_eq!(kind, ExceptionKind::BrokenBarrierError);
/// assert_eq!(kind.name(), "BrokenBarrierError");
/// assert!(kind.is_runtime_error()); // `except RuntimeError:` catches it
/// assert_eq!(Error::BarrierParties.kind(), ExceptionKind::ValueError);
/// assert!(!ExceptionKind::ValueError.is_runtime_error());
/// assert_eq!(Error::Empty.kind().name(), "queue.Empty"); // the `queue` module's, qualified
/// ```
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExceptionKind {
    /// `RuntimeError` (also Python's `ThreadError`, which is the same class).
    RuntimeError,
    /// `ValueError`.
    ValueError,
    /// `OverflowError`.
    OverflowError,
    /// `threading.BrokenBarrierError`, a subclass of `RuntimeError`.
    BrokenBarrierError,
    /// `queue.Empty`: a `get` that found no item in time.
    Empty,
    /// `queue.Full`: a `put` that found no free slot in time.
    Full,
    /// `queue.ShutDown`: a `put` or `get` on a queue that was shut down.
    ShutDown,
}

impl ExceptionKind {
    /// The Python name of the class, e.g. `"RuntimeError"`; the `queue` module's classes with
    /// their module (`"queue.Empty"`, `"queue.Full"`, `"queue.ShutDown"`).
    pub fn name(self) -> &'static str {
        match self {
            ExceptionKind::RuntimeError => "RuntimeError",
            ExceptionKind::ValueError => "ValueError",
            ExceptionKind::OverflowError => "OverflowError",
            ExceptionKind::BrokenBarrierError => "BrokenBarrierError",
            ExceptionKind::Empty => "queue.Empty",
            ExceptionKind::Full => "queue.Full",
            ExceptionKind::ShutDown => "queue.ShutDown",
        }
    }

    /// Whether an `except RuntimeError:` clause would catch this kind.
    pub fn is_runtime_error(self) -> bool {
        matches!(self, ExceptionKind::RuntimeError | ExceptionKind::BrokenBarrierError)
    }
}

impl fmt::Display for ExceptionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every error a caller of weft can provoke. [`Error::kind`] tells the Python exception class and
/// `Display` shows CPython's message.
///
/// ```
/// use weft_core::{Error, ExceptionKind};
/// let e = Error::ReleaseUnlocked;
/// assert_eq!(e.kind(), ExceptionKind::RuntimeError);
/// assert_eq!(e.to_string(), "release unlocked lock");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `Lock.release()` of an unlocked lock.
    ReleaseUnlocked,
    /// `RLock.release()` (or the Condition hand-off) by a thread that does not own the lock.
    ReleaseUnacquired,
    /// `Condition.wait()` without holding the lock.
    WaitUnacquired,
    /// `Condition.notify()` without holding the lock.
    NotifyUnacquired,
    /// `Thread.start()` a second time.
    StartedTwice,
    /// The backend refused to start a thread.
    CantStartThread,
    /// `Thread.join()` before `start()`.
    JoinBeforeStart,
    /// `Thread.join()` of the calling thread itself.
    JoinCurrentThread,
    /// `join()` of a dummy thread (one weft did not start).
    JoinDummyThread,
    /// `Thread.set_daemon()` after `start()`.
    DaemonOfActiveThread,
    /// A timeout above [`crate::TIMEOUT_MAX`].
    TimeoutTooLarge,
    /// `Semaphore.release_n(0)`.
    ReleaseCountNotPositive,
    /// `BoundedSemaphore.release()` above the initial value.
    ReleasedTooManyTimes,
    /// A semaphore value that does not fit in the counter.
    SemaphoreValueTooLarge,
    /// `Barrier::new(0)`.
    BarrierParties,
    /// `stack_size(size)` with `0 < size < 32768`.
    StackSizeNotValid(usize),
    /// The barrier is broken (aborted, reset while waiting, timed out, or its action panicked).
    BrokenBarrier,
    /// A queue's `get` found no item (at once, or by its deadline): Python's `queue.Empty`.
    Empty,
    /// A queue's `put` found no free slot (at once, or by its deadline): Python's `queue.Full`.
    Full,
    /// A `put` on a queue that was shut down, or a `get` on one that was shut down and is empty:
    /// Python's `queue.ShutDown`.
    ShutDown,
    /// A queue's `task_done()` called more times than items were put.
    TaskDoneTooManyTimes,
}

impl Error {
    /// The Python exception class this error stands for.
    pub fn kind(&self) -> ExceptionKind {
        use Error::*;
        match self {
            ReleaseUnlocked | ReleaseUnacquired | WaitUnacquired | NotifyUnacquired | StartedTwice
            | CantStartThread | JoinBeforeStart | JoinCurrentThread | JoinDummyThread | DaemonOfActiveThread => {
                ExceptionKind::RuntimeError
            }
            ReleaseCountNotPositive
            | ReleasedTooManyTimes
            | BarrierParties
            | StackSizeNotValid(_)
            | TaskDoneTooManyTimes => ExceptionKind::ValueError,
            TimeoutTooLarge | SemaphoreValueTooLarge => ExceptionKind::OverflowError,
            BrokenBarrier => ExceptionKind::BrokenBarrierError,
            Empty => ExceptionKind::Empty,
            Full => ExceptionKind::Full,
            ShutDown => ExceptionKind::ShutDown,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            ReleaseUnlocked => f.write_str("release unlocked lock"),
            ReleaseUnacquired => f.write_str("cannot release un-acquired lock"),
            WaitUnacquired => f.write_str("cannot wait on un-acquired lock"),
            NotifyUnacquired => f.write_str("cannot notify on un-acquired lock"),
            StartedTwice => f.write_str("threads can only be started once"),
            CantStartThread => f.write_str("can't start new thread"),
            JoinBeforeStart => f.write_str("cannot join thread before it is started"),
            JoinCurrentThread => f.write_str("cannot join current thread"),
            JoinDummyThread => f.write_str("cannot join a dummy thread"),
            DaemonOfActiveThread => f.write_str("cannot set daemon status of active thread"),
            TimeoutTooLarge => f.write_str("timeout value is too large"),
            ReleaseCountNotPositive => f.write_str("n must be one or more"),
            ReleasedTooManyTimes => f.write_str("Semaphore released too many times"),
            SemaphoreValueTooLarge => f.write_str("semaphore value is too large"),
            BarrierParties => f.write_str("parties must be >= 1"),
            StackSizeNotValid(size) => write!(f, "size not valid: {size} bytes"),
            TaskDoneTooManyTimes => f.write_str("task_done() called too many times"),
            // CPython raises these classes without arguments: their `str()` is empty.
            BrokenBarrier | Empty | Full | ShutDown => Ok(()),
        }
    }
}

impl std::error::Error for Error {}
