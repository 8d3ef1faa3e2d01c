//! loom's `tests/condvar.rs`.

use std::sync::atomic::Ordering::SeqCst;

use weft::sync::atomic::AtomicUsize;
use weft::sync::{Arc, Condvar, Mutex};
use weft::thread;

use crate::common::passes;

/// loom's `Inc`: a flag set before a lock/unlock pair and a notify.
struct Flag {
    set: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
}

impl Flag {
    fn new() -> Arc<Self> {
        Arc::new(Flag { set: AtomicUsize::new(0), mutex: Mutex::new(()), condvar: Condvar::new() })
    }
    fn wait(&self) {
        let mut guard = self.mutex.lock().unwrap();
        while self.set.load(SeqCst) != 1 {
            guard = self.condvar.wait(guard).unwrap();
        }
    }
    fn wait_while(&self) {
        drop(self.condvar.wait_while(self.mutex.lock().unwrap(), |_| self.set.load(SeqCst) < 1).unwrap());
    }
    fn set(&self, all: bool) {
        self.set.store(1, SeqCst);
        drop(self.mutex.lock().unwrap());
        if all { self.condvar.notify_all() } else { self.condvar.notify_one() }
    }
}

/// loom's `notify_one`: a waiter that loops on the flag is woken by the `notify_one` after
/// it is set; no execution leaves it waiting.
#[test]
fn condvar_notify_one_wakes_the_waiter() {
    passes(|| {
        let flag = Flag::new();
        let f = flag.clone();
        let t = thread::spawn(move || f.set(false));
        flag.wait();
        t.join().unwrap();
    });
}

/// loom's `notify_all`: two waiters, one `notify_all`: both wake in every execution.
#[test]
fn condvar_notify_all_wakes_every_waiter() {
    passes(|| {
        let flag = Flag::new();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let f = flag.clone();
                thread::spawn(move || f.wait())
            })
            .collect();
        let f = flag.clone();
        thread::spawn(move || f.set(true)).join().unwrap();
        waiters.into_iter().for_each(|t| t.join().unwrap());
    });
}

/// loom's `notify_one` again, with the waiter's loop written as `Condvar::wait_while`.
#[test]
fn condvar_wait_while_returns_once_the_condition_fails() {
    passes(|| {
        let flag = Flag::new();
        let f = flag.clone();
        let waiter = thread::spawn(move || f.wait_while());
        let f = flag.clone();
        thread::spawn(move || f.set(false)).join().unwrap();
        waiter.join().unwrap();
    });
}
