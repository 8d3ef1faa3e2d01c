//! Differential testing of partial-order reduction on channels whose senders come and go, shared
//! by the simulator's test (`sim/tests/reduction_channel_lifecycle.rs`, on `Sim`) and the
//! façade's (`tests/reduction_channel_lifecycle.rs`, on `weft::Auto`): for each small generated
//! program, exhaustive search with reduction must reach exactly the outcomes (or the deadlock)
//! and the Mazurkiewicz traces that exhaustive search without it reaches.
//!
//! The differential campaigns (`differential/mod.rs`) share one sender that no thread drops. Here
//! each sender thread has a sender of its own, clones it, sends through the clone, drops either,
//! and the main thread drops its own between receives, which end when every sender is gone: the
//! orders of clones and drops with the receives that find the channel disconnected are what the
//! reduction must get right (a drop that leaves a sender, or items, lets no receive go).
//!
//! `CHANNEL_MODELS` (how many models), `CHANNEL_SEED` (the generator's seed) and `CHANNEL_ONLY`
//! (run only the model with this index, printing it) run others.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::sync::mpsc::{RecvTimeoutError, TryRecvError, TrySendError};

use weft_core::mpsc::{self, Receiver, Sender, SyncSender};
use weft_core::{Scheduler, std_thread};
use weft_sim::{Explorer, FailureKind, Rng, Stats};

/// What a sender thread does with its sender.
#[derive(Clone, Copy, Debug)]
enum SenderOp {
    /// `send` of its name (blocking on a bounded channel; it fails once the receiver is gone).
    Send,
    /// `try_send` of its name (a `send` on the unbounded channel).
    TrySend,
    /// Clones its sender and drops the clone at once.
    CloneDrop,
    /// Clones its sender, drops the original and goes on with the clone.
    Swap,
    /// Drops its sender: its later operations find none, and do nothing.
    Drop,
}

/// What the main thread does with the receiver.
#[derive(Clone, Copy, Debug)]
enum ReceiverOp {
    /// `recv`: blocks until an item comes or every sender is gone.
    Recv,
    TryRecv,
    /// `recv_timeout` of 10 ms.
    RecvTimeout,
    /// Takes items until every sender is gone (`iter`).
    Drain,
}

/// One program: the channel's bound (`None`: unbounded), each sender thread's operations, the
/// main thread's receives, and after how many of them it drops its own sender.
#[derive(Clone, Debug)]
pub struct Model {
    bound: Option<usize>,
    senders: Vec<Vec<SenderOp>>,
    receives: Vec<ReceiverOp>,
    main_drops_after: usize,
}

/// A model drawn by `rng`: the channel's kind, 2–3 sender threads of 1–2 operations, and 1–2
/// receives.
fn generate(rng: &mut Rng) -> Model {
    let bound = [None, Some(0), Some(1), Some(2)][rng.below(4) as usize];
    let sender_ops =
        [SenderOp::Send, SenderOp::Send, SenderOp::TrySend, SenderOp::CloneDrop, SenderOp::Swap, SenderOp::Drop];
    // (Larger models make full searches of minutes: a quarter have a third sender thread, of one
    // operation each.)
    let threads = if rng.below(4) == 0 { 3 } else { 2 };
    let most_ops = if threads == 3 { 1 } else { 2 };
    let senders = (0..threads)
        .map(|_| {
            (0..1 + rng.below(most_ops)).map(|_| sender_ops[rng.below(sender_ops.len() as u64) as usize]).collect()
        })
        .collect();
    let receiver_ops = [ReceiverOp::Recv, ReceiverOp::TryRecv, ReceiverOp::RecvTimeout, ReceiverOp::Drain];
    let receives: Vec<ReceiverOp> =
        (0..1 + rng.below(2)).map(|_| receiver_ops[rng.below(receiver_ops.len() as u64) as usize]).collect();
    // The main thread drops its sender before its first receive that waits for every sender to
    // go (otherwise that receive waits for good whenever it finds no item: a deadlock, which
    // the comparison tells only as one).
    let first_blocking = receives.iter().position(|op| matches!(op, ReceiverOp::Recv | ReceiverOp::Drain));
    let main_drops_after = rng.below(first_blocking.unwrap_or(receives.len()) as u64 + 1) as usize;
    Model { bound, senders, receives, main_drops_after }
}

