//! NEON (AArch64 Advanced SIMD) microkernels, for Apple M-series, Graviton and Neoverse.
//!
//! AArch64 has 32 128-bit vector registers, and `fmla` can take its multiplier from one
//! lane of another register. So A is loaded as whole vectors, never broadcast: a k step
//! of the f64 kernel (8 x 6) is 4 loads of A, 3 of B and 24 lane-indexed FMAs into 24
//! accumulators, 31 of the 32 registers live. The f32 kernel (8 x 12) is 2 + 3 loads
//! for 24 FMAs, 29 registers. 24 independent accumulators cover the 4 FMA pipes times
//! their 4-cycle latency of an M2 P-core (16 needed) with room to spare.
//! Edge tiles and strided C spill to a stack tile and use the scalar write-back.
use std::arch::aarch64::*;

use super::{store_tile, Microkernel, Tile};
use crate::blocking::{Blocking, NEON_F32, NEON_F64};

pub struct NeonF64;
pub struct NeonF32;

const MR: usize = 8;
const NV: usize = 3;
const _: () = assert!(NEON_F64.mr == MR && NEON_F64.nr == NV * 2);
const _: () = assert!(NEON_F32.mr == MR && NEON_F32.nr == NV * 4);

/// One kernel per element type, `$lanes` values to a vector: A's MR values of a k step are
/// MR / `$lanes` vectors, and row `p * $lanes + lane` multiplies by lane `lane` of vector p.
macro_rules! neon_kernel {
    ($name:ident, $t:ty, $lanes:expr, [$($lane:literal),+], $dup:ident, $load:ident, $store:ident,
     $fma:ident, $fma_lane:ident, $mul:ident) => {
        /// # Safety
        /// As for [`Microkernel::run`]; NEON is part of every AArch64 target's baseline.
        #[inline(always)]
        unsafe fn $name(t: &Tile<$t>) {
            debug_assert!(t.a_packed && t.b_packed);
            const L: usize = $lanes;
            const NR: usize = NV * L;
            let mut acc = [[$dup(0.0); NV]; MR];
            let (mut a, mut b) = (t.a, t.b);
            for _ in 0..t.kc {
                // SAFETY: each k step holds NR values of B and MR values of A.
                let bv = [$load(b), $load(b.add(L)), $load(b.add(2 * L))];
                for p in 0..MR / L {
                    // SAFETY: as above; p * L + L <= MR.
                    let av = $load(a.add(p * L));
                    for v in 0..NV {
                        $(acc[p * L + $lane][v] = $fma_lane::<$lane>(acc[p * L + $lane][v], bv[v], av);)+
                    }
                }
                a = a.add(MR);
                b = b.add(NR);
            }
            if t.csc == 1 && t.m_eff == MR && t.n_eff == NR {
                let (alpha, beta) = ($dup(t.alpha), $dup(t.beta));
                for (i, row_acc) in acc.iter().enumerate() {
                    let row = t.c.add(i * t.rsc);
                    for (v, &sum) in row_acc.iter().enumerate() {
                        // SAFETY: full tile: all MR x NR elements lie inside the window.
                        let cp = row.add(v * L);
                        let r = $mul(sum, alpha);
                        // beta == 0 must not read C: it may hold NaN or uninitialised garbage.
                        $store(cp, if t.beta == 0.0 { r } else { $fma(r, $load(cp), beta) });
                    }
                }
            } else {
                let mut spill = [[0.0 as $t; NR]; MR];
                for i in 0..MR {
                    for v in 0..NV {
                        // SAFETY: the spill row holds NR = NV * L values.
                        $store(spill[i].as_mut_ptr().add(v * L), acc[i][v]);
                    }
                }
                // SAFETY: the caller upholds `run`'s contract, which store_tile shares.
                store_tile::<_, true, MR, NR>(&spill, t);
            }
        }
    };
}

neon_kernel!(kernel_f64, f64, 2, [0, 1], vdupq_n_f64, vld1q_f64, vst1q_f64, vfmaq_f64, vfmaq_laneq_f64, vmulq_f64);
neon_kernel!(kernel_f32, f32, 4, [0, 1, 2, 3], vdupq_n_f32, vld1q_f32, vst1q_f32, vfmaq_f32, vfmaq_laneq_f32, vmulq_f32);

impl Microkernel<f64> for NeonF64 {
    const BLOCKING: Blocking = NEON_F64;
    const SMALL_PATH: bool = false;
    unsafe fn run(t: &Tile<f64>) {
        // SAFETY: the caller upholds `run`'s contract; NEON needs no runtime check on AArch64.
        kernel_f64(t)
    }
}

impl Microkernel<f32> for NeonF32 {
    const BLOCKING: Blocking = NEON_F32;
    const SMALL_PATH: bool = false;
    unsafe fn run(t: &Tile<f32>) {
        // SAFETY: the caller upholds `run`'s contract; NEON needs no runtime check on AArch64.
        kernel_f32(t)
    }
}
