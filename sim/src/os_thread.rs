//! What the operating system says about a thread of this process (Linux, from `/proc`; `None`
//! elsewhere): its id, and whether it runs or sleeps. The watchdog names a stalled exploration's
//! cause with it, and a real run of a conformance test tells a parked thread from one that was
//! woken but has not run yet.
//!
//! ```
//! let id = weft_sim::os_thread::current_id();
//! if let Some(id) = id {
//!     // The calling thread is running.
//!     assert_eq!(weft_sim::os_thread::state(id), Some(weft_sim::os_thread::OsThreadState::Running));
//! }
//! ```

/// A thread's scheduling state, as the kernel reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OsThreadState {
    /// Running, or runnable and waiting for a CPU (`R`).
    Running,
    /// Asleep until something wakes it: a futex, a sleep, I/O (`S`, `D`, `I`).
    Sleeping,
    /// Anything else: stopped, traced, a zombie (`T`, `t`, `Z`, `X`).
    Other,
}

/// The calling thread's OS id (Linux: its TID, from `/proc/thread-self`), read once per thread;
/// `None` where `/proc` does not give it.
pub fn current_id() -> Option<u64> {
    thread_local! {
        static ID: Option<u64> = {
            let link = std::fs::read_link("/proc/thread-self").ok();
            link.and_then(|link| link.file_name()?.to_str()?.parse().ok())
        };
    }
    ID.with(|id| *id)
}

/// The state of this process's thread `id` (an id from [`current_id`]); `None` where `/proc`
/// does not give it, or once the thread has ended.
pub fn state(id: u64) -> Option<OsThreadState> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{id}/stat")).ok()?;
    // "TID (name) STATE ...": the name may hold spaces and parentheses, the state follows the
    // last ')'.
    let code = stat.rsplit_once(')')?.1.trim_start().chars().next()?;
    Some(match code {
        'R' => OsThreadState::Running,
        'S' | 'D' | 'I' => OsThreadState::Sleeping,
        _ => OsThreadState::Other,
    })
}

/// What this process's thread `id` is blocked in inside the kernel (its `wchan`, such as
/// `futex_wait_queue`); `None` where `/proc` does not give it.
pub fn wait_channel(id: u64) -> Option<String> {
    std::fs::read_to_string(format!("/proc/self/task/{id}/wchan")).ok().map(|w| w.trim().to_owned())
}
