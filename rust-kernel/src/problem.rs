//! Turns the raw C arguments into a validated problem: every rule of the ABI is checked
//! here, once, so the loops behind it can trust their strides and bounds.
use crate::element::Element;
use crate::layout::{mm_layout, mm_transpose, transposed_from_raw, Layout};
use crate::status::*;

/// A read-only matrix as the kernel sees it: element (i, j) of op(X) lives at
/// `ptr + i * row_stride + j * col_stride`.
#[derive(Clone, Copy, Debug)]
pub struct MatrixRef<T> {
    pub ptr: *const T,
    pub row_stride: usize,
    pub col_stride: usize,
}

/// The output matrix, same addressing as [`MatrixRef`].
#[derive(Clone, Copy, Debug)]
pub struct MatrixMut<T> {
    pub ptr: *mut T,
    pub row_stride: usize,
    pub col_stride: usize,
}

// SAFETY: the pointers are only dereferenced inside one gemm call, whose caller
// guarantees the buffers stay valid and that C is not shared with other writers; the
// driver hands each thread a disjoint block of C.
unsafe impl<T: Send> Send for MatrixRef<T> {}
unsafe impl<T: Sync> Sync for MatrixRef<T> {}
unsafe impl<T: Send> Send for MatrixMut<T> {}
unsafe impl<T: Sync> Sync for MatrixMut<T> {}

impl<T: Copy> MatrixRef<T> {
    /// # Safety
    /// (i, j) must lie inside the validated window.
    #[inline(always)]
    pub unsafe fn at(&self, i: usize, j: usize) -> T {
        *self.ptr.add(i * self.row_stride + j * self.col_stride)
    }
}

impl<T: Copy> MatrixMut<T> {
    /// # Safety
    /// (i, j) must lie inside the validated m x n window.
    #[inline(always)]
    pub unsafe fn ptr_at(&self, i: usize, j: usize) -> *mut T {
        self.ptr.add(i * self.row_stride + j * self.col_stride)
    }
}

/// C := alpha * op(A) * op(B) + beta * C with op(A) m x k, op(B) k x n, C m x n.
#[derive(Clone, Copy, Debug)]
pub struct Gemm<T> {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub alpha: T,
    pub a: MatrixRef<T>,
    pub b: MatrixRef<T>,
    pub beta: T,
    pub c: MatrixMut<T>,
}

impl<T: Element> Gemm<T> {
    /// True when A and B take no part in the result (BLAS quick return: C := beta * C).
    pub fn skips_product(&self) -> bool {
        self.k == 0 || self.alpha == T::ZERO
    }
}

/// The raw arguments of `mm_dgemm` / `mm_sgemm`, exactly as they crossed the boundary.
#[derive(Clone, Copy, Debug)]
pub struct RawGemm<T> {
    pub layout: mm_layout,
    pub trans_a: mm_transpose,
    pub trans_b: mm_transpose,
    pub m: i64,
    pub n: i64,
    pub k: i64,
    pub alpha: T,
    pub a: *const T,
    pub lda: i64,
    pub a_len: i64,
    pub b: *const T,
    pub ldb: i64,
    pub b_len: i64,
    pub beta: T,
    pub c: *mut T,
    pub ldc: i64,
    pub c_len: i64,
}

/// A stored operand after its shape checks: the strides of op(X) and how many
/// elements from the base pointer the description reaches.
struct Operand {
    row_stride: usize,
    col_stride: usize,
    reach: usize,
    /// Stored runs (rows in row-major, columns in col-major), each `inner` long, `ld` apart.
    outer: usize,
    inner: usize,
    ld: usize,
}

/// Checks one stored matrix of `rows x cols` (before any transpose) against its
/// leading dimension, and returns the strides of op(X) and the element reach.
#[inline(always)]
fn check_operand(
    layout: Layout,
    transposed: bool,
    op_rows: usize,
    op_cols: usize,
    ld: i64,
) -> Result<Operand, mm_status> {
    let (stored_rows, stored_cols) = if transposed { (op_cols, op_rows) } else { (op_rows, op_cols) };
    // `inner` is the contiguous run (a stored row in row-major, a column in col-major).
    let (outer, inner) = match layout {
        Layout::RowMajor => (stored_rows, stored_cols),
        Layout::ColMajor => (stored_cols, stored_rows),
    };
    if ld < 1 || (ld as u64) < inner as u64 {
        return Err(MM_ERR_INVALID_LEADING_DIMENSION);
    }
    let ld = usize::try_from(ld).map_err(|_| MM_ERR_INVALID_DIMENSION)?;
    let reach = if outer == 0 || inner == 0 {
        0
    } else {
        (outer - 1)
            .checked_mul(ld)
            .and_then(|x| x.checked_add(inner))
            .ok_or(MM_ERR_INVALID_DIMENSION)?
    };
    // Stored element (r, c) sits at r * rs + c * cs.
    let (stored_rs, stored_cs) = match layout {
        Layout::RowMajor => (ld, 1),
        Layout::ColMajor => (1, ld),
    };
    let (row_stride, col_stride) = if transposed { (stored_cs, stored_rs) } else { (stored_rs, stored_cs) };
    Ok(Operand { row_stride, col_stride, reach, outer, inner, ld })
}

