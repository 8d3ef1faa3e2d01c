//! Probes of issue 10 ("Trustworthy verdicts") as a new user would write them, with the façade.
//! Ignored tests are open problems (`#[ignore = "probe: …"]`); the others are regression tests.

#[path = "probe/child.rs"]
mod child;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft::sim::{Explorer, FailureKind};
use weft::{AtomicBool, AtomicUsize, Barrier, Condition, Event, Lock, RLock, Semaphore, Thread};

type Outcomes = Arc<Mutex<BTreeSet<String>>>;

fn spawn_all(bodies: Vec<Box<dyn FnOnce() + Send>>) {
    let threads: Vec<Thread> = bodies.into_iter().map(Thread::new).collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
}

fn boxed(f: impl FnOnce() + Send + 'static) -> Box<dyn FnOnce() + Send> {
    Box::new(f)
}

/// Outcomes of `model` under `explorer` (which must not fail); with `exhausted`.
fn outcomes(explorer: Explorer, model: fn(&Outcomes)) -> (BTreeSet<String>, bool, usize) {
    let set: Outcomes = Arc::default();
    let sink = set.clone();
    let stats = explorer.run(move || model(&sink)).unwrap_or_else(|r| panic!("{r}"));
    let out = set.lock().unwrap().clone();
    (out, stats.exhausted, stats.executions)
}

/// Exhaustive with and without reduction reach the same outcomes, and random walk reaches no
/// outcome that they miss.
fn assert_complete(model: fn(&Outcomes)) {
    let (reduced, ex1, n1) = outcomes(Explorer::exhaustive(), model);
    let (full, ex2, n2) = outcomes(Explorer::exhaustive().partial_order_reduction(false), model);
    let (random, _, _) = outcomes(Explorer::random_walk(3).iterations(300), model);
    let (pct, _, _) = outcomes(Explorer::pct(5, 3).iterations(200), model);
    assert!(ex1 && ex2);
    println!("reduced {n1} executions: {reduced:?}\nfull {n2} executions: {full:?}");
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    assert!(random.is_subset(&full), "random walk found outcomes exhaustive search missed: {:?}", random.difference(&full).collect::<Vec<_>>());
    assert!(pct.is_subset(&full), "PCT found outcomes exhaustive search missed: {:?}", pct.difference(&full).collect::<Vec<_>>());
}

/// A log whose appends are visible to the simulator (each a `fetch_add` on one atomic), so the
/// order of appends is an order the search must distinguish.
struct Log {
    seq: AtomicUsize,
    items: Mutex<Vec<(usize, String)>>,
}

impl Log {
    fn new() -> Self {
        Log { seq: AtomicUsize::new(0), items: Mutex::new(Vec::new()) }
    }
    fn lock(&self) -> LogView<'_> {
        LogView(self)
    }
}

struct LogView<'a>(&'a Log);

impl LogView<'_> {
    fn push_str(&mut self, s: &str) {
        let n = self.0.seq.fetch_add(1, SeqCst);
        self.0.items.lock().unwrap().push((n, s.to_owned()));
    }
    fn push(&mut self, s: String) {
        self.push_str(&s);
    }
    fn clone(&self) -> String {
        let mut v = self.0.items.lock().unwrap().clone();
        v.sort();
        v.into_iter().map(|(_, s)| s).collect::<Vec<_>>().join("")
    }
    fn unwrap(self) -> Self {
        self
    }
}

impl std::fmt::Display for LogView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.clone())
    }
}

fn push(log: &Log, s: &str) {
    log.lock().push_str(s);
}

/// Two waiters (one with a timeout) on a condition, a notifier that notifies one, then all.
fn condition_notify_one_then_all(out: &Outcomes) {
    let cond = Arc::new(Condition::with_lock(Lock::new()));
    let log = Arc::new(Log::new());
    let (c1, l1) = (cond.clone(), log.clone());
    let (c2, l2) = (cond.clone(), log.clone());
    let (c3, l3) = (cond.clone(), log.clone());
    spawn_all(vec![
        boxed(move || {
            let _g = c1.lock();
            let woke = c1.wait().unwrap();
            push(&l1, if woke { "A" } else { "a" });
        }),
        boxed(move || {
            let _g = c2.lock();
            let woke = c2.wait_timeout(Duration::from_millis(5)).unwrap();
            push(&l2, if woke { "B" } else { "b" });
        }),
        boxed(move || {
            weft::sleep(Duration::from_millis(3));
            {
                let _g = c3.lock();
                c3.notify(1).unwrap();
                push(&l3, "n");
            }
            weft::sleep(Duration::from_millis(3));
            let _g = c3.lock();
            c3.notify_all().unwrap();
            push(&l3, "N");
        }),
    ]);
    out.lock().unwrap().insert(log.lock().unwrap().clone());
}

