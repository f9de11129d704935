//! Thin products (C with at most `THIN_MAX` rows or columns): every form (rows, columns,
//! the transposed ones), layout, transpose, padding and scalar case against the naive
//! reference, on every kernel path; bit-identical for every thread count.
mod common;

use common::{kinds, Case, Problem};
use matmul_kernel::gemm::row_major_c;
use matmul_kernel::microkernel::Kernels;
use matmul_kernel::thin::{self, THIN_MAX, THIN_MIN_MNK};

/// Dot products, matrix x vector, vector x matrix, two-column panels on both sides, and
/// sizes past the parallel threshold.
fn shapes() -> Vec<(usize, usize, usize)> {
    vec![
        (1, 1, 5000),
        (1, 1, 4111),
        (2, 2, 1500),
        (300, 1, 200),
        (1, 300, 200),
        (513, 2, 33),
        (2, 513, 40),
        (1000, 2, 500),
        (2, 1000, 500),
        (1000, 1, 900),
        (1, 1000, 900),
    ]
}

fn thin_matches_reference<T: Kernels>() {
    let mut v = 0;
    for (m, n, k) in shapes() {
        for variant in 0..8 {
            v += 1;
            let (alpha, beta) = [(1.0, 0.0), (-0.5, 2.0), (1.5, 1.0)][v % 3];
            let mut case = Case::new(m, n, k).variant(variant).padded(v % 3, (v / 3) % 2, v % 2).scalars(alpha, beta);
            case.nan_c = beta == 0.0 && v % 2 == 0;
            let p = Problem::<T>::new(case, v as u64);
            {
                let mut c = p.c.data.clone();
                assert!(thin::takes(&row_major_c(&p.gemm_over(&mut c))), "{case:?} should be thin");
            }
            for kind in kinds() {
                let one = p.run(kind, 1);
                p.check(&one, kind.name());
                let many = p.run(kind, 3);
                let same = one.iter().zip(&many).all(|(x, y)| x.to_f64().to_bits() == y.to_f64().to_bits());
                assert!(same, "{}: {case:?}: 3 threads differ from 1", kind.name());
            }
        }
    }
}

#[test]
fn thin_matches_reference_f64() {
    thin_matches_reference::<f64>();
}

#[test]
fn thin_matches_reference_f32() {
    thin_matches_reference::<f32>();
}

/// Tall thin products with op(A)'s rows contiguous go to the panel path where the kernel
/// has one (it reads MR rows of A at once), from `PANEL_MIN_ROWS` rows; the others, and
/// every thin product on the portable kernel, stay thin. Asked of every kernel's
/// constants directly (a pure function of the shape), so the AVX-512 and NEON decisions
/// are checked on CPUs that cannot run those kernels.
#[test]
fn tall_row_major_products_leave_thin_for_the_panel_path() {
    panel_decisions::<<f64 as Kernels>::Avx512>("avx512");
    panel_decisions::<<f64 as Kernels>::Avx2>("avx2");
    // Off AArch64 this names the portable kernel (`microkernel::Kernels`).
    panel_decisions::<<f64 as Kernels>::Neon>("neon");
    panel_decisions::<<f64 as Kernels>::Generic>("generic");
}

fn panel_decisions<K: matmul_kernel::microkernel::Microkernel<f64>>(name: &str) {
    let thin_on = |case: Case| {
        let p = Problem::<f64>::new(case, 1);
        let mut c = p.c.data.clone();
        matmul_kernel::gemm::takes_thin::<f64, K>(&row_major_c(&p.gemm_over(&mut c)))
    };
    let (nr, panels) = (K::BLOCKING.nr, K::SMALL_PATH);
    let panel_min = thin::PANEL_MIN_ROWS;
    assert_eq!(thin_on(Case::new(1000, 2, 500)), !panels, "{name}");
    // op(B) read in place holds k elements of a vector, whatever NR is...
    assert_eq!(thin_on(Case::new(4000, 1, 4000)), !panels, "{name}");
    // ... and packed (its columns strided), k x NR of them, past 256 KiB with AVX-512's 24.
    assert_eq!(thin_on(Case::new(4000, 1, 4000).variant(4)), !panels || nr * 4000 * 8 > (256 << 10), "{name}");
    assert_eq!(thin_on(Case::new(panel_min, 1, 900)), !panels, "{name}");
    assert!(thin_on(Case::new(panel_min - 1, 1, 900)), "{name}");
    // A transposed: its rows are strided, the thin columns form streams it.
    assert!(thin_on(Case::new(1000, 2, 500).variant(2)), "{name}");
    // C with few rows (vector x matrix): thin in every form.
    assert!(thin_on(Case::new(2, 1000, 500)), "{name}");
    assert!(thin_on(Case::new(1, 1, 262144)), "{name}");
}

/// Tiny products, wider panels and outer products keep the tiled paths.
#[test]
fn which_products_are_thin() {
    let is_thin = |m, n, k| {
        let p = Problem::<f64>::new(Case::new(m, n, k), 1);
        let mut c = p.c.data.clone();
        thin::takes(&row_major_c(&p.gemm_over(&mut c)))
    };
    assert!(is_thin(1, 1, THIN_MIN_MNK));
    assert!(!is_thin(1, 1, THIN_MIN_MNK - 1));
    assert!(!is_thin(4, 4, 4));
    assert!(is_thin(THIN_MAX, 100, 100));
    assert!(is_thin(100, THIN_MAX, 100));
    assert!(!is_thin(THIN_MAX + 1, 100, 100));
    assert!(!is_thin(100, THIN_MAX + 1, 100));
    assert!(!is_thin(100, 100, 1));
}
