//! `mpsc`: the unbounded `channel`, `sync_channel(1)` and the rendezvous `sync_channel(0)`.
//!
//! A `Receiver` is `!Sync`, as std's: one thread receives. The objects keep it behind a mutex,
//! and two kinds of scenarios use it:
//! * any thread may `try_recv` (the scenarios of [`scenarios`](weft::spec::scenarios));
//! * every receive, blocking ones included, is thread 1's, and the other threads and the parts
//!   before and after only send ([`receiver_scenarios`]). The mutex is then never contended, so
//!   a receiver blocked in `recv` holding it blocks nobody else.

use std::collections::{BTreeSet, VecDeque};

use proptest::collection::vec;
use proptest::prelude::*;
use weft::spec::{Blocked, Linearizability, Model, Scenario, Shape};
use weft::sync::Mutex;
use weft::sync::mpsc::{Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError, TrySendError};

use crate::{TIMEOUT, budgeted};

#[derive(Clone, Debug)]
enum ChannelOp {
    /// `send` (blocking while a bounded channel is full, and a rendezvous until its item is
    /// taken).
    Send(u8),
    /// `try_send` (`send` on an unbounded channel, whose sender has no `try_send`).
    TrySend(u8),
    /// `recv`, waiting for an item.
    Recv,
    /// `try_recv`.
    TryRecv,
    /// `recv_timeout`.
    RecvTimeout,
}

/// What a channel operation returns: a received item, or the error's name.
type ChannelRet = Result<Option<u8>, &'static str>;

/// What a receive returns when there is no item: `TryRecv`'s and `RecvTimeout`'s error, or
/// `Recv` blocks.
fn nothing(op: &ChannelOp) -> Result<ChannelRet, Blocked> {
    match op {
        ChannelOp::TryRecv => Ok(Err("Empty")),
        ChannelOp::RecvTimeout => Ok(Err("Timeout")),
        _ => Err(Blocked),
    }
}

/// An mpsc channel with room for `bound` items (`None`: unbounded), its receiver alive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ChannelModel {
    items: VecDeque<u8>,
    bound: Option<usize>,
}

impl Model for ChannelModel {
    type Op = ChannelOp;
    type Ret = ChannelRet;
    fn timed(op: &ChannelOp) -> bool {
        matches!(op, ChannelOp::RecvTimeout)
    }
    fn apply(&mut self, op: &ChannelOp) -> Result<ChannelRet, Blocked> {
        let full = self.bound.is_some_and(|bound| self.items.len() >= bound);
        match op {
            ChannelOp::Send(_) if full => Err(Blocked),
            ChannelOp::TrySend(_) if full => Ok(Err("Full")),
            ChannelOp::Send(item) | ChannelOp::TrySend(item) => {
                self.items.push_back(*item);
                Ok(Ok(None))
            }
            receive => match self.items.pop_front() {
                Some(item) => Ok(Ok(Some(item))),
                None => nothing(receive),
            },
        }
    }
}

/// A rendezvous (`sync_channel(0)`): a `send` is two-phase. It arrives by putting its item in
/// the one slot (waiting while another sender's item is there), and completes once the receiver
/// has taken that item.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
struct RendezvousModel {
    /// The item offered now, and its sender.
    slot: Option<(usize, u8)>,
    /// The senders whose item was taken, and whose `send` has not returned yet.
    taken: BTreeSet<usize>,
}

impl Model for RendezvousModel {
    type Op = ChannelOp;
    type Ret = ChannelRet;
    fn timed(op: &ChannelOp) -> bool {
        matches!(op, ChannelOp::RecvTimeout)
    }
    fn apply(&mut self, _: &ChannelOp) -> Result<ChannelRet, Blocked> {
        unreachable!("a rendezvous' model needs the calling thread: apply_by")
    }
    fn two_phase(op: &ChannelOp) -> bool {
        matches!(op, ChannelOp::Send(_))
    }
    fn arrive_by(&mut self, thread: usize, op: &ChannelOp) -> Result<(), Blocked> {
        let ChannelOp::Send(item) = op else { unreachable!("only a send is two-phase") };
        if self.slot.is_some() {
            return Err(Blocked);
        }
        self.slot = Some((thread, *item));
        Ok(())
    }
    fn apply_by(&mut self, thread: usize, op: &ChannelOp) -> Result<ChannelRet, Blocked> {
        match op {
            ChannelOp::Send(_) => self.taken.remove(&thread).then_some(Ok(None)).ok_or(Blocked),
            ChannelOp::TrySend(_) => unreachable!("not generated: it needs a receiver blocked in recv"),
            receive => match self.slot.take() {
                Some((sender, item)) => {
                    self.taken.insert(sender);
                    Ok(Ok(Some(item)))
                }
                None => nothing(receive),
            },
        }
    }
}

