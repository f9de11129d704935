//! Strided batches through the C ABI: every product bit for bit that of the same
//! `mm_dgemm` / `mm_sgemm`, on every kernel path and thread count; shared A or B (stride
//! 0); gaps between matrices never written; and the batch-only bad inputs (count,
//! strides, overlaps between C's matrices and with any input matrix, a short last
//! matrix), each refused with every C untouched. The bad inputs a single product can
//! have are in c_abi_bad_input.rs, which runs them through the batch entry points too.
mod common;

use common::{kinds, SplitMix64};
use matmul_kernel::batch::batch_on;
use matmul_kernel::gemm::{self, Threads};
use matmul_kernel::microkernel::Kernels;
use matmul_kernel::problem::{RawBatch, RawGemm};
use matmul_kernel::*;

type Single<T> = unsafe extern "C" fn(i32, i32, i32, i64, i64, i64, T, *const T, i64, i64, *const T, i64, i64, T, *mut T, i64, i64) -> i32;
type Batched<T> = unsafe extern "C" fn(
    i32, i32, i32, i64, i64, i64, T, *const T, i64, i64, i64, *const T, i64, i64, i64, T, *mut T, i64, i64, i64, i64,
) -> i32;

trait Scalar: Kernels + std::fmt::Debug {
    const SINGLE: Single<Self>;
    const BATCHED: Batched<Self>;
    fn bits(self) -> u64;
}

impl Scalar for f64 {
    const SINGLE: Single<f64> = mm_dgemm;
    const BATCHED: Batched<f64> = mm_dgemm_batch_strided;
    fn bits(self) -> u64 {
        self.to_bits()
    }
}

impl Scalar for f32 {
    const SINGLE: Single<f32> = mm_sgemm;
    const BATCHED: Batched<f32> = mm_sgemm_batch_strided;
    fn bits(self) -> u64 {
        self.to_bits() as u64
    }
}

/// A row-major (or column-major) batch with minimal leading dimensions, each operand's
/// matrices `stride` elements apart (the gaps filled with data that must not matter, and
/// for C must not change).
#[derive(Clone, Debug)]
struct Spec {
    col_major: bool,
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    alpha: f64,
    beta: f64,
    count: usize,
    strides: [usize; 3],
}

struct Buffers<T> {
    a: Vec<T>,
    b: Vec<T>,
    c: Vec<T>,
    ld: [usize; 3],
}

fn reach(col_major: bool, trans: bool, rows: usize, cols: usize) -> (usize, usize) {
    let (r, c) = if trans { (cols, rows) } else { (rows, cols) };
    let (outer, inner) = if col_major { (c, r) } else { (r, c) };
    let ld = inner.max(1);
    (ld, if outer == 0 || inner == 0 { 0 } else { (outer - 1) * ld + inner })
}

impl Spec {
    fn new(m: usize, n: usize, k: usize, count: usize) -> Spec {
        let (_, ra) = reach(false, false, m, k);
        let (_, rb) = reach(false, false, k, n);
        let (_, rc) = reach(false, false, m, n);
        Spec { col_major: false, trans_a: false, trans_b: false, m, n, k, alpha: 1.0, beta: 0.0, count, strides: [ra + 3, rb + 1, rc + 2] }
    }

    fn lds_and_reaches(&self) -> ([usize; 3], [usize; 3]) {
        let (la, ra) = reach(self.col_major, self.trans_a, self.m, self.k);
        let (lb, rb) = reach(self.col_major, self.trans_b, self.k, self.n);
        let (lc, rc) = reach(self.col_major, false, self.m, self.n);
        ([la, lb, lc], [ra, rb, rc])
    }

    fn buffers<T: Scalar>(&self, seed: u64) -> Buffers<T> {
        let (ld, reaches) = self.lds_and_reaches();
        let len = |i: usize| if self.count == 0 { 0 } else { (self.count - 1) * self.strides[i] + reaches[i] };
        let mut rng = SplitMix64(seed);
        let mut fill = |len: usize| (0..len).map(|_| T::from_f64(rng.unit())).collect::<Vec<T>>();
        Buffers { a: fill(len(0)), b: fill(len(1)), c: fill(len(2)), ld }
    }

    fn enums(&self) -> (i32, i32, i32) {
        let t = |x: bool| if x { MM_TRANS } else { MM_NO_TRANS };
        (if self.col_major { MM_COL_MAJOR } else { MM_ROW_MAJOR }, t(self.trans_a), t(self.trans_b))
    }