#[test]
fn probe_complete_condition_notify_one_then_all() {
    assert_complete(condition_notify_one_then_all);
}

/// Semaphore acquire with timeout against a release after a sleep, and a try_acquire.
fn semaphore_timeouts(out: &Outcomes) {
    let sem = Arc::new(Semaphore::new(0));
    let log = Arc::new(Log::new());
    let (s1, l1) = (sem.clone(), log.clone());
    let (s2, l2) = (sem.clone(), log.clone());
    let (s3, l3) = (sem.clone(), log.clone());
    spawn_all(vec![
        boxed(move || {
            let got = s1.acquire_timeout(Duration::from_millis(2)).unwrap();
            push(&l1, if got { "A" } else { "a" });
        }),
        boxed(move || {
            let got = s2.try_acquire();
            push(&l2, if got { "T" } else { "t" });
            let got = s2.acquire_timeout(Duration::from_millis(4)).unwrap();
            push(&l2, if got { "B" } else { "b" });
        }),
        boxed(move || {
            s3.release().unwrap();
            weft::sleep(Duration::from_millis(2));
            s3.release().unwrap();
            push(&l3, "r");
        }),
    ]);
    out.lock().unwrap().insert(log.lock().unwrap().clone());
}

#[test]
fn probe_complete_semaphore_timeouts() {
    assert_complete(semaphore_timeouts);
}

/// Event set / clear / wait_timeout with three threads.
fn event_set_clear(out: &Outcomes) {
    let ev = Arc::new(Event::new());
    let log = Arc::new(Log::new());
    let (e1, l1) = (ev.clone(), log.clone());
    let (e2, l2) = (ev.clone(), log.clone());
    let (e3, l3) = (ev.clone(), log.clone());
    spawn_all(vec![
        boxed(move || {
            let got = e1.wait_timeout(Duration::from_millis(1)).unwrap();
            push(&l1, if got { "A" } else { "a" });
        }),
        boxed(move || {
            e2.set();
            e2.clear();
            push(&l2, "s");
        }),
        boxed(move || {
            let seen = e3.is_set();
            push(&l3, if seen { "I" } else { "i" });
        }),
    ]);
    out.lock().unwrap().insert(format!("{}{}", log.lock().unwrap(), ev.is_set()));
}

#[test]
fn probe_complete_event_set_clear() {
    assert_complete(event_set_clear);
}

/// A barrier of 2 with a timeout, three threads: one is left to time out or break.
fn barrier_three_for_two(out: &Outcomes) {
    let bar = Arc::new(Barrier::new(2).unwrap().with_timeout(Duration::from_millis(5)));
    let log = Arc::new(Log::new());
    let bodies = (0..3)
        .map(|i| {
            let (b, l) = (bar.clone(), log.clone());
            boxed(move || {
                let r = b.wait();
                l.lock().unwrap().push(format!("{i}:{} ", match r { Ok(n) => n.to_string(), Err(_) => "E".into() }));
            })
        })
        .collect();
    spawn_all(bodies);
    let v = log.lock().unwrap().clone();
    out.lock().unwrap().insert(format!("{v} broken={}", bar.broken()));
}

#[test]
fn probe_complete_barrier_three_for_two() {
    assert_complete(barrier_three_for_two);
}

/// RLock + Condition with notify_all, a waiter using wait_for, and a reader of a visible atomic.
fn rlock_condition_wait_for(out: &Outcomes) {
    let cond = Arc::new(Condition::new());
    let flag = Arc::new(AtomicUsize::new(0));
    let log = Arc::new(Log::new());
    let (c1, f1, l1) = (cond.clone(), flag.clone(), log.clone());
    let (c2, f2, l2) = (cond.clone(), flag.clone(), log.clone());
    let (c3, f3, l3) = (cond.clone(), flag.clone(), log.clone());
    spawn_all(vec![
        boxed(move || {
            let _g = c1.lock();
            let _g2 = c1.lock();
            let ok = c1.wait_for_timeout(|| f1.load(SeqCst) >= 1, Duration::from_millis(3)).unwrap();
            push(&l1, &format!("w{}{}", ok as u8, f1.load(SeqCst)));
        }),
        boxed(move || {
            let _g = c2.lock();
            f2.fetch_add(1, SeqCst);
            c2.notify_all().unwrap();
            push(&l2, "n");
        }),
        boxed(move || {
            let v = f3.load(SeqCst);
            let _g = c3.lock();
            push(&l3, &format!("r{v}"));
        }),
    ]);
    out.lock().unwrap().insert(log.lock().unwrap().clone());
}

