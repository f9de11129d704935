//! Time per product of a strided batch against the same products called one by one,
//! through the C ABI, on this thread setting: `cargo run --release --example batch_speed
//! -- [n] [count] [reps]`. For profiling the batch path (`perf record`); the benchmark
//! figures come from JMH (`BatchBenchmark`).
use matmul_kernel::*;
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("numbers")).collect();
    let (n, count, reps) = (args.first().copied().unwrap_or(8), args.get(1).copied().unwrap_or(4096), args.get(2).copied().unwrap_or(200));
    let len = n * n * count;
    let a: Vec<f64> = (0..len).map(|i| (i % 7) as f64 * 0.25 - 0.5).collect();
    let b: Vec<f64> = (0..len).map(|i| (i % 5) as f64 * 0.5 - 1.0).collect();
    let mut c = vec![0.0f64; len];
    let (ni, s) = (n as i64, (n * n) as i64);
    let mut best = [f64::MAX; 2];
    for _ in 0..reps {
        let t = Instant::now();
        // SAFETY: every length is its Vec's.
        let status = unsafe {
            mm_dgemm_batch_strided(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, ni, ni, ni, 1.0, a.as_ptr(), ni, s, len as i64, b.as_ptr(), ni, s,
                len as i64, 0.0, c.as_mut_ptr(), ni, s, len as i64, count as i64)
        };
        assert_eq!(status, MM_OK);
        best[0] = best[0].min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        for i in 0..count {
            let at = i * n * n;
            // SAFETY: product i lies inside the Vecs.
            let status = unsafe {
                mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, ni, ni, ni, 1.0, a.as_ptr().add(at), ni, s, b.as_ptr().add(at), ni, s, 0.0,
                    c.as_mut_ptr().add(at), ni, s)
            };
            assert_eq!(status, MM_OK);
        }
        best[1] = best[1].min(t.elapsed().as_secs_f64());
    }
    let flops = 2.0 * (n * n * n * count) as f64;
    for (what, t) in ["batch", "one by one"].iter().zip(best) {
        println!("{what:>10}: {:8.1} ns per product, {:6.1} GFLOP/s", t / count as f64 * 1e9, flops / t / 1e9);
    }
}
