//! Exhaustive search against its lower bound (issue 12): how many executions weft's exhaustive
//! search needs on the lock_counter grid, beside the number of Mazurkiewicz traces (the lock
//! orders, (n·k)!/(k!)^n) and shuttle 0.9.10's plain DFS, and how many executions per second each
//! runs.
//!
//! ```text
//! cargo run -p weft-benches --release --example exhaustive_search
//! cargo run -p weft-benches --release --example exhaustive_search -- --no-write
//! cargo run -p weft-benches --release --example exhaustive_search -- --speed 3 2
//! valgrind --tool=callgrind target/release/examples/exhaustive_search --runs weft 3 2 15
//! ```
//!
//! `lock_counter(n, k)`: n threads each take one lock k times and increment a counter under it;
//! main joins them and checks the count. Every execution is a lock order; two executions with the
//! same lock order are equivalent. Writes its section of `benches/RESULTS.md` unless
//! `--no-write`. `--speed n k` measures only the speeds of `lock_counter(n, k)`, round by round,
//! and writes nothing. `--runs weft|weft-plain|shuttle n k r` runs r searches of `lock_counter(n, k)` on one
//! thread (weft's without reduction and shuttle's capped at 10000 executions) and prints their executions: a fixed amount of
//! work, for an instruction count.

#![allow(missing_docs)] // an example: its items are not an API

