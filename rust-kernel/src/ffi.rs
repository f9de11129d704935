//! The C ABI: every `extern "C"` symbol of `include/matmul_kernel.h`.
//! Each entry point validates its arguments, catches any panic, and returns a status;
//! nothing unwinds into the caller (a JVM, usually).
use std::os::raw::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::element::Element;
use crate::layout::{mm_layout, mm_transpose};
use crate::problem::{Gemm, RawBatch, RawGemm};
use crate::status::*;
use crate::threads::MM_MAX_THREADS;
use crate::{gemm, naive, pool, slots, threads};

fn guarded(body: impl FnOnce() -> mm_status) -> mm_status {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(MM_ERR_INTERNAL)
}

fn run_gemm<T: Element>(raw: RawGemm<T>, kernel: impl FnOnce(&Gemm<T>) -> mm_status) -> mm_status {
    guarded(|| match raw.validate() {
        Ok(problem) => kernel(&problem),
        Err(status) => status,
    })
}

fn naive_gemm<T: Element>(p: &Gemm<T>) -> mm_status {
    naive::gemm_naive(p);
    MM_OK
}

/// C := alpha * op(A) * op(B) + beta * C in double precision, CBLAS argument order.
/// `a_len`, `b_len`, `c_len` are the element counts each pointer may touch.
///
/// # Safety
/// Each pointer must be valid for `*_len` elements (reads for A and B, reads and writes
/// for C) for the duration of the call, and C must not be written by anyone else meanwhile.
#[no_mangle]
pub unsafe extern "C" fn mm_dgemm(
    layout: mm_layout,
    trans_a: mm_transpose,
    trans_b: mm_transpose,
    m: i64,
    n: i64,
    k: i64,
    alpha: f64,
    a: *const f64,
    lda: i64,
    a_len: i64,
    b: *const f64,
    ldb: i64,
    b_len: i64,
    beta: f64,
    c: *mut f64,
    ldc: i64,
    c_len: i64,
) -> mm_status {
    let raw = RawGemm { layout, trans_a, trans_b, m, n, k, alpha, a, lda, a_len, b, ldb, b_len, beta, c, ldc, c_len };
    run_gemm(raw, gemm::gemm::<f64>)
}

/// C := alpha * op(A) * op(B) + beta * C in single precision; same contract as `mm_dgemm`.
///
/// # Safety
/// As for `mm_dgemm`.
#[no_mangle]
pub unsafe extern "C" fn mm_sgemm(
    layout: mm_layout,
    trans_a: mm_transpose,
    trans_b: mm_transpose,
    m: i64,
    n: i64,
    k: i64,
    alpha: f32,
    a: *const f32,
    lda: i64,
    a_len: i64,
    b: *const f32,
    ldb: i64,
    b_len: i64,
    beta: f32,
    c: *mut f32,
    ldc: i64,
    c_len: i64,
) -> mm_status {
    let raw = RawGemm { layout, trans_a, trans_b, m, n, k, alpha, a, lda, a_len, b, ldb, b_len, beta, c, ldc, c_len };
    run_gemm(raw, gemm::gemm::<f32>)
}

fn run_batch<T: crate::microkernel::Kernels>(raw: RawBatch<T>, budget: i32) -> mm_status {
    let threads = match thread_budget(budget) {
        Ok(threads) => threads,
        Err(status) => return status,
    };
    guarded(|| match raw.validate() {
        Ok(batch) => crate::batch::batch(threads, &batch),
        Err(status) => status,
    })
}

