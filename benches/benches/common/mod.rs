//! The workloads, written once and shared by the criterion benches (`benches/*.rs`, through
//! [`bench`]) and the report (`examples/report.rs`, its own short timing loop).
//!
//! A [`Group`] is one comparison: weft's primitive beside its closest peers. Each [`Case`] is a
//! closure that performs `n` operations and returns how long they took (criterion's
//! `iter_custom` contract), so multi-threaded cases time only the operations, not the spawning.
//!
//! Roles: [`Role::Weft`] is a `weft::` façade type (each gets a row against the best
//! [`Role::Peer`]); [`Role::Real`] is the same primitive as `weft_core::X<weft_real::Real>`
//! (the façade-vs-Real row); [`Role::Baseline`] is the hand-written lock of [`baseline`] (the
//! Real-vs-baseline row); [`Role::Extra`] is listed but not compared.

mod barrier_thread_local;
pub mod baseline;
mod condition;
mod event;
mod locks;
mod semaphore;
mod simulator;
mod std_sync;

use std::cell::{Cell, UnsafeCell};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use weft::generic::{ConditionLock, Scheduler};
use weft_real::Real;

use baseline::BaselineLock;

#[allow(unused_imports)] // each bench uses some of the workloads
pub use barrier_thread_local::*;
#[allow(unused_imports)] // each bench uses some of the workloads
pub use condition::*;
#[allow(unused_imports)] // each bench uses some of the workloads
pub use event::*;
#[allow(unused_imports)] // each bench uses some of the workloads
pub use locks::*;
#[allow(unused_imports)] // each bench uses some of the workloads
pub use semaphore::*;
#[allow(unused_imports)] // each bench uses some of the workloads
pub use simulator::*;
#[allow(unused_imports)] // each bench uses some of the workloads
pub use std_sync::*;

/// What a case stands for in the comparison.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// A `weft::` façade type: a row against the best peer.
    Weft,
    /// `weft_core::X<weft_real::Real>`: the façade-vs-Real row.
    Real,
    /// The hand-written baseline lock: the Real-vs-baseline row.
    Baseline,
    /// A peer from std or another crate.
    Peer,
    /// A variant worth listing, not compared.
    Extra,
}

/// Runs `n` operations and returns the time they took.
pub type Run = Box<dyn Fn(u64) -> Duration>;

/// One implementation of the group's operation.
pub struct Case {
    /// Its name (criterion's function id, the report's peer name).
    pub name: &'static str,
    /// What it stands for.
    pub role: Role,
    /// The workload.
    pub run: Run,
}

/// One comparison: the same operation on weft and on its peers.
pub struct Group {
    /// Criterion's group id, e.g. `lock/contended/4`.
    pub id: &'static str,
    /// The report's label for one operation, e.g. `Lock: 4 threads, short critical section`.
    pub operation: &'static str,
    /// Whether each run spawns threads (criterion then takes fewer samples).
    pub threaded: bool,
    /// The implementations.
    pub cases: Vec<Case>,
}

fn case(name: &'static str, role: Role, run: impl Fn(u64) -> Duration + 'static) -> Case {
    Case { name, role, run: Box::new(run) }
}

/// Runs a group under criterion: each case in the same group, so one run compares them.
pub fn bench(c: &mut criterion::Criterion, group: Group) {
    let mut g = c.benchmark_group(group.id);
    if group.threaded {
        g.sample_size(20);
    }
    for case in &group.cases {
        g.bench_function(case.name, |b| b.iter_custom(|iters| (case.run)(iters)));
    }
    g.finish();
}

/// `elapsed` for `done` operations, scaled to `wanted` (threads split `wanted` in equal shares).
fn scale(elapsed: Duration, wanted: u64, done: u64) -> Duration {
    if wanted == done { elapsed } else { elapsed.mul_f64(wanted as f64 / done as f64) }
}

/// Times `n` calls of `op` on the calling thread.
#[inline(always)]
fn time_loop(n: u64, mut op: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        op();
    }
    start.elapsed()
}

/// Runs `body(index)` on `threads` threads released together, and returns the time from the
/// first one starting its body to the last one finishing it. Each thread reads the clock itself:
/// on a machine with fewer cores than threads, a coordinator that reads it after the release may
/// be scheduled only once the work is over.
fn time_threads<F>(threads: usize, body: F) -> Duration
where
    F: Fn(usize) + Send + Sync + 'static,
{
    run_timed(threads, false, body)
}

/// Like [`time_threads`], with the calling thread as participant 0 (ping-pong and barriers).
fn time_with_main<F>(threads: usize, body: F) -> Duration
where
    F: Fn(usize) + Send + Sync + 'static,
{
    run_timed(threads, true, body)
}

fn run_timed<F>(threads: usize, main_takes_part: bool, body: F) -> Duration
where
    F: Fn(usize) + Send + Sync + 'static,
{
    let start = Arc::new(std::sync::Barrier::new(threads + usize::from(!main_takes_part)));
    let timed = Arc::new({
        let start = start.clone();
        move |index: usize| {
            start.wait();
            let began = Instant::now();
            body(index);
            (began, Instant::now())
        }
    });
    let first_spawned = usize::from(main_takes_part);
    let handles: Vec<_> = (first_spawned..threads)
        .map(|index| {
            let timed = timed.clone();
            std::thread::spawn(move || timed(index))
        })
        .collect();
    let mut spans = Vec::with_capacity(threads);
    if main_takes_part {
        spans.push(timed(0));
    } else {
        start.wait();
    }
    for handle in handles {
        spans.push(handle.join().expect("a benchmark thread panicked"));
    }
    let first = spans.iter().map(|s| s.0).min().expect("at least one thread");
    let last = spans.iter().map(|s| s.1).max().expect("at least one thread");
    last - first
}

/// Runs `step(i)` for `i` in `0..per_thread` on each of `threads` threads, and returns the time
/// and the number of steps done while they all ran. The threads start together from a spinning
/// barrier (so that each is on a core, not parked, when the clock starts), and the first thread
/// to finish its share stops the others. Without this, a contended case on a machine with few
/// cores is bimodal: in a lucky sample the OS runs the threads one after another and the lock is
/// never contended, and the best sample of each case measures that luck rather than the lock.
fn time_overlapped<F>(threads: usize, per_thread: u64, step: F) -> (Duration, u64)
where
    F: Fn(u64) + Send + Sync + 'static,
{
    use std::sync::atomic::AtomicBool;
    let arrived = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let step = Arc::new(step);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (arrived, stop, step) = (arrived.clone(), stop.clone(), step.clone());
            std::thread::spawn(move || {
                arrived.fetch_add(1, Relaxed);
                while arrived.load(Relaxed) < threads {
                    std::thread::yield_now();
                }
                let began = Instant::now();
                let mut done = 0;
                while done < per_thread && !stop.load(Relaxed) {
                    step(done);
                    done += 1;
                }
                stop.store(true, Relaxed);
                (began, Instant::now(), done)
            })
        })
        .collect();
    let spans: Vec<_> = handles.into_iter().map(|h| h.join().expect("a benchmark thread panicked")).collect();
    let first = spans.iter().map(|s| s.0).min().expect("at least one thread");
    let last = spans.iter().map(|s| s.1).max().expect("at least one thread");
    (last - first, spans.iter().map(|s| s.2).sum())
}

/// A short piece of work done while holding a permit.
#[inline(always)]
fn short_work() {
    for i in 0..8u32 {
        black_box(i);
    }
}
