//! AVX2+FMA microkernels: MR = 6 rows x 2 ymm vectors = 12 accumulators, 15 of the 16
//! ymm registers live (12 + 2 B vectors + 1 broadcast), the classic Haswell shape.
//! Edge tiles and strided C spill to a stack tile and use the scalar write-back.
use std::arch::x86_64::*;

use super::{store_tile, Microkernel, Tile};
use crate::blocking::{Blocking, AVX2_F32, AVX2_F64};

pub struct Avx2F64;
pub struct Avx2F32;

const MR: usize = 6;
const NV: usize = 2;
const _: () = assert!(AVX2_F64.mr == MR && AVX2_F64.nr == NV * 4);
const _: () = assert!(AVX2_F32.mr == MR && AVX2_F32.nr == NV * 8);

macro_rules! avx2_kernel {
    ($name:ident, $t:ty, $lanes:expr, $zero:ident, $set1:ident, $load:ident, $fmadd:ident, $mul:ident,
     $store:ident) => {
        /// # Safety
        /// As for [`Microkernel::run`]; the CPU must support AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        unsafe fn $name(t: &Tile<$t>) {
            debug_assert!(t.a_packed && t.b_packed);
            const L: usize = $lanes;
            const NR: usize = NV * L;
            if t.beta != 0.0 {
                for i in 0..t.m_eff {
                    let row = t.c.add(i * t.rsc);
                    _mm_prefetch::<_MM_HINT_T0>(row as *const i8);
                    _mm_prefetch::<_MM_HINT_T0>(row.add((t.n_eff - 1) * t.csc) as *const i8);
                }
            }
            let mut acc = [[$zero(); NV]; MR];
            let (mut a, mut b) = (t.a, t.b);
            for _ in 0..t.kc {
                // SAFETY: each k step holds NR values of B and MR values of A.
                let bv = [$load(b), $load(b.add(L))];
                for i in 0..MR {
                    let ai = $set1(*a.add(i));
                    for v in 0..NV {
                        acc[i][v] = $fmadd(ai, bv[v], acc[i][v]);
                    }
                }
                a = a.add(MR);
                b = b.add(NR);
            }
            if t.csc == 1 && t.m_eff == MR && t.n_eff == NR {
                let alpha = $set1(t.alpha);
                let beta = $set1(t.beta);
                let beta_zero = t.beta == 0.0;
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
            } else {
                let mut spill = [[0.0 as $t; NR]; MR];
                for i in 0..MR {
                    for v in 0..NV {
                        $store(spill[i].as_mut_ptr().add(v * L), acc[i][v]);
                    }
                }
                store_tile::<_, true, MR, NR>(&spill, t);
            }
        }
    };
}

avx2_kernel!(
    kernel_f64, f64, 4, _mm256_setzero_pd, _mm256_set1_pd, _mm256_loadu_pd, _mm256_fmadd_pd, _mm256_mul_pd,
    _mm256_storeu_pd
);
avx2_kernel!(
    kernel_f32, f32, 8, _mm256_setzero_ps, _mm256_set1_ps, _mm256_loadu_ps, _mm256_fmadd_ps, _mm256_mul_ps,
    _mm256_storeu_ps
);

impl Microkernel<f64> for Avx2F64 {
    const BLOCKING: Blocking = AVX2_F64;
    const SMALL_PATH: bool = false;
    unsafe fn run(t: &Tile<f64>) {
        // SAFETY: dispatch only selects this kernel when AVX2 and FMA were detected.
        kernel_f64(t)
    }
}

impl Microkernel<f32> for Avx2F32 {
    const BLOCKING: Blocking = AVX2_F32;
    const SMALL_PATH: bool = false;
    unsafe fn run(t: &Tile<f32>) {
        // SAFETY: dispatch only selects this kernel when AVX2 and FMA were detected.
        kernel_f32(t)
    }
}