    /// The batch in one call.
    fn batched<T: Scalar>(&self, x: &mut Buffers<T>) -> i32 {
        let (layout, ta, tb) = self.enums();
        let [sa, sb, sc] = self.strides.map(|s| s as i64);
        // SAFETY: each length is its Vec's length.
        unsafe {
            T::BATCHED(layout, ta, tb, self.m as i64, self.n as i64, self.k as i64, T::from_f64(self.alpha), x.a.as_ptr(), x.ld[0] as i64, sa,
                x.a.len() as i64, x.b.as_ptr(), x.ld[1] as i64, sb, x.b.len() as i64, T::from_f64(self.beta), x.c.as_mut_ptr(),
                x.ld[2] as i64, sc, x.c.len() as i64, self.count as i64)
        }
    }

    /// The batch as one single call per product.
    fn one_by_one<T: Scalar>(&self, x: &mut Buffers<T>) {
        let (layout, ta, tb) = self.enums();
        let (_, reaches) = self.lds_and_reaches();
        for i in 0..self.count {
            let [oa, ob, oc] = [0, 1, 2].map(|o| i * self.strides[o]);
            // SAFETY: matrix i of each operand lies inside its Vec (see `buffers`).
            let status = unsafe {
                T::SINGLE(layout, ta, tb, self.m as i64, self.n as i64, self.k as i64, T::from_f64(self.alpha), x.a.as_ptr().add(oa),
                    x.ld[0] as i64, reaches[0] as i64, x.b.as_ptr().add(ob), x.ld[1] as i64, reaches[1] as i64, T::from_f64(self.beta),
                    x.c.as_mut_ptr().add(oc), x.ld[2] as i64, reaches[2] as i64)
            };
            assert_eq!(status, MM_OK, "{self:?}: product {i} alone");
        }
    }

    /// The validated batch over `x` (as the C ABI validates it), for `batch_on`.
    fn raw<T: Scalar>(&self, x: &mut Buffers<T>) -> RawBatch<T> {
        let (layout, trans_a, trans_b) = self.enums();
        let first = RawGemm {
            layout, trans_a, trans_b, m: self.m as i64, n: self.n as i64, k: self.k as i64, alpha: T::from_f64(self.alpha),
            a: x.a.as_ptr(), lda: x.ld[0] as i64, a_len: x.a.len() as i64, b: x.b.as_ptr(), ldb: x.ld[1] as i64, b_len: x.b.len() as i64,
            beta: T::from_f64(self.beta), c: x.c.as_mut_ptr(), ldc: x.ld[2] as i64, c_len: x.c.len() as i64,
        };
        let [sa, sb, sc] = self.strides.map(|s| s as i64);
        RawBatch { first, stride_a: sa, stride_b: sb, stride_c: sc, count: self.count as i64 }
    }
}

fn same_bits<T: Scalar>(x: &[T], y: &[T]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.bits() == q.bits())
}

fn specs() -> Vec<Spec> {
    let mut out = vec![
        Spec::new(8, 8, 8, 500),
        Spec::new(32, 32, 32, 40),
        Spec::new(3, 5, 7, 33),
        Spec::new(100, 100, 100, 3),
        Spec::new(1, 1, 300, 9),
        Spec::new(17, 9, 1, 11),
        Spec { beta: 0.5, alpha: -1.5, ..Spec::new(13, 24, 9, 64) },
        Spec { col_major: true, trans_a: true, beta: 1.0, ..Spec::new(9, 16, 12, 50) },
        Spec { trans_b: true, alpha: 0.0, beta: 2.0, ..Spec::new(6, 7, 8, 5) },
        Spec { beta: -1.0, ..Spec::new(4, 4, 0, 7) },
        Spec::new(5, 6, 7, 1),
    ];
    // One A shared by every product (many inputs against one weight matrix), then one B.
    let mut shared_a = Spec::new(16, 8, 24, 200);
    shared_a.strides[0] = 0;
    let mut shared_b = Spec { trans_a: true, ..Spec::new(24, 16, 8, 200) };
    shared_b.strides[1] = 0;
    let mut shared_both = Spec::new(7, 9, 11, 40);
    shared_both.strides = [0, 0, shared_both.strides[2]];
    out.extend([shared_a, shared_b, shared_both]);
    out
}

