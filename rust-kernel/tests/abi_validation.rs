//! Every validation rule of the C ABI returns its status, through the exported symbols.
use matmul_kernel::*;
use std::ffi::CStr;
use std::ptr;

/// A row-major, no-transpose call on buffers sized exactly for m x k, k x n, m x n.
#[derive(Clone)]
struct Call {
    layout: i32,
    ta: i32,
    tb: i32,
    m: i64,
    n: i64,
    k: i64,
    alpha: f64,
    lda: i64,
    ldb: i64,
    ldc: i64,
    a: Vec<f64>,
    b: Vec<f64>,
    beta: f64,
    c: Vec<f64>,
    a_len: Option<i64>,
    b_len: Option<i64>,
    c_len: Option<i64>,
    null_a: bool,
    null_b: bool,
    null_c: bool,
}

impl Call {
    fn new(m: i64, n: i64, k: i64) -> Call {
        let size = |x: i64| x.max(0) as usize;
        Call {
            layout: MM_ROW_MAJOR,
            ta: MM_NO_TRANS,
            tb: MM_NO_TRANS,
            m,
            n,
            k,
            alpha: 1.0,
            lda: k.max(1),
            ldb: n.max(1),
            ldc: n.max(1),
            a: (0..size(m) * size(k)).map(|x| x as f64).collect(),
            b: (0..size(k) * size(n)).map(|x| 1.0 + x as f64).collect(),
            beta: 0.0,
            c: vec![0.0; size(m) * size(n)],
            a_len: None,
            b_len: None,
            c_len: None,
            null_a: false,
            null_b: false,
            null_c: false,
        }
    }

    fn run_with(&mut self, f: unsafe extern "C" fn(i32, i32, i32, i64, i64, i64, f64, *const f64, i64, i64, *const f64, i64, i64, f64, *mut f64, i64, i64) -> i32) -> i32 {
        let a = if self.null_a { ptr::null() } else { self.a.as_ptr() };
        let b = if self.null_b { ptr::null() } else { self.b.as_ptr() };
        let c = if self.null_c { ptr::null_mut() } else { self.c.as_mut_ptr() };
        let a_len = self.a_len.unwrap_or(self.a.len() as i64);
        let b_len = self.b_len.unwrap_or(self.b.len() as i64);
        let c_len = self.c_len.unwrap_or(self.c.len() as i64);
        // SAFETY: every *_len passed is at most the Vec's length unless a test lies on
        // purpose, and then validation must refuse before any access (that is the test).
        unsafe {
            f(self.layout, self.ta, self.tb, self.m, self.n, self.k, self.alpha, a, self.lda, a_len, b, self.ldb, b_len, self.beta, c, self.ldc, c_len)
        }
    }

    fn run(&mut self) -> i32 {
        let fast = self.clone().run_with(mm_dgemm);
        let naive = self.run_with(mm_dgemm_naive);
        assert_eq!(fast, naive, "mm_dgemm and mm_dgemm_naive must agree on validation");
        naive
    }
}

#[test]
fn two_by_two_example_is_exact() {
    let a = [1.0, 2.0, 3.0, 4.0];
    let b = [5.0, 6.0, 7.0, 8.0];
    for f in [mm_dgemm, mm_dgemm_naive] {
        let mut c = [0.0; 4];
        // SAFETY: all buffers hold exactly 4 elements, as described.
        let status = unsafe {
            f(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, 2, 2, 2, 1.0, a.as_ptr(), 2, 4, b.as_ptr(), 2, 4, 0.0, c.as_mut_ptr(), 2, 4)
        };
        assert_eq!(status, MM_OK);
        assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
    }
    let mut c = [0.0f32; 4];
    let (af, bf) = ([1.0f32, 2.0, 3.0, 4.0], [5.0f32, 6.0, 7.0, 8.0]);
    // SAFETY: as above, in single precision.
    let status = unsafe {
        mm_sgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, 2, 2, 2, 1.0, af.as_ptr(), 2, 4, bf.as_ptr(), 2, 4, 0.0, c.as_mut_ptr(), 2, 4)
    };
    assert_eq!(status, MM_OK);
    assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
}

