//! Thin products: C with at most `THIN_MAX` rows or columns (dot products, matrix x vector,
//! vector x matrix, two-column panels). Each element of the large operand is then used once
//! or twice, so the product is bound by memory, and packing (a read and a write of the
//! large operand before the real read) costs as much as the product. These paths stream
//! every operand once, in place, along its contiguous direction:
//!
//! - **rows** (op(A)'s rows contiguous): per row of C, `n` dot products of that row of A
//!   with op(B)'s columns, in lane-wise accumulators.
//! - **columns** (op(A)'s columns contiguous): per block of rows, `n` axpy runs down A's
//!   columns into accumulators kept in L1.
//!
//! Wider panels (3 to 8 columns) and outer products (small k) stay on the tiled path:
//! measured against these loops (benchmarks/NOTES.md, "Thin products"), the microkernel's
//! register tiles and vector stores of C win there, and packing the small operand is cheap.
//! Tall products whose op(A) rows are contiguous (matrix x vector, row-major) leave this file
//! too, from `PANEL_MIN_ROWS` rows, for the driver's panel path where the kernel has one: its
//! tiles read MR rows of A at once, where the rows form reads one (`gemm::takes_thin`).
//!
//! Few rows of C (vector x matrix) is the transposed product C^T = op(B)^T op(A)^T, which has
//! few columns. Whether a product is thin and which form it takes depend only on its shape
//! and strides; rows of C are handed out whole to threads, so results are bit-identical for
//! every thread count.
use crate::dispatch::KernelKind;
use crate::element::Element;
use crate::pack::{with_buffers, AllocError};
use crate::pool;
use crate::problem::{Gemm, MatrixMut, MatrixRef};
use crate::status::{mm_status, MM_ERR_ALLOCATION, MM_OK};

/// The most rows or columns of C in a thin product.
pub const THIN_MAX: usize = 2;

/// Below this many multiply-adds a product is tiny, not thin: the small path's tiles cost
/// nothing there, and the binding's own tiny-product path mirrors their arithmetic.
pub const THIN_MIN_MNK: usize = 4096;

/// The fewest rows of C the panel path takes from the thin paths: above the binding's
/// thin bound (8, `ThinSlices.MIN_BAND` is 9), so a band of a heap product that the binding
/// cuts into critical calls takes the same path as the whole product, and gets its bits.
pub const PANEL_MIN_ROWS: usize = 9;

/// Lane-wise accumulators per dot product: two AVX-512 vectors of f64, enough independent
/// chains to hide the FMA latency where the operands come from L1.
const LANES: usize = 16;

/// Accumulator elements of the column form (16 KiB of f64: L1 with room for A's column run).
const COLUMN_BLOCK: usize = 2048;

/// Columns of A the columns form reads in one pass over its block of C.
const COLUMNS_AT_ONCE: usize = 4;

/// Rows of C a thread takes at a time when a thin product is spread over the pool.
const PIECES_PER_THREAD: usize = 8;

/// Whether the product (with a row-major C, see `gemm::row_major_c`) takes a thin path.
pub fn takes<T>(p: &Gemm<T>) -> bool {
    p.m.min(p.n) <= THIN_MAX && p.m.saturating_mul(p.n).saturating_mul(p.k) >= THIN_MIN_MNK
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Rows,
    Columns,
}

/// The form and the product it runs on (transposed when C has few rows).
fn form<T: Element>(p: &Gemm<T>) -> (Form, Gemm<T>) {
    let q = if p.n <= THIN_MAX { *p } else { transposed(p) };
    if q.a.col_stride == 1 {
        (Form::Rows, q)
    } else {
        (Form::Columns, q)
    }
}

/// C^T = op(B)^T op(A)^T: the same memory, rows and columns swapped.
fn transposed<T: Element>(p: &Gemm<T>) -> Gemm<T> {
    let t = |x: MatrixRef<T>| MatrixRef { ptr: x.ptr, row_stride: x.col_stride, col_stride: x.row_stride };
    Gemm {
        m: p.n,
        n: p.m,
        a: t(p.b),
        b: t(p.a),
        c: MatrixMut { ptr: p.c.ptr, row_stride: p.c.col_stride, col_stride: p.c.row_stride },
        ..*p
    }
}

/// The instruction set a thin path is compiled for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isa {
    Avx512,
    Avx2,
    /// The target's baseline: NEON with fused multiply-adds on AArch64, SSE2 elsewhere.
    Baseline,
}

/// Rows of C the thin form hands out to threads: at most this many threads can share it.
pub fn rows_to_share<T: Element>(p: &Gemm<T>) -> usize {
    form(p).1.m
}

