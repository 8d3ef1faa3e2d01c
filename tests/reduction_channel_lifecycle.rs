//! Partial-order reduction on channels whose senders come and go, on the façade's scheduler,
//! where the simulator does not see the channel's atomics and knows what a receive's readiness
//! test reads only as the channel tells it (see `sim/tests/channel_lifecycle/mod.rs`, which
//! `weft-sim` runs on `Sim`).

#[path = "../sim/tests/channel_lifecycle/mod.rs"]
mod channel_lifecycle;

/// 150 models of 2–3 sender threads that send, clone and drop, and a receiver that ends when
/// every sender is gone.
#[test]
fn facade_reduction_matches_full_search_on_channels_whose_senders_come_and_go() {
    channel_lifecycle::campaign::<weft::Auto>(150);
}