fn each_product_as_alone<T: Scalar>() {
    for (s, spec) in specs().into_iter().enumerate() {
        let mut want = spec.buffers::<T>(s as u64);
        let c0 = want.c.clone();
        spec.one_by_one(&mut want);
        let mut got = spec.buffers::<T>(s as u64);
        assert_eq!(spec.batched(&mut got), MM_OK, "{spec:?}");
        assert!(same_bits(&got.c, &want.c), "{spec:?}: the batch differs from its products called one by one");
        // The gaps between C's matrices were never part of any product.
        let (_, reaches) = spec.lds_and_reaches();
        for i in 0..spec.count.saturating_sub(1) {
            let gap = i * spec.strides[2] + reaches[2]..(i + 1) * spec.strides[2];
            assert!(same_bits(&got.c[gap.clone()], &c0[gap]), "{spec:?}: gap after C {i} written");
        }
        for kind in kinds() {
            let mut alone = spec.buffers::<T>(s as u64);
            let batch = spec.raw(&mut alone).validate().expect("valid batch");
            for i in 0..batch.count {
                assert_eq!(gemm::gemm_with_threads(kind, 1, &batch.item(i)), MM_OK);
            }
            for threads in [1, 2, 3, 5] {
                let mut again = spec.buffers::<T>(s as u64);
                let batch = spec.raw(&mut again).validate().expect("valid batch");
                assert_eq!(batch_on(kind, Threads::Exactly(threads), &batch), MM_OK);
                assert!(same_bits(&again.c, &alone.c), "{spec:?}: {} on {threads} threads differs from its products alone", kind.name());
            }
        }
    }
}

#[test]
fn each_product_as_alone_f64() {
    each_product_as_alone::<f64>();
}

#[test]
fn each_product_as_alone_f32() {
    each_product_as_alone::<f32>();
}

/// C's matrices side by side in one wide matrix (ldc = count * n, stride n): no element is
/// shared, so the batch is valid, though the matrices' spans interleave.
#[test]
fn side_by_side_c_matrices_are_one_wide_product() {
    let (m, n, k, count) = (6usize, 5usize, 4usize, 7usize);
    let mut rng = SplitMix64(9);
    let a: Vec<f64> = (0..m * k).map(|_| rng.unit()).collect();
    let b: Vec<f64> = (0..k * n * count).map(|_| rng.unit()).collect();
    let mut c = vec![0.0f64; m * n * count];
    // SAFETY: lengths are the Vecs'.
    let status = unsafe {
        mm_dgemm_batch_strided(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, m as i64, n as i64, k as i64, 1.0, a.as_ptr(), k as i64, 0,
            a.len() as i64, b.as_ptr(), (n * count) as i64, n as i64, b.len() as i64, 0.0, c.as_mut_ptr(), (n * count) as i64, n as i64,
            c.len() as i64, count as i64)
    };
    assert_eq!(status, MM_OK);
    let mut wide = vec![0.0f64; m * n * count];
    // SAFETY: as above.
    let status = unsafe {
        mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, m as i64, (n * count) as i64, k as i64, 1.0, a.as_ptr(), k as i64, a.len() as i64,
            b.as_ptr(), (n * count) as i64, b.len() as i64, 0.0, wide.as_mut_ptr(), (n * count) as i64, wide.len() as i64)
    };
    assert_eq!(status, MM_OK);
    for (i, (x, y)) in c.iter().zip(&wide).enumerate() {
        assert!((x - y).abs() <= 1e-14 * y.abs().max(1.0), "C[{i}] = {x}, the wide product gives {y}");
    }
}

