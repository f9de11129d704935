//! AVX-512F microkernels. The tile is MR rows x NV zmm vectors: NR (the vector
//! dimension) runs along C's rows, so a row-major C tile is written with plain (or, at
//! the edges, masked) vector stores, and A values are broadcast one row at a time.
//!
//! 8 x 3 zmm = 24 independent accumulators cover FMA latency x throughput on both
//! Intel (4 cycles x 2 ports x 512 bit) and AMD Zen 4 (4 x 2 x 256 bit), with 28 of
//! the 32 zmm registers live; one k step is 3 vector loads + 8 broadcasts for 24 FMAs.
//!
//! The body is instantiated for 1, 2 and 3 vector columns: an edge panel only
//! `n_eff` wide runs the narrowest one, instead of multiplying zero padding. It also
//! reads unpacked operands for the small-problem path (see `Tile`).
use std::arch::x86_64::*;
use std::mem::MaybeUninit;

use super::{store_tile_from, Microkernel, Tile};
use crate::blocking::{Blocking, AVX512_F32, AVX512_F64};

pub struct Avx512F64;
pub struct Avx512F32;

const MR: usize = 8;
const NV_MAX: usize = 3;
const _: () = assert!(AVX512_F64.mr == MR && AVX512_F64.nr == NV_MAX * 8);
const _: () = assert!(AVX512_F32.mr == MR && AVX512_F32.nr == NV_MAX * 16);

