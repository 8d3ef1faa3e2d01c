//! What a step read and wrote ([`Footprint`]) and which locks its thread held ([`StepInfo`]),
//! for partial-order reduction.

/// A set of shared objects, one bit each (object `n` is bit `1 + n % (BITS - 1)`; bit 0: the
/// clock). Objects beyond the first `BITS - 1` share bits with earlier ones, which makes steps
/// on them look dependent (more executions, never fewer): 128 bits cover models of about 120
/// objects (locks, atomics, threads' records) exactly.
pub(crate) type Bits = u128;

/// How many objects a [`Bits`] tells apart (with the clock).
pub(crate) const BITS: usize = Bits::BITS as usize;

/// What a step touched: bit sets of the shared objects it read, wrote, and updated (see
/// [`Footprint::updates`]), numbered by first touch in the execution (bit 0: the clock), and the
/// highest numbers it touched and wrote (an update counts as a write there).
///
/// Numbers are stable only for the objects numbered before a decision: executions that share
/// the choices up to it number the same objects the same way there, but an object first touched
/// after it may have another number in a sibling execution (each branch numbers its own first
/// touches from the same count on). A footprint recorded in one execution and compared in
/// another (a sleep-set entry) is compared with [`Footprint::may_conflict`]. The object of each
/// thread's next operation is numbered when the operation is announced, in the step before, so
/// a sleeping thread's next step has its main object below the count of its decision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Footprint {
    pub reads: Bits,
    pub writes: Bits,
    /// Objects the step changed by an update that commutes with every other update of the
    /// object (a semaphore's successful release: see `Observe::commutes`): two updates of one
    /// object are independent, an update and a read or write of it are not. A bit set here is
    /// set in neither `reads` nor `writes` (see [`Footprint::settled`]).
    pub updates: Bits,
    /// One more than the highest object number touched (0: none).
    pub touched_below: u32,
    /// One more than the highest object number written (0: none).
    pub written_below: u32,
}

impl Footprint {
    /// Dependent on every other step (time moved, a spin, or nothing is known).
    pub(crate) const ALL: Footprint =
        Footprint { reads: Bits::MAX, writes: Bits::MAX, updates: 0, touched_below: u32::MAX, written_below: u32::MAX };

    /// The bit of the virtual clock.
    pub(crate) const CLOCK: Bits = 1;

    /// The bit of object `number`.
    #[inline]
    pub(crate) fn bit_of(number: u32) -> Bits {
        // (Most models number fewer objects than the bits: no division for them.)
        let number = number as usize;
        let index = if number < BITS - 1 { number } else { number % (BITS - 1) };
        1 << (1 + index)
    }

    /// Adds object `number` (read, or written if `write`).
    #[inline]
    pub(crate) fn add_object(&mut self, number: u32, write: bool) {
        let bit = Self::bit_of(number);
        let below = number.saturating_add(1);
        self.touched_below = self.touched_below.max(below);
        if write {
            self.writes |= bit;
            self.written_below = self.written_below.max(below);
        } else {
            self.reads |= bit;
        }
    }

    /// Turns the accesses to object `number` so far into an update (see [`Footprint::updates`]),
    /// if its bit stands for it alone: the footprint touched no object numbered beyond the bits.
    /// False if it did (the accesses stay reads and writes).
    #[inline]
    pub(crate) fn make_update(&mut self, number: u32) -> bool {
        if self.touched_below as usize >= BITS {
            return false;
        }
        let bit = Self::bit_of(number);
        if (self.reads | self.writes) & bit == 0 {
            return false;
        }
        self.reads &= !bit;
        self.writes &= !bit;
        self.updates |= bit;
        self.written_below = self.written_below.max(number + 1);
        true
    }

    /// The footprint as a step's: an object both updated and read or written in the step is
    /// written (the update no longer commutes with another: the step read or overwrote it).
    #[inline]
    pub(crate) fn settled(mut self) -> Footprint {
        if self.updates == 0 {
            return self;
        }
        let mixed = self.updates & (self.reads | self.writes);
        if mixed != 0 {
            self.updates &= !mixed;
            self.reads &= !mixed;
            self.writes |= mixed;
        }
        self
    }

    /// Whether the two steps of one execution may not commute: one writes what the other
    /// touches, or one updates what the other reads or writes.
    #[inline]
    pub(crate) fn conflicts(self, other: Footprint) -> bool {
        self.writes & (other.reads | other.writes | other.updates) != 0
            || (self.reads | self.updates) & other.writes != 0
            || self.reads & other.updates != 0
            || self.updates & other.reads != 0
    }

