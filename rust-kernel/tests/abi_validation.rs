//! The C ABI on valid calls and on the rules a bad-input catalogue entry cannot express:
//! exact results, BLAS's quick returns, NaN handling, misaligned pointers, disjoint views
//! of one buffer, thread control and the info strings. The catalogue of bad inputs, on
//! every entry point, is c_abi_bad_input.rs.
use matmul_kernel::*;
use std::ffi::CStr;

type Entry = unsafe extern "C" fn(i32, i32, i32, i64, i64, i64, f64, *const f64, i64, i64, *const f64, i64, i64, f64, *mut f64, i64, i64) -> i32;

/// A row-major, no-transpose call over whole slices: each length is its slice's length.
#[allow(clippy::too_many_arguments)]
fn row_major(entry: Entry, (m, n, k): (i64, i64, i64), alpha: f64, a: &[f64], lda: i64, b: &[f64], ldb: i64, beta: f64, c: &mut [f64], ldc: i64) -> i32 {
    // SAFETY: every pointer comes with its slice's true length, which the kernel checks
    // against the description before touching anything.
    unsafe {
        entry(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, m, n, k, alpha, a.as_ptr(), lda, a.len() as i64, b.as_ptr(), ldb, b.len() as i64, beta, c.as_mut_ptr(), ldc, c.len() as i64)
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
fn padded_ldc_reaches_up_to_the_last_row_only() {
    // C is 3 x 4 with ldc = 6: it reaches (3 - 1) * 6 + 4 = 16 elements, not 3 * 6.
    let (a, b) = ([1.0; 15], [1.0; 20]);
    let mut c = [0.0; 16];
    assert_eq!(row_major(mm_dgemm, (3, 4, 5), 1.0, &a, 5, &b, 4, 0.0, &mut c, 6), MM_OK);
    assert_eq!(&c[..4], &[5.0; 4]);
    assert_eq!(&c[4..6], &[0.0; 2], "padding between rows untouched");
    assert_eq!(row_major(mm_dgemm, (3, 4, 5), 1.0, &a, 5, &b, 4, 0.0, &mut c[..15], 6), MM_ERR_BUFFER_TOO_SMALL);
}

#[test]
fn k_zero_or_alpha_zero_scales_c_by_beta() {
    for f in [mm_dgemm, mm_dgemm_naive] {
        for (k, alpha) in [(0, 1.0), (3, 0.0)] {
            // A and B are NaN: they must not be read.
            let (a, b) = (vec![f64::NAN; 2 * k as usize], vec![f64::NAN; 3 * k as usize]);
            let mut c = [2.0; 6];
            assert_eq!(row_major(f, (2, 3, k), alpha, &a, k.max(1), &b, 3, -0.5, &mut c, 3), MM_OK);
            assert_eq!(c, [-1.0; 6], "k={k} alpha={alpha}");
        }
    }
}

#[test]
fn beta_zero_overwrites_nan_in_c() {
    for f in [mm_dgemm, mm_dgemm_naive] {
        let mut c = [f64::NAN, f64::INFINITY, f64::NAN, f64::NEG_INFINITY];
        assert_eq!(row_major(f, (2, 2, 2), 1.0, &[1.0, 2.0, 3.0, 4.0], 2, &[5.0, 6.0, 7.0, 8.0], 2, 0.0, &mut c, 2), MM_OK);
        assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
    }
}

#[test]
fn nan_in_inputs_propagates() {
    let mut c = [0.0; 4];
    assert_eq!(row_major(mm_dgemm, (2, 2, 2), 1.0, &[f64::NAN, 2.0, 3.0, 4.0], 2, &[5.0, 6.0, 7.0, 8.0], 2, 0.0, &mut c, 2), MM_OK);
    assert!(c[0].is_nan() && c[1].is_nan());
    assert_eq!(&c[2..], &[43.0, 50.0]);
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
    assert!(["avx512", "avx2", "neon", "generic"].contains(&kernel), "kernel {kernel}");
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
