//! Objects from another execution or another world are refused at their first use, with a panic
//! that names the object, says where it was made and what to do: a façade object kept in a
//! `static` from one execution to the next, made outside the simulation that uses it, or used by
//! a simulation and by a real thread at the same time.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use weft::sim::{Explorer, FailureKind};
use weft::{AtomicBool, Condition, Event, Lock};

fn message(report: &weft::sim::Report) -> &str {
    assert_eq!(report.failure.kind, FailureKind::Panic, "{report}");
    &report.failure.message
}

#[test]
fn a_lock_kept_in_a_static_from_an_earlier_execution_is_refused() {
    static KEPT: OnceLock<Lock> = OnceLock::new();
    static EXECUTIONS: AtomicUsize = AtomicUsize::new(0);
    let report = Explorer::random_walk(1)
        .iterations(10)
        .run(|| {
            EXECUTIONS.fetch_add(1, Relaxed);
            let lock = KEPT.get_or_init(Lock::new);
            // Left locked: without the check the next execution deadlocks (or, with a timeout,
            // times out on a lock nobody holds).
            assert!(lock.acquire_timeout(Duration::from_secs(1)).unwrap(), "timed out");
        })
        .expect_err("the second execution uses the first one's lock");
    let message = message(&report);
    assert_eq!(report.stats.executions, 2);
    assert!(EXECUTIONS.load(Relaxed) >= 2);
    assert!(message.contains("this Lock was made in an earlier execution"), "{message}");
    assert!(message.contains("weft::sync::OnceLock"), "{message}");
    assert!(message.contains("inside the model"), "{message}");
}

#[test]
fn objects_made_outside_the_simulation_are_refused_inside() {
    let lock = Arc::new(Lock::new());
    let l = lock.clone();
    let report = Explorer::random_walk(1)
        .iterations(3)
        .run(move || drop(l.lock()))
        .expect_err("a lock made outside the simulation");
    let message = message(&report);
    assert!(message.contains("this Lock was made outside any simulation"), "{message}");
    // The other kinds keyed by a byte cell too, each under its own name (the façade's word-keyed
    // kinds keep no origin: see `weft::Auto`).
    let event = Arc::new(Event::new());
    let report = Explorer::random_walk(1)
        .iterations(3)
        .run(move || {
            event.is_set();
        })
        .unwrap_err();
    assert!(message_of(&report).contains("this Event was made outside"), "{report}");
    let condition: Arc<Condition> = Arc::new(Condition::new());
    let report = Explorer::random_walk(1)
        .iterations(3)
        .run(move || {
            let _held = condition.lock();
        })
        .unwrap_err();
    assert!(message_of(&report).contains("this RLock was made outside"), "{report}");
    let flag = Arc::new(AtomicBool::new(false));
    let report = Explorer::random_walk(1).iterations(3).run(move || flag.store(true, Relaxed)).unwrap_err();
    assert!(message_of(&report).contains("this AtomicBool was made outside"), "{report}");
    // The lock is still the real threads' own afterwards.
    assert!(lock.try_acquire());
}

fn message_of(report: &weft::sim::Report) -> &str {
    &report.failure.message
}

#[test]
fn a_lock_used_by_a_simulation_and_by_a_real_thread_at_once_is_refused() {
    // A real thread that uses whatever lock it is handed, and says whether that was refused.
    let (to_real, requests) = mpsc::channel::<Arc<Lock>>();
    let (answers, from_real) = mpsc::channel::<String>();
    let real = std::thread::spawn(move || {
        for lock in requests {
            let outcome = std::panic::catch_unwind(|| lock.acquire_timeout(Duration::from_millis(100)));
            let answer = match outcome {
                Ok(taken) => format!("used: {taken:?}"),
                Err(payload) => payload.downcast_ref::<String>().cloned().unwrap_or_else(|| "refused".to_owned()),
            };
            answers.send(answer).unwrap();
        }
    });
    let to_real = Mutex::new(to_real);
    let from_real = Mutex::new(from_real);
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    Explorer::random_walk(1).iterations(1).check(move || {
        let lock = Arc::new(Lock::new());
        to_real.lock().unwrap().send(lock.clone()).unwrap();
        // The real thread answers at once: no stall.
        *s.lock().unwrap() = Some(from_real.lock().unwrap().recv().unwrap());
    });
    let answer = seen.lock().unwrap().take().expect("an answer");
    assert!(answer.contains("this Lock was made in execution #"), "{answer}");
    assert!(answer.contains("used by a real thread"), "{answer}");
    real.join().unwrap();
}

