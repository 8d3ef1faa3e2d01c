//! Exhaustive search of std-shaped types whose operations the simulator orders more precisely:
//! calls that find a `Once` completed, a `OnceLock` set or a `LazyLock` forced only read it, so
//! the search needs no order of them (the first initialisations still race); and each `mpsc`
//! call is one step on the part of the channel it changes.

use std::collections::BTreeSet;

use weft::sim::{Explorer, Stats};
use weft::sync::{Arc, LazyLock, Once, OnceLock, mpsc};
use weft::thread;

type Outcomes = Arc<std::sync::Mutex<BTreeSet<String>>>;

/// A model that notes its outcomes.
type Model = fn(&Outcomes);

/// A send of one of [`two_senders`]' threads: what it returned.
type SendCall = Box<dyn FnOnce() -> String + Send>;

/// The outcomes and statistics of an exhaustive search of `model`, with or without reduction.
fn search(model: fn(&Outcomes), reduce: bool) -> (BTreeSet<String>, Stats) {
    let outcomes: Outcomes = Arc::default();
    let sink = outcomes.clone();
    let stats = Explorer::exhaustive()
        .threads(1)
        .partial_order_reduction(reduce)
        .count_traces(true)
        .check(move || model(&sink));
    assert!(stats.exhausted, "{stats}");
    let set = outcomes.lock().unwrap().clone();
    (set, stats)
}

/// Runs `body(index)` on three threads and joins them.
fn on_three_threads(body: impl Fn(usize) + Send + Sync + 'static) {
    let body = Arc::new(body);
    let threads: Vec<_> = (0..3)
        .map(|index| {
            let body = body.clone();
            thread::spawn(move || body(index))
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
}

/// Three threads read what an initialisation before them made: one execution each (a completed
/// `Once` took 90, a set `OnceLock` and a forced `LazyLock` 6, when every call was a write or
/// took a lock).
#[test]
fn calls_after_the_initialisation_commute() {
    let models: [fn(&Outcomes); 3] = [
        |_| {
            let once = Arc::new(Once::new());
            once.call_once(|| {});
            on_three_threads(move |_| {
                once.call_once(|| unreachable!("completed"));
                assert!(once.is_completed());
            });
        },
        |_| {
            let cell = Arc::new(OnceLock::new());
            cell.set(7).unwrap();
            on_three_threads(move |index| assert_eq!(*cell.get_or_init(|| index), 7));
        },
        |_| {
            let lazy = Arc::new(LazyLock::new(|| 5usize));
            assert_eq!(**lazy, 5);
            on_three_threads(move |_| assert_eq!(**lazy, 5));
        },
    ];
    for (index, model) in models.into_iter().enumerate() {
        let (_, stats) = search(model, true);
        assert_eq!(stats.executions, 1, "model {index}: {stats}");
    }
}

/// Three threads race to initialise a `OnceLock` or run a `Once`: whichever goes first
/// initialises, and the reduced search reaches every such outcome of the full one.
#[test]
fn first_initialisations_still_race() {
    let models: [fn(&Outcomes); 2] = [
        |outcomes| {
            let cell = Arc::new(OnceLock::new());
            let reader = cell.clone();
            on_three_threads(move |index| {
                reader.get_or_init(|| index);
            });
            outcomes.lock().unwrap().insert(cell.get().unwrap().to_string());
        },
        |outcomes| {
            let once = Arc::new(Once::new());
            let log = Arc::new(std::sync::Mutex::new(String::new()));
            let (runner, sink) = (once.clone(), log.clone());
            on_three_threads(move |index| runner.call_once(|| sink.lock().unwrap().push_str(&index.to_string())));
            outcomes.lock().unwrap().insert(log.lock().unwrap().clone());
        },
    ];
    for model in models {
        let (full, without) = search(model, false);
        let (reduced, with) = search(model, true);
        println!(
            "{} outcomes; {} executions with reduction, {} without",
            full.len(),
            with.executions,
            without.executions
        );
        assert_eq!(reduced, full, "reduction lost or invented outcomes");
        assert_eq!(full.len(), 3, "{full:?}");
    }
}

/// Two senders send one item each (the first with `try_send` if `tries[0]`, which may fail, the
/// second if `tries[1]`) and go; the receiver takes items until both are gone. The outcome:
/// the items in the order received, and what each send returned.
fn two_senders(bound: Option<usize>, tries: [bool; 2], outcomes: &Outcomes) {
    let (sends, receiver): (Vec<SendCall>, _) = match bound {
        None => {
            let (sender, receiver) = mpsc::channel();
            let sends = (0..2)
                .map(|index| {
                    let sender = sender.clone();
                    Box::new(move || format!("{:?}", sender.send(index).is_ok())) as SendCall
                })
                .collect();
            (sends, receiver)
        }
        Some(bound) => {
            let (sender, receiver) = mpsc::sync_channel(bound);
            let sends = (0..2)
                .map(|index| {
                    let sender = sender.clone();
                    let try_only = tries[index as usize];
                    Box::new(move || match try_only {
                        true => format!("{:?}", sender.try_send(index)),
                        false => format!("{:?}", sender.send(index).is_ok()),
                    }) as SendCall
                })
                .collect();
            (sends, receiver)
        }
    };
    let senders: Vec<_> = sends.into_iter().map(thread::spawn).collect();
    let got: Vec<i32> = receiver.iter().collect();
    let sent: Vec<String> = senders.into_iter().map(|s| s.join().unwrap()).collect();
    outcomes.lock().unwrap().insert(format!("{got:?} {sent:?}"));
}

/// Each channel call is one simulator step on the part of the channel it changes (a rendezvous
/// send two; a send without room parks), so the reduced search reaches
/// every trace and outcome of the full search in far fewer executions: unbounded, bounded and
/// rendezvous channels, with `send`, with `try_send`, and with both. (Built on a `Mutex` and
/// `Condvar`, the unbounded channel took 720 executions, the rendezvous 2,520.) The bounds are
/// the executions the search takes: all but the last model's are their trace counts. (Before a
/// drop of a sender that leaves a sender or items said that it lets no receive go, a receive
/// that found every sender gone raced with the drops: 12 for 8 traces, 30 for 20.)
#[test]
fn channel_calls_are_one_step_on_the_part_they_change() {
    let models: [(&str, Model, usize); 7] = [
        ("channel", |o| two_senders(None, [false; 2], o), 8),
        ("sync_channel(1)", |o| two_senders(Some(1), [false; 2], o), 8),
        ("sync_channel(0)", |o| two_senders(Some(0), [false; 2], o), 180),
        ("sync_channel(1), try_send", |o| two_senders(Some(1), [true; 2], o), 8),
        ("sync_channel(0), try_send", |o| two_senders(Some(0), [true; 2], o), 20),
        // A `try_send` that takes the last room, and a `send` that then waits: the send's order
        // with it is explored (before it, the send finds room).
        ("sync_channel(1), try_send and send", |o| two_senders(Some(1), [true, false], o), 8),
        ("sync_channel(0), try_send and send", |o| two_senders(Some(0), [true, false], o), 34),
    ];
    for (name, model, most) in models {
        let (full, without) = search(model, false);
        let (reduced, with) = search(model, true);
        println!(
            "{name}: {} outcomes, {:?} traces; {} executions with reduction, {} without",
            full.len(),
            without.traces,
            with.executions,
            without.executions
        );
        assert_eq!(reduced, full, "{name}: reduction lost or invented outcomes");
        assert_eq!(with.traces, without.traces, "{name}: reduction lost traces");
        assert!(with.executions <= most, "{name}: {with}");
    }
}
