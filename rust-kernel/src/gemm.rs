//! The plan, the first of the three steps of a call (the plan here, the hand-out in
//! `schedule`, one piece in `driver`): quick returns, the kernel for this CPU, the
//! blocking, and how many pieces C is cut into. A call goes one way down: small or
//! single-threaded ones straight to `driver` as one piece, parallel ones through
//! `schedule`, which runs `driver::piece` on the threads of `pool`. How many threads a
//! call gets (its budget, what is free) is asked of `slots` here, once.
use crate::blocking::Blocking;
use crate::dispatch::{self, KernelKind};
use crate::driver;
use crate::element::Element;
use crate::microkernel::{Kernels, Microkernel};
use crate::problem::{Gemm, MatrixMut, MatrixRef};
use crate::schedule::{self, Pieces};
use crate::status::{mm_status, MM_ERR_ALLOCATION, MM_OK};
use crate::{slots, thin, threads};

/// Below this many multiply-adds (m * n * k) a call runs on the caller's thread alone and
/// never waits on the thread pool (waking a worker costs several microseconds, a sizeable
/// part of such a product): callers that must not block, such as a JVM critical downcall,
/// stay under it.
pub const MM_PARALLEL_MIN_MNK: i64 = 96 * 96 * 96;
const PARALLEL_MIN_MNK: usize = MM_PARALLEL_MIN_MNK as usize;

/// How many threads a call may have, and whether it waits for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// Up to the thread setting, what `slots` has free now; never waits.
    Setting,
    /// Up to this many (at least 1), capped by the thread setting; waits for a slot.
    Budget(usize),
    /// Exactly this many, outside the slots: for tests and tools that need a thread count
    /// the machine's cores would not give.
    Exactly(usize),
}

/// C := alpha * op(A) * op(B) + beta * C with the process's kernel and thread count.
#[inline(always)]
pub fn gemm<T: Kernels>(p: &Gemm<T>) -> mm_status {
    gemm_on(dispatch::selected(), Threads::Setting, p)
}

/// As [`gemm`], using at most `budget` threads (at least 1) and waiting for a free slot
/// if every one is taken: see `slots`.
#[inline(always)]
pub fn gemm_budgeted<T: Kernels>(budget: usize, p: &Gemm<T>) -> mm_status {
    gemm_on(dispatch::selected(), Threads::Budget(budget.max(1)), p)
}

/// As [`gemm`] with an explicit kernel (resolved to the best supported one if this CPU
/// lacks it): lets tests cover every path in one process.
pub fn gemm_with<T: Kernels>(kind: KernelKind, p: &Gemm<T>) -> mm_status {
    gemm_on(kind, Threads::Setting, p)
}

/// As [`gemm_with`] on exactly `nthreads` threads (at least 1), outside the slots.
pub fn gemm_with_threads<T: Kernels>(kind: KernelKind, nthreads: usize, p: &Gemm<T>) -> mm_status {
    gemm_on(kind, Threads::Exactly(nthreads.max(1)), p)
}

/// The one entry of every optimised call. Inlined into the ABI entry points with the
/// validation, so the checked problem is never copied through memory before the kernel
/// runs: on a 8 x 8 call the copies' stalled store forwarding was a tenth of the time.
#[inline(always)]
pub fn gemm_on<T: Kernels>(kind: KernelKind, threads: Threads, p: &Gemm<T>) -> mm_status {
    if p.m == 0 || p.n == 0 {
        return MM_OK;
    }
    if p.skips_product() {
        scale_c(p);
        return MM_OK;
    }
    let p = row_major_c(p);
    let kind = dispatch::resolve(kind);
    match kind {
        KernelKind::Avx512 => run_on::<T, T::Avx512>(kind, &p, threads),
        KernelKind::Avx2 => run_on::<T, T::Avx2>(kind, &p, threads),
        KernelKind::Neon => run_on::<T, T::Neon>(kind, &p, threads),
        KernelKind::Generic => run_on::<T, T::Generic>(kind, &p, threads),
    }
}

/// A product with kernel `K` (of family `kind`): one small panel, thin, or tiled. The
/// first is inlined into the ABI entry, so a tiny product's problem never leaves
/// registers before its tiles (read back from the stack in `run_rest` with other widths
/// than it was written, it stalled store forwarding: a quarter of a 2 x 2 x 2 call).
#[inline(always)]
fn run_on<T: Element, K: Microkernel<T>>(kind: KernelKind, p: &Gemm<T>, threads: Threads) -> mm_status {
    if p.m.saturating_mul(p.n).saturating_mul(p.k) < PARALLEL_MIN_MNK && driver::takes_one_panel::<T, K>(p) {
        // Neither thin nor parallel: this is the small path's strip of tiles.
        // SAFETY: the operands were validated; takes_one_panel holds.
        unsafe { driver::one_panel::<T, K>(p) };
        return MM_OK;
    }
    run_rest::<T, K>(kind, p, threads)
}

