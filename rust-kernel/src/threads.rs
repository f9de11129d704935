//! How many threads a multiply may use.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// 0 means "the default": the number of available cores.
static REQUESTED_THREADS: AtomicUsize = AtomicUsize::new(0);

/// The core count, queried once: `available_parallelism` reads affinity masks and cgroup
/// files, far too slow for every call of a 2x2 multiply.
pub fn default_threads() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))
}

pub fn set_num_threads(n: usize) {
    REQUESTED_THREADS.store(n, Ordering::Relaxed);
}

pub fn num_threads() -> usize {
    match REQUESTED_THREADS.load(Ordering::Relaxed) {
        0 => default_threads(),
        n => n,
    }
}
