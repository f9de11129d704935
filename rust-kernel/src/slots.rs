//! Admission: how many threads may run the kernel at once, process-wide.
//!
//! There are as many slots as the thread setting (`mm_set_num_threads`, by default the
//! core count). A parallel call takes a slot for each thread it runs on, its caller's
//! included, and gives them back when it returns. Two kinds of callers take them:
//!
//! * A call with a thread budget (`mm_dgemm_budgeted`: a Spark task's `spark.task.cpus`)
//!   waits for at least one free slot and takes at most its budget. So however many
//!   budgeted callers there are, no more threads than slots run the kernel for them, and
//!   a budget never adds a thread: it only caps what one call may take.
//! * A call without a budget never waits (the old rule: a caller that finds the pool
//!   busy computes alone). It takes what is free, up to its plan; finding none free, it
//!   computes on its own thread, outside the count.
//!
//! Products below `MM_PARALLEL_MIN_MNK` take no slot at all: they last microseconds, and
//! their callers (a JVM critical downcall, which holds off the garbage collector) must
//! never wait behind another call that may last seconds.
//!
//! Slots are a counter with a compare-and-swap fast path; only a budgeted caller that
//! finds none free touches the lock, and a release wakes it only if someone waits.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use crate::threads;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
/// Budgeted callers waiting for a slot (changed with `WAIT_LOCK` held).
static WAITING: AtomicUsize = AtomicUsize::new(0);
static WAIT_LOCK: Mutex<()> = Mutex::new(());
static FREED: Condvar = Condvar::new();

/// Threads that calls above `MM_PARALLEL_MIN_MNK` hold now (a parallel call's threads, a
/// serial call's one, slotted or not), and the most held at once since the last reset:
/// what a test or an operator reads to see that the slots hold. Counted once per call by
/// its caller, not per part: a shared counter touched at every part's start by every
/// thread cost a 2-thread n = 128 product 12% (benchmarks/NOTES.md).
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Slots held by one call; given back on drop.
#[must_use]
pub struct Grant {
    threads: usize,
}

impl Grant {
    pub fn threads(&self) -> usize {
        self.threads
    }
}

impl Drop for Grant {
    fn drop(&mut self) {
        IN_USE.fetch_sub(self.threads, Ordering::SeqCst);
        // SeqCst on both sides: either the waiter's retry (after it registered) sees the
        // slots just freed, or this load sees it registered and wakes it under the lock,
        // which it holds from its retry until it sleeps.
        if WAITING.load(Ordering::SeqCst) > 0 {
            let _held = WAIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
            FREED.notify_all();
        }
    }
}

/// Takes min(want, free) slots (want >= 1), or `None` when none are free.
fn take_free(want: usize) -> Option<Grant> {
    let limit = threads::num_threads();
    let mut in_use = IN_USE.load(Ordering::SeqCst);
    loop {
        let free = limit.saturating_sub(in_use);
        if free == 0 {
            return None;
        }
        let take = want.min(free);
        match IN_USE.compare_exchange_weak(in_use, in_use + take, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return Some(Grant { threads: take }),
            Err(now) => in_use = now,
        }
    }
}

/// For a call without a budget: what is free, up to `want`, without waiting.
pub fn try_acquire(want: usize) -> Option<Grant> {
    take_free(want.max(1))
}

/// For a call with a budget: waits until at least one slot is free, then takes up to
/// `want` (already capped by the budget). Never deadlocks: a slot is held only while its
/// call computes, and a call never waits for anything while it holds one.
pub fn acquire(want: usize) -> Grant {
    if let Some(grant) = take_free(want.max(1)) {
        return grant;
    }
    let mut held = WAIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    WAITING.fetch_add(1, Ordering::SeqCst);
    let grant = loop {
        if let Some(grant) = take_free(want.max(1)) {
            break grant;
        }
        held = FREED.wait(held).unwrap_or_else(|e| e.into_inner());
    };
    WAITING.fetch_sub(1, Ordering::SeqCst);
    drop(held);
    grant
}

/// Slots held now.
pub fn in_use() -> usize {
    IN_USE.load(Ordering::SeqCst)
}

/// Counts `threads` threads as held by the calling call until dropped.
pub struct Running(usize);

pub fn running(threads: usize) -> Running {
    let now = RUNNING.fetch_add(threads, Ordering::SeqCst) + threads;
    PEAK.fetch_max(now, Ordering::SeqCst);
    Running(threads)
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.fetch_sub(self.0, Ordering::SeqCst);
    }
}

/// The most threads that calls held at once since the last reset; with `reset`, the count
/// starts again from the threads held now.
pub fn peak(reset: bool) -> usize {
    if reset {
        PEAK.swap(RUNNING.load(Ordering::SeqCst), Ordering::SeqCst)
    } else {
        PEAK.load(Ordering::SeqCst)
    }
}
