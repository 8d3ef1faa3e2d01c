//! Partial-order reduction loses no behaviour of a program written on weft's std-shaped façade
//! (`weft::sync`, `weft::thread`), as a Rust user writes it: exhaustive search with reduction
//! reaches exactly the outcomes of exhaustive search without it.

use std::collections::BTreeSet;

use weft::sim::Explorer;
use weft::sync::{Arc, Condvar, Mutex};
use weft::thread;

type Outcomes = Arc<std::sync::Mutex<BTreeSet<String>>>;

/// Cargill's bounded buffer on `Condvar` (one slot, `notify_all`; two consumers take one item
/// each, a producer puts two): the outcome is the order in which the threads held the mutex,
/// counting each return from `wait` (which takes it back). A `notify_all` with the mutex held
/// moves the waiters onto the mutex's queue; a waiter resumes when an unlock wakes it, and
/// another thread can take the mutex first. The log is outside the simulator's sight, so only
/// the order of the mutex's holders orders it.
fn cargill(outcomes: &Outcomes) {
    cargill_taking(1, outcomes);
}

/// [`cargill`] with `takes` items taken by each consumer (and twice as many put).
fn cargill_taking(takes: usize, outcomes: &Outcomes) {
    cargill_with(&['a', 'b'], takes, outcomes);
}

/// [`cargill`] with a consumer of each name in `consumers`, each taking `takes` items (and as
/// many put in all).
fn cargill_with(consumers: &[char], takes: usize, outcomes: &Outcomes) {
    let order = Arc::new(std::sync::Mutex::new(String::new()));
    let note = |order: &std::sync::Mutex<String>, c: char| order.lock().unwrap().push(c);
    let buffer = Arc::new((Mutex::new(0usize), Condvar::new()));
    let mut threads = Vec::new();
    let puts = consumers.len() * takes;
    for &name in consumers {
        let (buffer, order) = (buffer.clone(), order.clone());
        threads.push(thread::spawn(move || {
            let (count, changed) = &*buffer;
            for _ in 0..takes {
                let mut count = count.lock().unwrap();
                note(&order, name);
                while *count == 0 {
                    count = changed.wait(count).unwrap();
                    note(&order, name.to_ascii_uppercase());
                }
                *count -= 1;
                changed.notify_all();
            }
        }));
    }
    let on_producer = (buffer.clone(), order.clone());
    threads.push(thread::spawn(move || {
        let ((count, changed), order) = (&*on_producer.0, &on_producer.1);
        for _ in 0..puts {
            let mut count = count.lock().unwrap();
            note(order, 'p');
            while *count == 1 {
                count = changed.wait(count).unwrap();
                note(order, 'P');
            }
            *count += 1;
            changed.notify_all();
        }
    }));
    for thread in threads {
        thread.join().unwrap();
    }
    outcomes.lock().unwrap().insert(order.lock().unwrap().clone());
}

/// The outcomes and executions of an exhaustive search of `model`, with or without reduction.
fn search(model: fn(&Outcomes), reduce: bool) -> (BTreeSet<String>, usize) {
    let outcomes: Outcomes = Arc::default();
    let sink = outcomes.clone();
    let stats = Explorer::exhaustive().partial_order_reduction(reduce).check(move || model(&sink));
    assert!(stats.exhausted, "{stats}");
    let set = outcomes.lock().unwrap().clone();
    (set, stats.executions)
}

/// The full search reaches 40 orders of the mutex's holders. A reduction in which a resumed
/// waiter's step depended only on the step that woke it, while that step also took the mutex
/// back (so the mutex was in no footprint), missed 8 of them here, while the simulator's own
/// tests (`sim/tests/reduction.rs`, `reduction_random.rs`) passed.
#[test]
fn reduction_keeps_every_mutex_order_of_cargills_buffer_on_condvar() {
    let (full, without) = search(cargill, false);
    let (reduced, with) = search(cargill, true);
    assert_eq!(full.len(), 40, "the full search's orders: {full:?}");
    assert_eq!(reduced, full, "reduction lost or invented orders");
    assert!(with <= without, "{with} executions with reduction, {without} without");
    println!("{} orders; {with} executions with reduction, {without} without", full.len());
    // A woken waiter's resumption depends on its waker alone and it takes the mutex back by a
    // blocking acquire, so its wake-up floats around no holder's steps: 62 executions (184
    // before). A `notify_all` now wakes the waiters rather than moving them onto the mutex's
    // queue (see the test with three consumers below): 43, within 1.1 times the orders.
    assert!(with * 10 <= full.len() * 11, "{with} executions for {} orders", full.len());
}

