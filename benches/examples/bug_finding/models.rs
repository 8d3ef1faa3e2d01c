// The models both checkers run, written once: `main.rs` includes this file twice, under weft's
// std-shaped façade (`weft::sync`, `weft::thread`) and under shuttle's, so that the two run the
// same operations in the same order and assert the same thing. Each module's prelude gives
// `Arc`, `Mutex`, `Condvar`, `AtomicUsize`, `AtomicBool`, `SeqCst`, `thread` and `Semaphore`
// (weft's own; on shuttle, which has no blocking semaphore, a Mutex and Condvar emulation).

/// `threads` threads each increment a counter with a separate load and store; main joins them
/// and asserts that no increment was lost.
pub fn lost_update(threads: usize) {
    let counter = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let counter = counter.clone();
            thread::spawn(move || {
                let seen = counter.load(SeqCst);
                counter.store(seen + 1, SeqCst);
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(counter.load(SeqCst), threads, "lost update");
}

/// Two threads take two locks in opposite orders: a deadlock.
pub fn ab_ba() {
    let a = Arc::new(Mutex::new(()));
    let b = Arc::new(Mutex::new(()));
    let (a1, b1) = (a.clone(), b.clone());
    let t1 = thread::spawn(move || {
        let _a = a1.lock().unwrap();
        let _b = b1.lock().unwrap();
    });
    let t2 = thread::spawn(move || {
        let _b = b.lock().unwrap();
        let _a = a.lock().unwrap();
    });
    t1.join().unwrap();
    t2.join().unwrap();
}

/// `n` philosophers, `n` forks; each takes its left fork, then its right one, and eats once: a
/// deadlock when every philosopher holds its left fork.
pub fn philosophers(n: usize) {
    let forks: Arc<Vec<Mutex<()>>> = Arc::new((0..n).map(|_| Mutex::new(())).collect());
    let diners: Vec<_> = (0..n)
        .map(|i| {
            let forks = forks.clone();
            thread::spawn(move || {
                let _left = forks[i].lock().unwrap();
                let _right = forks[(i + 1) % n].lock().unwrap();
            })
        })
        .collect();
    for diner in diners {
        diner.join().unwrap();
    }
}

/// Cargill's bounded buffer: one slot, ONE condition variable for "not full" and "not empty",
/// and `notify_one`. Two consumers take `k` items each, one producer puts `2k`. A consumer can
/// wake the other consumer instead of the waiting producer, and then everybody waits.
pub fn cargill(k: usize) {
    let buffer = Arc::new((Mutex::new(0usize), Condvar::new()));
    let mut threads = Vec::new();
    for _ in 0..2 {
        let buffer = buffer.clone();
        threads.push(thread::spawn(move || {
            let (count, changed) = &*buffer;
            for _ in 0..k {
                let mut count = count.lock().unwrap();
                while *count == 0 {
                    count = changed.wait(count).unwrap();
                }
                *count -= 1;
                changed.notify_one();
            }
        }));
    }
    threads.push(thread::spawn(move || {
        let (count, changed) = &*buffer;
        for _ in 0..2 * k {
            let mut count = count.lock().unwrap();
            while *count == 1 {
                count = changed.wait(count).unwrap();
            }
            *count += 1;
            changed.notify_one();
        }
    }));
    for thread in threads {
        thread.join().unwrap();
    }
}

/// A lost wake-up: the waiter checks the flag before it takes the lock, so the flag can be set
/// and the notification sent between its check and its wait, which then never ends.
pub fn lost_wakeup() {
    let shared = Arc::new((Mutex::new(()), Condvar::new(), AtomicBool::new(false)));
    let on_waiter = shared.clone();
    let waiter = thread::spawn(move || {
        let (lock, ready_changed, ready) = &*on_waiter;
        if !ready.load(SeqCst) {
            let held = lock.lock().unwrap();
            drop(ready_changed.wait(held).unwrap());
        }
    });
    let (lock, ready_changed, ready) = &*shared;
    ready.store(true, SeqCst);
    {
        let _held = lock.lock().unwrap();
        ready_changed.notify_one();
    }
    waiter.join().unwrap();
}

/// SCTBench `reorder_N`: `n - 1` setters write `a = 1` then `b = 1`, then one checker asserts
/// that it never sees only one of the two writes. Main starts the setters first, as SCTBench's
/// does.
pub fn reorder(n: usize) {
    let ab = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
    let mut threads: Vec<_> = (0..n - 1)
        .map(|_| {
            let ab = ab.clone();
            thread::spawn(move || {
                ab.0.store(1, SeqCst);
                ab.1.store(1, SeqCst);
            })
        })
        .collect();
    threads.push(thread::spawn(move || {
        let (a, b) = (ab.0.load(SeqCst), ab.1.load(SeqCst));
        assert_eq!(a, b, "half-written state");
    }));
    for thread in threads {
        thread.join().unwrap();
    }
}

/// SCTBench `twostage`: `writers` threads publish `data1 = 1` under `m1`, then
/// `data2 = data1 + 1` under `m2`; `readers` threads that see `data1 == 1` under `m1` then read
/// `data2` under `m2` and assert that it is `data1 + 1`. The stages are separate critical
/// sections, so a reader can come between them.
pub fn twostage(writers: usize, readers: usize) {
    let shared = Arc::new((Mutex::new(()), Mutex::new(()), AtomicUsize::new(0), AtomicUsize::new(0)));
    let mut threads = Vec::new();
    for _ in 0..writers {
        let shared = shared.clone();
        threads.push(thread::spawn(move || {
            let (m1, m2, data1, data2) = &*shared;
            {
                let _held = m1.lock().unwrap();
                data1.store(1, SeqCst);
            }
            let _held = m2.lock().unwrap();
            data2.store(data1.load(SeqCst) + 1, SeqCst);
        }));
    }
    for _ in 0..readers {
        let shared = shared.clone();
        threads.push(thread::spawn(move || {
            let (m1, m2, data1, data2) = &*shared;
            let t1 = {
                let _held = m1.lock().unwrap();
                data1.load(SeqCst)
            };
            if t1 == 0 {
                return;
            }
            let t2 = {
                let _held = m2.lock().unwrap();
                data2.load(SeqCst)
            };
            assert_eq!(t2, t1 + 1, "the reader saw stage one without stage two");
        }));
    }
    for thread in threads {
        thread.join().unwrap();
    }
}

/// SCTBench `account`: a deposit and a withdrawal under one lock, and a check, started first,
/// that asserts the wrong final balance once both are done: `(x - y) - z` instead of
/// `x + y - z`.
pub fn account() {
    const X: i64 = 1;
    const Y: i64 = 2;
    const Z: i64 = 4;
    // (balance, deposit done, withdrawal done)
    let account = Arc::new(Mutex::new((X, false, false)));
    let on_check = account.clone();
    let check = thread::spawn(move || {
        let account = on_check.lock().unwrap();
        if account.1 && account.2 {
            assert_eq!(account.0, (X - Y) - Z, "the check saw the wrong balance");
        }
    });
    let on_deposit = account.clone();
    let deposit = thread::spawn(move || {
        let mut account = on_deposit.lock().unwrap();
        account.0 += Y;
        account.1 = true;
    });
    let withdraw = thread::spawn(move || {
        let mut account = account.lock().unwrap();
        account.0 -= Z;
        account.2 = true;
    });
    for thread in [check, deposit, withdraw] {
        thread.join().unwrap();
    }
}

/// The PCT paper's figure 5 (as in shuttle's tests): a thread takes `padding` steps, then sets a
/// value under a lock; main asserts, under the lock, that the thread has not finished. A bug of
/// depth 1 that a random walk finds with probability about 2^-padding.
pub fn pct_fig5(padding: usize) {
    let value = Arc::new(Mutex::new(0usize));
    let steps = Arc::new(AtomicUsize::new(0));
    let on_thread = value.clone();
    let worker = thread::spawn(move || {
        for _ in 0..padding {
            steps.fetch_add(1, SeqCst);
        }
        *on_thread.lock().unwrap() = 1;
    });
    {
        let value = value.lock().unwrap();
        assert_ne!(*value, 1, "thread 1 ran to completion");
    }
    worker.join().unwrap();
}

/// A pool of one resource behind a semaphore; `workers` workers use it once each and assert that
/// they are alone. Worker 0 releases twice (a clean-up path releases again), which lets two
/// others in at once.
pub fn semaphore_pool(workers: usize) {
    let pool = Arc::new((Semaphore::new(1), AtomicUsize::new(0)));
    let threads: Vec<_> = (0..workers)
        .map(|i| {
            let pool = pool.clone();
            thread::spawn(move || {
                let (permits, in_use) = &*pool;
                permits.acquire();
                let users = in_use.fetch_add(1, SeqCst) + 1;
                assert!(users <= 1, "pool over-subscribed: {users} users of 1 resource");
                in_use.fetch_sub(1, SeqCst);
                permits.release();
                if i == 0 {
                    permits.release();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}
