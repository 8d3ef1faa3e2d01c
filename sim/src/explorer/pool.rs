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

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
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

/// The cores of the process's explorations at work: one for each exploration on a kept thread,
/// from the moment it is handed over until its caller has the result (the caller, woken then,
/// runs on that core), and the helpers each exploration took (see [`take_cores`]).
/// Explorations that run at the same time (the tests of a `cargo test` binary) share the
/// machine's cores through it: one with the default number of threads starts only as many
/// helpers as there are cores left, and a thread that waits for a result or a job polls only if a
/// core is left for it. Without it, 2 OS threads each running 300 small explorations
/// (`lock_counter(3,2)`) on a 2-core machine took 1.6 times as long with the default threads, and
/// 1.4 times as long with one thread each (polling callers and kept threads took the cores).
static WORKING: CoreCount = CoreCount(AtomicUsize::new(0));

/// A count of cores at work (see [`WORKING`]).
struct CoreCount(AtomicUsize);

impl CoreCount {
    /// Takes up to `wanted` of the `cores` not at work (`at_most`: only those; otherwise
    /// `wanted` whatever is left), each given back when its [`CoreTaken`] is dropped.
    fn take(&'static self, cores: usize, wanted: usize, at_most: bool) -> Vec<CoreTaken> {
        let mut working = self.0.load(Relaxed);
        loop {
            let taken = if at_most { wanted.min(cores.saturating_sub(working)) } else { wanted };
            if taken == 0 {
                return Vec::new();
            }
            match self.0.compare_exchange_weak(working, working + taken, Relaxed, Relaxed) {
                Ok(_) => return (0..taken).map(|_| CoreTaken(self)).collect(),
                Err(now) => working = now,
            }
        }
    }

    /// Whether `threads` more threads would find a core of `cores` not at work.
    fn left_for(&self, cores: usize, threads: usize) -> bool {
        self.0.load(Relaxed) + threads <= cores
    }
}

/// A core taken for an exploration's work (see [`take_cores`]), given back when dropped.
pub(super) struct CoreTaken(&'static CoreCount);

impl Drop for CoreTaken {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Relaxed);
    }
}

/// Takes up to `wanted` of the machine's cores not at work for the process's explorations
/// (`at_most`: only those; otherwise `wanted` whatever is left; see [`WORKING`]).
pub(super) fn take_cores(wanted: usize, at_most: bool) -> Vec<CoreTaken> {
    WORKING.take(super::available_parallelism(), wanted, at_most)
}

/// Whether `threads` more threads of the process would find a core that no exploration works
/// on: only then does a thread that waits poll rather than sleep (a poll on a core that another
/// thread needs costs that thread its time slice).
pub(super) fn cores_left_for(threads: usize) -> bool {
    WORKING.left_for(super::available_parallelism(), threads)
}

/// A job under way on a kept thread: [`Pooled::join`] waits for its result.
pub(super) struct Pooled<R> {
    result: mpsc::Receiver<std::thread::Result<R>>,
    signal: Arc<Signal>,
    /// The core the job counts as at work (see [`WORKING`]) until the result is taken, if it
    /// counts (an exploration's: the thread that waits for it is its caller, which polls only
    /// if a core is left for it; a helper's is waited for by the exploring thread, which works
    /// on a core of its own and always polls).
    core: Option<CoreTaken>,
}

/// Wakes the thread that waits for a job's result ([`Pooled::join`]): when the job says its end
/// is near ([`end_is_near`]), and when its result is sent.
#[derive(Default)]
struct Signal {
    state: Mutex<SignalState>,
    changed: Condvar,
    /// The job started helper threads (see [`helpers_come`]): the waiting thread does not
    /// poll.
    helped: AtomicBool,
}

#[derive(Default)]
struct SignalState {
    /// Raised and not yet seen by the waiting thread.
    raised: bool,
    /// The waiting thread sleeps on `changed`.
    sleeping: bool,
}

impl Signal {
    fn raise(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.raised = true;
        let sleeping = state.sleeping;
        drop(state);
        // (A notification costs a system call: only for a thread that sleeps.)
        if sleeping {
            self.changed.notify_one();
        }
    }

