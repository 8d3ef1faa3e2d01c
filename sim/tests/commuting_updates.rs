//! Updates that commute (`Observe::commutes`): a semaphore's successful releases are independent
//! of each other, so the reduced search explores one order of them, and still every order of a
//! release with the reads and writes of the semaphore (acquires, `value`, a release that fails).
//! Releases that could fail in another order (near a `BoundedSemaphore`'s bound, or near
//! `SEMAPHORE_MAX`) are not taken for updates. An `Event`'s sets commute in the same way (the
//! first sets the flag, the others find it set), and still race with `is_set`, `clear` and waits.
//! An `RwLock`'s read acquires and releases commute with each other (each adds to or takes from
//! the count of readers), and still race with its writer's acquire and release.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use weft_core::{BoundedSemaphore, Event, RwLock, SEMAPHORE_MAX, Semaphore, Thread};
use weft_sim::{Explorer, Sim, Stats};

type Outcomes = Arc<Mutex<BTreeSet<String>>>;

/// Starts a thread for each body, then joins them all.
fn spawn_all(bodies: Vec<Box<dyn FnOnce() + Send>>) {
    let threads: Vec<Thread<Sim>> = bodies.into_iter().map(Thread::new).collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
}

/// The reduced search's and the full search's outcomes and statistics (one OS thread each; the
/// full search counts its traces by weft's dependency relation).
fn both(model: impl Fn(&Outcomes) + Send + Sync + 'static) -> ((BTreeSet<String>, Stats), (BTreeSet<String>, Stats)) {
    let model = Arc::new(model);
    let run = |reduce: bool| {
        let outcomes: Outcomes = Arc::default();
        let (sink, model) = (outcomes.clone(), model.clone());
        let stats = Explorer::exhaustive()
            .threads(1)
            .partial_order_reduction(reduce)
            .count_traces(true)
            .check(move || model(&sink));
        assert!(stats.exhausted, "{stats}");
        let set = outcomes.lock().unwrap().clone();
        (set, stats)
    };
    (run(true), run(false))
}

/// Asserts that the reduced search reaches the full search's outcomes, one execution per trace,
/// and returns its executions.
fn one_execution_per_trace(model: impl Fn(&Outcomes) + Send + Sync + 'static) -> usize {
    let ((reduced, with), (full, without)) = both(model);
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    assert_eq!(Some(with.executions), without.traces, "reduced: {with}\nfull: {without}");
    with.executions
}

