//! The shared objects of one execution of a generated model, and the execution itself (see
//! `mod.rs`).

use std::fmt::Write as _;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use weft_core::{AtomicUsize, Condition, Condvar, Event, Lock, RLock, Scheduler, Semaphore, Thread};

use super::generate::{Inner, Model, Op};

/// The bounded channel's sender, and its receiver until the main thread drops it.
type BoundedChannel<S> = (weft_core::mpsc::SyncSender<S, char>, Mutex<Option<weft_core::mpsc::Receiver<S, char>>>);

/// The shared objects of one execution of a model.
struct World<S: Scheduler> {
    locks: [Arc<Lock<S>>; 2],
    rlock: RLock<S>,
    conds: (Condition<S, Arc<Lock<S>>>, Condition<S>),
    /// The Rust-shaped condition variable and its mutex, whose data is a count (`CvTake`,
    /// `CvPut`) and the log of the mutex's holders.
    condvar: (weft_core::Mutex<S, (usize, String)>, Condvar<S>),
    queue: weft_core::Queue<S, char>,
    rwlock: weft_core::RwLock<S, usize>,
    barrier: weft_core::Barrier<S>,
    sender: weft_core::mpsc::Sender<S, char>,
    /// The channel's receiver, used by the main thread only (the mutex, never contended, makes
    /// the world `Sync`).
    receiver: Mutex<weft_core::mpsc::Receiver<S, char>>,
    /// The bounded channel, if the model has one: its sender, and its receiver until the main
    /// thread drops it (after its operations, before it joins the others).
    sync: Option<BoundedChannel<S>>,
    sem: Semaphore<S>,
    /// A `BoundedSemaphore(2)` taken once at the start (value 1: one release succeeds).
    bounded: weft_core::BoundedSemaphore<S>,
    event: Event<S>,
    /// A `Timer` that adds one to `fired` when it fires.
    timer: weft_core::Timer<S>,
    fired: Arc<AtomicUsize<S>>,
    simple: weft_core::SimpleQueue<S, char>,
    once: weft_core::Once<S>,
    /// The name of the thread whose `call_once` ran the closure (written once, by that thread).
    once_by: Mutex<String>,
    std_barrier: weft_core::StdBarrier<S>,
    lifo: weft_core::LifoQueue<S, char>,
    prio: weft_core::PriorityQueue<S, char>,
    atomics: [AtomicUsize<S>; 2],
    /// One log per lock (0, 1, the `RLock`, the second condition's `RLock`), appended to only
    /// while holding that lock: the order of its entries is the order of the lock's critical
    /// sections (a log shared by several locks would order sections the simulator rightly
    /// considers independent).
    logs: [Mutex<String>; 4],
    threads: OnceLock<Vec<Thread<S>>>,
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

impl<S: Scheduler> World<S> {
    /// Runs `op` as thread `name`, appending what it observed to `seen`.
    fn run(&self, name: char, op: &Op, seen: &mut String) {
        let log = |w: &World<S>, l: usize| w.logs[l].lock().unwrap().push(name);
        match op {
            Op::Section { locks, reentrant, body } => {
                for &l in locks {
                    self.acquire(l);
                }
                if *reentrant {
                    self.rlock.acquire();
                }
                self.run_body(name, locks, body, seen);
                if *reentrant {
                    self.rlock.release().unwrap();
                }
                for &l in locks.iter().rev() {
                    self.release(l, seen);
                }
            }
            Op::TryLock(l, body) => {
                let taken = match l {
                    2 => self.rlock.try_acquire(),
                    _ => self.locks[*l].try_acquire(),
                };
                write!(seen, "t{}", u8::from(taken)).unwrap();
                if taken {
                    self.run_body(name, &[*l], body, seen);
                    self.release(*l, seen);
                }
            }
            Op::LockTimeout(l, t, body) => {
                let taken = match l {
                    2 => self.rlock.acquire_timeout(ms(*t)).unwrap(),
                    _ => self.locks[*l].acquire_timeout(ms(*t)).unwrap(),
                };
                write!(seen, "a{}", u8::from(taken)).unwrap();
                if taken {
                    self.run_body(name, &[*l], body, seen);
                    self.release(*l, seen);
                }
            }
            Op::Locked(l) => {
                let locked = match l {
                    2 => self.rlock.locked(),
                    _ => self.locks[*l].locked(),
                };
                write!(seen, "k{}", u8::from(locked)).unwrap();
            }
            Op::AcquireOnly(l) => {
                self.locks[*l].acquire();
            }
            Op::ReleaseOnly(l) => write!(seen, "r{}", u8::from(self.locks[*l].release().is_ok())).unwrap(),
            Op::SemAcquire => {
                self.sem.acquire();
                seen.push('s');
            }
            Op::SemTryAcquire => write!(seen, "s{}", u8::from(self.sem.try_acquire())).unwrap(),
            Op::SemTimeout(t) => write!(seen, "S{}", u8::from(self.sem.acquire_timeout(ms(*t)).unwrap())).unwrap(),
            Op::SemRelease => self.sem.release().unwrap(),
            Op::BoundedRelease => write!(seen, "b{}", u8::from(self.bounded.release().is_ok())).unwrap(),
            Op::BoundedTryAcquire => write!(seen, "B{}", u8::from(self.bounded.try_acquire())).unwrap(),
            Op::CondWait(c, t) => {
                let notified = match c {
                    0 => {
                        let _held = self.conds.0.lock();
                        let notified = self.conds.0.wait_timeout(ms(*t)).unwrap();
                        log(self, 0);
                        notified
                    }
                    _ => {
                        let _held = self.conds.1.lock();
                        let notified = self.conds.1.wait_timeout(ms(*t)).unwrap();
                        log(self, 3);
                        notified
                    }
                };
                write!(seen, "w{}", u8::from(notified)).unwrap();
            }
            Op::CondNotify(c, all) => match (c, all) {
                (0, false) => {
                    let _held = self.conds.0.lock();
                    self.conds.0.notify(1).unwrap();
                    log(self, 0);
                }
                (0, true) => {
                    let _held = self.conds.0.lock();
                    self.conds.0.notify_all().unwrap();
                    log(self, 0);
                }
                (_, false) => {
                    let _held = self.conds.1.lock();
                    self.conds.1.notify(1).unwrap();
                    log(self, 3);
                }
                (_, true) => {
                    let _held = self.conds.1.lock();
                    self.conds.1.notify_all().unwrap();
                    log(self, 3);
                }
            },
            Op::CvWait(t) => {
                let (mutex, condvar) = &self.condvar;
                let guard = mutex.lock().unwrap();
                let (mut guard, result) = condvar.wait_timeout(guard, ms(*t)).unwrap();
                guard.1.push(name);
                write!(seen, "v{}", u8::from(!result.timed_out())).unwrap();
            }
            Op::CvTake(t) => {
                let (mutex, condvar) = &self.condvar;
                let mut guard = mutex.lock().unwrap();
                guard.1.push(name);
                while guard.0 == 0 {
                    let (again, result) = condvar.wait_timeout(guard, ms(*t)).unwrap();
                    guard = again;
                    guard.1.push(name.to_ascii_uppercase());
                    if result.timed_out() {
                        break;
                    }
                }
                let took = guard.0 > 0;
                if took {
                    guard.0 -= 1;
                    condvar.notify_all();
                }
                write!(seen, "T{}", u8::from(took)).unwrap();
            }
            Op::CvPut => {
                let (mutex, condvar) = &self.condvar;
                let mut guard = mutex.lock().unwrap();
                guard.0 += 1;
                guard.1.push(name);
                condvar.notify_all();
            }
            Op::CvNotify(all) => {
                let (mutex, condvar) = &self.condvar;
                let mut guard = mutex.lock().unwrap();
                if *all {
                    condvar.notify_all();
                } else {
                    condvar.notify_one();
                }
                guard.1.push(name);
            }
            Op::QueuePut(t) => {
                write!(seen, "q{}", u8::from(self.queue.put_timeout(name, ms(*t)).is_ok())).unwrap();
            }
            Op::QueueGet(t) => match self.queue.get_timeout(ms(*t)) {
                Ok(item) => write!(seen, "g{item}").unwrap(),
                Err(_) => seen.push_str("g-"),
            },
            Op::RwRead => write!(seen, "R{}", *self.rwlock.read().unwrap()).unwrap(),
            Op::RwWrite => {
                let mut value = self.rwlock.write().unwrap();
                *value += 1;
                write!(seen, "W{}", *value).unwrap();
            }
            Op::RwTryRead => match self.rwlock.try_read() {
                Ok(value) => write!(seen, "r{}", *value).unwrap(),
                Err(_) => seen.push_str("r-"),
            },
            Op::RwTryWrite => match self.rwlock.try_write() {
                Ok(mut value) => {
                    *value += 1;
                    write!(seen, "w{}", *value).unwrap();
                }
                Err(_) => seen.push_str("w-"),
            },
            Op::CvTryLock => match self.condvar.0.try_lock() {
                Ok(mut guard) => {
                    guard.1.push(name);
                    seen.push_str("m1");
                }
                Err(_) => seen.push_str("m0"),
            },
            Op::BarrierWait(t) => match self.barrier.wait_timeout(ms(*t)) {
                Ok(index) => write!(seen, "b{index}").unwrap(),
                Err(_) => seen.push_str("b!"),
            },
            Op::BarrierReset => self.barrier.reset(),
            Op::ChanSend => self.sender.send(name).unwrap(),
            Op::ChanRecv(t) => match self.receiver.lock().unwrap().recv_timeout(ms(*t)) {
                Ok(item) => write!(seen, "c{item}").unwrap(),
                Err(_) => seen.push_str("c-"),
            },
            Op::SyncSend => {
                let sent = self.sync.as_ref().expect("a bounded channel").0.send(name);
                write!(seen, "k{}", u8::from(sent.is_ok())).unwrap();
            }
            Op::SyncTrySend => {
                seen.push_str(match self.sync.as_ref().expect("a bounded channel").0.try_send(name) {
                    Ok(()) => "y1",
                    Err(std::sync::mpsc::TrySendError::Full(_)) => "yF",
                    Err(std::sync::mpsc::TrySendError::Disconnected(_)) => "yD",
                });
            }
            Op::SyncRecv(t) => {
                let receiver = self.sync.as_ref().expect("a bounded channel").1.lock().unwrap();
                match receiver.as_ref().expect("received before the drop").recv_timeout(ms(*t)) {
                    Ok(item) => write!(seen, "z{item}").unwrap(),
                    Err(_) => seen.push_str("z-"),
                }
            }
            Op::ChanTryRecv => match self.receiver.lock().unwrap().try_recv() {
                Ok(item) => write!(seen, "t{item}").unwrap(),
                Err(_) => seen.push_str("t-"),
            },
            Op::EventSet => self.event.set(),
            Op::EventClear => self.event.clear(),
            Op::EventWait(t) => write!(seen, "e{}", u8::from(self.event.wait_timeout(ms(*t)).unwrap())).unwrap(),
            Op::EventIsSet => write!(seen, "i{}", u8::from(self.event.is_set())).unwrap(),
            Op::Load(a) => write!(seen, "L{}", self.atomics[*a].load(SeqCst)).unwrap(),
            Op::Store(a, v) => self.atomics[*a].store(*v, SeqCst),
            Op::FetchAdd(a) => write!(seen, "F{}", self.atomics[*a].fetch_add(1, SeqCst)).unwrap(),
            Op::Join(j) => {
                let thread = &self.threads.get().unwrap()[*j];
                let result = thread.join();
                write!(seen, "j{}", u8::from(result.is_ok())).unwrap();
            }
            Op::JoinTimeout(j, t) => {
                let thread = &self.threads.get().unwrap()[*j];
                let result = thread.join_timeout(ms(*t));
                write!(seen, "J{}{}", u8::from(result.is_ok()), u8::from(thread.is_alive())).unwrap();
            }
            Op::Sleep(t) => weft_core::sleep::<S>(ms(*t)),
            Op::Park(t) => {
                weft_core::std_thread::park_timeout::<S>(ms(*t));
                seen.push('p');
            }
            Op::Unpark(j) => {
                let thread = &self.threads.get().unwrap()[*j];
                weft_core::std_thread::Thread::from(thread.clone()).unpark();
            }
            Op::TimerStart => write!(seen, "x{}", u8::from(self.timer.start().is_ok())).unwrap(),
            Op::TimerCancel => self.timer.cancel(),
            Op::SimplePut => self.simple.put(name),
            Op::SimpleGet(t) => match self.simple.get_timeout(ms(*t)) {
                Ok(item) => write!(seen, "y{item}").unwrap(),
                Err(_) => seen.push_str("y-"),
            },
            Op::OnceCall => {
                self.once.call_once(|| {
                    self.once_by.lock().unwrap().push(name);
                    self.atomics[0].fetch_add(1, SeqCst);
                });
                seen.push('o');
            }
            Op::OnceDone => write!(seen, "O{}", u8::from(self.once.is_completed())).unwrap(),
            Op::StdBarrierWait => write!(seen, "B{}", u8::from(self.std_barrier.wait().is_leader())).unwrap(),
            Op::Scoped(join) => {
                let (read, added) = weft_core::std_thread::scope::<S, _>(|scope| {
                    let child = scope.spawn(|| self.atomics[1].fetch_add(1, SeqCst));
                    let read = self.atomics[1].load(SeqCst);
                    (read, join.then(|| child.join().unwrap()))
                });
                match added {
                    Some(added) => write!(seen, "z{read}{added}").unwrap(),
                    // Joined by the scope's end: the thread's addition is done.
                    None => write!(seen, "Z{read}{}", self.atomics[1].load(SeqCst)).unwrap(),
                }
            }
            Op::LifoPut(t) => {
                write!(seen, "u{}", u8::from(self.lifo.put_timeout(name, ms(*t)).is_ok())).unwrap();
            }
            Op::LifoGet(t) => match self.lifo.get_timeout(ms(*t)) {
                Ok(item) => write!(seen, "U{item}").unwrap(),
                Err(_) => seen.push_str("U-"),
            },
            Op::RwSection(write, body) => {
                if *write {
                    let mut value = self.rwlock.write().unwrap();
                    *value += 1;
                    write!(seen, "X{}", *value).unwrap();
                    self.run_body(name, &[], body, seen);
                } else {
                    let value = self.rwlock.read().unwrap();
                    write!(seen, "Y{}", *value).unwrap();
                    self.run_body(name, &[], body, seen);
                }
            }
            Op::MutexSection(body) => {
                let mut guard = self.condvar.0.lock().unwrap();
                guard.1.push(name);
                self.run_body(name, &[], body, seen);
            }
            Op::Yield => weft_core::std_thread::yield_now::<S>(),
            Op::EventWaitForever => {
                assert!(self.event.wait());
                write!(seen, "E{}", u8::from(self.event.is_set())).unwrap();
            }
            Op::PrioPut(t) => {
                write!(seen, "h{}", u8::from(self.prio.put_timeout(name, ms(*t)).is_ok())).unwrap();
            }
            Op::PrioGet(t) => match self.prio.get_timeout(ms(*t)) {
                Ok(item) => write!(seen, "H{item}").unwrap(),
                Err(_) => seen.push_str("H-"),
            },
        }
        seen.push(' ');
    }

