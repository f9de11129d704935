//! Every kernel path this CPU supports, against the naive reference.
mod common;

use common::{blocking, kinds, Case, Problem};
use matmul_kernel::dispatch::KernelKind;
use matmul_kernel::gemm;
use matmul_kernel::driver;
use matmul_kernel::microkernel::{Kernels, Microkernel};
use matmul_kernel::pack::AllocError;
use matmul_kernel::problem::Gemm;
use matmul_kernel::MM_OK;

fn check_case<T: Kernels>(kind: KernelKind, case: Case, seed: u64) {
    let p = Problem::<T>::new(case, seed);
    let got = p.run(kind, 1);
    p.check(&got, kind.name());
}

/// Every remainder of MR and NR (edge tiles in both directions), k = 1 and a short k,
/// cycling through the layouts, transposes and paddings.
fn remainders<T: Kernels>() {
    for kind in kinds() {
        let bl = blocking::<T>(kind);
        let mut v = 0;
        for m in (1..=bl.mr + 1).chain([2 * bl.mr + 3]) {
            for n in (1..=bl.nr + 1).chain([2 * bl.nr + 5]) {
                for k in [1, 5] {
                    v += 1;
                    let case = Case::new(m, n, k).variant(v % 8).padded(v % 3, v % 2, (v / 2) % 3).scalars(1.5, -0.5);
                    check_case::<T>(kind, case, v as u64);
                }
            }
        }
    }
}

#[test]
fn remainders_f64() {
    remainders::<f64>();
}

#[test]
fn remainders_f32() {
    remainders::<f32>();
}

/// k just below, at and above KC (one and two k blocks), all layouts and transposes.
fn around_kc<T: Kernels>() {
    for kind in kinds() {
        let bl = blocking::<T>(kind);
        for (i, k) in [bl.kc - 1, bl.kc, bl.kc + 1, 2 * bl.kc + 3].into_iter().enumerate() {
            for v in 0..8 {
                let case = Case::new(2 * bl.mr + 1, bl.nr + 3, k).variant(v).padded(1, 2, 3).scalars(0.75, 1.25);
                check_case::<T>(kind, case, (i * 8 + v) as u64);
            }
        }
    }
}

#[test]
fn around_kc_f64() {
    around_kc::<f64>();
}

#[test]
fn around_kc_f32() {
    around_kc::<f32>();
}

/// More than one MC and NC block, so every loop of the driver turns.
fn several_blocks<T: Kernels>() {
    for kind in kinds() {
        let bl = blocking::<T>(kind);
        for v in [0, 3, 5, 6] {
            let case = Case::new(bl.mc + bl.mr + 3, bl.nc + bl.nr + 5, 37).variant(v).padded(0, 1, 2).scalars(-1.0, 0.5);
            check_case::<T>(kind, case, v as u64 + 100);
        }
    }
}

#[test]
fn several_blocks_f64() {
    several_blocks::<f64>();
}

#[test]
fn several_blocks_f32() {
    several_blocks::<f32>();
}

/// alpha and beta including 0 (and beta == 0 over a NaN-filled C, which must not be
/// read), and the empty sizes.
fn scalars_and_empty<T: Kernels>() {
    for kind in kinds() {
        for (s, &(alpha, beta)) in [(1.0, 0.0), (0.0, 0.0), (0.0, 2.0), (0.0, 1.0), (2.0, 1.0), (-1.0, 3.0)].iter().enumerate() {
            for v in 0..8 {
                let case = Case::new(13, 29, 17).variant(v).padded(2, 0, 1).scalars(alpha, beta);
                check_case::<T>(kind, case, (s * 8 + v) as u64);
                if beta == 0.0 {
                    let mut nan = case;
                    nan.nan_c = true;
                    check_case::<T>(kind, nan, (s * 8 + v) as u64);
                }
            }
        }
        for (m, n, k) in [(0, 5, 3), (5, 0, 3), (5, 3, 0), (0, 0, 0), (1, 1, 1)] {
            for v in 0..8 {
                check_case::<T>(kind, Case::new(m, n, k).variant(v).padded(1, 1, 1).scalars(1.0, 0.5), v as u64);
                let mut nan = Case::new(m, n, k).variant(v).padded(1, 1, 1);
                nan.nan_c = true;
                check_case::<T>(kind, nan, v as u64);
            }
        }
    }
}

#[test]
fn scalars_and_empty_f64() {
    scalars_and_empty::<f64>();
}

