//! `weft::sync`'s std-shaped types under the simulator: correct code is proved by exhaustive
//! search, and the classic bugs are found, with the operations named in the report.

use std::collections::VecDeque;
use std::time::Duration;

use weft::sim::{Explorer, FailureKind, Sim};
use weft::sync::atomic::{AtomicU32, Ordering::SeqCst};
use weft::sync::{Arc, Condvar, Mutex, RwLock};
use weft::{Builder, Thread};

/// A one-slot buffer: 1 producer puts 2 items, 1 consumer takes 2, with a `Mutex` and two
/// `Condvar`s, each wait in a `while` loop.
fn bounded_buffer(consumer_loops: bool) {
    let state = Arc::new((Mutex::new(None::<u32>), Condvar::new(), Condvar::new()));
    let s = state.clone();
    let producer = Thread::new(move || {
        let (slot, not_empty, not_full) = &*s;
        for item in 0..2 {
            let mut slot = not_full.wait_while(slot.lock().unwrap(), |slot| slot.is_some()).unwrap();
            *slot = Some(item);
            not_empty.notify_one();
        }
    });
    producer.start().unwrap();
    let (slot, not_empty, not_full) = &*state;
    let mut got = Vec::new();
    for _ in 0..2 {
        let mut guard = slot.lock().unwrap();
        if consumer_loops {
            guard = not_empty.wait_while(guard, |slot| slot.is_none()).unwrap();
        } else if guard.is_none() {
            guard = not_empty.wait(guard).unwrap(); // an `if`: fine here, as nothing else takes
        }
        got.push(guard.take().expect("an item"));
        not_full.notify_one();
    }
    producer.join().unwrap();
    assert_eq!(got, [0, 1]);
}

#[test]
fn mutex_and_condvar_buffer_is_proved_correct() {
    let stats = Explorer::exhaustive().check(|| bounded_buffer(true));
    assert!(stats.exhausted, "{stats}");
    let stats = Explorer::exhaustive().check(|| bounded_buffer(false));
    assert!(stats.exhausted, "{stats}");
}

/// Two threads deposit 1 each, reading the balance in one critical section and writing it in
/// another: a deposit can be lost.
fn two_deposits() {
    let balance = Arc::new(Mutex::new(0u32));
    let b = balance.clone();
    let deposit = move |balance: &Mutex<u32>| {
        let seen = *balance.lock().unwrap();
        *balance.lock().unwrap() = seen + 1;
    };
    let t = Thread::new(move || deposit(&b));
    t.start().unwrap();
    deposit(&balance);
    t.join().unwrap();
    assert_eq!(*balance.lock().unwrap(), 2, "a deposit was lost");
}

#[test]
fn lost_update_across_two_critical_sections_is_found() {
    let report = Explorer::exhaustive().run(two_deposits).expect_err("the lost update is found");
    assert_eq!(report.failure.kind, FailureKind::Panic);
    assert!(report.trace.iter().any(|e| e.operation == "lock"), "{report}");
}

#[test]
fn deadlock_of_two_mutexes_taken_in_opposite_orders_is_found() {
    let report = Explorer::exhaustive()
        .run(|| {
            let (a, b) = (Arc::new(Mutex::new(())), Arc::new(Mutex::new(())));
            let (a2, b2) = (a.clone(), b.clone());
            let t = Thread::new(move || {
                let _b = b2.lock().unwrap();
                let _a = a2.lock().unwrap();
            });
            t.start().unwrap();
            {
                let _a = a.lock().unwrap();
                let _b = b.lock().unwrap();
            }
            t.join().unwrap();
        })
        .expect_err("the deadlock is found");
    assert!(matches!(report.failure.kind, FailureKind::Deadlock(_)), "{report}");
    assert!(report.to_string().contains("Mutex"), "{report}");
}

#[test]
fn rwlock_readers_never_see_a_half_write() {
    let stats = Explorer::exhaustive().check(|| {
        let lock = Arc::new(RwLock::new((0u32, 0u32)));
        let seen = Arc::new(AtomicU32::new(0));
        let (l, s) = (lock.clone(), seen.clone());
        let reader = Thread::new(move || {
            let r = l.read().unwrap();
            assert_eq!(r.0, r.1, "a half write was seen");
            s.fetch_add(1, SeqCst);
        });
        reader.start().unwrap();
        {
            let mut w = lock.write().unwrap();
            w.0 += 1;
            w.1 += 1;
        }
        reader.join().unwrap();
        assert_eq!(seen.load(SeqCst), 1);
    });
    assert!(stats.exhausted, "{stats}");
}

