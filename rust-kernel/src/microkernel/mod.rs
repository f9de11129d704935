//! The register-blocked microkernels: the only ISA-specific code. Each computes one
//! MR x NR tile of C from a packed MR x KC micro-panel of A and a packed KC x NR
//! micro-panel of B, then applies alpha and beta while writing the tile back.
use crate::blocking::Blocking;
use crate::element::Element;

#[cfg(target_arch = "x86_64")]
pub mod avx2;
#[cfg(target_arch = "x86_64")]
pub mod avx512;
pub mod generic;
#[cfg(target_arch = "aarch64")]
pub mod neon;

/// One tile's work. Only the `m_eff x n_eff` corner of the tile exists in C; element
/// (i, j) of C is at `c + i * rsc + j * csc`.
///
/// Packed operands (the normal case): `a` holds `kc` steps of MR values and `b` holds
/// `kc` steps of NR values, zero-padded past the matrix edges. Kernels whose
/// `SMALL_PATH` is true also accept them unpacked: A element (i, l) at
/// `a + i * rsa + l * csa` (rows past m_eff must not be read), B element (l, j) at
/// `b + l * rsb + j` (columns past n_eff must not be read).
pub struct Tile<T> {
    pub kc: usize,
    pub alpha: T,
    pub beta: T,
    pub a: *const T,
    pub a_packed: bool,
    pub rsa: usize,
    pub csa: usize,
    pub b: *const T,
    pub b_packed: bool,
    pub rsb: usize,
    pub c: *mut T,
    pub rsc: usize,
    pub csc: usize,
    pub m_eff: usize,
    pub n_eff: usize,
    /// Write whole, aligned rows of C with non-temporal stores, past the caches (beta == 0,
    /// set where `driver::streams_c` holds, and for a parallel piece only where
    /// `driver::pieces_own_whole_lines` does too); a kernel without such stores ignores it.
    pub stream_c: bool,
}

/// The microkernel of each path for one element type. A path of another architecture
/// names the portable kernel; `dispatch` never selects it there anyway.
pub trait Kernels: Element {
    type Avx512: Microkernel<Self>;
    type Avx2: Microkernel<Self>;
    type Neon: Microkernel<Self>;
    type Generic: Microkernel<Self>;
}

macro_rules! kernels {
    ($t:ty, $avx512:ident, $avx2:ident, $neon:ident, $generic:ident) => {
        impl Kernels for $t {
            #[cfg(target_arch = "aarch64")]
            type Neon = neon::$neon;
            #[cfg(not(target_arch = "aarch64"))]
            type Neon = generic::$generic;
            #[cfg(target_arch = "x86_64")]
            type Avx512 = avx512::$avx512;
            #[cfg(target_arch = "x86_64")]
            type Avx2 = avx2::$avx2;
            #[cfg(not(target_arch = "x86_64"))]
            type Avx512 = generic::$generic;
            #[cfg(not(target_arch = "x86_64"))]
            type Avx2 = generic::$generic;
            type Generic = generic::$generic;
        }
    };
}

kernels!(f64, Avx512F64, Avx2F64, NeonF64, GenericF64);
kernels!(f32, Avx512F32, Avx2F32, NeonF32, GenericF32);

pub trait Microkernel<T: Element> {
    const BLOCKING: Blocking;
    /// Whether `run` accepts unpacked operands (see [`Tile`]).
    const SMALL_PATH: bool;

    /// C := alpha * A_panel * B_panel + beta * C over the `m_eff x n_eff` window.
    /// beta == 0 never reads C.
    ///
    /// # Safety
    /// The CPU supports the kernel's features; `a`/`b` are readable for `kc * MR` /
    /// `kc * NR` elements; every C element of the window is writable, and no element
    /// outside it may be touched.
    unsafe fn run(tile: &Tile<T>);
}

/// Scalar write-back of a tile already summed into `acc`: used by the portable kernel,
/// and by the SIMD kernels for edges or strided C they do not handle with vectors.
/// `FUSED`: `c * beta + alpha * sum` rounds once, as the SIMD kernels' vector write-back of
/// whole tiles does, so that an element's bits do not depend on whether its tile is whole
/// or an edge (a band of C computed on its own puts the edges elsewhere). The SIMD kernels
/// pass true (one FMA instruction once inlined); the portable kernel writes every tile
/// here, so it needs no FMA for that and fuses only where the target has one, since a
/// software fma would cost more than the tile's sums.
///
/// # Safety
/// As for [`Microkernel::run`].
#[inline(always)]
pub(crate) unsafe fn store_tile<T: Element, const FUSED: bool, const MR: usize, const NR: usize>(
    acc: &[[T; NR]; MR],
    t: &Tile<T>,
) {
    debug_assert!(t.m_eff <= MR && t.n_eff <= NR);
    store_tile_from::<T, FUSED>(acc.as_ptr() as *const T, NR, t);
}

/// [`store_tile`] from sums laid out `row_len` apart, of which only the `m_eff x n_eff`
/// corner is read: the SIMD kernels spill into uninitialised memory, since zeroing a
/// whole MR x NR spill area costs a sizeable share of a tiny product.
///
/// # Safety
/// As for [`Microkernel::run`]; `acc` holds initialised sums at `i * row_len + j` for
/// every i < m_eff, j < n_eff.
#[inline(always)]
pub(crate) unsafe fn store_tile_from<T: Element, const FUSED: bool>(acc: *const T, row_len: usize, t: &Tile<T>) {
    for i in 0..t.m_eff {
        for j in 0..t.n_eff {
            let c = t.c.add(i * t.rsc + j * t.csc);
            let value = t.alpha * *acc.add(i * row_len + j);
            // beta == 0 must not read C: it may hold NaN or uninitialised garbage.
            *c = if t.beta == T::ZERO {
                value
            } else if FUSED {
                t.beta.fused_mul_add(*c, value)
            } else {
                value + t.beta * *c
            };
        }
    }
}
