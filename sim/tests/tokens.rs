//! Replay tokens that cannot lie: they record each decision's number of options and a
//! fingerprint of the program, so that a token replayed on another program, cut short or run
//! past its end fails loudly; they stay short (or go to a file); a malformed one says so where
//! `cargo test` shows it; a `WEFT_REPLAY` left set says so on every exploration it changes.

mod child;
mod models;

use models::lost_update;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Duration;

use weft_core::{AtomicUsize, Semaphore, Thread};
use weft_sim::{Explorer, FailureKind, Report, Schedule, Sim};

const DIFFERENT: &str = "this token was recorded for a different program";

/// Another program: two threads and a semaphore, which passes.
fn semaphores() {
    let semaphore = Arc::new(Semaphore::<Sim>::new(1));
    let threads: Vec<Thread<Sim>> = (0..2)
        .map(|_| {
            let semaphore = semaphore.clone();
            Thread::<Sim>::new(move || {
                semaphore.acquire();
                semaphore.release().unwrap();
                semaphore.acquire();
                semaphore.release().unwrap();
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
}

fn found() -> Box<Report> {
    Explorer::random_walk(7).run(lost_update).expect_err("the lost update is found")
}

#[test]
fn token_round_trips_with_the_number_of_options() {
    let report = found();
    let schedule = Schedule::parse_token(&report.token).expect("a report's token parses");
    assert!(!schedule.choices.is_empty());
    assert!(schedule.choices.iter().all(|c| c.of >= 2 && c.chosen < c.of), "{schedule:?}");
    assert_ne!(schedule.fingerprint, 0);
    assert_eq!(Schedule::parse_token(&schedule.token()).unwrap(), schedule);
    let replayed = Explorer::replay(&report.token).run(lost_update).expect_err("the replay fails the same way");
    assert_eq!(replayed.failure, report.failure);
    assert_eq!(replayed.trace, report.trace);
    assert_eq!(replayed.token, report.token, "the replay's own token is the same");
}

#[test]
fn the_fingerprint_is_the_same_in_every_process() {
    // No address or RandomState goes into it: another process computes the same.
    let fingerprint = |token: &str| Schedule::parse_token(token).unwrap().fingerprint;
    let here = fingerprint(&found().token);
    let child = child::run("child_prints_the_fingerprint", &[], false, Duration::from_secs(120));
    assert!(child.stdout.contains(&format!("fingerprint={here:08x}")), "{child:?}");
}

#[test]
fn child_prints_the_fingerprint() {
    if !child::is_child() {
        return;
    }
    println!("fingerprint={:08x}", Schedule::parse_token(&found().token).unwrap().fingerprint);
}

#[test]
fn a_token_replayed_on_another_program_fails_loudly() {
    let report = found();
    let other = Explorer::replay(&report.token).run(semaphores).expect_err("a token of another program never passes");
    assert_eq!(other.failure.kind, FailureKind::ReplayMismatch, "{other}");
    assert!(other.failure.message.contains(DIFFERENT), "{other}");
    assert!(other.to_string().contains(DIFFERENT), "{other}");
    assert_eq!(other.token, report.token, "the report names the token that did not fit");
}

#[test]
fn a_token_cut_short_fails_loudly() {
    let report = found();
    let mut schedule = Schedule::parse_token(&report.token).unwrap();
    assert!(schedule.choices.len() >= 2);
    schedule.choices.truncate(schedule.choices.len() / 2);
    let cut = Explorer::replay(&schedule.token()).run(lost_update).expect_err("a token cut short never passes");
    assert_eq!(cut.failure.kind, FailureKind::ReplayMismatch, "{cut}");
    assert!(cut.failure.message.contains(DIFFERENT), "{cut}");
    assert!(cut.failure.message.contains("more than"), "{cut}");
}

#[test]
fn a_token_with_decisions_left_over_fails_loudly() {
    let report = found();
    let mut schedule = Schedule::parse_token(&report.token).unwrap();
    let last = *schedule.choices.last().unwrap();
    schedule.choices.extend([last; 3]);
    let long = Explorer::replay(&schedule.token()).run(lost_update).expect_err("extra decisions never pass");
    assert_eq!(long.failure.kind, FailureKind::ReplayMismatch, "{long}");
    assert!(long.failure.message.contains(DIFFERENT), "{long}");
}

#[test]
fn a_token_with_other_numbers_of_options_fails_loudly() {
    let report = found();
    let mut schedule = Schedule::parse_token(&report.token).unwrap();
    schedule.choices[0].of += 1;
    let other = Explorer::replay(&schedule.token()).run(lost_update).expect_err("other arities never pass");
    assert_eq!(other.failure.kind, FailureKind::ReplayMismatch, "{other}");
    assert!(other.failure.message.contains(DIFFERENT), "{other}");
}

#[test]
fn old_and_malformed_tokens_panic_with_a_message() {
    for (token, expected) in [
        ("weft1:0*3.1.0.1.0*7", "no longer reads"),
        ("garbage", "not a weft replay token"),
        ("weft2:AAAA!", "character '!'"),
        ("@/nonexistent/weft/token.txt", "cannot read the replay token file"),
    ] {
        let payload = catch_unwind(AssertUnwindSafe(|| Explorer::replay(token).run(lost_update)))
            .expect_err("a malformed token panics");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        assert!(message.contains(expected), "{token}: {message:?}");
    }
}

#[test]
fn a_malformed_token_shows_its_message_in_cargo_test_output() {
    let child = child::run("child_replays_a_malformed_token", &[], true, Duration::from_secs(120));
    assert!(!child.timed_out, "{child:?}");
    assert_ne!(child.code, Some(0), "the test fails: {child:?}");
    // The harness prints a failing test's captured output in its "failures" section.
    assert!(child.stdout.contains("not a weft replay token"), "{child:?}");
}

#[test]
fn child_replays_a_malformed_token() {
    if !child::is_child() {
        return;
    }
    let _ = Explorer::replay("weft-token-from-a-chat-message").run(lost_update);
}

#[test]
fn weft_replay_left_set_says_so_on_every_exploration() {
    let token = found().token;
    let child = child::run("child_explores_twice", &[("WEFT_REPLAY", &token)], false, Duration::from_secs(120));
    assert!(!child.timed_out, "{child:?}");
    let loud = child.stderr.matches("weft: WEFT_REPLAY is set: replaying weft2:").count();
    assert_eq!(loud, 2, "one loud line per exploration: {child:?}");
    assert!(child.stderr.contains("instead of random walk, seed 1"), "{child:?}");
    assert!(child.stderr.contains("instead of exhaustive"), "{child:?}");
}

#[test]
fn child_explores_twice() {
    if !child::is_child() {
        return;
    }
    let a = Explorer::random_walk(1).run(lost_update).unwrap_err();
    let b = Explorer::exhaustive().run(lost_update).unwrap_err();
    assert_eq!(a.strategy, "replay");
    assert_eq!(b.strategy, "replay");
}

/// Two threads that each make `n` operations, in a random order, then a failure.
fn long_model(n: usize) -> impl Fn() + Send + Sync + 'static {
    move || {
        let counter = Arc::new(AtomicUsize::<Sim>::new(0));
        let threads: Vec<Thread<Sim>> = (0..2)
            .map(|_| {
                let counter = counter.clone();
                Thread::<Sim>::new(move || {
                    for _ in 0..n {
                        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                })
            })
            .collect();
        threads.iter().for_each(|t| t.start().unwrap());
        threads.iter().for_each(|t| t.join().unwrap());
        panic!("the end of a long execution");
    }
}

#[test]
fn a_long_execution_gets_a_short_token_or_a_file() {
    let n = 60_000;
    let report = Explorer::random_walk(5)
        .iterations(1)
        .max_steps(1_000_000)
        .shrink(false)
        .run(long_model(n))
        .expect_err("the model panics");
    assert!(report.stats.steps > 100_000, "{}", report.stats.steps);
    assert!(report.token.len() <= 4096, "printed tokens stay short: {} bytes", report.token.len());
    assert!(report.to_string().lines().all(|l| l.len() < 4200));
    let path = report.token.strip_prefix('@').expect("a random 100k-decision schedule goes to a file");
    assert!(std::path::Path::new(path).is_file(), "{path}");
    assert!(path.contains("weft"), "{path}");
    assert!(report.to_string().contains(&format!("WEFT_REPLAY=@{path}")));
    let schedule = Schedule::parse_token(&report.token).expect("the file holds the token");
    assert!(schedule.choices.len() > 100_000);
    let replayed = Explorer::replay(&report.token)
        .max_steps(1_000_000)
        .shrink(false)
        .run(long_model(n))
        .expect_err("the file's token replays");
    assert_eq!(replayed.failure, report.failure);
    assert_eq!(replayed.stats.steps, report.stats.steps);
}

#[test]
fn a_long_regular_execution_gets_a_short_token() {
    // Exhaustive search's first execution runs each thread as long as it can: few runs.
    let report = Explorer::exhaustive()
        .max_steps(1_000_000)
        .shrink(false)
        .run(long_model(60_000))
        .expect_err("the model panics");
    assert!(!report.token.starts_with('@'), "{}", report.token);
    assert!(report.token.len() < 200, "{}", report.token);
}