/// Batch-only bad inputs on a valid 4 x 3 x 2 batch of 5: (what, how to break it, status).
fn catalogue() -> Vec<(&'static str, Box<dyn Fn(&mut Spec, &mut Buffers<f64>) -> i32>, i32)> {
    fn raw_call(spec: &Spec, x: &mut Buffers<f64>, edit: impl FnOnce(&mut RawBatch<f64>)) -> i32 {
        let mut r = spec.raw(x);
        edit(&mut r);
        let f = r.first;
        // SAFETY: lengths at most the Vecs' unless an entry lies on purpose, which
        // validation must refuse before any access (the test).
        unsafe {
            mm_dgemm_batch_strided(f.layout, f.trans_a, f.trans_b, f.m, f.n, f.k, f.alpha, f.a, f.lda, r.stride_a, f.a_len, f.b, f.ldb,
                r.stride_b, f.b_len, f.beta, f.c, f.ldc, r.stride_c, f.c_len, r.count)
        }
    }
    vec![
        ("negative batch count", Box::new(move |s, x| raw_call(s, x, |r| r.count = -1)), MM_ERR_INVALID_DIMENSION),
        ("batch count i64::MIN", Box::new(move |s, x| raw_call(s, x, |r| r.count = i64::MIN)), MM_ERR_INVALID_DIMENSION),
        ("negative stride_a", Box::new(move |s, x| raw_call(s, x, |r| r.stride_a = -1)), MM_ERR_INVALID_ARGUMENT),
        ("negative stride_b", Box::new(move |s, x| raw_call(s, x, |r| r.stride_b = -6)), MM_ERR_INVALID_ARGUMENT),
        ("negative stride_c", Box::new(move |s, x| raw_call(s, x, |r| r.stride_c = i64::MIN)), MM_ERR_INVALID_ARGUMENT),
        ("last A one element short", Box::new(move |s, x| raw_call(s, x, |r| r.first.a_len -= 1)), MM_ERR_BUFFER_TOO_SMALL),
        ("last B one element short", Box::new(move |s, x| raw_call(s, x, |r| r.first.b_len -= 1)), MM_ERR_BUFFER_TOO_SMALL),
        ("last C one element short", Box::new(move |s, x| raw_call(s, x, |r| r.first.c_len -= 1)), MM_ERR_BUFFER_TOO_SMALL),
        ("one more product than C holds", Box::new(move |s, x| raw_call(s, x, |r| r.count += 1)), MM_ERR_BUFFER_TOO_SMALL),
        ("stride_c times count overflows", Box::new(move |s, x| raw_call(s, x, |r| {
            r.stride_c = i64::MAX / 2;
            r.first.c_len = i64::MAX;
        })), MM_ERR_INVALID_DIMENSION),
        ("stride_a past isize", Box::new(move |s, x| raw_call(s, x, |r| {
            r.stride_a = i64::MAX / 8;
            r.first.a_len = i64::MAX;
        })), MM_ERR_INVALID_DIMENSION),
        ("C shared by every product (stride_c 0)", Box::new(move |s, x| raw_call(s, x, |r| r.stride_c = 0)), MM_ERR_INVALID_ARGUMENT),
        ("C matrices overlapping their neighbours", Box::new(move |s, x| raw_call(s, x, |r| r.stride_c = 11)), MM_ERR_INVALID_ARGUMENT),
        // ldc 10, 4 rows of 3: C_0 holds 0..3, 10..13, 20..23, 30..33; at stride 3, C_1
        // and C_2 miss it, but C_3 (9..12, ...) shares 10 and 11.
        ("C matrices interleaved, only the third neighbour overlapping", Box::new(move |s, x| raw_call(s, x, |r| {
            r.first.ldc = 10;
            r.stride_c = 3;
        })), MM_ERR_INVALID_ARGUMENT),
        // C: 5 matrices of 4 x 3 (12 elements), 14 apart: C_i = [14i, 14i + 12).
        ("A's matrices inside C's buffer, A_0 meeting C_1", Box::new(move |s, x| raw_call(s, x, |r| {
            // A_j = [13 + 9j, 21 + 9j): A_0 shares 14..21 with C_1, not one with C_0.
            r.first.a = r.first.c.wrapping_add(13) as *const f64;
            r.first.a_len = 44;
        })), MM_ERR_INVALID_ARGUMENT),
        ("one shared A meeting only the last C", Box::new(move |s, x| raw_call(s, x, |r| {
            r.first.a = r.first.c.wrapping_add(57) as *const f64;
            r.first.a_len = 8;
            r.stride_a = 0;
        })), MM_ERR_INVALID_ARGUMENT),
        ("one shared B meeting only C_2", Box::new(move |s, x| raw_call(s, x, |r| {
            r.first.b = r.first.c.wrapping_add(33) as *const f64;
            r.first.b_len = 6;
            r.stride_b = 0;
        })), MM_ERR_INVALID_ARGUMENT),
        ("the unbroken batch", Box::new(|s: &mut Spec, x: &mut Buffers<f64>| s.batched(x)), MM_OK),
    ]
}