    /// Runs the body of a critical section of `locks` as thread `name`.
    fn run_body(&self, name: char, locks: &[usize], body: &[Inner], seen: &mut String) {
        for inner in body {
            match *inner {
                Inner::Load(a) => write!(seen, "l{}", self.atomics[a].load(SeqCst)).unwrap(),
                Inner::Store(a, v) => self.atomics[a].store(v, SeqCst),
                Inner::FetchAdd(a) => write!(seen, "f{}", self.atomics[a].fetch_add(1, SeqCst)).unwrap(),
                Inner::Log => {
                    for &l in locks {
                        // The logs are plain (std) state, which the simulator does not see: the
                        // step is told it writes the log. A log is written in critical sections
                        // only, but a `Lock` another thread released (`ReleaseOnly`) lets two
                        // threads in at once, and then the order of their entries is decided by
                        // steps that otherwise commute.
                        S::touch(std::ptr::from_ref(&self.logs[l]) as usize);
                        self.logs[l].lock().unwrap().push(name);
                    }
                }
                Inner::Nested(ref op) => self.run(name, op, seen),
            }
        }
    }

    fn acquire(&self, l: usize) {
        match l {
            2 => {
                self.rlock.acquire();
            }
            _ => {
                self.locks[l].acquire();
            }
        }
    }