#[test]
#[ignore = "slow (over a minute without reduction); passes"]
fn probe_complete_rlock_condition_wait_for() {
    assert_complete(rlock_condition_wait_for);
}

/// join_timeout against a sleeping thread, and a Lock released by another thread.
fn join_timeout_and_foreign_release(out: &Outcomes) {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let log = Arc::new(Log::new());
    let (lk, l1) = (lock.clone(), log.clone());
    let sleeper = Thread::new(move || {
        weft::sleep(Duration::from_millis(2));
        lk.release().unwrap();
        push(&l1, "r");
    });
    let (lk2, l2) = (lock.clone(), log.clone());
    let taker = Thread::new(move || {
        let got = lk2.acquire_timeout(Duration::from_millis(2)).unwrap();
        push(&l2, if got { "T" } else { "t" });
    });
    sleeper.start().unwrap();
    taker.start().unwrap();
    sleeper.join_timeout(Duration::from_millis(2)).unwrap();
    push(&log, if sleeper.is_alive() { "J" } else { "j" });
    sleeper.join().unwrap();
    taker.join().unwrap();
    out.lock().unwrap().insert(log.lock().unwrap().clone());
}

#[test]
fn probe_complete_join_timeout_and_foreign_release() {
    assert_complete(join_timeout_and_foreign_release);
}

/// A Timer that may be cancelled before or after it fires.
fn timer_cancel_race(out: &Outcomes) {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let timer = weft::Timer::new(Duration::from_millis(1), move || {
        h.fetch_add(1, SeqCst);
    });
    timer.start().unwrap();
    weft::sleep(Duration::from_millis(1));
    timer.cancel();
    timer.join().unwrap();
    out.lock().unwrap().insert(hits.load(SeqCst).to_string());
}

#[test]
fn probe_complete_timer_cancel_race() {
    assert_complete(timer_cancel_race);
}

/// Minimal: the holder releases after sleeping 2 ms; a taker's acquire_timeout(2 ms) expires at
/// the same virtual instant; the main thread's join_timeout(2 ms) too.
fn same_instant_release_vs_timeouts(out: &Outcomes) {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let log = Arc::new(Log::new());
    let (lk, l1) = (lock.clone(), log.clone());
    let sleeper = Thread::new(move || {
        weft::sleep(Duration::from_millis(2));
        lk.release().unwrap();
        push(&l1, "r");
    });
    let (lk2, l2) = (lock.clone(), log.clone());
    let taker = Thread::new(move || {
        let got = lk2.acquire_timeout(Duration::from_millis(2)).unwrap();
        push(&l2, if got { "T" } else { "t" });
    });
    sleeper.start().unwrap();
    taker.start().unwrap();
    sleeper.join_timeout(Duration::from_millis(2)).unwrap();
    push(&log, "j");
    sleeper.join().unwrap();
    taker.join().unwrap();
    out.lock().unwrap().insert(log.lock().unwrap().clone());
}

#[test]
#[ignore = "not a bug: the log is invisible to the simulator, so the missing order is equivalent"]
fn probe_min_same_instant() {
    let (reduced, _, n1) = outcomes(Explorer::exhaustive(), same_instant_release_vs_timeouts);
    let (full, _, n2) = outcomes(Explorer::exhaustive().partial_order_reduction(false), same_instant_release_vs_timeouts);
    println!("reduced {n1}: {reduced:?}\nfull {n2}: {full:?}");
    assert_eq!(reduced, full);
}

