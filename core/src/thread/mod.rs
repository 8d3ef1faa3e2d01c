//! `threading.Thread` and what belongs to threads, in layers, each using only those above it:
//! - `record`: the [`crate::Thread`] handle and its state word;
//! - `hooks`: the trace, profile and except hooks, and the payloads that end a thread silently;
//! - `state`: the per-run state (the registry of threads, the hooks, the settings) and the
//!   per-thread state, which backends keep; a thread leaves the registry here;
//! - `lifecycle`: building, starting, running and joining threads, and the module functions;
//! - `timer`: `threading.Timer`, a thread that waits before it runs;
//! - `std_api`: std's thread API (`spawn`, `scope`, `park`, …) over weft's threads, public as
//!   `crate::std_thread`.

pub(crate) mod hooks;
pub(crate) mod lifecycle;
pub(crate) mod record;
pub(crate) mod state;
pub mod std_api;
pub(crate) mod timer;
