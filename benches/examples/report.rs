//! The short report: a short run of every criterion group in one process, one table.
//!
//! ```text
//! cargo run -p weft-benches --release --example report
//! cargo run -p weft-benches --release --example report -- --quick --only lock --no-write
//! ```
//!
//! It is an example rather than `src/bin/report.rs` so that the peers (parking_lot, async-lock,
//! shuttle, ...) stay dev-dependencies of the bench crate: a binary cannot use dev-dependencies.
//! The workloads are the criterion benches' own (`benches/common/mod.rs`); only the timing loop
//! differs: each case is calibrated to about `--target-ms` per sample, warmed up once, then the
//! cases of a group are sampled round-robin (so that a busy moment of a shared machine hits all
//! of them), `--rounds` rounds of `--samples` samples, and a case's time is the best of its
//! per-round medians (the median of all its samples in a threaded group: see [`Measured::time`]).
//!
//! Options: `--quick` (2 rounds of 3 samples of ~3 ms: for checking the report itself),
//! `--rounds N`, `--samples N`, `--target-ms MS`, `--only A,B` (groups whose id contains one of these), `--no-write` (do not
//! rewrite benches/RESULTS.md), `--note TEXT` (a line added to RESULTS.md).

#[allow(dead_code)] // the report uses the workloads, not the criterion glue
#[path = "../benches/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use common::{Group, Role, Run};
use weft_benches::{NOTES_MARKER, command_output};

struct Settings {
    rounds: usize,
    samples: usize,
    target: Duration,
    only: Option<String>,
    write: bool,
    note: Option<String>,
    quick: bool,
}

fn settings() -> Settings {
    let mut s = Settings {
        rounds: 5,
        samples: 5,
        target: Duration::from_millis(10),
        only: None,
        write: true,
        note: None,
        quick: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().unwrap_or_else(|| panic!("{name} needs a value"));
        match arg.as_str() {
            "--quick" => {
                s.quick = true;
                s.rounds = 2;
                s.samples = 3;
                s.target = Duration::from_millis(3);
            }
            "--rounds" => s.rounds = value("--rounds").parse().expect("--rounds N"),
            "--samples" => s.samples = value("--samples").parse().expect("--samples N"),
            "--target-ms" => s.target = Duration::from_millis(value("--target-ms").parse().expect("--target-ms MS")),
            "--only" => s.only = Some(value("--only")),
            "--no-write" => s.write = false,
            "--note" => s.note = Some(value("--note")),
            // `cargo bench` style flags are ignored.
            "--bench" => {}
            other => panic!("unknown option {other} (see the header of benches/examples/report.rs)"),
        }
    }
    s
}

/// The times per operation of one case, in nanoseconds.
struct Measured {
    name: &'static str,
    role: Role,
    /// The reported time: the best of the per-round medians for a single-threaded case (other
    /// processes only ever add time to it), the median of every sample for a threaded one (there
    /// the OS's luck goes both ways: a sample whose threads happened to run one after another is
    /// faster than a contended one, so the best of a few medians would measure that luck).
    time: f64,
    /// The median of every sample.
    median: f64,
    min: f64,
    max: f64,
    ops: u64,
}

fn per_op_ns(run: &Run, n: u64) -> f64 {
    run(n).as_secs_f64() * 1e9 / n as f64
}

/// The number of operations that take about `target`. Each step takes the faster of two runs, so
/// that one preempted run does not shrink the samples.
fn calibrate(run: &Run, target: Duration) -> u64 {
    let mut n: u64 = 1;
    loop {
        let took = run(n).min(run(n));
        if took >= target / 8 || n >= 1 << 36 {
            let estimate = n as f64 * target.as_secs_f64() / took.as_secs_f64().max(1e-9);
            return estimate.round().max(1.0) as u64;
        }
        let factor = ((target / 8).as_secs_f64() / took.as_secs_f64().max(1e-9)).clamp(2.0, 64.0);
        n = (n as f64 * factor).ceil() as u64;
    }
}

