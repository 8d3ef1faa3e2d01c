//! shuttle's `tests/basic/condvar.rs`.

use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use weft::sim::{Explorer, FailureKind};
use weft::sync::atomic::AtomicUsize;
use weft::sync::{Arc, Condvar, Mutex};
use weft::thread;

use crate::common::{deadlocks, fails_under, panics, passes, passes_sampled};

/// A flag behind a mutex, and a condvar to wait for it.
type Flag = Arc<(Mutex<bool>, Condvar)>;

fn flag() -> Flag {
    Arc::new((Mutex::new(false), Condvar::new()))
}

/// Spawns a thread, never joined, that waits for the flag with `wait`.
fn waiter(flag: &Flag) {
    let flag = flag.clone();
    thread::spawn(move || {
        let (set, condvar) = &*flag;
        let mut set = set.lock().unwrap();
        while !*set {
            set = condvar.wait(set).unwrap();
        }
    });
}

/// Sets the flag, then (not holding the mutex, which is allowed) signals with `signal`.
fn set_and_signal(flag: &Flag, signal: impl FnOnce(&Condvar)) {
    *flag.0.lock().unwrap() = true;
    signal(&flag.1);
}

/// shuttle's `notify_one` and `notify_one_while`: a waiter, looping on `wait` or in
/// `wait_while`, wakes from a `notify_one` sent after the flag is set without the mutex held.
#[test]
fn notify_one_wakes_the_waiter() {
    passes(|| {
        let flag = flag();
        waiter(&flag);
        set_and_signal(&flag, Condvar::notify_one);
    });
    passes(|| {
        let flag = flag();
        let f = flag.clone();
        thread::spawn(move || {
            let (set, condvar) = &*f;
            assert!(*condvar.wait_while(set.lock().unwrap(), |set| !*set).unwrap());
        });
        set_and_signal(&flag, Condvar::notify_one);
    });
}

/// Two waiters, then `signal`.
fn two_waiters(signal: impl FnOnce(&Condvar)) {
    let flag = flag();
    waiter(&flag);
    waiter(&flag);
    set_and_signal(&flag, signal);
}

/// shuttle's `notify_all`, `multiple_notify_one`, `notify_one_all` and `notify_all_one`: two
/// waiters are both woken by a `notify_all`, by two `notify_one`s, or by a mix.
#[test]
fn enough_notifies_wake_both_waiters() {
    passes(|| two_waiters(Condvar::notify_all));
    passes(|| {
        two_waiters(|c| {
            c.notify_one();
            c.notify_one();
        })
    });
    passes(|| {
        two_waiters(|c| {
            c.notify_one();
            c.notify_all();
        })
    });
    passes(|| {
        two_waiters(|c| {
            c.notify_all();
            c.notify_one();
        })
    });
}

/// shuttle's `notify_one_deadlock`: with two waiters and one `notify_one`, some execution
/// leaves a waiter waiting for ever.
#[test]
fn one_notify_one_for_two_waiters_deadlocks() {
    deadlocks(|| two_waiters(Condvar::notify_one));
}

