//! The stall watchdog: one OS thread per process, started with the first exploration, that
//! watches every running exploration's progress.
//!
//! Simulated threads run on coroutines on the OS thread that explores, so a simulated thread that
//! never comes back to the scheduler (it blocks in a `std::sync::Mutex`, `mpsc::Receiver::recv`
//! or I/O, or loops with no weft operation) holds that OS thread, and nothing can take it back.
//! The step loop publishes what a report needs with plain stores to atomics (the step count, the
//! running thread, the schedule's choices, the last operation), and the watchdog samples them.
//! When an exploration makes no step for its stall bound, the watchdog prints the stall report
//! (the thread, its last visible event, the likely cause, the replay token) and ends the process
//! with a failing status. It also tells an exploration when its time limit has passed, so that an
//! execution that goes on for long ends there.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use crate::os_thread::{self, OsThreadState};
use crate::report::{Failure, FailureKind, Report, Stats};
use crate::schedule::{Choice, Schedule};
use weft_core::ThreadName;

/// The default stall bound: a simulated thread that does not come back to the scheduler for
/// this much real time stalls the exploration.
pub const DEFAULT_STALL: Duration = Duration::from_secs(10);

/// The exit status of a process ended by a stall (that of a Rust panic in `main`).
pub const STALL_EXIT_CODE: i32 = 101;

/// The threads whose last operation a watch keeps.
const EVENT_SLOTS: usize = 64;

/// Choices the watch keeps in one chunk of its log.
const CHUNK: usize = 1024;

/// What one exploration publishes for the watchdog. Only the exploring thread writes the
/// atomics (the watchdog only reads them), with relaxed stores: the watchdog acts on values that
/// have not changed for seconds.
#[derive(Debug)]
pub(crate) struct Watch {
    /// Executions begun (bumped once per execution).
    executions: AtomicU64,
    /// Steps of the running execution (stored at every step).
    steps: AtomicU64,
    /// The running simulated thread.
    current: AtomicUsize,
    /// How many choices the running execution made.
    choices: AtomicUsize,
    /// The choices of the running execution, packed by [`pack`], by chunks of [`CHUNK`]. Chunks
    /// are only added (by the exploring thread), never removed before the watch is dropped.
    log: Mutex<Vec<Box<[AtomicU64]>>>,
    /// The last operation each thread announced (threads from [`EVENT_SLOTS`] on: none).
    events: Box<[EventSlot]>,
    /// The names of the running execution's threads, by number. Each thread an execution makes
    /// sets its own entry (see [`Publisher::thread`]), so the entries of the running execution's
    /// threads are its own; entries beyond them may be earlier executions' (never read: the
    /// report names a thread of the running execution). The main thread has none.
    names: Mutex<Vec<ThreadName>>,
    /// Bumped while the exploring thread waits for a helper thread (see `Watch::waiting`):
    /// progress, though no step runs there. A helper that stalls has a watch of its own.
    waits: AtomicU64,
    /// Set by the watchdog once the time limit has passed.
    stop: AtomicBool,
    /// The strategy running now, and its seed.
    strategy: Mutex<(String, Option<u64>)>,
    began: Instant,
    stall: Option<Duration>,
    time_limit: Option<Duration>,
    /// The exploring OS thread's id, where the platform tells it.
    tid: Option<u64>,
    /// This watch's number in the process (from 1), which no other watch has.
    serial: u64,
}

/// The last operation of one simulated thread: its kind and its name, each a `&'static str`
/// packed into one word (address and length), so that each word is whole whenever it is read.
/// The two words may come from two successive operations when the watchdog reads them while
/// the thread runs: the report reads them after the thread stopped coming back. Two relaxed
/// stores an operation: nothing more on the step loop.
#[derive(Debug, Default)]
struct EventSlot {
    kind: AtomicU64,
    name: AtomicU64,
}

/// Bits of a packed `&'static str` that hold its length; the address takes the others.
const LENGTH_BITS: u32 = 16;

/// `text` as one word, if its address fits in 48 bits and its length in 16 (else 0: unknown).
#[inline(always)]
fn pack_str(text: &'static str) -> u64 {
    let address = text.as_ptr() as u64;
    let length = text.len() as u64;
    if address >> (64 - LENGTH_BITS) == 0 && length >> LENGTH_BITS == 0 { address << LENGTH_BITS | length } else { 0 }
}

