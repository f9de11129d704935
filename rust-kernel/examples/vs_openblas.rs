//! DGEMM / SGEMM throughput against OpenBLAS in one process, timings interleaved so that
//! machine noise hits both alike. Optionally also against an earlier build of this
//! kernel (`--baseline path/to/libmatmul_kernel.so`, loaded with dlopen), so that an
//! optimisation step is measured against its predecessor in the same run.
//!
//! ```text
//! OPENBLAS_CORETYPE=SkylakeX cargo run --release --features openblas-bench \
//!     --example vs_openblas -- [--sizes 64,128,...] [--threads 1,2] [--types f64,f32]
//!     [--baseline lib.so] [--reps 9] [--batch-ms 40] [--settle-ms 200] [--no-openblas] [--busy]
//! ```
//! `--busy` starts a competing process that spins on one core (the last CPU, pinned) for
//! the whole run: the busy-machine mode. It also reports the cores each library got
//! while timed (this process's CPU time over wall time, idle spinning workers included),
//! which bounds what any split of the work can reach. It is this program again (`--spin SECONDS CPU`),
//! killed when the bench ends and stopping by itself after 30 minutes in any case.
//! With more than one thread, each OpenBLAS batch is followed by a `--settle-ms` pause:
//! OpenBLAS's workers spin for a long while after each call and would otherwise take
//! the other core away from the next library timed.
//! Square row-major, no transposes, alpha = 1, beta = 0, data uniform in [-1, 1);
//! GFLOP/s = 2 n^3 / median seconds per call.
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::time::Instant;

use matmul_kernel::{mm_dgemm, mm_set_num_threads, mm_sgemm, mm_status, MM_NO_TRANS, MM_ROW_MAJOR};

#[link(name = "openblas")]
extern "C" {
    fn cblas_dgemm(order: c_int, ta: c_int, tb: c_int, m: c_int, n: c_int, k: c_int, alpha: f64, a: *const f64,
        lda: c_int, b: *const f64, ldb: c_int, beta: f64, c: *mut f64, ldc: c_int);
    fn cblas_sgemm(order: c_int, ta: c_int, tb: c_int, m: c_int, n: c_int, k: c_int, alpha: f32, a: *const f32,
        lda: c_int, b: *const f32, ldb: c_int, beta: f32, c: *mut f32, ldc: c_int);
    fn openblas_set_num_threads(n: c_int);
    fn openblas_get_corename() -> *const c_char;
}

extern "C" {
    fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    fn dlerror() -> *const c_char;
}

type MmGemm<T> = unsafe extern "C" fn(i32, i32, i32, i64, i64, i64, T, *const T, i64, i64, *const T, i64, i64, T,
    *mut T, i64, i64) -> mm_status;

struct Baseline {
    dgemm: MmGemm<f64>,
    sgemm: MmGemm<f32>,
    set_threads: unsafe extern "C" fn(i32) -> mm_status,
}

fn load_baseline(path: &str) -> Baseline {
    let cpath = CString::new(path).unwrap();
    // SAFETY: plain dlopen/dlsym of a library built from this crate; the symbols have
    // exactly the signatures of the exported functions (RTLD_NOW | RTLD_LOCAL).
    unsafe {
        let h = dlopen(cpath.as_ptr(), 2);
        if h.is_null() {
            panic!("dlopen {path}: {}", CStr::from_ptr(dlerror()).to_string_lossy());
        }
        let sym = |name: &str| {
            let n = CString::new(name).unwrap();
            let p = dlsym(h, n.as_ptr());
            assert!(!p.is_null(), "{name} not in {path}");
            p
        };
        Baseline {
            dgemm: std::mem::transmute::<*mut c_void, MmGemm<f64>>(sym("mm_dgemm")),
            sgemm: std::mem::transmute::<*mut c_void, MmGemm<f32>>(sym("mm_sgemm")),
            set_threads: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(i32) -> mm_status>(sym("mm_set_num_threads")),
        }
    }
}

