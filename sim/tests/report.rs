//! A report's trace says how operations ended, where the primitive tells: a timed acquire that
//! timed out, a try that found the lock busy, a join that saw the thread end.

use std::sync::Arc;
use std::time::Duration;

use weft_core::{Lock, Thread};
use weft_sim::{Explorer, FailureKind, Sim};

#[test]
fn trace_shows_outcomes() {
    let report = Explorer::random_walk(1)
        .run(|| {
            let lock = Arc::new(Lock::<Sim>::new());
            let _held = lock.lock();
            let other = lock.clone();
            let t = Thread::<Sim>::builder().name("prober").build(move || {
                assert!(!other.acquire_timeout(Duration::from_millis(5)).unwrap());
                assert!(!other.try_acquire());
            });
            t.start().unwrap();
            t.join().unwrap();
            panic!("show the trace");
        })
        .expect_err("the model panics");
    assert_eq!(report.failure.kind, FailureKind::Panic);
    let ended = |thread: &str, operation: &str, outcome: &str| {
        report.trace.iter().any(|e| e.thread == thread && e.operation == operation && e.outcome == outcome)
    };
    assert!(ended("prober", "acquire_timeout", "timed out"), "{report}");
    assert!(ended("prober", "try_acquire", "busy"), "{report}");
    assert!(ended("MainThread", "join", "ended"), "{report}");
    assert!(report.to_string().contains("acquire_timeout → timed out"), "{report}");
}
