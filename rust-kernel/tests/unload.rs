//! The cdylib as a host uses it: dlopen, a product big enough to start the pool's workers
//! from this (host) thread, mm_shutdown, dlclose, and the library must be gone from the
//! process. A thread-local destructor registered on the host's thread, or a worker left
//! parked, would keep it mapped (or crash on unload). Linux only: it reads /proc.
#![cfg(target_os = "linux")]

use std::ffi::{c_char, c_int, c_void, CString};

extern "C" {
    fn dlopen(path: *const c_char, flags: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlclose(handle: *mut c_void) -> c_int;
}
const RTLD_NOW: c_int = 2;

type Dgemm = unsafe extern "C" fn(i32, i32, i32, i64, i64, i64, f64, *const f64, i64, i64, *const f64, i64, i64, f64, *mut f64, i64, i64) -> i32;
type NoArgs = unsafe extern "C" fn() -> i32;

fn mapped(path: &str) -> usize {
    std::fs::read_to_string("/proc/self/maps").unwrap().lines().filter(|l| l.ends_with(path)).count()
}

#[test]
fn shutdown_then_dlclose_unmaps_the_library() {
    // A private copy: the test binary itself links the rlib, not this file. The cdylib of
    // this test's own target sits beside the deps/ folder that holds the test binary.
    let exe = std::env::current_exe().unwrap();
    let built = exe.parent().and_then(|deps| deps.parent()).unwrap().join("libmatmul_kernel.so");
    let built = built.to_str().unwrap();
    assert!(std::path::Path::new(built).exists(), "{built} is missing: run cargo build --release --lib first (make test-rust does)");
    let copy = std::env::temp_dir().join(format!("libmatmul_kernel-unload-{}.so", std::process::id()));
    std::fs::copy(built, &copy).unwrap();
    let path = copy.to_str().unwrap().to_string();
    let c_path = CString::new(path.clone()).unwrap();
    // SAFETY: plain dlopen/dlsym of our own library with the exported signatures.
    unsafe {
        let handle = dlopen(c_path.as_ptr(), RTLD_NOW);
        assert!(!handle.is_null(), "dlopen {path}");
        let sym = |name: &str| dlsym(handle, CString::new(name).unwrap().as_ptr());
        let dgemm: Dgemm = std::mem::transmute(sym("mm_dgemm"));
        let shutdown: NoArgs = std::mem::transmute(sym("mm_shutdown"));
        let pool_threads: NoArgs = std::mem::transmute(sym("mm_pool_threads"));
        let set_threads: unsafe extern "C" fn(i32) -> i32 = std::mem::transmute(sym("mm_set_num_threads"));
        assert_eq!(set_threads(4), 0);
        let n = 300i64;
        let (a, b) = (vec![1.0f64; (n * n) as usize], vec![0.5f64; (n * n) as usize]);
        let mut c = vec![0.0f64; (n * n) as usize];
        assert_eq!(dgemm(101, 111, 111, n, n, n, 1.0, a.as_ptr(), n, n * n, b.as_ptr(), n, n * n, 0.0, c.as_mut_ptr(), n, n * n), 0);
        assert!(c.iter().all(|&x| x == 150.0));
        assert!(pool_threads() > 0, "the product should have started workers");
        assert!(mapped(&path) > 0);
        assert_eq!(shutdown(), 0);
        assert_eq!(pool_threads(), 0);
        assert_eq!(dlclose(handle), 0);
    }
    let left = mapped(&path);
    std::fs::remove_file(&copy).unwrap();
    assert_eq!(left, 0, "the library is still mapped after mm_shutdown and dlclose");
}
