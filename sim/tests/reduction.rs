//! Partial-order reduction loses no behaviour: on each model, exhaustive search with reduction
//! reaches exactly the set of outcomes that exhaustive search without it reaches, in no more
//! executions.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{AtomicUsize, Barrier, Condition, Event, Local, Lock, RLock, Semaphore, StdBarrier, Thread, sleep};
use weft_sim::{Explorer, Sim};

type Outcomes = Arc<Mutex<BTreeSet<String>>>;

/// Runs `model` exhaustively with and without reduction; returns (outcomes, executions) of each.
fn both(model: fn(&Outcomes)) -> ((BTreeSet<String>, usize), (BTreeSet<String>, usize)) {
    let run = |reduce: bool| {
        let outcomes: Outcomes = Arc::default();
        let sink = outcomes.clone();
        let stats = Explorer::exhaustive().partial_order_reduction(reduce).check(move || model(&sink));
        assert!(stats.exhausted);
        let set = outcomes.lock().unwrap().clone();
        (set, stats.executions)
    };
    (run(true), run(false))
}

fn assert_same(model: fn(&Outcomes)) {
    let ((reduced, with), (full, without)) = both(model);
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    assert!(with <= without, "{with} executions with reduction, {without} without");
    println!("{} outcomes; {with} executions with reduction, {without} without", full.len());
}

fn spawn_all(bodies: Vec<Box<dyn FnOnce() + Send>>) {
    let threads: Vec<Thread<Sim>> = bodies.into_iter().map(Thread::new).collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
}