#[test]
fn per_execution_statics_are_the_fix() {
    static KEPT: weft::sync::OnceLock<Lock> = weft::sync::OnceLock::new();
    Explorer::random_walk(1).iterations(10).check(|| {
        let lock = KEPT.get_or_init(Lock::new);
        assert!(lock.acquire_timeout(Duration::from_secs(1)).unwrap());
    });
}

/// Runs `use_it` on an object made outside the simulation, and returns the report's message.
fn refused_outside<T: Send + Sync + 'static>(object: T, use_it: fn(&T)) -> String {
    let object = Arc::new(object);
    let report = Explorer::random_walk(1)
        .iterations(3)
        .run(move || use_it(&object))
        .expect_err("an object made outside the simulation is refused");
    message(&report).to_owned()
}

#[test]
fn word_keyed_objects_made_outside_the_simulation_are_refused_inside() {
    let cases: Vec<(&str, String)> = vec![
        (
            "Semaphore",
            refused_outside(weft::Semaphore::new(1), |s| {
                s.acquire();
            }),
        ),
        (
            "BoundedSemaphore",
            refused_outside(weft::BoundedSemaphore::new(1), |s| {
                s.acquire();
            }),
        ),
        ("Barrier", refused_outside(weft::Barrier::new(1).unwrap(), |b| drop(b.wait()))),
        (
            "AtomicUsize",
            refused_outside(weft::AtomicUsize::new(0), |a| {
                a.fetch_add(1, Relaxed);
            }),
        ),
        ("Thread", refused_outside(weft::Thread::new(|| {}), |t| drop(t.start()))),
        ("Local", refused_outside(weft::Local::new(|| 7u64), |l| assert_eq!(l.get(), 7))),
    ];
    for (kind, message) in cases {
        assert!(message.contains(&format!("this {kind} was made outside any simulation")), "{kind}: {message}");
    }
}

#[test]
fn a_semaphore_kept_in_a_static_from_an_earlier_execution_is_refused() {
    static KEPT: OnceLock<weft::Semaphore> = OnceLock::new();
    let report = Explorer::random_walk(1)
        .iterations(10)
        .run(|| {
            let semaphore = KEPT.get_or_init(|| weft::Semaphore::new(1));
            // Taken and never given back: without the check the next execution waits for ever
            // (a false deadlock), or times out on a semaphore nobody holds.
            assert!(semaphore.acquire_timeout(Duration::from_secs(1)).unwrap(), "timed out");
        })
        .expect_err("the second execution uses the first one's semaphore");
    assert_eq!(report.stats.executions, 2);
    assert!(message(&report).contains("this Semaphore was made in an earlier execution"), "{report}");
}

/// A `Local` in a std static outlives its execution: its bookkeeping lock, taken by a thread that
/// the execution's end abandoned, would carry into the next one (a false deadlock, or a report
/// that calls the model nondeterministic). It is refused at first use instead, as a `Lock` is.
#[test]
fn a_local_kept_in_a_static_from_an_earlier_execution_is_refused() {
    static KEPT: std::sync::LazyLock<weft::Local<std::cell::Cell<u32>>> =
        std::sync::LazyLock::new(|| weft::Local::new(|| std::cell::Cell::new(0)));
    static EXECUTIONS: AtomicUsize = AtomicUsize::new(0);
    let report = Explorer::random_walk(1)
        .iterations(10)
        .run(|| {
            // The first execution makes the local: its origin is that execution.
            EXECUTIONS.fetch_add(1, Relaxed);
            assert_eq!(KEPT.with(|c| c.replace(7)), 0, "a thread starts with a fresh value");
        })
        .expect_err("the second execution uses the first one's local");
    assert_eq!(report.stats.executions, 2, "{report}");
    assert!(EXECUTIONS.load(Relaxed) >= 2);
    assert!(message(&report).contains("this Local was made in an earlier execution"), "{report}");
    assert!(message(&report).contains("weft::sync::LazyLock"), "{report}");
}