/// The lock's holder releases it after 2 ms; a taker's `acquire_timeout(2 ms)` expires at that
/// same instant; the main thread looks at 2 ms. In one schedule the taker has the lock when the
/// main thread looks (the release, then the grant, then the main thread at the same instant).
fn taker_got_it_at_the_instant(main_waits_by_join: bool) {
    let lock = Arc::new(Lock::new());
    lock.acquire();
    let got = Arc::new(AtomicBool::new(false));
    let lk = lock.clone();
    let sleeper = Thread::new(move || {
        weft::sleep(Duration::from_millis(2));
        lk.release().unwrap();
    });
    let (lk2, g2) = (lock.clone(), got.clone());
    let taker = Thread::new(move || {
        if lk2.acquire_timeout(Duration::from_millis(2)).unwrap() {
            g2.store(true, SeqCst);
        }
    });
    sleeper.start().unwrap();
    taker.start().unwrap();
    if main_waits_by_join {
        sleeper.join_timeout(Duration::from_millis(2)).unwrap();
    } else {
        weft::sleep(Duration::from_millis(2));
    }
    assert!(!got.load(SeqCst), "the taker got the lock by 2 ms");
    sleeper.join().unwrap();
    taker.join().unwrap();
}

#[test]
fn probe_bug_found_without_reduction_join() {
    let r = Explorer::exhaustive().partial_order_reduction(false).run(|| taker_got_it_at_the_instant(true));
    assert!(r.is_err());
}
#[test]
fn probe_bug_found_with_reduction_join() {
    let r = Explorer::exhaustive().run(|| taker_got_it_at_the_instant(true));
    assert!(r.is_err(), "exhaustive search with reduction missed the failure: {r:?}");
}
#[test]
fn probe_bug_found_with_reduction_sleep() {
    let r = Explorer::exhaustive().run(|| taker_got_it_at_the_instant(false));
    assert!(r.is_err(), "exhaustive search with reduction missed the failure: {r:?}");
}
#[test]
fn probe_bug_found_without_reduction_sleep() {
    let r = Explorer::exhaustive().partial_order_reduction(false).run(|| taker_got_it_at_the_instant(false));
    assert!(r.is_err(), "{r:?}");
}
#[test]
fn probe_bug_found_by_check_join() {
    let r = Explorer::portfolio(weft::sim::DEFAULT_SEED).run(|| taker_got_it_at_the_instant(true));
    assert!(r.is_err(), "{r:?}");
}

// ---- Section 3: nondeterminism, polling, objects kept across executions ----

/// A model that branches on a fresh `HashMap`'s iteration order: its steps differ from run to
/// run. It must never be reported `exhausted: true`.
fn hashmap_order_model() {
    let m: std::collections::HashMap<u32, u32> = (0..16).map(|i| (i, i)).collect();
    let first = *m.keys().next().unwrap();
    let lock = Arc::new(Lock::new());
    if first % 2 == 0 {
        let l = lock.clone();
        let t = Thread::new(move || {
            l.acquire();
            l.release().unwrap();
        });
        t.start().unwrap();
        lock.acquire();
        lock.release().unwrap();
        t.join().unwrap();
    } else {
        lock.acquire();
        lock.release().unwrap();
    }
}

#[test]
#[ignore = "probe: a model branching on HashMap order is claimed exhausted: true about half the time (one re-run verifies one execution)"]
fn probe_hashmap_order_never_exhausted() {
    for round in 0..20 {
        match Explorer::exhaustive().run(hashmap_order_model) {
            Ok(stats) => assert!(!stats.exhausted, "round {round}: a nondeterministic model claimed exhausted: {stats:?}"),
            Err(report) => assert_eq!(report.failure.kind, FailureKind::Nondeterminism, "{report}"),
        }
    }
}

/// The same through the default check.
#[test]
#[ignore = "probe: the default check claims exhausted: true on a model branching on HashMap order"]
fn probe_hashmap_order_check_never_exhausted() {
    for round in 0..20 {
        match Explorer::portfolio(weft::sim::DEFAULT_SEED).run(hashmap_order_model) {
            Ok(stats) => assert!(!stats.exhausted, "round {round}: a nondeterministic model claimed exhausted: {stats:?}"),
            Err(report) => assert_eq!(report.failure.kind, FailureKind::Nondeterminism, "{report}"),
        }
    }
}

