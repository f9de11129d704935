//! One piece, the last of the three steps of a call (the plan in `gemm`, the hand-out in
//! `schedule`): the BLIS-style loops around one microkernel, on one thread. `gemm_serial`
//! is a whole call as one piece; `piece` is one piece of a parallel call. Either takes one
//! of three paths: small (operands read in place, k in one block), panel (C one NR panel
//! wide: op(A) read in place, k in KC blocks) or packed, all on the same tile grid and the
//! same k blocking, so the path never changes a bit. The packed path's loops:
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
use crate::pack::{pack_a, pack_b, with_buffers, AllocError, SharedBlocks};
use crate::problem::{Gemm, MatrixMut, MatrixRef};

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
    if takes_small_path::<T, K>(p) {
        return gemm_small::<T, K>(p);
    }
    if takes_panel_path::<T, K>(p) {
        return gemm_panel::<T, K>(p);
    }
    gemm_packed::<T, K>(p)
}

/// op(B) of at most this many bytes (as the panel path holds it) stays in L2 while every
/// strip of A's rows streams past it: half of Zen 2's 512 KiB.
const PANEL_B_BYTES: usize = 256 << 10;

/// C one NR panel wide (n <= NR) with op(A)'s rows contiguous, such as 4000 x 8 x 1000
/// row-major: each packed A panel would feed a single tile, so packing A (a transposing
/// copy of the largest operand) would read and write it once more for nothing.
pub(crate) fn takes_panel_path<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> bool {
    let nr = K::BLOCKING.nr;
    K::SMALL_PATH && p.n <= nr && p.a.col_stride == 1 && panel_b_bytes::<T>(p, nr) <= PANEL_B_BYTES
}

/// The bytes of op(B) the panel path keeps in cache: op(B)'s rows as they lie when it reads
/// them in place (a matrix x vector reads k elements, not k x NR of padding: with AVX-512's
/// NR of 24, 4000 x 1 x 4000 counted 768 KB and left the panel path for a slower one), else
/// the packed k x NR panel. Depends only on k, n and op(B)'s strides, never on m, so every
/// band of rows of a product takes the product's path.
fn panel_b_bytes<T>(p: &Gemm<T>, nr: usize) -> usize {
    let size = std::mem::size_of::<T>();
    let row_bytes = if b_read_in_place::<T>(p) {
        // Rows closer than a cache line share lines; farther ones take whole lines each.
        p.b.row_stride.saturating_mul(size).min(round_up(p.n * size, 64))
    } else {
        nr * size
    };
    p.k.saturating_mul(row_bytes)
}

/// Whether the small and panel paths read op(B) where it is: its rows contiguous, and not
/// aliasing into too few cache sets to stay cached while the tiles reuse them.
fn b_read_in_place<T>(p: &Gemm<T>) -> bool {
    p.b.col_stride == 1 && b_panel_stays_cached::<T>(p.k, p.b.row_stride)
}

/// Same k blocking (one block) and same tile grid as the packed path, hence the same
/// arithmetic: choosing this path never changes a result bit. n <= NC keeps its packed B
/// (k x n) within the packed path's KC x NC buffer, so a skinny product cannot leave a
/// large buffer behind.
#[inline(always)]
fn takes_small_path<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> bool {
    let bl = K::BLOCKING;
    K::SMALL_PATH && p.k <= bl.kc && p.n <= bl.nc && p.m.saturating_mul(p.n).saturating_mul(p.k) <= SMALL_MNK
}

/// Whether a product that runs on one thread (the plan's decision, `gemm`) and is not thin
/// (`thin::takes`) takes the small path with B's rows read in place and C one column panel
/// (n <= NR): the small path would run one strip of tiles, which [`one_panel`] runs without
/// the small path's decisions. The small path's own tests decide it, so the bits are the same.
#[inline(always)]
pub fn takes_one_panel<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> bool {
    p.n <= K::BLOCKING.nr && !crate::thin::takes(p) && takes_small_path::<T, K>(p) && b_read_in_place::<T>(p)
}

