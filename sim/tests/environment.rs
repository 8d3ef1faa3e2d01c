//! `WEFT_*` variables with a value their variable does not take are errors that name the
//! variable, never silently ignored (a mistyped `WEFT_SEED` would otherwise run the default seed
//! and look like a check of the one asked for).

#[path = "child/mod.rs"]
mod child;

use std::time::Duration;

use weft_sim::Explorer;

/// In a child process: one exploration, under whatever environment the parent set.
#[test]
fn scenario_one_exploration() {
    if !child::is_child() {
        return;
    }
    Explorer::random_walk(1).iterations(2).check(|| {});
}

#[test]
fn invalid_values_are_errors_that_name_the_variable() {
    let cases = [
        ("WEFT_SEED", "12x", "is not a seed"),
        ("WEFT_ITERATIONS", "-3", "is not a number of executions"),
        ("WEFT_STALL_SECS", "soon", "is not a number of seconds"),
        ("WEFT_THREADS", "0", "is not a number of threads"),
        ("WEFT_THREADS", "two", "is not a number of threads"),
        ("WEFT_SHARD", "3/3", "is not a shard i/n"),
        ("WEFT_SHARD", "1", "is not a shard i/n"),
    ];
    for (name, value, says) in cases {
        let out = child::run("scenario_one_exploration", &[(name, value)], false, Duration::from_secs(60));
        assert!(!out.timed_out, "{name}: {out:?}");
        assert_ne!(out.code, Some(0), "{name}={value} was accepted: {out:?}");
        assert!(!out.stdout.contains("test result: ok"), "{name}={value} was accepted: {out:?}");
        let expected = format!("weft: {name}=\"{value}\" {says}");
        assert!(out.stderr.contains(&expected), "{name}: wanted {expected:?} in {out:?}");
    }
}

#[test]
fn valid_values_are_taken() {
    for (name, value) in
        [("WEFT_SEED", "7"), ("WEFT_ITERATIONS", " 5 "), ("WEFT_STALL_SECS", "0.5"), ("WEFT_THREADS", "3")]
    {
        let out = child::run("scenario_one_exploration", &[(name, value)], false, Duration::from_secs(60));
        assert_eq!(out.code, Some(0), "{name}={value}: {out:?}");
    }
}
