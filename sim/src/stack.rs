//! Coroutine stacks: their sizes, the pool that reuses them, and the detection of an overflow.
//!
//! A simulated thread gets the stack size a std thread would (2 MiB, or `RUST_MIN_STACK`), or
//! the size it asked for. Stacks are reused from one execution to the next, by size. A stack is
//! reused only once nothing can point into it: its thread returned (it finished, or it was
//! unwound at the end of its execution, see `run_execution`); a stack whose thread could not be
//! unwound is retired (leaked), never reused or unmapped.
//!
//! An overflow runs into the stack's guard page: the SIGSEGV/SIGBUS handler installed here
//! recognises a fault in the guard page of the running simulated thread's stack, prints which
//! thread overflowed (and the replay token of the schedule so far) and ends the process with a
//! failing status. It does not resume the simulation: the overflowing code may have been in the
//! middle of changing memory outside its stack (the allocator's, a lock's), which could not be
//! trusted afterwards (corosensei's trap support requires that the coroutine wrote nothing
//! outside its stack). Faults that are not an overflow of a simulated thread go to the handler
//! that was installed before.

use std::cell::Cell;
use std::sync::{Mutex, OnceLock, PoisonError};

use corosensei::stack::{DefaultStack, Stack};

use crate::schedule::Choice;
use weft_core::ThreadName;

/// std's default stack size of a spawned thread.
const STD_DEFAULT_STACK: usize = 2 << 20;

/// At most this many stacks are kept for reuse, and at most [`POOL_BYTES`] of them.
const POOL_STACKS: usize = 128;
const POOL_BYTES: usize = 512 << 20;

/// The stack size of a simulated thread that asks for none: std's, `RUST_MIN_STACK` if set
/// (read once, as std reads it).
pub(crate) fn default_stack_size() -> usize {
    static SIZE: OnceLock<usize> = OnceLock::new();
    *SIZE.get_or_init(|| {
        std::env::var_os("RUST_MIN_STACK")
            .and_then(|s| s.to_str().and_then(|s| s.trim().parse().ok()))
            .unwrap_or(STD_DEFAULT_STACK)
            // No smaller than `weft::stack_size` accepts (std, likewise, rounds up to the
            // platform's minimum).
            .max(32 << 10)
    })
}

/// Stacks ready for reuse, each with the size it was made for.
#[derive(Default)]
pub(crate) struct StackPool {
    stacks: Vec<(usize, DefaultStack)>,
    bytes: usize,
}

/// Stacks kept between explorations: an exploration's pool goes here as it ends (within
/// [`SPARE_STACKS`]), so that a program that runs many small explorations (a test suite, a
/// benchmark) does not map and unmap every stack each time.
static SPARE: Mutex<Vec<(usize, DefaultStack)>> = Mutex::new(Vec::new());

/// At most this many stacks are kept between explorations.
const SPARE_STACKS: usize = 16;

impl StackPool {
    /// A stack of `size` bytes: a kept one of that size (this pool's, else one kept between
    /// explorations), else a new one.
    ///
    /// # Errors
    /// The operating system's, when a new stack cannot be mapped.
    pub(crate) fn take(&mut self, size: usize) -> std::io::Result<DefaultStack> {
        // The last one matches, unless threads of several sizes ran.
        if let Some(at) = self.stacks.iter().rposition(|(s, _)| *s == size) {
            let (_, stack) = self.stacks.swap_remove(at);
            self.bytes -= size;
            return Ok(stack);
        }
        let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(at) = spare.iter().rposition(|(s, _)| *s == size) {
            return Ok(spare.swap_remove(at).1);
        }
        drop(spare);
        DefaultStack::new(size)
    }

    /// Keeps `stack`, made for `size` bytes, for reuse (or unmaps it if the pool is full).
    /// Nothing may point into it any more.
    pub(crate) fn give(&mut self, size: usize, stack: DefaultStack) {
        if self.stacks.len() < POOL_STACKS && self.bytes + size <= POOL_BYTES {
            self.bytes += size;
            self.stacks.push((size, stack));
        }
    }

    /// Moves every stack of `other` into this pool (within its bounds).
    pub(crate) fn append(&mut self, other: &mut StackPool) {
        for (size, stack) in other.stacks.drain(..) {
            self.give(size, stack);
        }
        other.bytes = 0;
    }
}

impl Drop for StackPool {
    /// The pool's stacks are kept for the next exploration, within [`SPARE_STACKS`]; the others
    /// are unmapped.
    fn drop(&mut self) {
        // (An execution's pools are moved out and back each time: the empty ones left behind
        // take no lock.)
        if self.stacks.is_empty() {
            return;
        }
        let mut spare = SPARE.lock().unwrap_or_else(PoisonError::into_inner);
        while spare.len() < SPARE_STACKS {
            let Some(kept) = self.stacks.pop() else { break };
            spare.push(kept);
        }
    }
}