trait Elem: Copy + Default {
    const NAME: &'static str;
    fn from(x: f64) -> Self;
    fn to(self) -> f64;
    fn ours() -> MmGemm<Self>;
    fn base(b: &Baseline) -> MmGemm<Self>;
    unsafe fn blas(n: c_int, a: *const Self, b: *const Self, c: *mut Self);
}

impl Elem for f64 {
    const NAME: &'static str = "f64";
    fn from(x: f64) -> Self {
        x
    }
    fn to(self) -> f64 {
        self
    }
    fn ours() -> MmGemm<f64> {
        mm_dgemm
    }
    fn base(b: &Baseline) -> MmGemm<f64> {
        b.dgemm
    }
    unsafe fn blas(n: c_int, a: *const f64, b: *const f64, c: *mut f64) {
        cblas_dgemm(101, 111, 111, n, n, n, 1.0, a, n, b, n, 0.0, c, n)
    }
}

impl Elem for f32 {
    const NAME: &'static str = "f32";
    fn from(x: f64) -> Self {
        x as f32
    }
    fn to(self) -> f64 {
        self as f64
    }
    fn ours() -> MmGemm<f32> {
        mm_sgemm
    }
    fn base(b: &Baseline) -> MmGemm<f32> {
        b.sgemm
    }
    unsafe fn blas(n: c_int, a: *const f32, b: *const f32, c: *mut f32) {
        cblas_sgemm(101, 111, 111, n, n, n, 1.0, a, n, b, n, 0.0, c, n)
    }
}

fn call_mm<T: Elem>(f: MmGemm<T>, n: usize, a: &[T], b: &[T], c: &mut [T]) {
    let (ni, len) = (n as i64, (n * n) as i64);
    // SAFETY: square row-major operands of exactly n*n elements each.
    let s = unsafe {
        f(MM_ROW_MAJOR, MM_NO_TRANS, MM_NO_TRANS, ni, ni, ni, T::from(1.0), a.as_ptr(), ni, len, b.as_ptr(), ni, len,
            T::from(0.0), c.as_mut_ptr(), ni, len)
    };
    assert_eq!(s, 0, "mm gemm failed");
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let h = v.len() / 2;
    if v.len() % 2 == 1 {
        v[h]
    } else {
        0.5 * (v[h - 1] + v[h])
    }
}

struct Opts {
    sizes: Vec<usize>,
    threads: Vec<usize>,
    types: Vec<String>,
    baseline: Option<Baseline>,
    reps: usize,
    batch_s: f64,
    settle_s: f64,
    /// Time only this crate (and the baseline): isolates our threading from OpenBLAS's.
    skip_blas: bool,
    /// Also report the cores each library got (process CPU time / wall time per batch).
    cores: bool,
}

extern "C" {
    fn clock_gettime(clock: c_int, ts: *mut [i64; 2]) -> c_int;
}

/// CPU seconds used by every thread of this process so far.
fn process_cpu_s() -> f64 {
    let mut ts = [0i64; 2];
    // SAFETY: CLOCK_PROCESS_CPUTIME_ID (2) into a timespec-sized buffer.
    unsafe { clock_gettime(2, &mut ts) };
    ts[0] as f64 + ts[1] as f64 * 1e-9
}

