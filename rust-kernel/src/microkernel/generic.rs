//! Portable microkernel: fixed-size arrays whose loops LLVM unrolls and vectorises with
//! whatever baseline SIMD the target has (SSE2 on x86_64, NEON on aarch64).
use super::{store_tile, Microkernel, Tile};
use crate::blocking::{Blocking, GENERIC_F32, GENERIC_F64};
use crate::element::Element;

pub struct GenericF64;
pub struct GenericF32;

/// # Safety
/// As for [`Microkernel::run`] with MR x NR panels.
#[inline(always)]
unsafe fn tile<T: Element, const MR: usize, const NR: usize>(t: &Tile<T>) {
    debug_assert!(t.a_packed && t.b_packed);
    let mut acc = [[T::ZERO; NR]; MR];
    let (mut a, mut b) = (t.a, t.b);
    for _ in 0..t.kc {
        // SAFETY: each step holds MR (A) and NR (B) elements of the packed panels,
        // which the driver allocates with T's alignment (64 bytes).
        let (av, bv) = (*(a as *const [T; MR]), *(b as *const [T; NR]));
        for i in 0..MR {
            for j in 0..NR {
                acc[i][j] = av[i].mul_add_fast(bv[j], acc[i][j]);
            }
        }
        a = a.add(MR);
        b = b.add(NR);
    }
    store_tile::<T, { cfg!(any(target_arch = "aarch64", target_feature = "fma")) }, MR, NR>(&acc, t);
}

impl Microkernel<f64> for GenericF64 {
    const BLOCKING: Blocking = GENERIC_F64;
    const SMALL_PATH: bool = false;
    unsafe fn run(t: &Tile<f64>) {
        tile::<f64, { GENERIC_F64.mr }, { GENERIC_F64.nr }>(t)
    }
}

impl Microkernel<f32> for GenericF32 {
    const BLOCKING: Blocking = GENERIC_F32;
    const SMALL_PATH: bool = false;
    unsafe fn run(t: &Tile<f32>) {
        tile::<f32, { GENERIC_F32.mr }, { GENERIC_F32.nr }>(t)
    }
}
