//! std's `mpsc` channels: many senders, one receiver; unbounded ([`channel`]) or bounded
//! ([`sync_channel`], a rendezvous when the bound is 0), with std's errors. Built on weft's
//! `Mutex` and `Condvar`, so every send and receive is made of operations a simulator sees.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};
use std::time::{Duration, Instant};

use crate::backend::Scheduler;
use crate::sync::condvar::Condvar;
use crate::sync::mutex::{Mutex, MutexGuard};
use crate::sync::raw::spin;

/// What the two ends share.
struct Channel<S: Scheduler, T> {
    state: Mutex<S, State<T>>,
    /// The receiver waits here for an item or for the last sender to go.
    not_empty: Condvar<S>,
    /// Senders of a bounded channel wait here for room, for their item to be taken (bound 0),
    /// or for the receiver to go.
    not_full: Condvar<S>,
    /// `None`: unbounded.
    bound: Option<usize>,
    /// Set by a send that finds it clear, cleared by the receive that empties the channel: a
    /// hint, read only by a receiver spinning on real threads, so that it takes the lock when
    /// there is something to take rather than on every spin. A plain atomic, which a simulator
    /// neither sees nor needs: there the receiver does not spin, and the channel's state is
    /// only ever read under its lock.
    items_hint: CachePadded<AtomicBool>,
}

/// A value alone on its cache line(s), so that the threads writing the data beside it do not
/// take the line from the threads polling the value.
#[repr(align(128))]
struct CachePadded<T>(T);

struct State<T> {
    items: VecDeque<T>,
    senders: usize,
    receiver_alive: bool,
    /// Items taken so far: a rendezvous sender waits until its item's number is passed.
    taken: u64,
    /// Items sent so far.
    sent: u64,
    /// Whether the receiver is blocked in a receive (a rendezvous `try_send` needs it).
    receiver_waiting: bool,
}

impl<S: Scheduler, T> Channel<S, T> {
    fn lock(&self) -> MutexGuard<'_, S, State<T>> {
        // Nothing runs user code under this lock, so it cannot be poisoned.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds `item` under the lock, lets the lock go, and wakes the receiver if it waits. (A
    /// receiver that does not wait yet checks for items under the lock before it does: it finds
    /// this one. Under a simulator the notify would be a step of its own, in every send.)
    fn push(&self, mut state: MutexGuard<'_, S, State<T>>, item: T) {
        state.items.push_back(item);
        state.sent += 1;
        let receiver_waits = state.receiver_waiting;
        drop(state);
        self.hint_items();
        if receiver_waits {
            self.not_empty.notify_one();
        }
    }

    /// Sets the hint that the channel holds items (after a send).
    fn hint_items(&self) {
        if !self.items_hint.0.load(Relaxed) {
            self.items_hint.0.store(true, Relaxed);
        }
    }

