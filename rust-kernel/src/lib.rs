//! matmul-kernel: DGEMM / SGEMM behind a C ABI, standard library only.
//!
//! `ffi` is the whole exported surface (its constants live with their concepts:
//! `threads`, `gemm`, `status`, `layout`); `problem` validates raw arguments into a
//! strided description; `gemm` is the optimised path and `naive` the reference loop.
//! The optimised path goes one way down: `gemm` (the plan: quick returns, kernel,
//! pieces) -> `schedule` (hands pieces to the threads of `pool` as they come free; a
//! worker woken on its caller's CPU moves off it: `placement`) ->
//! `driver` (one piece: the loops; thin products take `thin` instead) -> `pack` (panels) -> `microkernel` (chosen by
//! `dispatch`, tile and cache sizes from `blocking`).

pub mod batch;
pub mod blocking;
pub mod dispatch;
pub mod driver;
pub mod element;
pub mod ffi;
pub mod gemm;
pub mod layout;
pub mod microkernel;
pub mod naive;
/// cbindgen:ignore
// (its declarations of the OS's thread calls are imports, not our ABI)
pub mod os_thread;
pub mod pack;
/// cbindgen:ignore
// (declares the OS's affinity calls)
pub mod placement;
pub mod pool;
pub mod problem;
pub mod schedule;
pub mod slots;
pub mod status;
/// cbindgen:ignore
// (its limits are the kernel's choice of path, not part of the ABI)
pub mod thin;
pub mod threads;

pub use ffi::*;
pub use gemm::MM_PARALLEL_MIN_MNK;
pub use threads::MM_MAX_THREADS;
pub use layout::*;
pub use status::*;
