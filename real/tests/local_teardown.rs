//! A `Local` read from a destructor that runs while the thread's state is being torn down (a
//! `Local` value whose `Drop` reads another `Local`) sees a valid, freshly made value: the access
//! keeps its stand-in state alive for its whole duration (found by review: it read freed memory).

use std::sync::{LazyLock, Mutex};

use weft_core::Local;
use weft_real::Real;

static SEEN: Mutex<Vec<Vec<u64>>> = Mutex::new(Vec::new());
static B: LazyLock<Local<Real, Vec<u64>>> = LazyLock::new(|| Local::new(|| vec![0xAAAA_AAAA; 4]));

struct ReadsB;

impl Drop for ReadsB {
    fn drop(&mut self) {
        B.with(|v| SEEN.lock().unwrap().push(v.clone()));
    }
}

static A: LazyLock<Local<Real, ReadsB>> = LazyLock::new(|| Local::new(|| ReadsB));

#[test]
fn local_read_during_thread_teardown_is_valid() {
    for _ in 0..20 {
        std::thread::spawn(|| A.with(|_| ())).join().unwrap();
    }
    let seen = SEEN.lock().unwrap();
    assert_eq!(seen.len(), 20);
    assert!(seen.iter().all(|v| v == &vec![0xAAAA_AAAA; 4]), "{seen:x?}");
}
