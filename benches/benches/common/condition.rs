//! Condition workloads.

use super::*;

// ---------------------------------------------------------------------------------------------
// Condition

/// One side of the ping-pong: holding the lock, wait for my turn, hand the turn over, notify.
/// `n` round trips: side 0 and side 1 each take `n` turns.
fn weft_condition_side<S: Scheduler, L: ConditionLock<S>>(
    cond: &weft_core::Condition<S, L>,
    turn: &AtomicUsize,
    me: usize,
    rounds: u64,
) {
    cond.acquire();
    for _ in 0..rounds {
        while turn.load(Relaxed) != me {
            cond.wait().unwrap();
        }
        turn.store(1 - me, Relaxed);
        cond.notify(1).unwrap();
    }
    cond.release().unwrap();
}

fn weft_condition_ping_pong<S, L>(make: fn() -> weft_core::Condition<S, L>) -> impl Fn(u64) -> Duration
where
    S: Scheduler,
    L: ConditionLock<S> + Send + Sync + 'static,
{
    move |n| {
        let shared = Arc::new((make(), AtomicUsize::new(0)));
        time_with_main(2, move |me| weft_condition_side(&shared.0, &shared.1, me, n))
    }
}

fn parking_lot_condvar_ping_pong(n: u64) -> Duration {
    let shared = Arc::new((parking_lot::Mutex::new(0usize), parking_lot::Condvar::new()));
    time_with_main(2, move |me| {
        let (mutex, condvar) = &*shared;
        let mut turn = mutex.lock();
        for _ in 0..n {
            while *turn != me {
                condvar.wait(&mut turn);
            }
            *turn = 1 - me;
            condvar.notify_one();
        }
    })
}

fn std_condvar_ping_pong(n: u64) -> Duration {
    let shared = Arc::new((std::sync::Mutex::new(0usize), std::sync::Condvar::new()));
    time_with_main(2, move |me| {
        let (mutex, condvar) = &*shared;
        let mut turn = mutex.lock().unwrap();
        for _ in 0..n {
            while *turn != me {
                turn = condvar.wait(turn).unwrap();
            }
            *turn = 1 - me;
            condvar.notify_one();
        }
    })
}

/// Condition: ping-pong hand-off between two threads (one round trip = two hand-offs).
pub fn condition_ping_pong() -> Group {
    Group {
        id: "condition/ping-pong",
        operation: "Condition: ping-pong round trip, 2 threads",
        threaded: true,
        cases: vec![
            case("weft::Condition", Role::Weft, weft_condition_ping_pong(weft::Condition::new)),
            case(
                "weft::Condition<weft::Lock>",
                Role::Weft,
                weft_condition_ping_pong(|| weft::Condition::<weft::Lock>::with_lock(weft::Lock::new())),
            ),
            case("weft_core::Condition<Real>", Role::Real, weft_condition_ping_pong(weft_core::Condition::<Real>::new)),
            case("parking_lot Mutex+Condvar", Role::Peer, parking_lot_condvar_ping_pong),
            case("std Mutex+Condvar", Role::Peer, std_condvar_ping_pong),
        ],
    }
}

fn weft_notify_no_waiters<S: Scheduler, L: ConditionLock<S> + 'static>(
    cond: weft_core::Condition<S, L>,
) -> impl Fn(u64) -> Duration {
    move |n| {
        // weft (like Python) requires the lock to notify: hold it around the loop.
        cond.acquire();
        let elapsed = time_loop(n, || black_box(&cond).notify(1).unwrap());
        cond.release().unwrap();
        elapsed
    }
}

/// Condition: `notify` with no waiters (std and parking_lot do not need the lock to notify).
pub fn condition_notify() -> Group {
    let parking_lot_condvar = parking_lot::Condvar::new();
    let std_condvar = std::sync::Condvar::new();
    Group {
        id: "condition/notify-no-waiters",
        operation: "Condition: notify with no waiters",
        threaded: false,
        cases: vec![
            case("weft::Condition", Role::Weft, weft_notify_no_waiters(weft::Condition::new())),
            case(
                "weft::Condition<weft::Lock>",
                Role::Weft,
                weft_notify_no_waiters(weft::Condition::<weft::Lock>::with_lock(weft::Lock::new())),
            ),
            case("weft_core::Condition<Real>", Role::Real, weft_notify_no_waiters(weft_core::Condition::<Real>::new())),
            case("parking_lot::Condvar", Role::Peer, move |n| {
                time_loop(n, || {
                    black_box(&parking_lot_condvar).notify_one();
                })
            }),
            case("std::sync::Condvar", Role::Peer, move |n| time_loop(n, || black_box(&std_condvar).notify_one())),
        ],
    }
}
