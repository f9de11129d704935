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

/// Up to this many multiply-adds (m * n * k), and with k in one KC block, a kernel that
/// supports it reads op(A) (and op(B) when its rows are contiguous) in place: packing
/// would cost a sizeable share of such a product and the operands fit in L1/L2 anyway.
pub(crate) const SMALL_MNK: usize = 128 * 128 * 128;

/// C := alpha * op(A) op(B) + beta * C on the calling thread. Requires m, n, k > 0 and
/// alpha != 0 (the quick returns are handled by the caller).
pub fn gemm_serial<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> Result<(), AllocError> {
    let bl = K::BLOCKING;
    // Same k blocking (one block) and same tile grid as the packed path, hence the same
    // arithmetic: choosing this path never changes a result bit.
    // n <= NC keeps its packed B (k x n) within the packed path's KC x NC buffer, so a
    // skinny product cannot leave a large buffer behind on the calling thread.
    if K::SMALL_PATH && p.k <= bl.kc && p.n <= bl.nc && p.m.saturating_mul(p.n).saturating_mul(p.k) <= SMALL_MNK {
        return gemm_small::<T, K>(p);
    }
    gemm_packed::<T, K>(p)
}

/// The general path: all five loops, both operands packed.
pub fn gemm_packed<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> Result<(), AllocError> {
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
                                a_packed: true,
                                rsa: 1,
                                csa: mr,
                                b: unsafe { b_buf.add(jr * kc) },
                                b_packed: true,
                                rsb: nr,
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

/// The small-problem path: no k blocking, op(A) read in place, op(B) packed only when
/// its columns are strided. Loops: jr (one B panel, reused from L1) -> ir.
///
/// Public for tests, which check it against the packed path bit for bit; callers must
/// only pass kernels with `SMALL_PATH`.
pub fn gemm_small<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> Result<(), AllocError> {
    assert!(K::SMALL_PATH, "kernel cannot read unpacked operands");
    let nr = K::BLOCKING.nr;
    if p.b.col_stride == 1 {
        // SAFETY: B is read in place, the caller's contract for `p`.
        unsafe { small_tiles::<T, K>(p, std::ptr::null()) };
        return Ok(());
    }
    // B's columns are strided: pack it once (k x n), then stream the panels.
    with_buffers(|bufs| {
        let buf = bufs.b.get(p.k * round_up(p.n, nr))?;
        // SAFETY: op(B) is k x n; buf holds k * round_up(n, nr) elements.
        unsafe {
            pack_b(nr, p.b, p.k, p.n, buf);
            small_tiles::<T, K>(p, buf);
        }
        Ok(())
    })
}

/// The jr -> ir loops of [`gemm_small`] over op(B) in place (`b_buf` null) or packed.
///
/// # Safety
/// `p` describes valid operands; a non-null `b_buf` holds op(B) packed in NR panels.
unsafe fn small_tiles<T: Element, K: Microkernel<T>>(p: &Gemm<T>, b_buf: *const T) {
    let (mr, nr) = (K::BLOCKING.mr, K::BLOCKING.nr);
    let b_packed = !b_buf.is_null();
    let mut jr = 0;
    while jr < p.n {
        let n_eff = nr.min(p.n - jr);
        let mut ir = 0;
        while ir < p.m {
            let m_eff = mr.min(p.m - ir);
            let tile = Tile {
                kc: p.k,
                alpha: p.alpha,
                beta: p.beta,
                // SAFETY (pointer arithmetic): (ir, 0) of op(A), (0, jr) of op(B) or
                // panel jr / nr of the packed buffer, (ir, jr) of C.
                a: p.a.ptr.add(ir * p.a.row_stride),
                a_packed: false,
                rsa: p.a.row_stride,
                csa: p.a.col_stride,
                b: if b_packed { b_buf.add(jr * p.k) } else { p.b.ptr.add(jr) },
                b_packed,
                rsb: if b_packed { nr } else { p.b.row_stride },
                c: p.c.ptr_at(ir, jr),
                rsc: p.c.row_stride,
                csc: p.c.col_stride,
                m_eff,
                n_eff,
            };
            // SAFETY: K supports unpacked operands (SMALL_PATH); rows ir..ir+m_eff
            // and columns jr..jr+n_eff are inside op(A), op(B) and C.
            K::run(&tile);
            ir += mr;
        }
        jr += nr;
    }
}