/// With two takes per consumer (and four puts) the full search does not finish (23 million
/// executions were not enough), and the reduced one did not either before the change above. It
/// now finishes, with every one of the 9,600 orders of the mutex's holders: in 10,263
/// executions (18,319 when a `notify_all` moved the waiters onto the mutex's queue).
#[test]
fn cargills_buffer_with_two_takes_per_consumer_finishes() {
    let outcomes: Outcomes = Arc::default();
    let sink = outcomes.clone();
    let stats = Explorer::exhaustive().check(move || cargill_taking(2, &sink));
    let orders = outcomes.lock().unwrap().len();
    println!("{orders} orders in {stats}");
    assert!(stats.exhausted, "{stats}");
    assert_eq!(orders, 9_600);
    assert!(stats.executions * 10 <= orders * 11, "{stats}");
}

/// Cargill's buffer with three consumers taking one item each (the producer puts three): 3,840
/// orders of the mutex's holders (as many as the search by sleep sets alone reaches, which
/// reaches every trace). Each `notify_all` wakes the waiters rather than moving them onto the
/// mutex's queue, and their re-acquires are then ordered as plain acquires are. When they were
/// moved, each unlock woke one of them at the search's choice, and a thread that took the mutex
/// first made different choices lead to the same orders: 11,599 executions (9,936 traces).
#[test]
fn cargills_buffer_with_three_consumers_takes_about_one_execution_per_order() {
    let outcomes: Outcomes = Arc::default();
    let sink = outcomes.clone();
    let stats = Explorer::exhaustive().check(move || cargill_with(&['a', 'b', 'c'], 1, &sink));
    let orders = outcomes.lock().unwrap().len();
    println!("{orders} orders in {stats}");
    assert!(stats.exhausted, "{stats}");
    assert_eq!(orders, 3_840);
    assert!(stats.executions * 10 <= orders * 11, "{} executions for {orders} orders", stats.executions);
}

/// A consumer that waits on `Condvar` with a timeout, and a producer that first notifies for
/// nothing, then puts an item and notifies again: the outcome is the order of the mutex's
/// holders (a wait's return counts) and whether the consumer took the item. Found by the
/// façade's differential campaign (`reduction_random_facade.rs`, model 270): the waits' unlock
/// and relock of the mutex were not in the footprint of their steps (the simulator does not see
/// the façade's atomics, and nothing declared them), so the reduction took a wait and the
/// mutex's next holder for independent and lost the outcome where the consumer is woken by
/// both notifications and takes the item.
fn notified_twice(outcomes: &Outcomes) {
    use std::time::Duration;
    let state = Arc::new((Mutex::new((0usize, String::new())), Condvar::new()));
    let on_consumer = state.clone();
    let consumer = thread::spawn(move || {
        let (mutex, changed) = &*on_consumer;
        let mut guard = mutex.lock().unwrap();
        guard.1.push('c');
        while guard.0 == 0 {
            let (again, result) = changed.wait_timeout(guard, Duration::from_millis(10)).unwrap();
            guard = again;
            guard.1.push('C');
            if result.timed_out() {
                break;
            }
        }
        let took = guard.0 > 0;
        if took {
            guard.0 -= 1;
        }
        took
    });
    let on_producer = state.clone();
    let producer = thread::spawn(move || {
        let (mutex, changed) = &*on_producer;
        {
            let mut guard = mutex.lock().unwrap();
            changed.notify_one();
            guard.1.push('n');
        }
        let mut guard = mutex.lock().unwrap();
        guard.0 += 1;
        guard.1.push('p');
        changed.notify_all();
    });
    let took = consumer.join().unwrap();
    producer.join().unwrap();
    let order = state.0.lock().unwrap().1.clone();
    outcomes.lock().unwrap().insert(format!("{order} took {took}"));
}

