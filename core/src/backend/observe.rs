//! [`Observe`]: what a scheduler may watch of the primitives as they run, beside the services
//! of [`crate::Scheduler`].

use crate::backend::atomic::Atomic;

/// What a scheduler may watch of the primitives as they run: their operations (each a
/// scheduling point for a simulator), what the operations touch, and whether the scheduler is
/// watching at all. Every method has a default that does nothing, which is all the real backend
/// needs (`impl Observe for Real {}` with its fast-path answers); a simulator implements them to
/// see and schedule the primitives' steps.
///
/// It is a supertrait of [`crate::Scheduler`], so a primitive written against `S: Scheduler`
/// calls `S::operation(…)` as it calls `S::park(…)`.
pub trait Observe {
    /// Whether the scheduler watches the calling thread's primitive operations now (a simulator:
    /// [`Observe::operation`] is a scheduling point, atomics may be events). The real backend
    /// never does; the façade only inside a simulation (it may answer true in doubt: while any
    /// simulation runs in the process). When this is false a primitive may run a
    /// fast path that skips its announcements, provided the path has no effect a simulator would
    /// have to see (for example a `notify` that finds no waiter).
    #[doc(hidden)]
    #[inline(always)]
    fn observing() -> bool {
        true
    }

    /// Whether the scheduler may see the primitives' own atomic accesses (a simulator records
    /// them, and may make each one a scheduling point). Where it may, fast paths that load before
    /// announcing their operation are compiled out; where it cannot (the real backend, the
    /// façade, whose atomics are plain std atomics), they may load first and test
    /// [`Observe::observed_word`] with the rest of their condition in one branch.
    #[doc(hidden)]
    const SEES_ATOMICS: bool = true;

    /// [`Observe::observing`] as a word for branch-free fast paths: zero only if the
    /// scheduler is surely not watching the calling thread now (nonzero in doubt). Asked only
    /// where [`Observe::SEES_ATOMICS`] is false.
    #[doc(hidden)]
    #[inline(always)]
    fn observed_word() -> usize {
        Self::observing() as usize
    }

    /// The calling thread's ident ([`Scheduler::current_ident`]) if the scheduler is not
    /// [observing](Scheduler::observing) and the ident costs no more than a load; otherwise
    /// `usize::MAX`, which is never an ident, so a fast path can compare it with an owner as it
    /// is and take its slow path on a mismatch. For branch-free ownership checks.
    #[doc(hidden)]
    #[inline(always)]
    fn unobserved_ident() -> usize {
        usize::MAX
    }

    /// A primitive operation is about to run: `name` (e.g. `"acquire"`) of the `kind` of object
    /// (e.g. `"Lock"`) at `object`. Under a simulator this is a scheduling point and a trace
    /// event (by default one operation is one step); the real backend does nothing.
    #[inline(always)]
    fn operation(object: usize, kind: &'static str, name: &'static str) {
        let _ = (object, kind, name);
    }

    /// An operation that only reads its object is about to run (a user atomic's `load`): like
    /// [`Observe::operation`], but a simulator counts the step as reading the object rather
    /// than writing it, so that two such steps commute (partial-order reduction explores one
    /// order of them).
    #[inline(always)]
    fn read_operation(object: usize, kind: &'static str, name: &'static str) {
        Self::operation(object, kind, name);
    }

    /// A release is about to run (a lock's or a semaphore's; see
    /// [`Observe::release_operation_on`]): like [`Observe::operation`], and a simulator may know
    /// that it takes nothing from other threads. A release commutes with every step another
    /// thread can take while the object is held, save those that only look at it (a failed
    /// try, a `locked()`): a random strategy may let it run without a choice first.
    #[inline(always)]
    fn release_operation(object: usize, kind: &'static str, name: &'static str) {
        Self::operation(object, kind, name);
    }

    /// A blocking operation is about to run, like [`Observe::operation`]: `name` of the `kind`
    /// of object at `object`, which is also the key its waiters park on. The calling thread can
    /// make no progress in it until `ready()` holds (the lock is free, the flag is set, the
    /// thread has ended); until then it would only park.
    ///
    /// A simulator may keep the thread off the run queue while `ready()` is false, instead of
    /// letting it try, park and be woken: the same outcomes in fewer, and fewer distinct, steps.
    /// `ready` may be called while the calling thread is suspended, from another simulated
    /// thread: it must only load atomics of the object and compare them with values it
    /// captured. The real backend does nothing.
    #[inline(always)]
    fn blocking_operation(object: usize, kind: &'static str, name: &'static str, ready: &dyn Fn() -> bool) {
        let _ = ready;
        Self::operation(object, kind, name);
    }

