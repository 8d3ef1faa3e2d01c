//! The uncontended fast paths of the primitives on `Real` allocate nothing: a counting global
//! allocator (counting per thread, so the test harness's other threads do not interfere) sees
//! zero allocations across many acquire/release pairs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use weft_core::{Barrier, BoundedSemaphore, Condition, Event, Local, Lock, RLock, Semaphore};
use weft_real::Real;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every method forwards to the system allocator unchanged; the counter is a const
// thread-local `Cell` without a destructor, which never allocates and is always accessible.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout`, as the caller guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, which `System` shares.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_during(f: impl Fn()) -> usize {
    f(); // warm up: first-use thread-locals
    let before = ALLOCATIONS.with(Cell::get);
    for _ in 0..1000 {
        f();
    }
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn uncontended_lock_allocates_nothing() {
    let lock = Lock::<Real>::new();
    assert_eq!(
        allocations_during(|| {
            lock.acquire();
            lock.release().unwrap();
        }),
        0
    );
    assert_eq!(allocations_during(|| drop(lock.lock())), 0);
    assert_eq!(
        allocations_during(|| {
            assert!(lock.try_acquire());
            lock.release().unwrap();
        }),
        0
    );
}

#[test]
fn uncontended_rlock_semaphores_event_condition_allocate_nothing() {
    let rlock = RLock::<Real>::new();
    assert_eq!(
        allocations_during(|| {
            rlock.acquire();
            rlock.acquire();
            rlock.release().unwrap();
            rlock.release().unwrap();
        }),
        0
    );
    let sem = Semaphore::<Real>::new(1);
    assert_eq!(allocations_during(|| drop(sem.guard())), 0);
    let bounded = BoundedSemaphore::<Real>::new(1);
    assert_eq!(allocations_during(|| drop(bounded.guard())), 0);
    let event = Event::<Real>::new();
    assert_eq!(
        allocations_during(|| {
            event.set();
            assert!(event.is_set());
            event.clear();
        }),
        0
    );
    let cond = Condition::<Real>::new();
    assert_eq!(
        allocations_during(|| {
            let _held = cond.lock();
            cond.notify(1).unwrap();
            cond.notify_all().unwrap();
        }),
        0
    );
}

#[test]
fn local_access_and_single_party_barrier_allocate_nothing() {
    let local = Local::<Real, Cell<u64>>::new(|| Cell::new(0));
    assert_eq!(allocations_during(|| local.with(|c| c.set(c.get() + 1))), 0);
    assert_eq!(allocations_during(|| local.with_mut(|c| *c.get_mut() += 1)), 0);
    // A round of a 1-party barrier: the arrival is the last, so it ends the round (no waiting).
    let barrier = Barrier::<Real>::new(1).unwrap();
    assert_eq!(allocations_during(|| assert_eq!(barrier.wait().unwrap(), 0)), 0);
}
