//! The BLIS-style loops around one microkernel, on one thread:
//!
//! ```text
//! jc: NC columns of C     (B block KC x NC packed once per (jc, pc), lives in L2)
//!  pc: KC steps of k       (beta applies on the first; later blocks accumulate)
//!   ic: MC rows of C        (A block MC x KC packed)
//!    ir: MR rows             (one A micro-panel, MR x KC, stays in L1 ...)
//!     jr: NR columns          (... while B micro-panels stream from L2)
//!      microkernel
//! ```
//!
//! The tile grid is anchored at the problem's (0, 0) and every block is a whole number
//! of tiles, so each C element sees the same sequence of operations whatever the
//! blocking of m and n, and a thread split along tile boundaries changes nothing.
use crate::element::Element;
use crate::microkernel::{Microkernel, Tile};
use crate::pack::{pack_a, pack_b, with_buffers, AllocError};
use crate::problem::{Gemm, MatrixRef};

fn round_up(x: usize, to: usize) -> usize {
    x.div_ceil(to) * to
}

/// KC for this k: at most the kernel's KC, split evenly (k = 300 -> 150 + 150 rather
/// than 256 + 44, so no block is too short to amortise its C write-back).
pub fn k_block(k: usize, kc_max: usize) -> usize {
    let blocks = k.div_ceil(kc_max).max(1);
    k.div_ceil(blocks)
}

/// C := alpha * op(A) op(B) + beta * C on the calling thread. Requires m, n, k > 0 and
/// alpha != 0 (the quick returns are handled by the caller).
pub fn gemm_serial<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> Result<(), AllocError> {
    let bl = K::BLOCKING;
    let (mr, nr) = (bl.mr, bl.nr);
    let kc_max = k_block(p.k, bl.kc);
    let mc_max = bl.mc.min(round_up(p.m, mr));
    let nc_max = bl.nc.min(round_up(p.n, nr));

    with_buffers(|bufs| {
        let a_buf: *mut T = bufs.a.get(mc_max * kc_max)?;
        let b_buf: *mut T = bufs.b.get(kc_max * nc_max)?;

        let mut jc = 0;
        while jc < p.n {
            let nc = nc_max.min(p.n - jc);
            let mut pc = 0;
            while pc < p.k {
                let kc = kc_max.min(p.k - pc);
                let beta = if pc == 0 { p.beta } else { T::ONE };
                // SAFETY: rows pc..pc+kc, columns jc..jc+nc lie inside op(B); b_buf
                // holds kc_max * nc_max >= kc * round_up(nc, nr) elements.
                unsafe {
                    let b = MatrixRef { ptr: p.b.ptr.add(pc * p.b.row_stride + jc * p.b.col_stride), ..p.b };
                    pack_b(nr, b, kc, nc, b_buf);
                }
                let mut ic = 0;
                while ic < p.m {
                    let mc = mc_max.min(p.m - ic);
                    // SAFETY: as for B, with rows ic..ic+mc and columns pc..pc+kc of op(A).
                    unsafe {
                        let a = MatrixRef { ptr: p.a.ptr.add(ic * p.a.row_stride + pc * p.a.col_stride), ..p.a };
                        pack_a(mr, a, mc, kc, a_buf);
                    }
                    let mut ir = 0;
                    while ir < mc {
                        let m_eff = mr.min(mc - ir);
                        let mut jr = 0;
                        while jr < nc {
                            let n_eff = nr.min(nc - jr);
                            let tile = Tile {
                                kc,
                                alpha: p.alpha,
                                beta,
                                // SAFETY (pointer arithmetic): offsets of whole panels
                                // inside the packed buffers and of (ic+ir, jc+jr) in C.
                                a: unsafe { a_buf.add(ir * kc) },
                                b: unsafe { b_buf.add(jr * kc) },
                                c: unsafe { p.c.ptr_at(ic + ir, jc + jr) },
                                rsc: p.c.row_stride,
                                csc: p.c.col_stride,
                                m_eff,
                                n_eff,
                            };
                            // SAFETY: the kernel was resolved against the CPU's features;
                            // panels hold kc steps; the m_eff x n_eff window is inside C.
                            unsafe { K::run(&tile) };
                            jr += nr;
                        }
                        ir += mr;
                    }
                    ic += mc;
                }
                pc += kc;
            }
            jc += nc;
        }
        Ok(())
    })
}
