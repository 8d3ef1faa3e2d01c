//! `BaseQueueTestMixin`'s shutdown tests (Python 3.13), and SPEC.md's: threads blocked in `put`,
//! `get` and `join` are woken by a shutdown; an immediate shutdown discards the items and counts
//! them done, but not the items already got.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{Barrier, Error, Event, ExceptionKind, Scheduler, yield_now};

use super::{Body, Q, QueueKind, Threads};
use crate::support::{PATIENCE, assert_error};

/// What CPython's `_get`, `_put` and `_join` helpers append: whether the call ended as expected
/// (returned normally, or raised `ShutDown` when `shutdown` says it should).
type Results = Arc<Mutex<Vec<bool>>>;

/// CPython's `_get` (`shutdown` false) and `_get_shutdown` (true): waits for `go`, then `get`.
fn get<S: Scheduler, D: QueueKind>(q: &Arc<Q<S, D>>, go: &Arc<Event<S>>, results: &Results, shutdown: bool) -> Body {
    let (q, go, results) = (q.clone(), go.clone(), results.clone());
    Box::new(move || {
        go.wait();
        let outcome = match q.get() {
            Ok(_) => !shutdown,
            Err(Error::ShutDown) => shutdown,
            Err(other) => panic!("get: {other:?}"),
        };
        results.lock().unwrap().push(outcome);
    })
}

/// CPython's `_get_task_done`: waits for `go`, then `get` and `task_done`; appends whether it
/// got an item.
fn get_task_done<S: Scheduler, D: QueueKind>(q: &Arc<Q<S, D>>, go: &Arc<Event<S>>, results: &Results) -> Body {
    let (q, go, results) = (q.clone(), go.clone(), results.clone());
    Box::new(move || {
        go.wait();
        let got = match q.get() {
            Ok(_) => {
                q.task_done().unwrap();
                true
            }
            Err(Error::ShutDown) => false,
            Err(other) => panic!("get: {other:?}"),
        };
        results.lock().unwrap().push(got);
    })
}

/// CPython's `_put_shutdown`: waits for `go`, then `put`, which must raise `ShutDown`.
fn put_shutdown<S: Scheduler, D: QueueKind>(
    q: &Arc<Q<S, D>>,
    item: i64,
    go: &Arc<Event<S>>,
    results: &Results,
) -> Body {
    let (q, go, results) = (q.clone(), go.clone(), results.clone());
    Box::new(move || {
        go.wait();
        let outcome = match q.put(item) {
            Ok(()) => false,
            Err(error) => *error.error() == Error::ShutDown && error.into_inner() == item,
        };
        results.lock().unwrap().push(outcome);
    })
}

/// CPython's `_join`: `join`, which must return (it never raises since 3.13's final version).
fn join<S: Scheduler, D: QueueKind>(q: &Arc<Q<S, D>>, results: &Results) -> Body {
    let (q, results) = (q.clone(), results.clone());
    Box::new(move || {
        q.join();
        results.lock().unwrap().push(true);
    })
}

/// CPython's `_shutdown_all_methods_in_one_thread`.
fn shutdown_all_methods_in_one_thread<S: Scheduler, D: QueueKind>(immediate: bool) {
    let q = Q::<S, D>::new(2);
    q.put(1).unwrap(); // "L"
    q.put_nowait(2).unwrap(); // "O"
    q.shutdown(immediate);
    assert_eq!(q.put(3).unwrap_err().kind(), ExceptionKind::ShutDown);
    assert_eq!(q.put_nowait(4).unwrap_err().kind(), ExceptionKind::ShutDown);
    if immediate {
        assert_error(q.get(), ExceptionKind::ShutDown, "");
        assert_error(q.get_nowait(), ExceptionKind::ShutDown, "");
        assert_error(q.task_done(), ExceptionKind::ValueError, "task_done() called too many times");
        q.join();
    } else {
        assert!([1, 2].contains(&q.get().unwrap()));
        q.task_done().unwrap();
        assert!([1, 2].contains(&q.get().unwrap()));
        q.task_done().unwrap();
        q.join();
        // Shut down and empty: every get raises ShutDown.
        assert_error(q.get(), ExceptionKind::ShutDown, "");
        assert_error(q.get_nowait(), ExceptionKind::ShutDown, "");
        assert_error(q.get_timeout(Duration::from_secs(1)), ExceptionKind::ShutDown, "");
    }
}