/// The `&'static str` that [`pack_str`] packed into `word` (0: none).
fn unpack_str(word: u64) -> Option<&'static str> {
    (word != 0).then(|| {
        let (address, length) = ((word >> LENGTH_BITS) as usize, (word & ((1 << LENGTH_BITS) - 1)) as usize);
        // SAFETY: a non-zero word is one that `pack_str` made from a `&'static str` whose address
        // and length fit (the slot is written only by `EventSlot::write`, each word as `pack_str` packs it, and
        // cleared to 0): its
        // bytes live for the whole program and are valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(address as *const u8, length)) }
    })
}

impl EventSlot {
    /// Only the exploring thread writes. Both words are packed as [`pack_str`] packs them, with
    /// one test of whether both fit.
    #[inline(always)]
    fn write(&self, kind: &'static str, name: &'static str) {
        let (kind_at, kind_len) = (kind.as_ptr() as u64, kind.len() as u64);
        let (name_at, name_len) = (name.as_ptr() as u64, name.len() as u64);
        if ((kind_at | name_at) >> (64 - LENGTH_BITS)) | ((kind_len | name_len) >> LENGTH_BITS) == 0 {
            self.kind.store(kind_at << LENGTH_BITS | kind_len, Relaxed);
            self.name.store(name_at << LENGTH_BITS | name_len, Relaxed);
        } else {
            self.write_unfit(kind, name);
        }
    }

    /// [`EventSlot::write`] when a name does not fit in a word (it is stored as 0: unknown).
    #[cold]
    fn write_unfit(&self, kind: &'static str, name: &'static str) {
        self.kind.store(pack_str(kind), Relaxed);
        self.name.store(pack_str(name), Relaxed);
    }

    /// Forgets the last operation (a new thread takes the slot).
    fn clear(&self) {
        self.kind.store(0, Relaxed);
        self.name.store(0, Relaxed);
    }

    /// The last operation written, if any.
    fn read(&self) -> Option<(&'static str, &'static str)> {
        let name = unpack_str(self.name.load(Relaxed))?;
        Some((unpack_str(self.kind.load(Relaxed)).unwrap_or(""), name))
    }
}

/// A choice as one word: the option taken, how many there were, whether it could preempt.
fn pack(choice: Choice) -> u64 {
    u64::from(choice.chosen) | u64::from(choice.of & 0x7fff_ffff) << 32 | u64::from(choice.preemptible) << 63
}

fn unpack(word: u64) -> Choice {
    Choice { chosen: word as u32, of: (word >> 32) as u32 & 0x7fff_ffff, preemptible: word >> 63 != 0 }
}

impl Watch {
    /// A watch for an exploration with these bounds (`stall` `None`: stalls are not reported).
    pub(crate) fn new(stall: Option<Duration>, time_limit: Option<Duration>) -> Arc<Watch> {
        Arc::new(Watch {
            executions: AtomicU64::new(0),
            steps: AtomicU64::new(0),
            current: AtomicUsize::new(0),
            choices: AtomicUsize::new(0),
            log: Mutex::new(Vec::new()),
            events: (0..EVENT_SLOTS).map(|_| EventSlot::default()).collect(),
            names: Mutex::new(Vec::new()),
            waits: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            strategy: Mutex::new((String::new(), None)),
            began: Instant::now(),
            stall,
            time_limit,
            tid: os_thread::current_id(),
            serial: WATCHES.fetch_add(1, Relaxed) + 1,
        })
    }

    /// The strategy the exploration runs from now on.
    pub(crate) fn set_strategy(&self, name: &str, seed: Option<u64>) {
        let mut strategy = lock(&self.strategy);
        strategy.0.clear();
        strategy.0.push_str(name);
        strategy.1 = seed;
    }

    /// The exploring thread is waiting for a helper thread: not a stall of its own (the
    /// helper's watch watches the helper). Called at least once per stall bound while it waits.
    pub(crate) fn waiting(&self) {
        self.waits.fetch_add(1, Relaxed);
    }

    /// Whether the time limit has passed (the watchdog says so).
    #[inline]
    pub(crate) fn time_is_up(&self) -> bool {
        self.stop.load(Relaxed)
    }

    /// The slot of choice `index`: a chunk is added when the log reaches it.
    #[cold]
    fn chunk_of(&self, index: usize) -> *const AtomicU64 {
        let mut log = lock(&self.log);
        while log.len() <= index / CHUNK {
            log.push((0..CHUNK).map(|_| AtomicU64::new(0)).collect());
        }
        log[index / CHUNK].as_ptr()
    }