/// shuttle's `notify_one_order`: a `notify_one` may wake either of two waiters, not only the
/// first to wait (loom's condvar always wakes the first, so loom passes this; shuttle and weft
/// do not). A second condvar sequences the threads so that thread 1 waits first and thread 2
/// second; the execution where thread 2 wakes is found.
#[test]
fn notify_one_may_wake_the_later_waiter() {
    panics("found the failing execution", || {
        let state = Arc::new((Mutex::new(0u8), Condvar::new(), Condvar::new()));
        // Thread `n` waits for its turn `turn`, says `turn + 1`, then waits on the condvar
        // under test and marks its wake-up.
        let worker = |turn: u8, mark: u8| {
            let state = state.clone();
            thread::spawn(move || {
                let (value, cond, sequencer) = &*state;
                let mut value = sequencer.wait_while(value.lock().unwrap(), |v| *v != turn).unwrap();
                *value = turn + 1;
                sequencer.notify_all();
                value = cond.wait_while(value, |v| *v < 5).unwrap();
                *value = mark;
            });
        };
        worker(1, 10);
        worker(3, 20);
        let (value, cond, sequencer) = &*state;
        let mut guard = value.lock().unwrap();
        *guard = 1;
        sequencer.notify_all();
        guard = sequencer.wait_while(guard, |v| *v != 2).unwrap();
        *guard = 3;
        sequencer.notify_all();
        guard = sequencer.wait_while(guard, |v| *v != 4).unwrap();
        *guard = 5; // both wait on `cond` now, thread 1 first
        cond.notify_one();
        drop(guard);
        assert_ne!(*value.lock().unwrap(), 20, "found the failing execution");
        cond.notify_one();
    });
}

/// "Operating Systems: Three Easy Pieces", figures 30.8 and 30.10 (shuttle's
/// `producer_consumer_broken1` and `_broken2`): two consumers take `rounds` items each, one
/// producer puts `2 * rounds`, through a one-item slot, with a single condvar. `while_loop`
/// chooses whether waiters loop on the condition (figure 30.10) or check it once (30.8).
fn one_condvar_buffer(while_loop: bool, rounds: usize) {
    let state = Arc::new((Mutex::new(()), Condvar::new(), AtomicUsize::new(0)));
    for _ in 0..2 {
        let state = state.clone();
        thread::spawn(move || {
            let (lock, cond, count) = &*state;
            for _ in 0..rounds {
                let mut guard = lock.lock().unwrap();
                if while_loop {
                    while count.load(SeqCst) == 0 {
                        guard = cond.wait(guard).unwrap();
                    }
                } else if count.load(SeqCst) == 0 {
                    guard = cond.wait(guard).unwrap();
                }
                assert_eq!(count.load(SeqCst), 1, "nothing to get");
                count.store(0, SeqCst);
                cond.notify_one();
                drop(guard);
            }
        });
    }
    let (lock, cond, count) = &*state;
    for _ in 0..2 * rounds {
        let mut guard = lock.lock().unwrap();
        if while_loop {
            while count.load(SeqCst) == 1 {
                guard = cond.wait(guard).unwrap();
            }
        } else if count.load(SeqCst) == 1 {
            guard = cond.wait(guard).unwrap();
        }
        assert_eq!(count.load(SeqCst), 0, "no space to put");
        count.store(1, SeqCst);
        cond.notify_one();
        drop(guard);
    }
}

/// shuttle's `check_producer_consumer_broken1`: waiters that check the condition with an `if`
/// take from an empty slot in some execution (shuttle samples 5000 executions and expects a
/// failure; here exhaustive search finds it). shuttle's producer puts two items for four takes,
/// so its model may also fail by a deadlock; here it puts four, and the failure is the one the
/// figure shows, which shuttle's (ignored) `replay_producer_consumer_broken1` expects.
#[test]
fn waiting_in_an_if_takes_from_an_empty_slot() {
    panics("nothing to get", || one_condvar_buffer(false, 2));
}

/// shuttle's `check_producer_consumer_broken2` and `replay_producer_consumer_broken2`: with a
/// `while` loop but one condvar for "empty" and "full", a consumer can wake the other consumer
/// instead of the producer, and every thread ends up waiting; the deadlock is found, and its
/// replay token reproduces it. (shuttle replays a schedule it recorded once; weft's tokens come
/// from its reports, so the test replays the token of the report it just got.)
#[test]
fn one_condvar_for_two_conditions_deadlocks_and_replays() {
    let model = || one_condvar_buffer(true, 1);
    let report = deadlocks(model);
    let again = fails_under(&Explorer::replay(&report.token), model);
    assert!(matches!(again.failure.kind, FailureKind::Deadlock(_)), "{again}");
    assert_eq!(again.failure, report.failure);
}

