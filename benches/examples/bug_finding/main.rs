//! The bug-finding benchmark (issue 11): how many executions each checker needs to find a bug.
//!
//! ```text
//! cargo run -p weft-benches --release --example bug_finding 2>/dev/null
//! cargo run -p weft-benches --release --example bug_finding -- --seeds 5 --only reorder --no-write
//! ```
//!
//! Every model (`models.rs`) is written once and compiled twice: under weft's std-shaped façade
//! and under shuttle 0.9.10's, so both checkers run the same operations and the same assertion.
//! The models with Python's objects and virtual time (`python_models.rs`) run on weft alone.
//!
//! Each checker runs each model from `--seeds` seeds (30), at most `--max` executions (10,000)
//! each; a campaign stops at its first failure. The table gives the median, over the seeds, of
//! the executions up to and including the failing one (a seed that found nothing counts as more
//! than the maximum), and how many seeds found the bug. Shuttle prints every failure it finds to
//! stderr: hence `2>/dev/null`.
//!
//! Options: `--seeds N`, `--max N`, `--only A,B` (models whose name contains one of these),
//! `--no-write` (do not rewrite the bug-finding section of `benches/RESULTS.md`; implied by
//! `--only` and by settings other than the defaults), `--raw` (also print every campaign's
//! count, one line per cell: `raw`, model, checker, the counts by seed, `-` for a miss).

#![allow(missing_docs)] // an example: its items are not an API

#[path = "../shared/counted.rs"]
mod counted;

use std::fmt::Write as _;

use counted::Counted;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

mod python_models;

/// The models on weft's façade: in an exploration they run on the simulator.
mod on_weft {
    #![allow(dead_code, clippy::unwrap_used)]
    use weft::sync::atomic::Ordering::SeqCst;
    use weft::sync::atomic::{AtomicBool, AtomicUsize};
    use weft::sync::{Arc, Condvar, Mutex};
    use weft::thread;

    /// weft's own semaphore (Python's `threading.Semaphore`).
    pub struct Semaphore(weft::Semaphore);

    impl Semaphore {
        pub fn new(permits: usize) -> Self {
            Semaphore(weft::Semaphore::new(permits))
        }
        pub fn acquire(&self) {
            self.0.acquire();
        }
        pub fn release(&self) {
            self.0.release().unwrap();
        }
    }

    include!("models.rs");
}

/// The same models on shuttle.
mod on_shuttle {
    #![allow(dead_code, clippy::unwrap_used)]
    use shuttle::sync::atomic::Ordering::SeqCst;
    use shuttle::sync::atomic::{AtomicBool, AtomicUsize};
    use shuttle::sync::{Arc, Condvar, Mutex};
    use shuttle::thread;

    /// shuttle has no blocking semaphore: a Mutex and Condvar emulation.
    pub struct Semaphore {
        permits: Mutex<usize>,
        released: Condvar,
    }

    impl Semaphore {
        pub fn new(permits: usize) -> Self {
            Semaphore { permits: Mutex::new(permits), released: Condvar::new() }
        }
        pub fn acquire(&self) {
            let mut permits = self.permits.lock().unwrap();
            while *permits == 0 {
                permits = self.released.wait(permits).unwrap();
            }
            *permits -= 1;
        }
        pub fn release(&self) {
            *self.permits.lock().unwrap() += 1;
            self.released.notify_one();
        }
    }

    include!("models.rs");
}

struct Model {
    name: &'static str,
    on_weft: fn(),
    on_shuttle: Option<fn()>,
}

fn models() -> Vec<Model> {
    fn both(name: &'static str, on_weft: fn(), on_shuttle: fn()) -> Model {
        Model { name, on_weft, on_shuttle: Some(on_shuttle) }
    }
    fn weft_only(name: &'static str, on_weft: fn()) -> Model {
        Model { name, on_weft, on_shuttle: None }
    }
    vec![
        both("lost update (2 threads)", || on_weft::lost_update(2), || on_shuttle::lost_update(2)),
        both("lost update (4 threads)", || on_weft::lost_update(4), || on_shuttle::lost_update(4)),
        both("AB-BA deadlock", on_weft::ab_ba, on_shuttle::ab_ba),
        both("dining philosophers (3)", || on_weft::philosophers(3), || on_shuttle::philosophers(3)),
        both("dining philosophers (4)", || on_weft::philosophers(4), || on_shuttle::philosophers(4)),
        both("Cargill's buffer (k = 1)", || on_weft::cargill(1), || on_shuttle::cargill(1)),
        both("Cargill's buffer (k = 3)", || on_weft::cargill(3), || on_shuttle::cargill(3)),
        both("lost wake-up", on_weft::lost_wakeup, on_shuttle::lost_wakeup),
        both("reorder_3", || on_weft::reorder(3), || on_shuttle::reorder(3)),
        both("reorder_5", || on_weft::reorder(5), || on_shuttle::reorder(5)),
        both("twostage (1,1)", || on_weft::twostage(1, 1), || on_shuttle::twostage(1, 1)),
        both("twostage (3,1)", || on_weft::twostage(3, 1), || on_shuttle::twostage(3, 1)),
        both("account", on_weft::account, on_shuttle::account),
        both("PCT fig. 5 (20 padding steps)", || on_weft::pct_fig5(20), || on_shuttle::pct_fig5(20)),
        both("semaphore pool, double release (4)", || on_weft::semaphore_pool(4), || on_shuttle::semaphore_pool(4)),
        weft_only("Event set/clear race", python_models::event_pulse),
        weft_only("Timer cancel race", python_models::timer_cancel),
        weft_only("Barrier, wrong party count", python_models::barrier_parties),
        weft_only("wait_for timeout race", python_models::wait_for_timeout),
    ]
}