    /// The choices of the running execution so far, as the watchdog sees them.
    fn schedule(&self) -> Schedule {
        let count = self.choices.load(Relaxed);
        let log = lock(&self.log);
        let choices = (0..count)
            .map(|i| {
                log.get(i / CHUNK).map_or(Choice { chosen: 0, of: 1, preemptible: false }, |chunk| {
                    unpack(chunk[i % CHUNK].load(Relaxed))
                })
            })
            .collect();
        // The fingerprint is not known during an exploration: 0, which a replay does not check.
        Schedule { choices, fingerprint: 0 }
    }
}

/// Locks `mutex`, also after a panic elsewhere poisoned it (its data stays consistent: every
/// critical section here only pushes or assigns).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The execution's side of a watch: what the step loop calls. Without a watch every call is a
/// branch on `None`.
pub(crate) struct Publisher {
    watch: Option<Arc<Watch>>,
    /// Whether the time limit may end this execution (not a report's replays).
    stoppable: bool,
    /// The first choice index of the cached chunk, and the chunk.
    chunk_start: std::cell::Cell<usize>,
    chunk: std::cell::Cell<*const AtomicU64>,
    /// The event slot of the running thread (see [`Publisher::switch`]): null without a watch
    /// or for a thread without a slot.
    slot: std::cell::Cell<*const EventSlot>,
}

impl Publisher {
    /// Begins an execution (`stoppable`: the time limit may end it).
    pub(crate) fn begin(watch: Option<Arc<Watch>>, stoppable: bool) -> Publisher {
        let mut slot = std::ptr::null();
        if let Some(watch) = &watch {
            watch.steps.store(0, Relaxed);
            watch.choices.store(0, Relaxed);
            watch.current.store(0, Relaxed);
            // The main thread's slot may hold the last operation of the previous execution
            // (other threads' slots are cleared as they are made).
            if let Some(first) = watch.events.first() {
                first.clear();
                slot = first;
            }
            // Only the exploring thread writes it: no read-modify-write needed.
            watch.executions.store(watch.executions.load(Relaxed) + 1, Relaxed);
        }
        Publisher {
            watch,
            stoppable,
            // Far from every index: the first choice fetches its chunk.
            chunk_start: std::cell::Cell::new(usize::MAX / 2),
            chunk: std::cell::Cell::new(std::ptr::null()),
            slot: std::cell::Cell::new(slot),
        }
    }

    /// A step: the execution made progress. Returns whether the time limit ends this execution
    /// now.
    #[inline(always)]
    pub(crate) fn step(&self, steps: usize) -> bool {
        match &self.watch {
            Some(watch) => {
                watch.steps.store(steps as u64, Relaxed);
                self.stoppable && watch.time_is_up()
            }
            None => false,
        }
    }

    /// Thread `thread` runs now.
    #[inline(always)]
    pub(crate) fn switch(&self, thread: usize) {
        if let Some(watch) = &self.watch {
            self.slot.set(watch.events.get(thread).map_or(std::ptr::null(), |slot| slot as *const EventSlot));
            watch.current.store(thread, Relaxed);
        }
    }

    /// The execution made its choice number `index` (from 0).
    #[inline(always)]
    pub(crate) fn choice(&self, index: usize, choice: Choice) {
        if let Some(watch) = &self.watch {
            let start = self.chunk_start.get();
            if index.wrapping_sub(start) >= CHUNK {
                self.chunk_start.set(index - index % CHUNK);
                self.chunk.set(watch.chunk_of(index));
            }
            // SAFETY: `chunk` points to the first of `CHUNK` slots of a boxed chunk that the
            // watch owns and never drops or moves before it is dropped (the `Arc` held here keeps
            // it), and `index - chunk_start < CHUNK`.
            unsafe { &*self.chunk.get().add(index - self.chunk_start.get()) }.store(pack(choice), Relaxed);
            watch.choices.store(index + 1, Relaxed);
        }
    }

    /// The running thread starts operation `name` on an object of kind `kind`.
    #[inline(always)]
    pub(crate) fn event(&self, kind: &'static str, name: &'static str) {
        let slot = self.slot.get();
        if !slot.is_null() {
            // SAFETY: a non-null `slot` is one of the watch's `events` (set by `begin` or
            // `switch`), a boxed slice that the watch never moves or drops before it is dropped,
            // and the `Arc` held here keeps the watch.
            unsafe { &*slot }.write(kind, name);
        }
    }