    /// Sleeps until the signal is raised, and lowers it.
    fn wait(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while !state.raised {
            state.sleeping = true;
            state = self.changed.wait(state).unwrap_or_else(PoisonError::into_inner);
            state.sleeping = false;
        }
        state.raised = false;
    }
}

/// Raises a job's signal when dropped: after its result was sent, or if the job was dropped
/// unrun (the sender is gone with it), so that the waiting thread never sleeps on.
struct Delivered(Arc<Signal>);

impl Drop for Delivered {
    fn drop(&mut self) {
        self.0.raise();
    }
}

thread_local! {
    /// The signal of the job this kept thread runs (see [`end_is_near`]).
    static RUNNING_JOB: RefCell<Option<Arc<Signal>>> = const { RefCell::new(None) };
}

/// Tells whoever waits for the job this thread runs (an exploration on a kept thread) that its
/// result comes soon: it wakes now and polls for it, rather than sleep until it comes and then
/// take 15–20 µs to wake (see [`POLLED_FOR`]). Once per job; nothing outside a kept thread's job.
pub(super) fn end_is_near() {
    if let Some(signal) = RUNNING_JOB.with(|job| job.borrow_mut().take()) {
        signal.raise();
    }
}

/// Tells whoever waits for the job this thread runs that the job starts helper threads (an
/// exploration on more than one thread): it stops polling for the result, which would take the
/// core they need (on lock_counter (4,1), 24 executions on a 2-core machine, 2 threads ran 1.36–1.41
/// times the executions per second of 1 with this, 1.25–1.27 without), and sleeps until the
/// job's end is near or its result comes.
pub(super) fn helpers_come() {
    RUNNING_JOB.with(|job| {
        if let Some(signal) = job.borrow().as_ref() {
            signal.helped.store(true, Relaxed);
        }
    });
}

/// How long a waiting thread told that the result comes soon ([`end_is_near`]) polls for it
/// before it sleeps again.
const POLLED_NEAR_END: Duration = Duration::from_micros(250);

impl<R> Pooled<R> {
    /// Waits for the job to end: its result, or the payload of its panic (as
    /// [`std::thread::JoinHandle::join`]).
    pub(super) fn join(self) -> std::thread::Result<R> {
        self.wait().unwrap_or_else(|_| Err(Box::new("weft: an exploring thread ended without its result")))
    }

    /// Polls for the result briefly (a small exploration is over within the poll: no sleep, no
    /// wake-up); then sleeps until the job raises its signal (its end is near, or its result is
    /// there), polls a while, and so on.
    fn wait(&self) -> Result<std::thread::Result<R>, mpsc::RecvError> {
        let taken = || match self.result.try_recv() {
            Ok(result) => Some(Ok(result)),
            Err(TryRecvError::Disconnected) => Some(Err(mpsc::RecvError)),
            Err(TryRecvError::Empty) => None,
        };
        // (Until the job starts helpers: see `helpers_come`. Only on a core no exploration
        // works on: see `WORKING`.)
        let helped = || self.signal.helped.load(Relaxed);
        let may_poll = || self.core.is_none() || cores_left_for(1);
        if may_poll() {
            let polled = poll_briefly(|| match taken() {
                Some(taken) => Some(Some(taken)),
                None => helped().then_some(None),
            });
            if let Some(Some(taken)) = polled {
                return taken;
            }
        }
        loop {
            if let Some(taken) = taken() {
                return taken;
            }
            self.signal.wait();
            // (Woken by the result itself, it takes it at once.)
            if let Some(taken) = taken() {
                return taken;
            }
            if may_poll() {
                if let Some(taken) = poll_for(POLLED_NEAR_END, taken) {
                    return taken;
                }
            }
        }
    }
}