/// A way to look for the bug: one campaign per seed.
struct Checker {
    name: &'static str,
    shuttle: bool,
    /// Whether the seed matters (exhaustive search runs once; every seed gets its result).
    seeded: bool,
    /// Executions up to and including the first failing one, if one of at most `max` failed.
    campaign: fn(model: &Model, seed: u64, max: usize) -> Option<usize>,
}

fn weft_campaign(explorer: weft::sim::Explorer, model: fn(), max: usize) -> Option<usize> {
    explorer.iterations(max).shrink(false).run(model).err().map(|report| report.stats.executions)
}

fn checkers() -> Vec<Checker> {
    use weft::sim::Explorer;
    vec![
        Checker {
            name: "weft check",
            shuttle: false,
            seeded: true,
            campaign: |m, seed, max| weft_campaign(Explorer::portfolio(seed), m.on_weft, max),
        },
        Checker {
            name: "weft random",
            shuttle: false,
            seeded: true,
            campaign: |m, seed, max| weft_campaign(Explorer::random_walk(seed), m.on_weft, max),
        },
        Checker {
            name: "weft URW",
            shuttle: false,
            seeded: true,
            campaign: |m, seed, max| weft_campaign(Explorer::urw(seed), m.on_weft, max),
        },
        Checker {
            name: "weft PCT 2",
            shuttle: false,
            seeded: true,
            campaign: |m, seed, max| weft_campaign(Explorer::pct(seed, 2), m.on_weft, max),
        },
        Checker {
            name: "weft PCT 3",
            shuttle: false,
            seeded: true,
            campaign: |m, seed, max| weft_campaign(Explorer::pct(seed, 3), m.on_weft, max),
        },
        Checker {
            name: "weft exhaustive",
            shuttle: false,
            seeded: false,
            campaign: |m, _, max| weft_campaign(Explorer::exhaustive(), m.on_weft, max),
        },
        Checker {
            name: "weft POS",
            shuttle: false,
            seeded: true,
            campaign: |m, seed, max| weft_campaign(Explorer::pos(seed), m.on_weft, max),
        },
        Checker {
            name: "weft weighted POS",
            shuttle: false,
            seeded: true,
            campaign: |m, seed, max| weft_campaign(Explorer::weighted_pos(seed), m.on_weft, max),
        },
        Checker {
            name: "shuttle random",
            shuttle: true,
            seeded: true,
            campaign: |m, seed, max| {
                shuttle_campaign(shuttle::scheduler::RandomScheduler::new_from_seed(seed, max), m.on_shuttle?)
            },
        },
        Checker {
            name: "shuttle PCT 2",
            shuttle: true,
            seeded: true,
            campaign: |m, seed, max| {
                shuttle_campaign(shuttle::scheduler::PctScheduler::new_from_seed(seed, 2, max), m.on_shuttle?)
            },
        },
        Checker {
            name: "shuttle PCT 3",
            shuttle: true,
            seeded: true,
            campaign: |m, seed, max| {
                shuttle_campaign(shuttle::scheduler::PctScheduler::new_from_seed(seed, 3, max), m.on_shuttle?)
            },
        },
        Checker {
            name: "shuttle URW",
            shuttle: true,
            seeded: true,
            campaign: |m, seed, max| {
                shuttle_campaign(shuttle::scheduler::UrwRandomScheduler::new_from_seed(seed, max), m.on_shuttle?)
            },
        },
    ]
}