#[test]
fn default_check_finds_the_lost_update_between_two_mutex_sections() {
    let outcome = std::panic::catch_unwind(|| weft::sim::check(two_deposits));
    let message = outcome.expect_err("check panics with the report").downcast::<String>().expect("a report");
    assert!(message.contains("a deposit was lost"), "{message}");
    assert!(message.contains("WEFT_REPLAY="), "{message}");
}

#[test]
fn an_if_around_a_condvar_wait_fails_once_spurious_wakeups_are_explored() {
    // The `if` is enough while waits wake only when notified...
    let stats = Explorer::exhaustive().check(|| bounded_buffer(false));
    assert!(stats.exhausted, "{stats}");
    // ...but std allows a wait to return without a notify: the consumer then takes from an
    // empty slot.
    let report = Explorer::exhaustive().spurious_wakeups(true).run(|| bounded_buffer(false)).unwrap_err();
    assert_eq!(report.failure.kind, FailureKind::Panic, "{report}");
    assert!(report.failure.message.contains("an item"), "{report}");
    assert!(report.to_string().contains("woke spuriously"), "{report}");
    // The same failure again from its token.
    let again = Explorer::replay(&report.token).spurious_wakeups(true).run(|| bounded_buffer(false));
    assert_eq!(again.unwrap_err().failure, report.failure);
}

#[test]
fn waits_in_while_loops_are_proved_with_spurious_wakeups() {
    let stats = Explorer::exhaustive().spurious_wakeups(true).check(|| bounded_buffer(true));
    assert!(stats.exhausted, "{stats}");
}

#[test]
fn a_lost_notify_is_still_a_deadlock_with_spurious_wakeups() {
    // The consumer waits without checking the flag, after the producer may have notified:
    // some executions hang, whether or not a wait may also wake spuriously.
    let report = Explorer::exhaustive()
        .spurious_wakeups(true)
        .run(|| {
            let pair = Arc::new((Mutex::new(()), Condvar::new()));
            let p = pair.clone();
            let producer = Thread::new(move || p.1.notify_one());
            producer.start().unwrap();
            drop(pair.1.wait(pair.0.lock().unwrap()).unwrap());
            producer.join().unwrap();
        })
        .unwrap_err();
    assert!(matches!(report.failure.kind, FailureKind::Deadlock(_)), "{report}");
}

#[test]
fn a_spurious_wakeup_of_a_timed_wait_is_not_a_timeout() {
    // Nobody notifies: without spurious wake-ups, the wait always times out.
    let model = || {
        let lock = Mutex::new(());
        let condvar = Condvar::new();
        let (_guard, result) = condvar.wait_timeout(lock.lock().unwrap(), std::time::Duration::from_secs(60)).unwrap();
        assert!(result.timed_out(), "returned early, not timed out");
    };
    assert!(Explorer::exhaustive().check(model).exhausted);
    let report = Explorer::exhaustive().spurious_wakeups(true).run(model).unwrap_err();
    assert!(report.failure.message.contains("returned early"), "{report}");
}

#[test]
fn notify_one_may_wake_either_waiter_whatever_order_they_came_in() {
    // Waiter 0 starts waiting before waiter 1 does; one notify_one hands out one token, and the
    // main thread waits until it is taken before it hands out the second. std does not say
    // which waiter a notify_one wakes, so the search must see each take the first.
    let firsts = Arc::new(std::sync::Mutex::new(std::collections::BTreeSet::new()));
    let seen = firsts.clone();
    let stats = Explorer::exhaustive().check(move || {
        // (waiters waiting, tokens, who took the first token); `tokens` wakes the waiters,
        // `main` the main thread.
        let state = Arc::new((Mutex::new((0u32, 0u32, None::<u32>)), Condvar::new(), Condvar::new()));
        let waiter = |id: u32| {
            let shared = state.clone();
            let t = Thread::new(move || {
                let (lock, tokens, main) = &*shared;
                let mut guard = lock.lock().unwrap();
                guard.0 += 1;
                main.notify_one();
                guard = tokens.wait_while(guard, |s| s.1 == 0).unwrap();
                guard.1 -= 1;
                guard.2.get_or_insert(id);
                main.notify_one();
            });
            t.start().unwrap();
            let (lock, _, main) = &*state;
            drop(main.wait_while(lock.lock().unwrap(), |s| s.0 <= id).unwrap());
            t
        };
        let threads = [waiter(0), waiter(1)];
        let (lock, tokens, main) = &*state;
        for _ in 0..2 {
            lock.lock().unwrap().1 += 1;
            tokens.notify_one();
            drop(main.wait_while(lock.lock().unwrap(), |s| s.1 > 0).unwrap());
        }
        threads.iter().for_each(|t| t.join().unwrap());
        let first = lock.lock().unwrap().2.expect("a token was taken");
        seen.lock().unwrap().insert(first);
    });
    assert!(stats.exhausted, "{stats}");
    assert_eq!(*firsts.lock().unwrap(), [0, 1].into(), "{stats}");
}