/// [`calibrate`], then one check at the estimate: a preempted calibration run only ever makes the
/// estimate too small, so a check that runs much faster than `target` scales it up.
fn calibrate_checked(run: &Run, target: Duration) -> u64 {
    let n = calibrate(run, target);
    let took = run(n).min(run(n));
    if took < target / 2 {
        let estimate = n as f64 * target.as_secs_f64() / took.as_secs_f64().max(1e-9);
        estimate.round().max(1.0) as u64
    } else {
        n
    }
}

/// How many cores the process really gets now: `cores` threads of pure arithmetic against one
/// (2.0 on an idle 2-core machine; about 1.0 while another process keeps a core busy).
fn effective_parallelism(cores: usize) -> f64 {
    fn spin(iterations: u64) -> u64 {
        let mut x = 0u64;
        for i in 0..iterations {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        x
    }
    let iterations = 30_000_000;
    let alone = {
        let began = Instant::now();
        spin(iterations);
        began.elapsed()
    };
    let began = Instant::now();
    let threads: Vec<_> = (0..cores).map(|_| std::thread::spawn(move || spin(iterations))).collect();
    for thread in threads {
        thread.join().expect("spin thread");
    }
    cores as f64 * alone.as_secs_f64() / began.elapsed().as_secs_f64()
}

fn median(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 { sorted[mid] } else { (sorted[mid - 1] + sorted[mid]) / 2.0 }
}

/// Calibrates each case of the group, warms it up, then takes `rounds` rounds of `samples`
/// samples, round-robin across the cases (so a busy moment of a shared machine hits all of them).
/// A case's time is the best (lowest) of its per-round medians: preemption by other processes
/// only ever adds time, and the median keeps one lucky sample from deciding. Threaded groups take
/// the median of all samples instead ([`Measured::time`] says why).
fn measure(group: &Group, settings: &Settings) -> Vec<Measured> {
    // Threaded cases get longer samples: a scheduler time slice is a few milliseconds.
    let target = if group.threaded { settings.target * 3 } else { settings.target };
    let ops: Vec<u64> = group.cases.iter().map(|case| calibrate_checked(&case.run, target)).collect();
    for (case, &n) in group.cases.iter().zip(&ops) {
        (case.run)(n); // warm-up
    }
    let count = group.cases.len();
    let mut medians = vec![Vec::with_capacity(settings.rounds); count];
    let mut all = vec![Vec::new(); count];
    for round in 0..settings.rounds {
        let mut samples = vec![Vec::with_capacity(settings.samples); count];
        for sample in 0..settings.samples {
            for k in 0..count {
                let i = (k + round + sample) % count;
                samples[i].push(per_op_ns(&group.cases[i].run, ops[i]));
            }
        }
        for (i, mut samples) in samples.into_iter().enumerate() {
            samples.sort_by(f64::total_cmp);
            medians[i].push(median(&samples));
            all[i].extend(samples);
        }
    }
    group
        .cases
        .iter()
        .zip(medians.into_iter().zip(all))
        .zip(ops)
        .map(|((case, (medians, mut all)), ops)| {
            all.sort_by(f64::total_cmp);
            Measured {
                name: case.name,
                role: case.role,
                time: if group.threaded { median(&all) } else { medians.iter().copied().fold(f64::INFINITY, f64::min) },
                median: median(&all),
                min: all[0],
                max: all[all.len() - 1],
                ops,
            }
        })
        .collect()
}

fn time(ns: f64) -> String {
    if ns < 10.0 {
        format!("{ns:.2} ns")
    } else if ns < 1e3 {
        format!("{ns:.1} ns")
    } else if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

fn per_second(ns: f64) -> String {
    let rate = (1e9 / ns).round() as u64;
    let digits = rate.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

struct Row {
    operation: String,
    weft: f64,
    peer: f64,
    peer_name: String,
}

fn rows(group: &Group, measured: &[Measured]) -> (Vec<Row>, Vec<Row>) {
    let find = |role: Role| measured.iter().filter(move |m| m.role == role);
    let best_peer = find(Role::Peer).min_by(|a, b| a.time.total_cmp(&b.time));
    let wefts: Vec<&Measured> = find(Role::Weft).collect();
    let mut main = Vec::new();
    if let Some(peer) = best_peer {
        for weft in &wefts {
            let mut operation = format!("{} — `{}`", group.operation, weft.name);
            if group.id.starts_with("sim/") {
                let _ = write!(
                    operation,
                    " ({} exec/s) vs {} ({} exec/s)",
                    per_second(weft.time),
                    peer.name,
                    per_second(peer.time)
                );
            }
            main.push(Row { operation, weft: weft.time, peer: peer.time, peer_name: format!("`{}`", peer.name) });
        }
    }
    let mut zero_cost = Vec::new();
    let real = find(Role::Real).next();
    if let (Some(weft), Some(real)) = (wefts.first(), real) {
        zero_cost.push(Row {
            operation: format!("{} — façade `{}` vs `{}`", group.operation, weft.name, real.name),
            weft: weft.time,
            peer: real.time,
            peer_name: format!("`{}`", real.name),
        });
    }
    if let (Some(real), Some(baseline)) = (real, find(Role::Baseline).next()) {
        zero_cost.push(Row {
            operation: format!("{} — `{}` vs hand-written baseline", group.operation, real.name),
            weft: real.time,
            peer: baseline.time,
            peer_name: "baseline (std atomics + parking_lot_core)".to_owned(),
        });
    }
    (main, zero_cost)
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from("| operation | weft | best peer | peer | ratio |\n| --- | ---: | ---: | --- | ---: |\n");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.2} |",
            row.operation,
            time(row.weft),
            time(row.peer),
            row.peer_name,
            row.weft / row.peer
        );
    }
    out
}

