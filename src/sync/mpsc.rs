//! std's `mpsc` channels, whose sends and receives the simulator sees: a drop-in for
//! `std::sync::mpsc` in code checked with weft. The errors are std's own.
//!
//! ```
//! use weft::sync::mpsc;
//! use weft::Thread;
//!
//! weft::sim::Explorer::exhaustive().check(|| {
//!     let (tx, rx) = mpsc::sync_channel(0); // a rendezvous
//!     let t = Thread::new(move || {
//!         for i in 0..2 {
//!             tx.send(i).unwrap();
//!         }
//!     });
//!     t.start().unwrap();
//!     assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 1]);
//!     t.join().unwrap();
//! });
//! ```

pub use std::sync::mpsc::{RecvError, RecvTimeoutError, SendError, TryRecvError, TrySendError};

use crate::Auto;

/// Creates an unbounded channel. See [`weft_core::mpsc::channel`].
///
/// ```
/// let (tx, rx) = weft::sync::mpsc::channel();
/// tx.send(1).unwrap();
/// assert_eq!(rx.recv(), Ok(1));
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    weft_core::mpsc::channel()
}

/// Creates a channel of at most `bound` items (0: a rendezvous). See
/// [`weft_core::mpsc::sync_channel`].
///
/// ```
/// let (tx, rx) = weft::sync::mpsc::sync_channel(1);
/// tx.send('a').unwrap();
/// assert!(tx.try_send('b').is_err());
/// assert_eq!(rx.recv(), Ok('a'));
/// ```
pub fn sync_channel<T>(bound: usize) -> (SyncSender<T>, Receiver<T>) {
    weft_core::mpsc::sync_channel(bound)
}

/// The sending end of a [`channel`]. See [`weft_core::mpsc::Sender`].
///
/// ```
/// let (tx, rx) = weft::sync::mpsc::channel::<u8>();
/// let tx2: weft::sync::mpsc::Sender<u8> = tx.clone();
/// tx2.send(3).unwrap();
/// assert_eq!(rx.recv(), Ok(3));
/// ```
pub type Sender<T> = weft_core::mpsc::Sender<Auto, T>;

/// The sending end of a [`sync_channel`]. See [`weft_core::mpsc::SyncSender`].
///
/// ```
/// let (tx, rx): (weft::sync::mpsc::SyncSender<u8>, _) = weft::sync::mpsc::sync_channel(1);
/// tx.send(3).unwrap();
/// assert_eq!(rx.recv(), Ok(3));
/// ```
pub type SyncSender<T> = weft_core::mpsc::SyncSender<Auto, T>;

/// The receiving end of a channel. See [`weft_core::mpsc::Receiver`].
///
/// ```
/// let (tx, rx): (_, weft::sync::mpsc::Receiver<u8>) = weft::sync::mpsc::channel();
/// drop(tx);
/// assert!(rx.recv().is_err());
/// ```
pub type Receiver<T> = weft_core::mpsc::Receiver<Auto, T>;

/// The items of a [`Receiver`] as they come. See [`weft_core::mpsc::Iter`].
///
/// ```
/// let (tx, rx) = weft::sync::mpsc::channel();
/// tx.send(1).unwrap();
/// drop(tx);
/// let items: weft::sync::mpsc::Iter<'_, i32> = rx.iter();
/// assert_eq!(items.collect::<Vec<_>>(), [1]);
/// ```
pub type Iter<'a, T> = weft_core::mpsc::Iter<'a, Auto, T>;

/// The items of a [`Receiver`] there now. See [`weft_core::mpsc::TryIter`].
///
/// ```
/// let (tx, rx) = weft::sync::mpsc::channel();
/// tx.send(1).unwrap();
/// let items: weft::sync::mpsc::TryIter<'_, i32> = rx.try_iter();
/// assert_eq!(items.count(), 1);
/// ```
pub type TryIter<'a, T> = weft_core::mpsc::TryIter<'a, Auto, T>;