/// Runs `release` once on each of `n` threads, and then `value` (the outcome).
fn release_on_threads<T: Send + Sync + 'static>(
    n: usize,
    semaphore: T,
    release: fn(&T),
    value: fn(&T) -> usize,
    outcomes: &Outcomes,
) {
    let semaphore = Arc::new(semaphore);
    let bodies = (0..n)
        .map(|_| {
            let semaphore = semaphore.clone();
            Box::new(move || release(&semaphore)) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(value(&semaphore).to_string());
}

/// `n` threads each release a semaphore of value 0 once; the outcome is its value.
fn releasers(n: usize, outcomes: &Outcomes) {
    let release = |s: &Semaphore<Sim>| s.release().unwrap();
    release_on_threads(n, Semaphore::<Sim>::new(0), release, Semaphore::value, outcomes);
}

#[test]
fn a_semaphores_releases_commute() {
    // Before releases commuted: 2, 6, 24 executions (every order of the releases).
    for n in 2..=4 {
        assert_eq!(one_execution_per_trace(move |o| releasers(n, o)), 1, "{n} releasers");
    }
}

/// A bounded semaphore of bound `n`, taken `n` times, released once by each of `n` threads:
/// every release succeeds, in any order.
fn bounded_releasers(n: usize, outcomes: &Outcomes) {
    let sem = BoundedSemaphore::<Sim>::new(n);
    for _ in 0..n {
        sem.acquire();
    }
    let release = |s: &BoundedSemaphore<Sim>| s.release().unwrap();
    release_on_threads(n, sem, release, BoundedSemaphore::value, outcomes);
}

#[test]
fn a_bounded_semaphores_releases_stay_ordered() {
    // A release that succeeds in one order could fail in another (a third release, or an
    // acquire that no longer happens, would take the room): they stay ordered, each order one
    // trace.
    for (n, orders) in [(2, 2), (3, 6)] {
        assert_eq!(one_execution_per_trace(move |o| bounded_releasers(n, o)), orders, "{n} releasers");
    }
}

/// A semaphore with room for one release (`bounded`: a bounded semaphore of bound 1, taken once;
/// otherwise one at `SEMAPHORE_MAX - 1`) released by two threads: the first release succeeds
/// and the second fails, so which thread fails depends on their order.
fn one_release_too_many(bounded: bool, outcomes: &Outcomes) {
    let release: Box<dyn Fn() -> bool + Send + Sync> = if bounded {
        let sem = BoundedSemaphore::<Sim>::new(1);
        sem.acquire();
        Box::new(move || sem.release().is_ok())
    } else {
        let sem = Semaphore::<Sim>::new(SEMAPHORE_MAX - 1);
        Box::new(move || sem.release().is_ok())
    };
    let sem = Arc::new(release);
    let log = Arc::new(Mutex::new(['?'; 2]));
    let bodies = (0..2)
        .map(|i| {
            let (sem, log) = (sem.clone(), log.clone());
            Box::new(move || {
                let ok = sem();
                log.lock().unwrap()[i] = if ok { 'y' } else { 'n' };
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(log.lock().unwrap().iter().collect());
}

#[test]
fn a_release_that_fails_in_another_order_does_not_commute() {
    for bounded in [true, false] {
        let ((reduced, _), (full, _)) = both(move |o| one_release_too_many(bounded, o));
        assert_eq!(full, BTreeSet::from(["yn".to_owned(), "ny".to_owned()]), "bounded: {bounded}");
        assert_eq!(reduced, full, "bounded: {bounded}");
    }
}

/// `n` threads release a semaphore of value 0 while another acquires it (waiting if it must) and
/// a third reads its value: the read sees 0 to `n` (minus one, after the acquire), and the
/// acquirer waits or not.
fn releases_with_a_reader_and_an_acquirer(n: usize, outcomes: &Outcomes) {
    let sem = Arc::new(Semaphore::<Sim>::new(0));
    let seen = Arc::new(Mutex::new(usize::MAX));
    let mut bodies: Vec<Box<dyn FnOnce() + Send>> = (0..n)
        .map(|_| {
            let sem = sem.clone();
            Box::new(move || sem.release().unwrap()) as Box<dyn FnOnce() + Send>
        })
        .collect();
    let (s, v) = (sem.clone(), seen.clone());
    bodies.push(Box::new(move || *v.lock().unwrap() = s.value()));
    let s = sem.clone();
    bodies.push(Box::new(move || {
        s.acquire();
    }));
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(format!("read {} left {}", seen.lock().unwrap(), sem.value()));
}

#[test]
fn releases_still_race_with_reads_and_acquires() {
    for n in 1..=3 {
        let ((reduced, _), (full, _)) = both(move |o| releases_with_a_reader_and_an_acquirer(n, o));
        assert_eq!(reduced, full, "{n} releasers");
        // The read may see every count from 0 to n.
        for value in 0..=n {
            assert!(full.iter().any(|o| o.starts_with(&format!("read {value} "))), "{n} releasers: {full:?}");
        }
    }
    // 29 while an acquire that had to wait parked and was woken (steps of their own, each
    // order of them a trace); a blocking operation now.
    assert_eq!(one_execution_per_trace(|o| releases_with_a_reader_and_an_acquirer(2, o)), 13);
}

/// `n` workers share a semaphore of value 2 as a pool: each acquires and releases it once,
/// logging its turn.
fn pool(n: usize, outcomes: &Outcomes) {
    let sem = Arc::new(Semaphore::<Sim>::new(2));
    let log = Arc::new(Mutex::new(String::new()));
    let bodies = (0..n)
        .map(|i| {
            let (sem, log) = (sem.clone(), log.clone());
            Box::new(move || {
                sem.acquire();
                log.lock().unwrap().push(char::from(b'a' + i as u8));
                sem.release().unwrap();
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

#[test]
fn a_semaphore_pool_runs_one_execution_per_trace() {
    // Before releases commuted: 90 executions for 3 workers (as many traces then); 48 while an
    // acquire that had to wait parked and was woken.
    assert_eq!(one_execution_per_trace(|o| pool(3, o)), 30);
}

/// `n` threads each set one event, beside (if asked) a thread that reads `is_set`, one that
/// clears it and one that waits for it: the outcome is what the reader saw and whether the event
/// is set at the end. (With a clearer, the waiter may wait for good: it is let go at the end.)
fn setters(n: usize, (reader, clearer, waiter): (bool, bool, bool), outcomes: &Outcomes) {
    let event = Arc::new(Event::<Sim>::new());
    let seen = Arc::new(Mutex::new('-'));
    let mut bodies: Vec<Box<dyn FnOnce() + Send>> = (0..n)
        .map(|_| {
            let event = event.clone();
            Box::new(move || event.set()) as Box<dyn FnOnce() + Send>
        })
        .collect();
    if reader {
        let (e, v) = (event.clone(), seen.clone());
        bodies.push(Box::new(move || *v.lock().unwrap() = if e.is_set() { 'y' } else { 'n' }));
    }
    if clearer {
        let e = event.clone();
        bodies.push(Box::new(move || e.clear()));
    }
    let threads: Vec<Thread<Sim>> = bodies.into_iter().map(Thread::new).collect();
    threads.iter().for_each(|t| t.start().unwrap());
    let waiting = waiter.then(|| {
        let e = event.clone();
        let t = Thread::<Sim>::new(move || assert!(e.wait()));
        t.start().unwrap();
        t
    });
    threads.iter().for_each(|t| t.join().unwrap());
    let set = event.is_set();
    if let Some(waiting) = waiting {
        event.set();
        waiting.join().unwrap();
    }
    outcomes.lock().unwrap().insert(format!("read {} set {set}", seen.lock().unwrap()));
}

#[test]
fn an_events_sets_commute() {
    // Before sets commuted: 2, 6, 24 executions (every order of the sets).
    for n in 2..=4 {
        assert_eq!(one_execution_per_trace(move |o| setters(n, (false, false, false), o)), 1, "{n} setters");
    }
}

#[test]
fn sets_still_race_with_is_set_clear_and_wait() {
    for n in 1..=3 {
        for shape in [(true, false, false), (false, true, false), (true, true, false), (true, true, true)] {
            let ((reduced, _), (full, _)) = both(move |o| setters(n, shape, o));
            assert_eq!(reduced, full, "{n} setters, {shape:?}");
            if shape.0 {
                // The read may come before or after the sets (and the clear).
                for read in ['y', 'n'] {
                    let prefix = format!("read {read} ");
                    assert!(full.iter().any(|o| o.starts_with(&prefix)), "{n} setters, {shape:?}: {full:?}");
                }
            }
            if shape.1 {
                // The clear may come before or after the sets.
                assert!(full.iter().any(|o| o.ends_with("set true")), "{n} setters, {shape:?}: {full:?}");
                assert!(full.iter().any(|o| o.ends_with("set false")), "{n} setters, {shape:?}: {full:?}");
            }
        }
    }
    // Before sets commuted: 24 executions.
    assert_eq!(one_execution_per_trace(|o| setters(3, (true, false, false), o)), 8);
    // Three setters and a waiter: 13 executions before sets commuted. The wait, begun before
    // the sets or after, commutes with the set that lets it go (as with a releasing write),
    // unless another thread's set could have let it go first: then that set races with the
    // wait, so that the search also lets the other set go first. Without that exception, 5
    // executions, and a wait let go by another thread's set before the waiter's own thread went
    // on was never explored (differential seed 32, model 498: `differential/mod.rs`); without
    // the commuting, 13.
    let ((_, with), _) = both(|o| setters(3, (false, false, true), o));
    assert_eq!(with.executions, 8, "{with}");
}

/// A waiter waits for an event and then increments a counter; another thread sets the event;
/// the main thread reads the counter and then sets the event too. The outcome: what the main
/// thread read. It reads 1 only if the other thread's set lets the wait go, and the waiter
/// increments, before the main thread reads: in the executions where the main thread's set came
/// first, the wait commuted with it, and the other thread's later set found the event set.
fn another_set_lets_the_wait_go_first(outcomes: &Outcomes) {
    let event = Arc::new(Event::<Sim>::new());
    let counter = Arc::new(weft_core::AtomicUsize::<Sim>::new(0));
    let (e, c) = (event.clone(), counter.clone());
    let waiter = Thread::<Sim>::new(move || {
        assert!(e.wait());
        c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    });
    let e = event.clone();
    let setter = Thread::<Sim>::new(move || e.set());
    [&waiter, &setter].iter().for_each(|t| t.start().unwrap());
    let read = counter.load(std::sync::atomic::Ordering::SeqCst);
    event.set();
    [&waiter, &setter].iter().for_each(|t| t.join().unwrap());
    outcomes.lock().unwrap().insert(format!("read {read}"));
}

#[test]
fn a_wait_may_be_let_go_by_another_threads_set() {
    let ((reduced, _), (full, _)) = both(another_set_lets_the_wait_go_first);
    assert_eq!(full, BTreeSet::from(["read 0".to_owned(), "read 1".to_owned()]));
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
}

/// `readers` threads read an `RwLock` (`try_read` for the odd ones, when `tries`) and `writers`
/// threads increment it; each reader logs the value it saw, and a `try_read` that failed logs
/// `-`. The outcome: the log, sorted by thread.
fn readers_and_writers(readers: usize, writers: usize, tries: bool, outcomes: &Outcomes) {
    let lock = Arc::new(RwLock::<Sim, usize>::new(0));
    let log = Arc::new(Mutex::new(vec![String::new(); readers]));
    let mut bodies: Vec<Box<dyn FnOnce() + Send>> = (0..readers)
        .map(|index| {
            let (lock, log) = (lock.clone(), log.clone());
            Box::new(move || {
                let seen = if tries && index % 2 == 1 {
                    lock.try_read().map_or_else(|_| "-".to_owned(), |value| value.to_string())
                } else {
                    lock.read().unwrap().to_string()
                };
                log.lock().unwrap()[index] = seen;
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    for _ in 0..writers {
        let lock = lock.clone();
        bodies.push(Box::new(move || *lock.write().unwrap() += 1));
    }
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(log.lock().unwrap().join(" "));
}

/// Readers of an `RwLock` commute: 1 to 4 readers take one execution (3 took 6, one per order
/// of their acquires, when a read acquire was a write of the lock). With writers, every order
/// of a writer against the readers is still explored, one execution per trace: 2 readers and
/// a writer 4 (the writer first, last, or between, after either reader), and the search reaches
/// the full search's outcomes with `try_read` and two writers too.
#[test]
fn an_rwlocks_readers_commute() {
    for readers in 1..=4 {
        assert_eq!(one_execution_per_trace(move |o| readers_and_writers(readers, 0, false, o)), 1, "{readers} readers");
    }
    assert_eq!(one_execution_per_trace(|o| readers_and_writers(2, 1, false, o)), 4);
    let ((reduced, _), (full, _)) = both(|o| readers_and_writers(2, 1, false, o));
    assert_eq!(reduced, full);
    assert_eq!(full.len(), 4, "{full:?}");
    for (readers, writers) in [(3, 1), (2, 2)] {
        let ((reduced, with), (full, without)) = both(move |o| readers_and_writers(readers, writers, true, o));
        assert_eq!(reduced, full, "reduction lost or invented outcomes");
        println!("{readers} readers, {writers} writers: {} outcomes; reduced: {with}; full: {without}", full.len());
    }
}
