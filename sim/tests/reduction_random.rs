//! Differential testing of partial-order reduction on random models (`differential/mod.rs`), on
//! the simulator's own scheduler: for each small generated program, exhaustive search with
//! reduction must reach exactly the outcomes (and the deadlocks) that exhaustive search without it
//! reaches. The façade's types run the same campaign in `tests/reduction_random_facade.rs`.

mod differential;

use differential::Shares;

use weft_sim::Sim;

#[test]
fn reduction_matches_full_search_on_random_models() {
    // 1,000 models: about 80 s on the 2-core machine (issue 12 asks for at least 1,000). No extra
    // share of Condvar, queue and RwLock operations (the façade's campaign has one): the seed's
    // models changed only where they drew the duplicate `Event.set` that the Condvar operations
    // replaced.
    differential::campaign::<Sim>(1000, Shares::default());
}

/// 300 models, half of whose operations are drawn first among std's `park_timeout` and
/// `unpark`, a `Timer`'s `start` and `cancel`, and a `SimpleQueue`'s `put` and `get_timeout`:
/// primitives with dependency declarations of their own that the base mix leaves out.
#[test]
fn reduction_matches_full_search_with_park_timer_and_simple_queue() {
    differential::campaign::<Sim>(300, Shares { more: 50, ..Shares::default() });
}

/// 300 models, half of whose operations are drawn first among std's `Once` and `Barrier`, scoped
/// threads, and the LIFO and priority queues, which the other campaigns leave out.
#[test]
fn reduction_matches_full_search_with_once_scopes_and_queues() {
    differential::campaign::<Sim>(300, Shares { std: 30, ..Shares::default() });
}

/// 300 models, 40 % of whose operations are drawn first among guards held across other
/// operations (`RwLock` read and write sections, sections of a `Mutex`) and yields: shared and
/// exclusive holds that other threads' steps run beside.
#[test]
fn reduction_matches_full_search_with_guards_held_across_operations() {
    differential::campaign::<Sim>(300, Shares { held: 40, ..Shares::default() });
}

/// 300 models, half of whose operations are drawn first among the semaphores' (a `Semaphore`'s
/// acquires and releases, a `BoundedSemaphore`'s releases, which may fail, and tries): a
/// successful release commutes with the others (`Observe::commutes`), nothing else does.
#[test]
fn reduction_matches_full_search_with_semaphores() {
    differential::campaign::<Sim>(300, Shares { semaphores: 50, ..Shares::default() });
}

/// 300 models, half of whose operations are drawn first among an `Event`'s (`set`, twice as
/// often as the others, `clear`, `wait` with and without a timeout, `is_set`): successful sets
/// commute with each other (`Observe::commutes`), not with the rest.
#[test]
fn reduction_matches_full_search_with_events() {
    differential::campaign::<Sim>(300, Shares { events: 50, ..Shares::default() });
}

/// 300 models, half of whose operations are drawn first among the timed ones (sleeps, timed
/// waits and acquires, `park_timeout`, a `Timer`) and those that let such waits go, every timeout
/// 10 ms: timeouts that come due at one virtual time fire in any order (a step that moves the
/// clock is ordered after every step before it, and the timeouts due with it commute with it
/// unless they touch what it touched), and a wait let go at its deadline could have timed out.
#[test]
fn reduction_matches_full_search_with_simultaneous_timeouts() {
    differential::campaign::<Sim>(300, Shares { timed: 50, ..Shares::default() });
}

/// 300 models, half of whose operations are drawn first among channel sends: on an unbounded
/// channel, and blocking sends and `try_send`s on a bounded channel of 0 (a rendezvous) or 1,
/// which the main thread receives from with a timeout, then drops. Each channel call is one step
/// on the part of the channel it changes; a rendezvous send's wait for its item to be taken is
/// a second one.
#[test]
fn reduction_matches_full_search_with_channels() {
    differential::campaign::<Sim>(300, Shares { channels: 50, ..Shares::default() });
}

/// The models on which a campaign once found the reduced search missing outcomes
/// (`differential::found_by_campaigns`), each compared with the full search.
#[test]
fn reduction_matches_full_search_on_the_models_campaigns_found() {
    differential::check_models_campaigns_found::<Sim>();
}
