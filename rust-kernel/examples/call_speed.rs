//! The fixed cost of one small call through the C ABI, the kernel alone (no JVM): the
//! same n x n x n `mm_dgemm` on the same buffers, best of 20 rounds of `calls` calls, on
//! one thread. `cargo run --release --example call_speed -- [calls] [n...]`; for `perf
//! record` of the entry path (validation, dispatch, the small path), next to
//! LatencyBenchmark's figures from Java.
use matmul_kernel::*;
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("numbers")).collect();
    let calls = args.first().copied().unwrap_or(200_000);
    let sizes = if args.len() > 1 { args[1..].to_vec() } else { vec![2, 4, 8, 16, 32] };
    assert_eq!(mm_set_num_threads(1), MM_OK);
    for n in sizes {
        let len = n * n;
        let a: Vec<f64> = (0..len).map(|i| (i % 7) as f64 * 0.25 - 0.5).collect();
        let b: Vec<f64> = (0..len).map(|i| (i % 5) as f64 * 0.5 - 1.0).collect();
        let mut c = vec![0.0f64; len];
        let (ni, li) = (n as i64, len as i64);
        let mut best = f64::MAX;
        for _ in 0..20 {
            let t = Instant::now();
            for _ in 0..calls {
                // SAFETY: every length is its Vec's.
                let status = unsafe {
                    mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, ni, ni, ni, 1.0, a.as_ptr(), ni, li, b.as_ptr(), ni, li, 0.0,
                        c.as_mut_ptr(), ni, li)
                };
                assert_eq!(status, MM_OK);
            }
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("n = {n:3}: {:7.1} ns per call", best / calls as f64 * 1e9);
    }
}