#[test]
fn scalars_and_empty_f32() {
    scalars_and_empty::<f32>();
}

#[test]
fn forced_kernel_falls_back() {
    use matmul_kernel::dispatch::{resolve, selected, supported};
    assert_eq!(resolve(KernelKind::Generic), KernelKind::Generic);
    for kind in KernelKind::ALL {
        let r = resolve(kind);
        assert!(supported(r));
        if supported(kind) {
            assert_eq!(r, kind);
        }
    }
    assert_eq!(KernelKind::parse("AVX2"), Some(KernelKind::Avx2));
    assert_eq!(KernelKind::parse("neon"), Some(KernelKind::Neon));
    // A path of another architecture gets this CPU's best, never the portable kernel.
    #[cfg(target_arch = "x86_64")]
    assert_eq!(resolve(KernelKind::Neon), matmul_kernel::dispatch::best());
    #[cfg(target_arch = "aarch64")]
    {
        assert_eq!(matmul_kernel::dispatch::best(), KernelKind::Neon);
        assert_eq!(resolve(KernelKind::Avx512), KernelKind::Neon);
        assert_eq!(resolve(KernelKind::Avx2), KernelKind::Neon);
    }
    assert_eq!(KernelKind::parse("sse"), None);
    assert_eq!(matmul_kernel::gemm::kernel_name(), selected().c_name());
}

/// An element's bits do not depend on where its tile falls: C computed in bands of rows,
/// or of columns, that start off the MR / NR grid (so every tile is an edge) is C computed
/// at once (mostly whole tiles). The binding relies on it when it cuts a heap product
/// into bands (ThinSlices); on NEON and AVX2 whole and edge tiles once rounded apart.
fn bits_do_not_depend_on_tile_position<T: Kernels>() {
    for kind in kinds() {
        let bl = blocking::<T>(kind);
        for v in 0..8 {
            let beta = if v % 4 == 3 { 0.0 } else { -0.75 };
            // Odd variants take two k blocks and are past the small-problem path.
            let k = if v % 2 == 0 { 7 + v } else { bl.kc + 9 + v };
            let case = Case::new(3 * bl.mr + 5, 2 * bl.nr + 3, k).variant(v).padded(1, 2, 1).scalars(1.5, beta);
            let p = Problem::<T>::new(case, 100 + v as u64);
            let whole = p.run(kind, 1);
            for (by_rows, band) in [(true, 3), (false, bl.nr / 2 + 1)] {
                let mut banded = p.c.data.clone();
                let len = if by_rows { case.m } else { case.n };
                // The last band takes the rest: a band of 1 or 2 would be a thin product,
                // which has its own arithmetic (thin.rs).
                let mut start = 0;
                while start < len {
                    let end = if start + 2 * band > len { len } else { start + band };
                    let part = start..end;
                    start = end;
                    let g = if by_rows {
                        p.window_over(&mut banded, part, 0..case.n)
                    } else {
                        p.window_over(&mut banded, 0..case.m, part)
                    };
                    assert_eq!(gemm::gemm_with_threads(kind, 1, &g), MM_OK);
                }
                for (idx, (x, y)) in whole.iter().zip(&banded).enumerate() {
                    let what = if by_rows { "rows" } else { "columns" };
                    assert_eq!(x.to_f64().to_bits(), y.to_f64().to_bits(), "{}: {case:?}: bands of {band} {what}: C[{idx}]", kind.name());
                }
            }
        }
    }
}

#[test]
fn bits_do_not_depend_on_tile_position_f64() {
    bits_do_not_depend_on_tile_position::<f64>();
}

#[test]
fn bits_do_not_depend_on_tile_position_f32() {
    bits_do_not_depend_on_tile_position::<f32>();
}

/// The small-problem path (operands read in place) and the packed path do the same
/// arithmetic: bit-identical results over edges, layouts, transposes and paddings, for
/// every kernel that has a small path and that this CPU runs.
fn small_matches_packed<T: Kernels>() {
    if matmul_kernel::dispatch::supported(KernelKind::Avx512) {
        small_matches_packed_with::<T, T::Avx512>("avx512");
    }
    if matmul_kernel::dispatch::supported(KernelKind::Avx2) {
        small_matches_packed_with::<T, T::Avx2>("avx2");
    }
}

