//! `threading.Timer`: a thread that calls a function after a delay unless cancelled.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::Scheduler;
use crate::error::Error;
use crate::sync::event::Event;
use crate::thread::lifecycle::Builder;
use crate::thread::record::Thread;
use crate::timeout::TIMEOUT_MAX;

/// A thread that calls `function` once `interval` has passed, unless [`Timer::cancel`] ran first
/// (Python's `threading.Timer`). A zero interval calls at once.
///
/// ```
/// # use std::time::Duration;
/// # use weft_core::{Timer, Scheduler};
/// # fn demo<S: Scheduler>() -> Result<(), weft_core::Error> {
/// let timer = Timer::<S>::new(Duration::from_millis(10), || println!("fired"));
/// timer.start()?;
/// timer.join()?;
/// # Ok(()) }
/// # demo::<weft_real::Real>().unwrap();
/// ```
pub struct Timer<S: Scheduler> {
    thread: Thread<S>,
    finished: Arc<Event<S>>,
    interval: Duration,
}

impl<S: Scheduler> Timer<S> {
    /// A timer (not started) that calls `function` after `interval`.
    pub fn new(interval: Duration, function: impl FnOnce() + Send + 'static) -> Self {
        Self::with_builder(Builder::new(), interval, function)
    }

    /// A timer whose thread gets `builder`'s name and daemon flag.
    pub fn with_builder(builder: Builder<S>, interval: Duration, function: impl FnOnce() + Send + 'static) -> Self {
        let finished = Arc::new(Event::new());
        let flag = finished.clone();
        let wait = interval.min(TIMEOUT_MAX);
        let thread = builder.build_timer(move || {
            if !flag.wait_timeout(wait).unwrap_or(false) {
                function();
            }
            flag.set();
        });
        Timer { thread, finished, interval }
    }

    /// Starts the timer's thread.
    ///
    /// # Errors
    /// [`Error::TimeoutTooLarge`] if the interval exceeds [`TIMEOUT_MAX`]; otherwise as
    /// [`Thread::start`].
    pub fn start(&self) -> Result<(), Error> {
        if self.interval > TIMEOUT_MAX {
            return Err(Error::TimeoutTooLarge);
        }
        self.thread.start()
    }

    /// Stops the timer if it is still waiting: the function will not be called. No effect once
    /// the function started; cancelling twice is fine.
    pub fn cancel(&self) {
        S::operation(self.thread.wait_key(), "Timer", "cancel");
        self.finished.set();
    }

    /// The interval.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// The timer's thread (name, daemon flag, join, …).
    pub fn thread(&self) -> &Thread<S> {
        &self.thread
    }

    /// Waits until the timer's thread ends.
    ///
    /// # Errors
    /// As [`Thread::join`].
    pub fn join(&self) -> Result<(), Error> {
        self.thread.join()
    }

    /// Waits at most `timeout` for the timer's thread to end.
    ///
    /// # Errors
    /// As [`Thread::join_timeout`].
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), Error> {
        self.thread.join_timeout(timeout)
    }

    /// Whether the timer's thread is running.
    pub fn is_alive(&self) -> bool {
        self.thread.is_alive()
    }

    /// The event set once the timer fired or was cancelled (Python's `finished`).
    pub fn finished(&self) -> &Event<S> {
        &self.finished
    }
}

impl<S: Scheduler> fmt::Debug for Timer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.thread, f)
    }
}