    /// [`Observe::blocking_operation`] for an operation that only reads its object (an `Event`'s
    /// `wait`): it takes nothing, so two of them commute, and a simulator counts its steps as
    /// reading the object. Whether it must wait is decided in the operation's own step, by the
    /// first call of `ready()`, which may note what it saw (an `Event` notes how many `set`s
    /// there were); from then on `ready()` must stay true once it has been true, until the
    /// operation runs (an `Event` waiter that a `set` lets go returns even if `clear` runs
    /// first). The steps that make it true announce [`Observe::releases`]; those that make it
    /// false again announce [`Observe::withdraws`]. The real backend does nothing.
    #[inline(always)]
    fn blocking_read_operation(object: usize, kind: &'static str, name: &'static str, ready: &dyn Fn() -> bool) {
        Self::blocking_operation(object, kind, name, ready);
    }

    /// [`Observe::operation`] on the object whose key is `cell` (at the cell's address): the
    /// public operations of the primitives start with it, so that the cell is checked first
    /// ([`Atomic::check_use`]: is the object the calling thread's to use?). A scheduler that
    /// checks only under some condition (the façade's: while an exploration runs) overrides it
    /// to test that condition once for both.
    #[inline(always)]
    fn operation_on<T: Copy, A: Atomic<T>>(cell: &A, kind: &'static str, name: &'static str) {
        cell.check_use(kind);
        Self::operation(cell as *const A as usize, kind, name);
    }

    /// [`Observe::operation_on`] for a release (a guard's unlock, a `release`), then the release
    /// itself, `release(data)`, whose result it returns. The release runs even if the
    /// announcement unwinds: a simulator that abandons the thread at that step, at an
    /// execution's end, unwinds it from there, and a lock that its guard was letting go must not
    /// stay held (another abandoned thread's destructor would wait for it for ever). `release`
    /// takes what it needs through `data` rather than capturing anything (a zero-sized closure),
    /// so that the usual path keeps nothing aside for the unwinding one. A scheduler that overrides `operation_on` overrides
    /// this too, with the same test ([`release_on_unwind`] keeps the release).
    #[inline(always)]
    fn release_operation_on<T: Copy, A: Atomic<T>, D: ?Sized, R>(
        cell: &A,
        kind: &'static str,
        name: &'static str,
        data: &D,
        release: impl Fn(&D) -> R + Copy,
    ) -> R {
        release_on_unwind(
            || {
                cell.check_use(kind);
                Self::release_operation(cell as *const A as usize, kind, name);
            },
            data,
            release,
        );
        release(data)
    }

    /// [`Observe::read_operation`] on the object whose key is `cell` (see
    /// [`Observe::operation_on`]).
    #[inline(always)]
    fn read_operation_on<T: Copy, A: Atomic<T>>(cell: &A, kind: &'static str, name: &'static str) {
        cell.check_use(kind);
        Self::read_operation(cell as *const A as usize, kind, name);
    }

    /// [`Observe::blocking_operation`] on the object whose key is `cell` (see
    /// [`Observe::operation_on`]).
    #[inline(always)]
    fn blocking_operation_on<T: Copy, A: Atomic<T>>(
        cell: &A,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
    ) {
        cell.check_use(kind);
        Self::blocking_operation(cell as *const A as usize, kind, name, ready);
    }

    /// [`Observe::blocking_read_operation`] on the object whose key is `cell` (see
    /// [`Observe::operation_on`]).
    #[inline(always)]
    fn blocking_read_operation_on<T: Copy, A: Atomic<T>>(
        cell: &A,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
    ) {
        cell.check_use(kind);
        Self::blocking_read_operation(cell as *const A as usize, kind, name, ready);
    }

    /// The calling thread is about to wait on `key` until `ready()` holds, inside an operation
    /// already announced (the hand-shake of `Thread::start`). Like
    /// [`Observe::blocking_operation`] without a new trace event: a simulator may keep the
    /// thread off the run queue until `ready()` holds. The real backend does nothing.
    #[inline(always)]
    fn wait_ready(key: usize, ready: &dyn Fn() -> bool) {
        let _ = (key, ready);
    }