#[path = "shared/counted.rs"]
mod counted;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use counted::Counted;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The model on weft's std-shaped façade.
fn weft_lock_counter(threads: usize, increments: usize) {
    use weft::sync::Mutex;
    let counter = Arc::new(Mutex::new(0usize));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let counter = counter.clone();
            weft::thread::spawn(move || {
                for _ in 0..increments {
                    *counter.lock().expect("not poisoned") += 1;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker ends");
    }
    assert_eq!(*counter.lock().expect("not poisoned"), threads * increments);
}

/// The same model on shuttle.
fn shuttle_lock_counter(threads: usize, increments: usize) {
    use shuttle::sync::Mutex;
    let counter = Arc::new(Mutex::new(0usize));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let counter = counter.clone();
            shuttle::thread::spawn(move || {
                for _ in 0..increments {
                    *counter.lock().expect("not poisoned") += 1;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker ends");
    }
    assert_eq!(*counter.lock().expect("not poisoned"), threads * increments);
}

/// (n·k)! / (k!)^n: the interleavings of n sequences of k lock acquisitions.
fn lock_orders(threads: usize, increments: usize) -> u128 {
    let factorial = |m: usize| (1..=m as u128).product::<u128>();
    factorial(threads * increments) / factorial(increments).pow(threads as u32)
}

/// Executions of weft's exhaustive search on `os_threads` threads, and whether it finished
/// within `limit`.
fn weft_search(threads: usize, increments: usize, limit: Duration, os_threads: usize) -> (usize, bool) {
    let stats = weft::sim::Explorer::exhaustive()
        .threads(os_threads)
        .time_limit(limit)
        .run(move || weft_lock_counter(threads, increments))
        .expect("the model is correct");
    (stats.executions, stats.exhausted)
}

/// Executions per second of `run` (a whole search, which returns its executions), run again until
/// [`TIMED_AT_LEAST`] passed: one run of a few milliseconds is mostly noise.
fn speed_of(mut run: impl FnMut() -> usize) -> f64 {
    let began = Instant::now();
    let mut total = 0;
    loop {
        total += run();
        if began.elapsed() >= TIMED_AT_LEAST {
            return per_second(total, began.elapsed());
        }
    }
}

/// When a lock_counter search of the grid is stopped (its speeds are measured only if it
/// finished by then).
const SEARCH_LIMIT: Duration = Duration::from_secs(60);

/// The least time over which each speed of a round is measured.
const TIMED_AT_LEAST: Duration = Duration::from_millis(60);

/// Rounds of speed measurements on each grid model: in each, weft on one thread, weft on every
/// core and shuttle's DFS run one after the other, so that the three see the machine in the same
/// state; the table gives the medians over the rounds (this machine's speed drifts by tens of
/// percent within minutes, as its neighbours' load does).
const SPEED_ROUNDS: usize = 5;

/// shuttle's DFS is stopped after this many executions when its speed is measured (a tenth of a
/// second or so on the grid's models; it does not reduce, so it finishes only the smallest).
const SPEED_CAP: usize = 10_000;

/// The median of `values` (not empty).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 { values[middle] } else { (values[middle - 1] + values[middle]) / 2.0 }
}

/// Executions of shuttle's DFS, stopped after `cap` executions.
fn shuttle_search(threads: usize, increments: usize, cap: usize) -> usize {
    let executions = Arc::new(AtomicUsize::new(0));
    let scheduler =
        Counted { inner: shuttle::scheduler::DfsScheduler::new(Some(cap), false), executions: executions.clone() };
    let runner = shuttle::Runner::new(scheduler, shuttle::Config::new());
    runner.run(move || shuttle_lock_counter(threads, increments));
    executions.load(Ordering::Relaxed)
}

fn per_second(executions: usize, time: Duration) -> f64 {
    executions as f64 / time.as_secs_f64().max(1e-9)
}

/// Dining philosophers who take the lower-numbered fork first (no deadlock).
fn ordered_philosophers(n: usize) {
    use weft::sync::Mutex;
    let forks: Arc<Vec<Mutex<()>>> = Arc::new((0..n).map(|_| Mutex::new(())).collect());
    let diners: Vec<_> = (0..n)
        .map(|i| {
            let forks = forks.clone();
            weft::thread::spawn(move || {
                let (first, second) = (i.min((i + 1) % n), i.max((i + 1) % n));
                let _first = forks[first].lock().expect("not poisoned");
                let _second = forks[second].lock().expect("not poisoned");
            })
        })
        .collect();
    for diner in diners {
        diner.join().expect("a diner ends");
    }
}

/// SCTBench `reorder_n` without its assertion: n - 1 threads set a then b, one reads both.
fn reorder(n: usize) {
    use weft::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let ab = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
    let mut threads: Vec<_> = (0..n - 1)
        .map(|_| {
            let ab = ab.clone();
            weft::thread::spawn(move || {
                ab.0.store(1, SeqCst);
                ab.1.store(1, SeqCst);
            })
        })
        .collect();
    threads.push(weft::thread::spawn(move || {
        std::hint::black_box((ab.0.load(SeqCst), ab.1.load(SeqCst)));
    }));
    for thread in threads {
        thread.join().expect("a thread ends");
    }
}

/// `workers` threads share a `weft::Semaphore` of 2 permits as a pool: each acquires it, adds one
/// to a counter under a mutex, and releases it (the releases commute with each other).
fn semaphore_pool(workers: usize) {
    let pool = Arc::new((weft::Semaphore::new(2), weft::sync::Mutex::new(0usize)));
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let pool = pool.clone();
            weft::thread::spawn(move || {
                pool.0.acquire();
                *pool.1.lock().expect("not poisoned") += 1;
                pool.0.release().expect("below the most");
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a worker ends");
    }
}

/// `parties` threads pass a barrier (Python's `weft::Barrier`, or std's `weft::sync::Barrier`
/// with `std`) twice: its traces are the arrival orders of each round, (parties!)².
fn barrier_twice(parties: usize, std: bool) {
    let python = Arc::new(weft::Barrier::new(parties).expect("at least one party"));
    let std_barrier = Arc::new(weft::sync::Barrier::new(parties));
    let threads: Vec<_> = (0..parties)
        .map(|_| {
            let (python, std_barrier) = (python.clone(), std_barrier.clone());
            weft::thread::spawn(move || {
                for _ in 0..2 {
                    if std {
                        std::hint::black_box(std_barrier.wait().is_leader());
                    } else {
                        std::hint::black_box(python.wait().expect("not broken"));
                    }
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("a party ends");
    }
}

/// `releasers` threads each release a `weft::Semaphore` of value 0 once while another takes it
/// once (waiting for a release if it comes first).
fn semaphore_releasers(releasers: usize) {
    let semaphore = Arc::new(weft::Semaphore::new(0));
    let mut threads: Vec<_> = (0..releasers)
        .map(|_| {
            let semaphore = semaphore.clone();
            weft::thread::spawn(move || semaphore.release().expect("below the most"))
        })
        .collect();
    threads.push(weft::thread::spawn(move || {
        semaphore.acquire();
    }));
    for thread in threads {
        thread.join().expect("a thread ends");
    }
}

/// `senders` threads each send `items` items on a channel (`bound`: a `sync_channel` of that
/// bound, `None`: an unbounded `channel`) and drop their sender; the receiver takes items until
/// every sender is gone. The main thread clones each thread's sender just before it spawns it,
/// and drops its own once all are spawned, while they send.
fn channel_senders(bound: Option<usize>, senders: usize, items: usize) {
    use weft::sync::mpsc;
    let (threads, receiver) = match bound {
        None => {
            let (sender, receiver) = mpsc::channel();
            (spawn_senders(sender, |sender, item| sender.send(item).expect("received"), senders, items), receiver)
        }
        Some(bound) => {
            let (sender, receiver) = mpsc::sync_channel(bound);
            (spawn_senders(sender, |sender, item| sender.send(item).expect("received"), senders, items), receiver)
        }
    };
    assert_eq!(receiver.iter().count(), senders * items);
    for thread in threads {
        thread.join().expect("a sender ends");
    }
}

/// Spawns `senders` threads, each sending `items` items with `send` on a clone of `sender` made
/// just before it is spawned; `sender` itself is dropped once they all are.
fn spawn_senders<S: Clone + Send + 'static>(
    sender: S,
    send: fn(&S, usize),
    senders: usize,
    items: usize,
) -> Vec<weft::thread::JoinHandle<()>> {
    (0..senders)
        .map(|index| {
            let sender = sender.clone();
            weft::thread::spawn(move || (0..items).for_each(|item| send(&sender, index * 10 + item)))
        })
        .collect()
}

/// SCTBench `twostage` without its assertion (see `bug_finding/models.rs`).
fn twostage(writers: usize, readers: usize) {
    use weft::sync::Mutex;
    use weft::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let shared = Arc::new((Mutex::new(()), Mutex::new(()), AtomicUsize::new(0), AtomicUsize::new(0)));
    let mut threads = Vec::new();
    for _ in 0..writers {
        let shared = shared.clone();
        threads.push(weft::thread::spawn(move || {
            let (m1, m2, data1, data2) = &*shared;
            {
                let _held = m1.lock().expect("not poisoned");
                data1.store(1, SeqCst);
            }
            let _held = m2.lock().expect("not poisoned");
            data2.store(data1.load(SeqCst) + 1, SeqCst);
        }));
    }
    for _ in 0..readers {
        let shared = shared.clone();
        threads.push(weft::thread::spawn(move || {
            let (m1, m2, data1, data2) = &*shared;
            let seen = {
                let _held = m1.lock().expect("not poisoned");
                data1.load(SeqCst)
            };
            if seen != 0 {
                let _held = m2.lock().expect("not poisoned");
                std::hint::black_box(data2.load(SeqCst));
            }
        }));
    }
    for thread in threads {
        thread.join().expect("a thread ends");
    }
}

/// The orders of a mutex's holders that the executions of a search reached (see
/// [`HolderLog`]), cleared before each search.
static MUTEX_ORDERS: std::sync::Mutex<BTreeSet<String>> = std::sync::Mutex::new(BTreeSet::new());

/// One execution's order of a mutex's holders: each thread's name is noted when it takes the
/// mutex (also when a `wait` takes it back). It sits outside the simulator's sight (a std
/// mutex), so only the order of the holders orders it; the order goes into [`MUTEX_ORDERS`]
/// when the execution ends.
#[derive(Clone, Default)]
struct HolderLog(Arc<std::sync::Mutex<String>>);

impl HolderLog {
    fn note(&self, name: char) {
        self.0.lock().expect("not poisoned").push(name);
    }

    fn keep(&self) {
        MUTEX_ORDERS.lock().expect("not poisoned").insert(self.0.lock().expect("not poisoned").clone());
    }
}

/// Takes `mutex`, then waits on `condvar` while `blocked` holds for its data; notes `name` in
/// `log` each time the thread holds the mutex (the wait's returns too).
fn hold_when<'a, T>(
    (mutex, condvar): (&'a weft::sync::Mutex<T>, &weft::sync::Condvar),
    log: &HolderLog,
    name: char,
    blocked: impl Fn(&T) -> bool,
) -> weft::sync::MutexGuard<'a, T> {
    let mut guard = mutex.lock().expect("not poisoned");
    log.note(name);
    while blocked(&guard) {
        guard = condvar.wait(guard).expect("not poisoned");
        log.note(name);
    }
    guard
}

/// Cargill's bounded buffer, fixed (`notify_all`): 2 consumers take `k` items each, 1 producer
/// puts `2k`, through one slot, on one `Condvar`.
fn cargill(k: usize) {
    use weft::sync::{Condvar, Mutex};
    let buffer = Arc::new((Mutex::new(0usize), Condvar::new()));
    let log = HolderLog::default();
    let mut threads = Vec::new();
    for name in ['a', 'b'] {
        let (buffer, log) = (buffer.clone(), log.clone());
        threads.push(weft::thread::spawn(move || {
            let (count, changed) = &*buffer;
            for _ in 0..k {
                let mut count = hold_when((count, changed), &log, name, |count| *count == 0);
                *count -= 1;
                changed.notify_all();
            }
        }));
    }
    let producer_log = log.clone();
    threads.push(weft::thread::spawn(move || {
        let (count, changed) = &*buffer;
        for _ in 0..2 * k {
            let mut count = hold_when((count, changed), &producer_log, 'p', |count| *count == 1);
            *count += 1;
            changed.notify_all();
        }
    }));
    for thread in threads {
        thread.join().expect("a thread ends");
    }
    log.keep();
}

/// A bounded queue of capacity 1 on a `Mutex` and two `Condvar`s (not full, not empty,
/// `notify_one`): 2 producers put 2 items each, 2 consumers take 2 each (5 threads with main).
fn bounded_queue() {
    use weft::sync::{Condvar, Mutex};
    let queue = Arc::new((Mutex::new(Vec::<usize>::new()), Condvar::new(), Condvar::new()));
    let log = HolderLog::default();
    let mut threads = Vec::new();
    for (index, name) in ['p', 'q'].into_iter().enumerate() {
        let (queue, log) = (queue.clone(), log.clone());
        threads.push(weft::thread::spawn(move || {
            let (items, not_full, not_empty) = &*queue;
            for item in 0..2 {
                let mut items = hold_when((items, not_full), &log, name, |items| !items.is_empty());
                items.push(index * 2 + item);
                not_empty.notify_one();
            }
        }));
    }
    for name in ['a', 'b'] {
        let (queue, log) = (queue.clone(), log.clone());
        threads.push(weft::thread::spawn(move || {
            let (items, not_full, not_empty) = &*queue;
            for _ in 0..2 {
                let mut items = hold_when((items, not_empty), &log, name, Vec::is_empty);
                items.pop();
                not_full.notify_one();
            }
        }));
    }
    for thread in threads {
        thread.join().expect("a thread ends");
    }
    log.keep();
}

/// `queue.Queue(maxsize=1)` (weft's Python-shaped queue): 2 producers put 2 items each, 2
/// consumers get 2 each.
fn python_queue() {
    let queue = Arc::new(weft::queue::Queue::<usize>::new(1));
    let mut threads = Vec::new();
    for producer in 0..2 {
        let queue = queue.clone();
        threads.push(weft::thread::spawn(move || {
            for item in 0..2 {
                queue.put(producer * 2 + item).expect("the queue is open");
            }
        }));
    }
    for _ in 0..2 {
        let queue = queue.clone();
        threads.push(weft::thread::spawn(move || {
            for _ in 0..2 {
                queue.get().expect("the queue is open");
            }
        }));
    }
    for thread in threads {
        thread.join().expect("a thread ends");
    }
}

/// How an exhaustive search explores: every interleaving (no reduction), every option that
/// sleep sets leave (`Explorer::sleep_sets_only`), or with the full reduction.
#[derive(Clone, Copy, PartialEq)]
enum Search {
    Full,
    SleepSets,
    Reduced,
}

impl Search {
    fn explorer(self, limit: Duration) -> weft::sim::Explorer {
        weft::sim::Explorer::exhaustive()
            .partial_order_reduction(self != Search::Full)
            .sleep_sets_only(self == Search::SleepSets)
            .threads(1)
            .time_limit(limit)
    }
}

/// An exhaustive search of `model`, stopped after `limit`: whether it finished, its executions,
/// and the orders of the mutex's holders its executions reached.
fn orders_search(model: fn(), search: Search, limit: Duration) -> (bool, usize, usize) {
    MUTEX_ORDERS.lock().expect("not poisoned").clear();
    let stats = search.explorer(limit).run(model).expect("the model is correct");
    (stats.exhausted, stats.executions, MUTEX_ORDERS.lock().expect("not poisoned").len())
}

/// The traces of `model` by weft's dependency relation among the executions of `search`, and
/// its executions, if it finished within `limit`.
fn count_traces(model: fn(), search: Search, limit: Duration) -> Option<(usize, usize)> {
    let stats = search.explorer(limit).count_traces(true).run(model).expect("the model is correct");
    stats.exhausted.then(|| (stats.traces.expect("counted"), stats.executions))
}

/// The trace count of `model` and how it was counted: by the search without reduction, or,
/// where that does not finish within `limit`, by sleep sets alone (which must agree where both
/// finish); `None` if neither finished.
fn trace_count(model: fn(), limit: Duration) -> Option<(usize, &'static str)> {
    let sleep_sets = count_traces(model, Search::SleepSets, limit);
    match count_traces(model, Search::Full, limit) {
        Some((traces, _)) => {
            if let Some((by_sleep_sets, _)) = sleep_sets {
                assert_eq!(by_sleep_sets, traces, "sleep sets alone count the full search's traces");
            }
            Some((traces, "full search"))
        }
        None => sleep_sets.map(|(traces, _)| (traces, "sleep sets")),
    }
}

/// The speeds of `lock_counter(n, k)`, round by round: weft's search on one thread, on every
/// core, and shuttle's DFS (see [`SPEED_ROUNDS`]).
struct Speeds {
    alone: Vec<f64>,
    parallel: Vec<f64>,
    dfs: Vec<f64>,
}

impl Speeds {
    /// `rounds` rounds of `lock_counter(threads, increments)`'s speeds with weft on `cores`
    /// threads beside one; `each` sees them after each round.
    fn measure(
        threads: usize,
        increments: usize,
        cores: usize,
        rounds: usize,
        mut each: impl FnMut(&Speeds),
    ) -> Speeds {
        let limit = SEARCH_LIMIT;
        let mut speeds = Speeds { alone: Vec::new(), parallel: Vec::new(), dfs: Vec::new() };
        for _ in 0..rounds {
            speeds.alone.push(speed_of(|| weft_search(threads, increments, limit, 1).0));
            speeds.parallel.push(speed_of(|| weft_search(threads, increments, limit, cores).0));
            speeds.dfs.push(speed_of(|| shuttle_search(threads, increments, SPEED_CAP)));
            each(&speeds);
        }
        speeds
    }

    /// The medians of weft's speed on one thread and on every core, of the speed-up (of the
    /// rounds' ratios), of shuttle's DFS, and of weft on one thread / shuttle (likewise).
    fn medians(&self) -> [f64; 5] {
        let ratios = |mine: &[f64], theirs: &[f64]| median(mine.iter().zip(theirs).map(|(m, t)| m / t).collect());
        [
            median(self.alone.clone()),
            median(self.parallel.clone()),
            ratios(&self.parallel, &self.alone),
            median(self.dfs.clone()),
            ratios(&self.alone, &self.dfs),
        ]
    }
}

/// `--speed n k`: each round's speeds of `lock_counter(n, k)` (weft on 1 thread and on every
/// core, shuttle's DFS), then their medians.
fn speed_only(threads: usize, increments: usize) {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let speeds = Speeds::measure(threads, increments, cores, SPEED_ROUNDS, |speeds| {
        let round = speeds.alone.len();
        let (a, p, d) = (speeds.alone[round - 1], speeds.parallel[round - 1], speeds.dfs[round - 1]);
        println!(
            "round {round}: weft {a:.0} exec/s, {cores} threads {p:.0} ({:.2}), shuttle DFS {d:.0} (weft / shuttle {:.2})",
            p / a,
            a / d
        );
    });
    let [alone, parallel, speed_up, dfs, ratio] = speeds.medians();
    println!(
        "medians: weft {alone:.0}, {cores} threads {parallel:.0} (speed-up {speed_up:.2}), shuttle DFS {dfs:.0}, \
         weft / shuttle {ratio:.2}"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--speed") {
        let number = |i: usize| args.get(at + i).and_then(|a| a.parse().ok()).expect("--speed <threads> <increments>");
        speed_only(number(1), number(2));
        return;
    }
    if let Some(at) = args.iter().position(|a| a == "--runs") {
        let number = |i: usize| {
            args.get(at + i).and_then(|a| a.parse().ok()).expect("--runs <tool> <threads> <increments> <runs>")
        };
        let (threads, increments, runs) = (number(2), number(3), number(4));
        let executions: usize = match args.get(at + 1).map(String::as_str) {
            Some("weft") => (0..runs).map(|_| weft_search(threads, increments, Duration::from_secs(600), 1).0).sum(),
            Some("shuttle") => (0..runs).map(|_| shuttle_search(threads, increments, SPEED_CAP)).sum(),
            // weft's search without reduction (every interleaving, as shuttle's DFS), capped.
            Some("weft-plain") => (0..runs)
                .map(|_| {
                    let explorer =
                        weft::sim::Explorer::exhaustive().partial_order_reduction(false).iterations(SPEED_CAP);
                    explorer.threads(1).run(move || weft_lock_counter(threads, increments)).expect("correct").executions
                })
                .sum(),
            _ => panic!("--runs weft|weft-plain|shuttle <threads> <increments> <runs>"),
        };
        println!("{executions} executions");
        return;
    }
    let write = !args.iter().any(|a| a == "--no-write");
    let began = Instant::now();
    let grid = [(2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (4, 1), (3, 3), (4, 2), (3, 4)];
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let limit = SEARCH_LIMIT;
    // shuttle's DFS does not reduce: capped, for its speed only.
    let shuttle_cap = 100_000;
    let mut table = String::new();
    let _ = writeln!(
        table,
        "| lock_counter (threads, increments) | lock orders | weft executions | ratio | weft exec/s, 1 thread | weft exec/s, {cores} threads | speed-up | shuttle DFS executions | shuttle DFS exec/s | weft 1 thread / shuttle |"
    );
    let _ = writeln!(table, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (threads, increments) in grid {
        let orders = lock_orders(threads, increments);
        let (executions, exhausted) = weft_search(threads, increments, limit, 1);
        let (parallel, _) = weft_search(threads, increments, limit, cores);
        assert!(!exhausted || parallel == executions, "the same search on {cores} threads");
        let dfs = shuttle_search(threads, increments, shuttle_cap);
        // Speeds, in rounds (a search that did not finish is not timed again: its one run is).
        let rounds = if exhausted { SPEED_ROUNDS } else { 0 };
        let speeds = Speeds::measure(threads, increments, cores, rounds, |_| {});
        let cells = if exhausted {
            let [alone, parallel, speed_up, dfs_speed, ratio] = speeds.medians();
            let dfs_cell = if dfs >= shuttle_cap { format!("≥{dfs} (capped)") } else { format!("{dfs}") };
            format!("{alone:.0} | {parallel:.0} | {speed_up:.2} | {dfs_cell} | {dfs_speed:.0} | {ratio:.2}")
        } else {
            "— | — | — | — | — | —".to_owned()
        };
        let weft_cell =
            if exhausted { format!("{executions}") } else { format!(">{executions} (not finished in {limit:?})") };
        let row = format!(
            "| ({threads},{increments}) | {orders} | {weft_cell} | {:.2} | {cells} |",
            executions as f64 / orders as f64,
        );
        println!("{row}");
        let _ = writeln!(table, "{row}");
    }
    let mut traces_table = String::new();
    let _ = writeln!(traces_table, "| model | traces | weft executions | ratio | traces among weft's executions |");
    let _ = writeln!(traces_table, "| --- | ---: | ---: | ---: | ---: |");
    let models: [(&str, fn()); 19] = [
        ("philosophers, ordered forks (3)", || ordered_philosophers(3)),
        ("philosophers, ordered forks (4)", || ordered_philosophers(4)),
        ("philosophers, ordered forks (5)", || ordered_philosophers(5)),
        ("reorder (3)", || reorder(3)),
        ("reorder (4)", || reorder(4)),
        ("reorder (5)", || reorder(5)),
        ("twostage (1,1)", || twostage(1, 1)),
        ("twostage (2,1)", || twostage(2, 1)),
        ("twostage (3,1)", || twostage(3, 1)),
        ("Cargill's buffer, notify_all (k = 1)", || cargill(1)),
        ("semaphore pool, 2 permits, 3 workers", || semaphore_pool(3)),
        ("semaphore pool, 2 permits, 4 workers", || semaphore_pool(4)),
        ("semaphore, 4 releasers and 1 taker", || semaphore_releasers(4)),
        ("Python `Barrier(3)`, 3 threads pass it twice", || barrier_twice(3, false)),
        ("std's `Barrier` of 3, 3 threads pass it twice", || barrier_twice(3, true)),
        ("`mpsc::channel`, 3 senders × 1 item, a receiver that drains", || channel_senders(None, 3, 1)),
        ("`mpsc::sync_channel(0)`, 2 senders × 1 item, a receiver that drains", || channel_senders(Some(0), 2, 1)),
        ("`mpsc::sync_channel(1)`, 2 senders × 2 items, a receiver that drains", || channel_senders(Some(1), 2, 2)),
        ("`mpsc::sync_channel(1)`, 3 senders × 1 item, a receiver that drains", || channel_senders(Some(1), 3, 1)),
    ];
    let trace_limit = Duration::from_secs(30);
    // Sleep sets alone need about 72 s on the bounded queue (2.1 M executions).
    let sleep_limit = Duration::from_secs(150);
    for (name, model) in models {
        let traces = trace_count(model, trace_limit);
        let reduced = count_traces(model, Search::Reduced, trace_limit);
        let cell = |n: Option<usize>| n.map_or(format!("not finished in {trace_limit:?}"), |n| n.to_string());
        let ratio = match (traces, reduced) {
            (Some((t, _)), Some((_, e))) => format!("{:.2}", e as f64 / t as f64),
            _ => "—".to_owned(),
        };
        let traces_cell = traces.map_or(format!("not finished in {trace_limit:?}"), |(t, by)| format!("{t} ({by})"));
        let row = format!(
            "| {name} | {traces_cell} | {} | {ratio} | {} |",
            cell(reduced.map(|(_, executions)| executions)),
            cell(reduced.map(|(covered, _)| covered))
        );
        println!("{row}");
        let _ = writeln!(traces_table, "{row}");
    }
    let mut orders_table = String::new();
    let _ = writeln!(orders_table, "| model | mutex orders | full search | weft executions | ratio | weft exec/s |");
    let _ = writeln!(orders_table, "| --- | ---: | ---: | ---: | ---: | ---: |");
    let condition_models: [(&str, fn(), bool); 4] = [
        ("Cargill's buffer, notify_all (k = 1)", || cargill(1), true),
        ("Cargill's buffer, notify_all (k = 2)", || cargill(2), true),
        ("bounded queue, 2 producers × 2, 2 consumers × 2, capacity 1 (Mutex, 2 Condvars)", bounded_queue, true),
        ("`queue.Queue(maxsize=1)`, the same threads", python_queue, false),
    ];
    for (name, model, logged) in condition_models {
        let (full_done, full_executions, full_orders) = orders_search(model, Search::Full, trace_limit);
        // Where the full search does not finish, sleep sets alone may: they reach every order too.
        let (sleep_done, sleep_executions, sleep_orders) =
            if full_done || !logged { (false, 0, 0) } else { orders_search(model, Search::SleepSets, sleep_limit) };
        let began_search = Instant::now();
        let (done, executions, orders) = orders_search(model, Search::Reduced, limit);
        let speed = per_second(executions, began_search.elapsed());
        let weft_cell =
            if done { executions.to_string() } else { format!(">{executions} (not finished in {limit:?})") };
        let full_cell = if full_done {
            format!("{full_executions} executions")
        } else if sleep_done {
            format!("not finished in {trace_limit:?}; sleep sets alone: {sleep_executions} executions")
        } else if logged {
            format!(
                "not finished in {trace_limit:?} ({full_executions} executions), nor sleep sets alone in {sleep_limit:?}"
            )
        } else {
            format!("not finished in {trace_limit:?} ({full_executions} executions)")
        };
        // The orders: those of a search that reaches every one (the full search, or sleep sets
        // alone) where it finished, and the reduced search must reach them all; else those the
        // reduced search reached.
        let complete =
            if full_done { Some((full_orders, "")) } else { sleep_done.then_some((sleep_orders, " (sleep sets)")) };
        let (orders_cell, ratio) = match (logged, complete) {
            (false, _) => ("—".to_owned(), "—".to_owned()),
            (true, Some((all, by))) => {
                assert_eq!(orders, all, "{name}: the reduced search reaches every order");
                (format!("{all}{by}"), format!("{:.2}", executions as f64 / all as f64))
            }
            (true, None) => (
                format!("{orders} (reached by the reduced search)"),
                format!("{:.2}", executions as f64 / orders as f64),
            ),
        };
        let row = format!("| {name} | {orders_cell} | {full_cell} | {weft_cell} | {ratio} | {speed:.0} |");
        println!("{row}");
        let _ = writeln!(orders_table, "{row}");
    }
    let seconds = began.elapsed().as_secs_f64();
    println!("took {seconds:.0} s");
    if write {
        let mut section = String::new();
        let _ = writeln!(section, "## Exhaustive search: executions against the trace count\n");
        let _ = writeln!(
            section,
            "- Date: {}. Command: `cargo run -p weft-benches --release --example exhaustive_search` ({seconds:.0} s).\n\
             - `lock_counter(n, k)`: n threads each take one `weft::sync::Mutex` k times (shuttle: its \
             `Mutex`); its Mazurkiewicz traces are its lock orders, (n·k)!/(k!)^n. weft: \
             `Explorer::exhaustive()` (partial-order reduction), stopped after 60 s; ratio = weft executions \
             / lock orders (issue 12 asks for at most 1.1). shuttle 0.9.10's `DfsScheduler` does not reduce: \
             its executions are counted up to {shuttle_cap}. Executions per second include each tool's own \
             overhead (weft's determinism re-runs are not counted as executions). They are measured in \
             {SPEED_ROUNDS} rounds: in each, weft's whole search on 1 thread, then on {cores} \
             (`Explorer::threads`, helpers explore subtrees ahead; the executions are the same), then \
             shuttle's DFS stopped after {SPEED_CAP} executions, each run again until {TIMED_AT_LEAST:?} \
             passed. The speeds are the medians over the rounds; speed-up and weft / shuttle are the medians \
             of the rounds' ratios (each round's three runs are a second apart, so a drift in the machine's \
             speed reaches all three). Helpers start after a search's first execution if it has an estimated \
             10 or more executions left: the smallest searches end without them. The speed-ups of the small \
             searches depend on the machine's load (a helper the search waits for may wait for its core).\n",
            weft_benches::utc_now()
        );
        section.push_str(&table);
        let _ = writeln!(
            section,
            "\n- Other models (`benches/examples/exhaustive_search.rs`): the trace count is the number of \
             Mazurkiewicz traces by weft's own dependency relation (`Explorer::count_traces`: two \
             executions are one trace when each step has the same vector clock) among every execution of \
             the search without reduction, or, where that does not finish, of the search by sleep sets \
             alone (`Explorer::sleep_sets_only`: every option that sleep sets leave, which reaches every \
             trace; where both finish, the bench checks that they agree). weft executions are the \
             reduced search's, on one thread (issue 12 asks for at most 1.5× on the philosophers, \
             reorder and twostage, and 2× the lock orders on Cargill's buffer). Each search stopped \
             after {trace_limit:?}. The last column counts the traces among the reduced search's own \
             executions; executions cut short by sleep sets are no traces and are not counted there. \
             In the semaphore models a release commutes with the other releases (`Observe::commutes`): \
             before, every order of them was a trace of its own (4 releasers and a taker: 192). A \
             semaphore's acquire is a blocking operation, whether it had to wait no trace of its own: \
             before, an acquire that found no unit parked and was woken (the same three models: 114, \
             5208 and 30 traces). In the \
             channel models a sender's clone, and a drop that leaves a sender or items, lets no receive \
             go (`Observe::lets_none_go`): before, the receive that finds every sender gone raced with \
             the drops (`sync_channel(1)`, 3 senders: 810 executions for 600 traces). A barrier's \
             waiters leave reading only what the last arrival handed them \
             (`Observe::next_park_reads_only_its_wake`), and std's `Barrier` is Python's underneath: \
             each round's traces are its arrival orders, 6 × 6 = 36 here. Before, each exit from \
             Python's barrier wrote its queue, and std's barrier (a mutex and a condition variable) \
             ordered the exits as each took the mutex back (on `Sim`, 3 parties twice: std's 438 \
             executions for 432 traces).\n"
        );
        section.push_str(&traces_table);
        let _ = writeln!(
            section,
            "\n- Condition-variable models against the orders of their mutex's holders (each return from \
             `wait` counts, as it takes the mutex back): the orders are those of the search without \
             reduction where it finished within {trace_limit:?}, else those of the search by sleep sets \
             alone where that finished within {sleep_limit:?} (either reaches every order, and the reduced search is checked to \
             reach every one), else those the reduced search reached. weft executions: the reduced search, on one \
             thread, stopped after {limit:?} (issue 12 asks for at most 2× the orders). `queue.Queue` \
             keeps its lock inside, so its orders are not logged; it is there to show that the search \
             finishes.\n"
        );
        section.push_str(&orders_table);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/RESULTS.md");
        weft_benches::replace_results_section(Path::new(path), "exhaustive-search benchmark", &section)
            .expect("rewrite benches/RESULTS.md");
        eprintln!("wrote {path}");
    }
}
