//! Event workloads.

use super::*;

// ---------------------------------------------------------------------------------------------
// Event

/// A settable flag threads wait for.
pub trait Flag: Send + Sync + 'static {
    /// A new flag, not set.
    fn create() -> Self;
    /// Sets it and wakes every waiter.
    fn set(&self);
    /// Blocks until it is set.
    fn wait(&self);
    /// Resets it.
    fn clear(&self);
}

impl<S: Scheduler> Flag for weft_core::Event<S> {
    fn create() -> Self {
        Self::new()
    }
    fn set(&self) {
        weft_core::Event::set(self)
    }
    fn wait(&self) {
        weft_core::Event::wait(self);
    }
    fn clear(&self) {
        weft_core::Event::clear(self)
    }
}

/// The flag std users write: a `bool` under a `Mutex`, a `Condvar` to wait for it.
pub struct StdFlag {
    set: std::sync::Mutex<bool>,
    changed: std::sync::Condvar,
}

impl Flag for StdFlag {
    fn create() -> Self {
        StdFlag { set: std::sync::Mutex::new(false), changed: std::sync::Condvar::new() }
    }
    fn set(&self) {
        *self.set.lock().unwrap() = true;
        self.changed.notify_all();
    }
    fn wait(&self) {
        let mut set = self.set.lock().unwrap();
        while !*set {
            set = self.changed.wait(set).unwrap();
        }
    }
    fn clear(&self) {
        *self.set.lock().unwrap() = false;
    }
}

/// The same flag on parking_lot's `Mutex` and `Condvar`.
pub struct ParkingLotFlag {
    set: parking_lot::Mutex<bool>,
    changed: parking_lot::Condvar,
}

impl Flag for ParkingLotFlag {
    fn create() -> Self {
        ParkingLotFlag { set: parking_lot::Mutex::new(false), changed: parking_lot::Condvar::new() }
    }
    fn set(&self) {
        *self.set.lock() = true;
        self.changed.notify_all();
    }
    fn wait(&self) {
        let mut set = self.set.lock();
        while !*set {
            self.changed.wait(&mut set);
        }
    }
    fn clear(&self) {
        *self.set.lock() = false;
    }
}

/// Two flags; side 0 sets `ping` and waits for `pong`, side 1 answers. `n` round trips.
fn flag_ping_pong<F: Flag>(n: u64) -> Duration {
    let flags = Arc::new((F::create(), F::create()));
    time_with_main(2, move |me| {
        let (ping, pong) = (&flags.0, &flags.1);
        for _ in 0..n {
            if me == 0 {
                ping.set();
                pong.wait();
                pong.clear();
            } else {
                ping.wait();
                ping.clear();
                pong.set();
            }
        }
    })
}

/// Event: set/wait ping-pong between two threads.
pub fn event_ping_pong() -> Group {
    Group {
        id: "event/ping-pong",
        operation: "Event: set/wait ping-pong round trip, 2 threads",
        threaded: true,
        cases: vec![
            case("weft::Event", Role::Weft, flag_ping_pong::<weft::Event>),
            case("weft_core::Event<Real>", Role::Real, flag_ping_pong::<weft_core::Event<Real>>),
            case("std Mutex+Condvar flag", Role::Peer, flag_ping_pong::<StdFlag>),
            case("parking_lot Mutex+Condvar flag", Role::Peer, flag_ping_pong::<ParkingLotFlag>),
        ],
    }
}