/// [`run_on`] past the one-panel case: thin, or tiled.
#[inline(never)]
fn run_rest<T: Element, K: Microkernel<T>>(kind: KernelKind, p: &Gemm<T>, threads: Threads) -> mm_status {
    if takes_thin::<T, K>(p) {
        return run_thin(kind, threads, p);
    }
    run::<T, K>(p, threads)
}

/// Whether a product goes to `thin`. Tall ones (one or two columns of C, op(A)'s rows
/// contiguous, from `PANEL_MIN_ROWS` rows) go to the panel path instead where the kernel has
/// one: its tiles stream MR rows of A at once, and a single stream per row left bandwidth
/// unused (4000 x 2 x 1000 row-major, AVX2: 1.65 ms in `thin`, 1.04 ms as a panel).
/// A function of the shape, the strides and `K`'s constants only: public so that tests ask
/// every kernel's decision on any CPU, not only the kernels this one runs.
pub fn takes_thin<T: Element, K: Microkernel<T>>(p: &Gemm<T>) -> bool {
    // thin::takes leaves min(m, n) <= THIN_MAX < PANEL_MIN_ROWS: with m that large, C is tall.
    thin::takes(p) && !(p.m >= thin::PANEL_MIN_ROWS && driver::takes_panel_path::<T, K>(p))
}

/// One product on the calling thread with kernel `K`, the quick returns included: what
/// every product of a batch that is handed out whole runs (`batch`). A call below
/// `MM_PARALLEL_MIN_MNK` takes the same path, so the bits are the same. `kind` is `K`'s
/// family, resolved.
pub(crate) fn serial<T: Element, K: Microkernel<T>>(kind: KernelKind, p: &Gemm<T>) -> mm_status {
    if p.m == 0 || p.n == 0 {
        return MM_OK;
    }
    if p.skips_product() {
        scale_c(p);
        return MM_OK;
    }
    let p = row_major_c(p);
    if takes_thin::<T, K>(&p) {
        return thin::run(kind, 1, &p);
    }
    status(driver::gemm_serial::<T, K>(&p))
}

/// A thin product: memory-bound, it is shared by threads only from the size where a
/// tiled call would be, with the same admission.
fn run_thin<T: Element>(kind: KernelKind, threads: Threads, p: &Gemm<T>) -> mm_status {
    let mnk = p.m.saturating_mul(p.n).saturating_mul(p.k);
    let wanted = if mnk < PARALLEL_MIN_MNK { 1 } else { thread_cap(threads).min(thin::rows_to_share(p)) };
    if wanted <= 1 {
        return thin::run(kind, 1, p);
    }
    let (grant, granted) = admit(threads, wanted);
    let _running = slots::running(granted);
    let done = thin::run(kind, granted, p);
    drop(grant);
    done
}

/// The most threads a call may have under `threads`.
pub(crate) fn thread_cap(threads: Threads) -> usize {
    match threads {
        Threads::Exactly(n) => n,
        Threads::Setting => threads::num_threads(),
        Threads::Budget(budget) => budget.min(threads::num_threads()),
    }
}

/// Admits a call that wants `wanted` threads (at most its `thread_cap`) by the rules of
/// `slots`: the grant to hold while computing, and how many threads it gives. `Exactly`
/// bypasses the slots; the setting takes what is free (1 when none is); a budget waits.
pub(crate) fn admit(threads: Threads, wanted: usize) -> (Option<slots::Grant>, usize) {
    match threads {
        Threads::Exactly(_) => (None, wanted),
        Threads::Setting => {
            let grant = slots::try_acquire(wanted);
            let granted = grant.as_ref().map_or(1, slots::Grant::threads);
            (grant, granted)
        }
        Threads::Budget(_) => {
            let grant = slots::acquire(wanted);
            let granted = grant.threads();
            (Some(grant), granted)
        }
    }
}

/// NUL-terminated name of the microkernel in use.
pub fn kernel_name() -> &'static [u8] {
    dispatch::selected().c_name()
}

/// The microkernels vectorise along C's rows. A column-major C is handled as the
/// row-major product C^T = op(B)^T op(A)^T, which is the same memory.
#[inline(always)]
pub fn row_major_c<T: Element>(p: &Gemm<T>) -> Gemm<T> {
    if p.c.col_stride == 1 || p.c.row_stride != 1 {
        return *p;
    }
    let t = |x: MatrixRef<T>| MatrixRef { ptr: x.ptr, row_stride: x.col_stride, col_stride: x.row_stride };
    Gemm {
        m: p.n,
        n: p.m,
        k: p.k,
        alpha: p.alpha,
        a: t(p.b),
        b: t(p.a),
        beta: p.beta,
        c: MatrixMut { ptr: p.c.ptr, row_stride: p.c.col_stride, col_stride: p.c.row_stride },
    }
}