/// Three threads append their name to a log under one lock: every order is an outcome.
fn lock_order(outcomes: &Outcomes) {
    let lock = Arc::new(Lock::<Sim>::new());
    let log = Arc::new(Mutex::new(String::new()));
    let bodies = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let (lock, log) = (lock.clone(), log.clone());
            Box::new(move || {
                let _held = lock.lock();
                log.lock().unwrap().push_str(name);
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

/// Two threads race on visible atomics: one shared counter, one private counter each, and each
/// records what it read of the shared one.
fn atomic_race(outcomes: &Outcomes) {
    let shared = Arc::new(AtomicUsize::<Sim>::new(0));
    let seen = Arc::new(Mutex::new(vec![0; 2]));
    let bodies = (0..2)
        .map(|i| {
            let (shared, seen) = (shared.clone(), seen.clone());
            Box::new(move || {
                let private = AtomicUsize::<Sim>::new(0);
                private.fetch_add(1, SeqCst);
                let read = shared.load(SeqCst);
                shared.store(read + 1, SeqCst);
                private.fetch_add(1, SeqCst);
                seen.lock().unwrap()[i] = read;
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    let result = format!("{:?} final {}", seen.lock().unwrap(), shared.load(SeqCst));
    outcomes.lock().unwrap().insert(result);
}

/// A timed wait races a notification, an event and a semaphore: whether each timed out.
fn timeouts(outcomes: &Outcomes) {
    let cond = Arc::new(Condition::<Sim>::new());
    let event = Arc::new(Event::<Sim>::new());
    let sem = Arc::new(Semaphore::<Sim>::new(0));
    let result = Arc::new(Mutex::new(String::new()));
    let waiter = {
        let (cond, event, sem, result) = (cond.clone(), event.clone(), sem.clone(), result.clone());
        Box::new(move || {
            let notified = {
                let _held = cond.lock();
                cond.wait_timeout(Duration::from_millis(10)).unwrap()
            };
            let set = event.wait_timeout(Duration::from_millis(10)).unwrap();
            let acquired = sem.acquire_timeout(Duration::from_millis(10)).unwrap();
            *result.lock().unwrap() = format!("{notified} {set} {acquired}");
        }) as Box<dyn FnOnce() + Send>
    };
    let notifier = Box::new(move || {
        weft_core::sleep::<Sim>(Duration::from_millis(10));
        {
            let _held = cond.lock();
            cond.notify_all().unwrap();
        }
        event.set();
        sem.release().unwrap();
    }) as Box<dyn FnOnce() + Send>;
    spawn_all(vec![waiter, notifier]);
    outcomes.lock().unwrap().insert(result.lock().unwrap().clone());
}

#[test]
fn reduction_keeps_every_lock_order() {
    assert_same(lock_order);
}

#[test]
fn reduction_keeps_every_atomic_outcome() {
    assert_same(atomic_race);
}

#[test]
fn reduction_keeps_every_timeout_outcome() {
    assert_same(timeouts);
}

/// Three threads take an `RLock` once each: every order is an outcome (acquires of one lock race
/// with each other, not with the releases between them).
fn rlock_order(outcomes: &Outcomes) {
    let lock = Arc::new(RLock::<Sim>::new());
    let log = Arc::new(Mutex::new(String::new()));
    let bodies = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let (lock, log) = (lock.clone(), log.clone());
            Box::new(move || {
                let _held = lock.lock();
                log.lock().unwrap().push_str(name);
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

/// Two timed waiters and one `notify(1)`: who is notified, who times out, in which order.
fn notify_one_of_two(outcomes: &Outcomes) {
    let cond = Arc::new(Condition::<Sim>::new());
    let log = Arc::new(Mutex::new(String::new()));
    let mut bodies: Vec<Box<dyn FnOnce() + Send>> = ["a", "b"]
        .into_iter()
        .map(|name| {
            let (cond, log) = (cond.clone(), log.clone());
            Box::new(move || {
                let _held = cond.lock();
                let notified = cond.wait_timeout(Duration::from_millis(10)).unwrap();
                log.lock().unwrap().push_str(&format!("{name}{}", if notified { "+" } else { "-" }));
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    let (c, l) = (cond.clone(), log.clone());
    bodies.push(Box::new(move || {
        let _held = c.lock();
        c.notify(1).unwrap();
        l.lock().unwrap().push('n');
    }));
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

/// A timed waiter, a notifier and a third thread that only takes the lock: the third can come
/// before the notifier, whose `notify` marks the lock while holding it.
fn notify_and_bystander(outcomes: &Outcomes) {
    let cond = Arc::new(Condition::<Sim>::new());
    let log = Arc::new(Mutex::new(String::new()));
    let (c, l) = (cond.clone(), log.clone());
    let waiter = Box::new(move || {
        let _held = c.lock();
        let notified = c.wait_timeout(Duration::from_millis(10)).unwrap();
        l.lock().unwrap().push_str(if notified { "w+" } else { "w-" });
    }) as Box<dyn FnOnce() + Send>;
    let (c, l) = (cond.clone(), log.clone());
    let notifier = Box::new(move || {
        let _held = c.lock();
        c.notify(1).unwrap();
        l.lock().unwrap().push('n');
    }) as Box<dyn FnOnce() + Send>;
    let (c, l) = (cond.clone(), log.clone());
    let bystander = Box::new(move || {
        let _held = c.lock();
        l.lock().unwrap().push('x');
    }) as Box<dyn FnOnce() + Send>;
    spawn_all(vec![waiter, notifier, bystander]);
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

#[test]
fn reduction_keeps_every_rlock_order() {
    assert_same(rlock_order);
}

#[test]
fn reduction_keeps_every_notification_outcome() {
    assert_same(notify_one_of_two);
}

#[test]
fn reduction_keeps_a_bystander_before_the_notifier() {
    assert_same(notify_and_bystander);
}

/// A `Lock` has no owner: the main thread takes it and another thread releases it. Then a third
/// thread, woken by an event, takes it while the main thread tries it: whether the try succeeds
/// depends on which comes first.
///
/// The simulator's record of what each thread holds kept the lock in the main thread's list after
/// the other thread released it, so every later step of the main thread counted as made while
/// holding the lock, and the blocking acquire skipped the main thread's `try_acquire` as a race
/// partner ("out of reach"): the reduced search never ran the acquire first, and lost `false`.
fn lock_released_by_another_thread(outcomes: &Outcomes) {
    let lock = Arc::new(Lock::<Sim>::new());
    let event = Arc::new(Event::<Sim>::new());
    lock.acquire();
    let l = lock.clone();
    let releaser = Thread::<Sim>::new(move || l.release().unwrap());
    releaser.start().unwrap();
    releaser.join().unwrap();
    let (l, e) = (lock.clone(), event.clone());
    let taker = Thread::<Sim>::new(move || {
        e.wait();
        let _held = l.lock();
    });
    taker.start().unwrap();
    event.set();
    let tried = lock.try_acquire();
    if tried {
        lock.release().unwrap();
    }
    taker.join().unwrap();
    outcomes.lock().unwrap().insert(format!("{tried}"));
}

#[test]
fn reduction_keeps_a_try_after_a_release_by_another_thread() {
    assert_same(lock_released_by_another_thread);
}

/// One thread takes a `Lock` with `try_acquire`, asks `locked()` while it holds it, and releases
/// it; another takes it with a blocking `acquire`. If the blocking acquire comes first, the try
/// fails.
///
/// Only a blocking `acquire` (and `acquire_restore`) counts as taking the lock in the simulator's
/// record of what a thread holds, so the holder's `locked()` did not count as made while holding
/// the lock: it became the blocking acquire's race partner (the last write to the lock not made
/// while holding it). Reversing that race put the main thread's independent `start` of the taker
/// before the `locked()`, where the lock is already taken (by the `try_acquire`), a branch that
/// the sleep set then pruned; the race with the `try_acquire` that took the lock was never seen,
/// and the reduced search lost `false`.
fn try_acquire_then_locked(outcomes: &Outcomes) {
    let lock = Arc::new(Lock::<Sim>::new());
    let tried = Arc::new(Mutex::new(None));
    let (l, t) = (lock.clone(), tried.clone());
    let trier = Box::new(move || {
        let ok = l.try_acquire();
        if ok {
            l.locked();
            l.release().unwrap();
        }
        *t.lock().unwrap() = Some(ok);
    }) as Box<dyn FnOnce() + Send>;
    let l = lock.clone();
    let taker = Box::new(move || {
        let _held = l.lock();
    }) as Box<dyn FnOnce() + Send>;
    spawn_all(vec![trier, taker]);
    outcomes.lock().unwrap().insert(format!("{:?}", tried.lock().unwrap()));
}

#[test]
fn reduction_keeps_a_blocking_acquire_before_a_try_acquire() {
    assert_same(try_acquire_then_locked);
}

/// A thread takes a unit of a semaphore (value 1) with a blocking `acquire`, then tries to take
/// another; the main thread releases one. The try fails unless the release comes before it.
///
/// A semaphore's release is a step a blocking acquire "never needs to wait for" (`releases`: the
/// acquire skips it as a race partner, and is not ordered after it). But the acquire could go
/// through before the release (the value was 1), and the try, which depends on the release,
/// depends on it only through the acquire (the last write of the semaphore before the try): the
/// try's race with the release is never seen, and the reduced search loses `false`. (Not
/// declaring `releases` for a semaphore's release fixes this model but loses outcomes of
/// `semaphore_as_a_mutex` and `semaphore_try_before_an_acquire`: the acquire's race partner
/// becomes the release, a race that cannot be reversed, and hides the previous acquire or the
/// successful `try_acquire`.)
fn semaphore_try_after_acquire(outcomes: &Outcomes) {
    let sem = Arc::new(Semaphore::<Sim>::new(1));
    let event = Arc::new(Event::<Sim>::new());
    let tried = Arc::new(Mutex::new(None));
    let (s, e, t) = (sem.clone(), event.clone(), tried.clone());
    let taker = Thread::<Sim>::new(move || {
        e.wait();
        s.acquire();
        *t.lock().unwrap() = Some(s.try_acquire());
    });
    taker.start().unwrap();
    event.set();
    sem.release().unwrap();
    taker.join().unwrap();
    outcomes.lock().unwrap().insert(format!("{:?}", tried.lock().unwrap()));
}

#[test]
fn reduction_keeps_a_try_before_a_release_after_an_acquire() {
    assert_same(semaphore_try_after_acquire);
}

/// A thread sleeps while it holds a lock the main thread then takes; a third thread only sleeps
/// (for less time). If the main thread takes the lock first, the other's increment comes after
/// its store.
///
/// The main thread's acquire took as its race partner the last write to the lock not made while
/// the object was out of its reach: the third thread's wake-up (time moved: a step dependent on
/// everything), a race that cannot be reversed (the lock is held then). The previous acquire of
/// the lock, the real partner, happens before that wake-up and so was never raced with the main
/// thread's acquire (until acquires raced with the previous acquire explicitly): the reduced
/// search lost the main thread going first.
fn sleep_holding_a_lock(outcomes: &Outcomes) {
    let lock = Arc::new(Lock::<Sim>::new());
    let value = Arc::new(AtomicUsize::<Sim>::new(0));
    let (l, v) = (lock.clone(), value.clone());
    let sleeper = Thread::<Sim>::new(move || {
        let _held = l.lock();
        v.fetch_add(1, SeqCst);
        weft_core::sleep::<Sim>(Duration::from_millis(20));
    });
    let bystander = Thread::<Sim>::new(|| weft_core::sleep::<Sim>(Duration::from_millis(10)));
    sleeper.start().unwrap();
    bystander.start().unwrap();
    {
        let _held = lock.lock();
        value.store(5, SeqCst);
    }
    sleeper.join().unwrap();
    bystander.join().unwrap();
    outcomes.lock().unwrap().insert(format!("{}", value.load(SeqCst)));
}

#[test]
fn reduction_keeps_an_acquire_before_a_sleeping_holder() {
    assert_same(sleep_holding_a_lock);
}

/// Three threads take a semaphore of value 1 in turn, as a mutex: every order is an outcome
/// (the acquires race with each other, not with the releases that let them in).
fn semaphore_as_a_mutex(outcomes: &Outcomes) {
    let sem = Arc::new(Semaphore::<Sim>::new(1));
    let log = Arc::new(Mutex::new(String::new()));
    let bodies = ["a", "b", "c"]
        .into_iter()
        .map(|name| {
            let (sem, log) = (sem.clone(), log.clone());
            Box::new(move || {
                sem.acquire();
                log.lock().unwrap().push_str(name);
                sem.release().unwrap();
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

#[test]
fn reduction_keeps_every_semaphore_order() {
    assert_same(semaphore_as_a_mutex);
}

/// The main thread takes a semaphore's only unit with `try_acquire`. Then one thread releases
/// three units, and another releases one, takes one back with a blocking `acquire`, and tries to
/// take another. The try fails if the second thread does all of it before the first releases.
///
/// In the search's first execution the first thread's first release (which made the value 1,
/// `releases`) let the acquire go, so the acquire was not raced with it. The second thread's own
/// release commutes with it and could come first, letting the acquire go instead. Only another
/// thread's update counted as such a replacement, so the reduced search never ran the second
/// thread's three operations first and lost `false` (found by `spec-tests`,
/// `semaphore_conforms`, once a semaphore's `acquire` became a blocking operation).
fn semaphore_own_release_before_an_acquire(outcomes: &Outcomes) {
    let sem = Arc::new(Semaphore::<Sim>::new(1));
    assert!(sem.try_acquire());
    let tried = Arc::new(Mutex::new(None));
    let (releaser, taker, t) = (sem.clone(), sem.clone(), tried.clone());
    spawn_all(vec![
        Box::new(move || {
            for _ in 0..3 {
                releaser.release().unwrap();
            }
        }),
        Box::new(move || {
            taker.release().unwrap();
            taker.acquire();
            *t.lock().unwrap() = Some(taker.try_acquire());
        }),
    ]);
    outcomes.lock().unwrap().insert(format!("{:?}", tried.lock().unwrap()));
}

#[test]
fn reduction_keeps_a_try_after_an_acquire_its_own_release_let_go() {
    assert_same(semaphore_own_release_before_an_acquire);
}

/// One thread takes a unit of a semaphore (value 1) with `try_acquire` and gives it back; another
/// takes one with a blocking `acquire` and gives it back. The try fails if the acquire comes
/// first.
fn semaphore_try_before_an_acquire(outcomes: &Outcomes) {
    let sem = Arc::new(Semaphore::<Sim>::new(1));
    let tried = Arc::new(Mutex::new(None));
    let (s, t) = (sem.clone(), tried.clone());
    let trier = Box::new(move || {
        let ok = s.try_acquire();
        if ok {
            s.release().unwrap();
        }
        *t.lock().unwrap() = Some(ok);
    }) as Box<dyn FnOnce() + Send>;
    let s = sem.clone();
    let taker = Box::new(move || {
        s.acquire();
        s.release().unwrap();
    }) as Box<dyn FnOnce() + Send>;
    spawn_all(vec![trier, taker]);
    outcomes.lock().unwrap().insert(format!("{:?}", tried.lock().unwrap()));
}

#[test]
fn reduction_keeps_an_acquire_before_a_semaphore_try() {
    assert_same(semaphore_try_before_an_acquire);
}

/// Footprints number objects by first touch in the execution, so an object first touched after
/// a decision may have another number in a sibling execution. Here the reader reads the name of
/// one `Thread` object and the renamer reads the name of another, then renames the first (names
/// are read as reads, not writes); neither name is touched before. Explored first, the read gives
/// the first name number n; in the sibling where the renamer goes first, its own read takes n and
/// the renamed name n + 1, so a comparison of numbers would leave the reader asleep (reads of n
/// commute) and lose the read of the new name. The locks only end the steps; the event lets the
/// renamer start before the reader reads.
fn rename_after_a_read_of_a_new_object(outcomes: &Outcomes) {
    let (first, other) = (Arc::new(Thread::<Sim>::new(|| {})), Thread::<Sim>::new(|| {}));
    let (reader_lock, renamer_lock) = (Arc::new(Lock::<Sim>::new()), Arc::new(Lock::<Sim>::new()));
    let started = Arc::new(Event::<Sim>::new());
    // Touched before the threads run: the same numbers in every execution.
    drop(reader_lock.lock());
    drop(renamer_lock.lock());
    started.is_set();
    let seen = Arc::new(Mutex::new(String::new()));
    let (thread, lock, event, sink) = (first.clone(), reader_lock.clone(), started.clone(), seen.clone());
    let reader = Box::new(move || {
        event.set();
        let _held = lock.lock();
        *sink.lock().unwrap() = thread.name();
    }) as Box<dyn FnOnce() + Send>;
    let renamer = Box::new(move || {
        started.wait();
        let _held = renamer_lock.lock();
        other.name();
        first.set_name("renamed");
    }) as Box<dyn FnOnce() + Send>;
    spawn_all(vec![renamer, reader]);
    outcomes.lock().unwrap().insert(seen.lock().unwrap().clone());
}

#[test]
fn reduction_keeps_a_write_to_an_object_first_touched_after_a_decision() {
    assert_same(rename_after_a_read_of_a_new_object);
}

/// Found by the random differential tester (seed 21, model 30), minimised: main can take the lock
/// before the sleeper, then release the semaphore before the worker's first step, so that the
/// worker's `try_acquire` succeeds (`s1`). The reduced search lost it: in the executions where
/// main went first, the sleeper took the lock and main began to wait for it, the worker (asleep)
/// was the only thread that could run, and the execution was cut short before main's acquire
/// ran, so that its race with the sleeper's acquire was never seen; where the worker went first,
/// the sleeper's time-moving step ordered the try before main's release. A thread that begins to
/// wait for an object now races, at once, with the step that took it
/// (`Strategy::blocked`).
fn semaphore_try_before_a_release_behind_a_sleep(outcomes: &Outcomes) {
    let sem = Arc::new(Semaphore::<Sim>::new(0));
    let lock = Arc::new(Lock::<Sim>::new());
    let seen = Arc::new(Mutex::new(String::new()));
    let (sink, worker_sem) = (seen.clone(), sem.clone());
    let worker = Box::new(move || {
        let got = worker_sem.try_acquire();
        sink.lock().unwrap().push_str(if got { "s1" } else { "s0" });
        worker_sem.release().unwrap();
        worker_sem.acquire();
    }) as Box<dyn FnOnce() + Send>;
    let sleeper_lock = lock.clone();
    let sleeper = Box::new(move || {
        let _held = sleeper_lock.lock();
        weft_core::sleep::<Sim>(Duration::from_millis(10));
    }) as Box<dyn FnOnce() + Send>;
    let threads: Vec<Thread<Sim>> = [worker, sleeper].into_iter().map(Thread::new).collect();
    threads.iter().for_each(|t| t.start().unwrap());
    drop(lock.lock());
    sem.release().unwrap();
    threads.iter().for_each(|t| t.join().unwrap());
    outcomes.lock().unwrap().insert(seen.lock().unwrap().clone());
}

#[test]
fn reduction_keeps_a_try_before_a_release_behind_a_sleep() {
    assert_same(semaphore_try_before_a_release_behind_a_sleep);
}

/// `n` threads each take one lock once: n! lock orders, the Mazurkiewicz traces (GenMC's test
/// expects exactly 2, 6, 24 for 2–4 threads).
fn locks_once(n: usize) {
    let lock = Arc::new(Lock::<Sim>::new());
    spawn_all(
        (0..n)
            .map(|_| {
                let lock = lock.clone();
                Box::new(move || drop(lock.lock())) as Box<dyn FnOnce() + Send>
            })
            .collect(),
    );
}

/// `n` threads each update an atomic of their own: one trace.
fn private_atomics(n: usize) {
    spawn_all(
        (0..n)
            .map(|_| {
                Box::new(move || {
                    let mine = AtomicUsize::<Sim>::new(0);
                    mine.fetch_add(1, SeqCst);
                    mine.fetch_add(1, SeqCst);
                }) as Box<dyn FnOnce() + Send>
            })
            .collect(),
    );
}

#[test]
fn a_thread_never_races_with_the_step_that_started_it() {
    // Before, the start of a thread and its first step counted as a race, and reversing it
    // explored the other threads' orders around every start: 3, 15, 83 executions for 2–4
    // threads taking a lock once, and 2, 5, 14 for threads touching only their own atomics.
    let executions = |model: fn()| Explorer::exhaustive().threads(1).check(model).executions;
    assert_eq!([executions(|| locks_once(2)), executions(|| locks_once(3)), executions(|| locks_once(4))], [2, 6, 24]);
    assert_eq!(
        [executions(|| private_atomics(2)), executions(|| private_atomics(3)), executions(|| private_atomics(4))],
        [1, 1, 1]
    );
    // The trace count of the full search (weft's dependency relation) is the lock orders, and
    // the reduced search runs each once.
    let full = Explorer::exhaustive().partial_order_reduction(false).count_traces(true).check(|| locks_once(4));
    assert_eq!(full.traces, Some(24), "{full}");
    let reduced = Explorer::exhaustive().count_traces(true).check(|| locks_once(4));
    assert_eq!((reduced.executions, reduced.traces), (24, Some(24)), "{reduced}");
}

/// Dining philosophers with ordered forks: diner `i` takes forks `min(i, i+1 mod n)` then
/// `max(..)`, each diner logging which fork it took in what order; the outcome is every fork's
/// order of takers.
fn ordered_philosophers(n: usize, outcomes: &Outcomes) {
    let forks: Arc<Vec<Lock<Sim>>> = Arc::new((0..n).map(|_| Lock::new()).collect());
    let log = Arc::new(Mutex::new(vec![String::new(); n]));
    spawn_all(
        (0..n)
            .map(|i| {
                let (forks, log) = (forks.clone(), log.clone());
                Box::new(move || {
                    let (first, second) = (i.min((i + 1) % n), i.max((i + 1) % n));
                    let _first = forks[first].lock();
                    log.lock().unwrap()[first].push_str(&i.to_string());
                    let _second = forks[second].lock();
                    log.lock().unwrap()[second].push_str(&i.to_string());
                }) as Box<dyn FnOnce() + Send>
            })
            .collect(),
    );
    outcomes.lock().unwrap().insert(log.lock().unwrap().join(" "));
}

#[test]
fn reduction_keeps_every_fork_order() {
    // (With 4 diners the full search runs 45 million executions, 4 minutes.)
    assert_same(|outcomes| ordered_philosophers(3, outcomes));
}

#[test]
fn a_sleeping_threads_next_lock_is_known_in_every_execution() {
    // The forks are first touched by the diners, in an order that depends on the interleaving.
    // Before, a sleep-set entry taken in one execution could not tell, in another, its diner's
    // next fork from any other fork first touched after the decision, and woke it on every new
    // fork: 14, 82 and 451 executions for 3, 4 and 5 diners. Now each thread's next object is
    // numbered when announced.
    let search = |n: usize, explorer: Explorer| {
        let outcomes = Outcomes::default();
        explorer.threads(1).count_traces(true).check(move || ordered_philosophers(n, &outcomes))
    };
    let full = search(3, Explorer::exhaustive().partial_order_reduction(false));
    for n in 3..=5 {
        // Sleep sets alone reach every trace, in fewer executions than the full search.
        let traces = search(n, Explorer::exhaustive().sleep_sets_only(true)).traces.expect("counted");
        if n == 3 {
            assert_eq!(Some(traces), full.traces);
        }
        let reduced = search(n, Explorer::exhaustive());
        println!("{n} diners: {traces} traces, {} executions", reduced.executions);
        assert_eq!(reduced.traces, Some(traces), "{reduced}");
        assert!(reduced.executions * 10 <= traces * 11, "{n} diners: {reduced} for {traces} traces");
    }
}

/// The sequence a race's reversal runs does not need the steps that came before the race's
/// second step only through its first (the release before an acquire): the diners' searches
/// run no execution that sleep sets cut short. Before, the second step's clock counted them,
/// the diner whose step it was passed for no initial of the sequence, and the search added
/// another diner, whose steps led to a state where every diner was asleep: 7, 20 and 49
/// executions for 6, 14 and 30 traces.
#[test]
fn reversing_a_race_runs_no_execution_that_sleep_sets_cut_short() {
    for n in 3..=6 {
        let outcomes = Outcomes::default();
        let stats = Explorer::exhaustive().threads(1).check(move || ordered_philosophers(n, &outcomes));
        assert_eq!(stats.pruned, 0, "{n} diners: {stats}");
    }
}

/// Threads each store a value in their slot of one `Local`, take a lock, and read it back. A
/// thread's end drops its slot's value, and so does the main thread's step after its last join
/// (it drops the `Local`): the two steps touch the same object.
fn local_values(threads: usize) {
    let local = Arc::new(Local::<Sim, AtomicUsize<Sim>>::new(|| AtomicUsize::new(0)));
    let lock = Arc::new(Lock::<Sim>::new());
    let bodies = (0..threads)
        .map(|i| {
            let (local, lock) = (local.clone(), lock.clone());
            Box::new(move || {
                local.with(|value| value.store(i, SeqCst));
                drop(lock.lock());
                assert_eq!(local.with(|value| value.load(SeqCst)), i);
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
}

/// A thread's end releases its join (`Observe::releases`), and the joiner's next step cannot
/// come before it: whatever else the two steps touch (here the `Local`'s values), they are no
/// race. Before, the race was reversed all the same, at a decision whose executions all ended
/// blocked by sleep sets: 2 threads, 15 executions (5 cut short) for 10 traces (on the façade,
/// without the lock, 3 threads: 570 executions, 228 cut short, for 342 traces).
#[test]
fn a_join_is_not_raced_with_the_end_that_let_it_go() {
    for threads in 2..=3 {
        let search = |explorer: Explorer| explorer.threads(1).count_traces(true).check(move || local_values(threads));
        let traces = search(Explorer::exhaustive().sleep_sets_only(true)).traces.expect("counted");
        let reduced = search(Explorer::exhaustive());
        println!("{threads} threads: {traces} traces, {reduced}");
        assert_eq!((reduced.executions, reduced.pruned), (traces, 0), "{threads} threads: {reduced}");
    }
}

/// A watcher reads what two threads contending for one lock are blocked on, twice: every pair
/// of values it can see is an outcome (the blocked-on record is shared state like any other).
fn blocked_on_watched(outcomes: &Outcomes) {
    let lock = Arc::new(Lock::<Sim>::new());
    let published = Arc::new(Event::<Sim>::new());
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let bodies: Vec<_> = (0..2)
        .map(|i| {
            let (lock, published, statuses) = (lock.clone(), published.clone(), statuses.clone());
            Box::new(move || {
                let mut all = statuses.lock().unwrap();
                all.push((i, weft_core::current_status::<Sim>()));
                if all.len() == 2 {
                    published.set();
                }
                drop(all);
                let _held = lock.lock();
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    let threads: Vec<Thread<Sim>> = bodies.into_iter().map(Thread::new).collect();
    threads.iter().for_each(|t| t.start().unwrap());
    published.wait();
    let mut statuses = statuses.lock().unwrap().clone();
    statuses.sort_by_key(|(i, _)| *i);
    let key = lock.wait_key();
    let mut seen = String::new();
    for _ in 0..2 {
        for (_, status) in &statuses {
            seen.push(if status.blocked_on() == key { 'B' } else { '-' });
        }
        seen.push(' ');
        // A scheduling point between the two rounds of reads.
        assert!(published.is_set());
    }
    threads.iter().for_each(|t| t.join().unwrap());
    outcomes.lock().unwrap().insert(seen);
}

#[test]
fn reduction_keeps_every_blocked_on_value_a_watcher_sees() {
    assert_same(blocked_on_watched);
}

/// Two threads that yield first (so they poll: they run only when no other thread can), then one
/// updates an atomic under a lock and the other stores to it, while the main thread adds to it
/// before joining them. Found by the differential campaign's guards-held share (Sim, seed 42):
/// the reduced search ran one of the two orders of the yielders. The first thread's first step
/// after its yield ended its polling, which kept the other out of every decision until it was
/// done, so the race between their stores was not reversible where it was found, and sleep sets
/// took the other order as covered by it. Such a step now depends on everything.
fn yield_first(outcomes: &Outcomes) {
    let value = Arc::new(AtomicUsize::<Sim>::new(0));
    let lock = Arc::new(Lock::<Sim>::new());
    let seen: Arc<Mutex<[usize; 2]>> = Arc::default();
    let (on_a, lock_a, seen_a) = (value.clone(), lock.clone(), seen.clone());
    let a = Thread::<Sim>::new(move || {
        weft_core::std_thread::yield_now::<Sim>();
        let _held = lock_a.lock();
        seen_a.lock().unwrap()[0] = on_a.load(SeqCst);
        on_a.store(2, SeqCst);
    });
    let on_c = value.clone();
    let c = Thread::<Sim>::new(move || {
        weft_core::std_thread::yield_now::<Sim>();
        on_c.store(1, SeqCst);
    });
    a.start().unwrap();
    c.start().unwrap();
    seen.lock().unwrap()[1] = value.fetch_add(1, SeqCst);
    a.join().unwrap();
    c.join().unwrap();
    outcomes.lock().unwrap().insert(format!("{:?} final {}", seen.lock().unwrap(), value.load(SeqCst)));
}

#[test]
fn reduction_keeps_every_order_of_threads_that_yield_first() {
    let ((reduced, _), (full, _)) = both(yield_first);
    assert_eq!(full.len(), 2, "{full:?}");
    assert_same(yield_first);
    assert_eq!(reduced, full);
}

/// `parties` threads pass a barrier `rounds` times each (Python's `Barrier`, or std's with
/// `std`), and each logs its arrival index (std's: whether it led) in each round: the outcomes
/// are the arrival orders.
fn barrier_rounds(parties: usize, rounds: usize, std: bool, outcomes: &Outcomes) {
    let python = Arc::new(Barrier::<Sim>::new(parties).unwrap());
    let std_barrier = Arc::new(StdBarrier::<Sim>::new(parties));
    let log = Arc::new(Mutex::new(vec![vec![0; parties]; rounds]));
    let bodies = (0..parties)
        .map(|i| {
            let (python, std_barrier, log) = (python.clone(), std_barrier.clone(), log.clone());
            Box::new(move || {
                for round in 0..rounds {
                    let index = if std { usize::from(std_barrier.wait().is_leader()) } else { python.wait().unwrap() };
                    log.lock().unwrap()[round][i] = index;
                }
            }) as Box<dyn FnOnce() + Send>
        })
        .collect();
    spawn_all(bodies);
    let log = log.lock().unwrap();
    if std {
        assert!(log.iter().all(|round| round.iter().sum::<usize>() == 1), "one leader a round: {log:?}");
    }
    outcomes.lock().unwrap().insert(format!("{log:?}"));
}

/// The waiters a barrier's last arrival lets go each read only their wake-up on leaving
/// (`Observe::next_park_reads_only_its_wake`): their exits commute with each other and with
/// the barrier's next round, and every execution of a round is an arrival order. Before, each
/// exit of Python's barrier wrote the barrier's queue, and the exits' orders were traces of
/// their own: 3 parties once, 12 executions for 6 arrival orders. std's barrier, made of a
/// mutex and a condition variable, ordered each exit as it took the mutex back: 3 parties
/// twice, 438 executions for 432 traces, where the arrival orders are 36.
#[test]
fn a_barriers_exits_commute() {
    for std in [false, true] {
        for (parties, rounds, orders) in [(2, 1, 2), (3, 1, 6), (4, 1, 24), (2, 2, 4), (3, 2, 36)] {
            let found: Outcomes = Arc::default();
            let sink = found.clone();
            let model = move || barrier_rounds(parties, rounds, std, &sink);
            let reduced = Explorer::exhaustive().threads(1).count_traces(true).check(model);
            let traces = Explorer::exhaustive()
                .threads(1)
                .sleep_sets_only(true)
                .count_traces(true)
                .check(move || barrier_rounds(parties, rounds, std, &Arc::default()))
                .traces;
            let what = format!("std {std}, {parties} parties, {rounds} rounds: {traces:?} traces, {reduced}");
            println!("{what}");
            if !std {
                // (std's outcome, whether each thread led, does not tell the arrival orders.)
                assert_eq!(found.lock().unwrap().len(), orders, "{what}");
            }
            assert_eq!((reduced.executions, traces), (orders, Some(orders)), "{what}");
        }
    }
    assert_same(|outcomes| barrier_rounds(3, 2, false, outcomes));
    assert_same(|outcomes| barrier_rounds(3, 1, true, outcomes));
}

/// Two daemon threads that the main thread joins with a timeout of 1 s, then with none; the
/// outcome: which were alive after each join, and the semaphore's value. The threads (`kind`):
/// 0, each releases the semaphore; 1, one waits for an event never set, the other sleeps 0.5 s;
/// 2, one sleeps 1.5 s, the other waits 1.2 s for the semaphore, then sets the event; 3, each
/// waits for the event up to 1 s (the main thread's first deadline), then releases, while the
/// main thread sets the event after its joins and takes a unit if one is there.
fn timed_joins(kind: usize, outcomes: &Outcomes) {
    let (units, event) = (Arc::new(Semaphore::<Sim>::new(0)), Arc::new(Event::<Sim>::new()));
    let threads: Vec<Thread<Sim>> = (0..2)
        .map(|i| {
            let (units, event) = (units.clone(), event.clone());
            Thread::new(move || match (kind, i) {
                (0, _) => units.release().unwrap(),
                (1, 0) => drop(event.wait()),
                (1, _) => sleep::<Sim>(Duration::from_millis(500)),
                (2, 0) => sleep::<Sim>(Duration::from_millis(1500)),
                (2, _) => {
                    let _ = units.acquire_timeout(Duration::from_millis(1200)).unwrap();
                    event.set();
                }
                _ => {
                    let _ = event.wait_timeout(Duration::from_secs(1)).unwrap();
                    units.release().unwrap();
                }
            })
        })
        .collect();
    let mut outcome = String::new();
    for thread in &threads {
        thread.set_daemon(true).unwrap();
        thread.start().unwrap();
    }
    for thread in &threads {
        thread.join_timeout(Duration::from_secs(1)).unwrap();
        outcome.push(if thread.is_alive() { 'A' } else { 'd' });
    }
    if kind == 3 {
        event.set();
        let _ = units.acquire_timeout(Duration::ZERO).unwrap();
    }
    for thread in &threads {
        thread.join_timeout(Duration::ZERO).unwrap();
        outcome.push(if thread.is_alive() { 'A' } else { 'd' });
    }
    outcome.push_str(&format!(" {}", units.value()));
    outcomes.lock().unwrap().insert(outcome);
}

/// A join with a timeout waits for the thread's end as a join without one does: the simulator
/// keeps it off the run queue until the thread ended or the time is up, and its checks read the
/// thread's state in the join's own step. Its ending steps then commute with the end that let it
/// go. Before, the checks ran in the step before the join, and the join parked: `kind` 0 took 9
/// executions, for 9 traces by that relation (1 now), and `kind` 3 took 42 (12 now).
#[test]
fn a_timed_join_is_not_raced_with_the_end_that_let_it_go() {
    let models: [fn(&Outcomes); 4] =
        [|o| timed_joins(0, o), |o| timed_joins(1, o), |o| timed_joins(2, o), |o| timed_joins(3, o)];
    for model in models {
        assert_same(model);
    }
    let reduced = Explorer::exhaustive().threads(1).count_traces(true).check(|| timed_joins(0, &Outcomes::default()));
    assert_eq!((reduced.executions, reduced.traces), (1, Some(1)), "{reduced}");
}
