//! std-shaped workloads: `weft::sync::{Mutex, RwLock}`, atomics, `mpsc` and `thread::spawn`,
//! beside std's (and parking_lot's) own.

use super::*;

impl<S: Scheduler> BenchLock for weft::generic::Mutex<S, ()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn with<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.lock().unwrap();
        f()
    }
}

/// A read-write lock taken for reading or writing around a closure.
pub trait BenchRwLock: Send + Sync + 'static {
    /// A new, unlocked lock.
    fn create() -> Self;
    /// Runs `f` holding a read lock.
    fn read<R>(&self, f: impl FnOnce() -> R) -> R;
    /// Runs `f` holding the write lock.
    fn write<R>(&self, f: impl FnOnce() -> R) -> R;
}

impl<S: Scheduler> BenchRwLock for weft::generic::RwLock<S, ()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn read<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.read().unwrap();
        f()
    }
    #[inline(always)]
    fn write<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.write().unwrap();
        f()
    }
}

impl BenchRwLock for parking_lot::RwLock<()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn read<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.read();
        f()
    }
    #[inline(always)]
    fn write<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.write();
        f()
    }
}

impl BenchRwLock for std::sync::RwLock<()> {
    fn create() -> Self {
        Self::new(())
    }
    #[inline(always)]
    fn read<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.read().unwrap();
        f()
    }
    #[inline(always)]
    fn write<R>(&self, f: impl FnOnce() -> R) -> R {
        let _held = self.write().unwrap();
        f()
    }
}

fn rwlock_read_case<L: BenchRwLock>() -> impl Fn(u64) -> Duration {
    let lock = L::create();
    move |n| time_loop(n, || black_box(&lock).read(|| ()))
}

/// Mutex: uncontended lock+unlock.
pub fn mutex_uncontended() -> Group {
    Group {
        id: "mutex/uncontended",
        operation: "Mutex: uncontended lock+unlock",
        threaded: false,
        cases: vec![
            case("weft::sync::Mutex", Role::Weft, locks::uncontended::<weft::sync::Mutex<()>>()),
            case("weft_core::Mutex<Real>", Role::Real, locks::uncontended::<weft::generic::Mutex<Real, ()>>()),
            case("parking_lot::Mutex", Role::Peer, locks::uncontended::<parking_lot::Mutex<()>>()),
            case("std::sync::Mutex", Role::Peer, locks::uncontended::<std::sync::Mutex<()>>()),
        ],
    }
}

/// RwLock: uncontended read lock+unlock.
pub fn rwlock_read_uncontended() -> Group {
    Group {
        id: "rwlock/read_uncontended",
        operation: "RwLock: uncontended read+unlock",
        threaded: false,
        cases: vec![
            case("weft::sync::RwLock", Role::Weft, rwlock_read_case::<weft::sync::RwLock<()>>()),
            case("weft_core::RwLock<Real>", Role::Real, rwlock_read_case::<weft::generic::RwLock<Real, ()>>()),
            case("parking_lot::RwLock", Role::Peer, rwlock_read_case::<parking_lot::RwLock<()>>()),
            case("std::sync::RwLock", Role::Peer, rwlock_read_case::<std::sync::RwLock<()>>()),
        ],
    }
}

/// Mutex: `threads` threads, a short critical section (the Lock rows' workload).
pub fn mutex_contended(threads: usize) -> Group {
    let (id, operation) = match threads {
        2 => ("mutex/contended/2", "Mutex: 2 threads, short critical section"),
        4 => ("mutex/contended/4", "Mutex: 4 threads, short critical section"),
        _ => panic!("mutex_contended: 2 or 4 threads"),
    };
    Group {
        id,
        operation,
        threaded: true,
        cases: vec![
            case("weft::sync::Mutex", Role::Weft, locks::contended::<weft::sync::Mutex<()>>(threads)),
            case("weft_core::Mutex<Real>", Role::Real, locks::contended::<weft::generic::Mutex<Real, ()>>(threads)),
            case("parking_lot::Mutex", Role::Peer, locks::contended::<parking_lot::Mutex<()>>(threads)),
            case("std::sync::Mutex", Role::Peer, locks::contended::<std::sync::Mutex<()>>(threads)),
        ],
    }
}

