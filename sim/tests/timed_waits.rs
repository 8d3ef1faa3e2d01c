//! Timed waits on the simulator's own backend (`Sim`): an `Event`'s timed waits and a `Lock`'s
//! timed acquires are waited out by the simulator as their untimed forms are
//! (`Observe::wait_read_until`, `Observe::blocking_operation_for`), so a timeout multiplies no
//! executions; and the timeouts still fire when the virtual clock reaches them. Timeouts and
//! sleeps that come due at one time fire in any order without multiplying executions either.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{Event, Lock, Thread};
use weft_sim::{Explorer, Sim};

type Outcomes = Arc<Mutex<BTreeSet<String>>>;

/// The outcomes and the executions of the exhaustive search of `model`, with or without
/// reduction.
fn search(model: impl Fn(&Outcomes) + Send + Sync + 'static, reduce: bool) -> (BTreeSet<String>, usize) {
    let outcomes: Outcomes = Arc::default();
    let sink = outcomes.clone();
    let stats = Explorer::exhaustive().threads(1).partial_order_reduction(reduce).check(move || model(&sink));
    assert!(stats.exhausted, "{stats}");
    let set = outcomes.lock().unwrap().clone();
    (set, stats.executions)
}

/// The reduced search's outcomes equal the full search's; its executions.
fn reduced_reaches_every_outcome(
    model: impl Fn(&Outcomes) + Copy + Send + Sync + 'static,
) -> (BTreeSet<String>, usize) {
    let (full, _) = search(model, false);
    let (reduced, executions) = search(model, true);
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    (full, executions)
}

/// Starts a thread for each body, then joins them all.
fn spawn_all(bodies: Vec<Box<dyn FnOnce() + Send>>) {
    let threads: Vec<Thread<Sim>> = bodies.into_iter().map(Thread::new).collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
}

