//! `WEFT_SHARD` / `Explorer::shard`: `n` shards of an exploration together run exactly what the
//! exploration split `n` ways runs, each execution in one shard, with no coordinator.

mod models;

use std::collections::BTreeMap;
use std::sync::Arc;

use models::{Outcomes, lock_order};
use weft_sim::{Explorer, Stats};

/// Runs `explorer` on lock_order(3, 3); its statistics and every execution's outcome.
fn run(explorer: Explorer) -> (Stats, BTreeMap<String, usize>) {
    let outcomes: Outcomes = Arc::default();
    let sink = outcomes.clone();
    let stats = explorer.check(move || lock_order(3, 3, None, &sink));
    let outcomes = outcomes.lock().unwrap().clone();
    (stats, outcomes)
}

/// Adds `part` to `whole`.
fn merge(whole: &mut BTreeMap<String, usize>, part: BTreeMap<String, usize>) {
    for (outcome, count) in part {
        *whole.entry(outcome).or_default() += count;
    }
}

#[test]
fn exhaustive_shards_together_run_the_split_search_once() {
    let (split, split_outcomes) = run(Explorer::exhaustive().threads(1).shard(0, 1));
    assert!(split.exhausted);
    assert_eq!(split.shard, Some((0, 1)));
    // The unsplit search reaches the same outcomes (it explores fewer executions: the split one
    // explores every option of its first decisions).
    let (whole, whole_outcomes) = run(Explorer::exhaustive().threads(1));
    assert!(whole.executions <= split.executions, "{whole} against {split}");
    assert_eq!(whole_outcomes.keys().collect::<Vec<_>>(), split_outcomes.keys().collect::<Vec<_>>());
    for count in [2, 3, 5] {
        let mut union = BTreeMap::new();
        let (mut executions, mut pruned, mut verified) = (0, 0, 0);
        for index in 0..count {
            // Helpers or not, a shard runs the same executions.
            let (part, outcomes) = run(Explorer::exhaustive().threads(1 + index as usize % 2).shard(index, count));
            assert!(part.exhausted, "shard {index}/{count}: {part}");
            assert!(part.to_string().contains(&format!("(shard {index} of 0..{count} only)")), "{part}");
            executions += part.executions;
            pruned += part.pruned;
            verified += part.verified;
            merge(&mut union, outcomes);
        }
        assert_eq!((executions, pruned), (split.executions, split.pruned), "{count} shards");
        // The same outcomes; each shard also replayed a sample of its executions to check that
        // the model is deterministic (`Stats::verified`), which the model logged too.
        assert_eq!(union.keys().collect::<Vec<_>>(), split_outcomes.keys().collect::<Vec<_>>(), "{count} shards");
        let total = |outcomes: &BTreeMap<String, usize>| outcomes.values().sum::<usize>();
        assert_eq!(total(&union) - verified, total(&split_outcomes) - split.verified, "{count} shards");
    }
}

/// Every random strategy, those that learn from earlier executions too (URW's and weighted POS's
/// estimates, PCT's step count, the random walk's starts): the shards' executions together are
/// exactly the unsplit campaign's, helpers or not. Each shard of a strategy that learns also
/// runs the other shards' executions among the first 64, which it learns from (uncounted): their
/// outcomes are those of the unsplit campaign's first 64 executions, once for each other shard.
/// A shard with no execution of its own runs none.
#[test]
fn random_shards_together_run_the_unsplit_campaign() {
    // (name, explorer, whether it learns from earlier executions)
    let strategies = [
        ("random walk", Explorer::random_walk(5), true),
        ("POS", Explorer::pos(5), false),
        ("URW", Explorer::urw(5), true),
        ("weighted POS", Explorer::weighted_pos(5), true),
        ("PCT", Explorer::pct(5, 2), true),
    ];
    for (name, explorer, learns) in strategies {
        let (whole, whole_outcomes) = run(explorer.clone().threads(1).iterations(300));
        assert_eq!(whole.executions, 300);
        let (_, first_outcomes) = run(explorer.clone().threads(1).iterations(64));
        for count in [2, 4] {
            let mut union = BTreeMap::new();
            let (mut executions, mut learned) = (0, 0);
            for index in 0..count {
                let threads = 1 + index as usize % 2;
                let (part, outcomes) = run(explorer.clone().threads(threads).iterations(300).shard(index, count));
                executions += part.executions;
                learned += part.learned_from_other_shards;
                merge(&mut union, outcomes);
            }
            assert_eq!(executions, 300, "{name}, {count} shards");
            let other_shards = if learns { count as usize - 1 } else { 0 };
            assert_eq!(learned, 64 * other_shards, "{name}, {count} shards");
            let mut expected = whole_outcomes.clone();
            for _ in 0..other_shards {
                merge(&mut expected, first_outcomes.clone());
            }
            assert_eq!(union, expected, "{name}, {count} shards");
        }
    }
    // A shard runs other shards' executions only before one of its own: none with no budget;
    // with 10 executions in 4 shards, shard 0 runs 0, 4 and 8, and before them 1–3 and 5–7.
    let (part, _) = run(Explorer::urw(5).threads(1).iterations(2).shard(3, 4));
    assert_eq!((part.executions, part.learned_from_other_shards), (0, 0));
    let (part, _) = run(Explorer::urw(5).threads(1).iterations(10).shard(0, 4));
    assert_eq!((part.executions, part.learned_from_other_shards), (3, 6));
}

#[test]
fn a_bug_is_found_by_one_shard_and_replays_without_it() {
    let model = || lock_order(3, 2, Some("ccbbaa"), &Outcomes::default());
    let reports: Vec<_> = (0..3).filter_map(|index| Explorer::exhaustive().shard(index, 3).run(model).err()).collect();
    assert!(!reports.is_empty(), "no shard found the forbidden order");
    for report in reports {
        assert!(report.failure.message.contains("the forbidden order"), "{report}");
        assert!(report.strategy.contains("shard"), "{}", report.strategy);
        let again = Explorer::replay(&report.token).run(model).unwrap_err();
        assert_eq!(again.failure, report.failure);
    }
}

#[test]
#[should_panic(expected = "weft: shard 3 of 3: the index must be below the count")]
fn a_shard_index_beyond_the_count_is_an_error() {
    let _ = Explorer::exhaustive().shard(3, 3);
}
