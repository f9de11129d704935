//! The scalar types the kernel multiplies. This sits below everything else: the
//! microkernels serving each type are named in `microkernel` (`Kernels`).
use std::fmt::Debug;
use std::ops::{Add, Mul};

pub trait Element:
    Copy + Debug + Default + PartialEq + Send + Sync + Add<Output = Self> + Mul<Output = Self> + 'static
{
    const ZERO: Self;
    const ONE: Self;
    /// Machine epsilon (the gap between 1 and the next value).
    const EPSILON: Self;

    /// `self * b + c`, fused where the target has FMA in its baseline (aarch64): a
    /// software fma elsewhere would be far slower than the separate multiply and add.
    fn mul_add_fast(self, b: Self, c: Self) -> Self;

    /// `self * b + c` rounded once. In code compiled with FMA (the SIMD kernels, `thin`) it is
    /// one instruction; elsewhere a call to libm's `fma`, exact but slower.
    fn fused_mul_add(self, b: Self, c: Self) -> Self;

    fn to_f64(self) -> f64;
    fn from_f64(x: f64) -> Self;
}

macro_rules! element {
    ($t:ty) => {
        impl Element for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const EPSILON: Self = <$t>::EPSILON;

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

            #[inline(always)]
            fn fused_mul_add(self, b: Self, c: Self) -> Self {
                self.mul_add(b, c)
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

element!(f64);
element!(f32);