/// `waiters` threads wait on one event with a timeout of `timeout_ms`; a last thread sleeps
/// `sleep_ms` and sets it. The outcome: what each waiter got (`w` woken, `t` timed out).
fn timed_waiters(waiters: usize, timeout_ms: u64, sleep_ms: u64, outcomes: &Outcomes) {
    let event = Arc::new(Event::<Sim>::new());
    let seen = Arc::new(Mutex::new(vec!['?'; waiters]));
    let mut bodies: Vec<Box<dyn FnOnce() + Send>> = (0..waiters)
        .map(|index| {
            let (event, seen) = (event.clone(), seen.clone());
            Box::new(move || {
                let woken = event.wait_timeout(Duration::from_millis(timeout_ms)).unwrap();
                seen.lock().unwrap()[index] = if woken { 'w' } else { 't' };
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    let setter = event.clone();
    bodies.push(Box::new(move || {
        if sleep_ms > 0 {
            weft_core::sleep::<Sim>(Duration::from_millis(sleep_ms));
        }
        setter.set();
    }));
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(seen.lock().unwrap().iter().collect());
}

/// Timed waits on one `Event` commute with each other as untimed ones do: 1 to 3 timed waiters
/// and a setter take one execution. A setter that sleeps past the timeouts lets every wait time
/// out; one whose `set` is due when the deadlines are lets each waiter see either.
#[test]
fn timed_waits_on_an_event_commute_and_still_time_out() {
    let models: [fn(&Outcomes); 3] =
        [|o| timed_waiters(1, 5_000, 0, o), |o| timed_waiters(2, 5_000, 0, o), |o| timed_waiters(3, 5_000, 0, o)];
    for (index, model) in models.into_iter().enumerate() {
        let (outcomes, executions) = reduced_reaches_every_outcome(model);
        assert_eq!(outcomes.len(), 1, "{outcomes:?}");
        assert_eq!(executions, 1, "{} waiters", index + 1);
    }
    let (outcomes, _) = reduced_reaches_every_outcome(|o| timed_waiters(2, 10, 20, o));
    assert_eq!(outcomes, BTreeSet::from(["tt".to_owned()]));
    let (outcomes, _) = reduced_reaches_every_outcome(|o| timed_waiters(2, 10, 10, o));
    assert_eq!(outcomes, ["tt", "tw", "wt", "ww"].into_iter().map(str::to_owned).collect::<BTreeSet<_>>());
}

/// `threads` threads take one lock with a timeout of `timeout_ms` and hold it for `hold_ms`.
/// The outcome: the order in which they took it (`-` for a timed-out acquire).
fn timed_lockers(threads: usize, timeout_ms: u64, hold_ms: u64, outcomes: &Outcomes) {
    let lock = Arc::new(Lock::<Sim>::new());
    let log = Arc::new(Mutex::new(String::new()));
    let bodies = (0..threads)
        .map(|index| {
            let (lock, log) = (lock.clone(), log.clone());
            Box::new(move || {
                if lock.acquire_timeout(Duration::from_millis(timeout_ms)).unwrap() {
                    log.lock().unwrap().push(char::from(b'a' + index as u8));
                    if hold_ms > 0 {
                        weft_core::sleep::<Sim>(Duration::from_millis(hold_ms));
                    }
                    lock.release().unwrap();
                } else {
                    log.lock().unwrap().push('-');
                }
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

/// Timed acquires of a `Lock` take one execution per order of its holders, as untimed ones do
/// (6 for three threads), and time out when the holder outlasts them; a deadline that comes with
/// the release may go either way.
#[test]
fn timed_lock_acquires_take_one_execution_per_order_and_still_time_out() {
    let (outcomes, executions) = reduced_reaches_every_outcome(|o| timed_lockers(3, 5_000, 0, o));
    assert_eq!(outcomes.len(), 6, "{outcomes:?}");
    assert_eq!(executions, 6);
    let (outcomes, _) = reduced_reaches_every_outcome(|o| timed_lockers(3, 10, 20, o));
    assert!(outcomes.iter().all(|log| log.matches('-').count() == 2), "{outcomes:?}");
    let (outcomes, _) = reduced_reaches_every_outcome(|o| timed_lockers(2, 10, 10, o));
    assert!(outcomes.contains("ab") && outcomes.iter().any(|log| log.contains('-')), "{outcomes:?}");
}

/// Two threads take one lock with timeouts of 20 and 5 ms while the main thread takes it and
/// holds it 10 ms (a timed `Event` wait nobody sets). The outcome: the order of the two threads'
/// critical sections. When the 20 ms one takes the lock first, the 5 ms one, found waiting when
/// it releases, may still take it before the main thread does ("ab"). In the execution where
/// the main thread takes it there, the 5 ms acquire never completes (it times out), so its race
/// with the main thread's acquire is seen only when the lock, released and free a moment, is
/// found taken again: found missing by the differential test (seed 9, model 227).
fn second_holder_outlasts_a_timeout(outcomes: &Outcomes) {
    let lock = Arc::new(Lock::<Sim>::new());
    let log = Arc::new(Mutex::new(String::new()));
    let takers: Vec<Thread<Sim>> = [('a', 20), ('b', 5)]
        .into_iter()
        .map(|(name, timeout)| {
            let (lock, log) = (lock.clone(), log.clone());
            Thread::new(move || {
                if lock.acquire_timeout(Duration::from_millis(timeout)).unwrap() {
                    log.lock().unwrap().push(name);
                    lock.release().unwrap();
                }
            })
        })
        .collect();
    takers.iter().for_each(|t| t.start().unwrap());
    lock.acquire();
    assert!(!Event::<Sim>::new().wait_timeout(Duration::from_millis(10)).unwrap());
    lock.release().unwrap();
    takers.iter().for_each(|t| t.join().unwrap());
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

#[test]
fn a_timed_acquire_races_with_each_thread_that_takes_the_lock_while_it_waits() {
    let (outcomes, _) = reduced_reaches_every_outcome(second_holder_outlasts_a_timeout);
    assert!(outcomes.contains("ab"), "{outcomes:?}");
}

/// `sleepers` threads each sleep `sleep_ms`, then, if `lock`, append their letter to a log under
/// one lock. The outcome: the log.
fn sleepers(sleepers: usize, sleep_ms: u64, lock: bool, outcomes: &Outcomes) {
    let shared = Arc::new(Lock::<Sim>::new());
    let log = Arc::new(Mutex::new(String::new()));
    let bodies = (0..sleepers)
        .map(|index| {
            let (shared, log) = (shared.clone(), log.clone());
            Box::new(move || {
                weft_core::sleep::<Sim>(Duration::from_millis(sleep_ms));
                if lock {
                    let _held = shared.lock();
                    log.lock().unwrap().push(char::from(b'a' + index as u8));
                }
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

/// Timeouts that come due at one virtual time fire in any order without multiplying executions:
/// the step that moves the clock comes after every step before it and races with none of them,
/// and the other timeouts due then depend on it only through the clock. 1 to 4 threads sleeping
/// 10 ms take one execution (before: 1, 3, 15, 105: every sleeper's wake-up raced with every
/// step); 2 and 3 sleepers that then take a lock take one execution per lock order (before: 9
/// and 225).
#[test]
fn timeouts_due_at_one_time_commute() {
    let models: [fn(&Outcomes); 4] = [
        |o| sleepers(1, 10, false, o),
        |o| sleepers(2, 10, false, o),
        |o| sleepers(3, 10, false, o),
        |o| sleepers(4, 10, false, o),
    ];
    for (index, model) in models.into_iter().enumerate() {
        let (_, executions) = reduced_reaches_every_outcome(model);
        assert_eq!(executions, 1, "{} sleepers", index + 1);
    }
    let (outcomes, executions) = reduced_reaches_every_outcome(|o| sleepers(2, 10, true, o));
    assert_eq!((outcomes.len(), executions), (2, 2), "{outcomes:?}");
    let (outcomes, executions) = reduced_reaches_every_outcome(|o| sleepers(3, 10, true, o));
    assert_eq!((outcomes.len(), executions), (6, 6), "{outcomes:?}");
}

/// A thread waits on an event with a timeout of 10 ms while another sleeps 10 ms and then sets
/// it: at 10 ms the timeout and the sleeper's wake-up are due together, and either may fire
/// first. If the sleeper's does, its `set` lets the wait go before the wait's own timeout fires,
/// though the timeout was due: that `set` races with the timeout (an untimed wait, or a timed
/// one before its deadline, is never enabled together with the release that lets it go). The
/// same with a lock held until the deadline. One execution per outcome.
#[test]
fn a_release_at_a_waits_deadline_races_with_its_timeout() {
    let (outcomes, executions) = reduced_reaches_every_outcome(|o| timed_waiters(1, 10, 10, o));
    assert_eq!(outcomes, ["t", "w"].into_iter().map(str::to_owned).collect::<BTreeSet<_>>());
    // One execution per outcome: the wake-up that fired first and moved the clock, and the
    // other timeout due then, commute (the same move), so the search does not run the
    // timeout's order twice (3 executions before).
    assert_eq!(executions, 2);
    let (outcomes, executions) = reduced_reaches_every_outcome(|o| timed_lockers(2, 10, 10, o));
    assert!(outcomes.contains("ab") && outcomes.contains("ba") && outcomes.contains("a-"), "{outcomes:?}");
    assert_eq!((outcomes.len(), executions), (4, 4), "{outcomes:?}");
}
