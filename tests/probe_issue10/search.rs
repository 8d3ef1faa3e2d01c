//! Section 2: bounded and unbounded search find what they claim.

use super::*;

/// The main thread yields, then assumes the worker ran: wrong on real threads (a yield is only
/// a hint), and found by any search that lets the yielder go on.
pub(crate) fn yield_assumes_the_worker_ran(sleep_zero: bool) {
    let x = Arc::new(AtomicUsize::new(0));
    let x2 = x.clone();
    let t = Thread::new(move || {
        x2.store(1, SeqCst);
    });
    t.start().unwrap();
    if sleep_zero {
        weft::sleep(Duration::ZERO);
    } else {
        weft::yield_now();
    }
    assert_eq!(x.load(SeqCst), 1, "the worker had not run after the yield");
    t.join().unwrap();
}

pub(crate) fn finds(name: &str, model: fn(), strategies: Vec<(&'static str, Explorer)>) -> Vec<String> {
    let mut missed = Vec::new();
    for (sname, e) in strategies {
        match e.run(model) {
            Ok(stats) => missed.push(format!("{name}: {sname} missed it (exhausted: {})", stats.exhausted)),
            Err(r) => {
                if r.failure.kind != FailureKind::Panic {
                    missed.push(format!("{name}: {sname}: {}", r.failure.kind));
                }
            }
        }
    }
    missed
}

pub(crate) fn all_strategies() -> Vec<(&'static str, Explorer)> {
    vec![
        ("exhaustive", Explorer::exhaustive()),
        ("exhaustive without reduction", Explorer::exhaustive().partial_order_reduction(false)),
        ("bounded 0", Explorer::exhaustive().preemption_bound(0)),
        ("bounded 1", Explorer::exhaustive().preemption_bound(1)),
        ("bounded 2", Explorer::exhaustive().preemption_bound(2)),
        ("check", Explorer::portfolio(weft::sim::DEFAULT_SEED)),
    ]
}

#[test]
#[ignore = "probe: after yield_now()/sleep(0) the yielder never goes on while another thread can run, in every strategy: exhausted: true misses a real bug"]
pub(crate) fn probe_yield_is_only_a_hint() {
    let mut missed = finds("yield_now", || yield_assumes_the_worker_ran(false), all_strategies());
    missed.extend(finds("sleep(0)", || yield_assumes_the_worker_ran(true), all_strategies()));
    assert!(missed.is_empty(), "{missed:#?}");
}

/// For failing models, the shrunk report's preemption count p: a search bounded by p finds it.
pub(crate) fn bound_oracle(name: &str, model: fn()) -> Option<String> {
    let report = match Explorer::exhaustive().partial_order_reduction(false).iterations(20000).run(model) {
        Err(r) => r,
        Ok(s) => return Some(format!("{name}: unbounded search missed it: {s:?}")),
    };
    let p = report.shrunk.as_ref().map_or(report.preemptions, |s| s.preemptions);
    for reduce in [false, true] {
        match Explorer::exhaustive().preemption_bound(p).partial_order_reduction(reduce).run(model) {
            Err(_) => {}
            Ok(s) => {
                return Some(format!(
                    "{name}: a failure with {p} preemption(s) (token {}), missed by preemption_bound({p}) (reduction {reduce}): {s:?}\n{report}",
                    report.token
                ));
            }
        }
    }
    None
}

/// A bug behind a condition: the waiter checks with `if` instead of `while` and two consumers.
pub(crate) fn condition_if_instead_of_while() {
    let cond = Arc::new(Condition::with_lock(Lock::new()));
    let items = Arc::new(AtomicUsize::new(0));
    let consumers: Vec<Thread> = (0..2)
        .map(|_| {
            let (c, i) = (cond.clone(), items.clone());
            Thread::new(move || {
                let _g = c.lock();
                if i.load(SeqCst) == 0 {
                    c.wait().unwrap();
                }
                let n = i.load(SeqCst);
                assert!(n > 0, "consumed from an empty queue");
                i.store(n - 1, SeqCst);
            })
        })
        .collect();
    consumers.iter().for_each(|t| t.start().unwrap());
    let (c, i) = (cond.clone(), items.clone());
    let producer = Thread::new(move || {
        let _g = c.lock();
        i.store(i.load(SeqCst) + 1, SeqCst);
        c.notify_all().unwrap();
    });
    producer.start().unwrap();
    producer.join().unwrap();
    let _g = cond.lock();
    let n = items.load(SeqCst);
    if n == 0 {
        // the second consumer still waits: feed it
        items.store(1, SeqCst);
        cond.notify_all().unwrap();
    }
    drop(_g);
    consumers.iter().for_each(|t| t.join().unwrap());
}

/// Event clear race: a waiter with a timeout misses a set/clear pulse.
pub(crate) fn event_pulse() {
    let ev = Arc::new(Event::new());
    let seen = Arc::new(AtomicBool::new(false));
    let (e, s) = (ev.clone(), seen.clone());
    let waiter = Thread::new(move || {
        if e.wait_timeout(Duration::from_millis(10)).unwrap() {
            s.store(true, SeqCst);
        }
    });
    waiter.start().unwrap();
    ev.set();
    ev.clear();
    waiter.join().unwrap();
    assert!(seen.load(SeqCst), "the waiter missed the pulse");
}

/// A semaphore guarding a check-then-act with a sleep inside: 3 threads, capacity 2.
pub(crate) fn semaphore_check_then_act() {
    let sem = Arc::new(Semaphore::new(2));
    let slots = Arc::new(AtomicUsize::new(1));
    let threads: Vec<Thread> = (0..3)
        .map(|_| {
            let (s, n) = (sem.clone(), slots.clone());
            Thread::new(move || {
                let _g = s.guard();
                if n.load(SeqCst) > 0 {
                    weft::sleep(Duration::from_millis(1));
                    let v = n.load(SeqCst);
                    assert!(v > 0, "slot taken twice");
                    n.store(v - 1, SeqCst);
                }
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
}

/// A barrier whose action reads a counter the parties update after the barrier.
pub(crate) fn barrier_action_race() {
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let bar = Arc::new(Barrier::new(2).unwrap().with_action(move || {
        assert_eq!(c.load(SeqCst), 2, "the action ran before both arrived");
    }));
    let threads: Vec<Thread> = (0..2)
        .map(|_| {
            let (b, n) = (bar.clone(), count.clone());
            Thread::new(move || {
                b.wait().unwrap();
                n.fetch_add(1, SeqCst);
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
}

/// An RLock reentered around a check-then-act of two threads (lock released between).
pub(crate) fn rlock_check_then_act() {
    let r = Arc::new(RLock::new());
    let v = Arc::new(AtomicUsize::new(0));
    let threads: Vec<Thread> = (0..2)
        .map(|_| {
            let (r, v) = (r.clone(), v.clone());
            Thread::new(move || {
                let seen = {
                    let _a = r.lock();
                    let _b = r.lock();
                    v.load(SeqCst)
                };
                weft::yield_now();
                let _a = r.lock();
                v.store(seen + 1, SeqCst);
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
    assert_eq!(v.load(SeqCst), 2, "lost update");
}

#[test]
pub(crate) fn probe_bounded_search_finds_what_it_covers() {
    let models: Vec<(&str, fn())> = vec![
        ("lost_update", lost_update),
        ("condition_if_instead_of_while", condition_if_instead_of_while),
        ("event_pulse", event_pulse),
        ("semaphore_check_then_act", semaphore_check_then_act),
        ("barrier_action_race", barrier_action_race),
        ("rlock_check_then_act", rlock_check_then_act),
    ];
    let problems: Vec<String> = models.into_iter().filter_map(|(n, m)| bound_oracle(n, m)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
