//! Section 4: replay tokens.

use super::*;

pub(crate) fn lost_update() {
    let lock = Arc::new(Lock::new());
    let balance = Arc::new(AtomicUsize::new(0));
    let threads: Vec<Thread> = (0..2)
        .map(|_| {
            let (lock, balance) = (lock.clone(), balance.clone());
            Thread::new(move || {
                let seen = {
                    let _g = lock.lock();
                    balance.load(SeqCst)
                };
                let _g = lock.lock();
                balance.store(seen + 1, SeqCst);
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
    assert_eq!(balance.load(SeqCst), 2, "lost update");
}

/// The same model with one extra operation at the end of a worker (a "fixed" model that still
/// fails the same way would be a different program).
pub(crate) fn lost_update_modified() {
    let lock = Arc::new(Lock::new());
    let balance = Arc::new(AtomicUsize::new(0));
    let threads: Vec<Thread> = (0..2)
        .map(|_| {
            let (lock, balance) = (lock.clone(), balance.clone());
            Thread::new(move || {
                let seen = {
                    let _g = lock.lock();
                    balance.load(SeqCst)
                };
                let _g = lock.lock();
                balance.store(seen + 1, SeqCst);
                drop(_g);
                balance.load(SeqCst);
            })
        })
        .collect();
    threads.iter().for_each(|t| t.start().unwrap());
    threads.iter().for_each(|t| t.join().unwrap());
    assert_eq!(balance.load(SeqCst), 2, "lost update");
}

pub(crate) fn token() -> String {
    Explorer::random_walk(1).iterations(1000).run(lost_update).unwrap_err().token
}

#[test]
pub(crate) fn probe_replay_on_the_same_model() {
    let t = token();
    let r = Explorer::replay(&t).run(lost_update).unwrap_err();
    assert_eq!(r.failure.kind, FailureKind::Panic);
}

#[test]
pub(crate) fn probe_replay_on_a_modified_model_is_loud() {
    let t = token();
    match Explorer::replay(&t).run(lost_update_modified) {
        Ok(stats) => panic!("the replay of another program passed: {stats:?}"),
        Err(r) => assert!(r.failure.kind == FailureKind::ReplayMismatch || r.failure.kind == FailureKind::Panic, "{r}"),
    }
}

/// Every prefix of a valid token, and every one-character change of it: a clear panic at parse
/// or a ReplayMismatch; never a pass, a crash or a hang.
#[test]
pub(crate) fn probe_truncated_and_garbled_tokens() {
    let t = token();
    let mut bad = Vec::new();
    let alphabet: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_:=@ ".chars().collect();
    let mut cases: Vec<String> = (0..t.len()).map(|n| t[..n].to_owned()).collect();
    for i in 0..t.len() {
        for &c in alphabet.iter().step_by(7) {
            let mut s: Vec<char> = t.chars().collect();
            s[i] = c;
            cases.push(s.into_iter().collect());
        }
    }
    cases.push(format!("{t}AAAA"));
    cases.push(format!(" {t}"));
    cases.push(format!("{t}\n"));
    cases.push(format!("WEFT_REPLAY={t}"));
    for case in cases {
        if case == t {
            continue;
        }
        let r = std::panic::catch_unwind(|| Explorer::replay(&case).run(lost_update));
        match r {
            Err(payload) => {
                let msg = payload.downcast_ref::<String>().cloned().unwrap_or_default();
                if !msg.contains("cannot replay") {
                    bad.push(format!("{case:?}: panicked without saying why: {msg:?}"));
                }
            }
            Ok(Ok(stats)) => bad.push(format!("{case:?}: passed {stats:?}")),
            Ok(Err(report)) => {
                if !matches!(report.failure.kind, FailureKind::ReplayMismatch | FailureKind::Panic) {
                    bad.push(format!("{case:?}: {}", report.failure.kind));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{} bad cases:\n{}", bad.len(), bad.join("\n"));
}

/// `WEFT_REPLAY` set to a garbled token: the test's failure section says what is wrong.
#[test]
pub(crate) fn probe_weft_replay_garbled_is_explained() {
    if child::is_child() {
        weft::sim::check(lost_update);
        return;
    }
    for token in ["weft2:", "weft2:!!!!", "weft1:AAAA", "nonsense", "@/nonexistent/file", ""] {
        let out = child::run(
            "tokens::probe_weft_replay_garbled_is_explained",
            &[("WEFT_REPLAY", token)],
            true,
            Duration::from_secs(20),
        );
        assert!(!out.timed_out);
        assert_ne!(out.code, Some(0), "{token:?}: passed: {out:?}");
        assert!(out.stdout.contains("cannot replay") || out.stderr.contains("cannot replay"), "{token:?}: {out:?}");
    }
}
