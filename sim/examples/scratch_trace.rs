#![allow(missing_docs)]
use std::sync::{Arc, Mutex};
use weft_core::{Lock, Thread};
use weft_sim::{Explorer, Sim};

fn main() {
    let n: usize = std::env::args().nth(1).map_or(2, |a| a.parse().unwrap());
    let runs = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = runs.clone();
    let stats = Explorer::exhaustive()
        .threads(1)
        .run(move || {
            let log = Arc::new(Mutex::new(String::new()));
            let lock = Arc::new(Lock::<Sim>::new());
            let threads: Vec<Thread<Sim>> = (0..n)
                .map(|i| {
                    let (lock, log) = (lock.clone(), log.clone());
                    Thread::new(move || {
                        let _g = lock.lock();
                        log.lock().unwrap().push_str(&format!("{i}"));
                    })
                })
                .collect();
            threads.iter().for_each(|t| t.start().unwrap());
            log.lock().unwrap().push('S');
            for (i, t) in threads.iter().enumerate() {
                t.join().unwrap();
                log.lock().unwrap().push_str(&format!("j{i}"));
            }
            sink.lock().unwrap().push(log.lock().unwrap().clone());
        })
        .unwrap();
    println!("{stats}");
    for r in runs.lock().unwrap().iter() {
        println!("{r}");
    }
}