    /// [`Observe::blocking_operation`] that gives up once `timeout` has passed (on this
    /// scheduler's clock, from the operation's scheduling point): a timed acquire. A simulator
    /// may wait itself, keeping the thread off the run queue until `ready()` holds or the time is
    /// up: then it answers `Some(true)` when the operation may proceed (without blocking: as
    /// after [`Observe::blocking_operation`]), `Some(false)` when the time ran out first, and the
    /// caller must not wait again. `None` (the real backend, or a simulator that explores the
    /// primitive's own waiting) leaves the waiting, and the deadline, to the caller.
    #[inline(always)]
    fn blocking_operation_for(
        object: usize,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
        timeout: std::time::Duration,
    ) -> Option<bool> {
        let _ = (ready, timeout);
        Self::operation(object, kind, name);
        None
    }

    /// [`Observe::blocking_operation_for`] on the object whose key is `cell` (see
    /// [`Observe::operation_on`]).
    #[inline(always)]
    fn blocking_operation_on_for<T: Copy, A: Atomic<T>>(
        cell: &A,
        kind: &'static str,
        name: &'static str,
        ready: &dyn Fn() -> bool,
        timeout: std::time::Duration,
    ) -> Option<bool> {
        cell.check_use(kind);
        Self::blocking_operation_for(cell as *const A as usize, kind, name, ready, timeout)
    }

    /// The blocking read of `object` whose operation the calling thread has just announced (by
    /// [`Observe::read_operation`], at its scheduling point) waits until `ready()` holds or
    /// `deadline` (on this scheduler's clock; `None`: never) passes: a timed
    /// [`Observe::blocking_read_operation`] (an `Event`'s `wait` with a timeout). `ready` follows
    /// the rules given there. A simulator may wait itself, keeping the thread off the run queue:
    /// then it answers `Some(true)` once `ready()` holds, or `Some(false)` if the deadline came
    /// first, and the caller must not wait again. `None` (the real backend, or a simulator that
    /// explores the primitive's own waiting) leaves the waiting to the caller.
    #[inline(always)]
    fn wait_read_until(object: usize, ready: &dyn Fn() -> bool, deadline: Option<std::time::Instant>) -> Option<bool> {
        let _ = (object, ready, deadline);
        None
    }

    /// The calling thread's next park, if another thread wakes it, reads nothing shared on
    /// resuming but what the waker handed it: its resumption depends on the waking step alone,
    /// not on what later steps do to the queue it left (a `Condvar` wait, which then takes its
    /// mutex back by a blocking operation of its own). A simulator orders the resumption after
    /// the waking step only; a park that times out still leaves its queue itself. An
    /// [`Scheduler::unpark_requeue`](crate::Scheduler::unpark_requeue) that would move the
    /// thread onto another queue may wake it instead (the simulator does): the caller must take
    /// back by a blocking operation of its own whatever the target queue stands for, and treat
    /// a wake-up there like one here. The real backend does nothing.
    #[inline(always)]
    fn next_park_reads_only_its_wake() {}

