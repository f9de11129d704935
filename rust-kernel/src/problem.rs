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
}

/// Checks one stored matrix of `rows x cols` (before any transpose) against its
/// leading dimension, and returns the strides of op(X) and the element reach.
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
    Ok(Operand { row_stride, col_stride, reach })
}

fn to_size(x: i64) -> Result<usize, mm_status> {
    usize::try_from(x).map_err(|_| MM_ERR_INVALID_DIMENSION)
}

/// Checks that a buffer may be dereferenced over `reach` elements.
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
    if (len as u64) < reach as u64 {
        return Err(MM_ERR_BUFFER_TOO_SMALL);
    }
    Ok(())
}

fn overlaps<T>(x: *const T, x_reach: usize, y: *const T, y_reach: usize) -> bool {
    if x_reach == 0 || y_reach == 0 {
        return false;
    }
    let size = std::mem::size_of::<T>();
    let (x0, y0) = (x as usize, y as usize);
    let x1 = x0.saturating_add(x_reach * size);
    let y1 = y0.saturating_add(y_reach * size);
    x0 < y1 && y0 < x1
}

impl<T: Element> RawGemm<T> {
    /// Validates every rule of the ABI, in a fixed order: enum values, sizes, leading
    /// dimensions, size overflow, negative lengths, null pointers, buffer lengths, overlap.
    pub fn validate(&self) -> Result<Gemm<T>, mm_status> {
        let layout = Layout::from_raw(self.layout).ok_or(MM_ERR_INVALID_ARGUMENT)?;
        let trans_a = transposed_from_raw(self.trans_a).ok_or(MM_ERR_INVALID_ARGUMENT)?;
        let trans_b = transposed_from_raw(self.trans_b).ok_or(MM_ERR_INVALID_ARGUMENT)?;
        let (m, n, k) = (to_size(self.m)?, to_size(self.n)?, to_size(self.k)?);

        let a = check_operand(layout, trans_a, m, k, self.lda)?;
        let b = check_operand(layout, trans_b, k, n, self.ldb)?;
        let c = check_operand(layout, false, m, n, self.ldc)?;
        // The loops index up to m*n, m*k, k*n: none may overflow.
        m.checked_mul(n).ok_or(MM_ERR_INVALID_DIMENSION)?;
        m.checked_mul(k).ok_or(MM_ERR_INVALID_DIMENSION)?;
        k.checked_mul(n).ok_or(MM_ERR_INVALID_DIMENSION)?;

        check_buffer(self.a, self.a_len, a.reach)?;
        check_buffer(self.b, self.b_len, b.reach)?;
        check_buffer(self.c as *const T, self.c_len, c.reach)?;

        let c_const = self.c as *const T;
        if overlaps(c_const, c.reach, self.a, a.reach) || overlaps(c_const, c.reach, self.b, b.reach) {
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