#[test]
fn reduction_keeps_a_consumer_notified_twice() {
    let (full, without) = search(notified_twice, false);
    let (reduced, with) = search(notified_twice, true);
    assert!(full.contains("cnCpC took true"), "the full search's outcomes: {full:?}");
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    println!("{} outcomes; {with} executions with reduction, {without} without", full.len());
}

/// A sender on `mpsc::sync_channel(1)` sends `a` then `b`, noting under a `Mutex` each return
/// from `send` (`A`, `B`); the main thread receives twice, noting each item. The outcome: the
/// notes, in order (the sender parks while the slot is full, until the receive that empties it).
fn bounded_channel(outcomes: &Outcomes) {
    let (sender, receiver) = weft::sync::mpsc::sync_channel::<char>(1);
    let notes = Arc::new(Mutex::new(String::new()));
    let on_sender = notes.clone();
    let sending = thread::spawn(move || {
        for item in ['a', 'b'] {
            sender.send(item).unwrap();
            on_sender.lock().unwrap().push(item.to_ascii_uppercase());
        }
    });
    for _ in 0..2 {
        let item = receiver.recv().unwrap();
        notes.lock().unwrap().push(item);
    }
    sending.join().unwrap();
    outcomes.lock().unwrap().insert(notes.lock().unwrap().clone());
}

/// `queue.Queue(maxsize=1)`: a producer puts `a` then `b`, noting under a `Mutex` each return
/// from `put`; a consumer gets twice, noting each item. The outcome: the notes, in order (the
/// producer waits while the queue is full, on the queue's `Condition`).
fn python_queue(outcomes: &Outcomes) {
    let queue = Arc::new(weft::queue::Queue::<char>::new(1));
    let notes = Arc::new(Mutex::new(String::new()));
    let (on_producer, on_notes) = (queue.clone(), notes.clone());
    let producer = thread::spawn(move || {
        for item in ['a', 'b'] {
            on_producer.put(item).unwrap();
            on_notes.lock().unwrap().push(item.to_ascii_uppercase());
        }
    });
    let on_consumer = notes.clone();
    let consumer = thread::spawn(move || {
        for _ in 0..2 {
            let item = queue.get().unwrap();
            on_consumer.lock().unwrap().push(item);
        }
    });
    producer.join().unwrap();
    consumer.join().unwrap();
    outcomes.lock().unwrap().insert(notes.lock().unwrap().clone());
}

/// The channel's sender parks until a receive makes room, and the queue's waits are `Condition`
/// waits, whose woken waiters depend on their waker alone: the reduction keeps every outcome of
/// both (the differential campaign's channel share covers bounded channels more widely).
#[test]
fn reduction_keeps_every_outcome_of_a_bounded_channel_and_queue() {
    for (name, model) in [("sync_channel", bounded_channel as fn(&Outcomes)), ("queue.Queue", python_queue)] {
        let (full, without) = search(model, false);
        let (reduced, with) = search(model, true);
        assert!(full.len() > 2, "{name}: {full:?}");
        assert_eq!(reduced, full, "{name}: reduction lost or invented outcomes");
        println!("{name}: {} outcomes; {with} executions with reduction, {without} without", full.len());
    }
}

/// Two threads contend for a `Mutex`; the main thread reads what each is blocked on
/// (`ThreadStatus::blocked_on`, which the façade's threads keep in their `ThreadState<Auto>`)
/// twice, with a scheduling point between. Every pair of readings is an outcome.
fn blocked_on_watched(outcomes: &Outcomes) {
    use weft::generic::{ThreadStatus, current_status};
    type Statuses = Vec<(usize, Arc<ThreadStatus<weft::Auto>>)>;
    let mutex = Arc::new(Mutex::new(()));
    let statuses: Arc<std::sync::Mutex<Statuses>> = Arc::default();
    let published = Arc::new(weft::Event::new());
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let (mutex, statuses, published) = (mutex.clone(), statuses.clone(), published.clone());
            thread::spawn(move || {
                let mut all = statuses.lock().unwrap();
                all.push((i, current_status::<weft::Auto>()));
                if all.len() == 2 {
                    published.set();
                }
                drop(all);
                drop(mutex.lock().unwrap());
            })
        })
        .collect();
    published.wait();
    let mut statuses = statuses.lock().unwrap().clone();
    statuses.sort_by_key(|(i, _)| *i);
    let key = mutex.wait_key();
    let mut seen = String::new();
    for _ in 0..2 {
        for (_, status) in &statuses {
            seen.push(if status.blocked_on() == key { 'B' } else { '-' });
        }
        seen.push(' ');
        // A scheduling point between the two rounds of reads.
        assert!(published.is_set());
    }
    threads.into_iter().for_each(|t| t.join().unwrap());
    outcomes.lock().unwrap().insert(seen);
}