/// The tiles of a product that [`takes_one_panel`]: the small path's tiles of column 0
/// (`small_tiles`), op(A) and op(B) in place. For a 8 x 8 x 8 call the decisions between
/// the ABI entry and the microkernel (thin, parallel, small, panel, B in place, loop order)
/// were as long as the tile itself (perf, AVX-512).
///
/// # Safety
/// `p` describes valid operands and `takes_one_panel::<T, K>(p)` holds.
#[inline(always)]
pub unsafe fn one_panel<T: Element, K: Microkernel<T>>(p: &Gemm<T>) {
    let (mr, nr) = (K::BLOCKING.mr, K::BLOCKING.nr);
    let mut ir = 0;
    while ir < p.m {
        // SAFETY: K supports unpacked operands (SMALL_PATH); rows ir..ir+m_eff and the
        // n <= NR columns are inside op(A), op(B) and C.
        K::run(&small_tile(p, (mr, nr), std::ptr::null(), (ir, 0), false));
        ir += mr;
    }
}

/// The sub-problem for C's rows r0..r1 x columns c0..c1.
fn sub_problem<T: Element>(p: &Gemm<T>, (r0, r1): (usize, usize), (c0, c1): (usize, usize)) -> Gemm<T> {
    // SAFETY: the offsets address rows r0.. of op(A), columns c0.. of op(B) and (r0, c0)
    // of C, all inside the validated operands since r0 < m and c0 < n.
    unsafe {
        Gemm {
            m: r1 - r0,
            n: c1 - c0,
            a: MatrixRef { ptr: p.a.ptr.add(r0 * p.a.row_stride), ..p.a },
            b: MatrixRef { ptr: p.b.ptr.add(c0 * p.b.col_stride), ..p.b },
            c: MatrixMut { ptr: p.c.ptr_at(r0, c0), ..p.c },
            ..*p
        }
    }
}

/// C of at least this many bytes is larger than the last-level caches it would otherwise
/// fill (Zen 2's 16 MiB L3 here), and is not read back by the call.
const STREAM_C_MIN_BYTES: usize = 16 << 20;

/// Whether the packed path writes C with non-temporal stores (one thread; the parallel
/// pieces too where `pieces_own_whole_lines`): C written once
/// (beta == 0, one k block: an outer product, 2000 x 2000 x 1), row-major-contiguous and
/// past the caches. One core writing through the caches reads every line of C first and
/// is bound by how many misses it keeps in flight: on this VM 32 MB took 2.4 ms with plain
/// stores and 1.5 ms with streaming ones (read bandwidth: 2.0 ms). The parallel pieces of
/// such a product stream too where their rows are whole cache lines (`piece`): two cores
/// storing plainly took 1.13-1.39 ms, streaming 0.99-1.02 (AVX2, Zen 4, 2000 x 2000 x 1).
/// The values stored are the same: only where they go differs.
pub fn streams_c<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> bool {
    p.beta == T::ZERO
        && p.k <= K::BLOCKING.kc
        && p.c.col_stride == 1
        && p.m.saturating_mul(p.n).saturating_mul(std::mem::size_of::<T>()) >= STREAM_C_MIN_BYTES
}

/// Whether every row of every piece of C (NR-tile runs from C's origin) starts and ends
/// on a cache line, or at C's row ends.
///
/// Public for tests; a pure function of C's address, its row stride and the kernel's NR.
pub fn pieces_own_whole_lines<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> bool {
    let size = std::mem::size_of::<T>();
    (p.c.ptr as usize) % 64 == 0 && (p.c.row_stride * size) % 64 == 0 && (K::BLOCKING.nr * size) % 64 == 0
}

/// Non-temporal stores are ordered by nothing but a store fence: without one, another
/// thread (the caller's caller, woken by an atomic) could read C before they land.
fn fence_streamed_stores() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: SSE is baseline on x86_64.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

