//! The optimised entry point behind `mm_dgemm` / `mm_sgemm`.
//! For now: a correct, cache-friendly i-p-j loop; the packed SIMD driver replaces it.
use crate::element::Element;
use crate::problem::Gemm;

pub fn gemm<T: Element>(p: &Gemm<T>) {
    scale_c(p);
    if p.skips_product() || p.m == 0 || p.n == 0 {
        return;
    }
    for i in 0..p.m {
        for l in 0..p.k {
            // SAFETY: (i, l) lies inside op(A), m x k.
            let a_il = p.alpha * unsafe { p.a.at(i, l) };
            for j in 0..p.n {
                // SAFETY: (l, j) inside op(B); (i, j) inside C's validated window.
                unsafe {
                    let c_ij = p.c.ptr_at(i, j);
                    *c_ij = *c_ij + a_il * p.b.at(l, j);
                }
            }
        }
    }
}

/// C := beta * C over the m x n window; beta == 0 writes zeros without reading C.
fn scale_c<T: Element>(p: &Gemm<T>) {
    if p.beta == T::ONE {
        return;
    }
    for i in 0..p.m {
        for j in 0..p.n {
            // SAFETY: (i, j) inside C's validated window.
            unsafe {
                let c_ij = p.c.ptr_at(i, j);
                *c_ij = if p.beta == T::ZERO { T::ZERO } else { p.beta * *c_ij };
            }
        }
    }
}

/// NUL-terminated name of the microkernel in use.
pub fn kernel_name() -> &'static [u8] {
    b"generic\0"
}