/// What a thread is blocked on is shared state like any other: a reader depends on the
/// thread's start and end of its wait and on what decides whether the wait can proceed.
#[test]
fn reduction_keeps_every_blocked_on_value_a_watcher_sees() {
    let (full, without) = search(blocked_on_watched, false);
    let (reduced, with) = search(blocked_on_watched, true);
    assert!(full.contains("-B -B ") && full.contains("B- -- "), "the full search's outcomes: {full:?}");
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    println!("{} outcomes; {with} executions with reduction, {without} without", full.len());
}

/// Two readers that yield while they hold an `RwLock` read guard, then read again; a writer; and
/// a thread that tries `try_write`, then `try_read`. The outcome is what each saw.
fn rwlock_readers_yielding(outcomes: &Outcomes) {
    use weft::sync::RwLock;
    let lock = Arc::new(RwLock::new(0usize));
    let seen: Arc<std::sync::Mutex<[String; 4]>> = Arc::default();
    let mut threads = Vec::new();
    for reader in 0..2 {
        let (lock, seen) = (lock.clone(), seen.clone());
        threads.push(thread::spawn(move || {
            let guard = lock.read().unwrap();
            let first = *guard;
            thread::yield_now();
            drop(guard);
            let again = *lock.read().unwrap();
            seen.lock().unwrap()[reader] = format!("r{first}{again}");
        }));
    }
    let (on_writer, on_writer_seen) = (lock.clone(), seen.clone());
    threads.push(thread::spawn(move || {
        *on_writer.write().unwrap() += 1;
        on_writer_seen.lock().unwrap()[2] = "w".into();
    }));
    let (on_trier, on_trier_seen) = (lock.clone(), seen.clone());
    threads.push(thread::spawn(move || {
        let wrote = on_trier.try_write().is_ok();
        let read = on_trier.try_read().map(|value| *value).ok();
        on_trier_seen.lock().unwrap()[3] = format!("{wrote} {read:?}");
    }));
    for thread in threads {
        thread.join().unwrap();
    }
    outcomes.lock().unwrap().insert(format!("{:?}", seen.lock().unwrap()));
}

/// Found on 2026-12-05 by a model outside the repository: the search with reduction reached 9 of
/// the 11 outcomes the search without it reaches, missing those where the trier runs first, then
/// the writer, then both readers. It took a yield under the read guard: the readers then overlap
/// in every explored execution, and at the decision before a reader's later step the writer was
/// kept out by the other reader, so the race could not be reversed there and was dropped. The
/// search now explores every option of such a decision (as Flanagan and Godefroid's DPOR does).
#[test]
fn reduction_keeps_every_outcome_of_rwlock_readers_that_yield_under_the_guard() {
    let (full, without) = search(rwlock_readers_yielding, false);
    let (reduced, with) = search(rwlock_readers_yielding, true);
    println!("{} outcomes; {with} executions with reduction, {without} without", full.len());
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
}

