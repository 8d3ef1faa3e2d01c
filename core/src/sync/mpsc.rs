//! std's `mpsc` channels: many senders, one receiver; unbounded ([`channel`]) or bounded
//! ([`sync_channel`], a rendezvous when the bound is 0), with std's errors.
//!
//! Each call is one operation for a simulator (a rendezvous send two: the hand-over and the
//! wait for the receiver to take the item), on the part of the channel it changes: sends and
//! receives on the items, clones and drops of senders on their count, the receiver's drop on
//! its liveness. So a simulator orders a send and another sender's drop, or two drops, only
//! where one can tell (the last drop, which ends the receiver's wait, against a receive that
//! finds the channel empty), rather than as steps of one lock. The state is kept under an
//! internal lock whose sections a simulator runs as parts of those operations
//! ([`raw::Mutex`]), with atomic copies of what the waits test; threads wait by parking on the
//! copies' addresses.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use std::time::{Duration, Instant};

use crate::backend::atomic::Atomic;
use crate::backend::{FilterOp, ParkResult, Scheduler};
use crate::sync::raw::{self, park, spin};

/// What the two ends share.
struct Channel<S: Scheduler, T> {
    /// The items and counts, under an internal lock (never held across a scheduling point).
    state: raw::Mutex<S, State<T>>,
    /// The number of items in the channel (a copy of `state`'s, stored under its lock): the
    /// object of sends and receives for a simulator, and the key the receiver parks on.
    len: S::Atomic<usize>,
    /// The number of live senders (a copy): the object of their clones and drops.
    senders: S::Atomic<usize>,
    /// 1 while the receiver lives (a copy): the object of its drop, which sends read.
    receiver: S::Atomic<u8>,
    /// The number of items taken so far (a copy): the object bounded senders wait on, for room
    /// or for their item to be taken (bound 0), and the key they park on.
    taken: S::Atomic<usize>,
    /// 1 while the receiver is in a receive of a rendezvous channel (a copy): what a
    /// rendezvous `try_send` reads.
    receiver_waiting: S::Atomic<u8>,
    /// `None`: unbounded.
    bound: Option<usize>,
    /// 1 while the receiver parks (or is about to) on `len`'s key: a send or the last sender's
    /// drop then unparks it. (Under a simulator's usual waiting nobody parks, and this stays 0;
    /// where the simulator explores the primitives' own waiting, it sees this as it sees the
    /// rest.)
    receiver_parked: S::Atomic<u8>,
    /// How many senders park (or are about to) on `taken`'s key (as `receiver_parked`).
    senders_parked: S::Atomic<usize>,
}

struct State<T> {
    items: VecDeque<T>,
    senders: usize,
    receiver_alive: bool,
    /// Items sent so far: a rendezvous sender's item's number.
    sent: usize,
    /// Items taken so far.
    taken: usize,
    /// Whether the receiver is in a receive of a rendezvous channel.
    receiver_waiting: bool,
}

/// What a receive found, under the lock.
enum Taken<T> {
    Item(T),
    Empty,
    Disconnected,
}

impl<S: Scheduler, T> Channel<S, T> {
    fn len_key(&self) -> usize {
        &self.len as *const S::Atomic<usize> as usize
    }

    fn taken_key(&self) -> usize {
        &self.taken as *const S::Atomic<usize> as usize
    }

    fn senders_key(&self) -> usize {
        &self.senders as *const S::Atomic<usize> as usize
    }

    fn receiver_key(&self) -> usize {
        &self.receiver as *const S::Atomic<u8> as usize
    }

    fn waiting_key(&self) -> usize {
        &self.receiver_waiting as *const S::Atomic<u8> as usize
    }

    /// Whether the receiver is gone (a read of its liveness).
    fn receiver_gone(&self) -> bool {
        self.receiver.load(SeqCst) == 0
    }

    /// Whether the channel has room for one more item when it holds `len`.
    fn room_for(&self, len: usize) -> bool {
        match self.bound {
            None => true,
            // A rendezvous holds at most the one item a receiver is about to take.
            Some(0) => len == 0,
            Some(bound) => len < bound,
        }
    }

    /// Whether the channel has room for one more item now (read without the lock).
    fn has_room(&self) -> bool {
        self.room_for(self.len.load(SeqCst))
    }