    /// [`Footprint::conflicts`], leaving the clock (bit 0) out.
    #[inline]
    pub(crate) fn conflicts_besides_clock(self, other: Footprint) -> bool {
        self.without_clock().conflicts(other.without_clock())
    }

    /// This footprint without the clock (bit 0).
    #[inline]
    fn without_clock(self) -> Footprint {
        Footprint {
            reads: self.reads & !Self::CLOCK,
            writes: self.writes & !Self::CLOCK,
            updates: self.updates & !Self::CLOCK,
            ..self
        }
    }

    /// Whether this footprint, of a step that another execution took where `known` objects were
    /// numbered, may not commute with `other`, a step of this execution after that point. Objects
    /// numbered below `known` have the same number in both (the bits compare them); objects
    /// numbered from it are new in both, but their numbers say nothing: a new object one step
    /// writes may be any new object the other touches.
    #[inline]
    pub(crate) fn may_conflict(self, known: u32, other: Footprint) -> bool {
        self.conflicts(other)
            || self.written_below > known && other.touched_below > known
            || self.touched_below > known && other.written_below > known
    }

    /// [`Footprint::may_conflict`], leaving the clock (bit 0) out.
    #[inline]
    pub(crate) fn may_conflict_besides_clock(self, known: u32, other: Footprint) -> bool {
        self.without_clock().may_conflict(known, other.without_clock())
    }
}

/// What a strategy learns about a step besides its footprint: the blocking operation it begins
/// with, and the lock it releases. Objects are numbered by first touch in the execution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StepInfo {
    /// The object of the blocking operation (a lock's acquire, a join) the step begins with.
    pub acquires: Option<u32>,
    /// That operation only reads its object (an `Event`'s `wait`): it takes nothing, so it is
    /// no later acquire's race partner, and other reads of the object commute with it.
    pub reads_only: bool,
    /// The object of a blocking read that begins at the end of the step (whose test the step
    /// reads): that read commutes with the steps that release the object.
    pub begins_read: Option<u32>,
    /// The footprint bits that operation's readiness test reads.
    pub readiness: Bits,
    /// Whether the operation acquires the object (a lock's acquire, a join): it is then
    /// ordered after the release that let it go. A mere wait (`Thread.start`'s hand-shake) is
    /// not: a later release of the object did not decide it.
    pub synchronizes: bool,
    /// The objects the step released for blocking operations (see `Observe::releases`); a
    /// step that releases more is not told about the rest (which is safe: it only makes the
    /// search explore more).
    pub releases: [Option<u32>; 3],
    /// Locks the thread held when the step began (up to 3; the same remark applies).
    pub held: [Option<u32>; 3],
    /// The object the step took (`Observe::acquires`), by a blocking acquire or not (a
    /// `try_acquire`, a timed acquire), or made unavailable to blocking reads
    /// (`Observe::withdraws`): a later blocking acquire or read of it races with this step.
    pub takes: Option<u32>,
    /// The step moved the virtual clock (it fires the first timeout due at the new time): no
    /// thread could run before it, so everything before it happens before it, and it races with
    /// none of it; what comes after depends on it through the clock (footprint bit 0, which it
    /// writes) and through what it touched. See `Execution::pick_next_general`.
    pub moves_clock: bool,
    /// The step ended because its thread found a wait not ready (a wait that is no operation
    /// of its own, such as a join's or an `Event`'s, which takes no step when ready): with the
    /// thread's next step it makes the one step the thread takes when the wait need not wait.
    /// Trace counting (see `Exhaustive::count_traces`) names the two as that one.
    pub ends_waiting: bool,
    /// The threads the step woke from a park (thread `n` is bit `n`; threads from 64 on are
    /// never marked, so that no mark is a guess).
    pub woke: u64,
}

impl StepInfo {
    /// Records that the step's thread held `object` when it began.
    pub(crate) fn add_held(&mut self, object: u32) {
        if let Some(slot) = self.held.iter_mut().find(|r| r.is_none_or(|r| r == object)) {
            *slot = Some(object);
        }
    }

    /// Marks thread `thread` woken by the step (see [`StepInfo::woke`]).
    pub(crate) fn add_woken(&mut self, thread: usize) {
        if thread < 64 {
            self.woke |= 1 << thread;
        }
    }

    /// Whether the step woke thread `thread` from a park.
    pub(crate) fn woke(&self, thread: usize) -> bool {
        thread < 64 && self.woke & (1 << thread) != 0
    }

    /// Records that the step released `object`.
    pub(crate) fn add_release(&mut self, object: u32) {
        if let Some(slot) = self.releases.iter_mut().find(|r| r.is_none_or(|r| r == object)) {
            *slot = Some(object);
        }
    }
}