fn shuttle_campaign<S: shuttle::scheduler::Scheduler + 'static>(scheduler: S, model: fn()) -> Option<usize> {
    let executions = Arc::new(AtomicUsize::new(0));
    let mut config = shuttle::Config::new();
    config.failure_persistence = shuttle::FailurePersistence::None;
    let runner = shuttle::Runner::new(Counted { inner: scheduler, executions: executions.clone() }, config);
    // shuttle reports a failure by panicking out of `run`.
    let failed = catch_unwind(AssertUnwindSafe(|| runner.run(model))).is_err();
    failed.then(|| executions.load(Ordering::Relaxed))
}

/// One cell of the table: what the campaigns of every seed found.
struct Cell {
    /// Per seed: executions to the first failure, or `None`.
    found: Vec<Option<usize>>,
}

impl Cell {
    fn hits(&self) -> usize {
        self.found.iter().flatten().count()
    }

    /// The median over all seeds, a miss counting as more than any hit; `None` if the median
    /// falls on a miss.
    fn median(&self) -> Option<f64> {
        let mut all: Vec<usize> = self.found.iter().map(|f| f.unwrap_or(usize::MAX)).collect();
        all.sort_unstable();
        let n = all.len();
        let (low, high) = (all[(n - 1) / 2], all[n / 2]);
        (high != usize::MAX).then(|| (low as f64 + high as f64) / 2.0)
    }

    fn show(&self, seeds: usize, max: usize) -> String {
        let median = match self.median() {
            Some(m) if m.fract() == 0.0 => format!("{m:.0}"),
            Some(m) => format!("{m:.1}"),
            None => format!(">{max}"),
        };
        if self.hits() == seeds { median } else { format!("{median} ({}/{seeds})", self.hits()) }
    }
}

struct Settings {
    seeds: usize,
    max: usize,
    only: Option<String>,
    write: bool,
    raw: bool,
}

fn settings() -> Settings {
    let mut s = Settings { seeds: 30, max: 10_000, only: None, write: true, raw: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().unwrap_or_else(|| panic!("{name} needs a value"));
        match arg.as_str() {
            "--seeds" => s.seeds = value("--seeds").parse().expect("--seeds N"),
            "--max" => s.max = value("--max").parse().expect("--max N"),
            "--only" => s.only = Some(value("--only")),
            "--no-write" => s.write = false,
            "--raw" => s.raw = true,
            // `cargo bench` passes this to every target; ignore it.
            "--bench" => {}
            other => panic!("unknown option {other} (see the top of benches/examples/bug_finding/main.rs)"),
        }
    }
    if s.seeds != 30 || s.max != 10_000 || s.only.is_some() {
        s.write = false;
    }
    assert!(s.seeds > 0 && s.max > 0, "--seeds and --max must be at least 1");
    s
}

fn main() {
    let settings = settings();
    let began = Instant::now();
    let checkers = checkers();
    let models: Vec<Model> = models()
        .into_iter()
        .filter(|m| settings.only.as_ref().is_none_or(|only| only.split(',').any(|part| m.name.contains(part))))
        .collect();
    let mut rows = Vec::new();
    for model in &models {
        let model_began = Instant::now();
        let cells: Vec<Option<Cell>> = checkers
            .iter()
            .map(|checker| {
                if checker.shuttle && model.on_shuttle.is_none() {
                    return None;
                }
                let found = if checker.seeded {
                    (0..settings.seeds as u64).map(|seed| (checker.campaign)(model, seed + 1, settings.max)).collect()
                } else {
                    vec![(checker.campaign)(model, 1, settings.max); settings.seeds]
                };
                Some(Cell { found })
            })
            .collect();
        let shown: Vec<String> =
            cells.iter().map(|c| c.as_ref().map_or("—".to_owned(), |c| c.show(settings.seeds, settings.max))).collect();
        println!("{:<36} {}   ({:.1} s)", model.name, shown.join(" | "), model_began.elapsed().as_secs_f64());
        if settings.raw {
            for (checker, cell) in checkers.iter().zip(&cells) {
                if let Some(cell) = cell {
                    let found: Vec<String> =
                        cell.found.iter().map(|f| f.map_or("-".to_owned(), |n| n.to_string())).collect();
                    println!("raw\t{}\t{}\t{}", model.name, checker.name, found.join(" "));
                }
            }
        }
        rows.push((model.name, cells));
    }

    let mut table = String::new();
    let _ = writeln!(table, "| model | {} |", checkers.iter().map(|c| c.name).collect::<Vec<_>>().join(" | "));
    let _ = writeln!(table, "| --- |{}", " ---: |".repeat(checkers.len()));
    for (name, cells) in &rows {
        let shown: Vec<String> =
            cells.iter().map(|c| c.as_ref().map_or("—".to_owned(), |c| c.show(settings.seeds, settings.max))).collect();
        let _ = writeln!(table, "| {name} | {} |", shown.join(" | "));
    }
    let _ = write!(table, "\n{}", verdicts(&checkers, &rows, settings.seeds));
    println!("\n{table}");
    println!("took {:.0} s", began.elapsed().as_secs_f64());
    if settings.write {
        write_section(&table, began.elapsed().as_secs_f64());
    }
}

