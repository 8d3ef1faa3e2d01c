//! (to be written)

use weft_core::Scheduler;

crate::spec_tests! {
    generics [S: Scheduler];
}