/// A thin product on `granted` threads (admitted by the caller, `gemm`), with the
/// microkernel family `kind` (already resolved to one this CPU supports). Requires m, n,
/// k > 0 and alpha != 0.
pub fn run<T: Element>(kind: KernelKind, granted: usize, p: &Gemm<T>) -> mm_status {
    let isa = match kind {
        KernelKind::Avx512 => Isa::Avx512,
        KernelKind::Avx2 => Isa::Avx2,
        KernelKind::Neon | KernelKind::Generic => Isa::Baseline,
    };
    let (form, q) = form(p);
    if granted <= 1 || q.m < 2 {
        return rows(isa, form, &q, 0, q.m);
    }
    let chunk = q.m.div_ceil(granted * PIECES_PER_THREAD);
    pool::run_chunks(granted, q.m, chunk, &|r0, r1| rows(isa, form, &q, r0, r1))
}

/// Rows r0..r1 of C in the given form.
fn rows<T: Element>(isa: Isa, form: Form, p: &Gemm<T>, r0: usize, r1: usize) -> mm_status {
    let band = band(p, r0, r1);
    // The scratch is taken here, outside the ISA's functions: a closure does not inherit
    // their target features, and the loops must be compiled inside them.
    let done = with_buffers(|bufs| -> Result<(), AllocError> {
        let scratch: *mut T = bufs.b.get(scratch_len(form, &band))?;
        match isa {
            // SAFETY: `dispatch::resolve` chose the kind, so the CPU has these features;
            // scratch holds `scratch_len` elements.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => unsafe { x86::avx512(form, &band, scratch) },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { x86::avx2(form, &band, scratch) },
            _ => run_form::<T, { cfg!(target_arch = "aarch64") }>(form, &band, scratch),
        }
        Ok(())
    });
    match done {
        Ok(()) => MM_OK,
        Err(AllocError) => MM_ERR_ALLOCATION,
    }
}

/// Elements of scratch a form needs: a copy of op(B) when its elements are not contiguous
/// along the direction the form reads them.
fn scratch_len<T>(form: Form, p: &Gemm<T>) -> usize {
    match form {
        Form::Rows if p.b.row_stride != 1 => p.n * p.k,
        _ => 0,
    }
}