/// "Operating Systems: Three Easy Pieces", figure 30.12: `consumers` threads take and
/// `producers` threads put `events` items in all, through a one-item slot, waiting in `while`
/// loops on two condvars, "empty" and "full".
fn two_condvar_buffer(producers: usize, consumers: usize, events: usize) {
    let state = Arc::new((Mutex::new(()), Condvar::new(), Condvar::new(), AtomicUsize::new(0)));
    let spawn = |threads: usize, put: bool| -> Vec<thread::JoinHandle<()>> {
        (0..threads)
            .map(|_| {
                let state = state.clone();
                thread::spawn(move || {
                    let (lock, empty, full, count) = &*state;
                    let (wait_on, wait_while, signal, after) =
                        if put { (empty, 1, full, 1) } else { (full, 0, empty, 0) };
                    for _ in 0..events / threads {
                        let mut guard = lock.lock().unwrap();
                        while count.load(SeqCst) == wait_while {
                            guard = wait_on.wait(guard).unwrap();
                        }
                        assert_eq!(
                            count.load(SeqCst),
                            1 - after,
                            "{}",
                            if put { "no space to put" } else { "nothing to get" }
                        );
                        count.store(after, SeqCst);
                        signal.notify_one();
                        drop(guard);
                    }
                })
            })
            .collect()
    };
    let consumers = spawn(consumers, false);
    let producers = spawn(producers, true);
    consumers.into_iter().chain(producers).for_each(|t| t.join().unwrap());
}

/// shuttle's `producer_consumer_correct`: with two condvars the buffer of the figures above
/// (two consumers taking one each, one producer putting two) is correct in every execution
/// (shuttle samples 20,000; exhaustive search finishes here).
#[test]
fn two_condvars_make_the_buffer_correct() {
    passes(|| two_condvar_buffer(1, 2, 2));
}

/// shuttle's `producer_consumer_random`: the same buffer with 1 to 3 producers, 1 to 3
/// consumers, and 1 to 4 items for each pair. shuttle draws the sizes at random in each
/// execution; a weft model must be deterministic, so here every size runs, each a random walk
/// of 100 executions (the sizes are many; shuttle's 5000 executions spread over them are about
/// 140 each).
#[test]
fn two_condvars_make_any_size_of_buffer_correct() {
    for producers in 1..=3 {
        for consumers in 1..=3 {
            for per_pair in 1..=4 {
                passes_sampled(100, move || two_condvar_buffer(producers, consumers, producers * consumers * per_pair));
            }
        }
    }
}

/// shuttle's `notify_one_timeout` and `notify_one_while_timeout`: a waiter with a 10-second
/// timeout wakes from the `notify_one` with the flag set. In weft a timeout is real (virtual
/// time), not ignored as in shuttle: the loop version waits again if it times out, and in the
/// `wait_timeout_while` version the timeout never fires first, since virtual time moves only
/// when no thread can run, and the main thread can until it has notified.
#[test]
fn a_timed_wait_wakes_from_notify_one() {
    passes(|| {
        let flag = flag();
        let f = flag.clone();
        thread::spawn(move || {
            let (set, condvar) = &*f;
            let mut set = set.lock().unwrap();
            while !*set {
                set = condvar.wait_timeout(set, Duration::from_secs(10)).unwrap().0;
            }
        });
        set_and_signal(&flag, Condvar::notify_one);
    });
    passes(|| {
        let flag = flag();
        let f = flag.clone();
        thread::spawn(move || {
            let (set, condvar) = &*f;
            let (set, timeout) =
                condvar.wait_timeout_while(set.lock().unwrap(), Duration::from_secs(10), |set| !*set).unwrap();
            assert!(*set);
            assert!(!timeout.timed_out());
        });
        set_and_signal(&flag, Condvar::notify_one);
    });
}