    /// Appends `item` under the lock (the caller checked the receiver and the room there);
    /// returns its number. Wakes the receiver if it was waiting for an item.
    fn push(&self, state: &mut State<T>, item: T) -> usize {
        state.items.push_back(item);
        state.sent += 1;
        self.len.store(state.items.len(), SeqCst);
        state.sent
    }

    /// After a push that made the channel non-empty (`was_empty`): the receiver's wait may end.
    fn pushed(&self, was_empty: bool) {
        if was_empty {
            S::releases(self.len_key());
        }
        if self.receiver_parked.load(SeqCst) != 0 {
            // SAFETY: the key is this channel's own address; the callback only returns a token.
            unsafe { S::unpark_one(self.len_key(), |_| 0) };
        }
    }

    /// Lets the senders parked on `taken`'s key test again.
    fn wake_senders(&self) {
        if self.senders_parked.load(SeqCst) > 0 {
            // SAFETY: the key is this channel's own address; the filter and callback only return
            // values.
            unsafe { S::unpark_filter(self.taken_key(), |_| FilterOp::Unpark, |_| 0) };
        }
    }

    /// Parks the calling sender on `taken`'s key while `blocked()` holds (tested under the
    /// queue lock), until woken or `deadline`.
    fn park_sender(&self, blocked: impl FnOnce() -> bool) {
        self.senders_parked.fetch_add(1, SeqCst);
        // SAFETY: the key is this channel's own address; `blocked` only reads atomics, and the
        // other callbacks do nothing.
        unsafe { park::<S>(self.taken_key(), blocked, || {}, |_, _| {}, 0, None) };
        self.senders_parked.fetch_sub(1, SeqCst);
    }
}

/// Creates an unbounded channel: [`Sender::send`] never blocks.
///
/// ```
/// # use weft_core::{mpsc, Scheduler, Thread};
/// # fn demo<S: Scheduler>() {
/// let (tx, rx) = mpsc::channel::<S, u32>();
/// let t = Thread::<S>::new(move || tx.send(7).unwrap());
/// t.start().unwrap();
/// assert_eq!(rx.recv(), Ok(7));
/// t.join().unwrap();
/// assert!(rx.recv().is_err()); // the sender is gone
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub fn channel<S: Scheduler, T>() -> (Sender<S, T>, Receiver<S, T>) {
    let channel = new_channel(None);
    (Sender { channel: channel.clone() }, Receiver::new(channel))
}

/// Creates a channel that holds at most `bound` items: [`SyncSender::send`] blocks while it is
/// full. With a bound of 0 every send waits until the receiver has taken its item (a
/// rendezvous).
///
/// ```
/// # use weft_core::{mpsc, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let (tx, rx) = mpsc::sync_channel::<S, char>(1);
/// tx.send('a').unwrap();
/// assert!(tx.try_send('b').is_err()); // full
/// assert_eq!(rx.recv(), Ok('a'));
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub fn sync_channel<S: Scheduler, T>(bound: usize) -> (SyncSender<S, T>, Receiver<S, T>) {
    let channel = new_channel(Some(bound));
    (SyncSender { channel: channel.clone() }, Receiver::new(channel))
}

fn new_channel<S: Scheduler, T>(bound: Option<usize>) -> Arc<Channel<S, T>> {
    Arc::new(Channel {
        state: raw::Mutex::new(State {
            items: VecDeque::new(),
            senders: 1,
            receiver_alive: true,
            sent: 0,
            taken: 0,
            receiver_waiting: false,
        }),
        len: S::Atomic::<usize>::new(0),
        senders: S::Atomic::<usize>::new(1),
        receiver: S::Atomic::<u8>::new(1),
        taken: S::Atomic::<usize>::new(0),
        receiver_waiting: S::Atomic::<u8>::new(0),
        bound,
        receiver_parked: S::Atomic::<u8>::new(0),
        senders_parked: S::Atomic::<usize>::new(0),
    })
}

/// The sending end of an unbounded [`channel`]; clone it for more senders.
///
/// ```
/// # use weft_core::{mpsc, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let (tx, rx) = mpsc::channel::<S, &str>();
/// let tx2 = tx.clone();
/// tx.send("one").unwrap();
/// tx2.send("two").unwrap();
/// assert_eq!(rx.try_iter().collect::<Vec<_>>(), ["one", "two"]);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Sender<S: Scheduler, T> {
    channel: Arc<Channel<S, T>>,
}

