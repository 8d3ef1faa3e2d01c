//! OS threads that run explorations and their helpers, kept between explorations.
//!
//! Each exploration runs on an OS thread of its own (see [`Explorer::run`]), and a parallel one
//! starts helper threads. Creating a thread with a large stack costs tens of microseconds (the
//! mapping, its first pages, the switch), as much as a small exploration's executions: a
//! program that runs many small explorations (a test suite, a property test, a benchmark) paid
//! it every time. A thread that finishes its job waits here for the next one, for a while.
//!
//! A job goes to an idle thread of the same name (so that a test's exploration still runs on a
//! thread named after the test, and its panics and reports say so), or to a new one. A thread
//! whose panic count stayed raised (a simulated thread was given up in the middle of unwinding:
//! `std::thread::panicking()` then reads true there for good) is not kept.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// A job for a kept thread: it runs, and returns what hands its result over.
type Job = Box<dyn FnOnce() -> Delivery + Send>;

/// Hands a job's result over to whoever waits for it.
type Delivery = Box<dyn FnOnce() + Send>;

/// An idle thread: its name, its number, and where to send it a job (`None`: end).
struct Idle {
    name: String,
    serial: u64,
    jobs: mpsc::Sender<Option<Job>>,
}

/// The idle threads, the most recently idle last.
static IDLE: Mutex<Vec<Idle>> = Mutex::new(Vec::new());

/// Numbers the kept threads.
static SERIALS: AtomicU64 = AtomicU64::new(0);

/// At most this many threads wait for a job: a thread that becomes idle when as many wait ends the
/// one idle longest.
const MOST_IDLE: usize = 4;

/// How long an idle thread waits for a job before it ends.
const KEPT_FOR: Duration = Duration::from_secs(2);

/// A job under way on a kept thread: [`Pooled::join`] waits for its result.
pub(super) struct Pooled<R> {
    result: mpsc::Receiver<std::thread::Result<R>>,
}

impl<R> Pooled<R> {
    /// Waits for the job to end: its result, or the payload of its panic (as
    /// [`std::thread::JoinHandle::join`]).
    pub(super) fn join(self) -> std::thread::Result<R> {
        // (A small exploration is over within the poll: no sleep, no wake-up.)
        let result = wait_briefly(&self.result).map_or_else(|| self.result.recv(), Ok);
        result.unwrap_or_else(|_| Err(Box::new("weft: an exploring thread ended without its result")))
    }
}

/// Runs `job` on an idle thread named `name`, or on a new one with `stack` bytes of stack.
///
/// # Errors
/// The operating system's, when a new thread is needed and cannot be created.
pub(super) fn spawn<R: Send + 'static>(
    name: &str,
    stack: usize,
    job: impl FnOnce() -> R + Send + 'static,
) -> std::io::Result<Pooled<R>> {
    let (sender, result) = mpsc::sync_channel(1);
    let mut job: Job = Box::new(move || {
        let result = catch_unwind(AssertUnwindSafe(job));
        Box::new(move || {
            // (The receiver may be gone: the caller unwound. Nothing is left to tell.)
            let _ = sender.send(result);
        })
    });
    loop {
        let idle = {
            let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
            idle.iter().rposition(|thread| thread.name == name).map(|at| idle.remove(at))
        };
        let Some(idle) = idle else { break };
        match idle.jobs.send(Some(job)) {
            Ok(()) => return Ok(Pooled { result }),
            // The thread ended (it cannot while listed; kept for safety): try another.
            Err(mpsc::SendError(returned)) => job = returned.expect("the job sent"),
        }
    }
    let kept_name = name.to_owned();
    std::thread::Builder::new().name(name.to_owned()).stack_size(stack).spawn(move || serve(kept_name, job))?;
    Ok(Pooled { result })
}

/// How long a thread that waits for another polls before it sleeps: an idle kept thread for
/// its next job (a program that runs explorations back to back, such as a property test or a
/// benchmark, hands it over within this), the caller for a small exploration's result, a helper
/// for work. A sleeping thread takes 15–20 µs to wake on a virtual machine, more than a small
/// exploration's executions cost.
pub(super) const POLLED_FOR: Duration = Duration::from_micros(50);

