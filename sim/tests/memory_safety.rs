//! Memory safety of the simulator (issue 10, section 1): stacks of abandoned threads, stack
//! sizes, stack overflows. Each scenario that could crash the test binary runs in a child
//! process (this binary, re-run on one test with `WEFT_MEMORY_SAFETY_CHILD` set) with a timeout.

use std::hint::black_box;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use weft_core::{Event, Lock, Thread, stack_size};
use weft_sim::{Explorer, Sim};

const CHILD: &str = "WEFT_MEMORY_SAFETY_CHILD";
const TIMEOUT: Duration = Duration::from_secs(120);

/// What a child process did: its exit code (`None`: killed by a signal or the timeout), its
/// output (stdout and stderr).
struct Child {
    code: Option<i32>,
    output: String,
}

/// Runs test `name` of this binary in a child process, where `is_child()` holds, with a timeout
/// (and without `RUST_MIN_STACK`).
fn run_in_child(name: &str) -> Child {
    run_in_child_with(name, None)
}

/// [`run_in_child`] with `RUST_MIN_STACK` set to `min_stack`, if given.
fn run_in_child_with(name: &str, min_stack: Option<&str>) -> Child {
    let mut command = Command::new(std::env::current_exe().expect("the test binary"));
    command.env_remove("RUST_MIN_STACK");
    if let Some(size) = min_stack {
        command.env("RUST_MIN_STACK", size);
    }
    let mut child = command
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the child process");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let began = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break Some(status);
        }
        if began.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = format!("{}{}", out.join().unwrap_or_default(), err.join().unwrap_or_default());
    let code = status.and_then(|s| s.code());
    if status.is_none() {
        panic!("the child process timed out\n{output}");
    }
    Child { code, output }
}

fn is_child(name: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|v| v == name)
}

/// Recurses until about `bytes` of stack are used below `top` (a frame at a time, each at least
/// 1 KiB); returns how much it used.
#[inline(never)]
fn use_stack(top: usize, bytes: usize) -> usize {
    let frame = black_box([7u8; 1024]);
    let here = frame.as_ptr() as usize;
    let used = top.saturating_sub(here);
    if used >= bytes {
        return used;
    }
    let deeper = use_stack(top, bytes);
    black_box(frame[3]);
    deeper
}

/// Uses about `bytes` of the calling thread's stack.
fn recurse(bytes: usize) -> usize {
    let top = black_box(0u8);
    use_stack(&top as *const u8 as usize, bytes)
}

// ---- (1) abandoned threads' stacks ----

const BUFFER: usize = 256 << 10;

/// A daemon thread, abandoned at every execution's end while a scoped OS thread (of
/// `std::thread::scope`) still writes into a buffer on its stack, and three threads that check
/// a buffer of their own on their stacks across scheduling points.
fn scoped_writer_model() {
    let lock = Arc::new(Lock::<Sim>::new());
    let started = Arc::new(Event::<Sim>::new());
    let never = Arc::new(Event::<Sim>::new());
    let checker = |lock: Arc<Lock<Sim>>, seed: u8| {
        move || {
            let mut buffer = black_box([0u8; BUFFER]);
            for (i, b) in buffer.iter_mut().enumerate() {
                *b = seed.wrapping_add(i as u8);
            }
            for _ in 0..5 {
                let _held = lock.lock();
                // Real time passes, as it would while a thread computes.
                let until = Instant::now() + Duration::from_micros(300);
                while Instant::now() < until {
                    std::hint::spin_loop();
                }
            }
            let buffer = black_box(buffer);
            for (i, b) in buffer.iter().enumerate() {
                assert_eq!(*b, seed.wrapping_add(i as u8), "a stack buffer was corrupted at {i}");
            }
        }
    };
    let daemon = {
        let (started, never) = (started.clone(), never.clone());
        Thread::<Sim>::builder().name("scoped-writer").daemon(true).build(move || {
            let mut buffer = black_box([0u8; BUFFER]);
            std::thread::scope(|scope| {
                let buffer = &mut buffer;
                scope.spawn(move || {
                    let until = Instant::now() + Duration::from_millis(20);
                    while Instant::now() < until {
                        for b in buffer.iter_mut() {
                            // SAFETY: a valid, exclusively borrowed byte.
                            unsafe { std::ptr::write_volatile(b, 0xAB) };
                        }
                    }
                });
                started.set();
                // Never set: the thread is abandoned here, inside the scope.
                never.wait();
            });
        })
    };
    daemon.start().unwrap();
    started.wait();
    let workers: Vec<Thread<Sim>> = (0..3).map(|i| Thread::new(checker(lock.clone(), i * 50))).collect();
    workers.iter().for_each(|w| w.start().unwrap());
    checker(lock.clone(), 200)();
    workers.iter().for_each(|w| w.join().unwrap());
}

