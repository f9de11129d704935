//! AVX-512F microkernels. The tile is MR rows x NV zmm vectors: NR (the vector
//! dimension) runs along C's rows, so a row-major C tile is written with plain (or, at
//! the edges, masked) vector stores, and A values are broadcast one row at a time.
//!
//! 8 x 3 zmm = 24 independent accumulators cover FMA latency x throughput on both
//! Intel (4 cycles x 2 ports x 512 bit) and AMD Zen 4 (4 x 2 x 256 bit), with 28 of
//! the 32 zmm registers live; one k step is 3 vector loads + 8 broadcasts for 24 FMAs.
use std::arch::x86_64::*;

use super::{store_tile, Microkernel, Tile};
use crate::blocking::{Blocking, AVX512_F32, AVX512_F64};

pub struct Avx512F64;
pub struct Avx512F32;

const MR: usize = 8;
const NV: usize = 3;
const _: () = assert!(AVX512_F64.mr == MR && AVX512_F64.nr == NV * 8);
const _: () = assert!(AVX512_F32.mr == MR && AVX512_F32.nr == NV * 16);

macro_rules! avx512_kernel {
    ($name:ident, $t:ty, $lanes:expr, $mask:ty, $zero:ident, $set1:ident, $load:ident, $fmadd:ident,
     $mul:ident, $store:ident, $maskz_load:ident, $mask_store:ident) => {
        /// # Safety
        /// As for [`Microkernel::run`]; the CPU must support AVX-512F.
        #[target_feature(enable = "avx512f,avx2,fma")]
        unsafe fn $name(t: &Tile<$t>) {
            const L: usize = $lanes;
            const NR: usize = NV * L;
            // Pull the C tile towards L1 while the k loop runs; only addresses inside
            // the window are formed (prefetches never fault, but stay in bounds anyway).
            if t.beta != 0.0 {
                for i in 0..t.m_eff {
                    let row = t.c.add(i * t.rsc);
                    let mut j = 0;
                    while j < t.n_eff {
                        _mm_prefetch::<_MM_HINT_T0>(row.add(j * t.csc) as *const i8);
                        j += L;
                    }
                    _mm_prefetch::<_MM_HINT_T0>(row.add((t.n_eff - 1) * t.csc) as *const i8);
                }
            }

            let mut acc = [[$zero(); NV]; MR];
            let (mut a, mut b) = (t.a, t.b);
            for _ in 0..t.kc {
                // SAFETY: each k step holds NR values of B and MR values of A.
                let bv = [$load(b), $load(b.add(L)), $load(b.add(2 * L))];
                for i in 0..MR {
                    let ai = $set1(*a.add(i));
                    for v in 0..NV {
                        acc[i][v] = $fmadd(ai, bv[v], acc[i][v]);
                    }
                }
                a = a.add(MR);
                b = b.add(NR);
            }

            let alpha = $set1(t.alpha);
            let beta = $set1(t.beta);
            let beta_zero = t.beta == 0.0;
            if t.csc == 1 && t.m_eff == MR && t.n_eff == NR {
                for i in 0..MR {
                    let row = t.c.add(i * t.rsc);
                    for v in 0..NV {
                        // SAFETY: full tile: all MR x NR elements lie inside the window.
                        let cp = row.add(v * L);
                        let mut r = $mul(acc[i][v], alpha);
                        if !beta_zero {
                            r = $fmadd($load(cp), beta, r);
                        }
                        $store(cp, r);
                    }
                }
                return;
            }
            // Edge or strided tile. Spill with constant indices first: indexing the
            // accumulators by the runtime m_eff would make LLVM keep them in memory
            // inside the k loop too.
            let mut spill = [[0.0 as $t; NR]; MR];
            for i in 0..MR {
                for v in 0..NV {
                    $store(spill[i].as_mut_ptr().add(v * L), acc[i][v]);
                }
            }
            if t.csc != 1 {
                store_tile(&spill, t);
                return;
            }
            // Masked lanes are neither read nor written, so C outside the window (its
            // padding, or the next row) is untouched.
            let mut masks: [$mask; NV] = [0; NV];
            for v in 0..NV {
                let count = t.n_eff.saturating_sub(v * L).min(L);
                masks[v] = ((1u32 << count) - 1) as $mask;
            }
            for i in 0..t.m_eff {
                let row = t.c.add(i * t.rsc);
                for v in 0..NV {
                    if masks[v] == 0 {
                        continue;
                    }
                    // SAFETY: v * L < n_eff, so cp is inside the window; the mask covers
                    // only columns below n_eff.
                    let cp = row.add(v * L);
                    let mut r = $mul($load(spill[i].as_ptr().add(v * L)), alpha);
                    if !beta_zero {
                        r = $fmadd($maskz_load(masks[v], cp), beta, r);
                    }
                    $mask_store(cp, masks[v], r);
                }
            }
        }
    };
}

avx512_kernel!(
    kernel_f64, f64, 8, __mmask8, _mm512_setzero_pd, _mm512_set1_pd, _mm512_loadu_pd, _mm512_fmadd_pd,
    _mm512_mul_pd, _mm512_storeu_pd, _mm512_maskz_loadu_pd, _mm512_mask_storeu_pd
);
avx512_kernel!(
    kernel_f32, f32, 16, __mmask16, _mm512_setzero_ps, _mm512_set1_ps, _mm512_loadu_ps, _mm512_fmadd_ps,
    _mm512_mul_ps, _mm512_storeu_ps, _mm512_maskz_loadu_ps, _mm512_mask_storeu_ps
);

impl Microkernel<f64> for Avx512F64 {
    const BLOCKING: Blocking = AVX512_F64;
    unsafe fn run(t: &Tile<f64>) {
        // SAFETY: dispatch only selects this kernel when AVX-512F was detected.
        kernel_f64(t)
    }
}

impl Microkernel<f32> for Avx512F32 {
    const BLOCKING: Blocking = AVX512_F32;
    unsafe fn run(t: &Tile<f32>) {
        // SAFETY: dispatch only selects this kernel when AVX-512F was detected.
        kernel_f32(t)
    }
}