    /// Whether a bounded channel has room for one more item.
    fn has_room(&self, state: &State<T>) -> bool {
        match self.bound {
            None => true,
            // A rendezvous holds at most the one item a receiver is about to take.
            Some(0) => state.items.is_empty(),
            Some(bound) => state.items.len() < bound,
        }
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
        state: Mutex::new(State {
            items: VecDeque::new(),
            senders: 1,
            receiver_alive: true,
            taken: 0,
            sent: 0,
            receiver_waiting: false,
        }),
        not_empty: Condvar::new(),
        not_full: Condvar::new(),
        bound,
        items_hint: CachePadded(AtomicBool::new(false)),
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
        let state = channel.lock();
        if !state.receiver_alive {
            return Err(SendError(item));
        }
        channel.push(state, item);
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
        let mut state = channel.lock();
        // On real threads, a few short spins before waiting for room, as a receiver spins
        // before waiting for an item: room made within them spares the receiver a wake-up.
        let mut spins = 0;
        let mut spinning = !S::observing();
        loop {
            if !state.receiver_alive {
                return Err(SendError(item));
            }
            if channel.has_room(&state) {
                break;
            }
            if spinning {
                drop(state);
                spinning = spin::<S>(spins);
                spins += 1;
                state = channel.lock();
                continue;
            }
            state = channel.not_full.wait(state).unwrap_or_else(|p| p.into_inner());
        }
        state.items.push_back(item);
        state.sent += 1;
        let number = state.sent;
        channel.hint_items();
        if state.receiver_waiting {
            channel.not_empty.notify_one();
        }
        if channel.bound == Some(0) {
            // A rendezvous: wait until the receiver took this item, or went away without it (the
            // channel then holds this item alone: there was room only because it was empty).
            while state.taken < number {
                if !state.receiver_alive {
                    let item = state.items.pop_back().expect("the untaken item is still there");
                    return Err(SendError(item));
                }
                state = channel.not_full.wait(state).unwrap_or_else(|p| p.into_inner());
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
        let state = channel.lock();
        if !state.receiver_alive {
            return Err(TrySendError::Disconnected(item));
        }
        let room = match channel.bound {
            // A rendezvous at once: only with a receiver waiting and no item before this one.
            Some(0) => state.receiver_waiting && state.items.is_empty(),
            _ => channel.has_room(&state),
        };
        if !room {
            return Err(TrySendError::Full(item));
        }
        channel.push(state, item);
        Ok(())
    }
}

impl<S: Scheduler, T> Receiver<S, T> {
    /// Takes the oldest item, waiting while the channel is empty.
    ///
    /// # Errors
    /// `Err(RecvError)` once the channel is empty and every sender is gone.
    pub fn recv(&self) -> Result<T, RecvError> {
        self.recv_until(None).map_err(|_| RecvError)
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
        let channel = &*self.channel;
        let mut state = channel.lock();
        match self.take(&mut state) {
            Some(item) => Ok(item),
            None if state.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Takes the oldest item, waiting at most `timeout` (virtual time under a simulator).
    ///
    /// # Errors
    /// `Err(RecvTimeoutError::Timeout)` if none came in time; `Err(RecvTimeoutError::Disconnected)`
    /// once the channel is empty and every sender is gone.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_until(S::now().checked_add(timeout))
    }

    /// Takes the oldest item, waiting until `deadline` at most.
    ///
    /// # Errors
    /// As [`Receiver::recv_timeout`].
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.recv_until(Some(deadline))
    }

    fn recv_until(&self, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
        if let Some(item) = self.buffer.borrow_mut().pop_front() {
            return Ok(item);
        }
        let channel = &*self.channel;
        let mut state = channel.lock();
        // On real threads, a few short spins before waiting: an item that comes within them
        // spares the sender a wake-up. Under a simulator spinning would only add steps.
        let mut spins = 0;
        let mut spinning = !S::observing();
        loop {
            if let Some(item) = self.take(&mut state) {
                return Ok(item);
            }
            if state.senders == 0 {
                return Err(RecvTimeoutError::Disconnected);
            }
            if spinning {
                drop(state);
                loop {
                    spinning = spin::<S>(spins);
                    spins += 1;
                    if !spinning || channel.items_hint.0.load(Relaxed) {
                        break;
                    }
                }
                state = channel.lock();
                continue;
            }
            state.receiver_waiting = true;
            state = match deadline {
                None => channel.not_empty.wait(state).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let now = S::now();
                    if now >= deadline {
                        state.receiver_waiting = false;
                        return Err(RecvTimeoutError::Timeout);
                    }
                    let (state, _) =
                        channel.not_empty.wait_timeout(state, deadline - now).unwrap_or_else(|p| p.into_inner());
                    state
                }
            };
        }
    }

    /// A receiver of `channel`, with nothing buffered.
    fn new(channel: Arc<Channel<S, T>>) -> Self {
        Receiver { channel, buffer: RefCell::new(VecDeque::new()) }
    }

    /// Takes the oldest item under the lock (from an unbounded channel: moves them all to the
    /// receiver's buffer, and takes the first), and tells the senders waiting for room (or for
    /// their rendezvous). Called with the buffer empty.
    fn take(&self, state: &mut State<T>) -> Option<T> {
        state.receiver_waiting = false;
        if self.channel.bound.is_none() {
            let mut buffer = self.buffer.borrow_mut();
            debug_assert!(buffer.is_empty(), "a receive takes from the buffer first");
            std::mem::swap(&mut *buffer, &mut state.items);
            self.channel.items_hint.0.store(false, Relaxed);
            return buffer.pop_front();
        }
        let item = state.items.pop_front()?;
        if state.items.is_empty() {
            self.channel.items_hint.0.store(false, Relaxed);
        }
        state.taken += 1;
        self.channel.not_full.notify_all();
        Some(item)
    }

    /// Items as they come, until every sender is gone.
    pub fn iter(&self) -> Iter<'_, S, T> {
        Iter { receiver: self }
    }

    /// The items there now, without waiting.
    pub fn try_iter(&self) -> TryIter<'_, S, T> {
        TryIter { receiver: self }
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
                self.channel.lock().senders += 1;
                $sender { channel: self.channel.clone() }
            }
        }

        impl<S: Scheduler, T> Drop for $sender<S, T> {
            fn drop(&mut self) {
                let mut state = self.channel.lock();
                state.senders -= 1;
                // (A receiver that does not wait yet sees the count under the lock.)
                let wake = state.senders == 0 && state.receiver_waiting;
                drop(state);
                if wake {
                    self.channel.not_empty.notify_all();
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
        self.channel.lock().receiver_alive = false;
        self.channel.not_full.notify_all();
    }
}

impl<S: Scheduler, T> fmt::Debug for Receiver<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
