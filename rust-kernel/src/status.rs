//! Status codes: every entry point returns one, so no error ever unwinds or aborts.
#![allow(non_camel_case_types)]

/// Result of an entry point: `MM_OK` (0) or a positive error code.
pub type mm_status = i32;

/// Success.
pub const MM_OK: mm_status = 0;
/// A pointer that must address at least one element is null.
pub const MM_ERR_NULL_POINTER: mm_status = 1;
/// A size (m, n or k) is negative, or a size computation overflows.
pub const MM_ERR_INVALID_DIMENSION: mm_status = 2;
/// A leading dimension is below its stored row or column length, or below 1.
pub const MM_ERR_INVALID_LEADING_DIMENSION: mm_status = 3;
/// A buffer length is smaller than the elements the description reaches.
pub const MM_ERR_BUFFER_TOO_SMALL: mm_status = 4;
/// An enum value is out of range, a length is negative, or C overlaps A or B.
pub const MM_ERR_INVALID_ARGUMENT: mm_status = 5;
/// Memory for packing buffers could not be allocated.
pub const MM_ERR_ALLOCATION: mm_status = 6;
/// A bug inside the kernel (a caught panic); the output is unspecified.
pub const MM_ERR_INTERNAL: mm_status = 7;

/// Static, NUL-terminated description of a status code.
pub(crate) fn status_message(status: mm_status) -> &'static [u8] {
    match status {
        MM_OK => b"ok\0",
        MM_ERR_NULL_POINTER => b"null pointer\0",
        MM_ERR_INVALID_DIMENSION => b"invalid dimension (negative size or size overflow)\0",
        MM_ERR_INVALID_LEADING_DIMENSION => b"invalid leading dimension\0",
        MM_ERR_BUFFER_TOO_SMALL => b"buffer too small for the described matrix\0",
        MM_ERR_INVALID_ARGUMENT => b"invalid argument\0",
        MM_ERR_ALLOCATION => b"allocation failure\0",
        MM_ERR_INTERNAL => b"internal error\0",
        _ => b"unknown status\0",
    }
}