/// The operations any thread may do: sends and `try_recv`.
fn any_thread_ops() -> impl Strategy<Value = ChannelOp> + Clone {
    prop_oneof![(0..3u8).prop_map(ChannelOp::Send), (0..3u8).prop_map(ChannelOp::TrySend), Just(ChannelOp::TryRecv)]
}

fn sends() -> impl Strategy<Value = ChannelOp> + Clone {
    prop_oneof![(0..3u8).prop_map(ChannelOp::Send), (0..3u8).prop_map(ChannelOp::TrySend)]
}

fn receives() -> impl Strategy<Value = ChannelOp> + Clone {
    prop_oneof![Just(ChannelOp::Recv), Just(ChannelOp::TryRecv), Just(ChannelOp::RecvTimeout)]
}

/// Scenarios whose receives are all thread 1's: up to 2 sends before, thread 1's 1 to 4
/// receives, 1 or 2 threads of 1 to 3 sends, and up to 2 sends after.
fn receiver_scenarios(send: impl Strategy<Value = ChannelOp> + Clone) -> impl Strategy<Value = Scenario<ChannelOp>> {
    receiver_shaped(send, receives(), 4, 2, 3)
}

/// The real runs' scenarios: as [`receiver_scenarios`], smaller (each is explored
/// exhaustively), and without `recv_timeout`: up to 1 send before, 1 to 3 receives, 1 thread of
/// 1 or 2 sends, up to 1 send after.
fn small_receiver_scenarios(
    send: impl Strategy<Value = ChannelOp> + Clone,
) -> impl Strategy<Value = Scenario<ChannelOp>> {
    receiver_shaped(send, prop_oneof![Just(ChannelOp::Recv), Just(ChannelOp::TryRecv)], 3, 1, 2)
}

/// Scenarios of up to `edge` sends before and after, thread 1's 1 to `receives` receives, and
/// 1 to `senders` threads of 1 to 3 sends (1 or 2 when there is one sender).
fn receiver_shaped(
    send: impl Strategy<Value = ChannelOp> + Clone,
    receive: impl Strategy<Value = ChannelOp>,
    receives: usize,
    edge: usize,
    sends: usize,
) -> impl Strategy<Value = Scenario<ChannelOp>> {
    let senders = if sends > 2 { 1..=2 } else { 1..=1 };
    (
        vec(send.clone(), 0..=edge),
        vec(receive, 1..=receives),
        vec(vec(send.clone(), 1..=sends), senders),
        vec(send, 0..=edge),
    )
        .prop_map(|(init, receiver, senders, post)| Scenario {
            init,
            parallel: std::iter::once(receiver).chain(senders).collect(),
            post,
        })
}

/// The sending end of a channel under test.
trait SendEnd: Send + Sync + 'static {
    fn send(&self, item: u8) -> ChannelRet;
    fn try_send(&self, item: u8) -> ChannelRet;
}

impl SendEnd for Sender<u8> {
    fn send(&self, item: u8) -> ChannelRet {
        Sender::send(self, item).map(|()| None).map_err(|_| "Disconnected")
    }
    fn try_send(&self, item: u8) -> ChannelRet {
        SendEnd::send(self, item)
    }
}

impl SendEnd for SyncSender<u8> {
    fn send(&self, item: u8) -> ChannelRet {
        SyncSender::send(self, item).map(|()| None).map_err(|_| "Disconnected")
    }
    fn try_send(&self, item: u8) -> ChannelRet {
        SyncSender::try_send(self, item).map(|()| None).map_err(|e| match e {
            TrySendError::Full(_) => "Full",
            TrySendError::Disconnected(_) => "Disconnected",
        })
    }
}