/// 4 threads share a read-write lock: each of their sections reads, except every 8th, which
/// writes; a short piece of work between two sections.
fn rwlock_mostly_read<L: BenchRwLock>() -> impl Fn(u64) -> Duration {
    const THREADS: usize = 4;
    move |n| {
        let per_thread = n.div_ceil(THREADS as u64).max(1);
        let lock = Arc::new(L::create());
        let shared = lock.clone();
        let (elapsed, done) = time_overlapped(THREADS, per_thread, move |i| {
            if i % 8 == 7 {
                shared.write(|| black_box(i));
            } else {
                shared.read(|| black_box(i));
            }
            short_work();
        });
        scale(elapsed, n, done)
    }
}

/// RwLock: 4 threads, 7 reads to 1 write.
pub fn rwlock_contended() -> Group {
    Group {
        id: "rwlock/contended/4",
        operation: "RwLock: 4 threads, 7 reads to 1 write",
        threaded: true,
        cases: vec![
            case("weft::sync::RwLock", Role::Weft, rwlock_mostly_read::<weft::sync::RwLock<()>>()),
            case("weft_core::RwLock<Real>", Role::Real, rwlock_mostly_read::<weft::generic::RwLock<Real, ()>>()),
            case("parking_lot::RwLock", Role::Peer, rwlock_mostly_read::<parking_lot::RwLock<()>>()),
            case("std::sync::RwLock", Role::Peer, rwlock_mostly_read::<std::sync::RwLock<()>>()),
        ],
    }
}

/// Atomics: an uncontended `fetch_add`.
pub fn atomic_fetch_add() -> Group {
    let ours = weft::sync::atomic::AtomicU64::new(0);
    let theirs = std::sync::atomic::AtomicU64::new(0);
    Group {
        id: "atomic/fetch_add",
        operation: "AtomicU64: uncontended fetch_add",
        threaded: false,
        cases: vec![
            case("weft::sync::atomic::AtomicU64", Role::Weft, move |n| {
                time_loop(n, || {
                    black_box(&ours).fetch_add(1, Relaxed);
                })
            }),
            case("std::sync::atomic::AtomicU64", Role::Peer, move |n| {
                time_loop(n, || {
                    black_box(&theirs).fetch_add(1, Relaxed);
                })
            }),
        ],
    }
}

/// One thread sends `n` items through the two ends `make` gives, the calling thread receives
/// them: the time per item.
fn stream<Tx: Send + 'static, Rx>(
    make: impl Fn() -> (Tx, Rx) + 'static,
    send: fn(&Tx, u64),
    recv: fn(&Rx) -> u64,
) -> impl Fn(u64) -> Duration {
    move |n| {
        let (tx, rx) = make();
        let start = Instant::now();
        let sender = std::thread::spawn(move || (0..n).for_each(|i| send(&tx, i)));
        for expected in 0..n {
            assert_eq!(recv(&rx), expected, "an item lost or out of order");
        }
        sender.join().unwrap();
        start.elapsed()
    }
}

/// A stream through a channel whose `make` gives the two ends, sending and receiving as every
/// channel here does (`send(i)`, `recv()`).
macro_rules! channel_stream_case {
    ($name:expr, $role:expr, $make:expr) => {
        case($name, $role, stream($make, |tx, i| tx.send(i).unwrap(), |rx| rx.recv().unwrap()))
    };
}

/// A stream through one of Python's queues, made by `make` (put, get; `$unwrap` for the
/// `Result`s of `Queue`, nothing for `SimpleQueue`'s plain values).
macro_rules! queue_stream_case {
    ($name:expr, $make:expr, $($unwrap:ident)?) => {
        case(
            $name,
            Role::Weft,
            stream(
                || {
                    let queue = Arc::new($make);
                    (queue.clone(), queue)
                },
                |queue, i| queue.put(i)$(.$unwrap())?,
                |queue| queue.get()$(.$unwrap())?,
            ),
        )
    };
}

