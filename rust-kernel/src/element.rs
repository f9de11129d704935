//! The scalar types the kernel multiplies, and the microkernels that serve each one.
use std::fmt::Debug;
use std::ops::{Add, Mul};

use crate::microkernel::generic::{GenericF32, GenericF64};
use crate::microkernel::Microkernel;
#[cfg(target_arch = "x86_64")]
use crate::microkernel::{
    avx2::{Avx2F32, Avx2F64},
    avx512::{Avx512F32, Avx512F64},
};

pub trait Element:
    Copy + Debug + Default + PartialEq + Send + Sync + Add<Output = Self> + Mul<Output = Self> + 'static
{
    const ZERO: Self;
    const ONE: Self;
    /// Machine epsilon (the gap between 1 and the next value).
    const EPSILON: Self;

    /// The kernel per path. Off x86_64 the SIMD names alias the portable kernel;
    /// `dispatch` never selects them there anyway.
    type Avx512: Microkernel<Self>;
    type Avx2: Microkernel<Self>;
    type Generic: Microkernel<Self>;

    /// `self * b + c`, fused where the target has FMA in its baseline (aarch64): a
    /// software fma elsewhere would be far slower than the separate multiply and add.
    fn mul_add_fast(self, b: Self, c: Self) -> Self;

    fn to_f64(self) -> f64;
    fn from_f64(x: f64) -> Self;
}

macro_rules! element {
    ($t:ty, $avx512:ty, $avx2:ty, $generic:ty) => {
        impl Element for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const EPSILON: Self = <$t>::EPSILON;

            #[cfg(target_arch = "x86_64")]
            type Avx512 = $avx512;
            #[cfg(target_arch = "x86_64")]
            type Avx2 = $avx2;
            #[cfg(not(target_arch = "x86_64"))]
            type Avx512 = $generic;
            #[cfg(not(target_arch = "x86_64"))]
            type Avx2 = $generic;
            type Generic = $generic;

            #[inline(always)]
            fn mul_add_fast(self, b: Self, c: Self) -> Self {
                #[cfg(any(target_arch = "aarch64", target_feature = "fma"))]
                {
                    self.mul_add(b, c)
                }
                #[cfg(not(any(target_arch = "aarch64", target_feature = "fma")))]
                {
                    self * b + c
                }
            }

            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_f64(x: f64) -> Self {
                x as $t
            }
        }
    };
}

element!(f64, Avx512F64, Avx2F64, GenericF64);
element!(f32, Avx512F32, Avx2F32, GenericF32);
