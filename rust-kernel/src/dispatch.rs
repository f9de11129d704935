//! Which microkernel runs: chosen once per process from the CPU's features (never from
//! CPU model tables), optionally forced by `MATMUL_KERNEL=generic|avx2|avx512|neon`.
//!
//! A forced path the CPU cannot run falls back instead of failing: a wrong environment
//! variable must never crash a JVM. On x86_64 an unsupported x86 path falls to the next
//! one below it (avx512 -> avx2 -> generic); a path of another architecture (neon on
//! x86_64, avx2 on AArch64) gets this CPU's best. Unknown values are ignored the same way.
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelKind {
    Generic,
    Avx2,
    Avx512,
    Neon,
}

impl KernelKind {
    pub const ALL: [KernelKind; 4] = [KernelKind::Generic, KernelKind::Avx2, KernelKind::Avx512, KernelKind::Neon];

    pub fn name(self) -> &'static str {
        match self {
            KernelKind::Generic => "generic",
            KernelKind::Avx2 => "avx2",
            KernelKind::Avx512 => "avx512",
            KernelKind::Neon => "neon",
        }
    }

    /// NUL-terminated, for the C ABI.
    pub fn c_name(self) -> &'static [u8] {
        match self {
            KernelKind::Generic => b"generic\0",
            KernelKind::Avx2 => b"avx2\0",
            KernelKind::Avx512 => b"avx512\0",
            KernelKind::Neon => b"neon\0",
        }
    }

    pub fn parse(s: &str) -> Option<KernelKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "generic" => Some(KernelKind::Generic),
            "avx2" => Some(KernelKind::Avx2),
            "avx512" => Some(KernelKind::Avx512),
            "neon" => Some(KernelKind::Neon),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Features {
    avx2_fma: bool,
    avx512f: bool,
    neon: bool,
}

fn features() -> Features {
    static FEATURES: OnceLock<Features> = OnceLock::new();
    *FEATURES.get_or_init(detect)
}

#[cfg(target_arch = "x86_64")]
fn detect() -> Features {
    let avx2_fma = is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma");
    // The AVX-512 kernels also use FMA-only helpers, so require both.
    let avx512f = avx2_fma && is_x86_feature_detected!("avx512f");
    Features { avx2_fma, avx512f, neon: false }
}

// Advanced SIMD is mandatory in ARMv8-A and part of every AArch64 Rust target.
#[cfg(target_arch = "aarch64")]
fn detect() -> Features {
    Features { avx2_fma: false, avx512f: false, neon: true }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn detect() -> Features {
    Features { avx2_fma: false, avx512f: false, neon: false }
}

/// Whether this CPU can run `kind`.
pub fn supported(kind: KernelKind) -> bool {
    let f = features();
    match kind {
        KernelKind::Generic => true,
        KernelKind::Avx2 => f.avx2_fma,
        KernelKind::Avx512 => f.avx512f,
        KernelKind::Neon => f.neon,
    }
}

/// The fastest kernel this CPU supports.
pub fn best() -> KernelKind {
    if supported(KernelKind::Neon) {
        KernelKind::Neon
    } else if supported(KernelKind::Avx512) {
        KernelKind::Avx512
    } else if supported(KernelKind::Avx2) {
        KernelKind::Avx2
    } else {
        KernelKind::Generic
    }
}

/// `kind` if this CPU runs it, else the path it falls back to (see the module doc).
pub fn resolve(kind: KernelKind) -> KernelKind {
    let x86 = cfg!(target_arch = "x86_64");
    match kind {
        _ if supported(kind) => kind,
        KernelKind::Avx512 | KernelKind::Avx2 if x86 => {
            if kind == KernelKind::Avx512 && supported(KernelKind::Avx2) {
                KernelKind::Avx2
            } else {
                KernelKind::Generic
            }
        }
        KernelKind::Generic => KernelKind::Generic,
        _ => best(),
    }
}

/// The kernel this process uses, decided on first call.
pub fn selected() -> KernelKind {
    static SELECTED: OnceLock<KernelKind> = OnceLock::new();
    *SELECTED.get_or_init(|| match std::env::var("MATMUL_KERNEL").ok().as_deref().and_then(KernelKind::parse) {
        Some(forced) => resolve(forced),
        None => best(),
    })
}
