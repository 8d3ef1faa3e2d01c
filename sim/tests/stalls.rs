//! What the simulator cannot see must not hang: a simulated thread that never comes back to the
//! scheduler (blocked in a std primitive, or looping with no weft operation) ends the run with a
//! stall report and a failing exit status, and a time limit holds even then.
//!
//! Each scenario would hang the test binary without the watchdog, so it runs in a child process
//! (this binary, re-executed with `WEFT_STALL_CHILD` set) with a timeout.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use weft_core::{Lock, Scheduler, Thread};
use weft_sim::{Explorer, Sim};

/// Set in the child process that runs a scenario.
const CHILD: &str = "WEFT_STALL_CHILD";

/// How long a child may take before it counts as hung (generous: the machine may be loaded).
const HUNG: Duration = Duration::from_secs(120);

/// Runs test `name` of this binary in a child process with `WEFT_STALL_SECS=1`; returns its exit
/// code and its standard error. Fails the test if the child hangs.
fn run_child(name: &str) -> (Option<i32>, String) {
    let mut child = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("WEFT_STALL_SECS", "1")
        .env_remove("WEFT_REPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the child");
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let began = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if began.elapsed() > HUNG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name}: the child hung (killed after {HUNG:?})");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status.code(), reader.join().expect("reader"))
}

fn in_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

/// Asserts the child ended with the stall report and status 101.
fn assert_stall(name: &str, code: Option<i32>, stderr: &str, expect: &[&str]) {
    assert_eq!(code, Some(101), "{name}: exit status; stderr:\n{stderr}");
    assert!(stderr.contains("weft simulation found a failure: stall"), "{name}: no stall report:\n{stderr}");
    assert!(stderr.contains("replay:   WEFT_REPLAY=weft"), "{name}: no replay token:\n{stderr}");
    for text in expect {
        assert!(stderr.contains(text), "{name}: {text:?} missing from the report:\n{stderr}");
    }
}

fn explorer() -> Explorer {
    Explorer::random_walk(7).iterations(50)
}

#[test]
fn stall_in_mpsc_recv_is_reported() {
    if in_child() {
        let _ = explorer().run(|| {
            let lock = Arc::new(Lock::<Sim>::new());
            let l = lock.clone();
            let (tx, rx) = mpsc::channel::<()>();
            let receiver = Thread::<Sim>::builder().name("receiver").build(move || {
                drop(l.lock());
                // Nobody ever sends: the OS thread blocks in the kernel.
                let _ = rx.recv();
            });
            receiver.start().unwrap();
            receiver.join().unwrap();
            drop(tx);
        });
        unreachable!("the watchdog ends the process");
    }
    let (code, stderr) = run_child("stall_in_mpsc_recv_is_reported");
    assert_stall("recv", code, &stderr, &["receiver", "Lock.", "blocked"]);
}

#[test]
fn stall_in_a_helper_thread_is_reported() {
    if in_child() {
        // With 2 threads, helpers run batches of executions from the 65th on: the 100th model
        // run stalls, on whichever thread runs it.
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let _ = Explorer::random_walk(7).iterations(1000).threads(2).run(|| {
            let lock = Arc::new(Lock::<Sim>::new());
            let l = lock.clone();
            let t = Thread::<Sim>::builder().name("stuck").build(move || {
                drop(l.lock());
                if RUNS.fetch_add(1, Relaxed) == 99 {
                    let (_tx, rx) = mpsc::channel::<()>();
                    let _ = rx.recv();
                }
            });
            t.start().unwrap();
            t.join().unwrap();
        });
        unreachable!("the watchdog ends the process");
    }
    let (code, stderr) = run_child("stall_in_a_helper_thread_is_reported");
    assert_stall("helper", code, &stderr, &["stuck"]);
}

#[test]
fn a_long_execution_is_no_stall_of_an_idle_helper_or_a_waiting_explorer() {
    if in_child() {
        // One execution, the 70th, takes well over the 1 s stall bound in many short steps: the
        // thread that does not run it waits for it or idles meanwhile, which is no stall.
        static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let stats = Explorer::random_walk(7)
            .iterations(150)
            .max_steps(usize::MAX)
            .threads(2)
            .run(|| {
                let counter = weft_core::AtomicUsize::<Sim>::new(0);
                let long = RUNS.fetch_add(1, Relaxed) == 70;
                let began = Instant::now();
                while long && began.elapsed() < Duration::from_millis(2500) {
                    counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            })
            .expect("no failure");
        assert_eq!(stats.executions, 150);
        return;
    }
    let (code, stderr) = run_child("a_long_execution_is_no_stall_of_an_idle_helper_or_a_waiting_explorer");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("stall"), "{stderr}");
}

