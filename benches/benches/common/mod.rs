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

pub mod baseline;

use std::cell::{Cell, UnsafeCell};
use std::hint::black_box;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft::generic::{ConditionLock, Scheduler};
use weft_real::Real;

use baseline::BaselineLock;

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
    if wanted == done {
        elapsed
    } else {
        elapsed.mul_f64(wanted as f64 / done as f64)
    }
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

// ---------------------------------------------------------------------------------------------
// Lock

/// A lock guarding a critical section, whatever its API.
pub trait BenchLock: Send + Sync + 'static {
    /// A new, unlocked lock.
    fn create() -> Self;
    /// Runs `f` holding the lock.
    fn with<R>(&self, f: impl FnOnce() -> R) -> R;
}

impl<S: Scheduler> BenchLock for weft::generic::Lock<S> {
    fn create() -> Self {
        Self::new()
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        self.acquire();
        let result = f();
        self.release().unwrap();
        result
    }
}

impl BenchLock for BaselineLock {
    fn create() -> Self {
        Self::new()
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        self.lock();
        let result = f();
        assert!(self.unlock(), "released an unlocked lock");
        result
    }
}

impl BenchLock for parking_lot::Mutex<()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.lock();
        f()
    }
}

impl BenchLock for std::sync::Mutex<()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.lock().unwrap();
        f()
    }
}

fn uncontended<L: BenchLock>() -> impl Fn(u64) -> Duration {
    let lock = L::create();
    move |n| time_loop(n, || black_box(&lock).with(|| ()))
}

/// A lock and the counter it guards, side by side (as a `Mutex<u64>` would hold it).
struct Guarded<L> {
    lock: L,
    counter: UnsafeCell<u64>,
}

// SAFETY: `counter` is only touched while `lock` is held (or after every thread was joined).
unsafe impl<L: Sync> Sync for Guarded<L> {}

/// `threads` threads each take the lock `n / threads` times, increment the shared counter inside
/// (a short critical section) and do a short piece of work outside it, so that other threads can
/// take the lock between two sections of the same thread (without it, a barging lock is mostly
/// re-taken by the thread that just released it, and the benchmark measures the uncontended path).
fn contended<L: BenchLock>(threads: usize) -> impl Fn(u64) -> Duration {
    move |n| {
        let per_thread = n.div_ceil(threads as u64).max(1);
        let guarded = Arc::new(Guarded { lock: L::create(), counter: UnsafeCell::new(0) });
        let shared = guarded.clone();
        let elapsed = time_threads(threads, move |_| {
            for _ in 0..per_thread {
                // SAFETY: the counter is written only while the lock is held.
                shared.lock.with(|| unsafe { *shared.counter.get() += 1 });
                short_work();
            }
        });
        // SAFETY: every thread was joined.
        let total = unsafe { *guarded.counter.get() };
        assert_eq!(total, per_thread * threads as u64, "the lock lost an update");
        scale(elapsed, n, total)
    }
}

/// Lock: uncontended acquire+release.
pub fn lock_uncontended() -> Group {
    let guard_lock = weft::Lock::new();
    Group {
        id: "lock/uncontended",
        operation: "Lock: uncontended acquire+release",
        threaded: false,
        cases: vec![
            case("weft::Lock", Role::Weft, uncontended::<weft::Lock>()),
            case("weft::Lock guard", Role::Extra, move |n| time_loop(n, || drop(black_box(&guard_lock).lock()))),
            case("weft_core::Lock<Real>", Role::Real, uncontended::<weft_core::Lock<Real>>()),
            case("baseline (hand-written)", Role::Baseline, uncontended::<BaselineLock>()),
            case("parking_lot::Mutex", Role::Peer, uncontended::<parking_lot::Mutex<()>>()),
            case("std::sync::Mutex", Role::Peer, uncontended::<std::sync::Mutex<()>>()),
        ],
    }
}