/// The lowest address of `stack`'s mapping: its guard page starts there.
pub(crate) fn guard_page(stack: &DefaultStack) -> usize {
    stack.limit().get()
}

fn page_size() -> usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    // SAFETY: sysconf has no preconditions.
    *PAGE.get_or_init(|| usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096))
}

/// What the signal handler needs to know of the running simulated thread: its stack's guard
/// page and its name, and the schedule so far.
#[derive(Clone, Copy)]
struct Running {
    guard: usize,
    name: OverflowName,
    choices: *const Vec<Choice>,
}

impl Running {
    const NONE: Running = Running { guard: 0, name: OverflowName::NONE, choices: std::ptr::null() };
}

/// A simulated thread's name as the overflow handler writes it, without allocating: a text and
/// the number that follows it (`usize::MAX`: none). Made once per thread (see
/// [`OverflowName::of`]); the text must stay allocated and unchanged while the thread can run.
#[derive(Clone, Copy)]
pub(crate) struct OverflowName {
    text: *const u8,
    len: usize,
    number: usize,
}

impl OverflowName {
    const NONE: OverflowName = OverflowName { text: std::ptr::null(), len: 0, number: usize::MAX };

    /// The parts of `name`, whose text must outlive every use of the result with
    /// [`set_running`] (a thread's name lives as long as its entry).
    pub(crate) fn of(name: &ThreadName) -> Self {
        let (text, number) = name.parts();
        OverflowName { text: text.as_ptr(), len: text.len(), number: number.unwrap_or(usize::MAX) }
    }
}

thread_local! {
    static RUNNING: Cell<Running> = const { Cell::new(Running::NONE) };
}

/// Tells the overflow handler which simulated thread runs now on this OS thread: the guard page
/// of its stack, its name (whose text must stay allocated and unchanged while the thread can
/// run), and the execution's schedule (`choices`, which must stay where it is while the thread
/// can run). `guard` 0: none.
#[inline]
pub(crate) fn set_running(guard: usize, name: OverflowName, choices: *const Vec<Choice>) {
    RUNNING.with(|r| r.set(Running { guard, name, choices }));
}

/// No simulated thread runs on this OS thread any more.
pub(crate) fn clear_running() {
    RUNNING.with(|r| r.set(Running::NONE));
}

struct Previous {
    segv: libc::sigaction,
    bus: libc::sigaction,
}

// SAFETY: plain data (handler addresses, flags, a signal mask), written once before it is shared.
unsafe impl Sync for Previous {}
// SAFETY: as above.
unsafe impl Send for Previous {}

static PREVIOUS: OnceLock<Previous> = OnceLock::new();

/// Installs the overflow handler (once per process), and makes sure the calling OS thread has an
/// alternate signal stack for it to run on (a handler cannot run on the overflowed stack).
pub(crate) fn install_overflow_handler() {
    PREVIOUS.get_or_init(|| {
        // Known before the handler may need it (it must not initialise anything).
        page_size();
        // SAFETY: `sigaction` with a zeroed (then filled in) action and valid out-pointers; the
        // handler is an `extern "C"` function that is async-signal-safe (see `on_fault`).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fault as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            let mut segv: libc::sigaction = std::mem::zeroed();
            let mut bus: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGSEGV, &action, &mut segv);
            libc::sigaction(libc::SIGBUS, &action, &mut bus);
            Previous { segv, bus }
        }
    });
    ensure_alt_stack();
}

/// Gives the calling OS thread an alternate signal stack if it has none (std gives one to the
/// threads it starts; another runtime's threads may have none). Kept for the thread's life.
fn ensure_alt_stack() {
    thread_local! {
        static CHECKED: Cell<bool> = const { Cell::new(false) };
    }
    if CHECKED.with(|c| c.replace(true)) {
        return;
    }
    // SAFETY: `sigaltstack` with a null new stack only reads the current one into `old`.
    let mut old: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::sigaltstack(std::ptr::null(), &mut old) } != 0 || old.ss_flags & libc::SS_DISABLE == 0 {
        return;
    }
    let size = (64 << 10).max(libc::SIGSTKSZ);
    // SAFETY: an anonymous private mapping; the result is checked.
    let memory = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if memory == libc::MAP_FAILED {
        return;
    }
    let stack = libc::stack_t { ss_sp: memory, ss_flags: 0, ss_size: size };
    // SAFETY: the mapping is valid, writable and never unmapped (leaked with the thread).
    unsafe { libc::sigaltstack(&stack, std::ptr::null_mut()) };
}

