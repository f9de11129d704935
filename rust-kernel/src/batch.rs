//! Batches of same-shape products (`mm_dgemm_batch_strided`): the plan for a whole batch.
//! Products big enough to be cut into pieces run one after another, each as a call of its
//! own (`gemm`); smaller ones are handed out whole, in chunks of consecutive products, to
//! the threads of `pool` as they come free, each computed on one thread by the same
//! serial path a call of that size takes. Either way every product's bits are those of
//! the same product called alone, whatever the thread count.
use crate::dispatch::{self, KernelKind};
use crate::element::Element;
use crate::gemm::{self, Threads, MM_PARALLEL_MIN_MNK};
use crate::microkernel::{Kernels, Microkernel};
use crate::pool;
use crate::problem::Batch;
use crate::status::{mm_status, MM_OK};
use crate::slots;

const PARALLEL_MIN_MNK: usize = MM_PARALLEL_MIN_MNK as usize;

/// Chunks a thread's share is cut into: a thread slowed by other work takes fewer, and
/// the counter is touched once per chunk, not per product.
const CHUNKS_PER_THREAD: usize = 8;

/// Every product of a validated batch with the process's kernel, on up to `threads`
/// threads (`Setting` or `Budget`, with the rules of a single call: see `slots`).
pub fn batch<T: Kernels>(threads: Threads, b: &Batch<T>) -> mm_status {
    batch_on(dispatch::selected(), threads, b)
}

/// As [`batch`] with an explicit kernel and thread rule (tests cover every path and
/// thread count with it).
pub fn batch_on<T: Kernels>(kind: KernelKind, threads: Threads, b: &Batch<T>) -> mm_status {
    if b.count == 0 || b.first.m == 0 || b.first.n == 0 {
        return MM_OK;
    }
    let kind = dispatch::resolve(kind);
    match kind {
        KernelKind::Avx512 => run::<T, T::Avx512>(kind, threads, b),
        KernelKind::Avx2 => run::<T, T::Avx2>(kind, threads, b),
        KernelKind::Neon => run::<T, T::Neon>(kind, threads, b),
        KernelKind::Generic => run::<T, T::Generic>(kind, threads, b),
    }
}

fn run<T: Kernels, K: Microkernel<T>>(kind: KernelKind, threads: Threads, b: &Batch<T>) -> mm_status {
    let f = &b.first;
    let each = f.m.saturating_mul(f.n).saturating_mul(f.k);
    if each >= PARALLEL_MIN_MNK {
        // Each product fills the pool by itself.
        return (0..b.count).map(|i| gemm::gemm_on(kind, threads, &b.item(i))).find(|&s| s != MM_OK).unwrap_or(MM_OK);
    }
    let total = each.saturating_mul(b.count);
    let cap = gemm::thread_cap(threads);
    // Below MM_PARALLEL_MIN_MNK in all, a batch is a small call: the caller alone, no
    // slot, never a wait (a JVM critical downcall relies on it). Above, each thread gets
    // at least a quarter of that.
    let wanted = if total < PARALLEL_MIN_MNK { 1 } else { cap.min(b.count).min(total / (PARALLEL_MIN_MNK / 4)) };
    if wanted <= 1 {
        return serial_range::<T, K>(kind, b, 0, b.count);
    }
    // The same admission as a call of this size (see `slots`).
    let (grant, granted) = gemm::admit(threads, wanted);
    let _running = slots::running(granted);
    if granted == 1 {
        return serial_range::<T, K>(kind, b, 0, b.count);
    }
    let chunk = b.count.div_ceil(granted * CHUNKS_PER_THREAD);
    let done = pool::run_chunks(granted, b.count, chunk, &|start, end| serial_range::<T, K>(kind, b, start, end));
    drop(grant);
    done
}

fn serial_range<T: Element, K: Microkernel<T>>(kind: KernelKind, b: &Batch<T>, start: usize, end: usize) -> mm_status {
    (start..end).map(|i| gemm::serial::<T, K>(kind, &b.item(i))).find(|&s| s != MM_OK).unwrap_or(MM_OK)
}