#[inline(always)]
fn to_size(x: i64) -> Result<usize, mm_status> {
    usize::try_from(x).map_err(|_| MM_ERR_INVALID_DIMENSION)
}

/// Checks that a buffer may be dereferenced over `reach` elements.
#[inline(always)]
fn check_buffer<T>(ptr: *const T, len: i64, reach: usize) -> Result<(), mm_status> {
    if len < 0 {
        return Err(MM_ERR_INVALID_ARGUMENT);
    }
    if reach == 0 {
        return Ok(());
    }
    // Pointer offsets must stay within isize (`pointer::add`'s contract): a larger
    // reach is a size overflow whatever the buffer claims to hold.
    let bytes = reach.checked_mul(std::mem::size_of::<T>()).ok_or(MM_ERR_INVALID_DIMENSION)?;
    if bytes > isize::MAX as usize {
        return Err(MM_ERR_INVALID_DIMENSION);
    }
    if ptr.is_null() {
        return Err(MM_ERR_NULL_POINTER);
    }
    // The kernel reads and writes through typed pointers: a misaligned one would be UB.
    if (ptr as usize) % std::mem::align_of::<T>() != 0 {
        return Err(MM_ERR_INVALID_ARGUMENT);
    }
    if (len as u64) < reach as u64 {
        return Err(MM_ERR_BUFFER_TOO_SMALL);
    }
    Ok(())
}

/// Whether the output footprint `c` (from `c_ptr`) shares an element with the input
/// footprint `x` (from `x_ptr`). Exact when both use the same leading dimension, as
/// disjoint sub-matrix views of one buffer do; otherwise intersecting address spans count.
#[inline(always)]
fn shares_element<T>(c_ptr: *const T, c: &Operand, x_ptr: *const T, x: &Operand) -> bool {
    if c.reach == 0 || x.reach == 0 {
        return false;
    }
    // Spans first, in plain integers (validation bounded each reach's bytes by isize::MAX):
    // this runs on every call, and separate buffers never get further.
    let bytes = std::mem::size_of::<T>();
    let (c_start, x_start) = (c_ptr as usize, x_ptr as usize);
    if c_start >= x_start.saturating_add(x.reach * bytes) || x_start >= c_start.saturating_add(c.reach * bytes) {
        return false;
    }
    spans_share_element(c_start, c, x_start, x, bytes)
}

/// [`shares_element`] for footprints whose address spans intersect (views of one buffer).
#[cold]
#[inline(never)]
fn spans_share_element(c_start: usize, c: &Operand, x_start: usize, x: &Operand, bytes: usize) -> bool {
    let size = bytes as i128;
    let (c0, x0) = (c_start as i128, x_start as i128);
    if c.ld != x.ld || (x0 - c0) % size != 0 {
        return true;
    }
    // C holds c0 + (i * ld + j) elements (i < c.outer, j < c.inner), X holds
    // x0 + (r * ld + s). They meet where (i - r) * ld = d + s - j: a multiple t * ld of
    // ld in [d - c.inner + 1, d + x.inner - 1] with t in [-(x.outer - 1), c.outer - 1].
    let d = (x0 - c0) / size;
    let ld = c.ld as i128;
    let (lo, hi) = (d - c.inner as i128 + 1, d + x.inner as i128 - 1);
    let mut t = -((-lo).div_euclid(ld));
    while t * ld <= hi {
        if t >= -(x.outer as i128 - 1) && t < c.outer as i128 {
            return true;
        }
        t += 1;
    }
    false
}