/// Writes `bytes` to stderr (async-signal-safe).
fn write_stderr(bytes: &[u8]) {
    let mut rest = bytes;
    while !rest.is_empty() {
        // SAFETY: writes from a valid buffer of `rest.len()` bytes.
        let written = unsafe { libc::write(2, rest.as_ptr().cast(), rest.len()) };
        if written <= 0 {
            return;
        }
        rest = &rest[written as usize..];
    }
}

/// The SIGSEGV/SIGBUS handler. Async-signal-safe: it reads a thread-local cell, writes to stderr
/// and calls `_exit`, or hands the fault over to the previous handler.
extern "C" fn on_fault(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    let running = RUNNING.try_with(Cell::get).ok();
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler; for SIGSEGV/SIGBUS
    // `si_addr` is the faulting address.
    let address = unsafe { (*info).si_addr() } as usize;
    if let Some(running) = running.filter(|r| r.guard != 0) {
        if address >= running.guard && address < running.guard + page_size() {
            report_overflow(running);
        }
    }
    // Not ours: the previous handler's.
    let Some(previous) = PREVIOUS.get() else { return };
    let previous = if signal == libc::SIGBUS { &previous.bus } else { &previous.segv };
    let handler = previous.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // Restore the default action and return: the fault happens again and kills the process
        // as it would have without this handler.
        // SAFETY: resets the signal's disposition to the default.
        unsafe { libc::signal(signal, libc::SIG_DFL) };
    } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: the previous handler was installed with SA_SIGINFO: this is its signature.
        let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
            unsafe { std::mem::transmute(handler) };
        handler(signal, info, context);
    } else {
        // SAFETY: the previous handler was installed without SA_SIGINFO: this is its signature.
        let handler: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
        handler(signal);
    }
}

/// The status a process ends with after a simulated thread's stack overflow.
pub(crate) const OVERFLOW_EXIT_STATUS: i32 = 101;

/// Writes `number` in decimal to stderr, without allocating (for the signal handler).
fn write_decimal(mut number: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    write_stderr(&digits[at..]);
}

fn report_overflow(running: Running) -> ! {
    write_stderr(b"\nweft: stack overflow in simulated thread '");
    if !running.name.text.is_null() {
        // SAFETY: `set_running` stored the name of the running thread, which stays allocated
        // and unchanged while it can run.
        write_stderr(unsafe { std::slice::from_raw_parts(running.name.text, running.name.len) });
        if running.name.number != usize::MAX {
            write_decimal(running.name.number);
        }
    }
    write_stderr(
        b"'\nweft: the simulated thread ran past the end of its stack (set a larger size with \
                   weft::stack_size, or Explorer::stack_size for the model's main thread)\n",
    );
    if !running.choices.is_null() {
        write_stderr(b"weft: replay this execution with WEFT_REPLAY=");
        // SAFETY: the execution's schedule, which stays where it is while its threads run. The
        // overflow may have interrupted a change of it (a push): its length and buffer are read
        // as they are; the process ends at once after.
        let choices = unsafe { &*running.choices };
        // The fingerprint is not known during an exploration: 0, which a replay does not check.
        crate::schedule::write_token(choices, 0, &mut |bytes| write_stderr(bytes));
        write_stderr(b"\n");
    }
    write_stderr(b"weft: the process cannot go on after a stack overflow; exiting\n");
    // SAFETY: `_exit` ends the process at once, async-signal-safe.
    unsafe { libc::_exit(OVERFLOW_EXIT_STATUS) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_serves_stacks_by_size_and_is_bounded() {
        let mut pool = StackPool::default();
        let small = pool.take(64 << 10).unwrap();
        let small_base = small.base().get();
        pool.give(64 << 10, small);
        // A default-size request does not get the small stack.
        let large = pool.take(2 << 20).unwrap();
        assert_ne!(large.base().get(), small_base);
        // A request of the small size does.
        assert_eq!(pool.take(64 << 10).unwrap().base().get(), small_base);
        drop(large);
        // At most POOL_STACKS stacks are kept, and at most POOL_BYTES of them.
        for _ in 0..POOL_STACKS + 10 {
            let stack = DefaultStack::new(64 << 10).unwrap();
            pool.give(64 << 10, stack);
        }
        assert_eq!(pool.stacks.len(), POOL_STACKS);
        let mut big = StackPool::default();
        for _ in 0..POOL_BYTES / (64 << 20) + 2 {
            let stack = DefaultStack::new(64 << 20).unwrap();
            big.give(64 << 20, stack);
        }
        assert!(big.bytes <= POOL_BYTES && big.stacks.len() == POOL_BYTES / (64 << 20));
    }
}