fn bench<T: Elem>(o: &Opts) {
    for &th in &o.threads {
        // SAFETY: plain setters.
        unsafe {
            openblas_set_num_threads(th as c_int);
            assert_eq!(mm_set_num_threads(th as i32), 0);
            if let Some(b) = &o.baseline {
                (b.set_threads)(th as i32);
            }
        }
        let base_hdr = if o.baseline.is_some() { " | baseline | ours/base" } else { "" };
        println!("\n### {} {}T\n", T::NAME, th);
        let cores_hdr = if !o.cores { "" } else if o.baseline.is_some() { " | cores ours / base / OpenBLAS" } else { " | cores ours / OpenBLAS" };
        println!("| n | ours GFLOP/s{base_hdr} | OpenBLAS | ours/OpenBLAS{cores_hdr} |");
        println!("|---|---|{}---|---|{}", if o.baseline.is_some() { "---|---|" } else { "" }, if o.cores { "---|" } else { "" });
        for &n in &o.sizes {
            let mut rng = 0x1234_5678_9abc_def0u64 ^ n as u64;
            let mut next = || {
                rng = rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = rng;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                T::from(((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
            };
            let a: Vec<T> = (0..n * n).map(|_| next()).collect();
            let b: Vec<T> = (0..n * n).map(|_| next()).collect();
            let mut c1 = vec![T::default(); n * n];
            let mut c2 = vec![T::default(); n * n];
            let mut c3 = vec![T::default(); n * n];
            let ours = T::ours();
            let base = o.baseline.as_ref().map(T::base);

            // Warm up (pool start, buffers, page faults) and check agreement.
            call_mm(ours, n, &a, &b, &mut c1);
            // SAFETY: n*n buffers.
            unsafe { T::blas(n as c_int, a.as_ptr(), b.as_ptr(), c2.as_mut_ptr()) };
            let diff = c1.iter().zip(&c2).map(|(x, y)| (x.to() - y.to()).abs()).fold(0.0, f64::max);
            let norm = c2.iter().map(|x| x.to().abs()).fold(0.0, f64::max);
            assert!(norm > 0.0 && diff <= 1e-3 * norm, "results disagree: max|diff| {diff} vs max|C| {norm}");
            if let Some(f) = base {
                call_mm(f, n, &a, &b, &mut c3);
            }
            let t = Instant::now();
            call_mm(ours, n, &a, &b, &mut c1);
            let calls = ((o.batch_s / t.elapsed().as_secs_f64().max(1e-7)) as usize).clamp(1, 100_000);

            let libs = if base.is_some() { 3 } else { 2 };
            let mut samples: Vec<Vec<f64>> = vec![Vec::new(); libs];
            let mut cores: Vec<Vec<f64>> = vec![Vec::new(); libs];
            for r in 0..o.reps {
                for i in 0..libs {
                    // Rotate the order so no library always runs right after another.
                    let lib = (i + r) % libs;
                    let (t, cpu) = (Instant::now(), process_cpu_s());
                    for _ in 0..calls {
                        match lib {
                            0 => call_mm(ours, n, &a, &b, &mut c1),
                            // SAFETY: n*n buffers.
                            1 if o.skip_blas => {}
                            1 => unsafe { T::blas(n as c_int, a.as_ptr(), b.as_ptr(), c2.as_mut_ptr()) },
                            _ => call_mm(base.unwrap(), n, &a, &b, &mut c3),
                        }
                    }
                    let wall = t.elapsed().as_secs_f64();
                    samples[lib].push(wall / calls as f64);
                    cores[lib].push((process_cpu_s() - cpu) / wall);
                    if lib == 1 && th > 1 && !o.skip_blas {
                        // OpenBLAS's idle workers busy-wait for ~2^28 cycles after a call
                        // (OPENBLAS_THREAD_TIMEOUT): let them go to sleep, or they steal
                        // the second core from whatever is timed next.
                        std::thread::sleep(std::time::Duration::from_secs_f64(o.settle_s));
                    }
                }
            }
            let flops = 2.0 * (n as f64).powi(3);
            let g: Vec<f64> = samples.iter_mut().map(|s| flops / median(s) / 1e9).collect();
            let base_cols = if libs == 3 { format!(" | {:.1} | {:.2}", g[2], g[0] / g[2]) } else { String::new() };
            let core_cols = if o.cores {
                let c: Vec<String> = [0].into_iter().chain((libs == 3).then_some(2)).chain([1])
                    .map(|lib| format!("{:.2}", median(&mut cores[lib]))).collect();
                format!(" | {}", c.join(" / "))
            } else {
                String::new()
            };
            println!("| {n} | {:.1}{base_cols} | {:.1} | {:.2}{core_cols} |  <!-- max|diff| {diff:.1e} of max|C| {norm:.1e}, {calls} calls x {} reps -->",
                g[0], g[1], g[0] / g[1], o.reps);
        }
    }
}

/// A process spinning on one core while the bench runs; killed on drop, and by the kernel
/// should the bench die first (a `timeout` or Ctrl-C must not leave a core spinning under
/// the next measurement), and bounded in time by itself in any case.
struct Competitor(std::process::Child);

extern "C" {
    fn sched_setaffinity(pid: c_int, size: usize, mask: *const u64) -> c_int;
    fn prctl(option: c_int, arg2: std::ffi::c_ulong, ...) -> c_int;
    fn getppid() -> c_int;
}

const PR_SET_PDEATHSIG: c_int = 1;
const SIGKILL: std::ffi::c_ulong = 9;

impl Competitor {
    fn start() -> Competitor {
        let cpu = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) - 1;
        let child = std::process::Command::new(std::env::current_exe().expect("own path"))
            .args(["--spin", "1800", &cpu.to_string(), &std::process::id().to_string()])
            // Its own stdout would hold a pipe to the bench's reader open after the bench exits.
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start the competing process");
        std::thread::sleep(std::time::Duration::from_millis(200));
        Competitor(child)
    }

    /// The competing process's body: pinned to `cpu`, spin until `seconds` have passed or
    /// the bench (`parent`) is gone.
    fn spin(seconds: f64, cpu: usize, parent: c_int) {
        // SAFETY: PR_SET_PDEATHSIG takes one signal number; it only asks for a signal.
        unsafe { prctl(PR_SET_PDEATHSIG, SIGKILL) };
        // SAFETY: getppid has no preconditions.
        if unsafe { getppid() } != parent {
            return; // the bench died before the request above was in place
        }
        let mask: [u64; 16] = std::array::from_fn(|i| if i == cpu / 64 { 1u64 << (cpu % 64) } else { 0 });
        // SAFETY: a plain affinity mask for this process.
        unsafe { sched_setaffinity(0, std::mem::size_of_val(&mask), mask.as_ptr()) };
        let end = Instant::now() + std::time::Duration::from_secs_f64(seconds);
        let mut x = 0u64;
        while Instant::now() < end {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
    }
}

impl Drop for Competitor {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let mut busy = false;
    let mut o = Opts {
        sizes: vec![64, 128, 256, 512, 1000, 2048],
        threads: vec![1, 2],
        types: vec!["f64".into(), "f32".into()],
        baseline: None,
        reps: 9,
        batch_s: 0.04,
        settle_s: 0.2,
        skip_blas: false,
        cores: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--spin") {
        Competitor::spin(args[1].parse().unwrap(), args[2].parse().unwrap(), args[3].parse().unwrap());
        return;
    }
    let list = |s: &str| s.split(',').map(|x| x.trim().to_string()).collect::<Vec<_>>();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--sizes" => o.sizes = list(&v).iter().map(|x| x.parse().unwrap()).collect(),
            "--threads" => o.threads = list(&v).iter().map(|x| x.parse().unwrap()).collect(),
            "--types" => o.types = list(&v),
            "--baseline" => o.baseline = Some(load_baseline(&v)),
            "--reps" => o.reps = v.parse().unwrap(),
            "--batch-ms" => o.batch_s = v.parse::<f64>().unwrap() / 1e3,
            "--no-openblas" => {
                o.skip_blas = true;
                i -= 1;
            }
            "--busy" => {
                busy = true;
                o.cores = true;
                i -= 1;
            }
            "--settle-ms" => o.settle_s = v.parse::<f64>().unwrap() / 1e3,
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    // SAFETY: returns a static string.
    let core = unsafe { CStr::from_ptr(openblas_get_corename()) }.to_string_lossy().into_owned();
    let kernel = unsafe { CStr::from_ptr(matmul_kernel::mm_kernel_name()) }.to_string_lossy().into_owned();
    println!("OpenBLAS core: {core} (OPENBLAS_CORETYPE={}); our kernel: {kernel}; reps {} (median), batch {:.0} ms",
        std::env::var("OPENBLAS_CORETYPE").unwrap_or_default(), o.reps, o.batch_s * 1e3);
    let _competitor = busy.then(|| {
        let c = Competitor::start();
        println!("busy machine: competing process {} spins on the last CPU for the whole run", c.0.id());
        c
    });
    for t in o.types.clone() {
        match t.as_str() {
            "f64" => bench::<f64>(&o),
            "f32" => bench::<f32>(&o),
            other => panic!("unknown type {other}"),
        }
    }
}
