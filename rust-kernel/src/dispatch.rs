//! Which microkernel runs: chosen once per process from the CPU's features (never from
//! CPU model tables), optionally forced by `MATMUL_KERNEL=generic|avx2|avx512`.
//!
//! A forced path the CPU cannot run falls back to the best supported one (avx512 ->
//! avx2 -> generic) instead of failing: a wrong environment variable must never crash
//! a JVM. Unknown values are ignored the same way.
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelKind {
    Generic,
    Avx2,
    Avx512,
}

impl KernelKind {
    pub const ALL: [KernelKind; 3] = [KernelKind::Generic, KernelKind::Avx2, KernelKind::Avx512];

    pub fn name(self) -> &'static str {
        match self {
            KernelKind::Generic => "generic",
            KernelKind::Avx2 => "avx2",
            KernelKind::Avx512 => "avx512",
        }
    }

    /// NUL-terminated, for the C ABI.
    pub fn c_name(self) -> &'static [u8] {
        match self {
            KernelKind::Generic => b"generic\0",
            KernelKind::Avx2 => b"avx2\0",
            KernelKind::Avx512 => b"avx512\0",
        }
    }

    pub fn parse(s: &str) -> Option<KernelKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "generic" => Some(KernelKind::Generic),
            "avx2" => Some(KernelKind::Avx2),
            "avx512" => Some(KernelKind::Avx512),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Features {
    avx2_fma: bool,
    avx512f: bool,
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
    Features { avx2_fma, avx512f }
}

#[cfg(not(target_arch = "x86_64"))]
fn detect() -> Features {
    Features { avx2_fma: false, avx512f: false }
}

/// Whether this CPU can run `kind`.
pub fn supported(kind: KernelKind) -> bool {
    let f = features();
    match kind {
        KernelKind::Generic => true,
        KernelKind::Avx2 => f.avx2_fma,
        KernelKind::Avx512 => f.avx512f,
    }
}

/// The fastest kernel this CPU supports.
pub fn best() -> KernelKind {
    if supported(KernelKind::Avx512) {
        KernelKind::Avx512
    } else if supported(KernelKind::Avx2) {
        KernelKind::Avx2
    } else {
        KernelKind::Generic
    }
}

/// `kind` if this CPU runs it, else the best supported kernel below it.
pub fn resolve(kind: KernelKind) -> KernelKind {
    match kind {
        KernelKind::Avx512 if supported(KernelKind::Avx512) => KernelKind::Avx512,
        KernelKind::Avx512 | KernelKind::Avx2 if supported(KernelKind::Avx2) => KernelKind::Avx2,
        _ => KernelKind::Generic,
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