#[test]
fn abandoned_thread_inside_thread_scope_keeps_its_stack() {
    const NAME: &str = "abandoned_thread_inside_thread_scope_keeps_its_stack";
    if is_child(NAME) {
        let before = weft_sim::retired_stacks();
        Explorer::random_walk(3).iterations(30).check(scoped_writer_model);
        // The abandoned daemon threads were unwound (the scope joined its OS thread), not
        // given up: their stacks were reused, not leaked.
        assert_eq!(weft_sim::retired_stacks(), before, "abandoned threads were given up");
        println!("child done");
        return;
    }
    let child = run_in_child(NAME);
    assert!(child.code == Some(0) && child.output.contains("child done"), "{:?}\n{}", child.code, child.output);
}

/// A failed execution abandons the threads it stopped: each is unwound (its destructors run)
/// before the next execution, so its stack is never shared while a frame is alive.
#[test]
fn abandoned_threads_are_unwound() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let executions = Arc::new(AtomicUsize::new(0));
    let hooked = Arc::new(AtomicUsize::new(0));
    let locals_dropped = Arc::new(AtomicUsize::new(0));
    struct Counts(Arc<AtomicUsize>);
    impl Drop for Counts {
        fn drop(&mut self) {
            self.0.fetch_add(1, Relaxed);
        }
    }
    let (d, e, h, l) = (dropped.clone(), executions.clone(), hooked.clone(), locals_dropped.clone());
    let stats = Explorer::exhaustive()
        .run(move || {
            e.fetch_add(1, Relaxed);
            // The unwind of an abandoned thread is no exception of the model's.
            let h = h.clone();
            weft_core::set_excepthook::<Sim>(Some(Arc::new(move |_: &weft_core::ExceptHookArgs<Sim>| {
                h.fetch_add(1, Relaxed);
            })));
            let never = Arc::new(Event::<Sim>::new());
            let lock = Arc::new(Lock::<Sim>::new());
            let local = Arc::new(weft_core::Local::<Sim, Option<Counts>>::new(|| None));
            let t = {
                let (never, lock, d, l, local) = (never.clone(), lock.clone(), d.clone(), l.clone(), local.clone());
                Thread::<Sim>::builder().daemon(true).build(move || {
                    let _counts = Counts(d);
                    // Dropped at the thread's end, which runs after the unwind.
                    local.set(Some(Counts(l)));
                    let _held = lock.lock();
                    never.wait();
                })
            };
            t.start().unwrap();
            let _ = lock.acquire_timeout(Duration::from_millis(1));
        })
        .expect("the model is correct");
    assert!(stats.executions > 1);
    // Every execution in which the daemon thread had started and reached its wait unwound it.
    assert!(dropped.load(Relaxed) > 0, "no abandoned thread was unwound");
    assert!(dropped.load(Relaxed) <= executions.load(Relaxed));
    assert_eq!(hooked.load(Relaxed), 0, "the excepthook saw an abandoned thread's unwind");
    assert_eq!(locals_dropped.load(Relaxed), dropped.load(Relaxed), "an abandoned thread's end did not run");
}

// ---- (2) the pool keeps stacks by size ----

#[test]
fn small_stack_is_not_reused_for_a_default_thread() {
    const NAME: &str = "small_stack_is_not_reused_for_a_default_thread";
    if is_child(NAME) {
        Explorer::random_walk(5).iterations(50).check(|| {
            let lock = Arc::new(Lock::<Sim>::new());
            stack_size::<Sim>(65536).unwrap();
            let l = lock.clone();
            let small = Thread::<Sim>::new(move || {
                for _ in 0..3 {
                    drop(l.lock());
                }
                black_box(recurse(16 << 10));
            });
            small.start().unwrap();
            stack_size::<Sim>(0).unwrap();
            // A default-size thread, started after the small one: 512 KiB of stack is well
            // within its size (the pool served it the small thread's stack of an earlier
            // execution, that ended the other way round).
            let deep = Thread::<Sim>::builder().name("deep").build(move || {
                for _ in 0..3 {
                    drop(lock.lock());
                }
                black_box(recurse(512 << 10));
            });
            deep.start().unwrap();
            small.join().unwrap();
            deep.join().unwrap();
        });
        println!("child done");
        return;
    }
    let child = run_in_child(NAME);
    assert!(child.code == Some(0) && child.output.contains("child done"), "{:?}\n{}", child.code, child.output);
}

