//! std's `Mutex`, `Condvar` and `RwLock` (`weft::sync`): ports of the tests of std's
//! `library/std/src/sync/{mutex,condvar,rwlock}/tests.rs` that apply, written once for every
//! backend. A thread that has to panic while it holds a lock does it inside `catch_unwind`, so
//! that the panic poisons the lock without escaping the thread's target.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, TryLockError};
use std::time::Duration;

use weft_core::{Condvar, Mutex, RwLock, Scheduler, Thread};

use crate::support::{assert_at_least, elapsed};

/// Starts `f` on a new thread.
fn spawn<S: Scheduler>(f: impl FnOnce() + Send + 'static) -> Thread<S> {
    let thread = Thread::<S>::new(f);
    thread.start().unwrap();
    thread
}

/// Runs `f`, which panics, and swallows the panic.
fn panicking(f: impl FnOnce()) {
    assert!(catch_unwind(AssertUnwindSafe(f)).is_err(), "the closure was to panic");
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// `mutex::tests::smoke`, `try_lock`, `into_inner`, `get_mut`.
    fn test_mutex_smoke() {
        let mut m = Mutex::<S, i32>::new(1);
        drop(m.lock().unwrap());
        drop(m.lock().unwrap());
        {
            let _held = m.lock().unwrap();
            assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
        }
        *m.try_lock().unwrap() += 1;
        *m.get_mut().unwrap() += 1;
        assert_eq!(m.into_inner().unwrap(), 3);
    }

    /// `mutex::tests::lots_and_lots`: 2 threads × 20 increments under the lock lose nothing.
    fn test_mutex_lots_and_lots() {
        let total = Arc::new(Mutex::<S, u32>::new(0));
        let threads: Vec<Thread<S>> = (0..2)
            .map(|_| {
                let total = total.clone();
                spawn::<S>(move || {
                    for _ in 0..20 {
                        *total.lock().unwrap() += 1;
                    }
                })
            })
            .collect();
        threads.iter().for_each(|t| t.join().unwrap());
        assert_eq!(*total.lock().unwrap(), 40);
    }

    /// `mutex_arc_poison`, `into_inner_poison`, `get_mut_poison`: a holder that panics poisons
    /// the mutex; the guard and the data are still reachable; `clear_poison` clears it.
    fn test_mutex_poison() {
        let m = Arc::new(Mutex::<S, i32>::new(1));
        assert!(!m.is_poisoned());
        let m2 = m.clone();
        spawn::<S>(move || panicking(|| {
            let _held = m2.lock().unwrap();
            panic!("test panic in inner thread to poison mutex");
        }))
        .join()
        .unwrap();
        assert!(m.is_poisoned());
        match m.lock() {
            Err(poisoned) => assert_eq!(**poisoned.get_ref(), 1),
            Ok(_) => panic!("the lock was to be poisoned"),
        }
        assert!(matches!(m.try_lock(), Err(TryLockError::Poisoned(_))));
        m.clear_poison();
        assert_eq!(*m.lock().unwrap(), 1);
        let again = Arc::new(Mutex::<S, i32>::new(2));
        let a2 = again.clone();
        spawn::<S>(move || panicking(|| {
            let _held = a2.lock().unwrap();
            panic!("poison");
        }))
        .join()
        .unwrap();
        let mut inner = Arc::try_unwrap(again).expect("the only reference");
        assert_eq!(*inner.get_mut().unwrap_err().into_inner(), 2);
        assert_eq!(inner.into_inner().unwrap_err().into_inner(), 2);
    }

    /// `mutex_arc_access_in_unwind`: a destructor that runs while its thread unwinds may take
    /// the lock; a guard taken during the unwinding does not poison it.
    fn test_mutex_access_in_unwind() {
        let m = Arc::new(Mutex::<S, i32>::new(1));
        let m2 = m.clone();
        spawn::<S>(move || panicking(|| {
            struct Unwinder<S: Scheduler> {
                i: Arc<Mutex<S, i32>>,
            }
            impl<S: Scheduler> Drop for Unwinder<S> {
                fn drop(&mut self) {
                    *self.i.lock().unwrap() += 1;
                }
            }
            let _u = Unwinder { i: m2 };
            panic!("unwinding");
        }))
        .join()
        .unwrap();
        assert!(!m.is_poisoned());
        assert_eq!(*m.lock().unwrap(), 2);
    }

    /// `mutex_unsized`: a `Mutex<[i32]>` behind a reference.
    fn test_mutex_unsized() {
        let m: &Mutex<S, [i32]> = &Mutex::new([1, 2, 3]);
        m.lock().unwrap()[1] = 4;
        assert_eq!(&*m.lock().unwrap(), &[1, 4, 3]);
    }

    /// `condvar::tests::notify_one`: a waiter returns after the notify, holding the mutex.
    fn test_condvar_notify_one() {
        let pair = Arc::new((Mutex::<S, bool>::new(false), Condvar::<S>::new()));
        let p = pair.clone();
        let t = spawn::<S>(move || {
            *p.0.lock().unwrap() = true;
            p.1.notify_one();
        });
        let (flag, condvar) = &*pair;
        let mut ready = flag.lock().unwrap();
        while !*ready {
            ready = condvar.wait(ready).unwrap();
        }
        drop(ready);
        t.join().unwrap();
    }

    /// `condvar::tests::notify_all`: every waiter wakes; each counts in and out under the lock.
    fn test_condvar_notify_all() {
        const N: usize = 3;
        let data = Arc::new((Mutex::<S, (usize, bool)>::new((0, false)), Condvar::<S>::new()));
        let threads: Vec<Thread<S>> = (0..N)
            .map(|_| {
                let data = data.clone();
                spawn::<S>(move || {
                    let (lock, condvar) = &*data;
                    let mut state = lock.lock().unwrap();
                    state.0 += 1;
                    condvar.notify_all(); // the main thread waits for all to be in
                    while !state.1 {
                        state = condvar.wait(state).unwrap();
                    }
                    state.0 -= 1;
                })
            })
            .collect();
        {
            let (lock, condvar) = &*data;
            let mut state = condvar.wait_while(lock.lock().unwrap(), |state| state.0 < N).unwrap();
            state.1 = true;
            condvar.notify_all();
        }
        threads.iter().for_each(|t| t.join().unwrap());
        assert_eq!(data.0.lock().unwrap().0, 0);
    }

    /// `wait_while`, `wait_timeout_while_wake`: the predicate is re-checked after each wake.
    fn test_condvar_wait_while() {
        let pair = Arc::new((Mutex::<S, u32>::new(0), Condvar::<S>::new()));
        let p = pair.clone();
        let t = spawn::<S>(move || {
            for _ in 0..3 {
                *p.0.lock().unwrap() += 1;
                p.1.notify_one();
            }
        });
        let (lock, condvar) = &*pair;
        let value = condvar.wait_while(lock.lock().unwrap(), |v| *v < 3).unwrap();
        assert_eq!(*value, 3);
        drop(value);
        t.join().unwrap();
        let (value, result) =
            condvar.wait_timeout_while(lock.lock().unwrap(), Duration::from_secs(300), |v| *v < 3).unwrap();
        assert!(!result.timed_out(), "satisfied at once");
        assert_eq!(*value, 3);
    }

    /// `wait_timeout_wait`, `wait_timeout_while_wait`: with nobody notifying, the wait times out
    /// after at least its timeout, holding the mutex again.
    fn test_condvar_wait_timeout_elapses() {
        let lock = Mutex::<S, ()>::new(());
        let condvar = Condvar::<S>::new();
        let timeout = Duration::from_millis(10);
        let start = S::now();
        let (guard, result) = condvar.wait_timeout(lock.lock().unwrap(), timeout).unwrap();
        assert!(result.timed_out());
        assert_at_least(elapsed::<S>(start), timeout);
        drop(guard);
        assert!(lock.try_lock().is_ok(), "the guard was dropped");
        let start = S::now();
        let (_guard, result) = condvar.wait_timeout_while(lock.lock().unwrap(), timeout, |_| true).unwrap();
        assert!(result.timed_out());
        assert_at_least(elapsed::<S>(start), timeout);
    }

    /// `arc_condvar_poison`: a waiter whose mutex was poisoned while it waited gets the guard
    /// back inside the error.
    fn test_condvar_wait_on_poisoned_mutex() {
        let pair = Arc::new((Mutex::<S, bool>::new(false), Condvar::<S>::new()));
        let (lock, condvar) = &*pair;
        // Held before the other thread exists: it can only take the lock once this one waits.
        let mut ready = lock.lock().unwrap();
        let p = pair.clone();
        let t = spawn::<S>(move || panicking(|| {
            let mut ready = p.0.lock().unwrap();
            *ready = true;
            p.1.notify_one();
            panic!("poison while the waiter waits");
        }));
        let mut poisoned = false;
        while !*ready {
            ready = match condvar.wait(ready) {
                Ok(guard) => guard,
                Err(err) => {
                    poisoned = true;
                    err.into_inner()
                }
            };
        }
        drop(ready);
        t.join().unwrap();
        assert!(poisoned);
    }

    /// `rwlock::tests::smoke`, `try_write`, `into_inner`, `get_mut`: readers share, a writer
    /// excludes everyone.
    fn test_rwlock_smoke() {
        let mut lock = RwLock::<S, i32>::new(1);
        {
            let a = lock.read().unwrap();
            let b = lock.try_read().unwrap();
            assert_eq!(*a + *b, 2);
            assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
        }
        {
            let mut w = lock.write().unwrap();
            *w += 1;
            assert!(matches!(lock.try_read(), Err(TryLockError::WouldBlock)));
            assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
        }
        *lock.get_mut().unwrap() += 1;
        assert_eq!(lock.into_inner().unwrap(), 3);
    }

    /// `rw_arc`: a writer that increments in steps is never seen half-way by readers; the total
    /// is exact. 2 readers, 1 writer.
    fn test_rwlock_readers_and_writer() {
        let lock = Arc::new(RwLock::<S, (u32, u32)>::new((0, 0)));
        let writer = {
            let lock = lock.clone();
            spawn::<S>(move || {
                for _ in 0..5 {
                    let mut w = lock.write().unwrap();
                    w.0 += 1;
                    S::sleep(Duration::ZERO);
                    w.1 += 1;
                }
            })
        };
        let readers: Vec<Thread<S>> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                spawn::<S>(move || {
                    for _ in 0..5 {
                        let r = lock.read().unwrap();
                        assert_eq!(r.0, r.1, "a reader saw a write half-way");
                    }
                })
            })
            .collect();
        writer.join().unwrap();
        readers.iter().for_each(|t| t.join().unwrap());
        assert_eq!(*lock.read().unwrap(), (5, 5));
    }

    /// `rw_arc_poison_wr`, `rw_arc_no_poison_rr`: a panicking writer poisons, a panicking reader
    /// does not.
    fn test_rwlock_poison() {
        let lock = Arc::new(RwLock::<S, i32>::new(1));
        let l = lock.clone();
        spawn::<S>(move || panicking(|| {
            let _r = l.read().unwrap();
            panic!("a reader panics");
        }))
        .join()
        .unwrap();
        assert!(!lock.is_poisoned());
        let l = lock.clone();
        spawn::<S>(move || panicking(|| {
            let _w = l.write().unwrap();
            panic!("a writer panics");
        }))
        .join()
        .unwrap();
        assert!(lock.is_poisoned());
        assert_eq!(*lock.read().unwrap_err().into_inner(), 1);
        assert!(lock.write().is_err());
        lock.clear_poison();
        assert_eq!(*lock.write().unwrap(), 1);
    }
}