#[test]
fn stall_in_busy_loop_is_reported() {
    if in_child() {
        let _ = explorer().run(|| {
            let flag = Arc::new(AtomicBool::new(false));
            let f = flag.clone();
            let t = Thread::<Sim>::new(move || {
                // Blocked for a while: the main thread runs meanwhile.
                <Sim as Scheduler>::sleep(Duration::from_millis(1));
                f.store(true, Relaxed)
            });
            t.start().unwrap();
            // A std atomic, which the simulator does not see: the setter never gets to run.
            while !flag.load(Relaxed) {
                std::hint::spin_loop();
            }
            t.join().unwrap();
        });
        unreachable!("the watchdog ends the process");
    }
    let (code, stderr) = run_child("stall_in_busy_loop_is_reported");
    assert_stall("busy loop", code, &stderr, &["MainThread", "Thread.start", "busy"]);
}

#[test]
fn stall_on_std_mutex_held_by_another_simulated_thread_is_reported() {
    if in_child() {
        let _ = explorer().run(|| {
            let data = Arc::new(std::sync::Mutex::new(0));
            let lock = Arc::new(Lock::<Sim>::new());
            let threads: Vec<Thread<Sim>> = (0..2)
                .map(|_| {
                    let (data, lock) = (data.clone(), lock.clone());
                    Thread::new(move || {
                        let mut held = data.lock().unwrap();
                        // A weft operation while holding the std mutex: the other thread may run
                        // now, and block the OS thread on the std mutex.
                        drop(lock.lock());
                        *held += 1;
                    })
                })
                .collect();
            threads.iter().for_each(|t| t.start().unwrap());
            threads.iter().for_each(|t| t.join().unwrap());
        });
        unreachable!("the watchdog ends the process");
    }
    let (code, stderr) = run_child("stall_on_std_mutex_held_by_another_simulated_thread_is_reported");
    assert_stall("std mutex", code, &stderr, &["Thread-", "blocked"]);
}

#[test]
fn time_limit_holds_for_a_model_that_never_yields() {
    if in_child() {
        let _ = Explorer::random_walk(1).time_limit(Duration::from_millis(100)).run(|| {
            loop {
                std::hint::spin_loop();
            }
        });
        unreachable!("the watchdog ends the process");
    }
    let (code, stderr) = run_child("time_limit_holds_for_a_model_that_never_yields");
    assert_stall("never yields", code, &stderr, &["MainThread", "busy", "time limit"]);
}

#[test]
fn time_limit_ends_an_execution_that_goes_on() {
    if in_child() {
        // Every step yields, and no step limit stops it: only the time limit ends the run.
        let stats = Explorer::random_walk(1)
            .max_steps(usize::MAX)
            .time_limit(Duration::from_millis(200))
            .run(|| {
                loop {
                    weft_core::yield_now::<Sim>();
                }
            })
            .expect("a time limit is no failure");
        assert!(!stats.exhausted);
        eprintln!("time limit honoured after {} executions", stats.executions);
        return;
    }
    let (code, stderr) = run_child("time_limit_ends_an_execution_that_goes_on");
    assert_eq!(code, Some(0), "stderr:\n{stderr}");
    assert!(stderr.contains("time limit honoured after 1 executions"), "stderr:\n{stderr}");
}

#[test]
fn models_that_come_back_are_not_stalls() {
    // A short std sleep inside a step and a bound far above it: no report, the run passes.
    let stats = Explorer::random_walk(3)
        .iterations(3)
        .stall_timeout(Duration::from_secs(60))
        .run(|| {
            let t = Thread::<Sim>::new(|| std::thread::sleep(Duration::from_millis(5)));
            t.start().unwrap();
            t.join().unwrap();
        })
        .expect("no failure");
    assert_eq!(stats.executions, 3);
}