/// The sending end of a bounded [`sync_channel`]; clone it for more senders.
///
/// ```
/// # use weft_core::{mpsc, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let (tx, rx) = mpsc::sync_channel::<S, u8>(2);
/// tx.send(1).unwrap();
/// tx.try_send(2).unwrap();
/// assert_eq!(rx.iter().take(2).collect::<Vec<_>>(), [1, 2]);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct SyncSender<S: Scheduler, T> {
    channel: Arc<Channel<S, T>>,
}

/// The receiving end of a channel.
///
/// ```
/// # use std::time::Duration;
/// # use std::sync::mpsc::RecvTimeoutError;
/// # use weft_core::{mpsc, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let (tx, rx) = mpsc::channel::<S, u8>();
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
/// drop(tx);
/// assert_eq!(rx.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Disconnected));
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Receiver<S: Scheduler, T> {
    channel: Arc<Channel<S, T>>,
    /// Items of an unbounded channel already moved out of it, oldest first: a receive that finds
    /// the buffer empty takes every item the channel holds in one go, and the next receives
    /// need no lock. (A bounded channel's items stay in the channel until received, or
    /// the room they free would let senders run ahead of the bound.) `RefCell` makes the
    /// receiver `!Sync`, as std's is.
    buffer: RefCell<VecDeque<T>>,
}

impl<S: Scheduler, T> Sender<S, T> {
    /// Sends `item`; never blocks.
    ///
    /// # Errors
    /// `Err(SendError(item))` if the receiver is gone.
    pub fn send(&self, item: T) -> Result<(), SendError<T>> {
        let channel = &*self.channel;
        S::operation_on(&channel.len, "Sender", "send");
        S::observe(channel.receiver_key());
        let mut state = channel.state.lock_declared();
        if !state.receiver_alive {
            return Err(SendError(item));
        }
        channel.push(&mut state, item);
        let was_empty = state.items.len() == 1;
        drop(state);
        channel.pushed(was_empty);
        Ok(())
    }
}

impl<S: Scheduler, T> SyncSender<S, T> {
    /// Sends `item`, waiting while the channel is full (and, with a bound of 0, until the
    /// receiver has taken it).
    ///
    /// # Errors
    /// `Err(SendError(item))` if the receiver is gone (before the item was taken).
    pub fn send(&self, item: T) -> Result<(), SendError<T>> {
        let channel = &*self.channel;
        // Not a blocking operation for a simulator: the lock rules of its exhaustive search
        // (a waiter races with the previous taker of its object) do not fit room that other
        // senders take and the receiver makes. A sender without room parks, and the receive
        // that makes room wakes it, as a semaphore's acquire and release.
        S::operation_on(&channel.taken, "SyncSender", "send");
        // On real threads, a few short spins before parking: room made within them spares the
        // receiver a wake-up.
        let mut spins = 0;
        let (number, was_empty) = loop {
            // What each try reads and writes, in its own step (after a park, a simulator that
            // explores the primitive's waiting makes the next try a step of its own).
            S::observe(channel.receiver_key());
            S::touch(channel.len_key());
            let mut state = channel.state.lock_declared();
            if !state.receiver_alive {
                return Err(SendError(item));
            }
            if channel.room_for(state.items.len()) {
                let number = channel.push(&mut state, item);
                break (number, state.items.len() == 1);
            }
            drop(state);
            if spin::<S>(spins) {
                spins += 1;
                continue;
            }
            channel.park_sender(|| !channel.receiver_gone() && !channel.has_room());
        };
        channel.pushed(was_empty);
        if channel.bound == Some(0) {
            // A rendezvous: wait until the receiver took this item, or went away without it (the
            // channel then holds this item alone: there was room only because it was empty).
            let taken = || channel.taken.load(SeqCst) >= number;
            S::operation_on(&channel.taken, "SyncSender", "send (rendezvous)");
            loop {
                S::observe(channel.receiver_key());
                S::touch(channel.taken_key());
                let mut state = channel.state.lock_declared();
                if state.taken >= number {
                    return Ok(());
                }
                if !state.receiver_alive {
                    let item = state.items.pop_back().expect("the untaken item is still there");
                    channel.len.store(state.items.len(), SeqCst);
                    drop(state);
                    S::touch(channel.len_key());
                    return Err(SendError(item));
                }
                drop(state);
                channel.park_sender(|| !taken() && !channel.receiver_gone());
            }
        }
        Ok(())
    }

