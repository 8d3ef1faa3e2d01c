//! A small test runner in the format of libtest: the spec tests run one after another on the
//! process's main thread (so that `main_thread()` is the test's own thread, as in Python), each
//! under a watchdog, and the run ends with libtest's summary line.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

/// One spec test: its name (`module::test_name`) and its body.
pub struct Test {
    /// `module::test_name`, named after the CPython test it ports where it ports one.
    pub name: String,
    /// The body, instantiated for one backend.
    pub run: fn(),
    /// A body that wraps `run` (for example in a simulation), if any.
    wrapped: Option<Box<dyn Fn()>>,
    /// Why the backend does not run it, if it does not (see [`Test::ignore`]).
    ignored: Option<String>,
}

impl Test {
    /// A test called `prefix::name`.
    pub fn new(prefix: &str, name: &str, run: fn()) -> Self {
        Test { name: format!("{prefix}::{name}"), run, wrapped: None, ignored: None }
    }

    /// A test called `name` whose body is `body` (a backend's wrapper around a spec test).
    pub fn boxed(name: &str, body: impl Fn() + 'static) -> Self {
        fn unused() {}
        Test { name: name.to_owned(), run: unused, wrapped: Some(Box::new(body)), ignored: None }
    }

    /// The same test, which this backend lists but does not run, for `reason` (reported as
    /// `ignored, REASON`, and counted; `--include-ignored` or `--ignored` runs it anyway).
    pub fn ignore(self, reason: &str) -> Self {
        Test { ignored: Some(reason.to_owned()), ..self }
    }

    fn execute(&self) {
        match &self.wrapped {
            Some(body) => body(),
            None => (self.run)(),
        }
    }
}

/// How long one test may run before the watchdog declares it hung and ends the process.
const WATCHDOG: Duration = Duration::from_secs(120);

/// Runs `tests` (each named `backend::…`) with libtest's command line subset: positional
/// filters (substring match), `--exact`, `--list`, `--skip FILTER`, `--ignored`,
/// `--include-ignored`; other flags are ignored.
/// Exits with status 101 if a test failed.
pub fn run(backend: &str, tests: Vec<Test>) {
    run_suites(vec![(backend, tests)]);
}