/// A start gate: `waiters` threads wait on an `Event` (untimed), then read what the setter
/// published before `set`; a bystander reads the flag. The outcome is what each saw.
fn event_gate(waiters: usize, outcomes: &Outcomes) {
    use weft::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    let gate = Arc::new(weft::Event::new());
    let data = Arc::new(AtomicUsize::new(0));
    let seen: Arc<std::sync::Mutex<Vec<String>>> = Arc::new(std::sync::Mutex::new(vec![String::new(); waiters + 1]));
    let mut threads = Vec::new();
    for waiter in 0..waiters {
        let (gate, data, seen) = (gate.clone(), data.clone(), seen.clone());
        threads.push(thread::spawn(move || {
            assert!(gate.wait());
            seen.lock().unwrap()[waiter] = format!("w{}", data.load(SeqCst));
        }));
    }
    let (on_bystander, on_bystander_seen) = (gate.clone(), seen.clone());
    threads.push(thread::spawn(move || {
        on_bystander_seen.lock().unwrap()[waiters] = format!("i{}", u8::from(on_bystander.is_set()));
    }));
    data.store(7, SeqCst);
    gate.set();
    for thread in threads {
        thread.join().unwrap();
    }
    outcomes.lock().unwrap().insert(format!("{:?}", seen.lock().unwrap()));
}

/// Waiters on one `Event` read it and take nothing, so their order does not matter: with one
/// to three waiters the search needs as many executions as the orders of the bystander's read
/// and the `set` (2). When each wait (and `is_set`) counted as a write, and a wait parked, the
/// waits' orders multiplied them: 7, 52 and 678 executions with one, two and three waiters.
#[test]
fn waiters_on_one_event_commute() {
    for waiters in 1..=3 {
        let model = [|o: &Outcomes| event_gate(1, o), |o: &Outcomes| event_gate(2, o), |o: &Outcomes| event_gate(3, o)]
            [waiters - 1];
        let (full, without) = search(model, false);
        let (reduced, with) = search(model, true);
        println!("{waiters} waiters: {} outcomes; {with} executions with reduction, {without} without", full.len());
        assert_eq!(reduced, full, "reduction lost or invented outcomes");
        assert_eq!(full.len(), 2, "{full:?}");
        assert!(with <= 2, "{with} executions with {waiters} waiters");
    }
}

/// `set`, `clear` and untimed `wait`s that cross: a waiter woken by `set` returns even if
/// `clear` ran before it resumed, a waiter that arrives after the `clear` waits for the main
/// thread's final `set`. The outcome is what each thread saw, and the flag.
fn event_set_clear_wait(outcomes: &Outcomes) {
    let event = Arc::new(weft::Event::new());
    let seen: Arc<std::sync::Mutex<[String; 3]>> = Arc::default();
    let mut threads = Vec::new();
    for waiter in 0..2 {
        let (event, seen) = (event.clone(), seen.clone());
        threads.push(thread::spawn(move || {
            let before = event.is_set();
            assert!(event.wait());
            let after = event.is_set();
            seen.lock().unwrap()[waiter] = format!("{}{}", u8::from(before), u8::from(after));
        }));
    }
    let (on_clearer, on_clearer_seen) = (event.clone(), seen.clone());
    let clearer = thread::spawn(move || {
        on_clearer.set();
        on_clearer.clear();
        on_clearer_seen.lock().unwrap()[2] = format!("c{}", u8::from(on_clearer.is_set()));
    });
    clearer.join().unwrap();
    let late = event.is_set();
    event.set();
    for thread in threads {
        thread.join().unwrap();
    }
    outcomes.lock().unwrap().insert(format!("{:?} {late}", seen.lock().unwrap()));
}

/// 16 outcomes, in 100 executions with reduction (10,382 when a wait and `is_set` counted as
/// writes).
#[test]
fn reduction_keeps_every_outcome_of_crossing_event_set_clear_and_waits() {
    let (full, without) = search(event_set_clear_wait, false);
    let (reduced, with) = search(event_set_clear_wait, true);
    println!("{} outcomes; {with} executions with reduction, {without} without", full.len());
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
}

