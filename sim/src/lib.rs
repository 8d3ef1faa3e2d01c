//! # weft-sim
//!
//! [`Sim`], the deterministic simulator of weft: the same [`Scheduler`](weft_core::Scheduler) trait as the real
//! backend, so the primitives' own algorithms are what gets checked. Simulated threads run on
//! stackful coroutines, one at a time, on the OS thread that runs the exploration; every visible
//! event (a primitive operation — or, in fine-grained mode, every atomic access — a park, a spawn,
//! a sleep) is a scheduling point where a strategy picks the next thread. Time is virtual: running
//! code takes none, and when no thread can run the clock jumps to the next deadline.
//!
//! Each simulated thread has a stack of its own: std's default size for a new thread (2 MiB, or
//! `RUST_MIN_STACK`), the size `weft_core::stack_size` set when it started, or, for the model's
//! main thread, [`Explorer::stack_size`]. Threads still suspended when an execution ends
//! (daemon threads, every thread after a failure) are unwound before their stacks are reused:
//! their destructors run, with no scheduling points. An overflow of a simulated thread's stack
//! ends the process with a message naming the thread, and the replay token of the execution.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
//! use weft_core::{Lock, Thread};
//! use weft_sim::{Explorer, Sim};
//!
//! // A lost update: the read and the write are separate critical sections.
//! fn lost_update() {
//!     let lock = Arc::new(Lock::<Sim>::new());
//!     let balance = Arc::new(AtomicUsize::new(0));
//!     let threads: Vec<Thread<Sim>> = (0..2)
//!         .map(|_| {
//!             let (lock, balance) = (lock.clone(), balance.clone());
//!             Thread::new(move || {
//!                 let seen = { let _g = lock.lock(); balance.load(SeqCst) };
//!                 let _g = lock.lock();
//!                 balance.store(seen + 1, SeqCst);
//!             })
//!         })
//!         .collect();
//!     threads.iter().for_each(|t| t.start().unwrap());
//!     threads.iter().for_each(|t| t.join().unwrap());
//!     assert_eq!(balance.load(SeqCst), 2, "lost update");
//! }
//! let report = Explorer::random_walk(1).iterations(1000).run(lost_update).unwrap_err();
//! assert!(report.failure.message.contains("lost update"));
//! // The token replays exactly that failure, on the same model (on another one, the replay
//! // fails with "this token was recorded for a different program").
//! let again = Explorer::replay(&report.token).run(lost_update).unwrap_err();
//! assert_eq!(again.failure, report.failure);
//! ```

mod backend;
mod delegate;
mod execution;
mod explorer;
pub mod os_thread;
mod report;
mod schedule;
mod stack;
mod strategy;
mod watchdog;

use std::any::Any;

pub use backend::{Sim, SimAtomic, check_origin, origin_of};
pub use delegate::*;
pub use explorer::{DEFAULT_ITERATIONS, DEFAULT_MAX_STEPS, DEFAULT_SEED, Explorer, MAIN_THREAD_IDS, check};
pub use report::{BlockedThread, Failure, FailureKind, Report, Shrunk, Stats, TraceEvent};
pub use schedule::{Choice, Rng, Schedule};
pub use watchdog::{DEFAULT_STALL, STALL_EXIT_CODE};

/// The message of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_owned()
    }
}
