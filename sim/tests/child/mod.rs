//! Runs one test of the calling test binary in a child process (with a timeout), for tests that
//! assert on what a test run prints, or that could take the binary down.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Set in the child: a scenario test does its work only when it is set.
pub const CHILD: &str = "WEFT_TEST_CHILD";

/// Whether this process is a child started by [`run`].
pub fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// What the child did.
#[derive(Debug)]
pub struct Output {
    /// Its exit code (`None`: killed by a signal or on timeout).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
}

/// Runs test `name` of this binary alone in a child process with the environment `envs`
/// added (and `WEFT_REPLAY` removed unless given), killing it after `timeout`. With `capture`,
/// the harness captures the test's output as `cargo test` does (a failure prints it in its
/// "failures" section); without, `--nocapture`.
pub fn run(name: &str, envs: &[(&str, &str)], capture: bool, timeout: Duration) -> Output {
    let exe = std::env::current_exe().expect("the test binary");
    let mut command = Command::new(exe);
    // Ignored tests too: a test may be ignored in the parent run and still be asked for here.
    command.args([name, "--exact", "--test-threads=1", "--include-ignored"]);
    if !capture {
        command.arg("--nocapture");
    }
    command.env(CHILD, "1").env_remove("WEFT_REPLAY").env_remove("RUST_BACKTRACE");
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start the child");
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = err.read_to_string(&mut text);
        text
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if start.elapsed() > timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait().expect("wait for the killed child");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        code: status.code(),
        stdout: reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
        timed_out,
    }
}
