//! Section 1: memory safety.

use super::*;

pub(crate) fn recurse(n: u64) -> u64 {
    let frame = std::hint::black_box([n; 32]);
    if n == 0 { frame[0] } else { recurse(n - 1) + frame[1] - n + 1 }
}

/// A recursion that fits std's default 2 MiB thread stack fits a simulated thread's.
#[test]
pub(crate) fn probe_recursion_that_fits_std_threads() {
    if child::is_child() {
        let ok = std::thread::Builder::new().spawn(|| recurse(3000)).unwrap().join().unwrap();
        weft::sim::check(move || {
            let t = Thread::new(move || assert_eq!(recurse(3000), ok));
            t.start().unwrap();
            assert_eq!(recurse(3000), ok);
            t.join().unwrap();
        });
        return;
    }
    let out = child::run("memory::probe_recursion_that_fits_std_threads", &[], false, Duration::from_secs(60));
    assert_eq!(out.code, Some(0), "{out:?}");
}

/// An overflow in a spawned, named simulated thread: a message naming it, never a bare SIGSEGV.
#[test]
pub(crate) fn probe_overflow_in_a_named_thread() {
    if child::is_child() {
        weft::sim::check(|| {
            let t = Thread::builder().name("deep-diver").build(|| {
                std::hint::black_box(recurse(10_000_000));
            });
            t.start().unwrap();
            t.join().unwrap();
        });
        return;
    }
    let out = child::run("memory::probe_overflow_in_a_named_thread", &[], false, Duration::from_secs(60));
    assert!(!out.timed_out, "{out:?}");
    assert_ne!(out.code, Some(0));
    assert!(out.stderr.contains("stack overflow") && out.stderr.contains("deep-diver"), "{}", out.stderr);
}

/// A daemon thread, never joined, holds a guard whose Drop releases a weft lock and a scoped
/// OS thread writing into a stack buffer; the model fails in some executions.
#[test]
pub(crate) fn probe_abandoned_daemon_with_scope_and_drop() {
    if child::is_child() {
        struct Releases(Arc<Lock>);
        impl Drop for Releases {
            fn drop(&mut self) {
                let _ = self.0.release();
                let _g = self.0.lock();
            }
        }
        let r = Explorer::random_walk(9).iterations(200).run(|| {
            let lock = Arc::new(Lock::new());
            let ev = Arc::new(Event::new());
            let (l, e) = (lock.clone(), ev.clone());
            let d = Thread::builder().daemon(true).build(move || {
                let mut buf = [0u8; 64 * 1024];
                l.acquire();
                let _r = Releases(l.clone());
                std::thread::scope(|s| {
                    s.spawn(|| {
                        for (i, b) in buf.iter_mut().enumerate() {
                            *b = i as u8;
                        }
                    });
                    e.wait();
                });
                std::hint::black_box(&buf);
            });
            d.start().unwrap();
            weft::yield_now();
            assert!(!lock.try_acquire() || lock.release().is_ok());
            if weft::monotonic() == Duration::ZERO && !ev.is_set() && lock.locked() {
                panic!("fails sometimes");
            }
        });
        println!("result: {}", r.is_ok());
        return;
    }
    let out = child::run("memory::probe_abandoned_daemon_with_scope_and_drop", &[], false, Duration::from_secs(60));
    assert!(!out.timed_out, "hung: {out:?}");
    assert!(out.code.is_some(), "killed by a signal: {out:?}");
    assert!(out.stdout.contains("result:"), "{out:?}");
}