/// `batch_count` products of one shape in one call: for i < batch_count,
/// C_i := alpha * op(A_i) * op(B_i) + beta * C_i, where X_i starts `i * stride_x`
/// elements after `x` and `*_len` counts the elements of the whole batch. A stride of 0
/// for A or B shares one matrix across the batch. Strides are at least 0; C's matrices
/// must not share an element with each other nor with any of A's or B's. The whole batch
/// is validated before anything is written: a bad description returns its status with
/// every C untouched. Each product's result is bit for bit that of the same `mm_dgemm`.
///
/// # Safety
/// As for `mm_dgemm`, over each buffer's `*_len` elements.
#[no_mangle]
pub unsafe extern "C" fn mm_dgemm_batch_strided(
    layout: mm_layout,
    trans_a: mm_transpose,
    trans_b: mm_transpose,
    m: i64,
    n: i64,
    k: i64,
    alpha: f64,
    a: *const f64,
    lda: i64,
    stride_a: i64,
    a_len: i64,
    b: *const f64,
    ldb: i64,
    stride_b: i64,
    b_len: i64,
    beta: f64,
    c: *mut f64,
    ldc: i64,
    stride_c: i64,
    c_len: i64,
    batch_count: i64,
) -> mm_status {
    let first = RawGemm { layout, trans_a, trans_b, m, n, k, alpha, a, lda, a_len, b, ldb, b_len, beta, c, ldc, c_len };
    run_batch(RawBatch { first, stride_a, stride_b, stride_c, count: batch_count }, 0)
}

/// As `mm_dgemm_batch_strided` in single precision.
///
/// # Safety
/// As for `mm_dgemm_batch_strided`.
#[no_mangle]
pub unsafe extern "C" fn mm_sgemm_batch_strided(
    layout: mm_layout,
    trans_a: mm_transpose,
    trans_b: mm_transpose,
    m: i64,
    n: i64,
    k: i64,
    alpha: f32,
    a: *const f32,
    lda: i64,
    stride_a: i64,
    a_len: i64,
    b: *const f32,
    ldb: i64,
    stride_b: i64,
    b_len: i64,
    beta: f32,
    c: *mut f32,
    ldc: i64,
    stride_c: i64,
    c_len: i64,
    batch_count: i64,
) -> mm_status {
    let first = RawGemm { layout, trans_a, trans_b, m, n, k, alpha, a, lda, a_len, b, ldb, b_len, beta, c, ldc, c_len };
    run_batch(RawBatch { first, stride_a, stride_b, stride_c, count: batch_count }, 0)
}

/// As `mm_dgemm_batch_strided` on at most `thread_budget` threads, with the budget rules
/// of `mm_dgemm_budgeted` (0: no budget; 1..=MM_MAX_THREADS; else
/// `MM_ERR_INVALID_ARGUMENT` before anything is read or written).
///
/// # Safety
/// As for `mm_dgemm_batch_strided`.
#[no_mangle]
pub unsafe extern "C" fn mm_dgemm_batch_strided_budgeted(
    layout: mm_layout,
    trans_a: mm_transpose,
    trans_b: mm_transpose,
    m: i64,
    n: i64,
    k: i64,
    alpha: f64,
    a: *const f64,
    lda: i64,
    stride_a: i64,
    a_len: i64,
    b: *const f64,
    ldb: i64,
    stride_b: i64,
    b_len: i64,
    beta: f64,
    c: *mut f64,
    ldc: i64,
    stride_c: i64,
    c_len: i64,
    batch_count: i64,
    thread_budget: i32,
) -> mm_status {
    let first = RawGemm { layout, trans_a, trans_b, m, n, k, alpha, a, lda, a_len, b, ldb, b_len, beta, c, ldc, c_len };
    run_batch(RawBatch { first, stride_a, stride_b, stride_c, count: batch_count }, thread_budget)
}

/// As `mm_sgemm_batch_strided` on at most `thread_budget` threads; see
/// `mm_dgemm_batch_strided_budgeted`.
///
/// # Safety
/// As for `mm_dgemm_batch_strided`.
#[no_mangle]
pub unsafe extern "C" fn mm_sgemm_batch_strided_budgeted(
    layout: mm_layout,
    trans_a: mm_transpose,
    trans_b: mm_transpose,
    m: i64,
    n: i64,
    k: i64,
    alpha: f32,
    a: *const f32,
    lda: i64,
    stride_a: i64,
    a_len: i64,
    b: *const f32,
    ldb: i64,
    stride_b: i64,
    b_len: i64,
    beta: f32,
    c: *mut f32,
    ldc: i64,
    stride_c: i64,
    c_len: i64,
    batch_count: i64,
    thread_budget: i32,
) -> mm_status {
    let first = RawGemm { layout, trans_a, trans_b, m, n, k, alpha, a, lda, a_len, b, ldb, b_len, beta, c, ldc, c_len };
    run_batch(RawBatch { first, stride_a, stride_b, stride_c, count: batch_count }, thread_budget)
}