impl<T: Element> RawGemm<T> {
    /// Validates every rule of the ABI, in a fixed order: enum values, sizes, leading
    /// dimensions, size overflow, negative lengths, null pointers, alignment, buffer
    /// lengths, shared elements between C and an input.
    /// Inlined into each entry point, so the checked problem stays in registers: a
    /// returned struct read back with wider loads than it was written stalled store
    /// forwarding, a visible part of a 8 x 8 call.
    #[inline(always)]
    pub fn validate(&self) -> Result<Gemm<T>, mm_status> {
        let layout = Layout::from_raw(self.layout).ok_or(MM_ERR_INVALID_ARGUMENT)?;
        let trans_a = transposed_from_raw(self.trans_a).ok_or(MM_ERR_INVALID_ARGUMENT)?;
        let trans_b = transposed_from_raw(self.trans_b).ok_or(MM_ERR_INVALID_ARGUMENT)?;
        let (m, n, k) = (to_size(self.m)?, to_size(self.n)?, to_size(self.k)?);

        let mut a = check_operand(layout, trans_a, m, k, self.lda)?;
        let mut b = check_operand(layout, trans_b, k, n, self.ldb)?;
        let c = check_operand(layout, false, m, n, self.ldc)?;
        if m == 0 || n == 0 {
            // Nothing is done: A and B are not reached, so they may be null or short.
            a.reach = 0;
            b.reach = 0;
        }
        // The loops index up to m*n, m*k and k*n elements; each is at most the reach
        // (outer - 1) * ld + inner with ld >= inner that check_operand computed without
        // overflow, so none of them can overflow either.

        check_buffer(self.a, self.a_len, a.reach)?;
        check_buffer(self.b, self.b_len, b.reach)?;
        check_buffer(self.c as *const T, self.c_len, c.reach)?;

        let c_const = self.c as *const T;
        if shares_element(c_const, &c, self.a, &a) || shares_element(c_const, &c, self.b, &b) {
            return Err(MM_ERR_INVALID_ARGUMENT);
        }

        Ok(Gemm {
            m,
            n,
            k,
            alpha: self.alpha,
            a: MatrixRef { ptr: self.a, row_stride: a.row_stride, col_stride: a.col_stride },
            b: MatrixRef { ptr: self.b, row_stride: b.row_stride, col_stride: b.col_stride },
            beta: self.beta,
            c: MatrixMut { ptr: self.c, row_stride: c.row_stride, col_stride: c.col_stride },
        })
    }
}

/// The raw arguments of `mm_dgemm_batch_strided` / `mm_sgemm_batch_strided`: one
/// description of matrix 0 of each operand, and where matrix i starts (`i * stride`
/// elements after matrix 0). The `*_len` of `first` cover the whole batch.
#[derive(Clone, Copy, Debug)]
pub struct RawBatch<T> {
    pub first: RawGemm<T>,
    pub stride_a: i64,
    pub stride_b: i64,
    pub stride_c: i64,
    pub count: i64,
}

/// `count` products of one shape, product i reading A and B and writing C at `i *
/// stride` elements past product 0's (a stride of 0 shares one A or B).
#[derive(Clone, Copy, Debug)]
pub struct Batch<T> {
    pub first: Gemm<T>,
    pub count: usize,
    pub stride_a: usize,
    pub stride_b: usize,
    pub stride_c: usize,
}

impl<T: Copy> Batch<T> {
    /// Product `i` (< count).
    pub fn item(&self, i: usize) -> Gemm<T> {
        let f = &self.first;
        // wrapping_add: an operand the batch never reads (m, n or k zero) may be null;
        // every operand that is read lies inside its validated buffer.
        Gemm {
            a: MatrixRef { ptr: f.a.ptr.wrapping_add(i.wrapping_mul(self.stride_a)), ..f.a },
            b: MatrixRef { ptr: f.b.ptr.wrapping_add(i.wrapping_mul(self.stride_b)), ..f.b },
            c: MatrixMut { ptr: f.c.ptr.wrapping_add(i.wrapping_mul(self.stride_c)), ..f.c },
            ..*f
        }
    }
}

/// Elements from matrix 0's start that `count` matrices `stride` apart reach.
fn batch_reach(op: &Operand, stride: usize, count: usize) -> Result<usize, mm_status> {
    if op.reach == 0 || count == 0 {
        return Ok(0);
    }
    (count - 1).checked_mul(stride).and_then(|x| x.checked_add(op.reach)).ok_or(MM_ERR_INVALID_DIMENSION)
}

/// Whether two of C's matrices share an element. Matrix i against i + t is matrix 0
/// against t, so only the offsets t * stride_c below one matrix's reach need a look.
fn batch_c_overlaps<T>(c_ptr: *const T, c: &Operand, stride: usize, count: usize) -> bool {
    if c.reach == 0 || count < 2 {
        return false;
    }
    if stride == 0 {
        return true;
    }
    (1..count).take_while(|t| t * stride < c.reach).any(|t| shares_element(c_ptr, c, c_ptr.wrapping_add(t * stride), c))
}

