//! `test_threading_local.BaseLocalTest` (the portable tests), the `_threading_local` doctests,
//! and SPEC.md's Local section.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use weft_core::{Event, Local, Scheduler, Thread, exit_thread, get_ident, sleep};

use super::run_threads;
use crate::support::{Bunch, wait_until};

/// The attribute access `_test_one_class` uses: Python's `obj.x = …`, `del obj.y`, `obj.x`.
trait Attributes: Send + 'static {
    fn set_attr(&mut self, name: &str, value: &str);
    fn del_attr(&mut self, name: &str);
    fn get_attr(&self, name: &str) -> Option<String>;
}

/// A plain `local()`: its per-thread `__dict__`.
type Dict = BTreeMap<String, String>;

impl Attributes for Dict {
    fn set_attr(&mut self, name: &str, value: &str) {
        self.insert(name.to_owned(), value.to_owned());
    }
    fn del_attr(&mut self, name: &str) {
        self.remove(name).expect("AttributeError");
    }
    fn get_attr(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// `class LocalSubClass(local): pass`, as a struct with the attributes the test uses.
#[derive(Default)]
struct LocalSubClass {
    x: Option<String>,
    y: Option<String>,
}

impl LocalSubClass {
    fn field(&mut self, name: &str) -> &mut Option<String> {
        match name {
            "x" => &mut self.x,
            "y" => &mut self.y,
            _ => panic!("AttributeError: {name}"),
        }
    }
}

impl Attributes for LocalSubClass {
    fn set_attr(&mut self, name: &str, value: &str) {
        *self.field(name) = Some(value.to_owned());
    }
    fn del_attr(&mut self, name: &str) {
        self.field(name).take().expect("AttributeError");
    }
    fn get_attr(&self, name: &str) -> Option<String> {
        match name {
            "x" => self.x.clone(),
            "y" => self.y.clone(),
            _ => None,
        }
    }
}

/// CPython's `_test_one_class`: thread 1 sets `x`, sets and deletes `y`, and waits; thread 2
/// reading `x` finds no value (the initial one), not thread 1's.
fn test_one_class<S: Scheduler, T: Attributes>(obj: Local<S, T>) {
    let obj = Arc::new(obj);
    let failed = Arc::new(Mutex::new(Some("No error message set or cleared.".to_owned())));
    let seen_by_t1 = Arc::new(Mutex::new(None));
    let (e1, e2) = (Arc::new(Event::<S>::new()), Arc::new(Event::<S>::new()));
    let t1 = {
        let (obj, seen_by_t1, e1, e2) = (obj.clone(), seen_by_t1.clone(), e1.clone(), e2.clone());
        Thread::<S>::new(move || {
            obj.with_mut(|o| {
                o.set_attr("x", "foo");
                o.set_attr("y", "bar");
                o.del_attr("y");
            });
            *seen_by_t1.lock().unwrap() = Some(obj.with(|o| (o.get_attr("x"), o.get_attr("y"))));
            e1.set();
            e2.wait();
        })
    };
    t1.start().unwrap();
    e1.wait();
    let t2 = {
        let (obj, failed) = (obj.clone(), failed.clone());
        Thread::<S>::new(move || {
            let got = obj.with(|o| o.get_attr("x"));
            *failed.lock().unwrap() = got.map(|value| format!("Incorrectly got value {value:?}"));
        })
    };
    t2.start().unwrap();
    t2.join().unwrap();
    e2.set();
    t1.join().unwrap();
    assert_eq!(*seen_by_t1.lock().unwrap(), Some((Some("foo".to_owned()), None)));
    let failed = failed.lock().unwrap().clone();
    assert!(failed.is_none(), "{failed:?}");
}

/// A value of the doctests' `local.__dict__`.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Int(i64),
    List(Vec<i64>),
}

/// The doctests' `MyLocal(local)`: class attribute `number = 2`, `__init__(**kw)` that
/// stores the keyword arguments, and `squared()`.
struct MyLocal {
    number: i64,
    attrs: BTreeMap<String, String>,
}

impl MyLocal {
    fn new(kw: &[(String, String)]) -> Self {
        MyLocal { number: 2, attrs: kw.iter().cloned().collect() }
    }

