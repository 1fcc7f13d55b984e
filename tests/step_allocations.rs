//! Issue 8: "no allocation in the step loop". A run of the cohort book may allocate per account
//! (its id and name) and now and then to grow a store, but not per liquidation, event or ledger
//! entry: those number in the thousands here, so one allocation each would break the bound.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `alloc` and `dealloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn a_run_allocates_per_account_not_per_liquidation() {
    let accounts = 2_000;
    let s = spillway::scenario::bench::cohort_book(accounts, 1_000).expect("the bench book validates");
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    let t = spillway::engine::simulate(&s).expect("runs");
    let during = ALLOCATIONS.load(Ordering::Relaxed) - before;
    let records = t.events.len() + t.ledger.len();
    eprintln!("{during} allocations for {accounts} accounts, {records} events and ledger entries");
    assert!(records > 4 * accounts as usize, "the book liquidates: {records} records");
    // One name per account, plus a budget for growing stores (a few hundred, whatever the run).
    assert!(during < accounts as usize + 1_000, "{during} allocations for {accounts} accounts and {records} records");
}