/// Whether any of C's matrices shares an element with any of input X's. The whole spans
/// first (the common case: separate buffers); where they meet, each C matrix against
/// the X matrices whose spans meet its own.
fn batch_shares<T>(c_ptr: *const T, c: &Operand, sc: usize, x_ptr: *const T, x: &Operand, sx: usize, count: usize) -> bool {
    if c.reach == 0 || x.reach == 0 || count == 0 {
        return false;
    }
    let size = std::mem::size_of::<T>();
    let (c0, x0) = (c_ptr as usize, x_ptr as usize);
    // Validation bounded both whole reaches' bytes by isize::MAX.
    let span = |start: usize, op: &Operand, stride: usize| start.saturating_add(((count - 1) * stride + op.reach) * size);
    if c0 >= span(x0, x, sx) || x0 >= span(c0, c, sc) {
        return false;
    }
    let x_bytes = x.reach * size;
    for i in 0..count {
        let ci = c0 + i * sc * size;
        let ce = ci + c.reach * size;
        if ce <= x0 {
            continue;
        }
        // X_j = [x0 + j*step, +x_bytes) meets [ci, ce) when j*step > ci - x0 - x_bytes and
        // j*step < ce - x0.
        let (lo, hi) = if sx == 0 {
            (0, 0)
        } else {
            let step = sx * size;
            let lo = ci.checked_sub(x0.saturating_add(x_bytes)).map_or(0, |d| d / step + 1);
            (lo, ((ce - x0 - 1) / step).min(count - 1))
        };
        for j in lo..=hi {
            if shares_element(c_ptr.wrapping_add(i * sc), c, x_ptr.wrapping_add(j * sx), x) {
                return true;
            }
        }
    }
    false
}

impl<T: Element> RawBatch<T> {
    /// Every rule of `RawGemm::validate`, over the whole batch, before anything is
    /// written: the batch count and strides, each buffer long enough for its last
    /// matrix, no two of C's matrices sharing an element, none sharing one with any
    /// matrix of A or B.
    pub fn validate(&self) -> Result<Batch<T>, mm_status> {
        let r = &self.first;
        let layout = Layout::from_raw(r.layout).ok_or(MM_ERR_INVALID_ARGUMENT)?;
        let trans_a = transposed_from_raw(r.trans_a).ok_or(MM_ERR_INVALID_ARGUMENT)?;
        let trans_b = transposed_from_raw(r.trans_b).ok_or(MM_ERR_INVALID_ARGUMENT)?;
        let (m, n, k) = (to_size(r.m)?, to_size(r.n)?, to_size(r.k)?);
        let count = to_size(self.count)?;
        let stride = |s: i64| usize::try_from(s).map_err(|_| MM_ERR_INVALID_ARGUMENT);
        let (sa, sb, sc) = (stride(self.stride_a)?, stride(self.stride_b)?, stride(self.stride_c)?);

        let mut a = check_operand(layout, trans_a, m, k, r.lda)?;
        let mut b = check_operand(layout, trans_b, k, n, r.ldb)?;
        let mut c = check_operand(layout, false, m, n, r.ldc)?;
        if m == 0 || n == 0 || count == 0 {
            a.reach = 0;
            b.reach = 0;
        }
        if count == 0 {
            c.reach = 0;
        }
        check_buffer(r.a, r.a_len, batch_reach(&a, sa, count)?)?;
        check_buffer(r.b, r.b_len, batch_reach(&b, sb, count)?)?;
        check_buffer(r.c as *const T, r.c_len, batch_reach(&c, sc, count)?)?;

        let c_const = r.c as *const T;
        if batch_c_overlaps(c_const, &c, sc, count)
            || batch_shares(c_const, &c, sc, r.a, &a, sa, count)
            || batch_shares(c_const, &c, sc, r.b, &b, sb, count)
        {
            return Err(MM_ERR_INVALID_ARGUMENT);
        }
        Ok(Batch {
            first: Gemm {
                m,
                n,
                k,
                alpha: r.alpha,
                a: MatrixRef { ptr: r.a, row_stride: a.row_stride, col_stride: a.col_stride },
                b: MatrixRef { ptr: r.b, row_stride: b.row_stride, col_stride: b.col_stride },
                beta: r.beta,
                c: MatrixMut { ptr: r.c, row_stride: c.row_stride, col_stride: c.col_stride },
            },
            count,
            stride_a: sa,
            stride_b: sb,
            stride_c: sc,
        })
    }
}