/// The general path: all five loops, both operands packed.
pub fn gemm_packed<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> Result<(), AllocError> {
    let bl = K::BLOCKING;
    let (mr, nr) = (bl.mr, bl.nr);
    let kc_max = k_block(p.k, bl.kc);
    let mc_max = bl.mc.min(round_up(p.m, mr));
    let nc_max = bl.nc.min(round_up(p.n, nr));
    let stream_c = streams_c::<T, K>(p);

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
                unsafe { pack_b(nr, b_block(p, pc, jc), kc, nc, b_buf) };
                let mut ic = 0;
                while ic < p.m {
                    let mc = mc_max.min(p.m - ic);
                    // SAFETY: as for B, with rows ic..ic+mc and columns pc..pc+kc of op(A);
                    // then the packed blocks hold what `block_tiles` reads.
                    unsafe {
                        pack_a(mr, a_block(p, ic, pc), mc, kc, a_buf);
                        block_tiles::<T, K>(p, a_buf, b_buf, kc, beta, (ic, mc), (jc, nc), stream_c);
                    }
                    ic += mc;
                }
                pc += kc;
            }
            jc += nc;
        }
        if stream_c {
            fence_streamed_stores();
        }
        Ok(())
    })
}

/// op(A) from row `ic`, column `pc`.
fn a_block<T: Element>(p: &Gemm<T>, ic: usize, pc: usize) -> MatrixRef<T> {
    // SAFETY (pointer arithmetic): callers pass ic < m and pc < k.
    MatrixRef { ptr: unsafe { p.a.ptr.add(ic * p.a.row_stride + pc * p.a.col_stride) }, ..p.a }
}

/// op(B) from row `pc`, column `jc`.
fn b_block<T: Element>(p: &Gemm<T>, pc: usize, jc: usize) -> MatrixRef<T> {
    // SAFETY (pointer arithmetic): callers pass pc < k and jc < n.
    MatrixRef { ptr: unsafe { p.b.ptr.add(pc * p.b.row_stride + jc * p.b.col_stride) }, ..p.b }
}

/// The ir -> jr loops over one packed A block (rows ic..ic+mc) and one packed B block
/// (columns jc..jc+nc), kc steps, into C.
///
/// # Safety
/// `a_buf` holds the A block packed in MR panels of `kc` steps, `b_buf` the B block in
/// NR panels; the mc x nc window at (ic, jc) is inside C; the kernel suits this CPU.
unsafe fn block_tiles<T: Element, K: Microkernel<T>>(
    p: &Gemm<T>,
    a_buf: *const T,
    b_buf: *const T,
    kc: usize,
    beta: T,
    (ic, mc): (usize, usize),
    (jc, nc): (usize, usize),
    stream_c: bool,
) {
    let (mr, nr) = (K::BLOCKING.mr, K::BLOCKING.nr);
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
                // Offsets of whole panels inside the packed blocks and of (ic+ir, jc+jr) in C.
                a: a_buf.add(ir * kc),
                a_packed: true,
                rsa: 1,
                csa: mr,
                b: b_buf.add(jr * kc),
                b_packed: true,
                rsb: nr,
                c: p.c.ptr_at(ic + ir, jc + jr),
                rsc: p.c.row_stride,
                csc: p.c.col_stride,
                m_eff,
                n_eff,
                stream_c,
            };
            // SAFETY: the caller's contract: panels hold kc steps, the window is inside C.
            K::run(&tile);
            jr += nr;
        }
        ir += mr;
    }
}

/// One piece of a parallel call: rows `r0..r1` x columns `c0..c1` of C (whole MC blocks
/// and NR tiles from C's origin, at most NC columns) with the k loop whole, on this
/// thread. B's columns are packed here; A's MC x KC blocks come from `shared` when it has
/// them (packed once by whichever thread needed them first), else are packed here.
/// `first_block` rotates where the row blocks start, so that threads working in step do
/// not all want the same shared block at once. Every C element sees the operations of
/// the serial path in the same order: results do not depend on the pieces or threads.
pub fn piece<T: Element, K: Microkernel<T>>(
    p: &Gemm<T>,
    (r0, r1): (usize, usize),
    (c0, c1): (usize, usize),
    shared: Option<&SharedBlocks<T>>,
    first_block: usize,
) -> Result<(), AllocError> {
    let bl = K::BLOCKING;
    debug_assert!(r0 % bl.mc == 0 && c0 % bl.nr == 0 && c1 - c0 <= bl.nc);
    let sub = sub_problem(p, (r0, r1), (c0, c1));
    // The pieces of a product whose C streams (an outer product) stream theirs too: two
    // threads writing through the caches read every line of C first, as one does. Only
    // where every piece's rows are whole cache lines: two cores streaming the halves of
    // one line took 2000 x 2000 x 1 from 1.6 ms to 7.5 (AVX2, C 32 bytes off a line).
    let stream_c = streams_c::<T, K>(p) && pieces_own_whole_lines::<T, K>(p);
    let done = piece_on_its_path::<T, K>(p, &sub, (r0, r1), (c0, c1), shared, first_block, stream_c);
    if stream_c {
        fence_streamed_stores();
    }
    done
}

