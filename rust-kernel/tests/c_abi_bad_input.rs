//! The README's bad-input catalogue through the C ABI, on every GEMM entry point
//! (mm_dgemm, mm_dgemm_naive, mm_sgemm, and the batch entry points with one product):
//! each bad input gets its status and writes nothing, not even past the described buffers; NaN and infinite alpha or beta are
//! accepted and propagate. abi_validation.rs keeps what a catalogue entry cannot
//! express (misaligned pointers, disjoint views of one buffer, results of valid calls).
use matmul_kernel::*;
use std::fmt::Debug;

type Entry<T> = unsafe extern "C" fn(i32, i32, i32, i64, i64, i64, T, *const T, i64, i64, *const T, i64, i64, T, *mut T, i64, i64) -> i32;

trait Scalar: Copy + PartialEq + Debug + 'static {
    fn of(x: f64) -> Self;
    fn wide(self) -> f64;
    fn entries() -> Vec<(&'static str, Entry<Self>)>;
}

impl Scalar for f64 {
    fn of(x: f64) -> f64 {
        x
    }
    fn wide(self) -> f64 {
        self
    }
    fn entries() -> Vec<(&'static str, Entry<f64>)> {
        vec![("mm_dgemm", mm_dgemm), ("mm_dgemm_naive", mm_dgemm_naive), ("mm_dgemm_batch_strided (one product)", dgemm_batch_of_one)]
    }
}

impl Scalar for f32 {
    fn of(x: f64) -> f32 {
        x as f32
    }
    fn wide(self) -> f64 {
        self as f64
    }
    fn entries() -> Vec<(&'static str, Entry<f32>)> {
        vec![("mm_sgemm", mm_sgemm), ("mm_sgemm_batch_strided (one product)", sgemm_batch_of_one)]
    }
}

macro_rules! batch_of_one {
    ($name:ident, $t:ty, $batched:ident) => {
        /// The single-product call as a batch of one (strides 0): every catalogue entry
        /// must get the same status through the batch entry point.
        unsafe extern "C" fn $name(layout: i32, ta: i32, tb: i32, m: i64, n: i64, k: i64, alpha: $t, a: *const $t, lda: i64, a_len: i64,
            b: *const $t, ldb: i64, b_len: i64, beta: $t, c: *mut $t, ldc: i64, c_len: i64) -> i32 {
            // SAFETY: the caller's contract, unchanged.
            unsafe { $batched(layout, ta, tb, m, n, k, alpha, a, lda, 0, a_len, b, ldb, 0, b_len, beta, c, ldc, 0, c_len, 1) }
        }
    };
}
batch_of_one!(dgemm_batch_of_one, f64, mm_dgemm_batch_strided);
batch_of_one!(sgemm_batch_of_one, f32, mm_sgemm_batch_strided);

/// Sentinel elements after each buffer's described length: no call may touch them.
const GUARD: usize = 8;
const SENTINEL: f64 = -777.0;

/// A valid row-major 3x4x5 call with positive data; each catalogue entry breaks one thing.
#[derive(Clone, Debug)]
struct Call<T> {
    layout: i32,
    ta: i32,
    tb: i32,
    m: i64,
    n: i64,
    k: i64,
    alpha: T,
    beta: T,
    lda: i64,
    ldb: i64,
    ldc: i64,
    lens: [i64; 3],
    null: [bool; 3],
    /// C starts this many elements into A's buffer instead of having its own.
    c_inside_a: Option<usize>,
    /// C starts this many elements into B's buffer.
    c_inside_b: Option<usize>,
    a: Vec<T>,
    b: Vec<T>,
    c: Vec<T>,
}

impl<T: Scalar> Call<T> {
    fn new() -> Call<T> {
        let (m, n, k) = (3usize, 4usize, 5usize);
        let filled = |len: usize, base: f64| {
            let mut v: Vec<T> = (0..len).map(|i| T::of(base + i as f64 / 64.0)).collect();
            v.extend(std::iter::repeat(T::of(SENTINEL)).take(GUARD));
            v
        };
        Call {
            layout: MM_ROW_MAJOR,
            ta: MM_NO_TRANS,
            tb: MM_NO_TRANS,
            m: m as i64,
            n: n as i64,
            k: k as i64,
            alpha: T::of(1.0),
            beta: T::of(0.5),
            lda: k as i64,
            ldb: n as i64,
            ldc: n as i64,
            lens: [(m * k) as i64, (k * n) as i64, (m * n) as i64],
            null: [false; 3],
            c_inside_a: None,
            c_inside_b: None,
            a: filled(m * k + 16, 0.25),
            b: filled(k * n + 16, 0.5),
            c: filled(m * n, 1.0),
        }
    }