/// CPython's `_shutdown_all_methods_in_many_threads`, with 256 items instead of 65536: four
/// writers put until the queue is shut down (one of them triggers the shutdown halfway), six
/// readers get until `ShutDown`, and (immediate only) two threads join. The readers poll with
/// `get_nowait`, yielding when the queue is empty.
fn shutdown_all_methods_in_many_threads<S: Scheduler, D: QueueKind>(immediate: bool) {
    const WRITE_THREADS: usize = 4;
    const READ_THREADS: usize = 6;
    const JOIN_THREADS: usize = 2;
    const NB_MSGS: usize = 256;
    const NB_MSGS_W: usize = NB_MSGS / WRITE_THREADS;
    const WHEN_EXEC_SHUTDOWN: usize = NB_MSGS_W / 2;
    let q = Arc::new(Q::<S, D>::new(0));
    let (res_puts, res_gets, res_shutdown) = (Results::default(), Results::default(), Results::default());
    let nparties = WRITE_THREADS + READ_THREADS + if immediate { JOIN_THREADS } else { 0 };
    let barrier_start = Arc::new(Barrier::<S>::new(nparties).unwrap());
    let ev_exec_shutdown = Arc::new(Event::<S>::new());
    let mut bodies: Vec<Body> = Vec::new();
    for _ in 0..WRITE_THREADS {
        let (q, results, event, barrier) =
            (q.clone(), res_puts.clone(), ev_exec_shutdown.clone(), barrier_start.clone());
        bodies.push(Box::new(move || {
            for i in 0..WHEN_EXEC_SHUTDOWN / 2 {
                q.put(i as i64).unwrap();
            }
            barrier.wait().unwrap();
            for i in WHEN_EXEC_SHUTDOWN / 2..NB_MSGS_W {
                if let Err(error) = q.put(i as i64) {
                    assert_eq!(error.kind(), ExceptionKind::ShutDown);
                    results.lock().unwrap().push(false);
                    break;
                }
                // Trigger queue shutdown (CPython's check-then-set: more than one writer may).
                if i == WHEN_EXEC_SHUTDOWN && !event.is_set() {
                    event.set();
                    results.lock().unwrap().push(true);
                }
            }
        }));
    }
    for _ in 0..READ_THREADS {
        let (q, results, barrier) = (q.clone(), res_gets.clone(), barrier_start.clone());
        bodies.push(Box::new(move || {
            q.get().unwrap();
            q.task_done().unwrap();
            barrier.wait().unwrap();
            loop {
                match q.get_nowait() {
                    Ok(_) => q.task_done().unwrap(),
                    Err(Error::ShutDown) => {
                        results.lock().unwrap().push(true);
                        break;
                    }
                    Err(Error::Empty) => yield_now::<S>(),
                    Err(other) => panic!("get_nowait: {other:?}"),
                }
            }
        }));
    }
    {
        let (q, results, event) = (q.clone(), res_shutdown.clone(), ev_exec_shutdown.clone());
        bodies.push(Box::new(move || {
            event.wait();
            q.shutdown(immediate);
            results.lock().unwrap().push(q.qsize() == 0);
        }));
    }
    if immediate {
        for _ in 0..JOIN_THREADS {
            let (q, barrier) = (q.clone(), barrier_start.clone());
            bodies.push(Box::new(move || {
                barrier.wait().unwrap();
                q.join();
            }));
        }
    }
    Threads::<S>::start(bodies).join_all();
    assert!(res_puts.lock().unwrap().contains(&true));
    assert_eq!(res_gets.lock().unwrap().iter().filter(|&&r| r).count(), READ_THREADS);
    if immediate {
        assert_eq!(*res_shutdown.lock().unwrap(), [true]);
        assert!(q.empty());
    }
}