/// Runs several backends' suites in one binary, one after another, like [`run`]: each test is
/// named `backend::…`, filters apply to the full names, and the summary ends with one count line
/// per backend (when there are several) before libtest's summary line.
pub fn run_suites(mut suites: Vec<(&str, Vec<Test>)>) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exact = args.iter().any(|a| a == "--exact");
    let list = args.iter().any(|a| a == "--list");
    let only_ignored = args.iter().any(|a| a == "--ignored");
    let include_ignored = only_ignored || args.iter().any(|a| a == "--include-ignored");
    let mut skips = Vec::new();
    let mut filters = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        if arg == "--skip" {
            skips.extend(iter.next().cloned());
        } else if !arg.starts_with('-') {
            filters.push(arg.clone());
        }
    }
    let several = suites.len() > 1;
    let total: usize = suites.iter().map(|(_, tests)| tests.len()).sum();
    let selected: Vec<(usize, Test)> = suites
        .iter_mut()
        .enumerate()
        .flat_map(|(suite, (backend, tests))| {
            let backend = *backend;
            std::mem::take(tests)
                .into_iter()
                .map(move |t| (suite, Test { name: format!("{backend}::{}", t.name), ..t }))
        })
        .filter(|(_, t)| {
            let matches = |f: &String| if exact { &t.name == f } else { t.name.contains(f.as_str()) };
            (filters.is_empty() || filters.iter().any(matches))
                && !skips.iter().any(|s| t.name.contains(s.as_str()))
                && (!only_ignored || t.ignored.is_some())
        })
        .collect();
    if list {
        for (_, t) in &selected {
            println!("{}: test", t.name);
        }
        return;
    }
    let filtered_out = total - selected.len();
    println!("\nrunning {} tests", selected.len());
    let started = Instant::now();
    let mut failures = Vec::new();
    // Per suite: (run, failed, ignored).
    let mut counts = vec![(0usize, 0usize, 0usize); suites.len()];
    let mut ignored = 0;
    // Quiet the default panic message for expected panics; print failures ourselves.
    for (suite, test) in &selected {
        print!("test {} ... ", test.name);
        if let (Some(reason), false) = (&test.ignored, include_ignored) {
            println!("ignored, {reason}");
            counts[*suite].2 += 1;
            ignored += 1;
            continue;
        }
        std::io::stdout().flush().ok();
        // The watchdog wakes when the test ends (its sender is dropped), not at its next poll.
        let (done, ended) = std::sync::mpsc::channel::<()>();
        let watchdog = {
            let name = test.name.clone();
            std::thread::spawn(move || {
                if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = ended.recv_timeout(WATCHDOG) {
                    eprintln!("\ntest {name} has run for over {WATCHDOG:?}: hung; aborting the run");
                    std::process::exit(101);
                }
            })
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| test.execute()));
        drop(done);
        watchdog.join().ok();
        counts[*suite].0 += 1;
        match outcome {
            Ok(()) => println!("ok"),
            Err(payload) => {
                println!("FAILED");
                counts[*suite].1 += 1;
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "Box<dyn Any>".into());
                failures.push((test.name.clone(), message));
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    if !failures.is_empty() {
        println!("\nfailures:");
        for (name, message) in &failures {
            println!("    {name}: {message}");
        }
    }
    if several {
        println!();
        for ((backend, _), (ran, failed, ignored)) in suites.iter().zip(&counts) {
            println!("{backend}: {} passed; {failed} failed; {ignored} ignored", ran - failed);
        }
    }
    let passed = selected.len() - failures.len() - ignored;
    let verdict = if failures.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {verdict}. {passed} passed; {} failed; {ignored} ignored; 0 measured; {filtered_out} filtered out; finished in {elapsed:.2}s\n",
        failures.len()
    );
    if !failures.is_empty() {
        std::process::exit(101);
    }
}

/// Defines spec tests and a `register` function that instantiates them for a backend.
///
/// ```ignore
/// spec_tests! {
///     generics [S: Scheduler];
///     fn test_something() { /* S is in scope */ }
/// }
/// ```
/// defines `pub fn test_something<S: Scheduler>()` and
/// `pub fn register<S: Scheduler>(tests: &mut Vec<Test>, prefix: &str)`, which adds
/// `prefix::test_something`. Tests cannot be defined without being registered.
#[macro_export]
macro_rules! spec_tests {
    (
        generics $gens:tt;
        $( $(#[$meta:meta])* fn $name:ident() $body:block )*
    ) => {
        $( $crate::spec_tests!(@define $gens $(#[$meta])* fn $name() $body); )*
        $crate::spec_tests!(@split $gens [$($name)*]);
    };
    (@define [$($g:ident : $bound:path),+] $(#[$meta:meta])* fn $name:ident() $body:block) => {
        $(#[$meta])*
        pub fn $name<$($g: $bound),+>() $body
    };
    (@split [$($g:ident : $bound:path),+] $names:tt) => {
        $crate::spec_tests!(@register_fn [$($g : $bound),+] [$($g),+] $names);
    };
    (@register_fn [$($g:ident : $bound:path),+] $args:tt [$($name:ident)*]) => {
        /// Adds every test of this module, instantiated for these types, under `prefix`.
        pub fn register<$($g: $bound),+>(tests: &mut Vec<$crate::harness::Test>, prefix: &str) {
            $( $crate::spec_tests!(@register tests prefix $args $name); )*
        }
    };
    (@register $tests:ident $prefix:ident [$($g:ident),+] $name:ident) => {
        $tests.push($crate::harness::Test::new($prefix, stringify!($name), $name::<$($g),+>));
    };
}