/// Either kind of sender.
enum AnySender<S: Scheduler> {
    Unbounded(Sender<S, char>),
    Bounded(SyncSender<S, char>),
}

impl<S: Scheduler> Clone for AnySender<S> {
    fn clone(&self) -> Self {
        match self {
            AnySender::Unbounded(sender) => AnySender::Unbounded(sender.clone()),
            AnySender::Bounded(sender) => AnySender::Bounded(sender.clone()),
        }
    }
}

impl<S: Scheduler> AnySender<S> {
    /// What a sender thread's `op` returned, into `seen`.
    fn run(&self, name: char, op: SenderOp, seen: &mut String) {
        let sent = match (self, op) {
            (AnySender::Unbounded(sender), _) => sender.send(name).is_ok(),
            (AnySender::Bounded(sender), SenderOp::TrySend) => match sender.try_send(name) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    seen.push('F');
                    return;
                }
                Err(TrySendError::Disconnected(_)) => false,
            },
            (AnySender::Bounded(sender), _) => sender.send(name).is_ok(),
        };
        seen.push(if sent { 's' } else { 'x' });
    }
}

/// Runs `model` once (one execution) and returns its outcome: what each thread observed.
fn execute<S: Scheduler>(model: &Model) -> String {
    let (sender, receiver): (AnySender<S>, Receiver<S, char>) = match model.bound {
        None => {
            let (sender, receiver) = mpsc::channel();
            (AnySender::Unbounded(sender), receiver)
        }
        Some(bound) => {
            let (sender, receiver) = mpsc::sync_channel(bound);
            (AnySender::Bounded(sender), receiver)
        }
    };
    let threads: Vec<_> = model
        .senders
        .iter()
        .enumerate()
        .map(|(index, ops)| {
            let (ops, mut mine) = (ops.clone(), Some(sender.clone()));
            let name = (b'a' + index as u8) as char;
            std_thread::spawn::<S, _>(move || {
                let mut seen = String::new();
                for op in ops {
                    let Some(sender) = &mine else {
                        seen.push('-');
                        continue;
                    };
                    match op {
                        SenderOp::Send | SenderOp::TrySend => sender.run(name, op, &mut seen),
                        SenderOp::CloneDrop => drop(sender.clone()),
                        SenderOp::Swap => mine = Some(sender.clone()),
                        SenderOp::Drop => mine = None,
                    }
                }
                seen
            })
        })
        .collect();
    let mut own = Some(sender);
    let mut seen = String::new();
    for (index, op) in model.receives.iter().enumerate() {
        if index == model.main_drops_after {
            own = None;
        }
        match op {
            ReceiverOp::Recv => match receiver.recv() {
                Ok(item) => seen.push(item),
                Err(_) => seen.push('D'),
            },
            ReceiverOp::TryRecv => match receiver.try_recv() {
                Ok(item) => seen.push(item),
                Err(TryRecvError::Empty) => seen.push('e'),
                Err(TryRecvError::Disconnected) => seen.push('D'),
            },
            ReceiverOp::RecvTimeout => match receiver.recv_timeout(Duration::from_millis(10)) {
                Ok(item) => seen.push(item),
                Err(RecvTimeoutError::Timeout) => seen.push('t'),
                Err(RecvTimeoutError::Disconnected) => seen.push('D'),
            },
            ReceiverOp::Drain => {
                seen.push('[');
                seen.extend(receiver.iter());
                seen.push(']');
            }
        }
    }
    drop(own);
    // The receiver goes: the sends it left blocked fail, and their threads end.
    drop(receiver);
    for thread in threads {
        write!(seen, " {}", thread.join().expect("a sender thread ends")).unwrap();
    }
    seen
}

