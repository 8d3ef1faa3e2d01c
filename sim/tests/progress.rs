//! How far an exhaustive search got: `Stats::searched` and `Stats::search_estimate` (Knuth's
//! estimator over the explored tree), the result's wording when the search did not finish, and
//! the progress line a long exploration prints even when `cargo test` captures the output.

mod child;

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use weft_core::{AtomicUsize, Condition, Lock, Thread};
use weft_sim::{Explorer, Sim};

/// `threads` threads, each taking one lock `takes` times: (n·k)!/(k!)^n lock orders.
fn lock_counter(threads: usize, takes: usize) {
    let lock = Arc::new(Lock::<Sim>::new());
    let counter = Arc::new(AtomicUsize::<Sim>::new(0));
    let workers: Vec<Thread<Sim>> = (0..threads)
        .map(|_| {
            let (lock, counter) = (lock.clone(), counter.clone());
            Thread::new(move || {
                for _ in 0..takes {
                    let _held = lock.lock();
                    counter.store(counter.load(SeqCst) + 1, SeqCst);
                }
            })
        })
        .collect();
    workers.iter().for_each(|t| t.start().unwrap());
    workers.iter().for_each(|t| t.join().unwrap());
}

/// Cargill's bounded buffer (capacity 1, one Condition, `notify_all`): 2 consumers taking
/// `takes` items each, 1 producer putting them. Its full search is far beyond a test's time.
fn cargill(takes: usize) {
    let condition = Arc::new(Condition::<Sim>::new());
    let items = Arc::new(AtomicUsize::<Sim>::new(0));
    let mut workers = Vec::new();
    let role = |full: usize, delta: isize, count: usize| {
        let (condition, items) = (condition.clone(), items.clone());
        Thread::<Sim>::new(move || {
            for _ in 0..count {
                let _held = condition.lock();
                while items.load(SeqCst) == full {
                    condition.wait().unwrap();
                }
                items.store(items.load(SeqCst).wrapping_add_signed(delta), SeqCst);
                condition.notify_all().unwrap();
            }
        })
    };
    workers.push(role(0, -1, takes));
    workers.push(role(0, -1, takes));
    workers.push(role(1, 1, 2 * takes));
    workers.iter().for_each(|t| t.start().unwrap());
    workers.iter().for_each(|t| t.join().unwrap());
}

#[test]
fn a_finished_search_estimates_its_own_size_exactly() {
    let stats = Explorer::exhaustive().check(|| lock_counter(3, 2));
    assert!(stats.exhausted);
    assert_eq!(stats.searched, stats.executions);
    assert_eq!(stats.search_estimate, Some(stats.executions as u64));
    assert!(!stats.to_string().contains("estimated"), "{stats}");
}

#[test]
fn a_search_cut_short_says_how_far_it_got() {
    // 4,294 executions in all; 50 run.
    let stats = Explorer::exhaustive().iterations(50).check(|| lock_counter(3, 3));
    assert!(!stats.exhausted);
    assert_eq!(stats.searched, 50);
    let estimate = stats.search_estimate.expect("an exhaustive search ran");
    // An estimate, not a count: of the right order, never below what ran.
    assert!((200..100_000).contains(&estimate), "estimated {estimate} for 4,294");
    let text = stats.to_string();
    assert!(
        text.contains(&format!("not exhausted (the exhaustive search ran 50 of an estimated {estimate} executions)")),
        "{text}"
    );
}

#[test]
fn the_default_check_says_when_its_exhaustive_part_did_not_finish() {
    // Four takes per consumer: with two, the search now finishes within the check's budget (a
    // notified waiter depends on its waker alone).
    let stats = weft_sim::check(|| cargill(4));
    assert!(!stats.exhausted);
    assert!(stats.searched > 0 && stats.searched < stats.executions, "{stats:?}");
    let estimate = stats.search_estimate.expect("the portfolio's exhaustive lane ran");
    assert!(estimate > 10 * stats.searched as u64, "{stats:?}");
    assert!(stats.to_string().contains("not exhausted (the exhaustive search ran"), "{stats}");
}

#[test]
fn random_strategies_estimate_no_search() {
    let stats = Explorer::random_walk(1).iterations(20).check(|| lock_counter(2, 1));
    assert_eq!((stats.searched, stats.search_estimate), (0, None));
}

#[test]
#[ignore = "a scenario: run in a child process by the test below"]
fn scenario_long_search() {
    if !child::is_child() {
        return;
    }
    let stats = Explorer::exhaustive().time_limit(Duration::from_millis(3500)).check(|| cargill(4));
    assert!(!stats.exhausted);
}

#[test]
fn progress_shows_under_a_capturing_test_harness() {
    // The child's harness captures its test's output, as `cargo test` does; the progress line
    // must get through anyway.
    let out = child::run("scenario_long_search", &[], true, Duration::from_secs(60));
    assert!(!out.timed_out && out.code == Some(0) && out.stdout.contains("1 passed"), "{out:?}");
    let line = out.stderr.lines().find(|l| l.starts_with("weft: exploring (exhaustive)")).unwrap_or_else(|| {
        panic!("no progress line in the child's stderr: {out:?}");
    });
    assert!(line.contains("of an estimated"), "{line}");
}
