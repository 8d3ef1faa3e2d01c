//! Section 5: reports.

use super::*;

#[test]
pub(crate) fn probe_panic_shown_once_with_location() {
    if child::is_child() {
        weft::sim::check(|| {
            let t = Thread::builder().name("worker-7").build(|| {
                panic!("the unique panic message 4711");
            });
            t.start().unwrap();
            t.join().unwrap();
        });
        return;
    }
    let out = child::run("reports::probe_panic_shown_once_with_location", &[], false, Duration::from_secs(20));
    let all = format!("{}{}", out.stdout, out.stderr);
    let n = all.matches("the unique panic message 4711").count();
    assert!(all.contains("worker-7"), "{all}");
    assert!(all.contains("probe_issue10/reports.rs:"), "no location: {all}");
    assert_eq!(n, 1, "the panic message appears {n} times:\n{all}");
}

#[test]
pub(crate) fn probe_deadlock_report_names_threads_and_labels() {
    let report = Explorer::exhaustive()
        .run(|| {
            let a = Arc::new(Lock::new());
            a.label("accounts");
            let b = Arc::new(RLock::new());
            b.label("ledger");
            let (a2, b2) = (a.clone(), b.clone());
            let t = Thread::builder().name("auditor").build(move || {
                let _x = b2.lock();
                let _y = a2.lock();
            });
            t.start().unwrap();
            {
                let _x = a.lock();
                let _y = b.lock();
            }
            t.join().unwrap();
        })
        .unwrap_err();
    let text = report.to_string();
    for needle in ["auditor", "accounts", "ledger", "MainThread"] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    assert!(!text.contains("Thread#2 ") || text.contains("auditor (Thread#2)"), "{text}");
}

/// A condition's wait shows after the notify in the trace.
#[test]
pub(crate) fn probe_condition_trace_order() {
    let report = Explorer::exhaustive()
        .run(|| {
            let cond = Arc::new(Condition::with_lock(Lock::new()));
            let ready = Arc::new(AtomicBool::new(false));
            let (c, r) = (cond.clone(), ready.clone());
            let t = Thread::builder().name("producer").build(move || {
                let _g = c.lock();
                r.store(true, SeqCst);
                c.notify(1).unwrap();
            });
            t.start().unwrap();
            {
                let _g = cond.lock();
                cond.wait_for(|| ready.load(SeqCst)).unwrap();
            }
            t.join().unwrap();
            panic!("end of model");
        })
        .unwrap_err();
    let trace: Vec<String> =
        report.trace.iter().map(|e| format!("{} {} {} {}", e.thread, e.object, e.operation, e.outcome)).collect();
    let notify = trace.iter().position(|l| l.contains("notify"));
    let wait = trace.iter().position(|l| l.contains("MainThread") && l.contains(" wait"));
    if let (Some(n), Some(w)) = (notify, wait) {
        assert!(n < w, "wait before notify:\n{}", trace.join("\n"));
    }
    // Two acquires of the same lock without a release or wait between them would be a lie.
    println!("{}", trace.join("\n"));
}
