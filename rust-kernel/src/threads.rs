//! How many threads a multiply may use.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use crate::{pack, pool};

/// Largest thread count `mm_set_num_threads` accepts.
pub const MM_MAX_THREADS: i32 = 1024;

/// 0 means "the default": the number of available cores.
static REQUESTED_THREADS: AtomicUsize = AtomicUsize::new(0);

/// The core count, queried once: `available_parallelism` reads affinity masks and cgroup
/// files, far too slow for every call of a 2x2 multiply.
pub fn default_threads() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
}

/// Sets the thread count (0: the default) and retires the pool's workers above it, so a
/// passing `set_num_threads(1024)` does not leave 1023 threads for the life of the process.
pub fn set_num_threads(n: usize) {
    REQUESTED_THREADS.store(n, Ordering::Relaxed);
    // A call runs on its caller plus up to num_threads() - 1 workers.
    pool::retire_above(num_threads() - 1);
    pack::release_cached(num_threads());
}

pub fn num_threads() -> usize {
    match REQUESTED_THREADS.load(Ordering::Relaxed) {
        0 => default_threads(),
        n => n,
    }
}

/// Stops and joins every pool worker and frees every cached packing buffer (see
/// `mm_shutdown`).
pub fn shutdown() {
    pool::shutdown();
    pack::release_cached(0);
}
