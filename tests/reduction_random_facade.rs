//! Differential testing of partial-order reduction on random models written with the façade's
//! types (`weft::Lock`, `weft::Condition`, `weft::sync::Condvar`, … on the `Auto` scheduler, which
//! runs on the simulator inside an exploration): for each small generated program, exhaustive
//! search with reduction must reach exactly the outcomes (and the deadlocks) that exhaustive
//! search without it reaches. The models and the comparison are the simulator's
//! (`sim/tests/differential/mod.rs`), which runs them on `Sim` in `sim/tests/reduction_random.rs`.
//!
//! The façade's primitives are the same code as `Sim`'s, but the simulator does not see their
//! internal atomics: what a step touched is what the primitives declare (their operations, park
//! keys, `touch`), so the reduction depends on those declarations being complete. A reduction
//! that lost 8 of the 40 orders of Cargill's buffer on the façade (`reduction_facade.rs`) passed
//! on `Sim`.

#[path = "../sim/tests/differential/mod.rs"]
mod differential;

use differential::Shares;

/// 500 models, half of whose operations are drawn first among primitives the base mix leaves
/// out: `Condvar` (2 in 6 of those; Cargill's consumer and producer among them), `queue.Queue`,
/// `RwLock` and `Mutex::try_lock`, Python's `Barrier`, and `mpsc` sends (the main thread
/// receives). There the declarations matter most (a waiter that `notify_all` moved onto the
/// mutex's queue resumes when an unlock wakes it). About 35 s on the 2-core machine. On the code
/// before the fix of the Condvar's footprint (8eb33fe) it finds 3 mismatches.
#[test]
fn reduction_matches_full_search_on_random_facade_models() {
    differential::campaign::<weft::Auto>(500, Shares { extra: 50, ..Shares::default() });
}

/// 300 models, half of whose operations are drawn first among std's `park_timeout` and
/// `unpark`, a `Timer`'s `start` and `cancel`, and a `SimpleQueue`'s `put` and `get_timeout`
/// (`sim/tests/reduction_random.rs` runs the same on `Sim`).
#[test]
fn reduction_matches_full_search_on_facade_park_timer_and_simple_queue() {
    differential::campaign::<weft::Auto>(300, Shares { more: 50, ..Shares::default() });
}

/// 300 models, half of whose operations are drawn first among std's `Once` and `Barrier`, scoped
/// threads, and the LIFO and priority queues (`sim/tests/reduction_random.rs` runs the same on
/// `Sim`).
#[test]
fn reduction_matches_full_search_on_facade_once_scopes_and_queues() {
    differential::campaign::<weft::Auto>(300, Shares { std: 30, ..Shares::default() });
}

/// 300 models, 40 % of whose operations are drawn first among guards held across other
/// operations (`RwLock` read and write sections, sections of a `Mutex`) and yields, on the
/// façade, where a step's footprint is what the primitives declare.
#[test]
fn reduction_matches_full_search_on_facade_guards_held_across_operations() {
    differential::campaign::<weft::Auto>(300, Shares { held: 40, ..Shares::default() });
}

/// As `reduction_matches_full_search_with_semaphores` in `weft-sim`: half of the operations
/// drawn first among the semaphores', whose successful releases commute.
#[test]
fn facade_reduction_matches_full_search_with_semaphores() {
    differential::campaign::<weft::Auto>(300, Shares { semaphores: 50, ..Shares::default() });
}

/// As `reduction_matches_full_search_with_events` in `weft-sim`: half of the operations drawn
/// first among an `Event`'s, whose successful sets commute.
#[test]
fn facade_reduction_matches_full_search_with_events() {
    differential::campaign::<weft::Auto>(300, Shares { events: 50, ..Shares::default() });
}

/// As `reduction_matches_full_search_with_simultaneous_timeouts` in `weft-sim`: half of the
/// operations drawn first among the timed ones and those that let timed waits go, every timeout
/// 10 ms, so that deadlines coincide.
#[test]
fn facade_reduction_matches_full_search_with_simultaneous_timeouts() {
    differential::campaign::<weft::Auto>(300, Shares { timed: 50, ..Shares::default() });
}

/// 300 models, half of whose operations are drawn first among channel sends, unbounded and
/// bounded (0 or 1), on the façade's scheduler (see the simulator's campaign of the same name).
#[test]
fn facade_reduction_matches_full_search_with_channels() {
    differential::campaign::<weft::Auto>(300, Shares { channels: 50, ..Shares::default() });
}

/// The models on which a campaign once found the reduced search missing outcomes
/// (`differential::found_by_campaigns`), each compared with the full search.
#[test]
fn facade_reduction_matches_full_search_on_the_models_campaigns_found() {
    differential::check_models_campaigns_found::<weft::Auto>();
}