#[test]
fn valid_call_succeeds() {
    assert_eq!(Call::new(3, 4, 5).run(), MM_OK);
}

#[test]
fn out_of_range_enums_are_invalid_arguments() {
    for bad in [0, 100, 103, -1, i32::MAX] {
        let mut call = Call::new(2, 2, 2);
        call.layout = bad;
        assert_eq!(call.run(), MM_ERR_INVALID_ARGUMENT, "layout {bad}");
    }
    for bad in [0, 110, 113, 102, -112] {
        let mut call = Call::new(2, 2, 2);
        call.ta = bad;
        assert_eq!(call.run(), MM_ERR_INVALID_ARGUMENT, "trans_a {bad}");
        let mut call = Call::new(2, 2, 2);
        call.tb = bad;
        assert_eq!(call.run(), MM_ERR_INVALID_ARGUMENT, "trans_b {bad}");
    }
}

#[test]
fn negative_sizes_are_invalid_dimensions() {
    for (m, n, k) in [(-1, 2, 2), (2, -1, 2), (2, 2, -1), (i64::MIN, 1, 1)] {
        let mut call = Call::new(2, 2, 2);
        call.m = m;
        call.n = n;
        call.k = k;
        assert_eq!(call.run(), MM_ERR_INVALID_DIMENSION, "m={m} n={n} k={k}");
    }
}

#[test]
fn leading_dimensions_below_the_stored_length_are_refused() {
    let mut call = Call::new(3, 4, 5);
    call.lda = 4; // row-major A is 3 x 5
    assert_eq!(call.run(), MM_ERR_INVALID_LEADING_DIMENSION);
    let mut call = Call::new(3, 4, 5);
    call.ldb = 3;
    assert_eq!(call.run(), MM_ERR_INVALID_LEADING_DIMENSION);
    let mut call = Call::new(3, 4, 5);
    call.ldc = 0;
    assert_eq!(call.run(), MM_ERR_INVALID_LEADING_DIMENSION);
    // Column-major: the stored column length (rows) is the bound.
    let mut call = Call::new(3, 4, 5);
    call.layout = MM_COL_MAJOR;
    call.lda = 3;
    call.ldb = 5;
    call.ldc = 2;
    assert_eq!(call.run(), MM_ERR_INVALID_LEADING_DIMENSION);
    // Transposed row-major A is stored k x m: lda must reach m.
    let mut call = Call::new(3, 4, 5);
    call.ta = MM_TRANS;
    call.lda = 2;
    assert_eq!(call.run(), MM_ERR_INVALID_LEADING_DIMENSION);
    // Empty matrices still need ld >= 1.
    let mut call = Call::new(0, 0, 0);
    call.lda = 0;
    assert_eq!(call.run(), MM_ERR_INVALID_LEADING_DIMENSION);
}

#[test]
fn buffers_one_element_short_are_refused() {
    for which in 0..3 {
        let mut call = Call::new(3, 4, 5);
        match which {
            0 => call.a_len = Some(14),
            1 => call.b_len = Some(19),
            _ => call.c_len = Some(11),
        }
        assert_eq!(call.run(), MM_ERR_BUFFER_TOO_SMALL, "operand {which}");
    }
    // A padded ldc reaches (m - 1) * ldc + n, not m * ldc.
    let mut call = Call::new(3, 4, 5);
    call.ldc = 6;
    call.c = vec![0.0; 2 * 6 + 4];
    assert_eq!(call.run(), MM_OK);
    call.c_len = Some(2 * 6 + 3);
    assert_eq!(call.run(), MM_ERR_BUFFER_TOO_SMALL);
}

#[test]
fn negative_lengths_are_invalid_arguments() {
    let mut call = Call::new(2, 2, 2);
    call.b_len = Some(-1);
    assert_eq!(call.run(), MM_ERR_INVALID_ARGUMENT);
}