    /// Calls `entry`; returns the status. The buffers afterwards hold whatever it wrote.
    fn run(&mut self, entry: Entry<T>) -> i32 {
        let a = if self.null[0] { std::ptr::null() } else { self.a.as_ptr() };
        let b = if self.null[1] { std::ptr::null() } else { self.b.as_ptr() };
        let c = match (self.null[2], self.c_inside_a, self.c_inside_b) {
            (true, _, _) => std::ptr::null_mut(),
            // SAFETY: the offsets stay inside the Vecs (a and b carry 16 spare elements).
            (_, Some(at), _) => unsafe { self.a.as_mut_ptr().add(at) },
            (_, _, Some(at)) => unsafe { self.b.as_mut_ptr().add(at) },
            _ => self.c.as_mut_ptr(),
        };
        // SAFETY: each length is at most its Vec's length less the guard, unless an entry
        // lies on purpose, and then validation must refuse before any access (the test).
        unsafe {
            entry(self.layout, self.ta, self.tb, self.m, self.n, self.k, self.alpha, a, self.lda, self.lens[0], b, self.ldb,
                self.lens[1], self.beta, c, self.ldc, self.lens[2])
        }
    }
}

/// (what, how to break the call, the status every entry point must return)
fn catalogue<T: Scalar>() -> Vec<(String, Box<dyn Fn(&mut Call<T>)>, i32)> {
    let mut entries: Vec<(&'static str, Box<dyn Fn(&mut Call<T>)>, i32)> = vec![
        ("null a", Box::new(|c: &mut Call<T>| c.null[0] = true), MM_ERR_NULL_POINTER),
        ("null b", Box::new(|c| c.null[1] = true), MM_ERR_NULL_POINTER),
        ("null c", Box::new(|c| c.null[2] = true), MM_ERR_NULL_POINTER),
        ("negative m", Box::new(|c| c.m = -1), MM_ERR_INVALID_DIMENSION),
        ("negative n", Box::new(|c| c.n = -4), MM_ERR_INVALID_DIMENSION),
        ("negative k", Box::new(|c| c.k = i64::MIN), MM_ERR_INVALID_DIMENSION),
        ("lda below the row length", Box::new(|c| c.lda = 4), MM_ERR_INVALID_LEADING_DIMENSION),
        ("ldb below the row length", Box::new(|c| c.ldb = 3), MM_ERR_INVALID_LEADING_DIMENSION),
        ("ldc zero", Box::new(|c| c.ldc = 0), MM_ERR_INVALID_LEADING_DIMENSION),
        ("ldc negative", Box::new(|c| c.ldc = -4), MM_ERR_INVALID_LEADING_DIMENSION),
        ("col-major lda below the column length", Box::new(|c| {
            c.layout = MM_COL_MAJOR;
            c.lda = 2;
            c.ldb = 5;
            c.ldc = 3;
        }), MM_ERR_INVALID_LEADING_DIMENSION),
        ("a one element short", Box::new(|c| c.lens[0] -= 1), MM_ERR_BUFFER_TOO_SMALL),
        ("b one element short", Box::new(|c| c.lens[1] -= 1), MM_ERR_BUFFER_TOO_SMALL),
        ("c one element short", Box::new(|c| c.lens[2] -= 1), MM_ERR_BUFFER_TOO_SMALL),
        ("padded ldc reaching past c", Box::new(|c| c.ldc = 6), MM_ERR_BUFFER_TOO_SMALL),
        ("negative length", Box::new(|c| c.lens[1] = -1), MM_ERR_INVALID_ARGUMENT),
        ("sizes whose product overflows", Box::new(|c| {
            c.m = 1 << 32;
            c.n = 1 << 32;
            c.k = 1 << 32;
            c.lda = 1 << 32;
            c.ldb = 1 << 32;
            c.ldc = 1 << 32;
            c.lens = [i64::MAX; 3];
        }), MM_ERR_INVALID_DIMENSION),
        ("reach past isize", Box::new(|c| {
            c.ldc = i64::MAX / 2;
            c.lens[2] = i64::MAX;
        }), MM_ERR_INVALID_DIMENSION),
        ("c overlaps a", Box::new(|c| c.c_inside_a = Some(3)), MM_ERR_INVALID_ARGUMENT),
        ("c overlaps b", Box::new(|c| c.c_inside_b = Some(19)), MM_ERR_INVALID_ARGUMENT),
        ("m i64::MIN", Box::new(|c| c.m = i64::MIN), MM_ERR_INVALID_DIMENSION),
        ("transposed row-major A: lda below m", Box::new(|c| {
            c.ta = MM_TRANS;
            c.lda = 2;
        }), MM_ERR_INVALID_LEADING_DIMENSION),
        ("col-major ldc below the column length", Box::new(|c| {
            c.layout = MM_COL_MAJOR;
            c.lda = 3;
            c.ldb = 5;
            c.ldc = 2;
        }), MM_ERR_INVALID_LEADING_DIMENSION),
        ("empty matrices with lda zero", Box::new(|c| {
            c.m = 0;
            c.n = 0;
            c.k = 0;
            c.lda = 0;
        }), MM_ERR_INVALID_LEADING_DIMENSION),
        ("ldc i64::MAX", Box::new(|c| {
            c.ldc = i64::MAX;
            c.lens[2] = i64::MAX;
        }), MM_ERR_INVALID_DIMENSION),
    ];
    let mut named: Vec<(String, Box<dyn Fn(&mut Call<T>)>, i32)> =
        entries.drain(..).map(|(what, breaks, want)| (what.to_string(), breaks, want)).collect();
    // Every out-of-range enum value, on each enum argument in turn.
    for bad in [0, 100, 103, -1, i32::MAX] {
        named.push((format!("layout {bad}"), Box::new(move |c: &mut Call<T>| c.layout = bad), MM_ERR_INVALID_ARGUMENT));
    }
    for bad in [0, 110, 113, 102, -112, -111] {
        named.push((format!("trans_a {bad}"), Box::new(move |c: &mut Call<T>| c.ta = bad), MM_ERR_INVALID_ARGUMENT));
        named.push((format!("trans_b {bad}"), Box::new(move |c: &mut Call<T>| c.tb = bad), MM_ERR_INVALID_ARGUMENT));
    }
    named
}

