//! Partial-order reduction on channels whose senders come and go, on `Sim` (see
//! `channel_lifecycle/mod.rs`; `tests/reduction_channel_lifecycle.rs` runs the same on the
//! façade).

mod channel_lifecycle;

/// 150 models of 2–3 sender threads that send, clone and drop, and a receiver that ends when
/// every sender is gone.
#[test]
fn reduction_matches_full_search_on_channels_whose_senders_come_and_go() {
    channel_lifecycle::campaign::<weft_sim::Sim>(150);
}