    fn squared(&self) -> i64 {
        self.number * self.number
    }
}

/// A value that counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A `Local` of [`Counted`] values and the drop counter they share.
fn counted_local<S: Scheduler>() -> (Local<S, Counted>, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = drops.clone();
    (Local::new(move || Counted(counter.clone())), drops)
}

/// A slot through which threads reach a `Local` without owning it for longer than they use
/// it, so that main can drop the last reference while they are still alive.
type Slot<T> = Arc<Mutex<Option<Arc<T>>>>;

fn borrow_from<T>(slot: &Slot<T>) -> Arc<T> {
    slot.lock().unwrap().clone().expect("the slot is filled")
}

fn take_last<T>(slot: &Slot<T>) -> T {
    let shared = slot.lock().unwrap().take().expect("the slot is filled");
    Arc::try_unwrap(shared).unwrap_or_else(|_| panic!("a thread still holds the local"))
}

crate::spec_tests! {
    generics [S: Scheduler];

    /// (issue 3088) An initialiser that sleeps (so other threads run meanwhile): ten threads
    /// each set their own value and read it back; the initialiser ran once per thread.
    fn test_derived() {
        let inits = Arc::new(AtomicUsize::new(0));
        let local = {
            let inits = inits.clone();
            Arc::new(Local::<S, Option<usize>>::new(move || {
                inits.fetch_add(1, SeqCst);
                sleep::<S>(Duration::from_millis(10));
                None
            }))
        };
        run_threads::<S>(10, move |i| {
            local.set(Some(i));
            assert_eq!(local.get(), Some(i));
        });
        assert_eq!(inits.load(SeqCst), 10);
    }

    /// A plain local (its per-thread `__dict__`): what thread 1 sets, thread 2 does not see.
    fn test_threading_local() {
        test_one_class::<S, Dict>(Local::new(Dict::new));
    }

    /// The same with a value type of its own (Python: an empty subclass of `local`).
    fn test_threading_local_subclass() {
        test_one_class::<S, LocalSubClass>(Local::default());
    }

    /// (issue 1522237) A local built with arguments (Python: `MyLocal(a=1)`, `MyLocal(1)`)
    /// builds each thread's value from the original arguments, whatever other threads did
    /// with theirs.
    fn test_arguments() {
        #[derive(Clone, Debug, PartialEq)]
        struct MyLocal {
            args: Vec<i64>,
            kwargs: BTreeMap<String, i64>,
        }
        let make = |args: Vec<i64>, kwargs: Vec<(&str, i64)>| {
            let kwargs: BTreeMap<String, i64> = kwargs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            Arc::new(Local::<S, MyLocal>::new(move || MyLocal { args: args.clone(), kwargs: kwargs.clone() }))
        };
        let by_keyword = make(vec![], vec![("a", 1)]);
        let positional = make(vec![1], vec![]);
        let original_keyword = MyLocal { args: vec![], kwargs: [("a".to_owned(), 1)].into() };
        let original_positional = MyLocal { args: vec![1], kwargs: BTreeMap::new() };
        assert_eq!(by_keyword.get(), original_keyword);
        assert_eq!(positional.get(), original_positional);
        by_keyword.with_mut(|l| l.kwargs.insert("a".to_owned(), 5));
        positional.with_mut(|l| l.args.push(2));
        let seen = Arc::new(Mutex::new(Vec::new()));
        {
            let (by_keyword, positional, seen) = (by_keyword.clone(), positional.clone(), seen.clone());
            run_threads::<S>(1, move |_| seen.lock().unwrap().extend([by_keyword.get(), positional.get()]));
        }
        assert_eq!(*seen.lock().unwrap(), vec![original_keyword, original_positional]);
        assert_eq!(by_keyword.with(|l| l.kwargs["a"]), 5);
        assert_eq!(positional.with(|l| l.args.clone()), vec![1, 2]);
    }

    /// Doctest: `mydata.number = 42` reads back 42, the `__dict__` is `{'number': 42}`, and
    /// `setdefault('widgets', [])` adds an empty list.
    fn test_doctest_local_dict() {
        let mydata = Local::<S, BTreeMap<String, Value>>::new(BTreeMap::new);
        mydata.with_mut(|d| d.insert("number".to_owned(), Value::Int(42)));
        assert_eq!(mydata.with(|d| d["number"].clone()), Value::Int(42));
        assert_eq!(mydata.get(), BTreeMap::from([("number".to_owned(), Value::Int(42))]));
        let widgets = mydata.with_mut(|d| d.entry("widgets".to_owned()).or_insert(Value::List(vec![])).clone());
        assert_eq!(widgets, Value::List(vec![]));
        assert_eq!(mydata.with(|d| d["widgets"].clone()), Value::List(vec![]));
    }

    /// Doctest: main sets 42; another thread sees a fresh (empty) value and sets 11 (the log
    /// is `[[], 11]`); main still sees 42.
    fn test_doctest_other_thread() {
        let mydata = Arc::new(Local::<S, BTreeMap<String, Value>>::new(BTreeMap::new));
        mydata.with_mut(|d| d.insert("number".to_owned(), Value::Int(42)));
        let log = Arc::new(Mutex::new(Vec::new()));
        {
            let (mydata, log) = (mydata.clone(), log.clone());
            run_threads::<S>(1, move |_| {
                let items: Vec<(String, Value)> = mydata.with(|d| d.clone().into_iter().collect());
                mydata.with_mut(|d| d.insert("number".to_owned(), Value::Int(11)));
                log.lock().unwrap().push((items, mydata.with(|d| d["number"].clone())));
            });
        }
        assert_eq!(*log.lock().unwrap(), vec![(vec![], Value::Int(11))]);
        assert_eq!(mydata.with(|d| d["number"].clone()), Value::Int(42));
    }

    /// Doctest: `MyLocal(color='red')` has `number == 2` and `color == 'red'`; after
    /// `del mydata.color`, `squared() == 4`. A new thread's value is built again from the
    /// original arguments (it sees `color='red'`) and sets `number = 11`; main still has
    /// `number == 2` and no `color`.
    fn test_doctest_subclass() {
        let inits = Arc::new(AtomicUsize::new(0));
        let mydata = {
            let inits = inits.clone();
            let kw = vec![("color".to_owned(), "red".to_owned())];
            Arc::new(Local::<S, MyLocal>::new(move || {
                inits.fetch_add(1, SeqCst);
                MyLocal::new(&kw)
            }))
        };
        assert_eq!(mydata.with(|m| m.number), 2);
        assert_eq!(mydata.with(|m| m.attrs.get("color").cloned()), Some("red".to_owned()));
        mydata.with_mut(|m| m.attrs.remove("color")).expect("color was set");
        assert_eq!(mydata.with(MyLocal::squared), 4);
        let log = Arc::new(Mutex::new(Vec::new()));
        {
            let (mydata, log) = (mydata.clone(), log.clone());
            run_threads::<S>(1, move |_| {
                let items: Vec<(String, String)> = mydata.with(|m| m.attrs.clone().into_iter().collect());
                mydata.with_mut(|m| m.number = 11);
                log.lock().unwrap().push((items, mydata.with(|m| m.number)));
            });
        }
        assert_eq!(*log.lock().unwrap(), vec![(vec![("color".to_owned(), "red".to_owned())], 11)]);
        assert_eq!(mydata.with(|m| m.number), 2);
        assert_eq!(mydata.with(|m| m.attrs.get("color").cloned()), None);
        assert_eq!(inits.load(SeqCst), 2);
    }

    /// The initialiser runs lazily, once per thread, in the thread that accesses the value
    /// first (each thread's value here is its own `get_ident()`).
    fn test_initialiser_runs_once_per_thread() {
        let inits = Arc::new(AtomicUsize::new(0));
        let local = {
            let inits = inits.clone();
            Arc::new(Local::<S, usize>::new(move || {
                inits.fetch_add(1, SeqCst);
                get_ident::<S>()
            }))
        };
        assert_eq!(inits.load(SeqCst), 0);
        assert_eq!(local.get(), get_ident::<S>());
        local.with(|_| ());
        local.with_mut(|_| ());
        assert_eq!(inits.load(SeqCst), 1);
        {
            let local = local.clone();
            run_threads::<S>(1, move |_| {
                assert_eq!(local.get(), get_ident::<S>());
                assert_eq!(local.get(), get_ident::<S>());
            });
        }
        assert_eq!(inits.load(SeqCst), 2);
        {
            let local = local.clone();
            let bunch = Bunch::<S>::start(2, move |_| assert_eq!(local.get(), get_ident::<S>()), false);
            bunch.wait_for_finished();
        }
        assert_eq!(inits.load(SeqCst), 4);
        assert_eq!(local.get(), get_ident::<S>());
    }

    /// A weft thread's value is dropped when the thread ends, whether its target returns or
    /// leaves through `exit_thread()`: `join()` returns after the drop. Main's value lives on
    /// until the `Local` is dropped.
    fn test_values_dropped_when_thread_ends() {
        let (local, drops) = counted_local::<S>();
        let local = Arc::new(local);
        local.with(|_| ());
        for exit in [false, true] {
            let before = drops.load(SeqCst);
            let thread = {
                let local = local.clone();
                Thread::<S>::new(move || {
                    local.with(|_| ());
                    if exit {
                        exit_thread();
                    }
                })
            };
            thread.start().unwrap();
            thread.join().unwrap();
            assert_eq!(drops.load(SeqCst), before + 1, "value of a thread that ended (exit_thread: {exit})");
        }
        assert_eq!(drops.load(SeqCst), 2);
        let local = Arc::try_unwrap(local).unwrap_or_else(|_| panic!("a thread still holds the local"));
        drop(local);
        assert_eq!(drops.load(SeqCst), 3);
    }

    /// A foreign thread's value is dropped when that thread ends.
    fn test_values_dropped_when_foreign_thread_ends() {
        let (local, drops) = counted_local::<S>();
        let local = Arc::new(local);
        {
            let local = local.clone();
            let bunch = Bunch::<S>::start(3, move |_| local.with(|_| ()), false);
            bunch.wait_for_finished();
        }
        wait_until::<S>("the values of 3 ended threads dropped", || drops.load(SeqCst) == 3);
        local.with(|_| ());
        assert_eq!(drops.load(SeqCst), 3);
    }

    /// Dropping the `Local` drops every value: main's, and those of threads still alive; a
    /// value already dropped with its thread is not dropped again.
    fn test_values_dropped_with_local() {
        let (local, drops) = counted_local::<S>();
        let slot: Slot<Local<S, Counted>> = Arc::new(Mutex::new(Some(Arc::new(local))));
        borrow_from(&slot).with(|_| ());
        {
            let slot = slot.clone();
            run_threads::<S>(1, move |_| borrow_from(&slot).with(|_| ()));
        }
        assert_eq!(drops.load(SeqCst), 1);
        let n = 3;
        let bunch = {
            let slot = slot.clone();
            Bunch::<S>::start(n, move |_| borrow_from(&slot).with(|_| ()), true)
        };
        bunch.wait_until_finished_running();
        assert_eq!(drops.load(SeqCst), 1);
        drop(take_last(&slot));
        assert_eq!(drops.load(SeqCst), 1 + 1 + n);
        bunch.do_finish();
        drop(bunch);
    }

    /// A new `Local` made after another was dropped (it may reuse its slot) starts from its
    /// own initialiser, in main and in a thread that held a value of the old one.
    fn test_new_local_after_drop_starts_fresh() {
        let first: Slot<Local<S, u32>> = Arc::new(Mutex::new(Some(Arc::new(Local::new(|| 0)))));
        let second: Slot<Local<S, String>> = Arc::new(Mutex::new(None));
        let phase = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(None));
        let bunch = {
            let (first, second, phase, seen) = (first.clone(), second.clone(), phase.clone(), seen.clone());
            Bunch::<S>::start(1, move |_| {
                borrow_from(&first).set(5);
                phase.store(1, SeqCst);
                wait_until::<S>("main to replace the local", || phase.load(SeqCst) == 2);
                *seen.lock().unwrap() = Some(borrow_from(&second).get());
            }, false)
        };
        borrow_from(&first).set(7);
        wait_until::<S>("the thread to set its value", || phase.load(SeqCst) == 1);
        drop(take_last(&first));
        let fresh = Local::<S, String>::new(|| "fresh".to_owned());
        assert_eq!(fresh.get(), "fresh");
        *second.lock().unwrap() = Some(Arc::new(fresh));
        phase.store(2, SeqCst);
        bunch.wait_for_finished();
        assert_eq!(seen.lock().unwrap().as_deref(), Some("fresh"));
    }

