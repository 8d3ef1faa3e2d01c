//! The `Local` fast path reads the thread's cache through a thread-local view of it: the view
//! must follow the cache when it grows (reallocates) while a value is borrowed, and a reused id
//! must never lead to another local's value.

use std::cell::Cell;

use weft_core::Local;
use weft_real::Real;

#[test]
fn cache_growth_inside_an_access_keeps_every_value() {
    let outer = Local::<Real, Cell<u64>>::new(|| Cell::new(1));
    outer.with(|o| o.set(10));
    let many: Vec<Local<Real, Cell<u64>>> = (0..200).map(|i| Local::new(move || Cell::new(i))).collect();
    outer.with(|o| {
        // Each first access caches a new id: the cache grows and moves under the borrow.
        for (i, local) in many.iter().enumerate() {
            assert_eq!(local.with(Cell::get), i as u64);
            local.with(|c| c.set(c.get() + 1000));
        }
        o.set(o.get() + 1);
    });
    assert_eq!(outer.with(Cell::get), 11);
    for (i, local) in many.iter().enumerate() {
        assert_eq!(local.with(Cell::get), i as u64 + 1000);
    }
}

#[test]
fn a_reused_id_reaches_the_new_local_only() {
    for round in 0..50u64 {
        let old = Local::<Real, u64>::new(move || round);
        assert_eq!(old.get(), round);
        drop(old);
        let new = Local::<Real, String>::new(move || format!("new {round}"));
        assert_eq!(new.get(), format!("new {round}"));
    }
}

#[test]
fn other_threads_see_their_own_values() {
    let local = std::sync::Arc::new(Local::<Real, Cell<u64>>::new(|| Cell::new(0)));
    local.with(|c| c.set(5));
    let handles: Vec<_> = (0..4u64)
        .map(|i| {
            let local = local.clone();
            std::thread::spawn(move || {
                assert_eq!(local.with(Cell::get), 0);
                local.with(|c| c.set(i));
                assert_eq!(local.with(Cell::get), i);
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(local.with(Cell::get), 5);
}
