//! The scalar types the kernel multiplies.
use std::fmt::Debug;
use std::ops::{Add, Mul};

pub trait Element:
    Copy + Debug + Default + PartialEq + Send + Sync + Add<Output = Self> + Mul<Output = Self> + 'static
{
    const ZERO: Self;
    const ONE: Self;
}

impl Element for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

impl Element for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}
