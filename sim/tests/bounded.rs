//! Preemption-bounded exhaustive search is sound (issue 10, section 2): a search with
//! `preemption_bound(b)` that reports it finished covered every schedule with at most `b`
//! preemptions, up to equivalence. Both programs below fail within 2 preemptions; the bounded
//! search with partial-order reduction used to finish without a failure on them.

use std::sync::Arc;
use std::sync::atomic::Ordering::SeqCst;

use weft_core::{AtomicUsize, Condition, Lock, Scheduler, Thread};
use weft_sim::{Explorer, FailureKind, Sim};

fn thread<S: Scheduler>(name: &str, body: impl FnOnce() + Send + 'static) -> Thread<S> {
    Thread::<S>::builder().name(name).build(body)
}

fn run_all<S: Scheduler>(threads: &[Thread<S>]) {
    threads.iter().for_each(|t| t.start().expect("start"));
    threads.iter().for_each(|t| t.join().expect("join"));
}

/// SCTBench `twostage` with `writers` writers and one reader: a writer publishes `data1 = 1`
/// under `m1`, then `data2 = data1 + 1` under `m2`, in two critical sections; a reader that sees
/// `data1 != 0` asserts `data2 == data1 + 1`.
fn twostage<S: Scheduler>(writers: usize) {
    let m1 = Arc::new(Lock::<S>::new());
    let m2 = Arc::new(Lock::<S>::new());
    let data1 = Arc::new(AtomicUsize::<S>::new(0));
    let data2 = Arc::new(AtomicUsize::<S>::new(0));
    let mut threads: Vec<Thread<S>> = (0..writers)
        .map(|i| {
            let (m1, m2, data1, data2) = (m1.clone(), m2.clone(), data1.clone(), data2.clone());
            thread::<S>(&format!("writer-{i}"), move || {
                {
                    let _first = m1.lock();
                    data1.store(1, SeqCst);
                }
                let _second = m2.lock();
                data2.store(data1.load(SeqCst) + 1, SeqCst);
            })
        })
        .collect();
    threads.push(thread::<S>("reader", move || {
        let t1 = {
            let _first = m1.lock();
            data1.load(SeqCst)
        };
        if t1 == 0 {
            return;
        }
        let t2 = {
            let _second = m2.lock();
            data2.load(SeqCst)
        };
        assert_eq!(t2, t1 + 1, "the reader saw stage one without stage two");
    }));
    run_all(&threads);
}

/// A semaphore as CPython writes it: a count under a `Condition` over a `Lock`.
struct PySemaphore<S: Scheduler> {
    cond: Condition<S, Lock<S>>,
    value: AtomicUsize<S>,
}

impl<S: Scheduler> PySemaphore<S> {
    fn new(value: usize) -> Self {
        PySemaphore { cond: Condition::with_lock(Lock::new()), value: AtomicUsize::new(value) }
    }

    fn acquire(&self) {
        let _held = self.cond.lock();
        while self.value.load(SeqCst) == 0 {
            self.cond.wait().expect("wait");
        }
        self.value.fetch_sub(1, SeqCst);
    }

    fn release(&self) {
        let _held = self.cond.lock();
        self.value.fetch_add(1, SeqCst);
        self.cond.notify(1).expect("notify");
    }
}

/// `workers` workers share a pool of `capacity` resources behind a `PySemaphore(capacity)`, each
/// asserting that at most `capacity` use it; worker `double` releases twice.
fn pool<S: Scheduler>(workers: usize, capacity: usize, double: usize) {
    let sem = Arc::new(PySemaphore::<S>::new(capacity));
    let in_use = Arc::new(AtomicUsize::<S>::new(0));
    let threads: Vec<Thread<S>> = (0..workers)
        .map(|i| {
            let (sem, in_use) = (sem.clone(), in_use.clone());
            thread::<S>(&format!("worker-{i}"), move || {
                sem.acquire();
                let users = in_use.fetch_add(1, SeqCst) + 1;
                assert!(users <= capacity, "pool over-subscribed: {users} users of {capacity}");
                in_use.fetch_sub(1, SeqCst);
                sem.release();
                if i == double {
                    sem.release();
                }
            })
        })
        .collect();
    run_all(&threads);
}

/// The bounded search must find the failure, with reduction and without.
fn bounded_search_finds(name: &str, model: impl Fn() + Send + Sync + Clone + 'static, bound: usize, needle: &str) {
    for reduce in [true, false] {
        let explorer = Explorer::exhaustive().preemption_bound(bound).partial_order_reduction(reduce);
        match explorer.run(model.clone()) {
            Err(report) => {
                assert_eq!(report.failure.kind, FailureKind::Panic, "{name}: {report}");
                assert!(report.failure.message.contains(needle), "{name}: {report}");
            }
            Ok(stats) => panic!(
                "{name}: the search within {bound} preemptions (reduction: {reduce}) finished without \
                 the failure: {stats:?}"
            ),
        }
    }
}

#[test]
fn bounded_search_finds_twostage_3_1() {
    bounded_search_finds("twostage(3,1)", || twostage::<Sim>(3), 2, "stage one without stage two");
}

#[test]
fn bounded_search_finds_twostage_2_1() {
    bounded_search_finds("twostage(2,1)", || twostage::<Sim>(2), 2, "stage one without stage two");
}

#[test]
fn bounded_search_finds_the_double_release_in_a_4_worker_pool() {
    // These need at most 2 preemptions (the search without reduction, below, is the reference;
    // with 2 resources and a later worker releasing twice, the failure needs more).
    for (capacity, double) in [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1)] {
        let name = format!("pool(4 workers, {capacity} resources, worker-{double} releases twice)");
        bounded_search_finds(&name, move || pool::<Sim>(4, capacity, double), 2, "pool over-subscribed");
    }
}