/// A signaller that pulses an `Event` (`set` then `clear` at once) loses the waiter that begins
/// its wait after the pulse: the wait never returns. The reduced search must reach that
/// deadlock, and it is the order of the wait's own step and the `clear` that decides it. A first
/// version of the waiters' commuting decided whether to wait in the step before the wait (where
/// it is announced: a thread's first step, which its start runs at once), and the reduced search
/// then ran 2 executions and reported none.
#[test]
fn the_reduced_search_finds_a_waiter_that_misses_an_event_pulse() {
    let pulse = || {
        let event = Arc::new(weft::Event::new());
        let on_waiter = event.clone();
        let waiter = thread::spawn(move || {
            on_waiter.wait();
        });
        let signaller = thread::spawn(move || {
            event.set();
            event.clear();
        });
        signaller.join().unwrap();
        waiter.join().unwrap();
    };
    let report = Explorer::exhaustive().shrink(false).run(pulse).expect_err("the waiter that misses the pulse");
    assert!(matches!(report.failure.kind, weft::sim::FailureKind::Deadlock(_)), "{report}");
    let stats = Explorer::exhaustive().check(|| {
        let event = Arc::new(weft::Event::new());
        let on_waiter = event.clone();
        let waiter = thread::spawn(move || {
            on_waiter.wait();
        });
        event.set();
        event.clear();
        event.set();
        waiter.join().unwrap();
    });
    assert!(stats.exhausted, "{stats}");
}

/// Three threads release a `weft::Semaphore` of value 0 while a fourth takes one unit and a
/// fifth reads the value: the outcome is what the reader saw and what was left.
fn semaphore_releasers(outcomes: &Outcomes) {
    let semaphore = Arc::new(weft::Semaphore::new(0));
    let seen = Arc::new(std::sync::Mutex::new(usize::MAX));
    let mut threads: Vec<_> = (0..3)
        .map(|_| {
            let semaphore = semaphore.clone();
            thread::spawn(move || semaphore.release().unwrap())
        })
        .collect();
    let (on_reader, reader_seen) = (semaphore.clone(), seen.clone());
    threads.push(thread::spawn(move || *reader_seen.lock().unwrap() = on_reader.value()));
    let taker = semaphore.clone();
    threads.push(thread::spawn(move || {
        taker.acquire();
    }));
    for thread in threads {
        thread.join().unwrap();
    }
    outcomes.lock().unwrap().insert(format!("read {} left {}", seen.lock().unwrap(), semaphore.value()));
}

/// Three threads release a `weft::Semaphore` of value 0: the outcome is its value.
fn releases_alone(outcomes: &Outcomes) {
    let semaphore = Arc::new(weft::Semaphore::new(0));
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let semaphore = semaphore.clone();
            thread::spawn(move || semaphore.release().unwrap())
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    outcomes.lock().unwrap().insert(semaphore.value().to_string());
}

/// A `weft::Semaphore`'s releases commute with each other through the façade too
/// (`Observe::commutes`), and still not with its reads and acquires: releases alone take one
/// execution (6, their orders, when each was a write); with a reader and a taker the reduced search reaches every
/// value the reader can see.
#[test]
fn a_facade_semaphores_releases_commute() {
    let (full, without) = search(releases_alone, false);
    let (reduced, with) = search(releases_alone, true);
    assert_eq!(reduced, full);
    assert_eq!(with, 1, "executions with reduction ({without} without)");
    let (full, _) = search(semaphore_releasers, false);
    let (reduced, with) = search(semaphore_releasers, true);
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    for value in 0..=3 {
        assert!(full.iter().any(|o| o.starts_with(&format!("read {value} "))), "{full:?}");
    }
    println!("{} outcomes, {with} executions with reduction", full.len());
}

/// Three threads set a `weft::Event` while (if `reader`) a fourth reads `is_set` and a fifth
/// clears it: the outcome is what the reader saw and whether the event is set at the end.
fn event_setters(outcomes: &Outcomes, reader: bool) {
    let event = Arc::new(weft::Event::new());
    let seen = Arc::new(std::sync::Mutex::new('-'));
    let mut threads: Vec<_> = (0..3)
        .map(|_| {
            let event = event.clone();
            thread::spawn(move || event.set())
        })
        .collect();
    if reader {
        let (on_reader, reader_seen) = (event.clone(), seen.clone());
        threads.push(thread::spawn(move || *reader_seen.lock().unwrap() = if on_reader.is_set() { 'y' } else { 'n' }));
        let clearer = event.clone();
        threads.push(thread::spawn(move || clearer.clear()));
    }
    for thread in threads {
        thread.join().unwrap();
    }
    outcomes.lock().unwrap().insert(format!("read {} set {}", seen.lock().unwrap(), event.is_set()));
}