/// CPython's `_shutdown_get`: a full queue of two, shut down, then (immediate) two getters that
/// both raise `ShutDown`, or (not immediate) three getters of which exactly one does.
fn shutdown_get<S: Scheduler, D: QueueKind>(immediate: bool) {
    let q = Arc::new(Q::<S, D>::new(2));
    let (results, go) = (Results::default(), Arc::new(Event::<S>::new()));
    q.put(1).unwrap();
    q.put(2).unwrap();
    let bodies: Vec<Body> = if immediate {
        (0..2).map(|_| get(&q, &go, &results, true)).collect()
    } else {
        (0..3).map(|_| get(&q, &go, &results, false)).collect()
    };
    let n = bodies.len();
    let threads = Threads::<S>::start(bodies);
    q.shutdown(immediate);
    go.set();
    threads.join_all();
    let mut results = results.lock().unwrap().clone();
    results.sort();
    if immediate {
        assert_eq!(results, [true, true]);
    } else {
        let mut expected = vec![false];
        expected.extend(vec![true; n - 1]);
        assert_eq!(results, expected);
    }
}

/// CPython's `_shutdown_put`: a full queue of two; two putters that start after the shutdown
/// raise `ShutDown` (CPython's body shuts down non-immediately in both variants; here each
/// variant shuts down as its name says).
fn shutdown_put<S: Scheduler, D: QueueKind>(immediate: bool) {
    let q = Arc::new(Q::<S, D>::new(2));
    let (results, go) = (Results::default(), Arc::new(Event::<S>::new()));
    q.put(1).unwrap();
    q.put(2).unwrap();
    let threads = Threads::<S>::start(vec![put_shutdown(&q, 3, &go, &results), put_shutdown(&q, 4, &go, &results)]);
    q.shutdown(immediate);
    go.set();
    threads.join_all();
    assert_eq!(*results.lock().unwrap(), [true, true]);
}

/// CPython's `_shutdown_join`: one item, two joiners; without `immediate` a getter marks the
/// item done; either way both joins return.
fn shutdown_join<S: Scheduler, D: QueueKind>(immediate: bool) {
    let q = Arc::new(Q::<S, D>::new(0));
    let (results, go) = (Results::default(), Arc::new(Event::<S>::new()));
    q.put(1).unwrap();
    let mut bodies = vec![join(&q, &results), join(&q, &results)];
    let got = Results::default();
    if !immediate {
        bodies.push(get_task_done(&q, &go, &got));
    }
    let threads = Threads::<S>::start(bodies);
    q.shutdown(immediate);
    go.set();
    threads.join_all();
    assert_eq!(*results.lock().unwrap(), [true, true]);
    if !immediate {
        assert_eq!(*got.lock().unwrap(), [true]);
    }
}

/// CPython's `_shutdown_put_join`: a queue of two holding one item; a putter (after the
/// shutdown: `ShutDown`) and a joiner; the main thread empties the queue (immediate: there is
/// nothing left to get) and the join returns.
fn shutdown_put_join<S: Scheduler, D: QueueKind>(immediate: bool) {
    let q = Arc::new(Q::<S, D>::new(2));
    let (results, go) = (Results::default(), Arc::new(Event::<S>::new()));
    q.put(1).unwrap();
    let threads = Threads::<S>::start(vec![put_shutdown(&q, 3, &go, &results), join(&q, &results)]);
    assert_eq!(q.unfinished_tasks(), 1);
    q.shutdown(immediate);
    go.set();
    if immediate {
        assert_error(q.get_nowait(), ExceptionKind::ShutDown, "");
    } else {
        assert_eq!(q.get().unwrap(), 1);
        q.task_done().unwrap();
    }
    threads.join_all();
    assert_eq!(*results.lock().unwrap(), [true, true]);
}