    /// `with`, `with_mut`, `set` and `get` read and change the caller's value only;
    /// `Local::default()` starts from `T::default()`.
    fn test_with_mut_set_get() {
        let local = Arc::new(Local::<S, Vec<u32>>::new(Vec::new));
        assert_eq!(local.get(), Vec::<u32>::new());
        local.with_mut(|v| v.push(1));
        assert_eq!(local.with(|v| v.len()), 1);
        local.set(vec![7, 8]);
        assert_eq!(local.get(), vec![7, 8]);
        assert_eq!(local.with_mut(|v| v.pop()), Some(8));
        {
            let local = local.clone();
            run_threads::<S>(1, move |_| {
                assert_eq!(local.get(), Vec::<u32>::new());
                local.set(vec![9]);
                local.with_mut(|v| v.push(10));
                assert_eq!(local.get(), vec![9, 10]);
            });
        }
        assert_eq!(local.get(), vec![7]);
        let defaulted = Local::<S, u32>::default();
        assert_eq!(defaulted.get(), 0);
    }

    /// `with` of a local may nest inside `with` of the same local, and any access to another
    /// local is fine inside either.
    fn test_nested_with() {
        let local = Local::<S, u32>::new(|| 3);
        let other = Local::<S, u32>::new(|| 1);
        assert_eq!(local.with(|a| local.with(|b| a + b)), 6);
        local.with(|_| other.with_mut(|v| *v += 1));
        local.with_mut(|v| *v += other.get());
        assert_eq!(local.get(), 5);
    }