/// Runs `job` on an idle thread named `name`, or on a new one with `stack` bytes of stack.
/// `counted`: the job counts as a core at work until its result is taken (see [`WORKING`]; a
/// helper's job holds the core taken for it instead, and gives it back when it ends).
///
/// # Errors
/// The operating system's, when a new thread is needed and cannot be created.
pub(super) fn spawn<R: Send + 'static>(
    name: &str,
    stack: usize,
    counted: bool,
    job: impl FnOnce() -> R + Send + 'static,
) -> std::io::Result<Pooled<R>> {
    let (sender, result) = mpsc::sync_channel(1);
    let signal = Arc::new(Signal::default());
    // (Taken here, before the thread that waits looks; given back once it has the result.)
    let core = if counted { take_cores(1, false).pop() } else { None };
    let delivered = Delivered(signal.clone());
    let mut job: Job = Box::new(move || {
        RUNNING_JOB.with(|job| *job.borrow_mut() = Some(delivered.0.clone()));
        let result = catch_unwind(AssertUnwindSafe(job));
        RUNNING_JOB.with(|job| job.borrow_mut().take());
        Box::new(move || {
            // (The receiver may be gone: the caller unwound. Nothing is left to tell.)
            let _ = sender.send(result);
            drop(delivered);
        })
    });
    loop {
        let idle = {
            let mut idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner);
            idle.iter().rposition(|thread| thread.name == name).map(|at| idle.remove(at))
        };
        let Some(idle) = idle else { break };
        match idle.jobs.send(Some(job)) {
            Ok(()) => return Ok(Pooled { result, signal, core }),
            // The thread ended (it cannot while listed; kept for safety): try another.
            Err(mpsc::SendError(returned)) => job = returned.expect("the job sent"),
        }
    }
    let kept_name = name.to_owned();
    std::thread::Builder::new().name(name.to_owned()).stack_size(stack).spawn(move || serve(kept_name, job))?;
    Ok(Pooled { result, signal, core })
}

/// How long a thread that waits for another polls before it sleeps: an idle kept thread for
/// its next job (a program that runs explorations back to back, such as a property test or a
/// benchmark, hands it over within this), the caller for a small exploration's result, a helper
/// for work. A sleeping thread takes 15–20 µs to wake on a virtual machine, more than a small
/// exploration's executions cost.
pub(super) const POLLED_FOR: Duration = Duration::from_micros(50);

/// What `poll` gives within [`POLLED_FOR`], if anything (`None` once it has had its time).
pub(super) fn poll_briefly<T>(poll: impl FnMut() -> Option<T>) -> Option<T> {
    poll_for(POLLED_FOR, poll)
}