/// The threads a budgeted call may use: 0 (no budget), or 1..=MM_MAX_THREADS.
fn thread_budget(budget: i32) -> Result<gemm::Threads, mm_status> {
    match budget {
        0 => Ok(gemm::Threads::Setting),
        1..=MM_MAX_THREADS => Ok(gemm::Threads::Budget(budget as usize)),
        _ => Err(MM_ERR_INVALID_ARGUMENT),
    }
}

fn run_budgeted<T: crate::microkernel::Kernels>(raw: RawGemm<T>, budget: i32) -> mm_status {
    match thread_budget(budget) {
        Ok(threads) => run_gemm(raw, |p| gemm::gemm_on(crate::dispatch::selected(), threads, p)),
        Err(status) => status,
    }
}

/// As `mm_dgemm`, on at most `thread_budget` threads (a Spark task's `spark.task.cpus`, a
/// service's share of the cores). The budget is per call, not per calling thread: a JVM's
/// virtual threads move between OS threads, so a thread-local setting would follow the
/// carrier, not the caller. Budgeted calls share the process's `mm_get_num_threads()`
/// slots: one that finds none free waits for one, so together they never run the kernel
/// on more threads than that, and a budget never adds a thread. Products under
/// `MM_PARALLEL_MIN_MNK` multiply-adds run on the caller at once and take no slot.
/// `thread_budget` is 0 (no budget: exactly `mm_dgemm`) or 1..=MM_MAX_THREADS, else
/// `MM_ERR_INVALID_ARGUMENT` before anything is read or written.
///
/// # Safety
/// As for `mm_dgemm`.
#[no_mangle]
pub unsafe extern "C" fn mm_dgemm_budgeted(
    layout: mm_layout,
    trans_a: mm_transpose,
    trans_b: mm_transpose,
    m: i64,
    n: i64,
    k: i64,
    alpha: f64,
    a: *const f64,
    lda: i64,
    a_len: i64,
    b: *const f64,
    ldb: i64,
    b_len: i64,
    beta: f64,
    c: *mut f64,
    ldc: i64,
    c_len: i64,
    thread_budget: i32,
) -> mm_status {
    let raw = RawGemm { layout, trans_a, trans_b, m, n, k, alpha, a, lda, a_len, b, ldb, b_len, beta, c, ldc, c_len };
    run_budgeted(raw, thread_budget)
}

/// As `mm_sgemm` on at most `thread_budget` threads; see `mm_dgemm_budgeted`.
///
/// # Safety
/// As for `mm_dgemm`.
#[no_mangle]
pub unsafe extern "C" fn mm_sgemm_budgeted(
    layout: mm_layout,
    trans_a: mm_transpose,
    trans_b: mm_transpose,
    m: i64,
    n: i64,
    k: i64,
    alpha: f32,
    a: *const f32,
    lda: i64,
    a_len: i64,
    b: *const f32,
    ldb: i64,
    b_len: i64,
    beta: f32,
    c: *mut f32,
    ldc: i64,
    c_len: i64,
    thread_budget: i32,
) -> mm_status {
    let raw = RawGemm { layout, trans_a, trans_b, m, n, k, alpha, a, lda, a_len, b, ldb, b_len, beta, c, ldc, c_len };
    run_budgeted(raw, thread_budget)
}

