//! A global allocator that counts allocations, to check that the dispatch, lookup and registry
//! paths allocate nothing, and measures the peak of the bytes allocated, for the memory bounds
//! of the hostile-input benchmark. Both cost one relaxed load per allocation while they are off,
//! and the same for the framework and the baselines.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};

/// The system allocator, counting allocations (not frees) while [`count`] runs, and bytes
/// while [`peak`] runs.
struct Counting;

/// What is measured: nothing, allocations, or bytes.
static MODE: AtomicU8 = AtomicU8::new(OFF);
const OFF: u8 = 0;
const COUNT: u8 = 1;
const BYTES: u8 = 2;
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// The bytes allocated and not freed since [`peak`] began (frees of older blocks make it wrap
/// below zero, read as signed), and the most it reached.
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

#[allow(
    unsafe_code,
    reason = "a GlobalAlloc is an unsafe trait; every call is forwarded to System unchanged"
)]
// SAFETY: every method forwards to `System` with the caller's arguments, so `System`'s
// guarantees hold; the counting touches only atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 0);
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size(), 0);
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size, layout.size());
        // SAFETY: as for `alloc`; `ptr` came from this allocator, which is `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(0, layout.size());
        // SAFETY: as for `realloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Notes `added` bytes allocated and `freed` bytes freed (a fresh allocation frees none).
#[inline]
fn note(added: usize, freed: usize) {
    match MODE.load(Ordering::Relaxed) {
        OFF => {}
        COUNT => {
            if added > 0 {
                ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            }
        }
        _ => {
            let live = LIVE
                .fetch_add(added.wrapping_sub(freed), Ordering::Relaxed)
                .wrapping_add(added.wrapping_sub(freed));
            if (live as isize) > 0 {
                PEAK.fetch_max(live, Ordering::Relaxed);
            }
        }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns how many allocations (and reallocations) it made, with its result.
/// Single-threaded use only: allocations by other threads in the meantime are counted too.
pub fn count<R>(f: impl FnOnce() -> R) -> (u64, R) {
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    MODE.store(COUNT, Ordering::Relaxed);
    let result = f();
    MODE.store(OFF, Ordering::Relaxed);
    (ALLOCATIONS.load(Ordering::Relaxed) - before, result)
}

/// Runs `f` and returns the most bytes it held allocated at once (what it allocated and had not
/// freed yet), with its result. Single-threaded use only, as [`count`].
pub fn peak<R>(f: impl FnOnce() -> R) -> (usize, R) {
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    MODE.store(BYTES, Ordering::Relaxed);
    let result = f();
    MODE.store(OFF, Ordering::Relaxed);
    (PEAK.load(Ordering::Relaxed), result)
}