/// [`piece`] on the small, panel or packed path, C streamed where `stream_c`.
fn piece_on_its_path<T: Element, K: Microkernel<T>>(
    p: &Gemm<T>,
    sub: &Gemm<T>,
    (r0, r1): (usize, usize),
    (c0, c1): (usize, usize),
    shared: Option<&SharedBlocks<T>>,
    first_block: usize,
    stream_c: bool,
) -> Result<(), AllocError> {
    let bl = K::BLOCKING;
    let (mr, nr) = (bl.mr, bl.nr);
    // A small piece reads its operands in place, as a small call does (same arithmetic:
    // the tile grid stays anchored at C's origin since r0 and c0 are on tile boundaries).
    if takes_small_path::<T, K>(sub) {
        return small_streaming::<T, K>(sub, stream_c);
    }
    if takes_panel_path::<T, K>(sub) {
        return gemm_panel::<T, K>(sub);
    }
    let kc_max = k_block(p.k, bl.kc);
    let k_blocks = p.k.div_ceil(kc_max);
    let nc = c1 - c0;
    let row_blocks = (r1 - r0).div_ceil(bl.mc);
    with_buffers(|bufs| {
        let a_private: *mut T = bufs.a.get(bl.mc * kc_max)?;
        let b_buf: *mut T = bufs.b.get(kc_max * round_up(nc, nr))?;
        for pi in 0..k_blocks {
            let pc = pi * kc_max;
            let kc = kc_max.min(p.k - pc);
            let beta = if pc == 0 { p.beta } else { T::ONE };
            // SAFETY: rows pc..pc+kc, columns c0..c1 lie inside op(B); b_buf holds them.
            unsafe { pack_b(nr, b_block(p, pc, c0), kc, nc, b_buf) };
            for step in 0..row_blocks {
                let ic = r0 + (first_block + step) % row_blocks * bl.mc;
                let mc = bl.mc.min(r1 - ic);
                // SAFETY: rows ic..ic+mc, columns pc..pc+kc lie inside op(A); a shared
                // block and a_private both hold MC x kc_max elements.
                let pack = |dst: *mut T| unsafe { pack_a(mr, a_block(p, ic, pc), mc, kc, dst) };
                let a_buf = match shared.and_then(|s| s.get_or_pack((ic / bl.mc) * k_blocks + pi, pack)) {
                    Some(block) => block,
                    None => {
                        pack(a_private);
                        a_private as *const T
                    }
                };
                // SAFETY: both blocks packed above for these rows, columns and steps.
                unsafe { block_tiles::<T, K>(p, a_buf, b_buf, kc, beta, (ic, mc), (c0, nc), stream_c) };
            }
        }
        Ok(())
    })
}

/// Elements of the slab that shares A's packed blocks among the pieces of one call
/// (`piece`'s `shared`): every MC x KC block of A, whole.
pub fn shared_a_len(m: usize, k: usize, bl: crate::blocking::Blocking) -> (usize, usize) {
    let kc_max = k_block(k, bl.kc);
    let blocks = m.div_ceil(bl.mc) * k.div_ceil(kc_max);
    (bl.mc * kc_max, blocks)
}

/// The small-problem path: no k blocking, op(A) read in place, op(B) packed only when
/// its columns are strided. Loops: jr (one B panel, reused from L1) -> ir.
///
/// Public for tests, which check it against the packed path bit for bit; callers must
/// only pass kernels with `SMALL_PATH`.
pub fn gemm_small<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> Result<(), AllocError> {
    small_streaming::<T, K>(p, false)
}