/// The textbook i-j-k loop with the same contract as `mm_dgemm`: the reference for
/// parity tests and benchmarks (no FMA, sum in k order, then alpha * sum + beta * c).
///
/// # Safety
/// As for `mm_dgemm`.
#[no_mangle]
pub unsafe extern "C" fn mm_dgemm_naive(
    layout: mm_layout,
    trans_a: mm_transpose,
    trans_b: mm_transpose,
    m: i64,
    n: i64,
    k: i64,
    alpha: f64,
    a: *const f64,
    lda: i64,
    a_len: i64,
    b: *const f64,
    ldb: i64,
    b_len: i64,
    beta: f64,
    c: *mut f64,
    ldc: i64,
    c_len: i64,
) -> mm_status {
    let raw = RawGemm { layout, trans_a, trans_b, m, n, k, alpha, a, lda, a_len, b, ldb, b_len, beta, c, ldc, c_len };
    run_gemm(raw, naive_gemm::<f64>)
}

/// Sets how many threads `mm_dgemm` / `mm_sgemm` may use: 1..=MM_MAX_THREADS, or 0 to
/// restore the default (the number of available cores). Pool workers above the new count
/// are stopped and joined (after the call in flight, if any).
#[no_mangle]
pub extern "C" fn mm_set_num_threads(n: i32) -> mm_status {
    guarded(|| {
        if !(0..=MM_MAX_THREADS).contains(&n) {
            return MM_ERR_INVALID_ARGUMENT;
        }
        threads::set_num_threads(n as usize);
        MM_OK
    })
}

/// Stops and joins the thread pool's workers and frees the cached packing buffers: call
/// it before unloading the library (no worker may be parked in unmapped code), when no
/// other thread is inside a call (a parallel call in flight is waited for; a call running
/// alone on its caller's thread is not). The library stays usable: a later multiply
/// starts the workers again.
#[no_mangle]
pub extern "C" fn mm_shutdown() -> mm_status {
    guarded(|| {
        threads::shutdown();
        MM_OK
    })
}

/// The number of worker threads the pool holds now (0 after `mm_shutdown`).
#[no_mangle]
pub extern "C" fn mm_pool_threads() -> i32 {
    catch_unwind(pool::worker_count).map(|n| n.min(i32::MAX as usize) as i32).unwrap_or(0)
}

/// How many of the `mm_get_num_threads()` slots parallel and budgeted calls hold now.
#[no_mangle]
pub extern "C" fn mm_threads_in_use() -> i32 {
    catch_unwind(slots::in_use).map(|n| n.min(i32::MAX as usize) as i32).unwrap_or(0)
}

/// The most threads that calls held at once (products of `MM_PARALLEL_MIN_MNK`
/// multiply-adds and up: a parallel call's threads, a serial call's one) since the last
/// reset; a non-zero `reset` starts the count again from the threads held now. For tests
/// and operators checking that budgets hold.
#[no_mangle]
pub extern "C" fn mm_threads_peak(reset: i32) -> i32 {
    catch_unwind(|| slots::peak(reset != 0)).map(|n| n.min(i32::MAX as usize) as i32).unwrap_or(0)
}

/// The number of threads a multiply may use now.
#[no_mangle]
pub extern "C" fn mm_get_num_threads() -> i32 {
    catch_unwind(threads::num_threads).map(|n| n.min(MM_MAX_THREADS as usize) as i32).unwrap_or(1)
}

/// The microkernel chosen for this process ("avx512", "avx2", "neon" or "generic").
/// A static string: never freed by the caller.
#[no_mangle]
pub extern "C" fn mm_kernel_name() -> *const c_char {
    let name: &'static [u8] = catch_unwind(gemm::kernel_name).unwrap_or(b"unknown\0");
    name.as_ptr() as *const c_char
}

/// The kernel's version ("major.minor.patch"). A static string: never freed.
#[no_mangle]
pub extern "C" fn mm_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// A static description of a status code; unknown codes get "unknown status".
#[no_mangle]
pub extern "C" fn mm_status_message(status: mm_status) -> *const c_char {
    status_message(status).as_ptr() as *const c_char
}
