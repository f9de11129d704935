//! Thin products through the C ABI against the memory roof (bytes read and written / this
//! machine's read bandwidth, measured here by a streaming sum): `cargo run --release
//! --example thin_speed -- [reps] [threads]`
//! (`THIN_ONLY=4000x8x1000col` for one shape). For profiling the thin paths; the benchmark figures
//! come from JMH (`ThinBenchmark`).
use matmul_kernel::*;
use std::time::Instant;

/// Best time of `reps` runs of `f`, in seconds.
fn best(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps).map(|_| {
        let t = Instant::now();
        f();
        t.elapsed().as_secs_f64()
    }).fold(f64::MAX, f64::min)
}

fn main() {
    let reps: usize = std::env::args().nth(1).map_or(20, |a| a.parse().expect("a number"));
    if let Some(threads) = std::env::args().nth(2) {
        assert_eq!(mm_set_num_threads(threads.parse().expect("a number")), MM_OK);
    }
    // SAFETY: mm_kernel_name returns a static NUL-terminated string.
    let kernel = unsafe { std::ffi::CStr::from_ptr(mm_kernel_name()) };
    println!("threads: {}, kernel: {}", mm_get_num_threads(), kernel.to_str().unwrap());
    let big: Vec<f64> = (0..(32usize << 20)).map(|i| (i % 13) as f64).collect();
    let read = best(reps.min(5), || {
        let mut lanes = [0.0f64; 8];
        for chunk in big.chunks_exact(8) {
            for (l, x) in lanes.iter_mut().zip(chunk) {
                *l += x;
            }
        }
        std::hint::black_box(lanes);
    });
    let bandwidth = (big.len() * 8) as f64 / read;
    println!("read bandwidth: {:.1} GB/s", bandwidth / 1e9);
    for (m, n, k, layout) in [(1, 1, 262144, MM_ROW_MAJOR), (1, 2000, 2000, MM_ROW_MAJOR), (1, 2000, 2000, MM_COL_MAJOR),
        (4000, 1, 4000, MM_ROW_MAJOR), (4000, 1, 4000, MM_COL_MAJOR), (2000, 2000, 1, MM_ROW_MAJOR), (2000, 2000, 4, MM_COL_MAJOR),
        (4000, 2, 1000, MM_ROW_MAJOR), (4000, 4, 1000, MM_ROW_MAJOR), (4000, 8, 1000, MM_ROW_MAJOR), (4000, 4, 1000, MM_COL_MAJOR), (4000, 8, 1000, MM_COL_MAJOR)] {
        let row = layout == MM_ROW_MAJOR;
        let name = format!("{m}x{n}x{k}{}", if row { "row" } else { "col" });
        if std::env::var("THIN_ONLY").is_ok_and(|only| only != name) {
            continue;
        }
        let (lda, ldb, ldc) = if row { (k, n, n) } else { (m, k, m) };
        let a: Vec<f64> = (0..m * k).map(|i| (i % 7) as f64 * 0.25 - 0.5).collect();
        let b: Vec<f64> = (0..k * n).map(|i| (i % 5) as f64 * 0.5 - 1.0).collect();
        // C on a cache-line boundary, as the benchmark's segments are (`Arena.allocate(.., 64)`).
        let mut c_buf = vec![0.0f64; m * n + 8];
        let skip = c_buf.as_ptr().align_offset(64);
        let c = &mut c_buf[skip..skip + m * n];
        let t = best(reps, || {
            // SAFETY: every length is its buffer's (a and b their Vecs, c its slice of c_buf).
            let status = unsafe {
                mm_dgemm(layout, MM_NO_TRANS, MM_NO_TRANS, m as i64, n as i64, k as i64, 1.0, a.as_ptr(), lda as i64, a.len() as i64,
                    b.as_ptr(), ldb as i64, b.len() as i64, 0.0, c.as_mut_ptr(), ldc as i64, c.len() as i64)
            };
            assert_eq!(status, MM_OK);
        });
        let bytes = ((m * k + k * n + m * n) * 8) as f64;
        println!("{m:>5} x {n:>5} x {k:>6} {}: {:8.3} ms, roof {:7.3} ms, {:.2}x the roof",
            if row { "row" } else { "col" }, t * 1e3, bytes / bandwidth * 1e3, t / (bytes / bandwidth));
    }
}