#[test]
fn null_pointers_are_refused_when_elements_are_reached() {
    for which in 0..3 {
        let mut call = Call::new(2, 2, 2);
        match which {
            0 => call.null_a = true,
            1 => call.null_b = true,
            _ => call.null_c = true,
        }
        assert_eq!(call.run(), MM_ERR_NULL_POINTER, "operand {which}");
    }
    // Nothing is reached when the sizes are zero: null is fine.
    let mut call = Call::new(0, 0, 0);
    call.null_a = true;
    call.null_b = true;
    call.null_c = true;
    assert_eq!(call.run(), MM_OK);
    // k == 0: A and B are never reached.
    let mut call = Call::new(2, 2, 0);
    call.null_a = true;
    call.null_b = true;
    call.c = vec![1.0; 4];
    call.beta = 2.0;
    assert_eq!(call.run(), MM_OK);
    assert_eq!(call.c, vec![2.0; 4]);
}

#[test]
fn size_overflow_is_an_error_not_a_wrap() {
    let big = 1i64 << 40;
    let mut call = Call::new(2, 2, 2);
    call.m = big;
    call.n = big;
    call.k = 1;
    call.lda = 1;
    call.ldb = big;
    call.ldc = big;
    call.a_len = Some(i64::MAX);
    call.b_len = Some(i64::MAX);
    call.c_len = Some(i64::MAX);
    assert_eq!(call.run(), MM_ERR_INVALID_DIMENSION);
    let mut call = Call::new(2, 2, 2);
    call.ldc = i64::MAX;
    call.c_len = Some(i64::MAX);
    assert_eq!(call.run(), MM_ERR_INVALID_DIMENSION);
}

#[test]
fn output_overlapping_an_input_is_refused() {
    let mut buffer = vec![1.0f64; 8];
    let base = buffer.as_mut_ptr();
    // SAFETY: A = buffer[0..4], C = buffer[2..6]: all inside the 8-element Vec; the
    // call must refuse before touching anything.
    let status = unsafe {
        mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, 2, 2, 2, 1.0, base, 2, 4, [1.0; 4].as_ptr(), 2, 4, 0.0, base.add(2), 2, 4)
    };
    assert_eq!(status, MM_ERR_INVALID_ARGUMENT);
    assert_eq!(buffer, vec![1.0; 8]);
}

#[test]
fn k_zero_or_alpha_zero_scales_c_by_beta() {
    for (k, alpha) in [(0, 1.0), (3, 0.0)] {
        let mut call = Call::new(2, 3, k);
        call.alpha = alpha;
        call.a = vec![f64::NAN; call.a.len()]; // never read
        call.b = vec![f64::NAN; call.b.len()];
        call.c = vec![2.0; 6];
        call.beta = -0.5;
        assert_eq!(call.clone().run_with(mm_dgemm), MM_OK);
        let mut fast = call.clone();
        fast.run_with(mm_dgemm);
        assert_eq!(fast.c, vec![-1.0; 6], "k={k} alpha={alpha}");
        call.run_with(mm_dgemm_naive);
        assert_eq!(call.c, vec![-1.0; 6], "naive k={k} alpha={alpha}");
    }
}

#[test]
fn beta_zero_overwrites_nan_in_c() {
    for f in [mm_dgemm, mm_dgemm_naive] {
        let mut call = Call::new(2, 2, 2);
        call.a = vec![1.0, 2.0, 3.0, 4.0];
        call.b = vec![5.0, 6.0, 7.0, 8.0];
        call.c = vec![f64::NAN, f64::INFINITY, f64::NAN, f64::NEG_INFINITY];
        assert_eq!(call.run_with(f), MM_OK);
        assert_eq!(call.c, vec![19.0, 22.0, 43.0, 50.0]);
    }
}

#[test]
fn nan_in_inputs_propagates() {
    let mut call = Call::new(2, 2, 2);
    call.a[0] = f64::NAN;
    assert_eq!(call.run_with(mm_dgemm), MM_OK);
    assert!(call.c[0].is_nan() && call.c[1].is_nan());
    assert!(!call.c[2].is_nan() && !call.c[3].is_nan());
}