/// Every other façade type made outside a simulation is refused inside it as well, at the first
/// use of the object it is built on (named in the message), rather than carrying its state into
/// the simulation: the Rust-shaped types, the channels, the queues and the `Timer`.
#[test]
fn composite_facade_types_made_outside_the_simulation_are_refused_inside() {
    use std::sync::Mutex as StdMutex;
    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }
    let cases: Vec<(&str, String)> = vec![
        ("Mutex", refused_outside(weft::sync::Mutex::new(0), |m| *m.lock().unwrap() += 1)),
        (
            "Mutex",
            refused_outside((weft::sync::Mutex::new(()), weft::sync::Condvar::new()), |(m, c)| {
                drop(c.wait_timeout(m.lock().unwrap(), ms(1)));
            }),
        ),
        ("Condvar", refused_outside(weft::sync::Condvar::new(), |c| c.notify_all())),
        ("RwLock", refused_outside(weft::sync::RwLock::new(0), |r| *r.write().unwrap() += 1)),
        ("RwLock", refused_outside(weft::sync::RwLock::new(0), |r| assert_eq!(*r.read().unwrap(), 0))),
        ("Barrier", refused_outside(weft::sync::Barrier::new(1), |b| assert!(b.wait().is_leader()))),
        (
            // The receiver is not `Sync`: a std mutex shares it (a panic under it poisons it).
            "Sender",
            refused_outside(StdMutex::new(weft::sync::mpsc::channel::<u8>()), |c| {
                let c = c.lock().unwrap_or_else(|e| e.into_inner());
                c.0.send(1).unwrap();
            }),
        ),
        (
            "SyncSender",
            refused_outside(StdMutex::new(weft::sync::mpsc::sync_channel::<u8>(1)), |c| {
                let c = c.lock().unwrap_or_else(|e| e.into_inner());
                c.0.send(1).unwrap();
            }),
        ),
        ("Lock", refused_outside(weft::queue::Queue::<u8>::new(1), |q| q.put(1).unwrap())),
        ("Lock", refused_outside(weft::queue::LifoQueue::<u8>::new(1), |q| q.put(1).unwrap())),
        ("Lock", refused_outside(weft::queue::PriorityQueue::<u8>::new(1), |q| q.put(1).unwrap())),
        ("Lock", refused_outside(weft::queue::SimpleQueue::<u8>::new(), |q| q.put(1))),
        ("Thread", refused_outside(weft::Timer::new(ms(1), || {}), |t| drop(t.start()))),
        (
            "RLock",
            refused_outside(weft::RLock::new(), |l| {
                l.acquire();
            }),
        ),
        ("ParkToken", refused_outside(weft::thread::current(), |t| t.unpark())),
    ];
    for (kind, message) in cases {
        assert!(message.contains(&format!("this {kind} was made outside any simulation")), "{kind}: {message}");
    }
}

/// The façade's `Once` and `OnceLock` are the exceptions by design: inside a simulation each
/// execution has its own, made afresh, so one made outside (or a `static`) is usable there.
#[test]
fn facade_once_and_once_lock_made_outside_are_fresh_in_every_execution() {
    let once = Arc::new(weft::sync::Once::new());
    let cell = Arc::new(weft::sync::OnceLock::<u8>::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let (o, c, r) = (once.clone(), cell.clone(), runs.clone());
    let stats = Explorer::random_walk(1).iterations(5).check(move || {
        o.call_once(|| {
            r.fetch_add(1, Relaxed);
        });
        assert!(c.get().is_none(), "fresh in every execution");
        assert_eq!(*c.get_or_init(|| 1), 1);
    });
    assert_eq!(runs.load(Relaxed), stats.executions);
    assert!(!once.is_completed() && cell.get().is_none(), "the real thread's are its own");
}