/// What `poll` gives within `time`, if anything.
fn poll_for<T>(time: Duration, mut poll: impl FnMut() -> Option<T>) -> Option<T> {
    let began = std::time::Instant::now();
    loop {
        if let Some(found) = poll() {
            return Some(found);
        }
        if began.elapsed() >= time {
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
        // (It polls only if a core is left for it: the job's own core, counted until the
        // thread it handed the result to takes it, is that thread's. See `WORKING`.)
        let polled = if cores_left_for(1) { wait_briefly(&next) } else { None };
        let next_job = match polled.map_or_else(|| next.recv_timeout(KEPT_FOR), Ok) {
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
        let first = spawn("weft-pool-test", 1 << 20, true, || std::thread::current().id()).unwrap().join().unwrap();
        let again = spawn("weft-pool-test", 1 << 20, true, || std::thread::current().id()).unwrap().join().unwrap();
        assert_eq!(first, again, "the idle thread of that name runs the next job");
        let other = spawn("weft-pool-other", 1 << 20, true, || std::thread::current().name().map(str::to_owned));
        assert_eq!(other.unwrap().join().unwrap().as_deref(), Some("weft-pool-other"));
        let panicked = spawn("weft-pool-test", 1 << 20, true, || panic!("in a job")).unwrap().join();
        let payload = panicked.expect_err("the panic is the result");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"in a job"));
        let after = spawn("weft-pool-test", 1 << 20, true, || 7).unwrap().join().unwrap();
        assert_eq!(after, 7, "a job that panicked leaves the thread usable");
    }

    #[test]
    fn a_job_that_says_its_end_is_near_still_delivers_its_result() {
        end_is_near(); // (Outside a job: nothing to tell.)
        // Its end comes within the caller's poll after the warning, and long after it.
        for after in [Duration::from_micros(10), POLLED_NEAR_END * 4] {
            let job = move || {
                std::thread::sleep(POLLED_FOR * 2);
                end_is_near();
                end_is_near(); // (Once per job: the second tells nothing.)
                std::thread::sleep(after);
                7
            };
            assert_eq!(spawn("weft-pool-near", 1 << 20, true, job).unwrap().join().unwrap(), 7);
        }
    }

    #[test]
    fn explorations_share_the_cores() {
        static COUNT: CoreCount = CoreCount(AtomicUsize::new(0));
        // 4 cores: an exploration (1), then another (1) that wants 3 helpers gets 2.
        let first = COUNT.take(4, 1, false);
        let second = COUNT.take(4, 1, false);
        assert!(COUNT.left_for(4, 2) && !COUNT.left_for(4, 3));
        let helpers = COUNT.take(4, 3, true);
        assert_eq!((first.len(), second.len(), helpers.len()), (1, 1, 2));
        assert!(!COUNT.left_for(4, 1), "every core is at work");
        assert!(COUNT.take(4, 1, true).is_empty(), "no core is left for more helpers");
        // Chosen numbers of threads are taken whatever is left.
        let chosen = COUNT.take(4, 2, false);
        assert_eq!(chosen.len(), 2);
        drop((chosen, helpers));
        assert_eq!(COUNT.0.load(Relaxed), 2, "dropped cores are given back");
        drop(first);
        assert_eq!(COUNT.take(4, 8, true).len(), 3);
        drop(second);
        assert!(COUNT.left_for(4, 1), "every core left is free");
    }

    #[test]
    fn an_exploration_with_the_default_threads_starts_no_helper_while_every_core_is_taken() {
        use std::collections::HashSet;
        use weft_core::{Lock, Thread};
        // 3 threads each taking a lock 3 times: 1,680 executions, enough to want helpers, and
        // long enough for a helper to run some even on a loaded machine.
        let ran_on: Arc<Mutex<HashSet<std::thread::ThreadId>>> = Arc::default();
        let sink = ran_on.clone();
        let model = move || {
            sink.lock().unwrap().insert(std::thread::current().id());
            let lock = Arc::new(Lock::<crate::Sim>::new());
            let threads: Vec<_> = (0..3)
                .map(|_| {
                    let lock = lock.clone();
                    Thread::<crate::Sim>::new(move || (0..3).for_each(|_| drop(lock.lock())))
                })
                .collect();
            threads.iter().for_each(|t| t.start().unwrap());
            threads.iter().for_each(|t| t.join().unwrap());
        };
        // (Other tests' explorations only take more cores.)
        let every_core = take_cores(super::super::available_parallelism(), false);
        let stats = crate::Explorer::exhaustive().check(model.clone());
        assert!(stats.exhausted && stats.executions >= 1680, "{stats}");
        assert_eq!(ran_on.lock().unwrap().len(), 1, "every execution ran on the exploring thread");
        drop(every_core);
        // A number of threads chosen is started whatever the others do.
        ran_on.lock().unwrap().clear();
        let _every_core = take_cores(super::super::available_parallelism(), false);
        crate::Explorer::exhaustive().threads(2).check(model);
        assert_eq!(ran_on.lock().unwrap().len(), 2, "the helper ran executions too");
    }

    #[test]
    fn at_most_a_few_threads_wait() {
        for index in 0..MOST_IDLE + 3 {
            spawn(&format!("weft-pool-many-{index}"), 1 << 20, true, || ()).unwrap().join().unwrap();
            let idle = IDLE.lock().unwrap_or_else(PoisonError::into_inner).len();
            assert!(idle <= MOST_IDLE, "{idle} threads wait");
        }
        // The last one waits, the first ones were told to end.
        let last = format!("weft-pool-many-{}", MOST_IDLE + 2);
        assert!(IDLE.lock().unwrap_or_else(PoisonError::into_inner).iter().any(|thread| thread.name == last));
    }
}