    /// Sends `item` if there is room at once (with a bound of 0: if the receiver waits).
    ///
    /// # Errors
    /// `Err(TrySendError::Full(item))` if there is no room; `Err(TrySendError::Disconnected(item))`
    /// if the receiver is gone.
    pub fn try_send(&self, item: T) -> Result<(), TrySendError<T>> {
        let channel = &*self.channel;
        S::operation_on(&channel.len, "SyncSender", "try_send");
        S::observe(channel.receiver_key());
        if channel.bound == Some(0) {
            S::observe(channel.waiting_key());
        }
        let mut state = channel.state.lock_declared();
        if !state.receiver_alive {
            return Err(TrySendError::Disconnected(item));
        }
        // A rendezvous at once: only with a receiver waiting (and no item before this one).
        let room = channel.room_for(state.items.len()) && (channel.bound != Some(0) || state.receiver_waiting);
        if !room {
            return Err(TrySendError::Full(item));
        }
        channel.push(&mut state, item);
        let was_empty = state.items.len() == 1;
        drop(state);
        channel.pushed(was_empty);
        Ok(())
    }
}

impl<S: Scheduler, T> Receiver<S, T> {
    /// Takes the oldest item, waiting while the channel is empty.
    ///
    /// # Errors
    /// `Err(RecvError)` once the channel is empty and every sender is gone.
    pub fn recv(&self) -> Result<T, RecvError> {
        if let Some(item) = self.buffer.borrow_mut().pop_front() {
            return Ok(item);
        }
        let channel = &*self.channel;
        self.begin_wait();
        S::blocking_operation_on(&channel.len, "Receiver", "recv", &|| self.ready());
        self.wait_until(None).map_err(|_| RecvError)
    }