/// A model whose branch depends on the real clock (an odd number of nanoseconds).
#[test]
fn probe_real_clock_never_exhausted() {
    for round in 0..20 {
        let r = Explorer::exhaustive().run(|| {
            let odd = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() / 1000 % 2 == 1;
            let ev = Arc::new(Event::new());
            if odd {
                ev.set();
            }
            let e = ev.clone();
            let t = Thread::new(move || {
                e.set();
            });
            t.start().unwrap();
            ev.wait();
            t.join().unwrap();
        });
        match r {
            Ok(stats) => assert!(!stats.exhausted, "round {round}: claimed exhausted: {stats:?}"),
            Err(report) => assert_eq!(report.failure.kind, FailureKind::Nondeterminism, "{report}"),
        }
    }
}

/// Nondeterminism in a spawned thread's later steps only (the first steps are the same).
#[test]
fn probe_late_nondeterminism_never_exhausted() {
    for round in 0..20 {
        let r = Explorer::exhaustive().run(|| {
            let a = Arc::new(AtomicUsize::new(0));
            let a2 = a.clone();
            let t = Thread::new(move || {
                for _ in 0..5 {
                    a2.fetch_add(1, SeqCst);
                }
                let m: std::collections::HashSet<u8> = (0..8).collect();
                if m.iter().next().unwrap() % 2 == 0 {
                    a2.fetch_add(1, SeqCst);
                }
            });
            t.start().unwrap();
            a.load(SeqCst);
            t.join().unwrap();
        });
        match r {
            Ok(stats) => assert!(!stats.exhausted, "round {round}: claimed exhausted: {stats:?}"),
            Err(report) => assert_eq!(report.failure.kind, FailureKind::Nondeterminism, "{report}"),
        }
    }
}

/// Python's polling idioms with the façade, several pollers, under the default check.
#[test]
#[ignore = "probe: correct polling idioms (yield_now / sleep(0)) while another thread sleeps: check reports a livelock"]
fn probe_polling_idioms_pass_check() {
    weft::sim::check(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let ev = Arc::new(Event::new());
        let lock = Arc::new(Lock::new());
        lock.acquire();
        let (f, e, l) = (flag.clone(), ev.clone(), lock.clone());
        let setter = Thread::new(move || {
            weft::sleep(Duration::from_millis(1));
            f.store(true, SeqCst);
            e.set();
            l.release().unwrap();
        });
        let (f2, e2) = (flag.clone(), ev.clone());
        let poll_flag = Thread::new(move || {
            while !f2.load(SeqCst) {
                weft::yield_now();
            }
            while !e2.is_set() {
                weft::sleep(Duration::ZERO);
            }
        });
        let l3 = lock.clone();
        let poll_lock = Thread::new(move || {
            while !l3.try_acquire() {
                weft::sleep(Duration::ZERO);
            }
            l3.release().unwrap();
        });
        setter.start().unwrap();
        poll_flag.start().unwrap();
        poll_lock.start().unwrap();
        while !ev.is_set() {
            weft::yield_now();
        }
        setter.join().unwrap();
        poll_flag.join().unwrap();
        poll_lock.join().unwrap();
    });
}

/// A handshake by polling: two threads each wait for the other's flag (with yield_now).
#[test]
fn probe_polling_handshake_pct() {
    let model = || {
        let a = Arc::new(AtomicBool::new(false));
        let b = Arc::new(AtomicBool::new(false));
        let (a2, b2) = (a.clone(), b.clone());
        let t = Thread::new(move || {
            a2.store(true, SeqCst);
            while !b2.load(SeqCst) {
                weft::yield_now();
            }
        });
        t.start().unwrap();
        while !a.load(SeqCst) {
            weft::yield_now();
        }
        b.store(true, SeqCst);
        t.join().unwrap();
    };
    for e in [Explorer::pct(1, 3).iterations(300), Explorer::random_walk(1).iterations(300), Explorer::exhaustive(), Explorer::exhaustive().preemption_bound(2)] {
        e.check(model);
    }
}

/// A façade lock kept in a static across executions (a new user's `static OnceLock`).
#[test]
#[ignore = "probe: a façade Lock kept in a static OnceLock across executions passes silently, no diagnostic"]
fn probe_static_lock_across_executions() {
    if !child::is_child() {
        let out = child::run("probe_static_lock_across_executions", &[], true, Duration::from_secs(20));
        assert!(!out.timed_out, "hung: {out:?}");
        // A clear panic naming the object and saying where it was created is what the issue asks.
        assert!(out.stdout.contains("created") || out.stderr.contains("created"), "no clear diagnostic: {out:?}");
        return;
    }
    static LOCK: std::sync::OnceLock<Lock> = std::sync::OnceLock::new();
    weft::sim::check(|| {
        let lock = LOCK.get_or_init(Lock::new);
        let t = Thread::new(|| {
            let _g = LOCK.get().unwrap().lock();
        });
        t.start().unwrap();
        {
            let _g = lock.lock();
        }
        t.join().unwrap();
    });
}