/// A `weft::Event`'s sets commute with each other through the façade too (`Observe::commutes`),
/// and still not with `is_set` and `clear`: sets alone take one execution (6, their orders, when
/// each was a write); with a reader and a clearer the reduced search reaches every outcome.
#[test]
fn a_facade_events_sets_commute() {
    let (full, without) = search(|o| event_setters(o, false), false);
    let (reduced, with) = search(|o| event_setters(o, false), true);
    assert_eq!(reduced, full);
    assert_eq!(with, 1, "executions with reduction ({without} without)");
    let (full, _) = search(|o| event_setters(o, true), false);
    let (reduced, with) = search(|o| event_setters(o, true), true);
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    for outcome in ["read y set true", "read y set false", "read n set true", "read n set false"] {
        assert!(full.contains(outcome), "{outcome}: {full:?}");
    }
    println!("{} outcomes, {with} executions with reduction", full.len());
}

/// `waiters` threads wait on one `Event` with a timeout of `timeout_ms`, a bystander reads it,
/// and the main thread sets it after sleeping `sleep_ms`: the outcome is what each saw (`t` for a
/// timed-out wait).
fn event_gate_timed(waiters: usize, timeout_ms: u64, sleep_ms: u64, outcomes: &Outcomes) {
    use std::time::Duration;
    let gate = Arc::new(weft::Event::new());
    let seen: Arc<std::sync::Mutex<Vec<String>>> = Arc::new(std::sync::Mutex::new(vec![String::new(); waiters + 1]));
    let mut threads = Vec::new();
    for waiter in 0..waiters {
        let (gate, seen) = (gate.clone(), seen.clone());
        threads.push(thread::spawn(move || {
            let woken = gate.wait_timeout(Duration::from_millis(timeout_ms)).unwrap();
            seen.lock().unwrap()[waiter] = if woken { "w".into() } else { "t".into() };
        }));
    }
    let (on_bystander, on_bystander_seen) = (gate.clone(), seen.clone());
    threads.push(thread::spawn(move || {
        on_bystander_seen.lock().unwrap()[waiters] = format!("i{}", u8::from(on_bystander.is_set()));
    }));
    if sleep_ms > 0 {
        thread::sleep(Duration::from_millis(sleep_ms));
    }
    gate.set();
    for thread in threads {
        thread.join().unwrap();
    }
    outcomes.lock().unwrap().insert(format!("{:?}", seen.lock().unwrap()));
}

/// Timed waits on an `Event` are blocking reads, as untimed ones are: they commute with each
/// other and with `is_set`, and the simulator keeps a waiter off the run queue until a `set`
/// or its deadline. With two and three timed waiters, a bystander's `is_set` and a setter the
/// search needs as many executions as the orders of the read and the `set` (2, as untimed
/// waits do); when a timed wait began as a write and parked, 244 and 15,858. With the setter
/// sleeping past the timeouts, every wait times out (4 executions; 60 before); with the set
/// due when the timeouts are, each waiter may see either. The reduced search reaches the
/// outcomes of the full one.
#[test]
fn timed_waiters_on_one_event_commute() {
    let models = [
        |o: &Outcomes| event_gate_timed(2, 5_000, 0, o),
        |o: &Outcomes| event_gate_timed(3, 5_000, 0, o),
        |o: &Outcomes| event_gate_timed(2, 10, 20, o),
        |o: &Outcomes| event_gate_timed(2, 10, 10, o),
    ];
    let mut executions = Vec::new();
    for model in models {
        let (full, without) = search(model, false);
        let (reduced, with) = search(model, true);
        println!("{} outcomes; {with} executions with reduction, {without} without", full.len());
        assert_eq!(reduced, full, "reduction lost or invented outcomes");
        executions.push(with);
    }
    let (timed_out, _) = search(models[2], true);
    assert!(timed_out.iter().all(|outcome| outcome.starts_with("[\"t\", \"t\"")), "{timed_out:?}");
    // The deadline and the set at the same virtual time: either may come first, for each waiter.
    let (tied, _) = search(models[3], true);
    for outcome in ["[\"w\", \"w\", \"i0\"]", "[\"t\", \"w\", \"i0\"]", "[\"t\", \"t\", \"i0\"]"] {
        assert!(tied.contains(outcome), "{outcome}: {tied:?}");
    }
    assert!(executions[0] <= 2 && executions[1] <= 2, "{executions:?} executions with reduction");
}

