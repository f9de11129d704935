//! The optimised entry point behind `mm_dgemm` / `mm_sgemm`: quick returns, kernel
//! choice, and the split of C between threads. The loops live in `driver`.
use crate::dispatch::{self, KernelKind};
use crate::driver;
use crate::element::Element;
use crate::microkernel::{Kernels, Microkernel};
use crate::pool;
use crate::problem::{Gemm, MatrixMut, MatrixRef};
use crate::status::{mm_status, MM_ERR_ALLOCATION, MM_OK};
use crate::threads;

/// Below this many multiply-adds (m * n * k) a call runs on the caller's thread alone and
/// never waits on the thread pool (waking a worker costs several microseconds, a sizeable
/// part of such a product): callers that must not block, such as a JVM critical downcall,
/// stay under it.
pub const MM_PARALLEL_MIN_MNK: i64 = 96 * 96 * 96;
const PARALLEL_MIN_MNK: usize = MM_PARALLEL_MIN_MNK as usize;

/// C := alpha * op(A) * op(B) + beta * C with the process's kernel and thread count.
pub fn gemm<T: Kernels>(p: &Gemm<T>) -> mm_status {
    gemm_with_threads(dispatch::selected(), threads::num_threads(), p)
}

/// As [`gemm`] with an explicit kernel (resolved to the best supported one if this CPU
/// lacks it): lets tests cover every path in one process.
pub fn gemm_with<T: Kernels>(kind: KernelKind, p: &Gemm<T>) -> mm_status {
    gemm_with_threads(kind, threads::num_threads(), p)
}

/// As [`gemm_with`] with an explicit thread count (at least 1).
pub fn gemm_with_threads<T: Kernels>(kind: KernelKind, nthreads: usize, p: &Gemm<T>) -> mm_status {
    if p.m == 0 || p.n == 0 {
        return MM_OK;
    }
    if p.skips_product() {
        scale_c(p);
        return MM_OK;
    }
    let p = c_rows_contiguous(p);
    match dispatch::resolve(kind) {
        KernelKind::Avx512 => run::<T, T::Avx512>(&p, nthreads),
        KernelKind::Avx2 => run::<T, T::Avx2>(&p, nthreads),
        KernelKind::Generic => run::<T, T::Generic>(&p, nthreads),
    }
}

/// NUL-terminated name of the microkernel in use.
pub fn kernel_name() -> &'static [u8] {
    dispatch::selected().c_name()
}

/// The microkernels vectorise along C's rows. A column-major C is handled as the
/// row-major product C^T = op(B)^T op(A)^T, which is the same memory.
fn c_rows_contiguous<T: Element>(p: &Gemm<T>) -> Gemm<T> {
    if p.c.col_stride == 1 || p.c.row_stride != 1 {
        return *p;
    }
    let t = |x: MatrixRef<T>| MatrixRef { ptr: x.ptr, row_stride: x.col_stride, col_stride: x.row_stride };
    Gemm {
        m: p.n,
        n: p.m,
        k: p.k,
        alpha: p.alpha,
        a: t(p.b),
        b: t(p.a),
        beta: p.beta,
        c: MatrixMut { ptr: p.c.ptr, row_stride: p.c.col_stride, col_stride: p.c.row_stride },
    }
}

fn status(r: Result<(), crate::pack::AllocError>) -> mm_status {
    match r {
        Ok(()) => MM_OK,
        Err(_) => MM_ERR_ALLOCATION,
    }
}

/// How to cut C into `tm x tn` blocks of whole tiles for `nthreads` threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    pub tm: usize,
    pub tn: usize,
}

/// Picks the grid with the smallest largest block (in tiles), preferring fewer parts.
pub fn split(m: usize, n: usize, k: usize, mr: usize, nr: usize, nthreads: usize) -> Split {
    let one = Split { tm: 1, tn: 1 };
    if nthreads <= 1 || m.saturating_mul(n).saturating_mul(k) < PARALLEL_MIN_MNK {
        return one;
    }
    let (tiles_m, tiles_n) = (m.div_ceil(mr), n.div_ceil(nr));
    let mut best = one;
    let mut best_cost = m * n;
    for tm in 1..=nthreads.min(tiles_m) {
        let tn = (nthreads / tm).min(tiles_n);
        // Work of the largest block, in elements of C (edge tiles count as full ones).
        let cost = tiles_m.div_ceil(tm) * mr * tiles_n.div_ceil(tn) * nr;
        if cost < best_cost {
            best = Split { tm, tn };
            best_cost = cost;
        }
    }
    best
}

/// Rows [start, end) of part `i` of `parts` over `len` elements in tiles of `tile`.
fn range(len: usize, tile: usize, parts: usize, i: usize) -> (usize, usize) {
    let tiles = len.div_ceil(tile);
    let t0 = tiles * i / parts;
    let t1 = tiles * (i + 1) / parts;
    ((t0 * tile).min(len), (t1 * tile).min(len))
}

/// The sub-problem for C's block rows [m0, m1) x columns [n0, n1).
fn block<T: Element>(p: &Gemm<T>, (m0, m1): (usize, usize), (n0, n1): (usize, usize)) -> Gemm<T> {
    // SAFETY: the offsets address rows m0.. of op(A), columns n0.. of op(B) and
    // (m0, n0) of C, all inside the validated operands since m0 < m and n0 < n.
    unsafe {
        Gemm {
            m: m1 - m0,
            n: n1 - n0,
            k: p.k,
            alpha: p.alpha,
            a: MatrixRef { ptr: p.a.ptr.add(m0 * p.a.row_stride), ..p.a },
            b: MatrixRef { ptr: p.b.ptr.add(n0 * p.b.col_stride), ..p.b },
            beta: p.beta,
            c: MatrixMut { ptr: p.c.ptr_at(m0, n0), ..p.c },
        }
    }
}

fn run<T: Element, K: Microkernel<T>>(p: &Gemm<T>, nthreads: usize) -> mm_status {
    let bl = K::BLOCKING;
    let s = split(p.m, p.n, p.k, bl.mr, bl.nr, nthreads);
    let parts = s.tm * s.tn;
    if parts > 1 {
        let job = |i: usize| -> pool::PartResult {
            let rows = range(p.m, bl.mr, s.tm, i / s.tn);
            let cols = range(p.n, bl.nr, s.tn, i % s.tn);
            if rows.0 == rows.1 || cols.0 == cols.1 {
                return Ok(());
            }
            match status(driver::gemm_serial::<T, K>(&block(p, rows, cols))) {
                MM_OK => Ok(()),
                failure => Err(failure),
            }
        };
        match pool::run_parts(parts, &job) {
            Some(Ok(())) => return MM_OK,
            Some(Err(failure)) => return failure,
            // Another caller owns the pool: compute alone (same tiles, same result).
            None => {}
        }
    }
    status(driver::gemm_serial::<T, K>(p))
}

/// C := beta * C over the m x n window; beta == 0 writes zeros without reading C.
fn scale_c<T: Element>(p: &Gemm<T>) {
    if p.beta == T::ONE {
        return;
    }
    for i in 0..p.m {
        for j in 0..p.n {
            // SAFETY: (i, j) inside C's validated window.
            unsafe {
                let c_ij = p.c.ptr_at(i, j);
                *c_ij = if p.beta == T::ZERO { T::ZERO } else { p.beta * *c_ij };
            }
        }
    }
}