/// [`gemm_small`], writing C with non-temporal stores where `stream_c` (a piece of a
/// product that `streams_c`).
fn small_streaming<T: Element, K: Microkernel<T>>(p: &Gemm<T>, stream_c: bool) -> Result<(), AllocError> {
    assert!(K::SMALL_PATH, "kernel cannot read unpacked operands");
    let nr = K::BLOCKING.nr;
    if b_read_in_place::<T>(p) {
        // SAFETY: B is read in place, the caller's contract for `p`.
        unsafe { small_tiles::<T, K>(p, std::ptr::null(), stream_c) };
        return Ok(());
    }
    // B's columns are strided: pack it once (k x n), then stream the panels.
    with_buffers(|bufs| {
        let buf = bufs.b.get(p.k * round_up(p.n, nr))?;
        // SAFETY: op(B) is k x n; buf holds k * round_up(n, nr) elements.
        unsafe {
            pack_b(nr, p.b, p.k, p.n, buf);
            small_tiles::<T, K>(p, buf, stream_c);
        }
        Ok(())
    })
}

/// The panel path (`takes_panel_path`): op(B) read in place when its rows are contiguous,
/// else packed once as one k x NR panel; op(A) read in place strip by
/// strip of MR rows, each strip's k steps in the KC blocks the packed path takes (beta on
/// the first, accumulation after). Same k blocking, same tile grid as
/// the packed path: the same bits. A strip's MR rows are MR sequential streams, which the
/// hardware prefetchers follow; the strip's tile of C stays in L1 across its KC blocks.
///
/// Public for tests, which check it against the packed path bit for bit; callers must
/// only pass kernels with `SMALL_PATH` and C at most NR columns wide.
pub fn gemm_panel<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> Result<(), AllocError> {
    let bl = K::BLOCKING;
    let nr = bl.nr;
    assert!(K::SMALL_PATH && p.n <= nr, "kernel cannot read unpacked operands, or C is wider than a panel");
    let kc_max = k_block(p.k, bl.kc);
    // In place even where B's rows end inside a vector (masked loads): as fast off-heap
    // (4000 x 2 x 1000, AVX2, alternated: 1.27-1.29 ms against 1.31-1.40 packed), and the
    // binding's critical bands of a heap product would each pack B again.
    if b_read_in_place::<T>(p) {
        // SAFETY: B is read in place, the caller's contract for `p`.
        unsafe { panel_tiles::<T, K>(p, kc_max, p.b.ptr, false, p.b.row_stride) };
        return Ok(());
    }
    with_buffers(|bufs| {
        let b_buf: *mut T = bufs.b.get(p.k * nr)?;
        // SAFETY: op(B) is k x n with n <= nr; b_buf holds k * nr elements, which the
        // tiles then read as one packed panel.
        unsafe {
            pack_b(nr, p.b, p.k, p.n, b_buf);
            panel_tiles::<T, K>(p, kc_max, b_buf, true, nr);
        }
        Ok(())
    })
}

/// The strips of [`gemm_panel`], op(B) at `b` (packed as one panel, or in place), rows `rsb`
/// elements apart.
///
/// # Safety
/// `p` describes valid operands with n <= NR; `b` holds op(B)'s k rows of n elements.
unsafe fn panel_tiles<T: Element, K: Microkernel<T>>(p: &Gemm<T>, kc_max: usize, b: *const T, b_packed: bool, rsb: usize) {
    let mr = K::BLOCKING.mr;
    for ir in (0..p.m).step_by(mr) {
        let mut pc = 0;
        while pc < p.k {
            let kc = kc_max.min(p.k - pc);
            let tile = Tile {
                kc,
                alpha: p.alpha,
                beta: if pc == 0 { p.beta } else { T::ONE },
                // SAFETY (pointer arithmetic): (ir, pc) of op(A), row pc of op(B) and
                // (ir, 0) of C, all inside since ir < m and pc < k.
                a: p.a.ptr.add(ir * p.a.row_stride + pc * p.a.col_stride),
                a_packed: false,
                rsa: p.a.row_stride,
                csa: p.a.col_stride,
                b: b.add(pc * rsb),
                b_packed,
                rsb,
                c: p.c.ptr_at(ir, 0),
                rsc: p.c.row_stride,
                csc: p.c.col_stride,
                m_eff: mr.min(p.m - ir),
                n_eff: p.n,
                stream_c: false,
            };
            // SAFETY: K supports unpacked operands (SMALL_PATH); rows ir..ir+m_eff,
            // steps pc..pc+kc are inside op(A) and op(B), the tile inside C.
            K::run(&tile);
            pc += kc;
        }
    }
}