fn every_bad_input_gets_its_status_and_writes_nothing<T: Scalar>() {
    for (name, entry) in T::entries() {
        assert_eq!(Call::<T>::new().run(entry), MM_OK, "{name}: the unbroken call must be valid");
        for (what, breaks, want) in catalogue::<T>() {
            let mut call = Call::<T>::new();
            breaks(&mut call);
            let before = call.clone();
            let got = call.run(entry);
            assert_eq!(got, want, "{name}: {what}");
            assert!(call.a == before.a && call.b == before.b && call.c == before.c, "{name}: {what}: a rejected call wrote");
        }
    }
}

#[test]
fn every_bad_input_gets_its_status_and_writes_nothing_f64() {
    every_bad_input_gets_its_status_and_writes_nothing::<f64>();
}

#[test]
fn every_bad_input_gets_its_status_and_writes_nothing_f32() {
    every_bad_input_gets_its_status_and_writes_nothing::<f32>();
}

/// Zero sizes are not errors: m == 0 or n == 0 touch nothing (null pointers included),
/// k == 0 gives C := beta * C without reading A or B.
fn zero_sizes<T: Scalar>() {
    for (name, entry) in T::entries() {
        for (m, n) in [(0, 4), (3, 0), (0, 0)] {
            let mut call = Call::<T>::new();
            call.m = m;
            call.n = n;
            // Nothing is done, so no buffer is reached: all three may be null and empty.
            call.null = [true; 3];
            call.lens = [0; 3];
            let before = call.clone();
            assert_eq!(call.run(entry), MM_OK, "{name}: m={m} n={n}");
            assert!(call.c == before.c, "{name}: m={m} n={n} wrote C");
        }
        let mut call = Call::<T>::new();
        call.k = 0;
        call.null[0] = true;
        call.null[1] = true;
        let before = call.clone();
        assert_eq!(call.run(entry), MM_OK, "{name}: k=0");
        for i in 0..12 {
            assert_eq!(call.c[i].wide(), 0.5 * before.c[i].wide(), "{name}: k=0 gives beta * C");
        }
        assert!(call.c[12..] == before.c[12..], "{name}: k=0 wrote past C");
    }
}

#[test]
fn zero_sizes_f64() {
    zero_sizes::<f64>();
}

#[test]
fn zero_sizes_f32() {
    zero_sizes::<f32>();
}

/// NaN and infinite scalars are data, not errors: IEEE arithmetic decides the result,
/// except where BLAS never evaluates them (alpha with k == 0).
fn non_finite_scalars<T: Scalar>() {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    // (alpha, beta, k, what every element of C's window must be); A, B, C are positive.
    let rows: [(f64, f64, i64, fn(f64, f64) -> bool); 7] = [
        (nan, 0.0, 5, |c, _| c.is_nan()),
        (inf, 0.0, 5, |c, _| c == f64::INFINITY),
        (-inf, 0.5, 5, |c, _| c == f64::NEG_INFINITY),
        (1.0, nan, 5, |c, _| c.is_nan()),
        (1.0, inf, 5, |c, _| c == f64::INFINITY),
        (0.0, -inf, 5, |c, _| c == f64::NEG_INFINITY),
        (nan, 2.0, 0, |c, c0| c == 2.0 * c0),
    ];
    for (name, entry) in T::entries() {
        for &(alpha, beta, k, ok) in &rows {
            let mut call = Call::<T>::new();
            call.alpha = T::of(alpha);
            call.beta = T::of(beta);
            call.k = k;
            let before = call.clone();
            assert_eq!(call.run(entry), MM_OK, "{name}: alpha={alpha} beta={beta} k={k}");
            for i in 0..12 {
                let (c, c0) = (call.c[i].wide(), before.c[i].wide());
                assert!(ok(c, c0), "{name}: alpha={alpha} beta={beta} k={k}: C[{i}] = {c} (was {c0})");
            }
            assert!(call.c[12..] == before.c[12..], "{name}: alpha={alpha} beta={beta}: wrote past C");
        }
    }
}

#[test]
fn non_finite_scalars_f64() {
    non_finite_scalars::<f64>();
}

#[test]
fn non_finite_scalars_f32() {
    non_finite_scalars::<f32>();
}
