//! matmul-kernel: DGEMM / SGEMM behind a C ABI, standard library only.
//!
//! `ffi` is the whole exported surface; `problem` validates raw arguments into a
//! strided description; `gemm` is the optimised path and `naive` the reference loop.

pub mod element;
pub mod ffi;
pub mod gemm;
pub mod layout;
pub mod naive;
pub mod problem;
pub mod status;
pub mod threads;

pub use ffi::*;
pub use layout::*;
pub use status::*;