/// Minimal: the main thread polls a flag with `sleep(0)` while the worker sleeps 1 ms of
/// virtual time before setting it (Python's `while not flag: time.sleep(0)`).
fn poll_while_worker_sleeps(yield_instead: bool) {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let t = Thread::new(move || {
        weft::sleep(Duration::from_millis(1));
        f.store(true, SeqCst);
    });
    t.start().unwrap();
    while !flag.load(SeqCst) {
        if yield_instead {
            weft::yield_now();
        } else {
            weft::sleep(Duration::ZERO);
        }
    }
    t.join().unwrap();
}

#[test]
fn probe_poll_sleep_zero_while_worker_sleeps() {
    let r = Explorer::portfolio(weft::sim::DEFAULT_SEED).run(|| poll_while_worker_sleeps(false));
    if let Err(report) = r {
        let text = report.to_string();
        panic!("{}\n… ({} lines)", text.lines().take(12).collect::<Vec<_>>().join("\n"), text.lines().count());
    }
}

#[test]
fn probe_poll_yield_while_worker_sleeps() {
    let r = Explorer::portfolio(weft::sim::DEFAULT_SEED).run(|| poll_while_worker_sleeps(true));
    if let Err(report) = r {
        let text = report.to_string();
        panic!("{}\n… ({} lines)", text.lines().take(12).collect::<Vec<_>>().join("\n"), text.lines().count());
    }
}

/// Each strategy on its own.
#[test]
fn probe_poll_sleep_zero_while_worker_sleeps_each_strategy() {
    let mut failed = Vec::new();
    for (name, e) in [
        ("exhaustive", Explorer::exhaustive().iterations(2000)),
        ("bounded 2", Explorer::exhaustive().preemption_bound(2).iterations(2000)),
        ("random", Explorer::random_walk(1).iterations(300)),
        ("pct2", Explorer::pct(1, 2).iterations(300)),
        ("pct3", Explorer::pct(2, 3).iterations(300)),
    ] {
        if let Err(r) = e.run(|| poll_while_worker_sleeps(false)) {
            failed.push(format!("{name}: {}", r.failure.kind));
        }
    }
    assert!(failed.is_empty(), "{failed:?}");
}

/// Two threads poll the same flag with `yield_now` (or `sleep(0)`) while a third sleeps 1 ms
/// of virtual time before setting it. A correct program.
fn two_pollers_while_setter_sleeps(sleep_zero: bool) {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    let setter = Thread::new(move || {
        weft::sleep(Duration::from_millis(1));
        f.store(true, SeqCst);
    });
    let f2 = flag.clone();
    let poller = Thread::new(move || {
        while !f2.load(SeqCst) {
            if sleep_zero { weft::sleep(Duration::ZERO) } else { weft::yield_now() }
        }
    });
    setter.start().unwrap();
    poller.start().unwrap();
    while !flag.load(SeqCst) {
        if sleep_zero { weft::sleep(Duration::ZERO) } else { weft::yield_now() }
    }
    setter.join().unwrap();
    poller.join().unwrap();
}

#[test]
#[ignore = "probe: two threads polling with yield_now while the setter sleeps: exhaustive search reports a livelock (virtual time never advances)"]
fn probe_two_pollers_yield_pass_check() {
    let r = Explorer::portfolio(weft::sim::DEFAULT_SEED).run(|| two_pollers_while_setter_sleeps(false));
    if let Err(report) = r {
        let text = report.to_string();
        panic!("{}", text.lines().take(8).collect::<Vec<_>>().join("\n"));
    }
}

#[test]
#[ignore = "probe: two threads polling with sleep(0) while the setter sleeps: exhaustive search reports a livelock (virtual time never advances)"]
fn probe_two_pollers_sleep_zero_pass_check() {
    let r = Explorer::portfolio(weft::sim::DEFAULT_SEED).run(|| two_pollers_while_setter_sleeps(true));
    if let Err(report) = r {
        let text = report.to_string();
        panic!("{}", text.lines().take(8).collect::<Vec<_>>().join("\n"));
    }
}