/// The unbounded channels a stream of weft's is compared with: std's `mpsc` and
/// crossbeam-channel's.
fn unbounded_peers() -> [Case; 2] {
    [
        channel_stream_case!("std::sync::mpsc", Role::Peer, std::sync::mpsc::channel::<u64>),
        channel_stream_case!("crossbeam_channel::unbounded", Role::Peer, crossbeam_channel::unbounded::<u64>),
    ]
}

/// mpsc: one thread sends `n` items, another receives them (the time per item).
pub fn channel_stream() -> Group {
    Group {
        id: "mpsc/stream",
        operation: "mpsc: one sender streams items to one receiver",
        threaded: true,
        cases: std::iter::once(channel_stream_case!("weft::sync::mpsc", Role::Weft, weft::sync::mpsc::channel::<u64>))
            .chain(unbounded_peers())
            .collect(),
    }
}

/// The room of the bounded channels and queue in [`bounded_channel_stream`].
const BOUND: usize = 64;

/// sync_channel: a stream through a channel with room for [`BOUND`] items.
pub fn bounded_channel_stream() -> Group {
    Group {
        id: "mpsc/bounded_stream",
        operation: "sync_channel(64): one sender streams items to one receiver",
        threaded: true,
        cases: vec![
            channel_stream_case!("weft::sync::mpsc::sync_channel", Role::Weft, || {
                weft::sync::mpsc::sync_channel::<u64>(BOUND)
            }),
            queue_stream_case!("weft::queue::Queue (maxsize 64)", weft::queue::Queue::<u64>::new(BOUND), unwrap),
            channel_stream_case!("std::sync::mpsc::sync_channel", Role::Peer, || {
                std::sync::mpsc::sync_channel::<u64>(BOUND)
            }),
            channel_stream_case!("crossbeam_channel::bounded", Role::Peer, || crossbeam_channel::bounded::<u64>(BOUND)),
        ],
    }
}

/// queue: Python's unbounded `Queue` and `SimpleQueue` as a stream, beside the channels.
pub fn queue_stream() -> Group {
    Group {
        id: "queue/stream",
        operation: "queue: one putter streams items to one getter",
        threaded: true,
        cases: [
            queue_stream_case!("weft::queue::Queue", weft::queue::Queue::<u64>::new(0), unwrap),
            queue_stream_case!("weft::queue::SimpleQueue", weft::queue::SimpleQueue::<u64>::new(),),
        ]
        .into_iter()
        .chain(unbounded_peers())
        .collect(),
    }
}

/// UnsafeCell: an increment through `with_mut` (weft's, which a simulator checks for races)
/// beside one through std's `get`.
pub fn cell_increment() -> Group {
    let ours = weft::cell::UnsafeCell::new(0u64);
    let core = weft::generic::UnsafeCell::<Real, u64>::new(0);
    let theirs = std::cell::UnsafeCell::new(0u64);
    Group {
        id: "cell/increment",
        operation: "UnsafeCell: increment through the cell",
        threaded: false,
        cases: vec![
            case("weft::cell::UnsafeCell", Role::Weft, move |n| {
                // SAFETY: only this thread touches the cell.
                time_loop(n, || black_box(&ours).with_mut(|value| unsafe { *value += 1 }))
            }),
            case("weft_core::UnsafeCell<Real>", Role::Real, move |n| {
                // SAFETY: only this thread touches the cell.
                time_loop(n, || black_box(&core).with_mut(|value| unsafe { *value += 1 }))
            }),
            case("std::cell::UnsafeCell", Role::Peer, move |n| {
                // SAFETY: only this thread touches the cell.
                time_loop(n, || unsafe { *black_box(&theirs).get() += 1 })
            }),
        ],
    }
}

/// thread: spawn + join of an empty closure.
pub fn std_spawn_join() -> Group {
    Group {
        id: "thread/std_spawn_join",
        operation: "thread::spawn + join (empty closure)",
        threaded: true,
        cases: vec![
            case("weft::thread::spawn", Role::Weft, |n| {
                time_loop(n, || weft::thread::spawn(|| black_box(1)).join().map(drop).unwrap())
            }),
            case("std::thread::spawn", Role::Peer, |n| {
                time_loop(n, || std::thread::spawn(|| black_box(1)).join().map(drop).unwrap())
            }),
        ],
    }
}