/// What `poll` gives within [`POLLED_FOR`], if anything (`None` once it has had its time).
pub(super) fn poll_briefly<T>(mut poll: impl FnMut() -> Option<T>) -> Option<T> {
    let began = std::time::Instant::now();
    loop {
        if let Some(found) = poll() {
            return Some(found);
        }
        if began.elapsed() >= POLLED_FOR {
            return None;
        }
        std::hint::spin_loop();
    }
}

/// The next message on `next` if one comes within [`POLLED_FOR`] (`None` too if its senders
/// are gone: the blocking receive that follows says so).
fn wait_briefly<T>(next: &mpsc::Receiver<T>) -> Option<T> {
    poll_briefly(|| next.try_recv().ok())
}

/// A kept thread's life: runs `job`, then waits for the next one while it may.
fn serve(name: String, mut job: Job) {
    let serial = SERIALS.fetch_add(1, Relaxed);
    let (jobs, next) = mpsc::channel::<Option<Job>>();
    loop {
        let deliver = job();
        // Listed as idle before the result is handed over: the caller's next job (a program
        // that runs explorations one after another) finds it. Not kept if its panic count stayed
        // raised (see the module's documentation).
        let kept = !std::thread::panicking();
        if kept {
            let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() >= MOST_IDLE {
                // (It ends when it gets this; its sender stays with it.)
                let _ = idle.remove(0).jobs.send(None);
            }
            idle.push(Idle { name: name.clone(), serial, jobs: jobs.clone() });
        }
        deliver();
        if !kept {
            return;
        }
        let next_job = match wait_briefly(&next).map_or_else(|| next.recv_timeout(KEPT_FOR), Ok) {
            Ok(next_job) => next_job,
            Err(RecvTimeoutError::Timeout) => {
                let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
                match idle.iter().position(|thread| thread.serial == serial) {
                    Some(at) => {
                        idle.remove(at);
                        None
                    }
                    // Taken meanwhile (given a job, or told to end): it is on the way.
                    None => {
                        drop(idle);
                        next.recv().ok().flatten()
                    }
                }
            }
            // (It keeps a sender itself: never.)
            Err(RecvTimeoutError::Disconnected) => None,
        };
        let Some(next_job) = next_job else { return };
        job = next_job;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_is_reused_by_name_and_panics_come_back() {
        let first = spawn("weft-pool-test", 1 << 20, || std::thread::current().id()).unwrap().join().unwrap();
        let again = spawn("weft-pool-test", 1 << 20, || std::thread::current().id()).unwrap().join().unwrap();
        assert_eq!(first, again, "the idle thread of that name runs the next job");
        let other = spawn("weft-pool-other", 1 << 20, || std::thread::current().name().map(str::to_owned));
        assert_eq!(other.unwrap().join().unwrap().as_deref(), Some("weft-pool-other"));
        let panicked = spawn("weft-pool-test", 1 << 20, || panic!("in a job")).unwrap().join();
        let payload = panicked.expect_err("the panic is the result");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"in a job"));
        let after = spawn("weft-pool-test", 1 << 20, || 7).unwrap().join().unwrap();
        assert_eq!(after, 7, "a job that panicked leaves the thread usable");
    }

    #[test]
    fn at_most_a_few_threads_wait() {
        for index in 0..MOST_IDLE + 3 {
            spawn(&format!("weft-pool-many-{index}"), 1 << 20, || ()).unwrap().join().unwrap();
            let idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner).len();
            assert!(idle <= MOST_IDLE, "{idle} threads wait");
        }
        // The last one waits, the first ones were told to end.
        let last = format!("weft-pool-many-{}", MOST_IDLE + 2);
        assert!(IDLE.lock().unwrap_or_else(PoisonError::into_inner).iter().any(|thread| thread.name == last));
    }
}
