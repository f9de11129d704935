//! GFLOP/s of every microkernel path this CPU runs, in one process, one thread, square
//! row-major DGEMM and SGEMM: a sanity figure where nothing else can be measured (NEON
//! against the portable path under qemu-user), never a benchmark (JMH and vs_openblas
//! are those).
//!
//! cargo run --release --example kernel_paths_speed -- [n] [reps]
use std::time::Instant;

use matmul_kernel::dispatch::{supported, KernelKind};
use matmul_kernel::gemm::gemm_with_threads;
use matmul_kernel::microkernel::Kernels;
use matmul_kernel::problem::RawGemm;
use matmul_kernel::{MM_NO_TRANS, MM_OK, MM_ROW_MAJOR};

fn gflops<T: Kernels>(kind: KernelKind, n: usize, reps: usize) -> f64 {
    let a: Vec<T> = (0..n * n).map(|i| T::from_f64(((i * 7919) % 1000) as f64 / 1000.0 - 0.5)).collect();
    let b: Vec<T> = (0..n * n).map(|i| T::from_f64(((i * 104_729) % 1000) as f64 / 1000.0 - 0.5)).collect();
    let mut c = vec![T::ZERO; n * n];
    let len = (n * n) as i64;
    let raw = RawGemm {
        layout: MM_ROW_MAJOR,
        trans_a: MM_NO_TRANS,
        trans_b: MM_NO_TRANS,
        m: n as i64,
        n: n as i64,
        k: n as i64,
        alpha: T::from_f64(1.0),
        a: a.as_ptr(),
        lda: n as i64,
        a_len: len,
        b: b.as_ptr(),
        ldb: n as i64,
        b_len: len,
        beta: T::ZERO,
        c: c.as_mut_ptr(),
        ldc: n as i64,
        c_len: len,
    };
    let g = raw.validate().expect("a valid square problem");
    let mut best = f64::INFINITY;
    for _ in 0..reps {
        let start = Instant::now();
        assert_eq!(gemm_with_threads(kind, 1, &g), MM_OK);
        best = best.min(start.elapsed().as_secs_f64());
    }
    2.0 * (n as f64).powi(3) / best / 1e9
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("n and reps are numbers")).collect();
    let (n, reps) = (args.first().copied().unwrap_or(256), args.get(1).copied().unwrap_or(3));
    println!("n = {n}, 1 thread, best of {reps}; GFLOP/s");
    println!("{:<8} {:>8} {:>8}", "kernel", "f64", "f32");
    for kind in KernelKind::ALL.into_iter().filter(|&k| supported(k)) {
        println!("{:<8} {:>8.3} {:>8.3}", kind.name(), gflops::<f64>(kind, n, reps), gflops::<f32>(kind, n, reps));
    }
}
