use super::*;
use crate::strategy::Point;
use weft_core::{Event, Thread};

/// Picks the first option, and panics at its `at`-th pick: a panic of the simulator itself,
/// on a simulated thread's stack or on the controller's, with other threads suspended.
struct PanicAt {
    at: usize,
    picks: usize,
}

impl Strategy for PanicAt {
    fn next_execution(&mut self) -> bool {
        true
    }
    fn choose(&mut self, _point: &Point<'_>) -> Option<usize> {
        self.picks += 1;
        assert!(self.picks != self.at, "the strategy's own bug");
        Some(0)
    }
}

fn config() -> Config {
    Config {
        max_steps: 10_000,
        fine_grained: false,
        spurious_wakeups: false,
        record_trace: false,
        python_panics: false,
        track_footprints: false,
        track_trail: false,
        track_pending: false,
        main_stack: 0,
        watch: None,
    }
}

/// A thread that finishes (so that the controller picks the next thread) while a daemon
/// thread waits forever and the main thread waits for the first.
fn model() -> Arc<dyn Fn() + Send + Sync> {
    Arc::new(|| {
        let never = Arc::new(Event::<Sim>::new());
        let n = never.clone();
        let daemon = Thread::<Sim>::builder().daemon(true).build(move || {
            n.wait();
        });
        daemon.start().unwrap();
        // One operation: a thread that ends within `Thread.start`'s hand-shake hands back to
        // its spawner without a pick.
        let q = never.clone();
        let quick = Thread::<Sim>::new(move || {
            q.is_set();
        });
        quick.start().unwrap();
        quick.join().unwrap();
        never.set();
    })
}

const CHILD: &str = "WEFT_EXECUTION_TESTS_CHILD";

/// A panic of the simulator itself, wherever it happens, is a failure of the execution or a
/// panic out of `run_execution` (and so of `Explorer::run`), never an abort: the threads it
/// leaves suspended are not unwound outside the simulation. In a child process: the old
/// behaviour aborted the test binary.
#[test]
fn a_panic_of_the_simulator_does_not_abort() {
    const NAME: &str = "execution::tests::a_panic_of_the_simulator_does_not_abort";
    if std::env::var(CHILD).is_ok() {
        let mut buffers = Buffers::default();
        let (mut failed, mut panicked) = (0, 0);
        for at in 1..40 {
            let mut strategy = PanicAt { at, picks: 0 };
            match catch_unwind(AssertUnwindSafe(|| run_execution(&model(), &mut strategy, config(), &mut buffers))) {
                Ok(outcome) => failed += usize::from(outcome.failure.is_some()),
                Err(_) => {
                    panicked += 1;
                    // The pool is left as the panic left it: a fresh one.
                    buffers = Buffers::default();
                }
            }
        }
        // Both kinds happened: on a simulated thread (a failure) and in the controller.
        assert!(failed > 0 && panicked > 0, "failed {failed}, panicked {panicked}");
        // And executions still run.
        let mut strategy = PanicAt { at: usize::MAX, picks: 0 };
        assert!(run_execution(&model(), &mut strategy, config(), &mut buffers).failure.is_none());
        println!("child done");
        return;
    }
    let out = std::env::temp_dir().join(format!("weft-execution-tests-{}.txt", std::process::id()));
    let file = std::fs::File::create(&out).expect("a file for the child's output");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .stdout(file.try_clone().expect("the file again"))
        .stderr(file)
        .spawn()
        .expect("run the child");
    let began = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break Some(status);
        }
        if began.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let _ = std::fs::remove_file(&out);
    assert!(status.is_some_and(|s| s.success()) && text.contains("child done"), "{status:?}\n{text}");
}
