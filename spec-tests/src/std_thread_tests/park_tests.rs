//! `park`, `park_timeout` and `Thread::unpark`: std's token semantics, without spurious
//! wake-ups, on `S`'s clock.

use weft_core::{AtomicBool as WeftBool, Thread, ThreadStatus};

use super::*;
use crate::support::{Bunch, PATIENCE};

/// Waits until the thread whose status is in `slot` is parked (on anything: the threads here
/// park only on their token).
#[track_caller]
fn wait_parked<S: Scheduler>(slot: &StdMutex<Option<Arc<ThreadStatus<S>>>>) {
    wait_until::<S>("the thread to park", || slot.lock().unwrap().as_ref().is_some_and(|s| s.blocked_on() != 0));
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// An `unpark` before `park` leaves a token: the next `park` (or `park_timeout`) takes it
    /// and returns at once, on the thread itself and from another thread.
    fn test_unpark_before_park() {
        let start = S::now();
        current::<S>().unpark();
        park::<S>();
        current::<S>().unpark();
        park_timeout::<S>(PATIENCE);
        if S::observing() {
            assert_eq!(elapsed::<S>(start), Duration::ZERO, "virtual time: no wait");
        }
        let gate = Arc::new(Event::<S>::new());
        let g = gate.clone();
        let handle = spawn::<S, _>(move || {
            g.wait();
            park::<S>(); // the token is there already
        });
        handle.thread().unpark();
        gate.set();
        handle.join().unwrap();
    }

    /// Tokens do not add up: two `unpark`s let one `park` through, and the next one waits.
    fn test_tokens_do_not_add_up() {
        let me = current::<S>();
        me.unpark();
        me.unpark();
        park::<S>();
        let start = S::now();
        park_timeout::<S>(Duration::from_millis(10));
        assert_elapsed::<S>(elapsed::<S>(start), Duration::from_millis(10));
    }

    /// Without a token, `park_timeout(d)` returns after `d` (exactly `d` of virtual time under
    /// a simulator; at least `d` on real threads: no spurious wake-up); a zero timeout only
    /// checks for a token.
    fn test_park_timeout_elapses() {
        let start = S::now();
        park_timeout::<S>(Duration::from_millis(20));
        assert_elapsed::<S>(elapsed::<S>(start), Duration::from_millis(20));
        let start = S::now();
        park_timeout::<S>(Duration::ZERO);
        assert_elapsed::<S>(elapsed::<S>(start), Duration::ZERO);
    }

    /// A zero timeout takes a token that is there: the next `park_timeout` (of 10 ms) has none
    /// left and waits it out.
    fn test_park_timeout_zero_takes_a_token() {
        current::<S>().unpark();
        let start = S::now();
        park_timeout::<S>(Duration::ZERO);
        park_timeout::<S>(Duration::from_millis(10));
        assert_at_least(elapsed::<S>(start), Duration::from_millis(10));
    }

    /// `unpark` wakes a parked thread: here one that parks until a flag is set, polling the
    /// flag around `park` as std's documentation does.
    fn test_unpark_wakes_parked_thread() {
        let flag = Arc::new(WeftBool::<S>::new(false));
        let status = Arc::new(StdMutex::new(None));
        let (f, st) = (flag.clone(), status.clone());
        let handle = spawn::<S, _>(move || {
            *st.lock().unwrap() = Some(current_status::<S>());
            let mut parks = 0;
            while !f.load(SeqCst) {
                park::<S>();
                parks += 1;
            }
            parks
        });
        wait_parked(&status);
        flag.store(true, SeqCst);
        handle.thread().unpark();
        assert_eq!(handle.join().unwrap(), 1, "one park, no spurious wake-up");
    }

    /// `unpark` wakes a `park_timeout` before its timeout (under a simulator, in less virtual
    /// time than the timeout).
    fn test_unpark_ends_park_timeout() {
        let status = Arc::new(StdMutex::new(None));
        let st = status.clone();
        let handle = spawn::<S, _>(move || {
            *st.lock().unwrap() = Some(current_status::<S>());
            let start = S::now();
            park_timeout::<S>(PATIENCE);
            elapsed::<S>(start)
        });
        wait_parked(&status);
        handle.thread().unpark();
        let waited = handle.join().unwrap();
        if S::observing() {
            assert!(waited < PATIENCE, "woken after {waited:?} of virtual time");
        }
    }

    /// Parking works for every weft thread: a `Thread` started the Python way parks through
    /// `park()` and is unparked through its record; a thread weft did not start (a dummy
    /// thread, here a foreign thread of the scheduler) parks on its own token too.
    fn test_park_in_weft_and_foreign_threads() {
        let status = Arc::new(StdMutex::new(None));
        let st = status.clone();
        let t = Thread::<S>::new(move || {
            *st.lock().unwrap() = Some(current_status::<S>());
            park::<S>();
        });
        t.start().unwrap();
        wait_parked(&status);
        std_thread::Thread::from(t.clone()).unpark();
        t.join().unwrap();
        let names = Arc::new(StdMutex::new(Vec::new()));
        let n = names.clone();
        let bunch = Bunch::<S>::start(
            1,
            move |_| {
                current::<S>().unpark();
                park::<S>();
                n.lock().unwrap().push(current::<S>().name().map(str::to_owned));
            },
            false,
        );
        bunch.wait_for_finished();
        drop(bunch);
        let names = names.lock().unwrap();
        assert!(names[0].as_deref().is_some_and(|n| n.starts_with("Dummy-")), "{names:?}");
    }
}