    /// `with_mut` or `set` inside `with`/`with_mut` of the same local panics (the value is
    /// borrowed); the panic releases the borrow and leaves the value unchanged.
    fn test_with_mut_inside_with_panics() {
        let local = Local::<S, u32>::new(|| 3);
        let attempts: [&dyn Fn(); 4] = [
            &|| local.with(|_| local.with_mut(|v| *v = 1)),
            &|| local.with(|_| local.set(1)),
            &|| local.with_mut(|_| local.with(|_| ())),
            &|| local.with_mut(|_| local.set(1)),
        ];
        for (i, attempt) in attempts.iter().enumerate() {
            let outcome = catch_unwind(AssertUnwindSafe(attempt));
            assert!(outcome.is_err(), "nested access {i} did not panic");
            assert_eq!(local.get(), 3);
        }
        local.with_mut(|v| *v = 5);
        assert_eq!(local.get(), 5);
    }

    /// A static local (`weft_core::thread_local!`, the static form of `Local`): each thread
    /// has its own value, made from the initialiser on its first access; what one thread
    /// sets, another does not see, and `with_borrow`/`with_borrow_mut` reach a `RefCell`'s.
    fn test_static_local_per_thread() {
        weft_core::thread_local! {
            static IDENT: Cell<usize> = const { Cell::new(0) };
            static LOG: RefCell<Vec<usize>> = RefCell::new(Vec::new());
        }
        let me = get_ident::<S>();
        IDENT.set::<S>(me);
        LOG.with_borrow_mut::<S, _>(|log| *log = vec![me]);
        run_threads::<S>(3, |_| {
            assert_eq!(IDENT.get::<S>(), 0, "a thread's first access makes its value");
            assert!(LOG.with_borrow::<S, _>(Vec::is_empty));
            IDENT.set::<S>(get_ident::<S>());
            LOG.with_borrow_mut::<S, _>(|log| log.push(get_ident::<S>()));
            sleep::<S>(Duration::from_millis(1));
            assert_eq!(IDENT.get::<S>(), get_ident::<S>());
            assert_eq!(LOG.with_borrow::<S, _>(Vec::clone), vec![get_ident::<S>()]);
        });
        assert_eq!(IDENT.get::<S>(), me);
        assert_eq!(LOG.with_borrow::<S, _>(Vec::clone), vec![me]);
    }