    /// Another thread reads what a thread waits on ([`crate::ThreadStatus::blocked_on`]), whose
    /// record is `record`: what a park stored there (0: none). A simulator that keeps a thread
    /// off its run queue until its blocking operation can proceed answers that operation's key
    /// while it cannot, and makes the read depend on what decides it (the thread's start and end
    /// of the wait, and what the operation's readiness test reads). The real backend loads it.
    #[inline(always)]
    fn read_blocked_on<A: Atomic<usize>>(record: &A) -> usize {
        record.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The operation the calling thread last started on `object` ended with `result` (for
    /// example `"timed out"`): a simulator adds it to the trace; the real backend does nothing.
    #[inline(always)]
    fn outcome(object: usize, result: &'static str) {
        let _ = (object, result);
    }

    /// The calling thread is about to touch shared state at `address` that no primitive
    /// operation announces (the thread registry, the hooks): a simulator adds it to the step's
    /// footprint (for partial-order reduction); the real backend does nothing.
    #[inline(always)]
    fn touch(address: usize) {
        let _ = address;
    }

    /// The calling thread has just taken `object`, a lock (any way: a blocking acquire, a try, a
    /// timed acquire, a `Condition`'s re-acquire). A simulator keeps track of what each thread
    /// holds (for deadlock reports and partial-order reduction) until [`Observe::releases`].
    /// The real backend does nothing.
    #[inline(always)]
    fn acquires(object: usize) {
        let _ = object;
    }

    /// The calling thread has just released `object` for the blocking operations waiting on it
    /// (a lock's last release, a thread's end): their readiness tests may hold now. A simulator
    /// learns that this step and those operations were never both able to proceed, so their
    /// order needs no exploring. So announce it only where the step makes the object available:
    /// one that finds it available already (a second `unpark` over an untaken token) is no
    /// release, and announcing it would hide the order in which a waiter goes first. The real
    /// backend does nothing.
    #[inline(always)]
    fn releases(object: usize) {
        let _ = object;
    }

    /// The operation on `object` that the calling thread began with its last scheduling point
    /// (see [`Observe::operation`]) has just succeeded as an update that added `increment` to
    /// the object, which can take `room` more before such an update fails (a semaphore's
    /// release: its count went up by `increment`, and a release of more than `room` would
    /// fail); or, with `increment` 0 and `room` `usize::MAX`, as an update that cannot fail and
    /// that any order of such updates leaves done once (an `Event`'s `set`: the first sets the
    /// flag, the others find it set). Two successful updates of one object, in either order,
    /// leave the object (and the threads they wake) as the other order does, and each succeeds
    /// in both orders if the room allows both. A simulator that can bound what all the updates of an execution add
    /// may then leave their orders unexplored; an update still does not commute with a read or
    /// another write of the object. Announce it only after the update succeeded, from the
    /// operation itself (no scheduling point in between); an operation that failed read the
    /// object, and its order with the updates matters. The real backend does nothing.
    #[inline(always)]
    fn commutes(object: usize, increment: usize, room: usize) {
        let _ = (object, increment, room);
    }

    /// The calling thread has just made `object` unavailable again to the blocking reads that
    /// wait for it (see [`Observe::blocking_read_operation`]: an `Event`'s `clear` of a set
    /// flag), without taking it as a lock is taken. A simulator makes a read that this step
    /// leaves blocked race with it. Announce it only where the step makes the object
    /// unavailable; or, for an object no blocking read waits on, where it took part of the
    /// object without holding it (a semaphore's unit): a blocking acquire that the step leaves
    /// waiting races with it. The real backend does nothing.
    #[inline(always)]
    fn withdraws(object: usize) {
        let _ = object;
    }

    /// Like [`Observe::touch`] for shared state the calling thread only reads: reads of the
    /// same address by different threads commute, so a simulator need not order them.
    #[inline(always)]
    fn observe(address: usize) {
        let _ = address;
    }

    /// The readiness test of a blocking operation under way reads `address`: shared state
    /// besides the operation's object that decides whether the operation may go (a channel's
    /// count of senders, which lets a receive go once the last sender is gone). A scheduler whose
    /// atomics it does not see ([`Observe::SEES_ATOMICS`] false) is told this way; a simulator
    /// counts it among what the test reads, so that the step that changed it is known to have
    /// let the operation go, never to have run while the operation could. Call it from the test
    /// only, before the read. The real backend does nothing.
    #[inline(always)]
    fn readiness_read(address: usize) {
        let _ = address;
    }

    /// The calling thread's step under way writes what the readiness tests of blocking
    /// operations on `object` read (see [`Observe::readiness_read`]), but lets none of them go:
    /// an operation that reads this write and goes later could not have gone before this step
    /// either. A channel's sender clone or drop that leaves a sender, or items to take: a receive
    /// that finds every sender gone needs the last one gone and the channel empty. A simulator
    /// then never explores such an operation in this step's place (it would only wait there).
    /// Announce it only where it holds. The real backend does nothing.
    #[inline(always)]
    fn lets_none_go(object: usize) {
        let _ = object;
    }

    /// The calling thread enters (`true`) or leaves (`false`) a critical section of one of the
    /// primitives' internal mutexes, whose footprint it declared with [`Observe::touch`] or
    /// [`Observe::observe`]. A simulator runs the section as one indivisible action: no
    /// scheduling point inside, and the mutex's own atomics are not part of the footprint. Such
    /// a section must not call [`Observe::operation`] or park. The real backend does nothing.
    #[inline(always)]
    fn internal_section(enter: bool) {
        let _ = enter;
    }

    /// A panic escaped a thread's target and no custom excepthook is installed: the default
    /// hook is about to print it (Python's behaviour). Returns whether it should print it. The
    /// real backend does nothing more (it prints); a simulator fails the execution, since the
    /// model did not opt into Python's behaviour, and shows the panic once, in its report,
    /// rather than on each of the executions that replay it.
    #[inline(always)]
    fn unhandled_panic(thread: &str, message: &str) -> bool {
        let _ = (thread, message);
        true
    }

    /// The calling thread enters (`true`) or leaves (`false`) the part of a primitive's
    /// operation that runs other primitives' operations (a `Condition.wait` releasing and
    /// re-acquiring its lock): a simulator shows those inner operations only in fine-grained
    /// traces, and records the outer operation's event when the outermost part is left. Calls
    /// pair up on every path. The real backend does nothing.
    #[inline(always)]
    fn nested_operations(enter: bool) {
        let _ = enter;
    }

    /// The calling thread reads (`write` false) or writes the data of the [`crate::UnsafeCell`]
    /// at `cell`, from `at`: a simulator checks it against the cell's earlier accesses for a
    /// data race (two accesses, one a write, that no synchronisation orders). The real backend
    /// does nothing.
    #[inline(always)]
    fn cell_access(cell: usize, write: bool, at: &'static std::panic::Location<'static>) {
        let _ = (cell, write, at);
    }

    /// The [`crate::UnsafeCell`] at `cell` is dropped (another may take its address). The real
    /// backend does nothing.
    #[inline(always)]
    fn cell_dropped(cell: usize) {
        let _ = cell;
    }

    /// Whether the calling thread is unwinding from a panic ([`std::thread::panicking`]), for
    /// guards that poison. A simulator that runs its threads on one OS thread answers for the
    /// simulated thread: while another one is suspended in the middle of unwinding (at a
    /// scheduling point in a destructor), `std::thread::panicking` is true on every thread it
    /// runs.
    #[inline(always)]
    fn panicking() -> bool {
        std::thread::panicking()
    }

    /// A wait on `object` (a std-shaped `Condvar`) begins: whether it may end without a notify.
    /// A simulator that explores spurious wake-ups answers with a choice; the default, and the
    /// real backend, never (weft's own waits never wake spuriously).
    #[inline(always)]
    fn spurious_wakeup(object: usize) -> bool {
        let _ = object;
        false
    }

    /// Gives the object at `object` (the address a primitive announces its operations with)
    /// the name `label` in a simulator's traces and deadlock reports, for the rest of the
    /// execution or until the object is dropped. The real backend does nothing.
    #[inline(always)]
    fn label_object(object: usize, label: &str) {
        let _ = (object, label);
    }

    /// Whether [`Observe::label_object`] keeps labels now (a simulator: while it records a
    /// trace), so that a caller that has to build a label (format a name) can skip it. The real
    /// backend never keeps them.
    #[inline(always)]
    fn keeps_labels() -> bool {
        false
    }
}

/// Runs `announce`; if it unwinds, runs `release(data)` on the way out (see
/// [`Observe::release_operation_on`]). Nothing is kept aside on the usual path.
#[inline(always)]
pub fn release_on_unwind<D: ?Sized, R>(announce: impl FnOnce(), data: &D, release: impl Fn(&D) -> R) {
    /// Runs the release if dropped: only while `announce` unwinds (forgotten once it returns).
    struct OnUnwind<'a, D: ?Sized, F: Fn(&D) -> R, R>(&'a D, F, std::marker::PhantomData<fn() -> R>);
    impl<D: ?Sized, F: Fn(&D) -> R, R> Drop for OnUnwind<'_, D, F, R> {
        fn drop(&mut self) {
            (self.1)(self.0);
        }
    }
    let on_unwind = OnUnwind(data, release, std::marker::PhantomData);
    announce();
    std::mem::forget(on_unwind);
}

/// Reports whether an operation on `object` succeeded (`yes`) or not (`no`) through
/// [`Observe::outcome`], and returns `ok`.
#[inline(always)]
pub(crate) fn report<S: Observe>(object: usize, ok: bool, yes: &'static str, no: &'static str) -> bool {
    S::outcome(object, if ok { yes } else { no });
    ok
}