/// A cell's median for comparisons: a median beyond the campaigns counts as infinite.
fn median_of(cell: Option<&Cell>) -> f64 {
    cell.and_then(Cell::median).unwrap_or(f64::INFINITY)
}

/// Issue 11's acceptance points, counted over the models both checkers run.
fn verdicts(checkers: &[Checker], rows: &[(&str, Vec<Option<Cell>>)], seeds: usize) -> String {
    let column = |name: &str| checkers.iter().position(|c| c.name == name).expect("a checker of that name");
    let shared: Vec<&(&str, Vec<Option<Cell>>)> =
        rows.iter().filter(|(_, cells)| cells[column("shuttle random")].is_some()).collect();
    let (check, shuttle_best) =
        (column("weft check"), ["shuttle random", "shuttle PCT 2", "shuttle PCT 3", "shuttle URW"]);
    let mut out = String::new();
    let all_found = rows.iter().filter(|(_, cells)| cells[check].as_ref().is_some_and(|c| c.hits() == seeds)).count();
    let _ =
        writeln!(out, "- `weft check` found the bug with all {seeds} seeds on {all_found} of {} models.", rows.len());
    let mut missed = Vec::new();
    let at_most_best = shared
        .iter()
        .filter(|(name, cells)| {
            let best = shuttle_best.iter().map(|&s| median_of(cells[column(s)].as_ref())).fold(f64::INFINITY, f64::min);
            let slack = if best <= 5.0 { 2.0 } else { 0.0 };
            let ok = median_of(cells[check].as_ref()) <= best + slack;
            if !ok {
                missed.push(*name);
            }
            ok
        })
        .count();
    let _ = writeln!(
        out,
        "- `weft check`'s median is at most shuttle's best scheduler's (+2 where that is 5 or less) on {at_most_best} of {} \
         models{}.",
        shared.len(),
        if missed.is_empty() { String::new() } else { format!(" (not on: {})", missed.join(", ")) }
    );
    for (weft, shuttle) in
        [("weft PCT 2", "shuttle PCT 2"), ("weft PCT 3", "shuttle PCT 3"), ("weft random", "shuttle random")]
    {
        let mut slower = Vec::new();
        let no_slower = shared
            .iter()
            .filter(|(name, cells)| {
                let ok = median_of(cells[column(weft)].as_ref()) <= median_of(cells[column(shuttle)].as_ref());
                if !ok {
                    slower.push(*name);
                }
                ok
            })
            .count();
        let _ = writeln!(
            out,
            "- `{weft}` is no slower than `{shuttle}` on {no_slower} of {} models{}.",
            shared.len(),
            if slower.is_empty() { String::new() } else { format!(" (slower on: {})", slower.join(", ")) }
        );
    }
    out
}

/// Replaces the bug-finding section of `benches/RESULTS.md` (see
/// [`weft_benches::replace_results_section`]).
fn write_section(table: &str, seconds: f64) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/RESULTS.md");
    let mut section = String::new();
    let _ = writeln!(section, "## Bug finding: executions to the first failure\n");
    let _ = writeln!(
        section,
        "- Date: {}. Command: `cargo run -p weft-benches --release --example bug_finding 2>/dev/null` \
         ({seconds:.0} s).\n\
         - Each model (`benches/examples/bug_finding/models.rs`) is written once and compiled against weft's \
         std-shaped façade and against shuttle 0.9.10's; shuttle's missing semaphore is a Mutex and Condvar \
         emulation. The last four models use Python's objects and virtual time, which shuttle lacks.\n\
         - Each cell: the median, over seeds 1–30, of the executions up to and including the first failing \
         one, in campaigns of at most 10,000 executions (a seed that found nothing counts as more than \
         10,000); `(n/30)` when not every seed found the bug. `weft check` is the default portfolio \
         (`weft::sim::check`, `Explorer::portfolio(seed)`); `weft exhaustive` takes no seed (one search, \
         its count in every seed's place); `weft weighted POS` is `Explorer::weighted_pos` (POS whose \
         priorities are drawn with URW's weights), which takes most of the portfolio's turns. The lines under \
         the table count issue 11's acceptance points from it; where a margin is an execution or two, another \
         set of seeds can tip it (`--seeds 200 --no-write` shows medians over more seeds).\n",
        weft_benches::utc_now()
    );
    section.push_str(table);
    weft_benches::replace_results_section(Path::new(path), "bug-finding benchmark", &section)
        .expect("rewrite benches/RESULTS.md");
    eprintln!("wrote {path}");
}