// ---- (3) overflow ----

#[test]
fn stack_overflow_names_the_thread() {
    const NAME: &str = "stack_overflow_names_the_thread";
    if is_child(NAME) {
        let _ = Explorer::random_walk(1).iterations(10).run(|| {
            let lock = Arc::new(Lock::<Sim>::new());
            let l = lock.clone();
            let diver = Thread::<Sim>::builder().name("deep-diver").build(move || {
                drop(l.lock());
                black_box(recurse(usize::MAX));
            });
            diver.start().unwrap();
            drop(lock.lock());
            diver.join().unwrap();
        });
        println!("child survived the overflow?");
        return;
    }
    let child = run_in_child(NAME);
    let output = &child.output;
    assert!(child.code.is_some_and(|c| c != 0), "the child should fail: {:?}\n{output}", child.code);
    assert!(output.contains("stack overflow"), "{output}");
    assert!(output.contains("'deep-diver'"), "{output}");
    let token = output
        .split("WEFT_REPLAY=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no replay token\n{output}"));
    assert!(token.starts_with("weft2:"), "{output}");
    weft_sim::Schedule::parse_token(token)
        .unwrap_or_else(|e| panic!("the printed token does not parse: {e}\n{output}"));
}

// ---- (4) stack sizes ----

#[test]
fn default_stack_is_two_mib() {
    const NAME: &str = "default_stack_is_two_mib";
    if is_child(NAME) {
        Explorer::random_walk(1).iterations(3).check(|| {
            // The model's main thread and a started thread both get 2 MiB.
            assert!(recurse(1536 << 10) >= 1536 << 10);
            let t = Thread::<Sim>::new(|| {
                assert!(recurse(1536 << 10) >= 1536 << 10);
            });
            t.start().unwrap();
            t.join().unwrap();
        });
        println!("child done");
        return;
    }
    let child = run_in_child(NAME);
    assert!(child.code == Some(0) && child.output.contains("child done"), "{:?}\n{}", child.code, child.output);
}

#[test]
fn explorer_and_thread_stack_sizes_are_honoured() {
    const NAME: &str = "explorer_and_thread_stack_sizes_are_honoured";
    if is_child(NAME) {
        Explorer::random_walk(1).iterations(3).stack_size(8 << 20).check(|| {
            assert!(recurse(6 << 20) >= 6 << 20);
            stack_size::<Sim>(5 << 20).unwrap();
            let t = Thread::<Sim>::new(|| {
                assert!(recurse(4 << 20) >= 4 << 20);
            });
            t.start().unwrap();
            stack_size::<Sim>(0).unwrap();
            t.join().unwrap();
        });
        println!("child done");
        return;
    }
    let child = run_in_child(NAME);
    assert!(child.code == Some(0) && child.output.contains("child done"), "{:?}\n{}", child.code, child.output);
}

/// A thread made with a small stack overflows it (the size is honoured, not rounded up to the
/// default).
#[test]
fn small_thread_stack_size_is_honoured() {
    const NAME: &str = "small_thread_stack_size_is_honoured";
    if is_child(NAME) {
        let _ = Explorer::random_walk(1).iterations(1).run(|| {
            stack_size::<Sim>(256 << 10).unwrap();
            let t = Thread::<Sim>::builder().name("small").build(|| {
                black_box(recurse(512 << 10));
            });
            t.start().unwrap();
            t.join().unwrap();
        });
        println!("child survived the overflow?");
        return;
    }
    let child = run_in_child(NAME);
    assert!(child.code.is_some_and(|c| c != 0), "{:?}\n{}", child.code, child.output);
    assert!(child.output.contains("stack overflow in simulated thread 'small'"), "{}", child.output);
}