/// Whether a k-row panel of op(B) read in place, rows `row_stride` elements apart, stays
/// in the L2 cache while the tiles below it reuse it. Rows a power-of-two stride apart fall
/// into few cache sets: at n = 256 (2 KiB rows) a 2-thread f64 call's pieces ran at 0.84-0.95x
/// the packed path, at n = 248 and 264 at 1.01-1.06x (AVX2, `vs_openblas`). The model: an
/// L2 of 8 ways whose sets repeat every 64 KiB (Zen 2's 512 KiB; larger L2s only do better),
/// of which the panel may take half.
fn b_panel_stays_cached<T>(k: usize, row_stride: usize) -> bool {
    const PERIOD_LOG2: u32 = 16;
    const WAYS: usize = 8;
    const LINES_PER_PERIOD: usize = (1 << PERIOD_LOG2) / 64;
    // The period is a power of two, so gcd(stride, period) is the stride's largest power-of-
    // two factor: the rows fall into period / gcd distinct sets, at most one per line.
    let stride = row_stride.wrapping_mul(std::mem::size_of::<T>());
    let sets = (1usize << (PERIOD_LOG2 - stride.trailing_zeros().min(PERIOD_LOG2))).min(LINES_PER_PERIOD);
    k <= sets * WAYS / 2
}

/// The small path's tile at (ir, jr) of C: op(A) in place, op(B) in place (`b_buf` null) or
/// packed in NR panels at `b_buf`, the whole k in one block.
///
/// # Safety
/// `p` describes valid operands, ir < m and jr < n; a non-null `b_buf` holds op(B) packed.
#[inline(always)]
unsafe fn small_tile<T: Element>(p: &Gemm<T>, (mr, nr): (usize, usize), b_buf: *const T, (ir, jr): (usize, usize), stream_c: bool) -> Tile<T> {
    let b_packed = !b_buf.is_null();
    Tile {
        kc: p.k,
        alpha: p.alpha,
        beta: p.beta,
        // SAFETY (pointer arithmetic): (ir, 0) of op(A), (0, jr) of op(B) or panel jr / nr
        // of the packed buffer, (ir, jr) of C, all inside since ir < m, jr < n.
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
        m_eff: mr.min(p.m - ir),
        n_eff: nr.min(p.n - jr),
        stream_c,
    }
}

/// op(B) of at most this many bytes is read from L1 whichever tile comes next, so the small
/// path walks C row strip by row strip (ir -> jr), writing it in long runs, as the packed
/// path does; a larger op(B) keeps one NR panel in L1 for all the rows (jr -> ir).
const SMALL_B_L1_BYTES: usize = 16 << 10;

/// The tile loops of [`gemm_small`] over op(B) in place (`b_buf` null) or packed. The
/// order of the tiles never changes a bit: each computes its elements on its own.
///
/// # Safety
/// `p` describes valid operands; a non-null `b_buf` holds op(B) packed in NR panels.
unsafe fn small_tiles<T: Element, K: Microkernel<T>>(p: &Gemm<T>, b_buf: *const T, stream_c: bool) {
    let (mr, nr) = (K::BLOCKING.mr, K::BLOCKING.nr);
    // SAFETY: K supports unpacked operands (SMALL_PATH); rows ir..ir+m_eff and columns
    // jr..jr+n_eff are inside op(A), op(B) and C.
    let tile = |ir: usize, jr: usize| K::run(&small_tile(p, (mr, nr), b_buf, (ir, jr), stream_c));
    // A thin-k product's pieces (an outer product cut for two threads) walked C down its
    // column panels, one tile width (64 bytes) per row of C at a time: 2-thread 2000 x 2000 x 1 took
    // 3.3-4.5 ms against 1.8-1.9 with the packed path's row strips (AVX2, ThinBenchmark).
    if p.k.saturating_mul(p.n).saturating_mul(std::mem::size_of::<T>()) <= SMALL_B_L1_BYTES {
        for ir in (0..p.m).step_by(mr) {
            for jr in (0..p.n).step_by(nr) {
                tile(ir, jr);
            }
        }
    } else {
        for jr in (0..p.n).step_by(nr) {
            for ir in (0..p.m).step_by(mr) {
                tile(ir, jr);
            }
        }
    }
}