/// What an exhaustive search found.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// The outcomes, and the search's statistics (executions and traces).
    Outcomes(BTreeSet<String>, usize, Option<usize>),
    Deadlock,
    Unfinished,
}

/// The outcomes, executions and traces of the exhaustive search of `model` on `S`, with
/// partial-order reduction or without, stopped after `limit`.
fn search<S: Scheduler>(model: &Arc<Model>, reduce: bool, limit: Duration) -> Found {
    let outcomes: Arc<Mutex<BTreeSet<String>>> = Arc::default();
    let (sink, shared) = (outcomes.clone(), model.clone());
    let result =
        Explorer::exhaustive().partial_order_reduction(reduce).count_traces(true).shrink(false).time_limit(limit).run(
            move || {
                let outcome = execute::<S>(&shared);
                sink.lock().unwrap().insert(outcome);
            },
        );
    match result {
        Ok(Stats { exhausted: true, executions, traces, .. }) => {
            Found::Outcomes(outcomes.lock().unwrap().clone(), executions, traces)
        }
        Ok(_) => Found::Unfinished,
        Err(report) if matches!(report.failure.kind, FailureKind::Deadlock(_)) => Found::Deadlock,
        Err(report) => panic!("model {model:?} failed (reduce {reduce}): {report}"),
    }
}

/// The environment variable `name`, parsed, or `default`.
fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Compares the reduced and the full search of `models` generated models (unless the
/// environment says otherwise); panics on the first mismatch, or if fewer than half the full
/// searches finished within their time limit.
pub fn campaign<S: Scheduler>(models: usize) {
    let models: usize = env("CHANNEL_MODELS", models);
    let mut rng = Rng::new(env("CHANNEL_SEED", 0xC4A7_11FE));
    let only: Option<usize> = std::env::var("CHANNEL_ONLY").ok().and_then(|v| v.parse().ok());
    let limit = Duration::from_millis(if cfg!(debug_assertions) { 800 } else { 400 });
    let (mut compared, mut deadlocks, mut skipped, mut with, mut without, mut traces) = (0, 0, 0, 0, 0, 0);
    for index in 0..models {
        let model = Arc::new(generate(&mut rng));
        if only.is_some_and(|o| o != index) {
            continue;
        }
        if only.is_some() {
            println!("{model:#?}");
        }
        let full = search::<S>(&model, false, limit);
        if full == Found::Unfinished {
            skipped += 1;
            continue;
        }
        let reduced = search::<S>(&model, true, limit * 4);
        match (&reduced, &full) {
            (Found::Outcomes(r, executions_r, traces_r), Found::Outcomes(f, executions_f, traces_f)) => {
                let missed: Vec<&String> = f.difference(r).collect();
                let invented: Vec<&String> = r.difference(f).collect();
                assert!(
                    missed.is_empty() && invented.is_empty(),
                    "model #{index}: {model:#?}\nmissed {missed:#?}\ninvented {invented:#?}"
                );
                assert_eq!(traces_r, traces_f, "model #{index}: {model:#?}\nthe reduced search lost traces");
                with += executions_r;
                without += executions_f;
                traces += traces_f.unwrap_or(0);
            }
            (Found::Deadlock, Found::Deadlock) => deadlocks += 1,
            (Found::Unfinished, _) => {
                skipped += 1;
                continue;
            }
            (r, f) => panic!("model #{index}: {model:#?}\nreduced: {r:?}\nfull: {f:?}"),
        }
        compared += 1;
    }
    println!(
        "{compared} models compared ({deadlocks} deadlocking), {skipped} skipped (a search unfinished), \
         {with} executions with reduction ({traces} traces), {without} without, 0 mismatches"
    );
    assert!(compared * 2 >= models || only.is_some(), "only {compared} of {models} models compared");
}