    /// Releases lock `l`; a `Lock` another thread released already (see [`Op::ReleaseOnly`])
    /// fails, which is noted in `seen`.
    fn release(&self, l: usize, seen: &mut String) {
        match l {
            2 => self.rlock.release().unwrap(),
            _ => {
                if self.locks[l].release().is_err() {
                    seen.push('!');
                }
            }
        }
    }
}

/// Runs `model` once (one execution) and returns its outcome: what each thread observed, the
/// log of critical sections, and the final state.
pub(super) fn execute<S: Scheduler>(model: &Arc<Model>) -> String {
    let lock0 = Arc::new(Lock::<S>::new());
    let (sender, receiver) = weft_core::mpsc::channel::<S, char>();
    let fired = Arc::new(AtomicUsize::new(0));
    let counter = fired.clone();
    let world = Arc::new(World {
        conds: (Condition::with_lock(lock0.clone()), Condition::new()),
        condvar: (weft_core::Mutex::new((0, String::new())), Condvar::new()),
        queue: weft_core::Queue::new(1),
        rwlock: weft_core::RwLock::new(0),
        barrier: weft_core::Barrier::new(2).unwrap(),
        sender,
        receiver: Mutex::new(receiver),
        sync: model.sync_bound.map(|bound| {
            let (sender, receiver) = weft_core::mpsc::sync_channel::<S, char>(bound);
            (sender, Mutex::new(Some(receiver)))
        }),
        locks: [lock0, Arc::new(Lock::new())],
        rlock: RLock::new(),
        sem: Semaphore::new(model.semaphore),
        bounded: {
            let bounded = weft_core::BoundedSemaphore::new(2);
            bounded.acquire();
            bounded
        },
        event: Event::new(),
        timer: weft_core::Timer::new(ms(10), move || {
            counter.fetch_add(1, SeqCst);
        }),
        fired,
        simple: weft_core::SimpleQueue::new(),
        once: weft_core::Once::new(),
        once_by: Mutex::default(),
        std_barrier: weft_core::StdBarrier::new(
            model.threads.iter().chain([&model.main]).flatten().filter(|op| matches!(op, Op::StdBarrierWait)).count(),
        ),
        lifo: weft_core::LifoQueue::new(2),
        prio: weft_core::PriorityQueue::new(2),
        atomics: [AtomicUsize::new(0), AtomicUsize::new(0)],
        logs: Default::default(),
        threads: OnceLock::new(),
    });
    let seen: Vec<Arc<Mutex<String>>> = (0..model.threads.len()).map(|_| Arc::default()).collect();
    let threads: Vec<Thread<S>> = model
        .threads
        .iter()
        .enumerate()
        .map(|(i, ops)| {
            let (world, ops, seen) = (world.clone(), ops.clone(), seen[i].clone());
            let name = (b'a' + i as u8) as char;
            Thread::new(move || {
                let mut mine = String::new();
                for op in &ops {
                    world.run(name, op, &mut mine);
                }
                *seen.lock().unwrap() = mine;
            })
        })
        .collect();
    assert!(world.threads.set(threads.clone()).is_ok());
    threads.iter().for_each(|t| t.start().unwrap());
    let mut mine = String::new();
    for op in &model.main {
        world.run('m', op, &mut mine);
    }
    // The bounded channel's receiver goes: the senders it left blocked fail, and end. What it
    // held is part of the outcome.
    if let Some((_, receiver)) = &world.sync {
        let receiver = receiver.lock().unwrap().take().expect("dropped once");
        write!(mine, " Z{}", receiver.try_iter().collect::<String>()).unwrap();
    }
    // As many units as there are blocking acquires: a model deadlocks less often.
    let blocking = model.threads.iter().flatten().filter(|op| matches!(op, Op::SemAcquire)).count();
    if blocking > 0 {
        world.sem.release_n(blocking).unwrap();
    }
    // An untimed `Event.wait` of another thread is let go at last (a wait inside a critical
    // section the main thread's operations need can still deadlock).
    if model.threads.iter().flatten().any(|op| matches!(op, Op::EventWaitForever)) {
        world.event.set();
    }
    threads.iter().for_each(|t| t.join().unwrap());
    // (A timer never started cannot be joined.)
    let _ = world.timer.join();
    let mut outcome = String::new();
    for s in &seen {
        write!(outcome, "[{}]", s.lock().unwrap()).unwrap();
    }
    write!(
        outcome,
        " main[{mine}] logs {:?} condvar {:?} queue {} rwlock {} barrier {} channel {} atomics {} {} sem {} {} event {} locked {}{}{} timer {} simple {} once {}{} lifo {} prio {}",
        world.logs.iter().map(|l| l.lock().unwrap().clone()).collect::<Vec<_>>(),
        world.condvar.0.lock().unwrap().clone(),
        world.queue.qsize(),
        *world.rwlock.read().unwrap(),
        u8::from(world.barrier.broken()),
        world.receiver.lock().unwrap().try_iter().collect::<String>(),
        world.atomics[0].load(SeqCst),
        world.atomics[1].load(SeqCst),
        world.sem.value(),
        world.bounded.value(),
        u8::from(world.event.is_set()),
        u8::from(world.locks[0].locked()),
        u8::from(world.locks[1].locked()),
        u8::from(world.rlock.locked()),
        world.fired.load(SeqCst),
        std::iter::from_fn(|| world.simple.get_nowait().ok()).collect::<String>(),
        world.once_by.lock().unwrap(),
        u8::from(world.once.is_completed()),
        std::iter::from_fn(|| world.lifo.get_nowait().ok()).collect::<String>(),
        std::iter::from_fn(|| world.prio.get_nowait().ok()).collect::<String>(),
    )
    .unwrap();
    outcome
}
