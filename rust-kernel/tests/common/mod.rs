//! Shared test helpers: deterministic data (SplitMix64), problem construction through the
//! same validation the C ABI uses, and the netlib-style error check against the naive
//! reference.
#![allow(dead_code)]

use matmul_kernel::dispatch::KernelKind;
use matmul_kernel::microkernel::Kernels;
use matmul_kernel::gemm;
use matmul_kernel::naive;
use matmul_kernel::problem::{Gemm, RawGemm};
use matmul_kernel::{MM_COL_MAJOR, MM_NO_TRANS, MM_OK, MM_ROW_MAJOR, MM_TRANS};

pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Written into C's padding (between n and ldc): must survive every call.
pub const SENTINEL: f64 = 1234.5;
/// Elements after each buffer's reach, which no call may touch.
pub const GUARD: usize = 64;

#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub col_major: bool,
    pub trans_a: bool,
    pub trans_b: bool,
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub alpha: f64,
    pub beta: f64,
    /// Extra leading-dimension padding for A, B, C.
    pub pad: [usize; 3],
    /// Fill C with NaN before the call (only meaningful with beta == 0).
    pub nan_c: bool,
}

impl Case {
    pub fn new(m: usize, n: usize, k: usize) -> Case {
        Case {
            col_major: false,
            trans_a: false,
            trans_b: false,
            m,
            n,
            k,
            alpha: 1.0,
            beta: 0.0,
            pad: [0; 3],
            nan_c: false,
        }
    }
    /// One of the 8 layout / transpose combinations.
    pub fn variant(mut self, v: usize) -> Case {
        self.col_major = v & 1 != 0;
        self.trans_a = v & 2 != 0;
        self.trans_b = v & 4 != 0;
        self
    }
    pub fn scalars(mut self, alpha: f64, beta: f64) -> Case {
        self.alpha = alpha;
        self.beta = beta;
        self
    }
    pub fn padded(mut self, pa: usize, pb: usize, pc: usize) -> Case {
        self.pad = [pa, pb, pc];
        self
    }
}

/// A stored operand: `op_rows x op_cols` after the optional transpose.
pub struct Stored<T> {
    pub data: Vec<T>,
    pub ld: usize,
    /// Element (i, j) of op(X) is at i * rs + j * cs.
    pub rs: usize,
    pub cs: usize,
}

pub fn stored<T: Kernels>(
    col_major: bool,
    trans: bool,
    op_rows: usize,
    op_cols: usize,
    pad: usize,
    fill: &mut dyn FnMut() -> T,
    pad_value: T,
) -> Stored<T> {
    let (rows, cols) = if trans { (op_cols, op_rows) } else { (op_rows, op_cols) };
    let (outer, inner) = if col_major { (cols, rows) } else { (rows, cols) };
    let ld = inner.max(1) + pad;
    let len = if outer == 0 { 0 } else { (outer - 1) * ld + inner };
    // Guard elements past the described reach catch writes beyond the last row.
    let mut data = vec![pad_value; len + GUARD];
    for o in 0..outer {
        for i in 0..inner {
            data[o * ld + i] = fill();
        }
    }
    let (srs, scs) = if col_major { (1, ld) } else { (ld, 1) };
    let (rs, cs) = if trans { (scs, srs) } else { (srs, scs) };
    Stored { data, ld, rs, cs }
}

pub struct Problem<T> {
    pub case: Case,
    pub a: Stored<T>,
    pub b: Stored<T>,
    pub c: Stored<T>,
}

impl<T: Kernels> Problem<T> {
    pub fn new(case: Case, seed: u64) -> Problem<T> {
        let mut rng = SplitMix64(seed);
        let mut r = || T::from_f64(rng.unit());
        let pad = T::from_f64(SENTINEL);
        let a = stored(case.col_major, case.trans_a, case.m, case.k, case.pad[0], &mut r, pad);
        let b = stored(case.col_major, case.trans_b, case.k, case.n, case.pad[1], &mut r, pad);
        let c = if case.nan_c {
            stored(case.col_major, false, case.m, case.n, case.pad[2], &mut || T::from_f64(f64::NAN), pad)
        } else {
            stored(case.col_major, false, case.m, case.n, case.pad[2], &mut r, pad)
        };
        Problem { case, a, b, c }
    }

    /// The validated problem over `c` (the same checks the C ABI runs).
    pub fn gemm_over(&self, c: &mut [T]) -> Gemm<T> {
        self.window_over(c, 0..self.case.m, 0..self.case.n)
    }