/// Rows r0..r1 of the product as a product of its own.
fn band<T: Element>(p: &Gemm<T>, r0: usize, r1: usize) -> Gemm<T> {
    // SAFETY (pointer arithmetic): r0 < m, so both offsets stay inside the validated A and C.
    unsafe {
        Gemm {
            m: r1 - r0,
            a: MatrixRef { ptr: p.a.ptr.add(r0 * p.a.row_stride), ..p.a },
            c: MatrixMut { ptr: p.c.ptr.add(r0 * p.c.row_stride), ..p.c },
            ..*p
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;

    /// # Safety
    /// The CPU must have AVX-512F and FMA; `scratch` as for `run_form`.
    #[target_feature(enable = "avx512f,avx2,fma")]
    pub(super) unsafe fn avx512<T: Element>(form: Form, p: &Gemm<T>, scratch: *mut T) {
        run_form::<T, true>(form, p, scratch)
    }

    /// # Safety
    /// The CPU must have AVX2 and FMA; `scratch` as for `run_form`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn avx2<T: Element>(form: Form, p: &Gemm<T>, scratch: *mut T) {
        run_form::<T, true>(form, p, scratch)
    }
}

/// `a * b + c`, fused when `FUSED` (only where the caller's target has FMA: a software fma
/// would be far slower).
#[inline(always)]
fn fma<T: Element, const FUSED: bool>(a: T, b: T, c: T) -> T {
    if FUSED {
        a.fused_mul_add(b, c)
    } else {
        a * b + c
    }
}

/// The microkernels' epilogue: alpha * sum, plus beta * C unless beta == 0 (C unread).
#[inline(always)]
fn store<T: Element, const FUSED: bool>(c: *mut T, alpha: T, beta: T, sum: T) {
    let scaled = alpha * sum;
    // SAFETY: callers pass an element inside C's validated window.
    unsafe { *c = if beta == T::ZERO { scaled } else { fma::<T, FUSED>(*c, beta, scaled) } };
}

/// Calls `$f::<T, FUSED, N>` with N = n (1..=THIN_MAX), so that the per-column
/// accumulators are arrays the compiler keeps in registers.
macro_rules! by_width {
    ($n:expr, $f:ident, $t:ty, $fused:ident, $p:expr, $s:expr) => {
        match $n {
            1 => $f::<$t, $fused, 1>($p, $s),
            _ => $f::<$t, $fused, 2>($p, $s),
        }
    };
}

/// `scratch` holds `scratch_len(form, p)` elements.
#[inline(always)]
fn run_form<T: Element, const FUSED: bool>(form: Form, p: &Gemm<T>, scratch: *mut T) {
    match form {
        Form::Rows => by_width!(p.n, rows_form, T, FUSED, p, scratch),
        Form::Columns => by_width!(p.n, columns_form, T, FUSED, p, scratch),
    }
}


/// op(B)'s N columns, each contiguous: in place when they are, else copied once into `buf`
/// (N * k elements).
#[inline(always)]
fn columns_of_b<T: Element, const N: usize>(p: &Gemm<T>, buf: *mut T) -> [*const T; N] {
    let mut cols = [std::ptr::null::<T>(); N];
    for (j, col) in cols.iter_mut().enumerate() {
        if p.b.row_stride == 1 {
            // SAFETY: column j < n of the validated op(B).
            *col = unsafe { p.b.ptr.add(j * p.b.col_stride) };
        } else {
            // SAFETY: buf holds N * k elements; (q, j) lies inside op(B).
            unsafe {
                let dst = buf.add(j * p.k);
                for q in 0..p.k {
                    *dst.add(q) = p.b.at(q, j);
                }
                *col = dst;
            }
        }
    }
    cols
}

/// Rows form: C[i, j] = alpha * dot(A[i, :], B[:, j]) + beta * C[i, j], A's rows contiguous.
#[inline(always)]
fn rows_form<T: Element, const FUSED: bool, const N: usize>(p: &Gemm<T>, scratch: *mut T) {
    {
        let b = columns_of_b::<T, N>(p, scratch);
        let k = p.k;
        // SAFETY: each column holds k elements (in place or in the scratch).
        let b: [&[T]; N] = b.map(|col| unsafe { std::slice::from_raw_parts(col, k) });
        let whole = k - k % LANES;
        for i in 0..p.m {
            // SAFETY: row i < m of op(A), k contiguous elements.
            let a = unsafe { std::slice::from_raw_parts(p.a.ptr.add(i * p.a.row_stride), k) };
            let mut acc = [[T::ZERO; LANES]; N];
            for q in (0..whole).step_by(LANES) {
                let x: &[T; LANES] = a[q..q + LANES].try_into().expect("a whole chunk");
                for (sums, col) in acc.iter_mut().zip(&b) {
                    let y: &[T; LANES] = col[q..q + LANES].try_into().expect("a whole chunk");
                    for l in 0..LANES {
                        sums[l] = fma::<T, FUSED>(x[l], y[l], sums[l]);
                    }
                }
            }
            for (j, col) in b.iter().enumerate() {
                let mut tail = T::ZERO;
                for r in whole..k {
                    tail = fma::<T, FUSED>(a[r], col[r], tail);
                }
                // A fixed pairwise order, the same for every row and thread.
                let mut lanes = acc[j];
                let mut width = LANES;
                while width > 1 {
                    width /= 2;
                    for l in 0..width {
                        lanes[l] = lanes[l] + lanes[l + width];
                    }
                }
                // SAFETY: (i, j) inside C's window.
                store::<T, FUSED>(unsafe { p.c.ptr_at(i, j) }, p.alpha, p.beta, lanes[0] + tail);
            }
        }
    }
}

/// Columns form: blocks of rows of C accumulated down A's contiguous columns, k in order
/// (the microkernels' arithmetic: one fused multiply-add per k, from zero). Each pass over
/// the block takes `COLUMNS_AT_ONCE` columns of A: that many streams read at once, and the
/// block's sums loaded and stored once per pass rather than once per column. Each sum still
/// sees its k steps one after another, in order: the same bits as one column per pass.
#[inline(always)]
fn columns_form<T: Element, const FUSED: bool, const N: usize>(p: &Gemm<T>, _scratch: *mut T) {
    let block = COLUMN_BLOCK / N;
    let mut acc = [T::ZERO; COLUMN_BLOCK];
    let mut i0 = 0;
    while i0 < p.m {
        let rows = block.min(p.m - i0);
        acc[..N * block].fill(T::ZERO);
        // SAFETY: rows i0..i0 + rows of column q < k of op(A), contiguous (row_stride 1).
        let column = |q: usize| unsafe { std::slice::from_raw_parts(p.a.ptr.add(i0 + q * p.a.col_stride), rows) };
        let mut q = 0;
        while q + COLUMNS_AT_ONCE <= p.k {
            let a: [&[T]; COLUMNS_AT_ONCE] = std::array::from_fn(|c| column(q + c));
            for j in 0..N {
                // SAFETY: (q + c, j) inside op(B).
                let b: [T; COLUMNS_AT_ONCE] = std::array::from_fn(|c| unsafe { p.b.at(q + c, j) });
                let run = &mut acc[j * block..j * block + rows];
                for (i, sum) in run.iter_mut().enumerate() {
                    let mut s = *sum;
                    for c in 0..COLUMNS_AT_ONCE {
                        s = fma::<T, FUSED>(a[c][i], b[c], s);
                    }
                    *sum = s;
                }
            }
            q += COLUMNS_AT_ONCE;
        }
        for q in q..p.k {
            let a = column(q);
            for j in 0..N {
                // SAFETY: (q, j) inside op(B).
                let b_qj = unsafe { p.b.at(q, j) };
                let run = &mut acc[j * block..j * block + rows];
                for (sum, &x) in run.iter_mut().zip(a) {
                    *sum = fma::<T, FUSED>(x, b_qj, *sum);
                }
            }
        }
        for i in 0..rows {
            for j in 0..N {
                // SAFETY: (i0 + i, j) inside C's window.
                store::<T, FUSED>(unsafe { p.c.ptr_at(i0 + i, j) }, p.alpha, p.beta, acc[j * block + i]);
            }
        }
        i0 += rows;
    }
}