/// A queue with room for one item, on a `Mutex` and one `Condvar` (`notify_all`).
struct OneSlot {
    items: Mutex<VecDeque<u8>>,
    changed: Condvar,
}
impl OneSlot {
    fn put(&self, item: u8) {
        let mut items = self.changed.wait_while(self.items.lock().unwrap(), |q| q.len() == 1).unwrap();
        items.push_back(item);
        self.changed.notify_all();
    }
    fn get(&self) -> u8 {
        let mut items = self.changed.wait_while(self.items.lock().unwrap(), |q| q.is_empty()).unwrap();
        let item = items.pop_front().unwrap();
        self.changed.notify_all();
        item
    }
}

/// Three daemon threads (put put; get; get put) on the queue, started and joined with
/// deadlines by a fourth, as `weft::spec` runs a scenario.
fn one_slot_scenario() {
    let q = Arc::new(OneSlot { items: Mutex::new(VecDeque::new()), changed: Condvar::new() });
    let t0 = {
        let q = q.clone();
        Builder::new().daemon(true).build(move || {
            let ops: Vec<Vec<i32>> = vec![vec![1, 1], vec![0], vec![0, 1]];
            let ts: Vec<Thread> = ops
                .into_iter()
                .map(|ops| {
                    let q = q.clone();
                    Builder::new().daemon(true).build(move || {
                        for op in ops {
                            if op == 1 {
                                q.put(0)
                            } else {
                                q.get();
                            }
                        }
                    })
                })
                .collect();
            ts.iter().for_each(|t| t.start().unwrap());
            for t in &ts {
                let _ = t.join_timeout(Duration::from_secs(1000));
            }
            ts.iter().for_each(|t| {
                t.is_alive();
            });
        })
    };
    t0.start().unwrap();
    let _ = t0.join_timeout(Duration::from_secs(5000));
    t0.is_alive();
}

/// A waiter unwound from its sleep when a pruned execution ends (its threads are abandoned)
/// used to drop its guard on an unlocked mutex, unlocking it twice; exhaustive search with
/// partial-order reduction then stopped this deterministic model after about 500 executions
/// with a false "nondeterministic model" failure. A waiter now takes its mutex back as it
/// unwinds.
#[test]
fn a_condvar_waiter_abandoned_at_a_pruned_execution_end_leaves_the_search_deterministic() {
    let stats = Explorer::exhaustive().check(one_slot_scenario);
    assert!(stats.exhausted, "{stats}");
    let bounded = Explorer::exhaustive().preemption_bound(50).iterations(20_000).run(one_slot_scenario);
    assert!(bounded.is_ok());
}

/// Runs `release` (a guard's drop, or a release) on a thread that the execution's end abandons,
/// in every interleaving, while an older abandoned thread holds a value whose destructor takes
/// the same object (`take`): no abandoned thread may be given up. Before the fix, a thread
/// abandoned at the scheduling point that announces a release (the first thing a guard's drop
/// does) unwound from there and skipped the release itself: the lock stayed held, and the older
/// thread's destructor waited for it for ever (its stack leaked).
fn released_as_the_execution_ends<T: Send + Sync + 'static>(
    make: fn() -> T,
    take: fn(&T),
    release: fn(&T),
) -> weft::sim::Stats {
    released_as_it_ends_under(Explorer::exhaustive(), make, take, release)
}