    /// The part of the problem that computes rows `rows` and columns `cols` of C, as a
    /// caller would describe it: base pointers moved, leading dimensions kept.
    pub fn window_over(&self, c: &mut [T], rows: std::ops::Range<usize>, cols: std::ops::Range<usize>) -> Gemm<T> {
        let cs = self.case;
        let (a_at, b_at) = (rows.start * self.a.rs, cols.start * self.b.cs);
        let c_at = rows.start * self.c.rs + cols.start * self.c.cs;
        let reach = |len: usize, at: usize| (len - GUARD - at) as i64;
        let raw = RawGemm {
            layout: if cs.col_major { MM_COL_MAJOR } else { MM_ROW_MAJOR },
            trans_a: if cs.trans_a { MM_TRANS } else { MM_NO_TRANS },
            trans_b: if cs.trans_b { MM_TRANS } else { MM_NO_TRANS },
            m: rows.len() as i64,
            n: cols.len() as i64,
            k: cs.k as i64,
            alpha: T::from_f64(cs.alpha),
            a: self.a.data[a_at..].as_ptr(),
            lda: self.a.ld as i64,
            a_len: reach(self.a.data.len(), a_at),
            b: self.b.data[b_at..].as_ptr(),
            ldb: self.b.ld as i64,
            b_len: reach(self.b.data.len(), b_at),
            beta: T::from_f64(cs.beta),
            c: c[c_at..].as_mut_ptr(),
            ldc: self.c.ld as i64,
            c_len: reach(c.len(), c_at),
        };
        raw.validate().expect("test problem must be valid")
    }

    pub fn run(&self, kind: KernelKind, threads: usize) -> Vec<T> {
        let mut c = self.c.data.clone();
        let g = self.gemm_over(&mut c);
        assert_eq!(gemm::gemm_with_threads(kind, threads, &g), MM_OK);
        c
    }

    /// As [`run`](Self::run) with the process's thread setting (`mm_set_num_threads`).
    pub fn run_default(&self, kind: KernelKind) -> Vec<T> {
        let mut c = self.c.data.clone();
        let g = self.gemm_over(&mut c);
        assert_eq!(gemm::gemm_with(kind, &g), MM_OK);
        c
    }

    pub fn reference(&self) -> Vec<T> {
        let mut c = self.c.data.clone();
        let g = self.gemm_over(&mut c);
        naive::gemm_naive(&g);
        c
    }

    fn c_index(&self, i: usize, j: usize) -> usize {
        i * self.c.rs + j * self.c.cs
    }

    /// Checks `got` against the reference: element-wise netlib ratio below 16 inside the
    /// window, and every element outside the window (padding) unchanged.
    pub fn check(&self, got: &[T], what: &str) {
        let want = self.reference();
        let cs = self.case;
        let eps = T::EPSILON.to_f64();
        let mut inside = vec![false; got.len()];
        for i in 0..cs.m {
            for j in 0..cs.n {
                let idx = self.c_index(i, j);
                inside[idx] = true;
                let (g, w) = (got[idx].to_f64(), want[idx].to_f64());
                let mut scale = 0.0;
                if cs.alpha != 0.0 {
                    for l in 0..cs.k {
                        let a = self.a.data[i * self.a.rs + l * self.a.cs].to_f64();
                        let b = self.b.data[l * self.b.rs + j * self.b.cs].to_f64();
                        scale += (a * b).abs();
                    }
                    scale *= cs.alpha.abs();
                }
                if cs.beta != 0.0 {
                    scale += cs.beta.abs() * self.c.data[idx].to_f64().abs();
                }
                assert!(g.is_finite(), "{what}: {cs:?}: C[{i},{j}] = {g} is not finite");
                let err = (g - w).abs();
                let bound = (cs.k as f64 + 2.0) * eps * scale;
                if bound == 0.0 {
                    assert_eq!(g, w, "{what}: {cs:?}: C[{i},{j}]");
                } else {
                    let ratio = err / bound;
                    assert!(ratio < 16.0, "{what}: {cs:?}: C[{i},{j}] = {g}, want {w}, ratio {ratio}");
                }
            }
        }
        for (idx, v) in got.iter().enumerate() {
            if !inside[idx] {
                assert_eq!(v.to_f64().to_bits(), self.c.data[idx].to_f64().to_bits(), "{what}: {cs:?}: C padding [{idx}] written");
            }
        }
    }
}

/// The kernels this machine can run.
pub fn kinds() -> Vec<KernelKind> {
    KernelKind::ALL.iter().copied().filter(|&k| matmul_kernel::dispatch::supported(k)).collect()
}

pub fn blocking<T: Kernels>(kind: KernelKind) -> matmul_kernel::blocking::Blocking {
    use matmul_kernel::microkernel::Microkernel;
    match matmul_kernel::dispatch::resolve(kind) {
        KernelKind::Avx512 => <T::Avx512 as Microkernel<T>>::BLOCKING,
        KernelKind::Avx2 => <T::Avx2 as Microkernel<T>>::BLOCKING,
        KernelKind::Neon => <T::Neon as Microkernel<T>>::BLOCKING,
        KernelKind::Generic => <T::Generic as Microkernel<T>>::BLOCKING,
    }
}