/// A channel's two ends, the receiver behind a mutex.
struct Ends<Tx> {
    tx: Tx,
    rx: Mutex<Receiver<u8>>,
}

impl<Tx: SendEnd> Ends<Tx> {
    fn new((tx, rx): (Tx, Receiver<u8>)) -> Self {
        Ends { tx, rx: Mutex::new(rx) }
    }

    fn run(&self, op: &ChannelOp) -> ChannelRet {
        let receive_error = |error| match error {
            TryRecvError::Empty => "Empty",
            TryRecvError::Disconnected => "Disconnected",
        };
        match op {
            ChannelOp::Send(item) => self.tx.send(*item),
            ChannelOp::TrySend(item) => self.tx.try_send(*item),
            ChannelOp::Recv => self.rx.lock().unwrap().recv().map(Some).map_err(|_| "Disconnected"),
            ChannelOp::TryRecv => self.rx.lock().unwrap().try_recv().map(Some).map_err(receive_error),
            ChannelOp::RecvTimeout => self.rx.lock().unwrap().recv_timeout(TIMEOUT).map(Some).map_err(|e| match e {
                RecvTimeoutError::Timeout => "Timeout",
                RecvTimeoutError::Disconnected => "Disconnected",
            }),
        }
    }

    /// Lets a real run's blocked threads go: an item for a receiver waiting in `recv` (which
    /// holds the mutex), else a `try_recv` that takes a blocked sender's item.
    fn release(&self) {
        match self.rx.try_lock() {
            Ok(rx) => drop(rx.try_recv()),
            Err(_) => drop(self.tx.try_send(0)),
        }
    }
}

fn channel_test() -> Linearizability<ChannelModel, Ends<Sender<u8>>> {
    Linearizability::new(
        ChannelModel { items: VecDeque::new(), bound: None },
        || Ends::new(weft::sync::mpsc::channel()),
        Ends::run,
    )
}

fn sync_channel_test() -> Linearizability<ChannelModel, Ends<SyncSender<u8>>> {
    Linearizability::new(
        ChannelModel { items: VecDeque::new(), bound: Some(1) },
        || Ends::new(weft::sync::mpsc::sync_channel(1)),
        Ends::run,
    )
}

fn rendezvous_test() -> Linearizability<RendezvousModel, Ends<SyncSender<u8>>> {
    Linearizability::new(RendezvousModel::default(), || Ends::new(weft::sync::mpsc::sync_channel(0)), Ends::run)
}

/// A rendezvous' sends: `try_send` succeeds only with a receiver blocked in `recv`, which a
/// one-step receive cannot show, so the scenarios leave it out.
fn rendezvous_sends() -> impl Strategy<Value = ChannelOp> + Clone {
    (0..3u8).prop_map(ChannelOp::Send)
}

#[test]
fn channel_is_linearizable() {
    budgeted(channel_test()).check(any_thread_ops(), &Shape::default());
}

#[test]
fn channel_with_blocking_receives_is_linearizable() {
    budgeted(channel_test()).check_scenarios(receiver_scenarios(sends()));
}

#[test]
fn channel_conforms() {
    crate::conforms_on(channel_test(), small_receiver_scenarios(sends()), Ends::release);
}

#[test]
fn sync_channel_is_linearizable() {
    budgeted(sync_channel_test()).check(any_thread_ops(), &Shape::default());
}

#[test]
fn sync_channel_with_blocking_receives_is_linearizable() {
    budgeted(sync_channel_test()).check_scenarios(receiver_scenarios(sends()));
}

#[test]
fn sync_channel_conforms() {
    crate::conforms_on(sync_channel_test(), small_receiver_scenarios(sends()), Ends::release);
}

#[test]
fn rendezvous_is_linearizable() {
    budgeted(rendezvous_test()).check_scenarios(receiver_scenarios(rendezvous_sends()));
}

#[test]
fn rendezvous_conforms() {
    crate::conforms_on(rendezvous_test(), small_receiver_scenarios(rendezvous_sends()), Ends::release);
}
