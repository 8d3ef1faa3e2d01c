//! std's `Once`, on weft's `Mutex` and `Condvar` (so every step is an operation a simulator
//! sees), and std's `Barrier`, on weft's Python `Barrier`.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::Ordering::{Acquire, Release};

use crate::backend::Scheduler;
use crate::backend::atomic::Atomic;
use crate::sync::barrier::Barrier;
use crate::sync::condvar::Condvar;
use crate::sync::mutex::{Mutex, MutexGuard};

/// Takes `mutex`, whose holders run no user code, so that it is never poisoned.
fn lock<S: Scheduler, T>(mutex: &Mutex<S, T>) -> MutexGuard<'_, S, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Progress {
    Incomplete,
    Running,
    Complete,
    Poisoned,
}

/// std's `Once`: runs one initialisation once; other callers wait until it is done. A
/// panicking initialisation poisons it: later `call_once`s panic, `call_once_force` runs again.
///
/// ```
/// # use weft_core::{Once, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let once = Once::<S>::new();
/// let mut runs = 0;
/// once.call_once(|| runs += 1);
/// once.call_once(|| runs += 1);
/// assert_eq!(runs, 1);
/// assert!(once.is_completed());
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Once<S: Scheduler> {
    progress: Mutex<S, Progress>,
    done: Condvar<S>,
    /// Set (under `progress`) once an initialisation completed, for good: a call that finds it
    /// set only reads it, so such calls need no lock and commute with each other.
    completed: S::Atomic<u8>,
}

/// What [`Once::call_once_force`] tells its closure (std's `OnceState`, which std gives no way
/// to make).
///
/// ```
/// # use weft_core::{Once, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let once = Once::<S>::new();
/// once.call_once_force(|state| assert!(!state.is_poisoned()));
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[derive(Debug, Clone, Copy)]
pub struct OnceState {
    poisoned: bool,
}

impl OnceState {
    /// The state a closure of a `Once` built on another one (the façade's, over std's) passes
    /// on.
    #[doc(hidden)]
    pub fn with_poison(poisoned: bool) -> Self {
        OnceState { poisoned }
    }

    /// Whether an earlier initialisation panicked.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }
}

impl<S: Scheduler> Once<S> {
    /// A `Once` that has not run.
    pub fn new() -> Self {
        Once { progress: Mutex::new(Progress::Incomplete), done: Condvar::new(), completed: S::Atomic::new(0) }
    }

    /// Runs `f` if no initialisation has completed, waiting while another runs.
    ///
    /// # Panics
    /// If an earlier initialisation panicked (the `Once` is poisoned); with `f`'s panic.
    pub fn call_once(&self, f: impl FnOnce()) {
        self.run(false, |_| f());
    }

    /// As [`Once::call_once`], but runs `f` even if an earlier initialisation panicked.
    ///
    /// # Panics
    /// With `f`'s panic.
    pub fn call_once_force(&self, f: impl FnOnce(&OnceState)) {
        self.run(true, f);
    }

    fn run(&self, force: bool, f: impl FnOnce(&OnceState)) {
        if self.read_completed("call_once") {
            return;
        }
        let mut progress = lock(&self.progress);
        loop {
            match *progress {
                Progress::Complete => return,
                Progress::Running => {
                    progress = self.done.wait(progress).unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                Progress::Poisoned if !force => {
                    drop(progress);
                    panic!("Once instance has previously been poisoned");
                }
                Progress::Incomplete | Progress::Poisoned => break,
            }
        }
        let state = OnceState { poisoned: *progress == Progress::Poisoned };
        *progress = Progress::Running;
        drop(progress);
        let outcome = catch_unwind(AssertUnwindSafe(|| f(&state)));
        {
            let mut progress = lock(&self.progress);
            *progress = if outcome.is_ok() { Progress::Complete } else { Progress::Poisoned };
            if outcome.is_ok() {
                // (The façade's atomics are not seen by a simulator: the step declares the write.)
                S::touch(self.completed_key());
                self.completed.store(1, Release);
            }
        }
        self.done.notify_all();
        if let Err(payload) = outcome {
            resume_unwind(payload);
        }
    }

    /// Whether an initialisation has completed.
    pub fn is_completed(&self) -> bool {
        self.read_completed("is_completed")
    }

    /// Whether an initialisation completed: an operation (`name`) that only reads the flag.
    fn read_completed(&self, name: &'static str) -> bool {
        S::read_operation_on(&self.completed, "Once", name);
        self.completed.load(Acquire) != 0
    }

    /// The address that stands for the completed flag in a simulator's footprints.
    fn completed_key(&self) -> usize {
        &self.completed as *const S::Atomic<u8> as usize
    }
}

impl<S: Scheduler> Default for Once<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Scheduler> fmt::Debug for Once<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Once").finish_non_exhaustive()
    }
}

/// std's `Barrier`: `n` threads wait until all `n` have arrived; one of each group is the
/// leader. (weft's [`crate::Barrier`] is Python's, with timeouts, abort and reset.)
///
/// ```
/// # use std::sync::Arc;
/// # use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
/// # use weft_core::{Scheduler, StdBarrier, Thread};
/// # fn demo<S: Scheduler>() {
/// let barrier = Arc::new(StdBarrier::<S>::new(2));
/// let leaders = Arc::new(AtomicUsize::new(0));
/// let (b, l) = (barrier.clone(), leaders.clone());
/// let t = Thread::<S>::new(move || {
///     l.fetch_add(usize::from(b.wait().is_leader()), SeqCst);
/// });
/// t.start().unwrap();
/// leaders.fetch_add(usize::from(barrier.wait().is_leader()), SeqCst);
/// t.join().unwrap();
/// assert_eq!(leaders.load(SeqCst), 1); // one leader per group
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct StdBarrier<S: Scheduler> {
    /// Python's barrier, with no action and no timeout, which nothing aborts or resets: it never
    /// breaks, and each group's last arrival has the index `parties - 1`. (Its waiters leave
    /// reading only the outcome the last arrival hands them, so that a simulator orders no exit
    /// after another: the mutex and condition variable std's own barrier is made of would order
    /// every waiter's exit, as each takes the mutex back.)
    inner: Barrier<S>,
}

/// What [`StdBarrier::wait`] returns: whether this thread is the group's leader.
///
/// ```
/// # use weft_core::{Scheduler, StdBarrier};
/// # fn demo<S: Scheduler>() {
/// let barrier = StdBarrier::<S>::new(1);
/// assert!(barrier.wait().is_leader()); // alone, so the leader
/// # }
/// # demo::<weft_real::Real>();
/// ```
#[derive(Debug)]
pub struct BarrierWaitResult(bool);

impl BarrierWaitResult {
    /// Whether this thread is the leader: exactly one thread of each group is.
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl<S: Scheduler> StdBarrier<S> {
    /// A barrier for groups of `n` threads (`n` of 0 behaves as 1, as std's).
    pub fn new(n: usize) -> Self {
        StdBarrier { inner: Barrier::new(n.max(1)).expect("a barrier of at least one party") }
    }

    /// Waits until `n` threads have called `wait`; the last to arrive is the leader.
    pub fn wait(&self) -> BarrierWaitResult {
        match self.inner.wait() {
            Ok(index) => BarrierWaitResult(index + 1 == self.inner.parties()),
            // (Only where a simulator ends a wait at the end of its execution, where the thread
            // does not run on: the barrier has no timeout, no action, and nobody aborts it.)
            Err(_) => BarrierWaitResult(false),
        }
    }
}

impl<S: Scheduler> fmt::Debug for StdBarrier<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier").finish_non_exhaustive()
    }
}
