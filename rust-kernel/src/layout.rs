//! CBLAS enum values. They cross the C boundary as plain 32-bit integers and are
//! checked here, because reading an out-of-range Rust enum from foreign memory is UB.
#![allow(non_camel_case_types)]

/// Storage order of all three matrices: `MM_ROW_MAJOR` or `MM_COL_MAJOR`.
pub type mm_layout = i32;
/// Whether an operand is used as stored or transposed: `MM_NO_TRANS` or `MM_TRANS`.
pub type mm_transpose = i32;

/// C order: element (i, j) at `i * ld + j` (CblasRowMajor).
pub const MM_ROW_MAJOR: mm_layout = 101;
/// Fortran order: element (i, j) at `i + j * ld` (CblasColMajor).
pub const MM_COL_MAJOR: mm_layout = 102;
/// op(X) = X (CblasNoTrans).
pub const MM_NO_TRANS: mm_transpose = 111;
/// op(X) = X^T (CblasTrans).
pub const MM_TRANS: mm_transpose = 112;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    RowMajor,
    ColMajor,
}

impl Layout {
    pub fn from_raw(raw: mm_layout) -> Option<Layout> {
        match raw {
            MM_ROW_MAJOR => Some(Layout::RowMajor),
            MM_COL_MAJOR => Some(Layout::ColMajor),
            _ => None,
        }
    }
}

/// Returns `Some(true)` for a transposed operand, `None` for an out-of-range value.
pub fn transposed_from_raw(raw: mm_transpose) -> Option<bool> {
    match raw {
        MM_NO_TRANS => Some(false),
        MM_TRANS => Some(true),
        _ => None,
    }
}