crate::spec_tests! {
    generics [S: Scheduler, D: QueueKind];

    /// An empty queue, shut down: `put` and `get` raise `ShutDown`.
    fn test_shutdown_empty() {
        let q = Q::<S, D>::new(0);
        q.shutdown(false);
        assert_eq!(q.put(1).unwrap_err().kind(), ExceptionKind::ShutDown);
        assert_error(q.get(), ExceptionKind::ShutDown, "");
    }

    /// Shut down with an item left: `get` still returns it, then raises `ShutDown`.
    fn test_shutdown_nonempty() {
        let q = Q::<S, D>::new(0);
        q.put(1).unwrap();
        q.shutdown(false);
        assert_eq!(q.get().unwrap(), 1);
        assert_error(q.get(), ExceptionKind::ShutDown, "");
    }

    /// Shut down immediately with an item left: `get` raises `ShutDown` at once.
    fn test_shutdown_immediate() {
        let q = Q::<S, D>::new(0);
        q.put(1).unwrap();
        q.shutdown(true);
        assert_error(q.get(), ExceptionKind::ShutDown, "");
    }

    /// Alive → shut down → shut down immediately (→ shut down again): all allowed.
    fn test_shutdown_allowed_transitions() {
        let q = Q::<S, D>::new(0);
        assert!(!q.is_shutdown());
        q.shutdown(false);
        assert!(q.is_shutdown());
        q.shutdown(true);
        assert!(q.is_shutdown());
        q.shutdown(false);
        assert!(q.is_shutdown());
    }

    /// `_shutdown_all_methods_in_one_thread(False)`.
    fn test_shutdown_all_methods_in_one_thread() {
        shutdown_all_methods_in_one_thread::<S, D>(false);
    }

    /// `_shutdown_all_methods_in_one_thread(True)`.
    fn test_shutdown_immediate_all_methods_in_one_thread() {
        shutdown_all_methods_in_one_thread::<S, D>(true);
    }

    /// `_shutdown_all_methods_in_many_threads(False)`.
    fn test_shutdown_all_methods_in_many_threads() {
        shutdown_all_methods_in_many_threads::<S, D>(false);
    }

    /// `_shutdown_all_methods_in_many_threads(True)`.
    fn test_shutdown_immediate_all_methods_in_many_threads() {
        shutdown_all_methods_in_many_threads::<S, D>(true);
    }

    /// `_shutdown_get(False)`.
    fn test_shutdown_get() {
        shutdown_get::<S, D>(false);
    }

    /// `_shutdown_get(True)`.
    fn test_shutdown_immediate_get() {
        shutdown_get::<S, D>(true);
    }

    /// `_shutdown_put(False)`.
    fn test_shutdown_put() {
        shutdown_put::<S, D>(false);
    }

    /// `_shutdown_put(True)`.
    fn test_shutdown_immediate_put() {
        shutdown_put::<S, D>(true);
    }

    /// `_shutdown_join(True)`.
    fn test_shutdown_immediate_join() {
        shutdown_join::<S, D>(true);
    }

    /// `_shutdown_join(False)`.
    fn test_shutdown_join() {
        shutdown_join::<S, D>(false);
    }

    /// `_shutdown_put_join(True)`.
    fn test_shutdown_immediate_put_join() {
        shutdown_put_join::<S, D>(true);
    }

    /// `_shutdown_put_join(False)`.
    fn test_shutdown_put_join() {
        shutdown_put_join::<S, D>(false);
    }

    /// A full queue of two; two getters (who mark their items done) and two joiners; a
    /// non-immediate shutdown lets the getters have the items, and the joins return.
    fn test_shutdown_get_task_done_join() {
        let q = Arc::new(Q::<S, D>::new(2));
        let (results, go) = (Results::default(), Arc::new(Event::<S>::new()));
        q.put(1).unwrap();
        q.put(2).unwrap();
        assert_eq!(q.unfinished_tasks(), q.qsize());
        let threads = Threads::<S>::start(vec![
            get_task_done(&q, &go, &results),
            get_task_done(&q, &go, &results),
            join(&q, &results),
            join(&q, &results),
        ]);
        go.set();
        q.shutdown(false);
        threads.join_all();
        assert_eq!(*results.lock().unwrap(), [true; 4]);
    }

    /// A getter blocked on an empty queue raises `ShutDown` when the queue is shut down (here
    /// the shutdown waits until the getter has blocked).
    fn test_shutdown_pending_get() {
        let q = Arc::new(Q::<S, D>::new(0));
        let results = Arc::new(Mutex::new(Vec::new()));
        let threads = {
            let (q, results) = (q.clone(), results.clone());
            Threads::<S>::start(vec![Box::new(move || results.lock().unwrap().push(q.get()))])
        };
        threads.wait_blocked(q.get_wait_key(), 1);
        q.shutdown(false);
        threads.join_all();
        assert_eq!(*results.lock().unwrap(), [Err(Error::ShutDown)]);
    }

    /// SPEC: putters blocked on a full queue all raise `ShutDown` (and get their items back) when
    /// it is shut down; the item already in it can still be got.
    fn test_shutdown_wakes_blocked_putters() {
        let q = Arc::new(Q::<S, D>::new(1));
        q.put(0).unwrap();
        let results = Arc::new(Mutex::new(Vec::new()));
        let bodies: Vec<Body> = (1..=3)
            .map(|item| {
                let (q, results) = (q.clone(), results.clone());
                Box::new(move || {
                    let outcome = q.put(item).map_err(|e| (e.kind(), e.into_inner()));
                    results.lock().unwrap().push(outcome);
                }) as Body
            })
            .collect();
        let threads = Threads::<S>::start(bodies);
        threads.wait_blocked(q.put_wait_key(), 3);
        q.shutdown(false);
        threads.join_all();
        let mut results = results.lock().unwrap().clone();
        results.sort_by_key(|outcome| outcome.map_err(|(_, item)| item));
        let shut_down = |item| Err((ExceptionKind::ShutDown, item));
        assert_eq!(results, [shut_down(1), shut_down(2), shut_down(3)]);
        assert_eq!(q.get().unwrap(), 0);
        assert_error(q.get(), ExceptionKind::ShutDown, "");
    }

    /// SPEC: getters blocked on an empty queue, some with a timeout, all raise `ShutDown` when
    /// it is shut down, immediately or not.
    fn test_shutdown_wakes_blocked_getters() {
        for immediate in [false, true] {
            let q = Arc::new(Q::<S, D>::new(0));
            let results = Arc::new(Mutex::new(Vec::new()));
            let bodies: Vec<Body> = (0..3)
                .map(|i| {
                    let (q, results) = (q.clone(), results.clone());
                    Box::new(move || {
                        let outcome = if i == 0 { q.get_timeout(PATIENCE) } else { q.get() };
                        results.lock().unwrap().push(outcome);
                    }) as Body
                })
                .collect();
            let threads = Threads::<S>::start(bodies);
            threads.wait_blocked(q.get_wait_key(), 3);
            q.shutdown(immediate);
            threads.join_all();
            assert_eq!(*results.lock().unwrap(), vec![Err(Error::ShutDown); 3]);
        }
    }

    /// SPEC: an immediate shutdown discards the items left, counting each as done, and wakes
    /// the blocked joiners; an item got before it and not yet marked done still holds them.
    fn test_shutdown_immediate_counts_discarded_items_done() {
        let q = Arc::new(Q::<S, D>::new(0));
        for item in 0..3 {
            q.put(item).unwrap();
        }
        assert!([0, 1, 2].contains(&q.get().unwrap())); // got, not marked done
        let joined = Results::default();
        let threads = Threads::<S>::start(vec![join(&q, &joined), join(&q, &joined)]);
        threads.wait_blocked(q.join_wait_key(), 2);
        q.shutdown(true);
        assert_eq!(q.qsize(), 0);
        assert_eq!(q.unfinished_tasks(), 1);
        assert!(joined.lock().unwrap().is_empty());
        q.task_done().unwrap();
        threads.join_all();
        assert_eq!(*joined.lock().unwrap(), [true, true]);
        assert_error(q.task_done(), ExceptionKind::ValueError, "task_done() called too many times");
    }
}