fn small_matches_packed_with<T: Kernels, K: Microkernel<T>>(kernel: &str) {
    assert!(K::SMALL_PATH, "{kernel} has no small path");
    let bl = K::BLOCKING;
    let shapes: (&[usize], &[usize], &[usize]) = (&[1, 2, 3, bl.mr - 1, bl.mr, 2 * bl.mr + 3], &[1, 3, 7, 16, 17, 33, bl.nr - 1, bl.nr, bl.nr + 9, 2 * bl.nr + 1], &[1, 9, bl.kc]);
    path_matches_packed::<T, K>(kernel, "small", driver::gemm_small::<T, K>, shapes, 1.5, 0.5);
}

/// The panel path (C at most NR columns, op(A) read in place, several KC blocks of k) gives
/// the packed path's bits, for every layout and transpose, B in place and packed.
fn panel_matches_packed<T: Kernels>() {
    if matmul_kernel::dispatch::supported(KernelKind::Avx512) {
        panel_matches_packed_with::<T, T::Avx512>("avx512");
    }
    if matmul_kernel::dispatch::supported(KernelKind::Avx2) {
        panel_matches_packed_with::<T, T::Avx2>("avx2");
    }
}

fn panel_matches_packed_with<T: Kernels, K: Microkernel<T>>(kernel: &str) {
    let bl = K::BLOCKING;
    let shapes: (&[usize], &[usize], &[usize]) = (&[1, bl.mr - 1, bl.mr, 2 * bl.mr + 3, 41], &[1, 2, 3, bl.nr / 2, bl.nr - 1, bl.nr], &[1, bl.kc, bl.kc + 1, 2 * bl.kc + 7, 1000]);
    path_matches_packed::<T, K>(kernel, "panel", driver::gemm_panel::<T, K>, shapes, -0.75, 1.25);
}

/// `path` against the packed path over every m x n x k of `shapes`, the variants (layout,
/// transposes), paddings and beta (every fourth case 0) cycling: correct, and the same bits.
fn path_matches_packed<T: Kernels, K: Microkernel<T>>(
    kernel: &str,
    name: &str,
    path: fn(&Gemm<T>) -> Result<(), AllocError>,
    (ms, ns, ks): (&[usize], &[usize], &[usize]),
    alpha: f64,
    beta: f64,
) {
    let mut v = 0;
    for &m in ms {
        for &n in ns {
            for &k in ks {
                v += 1;
                let case = Case::new(m, n, k).variant(v % 8).padded(v % 3, (v / 3) % 2, v % 2).scalars(alpha, if v % 4 == 0 { 0.0 } else { beta });
                let p = Problem::<T>::new(case, v as u64);
                let (mut c1, mut c2) = (p.c.data.clone(), p.c.data.clone());
                path(&p.gemm_over(&mut c1)).unwrap();
                driver::gemm_packed::<T, K>(&p.gemm_over(&mut c2)).unwrap();
                p.check(&c1, name);
                let same = c1.iter().zip(&c2).all(|(x, y)| x.to_f64().to_bits() == y.to_f64().to_bits());
                assert!(same, "{kernel}: {case:?}: {name} and packed paths differ");
            }
        }
    }
}

#[test]
fn panel_matches_packed_f64() {
    panel_matches_packed::<f64>();
}

#[test]
fn panel_matches_packed_f32() {
    panel_matches_packed::<f32>();
}

#[test]
fn small_matches_packed_f64() {
    small_matches_packed::<f64>();
}

#[test]
fn small_matches_packed_f32() {
    small_matches_packed::<f32>();
}

/// The one-panel path (small products, n <= NR, B's rows in place: what the ABI entry runs
/// without the small path's decisions) gives the packed path's bits. Cases it does not take
/// (B transposed or column-major, thin) run the small path, and are counted apart.
fn one_panel_matches_packed<T: Kernels>() {
    if matmul_kernel::dispatch::supported(KernelKind::Avx512) {
        one_panel_matches_packed_with::<T, T::Avx512>("avx512");
    }
    if matmul_kernel::dispatch::supported(KernelKind::Avx2) {
        one_panel_matches_packed_with::<T, T::Avx2>("avx2");
    }
}

