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

/// # Safety
/// As for [`Microkernel::run`]; NEON is part of every AArch64 target's baseline.
#[inline(always)]
unsafe fn kernel_f64(t: &Tile<f64>) {
    debug_assert!(t.a_packed && t.b_packed);
    const NR: usize = NV * 2;
    let mut acc = [[vdupq_n_f64(0.0); NV]; MR];
    let (mut a, mut b) = (t.a, t.b);
    for _ in 0..t.kc {
        // SAFETY: each k step holds NR values of B and MR values of A.
        let bv = [vld1q_f64(b), vld1q_f64(b.add(2)), vld1q_f64(b.add(4))];
        let av = [vld1q_f64(a), vld1q_f64(a.add(2)), vld1q_f64(a.add(4)), vld1q_f64(a.add(6))];
        for v in 0..NV {
            for p in 0..MR / 2 {
                acc[2 * p][v] = vfmaq_laneq_f64::<0>(acc[2 * p][v], bv[v], av[p]);
                acc[2 * p + 1][v] = vfmaq_laneq_f64::<1>(acc[2 * p + 1][v], bv[v], av[p]);
            }
        }
        a = a.add(MR);
        b = b.add(NR);
    }
    if t.csc == 1 && t.m_eff == MR && t.n_eff == NR {
        let (alpha, beta) = (vdupq_n_f64(t.alpha), vdupq_n_f64(t.beta));
        for (i, row_acc) in acc.iter().enumerate() {
            let row = t.c.add(i * t.rsc);
            for (v, &sum) in row_acc.iter().enumerate() {
                // SAFETY: full tile: all MR x NR elements lie inside the window.
                let cp = row.add(v * 2);
                let r = vmulq_f64(sum, alpha);
                // beta == 0 must not read C: it may hold NaN or uninitialised garbage.
                vst1q_f64(cp, if t.beta == 0.0 { r } else { vfmaq_f64(r, vld1q_f64(cp), beta) });
            }
        }
    } else {
        let mut spill = [[0.0f64; NR]; MR];
        for i in 0..MR {
            for v in 0..NV {
                vst1q_f64(spill[i].as_mut_ptr().add(v * 2), acc[i][v]);
            }
        }
        store_tile(&spill, t);
    }
}

/// # Safety
/// As for [`Microkernel::run`]; NEON is part of every AArch64 target's baseline.
#[inline(always)]
unsafe fn kernel_f32(t: &Tile<f32>) {
    debug_assert!(t.a_packed && t.b_packed);
    const NR: usize = NV * 4;
    let mut acc = [[vdupq_n_f32(0.0); NV]; MR];
    let (mut a, mut b) = (t.a, t.b);
    for _ in 0..t.kc {
        // SAFETY: each k step holds NR values of B and MR values of A.
        let bv = [vld1q_f32(b), vld1q_f32(b.add(4)), vld1q_f32(b.add(8))];
        let av = [vld1q_f32(a), vld1q_f32(a.add(4))];
        for v in 0..NV {
            for p in 0..MR / 4 {
                acc[4 * p][v] = vfmaq_laneq_f32::<0>(acc[4 * p][v], bv[v], av[p]);
                acc[4 * p + 1][v] = vfmaq_laneq_f32::<1>(acc[4 * p + 1][v], bv[v], av[p]);
                acc[4 * p + 2][v] = vfmaq_laneq_f32::<2>(acc[4 * p + 2][v], bv[v], av[p]);
                acc[4 * p + 3][v] = vfmaq_laneq_f32::<3>(acc[4 * p + 3][v], bv[v], av[p]);
            }
        }
        a = a.add(MR);
        b = b.add(NR);
    }
    if t.csc == 1 && t.m_eff == MR && t.n_eff == NR {
        let (alpha, beta) = (vdupq_n_f32(t.alpha), vdupq_n_f32(t.beta));
        for (i, row_acc) in acc.iter().enumerate() {
            let row = t.c.add(i * t.rsc);
            for (v, &sum) in row_acc.iter().enumerate() {
                // SAFETY: full tile: all MR x NR elements lie inside the window.
                let cp = row.add(v * 4);
                let r = vmulq_f32(sum, alpha);
                // beta == 0 must not read C: it may hold NaN or uninitialised garbage.
                vst1q_f32(cp, if t.beta == 0.0 { r } else { vfmaq_f32(r, vld1q_f32(cp), beta) });
            }
        }
    } else {
        let mut spill = [[0.0f32; NR]; MR];
        for i in 0..MR {
            for v in 0..NV {
                vst1q_f32(spill[i].as_mut_ptr().add(v * 4), acc[i][v]);
            }
        }
        store_tile(&spill, t);
    }
}

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
