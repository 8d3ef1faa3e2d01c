//! Simulator speed: lock_counter on weft, shuttle and loom.

use super::*;

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

/// `n` executions of `lock_counter` on weft's simulator (random walk), on one OS thread, as
/// shuttle runs them (`Explorer::threads` would add helper threads).
pub fn weft_sim_executions(n: u64) -> Duration {
    let began = Instant::now();
    let stats =
        weft::sim::Explorer::random_walk(SIM_SEED).threads(1).iterations(n as usize).run(weft_lock_counter).unwrap();
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
        mutex_uncontended(),
        mutex_contended(2),
        mutex_contended(4),
        rwlock_read_uncontended(),
        rwlock_contended(),
        atomic_fetch_add(),
        channel_stream(),
        bounded_channel_stream(),
        queue_stream(),
        cell_increment(),
        std_spawn_join(),
        sim_lock_counter(),
    ]
}
