//! AVX2+FMA microkernels: at most MR = 6 rows x 2 ymm vectors = 12 accumulators, 15 of the
//! 16 ymm registers live (12 + 2 B vectors + 1 broadcast), the classic Haswell shape.
//!
//! The body is instantiated for 2, 4 and 6 rows and for 1 and 2 vector columns, so an
//! edge tile runs the narrowest shape that covers it instead of multiplying padding. It
//! also reads unpacked operands for the small-problem path (see `Tile`): for a product
//! of a few rows and columns, packing both operands cost twice the tile's FMAs
//! (`perf` on `examples/batch_speed.rs 8`). Where B's rows end inside a vector, and at
//! the edges of C, loads and stores are masked, so no column past the window is touched.
use std::arch::x86_64::*;
use std::mem::MaybeUninit;

use super::{store_tile_from, Microkernel, Tile};
use crate::blocking::{Blocking, AVX2_F32, AVX2_F64};

pub struct Avx2F64;
pub struct Avx2F32;

const MR: usize = 6;
const NV_MAX: usize = 2;
const _: () = assert!(AVX2_F64.mr == MR && AVX2_F64.nr == NV_MAX * 4);
const _: () = assert!(AVX2_F32.mr == MR && AVX2_F32.nr == NV_MAX * 8);

/// All-ones in the first `count` (at most 4) 64-bit lanes: a mask for `_mm256_maskload_pd`.
#[inline(always)]
unsafe fn lanes_f64(count: usize) -> __m256i {
    _mm256_cmpgt_epi64(_mm256_set1_epi64x(count as i64), _mm256_setr_epi64x(0, 1, 2, 3))
}

/// All-ones in the first `count` (at most 8) 32-bit lanes: a mask for `_mm256_maskload_ps`.
#[inline(always)]
unsafe fn lanes_f32(count: usize) -> __m256i {
    _mm256_cmpgt_epi32(_mm256_set1_epi32(count as i32), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
}

macro_rules! avx2_kernel {
    ($name:ident, $rows:ident, $body:ident, $t:ty, $lanes:expr, $lane_mask:ident, $zero:ident, $set1:ident, $load:ident,
     $fmadd:ident, $mul:ident, $store:ident, $stream:ident, $mask_load:ident, $mask_store:ident) => {
        /// # Safety
        /// As for [`Microkernel::run`]; the CPU must support AVX2 and FMA; RX >= m_eff and
        /// NV vectors cover n_eff (NV * L >= n_eff).
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $body<const RX: usize, const NV: usize, const A_PACKED: bool, const B_PACKED: bool>(t: &Tile<$t>) {
            const L: usize = $lanes;
            const NR: usize = NV_MAX * L;
            let nr_eff = NV * L;
            if t.beta != 0.0 {
                for i in 0..t.m_eff {
                    let row = t.c.add(i * t.rsc);
                    _mm_prefetch::<_MM_HINT_T0>(row as *const i8);
                    _mm_prefetch::<_MM_HINT_T0>(row.add((t.n_eff - 1) * t.csc) as *const i8);
                }
            }
            // Lanes of each vector column below n_eff: an unpacked B row that ends inside
            // a vector is loaded under this mask, and so are the edge stores of C.
            let mut counts = [0usize; NV];
            let mut masks = [_mm256_setzero_si256(); NV];
            for v in 0..NV {
                counts[v] = t.n_eff.saturating_sub(v * L).min(L);
                masks[v] = $lane_mask(counts[v]);
            }
            let b_whole = t.n_eff == nr_eff;
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
                    // SAFETY: packed panels hold NR values per step; an unpacked B row is
                    // read whole only when n_eff covers every vector, else under the mask.
                    bv[v] = if B_PACKED || b_whole { $load(b.add(v * L)) } else { $mask_load(b.add(v * L), masks[v]) };
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
            // Streamed only where every row of the tile starts on a vector boundary and the
            // tile is NR wide: its rows are then whole cache lines (a one-vector tile would
            // stream half lines, which the memory completes by reading them).
            let stream = t.stream_c && NV == NV_MAX && beta_zero && (t.c as usize) % 32 == 0 && (t.rsc * std::mem::size_of::<$t>()) % 32 == 0;
            if t.csc == 1 && t.m_eff == RX && b_whole {
                for i in 0..RX {
                    let row = t.c.add(i * t.rsc);
                    for v in 0..NV {
                        // SAFETY: whole tile: all RX x nr_eff elements lie inside the window.
                        let cp = row.add(v * L);
                        let mut r = $mul(acc[i][v], alpha);
                        if !beta_zero {
                            r = $fmadd($load(cp), beta, r);
                        }
                        if stream {
                            // SAFETY: as above; and cp is vector-aligned (checked above).
                            $stream(cp, r);
                        } else {
                            $store(cp, r);
                        }
                    }
                }
                return;
            }
            // Edge or strided tile. Spill with constant indices first: indexing the
            // accumulators by the runtime m_eff would make LLVM keep them in memory
            // inside the k loop too. Uninitialised: only the vectors stored here are read.
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
                    if counts[v] == 0 {
                        continue;
                    }
                    // SAFETY: v * L < n_eff, so cp is inside the window; the mask covers
                    // only columns below n_eff.
                    let cp = row.add(v * L);
                    let mut r = $mul($load(spill[i].as_ptr().add(v * L) as *const $t), alpha);
                    if !beta_zero {
                        r = $fmadd($mask_load(cp, masks[v]), beta, r);
                    }
                    $mask_store(cp, masks[v], r);
                }
            }
        }

        /// # Safety
        /// As for [`Microkernel::run`]; the CPU must support AVX2 and FMA.
        unsafe fn $name(t: &Tile<$t>) {
            // Rows: the fewest of 2, 4 or 6 that cover m_eff. Each C element sees the same
            // operations whichever variant computes it, so results do not depend on this.
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
                (true, true, _) => $body::<RX, 2, true, true>(t),
                (false, true, 1) => $body::<RX, 1, false, true>(t),
                (false, true, _) => $body::<RX, 2, false, true>(t),
                (_, false, 1) => $body::<RX, 1, false, false>(t),
                (_, false, _) => $body::<RX, 2, false, false>(t),
            }
        }
    };
}

avx2_kernel!(
    kernel_f64, rows_f64, body_f64, f64, 4, lanes_f64, _mm256_setzero_pd, _mm256_set1_pd, _mm256_loadu_pd, _mm256_fmadd_pd,
    _mm256_mul_pd, _mm256_storeu_pd, _mm256_stream_pd, _mm256_maskload_pd, _mm256_maskstore_pd
);
avx2_kernel!(
    kernel_f32, rows_f32, body_f32, f32, 8, lanes_f32, _mm256_setzero_ps, _mm256_set1_ps, _mm256_loadu_ps, _mm256_fmadd_ps,
    _mm256_mul_ps, _mm256_storeu_ps, _mm256_stream_ps, _mm256_maskload_ps, _mm256_maskstore_ps
);

impl Microkernel<f64> for Avx2F64 {
    const BLOCKING: Blocking = AVX2_F64;
    const SMALL_PATH: bool = true;
    unsafe fn run(t: &Tile<f64>) {
        // SAFETY: dispatch only selects this kernel when AVX2 and FMA were detected.
        kernel_f64(t)
    }
}

impl Microkernel<f32> for Avx2F32 {
    const BLOCKING: Blocking = AVX2_F32;
    const SMALL_PATH: bool = true;
    unsafe fn run(t: &Tile<f32>) {
        // SAFETY: dispatch only selects this kernel when AVX2 and FMA were detected.
        kernel_f32(t)
    }
}
