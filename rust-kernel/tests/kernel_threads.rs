//! Threading: bit-identical results for any thread count, concurrent callers, and the
//! C ABI end to end.
mod common;

use common::{kinds, Case, Problem};
use matmul_kernel::dispatch::KernelKind;
use matmul_kernel::microkernel::Kernels;

fn shapes() -> Vec<Case> {
    vec![
        Case::new(200, 300, 150).scalars(1.0, 0.0),
        Case::new(97, 1001, 120).variant(1).padded(3, 0, 2).scalars(-0.5, 2.0),
        Case::new(513, 67, 301).variant(6).padded(0, 5, 1).scalars(2.0, 1.0),
        Case::new(129, 131, 257).variant(3).scalars(1.0, -1.0),
        // Panels one tile wide: A read in place (row-major), then strided (A transposed).
        Case::new(1000, 8, 700).padded(1, 0, 3).scalars(1.0, 0.5),
        Case::new(777, 3, 600).variant(2).scalars(-1.5, 0.0),
    ]
}

fn bit_identical<T: Kernels>() {
    for kind in kinds() {
        for (s, case) in shapes().into_iter().enumerate() {
            let p = Problem::<T>::new(case, s as u64);
            let one = p.run(kind, 1);
            p.check(&one, kind.name());
            for threads in [2, 3, 4, 7] {
                let many = p.run(kind, threads);
                let same = one.iter().zip(&many).all(|(x, y)| x.to_f64().to_bits() == y.to_f64().to_bits());
                assert!(same, "{}: {case:?}: {threads} threads differ from 1", kind.name());
            }
        }
    }
}

#[test]
fn threads_bit_identical_f64() {
    bit_identical::<f64>();
}

#[test]
fn threads_bit_identical_f32() {
    bit_identical::<f32>();
}

/// Several Rust threads multiplying at once (most find the pool busy and compute alone):
/// all finish, all results equal the single-threaded ones bit for bit.
#[test]
fn concurrent_callers() {
    let kind = matmul_kernel::dispatch::best();
    let problems: Vec<Problem<f64>> = shapes().into_iter().enumerate().map(|(s, c)| Problem::new(c, s as u64)).collect();
    let expected: Vec<Vec<f64>> = problems.iter().map(|p| p.run(kind, 1)).collect();
    std::thread::scope(|scope| {
        for t in 0..6 {
            let (problems, expected) = (&problems, &expected);
            scope.spawn(move || {
                for r in 0..8 {
                    let i = (t + r) % problems.len();
                    let got = problems[i].run(kind, 2);
                    assert!(got.iter().zip(&expected[i]).all(|(x, y)| x.to_bits() == y.to_bits()), "thread {t} round {r}");
                }
            });
        }
    });
}

/// The exported entry points: validation, the NaN rule for beta == 0, the thread
/// setting and the kernel name.
#[test]
fn c_abi() {
    use matmul_kernel::*;
    let (m, n, k) = (70usize, 50usize, 90usize);
    let mut rng = common::SplitMix64(7);
    let a: Vec<f64> = (0..m * k).map(|_| rng.unit()).collect();
    let b: Vec<f64> = (0..k * n).map(|_| rng.unit()).collect();
    let mut c = vec![f64::NAN; m * n];
    let mut c_ref = vec![0.0; m * n];
    let (mi, ni, ki) = (m as i64, n as i64, k as i64);
    unsafe {
        let s = mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, mi, ni, ki, 1.0, a.as_ptr(), ki, a.len() as i64,
            b.as_ptr(), ni, b.len() as i64, 0.0, c.as_mut_ptr(), ni, c.len() as i64);
        assert_eq!(s, MM_OK);
        let s = mm_dgemm_naive(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, mi, ni, ki, 1.0, a.as_ptr(), ki, a.len() as i64,
            b.as_ptr(), ni, b.len() as i64, 0.0, c_ref.as_mut_ptr(), ni, c_ref.len() as i64);
        assert_eq!(s, MM_OK);
        let s = mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, mi, ni, ki, 1.0, a.as_ptr(), ki, a.len() as i64,
            b.as_ptr(), ni, 3, 0.0, c.as_mut_ptr(), ni, c.len() as i64);
        assert_eq!(s, MM_ERR_BUFFER_TOO_SMALL);
    }
    for (x, y) in c.iter().zip(&c_ref) {
        assert!((x - y).abs() <= 1e-12 * (k as f64), "{x} vs {y}");
    }
    let name = unsafe { std::ffi::CStr::from_ptr(mm_kernel_name()) }.to_str().unwrap();
    assert!(["avx512", "avx2", "neon", "generic"].contains(&name));
    assert_eq!(KernelKind::parse(name), Some(matmul_kernel::dispatch::selected()));
}