fn role(role: Role) -> &'static str {
    match role {
        Role::Weft => "weft",
        Role::Real => "weft on Real",
        Role::Baseline => "baseline",
        Role::Peer => "peer",
        Role::Extra => "extra",
    }
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|model| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn main() {
    let settings = settings();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let parallel_before = effective_parallelism(cores);
    eprintln!("effective parallelism: {parallel_before:.2} of {cores} cores");
    let began = Instant::now();
    let load_before = load_average();
    let mut main_rows = Vec::new();
    let mut zero_cost_rows = Vec::new();
    let mut details = String::from(
        "| group | implementation | role | time | median of all samples | min | max | operations per sample |\n\
         | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for group in common::all_groups() {
        if settings.only.as_ref().is_some_and(|only| !only.split(',').any(|part| group.id.contains(part))) {
            continue;
        }
        let group_began = Instant::now();
        let measured = measure(&group, &settings);
        eprintln!("{:<32} {:>6.1} s", group.id, group_began.elapsed().as_secs_f64());
        for m in &measured {
            eprintln!(
                "    {:<40} {:>12} (median {}, min {}, max {})",
                m.name,
                time(m.time),
                time(m.median),
                time(m.min),
                time(m.max)
            );
            let _ = writeln!(
                details,
                "| {} | `{}` | {} | {} | {} | {} | {} | {} |",
                group.id,
                m.name,
                role(m.role),
                time(m.time),
                time(m.median),
                time(m.min),
                time(m.max),
                m.ops
            );
        }
        let (main, zero_cost) = rows(&group, &measured);
        main_rows.extend(main);
        zero_cost_rows.extend(zero_cost);
    }
    let load_after = load_average();
    let elapsed = began.elapsed();
    let parallel_after = effective_parallelism(cores);
    main_rows.extend(zero_cost_rows);
    let summary = table(&main_rows);
    println!("{summary}");
    println!(
        "(report took {:.0} s; load average before: {load_before}, after: {load_after}; effective parallelism \
         before: {parallel_before:.2}, after: {parallel_after:.2} of {cores} cores)",
        elapsed.as_secs_f64()
    );

    if !settings.write || settings.quick || settings.only.is_some() {
        return;
    }
    let nproc = command_output("nproc", &[]).unwrap_or_else(|| cores.to_string());
    let date = command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_else(|| "unknown".to_owned());
    let rustc = command_output("rustc", &["--version"]).unwrap_or_else(|| "unknown".to_owned());
    let mut doc = String::new();
    let _ = writeln!(doc, "# weft benchmark results\n");
    let _ = writeln!(doc, "- Date: {date}");
    let _ = writeln!(doc, "- Machine: `nproc` = {nproc}, CPU: {} (from /proc/cpuinfo), {rustc}", cpu_model());
    let _ = writeln!(doc, "- Command: `cargo run -p weft-benches --release --example report`");
    let _ = writeln!(
        doc,
        "- Method: the criterion benches' workloads (`benches/benches/common/mod.rs`), each case calibrated to \
         about {} ms per sample ({} ms for the threaded groups) and warmed up once, then {} rounds of {} samples taken round-robin across the \
         cases of a group; a case's time (per operation) is the best of its {} per-round medians, except in \
         the threaded groups, where it is the median of all its samples (contended samples start together \
         from a spinning barrier and stop when the first thread finishes its share). The report took {:.0} s.",
        settings.target.as_millis(),
        settings.target.as_millis() * 3,
        settings.rounds,
        settings.samples,
        settings.rounds,
        elapsed.as_secs_f64()
    );
    let _ = writeln!(
        doc,
        "- Load average (1, 5, 15 min) before the run: {load_before}; after: {load_after}. Effective \
         parallelism ({cores} threads of pure arithmetic against one) before: {parallel_before:.2}, after: \
         {parallel_after:.2}. Threaded cases (ping-pong, contention, barriers, thread start) on {nproc} cores \
         are sensitive to other load: read their ratios as ±20 %."
    );
    if parallel_before.min(parallel_after) < cores as f64 * 0.8 {
        let _ = writeln!(
            doc,
            "- The machine was shared: other processes kept part of it busy during the run, so threads \
             that should run in parallel were partly serialized (contended cases then look like uncontended \
             ones)."
        );
    }
    if let Some(note) = &settings.note {
        let _ = writeln!(doc, "- Note: {note}");
    }
    let _ = writeln!(
        doc,
        "\nratio = weft time / best peer time: below 1 weft is faster. `weft` is the `weft::` façade type \
         (`weft_core::X<weft::Auto>`); the last rows compare the façade with `weft_core::X<weft_real::Real>` \
         and `weft_core::Lock<Real>` with a hand-written lock (the same algorithm on std atomics and \
         parking_lot_core), so there the `weft` column is the first and `best peer` the second. The simulator \
         row times one execution (lower is better) and gives executions per second for both.\n"
    );
    doc.push_str(&summary);
    let _ = writeln!(doc, "\n## Every measurement\n");
    doc.push_str(&details);
    let _ = writeln!(
        doc,
        "\nThe full criterion runs: `cargo bench -p weft-benches` (or `--bench lock`, `rlock`, `condition`, \
         `semaphore`, `event`, `barrier`, `thread`, `sim`)."
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/RESULTS.md");
    // Hand-written notes below the marker survive a new run.
    let _ = writeln!(doc, "\n{NOTES_MARKER}");
    if let Some(notes) = std::fs::read_to_string(path).ok().and_then(|old| {
        old.find(NOTES_MARKER).map(|at| old[at + NOTES_MARKER.len()..].trim_start_matches('\n').to_owned())
    }) {
        doc.push('\n');
        doc.push_str(&notes);
    }
    std::fs::write(path, doc).expect("write benches/RESULTS.md");
    eprintln!("wrote {path}");
}
