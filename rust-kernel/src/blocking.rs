//! Register tile (MR x NR) and cache blocks (MC, KC, NC) for each microkernel.
//!
//! Loop order in `driver`: jc (NC) -> pc (KC) -> pack B -> ic (MC) -> pack A -> ir (MR)
//! -> jr (NR). The MR x KC micro-panel of A stays in L1 while the jr loop streams the
//! KC x NC packed block of B out of L2; so MR * KC must fit well inside L1 and KC * NC
//! inside L2. MC only bounds the packed A block (it is read once per ir step).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocking {
    /// Rows of the register tile (broadcast from packed A).
    pub mr: usize,
    /// Columns of the register tile (vector loads from packed B; the SIMD dimension).
    pub nr: usize,
    pub kc: usize,
    pub mc: usize,
    pub nc: usize,
}

impl Blocking {
    /// Blocks must be whole tiles, or the tile grid would depend on the block
    /// boundaries (and results on how threads split the work).
    pub const fn is_valid(&self) -> bool {
        self.mr > 0 && self.nr > 0 && self.kc > 0 && self.mc % self.mr == 0 && self.nc % self.nr == 0
    }
}

// AVX-512F: 8 rows x 3 zmm = 24 accumulators + 3 B vectors + 1 broadcast = 28 of 32
// zmm. One k step is 11 loads for 24 FMAs, well inside two load ports.
// A micro-panel: 8 * 256 * 8 B = 16 KiB in L1; B block: 256 * 384 * 8 B = 768 KiB in L2.
pub(crate) const AVX512_F64: Blocking = Blocking { mr: 8, nr: 24, kc: 256, mc: 96, nc: 384 };
pub(crate) const AVX512_F32: Blocking = Blocking { mr: 8, nr: 48, kc: 256, mc: 96, nc: 768 };

// AVX2+FMA: 6 rows x 2 ymm = 12 accumulators + 2 B vectors + 1 broadcast = 15 of 16.
pub(crate) const AVX2_F64: Blocking = Blocking { mr: 6, nr: 8, kc: 256, mc: 96, nc: 384 };
pub(crate) const AVX2_F32: Blocking = Blocking { mr: 6, nr: 16, kc: 256, mc: 96, nc: 768 };

// NEON (AArch64, 32 x 128-bit): 8 rows x 3 vectors = 24 accumulators, A loaded as
// vectors (4 for f64, 2 for f32) and used lane by lane, 3 B vectors: 31 / 29 registers.
// KC 512: the A micro-panel is 8 * 512 * 8 B = 32 KiB, a quarter of an M2 P-core's
// 128 KiB L1 (Graviton 3 / Neoverse V1: 64 KiB, half), and twice the k run per C
// write-back of the x86 kernels. B block: 512 * 384 * 8 B = 1.5 MiB, inside the
// shared L2 of M-series clusters (16 MiB) and Neoverse V2's 2 MiB; on Graviton 2 and 3
// (1 MiB L2) it spills to the LLC, a choice for the M2 that is not measured yet.
pub(crate) const NEON_F64: Blocking = Blocking { mr: 8, nr: 6, kc: 512, mc: 128, nc: 384 };
pub(crate) const NEON_F32: Blocking = Blocking { mr: 8, nr: 12, kc: 512, mc: 128, nc: 768 };

// Portable: 4 x 8 (f64) / 4 x 16 (f32) fixed arrays; 16 128-bit accumulators, which
// fits aarch64's 32 NEON registers (SSE2's 16 spill a little; it is only a fallback).
pub(crate) const GENERIC_F64: Blocking = Blocking { mr: 4, nr: 8, kc: 256, mc: 96, nc: 384 };
pub(crate) const GENERIC_F32: Blocking = Blocking { mr: 4, nr: 16, kc: 256, mc: 96, nc: 768 };

const _: () = {
    assert!(AVX512_F64.is_valid() && AVX512_F32.is_valid());
    assert!(AVX2_F64.is_valid() && AVX2_F32.is_valid());
    assert!(NEON_F64.is_valid() && NEON_F32.is_valid());
    assert!(GENERIC_F64.is_valid() && GENERIC_F32.is_valid());
};