/// `threads` threads each take a `weft::Lock` with a timeout of `timeout_ms`, hold it for
/// `hold_ms` (a sleep) and log their name: the outcome is the log (`-` for a timed-out acquire).
fn timed_lockers(threads: usize, timeout_ms: u64, hold_ms: u64, outcomes: &Outcomes) {
    use std::time::Duration;
    let lock = Arc::new(weft::Lock::new());
    let log = Arc::new(std::sync::Mutex::new(String::new()));
    let workers: Vec<_> = (0..threads)
        .map(|index| {
            let (lock, log) = (lock.clone(), log.clone());
            thread::spawn(move || {
                if lock.acquire_timeout(Duration::from_millis(timeout_ms)).unwrap() {
                    log.lock().unwrap().push(char::from(b'a' + index as u8));
                    if hold_ms > 0 {
                        thread::sleep(Duration::from_millis(hold_ms));
                    }
                    lock.release().unwrap();
                } else {
                    log.lock().unwrap().push('-');
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

/// A timed `acquire` of a `Lock` waits off the run queue as an untimed one does, up to its
/// deadline: three threads take 6 executions, one per order of the lock's holders (48 when a
/// timed acquire parked). Holders that sleep past the others' timeouts make them time out, and
/// the reduced search reaches the outcomes of the full one.
#[test]
fn timed_lock_acquires_take_one_execution_per_order() {
    let (full, without) = search(|o| timed_lockers(3, 5_000, 0, o), false);
    let (reduced, with) = search(|o| timed_lockers(3, 5_000, 0, o), true);
    println!("{} outcomes; {with} executions with reduction, {without} without", full.len());
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    assert_eq!(full.len(), 6, "{full:?}");
    assert_eq!(with, 6, "executions with reduction");
    let (full, without) = search(|o| timed_lockers(3, 10, 20, o), false);
    let (reduced, with) = search(|o| timed_lockers(3, 10, 20, o), true);
    println!("{} outcomes; {with} executions with reduction, {without} without", full.len());
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    assert!(full.iter().all(|log| log.matches('-').count() == 2), "the holder outlasts both timeouts: {full:?}");
    let (full, _) = search(|o| timed_lockers(2, 10, 10, o), false);
    let (reduced, _) = search(|o| timed_lockers(2, 10, 10, o), true);
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    assert!(full.iter().any(|log| !log.contains('-')) && full.iter().any(|log| log.contains('-')), "{full:?}");
}

/// `sleepers` threads each `thread::sleep` 10 ms, then, if `lock`, log their name under a
/// `weft::sync::Mutex`: the outcome is the log.
fn sleepers(sleepers: usize, lock: bool, outcomes: &Outcomes) {
    let log = Arc::new(Mutex::new(String::new()));
    let workers: Vec<_> = (0..sleepers)
        .map(|index| {
            let log = log.clone();
            thread::spawn(move || {
                thread::sleep(std::time::Duration::from_millis(10));
                if lock {
                    log.lock().unwrap().push(char::from(b'a' + index as u8));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
}

/// Threads that sleep until one virtual time wake in any order without multiplying executions:
/// 4 sleepers take one execution (105 when each wake-up depended on every step), and 3 that then
/// take a mutex one per order of its holders (225 before), the outcomes of the full search.
#[test]
fn sleeps_due_at_one_time_commute() {
    let (_, with) = search(|o| sleepers(4, false, o), true);
    assert_eq!(with, 1, "executions with reduction");
    let (full, without) = search(|o| sleepers(3, true, o), false);
    let (reduced, with) = search(|o| sleepers(3, true, o), true);
    println!("{} outcomes; {with} executions with reduction, {without} without", full.len());
    assert_eq!(reduced, full, "reduction lost or invented outcomes");
    assert_eq!((full.len(), with), (6, 6), "{full:?}");
}
