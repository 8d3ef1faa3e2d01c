//! Exhaustive search against its lower bound (issue 12): how many executions weft's exhaustive
//! search needs on the lock_counter grid, beside the number of Mazurkiewicz traces (the lock
//! orders, (n·k)!/(k!)^n) and shuttle 0.9.10's plain DFS, and how many executions per second each
//! runs.
//!
//! ```text
//! cargo run -p weft-benches --release --example exhaustive_search
//! cargo run -p weft-benches --release --example exhaustive_search -- --no-write
//! ```
//!
//! `lock_counter(n, k)`: n threads each take one lock k times and increment a counter under it;
//! main joins them and checks the count. Every execution is a lock order; two executions with the
//! same lock order are equivalent. Writes its section of `benches/RESULTS.md` unless
//! `--no-write`.

#![allow(missing_docs)] // an example: its items are not an API

#[path = "shared/counted.rs"]
mod counted;

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

/// Executions and time of weft's exhaustive search (`None` if it did not finish in `limit`).
fn weft_search(threads: usize, increments: usize, limit: Duration, os_threads: usize) -> (usize, bool, Duration) {
    let began = Instant::now();
    let stats = weft::sim::Explorer::exhaustive()
        .threads(os_threads)
        .time_limit(limit)
        .run(move || weft_lock_counter(threads, increments))
        .expect("the model is correct");
    (stats.executions, stats.exhausted, began.elapsed())
}

/// Executions and time of shuttle's DFS, stopped after `cap` executions.
fn shuttle_search(threads: usize, increments: usize, cap: usize) -> (usize, Duration) {
    let executions = Arc::new(AtomicUsize::new(0));
    let scheduler =
        Counted { inner: shuttle::scheduler::DfsScheduler::new(Some(cap), false), executions: executions.clone() };
    let runner = shuttle::Runner::new(scheduler, shuttle::Config::new());
    let began = Instant::now();
    runner.run(move || shuttle_lock_counter(threads, increments));
    (executions.load(Ordering::Relaxed), began.elapsed())
}

fn per_second(executions: usize, time: Duration) -> f64 {
    executions as f64 / time.as_secs_f64().max(1e-9)
}

fn main() {
    let write = !std::env::args().any(|a| a == "--no-write");
    let began = Instant::now();
    let grid = [(2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (4, 1), (3, 3), (4, 2), (3, 4)];
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let limit = Duration::from_secs(60);
    // shuttle's DFS does not reduce: capped, for its speed only.
    let shuttle_cap = 100_000;
    let mut table = String::new();
    let _ = writeln!(
        table,
        "| lock_counter (threads, increments) | lock orders | weft executions | ratio | weft exec/s, 1 thread | weft exec/s, {cores} threads | speed-up | shuttle DFS executions | shuttle DFS exec/s |"
    );
    let _ = writeln!(table, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (threads, increments) in grid {
        let orders = lock_orders(threads, increments);
        let (executions, exhausted, time) = weft_search(threads, increments, limit, 1);
        let (parallel, _, parallel_time) = weft_search(threads, increments, limit, cores);
        assert!(!exhausted || parallel == executions, "the same search on {cores} threads");
        let (dfs, dfs_time) = shuttle_search(threads, increments, shuttle_cap);
        let weft_cell =
            if exhausted { format!("{executions}") } else { format!(">{executions} (not finished in {limit:?})") };
        let dfs_cell = if dfs >= shuttle_cap { format!("≥{dfs} (capped)") } else { format!("{dfs}") };
        let row = format!(
            "| ({threads},{increments}) | {orders} | {weft_cell} | {:.2} | {:.0} | {:.0} | {:.2} | {dfs_cell} | {:.0} |",
            executions as f64 / orders as f64,
            per_second(executions, time),
            per_second(parallel, parallel_time),
            per_second(parallel, parallel_time) / per_second(executions, time),
            per_second(dfs, dfs_time)
        );
        println!("{row}");
        let _ = writeln!(table, "{row}");
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
             it is capped at {shuttle_cap} executions and shown for its speed. Executions per second include \
             each tool's own overhead (weft's determinism re-runs are not counted as executions). weft runs \
             each search on 1 thread and on {cores} (`Explorer::threads`, helpers explore subtrees ahead): the \
             executions are the same; speed-up = the second's executions per second over the first's. The \
             small searches end before helpers start (after 16 executions) or pay for them.\n",
            weft_benches::utc_now()
        );
        section.push_str(&table);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/RESULTS.md");
        weft_benches::replace_results_section(Path::new(path), "exhaustive-search benchmark", &section)
            .expect("rewrite benches/RESULTS.md");
        eprintln!("wrote {path}");
    }
}