fn status(r: Result<(), crate::pack::AllocError>) -> mm_status {
    match r {
        Ok(()) => MM_OK,
        Err(_) => MM_ERR_ALLOCATION,
    }
}

/// Row bands per thread a plan aims at when C has too few columns to hand out.
const PIECES_PER_THREAD: usize = 4;

/// Multiply-adds a piece should have at least (about 15 µs on one core): below that, the
/// piece's own costs (packing its B, writing C back per KC step, the hand-out) show.
const MIN_PIECE_MNK: usize = 1 << 20;

/// The narrowest piece, in columns, bigger products aside (see MIN_PIECE_MNK): a few at
/// the end of a call, each reading its band's A at ~0.25 byte per multiply-add (f64).
const TAIL_COLUMNS: usize = 32;

/// How to cut an m x n x k product into pieces for `threads` threads, or `None` when it
/// should run on the caller alone (one thread, or too small to pay for waking workers).
/// Pieces are runs of NR-column tiles (factoring: wide first, narrow last; see `Pieces`) of
/// row bands of whole MC blocks; there are several bands only when C is too narrow to
/// give each thread PIECES_PER_THREAD pieces, and no piece is below MIN_PIECE_MNK where
/// the product allows.
pub fn plan<T>(m: usize, n: usize, k: usize, bl: Blocking, threads: usize) -> Option<Pieces> {
    let mnk = m.saturating_mul(n).saturating_mul(k);
    if threads <= 1 || mnk < PARALLEL_MIN_MNK {
        return None;
    }
    let col_tiles = n.div_ceil(bl.nr);
    let row_blocks = m.div_ceil(bl.mc);
    let target = (mnk / MIN_PIECE_MNK).clamp(threads, PIECES_PER_THREAD * threads);
    let bands = row_blocks.min(target.div_ceil(col_tiles));
    let band_rows = m.div_ceil(bands);
    let tile_mnk = band_rows * bl.nr * k;
    let max_run = bl.nc / bl.nr;
    // The floor matters only for the last rounds, where factoring has shrunk the pieces: a
    // piece reads all of its band's A once per KC step, so narrow pieces cost A traffic,
    // but a thread slow on the last piece (its core taken by other work for a time slice)
    // holds the whole call up for that piece, so the last ones are as narrow as TAIL_COLUMNS.
    let tail_run = TAIL_COLUMNS.div_ceil(bl.nr).min(max_run);
    let min_run = MIN_PIECE_MNK.div_ceil(tile_mnk).clamp(tail_run, max_run).min(col_tiles.div_ceil(threads));
    let pieces = Pieces::new(bl.mc, row_blocks, bands, bl.nr, col_tiles, threads, (min_run, max_run));
    // Never more threads than pieces: each would be a worker woken (or spawned) for nothing.
    let threads = threads.min(pieces.runs.len());
    (threads > 1).then(|| Pieces { threads, ..pieces })
}

fn run<T: Element, K: Microkernel<T>>(p: &Gemm<T>, threads: Threads) -> mm_status {
    if p.m.saturating_mul(p.n).saturating_mul(p.k) < PARALLEL_MIN_MNK {
        // Microseconds of work: no slot, no count, never a wait (see `slots`).
        return status(driver::gemm_serial::<T, K>(p));
    }
    let plan_for = |threads: usize| plan::<T>(p.m, p.n, p.k, K::BLOCKING, threads);
    // A budget waits for a slot; the setting takes what is free, and with none free computes
    // alone on the caller's thread, outside the count; `Exactly` bypasses the slots.
    let (cap, waits) = match threads {
        Threads::Exactly(n) => return run_pieces::<T, K>(p, plan_for(n)),
        Threads::Setting => (threads::num_threads(), false),
        Threads::Budget(budget) => (budget.min(threads::num_threads()), true),
    };
    let first = plan_for(cap);
    let wanted = first.as_ref().map_or(1, |pieces| pieces.threads);
    let grant = if waits { Some(slots::acquire(wanted)) } else { slots::try_acquire(wanted) };
    let granted = grant.as_ref().map_or(1, slots::Grant::threads);
    let done = run_pieces::<T, K>(p, if granted == wanted { first } else { plan_for(granted) });
    drop(grant);
    done
}

/// Runs the planned pieces on the pool, or the whole product on the caller without a plan.
fn run_pieces<T: Element, K: Microkernel<T>>(p: &Gemm<T>, pieces: Option<Pieces>) -> mm_status {
    match pieces {
        Some(pieces) => {
            let _running = slots::running(pieces.threads);
            schedule::run::<T, K>(p, &pieces)
        }
        None => {
            let _running = slots::running(1);
            status(driver::gemm_serial::<T, K>(p))
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
