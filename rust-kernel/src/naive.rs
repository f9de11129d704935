//! The textbook i-j-k loop: the reference the optimised kernel, the benchmarks and the
//! cross-language parity files are checked against. Its operation order is part of the
//! contract (Java's reference repeats it bit for bit): a plain multiply then add per
//! step (no fused multiply-add), then `alpha * sum + beta * c`.
use crate::element::Element;
use crate::problem::Gemm;

pub fn gemm_naive<T: Element>(p: &Gemm<T>) {
    let beta_reads_c = p.beta != T::ZERO;
    for i in 0..p.m {
        for j in 0..p.n {
            // SAFETY: i < m and j < n lie inside the window validated for C.
            let c_ij = unsafe { p.c.ptr_at(i, j) };
            let scaled_c = if beta_reads_c {
                // SAFETY: as above; beta != 0 is the only case where C is read.
                p.beta * unsafe { *c_ij }
            } else {
                T::ZERO
            };
            let value = if p.skips_product() {
                scaled_c
            } else {
                let mut sum = T::ZERO;
                for l in 0..p.k {
                    // SAFETY: (i, l) and (l, j) lie inside op(A) m x k and op(B) k x n.
                    sum = sum + unsafe { p.a.at(i, l) * p.b.at(l, j) };
                }
                if beta_reads_c {
                    p.alpha * sum + scaled_c
                } else {
                    p.alpha * sum
                }
            };
            // SAFETY: as above.
            unsafe { *c_ij = value };
        }
    }
}
