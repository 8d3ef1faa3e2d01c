//! The simulator on models that use `weft_core::Queue`: it proves a bounded producer/consumer
//! model correct by exhausting its schedules, finds a check-then-act race between two consumers
//! (and replays it), and reports the deadlock of a consumer that joins its producer before
//! draining a full queue, naming the queue's condition the producer waits on.

use std::sync::Arc;

use weft_core::{Error, Queue, Thread};
use weft_sim::{DEFAULT_SEED, Explorer, FailureKind, Sim};

/// Two producers put two items each into a queue with room for one; the main thread gets four,
/// marking each done, and joins the queue and the producers.
fn two_producers_one_consumer() {
    let queue = Arc::new(Queue::<Sim, (usize, usize)>::new(1));
    let producers: Vec<Thread<Sim>> = (0..2)
        .map(|p| {
            let queue = queue.clone();
            Thread::<Sim>::new(move || {
                for i in 0..2 {
                    queue.put((p, i)).unwrap();
                }
            })
        })
        .collect();
    for producer in &producers {
        producer.start().unwrap();
    }
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(queue.get().unwrap());
        queue.task_done().unwrap();
    }
    queue.join();
    for producer in &producers {
        producer.join().unwrap();
    }
    // Every item, once; each producer's items in the order it put them.
    for p in 0..2 {
        let mine: Vec<usize> = got.iter().filter(|(q, _)| *q == p).map(|&(_, i)| i).collect();
        assert_eq!(mine, [0, 1], "producer {p}'s items");
    }
    assert!(queue.empty());
    assert_eq!(queue.unfinished_tasks(), 0);
}

#[test]
fn a_bounded_producer_consumer_model_is_proved_by_exhaustive_search() {
    let stats = Explorer::exhaustive().run(two_producers_one_consumer).unwrap_or_else(|report| panic!("{report}"));
    assert!(stats.exhausted, "{stats:?}");
    // Which producer fills the one slot first, and when the consumer takes it, differ.
    assert!(stats.executions > 1, "{stats:?}");
    eprintln!("two producers, one consumer, room for one: {stats:?}");
}

/// Two consumers each take an item if the queue does not look empty, with `get_nowait`: both can
/// see the one item, and the second `get_nowait` finds the queue empty (CPython's docs warn that
/// `empty()` is a snapshot). `fixed` takes the item with one call instead.
fn check_then_get(fixed: bool) {
    let queue = Arc::new(Queue::<Sim, u32>::new(0));
    queue.put(7).unwrap();
    let consumers: Vec<Thread<Sim>> = (0..2)
        .map(|_| {
            let queue = queue.clone();
            Thread::<Sim>::new(move || {
                if fixed {
                    match queue.get_nowait() {
                        Ok(item) => assert_eq!(item, 7),
                        Err(error) => assert_eq!(error, Error::Empty),
                    }
                } else if !queue.empty() {
                    queue.get_nowait().expect("the queue was not empty a moment ago");
                }
            })
        })
        .collect();
    for consumer in &consumers {
        consumer.start().unwrap();
    }
    for consumer in &consumers {
        consumer.join().unwrap();
    }
    assert!(queue.empty());
}

#[test]
fn a_check_then_get_race_is_found_and_replayed() {
    let buggy = || check_then_get(false);
    let report = Explorer::portfolio(DEFAULT_SEED).run(buggy).expect_err("the race between empty() and get_nowait()");
    assert_eq!(report.failure.kind, FailureKind::Panic);
    assert!(report.failure.message.contains("the queue was not empty a moment ago"), "{report}");
    let again = Explorer::replay(&report.token).run(buggy).expect_err("the replay fails too");
    assert_eq!(again.failure, report.failure);
    assert_eq!(again.trace, report.trace);
    let stats = Explorer::exhaustive().run(|| check_then_get(true)).unwrap_or_else(|report| panic!("{report}"));
    assert!(stats.exhausted);
}

#[test]
fn a_consumer_that_joins_its_producer_first_deadlocks_on_the_queues_condition() {
    let report = Explorer::portfolio(DEFAULT_SEED)
        .run(|| {
            let jobs = Arc::new(Queue::<Sim, u32>::new(1));
            jobs.label("jobs");
            let q = jobs.clone();
            let producer = Thread::<Sim>::builder().name("producer").build(move || {
                for job in 0..2 {
                    q.put(job).unwrap(); // the second waits for room
                }
            });
            producer.start().unwrap();
            producer.join().unwrap(); // the bug: join before draining
            while jobs.get_nowait().is_ok() {}
        })
        .expect_err("the producer waits for room, the consumer for the producer");
    let FailureKind::Deadlock(blocked) = &report.failure.kind else { panic!("not a deadlock: {report}") };
    assert!(
        blocked.iter().any(|b| b.thread == "producer" && b.waits_on == "jobs.not_full"),
        "the producer waits on jobs.not_full: {blocked:?}"
    );
    assert!(blocked.iter().any(|b| b.thread == "MainThread"), "{blocked:?}");
}