macro_rules! avx512_kernel {
    ($name:ident, $rows:ident, $body:ident, $t:ty, $lanes:expr, $mask:ty, $zero:ident, $set1:ident, $load:ident, $fmadd:ident,
     $mul:ident, $store:ident, $stream:ident, $maskz_load:ident, $mask_store:ident) => {
        /// # Safety
        /// As for [`Microkernel::run`]; the CPU must support AVX-512F; NV vectors cover
        /// n_eff (NV * L >= n_eff).
        #[target_feature(enable = "avx512f,avx2,fma")]
        unsafe fn $body<const RX: usize, const NV: usize, const A_PACKED: bool, const B_PACKED: bool>(t: &Tile<$t>) {
            const L: usize = $lanes;
            const NR: usize = NV_MAX * L;
            let nr_eff = NV * L;
            // Pull the C tile towards L1 while the k loop runs; only addresses inside
            // the window are formed.
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
            // Lanes of each vector column that lie below n_eff: the loads of an unpacked
            // B and the stores of an edge tile never touch columns past the window.
            let mut masks: [$mask; NV] = [0; NV];
            for v in 0..NV {
                let count = t.n_eff.saturating_sub(v * L).min(L);
                masks[v] = ((1u32 << count) - 1) as $mask;
            }
            // Unpacked A has no zero rows past m_eff: re-read the last real row instead
            // (those accumulators are never stored).
            let mut a_off = [0usize; RX];
            for i in 0..RX {
                a_off[i] = if A_PACKED { i } else { i.min(t.m_eff - 1) * t.rsa };
            }
            let a_step = if A_PACKED { MR } else { t.csa };
            let b_step = if B_PACKED { NR } else { t.rsb };

            let mut acc = [[$zero(); NV]; RX];
            let (mut a, mut b) = (t.a, t.b);
            for _ in 0..t.kc {
                let mut bv = [$zero(); NV];
                for v in 0..NV {
                    // SAFETY: packed panels hold NR values per step; unpacked B is read
                    // only under the n_eff mask.
                    bv[v] = if B_PACKED { $load(b.add(v * L)) } else { $maskz_load(masks[v], b.add(v * L)) };
                }
                for i in 0..RX {
                    // SAFETY: a_off addresses a real (or padded, when packed) row.
                    let ai = $set1(*a.add(a_off[i]));
                    for v in 0..NV {
                        acc[i][v] = $fmadd(ai, bv[v], acc[i][v]);
                    }
                }
                // wrapping_add: after the last step the cursors may point past the
                // operands (unpacked ones end exactly there), which `add` forbids.
                a = a.wrapping_add(a_step);
                b = b.wrapping_add(b_step);
            }

            let alpha = $set1(t.alpha);
            let beta = $set1(t.beta);
            let beta_zero = t.beta == 0.0;
            // Streamed only where every row of the tile starts on a vector boundary: each
            // vector is then a whole cache line.
            let stream = t.stream_c && beta_zero && (t.c as usize) % 64 == 0 && (t.rsc * std::mem::size_of::<$t>()) % 64 == 0;
            if t.csc == 1 && t.m_eff == RX && t.n_eff == nr_eff {
                if stream {
                    for i in 0..RX {
                        let row = t.c.add(i * t.rsc);
                        for v in 0..NV {
                            // SAFETY: full tile: all RX x nr_eff elements lie inside the
                            // window; cp is vector-aligned (checked above).
                            $stream(row.add(v * L), $mul(acc[i][v], alpha));
                        }
                    }
                    return;
                }
                for i in 0..RX {
                    let row = t.c.add(i * t.rsc);
                    for v in 0..NV {
                        // SAFETY: full tile: all RX x nr_eff elements lie inside the window.
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
            // Uninitialised: only the NV vectors stored here are ever read back.
            let mut spill = [[MaybeUninit::<$t>::uninit(); NR]; RX];
            for i in 0..RX {
                for v in 0..NV {
                    $store(spill[i].as_mut_ptr().add(v * L) as *mut $t, acc[i][v]);
                }
            }
            if t.csc != 1 {
                // SAFETY: columns below n_eff <= NV * L of every row were stored above.
                store_tile_from::<$t, true>(spill.as_ptr() as *const $t, NR, t);
                return;
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
                    let mut r = $mul($load(spill[i].as_ptr().add(v * L) as *const $t), alpha);
                    if !beta_zero {
                        r = $fmadd($maskz_load(masks[v], cp), beta, r);
                    }
                    $mask_store(cp, masks[v], r);
                }
            }
        }

        /// # Safety
        /// As for [`Microkernel::run`]; the CPU must support AVX-512F.
        unsafe fn $name(t: &Tile<$t>) {
            // Rows: the fewest of 8, 4 or 2 that cover m_eff, so a row remainder does not
            // pay for a full 8-row tile. Each C element sees the same operations whichever
            // variant computes it, so results do not depend on this choice.
            match t.m_eff {
                0..=2 => $rows::<2>(t),
                3..=4 => $rows::<4>(t),
                _ => $rows::<MR>(t),
            }
        }

        /// # Safety
        /// As for [`Microkernel::run`]; RX >= m_eff.
        #[inline(always)]
        unsafe fn $rows<const RX: usize>(t: &Tile<$t>) {
            match (t.a_packed, t.b_packed, t.n_eff.div_ceil($lanes)) {
                (true, true, 1) => $body::<RX, 1, true, true>(t),
                (true, true, 2) => $body::<RX, 2, true, true>(t),
                (true, true, _) => $body::<RX, 3, true, true>(t),
                (false, true, 1) => $body::<RX, 1, false, true>(t),
                (false, true, 2) => $body::<RX, 2, false, true>(t),
                (false, true, _) => $body::<RX, 3, false, true>(t),
                (_, false, 1) => $body::<RX, 1, false, false>(t),
                (_, false, 2) => $body::<RX, 2, false, false>(t),
                (_, false, _) => $body::<RX, 3, false, false>(t),
            }
        }
    };
}

avx512_kernel!(
    kernel_f64, rows_f64, body_f64, f64, 8, __mmask8, _mm512_setzero_pd, _mm512_set1_pd, _mm512_loadu_pd, _mm512_fmadd_pd,
    _mm512_mul_pd, _mm512_storeu_pd, _mm512_stream_pd, _mm512_maskz_loadu_pd, _mm512_mask_storeu_pd
);
avx512_kernel!(
    kernel_f32, rows_f32, body_f32, f32, 16, __mmask16, _mm512_setzero_ps, _mm512_set1_ps, _mm512_loadu_ps, _mm512_fmadd_ps,
    _mm512_mul_ps, _mm512_storeu_ps, _mm512_stream_ps, _mm512_maskz_loadu_ps, _mm512_mask_storeu_ps
);

impl Microkernel<f64> for Avx512F64 {
    const BLOCKING: Blocking = AVX512_F64;
    const SMALL_PATH: bool = true;
    unsafe fn run(t: &Tile<f64>) {
        // SAFETY: dispatch only selects this kernel when AVX-512F was detected.
        kernel_f64(t)
    }
}

impl Microkernel<f32> for Avx512F32 {
    const BLOCKING: Blocking = AVX512_F32;
    const SMALL_PATH: bool = true;
    unsafe fn run(t: &Tile<f32>) {
        // SAFETY: dispatch only selects this kernel when AVX-512F was detected.
        kernel_f32(t)
    }
}