/// Every batch-only bad input gets its status before anything is written: the whole batch
/// is validated first, so a fault in the last product leaves the first untouched too.
#[test]
fn every_bad_batch_gets_its_status_and_writes_nothing() {
    for (what, breaks, want) in catalogue() {
        let mut spec = Spec::new(4, 3, 2, 5);
        spec.strides = [9, 7, 14];
        // C's buffer holds exactly the batch (68 elements): the entries that place A or B
        // inside it stay within it.
        let mut x = spec.buffers::<f64>(77);
        let (a0, b0, c0) = (x.a.clone(), x.b.clone(), x.c.clone());
        let got = breaks(&mut spec, &mut x);
        assert_eq!(got, want, "{what}");
        if want != MM_OK {
            assert!(x.a == a0 && x.b == b0 && x.c == c0, "{what}: a refused batch wrote");
        } else {
            assert!(x.c != c0, "{what}: the valid batch wrote nothing");
        }
    }
}

/// A batch of none, or of products with no elements, touches nothing: null pointers and
/// zero lengths are fine. k == 0 gives C_i := beta * C_i without reading A or B.
#[test]
fn empty_batches_touch_nothing() {
    for (m, n, count) in [(4, 3, 0), (0, 3, 5), (4, 0, 5)] {
        // SAFETY: nothing may be reached; validation proves it or refuses.
        let status = unsafe {
            mm_dgemm_batch_strided(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, m, n, 2, 1.0, std::ptr::null(), 2, 8, 0, std::ptr::null(), 3, 6, 0,
                0.0, std::ptr::null_mut(), 3, 12, 0, count)
        };
        assert_eq!(status, MM_OK, "m={m} n={n} count={count}");
    }
    let mut c = vec![2.0f32; 3 * 12];
    // SAFETY: C's length is the Vec's; A and B are not read at k == 0.
    let status = unsafe {
        mm_sgemm_batch_strided(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, 4, 3, 0, 1.0, std::ptr::null(), 1, 0, 0, std::ptr::null(), 3, 0, 0,
            0.5, c.as_mut_ptr(), 3, 12, c.len() as i64, 3)
    };
    assert_eq!(status, MM_OK);
    assert!(c.iter().all(|&x| x == 1.0), "k = 0 scales every C by beta");
}

/// The budgeted forms: a budget out of range is refused before anything is written; any
/// budget in range gives the same bits as no budget.
#[test]
fn budgeted_batches() {
    let spec = Spec::new(32, 32, 32, 40);
    let mut want = spec.buffers::<f64>(5);
    assert_eq!(spec.batched(&mut want), MM_OK);
    for budget in [-1, MM_MAX_THREADS + 1, i32::MIN, 0, 1, 2, MM_MAX_THREADS] {
        let mut x = spec.buffers::<f64>(5);
        let c0 = x.c.clone();
        let [sa, sb, sc] = spec.strides.map(|s| s as i64);
        // SAFETY: lengths are the Vecs'.
        let status = unsafe {
            mm_dgemm_batch_strided_budgeted(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, 32, 32, 32, 1.0, x.a.as_ptr(), 32, sa, x.a.len() as i64,
                x.b.as_ptr(), 32, sb, x.b.len() as i64, 0.0, x.c.as_mut_ptr(), 32, sc, x.c.len() as i64, 40, budget)
        };
        if (0..=MM_MAX_THREADS).contains(&budget) {
            assert_eq!(status, MM_OK, "budget {budget}");
            assert!(same_bits(&x.c, &want.c), "budget {budget} changed the bits");
        } else {
            assert_eq!(status, MM_ERR_INVALID_ARGUMENT, "budget {budget}");
            assert!(x.c == c0, "budget {budget}: a refused batch wrote");
        }
    }
    let mut y = spec.buffers::<f32>(5);
    let mut want32 = spec.buffers::<f32>(5);
    assert_eq!(spec.batched(&mut want32), MM_OK);
    let [sa, sb, sc] = spec.strides.map(|s| s as i64);
    // SAFETY: lengths are the Vecs'.
    let status = unsafe {
        mm_sgemm_batch_strided_budgeted(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, 32, 32, 32, 1.0, y.a.as_ptr(), 32, sa, y.a.len() as i64,
            y.b.as_ptr(), 32, sb, y.b.len() as i64, 0.0, y.c.as_mut_ptr(), 32, sc, y.c.len() as i64, 40, 1)
    };
    assert_eq!(status, MM_OK);
    assert!(same_bits(&y.c, &want32.c));
}
