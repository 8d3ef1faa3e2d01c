//! The models only weft can run: they use Python's `threading` objects (Event, Timer, Barrier,
//! Condition's `wait_for` with a timeout), which shuttle does not have, and virtual time.

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use weft::{AtomicBool, AtomicUsize, Barrier, Condition, Event, Lock, Thread, Timer};

fn started(target: impl FnOnce() + Send + 'static) -> Thread {
    let thread = Thread::new(target);
    thread.start().expect("start a thread");
    thread
}

/// A signaller "pulses" an event, `set()` then `clear()` at once: a waiter that is not waiting
/// yet misses the pulse and waits for ever.
pub fn event_pulse() {
    let event = Arc::new(Event::new());
    let on_waiter = event.clone();
    let waiter = started(move || {
        on_waiter.wait();
    });
    let signaller = started(move || {
        event.set();
        event.clear();
    });
    waiter.join().expect("join");
    signaller.join().expect("join");
}

/// A request with a 1 s timeout: a timer answers "timed out" unless cancelled; the job takes 1 s,
/// then cancels the timer and answers. At 1 s the timer may already have fired: two answers.
pub fn timer_cancel() {
    let answers = Arc::new(AtomicUsize::new(0));
    let on_timer = answers.clone();
    let timer = Timer::new(Duration::from_secs(1), move || {
        on_timer.fetch_add(1, SeqCst);
    });
    timer.start().expect("start the timer");
    weft::sleep(Duration::from_secs(1)); // the job
    timer.cancel();
    answers.fetch_add(1, SeqCst);
    timer.join().expect("join the timer");
    assert_eq!(answers.load(SeqCst), 1, "the request was answered twice: the timer fired although cancelled");
}

/// Two workers meet at a barrier counted for three parties (the main thread was counted but
/// never waits): both wait for ever.
pub fn barrier_parties() {
    let barrier = Arc::new(Barrier::new(3).expect("parties >= 1"));
    let phase_one = Arc::new(AtomicBool::new(false));
    let workers: Vec<Thread> = (0..2)
        .map(|i| {
            let (barrier, phase_one) = (barrier.clone(), phase_one.clone());
            started(move || {
                if i == 1 {
                    phase_one.store(true, SeqCst);
                }
                barrier.wait().expect("the barrier is not broken");
                if i == 0 {
                    assert!(phase_one.load(SeqCst), "phase two started before phase one ended");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("join");
    }
}

/// A waiter gives a worker 10 ms (`wait_for` with a timeout) and takes a timeout for a failure;
/// the worker is ready after exactly 10 ms, so which comes first is a race.
pub fn wait_for_timeout() {
    let ready = Arc::new((Condition::<Lock>::with_lock(Lock::new()), AtomicBool::new(false)));
    let on_worker = ready.clone();
    let worker = started(move || {
        weft::sleep(Duration::from_millis(10));
        let (condition, ready) = &*on_worker;
        let _held = condition.lock();
        ready.store(true, SeqCst);
        condition.notify_all().expect("the lock is held");
    });
    let (condition, flag) = &*ready;
    let in_time = {
        let _held = condition.lock();
        condition.wait_for_timeout(|| flag.load(SeqCst), Duration::from_millis(10)).expect("the lock is held")
    };
    assert!(in_time, "the worker timed out");
    worker.join().expect("join");
}