thread_local! {
    /// Cases that took the one-panel path, on this test's thread.
    static ONE_PANEL_TAKEN: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn one_panel_or_small<T: Kernels, K: Microkernel<T>>(p: &Gemm<T>) -> Result<(), AllocError> {
    if !driver::takes_one_panel::<T, K>(p) {
        return driver::gemm_small::<T, K>(p);
    }
    ONE_PANEL_TAKEN.with(|taken| taken.set(taken.get() + 1));
    // SAFETY: Problem builds valid operands; takes_one_panel holds.
    unsafe { driver::one_panel::<T, K>(p) };
    Ok(())
}

fn one_panel_matches_packed_with<T: Kernels, K: Microkernel<T>>(kernel: &str) {
    let bl = K::BLOCKING;
    let shapes: (&[usize], &[usize], &[usize]) = (&[1, 2, 3, bl.mr - 1, bl.mr, bl.mr + 1, 2 * bl.mr + 3, 97], &[1, 2, 3, 7, bl.nr - 1, bl.nr], &[1, 2, 9, 17, 200]);
    let before = ONE_PANEL_TAKEN.with(std::cell::Cell::get);
    path_matches_packed::<T, K>(kernel, "one panel", one_panel_or_small::<T, K>, shapes, -1.25, 0.5);
    let taken = ONE_PANEL_TAKEN.with(std::cell::Cell::get) - before;
    // Half the variants read B in place; m = 1 and 2 past 4096 multiply-adds are thin.
    assert!(taken >= 60, "{kernel}: only {taken} cases took the one-panel path");
}

#[test]
fn one_panel_matches_packed_f64() {
    one_panel_matches_packed::<f64>();
}

#[test]
fn one_panel_matches_packed_f32() {
    one_panel_matches_packed::<f32>();
}

/// C := alpha * A B (row-major, A m x k, B k x n, beta 0) into the m x n window at the
/// start of `c`, rows `ldc` apart, validated as the C ABI does.
fn outer_gemm<T: Kernels>((m, n, k, ldc): (usize, usize, usize, usize), alpha: T, a: &[T], b: &[T], c: &mut [T]) -> Gemm<T> {
    matmul_kernel::problem::RawGemm {
        layout: matmul_kernel::MM_ROW_MAJOR,
        trans_a: matmul_kernel::MM_NO_TRANS,
        trans_b: matmul_kernel::MM_NO_TRANS,
        m: m as i64,
        n: n as i64,
        k: k as i64,
        alpha,
        a: a.as_ptr(),
        lda: k as i64,
        a_len: a.len() as i64,
        b: b.as_ptr(),
        ldb: n as i64,
        b_len: b.len() as i64,
        beta: T::ZERO,
        c: c.as_mut_ptr(),
        ldc: ldc as i64,
        c_len: ((m - 1) * ldc + n) as i64,
    }
    .validate()
    .expect("valid")
}

/// The index `shift` elements past the first 64-byte boundary in `buf`.
fn line_offset<T>(buf: &[T], shift: usize) -> usize {
    let line = 64 / std::mem::size_of::<T>();
    (line - (buf.as_ptr() as usize % 64) / std::mem::size_of::<T>()) % line + shift
}

/// Runs [`outer_gemm`] with alpha 0.75 on `threads` threads into a copy of `store`,
/// starting `shift` elements past the copy's first 64-byte boundary; returns the copy and
/// where the window starts in it.
fn outer_into<T: Kernels>(kind: KernelKind, threads: usize, dims: (usize, usize, usize, usize), a: &[T], b: &[T], store: &[T], shift: usize) -> (Vec<T>, usize) {
    let mut out = store.to_vec();
    let offset = line_offset(&out, shift);
    let g = outer_gemm(dims, T::from_f64(0.75), a, b, &mut out[offset..]);
    assert_eq!(gemm::gemm_with_threads(kind, threads, &g), MM_OK);
    (out, offset)
}

/// A C past the caches that one thread writes once (beta 0, one k block) goes out with
/// non-temporal stores where its rows are vector-aligned (`driver::streams_c`). The values
/// are the plain stores' (C one element off alignment stores normally), two threads stream
/// their pieces where each piece's rows are whole cache lines and store normally where
/// not, the padding between rows is untouched, and the values are right (against the naive
/// loop).
fn streamed_c<T: Kernels>() {
    let wide = 8 / std::mem::size_of::<T>(); // f32 rows twice as long: the same bytes
    // Aligned rows with 64 bytes of padding; and rows whose length breaks the alignment of
    // every other row (plain stores throughout).
    // Also aligned rows that end inside a line, the rest of it padding.
    for (m, n, k, ldc) in [(2048, 1024 * wide, 2, 1024 * wide + 16), (2048, 1024 * wide + 3, 2, 1024 * wide + 16),
        (1030, 2048 * wide + 3, 3, 2048 * wide + 3)] {
        let mut rng = common::SplitMix64(m as u64 * 7 + k as u64);
        let a: Vec<T> = (0..m * k).map(|_| T::from_f64(rng.unit())).collect();
        let b: Vec<T> = (0..k * n).map(|_| T::from_f64(rng.unit())).collect();
        let store = vec![T::from_f64(-7.25); (m - 1) * ldc + n + 64];
        let window = |out: &[T], at: usize| -> Vec<u64> {
            (0..m).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| out[at + i * ldc + j].to_f64().to_bits()).collect()
        };
        let untouched = |out: &[T], at: usize| {
            out.iter().enumerate().filter(|&(idx, _)| idx < at || idx >= at + (m - 1) * ldc + n || (idx - at) % ldc >= n)
                .all(|(_, v)| v.to_f64() == -7.25)
        };
        {
            // The case this test is for: the packed path streams it (the alignment of the
            // rows is the microkernel's to check).
            let mut c = store.clone();
            let g = outer_gemm((m, n, k, ldc), T::ONE, &a, &b, &mut c);
            assert!(driver::streams_c::<T, T::Generic>(&g), "{m}x{n}x{k}: not streamed");
            assert!(!driver::streams_c::<T, T::Generic>(&Gemm { beta: T::ONE, ..g }), "beta != 0 read C");
            assert!(!driver::streams_c::<T, T::Generic>(&Gemm { k: 1000, ..g }), "several k blocks re-read C");
        }
        {
            // Two threads' pieces stream only where each row of each piece is whole lines:
            // C on a line, rows a whole number of lines apart (the x86 kernels' NR are).
            let aligned_rows = (ldc * std::mem::size_of::<T>()) % 64 == 0;
            for shift in [0, 1] {
                let mut c = store.clone();
                let offset = line_offset(&c, shift);
                let g = outer_gemm((m, n, k, ldc), T::ONE, &a, &b, &mut c[offset..]);
                let whole = driver::pieces_own_whole_lines::<T, <T as Kernels>::Avx2>(&g);
                assert_eq!(whole, shift == 0 && aligned_rows, "{m}x{n}x{k} ldc {ldc} shift {shift}: AVX2 pieces");
                let whole = driver::pieces_own_whole_lines::<T, <T as Kernels>::Avx512>(&g);
                assert_eq!(whole, shift == 0 && aligned_rows, "{m}x{n}x{k} ldc {ldc} shift {shift}: AVX-512 pieces");
            }
        }
        for kind in kinds() {
            let (streamed, at_s) = outer_into::<T>(kind, 1, (m, n, k, ldc), &a, &b, &store, 0);
            let (plain, at_p) = outer_into::<T>(kind, 1, (m, n, k, ldc), &a, &b, &store, 1);
            let (two, at_t) = outer_into::<T>(kind, 2, (m, n, k, ldc), &a, &b, &store, 0);
            let (two_plain, at_tp) = outer_into::<T>(kind, 2, (m, n, k, ldc), &a, &b, &store, 1);
            let want = window(&streamed, at_s);
            assert!(want == window(&plain, at_p), "{}: {m}x{n}x{k}: streamed and plain stores differ", kind.name());
            assert!(want == window(&two, at_t), "{}: {m}x{n}x{k}: one and two threads differ", kind.name());
            assert!(want == window(&two_plain, at_tp), "{}: {m}x{n}x{k}: two threads, off alignment, differ", kind.name());
            assert!(untouched(&streamed, at_s) && untouched(&plain, at_p), "{}: {m}x{n}x{k}: padding written", kind.name());
            assert!(untouched(&two, at_t) && untouched(&two_plain, at_tp), "{}: {m}x{n}x{k}: two threads wrote padding", kind.name());
            for (i, j) in [(0, 0), (m - 1, n - 1), (m / 2, n / 3), (17, n - 5)] {
                let exact: f64 = (0..k).map(|l| a[i * k + l].to_f64() * b[l * n + j].to_f64()).sum::<f64>() * 0.75;
                let got = streamed[at_s + i * ldc + j].to_f64();
                assert!((got - exact).abs() <= 4.0 * (k as f64) * T::EPSILON.to_f64(), "{}: C[{i},{j}] = {got}, want {exact}", kind.name());
            }
        }
    }
}

#[test]
fn streamed_c_f64() {
    streamed_c::<f64>();
}

#[test]
fn streamed_c_f32() {
    streamed_c::<f32>();
}