    /// Thread `id` is named `name`.
    pub(crate) fn thread(&self, id: usize, name: &ThreadName) {
        if let Some(watch) = &self.watch {
            // Its slot may hold the last operation of another execution's thread.
            if let Some(slot) = watch.events.get(id) {
                slot.clear();
            }
            // Executions of a model mostly name their threads alike: the exploring thread keeps
            // a copy of what it published, and takes the lock only when a name changes.
            let unchanged = PUBLISHED.with_borrow(|(serial, published)| {
                *serial == watch.serial && published.get(id).is_some_and(|p| p == name)
            });
            if unchanged {
                return;
            }
            let mut names = lock(&watch.names);
            if names.len() <= id {
                names.resize(id + 1, ThreadName::fixed(""));
            }
            names[id] = name.clone();
            PUBLISHED.with_borrow_mut(|(serial, published)| {
                if *serial != watch.serial {
                    *serial = watch.serial;
                    published.clear();
                }
                if published.len() <= id {
                    published.resize(id + 1, ThreadName::fixed(""));
                }
                published[id] = name.clone();
            });
        }
    }
}

thread_local! {
    /// On an exploring OS thread: the serial number of the watch it last published thread names
    /// to, and a copy of that watch's names (see [`Publisher::thread`]).
    static PUBLISHED: std::cell::RefCell<(u64, Vec<ThreadName>)> = const { std::cell::RefCell::new((0, Vec::new())) };
}

/// Watches made in this process (numbers them from 1).
static WATCHES: AtomicU64 = AtomicU64::new(0);

/// The watches, and when the watchdog looks at them next (`None`: when one is added).
struct Watched {
    watches: Vec<Arc<Watch>>,
    next_look: Option<Instant>,
}

struct Registry {
    watched: Mutex<Watched>,
    changed: Condvar,
}

fn registry() -> &'static Registry {
    static REGISTRY: Registry =
        Registry { watched: Mutex::new(Watched { watches: Vec::new(), next_look: None }), changed: Condvar::new() };
    &REGISTRY
}

/// How soon after it starts a watch needs the watchdog's first look: its stall bound's tick
/// (see [`watchdog`]) or its time limit, whichever comes first.
fn first_look(watch: &Watch) -> Duration {
    let stall = watch.stall.map(|stall| (stall / 8).max(Duration::from_millis(5)));
    [stall, watch.time_limit].into_iter().flatten().min().unwrap_or(Duration::MAX)
}

/// Watches `watch` until the guard is dropped (starting the watchdog on first use).
pub(crate) fn watch(watch: &Arc<Watch>) -> Registration {
    static START: Once = Once::new();
    START.call_once(|| {
        let spawned = std::thread::Builder::new().name("weft-watchdog".into()).spawn(watchdog);
        if let Err(error) = spawned {
            let _ = writeln!(std::io::stderr(), "weft: cannot start the stall watchdog: {error}");
        }
    });
    let mut watched = lock(&registry().watched);
    watched.watches.push(watch.clone());
    // The watchdog is woken only if its next look comes too late for this watch: an exploration
    // started while others run (or just after) costs no switch to it.
    let due = Instant::now().checked_add(first_look(watch));
    if watched.next_look.is_none_or(|next| due.is_none_or(|due| due < next)) {
        registry().changed.notify_all();
    }
    drop(watched);
    Registration(watch.clone())
}

/// Keeps a watch registered while it lives.
pub(crate) struct Registration(Arc<Watch>);

impl Drop for Registration {
    fn drop(&mut self) {
        lock(&registry().watched).watches.retain(|w| !Arc::ptr_eq(w, &self.0));
    }
}

/// The watchdog thread's loop.
fn watchdog() {
    // By watch: the progress last seen, and when it was seen to change.
    let mut seen: HashMap<usize, ((u64, u64, u64), Instant)> = HashMap::new();
    let mut watched = lock(&registry().watched);
    loop {
        if watched.watches.is_empty() {
            seen.clear();
            watched.next_look = None;
            watched = registry().changed.wait(watched).unwrap_or_else(std::sync::PoisonError::into_inner);
            continue;
        }
        let now = Instant::now();
        let mut tick = Duration::from_millis(250);
        seen.retain(|&key, _| watched.watches.iter().any(|w| Arc::as_ptr(w) as usize == key));
        let mut stall_found = None;
        for watch in watched.watches.iter() {
            let progress = (watch.executions.load(Relaxed), watch.steps.load(Relaxed), watch.waits.load(Relaxed));
            let entry = seen.entry(Arc::as_ptr(watch) as usize).or_insert((progress, now));
            if entry.0 != progress {
                *entry = (progress, now);
            }
            if let Some(limit) = watch.time_limit {
                if !watch.stop.load(Relaxed) && now.duration_since(watch.began) > limit {
                    watch.stop.store(true, Relaxed);
                }
            }
            if let Some(stall) = watch.stall {
                let still = now.duration_since(entry.1);
                if still >= stall {
                    stall_found = Some((watch.clone(), still));
                }
                tick = tick.min((stall / 8).max(Duration::from_millis(5)));
            }
        }
        if let Some((watch, still)) = stall_found {
            drop(watched);
            stalled(&watch, still);
        }
        watched.next_look = now.checked_add(tick);
        watched = registry().changed.wait_timeout(watched, tick).unwrap_or_else(std::sync::PoisonError::into_inner).0;
    }
}