#[test]
fn thread_control_validates_and_restores_default() {
    assert_eq!(mm_set_num_threads(-1), MM_ERR_INVALID_ARGUMENT);
    assert_eq!(mm_set_num_threads(MM_MAX_THREADS + 1), MM_ERR_INVALID_ARGUMENT);
    assert_eq!(mm_set_num_threads(3), MM_OK);
    assert_eq!(mm_get_num_threads(), 3);
    assert_eq!(mm_set_num_threads(0), MM_OK);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as i32;
    assert_eq!(mm_get_num_threads(), cores);
}

#[test]
fn info_strings_are_static_and_meaningful() {
    // SAFETY: the functions return pointers to static NUL-terminated strings.
    let (version, kernel, ok, unknown) = unsafe {
        (
            CStr::from_ptr(mm_version()).to_str().unwrap(),
            CStr::from_ptr(mm_kernel_name()).to_str().unwrap(),
            CStr::from_ptr(mm_status_message(MM_OK)).to_str().unwrap(),
            CStr::from_ptr(mm_status_message(999)).to_str().unwrap(),
        )
    };
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert!(["avx512", "avx2", "generic"].contains(&kernel), "kernel {kernel}");
    assert_eq!(ok, "ok");
    assert_eq!(unknown, "unknown status");
    for status in 1..=7 {
        // SAFETY: as above.
        let message = unsafe { CStr::from_ptr(mm_status_message(status)) }.to_str().unwrap();
        assert_ne!(message, "unknown status", "status {status}");
    }
}

#[test]
fn misaligned_pointers_are_invalid_arguments() {
    let storage = vec![0u64; 16];
    let base = storage.as_ptr() as *const u8;
    let b = [1.0f64; 4];
    let mut c = [0.0f64; 4];
    // SAFETY: base + 1 .. base + 1 + 32 lies inside the 128-byte Vec; the call must refuse
    // the misaligned A before reading it.
    let status = unsafe {
        let a = base.add(1) as *const f64;
        mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, 2, 2, 2, 1.0, a, 2, 4, b.as_ptr(), 2, 4, 0.0, c.as_mut_ptr(), 2, 4)
    };
    assert_eq!(status, MM_ERR_INVALID_ARGUMENT);
    assert_eq!(c, [0.0; 4]);
}

#[test]
fn disjoint_sub_matrix_views_of_one_buffer_are_accepted() {
    // One row-major 2 x 6 buffer (ld = 6): A = columns 0..2, B = columns 2..4, C = columns 4..6.
    let mut buffer = [1.0, 2.0, 5.0, 6.0, 0.0, 0.0, 3.0, 4.0, 7.0, 8.0, f64::NAN, f64::NAN];
    let base = buffer.as_mut_ptr();
    // SAFETY: each view reaches (2 - 1) * 6 + 2 = 8 elements from its start, inside the
    // 12-element buffer; the three views share no element.
    let status = unsafe {
        mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, 2, 2, 2, 1.0, base, 6, 12, base.add(2), 6, 10, 0.0, base.add(4), 6, 8)
    };
    assert_eq!(status, MM_OK);
    assert_eq!(buffer, [1.0, 2.0, 5.0, 6.0, 19.0, 22.0, 3.0, 4.0, 7.0, 8.0, 43.0, 50.0]);
    // Shift C one column left: it now shares column 3 with B.
    // SAFETY: as above; the call must refuse before writing.
    let status = unsafe {
        mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, 2, 2, 2, 1.0, base, 6, 12, base.add(2), 6, 10, 0.0, base.add(3), 6, 9)
    };
    assert_eq!(status, MM_ERR_INVALID_ARGUMENT);
    assert_eq!(buffer[4], 19.0);
}

#[test]
fn empty_output_reaches_neither_input() {
    let mut c = [7.0f64; 1];
    for (m, n) in [(0, 3), (3, 0)] {
        // SAFETY: with m == 0 or n == 0 nothing is reached; A and B are null on purpose.
        let status = unsafe {
            mm_dgemm(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, m, n, 4, 1.0, ptr::null(), 4, 0, ptr::null(), n.max(1), 0, 0.0, c.as_mut_ptr(), n.max(1), 1)
        };
        assert_eq!(status, MM_OK, "m={m} n={n}");
    }
    assert_eq!(c, [7.0]);
}
