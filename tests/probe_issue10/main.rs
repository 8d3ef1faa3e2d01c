//! Probes of issue 10 ("Trustworthy verdicts") as a new user would write them, with the façade.
//! Ignored tests are open problems (`#[ignore = "probe: …"]`); the others are regression tests.

#[path = "../../sim/tests/child/mod.rs"]
mod child;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft::sim::{Explorer, FailureKind};
use weft::{AtomicBool, AtomicUsize, Barrier, Condition, Event, Lock, RLock, Semaphore, Thread};

mod completeness;
mod determinism;
mod followups;
mod memory;
mod reports;
mod search;
mod tokens;

#[allow(unused_imports)]
use completeness::*;
#[allow(unused_imports)]
use determinism::*;
#[allow(unused_imports)]
use followups::*;
#[allow(unused_imports)]
use memory::*;
#[allow(unused_imports)]
use reports::*;
#[allow(unused_imports)]
use search::*;
#[allow(unused_imports)]
use tokens::*;