/// Prints the stall report of `watch` and ends the process.
fn stalled(watch: &Watch, still: Duration) -> ! {
    let current = watch.current.load(Relaxed);
    let thread = {
        let names = lock(&watch.names);
        let name = names.get(current).map(ThreadName::to_string).filter(|n| !n.is_empty());
        name.unwrap_or_else(|| if current == 0 { "MainThread".to_owned() } else { format!("sim-{current}") })
    };
    let event = match watch.events.get(current).and_then(|slot| slot.read()) {
        Some(("", name)) => name.to_owned(),
        Some((kind, name)) => format!("{kind}.{name}"),
        None => "none (it stalled before its first weft operation)".to_owned(),
    };
    let cause = watch.tid.map_or_else(
        || "blocked or busy: a std primitive or blocking call (a std Mutex, an mpsc channel's recv, I/O), or a loop with no weft operation".to_owned(),
        cause,
    );
    let schedule = watch.schedule();
    let (strategy, seed) = lock(&watch.strategy).clone();
    let executions = watch.executions.load(Relaxed) as usize;
    let steps = watch.steps.load(Relaxed) as usize;
    let limit = match watch.time_limit {
        Some(limit) if watch.began.elapsed() > limit => format!(" (the time limit of {limit:.2?} passed meanwhile)"),
        _ => String::new(),
    };
    let message = format!(
        "simulated thread {thread} did not come back to the scheduler for {still:.1?}{limit}; \
         its last visible event: {event}; likely cause: {cause}. The simulator sees weft's \
         operations only: use weft's primitives (Lock, Condition, Semaphore, Event, …) instead \
         of std's blocking ones, call weft::yield_now() or weft::sleep in polling loops, and keep I/O out of the \
         model. The bound is set by Explorer::stall_timeout or WEFT_STALL_SECS. The thread cannot \
         be taken back: the process ends."
    );
    let report = Report {
        failure: Failure { kind: FailureKind::Stall, message, thread },
        location: None,
        token: schedule.token(),
        seed,
        strategy,
        trace: Vec::new(),
        shrunk: None,
        preemptions: schedule.preemptions(),
        stats: Stats { executions, steps, elapsed: watch.began.elapsed(), ..Stats::default() },
    };
    // Straight to the standard error: not through `eprintln!`, which a test harness may capture
    // for a thread that never prints it.
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "\n{report}");
    let _ = stderr.flush();
    std::process::exit(STALL_EXIT_CODE)
}

/// What the exploring thread with OS id `tid` is doing, from `/proc` (Linux).
fn cause(tid: u64) -> String {
    // A few samples: a busy thread is sometimes seen waiting for a CPU, a blocked one never runs.
    let mut running = 0;
    let mut sampled = 0;
    for _ in 0..5 {
        match os_thread::state(tid) {
            Some(OsThreadState::Running) => running += 1,
            Some(_) => {}
            None => break,
        }
        sampled += 1;
        std::thread::sleep(Duration::from_millis(10));
    }
    if sampled == 0 {
        return "blocked or busy: a std primitive or blocking call (a std Mutex, an mpsc channel's recv, I/O), \
                or a loop with no weft operation"
            .to_owned();
    }
    if running * 2 > sampled {
        return "busy: the thread runs without reaching any weft operation (a loop that polls std \
                atomics or other state without a weft operation, or a long computation)"
            .to_owned();
    }
    let wchan = os_thread::wait_channel(tid).unwrap_or_default();
    let wchan = wchan.as_str();
    if wchan.contains("futex") {
        format!(
            "blocked in the kernel on a futex ({wchan}): a std primitive such as a std::sync::Mutex, \
             RwLock or Condvar, an mpsc channel's recv, OnceLock, thread::park or JoinHandle::join"
        )
    } else if wchan.contains("nanosleep") {
        format!("sleeping in the kernel ({wchan}): std::thread::sleep, which takes real time (use weft's sleep)")
    } else if wchan.is_empty() || wchan == "0" {
        "blocked in the kernel: a std primitive (a std::sync::Mutex, an mpsc channel's recv, a join) or \
         a blocking call such as I/O"
            .to_owned()
    } else {
        format!("blocked in the kernel ({wchan}): a blocking call such as I/O, or a std primitive")
    }
}