    /// A static local's initialiser runs lazily, once per thread that uses the value.
    fn test_static_local_initialiser_once_per_thread() {
        static INITS: AtomicUsize = AtomicUsize::new(0);
        weft_core::thread_local! {
            static MADE: usize = {
                INITS.fetch_add(1, SeqCst);
                7
            };
        }
        let before = INITS.load(SeqCst);
        run_threads::<S>(1, |_| ());
        assert_eq!(INITS.load(SeqCst), before, "a thread that does not use the value");
        run_threads::<S>(2, |_| {
            assert_eq!(MADE.with::<S, _>(|made| *made), 7);
            assert_eq!(MADE.with::<S, _>(|made| *made), 7);
        });
        assert_eq!(INITS.load(SeqCst), before + 2);
    }

    /// A thread's value of a static local is dropped when the thread ends (on a real thread,
    /// when its OS thread exits, which may be just after `join()` returns).
    fn test_static_local_values_dropped_when_thread_ends() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        struct Counted;
        impl Drop for Counted {
            fn drop(&mut self) {
                DROPS.fetch_add(1, SeqCst);
            }
        }
        weft_core::thread_local! {
            static COUNTED: Counted = Counted;
        }
        let before = DROPS.load(SeqCst);
        run_threads::<S>(3, |_| COUNTED.with::<S, _>(|_| ()));
        wait_until::<S>("the values of 3 ended threads dropped", || DROPS.load(SeqCst) == before + 3);
    }
}