    /// Takes the oldest item if there is one.
    ///
    /// # Errors
    /// `Err(TryRecvError::Empty)` if there is none; `Err(TryRecvError::Disconnected)` if there
    /// is none and every sender is gone.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        if let Some(item) = self.buffer.borrow_mut().pop_front() {
            return Ok(item);
        }
        S::operation_on(&self.channel.len, "Receiver", "try_recv");
        match self.take() {
            Taken::Item(item) => Ok(item),
            Taken::Empty => Err(TryRecvError::Empty),
            Taken::Disconnected => Err(TryRecvError::Disconnected),
        }
    }

    /// Takes the oldest item, waiting at most `timeout` (virtual time under a simulator).
    ///
    /// # Errors
    /// `Err(RecvTimeoutError::Timeout)` if none came in time; `Err(RecvTimeoutError::Disconnected)`
    /// once the channel is empty and every sender is gone.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        if let Some(item) = self.buffer.borrow_mut().pop_front() {
            return Ok(item);
        }
        let channel = &*self.channel;
        if timeout.is_zero() {
            S::operation_on(&channel.len, "Receiver", "recv_timeout");
            return match self.take() {
                Taken::Item(item) => Ok(item),
                Taken::Empty => Err(RecvTimeoutError::Timeout),
                Taken::Disconnected => Err(RecvTimeoutError::Disconnected),
            };
        }
        self.begin_wait();
        let ready = || self.ready();
        match S::blocking_operation_on_for(&channel.len, "Receiver", "recv_timeout", &ready, timeout) {
            // The simulator waited up to the deadline: the receive finds what it finds now.
            Some(granted) => match self.take() {
                Taken::Item(item) => Ok(item),
                Taken::Disconnected => Err(RecvTimeoutError::Disconnected),
                Taken::Empty => {
                    debug_assert!(!granted, "a receive let go finds an item or no sender");
                    self.end_wait();
                    Err(RecvTimeoutError::Timeout)
                }
            },
            None => self.wait_until(S::now().checked_add(timeout)),
        }
    }

    /// Takes the oldest item, waiting until `deadline` at most.
    ///
    /// # Errors
    /// As [`Receiver::recv_timeout`].
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.recv_timeout(deadline.saturating_duration_since(S::now()))
    }

    /// Whether a receive may proceed: an item is there, or every sender is gone.
    fn ready(&self) -> bool {
        let channel = &*self.channel;
        if channel.len.load(SeqCst) > 0 {
            return true;
        }
        // (The senders' count lets the receive go once it falls to 0: a simulator that does not
        // see the atomics is told of the read, so that it knows the clones and drops before it
        // ran while the receive could not go; see `Observe::lets_none_go`.)
        if !S::SEES_ATOMICS {
            S::readiness_read(channel.senders_key());
        }
        channel.senders.load(SeqCst) == 0
    }

    /// A receive of a rendezvous channel is about to wait: a `try_send` may hand it an item from
    /// now on. A step of its own for a simulator (before the receive's), so that a `try_send`
    /// may come before it and find no receiver waiting.
    fn begin_wait(&self) {
        let channel = &*self.channel;
        if channel.bound == Some(0) {
            S::operation_on(&channel.receiver_waiting, "Receiver", "recv (rendezvous)");
            let mut state = channel.state.lock_declared();
            state.receiver_waiting = true;
            channel.receiver_waiting.store(1, SeqCst);
            drop(state);
            S::touch(channel.waiting_key());
        }
    }

    /// The waiting part of a receive, after its operation: until an item comes, every sender is
    /// gone, or `deadline`. A simulator that waited itself lets it find an item or no sender at
    /// once; real threads spin a little, then park on `len`'s key.
    fn wait_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        let channel = &*self.channel;
        let mut spins = 0;
        loop {
            match self.take() {
                Taken::Item(item) => return Ok(item),
                Taken::Disconnected => return Err(RecvTimeoutError::Disconnected),
                Taken::Empty => {}
            }
            if spin::<S>(spins) {
                spins += 1;
                continue;
            }
            if deadline.is_some_and(|deadline| S::now() >= deadline) {
                self.end_wait();
                return Err(RecvTimeoutError::Timeout);
            }
            channel.receiver_parked.store(1, SeqCst);
            let validate = || channel.len.load(SeqCst) == 0 && channel.senders.load(SeqCst) > 0;
            // SAFETY: the key is this channel's own address; `validate` only reads atomics, and
            // the other callbacks do nothing.
            let result = unsafe { park::<S>(channel.len_key(), validate, || {}, |_, _| {}, 0, deadline) };
            channel.receiver_parked.store(0, SeqCst);
            if let ParkResult::TimedOut = result {
                return match self.take() {
                    Taken::Item(item) => Ok(item),
                    Taken::Disconnected => Err(RecvTimeoutError::Disconnected),
                    Taken::Empty => {
                        self.end_wait();
                        Err(RecvTimeoutError::Timeout)
                    }
                };
            }
        }
    }

    /// A receive of a rendezvous channel that timed out: no `try_send` may hand it an item now.
    fn end_wait(&self) {
        let channel = &*self.channel;
        if channel.bound == Some(0) {
            let mut state = channel.state.lock_declared();
            state.receiver_waiting = false;
            channel.receiver_waiting.store(0, SeqCst);
            drop(state);
            S::touch(channel.waiting_key());
        }
    }

    /// Takes the oldest item under the lock (from an unbounded channel: moves them all to the
    /// receiver's buffer, and takes the first), and tells the senders waiting for room (or for
    /// their rendezvous). Called with the buffer empty. With no item, reads whether any sender
    /// is left. A receive of a rendezvous channel stops waiting when this finds an item or no
    /// sender; with neither, it still waits (the caller calls [`Receiver::end_wait`] if it
    /// gives up).
    fn take(&self) -> Taken<T> {
        let channel = &*self.channel;
        // (The items are the receive's object; a try after a park is a step of its own.)
        S::touch(channel.len_key());
        let mut state = channel.state.lock_declared();
        if channel.bound.is_none() {
            let mut buffer = self.buffer.borrow_mut();
            debug_assert!(buffer.is_empty(), "a receive takes from the buffer first");
            std::mem::swap(&mut *buffer, &mut state.items);
            if let Some(item) = buffer.pop_front() {
                channel.len.store(0, SeqCst);
                return Taken::Item(item);
            }
        } else {
            if let Some(item) = state.items.pop_front() {
                channel.len.store(state.items.len(), SeqCst);
                state.taken += 1;
                channel.taken.store(state.taken, SeqCst);
                let was_waiting = std::mem::take(&mut state.receiver_waiting);
                if was_waiting {
                    channel.receiver_waiting.store(0, SeqCst);
                }
                drop(state);
                S::touch(channel.taken_key());
                if was_waiting {
                    S::touch(channel.waiting_key());
                }
                channel.wake_senders();
                return Taken::Item(item);
            }
        }
        let senders = state.senders;
        drop(state);
        S::observe(channel.senders_key());
        if senders == 0 {
            // The receive ends: no `try_send` may hand it an item now.
            self.end_wait();
            Taken::Disconnected
        } else {
            Taken::Empty
        }
    }

    /// Items as they come, until every sender is gone.
    pub fn iter(&self) -> Iter<'_, S, T> {
        Iter { receiver: self }
    }

    /// The items there now, without waiting.
    pub fn try_iter(&self) -> TryIter<'_, S, T> {
        TryIter { receiver: self }
    }

    /// A receiver of `channel`, with nothing buffered.
    fn new(channel: Arc<Channel<S, T>>) -> Self {
        Receiver { channel, buffer: RefCell::new(VecDeque::new()) }
    }
}