/// [`released_as_the_execution_ends`], explored by `explorer`.
fn released_as_it_ends_under<T: Send + Sync + 'static>(
    explorer: Explorer,
    make: fn() -> T,
    take: fn(&T),
    release: fn(&T),
) -> weft::sim::Stats {
    struct TakesOnDrop<T: 'static>(Arc<T>, fn(&T));
    impl<T> Drop for TakesOnDrop<T> {
        fn drop(&mut self) {
            (self.1)(&self.0);
        }
    }
    explorer
        .run(move || {
            let object = Arc::new(make());
            let holder = TakesOnDrop(object.clone(), take);
            let (wake, wait) = weft::sync::mpsc::channel::<()>();
            // The older daemon thread: waits for ever, holding the value that takes the object.
            let older = Builder::new().daemon(true).build(move || {
                let _holder = holder;
                let _ = wait.recv();
            });
            older.start().unwrap();
            // Two younger ones take the object and let it go, twice and once: the exhaustive
            // search orders their takes, and cuts short (prunes) the executions that would
            // repeat an order already explored, wherever their threads are then.
            let other = object.clone();
            Builder::new().daemon(true).build(move || (0..2).for_each(|_| release(&object))).start().unwrap();
            Builder::new().daemon(true).build(move || release(&other)).start().unwrap();
            std::mem::forget(wake);
        })
        .unwrap_or_else(|report| panic!("{report}"))
}

#[test]
fn a_thread_abandoned_as_it_releases_still_releases() {
    let before = weft_sim::retired_stacks();
    let stats = [
        released_as_the_execution_ends(|| Mutex::new(()), |m| drop(m.lock()), |m| drop(m.lock())),
        released_as_the_execution_ends(|| RwLock::new(()), |l| drop(l.write()), |l| drop(l.write())),
        released_as_the_execution_ends(|| RwLock::new(()), |l| drop(l.write()), |l| drop(l.read())),
        released_as_the_execution_ends(weft::Lock::new, |l| drop(l.lock()), |l| drop(l.lock())),
        released_as_the_execution_ends(weft::RLock::new, |l| drop(l.lock()), |l| drop(l.lock())),
        released_as_the_execution_ends(|| weft::Semaphore::new(1), |s| drop(s.guard()), |s| drop(s.guard())),
        released_as_the_execution_ends(|| weft::BoundedSemaphore::new(1), |s| drop(s.guard()), |s| drop(s.guard())),
        // The generic types on the simulator's own scheduler, in fine-grained mode, where a thread
        // is also abandoned at the atomic accesses inside the primitives' algorithms: it
        // finishes the primitive before it unwinds.
        released_as_it_ends_under(
            Explorer::exhaustive().fine_grained(true),
            || weft::generic::Mutex::<Sim, ()>::new(()),
            |m| drop(m.lock()),
            |m| drop(m.lock()),
        ),
        released_as_it_ends_under(
            Explorer::exhaustive().fine_grained(true),
            weft::generic::Lock::<Sim>::new,
            |l| drop(l.lock()),
            |l| drop(l.lock()),
        ),
        // A channel's send takes its internal mutex.
        released_as_the_execution_ends(
            || {
                let (tx, rx) = weft::sync::mpsc::channel::<u8>();
                std::mem::forget(rx);
                tx
            },
            |tx| tx.send(1).expect("the receiver is alive"),
            |tx| tx.send(2).expect("the receiver is alive"),
        ),
    ];
    for stats in stats {
        assert!(stats.exhausted, "{stats:?}");
    }
    assert_eq!(weft_sim::retired_stacks(), before, "an abandoned thread was given up, its stack leaked");
}

/// A thread that panics holding one mutex poisons that mutex, and only that one: another
/// thread's guard dropped while the first is suspended in the middle of unwinding (at its
/// guard's unlock, a scheduling point) does not poison its own mutex. The simulator runs its
/// threads on one OS thread, where `std::thread::panicking()` was then true for every thread;
/// weft's guards ask the scheduler instead (`Observe::panicking`).
#[test]
fn a_panic_poisons_only_the_mutexes_its_own_thread_holds() {
    let model = || {
        let held = Arc::new(Mutex::new(0));
        let other = Arc::new(Mutex::new(0));
        let h = held.clone();
        let panicking = weft::thread::spawn(move || {
            let _guard = h.lock().unwrap();
            std::panic::panic_any("the holder panics");
        });
        let o = other.clone();
        let bystander = weft::thread::spawn(move || drop(o.lock().unwrap()));
        assert!(panicking.join().is_err());
        bystander.join().unwrap();
        assert!(held.is_poisoned(), "the panicking thread's mutex is poisoned");
        assert!(!other.is_poisoned(), "another thread's panic poisoned this mutex");
    };
    // Every interleaving: among them, the bystander's unlock while the holder unwinds.
    let stats = Explorer::exhaustive().partial_order_reduction(false).check(model);
    assert!(stats.executions > 10, "{stats}");
}
