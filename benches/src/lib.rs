//! # weft-benches
//!
//! Benchmarks of weft's primitives beside their closest peers, each comparison one criterion
//! group so that one run compares them (issue 4), and of the simulator's speed (issue 3).
//!
//! - `cargo bench -p weft-benches` runs every criterion bench (`--bench lock`, `rlock`,
//!   `condition`, `semaphore`, `event`, `barrier`, `thread`, `sim` for one file; add
//!   `-- --warm-up-time 1 --measurement-time 2` for a shorter run).
//! - `cargo run -p weft-benches --release --example report` runs a short version of every
//!   group in one process (about a minute on 2 cores), prints one table (operation, weft, best
//!   peer, peer, ratio) and rewrites `benches/RESULTS.md`.
//!
//! The workloads live once, in `benches/common/mod.rs`, shared by the benches and the report.
//! Each weft primitive is measured as the `weft::` façade type and as
//! `weft_core::X<weft_real::Real>`; `Lock` also beside a hand-written lock with the same
//! algorithm on std atomics and `parking_lot_core` (`benches/common/baseline.rs`), which shows
//! what the `Scheduler` abstraction costs. Peers are dev-dependencies only: parking_lot, std,
//! async-lock (blocking semaphore and barrier), thread_local, shuttle 0.9.10 and loom.
//!
//! `cargo test` builds the benches only with `--benches`/`--all-targets` (criterion then runs
//! each case once) and never times anything: benchmarks stay benchmarks.

use std::path::Path;

/// The line in `benches/RESULTS.md` after which everything is kept when the report rewrites the
/// file: hand-written notes, and the sections the other examples write
/// ([`replace_results_section`]).
pub const NOTES_MARKER: &str =
    "<!-- Everything below this line is hand-written; the report keeps it when it rewrites the file. -->";

/// The output of a command, trimmed, if it ran and succeeded.
pub fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let output = std::process::Command::new(program).args(args).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The date and time now, as `date -u` gives it (`unknown` without `date`).
pub fn utc_now() -> String {
    command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(|| "unknown".to_owned())
}

/// Puts `section` between the markers named by `name` in the results file at `path`: in place of
/// what they held, or, the first time, just after [`NOTES_MARKER`] (which the report keeps when
/// it rewrites the file), or at the end of a file without it.
///
/// # Errors
/// If the file cannot be read or written.
pub fn replace_results_section(path: &Path, name: &str, section: &str) -> std::io::Result<()> {
    let begin = format!("<!-- {name}: begin (written by its example; do not edit) -->");
    let end = format!("<!-- {name}: end -->");
    let old = std::fs::read_to_string(path)?;
    let block = format!("{begin}\n\n{}\n\n{end}", section.trim_end());
    let new = match (old.find(&begin), old.find(&end)) {
        (Some(at), Some(until)) if until > at => {
            format!("{}{block}{}", &old[..at], &old[until + end.len()..])
        }
        _ => {
            let at = old.find(NOTES_MARKER).map_or(old.len(), |at| at + NOTES_MARKER.len());
            format!("{}\n\n{block}\n\n{}", &old[..at], old[at..].trim_start_matches('\n'))
        }
    };
    std::fs::write(path, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_added_after_the_marker_then_replaced_in_place() {
        let dir = std::env::temp_dir().join(format!("weft-benches-results-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("RESULTS.md");
        std::fs::write(&path, format!("# top\n\n{NOTES_MARKER}\n\nnotes\n")).unwrap();
        replace_results_section(&path, "one", "first").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.find(NOTES_MARKER).unwrap() < text.find("first").unwrap());
        assert!(text.find("first").unwrap() < text.find("notes").unwrap());
        replace_results_section(&path, "one", "second").unwrap();
        replace_results_section(&path, "two", "other").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("first") && text.contains("second") && text.contains("other"));
        assert_eq!(text.matches("one: begin").count(), 1);
        assert!(text.ends_with("notes\n"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