/// An abandoned thread that cannot be unwound is given up, its stack retired (never reused),
/// and the exploration goes on: a destructor that would block while the thread unwinds, a
/// thread that swallows the unwind and goes on waiting, one that swallows it and loops.
#[test]
fn unwinding_that_would_block_retires_the_stack() {
    const NAME: &str = "unwinding_that_would_block_retires_the_stack";
    if is_child(NAME) {
        struct AcquireOnDrop(Arc<Lock<Sim>>);
        impl Drop for AcquireOnDrop {
            fn drop(&mut self) {
                // The lock is held by a thread that never releases it: this would block.
                std::mem::forget(self.0.lock());
            }
        }
        let before = weft_sim::retired_stacks();
        Explorer::random_walk(1).iterations(5).check(|| {
            let lock = Arc::new(Lock::<Sim>::new());
            let never = Arc::new(Event::<Sim>::new());
            std::mem::forget(lock.lock());
            let blocker = {
                let (lock, never) = (lock.clone(), never.clone());
                Thread::<Sim>::builder().daemon(true).build(move || {
                    let _on_drop = AcquireOnDrop(lock);
                    never.wait();
                })
            };
            let swallower = {
                let never = never.clone();
                Thread::<Sim>::builder().daemon(true).build(move || {
                    loop {
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| never.wait()));
                    }
                })
            };
            let runner = {
                let never = never.clone();
                Thread::<Sim>::builder().daemon(true).build(move || {
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| never.wait()));
                    let lock = Lock::<Sim>::new();
                    loop {
                        drop(lock.lock());
                    }
                })
            };
            blocker.start().unwrap();
            swallower.start().unwrap();
            runner.start().unwrap();
            let _ = never.wait_timeout(std::time::Duration::from_millis(1));
        });
        let retired = weft_sim::retired_stacks() - before;
        assert_eq!(retired, 15, "three threads given up in each of 5 executions");
        println!("child done");
        return;
    }
    let child = run_in_child(NAME);
    assert!(child.code == Some(0) && child.output.contains("child done"), "{:?}\n{}", child.code, child.output);
    assert!(child.output.contains("weft: 15 simulated thread(s) left suspended"), "{}", child.output);
}

/// An abandoned thread whose destructor takes a lock that another abandoned thread holds waits
/// for it: the holder, unwound next, lets the lock go, and the first goes on. No thread is given
/// up, no stack retired, and `std::thread::panicking()` is not left raised. Before, the first
/// thread was given up in the middle of unwinding, its stack leaked: a search with many
/// executions cut short ran out of stacks ("failed to spawn thread").
#[test]
fn a_destructor_waits_for_a_lock_another_abandoned_thread_holds() {
    const NAME: &str = "a_destructor_waits_for_a_lock_another_abandoned_thread_holds";
    if is_child(NAME) {
        struct TakeOnDrop(Arc<Lock<Sim>>);
        impl Drop for TakeOnDrop {
            fn drop(&mut self) {
                drop(self.0.lock());
            }
        }
        let before = weft_sim::retired_stacks();
        Explorer::random_walk(1).iterations(20).check(|| {
            let lock = Arc::new(Lock::<Sim>::new());
            let never = Arc::new(Event::<Sim>::new());
            let holder = {
                let (lock, never) = (lock.clone(), never.clone());
                Thread::<Sim>::builder().daemon(true).build(move || {
                    let _held = lock.lock();
                    never.wait();
                })
            };
            let taker = {
                let (lock, never) = (lock.clone(), never.clone());
                Thread::<Sim>::builder().daemon(true).build(move || {
                    let _on_drop = TakeOnDrop(lock);
                    never.wait();
                })
            };
            holder.start().unwrap();
            taker.start().unwrap();
            // Both are abandoned where they wait, the holder holding the lock; the taker,
            // younger, is unwound first.
            let _ = never.wait_timeout(std::time::Duration::from_millis(1));
        });
        assert_eq!(weft_sim::retired_stacks(), before, "an abandoned thread was given up");
        assert!(!std::thread::panicking());
        println!("child done");
        return;
    }
    let child = run_in_child(NAME);
    assert!(child.code == Some(0) && child.output.contains("child done"), "{:?}\n{}", child.code, child.output);
    assert!(!child.output.contains("left suspended"), "{}", child.output);
}

/// `RUST_MIN_STACK` sets the default stack size of simulated threads, as it does std's.
#[test]
fn rust_min_stack_is_honoured() {
    const NAME: &str = "rust_min_stack_is_honoured";
    if is_child(NAME) {
        Explorer::random_walk(1).iterations(2).check(|| {
            assert!(recurse(3 << 20) >= 3 << 20);
            let t = Thread::<Sim>::new(|| {
                assert!(recurse(3 << 20) >= 3 << 20);
            });
            t.start().unwrap();
            t.join().unwrap();
        });
        println!("child done");
        return;
    }
    let child = run_in_child_with(NAME, Some("4194304"));
    assert!(child.code == Some(0) && child.output.contains("child done"), "{:?}\n{}", child.code, child.output);
}