/// The items of a [`Receiver`] as they come ([`Receiver::iter`]).
///
/// ```
/// # use weft_core::{mpsc, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let (tx, rx) = mpsc::channel::<S, u8>();
/// tx.send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.iter().collect::<Vec<_>>(), [1]);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct Iter<'a, S: Scheduler, T> {
    receiver: &'a Receiver<S, T>,
}

/// The items of a [`Receiver`] there now ([`Receiver::try_iter`]).
///
/// ```
/// # use weft_core::{mpsc, Scheduler};
/// # fn demo<S: Scheduler>() {
/// let (tx, rx) = mpsc::channel::<S, u8>();
/// tx.send(1).unwrap();
/// assert_eq!(rx.try_iter().count(), 1);
/// # }
/// # demo::<weft_real::Real>();
/// ```
pub struct TryIter<'a, S: Scheduler, T> {
    receiver: &'a Receiver<S, T>,
}

impl<S: Scheduler, T> Iterator for Iter<'_, S, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

impl<S: Scheduler, T> Iterator for TryIter<'_, S, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}

impl<'a, S: Scheduler, T> IntoIterator for &'a Receiver<S, T> {
    type Item = T;
    type IntoIter = Iter<'a, S, T>;
    fn into_iter(self) -> Iter<'a, S, T> {
        self.iter()
    }
}

macro_rules! sender_common {
    ($sender:ident) => {
        impl<S: Scheduler, T> Clone for $sender<S, T> {
            fn clone(&self) -> Self {
                let channel = &*self.channel;
                S::operation_on(&channel.senders, stringify!($sender), "clone");
                let mut state = channel.state.lock_declared();
                state.senders += 1;
                channel.senders.store(state.senders, SeqCst);
                drop(state);
                // (A receive that finds every sender gone needs this one gone too.)
                S::lets_none_go(channel.len_key());
                $sender { channel: self.channel.clone() }
            }
        }

        impl<S: Scheduler, T> Drop for $sender<S, T> {
            fn drop(&mut self) {
                let channel = &*self.channel;
                S::operation_on(&channel.senders, stringify!($sender), "drop");
                let mut state = channel.state.lock_declared();
                state.senders -= 1;
                channel.senders.store(state.senders, SeqCst);
                let last = state.senders == 0;
                let empty = state.items.is_empty();
                drop(state);
                if last && empty {
                    // A receive waiting on an empty channel may go now: it finds it disconnected.
                    S::releases(channel.len_key());
                } else {
                    // A receive that finds every sender gone needs the last gone (a later drop)
                    // and the channel empty (later receives): it could not go before this drop.
                    // (With items there, a receive could go already, but to take one.)
                    S::lets_none_go(channel.len_key());
                }
                if last && channel.receiver_parked.load(SeqCst) != 0 {
                    // SAFETY: the key is this channel's own address; the callback only returns a
                    // token.
                    unsafe { S::unpark_one(channel.len_key(), |_| 0) };
                }
            }
        }

        impl<S: Scheduler, T> fmt::Debug for $sender<S, T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($sender)).finish_non_exhaustive()
            }
        }
    };
}

sender_common!(Sender);
sender_common!(SyncSender);

impl<S: Scheduler, T> Drop for Receiver<S, T> {
    /// The items left stay in the channel until its last end goes (a rendezvous sender takes
    /// its item back from there).
    fn drop(&mut self) {
        let channel = &*self.channel;
        S::operation_on(&channel.receiver, "Receiver", "drop");
        let mut state = channel.state.lock_declared();
        state.receiver_alive = false;
        channel.receiver.store(0, SeqCst);
        drop(state);
        if channel.bound.is_some() {
            channel.wake_senders();
        }
    }
}

impl<S: Scheduler, T> fmt::Debug for Receiver<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