/// Lock: `threads` threads, a short critical section.
pub fn lock_contended(threads: usize) -> Group {
    let (id, operation) = match threads {
        2 => ("lock/contended/2", "Lock: 2 threads, short critical section"),
        4 => ("lock/contended/4", "Lock: 4 threads, short critical section"),
        8 => ("lock/contended/8", "Lock: 8 threads, short critical section"),
        _ => panic!("lock_contended: 2, 4 or 8 threads"),
    };
    Group {
        id,
        operation,
        threaded: true,
        cases: vec![
            case("weft::Lock", Role::Weft, contended::<weft::Lock>(threads)),
            case("weft_core::Lock<Real>", Role::Real, contended::<weft_core::Lock<Real>>(threads)),
            case("baseline (hand-written)", Role::Baseline, contended::<BaselineLock>(threads)),
            case("parking_lot::Mutex", Role::Peer, contended::<parking_lot::Mutex<()>>(threads)),
            case("std::sync::Mutex", Role::Peer, contended::<std::sync::Mutex<()>>(threads)),
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// RLock

fn rlock_nested<S: Scheduler, const DEPTH: usize>() -> impl Fn(u64) -> Duration {
    let lock = weft_core::RLock::<S>::new();
    move |n| {
        // Each call gets the lock through `black_box`: nested acquires sit in different functions
        // in real code, and the compiler must not fold one level into the next.
        time_loop(n, || {
            for _ in 0..DEPTH {
                black_box(&lock).acquire();
            }
            for _ in 0..DEPTH {
                black_box(&lock).release().unwrap();
            }
        })
    }
}

fn reentrant_mutex_nested<const DEPTH: usize>() -> impl Fn(u64) -> Duration {
    let lock = parking_lot::ReentrantMutex::new(());
    move |n| {
        time_loop(n, || {
            let guards: [_; DEPTH] = std::array::from_fn(|_| black_box(&lock).lock());
            drop(guards);
        })
    }
}

/// RLock: reentrant acquire+release, `depth` levels deep (1 or 3).
pub fn rlock(depth: usize) -> Group {
    match depth {
        1 => Group {
            id: "rlock/depth/1",
            operation: "RLock: acquire+release, depth 1",
            threaded: false,
            cases: vec![
                case("weft::RLock", Role::Weft, rlock_nested::<weft::Auto, 1>()),
                case("weft_core::RLock<Real>", Role::Real, rlock_nested::<Real, 1>()),
                case("parking_lot::ReentrantMutex", Role::Peer, reentrant_mutex_nested::<1>()),
            ],
        },
        3 => Group {
            id: "rlock/depth/3",
            operation: "RLock: 3 nested acquires, 3 releases",
            threaded: false,
            cases: vec![
                case("weft::RLock", Role::Weft, rlock_nested::<weft::Auto, 3>()),
                case("weft_core::RLock<Real>", Role::Real, rlock_nested::<Real, 3>()),
                case("parking_lot::ReentrantMutex", Role::Peer, reentrant_mutex_nested::<3>()),
            ],
        },
        _ => panic!("rlock: depth 1 or 3"),
    }
}

// ---------------------------------------------------------------------------------------------
// Condition

/// One side of the ping-pong: holding the lock, wait for my turn, hand the turn over, notify.
/// `n` round trips: side 0 and side 1 each take `n` turns.
fn weft_condition_side<S: Scheduler, L: ConditionLock<S>>(
    cond: &weft_core::Condition<S, L>,
    turn: &AtomicUsize,
    me: usize,
    rounds: u64,
) {
    cond.acquire();
    for _ in 0..rounds {
        while turn.load(Relaxed) != me {
            cond.wait().unwrap();
        }
        turn.store(1 - me, Relaxed);
        cond.notify(1).unwrap();
    }
    cond.release().unwrap();
}

fn weft_condition_ping_pong<S, L>(make: fn() -> weft_core::Condition<S, L>) -> impl Fn(u64) -> Duration
where
    S: Scheduler,
    L: ConditionLock<S> + Send + Sync + 'static,
{
    move |n| {
        let shared = Arc::new((make(), AtomicUsize::new(0)));
        time_with_main(2, move |me| weft_condition_side(&shared.0, &shared.1, me, n))
    }
}

fn parking_lot_condvar_ping_pong(n: u64) -> Duration {
    let shared = Arc::new((parking_lot::Mutex::new(0usize), parking_lot::Condvar::new()));
    time_with_main(2, move |me| {
        let (mutex, condvar) = &*shared;
        let mut turn = mutex.lock();
        for _ in 0..n {
            while *turn != me {
                condvar.wait(&mut turn);
            }
            *turn = 1 - me;
            condvar.notify_one();
        }
    })
}

fn std_condvar_ping_pong(n: u64) -> Duration {
    let shared = Arc::new((std::sync::Mutex::new(0usize), std::sync::Condvar::new()));
    time_with_main(2, move |me| {
        let (mutex, condvar) = &*shared;
        let mut turn = mutex.lock().unwrap();
        for _ in 0..n {
            while *turn != me {
                turn = condvar.wait(turn).unwrap();
            }
            *turn = 1 - me;
            condvar.notify_one();
        }
    })
}

/// Condition: ping-pong hand-off between two threads (one round trip = two hand-offs).
pub fn condition_ping_pong() -> Group {
    Group {
        id: "condition/ping-pong",
        operation: "Condition: ping-pong round trip, 2 threads",
        threaded: true,
        cases: vec![
            case("weft::Condition", Role::Weft, weft_condition_ping_pong(weft::Condition::new)),
            case(
                "weft::Condition<weft::Lock>",
                Role::Weft,
                weft_condition_ping_pong(|| weft::Condition::<weft::Lock>::with_lock(weft::Lock::new())),
            ),
            case("weft_core::Condition<Real>", Role::Real, weft_condition_ping_pong(weft_core::Condition::<Real>::new)),
            case("parking_lot Mutex+Condvar", Role::Peer, parking_lot_condvar_ping_pong),
            case("std Mutex+Condvar", Role::Peer, std_condvar_ping_pong),
        ],
    }
}

fn weft_notify_no_waiters<S: Scheduler, L: ConditionLock<S> + 'static>(
    cond: weft_core::Condition<S, L>,
) -> impl Fn(u64) -> Duration {
    move |n| {
        // weft (like Python) requires the lock to notify: hold it around the loop.
        cond.acquire();
        let elapsed = time_loop(n, || black_box(&cond).notify(1).unwrap());
        cond.release().unwrap();
        elapsed
    }
}

/// Condition: `notify` with no waiters (std and parking_lot do not need the lock to notify).
pub fn condition_notify() -> Group {
    let parking_lot_condvar = parking_lot::Condvar::new();
    let std_condvar = std::sync::Condvar::new();
    Group {
        id: "condition/notify-no-waiters",
        operation: "Condition: notify with no waiters",
        threaded: false,
        cases: vec![
            case("weft::Condition", Role::Weft, weft_notify_no_waiters(weft::Condition::new())),
            case(
                "weft::Condition<weft::Lock>",
                Role::Weft,
                weft_notify_no_waiters(weft::Condition::<weft::Lock>::with_lock(weft::Lock::new())),
            ),
            case("weft_core::Condition<Real>", Role::Real, weft_notify_no_waiters(weft_core::Condition::<Real>::new())),
            case("parking_lot::Condvar", Role::Peer, move |n| {
                time_loop(n, || {
                    black_box(&parking_lot_condvar).notify_one();
                })
            }),
            case("std::sync::Condvar", Role::Peer, move |n| time_loop(n, || black_box(&std_condvar).notify_one())),
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// Semaphore

/// A counting semaphore, whatever its API.
pub trait BenchSemaphore: Send + Sync + 'static {
    /// A semaphore holding `permits`.
    fn create(permits: usize) -> Self;
    /// Runs `f` holding one permit.
    fn with<R>(&self, f: impl FnOnce() -> R) -> R;
}

impl<S: Scheduler> BenchSemaphore for weft_core::Semaphore<S> {
    fn create(permits: usize) -> Self {
        Self::new(permits)
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        self.acquire();
        let result = f();
        self.release().unwrap();
        result
    }
}

impl<S: Scheduler> BenchSemaphore for weft_core::BoundedSemaphore<S> {
    fn create(permits: usize) -> Self {
        Self::new(permits)
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        self.acquire();
        let result = f();
        self.release().unwrap();
        result
    }
}

/// The semaphore std users write: a count under a `Mutex`, a `Condvar` to wait for a permit.
pub struct StdSemaphore {
    count: std::sync::Mutex<usize>,
    available: std::sync::Condvar,
}

impl BenchSemaphore for StdSemaphore {
    fn create(permits: usize) -> Self {
        StdSemaphore { count: std::sync::Mutex::new(permits), available: std::sync::Condvar::new() }
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        {
            let mut count = self.count.lock().unwrap();
            while *count == 0 {
                count = self.available.wait(count).unwrap();
            }
            *count -= 1;
        }
        let result = f();
        *self.count.lock().unwrap() += 1;
        self.available.notify_one();
        result
    }
}

/// The same semaphore on parking_lot's `Mutex` and `Condvar`.
pub struct ParkingLotSemaphore {
    count: parking_lot::Mutex<usize>,
    available: parking_lot::Condvar,
}

impl BenchSemaphore for ParkingLotSemaphore {
    fn create(permits: usize) -> Self {
        ParkingLotSemaphore { count: parking_lot::Mutex::new(permits), available: parking_lot::Condvar::new() }
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        {
            let mut count = self.count.lock();
            while *count == 0 {
                self.available.wait(&mut count);
            }
            *count -= 1;
        }
        let result = f();
        *self.count.lock() += 1;
        self.available.notify_one();
        result
    }
}

// The crate peer. Blocking (non-async) semaphores on crates.io: `std-semaphore` 0.1.0 is the
// `Mutex`+`Condvar` semaphore removed from std in Rust 1.8, unchanged since 2016 (the same
// algorithm as `StdSemaphore`, unmaintained); `semaphore` 0.4 only offers `try_access`;
// tokio's is async-only. smol-rs's `async-lock` (3.5, maintained, MSRV 1.85 like weft) is the
// best maintained one with a real blocking API: `Semaphore::acquire_blocking` (a lock-free
// counter, waiters parked through `event-listener`), and it also has `Barrier::wait_blocking`.
impl BenchSemaphore for async_lock::Semaphore {
    fn create(permits: usize) -> Self {
        Self::new(permits)
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _permit = self.acquire_blocking();
        f()
    }
}

fn semaphore_uncontended<M: BenchSemaphore>() -> impl Fn(u64) -> Duration {
    let semaphore = M::create(1);
    move |n| time_loop(n, || black_box(&semaphore).with(|| ()))
}

/// A short piece of work done while holding a permit.
#[inline(always)]
fn short_work() {
    for i in 0..8u32 {
        black_box(i);
    }
}

fn semaphore_pool<M: BenchSemaphore>(permits: usize, threads: usize) -> impl Fn(u64) -> Duration {
    move |n| {
        let per_thread = n.div_ceil(threads as u64).max(1);
        let semaphore = Arc::new(M::create(permits));
        let elapsed = time_threads(threads, move |_| {
            for _ in 0..per_thread {
                semaphore.with(short_work);
            }
        });
        scale(elapsed, n, per_thread * threads as u64)
    }
}

/// Semaphore / BoundedSemaphore: uncontended acquire+release.
pub fn semaphore_uncontended_group() -> Group {
    Group {
        id: "semaphore/uncontended",
        operation: "Semaphore: uncontended acquire+release",
        threaded: false,
        cases: vec![
            case("weft::Semaphore", Role::Weft, semaphore_uncontended::<weft::Semaphore>()),
            case("weft::BoundedSemaphore", Role::Weft, semaphore_uncontended::<weft::BoundedSemaphore>()),
            case("weft_core::Semaphore<Real>", Role::Real, semaphore_uncontended::<weft_core::Semaphore<Real>>()),
            case("std Mutex+Condvar semaphore", Role::Peer, semaphore_uncontended::<StdSemaphore>()),
            case("parking_lot Mutex+Condvar semaphore", Role::Peer, semaphore_uncontended::<ParkingLotSemaphore>()),
            case("async_lock::Semaphore (blocking)", Role::Peer, semaphore_uncontended::<async_lock::Semaphore>()),
        ],
    }
}

/// Semaphore / BoundedSemaphore: a pool of 2 permits shared by 4 threads.
pub fn semaphore_pool_group() -> Group {
    Group {
        id: "semaphore/pool-2-of-4",
        operation: "Semaphore: 2 permits, 4 threads, short work",
        threaded: true,
        cases: vec![
            case("weft::Semaphore", Role::Weft, semaphore_pool::<weft::Semaphore>(2, 4)),
            case("weft::BoundedSemaphore", Role::Weft, semaphore_pool::<weft::BoundedSemaphore>(2, 4)),
            case("weft_core::Semaphore<Real>", Role::Real, semaphore_pool::<weft_core::Semaphore<Real>>(2, 4)),
            case("std Mutex+Condvar semaphore", Role::Peer, semaphore_pool::<StdSemaphore>(2, 4)),
            case("parking_lot Mutex+Condvar semaphore", Role::Peer, semaphore_pool::<ParkingLotSemaphore>(2, 4)),
            case("async_lock::Semaphore (blocking)", Role::Peer, semaphore_pool::<async_lock::Semaphore>(2, 4)),
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// Event

/// A settable flag threads wait for.
pub trait Flag: Send + Sync + 'static {
    /// A new flag, not set.
    fn create() -> Self;
    /// Sets it and wakes every waiter.
    fn set(&self);
    /// Blocks until it is set.
    fn wait(&self);
    /// Resets it.
    fn clear(&self);
}

impl<S: Scheduler> Flag for weft_core::Event<S> {
    fn create() -> Self {
        Self::new()
    }
    fn set(&self) {
        weft_core::Event::set(self)
    }
    fn wait(&self) {
        weft_core::Event::wait(self);
    }
    fn clear(&self) {
        weft_core::Event::clear(self)
    }
}

/// The flag std users write: a `bool` under a `Mutex`, a `Condvar` to wait for it.
pub struct StdFlag {
    set: std::sync::Mutex<bool>,
    changed: std::sync::Condvar,
}

impl Flag for StdFlag {
    fn create() -> Self {
        StdFlag { set: std::sync::Mutex::new(false), changed: std::sync::Condvar::new() }
    }
    fn set(&self) {
        *self.set.lock().unwrap() = true;
        self.changed.notify_all();
    }
    fn wait(&self) {
        let mut set = self.set.lock().unwrap();
        while !*set {
            set = self.changed.wait(set).unwrap();
        }
    }
    fn clear(&self) {
        *self.set.lock().unwrap() = false;
    }
}

/// The same flag on parking_lot's `Mutex` and `Condvar`.
pub struct ParkingLotFlag {
    set: parking_lot::Mutex<bool>,
    changed: parking_lot::Condvar,
}

impl Flag for ParkingLotFlag {
    fn create() -> Self {
        ParkingLotFlag { set: parking_lot::Mutex::new(false), changed: parking_lot::Condvar::new() }
    }
    fn set(&self) {
        *self.set.lock() = true;
        self.changed.notify_all();
    }
    fn wait(&self) {
        let mut set = self.set.lock();
        while !*set {
            self.changed.wait(&mut set);
        }
    }
    fn clear(&self) {
        *self.set.lock() = false;
    }
}

/// Two flags; side 0 sets `ping` and waits for `pong`, side 1 answers. `n` round trips.
fn flag_ping_pong<F: Flag>(n: u64) -> Duration {
    let flags = Arc::new((F::create(), F::create()));
    time_with_main(2, move |me| {
        let (ping, pong) = (&flags.0, &flags.1);
        for _ in 0..n {
            if me == 0 {
                ping.set();
                pong.wait();
                pong.clear();
            } else {
                ping.wait();
                ping.clear();
                pong.set();
            }
        }
    })
}

/// Event: set/wait ping-pong between two threads.
pub fn event_ping_pong() -> Group {
    Group {
        id: "event/ping-pong",
        operation: "Event: set/wait ping-pong round trip, 2 threads",
        threaded: true,
        cases: vec![
            case("weft::Event", Role::Weft, flag_ping_pong::<weft::Event>),
            case("weft_core::Event<Real>", Role::Real, flag_ping_pong::<weft_core::Event<Real>>),
            case("std Mutex+Condvar flag", Role::Peer, flag_ping_pong::<StdFlag>),
            case("parking_lot Mutex+Condvar flag", Role::Peer, flag_ping_pong::<ParkingLotFlag>),
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// Barrier

fn barrier_rounds<B: Send + Sync + 'static>(
    threads: usize,
    make: fn(usize) -> B,
    wait: fn(&B),
) -> impl Fn(u64) -> Duration {
    move |n| {
        let barrier = Arc::new(make(threads));
        time_with_main(threads, move |_| {
            for _ in 0..n {
                wait(&barrier);
            }
        })
    }
}

/// Barrier: rounds of `threads` (2 or 4) threads.
pub fn barrier(threads: usize) -> Group {
    let (id, operation) = match threads {
        2 => ("barrier/2", "Barrier: one round, 2 threads"),
        4 => ("barrier/4", "Barrier: one round, 4 threads"),
        _ => panic!("barrier: 2 or 4 threads"),
    };
    Group {
        id,
        operation,
        threaded: true,
        cases: vec![
            case(
                "weft::Barrier",
                Role::Weft,
                barrier_rounds(
                    threads,
                    |parties| weft::Barrier::new(parties).unwrap(),
                    |b| {
                        b.wait().unwrap();
                    },
                ),
            ),
            case(
                "weft_core::Barrier<Real>",
                Role::Real,
                barrier_rounds(
                    threads,
                    |parties| weft_core::Barrier::<Real>::new(parties).unwrap(),
                    |b| {
                        b.wait().unwrap();
                    },
                ),
            ),
            case(
                "std::sync::Barrier",
                Role::Peer,
                barrier_rounds(threads, std::sync::Barrier::new, |b| {
                    b.wait();
                }),
            ),
            case(
                "async_lock::Barrier (blocking)",
                Role::Peer,
                barrier_rounds(threads, async_lock::Barrier::new, |b| {
                    b.wait_blocking();
                }),
            ),
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// Thread and Local

fn weft_start_join<S: Scheduler>(n: u64) -> Duration {
    time_loop(n, || {
        let thread = weft_core::Thread::<S>::new(|| {});
        thread.start().unwrap();
        thread.join().unwrap();
    })
}

/// Thread: start + join of a thread with an empty target.
pub fn thread_start_join() -> Group {
    Group {
        id: "thread/start-join",
        operation: "Thread: start + join (empty target)",
        threaded: true,
        cases: vec![
            case("weft::Thread", Role::Weft, weft_start_join::<weft::Auto>),
            case("weft_core::Thread<Real>", Role::Real, weft_start_join::<Real>),
            case("std::thread::spawn", Role::Peer, |n| time_loop(n, || std::thread::spawn(|| {}).join().unwrap())),
            case("std::thread::Builder + name", Role::Extra, |n| {
                time_loop(n, || {
                    std::thread::Builder::new().name("Thread-1".to_owned()).spawn(|| {}).unwrap().join().unwrap()
                })
            }),
        ],
    }
}

thread_local! {
    static STATIC_LOCAL: Cell<u64> = const { Cell::new(0) };
}

weft::thread_local! {
    static WEFT_STATIC_LOCAL: Cell<u64> = const { Cell::new(0) };
}

weft_core::thread_local! {
    static CORE_STATIC_LOCAL: Cell<u64> = const { Cell::new(0) };
}

// One read-modify-write of the calling thread's value per call, out of line. In a loop of
// inlined accesses the compiler keeps a `const`-initialised `thread_local!` value in a register
// (the loop then times no access at all, only the increment), which it cannot do for an access
// that may take another path (weft's checks whether the thread is simulated); the out-of-line
// call makes every case load and store the value once per operation. The inlined loops are
// listed too, as extras.

#[inline(never)]
fn weft_static_access() {
    WEFT_STATIC_LOCAL.with(|c| c.set(c.get() + 1));
}

#[inline(never)]
fn core_static_access() {
    CORE_STATIC_LOCAL.with::<Real, _>(|c| c.set(c.get() + 1));
}

#[inline(never)]
fn std_static_access() {
    STATIC_LOCAL.with(|c| c.set(c.get() + 1));
}

/// Static locals: read-modify-write of the calling thread's value of a `static` declared with
/// `thread_local!` syntax, one out-of-line access per operation.
pub fn local_static() -> Group {
    Group {
        id: "local/static",
        operation: "Local, declared static: access the calling thread's value",
        threaded: false,
        cases: vec![
            case("weft::thread_local!", Role::Weft, |n| time_loop(n, weft_static_access)),
            case("weft_core::thread_local! on Real", Role::Real, |n| time_loop(n, core_static_access)),
            case("thread_local!", Role::Peer, |n| time_loop(n, std_static_access)),
            case("weft::thread_local!, inlined in the loop", Role::Extra, |n| {
                time_loop(n, || WEFT_STATIC_LOCAL.with(|c| c.set(black_box(c.get()) + 1)))
            }),
            case("thread_local!, inlined in the loop (value kept in a register)", Role::Extra, |n| {
                time_loop(n, || STATIC_LOCAL.with(|c| c.set(black_box(c.get()) + 1)))
            }),
        ],
    }
}

fn weft_local<S: Scheduler>() -> impl Fn(u64) -> Duration {
    let local = weft_core::Local::<S, Cell<u64>>::new(|| Cell::new(0));
    move |n| time_loop(n, || black_box(&local).with(|c| c.set(c.get() + 1)))
}

/// Local objects: read-modify-write of the calling thread's value (created before timing) of a
/// local made at run time (Python's `threading.local()`), beside the per-object peer; std's
/// `thread_local!`, which is declared at compile time, is listed for reference (the static form,
/// `weft::thread_local!`, is compared with it in [`local_static`]).
pub fn local_access() -> Group {
    let per_object = thread_local::ThreadLocal::<Cell<u64>>::new();
    Group {
        id: "local/access",
        operation: "Local object: access the calling thread's value",
        threaded: false,
        cases: vec![
            case("weft::Local", Role::Weft, weft_local::<weft::Auto>()),
            case("weft_core::Local<Real>", Role::Real, weft_local::<Real>()),
            case("thread_local! (declared static)", Role::Extra, |n| {
                time_loop(n, || STATIC_LOCAL.with(|c| c.set(black_box(c.get()) + 1)))
            }),
            case("thread_local::ThreadLocal", Role::Peer, move |n| {
                time_loop(n, || {
                    let c = black_box(&per_object).get_or(|| Cell::new(0));
                    c.set(c.get() + 1)
                })
            }),
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// Simulator speed (issue 3)

/// Threads and increments of the `lock_counter` model.
pub const SIM_THREADS: usize = 3;
/// Locked increments per thread.
pub const SIM_INCREMENTS: usize = 10;

/// `lock_counter` on weft's simulator: 3 threads × 10 increments of a counter under a `Lock`.
pub fn weft_lock_counter() {
    use weft::sim::Sim;
    let lock = Arc::new(weft_core::Lock::<Sim>::new());
    let counter = Arc::new(AtomicUsize::new(0));
    let threads: Vec<weft_core::Thread<Sim>> = (0..SIM_THREADS)
        .map(|_| {
            let (lock, counter) = (lock.clone(), counter.clone());
            weft_core::Thread::new(move || {
                for _ in 0..SIM_INCREMENTS {
                    let _held = lock.lock();
                    counter.store(counter.load(Relaxed) + 1, Relaxed);
                }
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
    assert_eq!(counter.load(Relaxed), SIM_THREADS * SIM_INCREMENTS);
}

/// The identical model on shuttle.
pub fn shuttle_lock_counter() {
    let counter = Arc::new(shuttle::sync::Mutex::new(0usize));
    let threads: Vec<_> = (0..SIM_THREADS)
        .map(|_| {
            let counter = counter.clone();
            shuttle::thread::spawn(move || {
                for _ in 0..SIM_INCREMENTS {
                    *counter.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(*counter.lock().unwrap(), SIM_THREADS * SIM_INCREMENTS);
}

/// The seed of weft's random walk (any fixed seed).
pub const SIM_SEED: u64 = 42;

/// `n` executions of `lock_counter` on weft's simulator (random walk).
pub fn weft_sim_executions(n: u64) -> Duration {
    let began = Instant::now();
    let stats = weft::sim::Explorer::random_walk(SIM_SEED).iterations(n as usize).run(weft_lock_counter).unwrap();
    // WEFT_ITERATIONS would override the count: scale to what actually ran.
    scale(began.elapsed(), n, stats.executions.max(1) as u64)
}

/// `n` executions of `lock_counter` on shuttle's `check_random`.
pub fn shuttle_executions(n: u64) -> Duration {
    let began = Instant::now();
    shuttle::check_random(shuttle_lock_counter, n as usize);
    began.elapsed()
}

/// The identical model on loom.
pub fn loom_lock_counter() {
    let counter = loom::sync::Arc::new(loom::sync::Mutex::new(0usize));
    let threads: Vec<_> = (0..SIM_THREADS)
        .map(|_| {
            let counter = counter.clone();
            loom::thread::spawn(move || {
                for _ in 0..SIM_INCREMENTS {
                    *counter.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(*counter.lock().unwrap(), SIM_THREADS * SIM_INCREMENTS);
}

/// The first `n` executions of loom's exhaustive (DPOR) exploration of `lock_counter`: loom has no
/// random walk, so this is the closest to "n executions" it offers.
pub fn loom_executions(n: u64) -> Duration {
    let mut builder = loom::model::Builder::new();
    builder.max_permutations = Some(n as usize);
    // loom checks `max_permutations` only every `checkpoint_interval` executions (20,000 by
    // default); with no checkpoint file, an interval of 1 only makes it stop at `n`.
    builder.checkpoint_interval = 1;
    let began = Instant::now();
    builder.check(loom_lock_counter);
    began.elapsed()
}

/// Simulator speed: one execution of `lock_counter` (3 threads × 10 locked increments).
pub fn sim_lock_counter() -> Group {
    Group {
        id: "sim/lock_counter",
        operation: "Simulator: one random-walk execution of lock_counter (3 threads × 10 locked increments)",
        threaded: false,
        cases: vec![
            case("weft_sim random_walk", Role::Weft, weft_sim_executions),
            case("shuttle 0.9.10 check_random", Role::Peer, shuttle_executions),
            case("loom 0.7 model (first n executions)", Role::Peer, loom_executions),
        ],
    }
}

/// Every group, in the report's order.
pub fn all_groups() -> Vec<Group> {
    vec![
        lock_uncontended(),
        lock_contended(2),
        lock_contended(4),
        lock_contended(8),
        rlock(1),
        rlock(3),
        condition_ping_pong(),
        condition_notify(),
        semaphore_uncontended_group(),
        semaphore_pool_group(),
        event_ping_pong(),
        barrier(2),
        barrier(4),
        thread_start_join(),
        local_static(),
        local_access(),
        sim_lock_counter(),
    ]
}
